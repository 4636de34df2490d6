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

from heshan_vetting.engines.protocol import Engine, EngineSpec
from heshan_vetting.errors import (
    Bilingual,
    BilingualValueError,
    InputError,
    PluginError,
    ProjectError,
    RulePackError,
    UsageError,
    VettingError,
    did_you_mean,
)
from heshan_vetting.evaluation.scoring import IndicatorInput
from heshan_vetting.extension import (
    Check,
    CheckContext,
    CheckResult,
    EvaluationFormat,
    EvaluationRenderer,
    FactProvider,
    HeaderRule,
    LoadedItem,
    NotConfigured,
    RenderContext,
    Renderer,
    Table,
    Template,
)
from heshan_vetting.fields import FIELD_SPECS, FactKind, FieldSpec
from heshan_vetting.hookspecs import hookimpl
from heshan_vetting.ledger import ResultColumns, formula_safe
from heshan_vetting.model import Location, Project, project_from_mapping
from heshan_vetting.packs.schema import VerdictDef
from heshan_vetting.permu.results import EnterpriseResult, EvaluationResult
from heshan_vetting.report import (
    Citation,
    CitationStatus,
    Commitment,
    Comparison,
    Explained,
    FactValue,
    FieldChange,
    Finding,
    IndicatorPath,
    IndicatorScore,
    Outcome,
    PathToApproval,
    PluginNote,
    Provenance,
    Referral,
    Report,
    RulePath,
    Score,
    ScorePath,
    Severity,
    Supply,
    Text,
    Verdict,
    WaiverUse,
)
from heshan_vetting.results import Item, ItemError, Problem, ReportSet, RuleCount, Summary, VerdictCounts
from heshan_vetting.units import Units, dimension_label
from heshan_vetting.version import __version__
from heshan_vetting.vetter import DEFAULT_PACK, Vetter
from heshan_vetting.waivers import Waiver, WaiverBook, WaiverCitation, load_waivers

__all__ = [
    "DEFAULT_PACK",
    "FIELD_SPECS",
    "Bilingual",
    "BilingualValueError",
    "Check",
    "CheckContext",
    "CheckResult",
    "Citation",
    "CitationStatus",
    "Commitment",
    "Comparison",
    "Engine",
    "EngineSpec",
    "EnterpriseResult",
    "EvaluationFormat",
    "EvaluationRenderer",
    "EvaluationResult",
    "Explained",
    "FactKind",
    "FactProvider",
    "FactValue",
    "FieldChange",
    "FieldSpec",
    "Finding",
    "HeaderRule",
    "IndicatorInput",
    "IndicatorPath",
    "IndicatorScore",
    "InputError",
    "Item",
    "ItemError",
    "LoadedItem",
    "Location",
    "NotConfigured",
    "Outcome",
    "PathToApproval",
    "PluginError",
    "PluginNote",
    "Problem",
    "Project",
    "ProjectError",
    "Provenance",
    "Referral",
    "RenderContext",
    "Renderer",
    "Report",
    "ReportSet",
    "ResultColumns",
    "RuleCount",
    "RulePackError",
    "RulePath",
    "Score",
    "ScorePath",
    "Severity",
    "Summary",
    "Supply",
    "Table",
    "Template",
    "Text",
    "Units",
    "UsageError",
    "Verdict",
    "VerdictCounts",
    "VerdictDef",
    "Vetter",
    "VettingError",
    "Waiver",
    "WaiverBook",
    "WaiverCitation",
    "WaiverUse",
    "__version__",
    "did_you_mean",
    "dimension_label",
    "formula_safe",
    "hookimpl",
    "load_waivers",
    "project_from_mapping",
]
