"""The text report fits its width (issue 12): display width, wrapping that splits no number or identifier,
titles instead of identifiers in Chinese, colour only when asked, batches with error items and a summary.

How "nothing is split" is checked: the same report is rendered at widths 60-120 and at a width so large that
nothing wraps; the numeric tokens (a number with its sign, comparison and unit, e.g. ``≥ 20 万元/亩``) and the
identifiers (``HS-2H-001``, ``construction_type``) found in each must be the same multiset. A number split
across lines (``0.`` / ``7``) or cut from its unit shows up as a different token.

How "no English identifiers in Chinese" is checked: no project field name (``FIELD_SPECS``) and no name the
report's glossary knows (facts, derived metrics, thresholds) occurs as a word in the Chinese report, except
where the reader is to type it: a project-file line the report quotes (``confirmed_values = ["tax_per_mu"]``),
and an error item's problem lines, which name the key to fix as ``用地面积（land_area）``.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heshan_vetting import RenderContext, Report, ReportSet, Vetter
from heshan_vetting.builtins.render import layout
from heshan_vetting.builtins.render.glossary import Glossary
from heshan_vetting.builtins.render.layout import NO_LINE_END, NO_LINE_START, display_width, pieces, wrap
from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.results import ItemError, Problem
from heshan_vetting.terms import Text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "projects").glob("*.toml"))
WIDTHS = (60, 80, 100, 120)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
NUMBER = re.compile(
    r"(?:[≥≤<>]\s?)?-?\d[\d,]*(?:\.\d+)?(?:\s?(?:万元/亩|万元/公顷|万千瓦时|tce/万元|万元|亿元|tce|kWh|%|亩))?"
)
IDENT = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+")
SNIPPET = re.compile(r'[a-z][a-z0-9_]* = (?:\[[^\]]*\]|"[^"]*")')
WORD = re.compile(r"(?<![A-Za-z0-9_\-./])[A-Za-z][A-Za-z0-9_]*(?![A-Za-z0-9_\-])")


@cache
def _vetter() -> Vetter:
    return Vetter()


@cache
def _report(path: Path) -> Report:
    return _vetter().check(path, as_of="2024-09-10")


def _text(report: Report | ReportSet, lang: str, width: int, color: bool = False) -> str:
    return _vetter().render(report, "text", lang=lang, context=RenderContext(width=width, color=color))


def _tokens(pattern: re.Pattern[str], text: str) -> Counter[str]:
    return Counter(m.group(0).replace(" ", "") for m in pattern.finditer(text))


# -- wrapping ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("the ratio needs ≥ 0.7 to pass; has 0.65", "≥ 0.7"),
        ("亩均税收不低于下限（需 ≥ 20 万元/亩，现为 13 万元/亩，差 7 万元/亩）", "≥ 20 万元/亩"),
        ("数据不足，无法判断：缺少 年用电量（construction_type）和其他数据项目", "（construction_type）"),
        ("规则 HS-2H-001 坚决遏制两高项目建设，增长 -3.5%，预计提高到5.5万元/亩以上", "5.5万元/亩"),
        ("规则 HS-2H-001 坚决遏制两高项目建设，增长 -3.5%，预计提高到5.5万元/亩以上", "-3.5%，"),
    ],
)
@pytest.mark.parametrize("width", range(8, 40))
def test_a_number_with_its_unit_or_an_identifier_is_never_split(text: str, whole: str, width: int) -> None:
    lines = wrap(text, width)
    assert any(whole in line for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize("width", range(6, 30))
def test_chinese_punctuation_neither_starts_nor_ends_a_line_wrongly(width: int) -> None:
    text = "珠三角核心区域禁止新建、扩建水泥、平板玻璃（含光伏压延玻璃）、化学制浆；禁止新建燃煤火电机组。"
    text += "“两高”项目：须审查。"
    lines = wrap(text, width)
    assert all(line[:1] not in NO_LINE_START for line in lines[1:]), lines
    assert all(line[-1:] not in NO_LINE_END for line in lines[:-1]), lines
    # only a line of one unbreakable piece (a 汉字 with its punctuation) may exceed the width
    assert all(display_width(line) <= max(width, 4) for line in lines), lines


def test_display_width_counts_wide_and_fullwidth_characters_twice() -> None:
    assert display_width("abc") == 3
    assert display_width("亩均税收") == 8
    assert display_width("（ＡＢ）") == 8
    assert display_width("≥ 20 万元/亩") == 12


_ALPHABET = st.sampled_from([*"ab_-.07 ", *"亩均税收，。（）", "≥", "万元/亩", "HS-2H-001", "0.7", "land_area"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join), st.integers(min_value=1, max_value=50))
def test_wrapping_keeps_every_character_and_fits_unless_one_piece_is_wider(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        # a line is wider than allowed only when it holds a single piece (no place to break in it)
        assert display_width(line) <= width or len(pieces(line)) == 1, lines


def test_wrapping_is_linear_each_character_is_measured_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    measured = 0
    real = layout.display_width

    def counting(text: str) -> int:
        nonlocal measured
        measured += len(text)
        return real(text)

    monkeypatch.setattr(layout, "display_width", counting)
    text = "亩均税收不低于下限（需 ≥ 20 万元/亩，现为 13 万元/亩） needs ≥ 0.7; HS-2H-001 " * 2_000
    lines = layout.hang(text, 80, "  · ", "    ")
    assert len(lines) > 1_000
    assert measured <= 3 * len(text)


# -- the reports of the examples -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_fits_every_width_and_splits_no_number(path: Path, lang: str) -> None:
    report = _report(path)
    whole = _text(report, lang, 100_000)
    for width in WIDTHS:
        text = _text(report, lang, width)
        for line in text.splitlines():
            if display_width(line) > width:
                # only a single unbreakable piece may run over (after its indent)
                assert len(pieces(line)) == 1, f"{path.name} {lang} {width}: {line!r}"
        assert _tokens(NUMBER, text) == _tokens(NUMBER, whole), f"{path.name} {lang} {width}: a number was split"
        assert _tokens(IDENT, text) == _tokens(IDENT, whole), f"{path.name} {lang} {width}: an id was split"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_chinese_report_names_no_field_fact_or_threshold_by_its_identifier(path: Path) -> None:
    report = _report(path)
    text = SNIPPET.sub("", _text(report, "zh", 100_000))
    names = set(FIELD_SPECS) | set(Glossary(report).titles)
    words = {m.group(0) for m in WORD.finditer(text)}
    assert not words & names, f"{path.name}: {sorted(words & names)}"


def test_a_value_has_its_unit_and_the_same_precision_in_the_score_lines_and_the_table() -> None:
    report = _vetter().check(ROOT / "tests" / "cases" / "05-required-fail-conditional" / "project.toml")
    text = _text(report, "zh", 200)
    assert "投资强度: 433.33 万元/亩 → 30 分" in text
    assert "亩均税收: 13 万元/亩 → 0 分" in text
    assert "（需 ≥ 20 万元/亩，现为 13 万元/亩，差 7 万元/亩）" in text
    en = _text(report, "en", 200)
    assert "(needs ≥ 20 万元/亩; has 13 万元/亩; short by 7 万元/亩)" in en


def test_a_project_file_line_to_write_is_quoted_verbatim() -> None:
    report = _report(ROOT / "examples" / "projects" / "synthetic-unit-slips.toml")
    zh = _text(report, "zh", 200)
    line = "  · 投资强度：数据核实 HS-DQ-001 认为该数值不合理：请核实或更正；确认无误请在项目文件中写明 "
    assert line + 'confirmed_values = ["investment_intensity"]。' in zh


def test_thresholds_and_missing_data_are_named_by_their_titles_in_chinese() -> None:
    report = _vetter().check(ROOT / "tests" / "cases" / "04-veto-missing-data-deferred" / "project.toml")
    zh = _text(report, "zh", 200)
    assert "阈值“行政办公及生活服务设施用地所占比重上限”: 2008-01-31 ~ 2023-06-24" in zh
    assert "缺少数据: 行业代码、主要产品、年综合能耗、建设性质" in zh
    assert "  · 行业代码：评审范围、否决项 HS-2H-001" in zh
    en = _text(report, "en", 200)
    assert "threshold max_admin_living_share: 2008-01-31 ~ 2023-06-24" in en
    assert "Missing data: industry code (GB/T 4754-2017), products" in en


# -- colour --------------------------------------------------------------------------------------


def test_colour_marks_the_verdict_and_outcomes_only_when_asked_and_changes_no_width() -> None:
    report = _report(ROOT / "examples" / "projects" / "cement-clinker-line.toml")
    plain = _text(report, "zh", 80)
    coloured = _text(report, "zh", 80, color=True)
    assert "\x1b[" not in plain
    assert coloured.splitlines()[0] == "\x1b[31m结论: 不予准入\x1b[0m"
    assert "\x1b[31m✗ 不符合" in coloured
    assert "\x1b[32m✓ 符合" in coloured
    assert ANSI.sub("", coloured) == plain
    assert "\x1b[" not in _vetter().render(report, "text", lang="zh")  # no context: no colour


# -- batches ---------------------------------------------------------------------------------------


def _error() -> ItemError:
    return ItemError(
        source="ledger.xlsx",
        line=4,
        project_id="HS-9",
        errors=(
            Problem(
                message=Text(zh="用地面积取值无效。", en="Invalid land area."), line=4, column=7, field="land_area"
            ),
            Problem(message=Text(zh="缺少项目名称。", en="The project name is missing."), field="name"),
        ),
    )


def test_a_batch_shows_each_item_in_input_order_error_items_as_a_block_and_ends_with_a_summary() -> None:
    good = _report(ROOT / "examples" / "projects" / "pv-module-plant.toml")
    bad = _report(ROOT / "examples" / "projects" / "cement-clinker-line.toml")
    batch = ReportSet(items=(good, _error(), bad))
    zh = _text(batch, "zh", 120)
    blocks = zh.split("\n" + "=" * 78 + "\n")
    assert len(blocks) == 4
    assert blocks[0].startswith("结论: 准予准入")
    assert blocks[1].strip().splitlines() == [
        "结论: 输入有误，未评审",
        "来源: ledger.xlsx:4",
        "项目: HS-9",
        "问题（2）：",
        "  · 4:7：用地面积（land_area）：用地面积取值无效。",
        "  · 项目名称（name）：缺少项目名称。",
    ]
    assert blocks[2].strip().startswith("结论: 不予准入")
    summary = blocks[3].strip()
    assert summary.startswith("汇总: 共 3 项：准予准入 1 项，有条件准入 0 项，暂缓评审 0 项，不予准入 1 项；输入有误")
    assert "  · HS-2H-001 坚决遏制两高项目：1 项" in summary
    en = _text(batch, "en", 120)
    assert "Verdict: INPUT ERROR (not vetted)" in en
    assert "  · 4:7: land area (land_area): Invalid land area." in en
    assert "Summary: 3 items: approve 1, conditional 0, deferred 0, reject 1; input errors 1" in en


def test_one_item_has_no_summary() -> None:
    one = _text(ReportSet(items=(_error(),)), "zh", 80)
    assert "汇总" not in one
    assert "=" * 20 not in one
    report = _text(_report(ROOT / "examples" / "projects" / "pv-module-plant.toml"), "zh", 80)
    assert "汇总" not in report
