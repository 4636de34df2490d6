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
from functools import cache
from pathlib import Path

import pytest

from heshan_vetting import Report, Vetter
from heshan_vetting.testing import Case, load_cases, run_case

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
CORPUS = load_cases(CASES)
UPDATE = os.environ.get("HESHAN_UPDATE_GOLDEN", "") not in ("", "0")


@cache
def _vetter(pack: str) -> Vetter:
    return Vetter(pack)


def _report(case: Case) -> tuple[Vetter, Report]:
    vetter = _vetter(str(case.pack) if case.pack is not None else "heshan")
    report = run_case(case, vetter)
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


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_the_report_is_byte_identical_to_the_golden_file(case: Case) -> None:
    _, report = _report(case)
    _compare(case.folder / "report.json", _portable(report.to_json()))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_the_text_report_is_byte_identical_to_the_golden_file(case: Case, lang: str) -> None:
    vetter, report = _report(case)
    _compare(case.folder / f"report.{lang}.txt", _portable(vetter.render(report, "text", lang=lang)))
