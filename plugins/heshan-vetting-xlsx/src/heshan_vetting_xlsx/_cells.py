"""Cell values: what a cell under a given column becomes for ``project_from_mapping``."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ._headers import CellError as _CellError
from ._headers import Column as _Column
from ._headers import Field as _Field

if TYPE_CHECKING:
    from openpyxl.cell.read_only import ReadOnlyCell

__all__ = ["cell_value"]

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


def cell_value(cell: ReadOnlyCell, column: _Column) -> Any:
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
