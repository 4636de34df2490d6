"""Pack-to-pack comparison (``diff``): rules added, removed or changed; thresholds and table rows from → to per
effective date; sets, indicators, verdict lines and the other sections; citation changes.

Two packs are compared as compiled for one unit registry: figures are compared in the new pack's unit (a
threshold rewritten from 万元/亩 to 元/亩 with the same value is no change), conditions as written. When the
run names the as-of dates, :func:`diff_packs` also says what is in force on each (for one pack at two dates,
that is the whole difference).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.types import CompiledSet
from heshan_vetting.packs.compiled import CompiledPack, CompiledRule, CompiledThreshold, in_force
from heshan_vetting.packs.merge import MergedPack
from heshan_vetting.report import PackRef
from heshan_vetting.terms import Citation, FrozenModel, Text
from heshan_vetting.units import Units

__all__ = [
    "Change",
    "FieldChange",
    "InForce",
    "PackDiff",
    "PackSide",
    "RuleDiff",
    "SectionDiff",
    "SetDiff",
    "Side",
    "TableDiff",
    "ThresholdDiff",
    "ValueChange",
    "convert",
    "diff_packs",
    "thresholds_read",
]

Change = Literal["added", "removed", "changed"]
Scalar = str | float | bool | None


class FieldChange(FrozenModel):
    """One field that differs: its dotted name (``severity``, ``citation.number``), the old and the new value."""

    field: str
    old: Scalar = None
    new: Scalar = None


class RuleDiff(FrozenModel):
    """A rule added, removed or changed (severity, conditions as written, dates, citation, …)."""

    id: str
    change: Change
    title: Text
    pack_id: str
    """The pack of the chain that defines the rule (the new one's, unless removed)."""
    fields: tuple[FieldChange, ...] = ()
    citation: tuple[FieldChange, ...] = ()


class ValueChange(FrozenModel):
    """One effective-dated value of a threshold, old → new (``None``: no value from that date on that side)."""

    effective_from: date | None = None
    effective_until: date | None = None
    """The new value's end (the old one's, for a value removed)."""
    old: float | None = None
    new: float | None = None
    unit: str = ""
    """The unit both values are given in (the new threshold's, or the old one's for a threshold removed)."""
    old_until: date | None = None
    """The old value's end, when it differs from ``effective_until``."""
    citation: tuple[FieldChange, ...] = ()


class ThresholdDiff(FrozenModel):
    """A threshold added, removed or changed: its values per effective date, its unit and title."""

    name: str
    change: Change
    title: Text
    unit: str = ""
    values: tuple[ValueChange, ...] = ()
    fields: tuple[FieldChange, ...] = ()


class TableDiff(FrozenModel):
    """A lookup table added, removed or changed: the rows (and default) from → to, in the new table's unit."""

    name: str
    change: Change
    unit: str = ""
    rows: tuple[FieldChange, ...] = ()
    """Each row whose value differs (``field`` is the row key; ``default`` for the default)."""
    citation: tuple[FieldChange, ...] = ()


class SetDiff(FrozenModel):
    """A named set added, removed or changed: the members added and removed."""

    name: str
    change: Change
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    fields: tuple[FieldChange, ...] = ()


class SectionDiff(FrozenModel):
    """An element of another section (indicators, the verdict lines, derived metrics, labels, referrals,
    commitments, the scope) added, removed or changed, with the fields that differ."""

    section: str
    id: str
    change: Change
    fields: tuple[FieldChange, ...] = ()


class InForce(FrozenModel):
    """What differs between the rules and figures in force on the old as-of date (old pack) and on the new one
    (new pack): rules that come into or leave force, thresholds whose value in force differs."""

    old_as_of: date
    new_as_of: date
    rules_entering: tuple[str, ...] = ()
    rules_leaving: tuple[str, ...] = ()
    thresholds: tuple[FieldChange, ...] = ()
    """``field`` is the threshold name; old and new are in ``units[name]``."""
    units: dict[str, str] = Field(default_factory=dict)


class PackSide(FrozenModel):
    """One side of the comparison: the pack as given, its chain (ids, versions, hashes) and the as-of date."""

    pack: str
    id: str
    version: str
    packs: tuple[PackRef, ...]
    as_of: date | None = None
    """The date the run used for every project (``None``: each project's application date, else today)."""


class PackDiff(FrozenModel):
    """Everything that differs between two compiled packs."""

    old: PackSide
    new: PackSide
    rules: tuple[RuleDiff, ...] = ()
    thresholds: tuple[ThresholdDiff, ...] = ()
    tables: tuple[TableDiff, ...] = ()
    sets: tuple[SetDiff, ...] = ()
    sections: tuple[SectionDiff, ...] = ()
    in_force: InForce | None = None

    @property
    def empty(self) -> bool:
        """True when the two packs define the same things (and, with dates, the same things are in force)."""
        moved = self.in_force is not None and bool(
            self.in_force.rules_entering or self.in_force.rules_leaving or self.in_force.thresholds
        )
        return not (self.rules or self.thresholds or self.tables or self.sets or self.sections or moved)


@dataclass(frozen=True)
class Side:
    """A pack as the comparison needs it: compiled (figures in units) and merged (conditions as written)."""

    spec: str
    compiled: CompiledPack
    merged: MergedPack
    as_of: date | None = None


def _scalar(value: Any) -> Scalar:
    if value is None or isinstance(value, (str, bool, float)):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A model dump with nested objects flattened to dotted keys (``title.zh``); lists are kept whole."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _fields(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> tuple[FieldChange, ...]:
    """The keys whose values differ between two flat mappings, in sorted order."""
    out = []
    for key in sorted({*old, *new}):
        a, b = old.get(key), new.get(key)
        if a != b:
            out.append(FieldChange(field=f"{prefix}{key}", old=_scalar(a), new=_scalar(b)))
    return tuple(out)


def _dump(model: BaseModel | None, drop: Iterable[str] = ()) -> dict[str, Any]:
    if model is None:
        return {}
    data = model.model_dump(mode="json", exclude_defaults=False)
    for key in drop:
        data.pop(key, None)
    return _flat(data)


def citation_changes(old: Citation | None, new: Citation | None) -> tuple[FieldChange, ...]:
    """The fields of a citation that differ (``citation.title``, ``citation.number``, …)."""
    return _fields(_dump(old), _dump(new), "citation.")


def convert(units: Units, value: float, src: str, dst: str) -> float:
    """``value`` in unit symbol ``src`` expressed in ``dst`` (unchanged when they are equal or not convertible)."""
    if src == dst:
        return value
    a, b = units.unit(src), units.unit(dst)
    if not units.convertible(a, b):
        return value
    return value * units.factor(a, b)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


# ------------------------------------------------------------------------------------------------------------ rules


def _rule_fields(rule: CompiledRule, m: MergedPack) -> dict[str, Any]:
    d = m.rules[rule.id].item
    return {
        "severity": rule.severity.value,
        "applies_if": d.applies_if,
        "require": d.require,
        "effective_from": rule.effective_from,
        "effective_until": rule.effective_until,
        "waivable": rule.waivable,
        "title.zh": rule.title.zh,
        "title.en": rule.title.en,
        "message.zh": rule.message.zh if rule.message else None,
        "message.en": rule.message.en if rule.message else None,
        "unit": d.unit,
        "precision": d.precision,
        "tags": list(rule.tags),
    }


def _rules(old: Side, new: Side) -> list[RuleDiff]:
    a = {r.id: r for r in old.compiled.rules}
    b = {r.id: r for r in new.compiled.rules}
    out = []
    for rid in sorted({*a, *b}):
        if rid not in b:
            r = a[rid]
            out.append(RuleDiff(id=rid, change="removed", title=r.title, pack_id=r.pack_id))
        elif rid not in a:
            r = b[rid]
            out.append(RuleDiff(id=rid, change="added", title=r.title, pack_id=r.pack_id))
        else:
            fields = _fields(_rule_fields(a[rid], old.merged), _rule_fields(b[rid], new.merged))
            cites = citation_changes(a[rid].citation, b[rid].citation)
            if fields or cites:
                out.append(
                    RuleDiff(
                        id=rid,
                        change="changed",
                        title=b[rid].title,
                        pack_id=b[rid].pack_id,
                        fields=fields,
                        citation=cites,
                    )
                )
    return out


# ------------------------------------------------------------------------------------------------------- thresholds


def _values(units: Units, old: CompiledThreshold, new: CompiledThreshold) -> tuple[ValueChange, ...]:
    """The dated values that differ, keyed by ``effective_from``; the old ones converted to the new unit."""
    before = {s: (e, convert(units, v, old.unit, new.unit), c) for s, e, v, c in old.values}
    after = {s: (e, v, c) for s, e, v, c in new.values}
    out = []
    for start in sorted({*before, *after}, key=lambda d: d or date.min):
        if start not in after:
            e, v, _c = before[start]
            out.append(ValueChange(effective_from=start, effective_until=e, old=v, unit=new.unit))
            continue
        if start not in before:
            e, v, _c = after[start]
            out.append(ValueChange(effective_from=start, effective_until=e, new=v, unit=new.unit))
            continue
        (e1, v1, c1), (e2, v2, c2) = before[start], after[start]
        cites = citation_changes(c1, c2)
        if not _same(v1, v2) or e1 != e2 or cites:
            out.append(
                ValueChange(
                    effective_from=start,
                    effective_until=e2,
                    old=v1,
                    new=v2,
                    unit=new.unit,
                    old_until=e1 if e1 != e2 else None,
                    citation=cites,
                )
            )
    return tuple(out)


def _thresholds(units: Units, old: Side, new: Side) -> list[ThresholdDiff]:
    a, b = old.compiled.thresholds, new.compiled.thresholds
    out = []
    for name in sorted({*a, *b}):
        if name not in b:
            th = a[name]
            values = tuple(
                ValueChange(effective_from=s, effective_until=e, old=v, unit=th.unit) for s, e, v, _ in th.values
            )
            out.append(ThresholdDiff(name=name, change="removed", title=th.title, unit=th.unit, values=values))
        elif name not in a:
            th = b[name]
            values = tuple(
                ValueChange(effective_from=s, effective_until=e, new=v, unit=th.unit) for s, e, v, _ in th.values
            )
            out.append(ThresholdDiff(name=name, change="added", title=th.title, unit=th.unit, values=values))
        else:
            values = _values(units, a[name], b[name])
            fields = _fields(
                {"unit": a[name].unit, "title.zh": a[name].title.zh, "title.en": a[name].title.en},
                {"unit": b[name].unit, "title.zh": b[name].title.zh, "title.en": b[name].title.en},
            )
            if values or fields:
                out.append(
                    ThresholdDiff(
                        name=name,
                        change="changed",
                        title=b[name].title,
                        unit=b[name].unit,
                        values=values,
                        fields=fields,
                    )
                )
    return out


# ------------------------------------------------------------------------------------------------- tables and sets


def _tables(units: Units, old: Side, new: Side) -> list[TableDiff]:
    a, b = old.compiled.tables, new.compiled.tables
    out = []
    for name in sorted({*a, *b}):
        if name not in b or name not in a:
            t = a.get(name) or b[name]
            unit = _symbol(old if name in a else new, t.unit, units)
            rows = {k.upper(): v for k, v in t.rows.items()}
            if t.default is not None:
                rows["default"] = t.default
            gone = name not in b
            changes = tuple(
                FieldChange(field=k, old=v if gone else None, new=None if gone else v) for k, v in sorted(rows.items())
            )
            out.append(TableDiff(name=name, change="removed" if gone else "added", unit=unit, rows=changes))
            continue
        ta, tb = a[name], b[name]
        ua, ub = _symbol(old, ta.unit, units), _symbol(new, tb.unit, units)
        ra = {k.upper(): convert(units, v, ua, ub) for k, v in ta.rows.items()}  # codes as written (C3825)
        rb = {k.upper(): v for k, v in tb.rows.items()}
        if ta.default is not None:
            ra["default"] = convert(units, ta.default, ua, ub)
        if tb.default is not None:
            rb["default"] = tb.default
        changed = [
            FieldChange(field=k, old=ra.get(k), new=rb.get(k))
            for k in sorted({*ra, *rb})
            if not _same(ra.get(k), rb.get(k))
        ]
        cites = citation_changes(ta.citation, tb.citation)
        if ua != ub:
            changed.insert(0, FieldChange(field="unit", old=ua, new=ub))
        if changed or cites:
            out.append(TableDiff(name=name, change="changed", unit=ub, rows=tuple(changed), citation=cites))
    return out


def _symbol(side: Side, unit: Any, units: Units) -> str:
    """A table's unit as a symbol, written by the registry it was compiled with."""
    return (side.compiled.units or units).symbol(unit)


def _sets(old: Side, new: Side) -> list[SetDiff]:
    a, b = old.compiled.sets, new.compiled.sets
    codes = {n for side in (old, new) for n, src in side.merged.sets.items() if src.item.type == "industry_code"}

    def members(s: CompiledSet) -> frozenset[str]:
        return frozenset(m.upper() for m in s.members) if s.name in codes else s.members

    out = []
    for name in sorted({*a, *b}):
        if name not in b:
            out.append(SetDiff(name=name, change="removed", removed=tuple(sorted(members(a[name])))))
        elif name not in a:
            out.append(SetDiff(name=name, change="added", added=tuple(sorted(members(b[name])))))
        else:
            sa, sb = a[name], b[name]
            fields = _fields({"match": sa.match}, {"match": sb.match}) + citation_changes(sa.citation, sb.citation)
            ma, mb = members(sa), members(sb)
            added, removed = tuple(sorted(mb - ma)), tuple(sorted(ma - mb))
            if added or removed or fields:
                out.append(SetDiff(name=name, change="changed", added=added, removed=removed, fields=fields))
    return out


# ----------------------------------------------------------------------------------------------- the other sections


def _indicator_fields(pack: CompiledPack, m: MergedPack, iid: str) -> dict[str, Any]:
    c = next(i for i in pack.indicators if i.id == iid)
    d = m.indicators[iid].item
    return {
        "weight": c.weight,
        "floor": c.floor,
        "target": c.target,
        "unit": c.unit,
        "value": d.value,
        "applies_if": d.applies_if,
        "effective_from": c.effective_from,
        "effective_until": c.effective_until,
        **_dump(c.citation, ()),
    }


def _section(name: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> list[SectionDiff]:
    """Elements of one section compared by their flattened definitions."""
    out = []
    for key in sorted({*a, *b}):
        if key not in b:
            out.append(SectionDiff(section=name, id=key, change="removed"))
        elif key not in a:
            out.append(SectionDiff(section=name, id=key, change="added"))
        else:
            fields = _fields(a[key], b[key])
            if fields:
                out.append(SectionDiff(section=name, id=key, change="changed", fields=fields))
    return out


def _sections(old: Side, new: Side) -> list[SectionDiff]:
    def indicators(s: Side) -> dict[str, Any]:
        return {i.id: _indicator_fields(s.compiled, s.merged, i.id) for i in s.compiled.indicators}

    def defs(s: Side, section: str) -> dict[str, Any]:
        items: Mapping[str, Any] = getattr(s.merged, section)
        return {k: _dump(v.item, ("replaces",)) for k, v in items.items()}

    def verdict(s: Side) -> dict[str, Any]:
        return {"verdict": _dump(s.compiled.verdict)} if s.compiled.verdict is not None else {}

    def scope(s: Side) -> dict[str, Any]:
        return {"scope": _dump(s.merged.scope.item)} if s.merged.scope is not None else {}

    out = _section("indicators", indicators(old), indicators(new))
    out += _section("verdict", verdict(old), verdict(new))
    for section in ("derived", "labels", "referrals", "commitments"):
        out += _section(section, defs(old, section), defs(new, section))
    out += _section("scope", scope(old), scope(new))
    return out


# -------------------------------------------------------------------------------------------------------- in force


def thresholds_read(pack: CompiledPack, rule: CompiledRule) -> list[str]:
    """The thresholds a rule's conditions read, directly or through derived metrics, in first-seen order."""
    through = {d.name: d.reads for d in pack.derived}
    names = [n.id for tree in (rule.applies_tree, rule.require_tree) if tree is not None for n in ast.names_in(tree)]
    seen: dict[str, None] = {}
    while names:
        name = names.pop(0)
        if name not in seen:
            seen[name] = None
            names.extend(through.get(name, ()))
    return [n for n in seen if n in pack.thresholds]


def _in_force(units: Units, old: Side, new: Side, old_day: date, new_day: date) -> InForce:
    def live(s: Side, day: date) -> set[str]:
        return {r.id for r in s.compiled.rules if in_force(r.effective_from, r.effective_until, day)}

    before, after = live(old, old_day), live(new, new_day)
    changes, unit_of = [], {}
    a, b = old.compiled.thresholds, new.compiled.thresholds
    for name in sorted({*a, *b}):
        va = a[name].value_on(old_day) if name in a else None
        vb = b[name].value_on(new_day) if name in b else None
        unit = b[name].unit if name in b else a[name].unit
        x = convert(units, va[0], a[name].unit, unit) if va is not None else None
        y = vb[0] if vb is not None else None
        if not _same(x, y):
            changes.append(FieldChange(field=name, old=x, new=y))
            unit_of[name] = unit
    return InForce(
        old_as_of=old_day,
        new_as_of=new_day,
        rules_entering=tuple(sorted(after - before)),
        rules_leaving=tuple(sorted(before - after)),
        thresholds=tuple(changes),
        units=unit_of,
    )


def _side(s: Side) -> PackSide:
    return PackSide(pack=s.spec, id=s.compiled.id, version=s.compiled.version, packs=s.compiled.packs, as_of=s.as_of)


def diff_packs(units: Units, old: Side, new: Side) -> PackDiff:
    """Compare two packs compiled with ``units`` (figures in the new pack's units); with both as-of dates set, also
    what is in force on each."""
    in_force_ = None
    if old.as_of is not None and new.as_of is not None:
        in_force_ = _in_force(units, old, new, old.as_of, new.as_of)
    return PackDiff(
        old=_side(old),
        new=_side(new),
        rules=tuple(_rules(old, new)),
        thresholds=tuple(_thresholds(units, old, new)),
        tables=tuple(_tables(units, old, new)),
        sets=tuple(_sets(old, new)),
        sections=tuple(_sections(old, new)),
        in_force=in_force_,
    )
