"""The Python API and CLI options at their edges (issue 9, defect 10): clear errors, never a silent no-op."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from heshan_vetting import ProjectError, UsageError, Vetter
from heshan_vetting.plugins import ENV_DISABLE

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "projects" / "pv-module-plant.toml"


@pytest.fixture(scope="module")
def vetter() -> Vetter:
    return Vetter()


def test_as_of_accepts_an_iso_string(vetter: Vetter) -> None:
    by_text = vetter.check(EXAMPLE, as_of="2024-03-01")
    by_date = vetter.check(EXAMPLE, as_of=date(2024, 3, 1))
    assert by_text.to_json() == by_date.to_json()
    assert by_text.provenance.as_of_source == "option"


def test_as_of_accepts_a_datetime_as_its_date(vetter: Vetter) -> None:
    report = vetter.check(EXAMPLE, as_of=datetime(2024, 3, 1, 23, 59))
    assert report.provenance.as_of == date(2024, 3, 1)


@pytest.mark.parametrize("bad", ["2024-13-01", "next year", 20240301, 2024.5])
def test_a_bad_as_of_is_a_usage_error(vetter: Vetter, bad: object) -> None:
    with pytest.raises(UsageError) as err:
        vetter.check(EXAMPLE, as_of=bad)  # type: ignore[arg-type]
    assert err.value.field == "as_of"
    with pytest.raises(UsageError):
        vetter.check_many([EXAMPLE], as_of=bad)  # type: ignore[arg-type]


def test_a_list_given_to_check_points_to_check_many(vetter: Vetter) -> None:
    projects = vetter.load(EXAMPLE)
    with pytest.raises(UsageError) as err:
        vetter.check(projects)  # type: ignore[arg-type]
    assert "check_many()" in err.value.message_en
    assert len(list(vetter.check_many(projects))) == 1


def test_one_project_given_to_check_many_points_to_check(vetter: Vetter) -> None:
    with pytest.raises(UsageError) as err:
        vetter.check_many(str(EXAMPLE))
    assert "check()" in err.value.message_en


def test_a_single_name_string_disables_that_plugin() -> None:
    assert Vetter(disable_plugins="renderers").renderers == {}
    assert "text" in Vetter(disable_plugins=[]).renderers


def test_a_misspelt_plugin_name_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(UsageError) as err:
        Vetter(disable_plugins=["renderer"])
    assert "did you mean 'renderers'?" in err.value.message_en
    assert "是否应为 'renderers'" in err.value.message_zh


def test_a_misspelt_name_in_the_environment_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DISABLE, "scorng")
    with pytest.raises(UsageError) as err:
        Vetter()
    assert err.value.field == ENV_DISABLE
    assert "did you mean 'scoring'?" in err.value.message_en


def test_a_plugin_name_that_is_not_a_string_is_an_error() -> None:
    with pytest.raises(UsageError):
        Vetter(disable_plugins=[None])  # type: ignore[list-item]


def test_an_unknown_language_is_an_error(vetter: Vetter) -> None:
    report = vetter.check(EXAMPLE)
    with pytest.raises(UsageError) as err:
        vetter.render(report, "text", lang="fr")
    assert err.value.field == "lang"
    assert "zh, en" in err.value.message_en
    with pytest.raises(UsageError):
        vetter.render(report, "json", lang="EN")


def test_a_misspelt_disable_plugin_option_exits_2_with_a_suggestion() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "check", str(EXAMPLE), "--disable-plugin", "scorng"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env=os.environ.copy(),
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "did you mean 'scoring'?" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("field", ["id", "name"])
@pytest.mark.parametrize("value", ["", "   ", "\u3000", "\t\n"])
def test_a_blank_id_or_name_is_refused_like_an_empty_one(vetter: Vetter, field: str, value: str) -> None:
    data = {"id": "P-1", "name": "示例", field: value}
    with pytest.raises(ProjectError) as err:
        vetter.project(data)
    assert err.value.field == field


def test_an_id_with_a_line_break_is_refused(vetter: Vetter) -> None:
    with pytest.raises(ProjectError) as err:
        vetter.project({"id": "P-1\n结论: 准予准入", "name": "示例"})
    assert err.value.field == "id"


def test_spaces_around_an_id_are_dropped(vetter: Vetter) -> None:
    assert vetter.project({"id": "  P-1 ", "name": " 示例 "}).id == "P-1"


def test_check_names_the_source_it_is_given(vetter: Vetter) -> None:
    project = vetter.load(EXAMPLE)[0]
    assert vetter.check(project).project.source is None
    assert vetter.check(project, source="ledger.xlsx#3").project.source == "ledger.xlsx#3"
    assert vetter.check(EXAMPLE).project.source == str(EXAMPLE)
    assert vetter.check(EXAMPLE, source=Path("elsewhere.toml")).project.source == "elsewhere.toml"
    with pytest.raises(UsageError, match="source must be a text or a path, not int") as info:
        vetter.check(project, source=3)  # type: ignore[arg-type]
    assert info.value.field == "source"
