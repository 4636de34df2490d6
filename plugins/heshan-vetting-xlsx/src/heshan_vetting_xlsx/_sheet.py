"""From an ``.xlsx`` file to the cells of its intake sheet: streamed, and within stated limits.

A workbook is read in three steps, none of which holds more than the table itself in memory:

1. The archive is checked (:func:`_check_archive`): its parts' declared sizes, and every worksheet's XML
   is scanned with expat in constant memory (:class:`_SheetScan`): rows and cells in order and within
   Excel's grid, the number of cells, and which formulas have no saved result. A workbook that is not
   what a spreadsheet program writes is refused here, before openpyxl parses anything.
2. openpyxl opens the workbook in read-only mode (values as saved, formulas not computed).
3. The chosen sheet is streamed (:func:`_stream`) with openpyxl's sheet parser, which reports only the
   cells the file stores: an empty cell costs nothing, however far away it is, and a cell right of
   the header row's last header is kept only if it holds a value (an error later on).

openpyxl's read-only worksheet pads every row to its widest cell and fills every gap between rows with
empty rows; one stray cell in ``XFD1048576`` would still cost 16,384 × 1,048,576 empty cells. That is why
step 3 uses the sheet parser itself (``openpyxl.worksheet._reader.WorkSheetParser``, not public API: the
dependency is ``openpyxl<3.2``).
"""

from __future__ import annotations

import bisect
import warnings
import xml.parsers.expat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import openpyxl
from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser

from heshan_vetting import BilingualValueError

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
    HeaderChoice,
    fail,
    is_blank,
    sheet_ref,
)

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
    "Grid",
    "HeaderChoice",
    "SheetData",
    "fail",
    "is_blank",
    "read_grid",
    "read_sheet",
    "sheet_ref",
]

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 1 << 16


# -- errors -------------------------------------------------------------------------------------------


def _invalid(
    path: Path, detail_en: str, detail_zh: str, *, line: int | None = None, hint: tuple[str, str] = ("", "")
) -> NoReturn:
    fail(
        path,
        f"This is not a valid .xlsx workbook{hint[0]}: {detail_en}.",
        f"这不是有效的 .xlsx 工作簿{hint[1]}：{detail_zh}。",
        line=line,
    )


# -- step 1: the archive, and every worksheet's structure ------------------------------------------


class _Stop(Exception):
    """Ends a scan early (not a worksheet, or over the cell limit)."""


class _Bad(BilingualValueError):
    """The XML of a worksheet is not what a spreadsheet program writes."""

    def __init__(self, message_en: str, message_zh: str, row: int | None = None) -> None:
        super().__init__(message_en, message_zh)
        self.row = row


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class _SheetScan:
    """The structure of one XML part, read by expat in constant memory (a worksheet is scanned whole)."""

    def __init__(self, *, root_only: bool = False) -> None:
        self.root_only = root_only
        self.is_sheet = False
        self.has_dimension = False
        """Whether the sheet's size is recorded before its data (else openpyxl reads all of it to size it)."""
        self.cells = 0
        self.over_at: int | None = None
        """The row in which the part's stored cells passed :data:`MAX_CELLS`, if they did."""
        self.unsaved: set[tuple[int, int]] = set()
        """(row, column) of the formulas stored without a result."""
        self.row = 0
        """The row being read."""
        self._depth = 0
        self._row_depth = -1
        self._seen_data = False
        self._column = 0
        self._cell: tuple[int, int] | None = None
        self._cell_type = ""
        self._formula = False
        self._value = False
        self._in_value = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        depth = self._depth
        self._depth = depth + 1
        if depth == 0:
            self.is_sheet = local == "worksheet"
            if self.root_only or not self.is_sheet:
                raise _Stop
        elif self._row_depth < 0:
            # openpyxl reads a row element wherever it is; so is it checked wherever it is
            if local == "row":
                self._row_depth = depth
                self._start_row(attrs.get("r"))
            elif depth == 1 and local == "sheetData":
                self._seen_data = True
            elif depth == 1 and local == "dimension" and not self._seen_data:
                self.has_dimension = True
        elif depth == self._row_depth + 1:
            self._start_cell(attrs)  # openpyxl reads every child of a row as a cell
        elif local == "row":
            raise _Bad(f"row {self.row} holds another row", f"第 {self.row} 行中嵌套了另一行", self.row)
        elif depth == self._row_depth + 2:
            if local == "f":
                self._formula = True
            elif local == "v":
                self._in_value = True

    def _start_row(self, r: str | None) -> None:
        row = self.row + 1
        if r is not None:  # as openpyxl reads it: an integer, or a float that is one ("3.0")
            try:
                row = int(r)
            except ValueError:
                number = _float(r)
                if number is None or not number.is_integer():
                    raise _Bad(
                        f"the row after row {self.row} is numbered {r!r}", f"第 {self.row} 行之后的一行行号为 {r!r}"
                    ) from None
                row = int(number)
        if row < 1:
            raise _Bad(f"the row after row {self.row} is numbered {r!r}", f"第 {self.row} 行之后的一行行号为 {r!r}")
        if row == self.row:
            raise _Bad(f"row {row} is stored twice", f"第 {row} 行存放了两次", row)
        if row < self.row:
            raise _Bad(
                f"row {row} is stored after row {self.row} (rows must be stored in order)",
                f"第 {row} 行存放在第 {self.row} 行之后（各行须按顺序存放）",
                row,
            )
        if row > EXCEL_ROWS:
            raise _Bad(
                f"row {row} is beyond Excel's last row ({EXCEL_ROWS:,})",
                f"第 {row} 行超出了 Excel 的最大行号（{EXCEL_ROWS}）",
                row,
            )
        self.row, self._column = row, 0

    def _start_cell(self, attrs: dict[str, str]) -> None:
        row, column = self.row, self._column + 1
        r = attrs.get("r")
        if r:
            try:
                row, column = coordinate_to_tuple(r)
            except Exception:  # ValueError, CellCoordinatesException: not an address
                raise _Bad(
                    f"a cell of row {self.row} has the address {r!r}", f"第 {self.row} 行有单元格地址为 {r!r}", self.row
                ) from None
            if row != self.row:
                raise _Bad(
                    f"the cell {r} is stored in row {self.row}", f"单元格 {r} 存放在第 {self.row} 行中", self.row
                )
            if column <= self._column:
                raise _Bad(f"the cell {r} is stored twice or out of order", f"单元格 {r} 重复或顺序错乱", self.row)
        if column > EXCEL_COLUMNS:
            raise _Bad(
                f"row {row} has a cell beyond Excel's last column (XFD)",
                f"第 {row} 行有单元格超出了 Excel 的最后一列（XFD）",
                row,
            )
        self._column = column
        self._cell = (row, column)
        self._cell_type = attrs.get("t", "n")
        self._formula = self._value = False
        self.cells += 1
        if self.cells > MAX_CELLS and self.over_at is None:
            self.over_at = row
            raise _Stop

    def end(self, name: str) -> None:
        self._depth -= 1
        depth = self._depth
        if self._row_depth < 0:
            return
        if depth == self._row_depth:
            self._row_depth = -1
        elif depth == self._row_depth + 1:  # the end of a cell
            # A formula without a value has no saved result (an empty text result is saved as t="str").
            if self._formula and not self._value and self._cell_type != "str" and self._cell is not None:
                self.unsaved.add(self._cell)
            self._cell = None
        elif depth == self._row_depth + 2:
            self._in_value = False

    def text(self, data: str) -> None:
        if self._in_value and data:
            self._value = True


def _doctype(*_: Any) -> None:
    raise _Bad("an XML part declares a document type (DOCTYPE)", "有 XML 部件声明了文档类型（DOCTYPE）")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, root_only: bool) -> _SheetScan:
    """Scan one part: its root element only, or (a worksheet) the whole of it."""
    scan = _SheetScan(root_only=root_only)
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    parser.StartDoctypeDeclHandler = _doctype
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Stop:
        pass
    except xml.parsers.expat.ExpatError as exc:
        if scan.is_sheet:  # a part that is not XML at all is left to openpyxl, if it reads it
            raise _Bad(f"it is not well-formed XML ({exc})", f"不是格式正确的 XML（{exc}）", scan.row or None) from None
    return scan


@dataclass(frozen=True)
class _Archive:
    scans: dict[str, _SheetScan] = field(default_factory=dict)
    """Each worksheet part, by its name in the archive."""


def _too_big(path: Path, en: str, zh: str) -> NoReturn:
    fail(
        path,
        f"{en}. Split the workbook, or delete unused rows, columns and sheets.",
        f"{zh}。请拆分工作簿，或删除未使用的行、列和工作表。",
    )


def _check_archive(path: Path) -> _Archive | None:
    """Every worksheet's structure; ``None`` for a file that is not a zip archive (openpyxl says what it is)."""
    try:
        archive = zipfile.ZipFile(path)
    except Exception:  # BadZipFile, OSError, NotImplementedError (an unknown zip version) …
        return None
    with archive:
        # not ZipInfo.is_dir(): it indexes the name, and a damaged archive may hold an empty one
        infos = [i for i in archive.infolist() if not i.filename.endswith("/")]
        if len(infos) > MAX_PARTS:
            _invalid(
                path,
                f"the archive holds {len(infos):,} parts (at most {MAX_PARTS:,})",
                f"压缩包内有 {len(infos)} 个部件（上限为 {MAX_PARTS}）",
            )
        mib = MAX_XML_PART_BYTES // 2**20
        xml_total = sum(i.file_size for i in infos if i.filename.lower().endswith(_XML_SUFFIXES))
        if xml_total > MAX_XML_BYTES:
            _too_big(
                path,
                f"The workbook's XML is {xml_total / 2**20:,.0f} MiB uncompressed; at most "
                f"{MAX_XML_BYTES // 2**20} MiB is read",
                f"工作簿的 XML 解压后共 {xml_total / 2**20:,.0f} MiB；至多读取 {MAX_XML_BYTES // 2**20} MiB",
            )
        out = _Archive()
        for info in infos:
            large = info.file_size > MAX_XML_PART_BYTES
            if large and info.filename.lower().endswith(_XML_SUFFIXES):
                _too_big(
                    path,
                    f"The workbook part {info.filename} is {info.file_size / 2**20:,.0f} MiB "
                    f"uncompressed; at most {mib} MiB per part is read",
                    f"工作簿部件 {info.filename} 解压后为 {info.file_size / 2**20:,.0f} MiB；"
                    f"每个部件至多读取 {mib} MiB",
                )
            try:
                scan = _scan_part(archive, info, root_only=large)
            except _Bad as exc:
                _invalid(
                    path, f"{exc.message_en} ({info.filename})", f"{exc.message_zh}（{info.filename}）", line=exc.row
                )
            except Exception as exc:  # a damaged or encrypted member, a bad CRC, zlib.error …
                _invalid(
                    path,
                    f"{info.filename} cannot be read ({type(exc).__name__}: {exc})",
                    f"无法读取 {info.filename}（{type(exc).__name__}: {exc}）",
                )
            if not scan.is_sheet:
                continue
            if large:
                _too_big(
                    path,
                    f"The worksheet {info.filename} is {info.file_size / 2**20:,.0f} MiB uncompressed; "
                    f"at most {mib} MiB is read",
                    f"工作表 {info.filename} 解压后为 {info.file_size / 2**20:,.0f} MiB；至多读取 {mib} MiB",
                )
            if scan.over_at is not None and not scan.has_dimension:
                # openpyxl would parse the whole part to size the sheet
                _too_many_cells(path, info.filename, scan.over_at)
            out.scans[info.filename] = scan
        return out


def _too_many_cells(path: Path, where: str, row: int) -> NoReturn:
    fail(
        path,
        f"The sheet {where} stores more than {MAX_CELLS:,} cells (the limit is passed in row {row}). A sheet that "
        "large is either a ledger to split into several workbooks, or holds stray content or formatting far "
        "from the table: select the unused rows and columns below and right of the table and delete them.",
        f"工作表 {where} 存储的单元格超过 {MAX_CELLS} 个（在第 {row} 行超出）。表格过大时请拆分为多个工作簿；"
        "若是表格之外有零散内容或格式，请选中表格下方和右侧未使用的行、列并删除。",
        line=row,
    )


# -- step 2: opening ---------------------------------------------------------------------------------


def _is_ole(path: Path) -> bool:
    """Whether the file is an OLE compound document (a legacy .xls, or an encrypted .xlsx)."""
    try:
        with path.open("rb") as fh:
            return fh.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    except OSError:
        return False


def _open(path: Path) -> Workbook:
    """Load the workbook, read-only, with the values saved for formulas; a file that is not one is a ProjectError."""
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it drops (data validation extensions, default styles …);
            # none of them matter for reading values.
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except OSError as exc:
        fail(path, f"The workbook cannot be read: {exc.strerror or exc}.", f"无法读取该工作簿：{exc.strerror or exc}。")
    except Exception as exc:  # zipfile.BadZipFile, KeyError, XML errors …: the file is not a workbook
        hint = ("", "")
        if path.name.startswith("~$"):
            hint = (
                " (this is the lock file Excel keeps while the workbook is open; give the workbook itself)",
                "（这是 Excel 打开工作簿时生成的锁定文件；请指定工作簿本身）",
            )
        elif _is_ole(path):
            hint = (
                " (it is an encrypted workbook or an old .xls file; save an unprotected copy as .xlsx)",
                "（这是加密的工作簿或旧版 .xls 文件；请另存为未加密的 .xlsx）",
            )
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        _invalid(path, detail, detail, hint=hint)


def _pick_sheet(wb: Workbook) -> ReadOnlyWorksheet:
    sheets = [ws for ws in wb.worksheets if isinstance(ws, ReadOnlyWorksheet)]
    for ws in sheets:
        title = ws.title.strip()
        if title.casefold() == SHEET_NAMES[0] or title in SHEET_NAMES[1:]:
            return ws
    if not sheets:
        raise LookupError("no worksheet")
    return sheets[0]


# -- step 3: streaming the sheet ------------------------------------------------------------------------


@dataclass
class SheetData:
    """What the loader needs of the intake sheet."""

    title: str
    header: list[ReadOnlyCell]
    """The cells of the header row that hold a value, left to right (empty when the sheet has no row)."""
    header_row: int
    """The header row's number (1 when the sheet is empty)."""
    rows: list[tuple[int, list[ReadOnlyCell]]]
    """Each later row that holds a value: its number, and left to right the cells of the columns read that hold
    a value (one merged down from above included) or a formula without a result, then the first cell outside
    the headers (and not in an ignored column) that holds a value."""
    unsaved: frozenset[tuple[int, int]]
    """(row, column) of the formulas without a saved result."""
    has_values: bool
    """Whether any cell of the sheet, the header row included, holds a value."""


class _Unreadable(Exception):
    """openpyxl could not read a cell of ``row``."""

    def __init__(self, row: int, exc: Exception) -> None:
        super().__init__(f"{type(exc).__name__}: {exc}")
        self.row = row


def _parsed_rows(
    ws: ReadOnlyWorksheet, merged: list[tuple[int, int, int, int]] | None = None
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(row number, the cells the file stores) of each row the file stores, as openpyxl's parser reads them.

    Once the rows are read, the sheet's merged ranges (stored after them) are added to ``merged`` as
    (first row, first column, last row, last column).
    """
    sheet: Any = ws
    wb: Any = ws.parent
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=wb.data_only,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        rows = parser.parse()
        while True:
            try:
                row, cells = next(rows)
            except StopIteration:
                break
            except Exception as exc:  # XML, shared-string index, number or date errors in the row's cells
                raise _Unreadable(parser.row_counter, exc) from exc
            parser.row_dimensions.clear()  # kept for every formatted row otherwise
            yield row, cells
    if merged is not None:
        merged.extend(_merged_ranges(ws, parser.merged_cells))


def _merged_ranges(ws: ReadOnlyWorksheet, found: Any) -> list[tuple[int, int, int, int]]:
    out: list[tuple[int, int, int, int]] = []
    for merge in getattr(found, "mergeCell", None) or ():
        try:
            min_col, min_row, max_col, max_row = range_boundaries(str(merge.ref))
        except Exception:  # a ref that is no range: Excel would not open the file either
            raise _Bad(f"a merged range is {merge.ref!r}", f"有合并区域为 {merge.ref!r}") from None
        if min_col is None or min_row is None or max_col is None or max_row is None:
            raise _Bad(f"a merged range is {merge.ref!r}", f"有合并区域为 {merge.ref!r}")
        out.append((min_row, min_col, max_row, max_col))
        if len(out) > MAX_MERGED_RANGES:
            raise _Bad(
                f"the sheet {sheet_ref(ws.title)} has more than {MAX_MERGED_RANGES:,} merged ranges",
                f"工作表 {sheet_ref(ws.title)} 的合并区域超过 {MAX_MERGED_RANGES} 个",
            )
    return sorted(out)


def _fill_merged(
    rows: list[tuple[int, list[ReadOnlyCell]]],
    merged: list[tuple[int, int, int, int]],
    header_row: int,
    columns: frozenset[int],
    ws: ReadOnlyWorksheet,
) -> None:
    """Give each row a range merged down over the value of its top cell (a town merged over three projects).

    Only ranges below the header row count (a merged title row is skipped with the rows above the header),
    and only in the range's first column: Excel shows a merged value once, in its top-left cell.
    """
    numbers = [r for r, _cells in rows]
    by_row = dict(rows)
    visited = 0
    for first, column, last, _last_column in merged:
        if first <= header_row or last == first or column not in columns or first not in by_row:
            continue
        top = next((c for c in by_row[first] if c.column == column), None)
        if top is None or is_blank(top.value):
            continue
        for i in range(bisect.bisect_right(numbers, first), bisect.bisect_right(numbers, last)):
            visited += 1
            if visited > MAX_CELLS:  # merged ranges overlap: no spreadsheet program writes that
                raise _Bad("merged ranges overlap", "合并区域相互重叠")
            cells = by_row[numbers[i]]
            if any(c.column == column for c in cells):
                continue
            copy = ReadOnlyCell(ws, numbers[i], column, top.value, top.data_type, getattr(top, "_style_id", 0))
            cells.append(copy)
            cells.sort(key=lambda c: c.column)


def _stream(ws: ReadOnlyWorksheet, path: Path, unsaved: frozenset[tuple[int, int]], choose: HeaderChoice) -> SheetData:
    header: list[ReadOnlyCell] = []
    header_row = 0
    columns: frozenset[int] = frozenset()
    header_columns: frozenset[int] = frozenset()
    rows: list[tuple[int, list[ReadOnlyCell]]] = []
    # The first rows, kept until the header row is chosen: (row, its cells that hold a value or an unsaved formula)
    first: list[tuple[int, list[dict[str, Any]]]] = []
    has_values = False
    merged: list[tuple[int, int, int, int]] = []

    def chosen() -> None:
        nonlocal header, header_row, columns, header_columns
        candidates = [(r, [ReadOnlyCell(ws, **c) for c in cells if not is_blank(c["value"])]) for r, cells in first]
        picked = choose([(r, cells) for r, cells in candidates if cells])
        header_row, columns = picked if picked is not None else (1, frozenset())
        header = next((cells for r, cells in candidates if r == header_row), [])
        header_columns = frozenset(c.column for c in header)
        for r, cells in first:
            if r > header_row:
                add(r, cells)

    def add(row: int, stored: list[dict[str, Any]]) -> None:
        kept: list[ReadOnlyCell] = []
        any_value = False
        for c in stored:
            blank = is_blank(c["value"])
            if c["column"] in columns:
                any_value = any_value or not blank
                if not blank or (row, c["column"]) in unsaved:
                    kept.append(ReadOnlyCell(ws, **c))
            elif not blank and c["column"] not in header_columns:
                # a value without a header: the loader reports it, nothing after it matters
                any_value = True
                kept.append(ReadOnlyCell(ws, **c))
                break
        if not any_value:
            return
        rows.append((row, kept))
        if len(rows) > MAX_PROJECT_ROWS:
            fail(
                path,
                f"The sheet {sheet_ref(ws.title)} has more than {MAX_PROJECT_ROWS:,} project rows; split the "
                f"ledger into workbooks of at most {MAX_PROJECT_ROWS:,} rows.",
                f"工作表 {sheet_ref(ws.title)} 的项目行超过 {MAX_PROJECT_ROWS} 行；请拆分为每个不超过 "
                f"{MAX_PROJECT_ROWS} 行的工作簿。",
                line=row,
            )

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. a date cell whose number is out of range: read as #VALUE!
            last = 0
            for row, stored in _parsed_rows(ws, merged):
                if row <= last:  # the scan of step 1 has refused this; openpyxl must agree
                    _invalid(
                        path, f"row {row} is stored after row {last}", f"第 {row} 行存放在第 {last} 行之后", line=row
                    )
                last = row
                has_values = has_values or any(not is_blank(c["value"]) for c in stored)
                if not header_row:
                    if row <= HEADER_ROWS:
                        first.append(
                            (row, [c for c in stored if not is_blank(c["value"]) or (row, c["column"]) in unsaved])
                        )
                        continue
                    chosen()
                add(row, stored)
            if not header_row:
                chosen()
            _fill_merged(rows, merged, header_row, columns, ws)
    except _Unreadable as exc:
        _invalid(
            path,
            f"a cell of row {exc.row} cannot be read ({exc})",
            f"第 {exc.row} 行有单元格无法读取（{exc}）",
            line=exc.row,
        )
    except _Bad as exc:
        _invalid(path, exc.message_en, exc.message_zh, line=exc.row)
    return SheetData(ws.title, header, header_row, rows, unsaved, has_values)


def _intake(wb: Workbook, archive: _Archive | None, path: Path) -> tuple[ReadOnlyWorksheet, _SheetScan]:
    """The intake sheet of ``wb`` and the scan of its part, refused beyond the cell limit."""
    try:
        ws = _pick_sheet(wb)
    except LookupError:
        fail(path, "The workbook has no worksheet.", "该工作簿没有工作表。")
    part = str(getattr(ws, "_worksheet_path", "")).lstrip("/")
    scan = archive.scans.get(part) if archive is not None else None
    if scan is None:  # openpyxl found the part, but its root is not a worksheet
        _invalid(
            path,
            f"the part {part} of the sheet {sheet_ref(ws.title)} is not a worksheet",
            f"工作表 {sheet_ref(ws.title)} 的部件 {part} 不是工作表",
        )
    if scan.over_at is not None:
        _too_many_cells(path, sheet_ref(ws.title), scan.over_at)
    return ws, scan


def read_sheet(path: Path, choose: HeaderChoice) -> SheetData:
    """The intake sheet of the workbook at ``path``: the sheet named ``projects`` or ``项目``, else the first.

    :param choose: picks the header row and the columns to read (see :data:`HeaderChoice`).
    :raises ProjectError: for a file that is not a workbook, or one beyond a limit, naming the file (and the
        row where there is one).
    """
    archive = _check_archive(path)
    wb = _open(path)
    try:
        ws, scan = _intake(wb, archive, path)
        return _stream(ws, path, frozenset(scan.unsaved), choose)
    finally:
        wb.close()


@dataclass
class Grid:
    """Every cell of the intake sheet that holds a value, as it is (for writing the ledger back)."""

    title: str
    cells: list[tuple[int, int, Any, str]]
    """(row, column, value, number format) of each cell holding a value, row by row, left to right."""
    merged: list[tuple[int, int, int, int]]
    """The merged ranges: (first row, first column, last row, last column)."""


def read_grid(path: Path) -> Grid:
    """Every value of the intake sheet (the one :func:`read_sheet` reads), within the same limits.

    :raises ProjectError: as :func:`read_sheet`.
    """
    archive = _check_archive(path)
    wb = _open(path)
    try:
        ws, _scan = _intake(wb, archive, path)
        cells: list[tuple[int, int, Any, str]] = []
        merged: list[tuple[int, int, int, int]] = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for row, stored in _parsed_rows(ws, merged):
                    for c in stored:
                        if c["value"] is None:
                            continue
                        cell = ReadOnlyCell(ws, **c)
                        try:
                            number_format = str(cell.number_format or "General")
                        except (IndexError, KeyError, TypeError, AttributeError):  # a style the workbook lacks
                            number_format = "General"
                        cells.append((row, cell.column, cell.value, number_format))
        except _Unreadable as exc:
            _invalid(
                path,
                f"a cell of row {exc.row} cannot be read ({exc})",
                f"第 {exc.row} 行有单元格无法读取（{exc}）",
                line=exc.row,
            )
        except _Bad as exc:
            _invalid(path, exc.message_en, exc.message_zh, line=exc.row)
        return Grid(ws.title, cells, merged)
    finally:
        wb.close()
