"""The columnar engine: a whole batch of projects decided at once, on numpy, with the native engine's answers.

:class:`ColumnarDecider` is an :class:`~heshan_vetting.engines.protocol.Engine` (called for one project it is the
native engine) with one more method, :meth:`ColumnarDecider.decide_batch`, which the Vetter looks for: it decides
every rule and label case of a :class:`~.vector.Batch` by column. Where a column's result is unknown, or a
condition could not be vectorised, the native closure decides that row, so every result (each unknown's kind and
detail included) is the native engine's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from heshan_vetting.engines.columnar.vector import Batch, BoolCol, ColumnCompiler, Unsupported
from heshan_vetting.engines.native import native_decider
from heshan_vetting.engines.protocol import LabelResults, RuleResults
from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.types import BoolFn
from heshan_vetting.lang.values import Env, Unknown
from heshan_vetting.model import Project
from heshan_vetting.packs.compiled import CompiledLabel, CompiledPack, CompiledRule

ColFn = Callable[[Batch], BoolCol]

PASS, FAIL, NOT_APPLICABLE, UNKNOWN = 1, 0, 2, -1
"""The codes of :meth:`BatchDecisions.codes`: pass, fail, not applicable (scope false), unknown (see the row)."""


@dataclass
class _Result:
    """One condition over the batch: ``v``/``ok`` as Python lists (``None``: decided row by row, natively)."""

    fn: BoolFn
    v: list[bool] | None
    ok: list[bool] | None
    col: BoolCol | None

    def at(self, i: int, env: Callable[[int], Env]) -> bool | Unknown:
        if self.ok is not None and self.ok[i]:
            assert self.v is not None
            return self.v[i]
        return self.fn(env(i))


@dataclass
class BatchDecisions:
    """What :meth:`ColumnarDecider.decide_batch` decided: by column, and row by row on demand (:meth:`row`)."""

    batch: Batch
    rules: Sequence[CompiledRule]
    labels: Sequence[CompiledLabel]
    scope: dict[str, _Result | None]
    require: dict[str, _Result]
    cases: dict[str, list[_Result]]

    def __len__(self) -> int:
        return self.batch.n

    def row(self, i: int) -> tuple[RuleResults, LabelResults]:
        """Row ``i``'s results, exactly as the native engine gives them for that project's namespace."""
        env = self.batch.env
        out: RuleResults = {}
        for rule in self.rules:
            s = self.scope[rule.id]
            scope = True if s is None else s.at(i, env)
            out[rule.id] = (scope, self.require[rule.id].at(i, env) if scope is True else None)
        cases: LabelResults = {}
        for label in self.labels:
            results: list[bool | Unknown] = []
            for case in self.cases[label.id]:
                results.append(case.at(i, env))
                if results[-1] is not False:
                    break
            cases[label.id] = tuple(results)
        return out, cases

    def codes(self, rule_id: str) -> npt.NDArray[np.int8]:
        """Each row's outcome of rule ``rule_id`` by column: :data:`PASS`, :data:`FAIL`, :data:`NOT_APPLICABLE`
        (scope false) or :data:`UNKNOWN` (an unknown, or a condition decided row by row: ask :meth:`row`)."""
        n = self.batch.n
        req = self.require[rule_id].col
        if req is None:
            return np.full(n, UNKNOWN, dtype=np.int8)
        out = np.where(req.ok, np.where(req.v, PASS, FAIL), UNKNOWN).astype(np.int8)
        s = self.scope[rule_id]
        if s is not None:
            if s.col is None:
                return np.full(n, UNKNOWN, dtype=np.int8)
            out = np.where(s.col.ok, np.where(s.col.v, out, NOT_APPLICABLE), UNKNOWN).astype(np.int8)
        return out


class ColumnarDecider:
    """The columnar engine for one compiled pack: the native engine per project, :meth:`decide_batch` per batch.

    Each condition tree is compiled to a column function once, on first use, and kept (thread-safe: a race only
    compiles one twice). :attr:`row_by_row` names the conditions that are decided row by row (not vectorised).
    """

    def __init__(self, pack: CompiledPack) -> None:
        self.pack = pack
        self._fns: dict[tuple[int, int, Any], ColFn | None] = {}
        self.row_by_row: set[str] = set()

    def __call__(
        self, pack: CompiledPack, rules: Sequence[CompiledRule], labels: Sequence[CompiledLabel], env: dict[str, Any]
    ) -> tuple[RuleResults, LabelResults]:
        """One project: the native engine decides it."""
        return native_decider(pack, rules, labels, env)

    def _compiled(self, what: str, tree: ast.Node | None, precision: int, target: Any) -> ColFn | None:
        if tree is None:
            return None
        key = (id(tree), precision, target)
        if key in self._fns:
            return self._fns[key]
        fn: ColFn | None
        try:
            fn = ColumnCompiler(self.pack, precision, target).compile_bool(tree)
        except Unsupported:
            fn = None
            self.row_by_row.add(what)
        self._fns[key] = fn
        return fn

    def _run(self, what: str, fn: ColFn | None, closure: BoolFn, batch: Batch) -> _Result:
        if fn is not None:
            try:
                col = fn(batch)
            except Unsupported:
                self.row_by_row.add(what)
            else:
                if col.native is not None:
                    col = BoolCol(col.v, col.ok & ~col.native)
                return _Result(closure, col.v.tolist(), col.ok.tolist(), col)
        return _Result(closure, None, None, None)

    def decide_projects(
        self,
        pack: CompiledPack,
        rules: Sequence[CompiledRule],
        labels: Sequence[CompiledLabel],
        projects: Sequence[Project],
        as_of: date,
        env: Callable[[int], Env],
    ) -> BatchDecisions:
        """Decide ``rules`` and ``labels`` for validated ``projects`` as of ``as_of``: facts and thresholds read by
        column, derived metrics computed by column; ``env(i)`` builds project ``i``'s namespace where a row is decided
        natively (see :class:`~heshan_vetting.engines.protocol.BatchEngine`)."""
        return self.decide_batch(pack, rules, labels, Batch.from_projects(pack, projects, as_of, env))

    def decide_namespaces(
        self, pack: CompiledPack, rules: Sequence[CompiledRule], labels: Sequence[CompiledLabel], envs: Sequence[Env]
    ) -> BatchDecisions:
        """Decide ``rules`` and ``labels`` for ready fact namespaces (what the native engine reads for each row), by
        column: ``evaluate`` asks this for a register's groups and caps."""
        return self.decide_batch(pack, rules, labels, Batch.from_envs(pack, envs))

    def decide_batch(
        self, pack: CompiledPack, rules: Sequence[CompiledRule], labels: Sequence[CompiledLabel], batch: Batch
    ) -> BatchDecisions:
        """Decide ``rules`` and ``labels`` (those in force on the batch's date) for every row of ``batch``."""
        scope: dict[str, _Result | None] = {}
        require: dict[str, _Result] = {}
        for rule in rules:
            if rule.applies is None:
                scope[rule.id] = None
            else:
                fn = self._compiled(f"{rule.id} applies_if", rule.applies_tree, rule.precision, None)
                scope[rule.id] = self._run(f"{rule.id} applies_if", fn, rule.applies, batch)
            fn = self._compiled(f"{rule.id} require", rule.require_tree, rule.precision, rule.target_unit)
            require[rule.id] = self._run(f"{rule.id} require", fn, rule.require, batch)
        cases: dict[str, list[_Result]] = {}
        for label in labels:
            out: list[_Result] = []
            for k, (closure, _value) in enumerate(label.cases):
                tree = label.trees[k] if k < len(label.trees) else None
                what = f"label {label.id} case {k + 1}"
                out.append(self._run(what, self._compiled(what, tree, 4, None), closure, batch))
            cases[label.id] = out
        return BatchDecisions(batch, rules, labels, scope, require, cases)
