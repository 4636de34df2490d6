"""Built-in plugin: the weighted linear score."""

from __future__ import annotations

from collections.abc import Sequence

from ._evaluate import IndicatorInput, score_indicators
from .hookspecs import hookimpl
from .report import Score
from .rulepack import VerdictDef


@hookimpl
def heshan_score(inputs: Sequence[IndicatorInput], verdict: VerdictDef | None) -> Score | None:
    """Each indicator earns ``weight × clamp((value − floor)/(target − floor), 0, 1)``, scaled to 100."""
    return score_indicators(inputs, verdict)
