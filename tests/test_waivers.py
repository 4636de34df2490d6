"""Issue 13, item 6: governed waivers — the waiver file, its dates, unused waivers, non-waivable rules, and the
project's own exception ground as one case of a waiver."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import Vetter
from heshan_vetting.errors import UsageError
from heshan_vetting.report import Finding, Report, Verdict
from heshan_vetting.results import ReportSet
from heshan_vetting.waivers import Waiver, WaiverBook, WaiverCitation, load_waivers

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "waivers" / "heshan-waivers.toml"
AS_OF = date(2026, 12, 1)

#: A 9万 tce PV rolled-glass line in a compliant park with its hearing held, citing no exception ground: a
#: Guangdong 两高 project, so HS-2H-001 (waivable, on the catalogue's grounds) rejects it without a waiver.
GLASS: dict[str, Any] = {
    "id": "T-GLASS",
    "name": "测试光伏压延玻璃项目",
    "industry_code": "C3041",
    "products": ["光伏压延玻璃"],
    "construction_type": "new",
    "catalogue_class": "permitted",
    "in_compliant_park": True,
    "pv_glass_hearing_held": True,
    "total_investment": "20 亿元",
    "fixed_asset_investment": "18 亿元",
    "land_area": "400 亩",
    "annual_tax": "1 亿元",
    "energy_consumption": "9 万吨标准煤",
    "electricity_consumption": "1 亿千瓦时",
    "plot_ratio": 0.8,
    "building_coefficient": "50%",
    "admin_living_share": "4%",
    "location": {"town": "示例镇"},
}
GRANTED, EXPIRES = date(2026, 3, 1), date(2027, 2, 28)


def _waiver(**changes: Any) -> Waiver:
    base: dict[str, Any] = {
        "id": "W-1",
        "rule": "HS-2H-001",
        "project": "T-GLASS",
        "ground": "supply_chain_security",
        "justification": "为本地光伏组件产能配套（测试）",
        "approver": "广东省发展和改革委员会（测试）",
        "granted": GRANTED,
        "expires": EXPIRES,
        "citation": WaiverCitation(title="论证意见（测试）", number="测试〔2026〕1号", date=GRANTED),
    }
    return Waiver(**{**base, **changes})


def _finding(report: Report, rule_id: str) -> Finding:
    (found,) = [f for f in report.findings if f.rule_id == rule_id]
    return found


@pytest.fixture(scope="module")
def plain() -> Vetter:
    return Vetter()


@pytest.fixture(scope="module")
def waived() -> Vetter:
    return Vetter(waivers=[_waiver()])


# -- what a waiver does ----------------------------------------------------------------------------------------


def test_without_a_waiver_the_two_high_veto_rejects(plain: Vetter) -> None:
    report = plain.check(GLASS, as_of=AS_OF)
    assert report.verdict is Verdict.REJECT
    veto = _finding(report, "HS-2H-001")
    assert veto.outcome.value == "fail"
    assert veto.waiver is None
    assert report.waivers == ()


def test_an_applied_waiver_keeps_the_finding_and_names_approver_and_basis(waived: Vetter) -> None:
    report = waived.check(GLASS, as_of=AS_OF)
    veto = _finding(report, "HS-2H-001")
    assert veto.outcome.value == "fail"  # the finding stays in the report, marked waived
    assert veto.waiver is not None
    assert veto.waiver.status == "applied"
    assert veto.waiver.kind == "granted"
    assert veto.waiver.approver == "广东省发展和改革委员会（测试）"
    assert veto.waiver.basis == "《论证意见（测试）》（测试〔2026〕1号）"
    assert (veto.waiver.granted, veto.waiver.expires) == (GRANTED, EXPIRES)
    # no longer a rejection: what remains are the referrals a 9万 tce 两高 line needs (energy review, NDRC)
    assert report.verdict is Verdict.CONDITIONAL
    assert "HS-2H-001" not in report.conditions
    assert any("已豁免：HS-2H-001" in r.zh and "广东省发展和改革委员会（测试）" in r.zh for r in report.reasons)
    assert [w.status for w in report.waivers] == ["applied"]


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (GRANTED - timedelta(days=1), "not_yet_in_force"),
        (GRANTED, "applied"),
        (EXPIRES, "applied"),  # the last day it holds
        (EXPIRES + timedelta(days=1), "expired"),
    ],
)
def test_a_waiver_holds_between_its_dates_only(waived: Vetter, day: date, status: str) -> None:
    report = waived.check(GLASS, as_of=day)
    (use,) = report.waivers
    assert use.status == status
    veto = _finding(report, "HS-2H-001")
    if status == "applied":
        assert veto.waiver is not None
        assert report.verdict is not Verdict.REJECT
    else:
        # outside its dates the veto decides as usual, and the report says why the waiver did not apply
        assert veto.waiver is None
        assert report.verdict is Verdict.REJECT
        assert str(EXPIRES if status == "expired" else GRANTED) in use.message.zh


def test_a_waiver_for_a_rule_that_does_not_fail_is_unused(waived: Vetter) -> None:
    small = {**GLASS, "energy_consumption": "9000 tce"}  # below Guangdong's 1万 tce: not a 两高 project
    report = waived.check(small, as_of=AS_OF)
    assert _finding(report, "HS-2H-001").outcome.value == "not_applicable"
    (use,) = report.waivers
    assert use.status == "unused"
    assert "无需豁免" in use.message.zh


def test_a_waiver_does_not_lift_a_rule_that_lacks_data(waived: Vetter) -> None:
    unknown = {k: v for k, v in GLASS.items() if k != "energy_consumption"}
    report = waived.check(unknown, as_of=AS_OF)
    assert _finding(report, "HS-2H-001").outcome.value == "insufficient_data"
    assert report.verdict is Verdict.DEFERRED  # missing is not passing, waiver or not
    assert [w.status for w in report.waivers] == ["unused"]


def test_a_waiver_for_another_project_does_nothing_here(waived: Vetter) -> None:
    report = waived.check({**GLASS, "id": "T-OTHER"}, as_of=AS_OF)
    assert report.verdict is Verdict.REJECT
    assert report.waivers == ()


# -- only waivable rules -----------------------------------------------------------------------------------------


def test_a_non_waivable_ban_cannot_be_waived() -> None:
    with pytest.raises(UsageError) as info:
        Vetter(waivers=[_waiver(rule="JM-PRD-001")])
    err = info.value
    assert "not waivable" in err.message_en
    assert "不可豁免" in err.message_zh
    assert "HS-2H-001" in err.message_en  # what can be waived here
    assert err.field == "rule"


def test_an_unknown_rule_or_a_ground_the_rule_does_not_name_is_refused() -> None:
    with pytest.raises(UsageError) as info:
        Vetter(waivers=[_waiver(rule="HS-2H-01")])
    assert "HS-2H-001" in info.value.message_en  # did you mean
    with pytest.raises(UsageError) as info:
        Vetter(waivers=[_waiver(ground="cheap_land")])
    assert info.value.field == "ground"
    assert "supply_chain_security" in info.value.message_en
    with pytest.raises(UsageError) as info:
        Vetter(waivers=[_waiver(ground=None)])
    assert "no ground" in info.value.message_en


def test_every_bad_waiver_is_named_at_once() -> None:
    with pytest.raises(UsageError) as info:
        Vetter(waivers=[_waiver(rule="JM-PRD-001"), _waiver(id="W-2", rule="NAT-CAT-001")])
    assert len(info.value.all) == 2


PACK = """
[pack]
id = "t-waive"
version = "1"
kind = "access"
title = { zh = "测试", en = "Test" }
jurisdiction = "TEST"

[sets.grounds]
members = ["efficiency_leader"]

[[rules]]
id = "T-REQ"
title = { zh = "投资不低于1亿元", en = "Investment at least 1 亿元" }
severity = "required"
require = "total_investment >= 1[亿元]"
waivable = true
citation = { title = "测试", status = "verified" }

[[rules]]
id = "T-BAN"
title = { zh = "禁止水泥", en = "No cement" }
severity = "veto"
require = "not (industry_code startswith \\"C3011\\")"
waivable = true
waiver_grounds = "grounds"
citation = { title = "测试", status = "verified" }
"""


def test_a_waivable_required_rule_is_lifted_and_caps_nothing(tmp_path: Path) -> None:
    pack = tmp_path / "t.toml"
    pack.write_text(PACK, encoding="utf-8")
    project = {"id": "P", "name": "测试", "industry_code": "C3899", "total_investment": "5000 万元"}
    assert Vetter(pack=str(pack)).check(project, as_of=AS_OF).verdict is Verdict.CONDITIONAL
    w = _waiver(rule="T-REQ", project="P", ground=None)
    report = Vetter(pack=str(pack), waivers=[w]).check(project, as_of=AS_OF)
    assert report.verdict is Verdict.APPROVE
    assert _finding(report, "T-REQ").waiver is not None


def test_a_cited_ground_the_rule_does_not_name_is_invalid(tmp_path: Path) -> None:
    pack = tmp_path / "t.toml"
    pack.write_text(PACK, encoding="utf-8")
    cement = {"id": "P", "name": "测试", "industry_code": "C3011", "total_investment": "5 亿元"}
    vetter = Vetter(pack=str(pack))
    other = vetter.check({**cement, "two_high_exception": "supply_chain_security", "two_high_exception_basis": "x"})
    assert other.verdict is Verdict.REJECT
    assert [w.status for w in other.waivers] == ["invalid"]
    named = vetter.check({**cement, "two_high_exception": "efficiency_leader", "two_high_exception_basis": "x"})
    assert named.verdict is Verdict.CONDITIONAL  # a claim: never more than conditional until it is granted
    assert [w.status for w in named.waivers] == ["claimed"]
    no_basis = vetter.check({**cement, "two_high_exception": "efficiency_leader"})
    assert no_basis.verdict is Verdict.REJECT
    assert [w.status for w in no_basis.waivers] == ["invalid"]


def test_a_granted_waiver_takes_precedence_over_the_cited_ground(waived: Vetter) -> None:
    cited = {**GLASS, "two_high_exception": "supply_chain_security", "two_high_exception_basis": "配套（测试）"}
    report = waived.check(cited, as_of=AS_OF)
    veto = _finding(report, "HS-2H-001")
    assert veto.waiver is not None
    assert veto.waiver.status == "applied"
    assert sorted((w.kind, w.status) for w in report.waivers) == [
        ("exception_ground", "unused"),
        ("granted", "applied"),
    ]


def test_the_path_to_approval_asks_nothing_of_a_waived_rule() -> None:
    plain = Vetter(explain=True).check(GLASS, as_of=AS_OF).path_to_approval
    assert plain is not None
    assert "HS-2H-001" in {r.rule_id for r in plain.rules}
    waived = Vetter(waivers=[_waiver()], explain=True).check(GLASS, as_of=AS_OF).path_to_approval
    assert waived is not None
    assert "HS-2H-001" not in {r.rule_id for r in waived.rules}  # lifted: nothing to change for it


def test_a_plugin_cannot_waive_a_ban_by_attaching_a_waiver() -> None:
    from heshan_vetting import WaiverUse, hookimpl
    from heshan_vetting.report import Text

    class Forger:
        plugin_name = "forger"

        @hookimpl
        def heshan_process_findings(self, project: object, findings: list[Finding]) -> list[Finding]:
            forged = WaiverUse(
                rule_id="JM-PRD-001", kind="granted", status="applied", message=Text(zh="伪造", en="forged")
            )
            return [f.model_copy(update={"waiver": forged}) for f in findings]

    cement = {
        **GLASS,
        "id": "T-CEMENT",
        "industry_code": "C3011",
        "products": ["水泥熟料"],
        "energy_consumption": "5000 tce",
    }
    report = Vetter(plugins=[Forger()]).check(cement, as_of=AS_OF)
    assert _finding(report, "JM-PRD-001").outcome.value == "fail"
    assert all(f.waiver is None for f in report.findings)  # only the waiver stage attaches waivers
    assert report.verdict is Verdict.REJECT


# -- the waiver file -------------------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[[waivers]]
rule = "HS-2H-001"
project = "T-GLASS"
ground = "supply_chain_security"
justification = "测试"
approver = "测试机关"
granted = 2026-03-01
expires = 2027-02-28
citation = { title = "测试意见", number = "测试〔2026〕1号" }
"""


def test_the_example_file_loads_and_names_its_lines() -> None:
    book = load_waivers(EXAMPLE)
    assert len(book) == 3
    assert all(w.file == str(EXAMPLE) and w.line is not None for w in book)
    assert EXAMPLE.read_text(encoding="utf-8").splitlines()[book.waivers[0].line - 1] == "[[waivers]]"  # type: ignore[operator]


def test_a_waiver_without_an_id_is_named_by_file_and_line(tmp_path: Path) -> None:
    (w,) = load_waivers(_write(tmp_path, GOOD))
    assert w.name == f"{tmp_path / 'waivers.toml'}:2"


@pytest.mark.parametrize(
    ("text", "field", "line", "words"),
    [
        (GOOD.replace('approver = "测试机关"\n', ""), "waivers[0].approver", 2, "approver"),
        (GOOD.replace("expires =", "expiry ="), "waivers[0].expiry", 9, "expires"),  # unknown key, did you mean
        (GOOD.replace("2027-02-28", "2026-02-28"), "waivers[0]", 2, "before granted"),
        (GOOD.replace('justification = "测试"', 'justification = "  "'), "waivers[0].justification", 6, "blank"),
        (GOOD.replace('ground = "supply_chain_security"', 'ground = "x"\nline = 3'), "waivers[0].line", 6, "line"),
        ('schema = "heshan-vetting/waivers/v9"\n' + GOOD, "schema", 1, "waivers/v1"),
        ("# nothing\n", None, None, "[[waivers]]"),
    ],
)
def test_a_bad_waiver_file_names_file_line_and_key(
    tmp_path: Path, text: str, field: str | None, line: int | None, words: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(UsageError) as info:
        load_waivers(path)
    err = info.value
    assert err.file == str(path)
    assert err.field == field
    assert err.line == line
    assert words in err.message_en


def test_overlapping_waivers_of_one_rule_for_one_project_are_refused(tmp_path: Path) -> None:
    renewal = GOOD + GOOD.replace("granted = 2026-03-01", "granted = 2027-01-01").replace(
        "expires = 2027-02-28", "expires = 2027-12-31"
    )
    with pytest.raises(UsageError) as info:
        load_waivers(_write(tmp_path, renewal))
    assert "overlapping" in info.value.message_en
    assert info.value.line == 12
    after = GOOD + GOOD.replace("granted = 2026-03-01", "granted = 2027-03-01").replace(
        "expires = 2027-02-28", "expires = 2028-02-29"
    )
    assert len(load_waivers(_write(tmp_path, after))) == 2  # a renewal from the day after


def test_a_book_from_a_path_objects_or_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    assert len(WaiverBook.of(path)) == len(WaiverBook.of(str(path))) == 1
    assert len(WaiverBook.of(None)) == 0
    with pytest.raises(UsageError):
        WaiverBook.of(["HS-2H-001"])  # type: ignore[list-item]


def test_the_waiver_file_is_an_input_of_the_run(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    vetter = Vetter(waivers=path)
    assert path.absolute() in vetter.input_files()


def test_waivers_reach_the_workers(tmp_path: Path) -> None:
    vetter = Vetter(waivers=[_waiver()])
    items = [GLASS, {**GLASS, "id": "T-OTHER"}]
    one = ReportSet.collect(vetter.check_many(items, as_of=AS_OF, jobs=1))
    two = ReportSet.collect(vetter.check_many(items, as_of=AS_OF, jobs=2))
    assert one.to_json() == two.to_json()
    assert [r.verdict for r in two.reports] == [Verdict.CONDITIONAL, Verdict.REJECT]


# -- the command line --------------------------------------------------------------------------------------------


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_check_with_the_example_waivers(tmp_path: Path) -> None:
    projects = [ROOT / "examples" / "projects" / f"synthetic-pv-glass-{n}.toml" for n in ("with-hearing", "no-hearing")]
    out = tmp_path / "r.json"
    run = _run("check", *map(str, projects), "--waivers", str(EXAMPLE), "--as-of", "2026-12-01", "--format", "json",
               "-o", str(out))  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "SYN-W-2026-009" in run.stderr
    assert "unused" in run.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    statuses = [[(w["waiver_id"], w["status"]) for w in item["waivers"]] for item in data["items"]]
    assert ("SYN-W-2026-001", "applied") in statuses[0]
    assert ("SYN-W-2025-007", "expired") in statuses[1]
    assert [u["waiver"] for u in data["summary"]["unused_waivers"]] == ["SYN-W-2026-009"]


def test_check_refuses_a_bad_waiver_file_with_exit_2(tmp_path: Path) -> None:
    bad = _write(tmp_path, GOOD.replace('rule = "HS-2H-001"', 'rule = "JM-PRD-001"'))
    run = _run("check", "examples/projects/pv-module-plant.toml", "--waivers", str(bad))
    assert run.returncode == 2
    assert f"{bad}:2" in run.stderr
    assert "JM-PRD-001" in run.stderr
    assert "Traceback" not in run.stderr
    missing = _run("check", "examples/projects/pv-module-plant.toml", "--waivers", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2
    assert "nope.toml" in missing.stderr


def test_the_text_report_marks_a_waived_finding() -> None:
    run = _run("check", "examples/projects/synthetic-pv-glass-with-hearing.toml", "--waivers", str(EXAMPLE),
               "--as-of", "2026-12-01", "--lang", "en")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "fail (waived)" in run.stdout
    assert "Waived: HS-2H-001" in run.stdout
    markdown = _run("check", "examples/projects/synthetic-pv-glass-no-hearing.toml", "--waivers", str(EXAMPLE),
                    "--as-of", "2026-12-01", "--format", "markdown")  # fmt: skip
    assert "### 豁免" in markdown.stdout
    assert "已失效" in markdown.stdout


def test_a_config_file_names_the_waivers_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "waivers.toml").write_text(GOOD.replace("T-GLASS", "SYN-PV-GLASS-HEARING"), encoding="utf-8")
    (tmp_path / "heshan-vetting.toml").write_text('waivers = "w/waivers.toml"\n', encoding="utf-8")
    project = ROOT / "examples" / "projects" / "synthetic-pv-glass-with-hearing.toml"
    env_run = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "check", str(project), "--as-of", "2026-12-01", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "HESHAN_VETTING_NO_CONFIG": ""},
    )
    assert env_run.returncode == 0, env_run.stderr
    (item,) = json.loads(env_run.stdout)["items"]
    assert [w["status"] for w in item["waivers"] if w["kind"] == "granted"] == ["applied"]


def test_the_waiver_file_validates_against_its_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "schemas" / "waivers.schema.json").read_text(encoding="utf-8"))
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    as_json = json.loads(json.dumps(data, default=str))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(as_json)) == []
    bad = {"waivers": [{**as_json["waivers"][0], "approver": None}]}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
    with_line = {"waivers": [{**as_json["waivers"][0], "line": 3}]}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(with_line))
