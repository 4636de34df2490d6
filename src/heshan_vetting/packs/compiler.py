"""The native engine: compile a merged rule pack once, then evaluate projects to findings.

Compiling checks every name, type and unit (errors name file:line:column), orders derived metrics
(cycles are errors) and turns each condition into closures over a plain dict of floats and strings.
Evaluating a project is then attribute and float work only; pint is not called.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from datetime import date
from itertools import pairwise
from typing import Any

from heshan_vetting.errors import BilingualValueError, PluginError, RulePackError
from heshan_vetting.extension import FactProvider
from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.industry import validate_industry_code
from heshan_vetting.inputs.toml import dotted
from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.compiler import Compiler, scaled
from heshan_vetting.lang.parser import parse
from heshan_vetting.lang.types import CompiledSet, CompiledTable, CompileError, Fn, Namespace, VType
from heshan_vetting.lang.values import norm
from heshan_vetting.limits import MAX_PACK_NUMBER, number_text
from heshan_vetting.packs.compiled import (
    CompiledDerived,
    CompiledIndicator,
    CompiledLabel,
    CompiledPack,
    CompiledRule,
    CompiledThreshold,
    NumericCheck,
)
from heshan_vetting.packs.load import is_shipped
from heshan_vetting.packs.merge import MergedPack, Sourced
from heshan_vetting.report import PackRef, Text
from heshan_vetting.units import Units


def _en(exc: Exception) -> str:
    return exc.message_en if isinstance(exc, BilingualValueError) else str(exc)


def _stop(text: str, stop: str) -> str:
    return text if text.endswith(("。", "？", "！", ".", "?", "!")) else text + stop


def _zh(exc: Exception) -> str:
    return exc.message_zh if isinstance(exc, BilingualValueError) else str(exc)


def _intersect(
    a: tuple[date | None, date | None], b: tuple[date | None, date | None]
) -> tuple[date | None, date | None]:
    starts = [d for d in (a[0], b[0]) if d is not None]
    ends = [d for d in (a[1], b[1]) if d is not None]
    return (max(starts) if starts else None, min(ends) if ends else None)


def _fact_types(units: Units) -> dict[str, VType]:
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


def _plugin_fact_types(
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
                raise PluginError(f"fact {p.name!r}: unit {p.unit!r}: {_en(exc)}", plugin=plugin) from None
        else:
            out[p.name] = VType({"text": "str", "bool": "bool", "texts": "strs"}[p.type])
        owners[p.name] = plugin
    return out


class _PackCompiler:
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
            raise self._at(src, key, f"{_en(exc)}.", f"数值无效：{_zh(exc)}。") from None
        limit = number_text(MAX_PACK_NUMBER)
        if abs(magnitude) > MAX_PACK_NUMBER:
            raise self._at(
                src,
                key,
                f"{value!r} is out of range: numbers in a rule pack are at most {limit} in magnitude.",
                f"{value!r} 超出范围：规则包中的数值绝对值最大为 {limit}。",
            )
        lead = _LEADING_DIGITS.match(str(value))
        if magnitude == 0.0 and lead is not None and any(c in "123456789" for c in lead.group(1)):
            raise self._at(
                src,
                key,
                f"{value!r} is too small: it is not 0 but would be read as 0.",
                f"{value!r} 过小：它不为 0，但会被读成 0。",
            )
        if not self.units.convertible(written, unit):
            wd, ud = self.units.dimensionality(written), self.units.dimensionality(unit)
            raise self._at(
                src,
                key,
                f"{value!r} has dimension {wd} but the unit here is {self._sym(unit)} ({ud}).",
                f"{value!r} 的量纲为 {wd}，但此处单位为 {self.units.symbol(unit) or '无量纲'}（{ud}）。",
            )
        converted = magnitude * self._factor(src, key, written, unit)
        if not math.isfinite(converted) or abs(converted) > MAX_PACK_NUMBER:
            shown = self._sym(unit)
            raise self._at(
                src,
                key,
                f"{value!r} is {converted:.6g} {shown} once converted to the unit here, out of range: numbers in a "
                f"rule pack are at most {limit} in magnitude.",
                f"{value!r} 换算为此处单位后为 {converted:.6g} {shown}，超出范围：规则包中的数值绝对值最大为 {limit}。",
            )
        return converted

    def _pack_window(self, pack_id: str) -> tuple[date | None, date | None]:
        for lp in self.m.chain:
            if lp.model.pack.id == pack_id:
                return lp.model.pack.effective_from, lp.model.pack.effective_until
        return None, None

    def _factor(self, src: Sourced[Any], key: tuple[str | int, ...], a: Any, b: Any) -> float:
        """The factor from unit ``a`` to ``b``; a pack error at ``key`` when it is out of range."""
        try:
            return self.units.factor(a, b)
        except BilingualValueError as exc:
            raise self._at(src, key, exc.message_en + ".", exc.message_zh + "。") from None

    def _sym(self, unit: Any) -> str:
        return self.units.symbol(unit) or "dimensionless"

    def _at(self, src: Sourced[Any], key: tuple[str | int, ...], en: str, zh: str) -> RulePackError:
        path = (*src.path, *key)
        line, col = src.doc.locate(path)
        where = dotted(path)
        return RulePackError(en, message_zh=zh, file=src.doc.path, line=line, column=col, field=where)

    def unit(self, src: Sourced[Any], key: str, text: str) -> Any:
        try:
            return self.units.unit(text)
        except ValueError as exc:
            raise self._at(src, (key,), f"{_en(exc)}.", f"单位无效：{_zh(exc)}。") from None

    def parse(self, src: Sourced[Any], key: str, text: str) -> ast.Node:
        try:
            return parse(text)
        except ast.ExprSyntaxError as exc:
            raise src.error(exc.message_en, exc.message_zh, key=key, offset=exc.pos) from None

    def expr_error(self, src: Sourced[Any], key: str, exc: CompileError) -> RulePackError:
        return src.error(exc.message_en, exc.message_zh, key=key, offset=exc.pos)

    # -- sections -------------------------------------------------------------------------------
    def compile(self) -> CompiledPack:
        facts = _fact_types(self.units)
        facts.update(_plugin_fact_types(self.units, self.providers, facts))
        self.ns.values.update(facts)
        self.ns.presence = frozenset(facts)
        for name, spec in FIELD_SPECS.items():
            self.titles[name] = Text(zh=spec.title_zh, en=spec.title_en)
            self.units_of[name] = self.units.symbol(self.units.unit(spec.unit)) if spec.kind == "number" else ""
        plugin_facts: dict[str, str] = {}
        for plugin, p in self.providers:
            self.titles[p.name] = p.title
            self.units_of[p.name] = self.units.symbol(self.units.unit(p.unit)) if p.type == "number" else ""
            plugin_facts[p.name] = plugin
        self._names_unique(facts)
        self._sets()
        self._tables()
        thresholds = self._thresholds()
        derived = self._derived()
        rules = self._rules()
        indicators = self._indicators()
        labels = self._labels()
        top = self.m.top.model.pack
        refs = tuple(
            PackRef(
                id=lp.model.pack.id,
                version=lp.model.pack.version,
                sha256=lp.sha256,
                jurisdiction=lp.model.pack.jurisdiction,
                shipped=is_shipped(lp.doc.path),
                file=None if is_shipped(lp.doc.path) else lp.doc.path,
            )
            for lp in self.m.chain
        )
        starts = [lp.model.pack.covers_from for lp in self.m.chain if lp.model.pack.covers_from]
        ends = [lp.model.pack.covers_until for lp in self.m.chain if lp.model.pack.covers_until]
        notes = [
            (lp.model.pack.covers_from, lp.model.pack.covers_until, lp.model.pack.covers_note)
            for lp in self.m.chain
            if lp.model.pack.covers_note is not None
        ]
        return CompiledPack(
            id=top.id,
            version=top.version,
            title=top.title,
            jurisdiction=top.jurisdiction,
            packs=refs,
            covers=(max(starts) if starts else None, min(ends) if ends else None),
            covers_notes=tuple(notes),
            shadowed=tuple(self.m.shadowed),
            fact_types=facts,
            thresholds=thresholds,
            derived=derived,
            rules=rules,
            indicators=indicators,
            verdict=self.m.verdict.item if self.m.verdict else None,
            labels=labels,
            tables=dict(self.ns.tables),
            sets=dict(self.ns.sets),
            namespace=self.ns,
            units=self.units,
            titles=self.titles,
            units_of=self.units_of,
            plugin_facts=plugin_facts,
        )

    def _names_unique(self, facts: dict[str, VType]) -> None:
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

    def _sets(self) -> None:
        for name, src in self.m.sets.items():
            s = src.item
            members: list[str] = []
            for i, raw in enumerate(s.members):
                if s.type == "industry_code":
                    try:
                        validate_industry_code(raw, allow_prefix=True)
                    except ValueError as exc:
                        raise self._at(src, ("members", i), _stop(_en(exc), "."), _stop(_zh(exc), "。")) from None
                members.append(norm(raw))
            prefixes = tuple(sorted(set(members), key=lambda p: (-len(p), p)))
            self.ns.sets[name] = CompiledSet(name, frozenset(members), prefixes, s.match, s.citation)
            if s.title:
                self.titles[name] = s.title

    def _tables(self) -> None:
        for name, src in self.m.tables.items():
            t = src.item
            unit = self.unit(src, "unit", t.unit)
            rows: dict[str, float] = {}
            for key, value in t.rows.items():
                try:
                    validate_industry_code(key, allow_prefix=True)
                except ValueError as exc:
                    raise self._at(src, ("rows", key), _stop(_en(exc), "."), _stop(_zh(exc), "。")) from None
                rows[norm(key)] = self.quantity(src, ("rows", key), value, unit)
            default = None if t.default is None else self.quantity(src, ("default",), t.default, unit)
            lengths = tuple(sorted({len(k) for k in rows}, reverse=True))
            self.ns.tables[name] = CompiledTable(name, rows, lengths, default, unit, t.citation)
            if t.title:
                self.titles[name] = t.title
            self.units_of[name] = self.units.symbol(unit)

    def _thresholds(self) -> dict[str, CompiledThreshold]:
        out: dict[str, CompiledThreshold] = {}
        for name, src in self.m.thresholds.items():
            th = src.item
            unit = self.unit(src, "unit", th.unit)
            for parent in self.m.overridden_thresholds.get(name, []):
                punit = self.unit(parent, "unit", parent.item.unit)
                if not self.units.convertible(unit, punit):
                    raise self._at(
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
                    raise self._at(
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

    def _derived(self) -> tuple[CompiledDerived, ...]:
        trees: dict[str, ast.Node] = {}
        for name, src in self.m.derived.items():
            trees[name] = self.parse(src, "expr", src.item.expr)
        # declare types first (by declared unit) so derived may read derived, then order them
        for name, src in self.m.derived.items():
            self.ns.values[name] = VType("num", self.unit(src, "unit", src.item.unit))
            self.titles[name] = src.item.title
        self.ns.presence = self.ns.presence | frozenset(self.m.derived)
        deps = {n: [x.id for x in ast.names_in(t) if x.id in self.m.derived] for n, t in trees.items()}
        order = self._toposort(deps)
        out: list[CompiledDerived] = []
        for name in order:
            src = self.m.derived[name]
            declared = self.ns.values[name].unit
            comp = Compiler(self.units, self.ns)
            try:
                fn, t = comp.compile(trees[name])
                if t.kind != "num":
                    raise CompileError("A derived metric must be a number.", "派生指标必须是数值。", 0)
                if not self.units.convertible(t.unit, declared):
                    raise CompileError(
                        f"The expression gives {self._sym(t.unit)} "
                        f"({self.units.dimensionality(t.unit)}) but the declared unit is "
                        f"{src.item.unit or 'dimensionless'} ({self.units.dimensionality(declared)}).",
                        f"表达式的单位为 {self._sym(t.unit)}（{self.units.dimensionality(t.unit)}），"
                        f"与声明的单位 {src.item.unit or '无量纲'}（{self.units.dimensionality(declared)}）量纲不同。",
                        0,
                    )
            except CompileError as exc:
                raise self.expr_error(src, "expr", exc) from None
            k = self._factor(src, ("unit",), t.unit, declared)
            fn = scaled(fn, k)
            self.units_of[name] = self.units.symbol(declared)
            out.append(
                CompiledDerived(name, src.item.title, fn, self.units.symbol(declared), tuple(dict.fromkeys(comp.reads)))
            )
        return tuple(out)

    def _toposort(self, deps: dict[str, list[str]]) -> list[str]:
        """Derived metrics in dependency order (depth first, without recursion: chains may be long)."""
        order: list[str] = []
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for root in sorted(deps):
            if state.get(root) == 2:
                continue
            path: list[str] = [root]
            todo: list[Iterator[str]] = [iter(deps[root])]
            state[root] = 1
            while todo:
                d = next(todo[-1], None)
                if d is None:
                    todo.pop()
                    done = path.pop()
                    state[done] = 2
                    order.append(done)
                    continue
                if state.get(d) == 2:
                    continue
                if state.get(d) == 1:
                    cycle = [*path[path.index(d) :], d]
                    src = self.m.derived[d]
                    raise src.error(
                        f"Derived metrics depend on each other in a cycle: {' → '.join(cycle)}.",
                        f"派生指标之间存在循环依赖：{' → '.join(cycle)}。",
                        key="expr",
                    )
                state[d] = 1
                path.append(d)
                todo.append(iter(deps[d]))
        return order

    def _rules(self) -> tuple[CompiledRule, ...]:
        out: list[CompiledRule] = []
        pack_windows = {
            lp.model.pack.id: (lp.model.pack.effective_from, lp.model.pack.effective_until) for lp in self.m.chain
        }
        for rid in sorted(self.m.rules):
            src = self.m.rules[rid]
            r = src.item
            target = self.unit(src, "unit", r.unit) if r.unit is not None else None
            applies: Fn | None = None
            scope_tree: ast.Node | None = None
            scope_reads: list[str] = []
            comp = Compiler(self.units, self.ns, precision=r.precision, target_unit=target)
            if r.applies_if is not None:
                tree = scope_tree = self.parse(src, "applies_if", r.applies_if)
                try:
                    # the rule's unit is for its requirement; the scope test keeps its own units
                    scope = Compiler(self.units, self.ns, precision=r.precision, reads=scope_reads)
                    applies = scope.compile_bool(tree)
                except CompileError as exc:
                    raise self.expr_error(src, "applies_if", exc) from None
            tree = self.parse(src, "require", r.require)
            try:
                require = comp.compile_bool(tree)
                checks = self._checks(tree, r.precision, target)
            except CompileError as exc:
                raise self.expr_error(src, "require", exc) from None
            start, end = _intersect((r.effective_from, r.effective_until), pack_windows[src.pack_id])
            out.append(
                CompiledRule(
                    id=r.id,
                    pack_id=src.pack_id,
                    title=r.title,
                    message=r.message,
                    severity=r.severity,
                    citation=r.citation,
                    tags=tuple(r.tags),
                    effective_from=start,
                    effective_until=end,
                    applies=applies,
                    require=require,
                    require_text=r.require,
                    applies_tree=scope_tree,
                    require_tree=tree,
                    target_unit=target,
                    checks=checks,
                    reads=tuple(dict.fromkeys([*comp.reads, *scope_reads])),
                    scope_reads=tuple(dict.fromkeys(scope_reads)),
                    precision=r.precision,
                )
            )
        return tuple(out)

    def _checks(self, tree: ast.Node, precision: int, target: Any) -> tuple[NumericCheck, ...]:
        parts = tree.values if isinstance(tree, ast.BoolOp) and tree.op == "and" else (tree,)
        out: list[NumericCheck] = []
        for node in parts:
            if not isinstance(node, ast.Compare):
                continue
            comp = Compiler(self.units, self.ns, precision=precision, target_unit=target)
            if comp.probe_kind(node.left) != "num":
                continue
            # Explain as "fact op threshold": flip when the threshold side is written first.
            if self._is_threshold_side(node.left) and not self._is_threshold_side(node.right):
                node = ast.Compare(_FLIP[node.op], node.right, node.left, node.pos)
            left, right, unit, op = comp.compile_compare(node)
            th = node.right.id if isinstance(node.right, ast.Name) and node.right.id in self.m.thresholds else None
            if th is None and isinstance(node.right, ast.Index):
                th = node.right.table.id
            out.append(NumericCheck(ast.unparse(node), left, right, op, self.units.symbol(unit), th))
        return tuple(out)

    def _is_threshold_side(self, node: ast.Node) -> bool:
        names = [n.id for n in ast.names_in(node)]
        return all(n in self.m.thresholds or n in self.m.tables or n == "industry_code" for n in names)

    def _labels(self) -> tuple[CompiledLabel, ...]:
        out: list[CompiledLabel] = []
        for lid in sorted(self.m.labels):
            src = self.m.labels[lid]
            label = src.item
            comp = Compiler(self.units, self.ns)
            cases: list[tuple[Fn, Text]] = []
            trees: list[ast.Node] = []
            for i, case in enumerate(label.cases):
                case_src = Sourced(case, src.pack_id, src.doc, (*src.path, "cases", i))
                tree = self.parse(case_src, "when", case.when)
                trees.append(tree)
                try:
                    cases.append((comp.compile_bool(tree), case.value))
                except CompileError as exc:
                    raise self.expr_error(case_src, "when", exc) from None
            window = _intersect((label.effective_from, label.effective_until), self._pack_window(src.pack_id))
            out.append(
                CompiledLabel(
                    id=lid, pack_id=src.pack_id, title=label.title, cases=tuple(cases), otherwise=label.otherwise,
                    citation=label.citation, effective_from=window[0], effective_until=window[1],
                    reads=tuple(dict.fromkeys(comp.reads)), trees=tuple(trees),
                )
            )  # fmt: skip
        return tuple(out)

    def _indicators(self) -> tuple[CompiledIndicator, ...]:
        out: list[CompiledIndicator] = []
        for iid in sorted(self.m.indicators):
            src = self.m.indicators[iid]
            ind = src.item
            unit = self.unit(src, "unit", ind.unit)
            scope: Fn | None = None
            comp = Compiler(self.units, self.ns)
            if ind.applies_if is not None:
                scope_tree = self.parse(src, "applies_if", ind.applies_if)
                try:
                    scope = comp.compile_bool(scope_tree)
                except CompileError as exc:
                    raise self.expr_error(src, "applies_if", exc) from None
            tree = self.parse(src, "value", ind.value)
            try:
                fn, t = comp.compile(tree)
                if t.kind != "num":
                    raise CompileError("An indicator's value must be a number.", "指标取值必须是数值。", 0)
                if not self.units.convertible(t.unit, unit):
                    raise CompileError(
                        f"The value is {self._sym(t.unit)} ({self.units.dimensionality(t.unit)}) but the "
                        f"indicator's unit is {ind.unit or 'dimensionless'} ({self.units.dimensionality(unit)}).",
                        f"取值单位 {self._sym(t.unit)} 与指标单位 {ind.unit or '无量纲'} 量纲不同。",
                        0,
                    )
            except CompileError as exc:
                raise self.expr_error(src, "value", exc) from None
            window = _intersect((ind.effective_from, ind.effective_until), self._pack_window(src.pack_id))
            floor = self.quantity(src, ("floor",), ind.floor, unit)
            target = self.quantity(src, ("target",), ind.target, unit)
            if floor == target:
                raise self._at(src, ("target",), "floor and target must differ.", "floor 与 target 不能相同。")
            out.append(
                CompiledIndicator(
                    id=iid,
                    title=ind.title,
                    value=scaled(fn, self._factor(src, ("unit",), t.unit, unit)),
                    unit=self.units.symbol(unit),
                    weight=ind.weight,
                    floor=floor,
                    target=target,
                    citation=ind.citation,
                    effective_from=window[0],
                    effective_until=window[1],
                    applies=scope,
                    reads=tuple(dict.fromkeys(comp.reads)),
                )
            )
        return tuple(out)


_LEADING_DIGITS = re.compile(r"\s*[+-]?([0-9.,_]*)")
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def compile_pack(
    merged: MergedPack, units: Units, plugin_facts: Sequence[tuple[str, FactProvider]] = ()
) -> CompiledPack:
    """Type-check, unit-check and compile a merged pack. Raises :class:`RulePackError`.

    ``plugin_facts`` are (plugin name, provider) pairs from the ``heshan_facts`` hook; conditions
    may read them like project fields.
    """
    return _PackCompiler(merged, units, plugin_facts).compile()
