"""Which pack files a report rests on, and the period a pack covers (issue 9, defects 8 and 9).

A stray file must never silently replace a shipped pack, and a check dated outside what the packs
cover must never look like an ordinary verdict.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from heshan_vetting import RenderContext, RulePackError, UsageError, Verdict, Vetter
from heshan_vetting.packs.load import shipped_pack_dir

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "projects" / "pv-module-plant.toml"
SHIPPED_HESHAN = shipped_pack_dir() / "heshan.toml"

CHILD = """\
[pack]
id = "my-town"
version = "1"
kind = "access"
title = { zh = "某镇", en = "A town" }
jurisdiction = "TEST"
extends = "heshan"
"""


def _stray_heshan(tmp: Path, floor: str = "1 万元/亩") -> Path:
    """A copy of the shipped Heshan pack whose tax floor is ``floor`` instead of 20 万元/亩."""
    text = SHIPPED_HESHAN.read_text(encoding="utf-8")
    assert 'value = "20 万元/亩"' in text
    path = tmp / "heshan.toml"
    path.write_text(text.replace('value = "20 万元/亩"', f'value = "{floor}"', 1), encoding="utf-8")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env=os.environ.copy(),
    )


# -- defect 8: a stray pack beside a child pack --------------------------------------------------


def test_a_stray_parent_beside_a_child_pack_is_named_in_every_report(tmp_path: Path) -> None:
    stray = _stray_heshan(tmp_path)
    (tmp_path / "my-town.toml").write_text(CHILD, encoding="utf-8")
    vetter = Vetter(tmp_path / "my-town.toml")
    report = vetter.check(EXAMPLE)
    codes = [n.code for n in report.notices]
    assert codes == ["pack_not_shipped", "pack_not_shipped", "pack_shadowed"]
    heshan = next(p for p in report.provenance.packs if p.id == "heshan")
    assert not heshan.shipped
    assert heshan.file == str(stray)
    assert str(SHIPPED_HESHAN) in report.notices[2].message.en
    text = vetter.render(report, "text", context=RenderContext(width=1000))  # each warning on one line
    assert f"! 警告: 所用规则包 'heshan' 并非随附的同名规则包，而是读自 {stray}" in text
    assert "! Warning: The pack id 'heshan' is found in several files" in vetter.render(
        report, "text", lang="en", context=RenderContext(width=1000)
    )
    shipped_refs = [p for p in report.provenance.packs if p.id != "heshan" and p.id != "my-town"]
    assert all(p.shipped and p.file is None for p in shipped_refs)


def test_strict_refuses_an_ambiguous_pack_id(tmp_path: Path) -> None:
    stray = _stray_heshan(tmp_path)
    (tmp_path / "my-town.toml").write_text(CHILD, encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        Vetter(tmp_path / "my-town.toml", strict=True)
    assert str(stray) in err.value.message_en
    assert str(SHIPPED_HESHAN) in err.value.message_en
    result = _cli("check", str(EXAMPLE), "--pack", str(tmp_path / "my-town.toml"), "--strict")
    assert result.returncode == 2
    assert "pack.id" in result.stderr


def test_the_cli_warns_on_the_terminal_about_a_pack_that_is_not_shipped(tmp_path: Path) -> None:
    _stray_heshan(tmp_path)
    (tmp_path / "my-town.toml").write_text(CHILD, encoding="utf-8")
    result = _cli("check", str(EXAMPLE), "--pack", str(tmp_path / "my-town.toml"))
    assert result.returncode == 0, result.stderr
    assert "warning / 警告: 所用规则包 'heshan' 并非随附的同名规则包" in result.stderr
    assert "! 警告: 规则包编号 'heshan' 对应多个文件" in result.stdout


def test_two_packs_with_one_id_in_one_directory_are_an_error_naming_both(tmp_path: Path) -> None:
    a = _stray_heshan(tmp_path)
    b = tmp_path / "heshan-copy.toml"
    b.write_text(a.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        Vetter("heshan", pack_paths=[tmp_path])
    assert str(a) in err.value.message_en
    assert str(b) in err.value.message_en
    assert err.value.field == "pack.id"
    assert err.value.line == 8  # the [pack] id line of the second file


def test_an_id_in_a_pack_path_shadowing_a_shipped_pack_is_used_and_said(tmp_path: Path) -> None:
    stray = _stray_heshan(tmp_path, floor="25 万元/亩")
    report = Vetter("heshan", pack_paths=[tmp_path]).check(EXAMPLE)
    assert report.verdict is not Verdict.APPROVE  # 23.3 万元/亩 < 25: the stray pack really decided
    assert {n.code for n in report.notices} == {"pack_not_shipped", "pack_shadowed"}
    assert any(str(stray) in n.message.en for n in report.notices)


def test_one_directory_given_twice_is_not_a_duplicate() -> None:
    report = Vetter("heshan", pack_paths=[shipped_pack_dir(), shipped_pack_dir()]).check(EXAMPLE)
    assert report.notices == ()
    assert all(p.shipped and p.file is None for p in report.provenance.packs)


def test_the_shipped_pack_gives_no_notice_and_reports_stay_portable() -> None:
    report = Vetter().check(EXAMPLE)
    assert report.notices == ()
    assert '"file": null' in report.to_json()


def test_an_own_pack_is_named_as_not_shipped(tmp_path: Path) -> None:
    pack = ROOT / "tests" / "cases" / "_packs" / "custom.toml"
    report = Vetter(pack).check(EXAMPLE)
    assert [n.code for n in report.notices] == ["pack_not_shipped"]
    assert report.notices[0].message.en == (
        f"The pack 'case-custom' is not shipped with heshan-vetting: it was read from {pack}."
    )


# -- defect 9: as-of dates outside what the packs cover ------------------------------------------


def test_the_shipped_chain_declares_the_period_it_covers() -> None:
    vetter = Vetter()
    # from the 2019 industry catalogue's effective date (its vetoes are encoded, issue 11)
    assert vetter.covers == (date(2020, 1, 1), date(2027, 12, 31))
    report = vetter.check(EXAMPLE)  # application date 2024-05-20: inside
    assert report.notices == ()
    assert report.provenance.covers_from == date(2020, 1, 1)
    assert report.provenance.covers_until == date(2027, 12, 31)


@pytest.mark.parametrize("as_of", ["0024-09-10", "2019-12-31", "2028-01-01", "2204-09-10"])
def test_a_date_outside_the_period_is_flagged_in_the_report(as_of: str) -> None:
    vetter = Vetter()
    report = vetter.check(EXAMPLE, as_of=as_of)
    [notice] = report.notices
    assert notice.code == "as_of_outside_pack_period"
    assert f"The as-of date {date.fromisoformat(as_of)} is outside the period the pack covers" in notice.message.en
    assert "! 警告: 评审日期" in vetter.render(report, "text")


def test_the_note_says_why_the_period_ends_where_it_does() -> None:
    early = Vetter().check(EXAMPLE, as_of="2019-10-01").notices[0].message.en
    late = Vetter().check(EXAMPLE, as_of="2028-01-01").notices[0].message.en
    assert "2019 catalogue" in early
    assert "Heshan adjusts per-mu tax targets" not in early
    assert "Heshan adjusts per-mu tax targets" in late
    assert "2019 catalogue" not in late


@pytest.mark.parametrize("as_of", ["2020-01-01", "2023-10-01", "2024-02-01", "2027-12-31"])
def test_the_bounds_are_inside(as_of: str) -> None:
    assert Vetter().check(EXAMPLE, as_of=as_of).notices == ()


def test_strict_makes_a_date_outside_the_period_an_error() -> None:
    with pytest.raises(UsageError) as err:
        Vetter(strict=True).check(EXAMPLE, as_of=date(24, 9, 10))
    assert err.value.field == "as_of"


def test_an_application_date_outside_the_period_names_that_field(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("application_date = 2024-05-20", "application_date = 0024-05-20")
    assert "0024-05-20" in text
    project = tmp_path / "p.toml"
    project.write_text(text, encoding="utf-8")
    [notice] = Vetter().check(project).notices
    assert "application date (as-of date) 0024-05-20" in notice.message.en
    with pytest.raises(UsageError) as err:
        Vetter(strict=True).check(project)
    assert err.value.field == "application_date"
    assert err.value.file == str(project)


def test_the_cli_warns_on_the_terminal_and_strict_exits_2() -> None:
    result = _cli("check", str(EXAMPLE), "--as-of", "0024-09-10")
    assert result.returncode == 0
    assert re.search(r"warning / 警告: .*pv-module-plant.toml: 评审日期 0024-09-10 不在规则包覆盖期", result.stderr)
    assert "! 警告: 评审日期 0024-09-10" in result.stdout
    strict = _cli("check", str(EXAMPLE), "--as-of", "0024-09-10", "--strict")
    assert strict.returncode == 2
    assert strict.stdout == ""
    assert "as_of: 评审日期 0024-09-10" in strict.stderr


def test_a_pack_without_a_declared_period_is_never_flagged() -> None:
    pack = ROOT / "tests" / "cases" / "_packs" / "custom.toml"
    report = Vetter(pack).check(EXAMPLE, as_of="0024-09-10")
    assert "as_of_outside_pack_period" not in [n.code for n in report.notices]
    assert report.provenance.covers_from is None


def test_a_period_that_ends_before_it_starts_is_a_pack_error(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    pack.write_text(
        CHILD.replace('extends = "heshan"\n', "covers_from = 2025-01-01\ncovers_until = 2024-01-01\n"),
        encoding="utf-8",
    )
    with pytest.raises(RulePackError) as err:
        Vetter(pack)
    assert "covers_until (2024-01-01) is before covers_from (2025-01-01)" in err.value.message_en
    assert err.value.line is not None
