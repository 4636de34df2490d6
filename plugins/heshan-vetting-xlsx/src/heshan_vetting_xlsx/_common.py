"""What the loader needs of a sheet before (and without) opening one: limits, error helpers, names.

Kept apart from :mod:`._sheet` so that importing the plugin (every run that loads entry points does) imports
no openpyxl; :mod:`._sheet` imports it when a workbook is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from heshan_vetting import ProjectError

if TYPE_CHECKING:
    from openpyxl.cell.read_only import ReadOnlyCell

__all__ = [
    "EXCEL_COLUMNS",
    "EXCEL_ROWS",
    "HEADER_ROWS",
    "MAX_CELLS",
    "MAX_MERGED_RANGES",
    "MAX_PARTS",
    "MAX_PROJECT_ROWS",
    "MAX_XML_BYTES",
    "MAX_XML_PART_BYTES",
    "SHEET_NAMES",
    "HeaderChoice",
    "fail",
    "is_blank",
    "sheet_ref",
]

#: Sheet names read in preference to the first sheet (``projects`` compared case-insensitively).
SHEET_NAMES: tuple[str, ...] = ("projects", "项目")

#: Excel's grid: a row or column beyond it is not a valid workbook.
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384

#: At most this many project rows (rows below the header holding a value) are read from one sheet.
MAX_PROJECT_ROWS = 20_000
#: At most this many cells stored in the intake sheet, empty or not (a stored empty cell is one that
#: has formatting); also the most a worksheet without a size record may store.
MAX_CELLS = 1_000_000
#: The largest XML part of the archive (uncompressed), and all XML parts together.
MAX_XML_PART_BYTES = 64 * 1024 * 1024
MAX_XML_BYTES = 256 * 1024 * 1024
#: The most parts (files) the archive may hold.
MAX_PARTS = 10_000

#: The header row is looked for in the sheet's first rows (title and date rows above it are skipped).
HEADER_ROWS = 10
#: At most this many merged ranges are read from the intake sheet.
MAX_MERGED_RANGES = 100_000

#: Chooses the header row among the first rows: given (row number, the cells holding a value) of each row
#: among the first :data:`HEADER_ROWS` that holds one, it returns the header row's number and the columns
#: to read below it (the other columns' values are ignored); ``None`` when there is no row at all.
HeaderChoice = Callable[[list[tuple[int, list["ReadOnlyCell"]]]], "tuple[int, frozenset[int]] | None"]


def fail(
    path: Path, en: str, zh: str, *, line: int | None = None, column: int | None = None, field: str | None = None
) -> NoReturn:
    """Raise the :class:`ProjectError` of ``path`` with the messages and location given."""
    raise ProjectError(en, message_zh=zh, file=str(path), line=line, column=column, field=field)


def sheet_ref(title: str) -> str:
    """A sheet name as Excel writes it in a reference: quoted unless it is one word."""
    if re.fullmatch(r"\w+", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def is_blank(value: Any) -> bool:
    """An empty cell, or one holding only white space."""
    return value is None or (isinstance(value, str) and not value.strip())
