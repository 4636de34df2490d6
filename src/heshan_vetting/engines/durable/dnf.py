"""Conditions in disjunctive normal form: literals over fact fields, conjunctions and disjunctions, kept simplified."""

from __future__ import annotations

import re
from typing import Any

NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


# -- formulas over fact fields ------------------------------------------------------------------------------------

MAX_TERMS = 1000
"""Conjunctions (durable-rules rules) one outcome of one rule may need; more is refused as too complex."""
LEAF_FIELD = re.compile(r"x(\d+)([a-z])")
"""The field of one leaf of a rule: ``x<leaf number><role letter>``."""

Lit = tuple[str, str, Any]
"""``(field, op, value)``: a comparison (value an int, a text, or ``("$m", field)`` for another field of the same
fact), ``ex`` (the field exists), or ``any``/``all`` (some/every item of an array field is ``(op, text)``)."""
Conj = frozenset[Lit]
DNF = tuple[Conj, ...]
"""A formula in disjunctive normal form: each conjunction becomes one durable-rules rule. durable-rules' own
``$or`` is not used: its "forward" nodes fire wrong actions and corrupt memory once rules share alpha nodes."""
TRUE: DNF = (frozenset(),)
FALSE: DNF = ()


class TooComplex(Exception):
    pass


def lit(fld: str, op: str, value: Any = None) -> DNF:
    return (frozenset({(fld, op, value)}),)


def _consistent(c: Conj) -> bool:
    """False when the conjunction can never hold (an unknown leaf with a known value, two different equalities...)."""
    unknown: dict[str, set[Lit]] = {}
    known: set[str] = set()
    by_field: dict[str, set[tuple[str, Any]]] = {}
    for fld, op, value in c:
        m = LEAF_FIELD.match(fld)
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
        if any((NEGATE[op], v) in tests for op, v in tests if op in NEGATE and isinstance(v, tuple)):
            return False
    return True


def disj(*items: DNF) -> DNF:
    """The disjunction, without repeated or absorbed conjunctions."""
    out = list(dict.fromkeys(c for d in items for c in d))
    if len(out) > MAX_TERMS:
        raise TooComplex
    if len(out) > 1:
        out.sort(key=len)
        out = [c for i, c in enumerate(out) if not any(o < c for o in out[:i])]
    return tuple(out)


def conj(*items: DNF) -> DNF:
    """The conjunction, multiplied out; conjunctions that can never hold are dropped."""
    acc: list[Conj] = [frozenset()]
    for d in items:
        if len(acc) * len(d) > 20 * MAX_TERMS:
            raise TooComplex
        acc = [a | b for a in acc for b in d if _consistent(a | b)]
    return disj(tuple(acc))
