"""Solving a condition for one figure: the value of a project field at which a compiled condition holds.

The search runs on the compiled closures themselves (what the native engine evaluates): closed-form candidates
first (where the compared figures are linear in the field), else a geometric bracket and bisection; the answer
is put on the grid of the rule's precision in the safe direction and checked there, and one step back toward
the declared value must fail (so the answer is the smallest change the check accepts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Literal

from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.lang.values import Unknown
from heshan_vetting.packs.compiled import CompiledPack, CompiledRule

__all__ = ["linear_root", "numeric_inputs", "on_grid", "other_facts", "rule_state", "solve", "with_field"]

State = Literal["pass", "na", "fail", "unknown"]
_CEILING = 1e15  # no figure is searched beyond this


def rule_state(rule: CompiledRule, env: dict[str, Any]) -> State:
    """What the compiled conditions of ``rule`` say on ``env`` (the native engine's own closures)."""
    scope = True if rule.applies is None else rule.applies(env)
    if scope is not True:
        if scope is False or (isinstance(scope, Unknown) and scope.kind == "na"):
            return "na"
        return "unknown"
    result = rule.require(env)
    if result is True:
        return "pass"
    if result is False:
        return "fail"
    return "na" if isinstance(result, Unknown) and result.kind == "na" else "unknown"


def with_field(pack: CompiledPack, env: dict[str, Any], field: str, value: float) -> dict[str, Any]:
    """``env`` with ``field`` set to ``value`` and the derived metrics computed again."""
    out = dict(env)
    out[field] = value
    for d in pack.derived:
        out[d.name] = d.fn(out)
    return out


def numeric_inputs(pack: CompiledPack, env: dict[str, Any], reads: Sequence[str]) -> list[str]:
    """The numeric project fields behind ``reads`` (through derived metrics) that have a value."""
    out: list[str] = []
    for name in pack.facts_behind(reads):
        spec = FIELD_SPECS.get(name)
        if (
            spec is not None
            and spec.kind == "number"
            and name != "employees"  # a head count, not a quantity to solve for
            and name not in pack.plugin_facts
            and isinstance(env.get(name), float)
        ):
            out.append(name)
    return out


def other_facts(pack: CompiledPack, reads: Sequence[str]) -> list[str]:
    """The project facts behind ``reads`` that are not numbers (an industry, a product, a yes/no)."""
    return [n for n in pack.facts_behind(reads) if n not in FIELD_SPECS or FIELD_SPECS[n].kind != "number"]


def on_grid(x: float, places: int, up: bool) -> float:
    step = Decimal(1).scaleb(-places)
    return float(Decimal(repr(x)).quantize(step, rounding=ROUND_CEILING if up else ROUND_FLOOR))


def _bisect(ok: Callable[[float], bool], bad: float, good: float, places: int) -> float:
    """The boundary between ``bad`` (ok false) and ``good`` (ok true), to well below the grid."""
    tol = 10.0**-places / 8
    for _ in range(200):
        if abs(good - bad) <= tol:
            break
        mid = (bad + good) / 2
        if ok(mid):
            good = mid
        else:
            bad = mid
    return good


def _snap(ok: Callable[[float], bool], boundary: float, x0: float, places: int, up: bool) -> float | None:
    """``boundary`` on the grid of ``places`` decimals in the safe direction, checked: ``ok`` holds there and
    fails one step back toward ``x0`` (``None`` when no grid value near the boundary holds).

    The rule's own rounding can move the boundary by more than a step (a tax per mu rounded to 0.01 万元/亩 is
    met 0.005 万元/亩 early), so the grid between ``x0`` and the first value that holds is bisected."""
    step = 10.0**-places
    v = on_grid(boundary, places, up)
    for _ in range(8):
        if v >= 0 and ok(v):
            break
        v = on_grid(v + step if up else v - step, places, up)
    else:
        return None
    if v < 0:
        return None
    # grid indices: ``good`` holds; ``bad`` is the last grid value on x0's side, where ok fails (x0 fails)
    good = round(Decimal(repr(v)).scaleb(places))
    edge = Decimal(repr(x0)).scaleb(places)
    bad = int(edge.to_integral_value(rounding=ROUND_FLOOR if up else ROUND_CEILING))
    if bad == good or ok(_at(bad, places)):
        bad = good - 1 if up else good + 1
        return _at(good, places) if bad < 0 or not ok(_at(bad, places)) else None
    while abs(good - bad) > 1:
        mid = (good + bad) // 2
        if _at(mid, places) >= 0 and ok(_at(mid, places)):
            good = mid
        else:
            bad = mid
    return _at(good, places)


def _at(index: int, places: int) -> float:
    """The grid value ``index × 10**-places``, without binary drift."""
    return float(Decimal(index).scaleb(-places))


def _probes(x0: float, up: bool, places: int, limit: float | None) -> list[float]:
    """Values to bracket the boundary with, from near ``x0`` outward (geometric), ending at ``limit``."""
    out: list[float] = []
    if up:
        top = _CEILING if limit is None else limit
        x = max(abs(x0), 10.0**-places)
        while True:
            x = x * 2 if x0 > 0 else x * 10
            cand = x0 + (x - x0 if x0 > 0 else x)
            if cand >= top:
                break
            out.append(cand)
        if top > x0:
            out.append(top)
    else:
        bottom = 0.0 if limit is None else limit
        x = x0
        while x > 10.0**-places and x / 2 > bottom:
            x = x / 2
            out.append(x)
        if bottom < x0:
            out.append(bottom)
    return out


def linear_root(g: Callable[[float], float | None], x0: float) -> float | None:
    """Where ``g`` (the left side minus the right side of a comparison) is zero, if ``g`` is linear near x0."""
    h = max(abs(x0), 1.0) * 1e-3
    a, b, c = g(x0), g(x0 + h), g(x0 + 2 * h)
    if a is None or b is None or c is None:
        return None
    slope = (b - a) / h
    if slope == 0 or abs((c - b) - (b - a)) > 1e-9 * max(abs(a), abs(b), abs(c), 1.0):
        return None
    # twelve significant digits: the float noise of the three samples must not move the root off the grid
    return float(f"{x0 - a / slope:.12g}")


def solve(
    ok: Callable[[float], bool],
    x0: float,
    places: int,
    *,
    maximum: float | None = None,
    roots: Sequence[float] = (),
    only: bool | None = None,
) -> tuple[float, bool] | None:
    """The value nearest ``x0`` (on the grid of ``places`` decimals, safe side) at which ``ok`` holds, and whether
    it lies above x0; ``None`` when none is found. ``roots`` are closed-form candidates tried first; ``only``
    limits the search to one side (``True`` up); ``maximum`` caps it."""
    found: list[tuple[float, bool]] = []
    for root in roots:
        up = root > x0
        if only is not None and up is not only:
            continue
        v = _snap(ok, root, x0, places, up)
        if v is not None:
            found.append((v, up))
    if not found:
        for up in (True, False):
            if only is not None and up is not only:
                continue
            bad = x0
            for probe in _probes(x0, up, places, maximum if up else None):
                if ok(probe):
                    v = _snap(ok, _bisect(ok, bad, probe, places), x0, places, up)
                    if v is not None:
                        found.append((v, up))
                    break
                bad = probe
    if not found:
        return None
    return min(found, key=lambda t: abs(t[0] - x0))
