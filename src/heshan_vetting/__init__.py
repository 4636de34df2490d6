"""heshan_vetting: vet industrial investment projects against city policy rule packs.

Typical use::

    from heshan_vetting import Vetter

    vetter = Vetter()                      # the shipped Heshan pack (extends Jiangmen → Guangdong → national)
    report = vetter.check("project.toml")  # or a Project, or a dict
    print(report.verdict, report.score.total if report.score else None)
    print(vetter.render(report, "text"))

Importing this package loads no plugins and starts no threads.
"""

from __future__ import annotations

from .engines import Engine, EngineSpec
from .errors import InputError, PluginError, ProjectError, RulePackError, UsageError, VettingError
from .extension import Check, CheckContext, CheckResult, FactProvider, NotConfigured
from .hookspecs import hookimpl
from .model import Location, Project
from .report import (
    Citation,
    Comparison,
    FactValue,
    Finding,
    IndicatorScore,
    Outcome,
    PluginNote,
    Provenance,
    Report,
    ReportSet,
    Score,
    Severity,
    Text,
    Verdict,
)
from .units import Units
from .vetter import DEFAULT_PACK, Vetter

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_PACK",
    "Check",
    "CheckContext",
    "CheckResult",
    "Citation",
    "Comparison",
    "Engine",
    "EngineSpec",
    "FactProvider",
    "FactValue",
    "Finding",
    "IndicatorScore",
    "InputError",
    "Location",
    "NotConfigured",
    "Outcome",
    "PluginError",
    "PluginNote",
    "Project",
    "ProjectError",
    "Provenance",
    "Report",
    "ReportSet",
    "RulePackError",
    "Score",
    "Severity",
    "Text",
    "Units",
    "UsageError",
    "Verdict",
    "Vetter",
    "VettingError",
    "__version__",
    "hookimpl",
]
