"""The Rete network of a compiled pack for the durable engine: translation and layout, in pure Python.

This module builds the ruleset *definition* that :mod:`heshan_vetting._durable` registers with durable-rules, and
the feeders that compute a check's fact fields; it never loads durable-rules itself (only ``_durable`` does).

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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any

from . import expr as ast
from ._compile import _RANK, Compiler, Fn, Unknown, _worst, norm, round_half_up
from .engine import CompiledLabel, CompiledPack, CompiledRule
from .errors import UsageError, VettingError

MAX_FIELDS = 240
"""Fields of one fact (durable-rules refuses a fact of more than 253 properties, ``sid`` and ``id`` included)."""
STACK_LIMIT = 48
"""Alpha nodes one fact may have on durable-rules' matching stack (it has 64; the root takes two)."""
MAX_CHILDREN = 400
"""Children of one alpha node (durable-rules has 512 slots and hangs when they are full); also caps the facts."""
MAX_ENDS = 200
"""Rules ending at one alpha node (durable-rules allows 256)."""
MAX_TERMS = 1000
"""Conjunctions (durable-rules rules) one outcome of one rule may need; more is refused as too complex."""
LONG_TEXT = 1000
"""Texts longer than this (as JSON) are compared by digest: durable-rules keeps string lengths in 16 bits."""
_TAG = "heshan-durable-2"  # part of every ruleset's content key: change it when the translation changes
_INT64 = 2**63 - 1
_CTX = Context(prec=100)
_NEG = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_KINDS = (1, 2, 3)  # unknown ranks: missing, na, error (as _compile._RANK)


def _internal(en: str, zh: str) -> VettingError:
    return VettingError(f"durable engine: {en} / durable 引擎：{zh}")


# -- formulas over fact fields ------------------------------------------------------------------------------------

Lit = tuple[str, str, Any]
"""``(field, op, value)``: a comparison (value an int, a text, or ``("$m", field)`` for another field of the same
fact), ``ex`` (the field exists), or ``any``/``all`` (some/every item of an array field is ``(op, text)``)."""
Conj = frozenset[Lit]
DNF = tuple[Conj, ...]
"""A formula in disjunctive normal form: each conjunction becomes one durable-rules rule. durable-rules' own
``$or`` is not used: its "forward" nodes fire wrong actions and corrupt memory once rules share alpha nodes."""
TRUE: DNF = (frozenset(),)
FALSE: DNF = ()
_LEAF_FIELD = re.compile(r"x(\d+)([a-z])")


class _TooComplex(Exception):
    pass


def _lit(fld: str, op: str, value: Any = None) -> DNF:
    return (frozenset({(fld, op, value)}),)


def _consistent(c: Conj) -> bool:
    """False when the conjunction can never hold (an unknown leaf with a known value, two different equalities...)."""
    unknown: dict[str, set[Lit]] = {}
    known: set[str] = set()
    by_field: dict[str, set[tuple[str, Any]]] = {}
    for fld, op, value in c:
        m = _LEAF_FIELD.match(fld)
        if m is not None and m[2] == "u":
            unknown.setdefault(m[1], set()).add((fld, op, value))
        elif m is not None:
            known.add(m[1])
        by_field.setdefault(fld, set()).add((op, value))
    if known & unknown.keys():
        return False
    for lits in unknown.values():
        eq = {v for _f, op, v in lits if op == "=="}
        if len(eq) > 1 or any(op == "<=" and k > v for _f, op, v in lits for k in eq):
            return False
    for tests in by_field.values():
        consts = {v for op, v in tests if op == "==" and not isinstance(v, tuple)}
        if len(consts) > 1 or any(("!=", v) in tests for v in consts):
            return False
        if any((_NEG[op], v) in tests for op, v in tests if op in _NEG and isinstance(v, tuple)):
            return False
    return True


def disj(*items: DNF) -> DNF:
    """The disjunction, without repeated or absorbed conjunctions."""
    out = list(dict.fromkeys(c for d in items for c in d))
    if len(out) > MAX_TERMS:
        raise _TooComplex
    if len(out) > 1:
        out.sort(key=len)
        out = [c for i, c in enumerate(out) if not any(o < c for o in out[:i])]
    return tuple(out)


def conj(*items: DNF) -> DNF:
    """The conjunction, multiplied out; conjunctions that can never hold are dropped."""
    acc: list[Conj] = [frozenset()]
    for d in items:
        if len(acc) * len(d) > 20 * MAX_TERMS:
            raise _TooComplex
        acc = [a | b for a in acc for b in d if _consistent(a | b)]
    return disj(tuple(acc))


def _emit(fld: str, op: str, value: Any) -> dict[str, Any]:
    """The durable-rules JSON of one literal."""
    if op == "ex":
        return {"$ex": {fld: 1}}
    if op in ("any", "all"):
        inner_op, const = value
        inner = {"$i": const} if inner_op == "==" else {_OPS[inner_op]: {"$i": const}}
        return {"$i" + op: {fld: inner}}
    v = {"$m": value[1]} if isinstance(value, tuple) else value
    return {fld: v} if op == "==" else {_OPS[op]: {fld: v}}


def _condition(bucket: int, c: Conj) -> dict[str, Any]:
    """One durable-rules condition: the bucket's fact, then the literals in a fixed order (shared prefixes)."""
    lits = _ordered(c)
    return {"$and": [{"g": bucket}, *(_emit(*lit) for lit in lits)]} if lits else {"g": bucket}


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

Feeder = Callable[[dict[str, Any], dict[str, Any], dict[int, Unknown]], None]
"""Writes a leaf's fields for one project's namespace (and, if unknown, its :class:`Unknown` by leaf number)."""


@dataclass
class _Node:
    kind: str  # leaf, not, and, or
    children: tuple[int, ...] = ()
    leaf: int = -1
    kinds: frozenset[int] = frozenset()
    """The unknown ranks this node can have (a superset is safe; a missing rank would be a bug)."""
    out: dict[Any, DNF] = field(default_factory=dict)
    """Outcome ("T", "F" or a rank) → formula."""


@dataclass
class _Stage:
    nodes: list[_Node]
    leaves: frozenset[int]
    """Numbers of the leaves the stage reads."""
    root: int = 0


@dataclass
class _RulePlan:
    id: str
    scope: _Stage | None
    require: _Stage


class _Translator:
    """Translates every rule of a compiled pack into stages, leaves (with their feeders) and formulas."""

    def __init__(self, pack: CompiledPack) -> None:
        if pack.units is None:
            raise _internal("the pack was compiled without units", "规则包缺少单位注册表")
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
        if isinstance(node, ast.Name):
            if node.id in self.pack.plugin_facts:
                return frozenset({1, 3})  # a plugin's compute may return None (missing) or raise (error)
            if node.id in self.pack.fact_types:
                return frozenset({1})
            if node.id in self.pack.thresholds:
                return frozenset({2})
            if node.id in self.ns.sets:
                return frozenset()
            return frozenset(_KINDS)  # derived metrics (and anything newer): all of them
        if isinstance(node, ast.Index):
            return frozenset({2}) | self.value_kinds(node.key)
        if isinstance(node, (ast.Unary, ast.Not)):
            return self.value_kinds(node.operand)
        if isinstance(node, ast.BinOp):  # division by zero, or overflow beyond ±1.8e308
            return self.value_kinds(node.left) | self.value_kinds(node.right) | frozenset({3})
        if isinstance(node, (ast.Compare, ast.Member, ast.Prefix)):
            return self.value_kinds(node.left) | self.value_kinds(node.right)
        return frozenset()

    def leaf(self, key: Any, build: Callable[[int], tuple[Feeder, tuple[str, ...], dict[Any, Any]]],
             kinds: frozenset[int]) -> tuple[int, dict[Any, DNF], frozenset[int]]:  # fmt: skip
        hit = self.keys.get(key)
        if hit is None:
            i = len(self.feeders)
            feed, names, out = build(i)
            for k in kinds:
                out.setdefault(k, _lit(f"x{i}u", "==", k))
            self.feeders.append(feed)
            self.fields.append(names)
            hit = self.keys[key] = (i, out, kinds)
        return hit

    def compare(self, node: ast.Compare, comp: Compiler) -> tuple[int, dict[Any, DNF], frozenset[int]]:
        kinds = self.value_kinds(node)
        if comp._probe_kind(node.left) == "str":
            return self.compare_str(node, comp, kinds)
        left, right, _unit, op = comp.compile_compare(node)
        if _converts(left) or _converts(right):  # a unit conversion can overflow too
            kinds |= {3}
        places = comp.precision
        key = ("cmp", ast.unparse(node.left), ast.unparse(node.right), places, str(comp.target_unit))

        def build(i: int) -> tuple[Feeder, tuple[str, ...], dict[Any, Any]]:
            lf, rf, uf = f"x{i}l", f"x{i}r", f"x{i}u"

            def feed(env: dict[str, Any], out: dict[str, Any], unknowns: dict[int, Unknown]) -> None:
                a, b = left(env), right(env)
                if isinstance(a, Unknown) or isinstance(b, Unknown):
                    unknowns[i] = w = _worst(a, b)
                    out[uf] = _RANK[w.kind]
                else:
                    out[lf], out[rf] = _numbers(round_half_up(a, places), round_half_up(b, places), places)

            return feed, (lf, rf, uf), {"=": ("$m", rf)}

        i, out, k = self.leaf(key, build, kinds)
        ref = out["="]
        return i, {**out, "T": _lit(f"x{i}l", op, ref), "F": _lit(f"x{i}l", _NEG[op], ref)}, k

    def compare_str(
        self, node: ast.Compare, comp: Compiler, kinds: frozenset[int]
    ) -> tuple[int, dict[Any, DNF], frozenset[int]]:
        left, _ = comp.compile(node.left)
        right, _ = comp.compile(node.right)
        const = _text(norm(node.right.value)) if isinstance(node.right, ast.Str) else None
        key = ("str", ast.unparse(node.left), ast.unparse(node.right))

        def build(i: int) -> tuple[Feeder, tuple[str, ...], dict[Any, Any]]:
            lf, rf, uf = f"x{i}l", f"x{i}r", f"x{i}u"

            def feed(env: dict[str, Any], out: dict[str, Any], unknowns: dict[int, Unknown]) -> None:
                a = left(env)
                b = right(env) if const is None else const
                if isinstance(a, Unknown) or isinstance(b, Unknown):
                    unknowns[i] = w = _worst(a, b)
                    out[uf] = _RANK[w.kind]
                else:
                    out[lf] = _text(a)
                    if const is None:
                        out[rf] = _text(b)

            return feed, (lf, rf, uf), {"=": const if const is not None else ("$m", rf)}

        i, out, k = self.leaf(key, build, kinds)
        equal, differ = _lit(f"x{i}l", "==", out["="]), _lit(f"x{i}l", "!=", out["="])
        t, f = (equal, differ) if node.op == "==" else (differ, equal)
        return i, {**out, "T": t, "F": f}, k

    def member(self, node: ast.Member | ast.Prefix, comp: Compiler) -> tuple[int, dict[Any, DNF], frozenset[int]]:
        """``x in S`` / ``x startswith S`` for a text or a list of texts: formulas for ``in`` (not negated)."""
        left, lt = comp.compile(node.left)
        members, prefixes, by_prefix = comp._members(node.right)
        if isinstance(node, ast.Prefix):
            prefixes, by_prefix = tuple(sorted(set(prefixes) | set(members))), True
        wanted = sorted(set(prefixes)) if by_prefix else sorted(members)
        many = lt.kind == "strs"
        lengths = sorted({len(p) for p in wanted}) if by_prefix else []
        key = ("in", ast.unparse(node.left), by_prefix, tuple(wanted))

        def build(i: int) -> tuple[Feeder, tuple[str, ...], dict[Any, Any]]:
            vf, uf = f"x{i}v", f"x{i}u"
            pf = {n: f"x{i}p{n}" for n in lengths}

            def feed(env: dict[str, Any], out: dict[str, Any], unknowns: dict[int, Unknown]) -> None:
                v = left(env)
                if isinstance(v, Unknown):
                    unknowns[i] = v
                    out[uf] = _RANK[v.kind]
                    return
                items = list(v) if many else [v]
                if not by_prefix or not wanted:
                    out[vf] = [_text(s) for s in items] if many else _text(v)
                for n, name in pf.items():
                    cut = [_text(s[:n]) for s in items]
                    out[name] = cut if many else cut[0]

            if not wanted:
                return feed, (vf, uf), {"T": FALSE, "F": _lit(vf, "ex")}
            groups: dict[str, list[str]] = {}
            for p in wanted:
                groups.setdefault(pf[len(p)] if by_prefix else vf, []).append(_text(p))
            if many:
                t = disj(*(_lit(name, "any", ("==", c)) for name, cs in groups.items() for c in cs))
                f = conj(*(_lit(name, "all", ("!=", c)) for name, cs in groups.items() for c in cs))
            else:
                t = disj(*(_lit(name, "==", c) for name, cs in groups.items() for c in cs))
                f = conj(*(_lit(name, "!=", c) for name, cs in groups.items() for c in cs))
            names = (*pf.values(), uf) if by_prefix else (vf, uf)
            return feed, names, {"T": t, "F": f}

        return self.leaf(key, build, self.value_kinds(node.left))

    def present(self, node: ast.Present) -> tuple[int, dict[Any, DNF], frozenset[int]]:
        name = node.name.id

        def build(i: int) -> tuple[Feeder, tuple[str, ...], dict[Any, Any]]:
            qf = f"x{i}q"

            def feed(env: dict[str, Any], out: dict[str, Any], unknowns: dict[int, Unknown]) -> None:
                v = env[name]
                out[qf] = 1 if isinstance(v, Unknown) and v.kind == "missing" else 0

            return feed, (qf,), {"T": _lit(qf, "==", 0), "F": _lit(qf, "==", 1)}  # formulas for "is present"

        i, out, k = self.leaf(("present", name), build, frozenset())
        t, f = (out["F"], out["T"]) if node.negated else (out["T"], out["F"])
        return i, {"T": t, "F": f}, k

    def truth(self, node: ast.Node, comp: Compiler) -> tuple[int, dict[Any, DNF], frozenset[int]]:
        """A true/false value that is not a test, such as a bool fact: ``in_compliant_park``."""
        fn: Fn = comp.compile(node)[0]

        def build(i: int) -> tuple[Feeder, tuple[str, ...], dict[Any, Any]]:
            bf, uf = f"x{i}b", f"x{i}u"

            def feed(env: dict[str, Any], out: dict[str, Any], unknowns: dict[int, Unknown]) -> None:
                v = fn(env)
                if isinstance(v, Unknown):
                    unknowns[i] = v
                    out[uf] = _RANK[v.kind]
                else:
                    out[bf] = 1 if v else 0

            return feed, (bf, uf), {"T": _lit(bf, "==", 1), "F": _lit(bf, "==", 0)}

        return self.leaf(("bool", ast.unparse(node)), build, self.value_kinds(node))

    # -- trees --------------------------------------------------------------------------------------------------
    def stage(self, tree: ast.Node, comp: Compiler) -> _Stage:
        nodes: list[_Node] = []
        leaves: set[int] = set()

        def walk(node: ast.Node) -> int:
            me = len(nodes)
            nodes.append(_Node("leaf"))
            n = nodes[me]
            if isinstance(node, ast.BoolLit):
                n.out = {"T": TRUE if node.value else FALSE, "F": FALSE if node.value else TRUE}
                return me
            if isinstance(node, ast.Not):
                child = walk(node.operand)
                c = nodes[child]
                n.kind, n.children, n.kinds = "not", (child,), c.kinds
                n.out = {**{k: c.out[k] for k in c.kinds}, "T": c.out["F"], "F": c.out["T"]}
                return me
            if isinstance(node, ast.BoolOp):
                kids = tuple(walk(v) for v in node.values)
                n.kind, n.children = node.op, kids
                n.kinds = frozenset().union(*(nodes[c].kinds for c in kids))
                n.out = _kleene(node.op, [nodes[c] for c in kids])
                return me
            if isinstance(node, ast.Compare):
                i, out, kinds = self.compare(node, comp)
            elif isinstance(node, (ast.Member, ast.Prefix)):
                i, out, kinds = self.member(node, comp)
                if isinstance(node, ast.Member) and node.negated:
                    out = {**out, "T": out["F"], "F": out["T"]}
            elif isinstance(node, ast.Present):
                i, out, kinds = self.present(node)
            else:
                i, out, kinds = self.truth(node, comp)
            n.leaf, n.kinds, n.out = i, kinds, {k: v for k, v in out.items() if k != "="}
            leaves.add(i)
            return me

        walk(tree)
        return _Stage(nodes, frozenset(leaves))

    def label_case(self, label: CompiledLabel, i: int) -> _RulePlan:
        """Case ``i`` of a label, as a rule whose requirement is the case's condition (compiled as the pack does)."""
        if len(label.trees) != len(label.cases):
            raise _internal(f"label {label.id} was compiled without its conditions", f"标签 {label.id} 缺少条件")
        return _RulePlan(
            f"label {label.id} case {i + 1}", None, self.stage(label.trees[i], Compiler(self.units, self.ns))
        )

    def rule(self, rule: CompiledRule) -> _RulePlan:
        scope = None
        if rule.applies_tree is not None:
            scope = self.stage(rule.applies_tree, Compiler(self.units, self.ns, precision=rule.precision))
        comp = Compiler(self.units, self.ns, precision=rule.precision, target_unit=rule.target_unit)
        return _RulePlan(rule.id, scope, self.stage(rule.require_tree, comp))


def _converts(fn: Fn) -> bool:
    """Whether a comparison operand is scaled to the comparison unit (see ``_compile.scaled``)."""
    return getattr(fn, "__name__", "") == "scaled"


def _kleene(op: str, kids: Sequence[_Node]) -> dict[Any, DNF]:
    """Outcome formulas of ``and``/``or`` over children's: the decisive value wins, else the worst unknown."""
    win, lose = ("F", "T") if op == "and" else ("T", "F")
    out: dict[Any, DNF] = {win: disj(*(c.out[win] for c in kids)), lose: conj(*(c.out[lose] for c in kids))}
    for k in frozenset().union(*(c.kinds for c in kids)):
        # no child decisive and none worse than k, and some child exactly k
        at_most = [disj(c.out[lose], *(c.out[j] for j in sorted(c.kinds) if j <= k)) for c in kids]
        out[k] = conj(*at_most, disj(*(c.out[k] for c in kids if k in c.kinds)))
    return out


# -- the plan of one pack -------------------------------------------------------------------------------------------


Entry = tuple[tuple[int, int, int, Any], Conj]
"""A durable-rules rule to be: the code its action records (rule position, stage, node, outcome), its conjunction."""


@dataclass
class _Bucket:
    """The rules matched against one fact (``g`` = its number): few enough for durable-rules' matching stack."""

    entries: list[Entry] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)


@dataclass
class _Plan:
    """A pack translated: the ruleset definition (without actions), its content key and how to feed and read it."""

    rules: dict[str, tuple[int, _RulePlan]]
    labels: dict[str, tuple[tuple[int, _RulePlan], ...]]
    """Label id → its cases, each decided like a rule's requirement (positions after the rules')."""
    feeders: list[Feeder]
    buckets: list[tuple[str, ...]]
    """The fields of each bucket's fact."""
    rule_buckets: list[tuple[int, ...]]
    """By position (rules, then label cases): the buckets holding its Rete rules."""
    stack_bounds: list[int]
    """By bucket: the most alpha nodes its fact can put on durable-rules' matching stack (at most STACK_LIMIT)."""
    definition: dict[str, tuple[tuple[int, int, int, Any], dict[str, Any]]]
    """durable-rules rule name → (code recorded by its action, condition)."""
    key: str

    @classmethod
    def build(cls, pack: CompiledPack) -> _Plan:
        tr = _Translator(pack)
        plans: list[_RulePlan] = []
        for r in pack.rules:
            try:
                plans.append(tr.rule(r))
            except _TooComplex:
                raise _too_complex(r.id) from None
        labels: dict[str, tuple[tuple[int, _RulePlan], ...]] = {}
        for label in pack.labels:
            cases = []
            for i in range(len(label.cases)):
                try:
                    cases.append((len(plans), tr.label_case(label, i)))
                except _TooComplex:
                    raise _too_complex(f"label {label.id}") from None
                plans.append(cases[-1][1])
            labels[label.id] = tuple(cases)
        buckets: list[_Bucket] = []
        rule_buckets: list[set[int]] = []
        for pos, plan in enumerate(plans):
            stages = [(s, st) for s, st in enumerate((plan.scope, plan.require)) if st is not None]
            names = {f for _s, st in stages for i in st.leaves for f in tr.fields[i]}
            if len(names) > MAX_FIELDS:
                raise UsageError(
                    f"Rule {plan.id} reads {len(names)} values; the durable engine can match at most {MAX_FIELDS} "
                    "in one rule (a limit of durable-rules). Split the rule, or use the native engine.",
                    message_zh=f"规则 {plan.id} 读取 {len(names)} 个值，durable 引擎单条规则最多 {MAX_FIELDS} 个"
                    "（durable-rules 的限制）。请拆分规则，或使用 native 引擎。",
                    field="engine",
                )
            entries = [e for s, st in stages for e in _stage_entries(pos, s, st)]
            rule_buckets.append(_place(buckets, entries, names))
        if len(buckets) > MAX_CHILDREN:
            raise UsageError(
                f"This pack needs {len(buckets)} facts a check on the durable engine; durable-rules cannot match more "
                f"than {MAX_CHILDREN}. Use the native engine.",
                message_zh=f"该规则包在 durable 引擎上每次需要 {len(buckets)} 个事实，超过 durable-rules 的上限 "
                f"{MAX_CHILDREN}。请使用 native 引擎。",
                field="engine",
            )
        definition: dict[str, tuple[tuple[int, int, int, Any], dict[str, Any]]] = {}
        numbered: dict[tuple[int, int, int, Any], int] = {}
        for b, bucket in enumerate(buckets):
            for code, c in bucket.entries:
                j = numbered[code] = numbered.get(code, -1) + 1
                pos, s, n, outcome = code
                definition[f"r{pos}.s{s}.n{n}.{outcome}.{j}"] = (code, {"all": [{"m": _condition(b, c)}]})
        body = {name: cond for name, (_code, cond) in definition.items()}
        text = json.dumps([_TAG, body], sort_keys=True, ensure_ascii=False)
        return cls(
            rules={p.id: (pos, p) for pos, p in enumerate(plans[: len(pack.rules)])},
            labels=labels,
            feeders=tr.feeders,
            buckets=[tuple(sorted(b.fields)) for b in buckets],
            rule_buckets=[tuple(sorted(b)) for b in rule_buckets],
            stack_bounds=[_shape(b.entries)[0] for b in buckets],
            definition=definition,
            key=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        )


def _stage_entries(pos: int, s: int, stage: _Stage) -> list[Entry]:
    """The Rete rules of one stage: its outcomes, and where an unknown could come from more than one child, which."""
    wanted: list[tuple[int, Any]] = [(stage.root, o) for o in ("T", "F", *sorted(stage.nodes[stage.root].kinds))]
    for node in stage.nodes:
        if node.kind in ("and", "or"):
            for k in node.kinds:
                can = [c for c in node.children if k in stage.nodes[c].kinds]
                if len(can) > 1:
                    wanted.extend((c, k) for c in can if (c, k) not in wanted)
    return [((pos, s, n, outcome), c) for n, outcome in wanted for c in stage.nodes[n].out[outcome]]


def _shared(lit: Lit) -> bool:
    """Whether durable-rules reuses an existing alpha node for this literal under the same parent.

    It never does for a comparison with another field of the fact (``$m``: it stores the field name anew for
    every rule and compares the names' storage offsets) nor for ``$iany``/``$iall`` (its node lookup skips them):
    such a literal, and everything after it in its rule, is a new node for every rule."""
    return not isinstance(lit[2], tuple) and lit[1] not in ("any", "all")


def _ordered(c: Conj) -> list[Lit]:
    """The literals of a conjunction in the order they are sent: shareable ones first (shared prefixes keep the
    network narrow), then those durable-rules never shares."""
    return sorted(c, key=lambda lit: (not _shared(lit), lit[0], lit[1], repr(lit[2])))


def _shape(entries: Sequence[Entry]) -> tuple[int, int, int]:
    """``(stack, children, ends)`` of the alpha network these rules build under their fact's ``g`` node.

    ``stack``: the most nodes durable-rules can hold on its matching stack (64 at most: error 303) for the fact.
    It pushes every matching child of a node at once, depth first; every child that could match is counted
    (equalities of one field to different constants exclude each other). A literal durable-rules does not share
    (see :func:`_shared`) starts a new chain of nodes for every rule, as it does in durable-rules: counting it as
    shared underestimated the stack (a generated project then hit error 303). ``children``: the most children of
    one node (a node has 512 slots; when they are full, registering the ruleset loops forever). ``ends``: the most
    rules ending at one node (256 at most)."""
    trie: dict[tuple[Lit, int], Any] = {}
    ends: dict[int, int] = {}
    for k, (_code, c) in enumerate(entries):
        node = trie
        fresh = False
        for lit in _ordered(c):
            fresh = fresh or not _shared(lit)
            node = node.setdefault((lit, k if fresh else -1), {})
        ends[id(node)] = ends.get(id(node), 0) + 1

    def matching(node: dict[tuple[Lit, int], Any]) -> int:
        lits = [lit for lit, _k in node]
        exclusive = {f for f, op, v in lits if op == "==" and not isinstance(v, tuple)}
        return len(exclusive) + sum(1 for _f, op, v in lits if not (op == "==" and not isinstance(v, tuple)))

    # bound(node) = max(m, m - 1 + max(bound(child))), computed without recursion (chains can be long)
    bounds: dict[int, int] = {}
    widest = 0
    todo: list[tuple[dict[tuple[Lit, int], Any], bool]] = [(trie, False)]
    while todo:
        node, done = todo.pop()
        widest = max(widest, len(node))
        if not node:
            bounds[id(node)] = 0
        elif done:
            m = matching(node)
            bounds[id(node)] = max(m, m - 1 + max(bounds[id(child)] for child in node.values()))
        else:
            todo.append((node, True))
            todo.extend((child, False) for child in node.values())
    return bounds[id(trie)], widest, max(ends.values(), default=0)


def _fits(entries: Sequence[Entry]) -> bool:
    stack, children, ends = _shape(entries)
    return stack <= STACK_LIMIT and children <= MAX_CHILDREN and ends <= MAX_ENDS


def _place(buckets: list[_Bucket], entries: list[Entry], names: set[str]) -> set[int]:
    """Put a rule's Rete rules in the last bucket if they fit, else in new ones (split if too wide alone)."""

    def fits(bucket: _Bucket, more: list[Entry]) -> bool:
        return len(bucket.fields | names) <= MAX_FIELDS and _fits(bucket.entries + more)

    used: set[int] = set()
    pending = [entries]
    while pending:
        part = pending.pop(0)
        if not buckets or not fits(buckets[-1], part):
            if not fits(_Bucket(), part):  # too wide even alone (one Rete rule always fits): halve it
                half = len(part) // 2
                pending[:0] = [part[:half], part[half:]]
                continue
            buckets.append(_Bucket())
        buckets[-1].entries.extend(part)
        buckets[-1].fields |= names
        used.add(len(buckets) - 1)
    return used


def _too_complex(rule_id: str) -> UsageError:
    return UsageError(
        f"Rule {rule_id} is too complex for the durable engine (more than {MAX_TERMS} Rete rules for one outcome); "
        "simplify it, or use the native engine.",
        message_zh=f"规则 {rule_id} 过于复杂，durable 引擎无法表示（单个结论需要超过 {MAX_TERMS} 条 Rete 规则）；"
        "请简化，或使用 native 引擎。",
        field="engine",
    )
