"""Translation of a compiled pack's conditions into Rete rules for the durable engine, in pure Python.

This module and :mod:`.layout` build the ruleset *definition* that :mod:`.host` registers with durable-rules, and
the feeders that compute a check's fact fields; they never load durable-rules themselves (only :mod:`.host` does).

How a pack becomes a Rete network (once per distinct network, shared by every Vetter):

* Every condition (``applies_if`` and ``require`` of each rule, ``when`` of each label case) is translated node by
  node. A leaf test (a comparison, ``in``, ``startswith``, ``is present``, a true/false fact) reads *fields* of a
  fact; each node then gets five formulas over those fields, "true", "false" and "unknown because missing / na /
  error", mutually exclusive (Kleene logic: ``false and unknown`` is false, ``true and unknown`` is unknown, the
  worst unknown wins).
* Each formula is multiplied out into conjunctions; each conjunction is one durable-rules rule whose action records
  (rule, stage, node, outcome). Exactly one outcome must fire per rule and stage; anything else is an internal
  error, never a guess. durable-rules' own ``$or`` is never used (it misfires once rules share nodes).
* What durable-rules cannot express is computed before the facts are asserted, like derived metrics: arithmetic
  and unit scaling of comparison operands, rounding half-up to the rule's precision (operands are sent as exact
  integers of 10^-precision units), table lookups, the kind of an unknown operand, string prefixes, whether a value
  is missing. The comparisons, memberships and the three-valued logic are matched by the network.
* The rules are spread over several facts ("buckets") so that no fact exceeds 240 fields, no node gets too many
  children, and no fact can overflow durable-rules' 64-node matching stack (counting the nodes it never shares).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any, Literal, cast

from heshan_vetting.engines.durable.dnf import DNF, FALSE, NEGATE, TRUE, conj, disj, lit
from heshan_vetting.errors import VettingError
from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.compiler import Compiler
from heshan_vetting.lang.syntax import LogicOp, assert_never
from heshan_vetting.lang.types import Fn, TextFn
from heshan_vetting.lang.values import RANK, Env, Unknown, norm, round_half_up, worst
from heshan_vetting.packs.compiled import CompiledLabel, CompiledPack, CompiledRule

LONG_TEXT = 1000
"""Texts longer than this (as JSON) are compared by digest: durable-rules keeps string lengths in 16 bits."""
_INT64 = 2**63 - 1
_CTX = Context(prec=100)
_KINDS = (1, 2, 3)  # unknown ranks: missing, na, error (as lang.values.RANK)


def internal_error(en: str, zh: str) -> VettingError:
    return VettingError(f"durable engine: {en} / durable 引擎：{zh}")


# -- fact values ----------------------------------------------------------------------------------------------------


def _text(value: str) -> str:
    """A text as sent to durable-rules: long ones by digest, the same way on the rule side and the fact side."""
    if len(json.dumps(value, ensure_ascii=False)) <= LONG_TEXT:
        return value
    return "\x00sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _numbers(a: Decimal, b: Decimal, places: int) -> tuple[int, int] | tuple[float, float]:
    """Two rounded operands as exact integers of 10^-places units, or (beyond int64) as floats.

    Beyond int64 the rounding step is finer than the floats' spacing, so rounding changed nothing and the floats
    compare exactly as the decimals do."""
    na = int(a.scaleb(places, context=_CTX))
    nb = int(b.scaleb(places, context=_CTX))
    if abs(na) < _INT64 and abs(nb) < _INT64:
        return na, nb
    return float(a), float(b)


# -- translation ----------------------------------------------------------------------------------------------------

FactField = int | float | str | list[str]
"""A field of a durable-rules fact: a rounded number, a rank, a text (or its digest), a list of texts."""
Feeder = Callable[[Env, dict[str, FactField], dict[int, Unknown]], None]
"""Writes a leaf's fields for one project's namespace (and, if unknown, its :class:`Unknown` by leaf number)."""


@dataclass
class _Node:
    kind: Literal["leaf", "not", "and", "or"]
    children: tuple[int, ...] = ()
    leaf: int = -1
    kinds: frozenset[int] = frozenset()
    """The unknown ranks this node can have (a superset is safe; a missing rank would be a bug)."""
    out: dict[Any, DNF] = field(default_factory=dict)
    """Outcome ("T", "F" or a rank) → formula."""


@dataclass
class Stage:
    nodes: list[_Node]
    leaves: frozenset[int]
    """Numbers of the leaves the stage reads."""
    root: int = 0


@dataclass
class RulePlan:
    id: str
    scope: Stage | None
    require: Stage


class Translator:
    """Translates every rule of a compiled pack into stages, leaves (with their feeders) and formulas."""

    def __init__(self, pack: CompiledPack) -> None:
        if pack.units is None:
            raise internal_error("the pack was compiled without units", "规则包缺少单位注册表")
        self.pack = pack
        self.units = pack.units
        self.ns = pack.namespace
        self.feeders: list[Feeder] = []
        self.fields: list[tuple[str, ...]] = []
        self.keys: dict[Any, tuple[int, dict[Any, DNF], frozenset[int]]] = {}

    # -- leaves -------------------------------------------------------------------------------------------------
    def value_kinds(self, node: ast.Node) -> frozenset[int]:
        """Unknown ranks a value expression can take: facts may be missing (plugin facts also in error), thresholds
        and tables na, arithmetic error (division by zero, overflow)."""
        match node:
            case ast.Name():
                if node.id in self.pack.plugin_facts:
                    return frozenset({1, 3})  # a plugin's compute may return None (missing) or raise (error)
                if node.id in self.pack.fact_types:
                    return frozenset({1})
                if node.id in self.pack.thresholds:
                    return frozenset({2})
                if node.id in self.ns.sets:
                    return frozenset()
                return frozenset(_KINDS)  # derived metrics (and anything newer): all of them
            case ast.Index():
                return frozenset({2}) | self.value_kinds(node.key)
            case ast.Unary() | ast.Not():
                return self.value_kinds(node.operand)
            case ast.BinOp():  # division by zero, or overflow beyond ±1.8e308
                return self.value_kinds(node.left) | self.value_kinds(node.right) | frozenset({3})
            case ast.Compare() | ast.Member() | ast.Prefix():
                return self.value_kinds(node.left) | self.value_kinds(node.right)
            case ast.Num() | ast.Str() | ast.BoolLit() | ast.ListLit() | ast.BoolOp() | ast.Present():
                return frozenset()
            case _:
                assert_never(node)

    def leaf(self, key: Any, build: Callable[[int], tuple[Feeder, tuple[str, ...], dict[Any, Any]]],
             kinds: frozenset[int]) -> tuple[int, dict[Any, DNF], frozenset[int]]:  # fmt: skip
        hit = self.keys.get(key)
        if hit is None:
            i = len(self.feeders)
            feed, names, out = build(i)
            for k in kinds:
                out.setdefault(k, lit(f"x{i}u", "==", k))
            self.feeders.append(feed)
            self.fields.append(names)
            hit = self.keys[key] = (i, out, kinds)
        return hit

    def compare(self, node: ast.Compare, comp: Compiler) -> tuple[int, dict[Any, DNF], frozenset[int]]:
        kinds = self.value_kinds(node)
        if comp.probe_kind(node.left) == "str":
            return self.compare_str(node, comp, kinds)
        left, right, _unit, op = comp.compile_compare(node)
        if _converts(left) or _converts(right):  # a unit conversion can overflow too
            kinds |= {3}
        places = comp.precision
        key = ("cmp", ast.unparse(node.left), ast.unparse(node.right), places, str(comp.target_unit))

        def build(i: int) -> tuple[Feeder, tuple[str, ...], dict[Any, Any]]:
            lf, rf, uf = f"x{i}l", f"x{i}r", f"x{i}u"

            def feed(env: Env, out: dict[str, FactField], unknowns: dict[int, Unknown]) -> None:
                a, b = left(env), right(env)
                if isinstance(a, Unknown) or isinstance(b, Unknown):
                    unknowns[i] = w = worst(a, b)
                    out[uf] = RANK[w.kind]
                else:
                    out[lf], out[rf] = _numbers(round_half_up(a, places), round_half_up(b, places), places)

            return feed, (lf, rf, uf), {"=": ("$m", rf)}

        i, out, k = self.leaf(key, build, kinds)
        ref = out["="]
        return i, {**out, "T": lit(f"x{i}l", op, ref), "F": lit(f"x{i}l", NEGATE[op], ref)}, k

    def compare_str(
        self, node: ast.Compare, comp: Compiler, kinds: frozenset[int]
    ) -> tuple[int, dict[Any, DNF], frozenset[int]]:
        left = cast(TextFn, comp.compile(node.left)[0])
        right = cast(TextFn, comp.compile(node.right)[0])
        const = _text(norm(node.right.value)) if isinstance(node.right, ast.Str) else None
        key = ("str", ast.unparse(node.left), ast.unparse(node.right))

        def build(i: int) -> tuple[Feeder, tuple[str, ...], dict[Any, Any]]:
            lf, rf, uf = f"x{i}l", f"x{i}r", f"x{i}u"

            def feed(env: Env, out: dict[str, FactField], unknowns: dict[int, Unknown]) -> None:
                a = left(env)
                b = right(env) if const is None else const
                if isinstance(a, Unknown) or isinstance(b, Unknown):
                    unknowns[i] = w = worst(a, b)
                    out[uf] = RANK[w.kind]
                else:
                    out[lf] = _text(a)
                    if const is None:
                        out[rf] = _text(b)

            return feed, (lf, rf, uf), {"=": const if const is not None else ("$m", rf)}

        i, out, k = self.leaf(key, build, kinds)
        equal, differ = lit(f"x{i}l", "==", out["="]), lit(f"x{i}l", "!=", out["="])
        t, f = (equal, differ) if node.op == "==" else (differ, equal)
        return i, {**out, "T": t, "F": f}, k

    def member(self, node: ast.Member | ast.Prefix, comp: Compiler) -> tuple[int, dict[Any, DNF], frozenset[int]]:
        """``x in S`` / ``x startswith S`` for a text or a list of texts: formulas for ``in`` (not negated)."""
        left, lt = comp.compile(node.left)
        members, prefixes, by_prefix = comp.members(node.right)
        if isinstance(node, ast.Prefix):
            prefixes, by_prefix = tuple(sorted(set(prefixes) | set(members))), True
        wanted = sorted(set(prefixes)) if by_prefix else sorted(members)
        many = lt.kind == "strs"
        lengths = sorted({len(p) for p in wanted}) if by_prefix else []
        key = ("in", ast.unparse(node.left), by_prefix, tuple(wanted))

        def build(i: int) -> tuple[Feeder, tuple[str, ...], dict[Any, Any]]:
            vf, uf = f"x{i}v", f"x{i}u"
            pf = {n: f"x{i}p{n}" for n in lengths}

            def feed(env: Env, out: dict[str, FactField], unknowns: dict[int, Unknown]) -> None:
                v = left(env)
                if isinstance(v, Unknown):
                    unknowns[i] = v
                    out[uf] = RANK[v.kind]
                    return
                items: list[str] = list(cast(tuple[str, ...], v)) if many else [cast(str, v)]
                if not by_prefix or not wanted:
                    out[vf] = [_text(s) for s in items] if many else _text(items[0])
                for n, name in pf.items():
                    cut = [_text(s[:n]) for s in items]
                    out[name] = cut if many else cut[0]

            if not wanted:
                return feed, (vf, uf), {"T": FALSE, "F": lit(vf, "ex")}
            groups: dict[str, list[str]] = {}
            for p in wanted:
                groups.setdefault(pf[len(p)] if by_prefix else vf, []).append(_text(p))
            if many:
                t = disj(*(lit(name, "any", ("==", c)) for name, cs in groups.items() for c in cs))
                f = conj(*(lit(name, "all", ("!=", c)) for name, cs in groups.items() for c in cs))
            else:
                t = disj(*(lit(name, "==", c) for name, cs in groups.items() for c in cs))
                f = conj(*(lit(name, "!=", c) for name, cs in groups.items() for c in cs))
            names = (*pf.values(), uf) if by_prefix else (vf, uf)
            return feed, names, {"T": t, "F": f}

        return self.leaf(key, build, self.value_kinds(node.left))

    def present(self, node: ast.Present) -> tuple[int, dict[Any, DNF], frozenset[int]]:
        name = node.name.id

        def build(i: int) -> tuple[Feeder, tuple[str, ...], dict[Any, Any]]:
            qf = f"x{i}q"

            def feed(env: Env, out: dict[str, FactField], unknowns: dict[int, Unknown]) -> None:
                v = env[name]
                out[qf] = 1 if isinstance(v, Unknown) and v.kind == "missing" else 0

            return feed, (qf,), {"T": lit(qf, "==", 0), "F": lit(qf, "==", 1)}  # formulas for "is present"

        i, out, k = self.leaf(("present", name), build, frozenset())
        t, f = (out["F"], out["T"]) if node.negated else (out["T"], out["F"])
        return i, {"T": t, "F": f}, k

    def truth(self, node: ast.Node, comp: Compiler) -> tuple[int, dict[Any, DNF], frozenset[int]]:
        """A true/false value that is not a test, such as a bool fact: ``in_compliant_park``."""
        fn: Fn = comp.compile(node)[0]

        def build(i: int) -> tuple[Feeder, tuple[str, ...], dict[Any, Any]]:
            bf, uf = f"x{i}b", f"x{i}u"

            def feed(env: Env, out: dict[str, FactField], unknowns: dict[int, Unknown]) -> None:
                v = fn(env)
                if isinstance(v, Unknown):
                    unknowns[i] = v
                    out[uf] = RANK[v.kind]
                else:
                    out[bf] = 1 if v else 0

            return feed, (bf, uf), {"T": lit(bf, "==", 1), "F": lit(bf, "==", 0)}

        return self.leaf(("bool", ast.unparse(node)), build, self.value_kinds(node))

    # -- trees --------------------------------------------------------------------------------------------------
    def stage(self, tree: ast.Node, comp: Compiler) -> Stage:
        nodes: list[_Node] = []
        leaves: set[int] = set()

        def walk(node: ast.Node) -> int:
            me = len(nodes)
            nodes.append(_Node("leaf"))
            n = nodes[me]
            match node:
                case ast.BoolLit():
                    n.out = {"T": TRUE if node.value else FALSE, "F": FALSE if node.value else TRUE}
                    return me
                case ast.Not():
                    child = walk(node.operand)
                    c = nodes[child]
                    n.kind, n.children, n.kinds = "not", (child,), c.kinds
                    n.out = {**{k: c.out[k] for k in c.kinds}, "T": c.out["F"], "F": c.out["T"]}
                    return me
                case ast.BoolOp():
                    kids = tuple(walk(v) for v in node.values)
                    n.kind, n.children = node.op, kids
                    n.kinds = frozenset().union(*(nodes[c].kinds for c in kids))
                    n.out = _kleene(node.op, [nodes[c] for c in kids])
                    return me
                case ast.Compare():
                    i, out, kinds = self.compare(node, comp)
                case ast.Member() | ast.Prefix():
                    i, out, kinds = self.member(node, comp)
                    if isinstance(node, ast.Member) and node.negated:
                        out = {**out, "T": out["F"], "F": out["T"]}
                case ast.Present():
                    i, out, kinds = self.present(node)
                case ast.Num() | ast.Str() | ast.Name() | ast.Index() | ast.ListLit() | ast.Unary() | ast.BinOp():
                    i, out, kinds = self.truth(node, comp)  # a true/false fact; compiling rejects the others
                case _:
                    assert_never(node)
            n.leaf, n.kinds, n.out = i, kinds, {k: v for k, v in out.items() if k != "="}
            leaves.add(i)
            return me

        walk(tree)
        return Stage(nodes, frozenset(leaves))

    def label_case(self, label: CompiledLabel, i: int) -> RulePlan:
        """Case ``i`` of a label, as a rule whose requirement is the case's condition (compiled as the pack does)."""
        if len(label.trees) != len(label.cases):
            raise internal_error(f"label {label.id} was compiled without its conditions", f"标签 {label.id} 缺少条件")
        return RulePlan(
            f"label {label.id} case {i + 1}", None, self.stage(label.trees[i], Compiler(self.units, self.ns))
        )

    def rule(self, rule: CompiledRule) -> RulePlan:
        scope = None
        if rule.applies_tree is not None:
            scope = self.stage(rule.applies_tree, Compiler(self.units, self.ns, precision=rule.precision))
        comp = Compiler(self.units, self.ns, precision=rule.precision, target_unit=rule.target_unit)
        return RulePlan(rule.id, scope, self.stage(rule.require_tree, comp))


def _converts(fn: Fn) -> bool:
    """Whether a comparison operand is scaled to the comparison unit (see :func:`heshan_vetting.lang.ops.scaled`)."""
    return getattr(fn, "__name__", "") == "scaled"


def _kleene(op: LogicOp, kids: Sequence[_Node]) -> dict[Any, DNF]:
    """Outcome formulas of ``and``/``or`` over children's: the decisive value wins, else the worst unknown."""
    win, lose = ("F", "T") if op == "and" else ("T", "F")
    out: dict[Any, DNF] = {win: disj(*(c.out[win] for c in kids)), lose: conj(*(c.out[lose] for c in kids))}
    for k in frozenset().union(*(c.kinds for c in kids)):
        # no child decisive and none worse than k, and some child exactly k
        at_most = [disj(c.out[lose], *(c.out[j] for j in sorted(c.kinds) if j <= k)) for c in kids]
        out[k] = conj(*at_most, disj(*(c.out[k] for c in kids if k in c.kinds)))
    return out
