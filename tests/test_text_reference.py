"""The faster text renderer gives the bytes of the renderer before it (issue 15, target 2c).

The reference is a frozen copy of the text renderer as it was (``tests/reference_render``: layout, glossary
and text; words.py, which it did not change, is the library's own). Every report is rendered by both in both
languages, at widths 60 and 100 (and the narrowest, 20, for
a few), with colours on and off: the reports of every example (with and without ``--explain``), of every case in
``tests/cases``, of 300 projects of the benchmark pack and 60 synthetic projects of the shipped pack, and batches
(numbered items, input errors, the summary). The layout functions are compared on generated text as well:
wide and narrow characters, combining marks, emoji, tabs and control characters, numbers with units, long words;
and a float's text (``format_number``, by its digits) with the text of the same digits as a Decimal.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heshan_vetting import RenderContext, Report, ReportSet, Vetter
from heshan_vetting.builtins.render import glossary, layout, text
from heshan_vetting.results import ItemError, Problem
from heshan_vetting.terms import Text, format_number
from heshan_vetting.testing import load_cases, run_case
from reference_render import glossary as old_glossary
from reference_render import layout as old_layout
from reference_render import text as old_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "projects").glob("*.toml"))
CASES = load_cases(ROOT / "tests" / "cases")
SHAPES = [(lang, width, color) for lang in ("zh", "en") for width in (60, 100) for color in (False, True)]


@cache
def _vetter(pack: str = "heshan") -> Vetter:
    return Vetter(pack=pack)


def _workload() -> object:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import workload
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return workload


def _same(items: ReportSet, shapes: list[tuple[str, int, bool]] = SHAPES) -> None:
    for lang, width, color in shapes:
        ctx = RenderContext(width=width, color=color)
        new = text.render_text(items, lang, context=ctx)
        old = old_text.render_text(items, lang, context=ctx)
        if new != old:  # the first differing line, not two whole reports
            pairs = zip(new.split("\n"), old.split("\n"), strict=False)
            diff = next(((n, o) for n, o in pairs if n != o), (new[-80:], old[-80:]))
            raise AssertionError(f"{lang} width {width} colour {color}: new {diff[0]!r} != old {diff[1]!r}")


def _each(reports: list[Report]) -> Iterator[ReportSet]:
    for rep in reports:
        yield ReportSet(items=(rep,))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_same_bytes(path: Path) -> None:
    v = _vetter()
    for explain in (False, True):
        _same(ReportSet(items=(v.check(path, explain=explain),)))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_case_same_bytes(case: object) -> None:
    pack = str(case.pack) if case.pack is not None else "heshan"  # type: ignore[attr-defined]
    _same(ReportSet(items=(run_case(case, _vetter(pack)),)))  # type: ignore[arg-type]


def test_300_benchmark_projects_same_bytes() -> None:
    workload = _workload()
    v = Vetter(str(ROOT / "benchmarks" / "bench_pack.toml"), autoload=False)
    reports = [v.check(workload.as_dict(p)) for p in workload.projects(300, 15)]  # type: ignore[attr-defined]
    for items in _each(reports):
        _same(items)


def test_shipped_pack_synthetic_projects_same_bytes() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import run
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    v = _vetter()
    reports = [v.check(d, explain=i % 3 == 0) for i, d in enumerate(run.heshan_workload(60, 15))]
    for items in _each(reports):
        _same(items)


def test_batches_with_errors_and_summary_same_bytes() -> None:
    v = _vetter()
    reports = [v.check(p, as_of=date(2024, 9, 10)) for p in EXAMPLES[:6]]
    bad = ItemError(
        source="projects/bad.toml",
        line=3,
        project_id="BAD-1",
        errors=(
            Problem(message=Text(zh="用地面积必须大于 0。", en="land_area must be above 0."), field="land_area"),
            Problem(message=Text(zh="缺少名称。", en="The name is missing."), file="other.toml", line=2, column=5),
        ),
    )
    indexed = ItemError(index=4, errors=(Problem(message=Text(zh="格式有误。", en="Not TOML.")),))
    batch = ReportSet(items=(reports[0], bad, *reports[1:4], indexed, *reports[4:]))
    _same(batch, [*SHAPES, ("zh", 20, False), ("en", 20, True), ("zh", 7, False), ("en", 400, False)])
    _same(ReportSet(items=(bad,)))


# -- the layout functions against the old ones on generated text ----------------------------------------------------

_PIECES = st.sampled_from(
    [
        *"ab_-.07 \t\x00\x07\x1b\x7f\u3000\u00a0\u2028\u200b",
        *"亩均税收，。（）《》“”、：；！？…—·%([{",
        *"ＡＢ１ｱ",  # fullwidth letters and digit, a halfwidth katakana
        "e\u0301",  # a combining accent
        "\U0001f600",
        "\U0001f468\u200d\U0001f469",  # emoji joined by a zero-width joiner
        "\ud800",  # a lone surrogate
        "≥ 20 万元/亩",
        "≤0.7",
        "−3.5%",
        "5.5万元/亩",
        "1,234.5 tce",
        "HS-2H-001",
        "land_area",
        "x" * 130,
        "亩" * 70,
    ]
)
_TEXTS = st.lists(_PIECES, max_size=40).map("".join) | st.text(max_size=80)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_display_width_same_as_the_old(s: str) -> None:
    assert layout.display_width(s) == old_layout.display_width(s)
    assert layout.pad(s, 30) == old_layout.pad(s, 30)


@settings(max_examples=400, deadline=None)
@given(_TEXTS, st.integers(min_value=-2, max_value=140))
def test_wrap_same_as_the_old(s: str, width: int) -> None:
    assert layout.pieces(s) == old_layout.pieces(s)
    assert layout.wrap(s, width) == old_layout.wrap(s, width)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, st.integers(min_value=1, max_value=120), st.sampled_from(["", "  · ", "项目: ", "    依据: ", "\t"]))
def test_hang_same_as_the_old(s: str, width: int, first: str) -> None:
    for rest in (None, "", "    ", "      "):
        assert layout.hang(s, width, first, rest) == old_layout.hang(s, width, first, rest)


def test_glossary_same_titles_and_words_as_the_old() -> None:
    v = _vetter()
    for path in EXAMPLES:
        rep = v.check(path)
        new, old = glossary.Glossary(rep), old_glossary.Glossary(rep)
        for name in [*sorted(old.titles), "no_such_name", "land_area"]:
            assert (name in new) == (name in old.titles)
            for lang in ("zh", "en"):
                assert new.title(name, lang) == old.title(name, lang)
        for f in rep.findings:
            for lang in ("zh", "en"):
                said = f.explanation.get(lang)
                assert new.words(said, lang) == old.words(said, lang)


# -- a float's text by its digits against the Decimal way -----------------------------------------------------------


_TIES = st.sampled_from([0.125, 2.675, 1.005, -1.005, 0.005, -0.005, 9.995, 99.995, -0.0, 0.0, 0.5, -0.004, 1e15])


@settings(max_examples=2000, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True) | _TIES, st.sampled_from([0, 1, 2, 3, 4, 15, None]))
def test_format_number_of_a_float_same_as_the_decimal_way(x: float, places: int | None) -> None:
    if math.isfinite(x):
        assert format_number(x, places) == format_number(Decimal(repr(x)), places)
    else:
        assert format_number(x, places) == str(x)
