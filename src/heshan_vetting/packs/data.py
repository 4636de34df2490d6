"""Compiling a merged pack's data (fact types, sets, tables, thresholds), with the located errors, units and
quantities that the pack compiler (:mod:`.compiler`) shares.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date
from itertools import pairwise
from typing import Any

from heshan_vetting.errors import BilingualValueError, PluginError, RulePackError
from heshan_vetting.extension import FactProvider
from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.industry import validate_industry_code
from heshan_vetting.inputs.toml import dotted
from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.parser import parse
from heshan_vetting.lang.types import CompiledSet, CompiledTable, CompileError, Kind, Namespace, VType
from heshan_vetting.lang.values import norm
from heshan_vetting.limits import MAX_PACK_NUMBER, number_text
from heshan_vetting.packs.compiled import CompiledThreshold
from heshan_vetting.packs.merge import MergedPack, Sourced
from heshan_vetting.report import Text
from heshan_vetting.units import Units


def text_en(exc: Exception) -> str:
    return exc.message_en if isinstance(exc, BilingualValueError) else str(exc)


def full_stop(text: str, stop: str) -> str:
    return text if text.endswith(("。", "？", "！", ".", "?", "!")) else text + stop


def text_zh(exc: Exception) -> str:
    return exc.message_zh if isinstance(exc, BilingualValueError) else str(exc)


def fact_types(units: Units) -> dict[str, VType]:
    types: dict[str, VType] = {}
    for name, spec in FIELD_SPECS.items():
        if spec.kind == "number":
            types[name] = VType("num", units.unit(spec.unit))
        elif spec.kind in ("string", "choice"):
            types[name] = VType("str")
        elif spec.kind == "bool":
            types[name] = VType("bool")
        elif spec.kind == "strings":
            types[name] = VType("strs")
    return types


def plugin_fact_types(
    units: Units, providers: Sequence[tuple[str, FactProvider]], facts: dict[str, VType]
) -> dict[str, VType]:
    out: dict[str, VType] = {}
    owners: dict[str, str] = {}
    for plugin, p in providers:
        if p.name in facts:
            raise PluginError(f"fact {p.name!r} has the name of a project field; choose another name", plugin=plugin)
        if p.name in out:
            raise PluginError(f"fact {p.name!r} is also given by plugin {owners[p.name]!r}", plugin=plugin)
        if p.type == "number":
            try:
                out[p.name] = VType("num", units.unit(p.unit))
            except ValueError as exc:
                raise PluginError(f"fact {p.name!r}: unit {p.unit!r}: {text_en(exc)}", plugin=plugin) from None
        else:
            out[p.name] = VType(_PLUGIN_KINDS[p.type])
        owners[p.name] = plugin
    return out


class PackData:
    """A merged pack being compiled: its names so far, and the sections that hold data rather than conditions."""

    def __init__(self, merged: MergedPack, units: Units, providers: Sequence[tuple[str, FactProvider]] = ()) -> None:
        self.m = merged
        self.units = units
        self.providers = tuple(providers)
        self.ns = Namespace()
        self.titles: dict[str, Text] = {}
        self.units_of: dict[str, str] = {}

    # -- helpers --------------------------------------------------------------------------------
    def quantity(self, src: Sourced[Any], key: tuple[str | int, ...], value: float | str, unit: Any) -> float:
        """A pack number (bare, in ``unit``) or quantity string, converted to ``unit``.

        Bare numbers were range-checked by the schema; a quantity text is checked here, as written and once
        converted (:data:`~heshan_vetting.limits.MAX_PACK_NUMBER`).
        """
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        try:
            magnitude, written = self.units.parse_quantity(str(value))
        except ValueError as exc:
            raise self.at(src, key, f"{text_en(exc)}.", f"数值无效：{text_zh(exc)}。") from None
        limit = number_text(MAX_PACK_NUMBER)
        if abs(magnitude) > MAX_PACK_NUMBER:
            raise self.at(
                src,
                key,
                f"{value!r} is out of range: numbers in a rule pack are at most {limit} in magnitude.",
                f"{value!r} 超出范围：规则包中的数值绝对值最大为 {limit}。",
            )
        lead = LEADING_DIGITS.match(str(value))
        if magnitude == 0.0 and lead is not None and any(c in "123456789" for c in lead.group(1)):
            raise self.at(
                src,
                key,
                f"{value!r} is too small: it is not 0 but would be read as 0.",
                f"{value!r} 过小：它不为 0，但会被读成 0。",
            )
        if not self.units.convertible(written, unit):
            wd, ud = self.units.dimensionality(written), self.units.dimensionality(unit)
            raise self.at(
                src,
                key,
                f"{value!r} has dimension {wd} but the unit here is {self.sym(unit)} ({ud}).",
                f"{value!r} 的量纲为 {wd}，但此处单位为 {self.units.symbol(unit) or '无量纲'}（{ud}）。",
            )
        converted = magnitude * self.factor(src, key, written, unit)
        if not math.isfinite(converted) or abs(converted) > MAX_PACK_NUMBER:
            shown = self.sym(unit)
            raise self.at(
                src,
                key,
                f"{value!r} is {converted:.6g} {shown} once converted to the unit here, out of range: numbers in a "
                f"rule pack are at most {limit} in magnitude.",
                f"{value!r} 换算为此处单位后为 {converted:.6g} {shown}，超出范围：规则包中的数值绝对值最大为 {limit}。",
            )
        return converted

    def factor(self, src: Sourced[Any], key: tuple[str | int, ...], a: Any, b: Any) -> float:
        """The factor from unit ``a`` to ``b``; a pack error at ``key`` when it is out of range."""
        try:
            return self.units.factor(a, b)
        except BilingualValueError as exc:
            raise self.at(src, key, exc.message_en + ".", exc.message_zh + "。") from None

    def sym(self, unit: Any) -> str:
        return self.units.symbol(unit) or "dimensionless"

    def at(self, src: Sourced[Any], key: tuple[str | int, ...], en: str, zh: str) -> RulePackError:
        path = (*src.path, *key)
        line, col = src.doc.locate(path)
        where = dotted(path)
        return RulePackError(en, message_zh=zh, file=src.doc.path, line=line, column=col, field=where)

    def unit(self, src: Sourced[Any], key: str, text: str) -> Any:
        try:
            return self.units.unit(text)
        except ValueError as exc:
            raise self.at(src, (key,), f"{text_en(exc)}.", f"单位无效：{text_zh(exc)}。") from None

    def parse(self, src: Sourced[Any], key: str, text: str) -> ast.Node:
        try:
            return parse(text)
        except ast.ExprSyntaxError as exc:
            raise src.error(exc.message_en, exc.message_zh, key=key, offset=exc.pos) from None

    def expr_error(self, src: Sourced[Any], key: str, exc: CompileError) -> RulePackError:
        return src.error(exc.message_en, exc.message_zh, key=key, offset=exc.pos)

    # -- sections -------------------------------------------------------------------------------
    def names_unique(self, facts: dict[str, VType]) -> None:
        kinds = {
            "project field": "项目字段",
            "set": "集合",
            "table": "查找表",
            "threshold": "阈值",
            "derived metric": "派生指标",
            "plugin fact": "插件事实",
        }
        plugin_facts = {p.name for _plugin, p in self.providers}
        seen: dict[str, str] = {n: "plugin fact" if n in plugin_facts else "project field" for n in facts}
        for section in ("sets", "tables", "thresholds", "derived"):
            entries: dict[str, Sourced[Any]] = getattr(self.m, section)
            for name, src in entries.items():
                if name in seen:
                    raise src.error(
                        f"The name {name!r} is already used by a {seen[name]}; names must be unique.",
                        f"名称 {name!r} 已被{kinds[seen[name]]}使用；名称必须唯一。",
                    )
                seen[name] = section.rstrip("s") if section != "derived" else "derived metric"

    def sets(self) -> None:
        for name, src in self.m.sets.items():
            s = src.item
            members: list[str] = []
            for i, raw in enumerate(s.members):
                if s.type == "industry_code":
                    try:
                        validate_industry_code(raw, allow_prefix=True)
                    except ValueError as exc:
                        en, zh = full_stop(text_en(exc), "."), full_stop(text_zh(exc), "。")
                        raise self.at(src, ("members", i), en, zh) from None
                members.append(norm(raw))
            prefixes = tuple(sorted(set(members), key=lambda p: (-len(p), p)))
            self.ns.sets[name] = CompiledSet(name, frozenset(members), prefixes, s.match, s.citation)
            if s.title:
                self.titles[name] = s.title

    def tables(self) -> None:
        for name, src in self.m.tables.items():
            t = src.item
            unit = self.unit(src, "unit", t.unit)
            rows: dict[str, float] = {}
            for key, value in t.rows.items():
                try:
                    validate_industry_code(key, allow_prefix=True)
                except ValueError as exc:
                    en, zh = full_stop(text_en(exc), "."), full_stop(text_zh(exc), "。")
                    raise self.at(src, ("rows", key), en, zh) from None
                rows[norm(key)] = self.quantity(src, ("rows", key), value, unit)
            default = None if t.default is None else self.quantity(src, ("default",), t.default, unit)
            lengths = tuple(sorted({len(k) for k in rows}, reverse=True))
            self.ns.tables[name] = CompiledTable(name, rows, lengths, default, unit, t.citation)
            if t.title:
                self.titles[name] = t.title
            self.units_of[name] = self.units.symbol(unit)

    def thresholds(self) -> dict[str, CompiledThreshold]:
        out: dict[str, CompiledThreshold] = {}
        for name, src in self.m.thresholds.items():
            th = src.item
            unit = self.unit(src, "unit", th.unit)
            for parent in self.m.overridden_thresholds.get(name, []):
                punit = self.unit(parent, "unit", parent.item.unit)
                if not self.units.convertible(unit, punit):
                    raise self.at(
                        src,
                        ("unit",),
                        f"Threshold {name!r} overrides pack {parent.pack_id!r}'s with unit "
                        f"{self.units.symbol(unit) or 'dimensionless'}, whose dimension differs from "
                        f"{self.units.symbol(punit) or 'dimensionless'}.",
                        f"阈值 {name!r} 覆盖了规则包 {parent.pack_id!r} 的同名阈值，但单位量纲不同。",
                    )
            values = []
            key_base: tuple[str | int, ...] = ("value",) if th.value is not None else ("values",)
            for i, v in enumerate(th.dated_values()):
                key = key_base if th.value is not None else ("values", i, "value")
                values.append(
                    (
                        v.effective_from,
                        v.effective_until,
                        self.quantity(src, key, v.value, unit),
                        v.citation or th.citation,
                    )
                )
            values.sort(key=lambda x: x[0] or date.min)
            for (s1, e1, _, _), (s2, _e2, _, _) in pairwise(values):
                if e1 is None or (s2 is not None and s2 <= e1) or s2 is None:
                    raise self.at(
                        src,
                        ("values",),
                        f"Threshold {name!r} has values whose effective periods overlap ({s1} to {e1 or 'open'} and "
                        f"from {s2}); give the earlier one an effective_until before the next starts.",
                        f"阈值 {name!r} 的多个取值有效期重叠，请为前一个取值设置早于下一个生效日的 effective_until。",
                    )
            vt = VType("num", unit)
            self.ns.values[name] = vt
            self.titles[name] = th.title
            self.units_of[name] = self.units.symbol(unit)
            out[name] = CompiledThreshold(name, th.title, self.units.symbol(unit), tuple(values))
        return out


_PLUGIN_KINDS: dict[str, Kind] = {"text": "str", "bool": "bool", "texts": "strs"}
"""The kind of a plugin fact of each non-number type."""
LEADING_DIGITS = re.compile(r"\s*[+-]?([0-9.,_]*)")
