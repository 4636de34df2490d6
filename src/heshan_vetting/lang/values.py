"""Values at run time: unknowns (missing, not applicable, error) and their ranks, finite numbers, rounding."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any


class Unknown:
    """A value that is not known: ``kind`` is ``missing``, ``na`` or ``error`` (with ``detail``)."""

    __slots__ = ("detail", "kind")

    def __init__(self, kind: str, detail: str = "") -> None:
        self.kind = kind
        self.detail = detail

    def __repr__(self) -> str:
        return f"Unknown({self.kind!r}, {self.detail!r})"


MISSING = Unknown("missing")
NA = Unknown("na")
# A value with no threshold in force or no table row makes the data moot: "na" outranks "missing".
RANK = {"error": 3, "na": 2, "missing": 1}

# enough digits for any finite float (up to 1.8e308) plus 10 decimals, so quantize never overflows
_DEC = Context(prec=400, rounding=ROUND_HALF_UP)
_QUANTA = [Decimal(1).scaleb(-p) for p in range(11)]


def finite(x: float, what: str) -> Any:
    """``x``, or an ``error`` unknown when arithmetic on finite values overflowed to infinity (or NaN)."""
    return x if math.isfinite(x) else Unknown("error", f"overflow: {what} is too large to compute")


def round_half_up(x: float, places: int) -> Decimal:
    """``x`` rounded half-up to ``places`` decimals, as written in decimal (not binary)."""
    return Decimal(repr(x)).quantize(_QUANTA[places], rounding=ROUND_HALF_UP, context=_DEC)


def norm(text: str) -> str:
    """The form strings are compared in: stripped of surrounding spaces, case-folded."""
    return text.strip().casefold()


def worst(a: Any, b: Any) -> Unknown:
    ua = a if isinstance(a, Unknown) else None
    ub = b if isinstance(b, Unknown) else None
    if ua is None:
        assert ub is not None
        return ub
    if ub is None:
        return ua
    return ua if RANK[ua.kind] >= RANK[ub.kind] else ub
