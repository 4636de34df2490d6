"""Evaluate a compiled pack against one project: findings and score, then the verdict from :mod:`.verdict`.

The verdict itself (DESIGN.md invariant 3) is decided only in :func:`heshan_vetting.verdict.decide`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ._compile import NA, Unknown, round_half_up
from .engine import (
    CompiledIndicator,
    CompiledLabel,
    CompiledPack,
    CompiledRule,
    NumericCheck,
    in_force,
    project_env,
    thresholds_env,
)
from .engines import Engine, native_decider
from .model import Project
from .report import (
    Citation,
    CitationStatus,
    Comparison,
    FactValue,
    Finding,
    IndicatorScore,
    Label,
    Outcome,
    Score,
    Skipped,
    Text,
    Verdict,
)
from .rulepack import VerdictDef
from .verdict import decide

__all__ = [
    "Evaluation",
    "IndicatorInput",
    "evaluate",
]


@dataclass(frozen=True)
class IndicatorInput:
    """What the scoring hook receives for one indicator."""

    indicator: CompiledIndicator
    value: float | None
    outcome: Outcome


@dataclass(frozen=True)
class Evaluation:
    """Everything the evaluation of one project produced."""

    findings: list[Finding]
    score: Score | None
    skipped: list[Skipped]
    verdict: Verdict
    reasons: list[Text]
    conditions: list[str]
    missing_fields: list[str]
    incomplete: bool
    labels: list[Label]
    unverified_basis: list[str]


Scorer = Callable[[Sequence[IndicatorInput], VerdictDef | None], Score | None]


def _fmt(x: Decimal | float) -> str:
    d = x if isinstance(x, Decimal) else Decimal(repr(x))
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _num(d: Decimal) -> float:
    return float(d)


def _missing_names(pack: CompiledPack, env: dict[str, Any], reads: Sequence[str]) -> list[str]:
    """The missing facts behind ``reads``, through derived metrics, in the order they are first reached.

    Depth first without recursion, each name visited once (derived metrics may form long chains and diamonds).
    """
    derived = {d.name: d for d in pack.derived}
    out: list[str] = []
    seen: set[str] = set()
    todo = list(reversed(reads))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in derived:
            todo.extend(reversed(derived[name].reads))
        elif name in pack.fact_types:
            v = env.get(name)
            if isinstance(v, Unknown) and v.kind == "missing":
                out.append(name)
    return out


def _fact_values(pack: CompiledPack, project: Project, env: dict[str, Any], reads: Sequence[str]) -> list[FactValue]:
    derived_names = {d.name for d in pack.derived}
    out: list[FactValue] = []
    for name in reads:
        if name not in pack.fact_types and name not in derived_names:
            continue
        raw: Any
        if name in pack.plugin_facts:
            v = env.get(name)
            raw = None if isinstance(v, Unknown) else v
        elif name in pack.fact_types:
            raw = project.fact_value(name)
        else:
            v = env[name]
            raw = None if isinstance(v, Unknown) else _num(round_half_up(v, 6))
        if isinstance(raw, float):
            raw = _num(round_half_up(raw, 6))
        out.append(
            FactValue(
                name=name,
                title=pack.titles.get(name, Text(zh=name, en=name)),
                value=raw,
                unit=pack.units_of.get(name, ""),
                source=project.sources.get(name),
            )
        )
    return out


def _comparison(check: NumericCheck, env: dict[str, Any], places: int) -> tuple[Comparison, Text | None]:
    a, b = check.left(env), check.right(env)
    actual = None if isinstance(a, Unknown) else round_half_up(a, places)
    threshold = None if isinstance(b, Unknown) else round_half_up(b, places)
    passed: bool | None = None
    gap: Decimal | None = None
    text: Text | None = None
    if actual is not None and threshold is not None:
        op = check.op
        passed = {
            "<": actual < threshold,
            "<=": actual <= threshold,
            ">": actual > threshold,
            ">=": actual >= threshold,
            "==": actual == threshold,
            "!=": actual != threshold,
        }[op]
        unit = f" {check.unit}" if check.unit and check.unit != "%" else check.unit
        shown_op = {"<=": "≤", ">=": "≥", "!=": "≠", "==": "="}.get(op, op)
        pct = "%" if check.unit == "%" else ""
        need_zh = f"需 {shown_op} {_fmt(threshold)}{unit}，现为 {_fmt(actual)}{pct}"
        need_en = f"needs {shown_op} {_fmt(threshold)}{unit}; has {_fmt(actual)}{pct}"
        if not passed:
            if op in (">=", ">"):
                gap = threshold - actual
                need_zh += f"，差 {_fmt(gap)}{pct}"
                need_en += f"; short by {_fmt(gap)}{pct}"
            elif op in ("<=", "<"):
                gap = actual - threshold
                need_zh += f"，超出 {_fmt(gap)}{pct}"
                need_en += f"; over by {_fmt(gap)}{pct}"
        text = Text(zh=need_zh, en=need_en)
    cmp = Comparison(
        expression=check.expression,
        op=check.op,
        actual=None if actual is None else _num(actual),
        threshold=None if threshold is None else _num(threshold),
        threshold_name=check.threshold_name,
        unit=check.unit,
        passed=passed,
        gap=None if gap is None else _num(gap),
    )
    return cmp, text


def _rule_finding(
    pack: CompiledPack,
    rule: CompiledRule,
    project: Project,
    env: dict[str, Any],
    as_of: date,
    decided: tuple[Any, Any],
) -> Finding:
    outcome: Outcome
    detail: Text
    missing: list[str] = []
    scope, requirement = decided
    if scope is True:
        result = requirement
        stage = "require"
    else:
        result = scope
        stage = "applies"
    comparisons: list[Comparison] = []
    texts: list[Text] = []
    if stage == "require":
        for check in rule.checks:
            cmp, text = _comparison(check, env, rule.precision)
            comparisons.append(cmp)
            if text is not None:
                texts.append(text)
    joined_zh = "；".join(t.zh for t in texts)
    joined_en = "; ".join(t.en for t in texts)
    if result is True:
        outcome = Outcome.PASS
        detail = Text(zh=f"符合。{joined_zh}".rstrip(), en=f"Passes. {joined_en}".rstrip())
    elif result is False and stage == "applies":
        outcome = Outcome.NOT_APPLICABLE
        detail = Text(
            zh="不适用：本项目不属于该规则的适用范围。",
            en="Not applicable: the rule's scope does not cover this project.",
        )
    elif result is False:
        outcome = Outcome.FAIL
        msg = rule.message or Text(zh=f"不符合：{rule.title.zh}。", en=f"Fails: {rule.title.en}.")
        detail = Text(
            zh=msg.zh + (f"（{joined_zh}）" if joined_zh else ""),
            en=msg.en + (f" ({joined_en})" if joined_en else ""),
        )
    else:
        assert isinstance(result, Unknown)
        if result.kind == "missing":
            outcome = Outcome.INSUFFICIENT_DATA
            # name only what would decide it: the scope's facts while the scope is undecided
            missing = _missing_names(pack, env, rule.scope_reads if stage == "applies" else rule.reads)
            names_zh = "、".join(f"{pack.titles[m].zh}（{m}）" for m in missing) or "—"
            names_en = ", ".join(missing) or "—"
            detail = Text(
                zh=f"数据不足，无法判断：缺少 {names_zh}。", en=f"Insufficient data to decide: missing {names_en}."
            )
        elif result.kind == "na":
            outcome = Outcome.NOT_APPLICABLE
            detail = _na_detail(pack, rule, project, env, as_of)
        else:
            outcome = Outcome.ERROR
            detail = Text(zh=f"无法计算：{result.detail}。", en=f"Cannot be evaluated: {result.detail}.")
    status = _figure_status(pack, rule, as_of)
    unverified = status not in ("verified", "computed")
    return Finding(
        rule_id=rule.id,
        pack_id=rule.pack_id,
        title=rule.title,
        severity=rule.severity,
        outcome=outcome,
        explanation=detail,
        comparisons=comparisons,
        facts=_fact_values(pack, project, env, rule.reads),
        missing=missing,
        citation=rule.citation,
        unverified=unverified,
        figure_status=status,
        tags=list(rule.tags),
    )


_STATUS_RANK: dict[CitationStatus, int] = {
    "verified": 0, "computed": 1, "partial": 2, "local_default": 3, "draft": 4, "unverified": 5,
}  # fmt: skip


def _figure_status(pack: CompiledPack, rule: CompiledRule | CompiledLabel, as_of: date) -> CitationStatus:
    statuses: list[CitationStatus] = [rule.citation.status]
    for name in rule.reads:
        th = pack.thresholds.get(name)
        if th is not None:
            hit = th.value_on(as_of)
            if hit is not None and hit[1] is not None:
                statuses.append(hit[1].status)
        for source in (pack.tables.get(name), pack.sets.get(name)):
            if source is not None and isinstance(source.citation, Citation):
                statuses.append(source.citation.status)
    return max(statuses, key=lambda s: _STATUS_RANK[s])


def _na_detail(pack: CompiledPack, rule: CompiledRule, project: Project, env: dict[str, Any], as_of: date) -> Text:
    zh: list[str] = []
    en: list[str] = []
    for name in rule.reads:
        title = pack.titles.get(name, Text(zh=name, en=name))
        if name in pack.thresholds and isinstance(env.get(name), Unknown):
            zh.append(f"阈值“{title.zh}”在 {as_of} 没有生效的取值")
            en.append(f"threshold '{title.en}' has no value in force on {as_of}")
        elif name in pack.tables:
            code = project.industry_code or "—"
            table = pack.tables[name]
            if table.default is None and table.lookup(env.get("industry_code", "")) is None:
                zh.append(f"查找表“{title.zh}”中没有行业 {code} 的取值")
                en.append(f"table '{title.en}' has no row for industry {code}")
    if not zh:
        zh.append("所需取值不存在")
        en.append("a value it needs does not exist")
    return Text(zh="不适用：" + "；".join(zh) + "。", en="Not applicable: " + "; ".join(en) + ".")


ExtraFindings = Callable[[dict[str, Any]], Sequence[Finding]]
"""Given the fact namespace (after derived metrics), findings to add (the plugins' checks)."""
FindingsProcessor = Callable[[list[Finding]], list[Finding]]
"""Post-processes all findings before the verdict (the plugins' ``heshan_process_findings``)."""


def evaluate(
    pack: CompiledPack,
    project: Project,
    as_of: date,
    scorer: Scorer,
    decider: Engine = native_decider,
    *,
    extra_env: dict[str, Any] | None = None,
    extra_findings: ExtraFindings | None = None,
    process: FindingsProcessor | None = None,
) -> Evaluation:
    """Evaluate ``project`` as of ``as_of``.

    ``scorer`` turns indicator values into a :class:`Score`; ``decider`` (the engine) decides each
    rule's conditions. Explanations are always computed from the compiled closures. ``extra_env``
    holds the plugin facts' values; ``extra_findings`` and ``process`` are the plugins' checks and
    findings post-processing.
    """
    env = project_env(pack, project)
    if extra_env:
        env.update(extra_env)
    env.update(thresholds_env(pack, as_of))
    for d in pack.derived:
        env[d.name] = d.fn(env)
    skipped: list[Skipped] = []
    for name in sorted(pack.thresholds):
        for start, end, _v, _c in pack.thresholds[name].values:
            if not in_force(start, end, as_of):
                skipped.append(Skipped(kind="threshold", id=name, effective_from=start, effective_until=end))
    active: list[CompiledRule] = []
    for rule in pack.rules:
        if not in_force(rule.effective_from, rule.effective_until, as_of):
            skipped.append(Skipped(kind="rule", id=rule.id, effective_from=rule.effective_from,
                                   effective_until=rule.effective_until))  # fmt: skip
            continue
        active.append(rule)
    labels_in_force = [lb for lb in pack.labels if in_force(lb.effective_from, lb.effective_until, as_of)]
    decided, label_cases = decider(pack, active, labels_in_force, env)
    findings = [_rule_finding(pack, rule, project, env, as_of, decided[rule.id]) for rule in active]
    if extra_findings is not None:
        findings.extend(extra_findings(env))
    if process is not None:
        findings = process(findings)
    inputs: list[IndicatorInput] = []
    for ind in pack.indicators:
        if not in_force(ind.effective_from, ind.effective_until, as_of):
            skipped.append(Skipped(kind="indicator", id=ind.id, effective_from=ind.effective_from,
                                   effective_until=ind.effective_until))  # fmt: skip
            continue
        scope = True if ind.applies is None else ind.applies(env)
        v = ind.value(env) if scope is True else (NA if scope is False else scope)
        if isinstance(v, Unknown):
            kind = {"missing": Outcome.INSUFFICIENT_DATA, "na": Outcome.NOT_APPLICABLE}.get(v.kind, Outcome.ERROR)
            inputs.append(IndicatorInput(ind, None, kind))
        else:
            inputs.append(IndicatorInput(ind, float(v), Outcome.PASS))
    scored = any(i.outcome is not Outcome.NOT_APPLICABLE for i in inputs)
    score = scorer(inputs, pack.verdict) if scored else None
    # an indicator that cannot be computed scores 0: the verdict says so and never approves on that score
    broken = [i.indicator.id for i in inputs if i.outcome is Outcome.ERROR]
    decision = decide(findings, score, pack.verdict, broken_indicators=broken)
    labels: list[Label] = []
    for label in pack.labels:
        if not in_force(label.effective_from, label.effective_until, as_of):
            skipped.append(Skipped(kind="label", id=label.id, effective_from=label.effective_from,
                                   effective_until=label.effective_until))  # fmt: skip
            continue
        labels.append(_label(pack, label, project, env, as_of, label_cases[label.id]))
    basis = [f.rule_id for f in findings if f.unverified and f.outcome in (Outcome.PASS, Outcome.FAIL)]
    return Evaluation(
        findings,
        score,
        skipped,
        decision.verdict,
        decision.reasons,
        decision.conditions,
        decision.missing_fields,
        decision.incomplete,
        labels,
        basis,
    )


def _label(
    pack: CompiledPack, label: CompiledLabel, project: Project, env: dict[str, Any], as_of: date, cases: tuple[Any, ...]
) -> Label:
    value: Text | None = label.otherwise
    outcome = "decided" if value is not None else "none"
    missing: list[str] = []
    for result, (_fn, case_value) in zip(cases, label.cases, strict=False):  # stops where the engine did
        if result is True:
            value, outcome = case_value, "decided"
            break
        if isinstance(result, Unknown):
            value, outcome = None, "insufficient_data"
            missing = _missing_names(pack, env, label.reads)
            break
    return Label(
        id=label.id, title=label.title, value=value,
        outcome="decided" if outcome == "decided" else ("none" if outcome == "none" else "insufficient_data"),
        missing=tuple(missing), facts=tuple(_fact_values(pack, project, env, label.reads)),
        citation=label.citation, figure_status=_figure_status(pack, label, as_of),
    )  # fmt: skip


def linear_points(value: float, floor: float, target: float, weight: float) -> float:
    """``weight × clamp((value − floor) / (target − floor), 0, 1)``; a target below the floor means lower is better."""
    frac = (value - floor) / (target - floor)
    return weight * min(1.0, max(0.0, frac))


def score_indicators(inputs: Sequence[IndicatorInput], verdict: VerdictDef | None) -> Score:
    """The default weighted linear score out of 100 (indicators without data score 0)."""
    # a not-applicable indicator (e.g. per-mu figures for a project without land of its own) leaves
    # the total; missing data and errors keep their weight and score 0
    total_weight = sum(i.indicator.weight for i in inputs if i.outcome is not Outcome.NOT_APPLICABLE)
    parts: list[IndicatorScore] = []
    points_sum = 0.0
    pending = 0.0  # points still open because data is missing
    for i in inputs:
        ind = i.indicator
        points = 0.0 if i.value is None else linear_points(i.value, ind.floor, ind.target, ind.weight)
        scaled = points * 100.0 / total_weight if total_weight else 0.0
        points_sum += scaled
        if i.outcome is Outcome.INSUFFICIENT_DATA and total_weight:
            pending += ind.weight * 100.0 / total_weight
        parts.append(
            IndicatorScore(
                id=ind.id,
                title=ind.title,
                value=None if i.value is None else _num(round_half_up(i.value, 4)),
                unit=ind.unit,
                weight=ind.weight,
                floor=_num(round_half_up(ind.floor, 6)),
                target=_num(round_half_up(ind.target, 6)),
                points=_num(round_half_up(scaled, 2)),
                outcome=i.outcome,
                citation=ind.citation,
            )
        )
    return Score(
        total=_num(round_half_up(points_sum, 2)),
        attainable=_num(round_half_up(points_sum + pending, 2)) if pending else None,
        approve_min=verdict.approve_min if verdict else None,
        conditional_min=verdict.conditional_min if verdict else None,
        indicators=parts,
    )
