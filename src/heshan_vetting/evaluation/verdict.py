"""The single place the verdict is decided: one table of what each finding does to it, and :func:`decide`.

The verdict rule (DESIGN.md invariant 3): a failed veto rejects; a veto or required rule that cannot be
decided for missing data *defers* the decision (``deferred``, 材料不全，暂缓评审: the report lists what to
supply), as do score indicators without data that could change the verdict; a failed required rule or any
``error`` finding makes the verdict at best ``conditional``; then the score decides between ``approve``,
``conditional`` and ``reject`` by the pack's thresholds (a score exactly at a threshold reaches it). A
scoring indicator that cannot be computed, and a plugin that fails on the finished report, make the result
incomplete and keep it from ``approve``. A veto or required rule whose decisive figure is ``unverified`` is
reported as advisory and decides nothing (invariant 11; ``draft`` and ``local_default`` figures are local
choices and may decide). Verdicts are ordered approve < conditional < deferred < reject.

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

from heshan_vetting.evaluation.trusted import trusted
from heshan_vetting.packs.schema import VerdictDef
from heshan_vetting.report import CitationStatus, Finding, Outcome, Referral, Score, Severity, Text, Verdict


def _said(*, zh: str, en: str) -> Text:
    """A reason's text (both are strings made here: see :mod:`.trusted`)."""
    return trusted(Text, {"zh": zh, "en": en})


__all__ = [
    "DATA_QUALITY",
    "DATA_QUALITY_TAG",
    "EFFECTS",
    "INDICATOR_ERROR",
    "OBSERVER_ERROR",
    "OUT_OF_SCOPE",
    "REFERRAL",
    "REFERRAL_UNDECIDED",
    "SCOPE_UNKNOWN",
    "WAIVED",
    "WAIVER_CLAIMED",
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
    """Whether the finding's missing facts are added to ``report.missing_fields`` and ``report.to_supply``."""
    reason: Reason | None = None
    """The reason added to ``report.reasons``, if any."""


_NONE = Effect(Verdict.APPROVE)


def _error(f: Finding) -> Text:
    return _said(
        zh=f"{f.rule_id} 无法计算，结论不完整。", en=f"{f.rule_id} could not be evaluated; the result is incomplete."
    )


def _veto_failed(f: Finding) -> Text:
    return _said(zh=f"一票否决：{f.rule_id} {f.title.zh}。", en=f"Veto: {f.rule_id} {f.title.en}.")


def _veto_no_data(f: Finding) -> Text:
    return _said(
        zh=f"否决项 {f.rule_id} 因缺少数据无法判断（{'、'.join(f.missing)}）。",
        en=f"Veto {f.rule_id} cannot be decided for lack of data ({', '.join(f.missing)}).",
    )


def _required_failed(f: Finding) -> Text:
    return _said(zh=f"须整改：{f.rule_id} {f.title.zh}。", en=f"Must be fixed: {f.rule_id} {f.title.en}.")


def _required_no_data(f: Finding) -> Text:
    return _said(
        zh=f"必备条件 {f.rule_id} 缺少数据（{'、'.join(f.missing)}）。",
        en=f"Required rule {f.rule_id} lacks data ({', '.join(f.missing)}).",
    )


def _data_quality(f: Finding) -> Text:
    return _said(
        zh=f"请核实：{f.rule_id} {f.title.zh}未通过，核实或更正前暂缓评审。",
        en=f"To confirm: {f.rule_id} {f.title.en} fails; the decision waits until the figure is confirmed.",
    )


def _unverified_only(f: Finding) -> Text:
    what_zh = "未通过" if f.outcome is Outcome.FAIL else "缺少数据"
    what_en = "fails" if f.outcome is Outcome.FAIL else "lacks data"
    return _said(
        zh=f"{f.rule_id} {what_zh}，但其依据数值未经核实，仅作提示，不影响结论。",
        en=f"{f.rule_id} {what_en}, but its figure is unverified: reported only, it does not decide the verdict.",
    )


_C = Verdict.CONDITIONAL
_D = Verdict.DEFERRED

#: What each ``(severity, outcome)`` of a finding does to the verdict; every pair is present.
EFFECTS: Mapping[tuple[Severity, Outcome], Effect] = MappingProxyType({
    (Severity.VETO, Outcome.PASS): _NONE,
    (Severity.VETO, Outcome.NOT_APPLICABLE): _NONE,
    (Severity.VETO, Outcome.FAIL): Effect(Verdict.REJECT, reason=_veto_failed),
    (Severity.VETO, Outcome.INSUFFICIENT_DATA): Effect(_D, missing=True, reason=_veto_no_data),
    (Severity.VETO, Outcome.ERROR): Effect(_C, condition=True, incomplete=True, reason=_error),
    (Severity.REQUIRED, Outcome.PASS): _NONE,
    (Severity.REQUIRED, Outcome.NOT_APPLICABLE): _NONE,
    (Severity.REQUIRED, Outcome.FAIL): Effect(_C, condition=True, reason=_required_failed),
    (Severity.REQUIRED, Outcome.INSUFFICIENT_DATA): Effect(_D, missing=True, reason=_required_no_data),
    (Severity.REQUIRED, Outcome.ERROR): Effect(_C, condition=True, incomplete=True, reason=_error),
    (Severity.ADVISORY, Outcome.PASS): _NONE,
    (Severity.ADVISORY, Outcome.NOT_APPLICABLE): _NONE,
    (Severity.ADVISORY, Outcome.FAIL): _NONE,
    (Severity.ADVISORY, Outcome.INSUFFICIENT_DATA): _NONE,
    (Severity.ADVISORY, Outcome.ERROR): Effect(_C, incomplete=True, reason=_error),
})  # fmt: skip

#: Rules tagged ``data-quality`` check that figures are plausible (a slip of units, not a project).
DATA_QUALITY_TAG = "data-quality"
#: A data-quality rule that fails: the figure must be confirmed (``confirmed_values``) or corrected first.
DATA_QUALITY = Effect(_D)

#: A failed waivable rule lifted by a governed waiver in force (approver, dates, citation): it caps nothing;
#: the reason names the waiver, and the finding keeps its ``fail`` outcome with the waiver attached.
WAIVED = Effect(Verdict.APPROVE)
#: A failed waivable rule the project claims an exception ground for, which no one has granted yet: no
#: longer a rejection, but never more than ``conditional`` (the referral names who reviews the claim).
WAIVER_CLAIMED = Effect(_C, condition=True)

#: Scoring indicators that cannot be computed (they score 0): never approve on that score.
INDICATOR_ERROR = Effect(_C, incomplete=True)
#: Plugins that failed on the finished report (``heshan_report_finished``).
OBSERVER_ERROR = Effect(_C, incomplete=True)
#: A referral (转报) that is due: another body must also decide, so never a plain approve.
REFERRAL = Effect(_C)
#: A referral that may be due: its condition cannot be decided for lack of data. Whether another body must
#: decide changes what Heshan can decide, so the decision is deferred until the data comes (to_supply).
REFERRAL_UNDECIDED = Effect(_D, missing=True)
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
    supply: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Missing fact → the (id, kind) that need it (kind ``veto``, ``required``, ``score``, ``data-quality``,
    ``referral`` or ``scope``), in first-seen order: the report's ``to_supply``."""


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


def _score_reasons(score: Score, verdict_def: VerdictDef) -> tuple[Verdict, list[Text], bool]:
    """The verdict by score, its reasons, and whether it is deferred for indicators without data."""
    reasons: list[Text] = []
    by_score = _by_score(score.total, verdict_def)
    if score.attainable is not None and by_score is not Verdict.APPROVE:
        # Missing data scores 0 but is not a low value: never decide on a score that the missing
        # indicators could still lift; defer until the data comes.
        best = _by_score(score.attainable, verdict_def)
        if best.rank < by_score.rank:
            reasons.append(
                _said(
                    zh=f"综合评分 {_fmt(score.total)} 分中有指标缺少数据；补齐后最高可达 {_fmt(score.attainable)} 分，"
                    "暂缓评审。",
                    en=f"Score {_fmt(score.total)} has indicators without data; with them it could reach "
                    f"{_fmt(score.attainable)}, so the decision is deferred.",
                )
            )
            return Verdict.DEFERRED, reasons, True
    if by_score is not Verdict.APPROVE:
        near = by_score is Verdict.CONDITIONAL
        line = _fmt(verdict_def.approve_min if near else verdict_def.conditional_min)
        total = _fmt(score.total)
        reasons.append(
            _said(
                zh=f"综合评分 {total} 分，低于{'准入' if near else '有条件准入'}线 {line} 分。",
                en=f"Score {total} is below the {'approval' if near else 'conditional'} line of {line}.",
            )
        )
    return by_score, reasons, False


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
    be told (the same cap). A due referral caps at ``conditional``; one that cannot be told for lack of data
    defers the decision (its facts go to ``to_supply``); each is named among the reasons.
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
    supply: dict[str, list[tuple[str, str]]] = {k: list(v) for k, v in start.supply.items()}

    def needs(fact: str, what: tuple[str, str]) -> None:
        entries = supply.setdefault(fact, [])
        if what not in entries:
            entries.append(what)

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
        for m in scope_missing:
            needs(m, ("scope", "scope"))
        apply(
            SCOPE_UNKNOWN,
            _said(
                zh=f"缺少数据（{'、'.join(scope_missing)}），无法判断项目是否属本规则包评审范围。",
                en=f"Whether the pack covers the project cannot be told without {', '.join(scope_missing)}.",
            ),
        )
    for f in findings:
        severity = f.severity
        unverified = f.figure_status is CitationStatus.UNVERIFIED and severity is not Severity.ADVISORY
        if unverified:
            # a figure no one has verified does not decide (DESIGN.md invariant 11): reported, advisory
            severity = Severity.ADVISORY
        effect = EFFECTS[severity, f.outcome]
        if out_of_scope is not None and effect.cap is not Verdict.REJECT:
            # the pack does not decide this project: only a ban that covers it (a failed veto) counts; what
            # it would take to pass the pack's other rules is not asked of it
            incomplete = incomplete or effect.incomplete
            continue
        if unverified and f.outcome in (Outcome.FAIL, Outcome.INSUFFICIENT_DATA):
            reasons.append(_unverified_only(f))
        if DATA_QUALITY_TAG in f.tags and f.outcome is Outcome.FAIL and severity is not Severity.ADVISORY:
            # a figure outside a plausible range: confirm or correct it before a decision (not a condition)
            apply(DATA_QUALITY, _data_quality(f))
            what = f.facts[0].name if f.facts else f.rule_id
            needs(what, (f.rule_id, "data-quality"))
            continue
        if f.outcome is Outcome.FAIL and f.waiver is not None and f.waiver.status in ("applied", "claimed"):
            # a waiver lifts the failure (only rules a pack marks waivable ever carry one): named, not hidden
            effect = WAIVED if f.waiver.status == "applied" else WAIVER_CLAIMED
            if effect.condition:
                conditions.append(f.rule_id)
            apply(effect, f.waiver.message)
            continue
        if effect.condition:
            conditions.append(f.rule_id)
        if effect.missing:
            missing.extend(m for m in f.missing if m not in missing)
            for m in f.missing:
                needs(m, (f.rule_id, f.severity.value))
        apply(effect, effect.reason(f) if effect.reason is not None else None)
    in_scope = out_of_scope is None
    if in_scope and score is not None and verdict_def is not None and not score.meaningful:
        # too few indicators with a value: nothing is decided on the score (DESIGN.md invariant 3)
        pending = [ind for ind in score.indicators if ind.outcome is Outcome.INSUFFICIENT_DATA]
        zh = f"综合评分仅基于 {score.scored} 项有数据的指标（规则包要求至少 {score.min_indicators} 项），不具参考意义"
        en = (
            f"The score rests on {score.scored} indicator(s) with data (the pack needs at least "
            f"{score.min_indicators}), so it is not meaningful"
        )
        if pending:
            apply(
                Effect(Verdict.DEFERRED),
                _said(zh=zh + "；补齐缺少数据的指标前暂缓评审。", en=en + "; the decision waits for their data."),
            )
            for ind in pending:
                missing.extend(m for m in ind.missing if m not in missing)
                for m in ind.missing:
                    needs(m, (ind.id, "score"))
        else:
            reasons.append(_said(zh=zh + "，结论不以评分为依据。", en=en + " and the verdict does not rest on it."))
    elif in_scope and score is not None and verdict_def is not None:
        by_score, score_reasons, deferred = _score_reasons(score, verdict_def)
        reasons.extend(score_reasons)
        apply(Effect(by_score), None)
        if deferred:
            for ind in score.indicators:
                if ind.outcome is Outcome.INSUFFICIENT_DATA:
                    missing.extend(m for m in ind.missing if m not in missing)
                    for m in ind.missing:
                        needs(m, (ind.id, "score"))
    for ref in referrals:
        effect = REFERRAL_UNDECIDED if ref.missing else REFERRAL
        if effect.missing:
            missing.extend(m for m in ref.missing if m not in missing)
            for m in ref.missing:
                needs(m, (ref.id, "referral"))
        if ref.missing:
            reason = _said(
                zh=f"可能须转报{ref.to.zh}（{ref.rule_id or ref.id}），缺少 {'、'.join(ref.missing)} 无法判断。",
                en=f"May need referral to {ref.to.en} ({ref.rule_id or ref.id}); "
                f"{', '.join(ref.missing)} missing to tell.",
            )
        else:
            reason = _said(
                zh=f"须转报{ref.to.zh}（{ref.rule_id or ref.id}）。",
                en=f"Must also be decided by {ref.to.en} ({ref.rule_id or ref.id}).",
            )
        apply(effect, reason)
    if broken_indicators:
        apply(
            INDICATOR_ERROR,
            _said(
                zh=f"评分指标 {'、'.join(broken_indicators)} 无法计算（按 0 分计），结论不完整。",
                en=f"Scoring indicator(s) {', '.join(broken_indicators)} could not be computed (scored 0); "
                "the result is incomplete.",
            ),
        )
    if failed_observers:
        apply(
            OBSERVER_ERROR,
            _said(
                zh=f"插件 {'、'.join(failed_observers)} 处理报告时出错，结论不完整。",
                en=f"Plugin(s) {', '.join(failed_observers)} failed on the finished report; the result is incomplete.",
            ),
        )
    return Decision(worst, reasons, list(dict.fromkeys(conditions)), missing, incomplete, supply)
