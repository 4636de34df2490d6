"""Built-in plugin: the weighted linear score."""

from __future__ import annotations

from collections.abc import Sequence

from heshan_vetting.evaluation.scoring import IndicatorInput, score_indicators
from heshan_vetting.hookspecs import hookimpl
from heshan_vetting.packs.schema import VerdictDef
from heshan_vetting.report import Score


@hookimpl
def heshan_score(inputs: Sequence[IndicatorInput], verdict: VerdictDef | None) -> Score | None:
    """Each indicator earns ``weight × clamp((value − floor)/(target − floor), 0, 1)``, scaled to 100."""
    return score_indicators(inputs, verdict)
