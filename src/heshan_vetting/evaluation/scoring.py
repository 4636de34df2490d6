"""The score: indicator values, the weighted linear score of the built-in ``scoring`` plugin."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from heshan_vetting.evaluation.trusted import trusted
from heshan_vetting.lang.values import round_half_up, rounded_float
from heshan_vetting.packs.compiled import (
    CompiledIndicator,
)
from heshan_vetting.packs.schema import VerdictDef
from heshan_vetting.report import (
    IndicatorScore,
    Outcome,
    Score,
)


@dataclass(frozen=True)
class IndicatorInput:
    """What the scoring hook receives for one indicator."""

    indicator: CompiledIndicator
    value: float | None
    outcome: Outcome
    missing: tuple[str, ...] = ()
    """For ``insufficient_data``: the missing facts the indicator needs."""


Scorer = Callable[[Sequence[IndicatorInput], VerdictDef | None], Score | None]


def linear_points(value: float, floor: float, target: float, weight: float) -> float:
    """``weight × clamp((value − floor) / (target − floor), 0, 1)``; a target below the floor means lower is better."""
    frac = (value - floor) / (target - floor)
    return weight * min(1.0, max(0.0, frac))


def score_indicators(inputs: Sequence[IndicatorInput], verdict: VerdictDef | None) -> Score:
    """The default weighted linear score out of 100 (indicators without data score 0)."""
    # a not-applicable indicator (e.g. per-mu figures for a project without land of its own) leaves
    # the total; missing data and errors keep their weight and score 0
    total_weight = sum(i.indicator.weight for i in inputs if i.outcome is not Outcome.NOT_APPLICABLE)
    parts: list[IndicatorScore] = []
    points_sum = 0.0
    pending = 0.0  # points still open because data is missing
    for i in inputs:
        ind = i.indicator
        points = 0.0 if i.value is None else linear_points(i.value, ind.floor, ind.target, ind.weight)
        scaled = points * 100.0 / total_weight if total_weight else 0.0
        points_sum += scaled
        if i.outcome is Outcome.INSUFFICIENT_DATA and total_weight:
            pending += ind.weight * 100.0 / total_weight
        floor, target = _shown_bounds(ind)
        parts.append(
            trusted(
                IndicatorScore,
                {
                    "id": ind.id,
                    "title": ind.title,
                    "value": None if i.value is None else rounded_float(i.value, 4),
                    "unit": ind.unit,
                    "weight": float(ind.weight),
                    "floor": floor,
                    "target": target,
                    "points": rounded_float(scaled, 2),
                    "outcome": i.outcome,
                    "citation": ind.citation,
                    "missing": i.missing if type(i.missing) is tuple else tuple(i.missing),
                },
            )
        )
    scored = sum(1 for i in inputs if i.value is not None)
    least = verdict.min_indicators if verdict else 0
    approve_min = verdict.approve_min if verdict else None
    conditional_min = verdict.conditional_min if verdict else None
    return trusted(
        Score,
        {
            "total": rounded_float(points_sum, 2),
            "maximum": 100.0,
            "attainable": rounded_float(points_sum + pending, 2) if pending else None,
            "approve_min": None if approve_min is None else float(approve_min),
            "conditional_min": None if conditional_min is None else float(conditional_min),
            "indicators": tuple(parts),
            "scored": scored,
            "min_indicators": int(least),
            "meaningful": scored >= least,
        },
    )


_BOUNDS: dict[tuple[float, float], tuple[float, float]] = {}


def _shown_bounds(ind: CompiledIndicator) -> tuple[float, float]:
    """The indicator's floor and target as the score shows them (rounded half-up to 6 places), remembered per
    pair of figures (a pack has a handful; at most 1,024 are kept, then forgotten at once)."""
    key = (ind.floor, ind.target)
    found = _BOUNDS.get(key)
    if found is None or (ind.floor == 0 or ind.target == 0):  # 0.0 and -0.0 are equal keys: not remembered
        if len(_BOUNDS) >= 1024:
            _BOUNDS.clear()
        found = (float(round_half_up(ind.floor, 6)), float(round_half_up(ind.target, 6)))
        if ind.floor != 0 and ind.target != 0 and type(ind.floor) is float and type(ind.target) is float:
            _BOUNDS[key] = found
    return found
