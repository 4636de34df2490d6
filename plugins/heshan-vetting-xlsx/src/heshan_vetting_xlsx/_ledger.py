"""The ``xlsx`` renderer: the ledger written back, with each row's results beside it, and a summary sheet.

For the items that came from a workbook, the sheet they were read from is read again (:func:`._sheet.read_grid`)
and copied whole: title rows, the header row, every cell (ignored columns such as 序号, 备注, 联系人 included,
with its number format) and the merged ranges. The result columns (:class:`heshan_vetting.ResultColumns`:
结论, 评分, 需整改, 缺少材料, 转报, 错误, then one per rule) are added right of the last used column, headed in
the header row, and filled on each item's row. Items from other files (TOML, JSON Lines), and the whole-file
errors of workbooks, go on one more sheet with their source, line, id and name. Last comes the summary sheet
(汇总): counts per verdict, errors, the rules failed most often.

Text is always written as text, never as a formula: a project name ``=HYPERLINK(…)`` stays that text.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from heshan_vetting import Item, ItemError, ProjectError, ReportSet, ResultColumns, Text, Verdict

from ._sheet import Grid, read_grid

__all__ = ["render_xlsx"]

#: Finds the header row of a re-read sheet: (row, its cells with ``.value`` and ``.column``) of the first rows
#: → the header row's number (the loader's own rule).
HeaderRow = Callable[[list[tuple[int, list[Any]]]], int | None]

_SUFFIXES = (".xlsx", ".xlsm")
_MAX_TEXT = 32_767  # Excel's longest cell text
_MAX_WIDTH = 60
_HEADER_FONT = Font(bold=True)
_RESULT_FILL = PatternFill("solid", fgColor="FFF2CC")  # the added columns' headers: a pale yellow
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_WRAP = Alignment(wrap_text=True, vertical="top")

_OTHER = Text(zh="其他项目", en="other items")
_SUMMARY = Text(zh="汇总", en="summary")


@dataclass(frozen=True)
class _Cell:
    """A cell of a re-read sheet, as the header-row rule reads it."""

    column: int
    value: Any


@dataclass
class _Ledger:
    """The items of one workbook, by row, and the sheet to copy."""

    source: str
    grid: Grid
    header_row: int
    items: dict[int, Item] = field(default_factory=dict)


def _text(value: str) -> str:
    clean = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return clean if len(clean) <= _MAX_TEXT else clean[: _MAX_TEXT - 1] + "…"


def _put(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> None:
    """Write ``value``; text as text (``data_type`` ``s``: openpyxl would take ``=…`` for a formula)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = _text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    if number_format and number_format != "General":
        cell.number_format = number_format


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 10
    text = str(value)
    longest = max(
        (len(line) + sum(unicodedata.east_asian_width(ch) in "WF" for ch in line)) for line in text.split("\n")
    )
    return longest


def _style_header(ws: Worksheet, row: int, first_result: int, last: int) -> None:
    for column in range(1, last + 1):
        cell = ws.cell(row=row, column=column)
        cell.font = _HEADER_FONT
        cell.fill = _RESULT_FILL if column >= first_result else _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _finish(ws: Worksheet, header_row: int, last_column: int, last_row: int, widths: dict[int, int]) -> None:
    """Freeze the rows down to the header and the first column, filter on the header, size the columns."""
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2).coordinate
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(last_column)}{max(last_row, header_row)}"
    for column in range(1, last_column + 1):
        ws.column_dimensions[get_column_letter(column)].width = min(_MAX_WIDTH, max(6, widths.get(column, 0) + 2))


def _sheet_title(wb: openpyxl.Workbook, wanted: str) -> str:
    """A unique, valid sheet title (at most 31 characters, none of ``[]:*?/\\``)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", wanted).strip("'") or "sheet"
    base = base[:31]
    title, n = base, 2
    taken = {ws.title.casefold() for ws in wb.worksheets}
    while title.casefold() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    return title


def _ledgers(items: Sequence[Item], header_row: HeaderRow) -> tuple[list[_Ledger], list[Item]]:
    """The workbooks the items came from (each re-read), and the items that go on the sheet of other items."""
    ledgers: dict[str, _Ledger | None] = {}
    others: list[Item] = []
    for item in items:
        source = item.source if isinstance(item, ItemError) else item.project.source
        line = item.line if isinstance(item, ItemError) else item.project.line
        ledger = None
        if source is not None and line is not None and Path(source).suffix.lower() in _SUFFIXES:
            if source not in ledgers:
                ledgers[source] = _reread(source, header_row)
            ledger = ledgers[source]
        if ledger is None or line is None or line in ledger.items or line <= ledger.header_row:
            others.append(item)
        else:
            ledger.items[line] = item
    return [ledger for ledger in ledgers.values() if ledger is not None and ledger.items], others


def _reread(source: str, header_row: HeaderRow) -> _Ledger | None:
    """The sheet of ``source`` as it is now; ``None`` when it cannot be read (gone, or not a workbook now)."""
    try:
        grid = read_grid(Path(source))
    except (ProjectError, OSError):
        return None
    first: dict[int, list[Any]] = {}
    for row, column, value, _fmt in grid.cells:
        if row > 10:
            break
        if not (isinstance(value, str) and not value.strip()):
            first.setdefault(row, []).append(_Cell(column, value))
    found = header_row(sorted(first.items()))
    if found is None:
        return None
    return _Ledger(source, grid, found)


def _write_ledger(ws: Worksheet, ledger: _Ledger, columns: ResultColumns, lang: str) -> None:
    widths: dict[int, int] = {}
    last_column = last_row = 0
    for row, column, value, number_format in ledger.grid.cells:
        _put(ws, row, column, value, number_format)
        last_column, last_row = max(last_column, column), max(last_row, row)
        if row >= ledger.header_row:
            widths[column] = max(widths.get(column, 0), min(_width(value), _MAX_WIDTH))
    for first_row, first_column, end_row, end_column in ledger.grid.merged:
        ws.merge_cells(start_row=first_row, start_column=first_column, end_row=end_row, end_column=end_column)
        last_column = max(last_column, end_column)
    start = last_column + 1
    headers = columns.headers(lang)
    for offset, header in enumerate(headers):
        _put(ws, ledger.header_row, start + offset, header)
        widths[start + offset] = min(_width(header), 24)
    for row, item in sorted(ledger.items.items()):
        for offset, value in enumerate(columns.values(item, lang)):
            _put(ws, row, start + offset, value)
            widths[start + offset] = max(widths[start + offset], min(_width(value), _MAX_WIDTH))
            if isinstance(value, str) and offset in (2, 3, 4, 5):
                ws.cell(row=row, column=start + offset).alignment = _WRAP
        last_row = max(last_row, row)
    last = start + len(headers) - 1
    _style_header(ws, ledger.header_row, start, last)
    _finish(ws, ledger.header_row, last, last_row, widths)


def _write_others(ws: Worksheet, items: Sequence[Item], columns: ResultColumns, lang: str) -> None:
    headers = columns.item_headers(lang) + columns.headers(lang)
    widths = {i: min(_width(h), 24) for i, h in enumerate(headers, start=1)}
    for column, header in enumerate(headers, start=1):
        _put(ws, 1, column, header)
    for row, item in enumerate(items, start=2):
        for column, value in enumerate([*columns.item_values(item), *columns.values(item, lang)], start=1):
            _put(ws, row, column, value)
            widths[column] = max(widths[column], min(_width(value), _MAX_WIDTH))
    _style_header(ws, 1, len(columns.item_headers(lang)) + 1, len(headers))
    _finish(ws, 1, len(headers), len(items) + 1, widths)


def _write_summary(ws: Worksheet, reports: ReportSet, lang: str) -> None:
    summary = reports.summary
    en = lang == "en"
    rows: list[tuple[Any, ...]] = [
        ("Item" if en else "项目", "Count" if en else "数量"),
        ("items" if en else "项目总数", summary.items),
        ("vetted" if en else "已评审", summary.reports),
    ]
    rows += [(v.label(lang), getattr(summary.verdicts, v.value)) for v in Verdict]
    rows += [
        (_error_text(lang), summary.errors),
        ("incomplete (a check could not run)" if en else "评审不完整（有检查未能运行）", summary.incomplete),
        (),
        (
            "Most-failed rules" if en else "未通过最多的规则",
            "Projects failing" if en else "未通过项目数",
            "Title" if en else "规则名称",
        ),
    ]
    table = len(rows)
    rows += [(r.rule_id, r.failed, r.title.get(lang)) for r in summary.most_failed]
    widths: dict[int, int] = {}
    for row, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            _put(ws, row, column, value)
            widths[column] = max(widths.get(column, 0), _width(value))
    for row in (1, table):
        for column in range(1, 4):
            ws.cell(row=row, column=column).font = _HEADER_FONT
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(_MAX_WIDTH, width + 2)
    ws.freeze_panes = "A2"


def _error_text(lang: str) -> str:
    return "input errors (not vetted)" if lang == "en" else "输入有误，未评审"


def render_xlsx(reports: ReportSet, lang: str, header_row: HeaderRow) -> bytes:
    """The workbook: each ledger the items came from with the results added, other items, the summary."""
    columns = ResultColumns.of(reports.items)
    ledgers, others = _ledgers(reports.items, header_row)
    wb = openpyxl.Workbook()
    default = wb.active
    for ledger in ledgers:
        ws = wb.create_sheet(_sheet_title(wb, ledger.grid.title if len(ledgers) == 1 else Path(ledger.source).stem))
        _write_ledger(ws, ledger, columns, lang)
    if others or not ledgers:
        _write_others(wb.create_sheet(_sheet_title(wb, _OTHER.get(lang))), others, columns, lang)
    _write_summary(wb.create_sheet(_sheet_title(wb, _SUMMARY.get(lang))), reports, lang)
    if default is not None:
        wb.remove(default)
    wb.active = 0
    wb.properties.creator = "heshan_vetting"
    wb.properties.created = datetime(2000, 1, 1)  # not the time of the run (openpyxl stamps "modified" itself)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
