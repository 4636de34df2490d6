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

from ._evaluate import IndicatorInput
from .default_loader import project_from_mapping
from .engines import Engine, EngineSpec
from .errors import (
    BilingualValueError,
    InputError,
    PluginError,
    ProjectError,
    RulePackError,
    UsageError,
    VettingError,
    did_you_mean,
)
from .extension import Check, CheckContext, CheckResult, FactProvider, NotConfigured
from .hookspecs import hookimpl
from .model import FIELD_SPECS, FactKind, FieldSpec, Location, Project
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
from .rulepack import VerdictDef
from .units import Units, dimension_label
from .vetter import DEFAULT_PACK, Vetter

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_PACK",
    "FIELD_SPECS",
    "BilingualValueError",
    "Check",
    "CheckContext",
    "CheckResult",
    "Citation",
    "Comparison",
    "Engine",
    "EngineSpec",
    "FactKind",
    "FactProvider",
    "FactValue",
    "FieldSpec",
    "Finding",
    "IndicatorInput",
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
    "VerdictDef",
    "Vetter",
    "VettingError",
    "__version__",
    "did_you_mean",
    "dimension_label",
    "hookimpl",
    "project_from_mapping",
]
