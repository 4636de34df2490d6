"""Values at run time: unknowns (missing, not applicable, error) and their ranks, finite numbers, rounding."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Literal

UnknownKind = Literal["missing", "na", "error"]


class Unknown:
    """A value that is not known: ``kind`` is ``missing``, ``na`` or ``error`` (with ``detail``)."""

    __slots__ = ("detail", "kind")

    def __init__(self, kind: UnknownKind, detail: str = "") -> None:
        self.kind = kind
        self.detail = detail

    def __repr__(self) -> str:
        return f"Unknown({self.kind!r}, {self.detail!r})"


Value = float | str | bool | tuple[str, ...] | Unknown | None
"""A value at run time: a float (in a unit fixed at compile time), a normalised text, a tuple of them, a bool,
an :class:`Unknown`, or ``None`` (a set's name: only ``in`` and ``startswith`` read it, at compile time)."""
Env = dict[str, Value]
"""The namespace compiled conditions read: facts, derived metrics and thresholds by name."""

MISSING = Unknown("missing")
NA = Unknown("na")
# A value with no threshold in force or no table row makes the data moot: "na" outranks "missing".
RANK: dict[UnknownKind, int] = {"error": 3, "na": 2, "missing": 1}

# enough digits for any finite float (up to 1.8e308) plus 10 decimals, so quantize never overflows
_DEC = Context(prec=400, rounding=ROUND_HALF_UP)
_QUANTA = [Decimal(1).scaleb(-p) for p in range(11)]


def finite(x: float, what: str) -> float | Unknown:
    """``x``, or an ``error`` unknown when arithmetic on finite values overflowed to infinity (or NaN)."""
    return x if math.isfinite(x) else Unknown("error", f"overflow: {what} is too large to compute")


def round_half_up(x: float, places: int) -> Decimal:
    """``x`` rounded half-up to ``places`` decimals, as written in decimal (not binary)."""
    return Decimal(repr(x)).quantize(_QUANTA[places], rounding=ROUND_HALF_UP, context=_DEC)


_TENS = [10**p for p in range(11)]


def rounded_float(x: float, places: int) -> float:
    """``float(round_half_up(x, places))``, the same float, mostly without a Decimal.

    ``repr(x)`` is the decimal text ``round_half_up`` rounds. With at most ``places`` decimals it needs no
    rounding, and its float is ``x`` itself. Otherwise the digits kept (an integer ``n``), plus one when the
    first dropped digit is 5 or more (half-up, away from zero), give ``n / 10**places``: an exact quotient of
    two integers, rounded once to the nearest float as ``float(Decimal)`` rounds, so the same float.
    Exponent forms, infinities and NaN take the Decimal path.
    """
    text = repr(x)
    dot = text.find(".")
    if dot < 0 or "e" in text or places > 10:
        return float(round_half_up(x, places))
    cut = dot + 1 + places
    if len(text) <= cut:
        return x
    negative = text[0] == "-"
    n = int(text[1 if negative else 0 : dot] + text[dot + 1 : cut])
    if text[cut] >= "5":
        n += 1
    value: float = n / _TENS[places]
    return -value if negative else value


def scaled_half_up(x: float, places: int) -> int | None:
    """``round_half_up(x, places)`` times ``10**places``, as an integer (``-0`` is ``0``), read from ``repr(x)``
    as ``round_half_up`` reads it; ``None`` for an exponent form, an infinity or NaN, or ``places`` above 10.
    Two figures rounded to the same places compare as these integers compare (the same scale, exactly)."""
    text = repr(x)
    dot = text.find(".")
    if dot < 0 or "e" in text or places > 10:
        return None
    negative = text[0] == "-"
    cut = dot + 1 + places
    if len(text) <= cut:
        n = int(text[1 if negative else 0 : dot] + text[dot + 1 :] + "0" * (cut - len(text)))
    else:
        n = int(text[1 if negative else 0 : dot] + text[dot + 1 : cut])
        if text[cut] >= "5":
            n += 1
    return -n if negative else n


def norm(text: str) -> str:
    """The form strings are compared in: stripped of surrounding spaces, case-folded."""
    return text.strip().casefold()


def worst(a: Value, b: Value) -> Unknown:
    """The worse of two values at least one of which is unknown (by :data:`RANK`)."""
    ua = a if isinstance(a, Unknown) else None
    ub = b if isinstance(b, Unknown) else None
    if ua is None:
        assert ub is not None
        return ub
    if ub is None:
        return ua
    return ua if RANK[ua.kind] >= RANK[ub.kind] else ub
