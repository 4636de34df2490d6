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

import importlib
from typing import TYPE_CHECKING, Any

from heshan_vetting.version import __version__

if TYPE_CHECKING:
    from heshan_vetting.decisions import Decision
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
    from heshan_vetting.vetter import DEFAULT_PACK, Vetter
    from heshan_vetting.waivers import Waiver, WaiverBook, WaiverCitation, load_waivers

#: Where each public name lives: imported on first use (``import heshan_vetting`` stays cheap).
_LAZY: dict[str, str] = {
    "Bilingual": "heshan_vetting.errors",
    "BilingualValueError": "heshan_vetting.errors",
    "Check": "heshan_vetting.extension",
    "CheckContext": "heshan_vetting.extension",
    "CheckResult": "heshan_vetting.extension",
    "Citation": "heshan_vetting.report",
    "CitationStatus": "heshan_vetting.report",
    "Commitment": "heshan_vetting.report",
    "Comparison": "heshan_vetting.report",
    "DEFAULT_PACK": "heshan_vetting.vetter",
    "Decision": "heshan_vetting.decisions",
    "Engine": "heshan_vetting.engines.protocol",
    "EngineSpec": "heshan_vetting.engines.protocol",
    "EnterpriseResult": "heshan_vetting.permu.results",
    "EvaluationFormat": "heshan_vetting.extension",
    "EvaluationRenderer": "heshan_vetting.extension",
    "EvaluationResult": "heshan_vetting.permu.results",
    "Explained": "heshan_vetting.report",
    "FIELD_SPECS": "heshan_vetting.fields",
    "FactKind": "heshan_vetting.fields",
    "FactProvider": "heshan_vetting.extension",
    "FactValue": "heshan_vetting.report",
    "FieldChange": "heshan_vetting.report",
    "FieldSpec": "heshan_vetting.fields",
    "Finding": "heshan_vetting.report",
    "HeaderRule": "heshan_vetting.extension",
    "IndicatorInput": "heshan_vetting.evaluation.scoring",
    "IndicatorPath": "heshan_vetting.report",
    "IndicatorScore": "heshan_vetting.report",
    "InputError": "heshan_vetting.errors",
    "Item": "heshan_vetting.results",
    "ItemError": "heshan_vetting.results",
    "LoadedItem": "heshan_vetting.extension",
    "Location": "heshan_vetting.model",
    "NotConfigured": "heshan_vetting.extension",
    "Outcome": "heshan_vetting.report",
    "PathToApproval": "heshan_vetting.report",
    "PluginError": "heshan_vetting.errors",
    "PluginNote": "heshan_vetting.report",
    "Problem": "heshan_vetting.results",
    "Project": "heshan_vetting.model",
    "ProjectError": "heshan_vetting.errors",
    "Provenance": "heshan_vetting.report",
    "Referral": "heshan_vetting.report",
    "RenderContext": "heshan_vetting.extension",
    "Renderer": "heshan_vetting.extension",
    "Report": "heshan_vetting.report",
    "ReportSet": "heshan_vetting.results",
    "ResultColumns": "heshan_vetting.ledger",
    "RuleCount": "heshan_vetting.results",
    "RulePackError": "heshan_vetting.errors",
    "RulePath": "heshan_vetting.report",
    "Score": "heshan_vetting.report",
    "ScorePath": "heshan_vetting.report",
    "Severity": "heshan_vetting.report",
    "Summary": "heshan_vetting.results",
    "Supply": "heshan_vetting.report",
    "Table": "heshan_vetting.extension",
    "Template": "heshan_vetting.extension",
    "Text": "heshan_vetting.report",
    "Units": "heshan_vetting.units",
    "UsageError": "heshan_vetting.errors",
    "Verdict": "heshan_vetting.report",
    "VerdictCounts": "heshan_vetting.results",
    "VerdictDef": "heshan_vetting.packs.schema",
    "Vetter": "heshan_vetting.vetter",
    "VettingError": "heshan_vetting.errors",
    "Waiver": "heshan_vetting.waivers",
    "WaiverBook": "heshan_vetting.waivers",
    "WaiverCitation": "heshan_vetting.waivers",
    "WaiverUse": "heshan_vetting.report",
    "did_you_mean": "heshan_vetting.errors",
    "dimension_label": "heshan_vetting.units",
    "formula_safe": "heshan_vetting.ledger",
    "hookimpl": "heshan_vetting.hookspecs",
    "load_waivers": "heshan_vetting.waivers",
    "project_from_mapping": "heshan_vetting.model",
}

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
    "Decision",
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


def __getattr__(name: str) -> Any:
    """Import a public name (or a submodule) on first use; PEP 562."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # the next lookup is a plain attribute
        return value
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
