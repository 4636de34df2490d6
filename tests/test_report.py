"""The report's JSON contract (schema ``heshan-vetting/report/v1``), immutability and determinism."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

import heshan_vetting
from heshan_vetting import Report, ReportSet, Verdict, Vetter
from heshan_vetting.report import REPORT_SCHEMA

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "projects"
PV = EXAMPLES / "pv-module-plant.toml"
CEMENT = EXAMPLES / "cement-clinker-line.toml"
ELECTRONICS = EXAMPLES / "electronics-low-tax.toml"


@pytest.fixture(scope="module")
def vetter() -> Vetter:
    return Vetter()


@pytest.fixture(scope="module")
def report(vetter: Vetter) -> Report:
    return vetter.check(PV)


def test_top_level_keys(report: Report) -> None:
    data = json.loads(report.to_json())
    for key in ("schema", "verdict", "verdict_text", "to_supply", "referrals", "score", "findings", "provenance"):
        assert key in data
    assert data["schema"] == REPORT_SCHEMA == "heshan-vetting/report/v2"
    assert "schema_id" not in data
    assert data["verdict"] == "approve"
    assert data["verdict_text"] == {"zh": "准予准入", "en": "approved"}
    assert all(f["outcome_text"]["en"] == f["outcome"].replace("_", " ") for f in data["findings"])


def test_a_v2_report_reads_back_from_its_json(report: Report) -> None:
    again = Report.model_validate_json(report.to_json())
    assert again == report
    assert again.to_json() == report.to_json()


def test_verdicts_are_ordered_and_named() -> None:
    from heshan_vetting import Verdict

    assert [v.value for v in sorted(Verdict, key=lambda v: v.rank)] == ["approve", "conditional", "deferred", "reject"]
    assert Verdict.DEFERRED.label("zh") == "材料不全，暂缓评审"


def test_findings_keys(report: Report) -> None:
    findings = json.loads(report.to_json())["findings"]
    assert findings
    for f in findings:
        assert {"rule_id", "severity", "outcome"} <= set(f)
        assert f["severity"] in {"veto", "required", "advisory"}
        assert f["outcome"] in {"pass", "fail", "not_applicable", "insufficient_data", "error"}
    assert [f["rule_id"] for f in findings] == sorted(f["rule_id"] for f in findings)


def test_score_keys(report: Report) -> None:
    score = json.loads(report.to_json())["score"]
    assert score["total"] == 93.33
    assert score["maximum"] == 100.0
    assert (score["approve_min"], score["conditional_min"]) == (60.0, 40.0)
    assert {i["id"] for i in score["indicators"]} == {
        "tax_per_mu", "investment_intensity", "focus_industry", "tax_per_occupied_mu", "investment_per_occupied_mu"
    }  # fmt: skip
    assert (score["scored"], score["min_indicators"], score["meaningful"]) == (3, 2, True)


def test_provenance_keys(report: Report) -> None:
    prov = json.loads(report.to_json())["provenance"]
    assert {"library_version", "engine", "packs", "plugins", "as_of"} <= set(prov)
    assert prov["library_version"] == heshan_vetting.__version__
    assert prov["engine"] == "native"
    assert prov["as_of"] == "2024-05-20"
    assert prov["as_of_source"] == "application_date"
    assert [p["id"] for p in prov["packs"]] == ["national", "guangdong", "jiangmen", "heshan"]
    for p in prov["packs"]:
        assert re.fullmatch(r"[0-9a-f]{64}", p["sha256"])
        assert p["version"]
    names = {p["name"] for p in prov["plugins"]}
    assert {"units", "toml_loader", "shipped_packs", "scoring", "renderers"} <= names


def test_json_is_valid_and_round_trips(report: Report) -> None:
    text = report.to_json()
    assert text.endswith("\n")
    assert json.loads(text) == report.to_dict()
    assert Report.model_validate_json(text) == report
    assert "光伏" in text  # Chinese is kept as is, not \\u-escaped


def test_report_set_has_reports_in_input_order(vetter: Vetter) -> None:
    rs = ReportSet.collect(vetter.check_many([CEMENT, PV, ELECTRONICS]))
    data = json.loads(rs.to_json())
    assert data["schema"] == "heshan-vetting/results/v1"
    assert list(data) == ["schema", "items", "summary"]
    assert {r["schema"] for r in data["items"]} == {REPORT_SCHEMA}
    assert [r["project"]["id"] for r in data["items"]] == ["EX-2024-002", "EX-2024-001", "EX-2024-003"]
    assert [r["verdict"] for r in data["items"]] == ["reject", "approve", "conditional"]
    assert data["summary"]["verdicts"] == {"approve": 1, "conditional": 1, "deferred": 0, "reject": 1}
    assert data["summary"]["most_failed"][0] == {
        "rule_id": "JM-TAX-001",
        "title": data["summary"]["most_failed"][0]["title"],
        "failed": 2,
    }
    assert ReportSet.model_validate_json(rs.to_json()) == rs


def test_json_renderer_has_one_shape_for_one_and_many(vetter: Vetter, report: Report) -> None:
    one = json.loads(vetter.render(report, "json"))
    rs = ReportSet.collect(vetter.check_many([PV, CEMENT]))
    many = json.loads(vetter.render(rs, "json"))
    assert list(one) == list(many) == ["schema", "items", "summary"]
    assert one["items"] == [report.to_dict()]
    assert vetter.render(rs, "json") == rs.to_json()


def test_report_is_frozen(report: Report) -> None:
    with pytest.raises(ValidationError):
        report.verdict = Verdict.REJECT  # type: ignore[misc]
    with pytest.raises(ValidationError):
        report.findings[0].outcome = "fail"  # type: ignore[misc,assignment]
    with pytest.raises(ValidationError):
        report.provenance.as_of = date(2000, 1, 1)  # type: ignore[misc]
    assert report.verdict is Verdict.APPROVE


def test_report_rejects_unknown_fields(report: Report) -> None:
    data = report.to_dict()
    data["surprise"] = 1
    with pytest.raises(ValidationError):
        Report.model_validate(data)


def test_same_input_same_bytes_in_process(vetter: Vetter) -> None:
    a = vetter.check(PV, as_of=date(2024, 5, 20)).to_json()
    b = Vetter().check(PV, as_of=date(2024, 5, 20)).to_json()
    assert a == b


def _json_with_hashseed(seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "check", str(PV), "--format", "json"],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    return proc.stdout


def test_json_is_byte_identical_across_hash_seeds() -> None:
    first = _json_with_hashseed("0")
    second = _json_with_hashseed("12345")
    assert first
    assert first == second
    assert json.loads(first)["items"][0]["verdict"] == "approve"
