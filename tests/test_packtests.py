"""`rules test`: the cases beside a pack, run on every engine, with exit codes and coverage figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from heshan_vetting.errors import RulePackError, UsageError
from heshan_vetting.packtests import SHIPPED_PACKS, cases_folder, read_cases, run_pack_tests

ROOT = Path(__file__).resolve().parents[1]

# A pack with known gaps: T-NEVER is never reached (no case is a relocation), T-PLOT's requirement is never
# false (and its scope never false or unknown), the table row C39 and the set member C31 are used by no case,
# and the label's "otherwise" reading is never decided.
GAPS_PACK = """\
[pack]
id = "gaps"
version = "1.0.0"
kind = "access"
title = { zh = "覆盖缺口测试包", en = "Coverage gaps test pack" }
jurisdiction = "TEST"

[sets.banned]
type = "industry_code"
match = "prefix"
members = ["C30", "C31"]

[tables.min_plot]
title = { zh = "容积率下限", en = "Minimum plot ratio" }
unit = ""
[tables.min_plot.rows]
C38 = 1.0
C39 = 1.2

[[rules]]
id = "T-BAN"
title = { zh = "禁止行业", en = "Banned industries" }
severity = "veto"
require = "not (industry_code in banned)"
citation = { title = "测试", status = "verified" }

[[rules]]
id = "T-PLOT"
title = { zh = "容积率", en = "Plot ratio" }
severity = "required"
applies_if = "land_area > 0[亩]"
require = "plot_ratio >= min_plot[industry_code]"
citation = { title = "测试", status = "verified" }

[[rules]]
id = "T-NEVER"
title = { zh = "迁建项目人数", en = "Relocations keep their staff" }
severity = "advisory"
applies_if = "construction_type == \\"relocation\\""
require = "employees >= 10"
citation = { title = "测试", status = "verified" }

[[labels]]
id = "size"
title = { zh = "规模", en = "Size" }
citation = { title = "测试", status = "verified" }
otherwise = { zh = "小型", en = "small" }

[[labels.cases]]
when = "employees >= 100"
value = { zh = "大型", en = "large" }
"""

PROJECT_A = """\
id = "A"
name = "组件厂"
industry_code = "C3825"
construction_type = "new"
application_date = 2024-05-20
land_area = "10 亩"
plot_ratio = 1.5
employees = 200
"""

EXPECTED_A = """\
description = "Passes both rules that apply."
verdict = "approve"

[outcomes]
"T-BAN" = "pass"
"T-PLOT" = "pass"
"T-NEVER" = "not_applicable"
"""

PROJECT_B = """\
id = "B"
name = "水泥厂"
industry_code = "C3011"
construction_type = "new"
application_date = 2024-05-20
land_area = "10 亩"
plot_ratio = 0.5
employees = 150
"""

EXPECTED_B = """\
description = "A banned industry; the table has no row for it."
verdict = "reject"

[outcomes]
"T-BAN" = "fail"
"T-PLOT" = "not_applicable"
"T-NEVER" = "not_applicable"
"""


def _gaps_pack(tmp_path: Path, expected_a: str = EXPECTED_A) -> Path:
    pack = tmp_path / "gaps.toml"
    pack.write_text(GAPS_PACK, encoding="utf-8")
    for name, project, expected in (("01-a", PROJECT_A, expected_a), ("02-b", PROJECT_B, EXPECTED_B)):
        folder = tmp_path / "gaps.cases" / name
        folder.mkdir(parents=True)
        (folder / "project.toml").write_text(project, encoding="utf-8")
        (folder / "expected.toml").write_text(expected, encoding="utf-8")
    return pack


def _rules_test(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "rules", "test", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def test_the_shipped_packs_pass_their_cases_with_full_rule_coverage() -> None:
    """CI's guard: every shipped pack has cases beside it, they pass on every engine, and every rule is reached."""
    out = _rules_test("--min-coverage", "100", "--format", "json")
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["ok"] is True
    assert [p["pack"] for p in data["packs"]] == list(SHIPPED_PACKS)
    for p in data["packs"]:
        assert p["cases"] >= 5
        assert p["failures"] == []
        assert p["coverage"]["rule_coverage"] == 100.0
        assert p["coverage"]["rules_never_reached"] == []
        assert "native" in p["engines"]


def test_coverage_names_the_known_gaps(tmp_path: Path) -> None:
    pack = _gaps_pack(tmp_path)
    out = _rules_test(str(pack), "--format", "json", "--engine", "native")
    assert out.returncode == 0, out.stdout + out.stderr
    (result,) = json.loads(out.stdout)["packs"]
    cov = result["coverage"]
    assert result["cases"] == 2
    assert (cov["rules"], cov["rules_reached"], cov["rule_coverage"]) == (3, 2, 66.67)
    assert cov["rules_never_reached"] == ["T-NEVER"]
    never = {(c["rule"], c["condition"], c["value"]) for c in cov["conditions_never_seen"]}
    # T-PLOT: the scope was only ever true; the requirement true (case A) and unknown (no row for C30), never false
    assert ("T-PLOT", "require", "false") in never
    assert ("T-PLOT", "require", "true") not in never
    assert ("T-PLOT", "require", "unknown") not in never
    assert {("T-PLOT", "applies_if", "false"), ("T-PLOT", "applies_if", "unknown")} <= never
    assert ("T-PLOT", "applies_if", "true") not in never
    # T-BAN has no applies_if: only its requirement is counted, seen true and false
    assert {c for c in never if c[0] == "T-BAN"} == {("T-BAN", "require", "unknown")}
    # T-NEVER: its scope was false in both cases, nothing else
    assert ("T-NEVER", "applies_if", "false") not in never
    assert ("T-NEVER", "require", "true") in never
    assert cov["table_rows_unused"] == {"min_plot": ["c39"]}
    assert cov["set_members_unused"] == {"banned": ["c31"]}
    assert cov["label_readings_never_decided"] == [{"label": "size", "reading": "小型"}]


def test_min_coverage_fails_below_the_figure(tmp_path: Path) -> None:
    pack = _gaps_pack(tmp_path)
    below = _rules_test(str(pack), "--engine", "native", "--min-coverage", "70")
    assert below.returncode == 1
    assert "rule coverage 66.7% is below --min-coverage 70%" in below.stdout
    assert below.stdout.rstrip().endswith("FAILED")
    at = _rules_test(str(pack), "--engine", "native", "--min-coverage", "66")
    assert at.returncode == 0, at.stdout
    assert "rules never reached (no pass or fail) / 未覆盖的规则: T-NEVER" in at.stdout
    assert "table min_plot: rows no case uses / 未使用的行: c39" in at.stdout
    assert _rules_test(str(pack), "--min-coverage", "101").returncode == 2
    assert _rules_test(str(pack), "--min-coverage", "lots").returncode == 2


def test_a_failing_case_shows_expected_against_actual_with_the_facts(tmp_path: Path) -> None:
    pack = _gaps_pack(tmp_path, EXPECTED_A.replace('"T-PLOT" = "pass"', '"T-PLOT" = "fail"'))
    out = _rules_test(str(pack))
    assert out.returncode == 1
    assert "FAILED 01-a [native]" in out.stdout
    assert "outcome of T-PLOT: expected 'fail', got 'pass'" in out.stdout
    assert "plot_ratio=1.5" in out.stdout  # the facts the rule read
    assert "plot_ratio >= min_plot[industry_code]: 1.5 >= 1.0" in out.stdout  # the figures it compared
    assert "02-b" not in out.stdout.split("FAILED 01-a")[1].split("\n")[1]  # only the failing case is shown


def test_a_bad_case_file_is_exit_2_with_file_and_line(tmp_path: Path) -> None:
    pack = _gaps_pack(tmp_path)
    bad = tmp_path / "gaps.cases" / "01-a" / "expected.toml"
    bad.write_text('verdict = "approve"\n\n[outcomes]\n"T-BAN" = "passes"\n', encoding="utf-8")
    out = _rules_test(str(pack))
    assert out.returncode == 2
    assert f"{bad}:4" in out.stderr
    assert "'passes'" in out.stderr
    assert "Traceback" not in out.stderr
    bad.write_text('verdict = "approve"\noutcome = { T-BAN = "pass" }\n', encoding="utf-8")
    out = _rules_test(str(pack))
    assert out.returncode == 2
    assert f"{bad}:2" in out.stderr
    assert "unknown keys ['outcome']" in out.stderr
    bad.write_text('verdict = "approve"\n[outcomes\n', encoding="utf-8")  # not TOML
    out = _rules_test(str(pack))
    assert out.returncode == 2
    assert f"{bad}:2" in out.stderr


def test_a_pack_without_cases_fails_and_an_unknown_pack_is_bad_input(tmp_path: Path) -> None:
    pack = tmp_path / "lonely.toml"
    pack.write_text(GAPS_PACK.replace('id = "gaps"', 'id = "lonely"'), encoding="utf-8")
    out = _rules_test(str(pack))
    assert out.returncode == 1
    assert f"no cases in {cases_folder(pack)}" in out.stdout
    assert _rules_test("no-such-pack").returncode == 2


def test_an_engine_that_is_not_registered_is_bad_input(tmp_path: Path) -> None:
    pack = _gaps_pack(tmp_path)
    out = _rules_test(str(pack), "--engine", "nativ")
    assert out.returncode == 2
    assert "native" in out.stderr  # the did-you-mean hint
    with pytest.raises(UsageError):
        run_pack_tests([pack], engines=["nope"])


def test_rules_without_a_command_is_a_usage_error() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "rules"], capture_output=True, text=True, encoding="utf-8", check=False
    )
    assert out.returncode == 2
    assert "rules test" in out.stderr


def test_read_cases_locates_errors_and_runs_cases_on_their_pack(tmp_path: Path) -> None:
    pack = _gaps_pack(tmp_path)
    cases = read_cases(cases_folder(pack), pack=pack)
    assert [c.name for c in cases] == ["01-a", "02-b"]
    assert {c.pack for c in cases} == {pack.resolve()}
    (tmp_path / "gaps.cases" / "03-c").mkdir()
    with pytest.raises(RulePackError, match=r"has no expected\.toml"):
        read_cases(cases_folder(pack))


def test_the_shipped_cases_are_in_the_wheel_data() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"*.cases/*/*.toml"' in text
    for pack in SHIPPED_PACKS:
        assert (ROOT / "rules" / f"{pack}.cases").is_dir()


def _init(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "init", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        cwd=cwd,
    )


def test_init_pack_writes_a_skeleton_whose_case_passes(tmp_path: Path) -> None:
    out = _init(tmp_path, "pack", "my-town", "--extends", "heshan")
    assert out.returncode == 0, out.stderr
    pack = tmp_path / "my-town.toml"
    case = tmp_path / "my-town.cases" / "01-sample-project"
    assert pack.is_file()
    assert (case / "project.toml").is_file()
    expected = (case / "expected.toml").read_text(encoding="utf-8")
    assert '"MY-TOWN-001" = "pass"' in expected  # the skeleton's one rule, decided by its one case
    assert 'verdict = "approve"' in expected
    tested = _rules_test(str(pack), "--format", "json")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    (result,) = json.loads(tested.stdout)["packs"]
    assert result["pack"] == "my-town"
    assert result["cases"] == 1
    assert "MY-TOWN-001" not in result["coverage"]["rules_never_reached"]
    # never over an existing pack without --force
    again = _init(tmp_path, "pack", "my-town")
    assert again.returncode == 2
    assert "exists" in again.stderr
    assert _init(tmp_path, "pack", "my-town", "--force").returncode == 0


def test_init_pack_refuses_a_bad_name_or_parent_and_writes_nothing(tmp_path: Path) -> None:
    assert _init(tmp_path, "pack", "My Town").returncode == 2
    assert _init(tmp_path, "pack").returncode == 2
    out = _init(tmp_path, "pack", "town", "--extends", "no-such-pack")
    assert out.returncode == 2
    assert "no-such-pack" in out.stderr
    assert list(tmp_path.iterdir()) == []
