"""The score: indicator values, the weighted linear score of the built-in ``scoring`` plugin."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from heshan_vetting.lang.values import round_half_up
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
        parts.append(
            IndicatorScore(
                id=ind.id,
                title=ind.title,
                value=None if i.value is None else float(round_half_up(i.value, 4)),
                unit=ind.unit,
                weight=ind.weight,
                floor=float(round_half_up(ind.floor, 6)),
                target=float(round_half_up(ind.target, 6)),
                points=float(round_half_up(scaled, 2)),
                outcome=i.outcome,
                citation=ind.citation,
                missing=i.missing,
            )
        )
    scored = sum(1 for i in inputs if i.value is not None)
    least = verdict.min_indicators if verdict else 0
    return Score(
        scored=scored,
        min_indicators=least,
        meaningful=scored >= least,
        total=float(round_half_up(points_sum, 2)),
        attainable=float(round_half_up(points_sum + pending, 2)) if pending else None,
        approve_min=verdict.approve_min if verdict else None,
        conditional_min=verdict.conditional_min if verdict else None,
        indicators=parts,
    )
