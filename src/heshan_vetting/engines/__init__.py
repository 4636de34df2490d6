"""Engines, the seam where a project's conditions are decided: the :class:`Engine` protocol, its registration, native.

``durable/`` (the durable-rules engine) and ``columnar/`` (numpy) are imported only when they are chosen.
"""

from __future__ import annotations

from heshan_vetting.engines.native import native_decider
from heshan_vetting.engines.protocol import (
    BatchEngine,
    BatchResults,
    Engine,
    EngineSpec,
    LabelResults,
    RuleResults,
    choose_engine,
)

__all__ = [
    "BatchEngine",
    "BatchResults",
    "Engine",
    "EngineSpec",
    "LabelResults",
    "RuleResults",
    "choose_engine",
    "native_decider",
]
