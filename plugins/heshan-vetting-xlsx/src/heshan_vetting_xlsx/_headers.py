"""Headers: which project field a column names, with which unit; the header row below title rows; ignored columns."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heshan_vetting import FIELD_SPECS, BilingualValueError, FactKind, Units, UsageError, dimension_label

from ._common import HeaderChoice
from ._common import fail as _fail
from ._common import is_blank as _is_blank
from ._common import sheet_ref as _sheet_ref

if TYPE_CHECKING:
    from openpyxl.cell.read_only import ReadOnlyCell

__all__ = [
    "DEFAULT_IGNORED_COLUMNS",
    "IGNORE_OPTION",
    "LOCATION_FIELDS",
    "CellError",
    "Column",
    "Field",
    "chooser",
    "columns_of",
    "ignored_columns",
    "where",
]

# -- headers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A project field as a column can name it."""

    name: str
    kind: FactKind
    title_zh: str
    unit: str = ""
    """The canonical unit (a pint expression) of a number field; empty otherwise."""


def _known_fields() -> dict[str, Field]:
    fields = {n: Field(n, s.kind, s.title_zh, s.unit) for n, s in FIELD_SPECS.items()}
    fields["notes"] = Field("notes", "string", "备注")
    return fields


_FIELDS: dict[str, Field] = _known_fields()
LOCATION_FIELDS = ("town", "park")

# Header text (normalised by _normalise_label) → field name.
_LOOKUP: dict[str, str] = {
    **{name.casefold(): name for name in _FIELDS},
    **{f.title_zh: f.name for f in _FIELDS.values()},
    **{f"location.{name}": name for name in LOCATION_FIELDS},
}

# "用地面积（亩）", "land_area (亩)", "总投资(亿元)": a name, then one parenthesised unit at the end.
_HEADER = re.compile(r"^(?P<label>.*?)\s*[(（]\s*(?P<unit>[^()（）]*?)\s*[)）]\s*$", re.DOTALL)


@dataclass(frozen=True)
class Column:
    """One header cell of the header row that names a project field."""

    index: int
    """1-based column number."""
    letter: str
    header: str
    """The header as written."""
    label: str
    """The header without its unit, as written (used in messages)."""
    field: Field
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


class CellError(BilingualValueError):
    """A value that cannot be read; raised while converting a cell, turned into a ProjectError."""


def where(sheet: str, column: Column, row: int) -> str:
    """``用地面积 (项目!D7)``: the header and the cell, for the ``field`` of an error (``sheet`` is its title)."""
    return f"{column.label} ({_sheet_ref(sheet)}!{column.letter}{row})"


def columns_of(
    cells: Sequence[ReadOnlyCell], row: int, path: Path, units: Units, ignored: frozenset[str]
) -> dict[int, Column]:
    """The columns of the header row ``row`` (by 1-based index), ignored columns left out; errors for unknown,
    duplicate or ill-united headers."""
    columns: dict[int, Column] = {}
    seen: dict[str, Column] = {}
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
        column = Column(index, cell.column_letter, header, label, field, _header_unit(field, unit, units, path, at))
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


def _header_unit(field: Field, unit: str | None, units: Units, path: Path, at: Mapping[str, Any]) -> str:
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


def chooser(ignored: frozenset[str]) -> HeaderChoice:
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
