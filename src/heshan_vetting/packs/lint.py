"""Lint a loaded and compiled pack: things that load but are probably wrong (``rules check``).

Each warning has a code (:data:`CODES`), the element it is about, the file and line where it is written and a
message in Chinese and English. docs/rule-packs.md ("Browsing and linting a pack") says what each code means and
how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.syntax import assert_never
from heshan_vetting.packs.compiled import CompiledPack, in_force
from heshan_vetting.packs.data import PackData
from heshan_vetting.packs.merge import MergedPack, Sourced
from heshan_vetting.report import Citation, CitationStatus
from heshan_vetting.terms import format_number
from heshan_vetting.units import Units

__all__ = ["CODES", "LintWarning", "lint"]


def _value_text(value: float, unit: str) -> str:
    number = format_number(value, None)
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}".strip()


@dataclass(frozen=True)
class LintWarning:
    """One lint warning: a ``code``, the element it is about, where it is written, and a bilingual message."""

    code: str
    element: str
    file: str
    line: int | None
    message_en: str
    message_zh: str

    def as_json(self) -> dict[str, Any]:
        """The warning as a JSON object."""
        return {
            "code": self.code,
            "element": self.element,
            "file": self.file,
            "line": self.line,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
        }


CODES: dict[str, tuple[str, str]] = {
    "never_applies": ("rule can never apply", "规则永远不会适用"),
    "loosens_parent": ("threshold loosens a parent's", "阈值放宽了上级规则包的同名阈值"),
    "unverified": ("figure marked unverified", "数值标为未核实"),
    "expired": ("dates have passed", "有效期已过"),
    "never_starts": ("starts after the covered period", "生效日晚于规则包覆盖期"),
    "citation_incomplete": ("citation without a document number or date", "出处缺少文号或日期"),
}
"""Each warning code with its short name (en, zh), in the order ``rules check`` lists them."""


def _warn(src: Sourced[Any], key: tuple[str | int, ...], code: str, element: str, en: str, zh: str) -> LintWarning:
    line, _ = src.doc.locate((*src.path, *key))
    return LintWarning(code, element, src.doc.path, line, en, zh)


def _constant(node: ast.Node) -> bool | float | str | None:
    """The value of a condition that reads no name (``None``: not a constant)."""
    match node:
        case ast.BoolLit():
            return node.value
        case ast.Num():
            return node.value if node.unit is None else None
        case ast.Str():
            return node.value
        case ast.Not():
            v = _constant(node.operand)
            return (not v) if isinstance(v, bool) else None
        case ast.BoolOp():
            vals = [_constant(v) for v in node.values]
            if node.op == "and":
                if any(v is False for v in vals):
                    return False
                return True if all(v is True for v in vals) else None
            if any(v is True for v in vals):
                return True
            return False if all(v is False for v in vals) else None
        case ast.Compare():
            a, b = _constant(node.left), _constant(node.right)
            if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or isinstance(a, bool):
                if isinstance(a, str) and isinstance(b, str) and node.op in ("==", "!="):
                    return (a == b) == (node.op == "==")
                return None
            ops = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}
            return ops[node.op]
        case ast.Unary():
            v = _constant(node.operand)
            return -v if isinstance(v, float) else None
        case ast.Name() | ast.Index() | ast.ListLit() | ast.BinOp() | ast.Member() | ast.Prefix() | ast.Present():
            return None
        case _:
            assert_never(node)


def _citations(m: MergedPack) -> Iterator[tuple[Sourced[Any], tuple[str | int, ...], str, Citation]]:
    """Every citation of the chain's elements in force: (element, key path to the citation, element name, citation)."""
    for name, th_src in sorted(m.thresholds.items()):
        th = th_src.item
        if th.citation is not None:
            yield th_src, ("citation",), f"threshold {name}", th.citation
        if th.values is not None:
            for i, v in enumerate(th.values):
                if v.citation is not None:
                    yield th_src, ("values", i, "citation"), f"threshold {name} values[{i}]", v.citation
    for name, s_src in sorted(m.sets.items()):
        if s_src.item.citation is not None:
            yield s_src, ("citation",), f"set {name}", s_src.item.citation
    for name, t_src in sorted(m.tables.items()):
        if t_src.item.citation is not None:
            yield t_src, ("citation",), f"table {name}", t_src.item.citation
    for rid, r_src in sorted(m.rules.items()):
        yield r_src, ("citation",), f"rule {rid}", r_src.item.citation
    for iid, i_src in sorted(m.indicators.items()):
        yield i_src, ("citation",), f"indicator {iid}", i_src.item.citation
    for lid, l_src in sorted(m.labels.items()):
        yield l_src, ("citation",), f"label {lid}", l_src.item.citation
    for fid, f_src in sorted(m.referrals.items()):
        yield f_src, ("citation",), f"referral {fid}", f_src.item.citation
    for cid, c_src in sorted(m.commitments.items()):
        yield c_src, ("citation",), f"commitment {cid}", c_src.item.citation
        yield c_src, ("on_miss_citation",), f"commitment {cid} on_miss", c_src.item.on_miss_citation
    if m.scope is not None:
        yield m.scope, ("citation",), "scope", m.scope.item.citation
    if m.verdict is not None:
        yield m.verdict, ("citation",), "verdict", m.verdict.item.citation


def _directions(pack: CompiledPack) -> dict[str, set[str]]:
    """How the rules use each threshold: ``floor`` (``fact >= threshold``) or ``ceiling`` (``fact <= threshold``)."""
    out: dict[str, set[str]] = {}
    for rule in pack.rules:
        for check in rule.checks:
            if check.threshold_name in pack.thresholds and check.op in ("<", "<=", ">", ">="):
                kind = "floor" if check.op in (">", ">=") else "ceiling"
                out.setdefault(check.threshold_name, set()).add(kind)
    return out


def _first_loosening(
    pv: list[tuple[date | None, date | None, float]], cv: list[tuple[date | None, date | None, float]], kind: str
) -> tuple[date, float, float] | None:
    """The first day on which the child's values ``cv`` are looser than the parent's ``pv`` (with both values)."""
    days: set[date] = set()
    for s, e, _v in [*pv, *cv]:
        days.add(s or date.min)
        if e is not None and e < date.max:
            days.add(date.fromordinal(e.toordinal() + 1))
    for day in sorted(days):  # the values only change on these days
        a, b = _on(pv, day), _on(cv, day)
        if a is not None and b is not None and (b < a if kind == "floor" else b > a):
            return day, a, b
    return None


def _loosening(pack: CompiledPack, m: MergedPack, units: Units) -> list[LintWarning]:
    """A child layer's threshold that the rules use as a floor (ceiling) and that is lower (higher) than its
    parent's value on some day both are in force."""
    data = PackData(m, units)
    directions = _directions(pack)
    out: list[LintWarning] = []
    for name, parents in sorted(m.overridden_thresholds.items()):
        kinds = directions.get(name, set())
        if len(kinds) != 1:
            continue  # unused, or used both ways: no direction to loosen in
        kind = next(iter(kinds))
        sym = pack.thresholds[name].unit
        for parent, child in pairwise([*parents, m.thresholds[name]]):
            unit = data.unit(child, "unit", child.item.unit)
            found = _first_loosening(_values(data, parent, unit), _values(data, child, unit), kind)
            if found is None:
                continue
            day, a, b = found
            when = "" if day == date.min else f" from {day}"
            when_zh = "" if day == date.min else f"（自 {day} 起）"
            word_en = "lower floor" if kind == "floor" else "higher ceiling"
            word_zh = "下限更低" if kind == "floor" else "上限更高"
            en = (
                f"Threshold {name!r} of pack {child.pack_id!r} is {_value_text(b, sym)}{when}, a {word_en} than "
                f"the parent pack {parent.pack_id!r}'s {_value_text(a, sym)}: the rules use it as a {kind}, so the "
                "lower layer is looser than its parent. Make it at least as strict as the parent's value, or cite "
                "why the local figure may be looser."
            )
            zh = (
                f"规则包 {child.pack_id!r} 的阈值 {name!r}{when_zh}为 {_value_text(b, sym)}，比上级规则包 "
                f"{parent.pack_id!r} 的 {_value_text(a, sym)}{word_zh}：下级规则包放宽了上级的要求。"
                "请调整为不低于上级的要求，或注明可以放宽的依据。"
            )
            out.append(_warn(child, (), "loosens_parent", f"threshold {name}", en, zh))
    return out


def _values(data: Any, src: Sourced[Any], unit: Any) -> list[tuple[date | None, date | None, float]]:
    th = src.item
    out = []
    for i, v in enumerate(th.dated_values()):
        key = ("value",) if th.value is not None else ("values", i, "value")
        out.append((v.effective_from, v.effective_until, data.quantity(src, key, v.value, unit)))
    return out


def _on(values: list[tuple[date | None, date | None, float]], day: date) -> float | None:
    for s, e, v in values:
        if in_force(s, e, day):
            return v
    return None


def _live_users(pack: CompiledPack, today: date) -> dict[str, list[str]]:
    """Threshold name → the ids of the rules not ended before ``today`` that read it (directly or through a
    derived metric)."""
    through = {d.name: d.reads for d in pack.derived}
    out: dict[str, list[str]] = {}
    for rule in pack.rules:
        if rule.effective_until is not None and rule.effective_until < today:
            continue
        names = [n.id for t in (rule.applies_tree, rule.require_tree) if t is not None for n in ast.names_in(t)]
        seen: set[str] = set()
        while names:
            name = names.pop()
            if name not in seen:
                seen.add(name)
                names.extend(through.get(name, ()))
        for name in sorted(seen & set(pack.thresholds)):
            out.setdefault(name, []).append(rule.id)
    return out


def lint(pack: CompiledPack, m: MergedPack, units: Units, today: date) -> list[LintWarning]:
    """Every warning about the merged pack ``m`` compiled as ``pack`` (for ``units``), by code, file and line;
    ``today`` is the date against which a date has passed."""
    cover_from, cover_until = pack.covers
    out: list[LintWarning] = []
    for rule in pack.rules:
        src = m.rules[rule.id]
        el = f"rule {rule.id}"
        if rule.applies_tree is not None and _constant(rule.applies_tree) is False:
            out.append(
                _warn(
                    src,
                    ("applies_if",),
                    "never_applies",
                    el,
                    f"Rule {rule.id}'s applies_if is always false, so the rule never applies. Correct "
                    "the condition, or remove the rule.",
                    f"规则 {rule.id} 的适用条件 applies_if 恒为假，该规则永远不会适用。请改正条件或删除该规则。",
                )
            )
        start, end = rule.effective_from, rule.effective_until
        if start is not None and end is not None and end < start:
            out.append(
                _warn(
                    src,
                    (),
                    "never_applies",
                    el,
                    f"Rule {rule.id} is in force {start} ~ {end} within its pack's own dates, which is "
                    "empty: it never applies. Align the rule's dates with the pack's [pack] dates.",
                    f"规则 {rule.id} 的有效期与所在规则包的有效期没有交集（{start} ~ {end}），永远不会适用。"
                    "请使规则的有效期与规则包 [pack] 的有效期一致。",
                )
            )
        elif cover_until is not None and start is not None and start > cover_until:
            out.append(
                _warn(
                    src,
                    ("effective_from",),
                    "never_starts",
                    el,
                    f"Rule {rule.id} starts on {start}, after the period the pack covers ends "
                    f"({cover_until}): no check within the covered period uses it. Move covers_until on "
                    "if the pack is vouched for until then, or correct the date.",
                    f"规则 {rule.id} 自 {start} 起生效，晚于规则包覆盖期的结束日（{cover_until}）："
                    "覆盖期内的评审不会用到它。如规则包至该日仍有效请顺延 covers_until，否则请改正日期。",
                )
            )
        elif cover_from is not None and end is not None and end < cover_from:
            out.append(
                _warn(
                    src,
                    ("effective_until",),
                    "never_applies",
                    el,
                    f"Rule {rule.id} ended on {end}, before the period the pack covers starts "
                    f"({cover_from}): no check within the covered period uses it.",
                    f"规则 {rule.id} 已于 {end} 失效，早于规则包覆盖期的开始日（{cover_from}）："
                    "覆盖期内的评审不会用到它。",
                )
            )
        elif end is not None and end < today:
            out.append(
                _warn(
                    src,
                    ("effective_until",),
                    "expired",
                    el,
                    f"Rule {rule.id} ended on {end} (before {today}): checks as of today do not use it. "
                    "If a successor exists, encode it; if the rule was extended, move effective_until.",
                    f"规则 {rule.id} 已于 {end} 失效（早于 {today}）：今天的评审不使用它。"
                    "如有后续规定请编入；如已延期请修改 effective_until。",
                )
            )
    live = _live_users(pack, today)
    for name, th in sorted(pack.thresholds.items()):
        th_src = m.thresholds[name]
        el = f"threshold {name}"
        ends = [e for _s, e, _v, _c in th.values]
        users = live.get(name, [])
        if users and all(e is not None for e in ends) and max(e for e in ends if e is not None) < today:
            last = max(e for e in ends if e is not None)
            en = (
                f"Every value of threshold {name!r} ended by {last} (before {today}), but rules still in force use "
                f"it ({', '.join(users)}): they cannot be decided today. Add a value in force now, or end the rules."
            )
            zh = (
                f"阈值 {name!r} 的全部取值已于 {last} 前失效（早于 {today}），但仍有效的规则使用它"
                f"（{'、'.join(users)}）：这些规则今天无法判定。请补充现行取值，或为这些规则设置失效日期。"
            )
            out.append(_warn(th_src, (), "expired", el, en, zh))
        for i, (s, _e, _v, _c) in enumerate(th.values):
            if cover_until is not None and s is not None and s > cover_until:
                out.append(
                    _warn(
                        th_src,
                        ("values", i) if th_src.item.values is not None else (),
                        "never_starts",
                        f"{el} from {s}",
                        f"A value of threshold {name!r} starts on {s}, after the period the pack covers "
                        f"ends ({cover_until}): no check within the covered period uses it.",
                        f"阈值 {name!r} 的一个取值自 {s} 起生效，晚于规则包覆盖期的结束日（{cover_until}）："
                        "覆盖期内的评审不会用到它。",
                    )
                )
    out.extend(_loosening(pack, m, units))
    seen: set[tuple[str, int | None, str]] = set()
    for c_src, key, el, c in _citations(m):
        doc = c.title if c.title.startswith("《") else f"《{c.title}》"
        if c.status is CitationStatus.UNVERIFIED:
            w = _warn(
                c_src,
                key,
                "unverified",
                el,
                f"The figure of {el} is marked unverified ({doc}): it reports, advisory, and decides "
                'nothing until someone checks the source and sets status = "verified" (or partial).',
                f'{el} 的数值标为未核实（{doc}）：在核实出处并将 status 改为 "verified"（或 partial）'
                "之前，它只作提示，不作判定。",
            )
            if (w.file, w.line, w.code) not in seen:
                seen.add((w.file, w.line, w.code))
                out.append(w)
        missing = [k for k, v in (("number", c.number), ("date", c.date)) if not v]
        if missing and c.status is not CitationStatus.LOCAL_DEFAULT:
            what_en = " and no ".join("document number" if k == "number" else "date" for k in missing)
            what_zh = "、".join("文号" if k == "number" else "日期" for k in missing)
            keys = ", ".join('number = "…"' if k == "number" else "date = YYYY-MM-DD" for k in missing)
            w = _warn(
                c_src,
                key,
                "citation_incomplete",
                el,
                f"The citation of {el} ({doc}) has no {what_en}: add it ({keys}) so that a reader can "
                "find the source, or say in its note why there is none.",
                f"{el} 的出处（{doc}）缺少{what_zh}：请补充（{keys}），便于查找原文；如确无，请在 note 中说明。",
            )
            if (w.file, w.line, w.code) not in seen:
                seen.add((w.file, w.line, w.code))
                out.append(w)
    order = list(CODES)
    return sorted(out, key=lambda w: (order.index(w.code), w.file, w.line or 0, w.element))
