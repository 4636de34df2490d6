"""heshan_vetting plugin: read candidate projects from an Excel intake form or ledger (``.xlsx`` / ``.xlsm``),
write the ledger back with each row's results (``--format xlsx``), and give an empty ledger (``init ledger``).

The loader, :func:`heshan_load_project`, is asked before the built-in TOML loader; for any file that is not
an ``.xlsx`` or ``.xlsm`` workbook it returns ``None``, so the other loaders still read their formats. The
renderer is in :mod:`._ledger`, the template in :mod:`._template`.

The sheet layout (see the README for an example):

- The sheet named ``projects`` or ``项目`` if there is one, else the first sheet.
- The header row is found below title rows (:func:`_chooser`); columns such as 序号, 备注, 联系人 are
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
import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.cell.read_only import ReadOnlyCell

from heshan_vetting import (
    FIELD_SPECS,
    BilingualValueError,
    FactKind,
    LoadedItem,
    Project,
    ProjectError,
    ReportSet,
    Template,
    Units,
    UsageError,
    dimension_label,
    hookimpl,
    project_from_mapping,
)

from ._ledger import render_xlsx
from ._sheet import (
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
    HeaderChoice,
    SheetData,
    read_sheet,
)
from ._sheet import fail as _fail
from ._sheet import is_blank as _is_blank
from ._sheet import sheet_ref as _sheet_ref
from ._template import LEDGER_TEMPLATE, build_ledger

__all__ = [
    "DEFAULT_IGNORED_COLUMNS",
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
    "heshan_load_project",
    "heshan_project_suffixes",
    "heshan_renderers",
    "heshan_templates",
    "ignored_columns",
    "read_items",
    "read_projects",
    "render_ledger",
]

#: The name this plugin registers under when passed as ``Vetter(plugins=[heshan_vetting_xlsx])``;
#: the entry point uses the same name.
plugin_name = "xlsx"

#: File name suffixes this loader reads (compared case-insensitively).
SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm")

# -- headers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    """A project field as a column can name it."""

    name: str
    kind: FactKind
    title_zh: str
    unit: str = ""
    """The canonical unit (a pint expression) of a number field; empty otherwise."""


def _known_fields() -> dict[str, _Field]:
    fields = {n: _Field(n, s.kind, s.title_zh, s.unit) for n, s in FIELD_SPECS.items()}
    fields["notes"] = _Field("notes", "string", "备注")
    return fields


_FIELDS: dict[str, _Field] = _known_fields()
_LOCATION_FIELDS = ("town", "park")

# Header text (normalised by _normalise_label) → field name.
_LOOKUP: dict[str, str] = {
    **{name.casefold(): name for name in _FIELDS},
    **{f.title_zh: f.name for f in _FIELDS.values()},
    **{f"location.{name}": name for name in _LOCATION_FIELDS},
}

# "用地面积（亩）", "land_area (亩)", "总投资(亿元)": a name, then one parenthesised unit at the end.
_HEADER = re.compile(r"^(?P<label>.*?)\s*[(（]\s*(?P<unit>[^()（）]*?)\s*[)）]\s*$", re.DOTALL)


@dataclass(frozen=True)
class _Column:
    """One header cell of row 1 that names a project field."""

    index: int
    """1-based column number."""
    letter: str
    header: str
    """The header as written."""
    label: str
    """The header without its unit, as written (used in messages)."""
    field: _Field
    unit: str = ""
    """The unit written in the header, for number fields that have one; empty otherwise."""


def _normalise_label(text: str) -> str:
    """Drop all white space and the ``*`` that forms put on required fields; field names ignore case."""
    squeezed = re.sub(r"\s+", "", text).strip("*＊")
    return squeezed.casefold() if squeezed.isascii() else squeezed


def _split_header(text: str) -> tuple[str, str | None]:
    """``"用地面积（亩）"`` → ``("用地面积", "亩")``; a header without parentheses has no unit (``None``)."""
    text = text.strip()
    m = _HEADER.match(text)
    if m is None:
        return text, None
    # NFKC folds full-width forms people type in Chinese input modes: "％" → "%", "ｍ２" → "m2".
    return m.group("label").strip(), unicodedata.normalize("NFKC", m.group("unit"))


def _suggestion(label: str) -> tuple[str, str]:
    """The English and Chinese "did you mean" hints for an unknown header (in the header row)."""
    key = _normalise_label(label)
    near = difflib.get_close_matches(key, list(_LOOKUP), n=1, cutoff=0.6)
    if near:
        field = _FIELDS[_LOOKUP[near[0]]]
        return (
            f"; did you mean {field.name!r} ({field.title_zh})?",
            f"；是否应为“{field.title_zh}”（{field.name}）？",
        )
    return (
        "; the header row must hold project field names (land_area) or their Chinese titles (用地面积), "
        "optionally with a unit: 用地面积（亩）, and at least the 项目编号 (id) and 项目名称 (name) columns",
        "；列标题行应为项目字段名（land_area）或其中文名称（用地面积），可在括号中注明单位，如 用地面积（亩），"
        "且至少包括“项目编号”（id）和“项目名称”（name）两列",
    )


# -- errors -----------------------------------------------------------------------------------------


class _CellError(BilingualValueError):
    """A value that cannot be read; raised while converting a cell, turned into a ProjectError."""


def _where(sheet: str, column: _Column, row: int) -> str:
    """``用地面积 (项目!D7)``: the header and the cell, for the ``field`` of an error (``sheet`` is its title)."""
    return f"{column.label} ({_sheet_ref(sheet)}!{column.letter}{row})"


def _header(
    cells: Sequence[ReadOnlyCell], row: int, path: Path, units: Units, ignored: frozenset[str]
) -> dict[int, _Column]:
    """The columns of the header row ``row`` (by 1-based index), ignored columns left out; errors for unknown,
    duplicate or ill-united headers."""
    columns: dict[int, _Column] = {}
    seen: dict[str, _Column] = {}
    for cell in cells:
        if _is_blank(cell.value) or _is_ignored(cell.value, ignored):
            continue
        index: int = cell.column
        header = str(cell.value).strip()
        at: dict[str, Any] = {"line": row, "column": index, "field": header}
        label, unit = _split_header(header)
        name = _LOOKUP.get(_normalise_label(label))
        if name is None:
            if _normalise_label(label) == "sources":
                _fail(
                    path,
                    "Data sources (sources) are not read from a workbook; remove this column, or give the project "
                    "as a .toml file with a [sources] table.",
                    "工作簿不支持数据来源（sources）列；请删除该列，或改用带 [sources] 表的 .toml 项目文件。",
                    **at,
                )
            hint_en, hint_zh = _suggestion(label)
            _fail(path, f"Unknown column header {header!r}{hint_en}", f"未知的列标题 {header!r}{hint_zh}", **at)
        field = _FIELDS[name]
        if name in seen:
            first = seen[name]
            _fail(
                path,
                f"The field {name!r} ({field.title_zh}) has two columns: {first.letter} ({first.header!r}) "
                f"and {cell.column_letter} ({header!r}); keep one.",
                f"字段“{field.title_zh}”（{name}）有两列：{first.letter} 列（{first.header!r}）和 "
                f"{cell.column_letter} 列（{header!r}）；请只保留一列。",
                **at,
            )
        column = _Column(index, cell.column_letter, header, label, field, _header_unit(field, unit, units, path, at))
        columns[index] = seen[name] = column
    for required in ("id", "name"):
        if required not in seen:
            field = _FIELDS[required]
            _fail(
                path,
                f"Row {row} (the header row) has no {field.title_zh} ({required}) column; every project needs one.",
                f"第 {row} 行（列标题行）缺少“{field.title_zh}”（{required}）列；每个项目都必须填写。",
                line=row,
                field=required,
            )
    return columns


def _header_unit(field: _Field, unit: str | None, units: Units, path: Path, at: Mapping[str, Any]) -> str:
    """The unit a header gives its number cells, checked against the field's canonical unit.

    Parentheses after a field that is not a number are a note (``建设性质（新建/扩建）``) and are
    ignored; so is a head-count unit after ``employees`` (``从业人数（人）``).
    """
    if unit is None or field.kind != "number":
        return ""
    if not unit:
        _fail(path, "The parentheses in this header are empty.", "列标题中的括号为空。", **at)
    try:
        given = units.unit(unit)
    except BilingualValueError as exc:
        _fail(path, f"The header's unit is invalid: {exc.message_en}.", f"列标题中的单位无效：{exc.message_zh}。", **at)
    if not field.unit:  # plot_ratio, employees: plain numbers
        dim = units.dimensionality(given)
        plain = {"dimensionless": "", "[headcount]": "人"}.get(dim)  # "1", "人": a note, not a scale
        if plain is not None and units.factor(given, units.unit(plain)) == 1:
            return ""
        _fail(
            path,
            f"{field.name} ({field.title_zh}) is a plain number without a unit; remove ({unit}) from the header.",
            f"{field.title_zh}（{field.name}）是不带单位的数值；请去掉列标题中的（{unit}）。",
            **at,
        )
    target = units.unit(field.unit)
    if field.unit == "%":
        if units.convertible(given, target) and units.factor(given, target) == 1:
            return unit
        _fail(
            path,
            f"{field.name} ({field.title_zh}) is a percentage; its header unit must be %, not {unit!r}.",
            f"{field.title_zh}（{field.name}）是百分比；列标题中的单位应为 %，而不是 {unit!r}。",
            **at,
        )
    if not units.convertible(given, target):
        got, want = units.dimensionality(given), units.dimensionality(target)
        _fail(
            path,
            f"The header's unit {unit!r} is {dimension_label(got)} but {field.name} ({field.title_zh}) must be "
            f"{dimension_label(want)}, e.g. {field.title_zh}（{field.unit}）.",
            f"列标题中的单位 {unit!r} 是{dimension_label(got, 'zh')}，但{field.title_zh}应为"
            f"{dimension_label(want, 'zh')}，如 {field.title_zh}（{field.unit}）。",
            **at,
        )
    return unit


# -- cell values ------------------------------------------------------------------------------------

_BARE_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_LIST_SEPARATORS = re.compile(r"[、,，;；]")
_TRUE = frozenset({"是", "yes", "y", "true"})
_FALSE = frozenset({"否", "no", "n", "false"})
# Quoted literals ("…") and escaped characters (\%) in a number format do not make it a percentage.
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.')


def _number_text(value: float) -> str:
    """A cell number as the library reads it: ``180``, ``12.5``; binary noise (3.5000000000000004) is dropped."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.15g}"


def _with_unit(number: str, unit: str) -> str:
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def _is_percent_format(cell: ReadOnlyCell) -> bool:
    try:
        number_format = cell.number_format
    except (IndexError, KeyError, TypeError, AttributeError):  # a style the workbook does not define
        raise _CellError(
            "The cell's number format cannot be read: the workbook refers to a style it does not define. Open and "
            "save the workbook in Excel or LibreOffice, or clear the cell's formatting.",
            "无法读取该单元格的数字格式：工作簿引用了未定义的样式。请用 Excel 或 LibreOffice 打开并保存工作簿，"
            "或清除该单元格的格式。",
        ) from None
    return "%" in _FORMAT_LITERALS.sub("", str(number_format or ""))


def _cell_value(cell: ReadOnlyCell, column: _Column) -> Any:
    """The value of a non-empty cell for ``project_from_mapping``; :class:`_CellError` if it cannot be one."""
    value = cell.value
    if cell.data_type == "e":
        raise _CellError(
            f"The cell holds the Excel error {value}; correct the formula or enter the value.",
            f"单元格为 Excel 错误值 {value}；请修正公式或直接填写数值。",
        )
    if isinstance(value, str):
        value = value.strip()
    field = column.field
    kind = field.kind
    if kind == "number":
        return _number_value(value, cell, column)
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, str) and (m := _DATE_TEXT.fullmatch(value)):
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return value  # e.g. 2024-02-30: the library names the expected form
        return value
    if kind == "bool":
        if isinstance(value, str):
            if value.casefold() in _TRUE:
                return True
            if value.casefold() in _FALSE:
                return False
        return value
    if kind == "strings":
        if isinstance(value, str):
            return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return [_text_of_number(value, field)]
        return value
    # string and choice fields
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _text_of_number(value, field)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _text_of_number(value: float, field: _Field) -> str:
    """A number in a text field (an id typed as 17); refuses one Excel has already cut to 15 digits."""
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e15:
        raise _CellError(
            f"{field.name} ({field.title_zh}) is stored as a number, so Excel kept only 15 digits; "
            "format the column as text and enter it again.",
            f"{field.title_zh}（{field.name}）以数值存储，Excel 只保留了 15 位有效数字；"
            "请将该列设为文本格式后重新填写。",
        )
    return _number_text(value)


def _number_value(value: Any, cell: ReadOnlyCell, column: _Column) -> Any:
    field = column.field
    if isinstance(value, str):
        if column.unit and _BARE_NUMBER.fullmatch(value):
            return _with_unit(value, column.unit)
        return value  # "12 公顷": the library parses the cell's own unit
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value  # a date or a boolean: the library says what was expected
    if field.unit == "%":
        if _is_percent_format(cell):
            return _with_unit(_number_text(value * 100), "%")
        if column.unit:
            return _with_unit(_number_text(value), column.unit)
        raise _CellError(
            f"{_number_text(value)} is a bare number but {field.name} ({field.title_zh}) is a percentage; format "
            f"the cell as a percentage, or write the header as {column.label}（%） and enter percentages as numbers "
            "(52 for 52%).",
            f"{_number_text(value)} 是不带单位的数值，但{field.title_zh}为百分比；请将单元格设为百分比格式，"
            f"或把列标题写成 {column.label}（%）并按数值填写百分数（52 表示 52%）。",
        )
    if field.unit:
        if column.unit:
            return _with_unit(_number_text(value), column.unit)
        raise _CellError(
            f"{_number_text(value)} has no unit; add the unit to the header, e.g. {column.label}（{field.unit}）, "
            f'or write the unit in the cell, e.g. "{_number_text(value)} {field.unit}".',
            f"{_number_text(value)} 缺少单位；请在列标题中注明单位，如 {column.label}（{field.unit}），"
            f"或在单元格中带单位填写，如“{_number_text(value)} {field.unit}”。",
        )
    if field.name == "employees" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# -- the header row and ignored columns -------------------------------------------------------------

#: Columns the loader ignores unless told otherwise (``ledger_ignore_columns``): a ledger's running number,
#: its remarks and its contact person are the bureau's own, not project data. Compared like headers (white
#: space, a unit in parentheses and case do not count): ``联系人（电话）`` is ignored too.
DEFAULT_IGNORED_COLUMNS: tuple[str, ...] = ("序号", "备注", "联系人", "No.", "Remarks", "Contact")

#: The option (``Vetter(options={...})``, or ``--ledger-ignore-columns`` on the command line) naming the
#: columns to ignore: a list of headers, or one text separated by commas; empty to ignore none.
IGNORE_OPTION = "ledger_ignore_columns"


def _ignore_key(text: str) -> str:
    return _normalise_label(_split_header(unicodedata.normalize("NFKC", text))[0])


def ignored_columns(options: Mapping[str, Any] | None = None) -> frozenset[str]:
    """The (normalised) headers of the columns to ignore, from ``options`` (:data:`IGNORE_OPTION`) or the default.

    :raises UsageError: the option is neither a text nor a list of texts.
    """
    given = (options or {}).get(IGNORE_OPTION)
    if given is None:
        names: Sequence[Any] = DEFAULT_IGNORED_COLUMNS
    elif isinstance(given, str):
        names = re.split(r"[,，、]", given)
    elif isinstance(given, (list, tuple)) and all(isinstance(n, str) for n in given):
        names = given
    else:
        raise UsageError(
            f"{IGNORE_OPTION} must be a list of column headers or one text separated by commas, not {given!r}.",
            message_zh=f"{IGNORE_OPTION} 应为列标题列表或以逗号分隔的文本，而非 {given!r}。",
            field=IGNORE_OPTION,
        )
    return frozenset(k for n in names if (k := _ignore_key(str(n))))


def _is_ignored(value: Any, ignored: frozenset[str]) -> bool:
    return isinstance(value, str) and _ignore_key(value) in ignored


def _field_of_header(value: Any) -> str | None:
    """The field a header cell names, if any."""
    if not isinstance(value, str):
        return None
    return _LOOKUP.get(_normalise_label(_split_header(value)[0]))


def _chooser(ignored: frozenset[str]) -> HeaderChoice:
    """The rule that finds the header row below title rows (see the README, "The header row").

    Among the first :data:`HEADER_ROWS` rows, the header row is the first that names both the 项目编号 (id) and
    the 项目名称 (name) fields; failing that, the one naming the most fields (the first of equals), so the errors
    about its headers say what is wrong; failing that, the first row that holds a value. Rows above it (a
    title, a date) are skipped; the columns read below it are those of its headers that are not ignored.
    """

    def choose(rows: list[tuple[int, list[ReadOnlyCell]]]) -> tuple[int, frozenset[int]] | None:
        if not rows:
            return None
        best, best_count = rows[0][0], 0
        for row, cells in rows:
            names = [_field_of_header(c.value) for c in cells if not _is_ignored(c.value, ignored)]
            if "id" in names and "name" in names:
                best = row
                break
            count = sum(n is not None for n in names)
            if count > best_count:
                best, best_count = row, count
        cells = next(c for r, c in rows if r == best)
        return best, frozenset(c.column for c in cells if not _is_ignored(c.value, ignored))

    return choose


# -- rows -------------------------------------------------------------------------------------------


def _row_data(
    sheet: str,
    path: Path,
    row: int,
    cells: Sequence[ReadOnlyCell],
    columns: Mapping[int, _Column],
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
                    _where(sheet, column, row),
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
            value = _cell_value(cell, column)
        except _CellError as exc:
            problem(exc.message_en, exc.message_zh, cell.column, _where(sheet, column, row))
            continue
        if value == []:
            continue  # a products cell of separators only
        target = location if column.field.name in _LOCATION_FIELDS else data
        target[column.field.name] = value
    if location:
        data["location"] = location
    return data, problems


def _column_of(error_field: str | None, columns: Mapping[int, _Column]) -> _Column | None:
    """The column of a field named in a library error (``land_area``, ``location.town``, ``products.0``)."""
    if not error_field:
        return None
    parts = error_field.split(".")
    name = parts[1] if parts[0] == "location" and len(parts) > 1 else parts[0]
    return next((c for c in columns.values() if c.field.name == name), None)


def _located(
    exc: ProjectError, path: Path, title: str, row: int, columns: Mapping[int, _Column], bad: set[int | None]
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
                field=_where(title, column, row)
                if column
                else f"{error.field or ''} ({_sheet_ref(title)}!{row}:{row})".lstrip(),
            )
        )
    return out


def _row_error(problems: Sequence[ProjectError]) -> ProjectError:
    """One error for a row, with every problem of it (left to right) in its details."""
    ordered = sorted(problems, key=lambda e: (e.column is None, e.column or 0))
    first = ordered[0]
    return ProjectError(
        first.message_en,
        message_zh=first.message_zh,
        file=first.file,
        line=first.line,
        column=first.column,
        field=first.field,
        details=ordered[1:],
    )


def read_items(path: Path, units: Units, ignored: Sequence[str] | None = None) -> list[LoadedItem]:
    """The rows of an intake-form workbook or ledger: a project, or the error of a row that is not one.

    The header row is found below title rows (see :func:`_chooser`); the columns named in ``ignored`` (by
    header; default :data:`DEFAULT_IGNORED_COLUMNS`) are skipped; a value merged down over several rows
    belongs to each of them. A bad row (a bad value, an unknown industry code, an id used before) is an item
    whose error holds every problem of the row, each at its cell; the other rows are read.

    :raises ProjectError: for the whole file: not a workbook, beyond a limit, no header row, no project rows.
    """
    path = Path(path)
    skip = ignored_columns(None if ignored is None else {IGNORE_OPTION: list(ignored)})
    data: SheetData = read_sheet(path, _chooser(skip))
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
    columns = _header(data.header, data.header_row, path, units, skip)
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
                        field=_where(title, id_column, row),
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
    found = _chooser(ignored_columns(None))(rows)
    return None if found is None else found[0]


def render_ledger(reports: ReportSet, lang: str = "zh") -> bytes:
    """The ``xlsx`` format: each ledger the items came from, written back with the result columns, and a summary.

    See :mod:`._ledger`; the command line needs ``--output FILE`` for it (a binary format).
    """
    return render_xlsx(reports, lang, _header_row)


@hookimpl
def heshan_renderers() -> dict[str, Any]:
    """``xlsx``: the ledger written back with each row's results (结论, 评分, 需整改, …), and a summary sheet."""
    return {"xlsx": render_ledger}


@hookimpl
def heshan_templates() -> list[Template]:
    """``ledger``: the XLSX intake ledger this plugin reads (``python -m heshan_vetting init ledger``)."""
    return [LEDGER_TEMPLATE]
