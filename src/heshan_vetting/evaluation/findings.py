"""Findings and their explanations: what each rule decided, the facts it read and the figures it compared."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, getcontext
from typing import Any

from heshan_vetting.evaluation.trusted import trusted
from heshan_vetting.lang.types import BoolFn
from heshan_vetting.lang.values import NA, Unknown, round_half_up, rounded_float
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

# enough digits that normalize never rounds a figure (terms.format_number raises its precision likewise)
_WIDE = Context(prec=400, rounding=ROUND_HALF_UP)


def _quantity(x: Decimal, unit: str) -> str:
    """``terms.format_quantity(x, unit, None)`` without a local context per call: the figures here are floats
    rounded to at most 10 places (at most 320 digits) or a difference of two in the default context (28
    digits), which normalize rounds in neither context, so the text is the same."""
    if not x.is_finite():
        return format_quantity(x, unit, None)
    number = format(x.normalize(_WIDE), "f")
    if number == "-0":
        number = "0"
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_SHOWN_OP = {"<=": "≤", ">=": "≥", "!=": "≠", "==": "="}


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
    return trusted(Text, {"zh": zh, "en": en})


_NOT_APPLICABLE = Text(
    zh="不适用：本项目不属于该规则的适用范围。",
    en="Not applicable: the rule's scope does not cover this project.",
)


_PLUGIN, _DECLARED, _DERIVED = 0, 1, 2


def _shown_facts(pack: CompiledPack, reads: tuple[str, ...]) -> tuple[tuple[str, Text, str, int], ...]:
    """The names in ``reads`` that a finding lists (declared facts and derived metrics), each with its title,
    unit and where its value comes from: worked out once per pack and ``reads``."""
    key = ("shown_facts", reads)
    found: tuple[tuple[str, Text, str, int], ...] | None = pack.memo.get(key)
    if found is None:
        derived_names, fact_types, titles = pack.derived_names, pack.fact_types, pack.titles
        out: list[tuple[str, Text, str, int]] = []
        for name in reads:
            if name not in fact_types and name not in derived_names:
                continue
            title = titles.get(name)
            how = _PLUGIN if name in pack.plugin_facts else _DECLARED if name in fact_types else _DERIVED
            out.append((name, Text(zh=name, en=name) if title is None else title, pack.units_of.get(name, ""), how))
        found = pack.memo[key] = tuple(out)
    return found


def _fact_value(name: str, title: Text, raw: Any, unit: str, source: str | None) -> FactValue:
    """A :class:`FactValue`, not validated when ``raw`` already has a type validation keeps (an int becomes
    the float validation makes of it, a list the tuple); anything else is validated."""
    kind = type(raw)
    if kind is float or raw is None or kind is str or kind is bool:
        pass
    elif kind is int:
        raw = float(raw)
    elif (kind is list or kind is tuple) and all(type(x) is str for x in raw):
        raw = tuple(raw)
    else:
        return FactValue(name=name, title=title, value=raw, unit=unit, source=source)
    if source is not None and type(source) is not str:
        return FactValue(name=name, title=title, value=raw, unit=unit, source=source)
    return trusted(FactValue, {"name": name, "title": title, "value": raw, "unit": unit, "source": source})


def _fact_values(
    pack: CompiledPack,
    project: Project,
    env: dict[str, Any],
    reads: tuple[str, ...],
    seen: dict[str, FactValue] | None = None,
) -> tuple[FactValue, ...]:
    """The facts ``reads`` names, with their values. ``seen`` keeps those already made for the same project
    and facts (one check): a fact's entry depends only on its name then, so each is made once per check."""
    if seen is None:
        seen = {}
    sources = project.sources
    out: list[FactValue] = []
    for name, title, unit, how in _shown_facts(pack, reads):
        fact = seen.get(name)
        if fact is None:
            raw: Any
            if how == _DECLARED:
                raw = project.fact_value(name)
            else:
                v: Any = env.get(name) if how == _PLUGIN else env[name]
                raw = None if isinstance(v, Unknown) else v if how == _PLUGIN else rounded_float(v, 6)
            if isinstance(raw, float):
                raw = rounded_float(raw, 6)
            fact = seen[name] = _fact_value(name, title, raw, unit, sources.get(name))
        out.append(fact)
    return tuple(out)


_THRESHOLDS: dict[tuple[float, int, str], tuple[Decimal, str]] = {}


def _threshold(x: float, places: int, unit: str) -> tuple[Decimal, str]:
    """``round_half_up(x, places)`` and its text in ``unit``, remembered for the figures that recur from project
    to project (thresholds, table values): at most 4,096 (then forgotten all at once). Zero is not remembered
    (0.0 and -0.0 are equal keys but round to different Decimals), nor anything but a float."""
    if type(x) is not float or x == 0:
        d = round_half_up(x, places)
        return d, _quantity(d, unit)
    key = (x, places, unit)
    found = _THRESHOLDS.get(key)
    if found is None:
        if len(_THRESHOLDS) >= 4096:
            _THRESHOLDS.clear()
        d = round_half_up(x, places)
        found = _THRESHOLDS[key] = (d, _quantity(d, unit))
    return found


def _comparison(check: NumericCheck, env: dict[str, Any], places: int) -> tuple[Comparison, tuple[str, str] | None]:
    """The comparison of ``check`` on ``env`` rounded to ``places``, and its text (zh, en) when both sides have
    a value."""
    a, b = check.left(env), check.right(env)
    if type(a) is float and type(b) is float and b != 0 and 0 <= places <= 10 and getcontext().prec >= 28:
        fast = _comparison_scaled(check, a, b, places)
        if fast is not None:
            return fast
    return _comparison_decimal(check, a, b, places)


_LIMIT = 10**27  # scaled figures below this: any difference of two has at most 28 digits (the Decimal context's)


def _scaled(x: float, places: int) -> tuple[int, bool] | None:
    """``round_half_up(x, places)`` as (its digits as an integer, ``10**places`` times its magnitude; whether it
    is negative), read from ``repr(x)`` as ``round_half_up`` reads it; ``None`` for an exponent form."""
    text = repr(x)
    if "e" in text or "n" in text:  # 1e+16, inf, nan
        return None
    negative = text[0] == "-"
    if negative:
        text = text[1:]
    dot = text.find(".")
    if dot < 0:
        return None
    frac = text[dot + 1 :]
    if len(frac) <= places:
        n = int(text[:dot] + frac + "0" * (places - len(frac)))
    else:
        n = int(text[:dot] + frac[:places])
        if frac[places] >= "5":
            n += 1
    return n, negative


def _scaled_text(n: int, negative: bool, places: int) -> str:
    """The text ``format_number(Decimal, None)`` gives the figure ``n / 10**places`` (sign as given)."""
    if places:
        digits = str(n).rjust(places + 1, "0")
        fraction = digits[-places:].rstrip("0")
        text = digits[:-places] + "." + fraction if fraction else digits[:-places]
    else:
        text = str(n)
    return "-" + text if negative and n else text


def _with_unit(number: str, unit: str) -> str:
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


_SCALED_THRESHOLDS: dict[tuple[float, int, str], tuple[int, float, str] | None] = {}


def _threshold_scaled(x: float, places: int, unit: str) -> tuple[int, float, str] | None:
    """The threshold ``x`` rounded to ``places`` as (``10**places`` times it, its float, its text in ``unit``),
    worked out by the Decimal path and remembered (at most 4,096; ``x`` is a nonzero float); ``None`` when
    it is too long for the integer path."""
    key = (x, places, unit)
    try:
        return _SCALED_THRESHOLDS[key]
    except KeyError:
        pass
    d, text = _threshold(x, places, unit)
    scaled = int(d.scaleb(places, context=_WIDE))
    found = (scaled, float(d), text) if -_LIMIT < scaled < _LIMIT else None
    if len(_SCALED_THRESHOLDS) >= 4096:
        _SCALED_THRESHOLDS.clear()
    _SCALED_THRESHOLDS[key] = found
    return found


def _comparison_scaled(
    check: NumericCheck, a: float, b: float, places: int
) -> tuple[Comparison, tuple[str, str] | None] | None:
    """:func:`_comparison_decimal` on integers ``10**places`` times the rounded figures: the same comparison,
    figures and texts (exact: both sides have the same scale and fewer than 28 digits; a quotient of two
    integers rounds to the float once, as ``float(Decimal)`` does). ``None`` where it cannot say the same (an
    exponent form, a figure too long, a gap of zero, whose sign the Decimal keeps)."""
    got = _scaled(a, places)
    th = _threshold_scaled(b, places, check.unit)
    if got is None or th is None or got[0] >= _LIMIT:
        return None
    n, negative = got
    t, t_float, need = th
    actual = -n if negative else n
    op, unit = check.op, check.unit
    passed = _OPS[op](actual, t)
    has = _with_unit(_scaled_text(n, negative, places), unit)
    shown_op = _SHOWN_OP.get(op, op)
    need_zh = f"需 {shown_op} {need}，现为 {has}"
    need_en = f"needs {shown_op} {need}; has {has}"
    gap: float | None = None
    if not passed and op in (">=", ">", "<=", "<"):
        g = t - actual if op in (">=", ">") else actual - t
        if g <= 0:
            return None
        gap = g / _TENS[places]
        shown = _with_unit(_scaled_text(g, False, places), unit)
        if op in (">=", ">"):
            need_zh += f"，差 {shown}"
            need_en += f"; short by {shown}"
        else:
            need_zh += f"，超出 {shown}"
            need_en += f"; over by {shown}"
    value = n / _TENS[places]
    cmp = trusted(
        Comparison,
        {
            "expression": check.expression,
            "op": op,
            "actual": -value if negative else value,
            "threshold": t_float,
            "threshold_name": check.threshold_name,
            "unit": unit,
            "passed": passed,
            "gap": gap,
        },
    )
    return cmp, (need_zh, need_en)


_TENS = [10**p for p in range(11)]


def _comparison_decimal(check: NumericCheck, a: Any, b: Any, places: int) -> tuple[Comparison, tuple[str, str] | None]:
    """The comparison of the values ``a`` and ``b`` of ``check``, rounded to ``places`` as Decimals."""
    unit = check.unit
    actual = None if isinstance(a, Unknown) else round_half_up(a, places)
    threshold, need = (None, "") if isinstance(b, Unknown) else _threshold(b, places, unit)
    passed: bool | None = None
    gap: Decimal | None = None
    text: tuple[str, str] | None = None
    if actual is not None and threshold is not None:
        op = check.op
        passed = _OPS[op](actual, threshold)
        shown_op = _SHOWN_OP.get(op, op)
        has = _quantity(actual, unit)
        need_zh = f"需 {shown_op} {need}，现为 {has}"
        need_en = f"needs {shown_op} {need}; has {has}"
        if not passed:
            if op in (">=", ">"):
                gap = threshold - actual
                shown = _quantity(gap, unit)
                need_zh += f"，差 {shown}"
                need_en += f"; short by {shown}"
            elif op in ("<=", "<"):
                gap = actual - threshold
                shown = _quantity(gap, unit)
                need_zh += f"，超出 {shown}"
                need_en += f"; over by {shown}"
        text = (need_zh, need_en)
    cmp = trusted(
        Comparison,
        {
            "expression": check.expression,
            "op": check.op,
            "actual": None if actual is None else float(actual),
            "threshold": None if threshold is None else float(threshold),
            "threshold_name": check.threshold_name,
            "unit": check.unit,
            "passed": passed,
            "gap": None if gap is None else float(gap),
        },
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
    missing: tuple[str, ...] = ()
    scope, requirement = decided
    if scope is True:
        result = requirement
        stage = "require"
    else:
        result = scope
        stage = "applies"
    comparisons: tuple[Comparison, ...] = ()
    texts: list[tuple[str, str]] = []
    if stage == "require" and rule.checks:
        made: list[Comparison] = []
        for check in rule.checks:
            cmp, text = _comparison(check, env, rule.precision)
            made.append(cmp)
            if text is not None:
                texts.append(text)
        comparisons = tuple(made)
    if texts:
        joined_zh = "；".join([t[0] for t in texts])
        joined_en = "; ".join([t[1] for t in texts])
    else:
        joined_zh = joined_en = ""
    if result is True:
        outcome = Outcome.PASS
        detail = _text(f"符合。{joined_zh}".rstrip(), f"Passes. {joined_en}".rstrip())
    elif result is False and stage == "applies":
        outcome = Outcome.NOT_APPLICABLE
        detail = _NOT_APPLICABLE
    elif result is False:
        outcome = Outcome.FAIL
        msg = rule.message or _text(f"不符合：{rule.title.zh}。", f"Fails: {rule.title.en}.")
        detail = _text(
            msg.zh + (f"（{joined_zh}）" if joined_zh else ""),
            msg.en + (f" ({joined_en})" if joined_en else ""),
        )
    else:
        assert isinstance(result, Unknown)
        if result.kind == "missing":
            outcome = Outcome.INSUFFICIENT_DATA
            # name only what would decide it: the scope's facts while the scope is undecided
            names = missing_names(pack, env, rule.scope_reads if stage == "applies" else rule.reads)
            missing = tuple(names)
            names_zh = "、".join(f"{pack.titles[m].zh}（{m}）" for m in names) or "—"
            names_en = ", ".join(names) or "—"
            detail = _text(
                f"数据不足，无法判断：缺少 {names_zh}。", f"Insufficient data to decide: missing {names_en}."
            )
        elif result.kind == "na":
            outcome = Outcome.NOT_APPLICABLE
            detail = _na_detail(pack, rule, project, env, as_of)
        else:
            outcome = Outcome.ERROR
            detail = _text(f"无法计算：{result.detail}。", f"Cannot be evaluated: {result.detail}.")
    status = _figure_status(pack, rule, as_of)
    return trusted(
        Finding,
        {
            "rule_id": rule.id,
            "pack_id": rule.pack_id,
            "title": rule.title,
            "severity": rule.severity,
            "outcome": outcome,
            "explanation": detail,
            "comparisons": comparisons,
            "facts": _fact_values(pack, project, env, rule.reads, seen),
            "missing": missing,
            "citation": rule.citation,
            "unverified": status is not CitationStatus.VERIFIED and status is not CitationStatus.COMPUTED,
            "figure_status": status,
            "tags": rule.tags if type(rule.tags) is tuple else tuple(rule.tags),
            "waiver": None,
        },
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
                if len(th.values) == 1 and th.values[0][0] is None and th.values[0][1] is None:
                    # one value in force on every date: its status is the same on every date
                    if th.values[0][3] is not None:
                        fixed.append(th.values[0][3].status)
                else:
                    thresholds.append(th)
            for source in (pack.tables.get(name), pack.sets.get(name)):
                if source is not None and isinstance(source.citation, Citation):
                    fixed.append(source.citation.status)
        statics = (max(fixed, key=lambda s: s.rank), tuple(thresholds))
        pack.memo[key] = statics
    weakest, dated = statics
    for th in dated:
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
    return trusted(Label, {
        "id": label.id, "title": label.title, "value": value,
        "outcome": "decided" if outcome == "decided" else ("none" if outcome == "none" else "insufficient_data"),
        "missing": tuple(missing), "facts": _fact_values(pack, project, env, label.reads, seen),
        "citation": label.citation, "figure_status": _figure_status(pack, label, as_of),
    })  # fmt: skip
