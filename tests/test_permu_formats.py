"""The seam between ``evaluate`` and the plugins that read registers in other formats or write evaluations
(``heshan_evaluation_formats``), tested with a plugin of this file: no openpyxl needed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import (
    BilingualValueError,
    EvaluationFormat,
    EvaluationResult,
    HeaderRule,
    PluginError,
    ProjectError,
    Table,
    hookimpl,
)
from heshan_vetting.permu.command import evaluate
from heshan_vetting.permu.register import register_header_row
from heshan_vetting.plugins import Hooks, make_plugin_manager

AS_OF = date(2026, 6, 30)
HEADER = ["序号", "统一社会信用代码", "企业名称", "企业规模", "用地面积 (亩)", "实缴税收 (万元)", "用电量 (万千瓦时)"]


def test_the_header_row_is_found_below_title_rows() -> None:
    rows: list[tuple[int, list[object]]] = [
        (1, ["某市工业企业台账"]),
        (2, ["填报日期", "2026-03-01"]),
        (3, HEADER),
        (4, [1, "X1", "甲", "规下", 10, 50, 100]),
    ]
    assert register_header_row(rows) == 3
    # no row names both id and name: the one naming the most fields, so its errors say what is wrong
    assert register_header_row([(1, ["标题"]), (2, ["企业名称", "用地面积 (亩)"]), (3, ["企业名称"])]) == 2
    assert register_header_row([(5, ["标题"])]) == 5
    assert register_header_row([]) is None


class TabFormat:
    """Reads ``.tab`` files: a title row, then the header, then rows separated by tabs; writes ``upper``."""

    name = "tab_plugin"

    @staticmethod
    def read(path: Path, header_row: HeaderRule) -> Table:
        lines = path.read_text(encoding="utf-8").splitlines()
        rows: list[tuple[int, list[object]]] = []
        for number, line in enumerate(lines, start=1):
            cells: list[object] = []
            for c in line.split("\t"):
                if c == "#FORMULA":
                    cells.append(BilingualValueError("the formula has no saved result", "公式没有保存的计算结果"))
                else:
                    cells.append(float(c) if c.replace(".", "", 1).isdigit() else (c or None))
            rows.append((number, cells))
        first = header_row(rows[:10])
        assert first is not None
        return Table(rows=[r for r in rows if r[0] >= first], sheet="企业 台账")

    @staticmethod
    def render(result: Any, lang: str) -> str:
        return f"{len(result.enterprises)} enterprises"

    @hookimpl
    def heshan_evaluation_formats(self) -> list[EvaluationFormat]:
        return [EvaluationFormat(name="upper", suffixes=(".tab",), read=self.read, render=self.render)]


def _hooks(*plugins: object) -> Hooks:
    return Hooks(*make_plugin_manager(list(plugins), autoload=False))


def _tab(tmp_path: Path, *rows: list[str]) -> Path:
    path = tmp_path / "register.tab"
    text = "\n".join("\t".join(r) for r in (["某市工业企业台账"], HEADER, *rows))
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_a_plugin_format_reads_a_register_with_the_core_checks(tmp_path: Path) -> None:
    path = _tab(
        tmp_path,
        ["1", "X1", "甲", "规下", "10", "50", "100"],
        ["2", "X2", "乙", "规下", "很多", "50", "100"],
        ["3", "X3", "丙", "规下", "8", "#FORMULA", "100"],
        ["4", "X4", "丁", "规下", "12", "80", "90"],
    )
    result, inputs = evaluate(path, as_of=AS_OF, hooks=_hooks(TabFormat()))
    assert isinstance(result, EvaluationResult)
    assert path in inputs
    assert (result.register_sheet, result.register_header_row) == ("企业 台账", 2)
    assert [e.row for e in result.enterprises] == [3, 6]
    assert [(e.row, e.column) for e in result.errors] == [
        (4, "用地面积 (亩) ('企业 台账'!E4)"),
        (5, "实缴税收 (万元) ('企业 台账'!F5)"),
    ]
    assert result.errors[1].message_en == "the formula has no saved result."
    assert _hooks(TabFormat()).evaluation_renderers()["upper"](result, "zh") == "2 enterprises"


def test_without_a_format_for_the_suffix_the_register_is_refused(tmp_path: Path) -> None:
    path = _tab(tmp_path, ["1", "X1", "甲", "规下", "10", "50", "100"])
    with pytest.raises(ProjectError) as err:
        evaluate(path, as_of=AS_OF, hooks=_hooks())
    assert ".xlsx" in err.value.message_en


class Broken:
    name = "broken_plugin"

    @hookimpl
    def heshan_evaluation_formats(self) -> list[EvaluationFormat]:
        def read(path: Path, header_row: HeaderRule) -> Table:
            return ["not a table"]  # type: ignore[return-value]

        return [EvaluationFormat(name="broken", suffixes=(".tab",), read=read)]


class NotAList:
    name = "not_a_list_plugin"

    @hookimpl
    def heshan_evaluation_formats(self) -> Any:
        return "xlsx"


def test_a_broken_format_is_a_plugin_error(tmp_path: Path) -> None:
    path = _tab(tmp_path, ["1", "X1", "甲", "规下", "10", "50", "100"])
    with pytest.raises(PluginError, match="must return a Table"):
        evaluate(path, as_of=AS_OF, hooks=_hooks(Broken()))
    with pytest.raises(PluginError, match="list of EvaluationFormat"):
        _hooks(NotAList()).evaluation_renderers()


def test_a_later_plugin_wins_for_one_suffix(tmp_path: Path) -> None:
    path = _tab(tmp_path, ["1", "X1", "甲", "规下", "10", "50", "100"])
    with pytest.raises(PluginError):  # Broken registered after TabFormat: its reader is asked
        evaluate(path, as_of=AS_OF, hooks=_hooks(TabFormat(), Broken()))
    result, _ = evaluate(path, as_of=AS_OF, hooks=_hooks(Broken(), TabFormat()))
    assert len(result.enterprises) == 1


def test_an_evaluation_format_is_checked_when_made() -> None:
    with pytest.raises(ValueError, match="no read function"):
        EvaluationFormat(name="x", suffixes=(".x",))
    with pytest.raises(ValueError, match="lower case with the dot"):
        EvaluationFormat(name="x", suffixes=("XLSX",), read=TabFormat.read)
    with pytest.raises(ValueError, match="lower case letters"):
        EvaluationFormat(name="X Y")
