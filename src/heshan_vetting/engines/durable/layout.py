"""Layout of the durable-rules ruleset: the translated rules placed on facts (buckets) within durable-rules' limits."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from heshan_vetting.engines.durable.dnf import MAX_TERMS, Conj, Lit, TooComplex
from heshan_vetting.engines.durable.translate import Feeder, RulePlan, Stage, Translator
from heshan_vetting.errors import UsageError
from heshan_vetting.packs.compiled import CompiledPack

MAX_FIELDS = 240
"""Fields of one fact (durable-rules refuses a fact of more than 253 properties, ``sid`` and ``id`` included)."""
STACK_LIMIT = 48
"""Alpha nodes one fact may have on durable-rules' matching stack (it has 64; the root takes two)."""
MAX_CHILDREN = 400
"""Children of one alpha node (durable-rules has 512 slots and hangs when they are full); also caps the facts."""
MAX_ENDS = 200
"""Rules ending at one alpha node (durable-rules allows 256)."""
_TAG = "heshan-durable-2"  # part of every ruleset's content key: change it when the translation changes
_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


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


# -- the plan of one pack -------------------------------------------------------------------------------------------


Entry = tuple[tuple[int, int, int, Any], Conj]
"""A durable-rules rule to be: the code its action records (rule position, stage, node, outcome), its conjunction."""


@dataclass
class _Bucket:
    """The rules matched against one fact (``g`` = its number): few enough for durable-rules' matching stack."""

    entries: list[Entry] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)


@dataclass
class Plan:
    """A pack translated: the ruleset definition (without actions), its content key and how to feed and read it."""

    rules: dict[str, tuple[int, RulePlan]]
    labels: dict[str, tuple[tuple[int, RulePlan], ...]]
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
    def build(cls, pack: CompiledPack) -> Plan:
        tr = Translator(pack)
        plans: list[RulePlan] = []
        for r in pack.rules:
            try:
                plans.append(tr.rule(r))
            except TooComplex:
                raise _too_complex(r.id) from None
        labels: dict[str, tuple[tuple[int, RulePlan], ...]] = {}
        for label in pack.labels:
            cases = []
            for i in range(len(label.cases)):
                try:
                    cases.append((len(plans), tr.label_case(label, i)))
                except TooComplex:
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


def _stage_entries(pos: int, s: int, stage: Stage) -> list[Entry]:
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
