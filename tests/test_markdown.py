"""The Markdown renderer (issue 12): golden files for an approved, a rejected and a deferred project and for a
batch with an error item, in Chinese and English; tables whose rows all have their header's columns.

Rewrite the golden files after a deliberate change with ``HESHAN_UPDATE_GOLDEN=1 python -m pytest
tests/test_markdown.py`` (paths inside the repository are written relative to it) and review the diff.
The batch's text report (width 100) is kept beside them, as the text report of a batch.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest

from heshan_vetting import Report, ReportSet, Vetter
from heshan_vetting.builtins.render.markdown import cell, table
from heshan_vetting.results import ItemError, Problem
from heshan_vetting.terms import Text
from heshan_vetting.testing import load_cases, run_case

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
CASES = {c.name: c for c in load_cases(ROOT / "tests" / "cases")}
UPDATE = os.environ.get("HESHAN_UPDATE_GOLDEN", "") not in ("", "0")
SINGLE = {
    "approve": "01-approve-pv-module-plant",
    "reject": "02-veto-fail-cement-reject",
    "deferred": "04-veto-missing-data-deferred",
}
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@cache
def _vetter() -> Vetter:
    return Vetter()


@cache
def _case(name: str) -> Report:
    return run_case(CASES[name], _vetter())


def _batch() -> ReportSet:
    bad = ItemError(
        source="tests/ledger.jsonl",
        line=2,
        project_id="HS-BAD-1",
        errors=(
            Problem(
                message=Text(
                    zh="用地面积取值无效：'abc|x' 不是“数值 + 单位”的写法。", en="Invalid land area: 'abc|x'."
                ),
                line=2,
                column=14,
                field="land_area",
            ),
            Problem(message=Text(zh="缺少项目名称。", en="The project name is missing."), field="name"),
        ),
    )
    return ReportSet(
        items=(_case("01-approve-pv-module-plant"), bad, _case("05-required-fail-conditional")),
    )


def _portable(text: str) -> str:
    return text.replace(str(ROOT) + os.sep, "").replace(str(ROOT), ".")


def _compare(golden: Path, text: str) -> None:
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert golden.exists(), f"{golden} is missing: HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_markdown.py"
    assert golden.read_bytes() == text.encode("utf-8"), (
        f"{golden}: the output changed; if on purpose, HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_markdown.py"
    )


def _markdown(kind: str, lang: str) -> str:
    items: Report | ReportSet = _batch() if kind == "batch" else _case(SINGLE[kind])
    return _portable(_vetter().render(items, "markdown", lang=lang))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", [*SINGLE, "batch"])
def test_the_markdown_report_is_byte_identical_to_the_golden_file(kind: str, lang: str) -> None:
    _compare(GOLDEN / "markdown" / f"{kind}.{lang}.md", _markdown(kind, lang))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_text_report_of_a_batch_is_byte_identical_to_the_golden_file(lang: str) -> None:
    _compare(GOLDEN / "text" / f"batch.{lang}.txt", _portable(_vetter().render(_batch(), "text", lang=lang)))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", [*SINGLE, "batch"])
def test_every_table_row_has_its_headers_number_of_columns(kind: str, lang: str) -> None:
    tables = 0
    columns: int | None = None
    for line in [*_markdown(kind, lang).splitlines(), ""]:
        if line.startswith("|"):
            n = len(UNESCAPED_PIPE.findall(line)) - 1
            if columns is None:
                columns, tables = n, tables + 1
            assert n == columns, f"{kind}.{lang}: {line!r} has {n} columns, its header {columns}"
        else:
            columns = None
    assert tables >= 3


def test_a_batch_has_a_section_per_item_in_order_and_a_summary() -> None:
    md = _markdown("batch", "zh")
    heads = [line for line in md.splitlines() if line.startswith("## ")]
    assert heads == [
        "## 1. 光伏组件项目：准予准入",
        "## 2. tests/ledger.jsonl:2：输入有误，未评审",
        "## 3. 电子电路项目：有条件准入",
        "## 汇总",
    ]
    assert "| 4:14 | 用地面积（land\\_area） |" not in md  # an underscore inside a word is not emphasis
    assert "| 2:14 | 用地面积（land_area） | 用地面积取值无效：'abc\\|x' 不是“数值 + 单位”的写法。 |" in md
    one = _markdown("approve", "zh")
    assert "## 汇总" not in one
    assert "\n---\n" not in one


def test_cells_are_escaped_and_kept_on_one_line() -> None:
    assert cell("a | b *c* `d` <e>\nf\\g") == "a \\| b \\*c\\* \\`d\\` &lt;e&gt; f\\\\g"
    lines = table(["a", "b"], [["x|y", "1"]], "lr")
    assert lines == ["| a | b |", "| --- | ---: |", "| x\\|y | 1 |"]


def test_the_markdown_report_names_fields_by_their_titles_in_chinese() -> None:
    md = _markdown("deferred", "zh")
    assert "- **行业代码**: 评审范围、否决项 HS-2H-001" in md
    assert "| 阈值 | 行政办公及生活服务设施用地所占比重上限 | 2008-01-31 | 2023-06-24 |" in md
    assert "construction_type" not in md
    en = _markdown("deferred", "en")
    assert "- **construction type (construction_type)**: " in en
