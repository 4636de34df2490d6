"""The JSON Schemas: published in docs/schemas/ without drift, versioned on a breaking change, true to the loader.

Every example project, shipped pack, test pack, report golden and a ``check --format json`` output validates; known-bad
projects are refused by the schema *and* by the loader. After a deliberate change, rewrite docs/schemas/ with
``HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_schemas.py`` (a breaking change needs a new schema id first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting.cli import main
from heshan_vetting.errors import ProjectError
from heshan_vetting.fields import FIELD_SPECS, LOCATION_FIELDS
from heshan_vetting.impact_report import IMPACT_SCHEMA
from heshan_vetting.model import project_from_mapping
from heshan_vetting.permu.results import EVALUATION_SCHEMA
from heshan_vetting.report import REPORT_SCHEMA
from heshan_vetting.results import RESULTS_SCHEMA
from heshan_vetting.schemas import SCHEMA_NAMES, json_schema, schema_text
from heshan_vetting.units import Units

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "docs" / "schemas"
UPDATE = os.environ.get("HESHAN_UPDATE_GOLDEN", "") not in ("", "0")
#: The schema id each versioned document carries; a breaking change of its schema must change it.
VERSIONED = {
    "report": REPORT_SCHEMA,
    "results": RESULTS_SCHEMA,
    "impact": IMPACT_SCHEMA,
    "evaluation": EVALUATION_SCHEMA,
}


def _validator(name: str) -> Any:
    cls = jsonschema.Draft202012Validator
    schema = json_schema(name)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _jsonable(value: Any) -> Any:
    """TOML data as JSON data: dates and times as ISO strings."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def _toml(path: Path) -> Any:
    return _jsonable(tomllib.loads(path.read_text(encoding="utf-8")))


def _errors(name: str, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(name).iter_errors(instance)]


# --- published, and versioned ----------------------------------------------------------------------------------


def _signature(prop: Any) -> str:
    """What a consumer relies on in a property: its type, reference, items and alternatives (not its wording)."""
    if not isinstance(prop, dict):
        return json.dumps(prop, sort_keys=True)
    kept = {k: prop[k] for k in ("type", "$ref", "anyOf", "oneOf", "items", "additionalProperties") if k in prop}
    return json.dumps(kept, sort_keys=True)


def _objects(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each object of the schema by name: the top level (``""``) and each of ``$defs``."""
    objects = {"": schema.get("properties", {})}
    for name, sub in schema.get("$defs", {}).items():
        objects[name] = sub.get("properties", {}) if isinstance(sub, dict) else {}
    return objects


def breaking_changes(old: dict[str, Any], new: dict[str, Any], ignore: frozenset[str] = frozenset()) -> list[str]:
    """The changes a reader of ``old`` documents would trip on: a property removed, or its type changed."""
    found = []
    before, after = _objects(old), _objects(new)
    for obj, props in before.items():
        if obj in ignore:
            continue
        where = obj or "(top level)"
        if obj not in after:
            found.append(f"{where}: removed")
            continue
        for prop, sub in props.items():
            if prop not in after[obj]:
                found.append(f"{where}.{prop}: removed")
            elif _signature(sub) != _signature(after[obj][prop]):
                found.append(f"{where}.{prop}: type changed")
    return found


def test_breaking_changes_are_found() -> None:
    old = {"properties": {"a": {"type": "string"}, "b": {"$ref": "#/$defs/B"}}, "$defs": {"B": {"properties": {}}}}
    added = {**old, "properties": {**old["properties"], "c": {"type": "integer"}}}
    assert breaking_changes(old, added) == []
    retyped = {**old, "properties": {"a": {"type": "number", "title": "x"}, "b": {"$ref": "#/$defs/B"}}}
    assert breaking_changes(old, retyped) == ["(top level).a: type changed"]
    dropped = {"properties": {"a": {"type": "string"}}}
    assert breaking_changes(old, dropped) == ["(top level).b: removed", "B: removed"]


def _schema_id(schema: dict[str, Any]) -> str | None:
    const = schema.get("properties", {}).get("schema", {}).get("const")
    return const if isinstance(const, str) else None


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_published_schema_matches(name: str) -> None:
    path = PUBLISHED / f"{name}.schema.json"
    text = schema_text(name)
    new = json.loads(text)
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    if old is not None and name in VERSIONED:
        # a report change is versioned by each item's own schema id, not by the results' id
        ignore = frozenset(json_schema("report")["$defs"]) | {"Report"} if name == "results" else frozenset()
        broken = breaking_changes(old, new, ignore)
        assert not broken or _schema_id(old) != _schema_id(new), (
            f"The {name} schema changed in a breaking way ({'; '.join(broken)}) but its id is still "
            f"{VERSIONED[name]!r}: give it a new version (report.py REPORT_SCHEMA / results.py RESULTS_SCHEMA)."
        )
    if UPDATE:
        PUBLISHED.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"{path} is missing: HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_schemas.py"
    assert path.read_text(encoding="utf-8") == text, (
        f"{path} differs from `python -m heshan_vetting schema {name}`; if on purpose, "
        "HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_schemas.py"
    )


def test_versioned_schemas_pin_their_id() -> None:
    assert _schema_id(json_schema("report")) == REPORT_SCHEMA
    assert _schema_id(json_schema("results")) == RESULTS_SCHEMA
    assert _schema_id(json_schema("impact")) == IMPACT_SCHEMA


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = json_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


# --- project ---------------------------------------------------------------------------------------------------

EXAMPLES = [
    *sorted((ROOT / "examples" / "projects").glob("*.toml")),
    *sorted((ROOT / "tests" / "cases").glob("*/project.toml")),
]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_projects_validate(path: Path) -> None:
    assert _errors("project", _toml(path)) == []


def _loads(data: dict[str, Any]) -> bool:
    try:
        project_from_mapping(data, Units())
    except ProjectError:
        return False
    return True


BASE = {"id": "P-1", "name": "试验项目"}
BAD = {
    "a land area without a unit": {**BASE, "land_area": 180},
    "a land area as text without a unit": {**BASE, "land_area": "180"},
    "a percentage without its sign": {**BASE, "green_ratio": 12},
    "a misspelt key": {**BASE, "land_aera": "180 亩"},
    "a misspelt Chinese key": {**BASE, "用地面": "180 亩"},
    "a bad choice": {**BASE, "construction_type": "rebuild"},
    "a date that is not one": {**BASE, "application_date": "2024-13-01"},
    "no name": {"id": "P-1"},
    "a blank id": {"id": " ", "name": "x"},
    "a field under both names": {**BASE, "land_area": "180 亩", "用地面积": "180 亩"},
    "a town outside [location]": {**BASE, "town": "址山镇"},
    "a boolean as text": {**BASE, "in_compliant_park": "yes"},
    "a negative quantity": {**BASE, "land_area": "-5 亩"},
    "a fraction of a person": {**BASE, "employees": 3.5},
}


@pytest.mark.parametrize("case", BAD)
def test_known_bad_projects_are_refused_by_schema_and_loader(case: str) -> None:
    data = BAD[case]
    assert _errors("project", data), f"the schema accepts {case}"
    assert not _loads(data), f"the loader accepts {case}"


GOOD = {
    "every example value": {
        **{n: json.loads(s.example) if s.kind != "date" else s.example for n, s in FIELD_SPECS.items() if s.example}
    },
    "Chinese keys": {
        "项目编号": "P-2",
        "项目名称": "试验项目",
        "用地面积": "180 亩",
        "建设性质": "新建",
        "产业结构调整指导目录类别": "鼓励类",
        "location": {"所在镇街": "址山镇"},
        "sources": {"用地面积": "可研报告第 3 页"},
    },
    "a plain ratio and a head count as text": {**BASE, "plot_ratio": "1.5", "employees": "1,200 人"},
    "money with a bare multiplier and full-width digits": {
        **BASE,
        "total_investment": "12.5亿",
        "annual_tax": "６０００万元",
    },
    "a zero land area with its unit": {**BASE, "land_area": "0 亩", "occupied_land_area": "12 亩"},
}


@pytest.mark.parametrize("case", GOOD)
def test_good_projects_pass_schema_and_loader(case: str) -> None:
    data = dict(GOOD[case])
    for name in LOCATION_FIELDS:  # the example values name town and park at the top level; they go in [location]
        data.pop(name, None)
    assert _errors("project", data) == []
    assert _loads(data)


def test_project_schema_describes_each_field_from_field_specs() -> None:
    schema = json_schema("project")
    land = schema["$defs"]["land_area"]
    assert land["title"] == "用地面积"
    assert land["description"] == "land area (亩)"
    assert land["type"] == "string"
    assert land["examples"] == ["180 亩"]
    assert schema["$defs"]["application_date"]["format"] == "date"
    assert set(schema["$defs"]["construction_type"]["enum"]) == {
        "new", "新建", "expansion", "扩建", "renovation", "改建", "relocation", "迁建"
    }  # fmt: skip
    assert schema["additionalProperties"] is False
    assert schema["properties"]["用地面积"] == schema["properties"]["land_area"]


# --- pack, report, results ---------------------------------------------------------------------------------------

PACKS = sorted((ROOT / "rules").glob("*.toml")) + sorted((ROOT / "tests" / "cases" / "_packs").glob("*.toml"))


@pytest.mark.parametrize("path", PACKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_packs_validate(path: Path) -> None:
    assert _errors("pack", _toml(path)) == []


def test_pack_schema_refuses_a_misspelt_key() -> None:
    data = _toml(ROOT / "rules" / "heshan.toml")
    data["pack"]["verison"] = "1"
    assert any("verison" in e for e in _errors("pack", data))


REPORTS = sorted((ROOT / "tests" / "cases").glob("*/report.json"))


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.parent.name)
def test_report_goldens_validate(path: Path) -> None:
    assert _errors("report", json.loads(path.read_text(encoding="utf-8"))) == []


def test_a_report_missing_its_verdict_is_refused() -> None:
    data = json.loads(REPORTS[0].read_text(encoding="utf-8"))
    del data["verdict"]
    assert _errors("report", data)


def test_check_json_output_validates_against_results() -> None:
    projects = [str(ROOT / "examples" / "projects" / n) for n in ("pv-module-plant.toml", "electronics-low-tax.toml")]
    bad = ROOT / "tests" / "cases" / "_packs" / "custom.toml"  # not a project: an item error in the batch
    done = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "check", "--format", "json", "--no-config", *projects, str(bad)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
    )
    assert done.returncode in (1, 2), done.stderr
    data = json.loads(done.stdout)
    assert data["schema"] == RESULTS_SCHEMA
    assert len(data["items"]) == 3
    assert _errors("results", data) == []
    data["items"][0]["verdict"] = "maybe"
    assert _errors("results", data)


# --- the command ---------------------------------------------------------------------------------------------


def test_schema_command_prints_and_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "report"]) == 0
    assert capsys.readouterr().out == schema_text("report")
    out = tmp_path / "p.json"
    assert main(["schema", "project", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == json_schema("project")


def test_schema_command_in_a_subprocess_refuses_an_unknown_name() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "schema", "waiver"], capture_output=True, text=True, encoding="utf-8"
    )
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_the_command_offers_exactly_the_schemas_there_are() -> None:
    import argparse

    from heshan_vetting.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    name = next(a for a in sub.choices["schema"]._actions if a.dest == "name")
    assert tuple(name.choices or ()) == SCHEMA_NAMES
