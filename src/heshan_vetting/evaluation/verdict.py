"""The single place the verdict is decided: one table of what each finding does to it, and :func:`decide`.

The verdict rule (DESIGN.md invariant 3): a failed veto rejects; a veto that cannot be evaluated, a
failed or undecidable required rule, or any ``error`` finding makes the verdict at best ``conditional``;
then the score decides between ``approve``, ``conditional`` and ``reject`` by the pack's thresholds (a
score exactly at a threshold reaches it). A scoring indicator that cannot be computed, and a plugin that
fails on the finished report, make the result incomplete and keep it from ``approve``.

:data:`EFFECTS` is keyed by every ``(Severity, Outcome)`` pair. Each :class:`Effect` says the best
verdict the finding still allows (its *cap*), whether its rule is listed in ``report.conditions``,
whether it makes the report incomplete, whether its missing facts go into ``report.missing_fields``,
and the zh/en reason it adds. :data:`INDICATOR_ERROR`, :data:`OBSERVER_ERROR`, :data:`REFERRAL`,
:data:`REFERRAL_UNDECIDED`, :data:`OUT_OF_SCOPE` and :data:`SCOPE_UNKNOWN` are the effects that do not
come from a finding. :func:`decide` applies them all; no other module caps a verdict.

A project outside the pack's scope is ``deferred`` (the pack does not decide it; its score does not count),
but a failed veto still rejects it: a ban names the projects it covers whatever the pack's scope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from heshan_vetting.packs.schema import VerdictDef
from heshan_vetting.report import Finding, Outcome, Referral, Score, Severity, Text, Verdict

__all__ = [
    "EFFECTS",
    "INDICATOR_ERROR",
    "OBSERVER_ERROR",
    "OUT_OF_SCOPE",
    "REFERRAL",
    "REFERRAL_UNDECIDED",
    "SCOPE_UNKNOWN",
    "Decision",
    "Effect",
    "decide",
]

Reason = Callable[[Finding], Text]
"""The zh/en reason a finding adds to the report."""


@dataclass(frozen=True)
class Effect:
    """What one kind of finding (or error) does to the verdict."""

    cap: Verdict
    """The best verdict still possible (``approve`` when it caps nothing)."""
    condition: bool = False
    """Whether the rule is listed in ``report.conditions`` (what must be fixed or supplied)."""
    incomplete: bool = False
    """Whether the report is marked incomplete."""
    missing: bool = False
    """Whether the finding's missing facts are added to ``report.missing_fields``."""
    reason: Reason | None = None
    """The reason added to ``report.reasons``, if any."""


_NONE = Effect(Verdict.APPROVE)


def _error(f: Finding) -> Text:
    return Text(
        zh=f"{f.rule_id} 无法计算，结论不完整。", en=f"{f.rule_id} could not be evaluated; the result is incomplete."
    )


def _veto_failed(f: Finding) -> Text:
    return Text(zh=f"一票否决：{f.rule_id} {f.title.zh}。", en=f"Veto: {f.rule_id} {f.title.en}.")


def _veto_no_data(f: Finding) -> Text:
    return Text(
        zh=f"否决项 {f.rule_id} 因缺少数据无法判断（{'、'.join(f.missing)}）。",
        en=f"Veto {f.rule_id} cannot be decided for lack of data ({', '.join(f.missing)}).",
    )


def _required_failed(f: Finding) -> Text:
    return Text(zh=f"须整改：{f.rule_id} {f.title.zh}。", en=f"Must be fixed: {f.rule_id} {f.title.en}.")


def _required_no_data(f: Finding) -> Text:
    return Text(
        zh=f"必备条件 {f.rule_id} 缺少数据（{'、'.join(f.missing)}）。",
        en=f"Required rule {f.rule_id} lacks data ({', '.join(f.missing)}).",
    )


_C = Verdict.CONDITIONAL

#: What each ``(severity, outcome)`` of a finding does to the verdict; every pair is present.
EFFECTS: Mapping[tuple[Severity, Outcome], Effect] = MappingProxyType({
    (Severity.VETO, Outcome.PASS): _NONE,
    (Severity.VETO, Outcome.NOT_APPLICABLE): _NONE,
    (Severity.VETO, Outcome.FAIL): Effect(Verdict.REJECT, reason=_veto_failed),
    (Severity.VETO, Outcome.INSUFFICIENT_DATA): Effect(_C, condition=True, missing=True, reason=_veto_no_data),
    (Severity.VETO, Outcome.ERROR): Effect(_C, condition=True, incomplete=True, reason=_error),
    (Severity.REQUIRED, Outcome.PASS): _NONE,
    (Severity.REQUIRED, Outcome.NOT_APPLICABLE): _NONE,
    (Severity.REQUIRED, Outcome.FAIL): Effect(_C, condition=True, reason=_required_failed),
    (Severity.REQUIRED, Outcome.INSUFFICIENT_DATA): Effect(_C, condition=True, missing=True, reason=_required_no_data),
    (Severity.REQUIRED, Outcome.ERROR): Effect(_C, condition=True, incomplete=True, reason=_error),
    (Severity.ADVISORY, Outcome.PASS): _NONE,
    (Severity.ADVISORY, Outcome.NOT_APPLICABLE): _NONE,
    (Severity.ADVISORY, Outcome.FAIL): _NONE,
    (Severity.ADVISORY, Outcome.INSUFFICIENT_DATA): _NONE,
    (Severity.ADVISORY, Outcome.ERROR): Effect(_C, incomplete=True, reason=_error),
})  # fmt: skip

#: Scoring indicators that cannot be computed (they score 0): never approve on that score.
INDICATOR_ERROR = Effect(_C, incomplete=True)
#: Plugins that failed on the finished report (``heshan_report_finished``).
OBSERVER_ERROR = Effect(_C, incomplete=True)
#: A referral (转报) that is due: another body must also decide, so never a plain approve.
REFERRAL = Effect(_C)
#: A referral that may be due: its condition cannot be decided for lack of data (named in missing_fields).
REFERRAL_UNDECIDED = Effect(_C, missing=True)
#: The project is outside the pack's scope: the pack does not decide it.
OUT_OF_SCOPE = Effect(Verdict.DEFERRED)
#: Whether the pack covers the project cannot be told for lack of data.
SCOPE_UNKNOWN = Effect(Verdict.DEFERRED, missing=True)


@dataclass(frozen=True)
class Decision:
    """The verdict and what the report says about it."""

    verdict: Verdict = Verdict.APPROVE
    reasons: list[Text] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    missing_fields: list[str] = field(default_factory=list)
    incomplete: bool = False


def _fmt(x: Decimal | float) -> str:
    d = x if isinstance(x, Decimal) else Decimal(repr(x))
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _by_score(total: float, verdict_def: VerdictDef) -> Verdict:
    s = Decimal(repr(total))
    if s >= Decimal(repr(verdict_def.approve_min)):
        return Verdict.APPROVE
    if s >= Decimal(repr(verdict_def.conditional_min)):
        return Verdict.CONDITIONAL
    return Verdict.REJECT


def _score_reasons(score: Score, verdict_def: VerdictDef) -> tuple[Verdict, list[Text]]:
    reasons: list[Text] = []
    by_score = _by_score(score.total, verdict_def)
    if score.attainable is not None and by_score is not Verdict.APPROVE:
        # Missing data scores 0 but is not a low value: never reject on a score that the missing
        # indicators could still lift; hold the project at conditional until the data comes.
        best = _by_score(score.attainable, verdict_def)
        if best.rank < by_score.rank:
            reasons.append(
                Text(
                    zh=f"综合评分 {_fmt(score.total)} 分中有指标缺少数据；补齐后最高可达 {_fmt(score.attainable)} 分。",
                    en=f"Score {_fmt(score.total)} has indicators without data; with them it could reach "
                    f"{_fmt(score.attainable)}.",
                )
            )
            by_score = Verdict.CONDITIONAL
    if by_score is not Verdict.APPROVE:
        near = by_score is Verdict.CONDITIONAL
        line = _fmt(verdict_def.approve_min if near else verdict_def.conditional_min)
        total = _fmt(score.total)
        reasons.append(
            Text(
                zh=f"综合评分 {total} 分，低于{'准入' if near else '有条件准入'}线 {line} 分。",
                en=f"Score {total} is below the {'approval' if near else 'conditional'} line of {line}.",
            )
        )
    return by_score, reasons


def decide(
    findings: Sequence[Finding],
    score: Score | None = None,
    verdict_def: VerdictDef | None = None,
    *,
    broken_indicators: Sequence[str] = (),
    failed_observers: Sequence[str] = (),
    referrals: Sequence[Referral] = (),
    out_of_scope: Text | None = None,
    scope_missing: Sequence[str] = (),
    prior: Decision | None = None,
) -> Decision:
    """The verdict from ``findings`` (through :data:`EFFECTS`), the score, broken indicators, failed
    observers, referrals and the pack's scope.

    ``out_of_scope`` (the pack's text for a project it does not cover) caps the verdict at ``deferred``:
    the score does not decide, and of the findings only failed vetoes (which reject) and errors (which make
    the report incomplete) count; ``scope_missing`` names the facts without which the scope cannot
    be told (the same cap). Each referral caps at ``conditional`` and is named among the reasons.
    Reasons come in this order: the scope's, the findings' in their order, the score's, the referrals',
    the broken indicators', the failed observers'. ``prior`` is a decision already made (e.g. the
    report's before its observers ran): its verdict, reasons, conditions and missing fields come first
    and its caps stay.
    """
    start = prior if prior is not None else Decision()
    worst = start.verdict
    reasons = list(start.reasons)
    conditions = list(start.conditions)
    missing = list(start.missing_fields)
    incomplete = start.incomplete

    def apply(effect: Effect, reason: Text | None) -> None:
        nonlocal worst, incomplete
        if effect.cap.rank > worst.rank:
            worst = effect.cap
        incomplete = incomplete or effect.incomplete
        if reason is not None:
            reasons.append(reason)

    if out_of_scope is not None:
        apply(OUT_OF_SCOPE, out_of_scope)
    elif scope_missing:
        missing.extend(m for m in scope_missing if m not in missing)
        apply(
            SCOPE_UNKNOWN,
            Text(
                zh=f"缺少数据（{'、'.join(scope_missing)}），无法判断项目是否属本规则包评审范围。",
                en=f"Whether the pack covers the project cannot be told without {', '.join(scope_missing)}.",
            ),
        )
    for f in findings:
        effect = EFFECTS[f.severity, f.outcome]
        if out_of_scope is not None and effect.cap is not Verdict.REJECT:
            # the pack does not decide this project: only a ban that covers it (a failed veto) counts; what
            # it would take to pass the pack's other rules is not asked of it
            incomplete = incomplete or effect.incomplete
            continue
        if effect.condition:
            conditions.append(f.rule_id)
        if effect.missing:
            missing.extend(m for m in f.missing if m not in missing)
        apply(effect, effect.reason(f) if effect.reason is not None else None)
    if score is not None and verdict_def is not None and out_of_scope is None:
        by_score, score_reasons = _score_reasons(score, verdict_def)
        reasons.extend(score_reasons)
        apply(Effect(by_score), None)
    for ref in referrals:
        effect = REFERRAL_UNDECIDED if ref.missing else REFERRAL
        if effect.missing:
            missing.extend(m for m in ref.missing if m not in missing)
        if ref.missing:
            reason = Text(
                zh=f"可能须转报{ref.to.zh}（{ref.rule_id or ref.id}），缺少 {'、'.join(ref.missing)} 无法判断。",
                en=f"May need referral to {ref.to.en} ({ref.rule_id or ref.id}); "
                f"{', '.join(ref.missing)} missing to tell.",
            )
        else:
            reason = Text(
                zh=f"须转报{ref.to.zh}（{ref.rule_id or ref.id}）。",
                en=f"Must also be decided by {ref.to.en} ({ref.rule_id or ref.id}).",
            )
        apply(effect, reason)
    if broken_indicators:
        apply(
            INDICATOR_ERROR,
            Text(
                zh=f"评分指标 {'、'.join(broken_indicators)} 无法计算（按 0 分计），结论不完整。",
                en=f"Scoring indicator(s) {', '.join(broken_indicators)} could not be computed (scored 0); "
                "the result is incomplete.",
            ),
        )
    if failed_observers:
        apply(
            OBSERVER_ERROR,
            Text(
                zh=f"插件 {'、'.join(failed_observers)} 处理报告时出错，结论不完整。",
                en=f"Plugin(s) {', '.join(failed_observers)} failed on the finished report; the result is incomplete.",
            ),
        )
    return Decision(worst, reasons, list(dict.fromkeys(conditions)), missing, incomplete)
