"""The run-time operations compiled conditions are built of: closures for arithmetic, comparison, membership and
three-valued logic over values, where unknowns propagate (the worst wins) and ``and``/``or``/``not`` are Kleene's.

:mod:`.compiler` checks names, types and units and picks these; they do plain float, text and bool work only.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from heshan_vetting.lang.syntax import CmpOp, LogicOp
from heshan_vetting.lang.types import BoolFn, NumFn, TextFn, TextsFn
from heshan_vetting.lang.values import Env, Unknown, finite, round_half_up, scaled_half_up, worst

CMP: dict[CmpOp, Callable[[Decimal, Decimal], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
"""Each comparison operator, on rounded operands."""


def scaled(f: NumFn, k: float) -> NumFn:
    """``f`` with its numeric result multiplied by ``k`` (unknowns pass through)."""
    if k == 1.0:
        return f

    def scaled(env: Env) -> float | Unknown:
        v = f(env)
        return v if isinstance(v, Unknown) else finite(v * k, "a value converted to the comparison unit")

    return scaled


# -- arithmetic -------------------------------------------------------------------------------------------------------


def negative(f: NumFn) -> NumFn:
    """``-f``."""

    def neg(env: Env) -> float | Unknown:
        v = f(env)
        return v if isinstance(v, Unknown) else -v

    return neg


def add_sub(lf: NumFn, rf: NumFn, sign: float, k: float) -> NumFn:
    """``lf + sign * k * rf``: ``k`` converts the right side to the left side's unit."""

    def addsub(env: Env) -> float | Unknown:
        a, b = lf(env), rf(env)
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return worst(a, b)
        return finite(a + sign * k * b, "a sum")

    return addsub


def multiply(lf: NumFn, rf: NumFn) -> NumFn:
    """``lf * rf``."""

    def mul(env: Env) -> float | Unknown:
        a, b = lf(env), rf(env)
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return worst(a, b)
        return finite(a * b, "a product")

    return mul


def divide(lf: NumFn, rf: NumFn, divisor_text: str) -> NumFn:
    """``lf / rf``; an ``error`` unknown naming ``divisor_text`` when the divisor is 0."""

    def div(env: Env) -> float | Unknown:
        a, b = lf(env), rf(env)
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return worst(a, b)
        if b == 0:
            return Unknown("error", f"division by zero: {divisor_text} is 0")
        return finite(a / b, f"a quotient by {divisor_text}")

    return div


# -- tests ------------------------------------------------------------------------------------------------------------


def compare_numbers(lf: NumFn, rf: NumFn, op: CmpOp, places: int) -> BoolFn:
    """``lf op rf``, both sides rounded half-up to ``places`` decimals first."""
    test = CMP[op]

    def cmp(env: Env) -> bool | Unknown:
        a, b = lf(env), rf(env)
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return worst(a, b)
        if type(a) is float and type(b) is float:
            # the rounded figures as integers at the same scale: the same comparison, without two Decimals
            sa, sb = scaled_half_up(a, places), scaled_half_up(b, places)
            if sa is not None and sb is not None:
                return test(sa, sb)  # type: ignore[arg-type]
        return test(round_half_up(a, places), round_half_up(b, places))

    return cmp


def compare_texts(lf: TextFn, rf: TextFn, equal: bool) -> BoolFn:
    """``lf == rf`` (``equal``) or ``lf != rf``."""

    def cmp(env: Env) -> bool | Unknown:
        a, b = lf(env), rf(env)
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return worst(a, b)
        return (a == b) == equal

    return cmp


def member_of(lf: TextFn, one: Callable[[str], bool], negated: bool) -> BoolFn:
    """Whether a text is in a set (``one``), or not (``negated``)."""

    def member(env: Env) -> bool | Unknown:
        v = lf(env)
        if isinstance(v, Unknown):
            return v
        return one(v) != negated

    return member


def any_member_of(lf: TextsFn, one: Callable[[str], bool], negated: bool) -> BoolFn:
    """Whether any text of a list is in a set (``one``), or none is (``negated``)."""

    def member_any(env: Env) -> bool | Unknown:
        vs = lf(env)
        if isinstance(vs, Unknown):
            return vs
        return any(one(v) for v in vs) != negated

    return member_any


def starts_with(lf: TextFn, prefixes: tuple[str, ...]) -> BoolFn:
    """Whether a text starts with one of ``prefixes``."""

    def prefix(env: Env) -> bool | Unknown:
        v = lf(env)
        if isinstance(v, Unknown):
            return v
        return v.startswith(prefixes)

    return prefix


def presence(name: str, want_missing: bool) -> BoolFn:
    """``name is present`` (or ``is missing``): never unknown."""

    def present(env: Env) -> bool | Unknown:
        v = env[name]
        is_missing = isinstance(v, Unknown) and v.kind == "missing"
        return is_missing == want_missing

    return present


# -- three-valued logic -----------------------------------------------------------------------------------------------


def negation(f: BoolFn) -> BoolFn:
    """``not f``: unknowns stay unknown."""

    def negate(env: Env) -> bool | Unknown:
        v = f(env)
        return v if isinstance(v, Unknown) else not v

    return negate


def kleene(op: LogicOp, fns: list[BoolFn]) -> BoolFn:
    """``and``/``or`` over ``fns``: the decisive value settles it at once, else the worst unknown, else the other."""
    decisive = op == "or"  # the value that settles the result at once

    def boolop(env: Env) -> bool | Unknown:
        unknown: Unknown | None = None
        for f in fns:
            v = f(env)
            if isinstance(v, Unknown):
                unknown = v if unknown is None else worst(unknown, v)
            elif v is decisive:
                return decisive
        return unknown if unknown is not None else (not decisive)

    return boolop
