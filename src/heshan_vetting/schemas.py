"""JSON Schemas (draft 2020-12) of the files other systems write or read: projects, packs, reports, results, the
impact of a pack change.

``python -m heshan_vetting schema NAME`` prints one; the same text is published under ``docs/schemas/``
(a test fails when they drift). The project schema is written from :data:`~heshan_vetting.fields.FIELD_SPECS`,
not from the pydantic model, because the loader takes quantities as text with a unit (``"180 亩"``) where
the model holds floats; the others come from the pydantic models.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from heshan_vetting.fields import FIELD_SPECS, LOCATION_FIELDS, ZH_FIELD_NAMES, FieldSpec
from heshan_vetting.impact_report import IMPACT_SCHEMA, ImpactReport
from heshan_vetting.packs.schema import PackFile
from heshan_vetting.permu.results import EVALUATION_SCHEMA, EvaluationResult
from heshan_vetting.report import REPORT_SCHEMA, Report
from heshan_vetting.results import RESULTS_SCHEMA, ReportSet
from heshan_vetting.waivers import WAIVERS_SCHEMA, WaiverFile

__all__ = ["SCHEMA_NAMES", "SCHEMA_URL", "json_schema", "schema_text"]

SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"
_ID_BASE = "https://heshan-vetting.example/schemas/"

# A number as the loader reads it (units.parse_quantity): optional 人民币, digits (full-width too) with
# optional thousands separators, a decimal part and an exponent. Negative values are refused by the loader.
_NUMBER = r"[+]?(?:[0-9０-９]{1,3}(?:[,，][0-9０-９]{3})+|[0-9０-９]+)(?:[.．][0-9０-９]+)?(?:[eE][+-]?[0-9]+)?"
_QUANTITY = rf"^\s*(?:人民币)?\s*{_NUMBER}\s*[^\s0-9０-９,，.．].*$"
_PERCENT = rf"^\s*{_NUMBER}\s*[%％]\s*$"
_PLAIN = rf"^\s*{_NUMBER}\s*$"
_HEADCOUNT = rf"^\s*{_NUMBER}\s*(?:万)?\s*人?\s*$"


def _field(spec: FieldSpec) -> dict[str, Any]:
    """The schema of one project field, as the loader accepts it."""
    unit = f" ({spec.unit})" if spec.unit else ""
    out: dict[str, Any] = {"title": spec.title_zh, "description": f"{spec.title_en}{unit}"}
    example = json.loads(spec.example) if spec.example and spec.kind != "date" else None
    if spec.kind == "number":
        if spec.name == "employees":
            out["anyOf"] = [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": _HEADCOUNT}]
        elif spec.unit == "%":
            out.update(type="string", pattern=_PERCENT)
        elif spec.unit:
            out.update(type="string", pattern=_QUANTITY)
        else:  # a plain ratio: a number, or the number as text
            out["anyOf"] = [{"type": "number", "minimum": 0}, {"type": "string", "pattern": _PLAIN}]
    elif spec.kind == "string":
        out.update(type="string")
        if spec.name in ("id", "name"):
            out.update(minLength=1, pattern=r"\S")
        elif spec.name == "industry_code":
            out.update(pattern=r"^\s*[A-Ta-t]\s*[0-9]{4}\s*$")
    elif spec.kind == "strings":
        out.update(type="array", items={"type": "string"})
    elif spec.kind == "date":
        out.update(type="string", format="date")
        example = spec.example or None
    elif spec.kind == "bool":
        out.update(type="boolean")
    elif spec.kind == "choice":
        out.update(type="string", enum=[v for pair in spec.choices for v in pair])
    if example is not None:
        out["examples"] = [example]
    return out


def _keyed(names: list[str], extra: dict[str, Any]) -> dict[str, Any]:
    """An object of ``names`` (each also under its Chinese name), plus ``extra`` properties; never both spellings."""
    defs = {n: {"$ref": f"#/$defs/{n}"} for n in names}
    props: dict[str, Any] = {**defs, **{FIELD_SPECS[n].title_zh: defs[n] for n in names}, **extra}
    return {
        "type": "object",
        "properties": props,
        "additionalProperties": False,
        # the loader refuses a field given under both names
        "dependentSchemas": {n: {"not": {"required": [FIELD_SPECS[n].title_zh]}} for n in names},
    }


def project_schema() -> dict[str, Any]:
    """The project file (TOML, or one JSON Lines row): every field of ``FIELD_SPECS``, English or Chinese keys."""
    top = [n for n in FIELD_SPECS if n not in LOCATION_FIELDS]
    location = _keyed(list(LOCATION_FIELDS), {})
    location["title"] = "位置"
    location["description"] = "location: town and park"
    field_names = sorted({*FIELD_SPECS, *ZH_FIELD_NAMES})
    extra = {
        "location": location,
        "sources": {
            "title": "数据来源",
            "description": "where each figure comes from: field name → source (document, page, URL)",
            "type": "object",
            "propertyNames": {"enum": field_names},
            "additionalProperties": {"type": "string"},
        },
        "notes": {"title": "备注", "description": "notes", "type": "string"},
    }
    schema = _keyed(top, extra)
    required = [{"anyOf": [{"required": [n]}, {"required": [FIELD_SPECS[n].title_zh]}]} for n in ("id", "name")]
    return {
        "$schema": SCHEMA_URL,
        "$id": _ID_BASE + "project.schema.json",
        "title": "heshan-vetting project / 项目文件",
        "description": "A candidate project as the loader reads it (docs/project-file.md). Each field may be "
        "written under its English key or its Chinese title (用地面积), never both. Quantities are text with "
        'a unit ("180 亩", "12.5 亿元", "45%").',
        **schema,
        "allOf": required,
        "$defs": {n: _field(s) for n, s in FIELD_SPECS.items()},
    }


def _model_schema(model: Any, mode: str, schema_id: str | None, name: str, title: str) -> dict[str, Any]:
    body: dict[str, Any] = model.model_json_schema(mode=mode, by_alias=True)
    if schema_id is not None:  # the document's version: a consumer can dispatch on it
        body["properties"]["schema"]["const"] = schema_id
    return {"$schema": SCHEMA_URL, "$id": _ID_BASE + f"{name}.schema.json", **body, "title": title}


def pack_schema() -> dict[str, Any]:
    """One rule-pack TOML file (docs/rule-packs.md), from the loader's pydantic model."""
    return _model_schema(PackFile, "validation", None, "pack", "heshan-vetting rule pack / 规则包")


def report_schema() -> dict[str, Any]:
    """One report (``check --format json`` of one project; ``Report.to_dict()``)."""
    return _model_schema(Report, "serialization", REPORT_SCHEMA, "report", f"heshan-vetting report ({REPORT_SCHEMA})")


def results_schema() -> dict[str, Any]:
    """A batch's results (``check --format json``; ``ReportSet.to_dict()``)."""
    return _model_schema(
        ReportSet, "serialization", RESULTS_SCHEMA, "results", f"heshan-vetting results ({RESULTS_SCHEMA})"
    )


def waivers_schema() -> dict[str, Any]:
    """A waiver file (docs/waivers.md), from the reader's pydantic model (``file`` and ``line`` are set by the
    reader, never written)."""
    out = _model_schema(WaiverFile, "validation", None, "waivers", f"heshan-vetting waivers ({WAIVERS_SCHEMA})")
    waiver = out["$defs"]["Waiver"]
    for key in ("file", "line"):
        del waiver["properties"][key]
    out["properties"]["schema"] = {"const": WAIVERS_SCHEMA, "title": "Schema"}
    out["required"] = ["waivers"]
    return out


def impact_schema() -> dict[str, Any]:
    """The impact of a pack change on a portfolio (``diff --format json``; ``ImpactReport.to_dict()``)."""
    return _model_schema(
        ImpactReport, "serialization", IMPACT_SCHEMA, "impact", f"heshan-vetting impact ({IMPACT_SCHEMA})"
    )


def evaluation_schema() -> dict[str, Any]:
    """A per-mu evaluation of a register (``evaluate --format json``; ``EvaluationResult.to_dict()``)."""
    return _model_schema(
        EvaluationResult,
        "serialization",
        EVALUATION_SCHEMA,
        "evaluation",
        f"heshan-vetting per-mu evaluation ({EVALUATION_SCHEMA})",
    )


_BUILDERS: dict[str, Callable[[], dict[str, Any]]] = {
    "project": project_schema,
    "pack": pack_schema,
    "report": report_schema,
    "results": results_schema,
    "waivers": waivers_schema,
    "impact": impact_schema,
    "evaluation": evaluation_schema,
}

#: The schema names ``json_schema`` knows, as ``python -m heshan_vetting schema NAME`` takes them.
SCHEMA_NAMES: tuple[str, ...] = tuple(_BUILDERS)


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``name`` (one of :data:`SCHEMA_NAMES`); ``KeyError`` for another name."""
    return _BUILDERS[name]()


def schema_text(name: str) -> str:
    """``json_schema(name)`` as deterministic JSON text (sorted keys kept as built, two-space indent)."""
    return json.dumps(json_schema(name), ensure_ascii=False, indent=2) + "\n"
