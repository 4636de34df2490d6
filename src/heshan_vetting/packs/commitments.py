"""Compiling a pack's ``[[commitments]]``: each names a number fact, the threshold it must reach and the rule
that compares them, checked (names, units) once when the pack loads.
"""

from __future__ import annotations

from collections.abc import Iterable

from heshan_vetting.errors import did_you_mean
from heshan_vetting.packs.compiled import CompiledCommitment, CompiledRule, intersect
from heshan_vetting.packs.data import PackData


def _hint(name: str, known: Iterable[str]) -> tuple[str, str]:
    """The end of an error sentence: a did-you-mean question, or a full stop."""
    en, zh = did_you_mean(name, known)
    return en or ".", zh or "。"


def compile_commitments(data: PackData, rules: tuple[CompiledRule, ...]) -> tuple[CompiledCommitment, ...]:
    """The merged pack's commitments, compiled against its names (call after the derived metrics and rules).

    A commitment whose fact is not a number fact or derived metric, whose floor is not a threshold of the
    pack, whose floor's unit cannot convert to the fact's, or whose rule does not exist or does not compare
    the fact with that threshold is a :class:`~heshan_vetting.errors.RulePackError` at its file:line.
    """
    m = data.m
    by_id = {r.id: r for r in rules}
    windows = {lp.model.pack.id: (lp.model.pack.effective_from, lp.model.pack.effective_until) for lp in m.chain}
    numbers = sorted(n for n, vt in data.ns.values.items() if vt.kind == "num" and n not in m.thresholds)
    out: list[CompiledCommitment] = []
    for cid in sorted(m.commitments):
        src = m.commitments[cid]
        c = src.item
        vt = data.ns.values.get(c.fact)
        if vt is None or vt.kind != "num" or c.fact in m.thresholds:
            en, zh = _hint(c.fact, numbers)
            raise data.at(
                src,
                ("fact",),
                f"Commitment {cid}: {c.fact!r} is not a number fact or derived metric of the pack{en}",
                f"承诺事项 {cid}：{c.fact!r} 不是规则包中的数值字段或派生指标{zh}",
            )
        th = m.thresholds.get(c.floor)
        if th is None:
            en, zh = _hint(c.floor, m.thresholds)
            raise data.at(
                src,
                ("floor",),
                f"Commitment {cid}: {c.floor!r} is not a threshold of the pack (a commitment's floor is one of "
                f"the pack's own thresholds, never a figure of its own){en}",
                f"承诺事项 {cid}：{c.floor!r} 不是规则包中的阈值"
                f"（承诺事项的下限须为规则包已有的阈值，不能另设数值）{zh}",
            )
        floor_unit = data.unit(th, "unit", th.item.unit)
        if not data.units.convertible(floor_unit, vt.unit):
            raise data.at(
                src,
                ("floor",),
                f"Commitment {cid}: threshold {c.floor!r} is in {data.sym(floor_unit)} "
                f"({data.units.dimensionality(floor_unit)}) but {c.fact!r} is in {data.sym(vt.unit)} "
                f"({data.units.dimensionality(vt.unit)}).",
                f"承诺事项 {cid}：阈值 {c.floor!r} 的单位 {data.sym(floor_unit)}"
                f"（{data.units.dimensionality(floor_unit)}）"
                f"与 {c.fact!r} 的单位 {data.sym(vt.unit)}（{data.units.dimensionality(vt.unit)}）量纲不同。",
            )
        if c.rule is not None:
            rule = by_id.get(c.rule)
            if rule is None:
                en, zh = _hint(c.rule, by_id)
                raise data.at(
                    src,
                    ("rule",),
                    f"Commitment {cid}: no rule {c.rule!r} in the pack{en}",
                    f"承诺事项 {cid}：规则包中没有规则 {c.rule!r}{zh}",
                )
            if not any(ch.threshold_name == c.floor for ch in rule.checks) or c.fact not in rule.reads:
                raise data.at(
                    src,
                    ("rule",),
                    f"Commitment {cid}: rule {c.rule} does not compare {c.fact!r} with threshold {c.floor!r}; name "
                    "the rule whose requirement does, or leave 'rule' out.",
                    f"承诺事项 {cid}：规则 {c.rule} 并未将 {c.fact!r} 与阈值 {c.floor!r} 比较；请写明据以比较的规则，"
                    "或删去 rule。",
                )
        start, end = intersect((c.effective_from, c.effective_until), windows[src.pack_id])
        out.append(
            CompiledCommitment(
                id=cid,
                pack_id=src.pack_id,
                title=c.title,
                fact=c.fact,
                unit=data.units.symbol(vt.unit),
                floor=c.floor,
                floor_factor=data.factor(src, ("floor",), floor_unit, vt.unit),
                rule_id=c.rule,
                due_from=c.due_from,
                due_months=c.due_months,
                on_miss=c.on_miss,
                on_miss_citation=c.on_miss_citation,
                citation=c.citation,
                effective_from=start,
                effective_until=end,
            )
        )
    return tuple(out)
