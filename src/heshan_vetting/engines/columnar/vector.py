"""Condition trees compiled to numpy expressions over a batch of projects: columns, masks and Kleene logic.

A column holds one value per project: numbers as ``float64`` (in the unit the native closures use), texts as codes
into a list of the distinct texts, true/false tests as ``bool``; every column has a mask ``ok`` (``True`` where the
value is known). An unknown (missing, not applicable or an error) is only ``ok = False`` here: the engine asks the
native closure for the exact unknown of such a row (:mod:`.engine`), so the kind and detail of an unknown are always
the native engine's. The arithmetic is the native closures' operation for operation (the same float64 operations in
the same order, the same unit factors, the same overflow and division-by-zero tests), so each number equals the
native one bit for bit. A numeric comparison is decided from the floats only where the two sides differ by more than
one rounding step of the rule's precision (then rounding half-up cannot change the order); every other row is judged
by the native scalar rule (both sides rounded half-up in decimal), so ties are exact.

What is not vectorised raises :class:`Unsupported` when a tree is compiled, and the engine then decides that condition
row by row with the native closure: ``in`` on a list-of-texts fact (``products in S``) and ``==`` between two texts
that are both read from the project are decided per row in Python inside the column code; nothing else is missing
from the shipped packs' and the benchmark pack's conditions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.compiler import Compiler
from heshan_vetting.lang.ops import CMP
from heshan_vetting.lang.syntax import CmpOp, assert_never
from heshan_vetting.lang.values import MISSING, NA, Env, Unknown, Value, norm, round_half_up
from heshan_vetting.model import Project, fact_getter
from heshan_vetting.packs.compiled import CompiledPack

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]


class Unsupported(Exception):
    """A construct the column compiler does not vectorise: the condition is decided row by row, natively."""


@dataclass(frozen=True)
class NumCol:
    """Numbers (``v``) and where they are known (``ok``)."""

    v: Floats
    ok: Bools


@dataclass(frozen=True)
class BoolCol:
    """True/false results (``v``) and where they are known (``ok``); ``native``: rows the whole condition must be
    decided for by the native closure (a comparison met NaN or an infinity, where the closure raises, or not, by the
    order it reads the parts in), or ``None`` for none."""

    v: Bools
    ok: Bools
    native: Bools | None = None


@dataclass(frozen=True)
class TextCol:
    """Texts as ``codes`` into ``uniques`` (``-1`` where unknown)."""

    codes: Ints
    uniques: list[str]

    @property
    def ok(self) -> Bools:
        """Where the text is known."""
        return self.codes >= 0


@dataclass(frozen=True)
class ObjCol:
    """Lists of texts, one Python value a row (a tuple, or an :class:`Unknown`)."""

    values: list[Value]
    ok: Bools


Col = NumCol | BoolCol | TextCol | ObjCol
VecFn = Callable[["Batch"], Col]


def texts(values: Sequence[Value]) -> TextCol:
    """A text column from one value a row (a normalised text, or an unknown)."""
    index: dict[str, int] = {}
    codes = np.empty(len(values), dtype=np.intp)
    for i, v in enumerate(values):
        if isinstance(v, str):
            code = index.get(v)
            if code is None:
                code = index[v] = len(index)
            codes[i] = code
        else:
            codes[i] = -1
    return TextCol(codes, list(index))


def numbers(values: Sequence[Value]) -> NumCol:
    """A number column from one value a row (a float, or an unknown)."""
    ok = np.fromiter((not isinstance(v, Unknown) for v in values), dtype=np.bool_, count=len(values))
    v = np.fromiter((x if type(x) is float else 0.0 for x in values), dtype=np.float64, count=len(values))
    return NumCol(v, ok)


def booleans(values: Sequence[Value]) -> BoolCol:
    """A true/false column from one value a row (a bool, or an unknown)."""
    ok = np.fromiter((not isinstance(v, Unknown) for v in values), dtype=np.bool_, count=len(values))
    v = np.fromiter((x is True for x in values), dtype=np.bool_, count=len(values))
    return BoolCol(v, ok)


class Batch:
    """The facts of a batch of projects, read one column at a time (each column made once, on first use).

    ``value_column(name)`` gives one value a row as the native fact namespace holds it; ``env(i)`` the whole fact
    namespace of row ``i`` (for the rows the native closures decide). Build one with :meth:`from_envs` or
    :meth:`from_projects`.
    """

    def __init__(
        self,
        pack: CompiledPack,
        n: int,
        value_column: Callable[[str], Sequence[Value]],
        env: Callable[[int], Env],
        derived: Callable[[str], NumCol | None] | None = None,
        fast: Callable[[str, str], Col | None] | None = None,
    ) -> None:
        self.pack = pack
        self.n = n
        self._values = value_column
        self._env = env
        self._derived = derived
        self._fast = fast
        self._cols: dict[str, Col] = {}
        self._missing: dict[str, Bools] = {}
        self._envs: dict[int, Env] = {}

    @classmethod
    def from_envs(cls, pack: CompiledPack, envs: Sequence[Env]) -> Batch:
        """A batch of ready fact namespaces (what the native engine reads)."""
        return cls(pack, len(envs), lambda name: [e[name] for e in envs], envs.__getitem__)

    @classmethod
    def from_projects(
        cls, pack: CompiledPack, projects: Sequence[Project], as_of: date, env: Callable[[int], Env]
    ) -> Batch:
        """A batch of validated projects: facts read by column, thresholds in force on ``as_of``, derived metrics
        computed by column; ``env(i)`` builds row ``i``'s namespace, for the rows decided natively."""
        holder: list[Batch] = []

        def values(name: str) -> Sequence[Value]:
            vt = pack.fact_types.get(name)
            if vt is not None and name not in pack.plugin_facts:
                return _fact_column([p.fact_value(name) for p in projects], vt.kind)
            th = pack.thresholds.get(name)
            if th is not None:
                hit = th.value_on(as_of)
                return [hit[0] if hit is not None else NA] * len(projects)
            return [holder[0].env(i)[name] for i in range(len(projects))]

        n = len(projects)

        def fast(name: str, kind: str) -> Col | None:
            vt = pack.fact_types.get(name)
            if vt is not None and name not in pack.plugin_facts and vt.kind == kind:
                return _project_column(list(map(fact_getter(name), projects)), kind)
            th = pack.thresholds.get(name)
            if th is not None and kind == "num":
                hit = th.value_on(as_of)
                value = 0.0 if hit is None else hit[0]
                return NumCol(np.full(n, value, dtype=np.float64), np.full(n, hit is not None, dtype=np.bool_))
            return None

        batch = cls(pack, n, values, env, lambda name: _derived_column(holder[0], name), fast)
        holder.append(batch)
        return batch

    @classmethod
    def from_columns(cls, pack: CompiledPack, n: int, columns: dict[str, Col], env: Callable[[int], Env]) -> Batch:
        """A batch of ``n`` rows from prepared columns of facts and thresholds (as :meth:`from_projects` makes them,
        e.g. kept from an earlier batch); derived metrics are computed by column. ``env(i)`` as for
        :meth:`from_projects`."""
        holder: list[Batch] = []

        def values(name: str) -> Sequence[Value]:
            return [holder[0].env(i)[name] for i in range(n)]

        batch = cls(pack, n, values, env, lambda name: _derived_column(holder[0], name), lambda n, k: columns.get(n))
        holder.append(batch)
        return batch

    def prepared(self) -> dict[str, Col]:
        """The columns of facts and thresholds read so far (for :meth:`from_columns`)."""
        return {k: c for k, c in self._cols.items() if k not in self.pack.derived_names}

    def env(self, i: int) -> Env:
        """The fact namespace of row ``i`` (made once)."""
        e = self._envs.get(i)
        if e is None:
            e = self._envs[i] = self._env(i)
        return e

    def values(self, name: str) -> Sequence[Value]:
        """One value a row for ``name``, as the fact namespace holds it."""
        return self._values(name)

    def column(self, name: str, kind: str) -> Col:
        """The column of ``name`` (a fact, derived metric or threshold) of ``kind``."""
        col = self._cols.get(name)
        if col is None:
            if self._fast is not None:
                col = self._fast(name, kind)
            if col is None and kind == "num" and self._derived is not None and name in self.pack.derived_names:
                col = self._derived(name)
            if col is None:
                vals = self.values(name)
                if kind == "num":
                    col = numbers(vals)
                elif kind == "str":
                    col = texts(vals)
                elif kind == "bool":
                    col = booleans(vals)
                else:
                    col = ObjCol(list(vals), np.fromiter((not isinstance(v, Unknown) for v in vals), np.bool_))
            self._cols[name] = col
        return col

    def _missing_of(self, name: str) -> Bools:
        vals = self.values(name)
        return np.fromiter((isinstance(v, Unknown) and v.kind == "missing" for v in vals), np.bool_, count=self.n)

    def missing(self, name: str) -> Bools:
        """Where ``name`` is missing (the kind ``missing``, not any unknown)."""
        m = self._missing.get(name)
        if m is None:
            col = self._cols.get(name)
            if isinstance(col, (NumCol, BoolCol, TextCol)) and name in self.pack.fact_types and col.ok.all():
                m = np.zeros(self.n, dtype=np.bool_)
            elif self._fast is not None and name in self.pack.fact_types and name not in self.pack.plugin_facts:
                kind = self.pack.fact_types[name].kind
                made = self._fast(name, kind) if kind in ("num", "str", "bool") else None
                # a fact read from the project is unknown only where it is absent (missing)
                m = ~made.ok if made is not None else self._missing_of(name)
            else:
                m = self._missing_of(name)
            self._missing[name] = m
        return m


def _fact_column(raw: list[Any], kind: str) -> list[Value]:
    """Raw project values as :func:`~heshan_vetting.packs.env.project_env` puts them in the namespace."""
    if kind == "num":
        return [MISSING if v is None else float(v) for v in raw]
    if kind == "str":
        return [MISSING if v is None else norm(v) for v in raw]
    if kind == "bool":
        return [MISSING if v is None else bool(v) for v in raw]
    return [MISSING if v is None or not v else tuple(norm(x) for x in v) for v in raw]


def _project_column(raw: list[Any], kind: str) -> Col | None:
    """A column of raw project values (``None``: absent), as :func:`_fact_column` and :func:`numbers`,
    :func:`texts` or :func:`booleans` make it, in fewer passes; ``None`` for a kind it does not make."""
    n = len(raw)
    ok = np.fromiter((x is not None for x in raw), dtype=np.bool_, count=n)
    if kind == "num":
        try:
            v = np.array(raw, dtype=np.float64)  # None gives NaN, where ``ok`` is false
        except (TypeError, ValueError):
            return None
        return NumCol(v, ok)
    if kind == "str":
        index: dict[str, int] = {}
        codes = np.fromiter((-1 if x is None else index.setdefault(x, len(index)) for x in raw), np.intp, count=n)
        return TextCol(codes, [norm(x) for x in index])
    if kind == "bool":
        return BoolCol(np.fromiter((bool(x) for x in raw), dtype=np.bool_, count=n), ok)
    return None


def _derived_column(batch: Batch, name: str) -> NumCol | None:
    """A derived metric computed by column (``None``: the pack keeps no tree for it, read it row by row)."""
    pack = batch.pack
    d = next((x for x in pack.derived if x.name == name), None)
    tree = None if d is None else d.tree
    if d is None or tree is None or pack.units is None:
        return None
    key = ("columnar-derived", name)
    if key not in pack.memo:
        try:
            pack.memo[key] = ColumnCompiler(pack, 4, None).compile_num(tree, d.factor)
        except Unsupported:
            pack.memo[key] = None
    fn: VecFn | None = pack.memo[key]
    if fn is None:
        return None
    col = fn(batch)
    assert isinstance(col, NumCol)
    return col


def _finite(v: Floats, ok: Bools) -> Bools:
    return ok & np.isfinite(v)


class ColumnCompiler:
    """Compiles one condition (of one rule, with its precision and comparison unit) to a column function.

    It follows :class:`~heshan_vetting.lang.compiler.Compiler` node by node, and uses it for the unit factors, so
    the numbers are the native closures'. Trees reaching it have compiled natively already: no type errors.
    """

    def __init__(self, pack: CompiledPack, precision: int, target_unit: Any) -> None:
        if pack.units is None:
            raise Unsupported("the pack has no unit registry")
        self.pack = pack
        self.ns = pack.namespace
        self.units = pack.units
        self.native = Compiler(pack.units, pack.namespace, precision=precision, target_unit=target_unit)
        self.precision = precision
        self.step = 10.0 ** (-precision)

    def compile_bool(self, node: ast.Node) -> Callable[[Batch], BoolCol]:
        """A condition's column function."""
        fn = self._compile(node)

        def run(batch: Batch) -> BoolCol:
            with np.errstate(all="ignore"):
                col = fn(batch)
            assert isinstance(col, BoolCol)
            return col

        return run

    def compile_num(self, node: ast.Node, factor: float) -> VecFn:
        """A derived metric's column function: the expression, scaled by ``factor`` to the declared unit."""
        fn = self._scaled(self._compile(node), factor)

        def run(batch: Batch) -> Col:
            with np.errstate(all="ignore"):
                return fn(batch)

        return run

    # -- nodes ----------------------------------------------------------------------------------------------------
    def _compile(self, node: ast.Node) -> VecFn:
        match node:
            case ast.Num():
                value = node.value
                return lambda b: NumCol(np.full(b.n, value, dtype=np.float64), np.ones(b.n, dtype=np.bool_))
            case ast.Str():
                text = norm(node.value)
                return lambda b: TextCol(np.zeros(b.n, dtype=np.intp), [text])
            case ast.BoolLit():
                flag = node.value
                return lambda b: BoolCol(np.full(b.n, flag, dtype=np.bool_), np.ones(b.n, dtype=np.bool_))
            case ast.Name():
                return self._name(node)
            case ast.Index():
                return self._index(node)
            case ast.Unary():
                inner = self._compile(node.operand)

                def neg(b: Batch) -> Col:
                    c = inner(b)
                    assert isinstance(c, NumCol)
                    return NumCol(-c.v, c.ok)

                return neg
            case ast.BinOp():
                return self._bin_op(node)
            case ast.Compare():
                if self.native.probe_kind(node.left) == "str":
                    return self._compare_str(node)
                return self._compare(node)
            case ast.Member():
                return self._member(node)
            case ast.Prefix():
                return self._prefix(node)
            case ast.Present():
                name, negated = node.name.id, node.negated

                def present(b: Batch) -> Col:
                    m = b.missing(name)
                    return BoolCol(m.copy() if negated else ~m, np.ones(b.n, dtype=np.bool_))

                return present
            case ast.Not():
                inner_b = self._compile(node.operand)

                def negate(b: Batch) -> Col:
                    c = inner_b(b)
                    assert isinstance(c, BoolCol)
                    return BoolCol(~c.v, c.ok, c.native)

                return negate
            case ast.BoolOp():
                return self._bool_op(node)
            case ast.ListLit():
                raise Unsupported("a list outside 'in'")
            case _:
                assert_never(node)

    def _name(self, node: ast.Name) -> VecFn:
        name = node.id
        t = self.ns.values.get(name)
        if t is None:
            raise Unsupported(f"the name {name!r} as a value")
        kind = t.kind
        return lambda b: b.column(name, kind)

    def _index(self, node: ast.Index) -> VecFn:
        table = self.ns.tables[node.table.id]
        key_fn = self._compile(node.key)
        memo: dict[str, float | None] = {}

        def lookup(b: Batch) -> Col:
            key = key_fn(b)
            if not isinstance(key, TextCol):
                raise Unsupported("a table key that is not a text")
            found: list[float | None] = []
            for u in key.uniques:
                if u not in memo:
                    memo[u] = table.lookup(u)
                found.append(memo[u])
            per = np.array([0.0 if x is None else x for x in found] + [0.0], dtype=np.float64)
            has = np.array([x is not None for x in found] + [False], dtype=np.bool_)
            codes = key.codes  # -1 picks the appended "unknown" slot
            return NumCol(per[codes], has[codes] & (codes >= 0))

        return lookup

    @staticmethod
    def _scaled(fn: VecFn, k: float) -> VecFn:
        if k == 1.0:
            return fn

        def scaled(b: Batch) -> Col:
            c = fn(b)
            assert isinstance(c, NumCol)
            v = c.v * k
            return NumCol(v, _finite(v, c.ok))

        return scaled

    def _bin_op(self, node: ast.BinOp) -> VecFn:
        lf, rf = self._compile(node.left), self._compile(node.right)
        op = node.op
        k = 1.0
        if op in ("+", "-"):
            lt, rt = self._type(node.left), self._type(node.right)
            k = self.units.factor(rt.unit, lt.unit)  # as the native compiler's same-dimension check gives it
        sk = (1.0 if op == "+" else -1.0) * k  # the native closure computes ``a + sign * k * b``

        def arith(b: Batch) -> Col:
            x, y = lf(b), rf(b)
            assert isinstance(x, NumCol)
            assert isinstance(y, NumCol)
            ok = x.ok & y.ok
            if op in ("+", "-"):
                v = x.v + sk * y.v
            elif op == "*":
                v = x.v * y.v
            else:
                ok = ok & (y.v != 0)
                v = x.v / np.where(y.v == 0, 1.0, y.v)
            return NumCol(v, _finite(v, ok))

        return arith

    def _type(self, node: ast.Node) -> Any:
        """The static type of a numeric operand, as the native compiler gives it (compiled there, discarded)."""
        probe = Compiler(self.native.units, self.native.ns, precision=self.native.precision)
        return probe.compile(node)[1]

    def _compare(self, node: ast.Compare) -> VecFn:
        probe = Compiler(self.native.units, self.native.ns, self.native.precision, self.native.target_unit)
        lt, rt = probe.compile(node.left)[1], probe.compile(node.right)[1]
        k_right = self.units.factor(rt.unit, lt.unit)
        k_left = 1.0
        if self.native.target_unit is not None:
            k_left = self.units.factor(lt.unit, self.native.target_unit)
            k_right *= k_left
        lf = self._scaled(self._compile(node.left), k_left)
        rf = self._scaled(self._compile(node.right), k_right)
        op: CmpOp = node.op
        places = self.precision
        band = self.step * (1.0 + 1e-9)
        test = CMP[op]

        def cmp(b: Batch) -> Col:
            x, y = lf(b), rf(b)
            assert isinstance(x, NumCol)
            assert isinstance(y, NumCol)
            ok = x.ok & y.ok
            d = x.v - y.v
            scale = np.maximum(np.abs(x.v), np.abs(y.v))
            # near a tie, or NaN or infinite (never in a checked project; judged row by row, as natively)
            near = ok & ~(np.abs(d) > band + 1e-12 * scale) | (ok & ~np.isfinite(scale))
            if op in ("<", "<="):
                v = d < 0
            elif op in (">", ">="):
                v = d > 0
            elif op == "==":
                v = np.zeros(b.n, dtype=np.bool_)
            else:
                v = np.ones(b.n, dtype=np.bool_)
            rows = np.flatnonzero(near)
            odd: Bools | None = None
            if rows.size:
                xv, yv = x.v, y.v
                for i in rows.tolist():
                    a, c = float(xv[i]), float(yv[i])
                    if math.isfinite(a) and math.isfinite(c):
                        v[i] = test(round_half_up(a, places), round_half_up(c, places))
                    else:  # NaN or an infinity (never in a checked project): the native closure decides the row
                        ok[i] = False
                        odd = np.zeros(b.n, dtype=np.bool_) if odd is None else odd
                        odd[i] = True
            return BoolCol(v, ok, odd)

        return cmp

    def _compare_str(self, node: ast.Compare) -> VecFn:
        lf, rf = self._compile(node.left), self._compile(node.right)
        equal = node.op == "=="

        def cmp(b: Batch) -> Col:
            x, y = lf(b), rf(b)
            if not isinstance(x, TextCol) or not isinstance(y, TextCol):
                raise Unsupported("a text comparison of other columns")
            ok = x.ok & y.ok
            if len(y.uniques) == 1 and not (y.codes != 0).any():
                hit = np.array([u == y.uniques[0] for u in x.uniques] + [False], dtype=np.bool_)
                same = hit[x.codes]
            else:
                xs = [x.uniques[c] if c >= 0 else None for c in x.codes.tolist()]
                ys = [y.uniques[c] if c >= 0 else None for c in y.codes.tolist()]
                same = np.fromiter((p == q for p, q in zip(xs, ys, strict=True)), np.bool_, count=b.n)
            return BoolCol(same if equal else ~same, ok)

        return cmp

    def _member(self, node: ast.Member) -> VecFn:
        lf = self._compile(node.left)
        members, prefixes, by_prefix = self.native.members(node.right)
        negated = node.negated

        def one(v: str) -> bool:
            return v.startswith(prefixes) if by_prefix else v in members

        def member(b: Batch) -> Col:
            x = lf(b)
            if isinstance(x, TextCol):
                hit = np.array([one(u) for u in x.uniques] + [False], dtype=np.bool_)
                v = hit[x.codes]
                return BoolCol(~v if negated else v, x.ok)
            if isinstance(x, ObjCol):  # a list of texts: any member, row by row
                v = np.fromiter(
                    (not isinstance(t, Unknown) and isinstance(t, tuple) and any(one(s) for s in t) for t in x.values),
                    np.bool_,
                    count=b.n,
                )
                return BoolCol(~v if negated else v, x.ok)
            raise Unsupported("'in' on a column that is not text")

        return member

    def _prefix(self, node: ast.Prefix) -> VecFn:
        lf = self._compile(node.left)
        members, prefixes, _ = self.native.members(node.right)
        all_prefixes = tuple(sorted(set(prefixes) | set(members)))

        def prefix(b: Batch) -> Col:
            x = lf(b)
            if not isinstance(x, TextCol):
                raise Unsupported("'startswith' on a column that is not text")
            hit = np.array([u.startswith(all_prefixes) for u in x.uniques] + [False], dtype=np.bool_)
            return BoolCol(hit[x.codes], x.ok)

        return prefix

    def _bool_op(self, node: ast.BoolOp) -> VecFn:
        fns = [self._compile(v) for v in node.values]
        is_and = node.op == "and"

        def boolop(b: Batch) -> Col:
            cols = [f(b) for f in fns]
            decided = np.zeros(b.n, dtype=np.bool_)  # some part is the decisive value (false for and)
            all_other = np.ones(b.n, dtype=np.bool_)  # every part is known and not decisive
            for c in cols:
                assert isinstance(c, BoolCol)
                known_true = c.ok & c.v
                known_false = c.ok & ~c.v
                if is_and:
                    decided |= known_false
                    all_other &= known_true
                else:
                    decided |= known_true
                    all_other &= known_false
            ok = decided | all_other
            v = ~decided if is_and else decided
            odd = [c.native for c in cols if isinstance(c, BoolCol) and c.native is not None]
            return BoolCol(v, ok, np.logical_or.reduce(odd) if odd else None)

        return boolop
