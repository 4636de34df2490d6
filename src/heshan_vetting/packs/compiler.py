"""The pack compiler: a merged rule pack compiled once into a :class:`~.compiled.CompiledPack`.

Compiling checks every name, type and unit (errors name file:line:column), orders derived metrics
(cycles are errors) and turns each condition into closures over a plain dict of floats and strings.
Evaluating a project is then attribute and float work only; pint is not called. The data sections
(sets, tables, thresholds) are compiled by :mod:`.data`, the conditions here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any, cast

from heshan_vetting.errors import did_you_mean
from heshan_vetting.extension import FactProvider
from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.compiler import Compiler
from heshan_vetting.lang.ops import scaled
from heshan_vetting.lang.syntax import CmpOp, assert_never
from heshan_vetting.lang.types import BoolFn, CompileError, NumFn, VType
from heshan_vetting.packs.commitments import compile_commitments
from heshan_vetting.packs.compiled import (
    CompiledDerived,
    CompiledIndicator,
    CompiledLabel,
    CompiledPack,
    CompiledReferral,
    CompiledRule,
    CompiledScope,
    NumericCheck,
    intersect,
)
from heshan_vetting.packs.data import PackData, fact_types, plugin_fact_types
from heshan_vetting.packs.load import is_shipped, refuse_other_kind
from heshan_vetting.packs.merge import MergedPack, Sourced
from heshan_vetting.packs.schema import WAIVER_FACTS
from heshan_vetting.report import PackRef, Severity, Text
from heshan_vetting.units import Units


class _PackCompiler(PackData):
    """Compiles the conditions of a pack (derived metrics, rules, labels, indicators) and assembles it."""

    def _pack_window(self, pack_id: str) -> tuple[date | None, date | None]:
        for lp in self.m.chain:
            if lp.model.pack.id == pack_id:
                return lp.model.pack.effective_from, lp.model.pack.effective_until
        return None, None

    def compile(self) -> CompiledPack:
        facts = fact_types(self.units)
        facts.update(plugin_fact_types(self.units, self.providers, facts))
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
        self.names_unique(facts)
        self.sets()
        self.tables()
        thresholds = self.thresholds()
        derived = self._derived()
        rules = self._rules()
        self._check_waivers(rules, derived)
        indicators = self._indicators()
        labels = self._labels()
        commitments = compile_commitments(self, rules)
        referrals = self._referrals()
        scope = self._scope()
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
            referrals=referrals,
            scope=scope,
            tables=dict(self.ns.tables),
            sets=dict(self.ns.sets),
            namespace=self.ns,
            units=self.units,
            titles=self.titles,
            units_of=self.units_of,
            plugin_facts=plugin_facts,
            commitments=commitments,
        )

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
                        f"The expression gives {self.sym(t.unit)} "
                        f"({self.units.dimensionality(t.unit)}) but the declared unit is "
                        f"{src.item.unit or 'dimensionless'} ({self.units.dimensionality(declared)}).",
                        f"表达式的单位为 {self.sym(t.unit)}（{self.units.dimensionality(t.unit)}），"
                        f"与声明的单位 {src.item.unit or '无量纲'}（{self.units.dimensionality(declared)}）量纲不同。",
                        0,
                    )
            except CompileError as exc:
                raise self.expr_error(src, "expr", exc) from None
            k = self.factor(src, ("unit",), t.unit, declared)
            num_fn = scaled(cast(NumFn, fn), k)
            self.units_of[name] = self.units.symbol(declared)
            out.append(
                CompiledDerived(
                    name,
                    src.item.title,
                    num_fn,
                    self.units.symbol(declared),
                    tuple(dict.fromkeys(comp.reads)),
                    tree=trees[name],
                    factor=k,
                )
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
            applies: BoolFn | None = None
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
            start, end = intersect((r.effective_from, r.effective_until), pack_windows[src.pack_id])
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
                    waivable=r.waivable,
                    waiver_grounds=self._grounds(src, r.waiver_grounds),
                    waiver_grounds_set=r.waiver_grounds,
                )
            )
        return tuple(out)

    def _grounds(self, src: Sourced[Any], name: str | None) -> frozenset[str] | None:
        """The members of a rule's ``waiver_grounds`` set (an error naming the key when there is no such set)."""
        if name is None:
            return None
        found = self.ns.sets.get(name)
        if found is None:
            hint, hint_zh = did_you_mean(name, self.ns.sets)
            raise self.at(
                src,
                ("waiver_grounds",),
                f"waiver_grounds names {name!r}, which is not a set of the packs{hint}",
                f"waiver_grounds 所指的 {name!r} 不是规则包中的集合（[sets.…]）{hint_zh}",
            )
        return found.members

    def _check_waivers(self, rules: tuple[CompiledRule, ...], derived: tuple[CompiledDerived, ...]) -> None:
        """Refuse a veto or required rule that reads an exception-ground fact (directly or through derived
        metrics): a ground the project cites reaches a rule only as a waiver of a rule marked ``waivable`` with
        ``waiver_grounds`` (invariant 12), so no ban can be lifted by a condition that looks at it."""
        through = {d.name: d.reads for d in derived}

        def grounds_of(names: Iterable[str]) -> list[str]:
            seen: set[str] = set()
            todo = list(names)
            while todo:
                name = todo.pop()
                if name not in seen:
                    seen.add(name)
                    todo.extend(through.get(name, ()))
            return sorted(seen & WAIVER_FACTS)

        for rule in rules:
            if rule.severity is Severity.ADVISORY:
                continue
            grounds = grounds_of(rule.reads)
            if not grounds:
                continue
            in_require = grounds_of(n.id for n in ast.names_in(rule.require_tree))
            names = ", ".join(grounds)
            raise self.at(
                self.m.rules[rule.id],
                ("require" if in_require else "applies_if",),
                f"Rule {rule.id} is a {rule.severity.value} rule that reads the exception-ground fact(s) {names}: "
                "a ground the project cites is a waiver, applied only to a rule marked `waivable = true` with "
                '`waiver_grounds = "SET"` (the set of grounds it accepts), never read by a veto\'s or required '
                "rule's conditions, so no ban (such as the Pearl River Delta core ban) can be lifted by one. "
                "Remove the fact from the conditions; if the policy lets a ground lift the rule, mark it waivable "
                "with its waiver_grounds.",
                f"规则 {rule.id}（{rule.severity.value}）的条件读取了例外情形字段 {names}："
                "项目援引的例外情形是一项豁免，"
                '只适用于标明 `waivable = true` 并以 `waiver_grounds = "集合名"` 列明可援引情形的规则，'
                "否决项和必备条件的条件不得读取它，任何禁止性规定（如珠三角核心区禁止新建、扩建规定）都不能因此解除。"
                "请从条件中删去该字段；若政策允许以某情形解除本规则，请将其标记为可豁免并列明 waiver_grounds。",
            )

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
            th = self._threshold_named(node.right)
            out.append(NumericCheck(ast.unparse(node), left, right, op, self.units.symbol(unit), th))
        return tuple(out)

    def _threshold_named(self, node: ast.Node) -> str | None:
        """The threshold (or table) a comparison's right side reads, to explain the finding by."""
        match node:
            case ast.Name():
                return node.id if node.id in self.m.thresholds else None
            case ast.Index():
                return node.table.id
            case (
                ast.Num() | ast.Str() | ast.BoolLit() | ast.ListLit() | ast.Unary() | ast.BinOp() | ast.Compare()
                | ast.BoolOp() | ast.Not() | ast.Member() | ast.Prefix() | ast.Present()
            ):  # fmt: skip
                return None
            case _:
                assert_never(node)

    def _is_threshold_side(self, node: ast.Node) -> bool:
        names = [n.id for n in ast.names_in(node)]
        return all(n in self.m.thresholds or n in self.m.tables or n == "industry_code" for n in names)

    def _labels(self) -> tuple[CompiledLabel, ...]:
        out: list[CompiledLabel] = []
        for lid in sorted(self.m.labels):
            src = self.m.labels[lid]
            label = src.item
            comp = Compiler(self.units, self.ns)
            cases: list[tuple[BoolFn, Text]] = []
            trees: list[ast.Node] = []
            for i, case in enumerate(label.cases):
                case_src = Sourced(case, src.pack_id, src.doc, (*src.path, "cases", i))
                tree = self.parse(case_src, "when", case.when)
                trees.append(tree)
                try:
                    cases.append((comp.compile_bool(tree), case.value))
                except CompileError as exc:
                    raise self.expr_error(case_src, "when", exc) from None
            window = intersect((label.effective_from, label.effective_until), self._pack_window(src.pack_id))
            out.append(
                CompiledLabel(
                    id=lid, pack_id=src.pack_id, title=label.title, cases=tuple(cases), otherwise=label.otherwise,
                    citation=label.citation, effective_from=window[0], effective_until=window[1],
                    reads=tuple(dict.fromkeys(comp.reads)), trees=tuple(trees),
                )
            )  # fmt: skip
        return tuple(out)

    def _referrals(self) -> tuple[CompiledReferral, ...]:
        out: list[CompiledReferral] = []
        for rid in sorted(self.m.referrals):
            src = self.m.referrals[rid]
            ref = src.item
            comp = Compiler(self.units, self.ns)
            tree = self.parse(src, "when", ref.when)
            try:
                when = comp.compile_bool(tree)
            except CompileError as exc:
                raise self.expr_error(src, "when", exc) from None
            window = intersect((ref.effective_from, ref.effective_until), self._pack_window(src.pack_id))
            out.append(
                CompiledReferral(
                    id=rid, pack_id=src.pack_id, to=ref.to, reason=ref.reason, when=when, citation=ref.citation,
                    effective_from=window[0], effective_until=window[1], reads=tuple(dict.fromkeys(comp.reads)),
                    tree=tree,
                )
            )  # fmt: skip
        return tuple(out)

    def _scope(self) -> CompiledScope | None:
        src = self.m.scope
        if src is None:
            return None
        comp = Compiler(self.units, self.ns)
        tree = self.parse(src, "when", src.item.when)
        try:
            when = comp.compile_bool(tree)
        except CompileError as exc:
            raise self.expr_error(src, "when", exc) from None
        return CompiledScope(
            pack_id=src.pack_id, title=src.item.title, when=when, outside=src.item.outside,
            citation=src.item.citation, reads=tuple(dict.fromkeys(comp.reads)),
        )  # fmt: skip

    def _indicators(self) -> tuple[CompiledIndicator, ...]:
        out: list[CompiledIndicator] = []
        for iid in sorted(self.m.indicators):
            src = self.m.indicators[iid]
            ind = src.item
            unit = self.unit(src, "unit", ind.unit)
            scope: BoolFn | None = None
            comp = Compiler(self.units, self.ns)
            scope_reads: tuple[str, ...] = ()
            if ind.applies_if is not None:
                scope_tree = self.parse(src, "applies_if", ind.applies_if)
                try:
                    scope = comp.compile_bool(scope_tree)
                    scope_reads = tuple(dict.fromkeys(comp.reads))
                except CompileError as exc:
                    raise self.expr_error(src, "applies_if", exc) from None
            tree = self.parse(src, "value", ind.value)
            try:
                fn, t = comp.compile(tree)
                if t.kind != "num":
                    raise CompileError("An indicator's value must be a number.", "指标取值必须是数值。", 0)
                if not self.units.convertible(t.unit, unit):
                    raise CompileError(
                        f"The value is {self.sym(t.unit)} ({self.units.dimensionality(t.unit)}) but the "
                        f"indicator's unit is {ind.unit or 'dimensionless'} ({self.units.dimensionality(unit)}).",
                        f"取值单位 {self.sym(t.unit)} 与指标单位 {ind.unit or '无量纲'} 量纲不同。",
                        0,
                    )
            except CompileError as exc:
                raise self.expr_error(src, "value", exc) from None
            window = intersect((ind.effective_from, ind.effective_until), self._pack_window(src.pack_id))
            floor = self.quantity(src, ("floor",), ind.floor, unit)
            target = self.quantity(src, ("target",), ind.target, unit)
            if floor == target:
                raise self.at(src, ("target",), "floor and target must differ.", "floor 与 target 不能相同。")
            out.append(
                CompiledIndicator(
                    id=iid,
                    title=ind.title,
                    value=scaled(cast(NumFn, fn), self.factor(src, ("unit",), t.unit, unit)),
                    unit=self.units.symbol(unit),
                    weight=ind.weight,
                    floor=floor,
                    target=target,
                    citation=ind.citation,
                    effective_from=window[0],
                    effective_until=window[1],
                    applies=scope,
                    reads=tuple(dict.fromkeys(comp.reads)),
                    scope_reads=scope_reads,
                )
            )
        return tuple(out)


_FLIP: dict[CmpOp, CmpOp] = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def compile_pack(
    merged: MergedPack, units: Units, plugin_facts: Sequence[tuple[str, FactProvider]] = ()
) -> CompiledPack:
    """Type-check, unit-check and compile a merged pack. Raises :class:`RulePackError`.

    ``plugin_facts`` are (plugin name, provider) pairs from the ``heshan_facts`` hook; conditions
    may read them like project fields.
    """
    refuse_other_kind(merged, "access")
    return _PackCompiler(merged, units, plugin_facts).compile()
