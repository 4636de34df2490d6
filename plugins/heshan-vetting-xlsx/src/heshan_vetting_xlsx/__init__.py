"""heshan_vetting plugin: read candidate projects from an Excel intake form or ledger (``.xlsx`` / ``.xlsm``),
write the ledger back with each row's results (``--format xlsx``), and give an empty ledger (``init ledger``).

The loader, :func:`heshan_load_project`, is asked before the built-in TOML loader; for any file that is not
an ``.xlsx`` or ``.xlsm`` workbook it returns ``None``, so the other loaders still read their formats. The
renderer is in :mod:`._ledger`, the template in :mod:`._template`.

The sheet layout (see the README for an example):

- The sheet named ``projects`` or ``项目`` if there is one, else the first sheet.
- The header row is found below title rows (:func:`._headers.chooser`); columns such as 序号, 备注, 联系人 are
  ignored (:data:`DEFAULT_IGNORED_COLUMNS`, option :data:`IGNORE_OPTION`). A header is a project field name
  (``land_area``) or its Chinese title
  (``用地面积``, the ``title_zh`` of :data:`heshan_vetting.model.FIELD_SPECS`), optionally followed by a
  unit in half- or full-width parentheses: ``用地面积（亩）``, ``land_area (亩)``, ``总投资(亿元)``.
  ``town`` / ``所在镇街`` and ``park`` / ``所在园区`` fill ``location``; ``notes`` is read too.
- Every later row that is not empty is one project, validated exactly like a project file by
  :func:`heshan_vetting.project_from_mapping`; a bad row is an error item of its own (every problem of the
  row, each at its cell), and the other rows are read. A value merged down over rows belongs to each.
- The sheet is streamed (:mod:`._sheet`): an empty cell costs nothing wherever it is, and what is read
  is bounded (:data:`MAX_PROJECT_ROWS` project rows, :data:`MAX_CELLS` stored cells, part sizes); beyond a
  bound the workbook is refused with a located error.

How cells become values:

- A number under a header with a unit is written with that unit (``180`` under ``用地面积（亩）``
  becomes ``"180 亩"``), so the library's unit parsing and checks apply. A text cell with its own
  unit (``"12 公顷"``) is used as it is; a text cell holding a bare number gets the header's unit.
- Percentages: a cell formatted as a percentage in Excel holds ``0.52`` and becomes ``"52%"``; a
  plain ``52`` under a header with the unit ``%`` becomes ``"52%"`` too.
- A number under a field that has a unit (money, area, energy, a share) is refused when neither the
  header nor the cell says which unit it is in; the message names the cell and the unit to add.
- Dates: date cells, or texts such as ``2024-03-01``, ``2024/3/1`` and ``2024年3月1日``.
  Yes/no fields: TRUE/FALSE cells, or the texts 是/否, yes/no, true/false.
- ``products``: one cell, split on ``、`` ``,`` ``，`` ``;`` ``；``.
- Empty cells leave the field out (missing data); fully empty rows are skipped.

Every error is a :class:`heshan_vetting.ProjectError` naming the file, the Excel row (as the line),
the column number and the cell, e.g. ``intake.xlsx:7:4: 用地面积 (项目!D7): …``, with the library's
Chinese and English messages.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heshan_vetting import (
    EvaluationFormat,
    LoadedItem,
    Project,
    ProjectError,
    ReportSet,
    Template,
    Text,
    Units,
    hookimpl,
    project_from_mapping,
)

from ._cells import cell_value
from ._common import (
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    HEADER_ROWS,
    MAX_CELLS,
    MAX_MERGED_RANGES,
    MAX_PARTS,
    MAX_PROJECT_ROWS,
    MAX_XML_BYTES,
    MAX_XML_PART_BYTES,
    SHEET_NAMES,
)
from ._common import fail as _fail
from ._common import is_blank as _is_blank
from ._common import sheet_ref as _sheet_ref
from ._headers import (
    DEFAULT_IGNORED_COLUMNS,
    IGNORE_OPTION,
    LOCATION_FIELDS,
    CellError,
    Column,
    chooser,
    columns_of,
    ignored_columns,
    where,
)

if TYPE_CHECKING:
    from openpyxl.cell.read_only import ReadOnlyCell

    from heshan_vetting import EvaluationResult, HeaderRule, Table

    from ._sheet import SheetData

# openpyxl (in ._sheet, ._ledger and ._template) is imported when a workbook is read or written, not with
# the plugin: every run that loads the entry points imports this module.

__all__ = [
    "DEFAULT_IGNORED_COLUMNS",
    "EVALUATION_FORMAT",
    "EXCEL_COLUMNS",
    "EXCEL_ROWS",
    "HEADER_ROWS",
    "IGNORE_OPTION",
    "MAX_CELLS",
    "MAX_MERGED_RANGES",
    "MAX_PARTS",
    "MAX_PROJECT_ROWS",
    "MAX_XML_BYTES",
    "MAX_XML_PART_BYTES",
    "SHEET_NAMES",
    "SUFFIXES",
    "build_ledger",
    "heshan_add_options",
    "heshan_evaluation_formats",
    "heshan_load_project",
    "heshan_project_suffixes",
    "heshan_renderers",
    "heshan_templates",
    "ignored_columns",
    "read_items",
    "read_projects",
    "read_register_table",
    "render_evaluation",
    "render_ledger",
]

#: The name this plugin registers under when passed as ``Vetter(plugins=[heshan_vetting_xlsx])``;
#: the entry point uses the same name.
plugin_name = "xlsx"

#: File name suffixes this loader reads (compared case-insensitively).
SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm")

# -- rows -------------------------------------------------------------------------------------------


def _row_data(
    sheet: str,
    path: Path,
    row: int,
    cells: Sequence[ReadOnlyCell],
    columns: Mapping[int, Column],
    unsaved: frozenset[tuple[int, int]],
    header_row: int,
) -> tuple[dict[str, Any], list[ProjectError]]:
    """The project mapping of one row, as ``project_from_mapping`` takes it (``sheet`` is the sheet's title), and
    the error of each cell that cannot be read (left out of the mapping).

    ``unsaved`` holds the (row, column) of formula cells stored without a result; one that reads as empty
    has no saved result.
    """
    data: dict[str, Any] = {}
    location: dict[str, Any] = {}
    problems: list[ProjectError] = []

    def problem(en: str, zh: str, column: int, field: str) -> None:
        problems.append(ProjectError(en, message_zh=zh, file=str(path), line=row, column=column, field=field))

    for cell in cells:
        column = columns.get(cell.column)
        if _is_blank(cell.value):
            if (row, cell.column) in unsaved and column is not None:
                problem(
                    f"The formula in {cell.coordinate} has no saved result; open the workbook in Excel or "
                    "LibreOffice and save it, so its values are stored.",
                    f"{cell.coordinate} 中的公式没有保存的计算结果；请用 Excel 或 LibreOffice 打开并保存工作簿。",
                    cell.column,
                    where(sheet, column, row),
                )
            continue
        if column is None:
            problem(
                f"Column {cell.column_letter} has a value but no header in row {header_row} (the header row); add "
                "a header or clear the column.",
                f"第 {cell.column_letter} 列有数据但第 {header_row} 行（列标题行）没有列标题；请补上列标题或清空该列。",
                cell.column,
                f"{_sheet_ref(sheet)}!{cell.coordinate}",
            )
            continue
        try:
            value = cell_value(cell, column)
        except CellError as exc:
            problem(exc.message_en, exc.message_zh, cell.column, where(sheet, column, row))
            continue
        if value == []:
            continue  # a products cell of separators only
        target = location if column.field.name in LOCATION_FIELDS else data
        target[column.field.name] = value
    if location:
        data["location"] = location
    return data, problems


def _column_of(error_field: str | None, columns: Mapping[int, Column]) -> Column | None:
    """The column of a field named in a library error (``land_area``, ``location.town``, ``products.0``)."""
    if not error_field:
        return None
    parts = error_field.split(".")
    name = parts[1] if parts[0] == "location" and len(parts) > 1 else parts[0]
    return next((c for c in columns.values() if c.field.name == name), None)


def _located(
    exc: ProjectError, path: Path, title: str, row: int, columns: Mapping[int, Column], bad: set[int | None]
) -> list[ProjectError]:
    """Every problem the library found in a row's mapping, at its cell; those of cells already in error left out
    (a bad id cell is not also a missing id)."""
    out: list[ProjectError] = []
    for error in exc.all:
        column = _column_of(error.field, columns)
        if column is not None and column.index in bad:
            continue
        out.append(
            ProjectError(
                error.message_en,
                message_zh=error.message_zh,
                file=str(path),
                line=row,
                column=column.index if column else None,
                field=where(title, column, row)
                if column
                else f"{error.field or ''} ({_sheet_ref(title)}!{row}:{row})".lstrip(),
            )
        )
    return out


def _row_error(problems: Sequence[ProjectError]) -> ProjectError:
    """One error for a row, with every problem of it (left to right) in its details."""
    return ProjectError.gather(sorted(problems, key=lambda e: (e.column is None, e.column or 0)))


def read_items(path: Path, units: Units, ignored: Sequence[str] | None = None) -> list[LoadedItem]:
    """The rows of an intake-form workbook or ledger: a project, or the error of a row that is not one.

    The header row is found below title rows (see :func:`._headers.chooser`); the columns named in ``ignored`` (by
    header; default :data:`DEFAULT_IGNORED_COLUMNS`) are skipped; a value merged down over several rows
    belongs to each of them. A bad row (a bad value, an unknown industry code, an id used before) is an item
    whose error holds every problem of the row, each at its cell; the other rows are read.

    :raises ProjectError: for the whole file: not a workbook, beyond a limit, no header row, no project rows.
    """
    path = Path(path)
    skip = ignored_columns(None if ignored is None else {IGNORE_OPTION: list(ignored)})
    from ._sheet import read_sheet

    data: SheetData = read_sheet(path, chooser(skip))
    title, sheet = data.title, _sheet_ref(data.title)
    if not data.header:
        if data.has_values:
            en = f"No header row in the first {HEADER_ROWS} rows"
            zh = f"前 {HEADER_ROWS} 行中没有列标题行"
        else:
            en, zh = "The sheet is empty", "工作表为空"
        _fail(
            path,
            f"{en}: sheet {sheet} needs a row of column headers (at least 项目编号 and 项目名称) in its first "
            f"{HEADER_ROWS} rows, below any title rows, and one project in each row below it.",
            f"{zh}：工作表 {sheet} 的前 {HEADER_ROWS} 行中（标题行之下）应有一行列标题（至少包括项目编号和项目名称），"
            "其下每行一个项目。",
            line=1,
        )
    columns = columns_of(data.header, data.header_row, path, units, skip)
    id_column = next(c for c in columns.values() if c.field.name == "id")
    items: list[LoadedItem] = []
    rows_of_id: dict[str, int] = {}
    for row, cells in data.rows:
        mapping, problems = _row_data(title, path, row, cells, columns, data.unsaved, data.header_row)
        ident = mapping.get("id")
        project_id = ident if isinstance(ident, str) and ident.strip() else None
        project: Project | None = None
        if mapping or not problems:  # a row with nothing readable: its cells' errors say all (not "missing id")
            try:
                project = project_from_mapping(mapping, units)
            except ProjectError as exc:
                problems.extend(_located(exc, path, title, row, columns, {e.column for e in problems}))
        if project is not None and not problems:
            project_id = project.id
            first = rows_of_id.setdefault(project.id, row)
            if first != row:
                problems.append(
                    ProjectError(
                        f"The project id {project.id!r} is used in rows {first} and {row}; give each project its "
                        "own id.",
                        message_zh=f"项目编号 {project.id!r} 在第 {first} 行和第 {row} 行重复；每个项目的编号应唯一。",
                        file=str(path),
                        line=row,
                        column=id_column.index,
                        field=where(title, id_column, row),
                    )
                )
        if problems:
            items.append(LoadedItem(error=_row_error(problems), line=row, project_id=project_id))
        else:
            assert project is not None
            items.append(LoadedItem(project=project, line=row))
    if not items:
        _fail(
            path,
            f"The sheet {sheet} has headers but no project rows; enter one project per row below row "
            f"{data.header_row}.",
            f"工作表 {sheet} 只有列标题，没有项目行；请从第 {data.header_row + 1} 行起每行填写一个项目。",
            line=data.header_row + 1,
        )
    return items


def read_projects(path: Path, units: Units, ignored: Sequence[str] | None = None) -> list[Project]:
    """The projects of an intake-form workbook, one per non-empty row below the header row.

    :raises ProjectError: naming the file, row, column and cell of the first problem (use :func:`read_items`
        to keep the good rows of a ledger with bad ones).
    """
    out: list[Project] = []
    for item in read_items(path, units, ignored):
        if item.error is not None:
            raise item.error
        assert item.project is not None
        out.append(item.project)
    return out


# -- hooks ------------------------------------------------------------------------------------------


@hookimpl
def heshan_load_project(path: Path, units: Units, options: Mapping[str, Any]) -> list[LoadedItem] | None:
    """Load the rows of an ``.xlsx`` / ``.xlsm`` intake form or ledger; ``None`` for any other file."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        return None
    skip = ignored_columns(options)
    return read_items(path, units, sorted(skip))


@hookimpl
def heshan_project_suffixes() -> list[str]:
    """``.xlsx`` and ``.xlsm``: a directory given to ``check`` is searched for workbooks too."""
    return list(SUFFIXES)


@hookimpl
def heshan_add_options(group: argparse._ArgumentGroup) -> None:
    """``--ledger-ignore-columns``: the columns of a ledger not to read."""
    group.add_argument(
        "--ledger-ignore-columns",
        dest=IGNORE_OPTION,
        metavar="HEADERS",
        default=None,
        help="columns of an .xlsx ledger to ignore, by header, separated by commas (default: "
        f"{','.join(DEFAULT_IGNORED_COLUMNS)}; an empty text ignores none)",
    )


def _header_row(rows: list[tuple[int, list[Any]]]) -> int | None:
    """The header row of a sheet read again for writing it back (the loader's rule, default ignored columns)."""
    found = chooser(ignored_columns(None))(rows)
    return None if found is None else found[0]


def render_ledger(reports: ReportSet, lang: str = "zh") -> bytes:
    """The ``xlsx`` format: each ledger the items came from, written back with the result columns, and a summary.

    See :mod:`._ledger`; the command line needs ``--output FILE`` for it (a binary format).
    """
    from ._ledger import render_xlsx

    return render_xlsx(reports, lang, _header_row)


@hookimpl
def heshan_renderers() -> dict[str, Any]:
    """``xlsx``: the ledger written back with each row's results (结论, 评分, 需整改, …), and a summary sheet."""
    return {"xlsx": render_ledger}


@hookimpl
def heshan_templates() -> list[Template]:
    """``ledger``: the XLSX intake ledger this plugin reads (``python -m heshan_vetting init ledger``)."""
    return [LEDGER_TEMPLATE]


def build_ledger(lang: str = "zh") -> bytes:
    """The XLSX intake ledger template in ``lang`` (see :mod:`._template`)."""
    from ._template import build_ledger as build

    return build(lang)


LEDGER_TEMPLATE = Template(
    name="ledger",
    title=Text(zh="招商项目台账（XLSX 申报模板）", en="investment project ledger (XLSX intake template)"),
    filename="招商项目台账.xlsx",
    build=build_ledger,
)


def _read_register_table(path: Path, header_row: HeaderRule) -> Table:
    """:func:`._register.read_register_table`, imported (with openpyxl) when a register is read."""
    from ._register import read_register_table

    return read_register_table(path, header_row)


def _render_evaluation(result: EvaluationResult, lang: str = "zh") -> bytes:
    """:func:`._evaluation.render_evaluation`, imported (with openpyxl) when an evaluation is written."""
    from ._evaluation import render_evaluation

    return render_evaluation(result, lang)


#: ``evaluate``'s xlsx format: registers read from workbooks, and the evaluation written back into one.
EVALUATION_FORMAT = EvaluationFormat(
    name="xlsx", suffixes=SUFFIXES, read=_read_register_table, render=_render_evaluation
)


@hookimpl
def heshan_evaluation_formats() -> list[EvaluationFormat]:
    """``xlsx`` for ``evaluate``: an enterprise register read from an ``.xlsx`` / ``.xlsm`` workbook, and
    ``--format xlsx``: the register back with each enterprise's class, score, rank, points, policy and
    low-efficiency flag, a summary sheet, the low-efficiency land list and the supervision agreements."""
    return [EVALUATION_FORMAT]
