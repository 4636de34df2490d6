"""Engines, the seam where a project's conditions are decided: the :class:`Engine` protocol, its registration, native.

``durable/`` (the durable-rules engine) is imported only when it is chosen.
"""

from __future__ import annotations

from heshan_vetting.engines.native import native_decider
from heshan_vetting.engines.protocol import Engine, EngineSpec, LabelResults, RuleResults, choose_engine

__all__ = ["Engine", "EngineSpec", "LabelResults", "RuleResults", "choose_engine", "native_decider"]
