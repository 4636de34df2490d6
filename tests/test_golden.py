"""Golden reports of the case corpus: the same bytes on every supported Python (issues 9 and 10).

Each case folder of ``tests/cases`` holds ``report.json``, the native engine's JSON report of the case, and
``report.zh.txt`` / ``report.en.txt``, its text report in each language (paths inside the repository written
relative to it, so the files are the same on every machine). nox runs
this on Python 3.10-3.13, so the reports are byte-identical across them. After a deliberate change to a
pack or the report, rewrite them with ``HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py``
and review the diff like any other change of a verdict.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from heshan_vetting import Report, Vetter

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())
UPDATE = os.environ.get("HESHAN_UPDATE_GOLDEN", "") not in ("", "0")


@cache
def _vetter(pack: str) -> Vetter:
    return Vetter(pack)


def _report(case: Path) -> tuple[Vetter, Report]:
    with (case / "expected.toml").open("rb") as fh:
        as_of = tomllib.load(fh).get("as_of")
    assert as_of is None or isinstance(as_of, date)
    pack = case / "pack.toml"
    vetter = _vetter(str(pack) if pack.exists() else "heshan")
    report = vetter.check(case / "project.toml", as_of=as_of)
    assert report.provenance.as_of_source != "today", f"{case.name}: a golden report must not depend on today's date"
    return vetter, report


def _portable(text: str) -> str:
    # paths inside the repository, relative to it
    return text.replace(str(ROOT) + os.sep, "").replace(str(ROOT), ".")


def _compare(golden: Path, text: str) -> None:
    if UPDATE:
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert golden.exists(), f"{golden} is missing: HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py"
    assert golden.read_bytes() == text.encode("utf-8"), (
        f"{golden}: the report changed; if on purpose, HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py"
    )


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_the_report_is_byte_identical_to_the_golden_file(case: Path) -> None:
    _, report = _report(case)
    _compare(case / "report.json", _portable(report.to_json()))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_the_text_report_is_byte_identical_to_the_golden_file(case: Path, lang: str) -> None:
    vetter, report = _report(case)
    _compare(case / f"report.{lang}.txt", _portable(vetter.render(report, "text", lang=lang)))
