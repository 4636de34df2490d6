"""An enterprise register (企业台账) read from a workbook for ``evaluate``: the sheet's rows as the core checks them.

The sheet is read as a project ledger is (:func:`._sheet.read_sheet`: streamed, within the same limits, the
sheet named ``projects`` / ``项目`` or else the first), but the header row is found by the core's rule for a
register (:data:`heshan_vetting.HeaderRule`, given to the ``read`` of its ``EvaluationFormat``), and the cells are
handed over as they are: the core reads headers, units and values exactly as it reads a CSV register, and names each bad
cell by sheet, row and column. A value merged down over rows is given in each row; a formula without a saved
result is a cell the core reports (never read as empty).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl.cell.read_only import ReadOnlyCell

from heshan_vetting import BilingualValueError, HeaderRule, Table

from ._sheet import HeaderChoice, fail, is_blank, read_sheet

__all__ = ["read_register_table"]


def _dense(cells: Sequence[ReadOnlyCell], row: int, unsaved: frozenset[tuple[int, int]]) -> list[object]:
    """The row's cells left to right from column 1 (``None`` for an empty cell)."""
    width = max((c.column for c in cells), default=0)
    out: list[object] = [None] * width
    for c in cells:
        value: object = c.value
        if is_blank(value) and (row, c.column) in unsaved:
            value = BilingualValueError(
                f"the formula in {c.coordinate} has no saved result; open the workbook in Excel or LibreOffice "
                "and save it, so its values are stored",
                f"{c.coordinate} 中的公式没有保存的计算结果；请用 Excel 或 LibreOffice 打开并保存工作簿",
            )
        out[c.column - 1] = value
    return out


def _choice(header_row: HeaderRule) -> HeaderChoice:
    """The sheet reader's header choice from the core's rule: the row it names, and every column headed in it."""

    def choose(rows: list[tuple[int, list[ReadOnlyCell]]]) -> tuple[int, frozenset[int]] | None:
        found = header_row([(r, _dense(cells, r, frozenset())) for r, cells in rows])
        if found is None:
            return None
        cells = next((c for r, c in rows if r == found), [])
        return found, frozenset(c.column for c in cells if not is_blank(c.value))

    return choose


def read_register_table(path: Path, header_row: HeaderRule) -> Table:
    """The register sheet of the workbook at ``path``: the header row (by ``header_row``) first, then each row
    below it that holds a value.

    :raises heshan_vetting.ProjectError: for a file that is not a workbook, is beyond a limit, or whose sheet is
        empty.
    """
    data = read_sheet(path, _choice(header_row))
    if not data.header:
        fail(
            path,
            "The sheet has no header row: the register needs a row of column headers (at least 统一社会信用代码 "
            "and 企业名称) in its first rows, below any title rows.",
            "工作表没有列标题行：台账应在前几行中（标题行之下）有一行列标题，至少包括“统一社会信用代码”和“企业名称”。",
            line=1,
        )
    rows: list[tuple[int, list[object]]] = [(data.header_row, _dense(data.header, data.header_row, frozenset()))]
    rows += [(r, _dense(cells, r, data.unsaved)) for r, cells in data.rows]
    return Table(rows=rows, sheet=data.title)
