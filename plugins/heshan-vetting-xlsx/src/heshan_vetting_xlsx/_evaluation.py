"""``evaluate --format xlsx``: the register written back with each enterprise's evaluation, and the lists.

For a workbook register the sheet it was read from is read again (:func:`._sheet.read_grid`) and copied whole:
title rows, the header row, every cell with its number format (序号, 备注 included) and the merged ranges.
The evaluation columns (:data:`COLUMNS`: group, class, score, rank, group size, points per indicator, the
policy its class triggers, on the low-efficiency list or not, why, the agreement's commitments, and the error
of a row that could not be read) are added right of the last used column, headed in the header row. A CSV or
JSON Lines register is not a sheet to copy: its enterprises are listed by row, id and name with the same
columns. Then come the summary (汇总: the notes, the classes per group and over all), the low-efficiency land
list (低效用地清单) with the land involved, and the supervision agreements (监管协议), one commitment per row.

Text is always written as a string cell (``data_type = "s"``), never as a formula: an enterprise named
``=HYPERLINK(…)`` stays that text in every sheet (the guard :func:`heshan_vetting.formula_safe` gives a CSV).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from heshan_vetting import EnterpriseResult, EvaluationResult, ProjectError, Text

from ._ledger import _finish, _put, _sheet_title, _style_header, _width
from ._sheet import Grid, read_grid

__all__ = ["COLUMNS", "render_evaluation"]

#: The columns added to each enterprise's row, before one column of points per indicator and after them.
COLUMNS: tuple[Text, ...] = (
    Text(zh="评价分组", en="group"),
    Text(zh="评价类别", en="class"),
    Text(zh="综合得分", en="score"),
    Text(zh="组内排名", en="rank in group"),
    Text(zh="组内家数", en="ranked in group"),
)
#: The columns after the points.
AFTER: tuple[Text, ...] = (
    Text(zh="分类政策", en="policy of its class"),
    Text(zh="列入低效用地清单", en="on the low-efficiency list"),
    Text(zh="说明", en="why"),
    Text(zh="监管协议承诺", en="agreement commitments"),
    Text(zh="错误", en="error"),
)
_SUFFIXES = (".xlsx", ".xlsm")
_YES = Text(zh="是", en="yes")
_NO = Text(zh="否", en="no")


def _l(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _join(parts: Sequence[str], lang: str) -> str:
    return _l(lang, "；", "; ").join(parts)


def _points_headers(result: EvaluationResult, lang: str) -> list[tuple[str, str]]:
    """(indicator id, header) of every indicator any group scores, in the order the groups give them."""
    seen: dict[str, str] = {}
    for g in result.groups:
        for b in g.benchmarks:
            seen.setdefault(b.indicator, f"{b.title.get(lang)} {_l(lang, '得分', 'points')}")
    return list(seen.items())


def _commitments(e: EnterpriseResult, lang: str) -> str:
    parts = []
    for c in e.commitments:
        due = c.due.isoformat() if c.due else "—"
        parts.append(
            f"{c.title.get(lang)}: {c.fact_title.get(lang)} ≥ {c.floor:.6g} {c.unit} "
            + _l(lang, f"（{due} 前；现为 ", f"(by {due}; now ")
            + ("—" if c.value is None else f"{c.value:.6g}")
            + _l(lang, "）", ")")
        )
    parts += [n.get(lang) for n in e.commitment_notes]
    return _join(parts, lang)


def _values(e: EnterpriseResult, indicators: list[tuple[str, str]], lang: str) -> list[Any]:
    points = {i.id: i.points for i in e.indicators}
    why = [r.get(lang) for r in (*e.reasons, *e.low_efficiency_reasons)]
    if e.capped_by:
        why.append(_l(lang, "受限：", "capped: ") + ", ".join(e.capped_by))
    return [
        e.group,
        e.class_,
        None if e.score is None else round(e.score, 4),
        e.rank,
        e.group_size,
        *(None if points.get(i) is None else round(points[i] or 0.0, 4) for i, _h in indicators),
        _join([p.get(lang) for p in e.policy], lang) or None,
        (_YES if e.low_efficiency else _NO).get(lang),
        _join(why, lang) or None,
        _commitments(e, lang) or None,
        None,
    ]


def _headers(result: EvaluationResult, lang: str) -> tuple[list[str], list[tuple[str, str]]]:
    indicators = _points_headers(result, lang)
    headers = [h.get(lang) for h in COLUMNS] + [h for _i, h in indicators] + [h.get(lang) for h in AFTER]
    return headers, indicators


def _grid(result: EvaluationResult) -> Grid | None:
    """The register's sheet as it is now, when it was a workbook and still is the sheet that was read."""
    path = Path(result.register_file)
    if path.suffix.lower() not in _SUFFIXES or result.register_header_row is None:
        return None
    try:
        grid = read_grid(path)
    except (ProjectError, OSError):
        return None
    return grid if grid.title == result.register_sheet else None


def _errors_by_row(result: EvaluationResult, lang: str) -> dict[int, str]:
    out: dict[int, list[str]] = {}
    for err in result.errors:
        if err.row is not None and Path(err.file) == Path(result.register_file):
            text = err.message_en if lang == "en" else err.message_zh
            out.setdefault(err.row, []).append(f"{err.column}: {text}" if err.column else text)
    return {row: _join(texts, lang) for row, texts in out.items()}


def _write_register(ws: Worksheet, result: EvaluationResult, grid: Grid, lang: str) -> None:
    header_row = result.register_header_row or 1
    widths: dict[int, int] = {}
    last_column = last_row = 0
    for row, column, value, number_format in grid.cells:
        _put(ws, row, column, value, number_format)
        last_column, last_row = max(last_column, column), max(last_row, row)
        if row >= header_row:
            widths[column] = max(widths.get(column, 0), min(_width(value), 40))
    for first_row, first_column, end_row, end_column in grid.merged:
        ws.merge_cells(start_row=first_row, start_column=first_column, end_row=end_row, end_column=end_column)
        last_column = max(last_column, end_column)
    start = last_column + 1
    headers, indicators = _headers(result, lang)
    for offset, header in enumerate(headers):
        _put(ws, header_row, start + offset, header)
        widths[start + offset] = min(_width(header), 24)
    rows: dict[int, list[Any]] = {e.row: _values(e, indicators, lang) for e in result.enterprises}
    for row, error in _errors_by_row(result, lang).items():
        rows.setdefault(row, [None] * len(headers))[-1] = error
    for row, values in sorted(rows.items()):
        for offset, value in enumerate(values):
            _put(ws, row, start + offset, value)
            widths[start + offset] = max(widths[start + offset], min(_width(value), 40))
        last_row = max(last_row, row)
    last = start + len(headers) - 1
    _style_header(ws, header_row, start, last)
    _finish(ws, header_row, last, last_row, widths)


def _write_list(ws: Worksheet, headers: Sequence[str], rows: Sequence[Sequence[Any]], first_added: int = 1) -> None:
    widths = {i: min(_width(h), 24) for i, h in enumerate(headers, start=1)}
    for column, header in enumerate(headers, start=1):
        _put(ws, 1, column, header)
    for row, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            _put(ws, row, column, value)
            widths[column] = max(widths.get(column, 0), min(_width(value), 40))
    _style_header(ws, 1, first_added, len(headers))
    _finish(ws, 1, len(headers), len(rows) + 1, widths)


def _write_enterprises(ws: Worksheet, result: EvaluationResult, lang: str) -> None:
    headers, indicators = _headers(result, lang)
    names = [_l(lang, "行号", "row"), _l(lang, "统一社会信用代码", "id"), _l(lang, "企业名称", "name")]
    rows = [[e.row, e.id, e.name, *_values(e, indicators, lang)] for e in result.enterprises]
    rows += [
        [err.row, None, None, *([None] * (len(headers) - 1)), f"{err.column or ''} {err.message_zh}".strip()]
        if lang != "en"
        else [err.row, None, None, *([None] * (len(headers) - 1)), f"{err.column or ''} {err.message_en}".strip()]
        for err in result.errors
    ]
    _write_list(ws, names + headers, rows, len(names) + 1)


def _write_summary(ws: Worksheet, result: EvaluationResult, lang: str) -> None:
    lines: list[list[Any]] = [[_l(lang, "亩均效益评价", "Per-mu evaluation"), result.pack_title.get(lang)]]
    lines.append([_l(lang, "规则包", "pack"), " → ".join(f"{p.id} {p.version}" for p in result.packs)])
    lines.append([_l(lang, "评价日期", "as of"), result.as_of.isoformat()])
    lines.append([_l(lang, "台账", "register"), result.register_file])
    lines += [[_l(lang, "注意", "note"), n.get(lang)] for n in result.notes]
    lines.append([])
    table = len(lines) + 1
    lines.append(
        [
            _l(lang, "分组", "group"),
            _l(lang, "类别", "class"),
            _l(lang, "名称", "title"),
            _l(lang, "企业数", "enterprises"),
            _l(lang, "占比", "share"),
            _l(lang, "用地（亩）", "land (mu)"),
        ]
    )
    for g in result.groups:
        for c in g.classes:
            share = c.count / g.classed if g.classed else None
            lines.append([g.title.get(lang), c.class_, c.title.get(lang), c.count, share, round(c.land_area, 4)])
    total = sum(c.count for c in result.summary)
    for c in result.summary:
        share = c.count / total if total else None
        lines.append([_l(lang, "全部", "all"), c.class_, c.title.get(lang), c.count, share, round(c.land_area, 4)])
    for row, values in enumerate(lines, start=1):
        for column, value in enumerate(values, start=1):
            _put(ws, row, column, value, "0.0%" if row > table and column == 5 and value is not None else None)
    for column in range(1, 7):
        ws.cell(row=table, column=column).font = openpyxl.styles.Font(bold=True)
    for letter, width in zip("ABCDEF", (16, 40, 24, 10, 8, 12), strict=True):
        ws.column_dimensions[letter].width = width


def _write_low(ws: Worksheet, result: EvaluationResult, lang: str) -> None:
    low = result.low_efficiency
    headers = [
        _l(lang, "统一社会信用代码", "id"),
        _l(lang, "企业名称", "name"),
        _l(lang, "镇街", "town"),
        _l(lang, "评价分组", "group"),
        _l(lang, "评价类别", "class"),
        _l(lang, "综合得分", "score"),
        _l(lang, "用地面积（亩）", "land (mu)"),
        _l(lang, "列入原因", "why listed"),
        _l(lang, "行号", "row"),
    ]
    rows: list[list[Any]] = []
    if low is not None:
        by_id = {e.id: e for e in result.enterprises}
        for eid in low.enterprises:
            e = by_id[eid]
            rows.append(
                [
                    e.id,
                    e.name,
                    e.town,
                    e.group,
                    e.class_,
                    None if e.score is None else round(e.score, 4),
                    e.land_area,
                    _join([r.get(lang) for r in e.low_efficiency_reasons], lang),
                    e.row,
                ]
            )
        rows.append([_l(lang, "合计", "total"), len(low.enterprises), None, None, None, None, round(low.land_area, 4)])
    _write_list(ws, headers, rows)


def _write_agreements(ws: Worksheet, result: EvaluationResult, lang: str) -> None:
    headers = [
        _l(lang, "统一社会信用代码", "id"),
        _l(lang, "企业名称", "name"),
        _l(lang, "承诺事项", "commitment"),
        _l(lang, "指标", "figure"),
        _l(lang, "现值", "now"),
        _l(lang, "目标值", "target"),
        _l(lang, "单位", "unit"),
        _l(lang, "期限", "due"),
        _l(lang, "期限依据", "due basis"),
        _l(lang, "未达到时", "if missed"),
        _l(lang, "依据", "source"),
        _l(lang, "依据状态", "source status"),
    ]
    rows: list[list[Any]] = []
    for e in result.enterprises:
        for c in e.commitments:
            rows.append(
                [
                    e.id,
                    e.name,
                    c.title.get(lang),
                    c.fact_title.get(lang),
                    None if c.value is None else round(c.value, 6),
                    round(c.floor, 6),
                    c.unit,
                    c.due.isoformat() if c.due else None,
                    c.due_basis.get(lang),
                    c.on_miss.get(lang),
                    c.citation.clause or c.citation.title,
                    c.citation.status.label(lang),
                ]
            )
        for n in e.commitment_notes:
            rows.append([e.id, e.name, n.get(lang)])
    _write_list(ws, headers, rows)


def render_evaluation(result: EvaluationResult, lang: str = "zh") -> bytes:
    """The workbook: the register with the evaluation added, the summary, the low-efficiency list, the agreements.

    A workbook register is copied whole from ``result.register_file`` (the sheet it was read from); any other
    register gets a sheet listing its enterprises with the same added columns.
    """
    wb = openpyxl.Workbook()
    default = wb.active
    grid = _grid(result)
    if grid is not None:
        _write_register(wb.create_sheet(_sheet_title(wb, grid.title)), result, grid, lang)
    else:
        _write_enterprises(wb.create_sheet(_sheet_title(wb, _l(lang, "企业", "enterprises"))), result, lang)
    _write_summary(wb.create_sheet(_sheet_title(wb, _l(lang, "汇总", "summary"))), result, lang)
    _write_low(wb.create_sheet(_sheet_title(wb, _l(lang, "低效用地清单", "low-efficiency list"))), result, lang)
    _write_agreements(wb.create_sheet(_sheet_title(wb, _l(lang, "监管协议", "agreements"))), result, lang)
    if default is not None:
        wb.remove(default)
    wb.active = 0
    wb.properties.creator = "heshan_vetting"
    wb.properties.created = datetime(2000, 1, 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
