"""The credit plugin: GB 32100-2015 codes, list files, the veto, and discovery through the entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

if os.environ.get("HESHAN_REQUIRE_PLUGINS") != "1":
    pytest.importorskip(
        "heshan_vetting_credit",
        reason="heshan-vetting-credit is not installed (pip install -e plugins/heshan-vetting-credit)",
    )

import heshan_vetting_credit as credit
from heshan_vetting import Check, UsageError, Verdict, hookimpl
from heshan_vetting.testing import assert_finding, make_vetter, plugin_info, sample_project
from heshan_vetting_credit.lists import load_list
from heshan_vetting_credit.uscc import ALPHABET, check_character, normalise, problem

VALID = "91350100M000100Y43"  # the sample code used to illustrate GB 32100-2015
OTHER = "91440784" + "MA4UJ8G7" + "0"  # 17 characters; its check character is computed below
OTHER_CODE = OTHER + check_character(OTHER)

HEADER = "统一社会信用代码,名称,名单,认定机关,文号,列入日期,移出日期\n"


def _list(tmp_path: Path, rows: str, name: str = "list.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + rows).encode(encoding))
    return path


# -- GB 32100-2015 --------------------------------------------------------------------------------


def test_the_standard_sample_code_is_valid() -> None:
    assert problem(VALID) is None
    assert check_character(VALID[:17]) == "3"


def test_every_single_character_change_is_caught() -> None:
    # the weights are non-zero modulo the prime 31, so any one substitution changes the check sum
    for i in range(18):
        for ch in ALPHABET:
            if ch == VALID[i]:
                continue
            changed = VALID[:i] + ch + VALID[i + 1 :]
            if 2 <= i < 8 and not ch.isdigit():
                continue
            assert problem(changed) is not None, changed


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "17 characters"),
        ("91350100M000100YI3", "contains I"),
        ("9135A100M000100Y43", "administrative division"),
        ("91350100M000100Y44", "check character is 4, but GB 32100-2015 gives 3"),
    ],
)
def test_invalid_codes_say_why(code: str, reason: str) -> None:
    bad = problem(code)
    assert bad is not None
    assert reason in bad[0]


def test_codes_are_normalised_as_people_copy_them() -> None:
    assert normalise(" 9135 0100-m000100y43 ") == VALID
    assert normalise("９１３５０１００Ｍ０００１００Ｙ４３") == VALID  # full-width


# -- list files -----------------------------------------------------------------------------------


def test_a_list_with_chinese_headers_in_gb18030(tmp_path: Path) -> None:
    path = _list(tmp_path, f"{VALID},示例公司,失信被执行人,某法院,（2024）粤执1号,2024-01-01,\n", encoding="gb18030")
    [row] = load_list(path)
    assert (row.credit_code, row.name, row.list, row.listed_on) == (VALID, "示例公司", "失信被执行人", date(2024, 1, 1))
    assert row.source == f"{path}:2"


def test_a_bad_code_in_a_list_names_file_line_and_column(tmp_path: Path) -> None:
    path = _list(tmp_path, f"{VALID},A,,,,,\n\n91350100M000100Y44,B,,,,,\n")
    with pytest.raises(UsageError) as info:
        load_list(path)
    err = info.value
    assert (err.file, err.line, err.column, err.field) == (str(path), 4, 1, "credit_code")
    assert "gives 3" in err.message_en
    assert "应为 3" in err.message_zh


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,list\nA,B\n", "no credit-code column"),
        ("", "empty"),
        ("credit_code,listed_on\n91350100M000100Y43,2024-13-01\n", "Expected a date"),
        ("credit_code,listed_on,removed_on\n91350100M000100Y43,2024-02-01,2024-01-01\n", "is not after"),
        ("credit_code,code\n1,2\n", "Two columns"),
    ],
)
def test_bad_list_files_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message) as info:
        load_list(path)
    assert info.value.file == str(path)


def test_a_missing_list_file_is_a_usage_error_when_the_vetter_is_built(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist") as info:
        make_vetter(credit, options={"credit_blacklist": str(tmp_path / "nope.csv")})
    assert info.value.field == "credit_blacklist"


# -- the check ------------------------------------------------------------------------------------


@pytest.fixture
def blacklist(tmp_path: Path) -> Path:
    return _list(
        tmp_path,
        f"{VALID},示例公司,失信被执行人,某法院,（2024）粤执1号,2024-01-01,\n"
        f"{OTHER_CODE},另一公司,严重违法失信名单,市场监管局,,2020-01-01,2023-01-01\n",
    )


def test_a_listed_applicant_is_vetoed(blacklist: Path) -> None:
    v = make_vetter(credit, options={"credit_blacklist": [blacklist]})
    report = v.check(sample_project(applicant_credit_code=VALID))
    f = assert_finding(report, credit.CHECK_ID, outcome="fail", severity="veto", plugin="credit")
    assert "失信被执行人" in f.explanation.zh
    assert f"{blacklist}:2" in f.explanation.en
    assert report.verdict is Verdict.REJECT


def test_listing_dates_are_respected(blacklist: Path) -> None:
    v = make_vetter(credit, options={"credit_blacklist": [blacklist]})
    before = v.check(sample_project(applicant_credit_code=VALID), as_of=date(2023, 12, 31))
    assert_finding(before, credit.CHECK_ID, outcome="pass")
    removed = v.check(sample_project(applicant_credit_code=OTHER_CODE))  # removed 2023-01-01
    f = assert_finding(removed, credit.CHECK_ID, outcome="pass")
    assert "removed 2023-01-01" in f.explanation.en
    assert removed.verdict is Verdict.APPROVE
    during = v.check(sample_project(applicant_credit_code=OTHER_CODE), as_of=date(2022, 6, 1))
    assert during.verdict is Verdict.REJECT


def test_a_clean_applicant_passes(blacklist: Path) -> None:
    v = make_vetter(credit, options={"credit_blacklist": [blacklist]})
    clean = "91440784" + "MA4UJ8G7" + "1"
    report = v.check(sample_project(applicant_credit_code=clean + check_character(clean)))
    f = assert_finding(report, credit.CHECK_ID, outcome="pass")
    assert "2 entries checked" in f.explanation.en
    assert report.verdict is Verdict.APPROVE


@pytest.mark.parametrize("code", [None, "91350100M000100Y44"])
def test_a_missing_or_invalid_code_cannot_pass(blacklist: Path, code: str | None) -> None:
    v = make_vetter(credit, options={"credit_blacklist": [blacklist]})
    report = v.check(sample_project(applicant_credit_code=code))
    assert_finding(report, credit.CHECK_ID, outcome="insufficient_data")
    assert report.verdict is Verdict.DEFERRED  # a valid code must be supplied before the project is decided
    assert report.missing_fields == ("applicant_credit_code",)
    assert [s.field for s in report.to_supply] == ["applicant_credit_code"]


def test_without_a_list_the_plugin_is_reported_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed but unconfigured plugin neither fails the check nor passes it silently: it says so."""
    monkeypatch.delenv(credit.ENV_VAR, raising=False)
    v = make_vetter(credit)
    report = v.check(sample_project(applicant_credit_code=VALID))
    assert all(f.rule_id != credit.CHECK_ID for f in report.findings)
    assert [n.plugin for n in report.not_configured] == ["credit"]
    assert "--credit-blacklist" in report.not_configured[0].message.en
    assert not report.incomplete
    assert report.verdict is Verdict.APPROVE
    assert report.to_dict()["not_configured"][0]["plugin"] == "credit"
    text = v.render(report, "text")
    assert "插件未配置，未参与评审: credit — 未配置失信名单" in text
    assert "Plugin not configured, nothing checked: credit" in v.render(report, "text", lang="en")


def test_a_configured_check_that_raises_still_fails_closed() -> None:
    """Only a missing configuration is "not configured": a configured check that breaks stays an error."""

    class Broken(dict[str, tuple[Any, ...]]):
        def get(self, key: str, default: Any = None) -> Any:
            raise OSError("list store unreachable")

    class Plugin:
        plugin_name = "credit"

        @hookimpl
        def heshan_checks(self, options: Any) -> list[Check]:
            return [credit.make_check(Broken(), [Path("list.csv")])]

    v = make_vetter(Plugin())
    report = v.check(sample_project(applicant_credit_code=VALID))
    f = assert_finding(report, credit.CHECK_ID, outcome="error")
    assert "list store unreachable" in f.explanation.en
    assert report.incomplete
    assert report.not_configured == ()
    assert report.verdict is Verdict.CONDITIONAL


def test_the_environment_variable_configures_the_lists(blacklist: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(credit.ENV_VAR, os.pathsep.join([str(blacklist), str(blacklist)]))
    report = make_vetter(credit).check(sample_project(applicant_credit_code=VALID))
    assert report.verdict is Verdict.REJECT


def test_plugin_info_and_provenance(blacklist: Path) -> None:
    v = make_vetter(credit, options={"credit_blacklist": [blacklist]})
    info = plugin_info(v, "credit")
    assert info.hooks == ("heshan_add_options", "heshan_checks", "heshan_input_files")
    refs = {p.name: p for p in v.check(sample_project()).provenance.plugins}
    assert refs["credit"].distribution == "heshan-vetting-credit"


# -- installed: discovery through the entry point, in a subprocess --------------------------------


def _installed() -> bool:
    try:
        metadata.distribution("heshan-vetting-credit")
    except metadata.PackageNotFoundError:
        return False
    return True


needs_install = pytest.mark.skipif(
    not _installed() and os.environ.get("HESHAN_REQUIRE_PLUGINS") != "1",
    reason="heshan-vetting-credit is not installed (pip install -e plugins/heshan-vetting-credit)",
)


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    full.pop("HESHAN_VETTING_DISABLE_PLUGIN_AUTOLOAD", None)
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args], capture_output=True, text=True, encoding="utf-8", env=full
    )


@needs_install
def test_discovered_through_the_entry_point() -> None:
    proc = _cli("plugins", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["name"]: r for r in json.loads(proc.stdout)["plugins"]}
    assert rows["credit"]["origin"] == "entry_point"
    assert rows["credit"]["distribution"] == "heshan-vetting-credit"
    assert rows["credit"]["version"] == credit.__version__
    assert rows["credit"]["hooks"] == ["heshan_add_options", "heshan_checks", "heshan_input_files"]


@needs_install
def test_cli_option_rejects_a_listed_applicant(blacklist: Path, tmp_path: Path) -> None:
    project = tmp_path / "p.toml"
    project.write_text(
        f'id = "P1"\nname = "测试"\nindustry_code = "C3825"\napplicant_credit_code = "{VALID}"\n', encoding="utf-8"
    )
    proc = _cli("check", str(project), "--credit-blacklist", str(blacklist), "--format", "json",
                "--as-of", "2024-06-01", "--disable-plugin", "xlsx")  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # reject
    report = json.loads(proc.stdout)["items"][0]
    assert report["verdict"] == "reject"
    assert any(p["name"] == "credit" and p["distribution"] == "heshan-vetting-credit"
               for p in report["provenance"]["plugins"])  # fmt: skip
    bad = _cli("check", str(project), "--credit-blacklist", str(tmp_path / "none.csv"))
    assert bad.returncode == 2
    assert "none.csv" in bad.stderr
    assert "Traceback" not in bad.stderr
