"""Findings and their explanations: what each rule decided, the facts it read and the figures it compared."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from heshan_vetting.lang.types import BoolFn
from heshan_vetting.lang.values import NA, Unknown, round_half_up
from heshan_vetting.model import Project
from heshan_vetting.packs.compiled import (
    CompiledLabel,
    CompiledPack,
    CompiledRule,
    CompiledThreshold,
    NumericCheck,
)
from heshan_vetting.report import (
    Citation,
    CitationStatus,
    Comparison,
    FactValue,
    Finding,
    Label,
    Outcome,
    Text,
)
from heshan_vetting.terms import format_quantity


def _quantity(x: Decimal, unit: str) -> str:
    return format_quantity(x, unit, None)


def missing_names(pack: CompiledPack, env: dict[str, Any], reads: Sequence[str]) -> list[str]:
    """The missing facts behind ``reads``, through derived metrics, in the order they are first reached
    (:meth:`CompiledPack.facts_behind`)."""
    out: list[str] = []
    for name in pack.facts_behind(reads):
        v = env.get(name)
        if isinstance(v, Unknown) and v.kind == "missing":
            out.append(name)
    return out


def missing_facts(pack: CompiledPack, env: dict[str, Any], fn: BoolFn, reads: Sequence[str]) -> list[str]:
    """The missing facts that keep condition ``fn`` (which reads ``reads``) undecided, through derived metrics.

    A name read by ``fn`` counts only if its absence shows in the result: with it made ``na`` (which
    outranks ``missing``) the result turns ``na``. So a fact in a branch that is false anyway (the increment
    of a project that is not an expansion) is not asked for. Falls back to every missing name read.
    """
    base = fn(env)
    if not (isinstance(base, Unknown) and base.kind == "missing"):
        return missing_names(pack, env, reads)
    relevant: list[str] = []
    for name in reads:
        v = env.get(name)
        if isinstance(v, Unknown) and v.kind == "missing":
            probe = dict(env)
            probe[name] = NA
            out = fn(probe)
            if isinstance(out, Unknown) and out.kind == "na":
                relevant.append(name)
    return missing_names(pack, env, relevant) or missing_names(pack, env, reads)


def _text(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


def _fact_values(
    pack: CompiledPack,
    project: Project,
    env: dict[str, Any],
    reads: Sequence[str],
    seen: dict[str, FactValue] | None = None,
) -> list[FactValue]:
    """The facts ``reads`` names, with their values. ``seen`` keeps those already made for the same project
    and facts (one check): a fact's entry depends only on its name then, so each is made once per check."""
    derived_names = pack.derived_names
    titles, units_of, sources = pack.titles, pack.units_of, project.sources
    out: list[FactValue] = []
    for name in reads:
        if name not in pack.fact_types and name not in derived_names:
            continue
        if seen is not None:
            done = seen.get(name)
            if done is not None:
                out.append(done)
                continue
        raw: Any
        if name in pack.plugin_facts:
            v = env.get(name)
            raw = None if isinstance(v, Unknown) else v
        elif name in pack.fact_types:
            raw = project.fact_value(name)
        else:
            v = env[name]
            raw = None if isinstance(v, Unknown) else float(round_half_up(v, 6))
        if isinstance(raw, float):
            raw = float(round_half_up(raw, 6))
        title = titles.get(name)
        fact = FactValue(
            name=name,
            title=_text(name, name) if title is None else title,
            value=raw,
            unit=units_of.get(name, ""),
            source=sources.get(name),
        )
        if seen is not None:
            seen[name] = fact
        out.append(fact)
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
        shown_op = {"<=": "≤", ">=": "≥", "!=": "≠", "==": "="}.get(op, op)
        need, has = _quantity(threshold, check.unit), _quantity(actual, check.unit)
        need_zh = f"需 {shown_op} {need}，现为 {has}"
        need_en = f"needs {shown_op} {need}; has {has}"
        if not passed:
            if op in (">=", ">"):
                gap = threshold - actual
                need_zh += f"，差 {_quantity(gap, check.unit)}"
                need_en += f"; short by {_quantity(gap, check.unit)}"
            elif op in ("<=", "<"):
                gap = actual - threshold
                need_zh += f"，超出 {_quantity(gap, check.unit)}"
                need_en += f"; over by {_quantity(gap, check.unit)}"
        text = _text(need_zh, need_en)
    cmp = Comparison(
        expression=check.expression,
        op=check.op,
        actual=None if actual is None else float(actual),
        threshold=None if threshold is None else float(threshold),
        threshold_name=check.threshold_name,
        unit=check.unit,
        passed=passed,
        gap=None if gap is None else float(gap),
    )
    return cmp, text


def rule_finding(
    pack: CompiledPack,
    rule: CompiledRule,
    project: Project,
    env: dict[str, Any],
    as_of: date,
    decided: tuple[Any, Any],
    seen: dict[str, FactValue] | None = None,
) -> Finding:
    """The finding of ``rule`` for ``project`` from the engine's decision; ``seen``: a dict shared by the
    findings and labels of one check (of one project, one fact namespace), so that each fact is made once."""
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
        detail = _text(zh=f"符合。{joined_zh}".rstrip(), en=f"Passes. {joined_en}".rstrip())
    elif result is False and stage == "applies":
        outcome = Outcome.NOT_APPLICABLE
        detail = _text(
            zh="不适用：本项目不属于该规则的适用范围。",
            en="Not applicable: the rule's scope does not cover this project.",
        )
    elif result is False:
        outcome = Outcome.FAIL
        msg = rule.message or _text(zh=f"不符合：{rule.title.zh}。", en=f"Fails: {rule.title.en}.")
        detail = _text(
            zh=msg.zh + (f"（{joined_zh}）" if joined_zh else ""),
            en=msg.en + (f" ({joined_en})" if joined_en else ""),
        )
    else:
        assert isinstance(result, Unknown)
        if result.kind == "missing":
            outcome = Outcome.INSUFFICIENT_DATA
            # name only what would decide it: the scope's facts while the scope is undecided
            missing = missing_names(pack, env, rule.scope_reads if stage == "applies" else rule.reads)
            names_zh = "、".join(f"{pack.titles[m].zh}（{m}）" for m in missing) or "—"
            names_en = ", ".join(missing) or "—"
            detail = _text(
                zh=f"数据不足，无法判断：缺少 {names_zh}。", en=f"Insufficient data to decide: missing {names_en}."
            )
        elif result.kind == "na":
            outcome = Outcome.NOT_APPLICABLE
            detail = _na_detail(pack, rule, project, env, as_of)
        else:
            outcome = Outcome.ERROR
            detail = _text(zh=f"无法计算：{result.detail}。", en=f"Cannot be evaluated: {result.detail}.")
    status = _figure_status(pack, rule, as_of)
    unverified = status not in ("verified", "computed")
    return Finding(
        rule_id=rule.id,
        pack_id=rule.pack_id,
        title=rule.title,
        severity=rule.severity,
        outcome=outcome,
        explanation=detail,
        comparisons=tuple(comparisons),
        facts=tuple(_fact_values(pack, project, env, rule.reads, seen)),
        missing=tuple(missing),
        citation=rule.citation,
        unverified=unverified,
        figure_status=status,
        tags=tuple(rule.tags),
    )


def _figure_status(pack: CompiledPack, rule: CompiledRule | CompiledLabel, as_of: date) -> CitationStatus:
    """The weakest status among the rule's citation, the thresholds in force on ``as_of`` that it reads and
    the tables and sets it reads (ranks are distinct, so the weakest is one status)."""
    key = ("statics", rule.citation.status, rule.reads)
    statics = pack.memo.get(key)
    if statics is None:  # what does not depend on the date: once per pack and rule
        fixed: list[CitationStatus] = [rule.citation.status]
        thresholds: list[CompiledThreshold] = []
        for name in rule.reads:
            th = pack.thresholds.get(name)
            if th is not None:
                thresholds.append(th)
            for source in (pack.tables.get(name), pack.sets.get(name)):
                if source is not None and isinstance(source.citation, Citation):
                    fixed.append(source.citation.status)
        statics = (max(fixed, key=lambda s: s.rank), thresholds)
        pack.memo[key] = statics
    weakest, thresholds = statics
    for th in thresholds:
        hit = th.value_on(as_of)
        if hit is not None and hit[1] is not None and hit[1].status.rank > weakest.rank:
            weakest = hit[1].status
    return weakest


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


def label_result(
    pack: CompiledPack,
    label: CompiledLabel,
    project: Project,
    env: dict[str, Any],
    as_of: date,
    cases: tuple[Any, ...],
    seen: dict[str, FactValue] | None = None,
) -> Label:
    """The label's value for ``project`` from the engine's cases; ``seen`` as for :func:`rule_finding`."""
    value: Text | None = label.otherwise
    outcome = "decided" if value is not None else "none"
    missing: list[str] = []
    for i, (result, (_fn, case_value)) in enumerate(
        zip(cases, label.cases, strict=False)
    ):  # stops where the engine did
        if result is True:
            value, outcome = case_value, "decided"
            break
        if isinstance(result, Unknown):
            value, outcome = None, "insufficient_data"
            # what this case and the later ones need (not what a branch that is false anyway reads)
            for fn, _v in label.cases[i:]:
                missing.extend(m for m in missing_facts(pack, env, fn, label.reads) if m not in missing)
            break
    return Label(
        id=label.id, title=label.title, value=value,
        outcome="decided" if outcome == "decided" else ("none" if outcome == "none" else "insufficient_data"),
        missing=tuple(missing), facts=tuple(_fact_values(pack, project, env, label.reads, seen)),
        citation=label.citation, figure_status=_figure_status(pack, label, as_of),
    )  # fmt: skip
