"""The enterprise register (企业台账) an evaluation reads: its fields, and reading it from CSV or JSON Lines.

Columns are named by the field's English name or Chinese title (``land_area``, ``用地面积``), with the unit in
parentheses (``用地面积 (亩)``, ``tax (万元)``); a cell may also carry its own unit (``"180 亩"``). A number with
no unit anywhere is refused: 万元 and 元 differ ten thousand times. A row that cannot be read is an error entry
naming file, row and column, and is left out; the rest of the register is read (never a silent drop).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from heshan_vetting.errors import BilingualValueError, ProjectError, did_you_mean
from heshan_vetting.extension import HeaderRule, Table
from heshan_vetting.inputs.files import read_input_file
from heshan_vetting.units import Units, shown

FieldKind = Literal["text", "number", "size"]

SIZE_VALUES: dict[str, str] = {
    "规上": "规上", "规模以上": "规上", "above": "规上", "above designated size": "规上",
    "规下": "规下", "规模以下": "规下", "below": "规下", "below designated size": "规下",
}  # fmt: skip
"""The spellings of the size group a register may use, and the value conditions compare (``size == "规上"``)."""


@dataclass(frozen=True)
class RegisterField:
    """One field of the register: its name, titles, kind and canonical unit (numbers are held in it)."""

    name: str
    title_zh: str
    title_en: str
    kind: FieldKind
    unit: str = ""
    aliases: tuple[str, ...] = ()
    """Other headers read as this field (Chinese spellings seen in ledgers)."""
    units_allowed: tuple[str, ...] = ()
    """When set, the only units a header or cell may give (energy must be coal equivalent, 等价值)."""


REGISTER_FIELDS: dict[str, RegisterField] = {
    f.name: f
    for f in (
        RegisterField("id", "统一社会信用代码", "unified social credit code", "text", aliases=("企业编号", "信用代码")),
        RegisterField("name", "企业名称", "enterprise name", "text", aliases=("名称",)),
        RegisterField("town", "镇街", "town", "text", aliases=("所在镇街", "所属镇街")),
        RegisterField("industry_code", "行业代码", "industry code (GB/T 4754)", "text"),
        RegisterField("size", "企业规模", "size group (规上 / 规下)", "size", aliases=("规模",)),
        RegisterField("land_area", "用地面积", "land area", "number", "亩", aliases=("占地面积",)),
        RegisterField("tax", "实缴税收", "taxes paid", "number", "万元", aliases=("税收", "实缴税金")),
        RegisterField("value_added", "工业增加值", "industrial value added", "number", "万元", aliases=("增加值",)),
        RegisterField("revenue", "主营业务收入", "main-business revenue", "number", "万元", aliases=("营业收入",)),
        RegisterField("output", "工业总产值", "gross industrial output", "number", "万元", aliases=("总产值",)),
        RegisterField(
            "energy", "综合能耗（等价值）", "total energy use (equivalent basis)", "number", "tce",
            aliases=("综合能耗",), units_allowed=("tce", "kgce", "万吨标准煤", "吨标准煤", "吨标煤", "千克标准煤"),
        ),
        RegisterField("emissions", "主要污染物排放量", "main pollutant emissions", "number", "t", aliases=("排放量",)),
        RegisterField(
            "employees", "年平均职工人数", "average employees", "number", "人", aliases=("职工人数", "从业人数")
        ),
        RegisterField("rd_spend", "研发经费支出", "R&D spend", "number", "万元", aliases=("R&D经费支出", "研发投入")),
        RegisterField("electricity", "用电量", "electricity use", "number", "万千瓦时", aliases=("年用电量",)),
        RegisterField("violations", "安全环保违法记录", "recorded safety / environmental violations", "number",
                      aliases=("违法记录", "违法违规记录")),
        RegisterField("year", "评价年度", "year evaluated", "number", aliases=("年度",)),
    )
}  # fmt: skip
"""The register's fields, in the order the docs list them. ``id`` and ``name`` are required in every row."""

MAX_REGISTER_BYTES = 512 * 1024 * 1024
"""The largest register read (the limit of a JSON Lines batch of projects, too)."""

IGNORED_HEADERS: tuple[str, ...] = ("序号", "备注", "No.", "Remarks", "Notes")
"""Columns read as nothing: a ledger's running number and its remarks."""

_PLAIN_NUMBER = re.compile(r"\s*[0-9]{1,300}(?:\.[0-9]{1,300})?\s*")
_HEADER = re.compile(r"^(?P<label>.*?)\s*[(（]\s*(?P<unit>[^()（）]*?)\s*[)）]\s*$", re.DOTALL)


def _key(text: str) -> str:
    squeezed = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).strip("*")
    return squeezed.casefold()


_LOOKUP: dict[str, str] = {}
for _f in REGISTER_FIELDS.values():
    for _label in (_f.name, _f.title_zh, *_f.aliases):
        _LOOKUP[_key(_label)] = _f.name
_IGNORED = frozenset(_key(h) for h in IGNORED_HEADERS)


@dataclass(frozen=True)
class Column:
    """A column of the register: the header as written, the field it holds and the unit its header gives."""

    header: str
    field: str | None
    """None for an ignored column."""
    unit: str = ""
    factor: float = 1.0
    """From the header's unit to the field's canonical unit (1 without a header unit)."""


@dataclass(frozen=True)
class Enterprise:
    """One register row, read: canonical numbers (in each field's unit), texts, ``None`` for empty."""

    row: int
    values: Mapping[str, float | str | None]

    @property
    def id(self) -> str:
        """The 统一社会信用代码 (or the register's own id)."""
        return str(self.values["id"])

    @property
    def name(self) -> str:
        """The enterprise's name."""
        return str(self.values["name"])


@dataclass
class Register:
    """A register read: its enterprises in file order, and the rows that could not be read."""

    path: str
    enterprises: list[Enterprise] = field(default_factory=list)
    errors: list[ProjectError] = field(default_factory=list)
    sheet: str | None = None
    """The sheet read, for a workbook register."""
    header_row: int | None = None
    """The row of the header (1 for a CSV file; None for JSON Lines)."""


TableReader = Callable[[Path, HeaderRule], "Table | None"]
"""Reads a register in a format the core does not (``Hooks.read_table``: an XLSX workbook through the plugin)."""


def register_header_row(rows: Sequence[tuple[int, Sequence[object]]]) -> int | None:
    """The header row of a table below its title rows (the :data:`~heshan_vetting.HeaderRule` of a register).

    The first row whose cells name both the id (统一社会信用代码) and the name (企业名称) fields; failing that,
    the row naming the most register fields (the first of equals), so the errors about its headers say what is
    wrong; failing that, the first row. ``None`` for no rows.
    """
    if not rows:
        return None
    best, best_count = rows[0][0], 0
    for number, cells in rows:
        names = {_header_field(c) for c in cells}
        if "id" in names and "name" in names:
            return number
        count = len(names - {None})
        if count > best_count:
            best, best_count = number, count
    return best


def _header_field(cell: object) -> str | None:
    if not isinstance(cell, str):
        return None
    text = unicodedata.normalize("NFKC", cell).strip()
    name = _LOOKUP.get(_key(text))
    if name is None:
        m = _HEADER.match(text)
        name = _LOOKUP.get(_key(m.group("label"))) if m is not None else None
    return name


def column_letter(number: int) -> str:
    """The spreadsheet letters of the 1-based column ``number`` (1 → A, 27 → AA)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _sheet_cell(header: str, sheet: str | None, column: int, row: int) -> str:
    """``用地面积 (亩) (企业!F7)``: the header and, for a workbook, the cell (the ``field`` of an error entry)."""
    if sheet is None:
        return header
    ref = sheet if re.fullmatch(r"\w+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{header} ({ref}!{column_letter(column)}{row})"


def _column(header: str, units: Units, path: str, index: int, line: int = 1) -> Column:
    text = unicodedata.normalize("NFKC", header).strip()
    where = {"file": path, "line": line, "column": index + 1, "field": header}
    if not text:
        return Column("", None)  # a column with no header: its cells must be empty
    name = _LOOKUP.get(_key(text))
    unit: str | None = None
    if name is None:
        m = _HEADER.match(text)
        if m is not None:
            name, unit = _LOOKUP.get(_key(m.group("label"))), m.group("unit")
            if _key(m.group("label")) in _IGNORED:
                return Column(header, None)
    if _key(text) in _IGNORED:
        return Column(header, None)
    if name is None:
        label = _HEADER.match(text)
        hint_en, hint_zh = did_you_mean(_key(label.group("label") if label else text), _LOOKUP)
        raise ProjectError(
            f"The column {header!r} is not a register field{hint_en or '.'} A register's columns are the fields "
            "of docs/evaluation.md, in English (land_area) or Chinese (用地面积), with the unit in parentheses.",
            message_zh=f"列 {header!r} 不是台账字段{hint_zh or '。'}台账的列应为 docs/evaluation.md 所列字段，"
            "可用英文名（land_area）或中文名（用地面积），单位写在括号中。",
            **where,  # type: ignore[arg-type]
        )
    spec = REGISTER_FIELDS[name]
    if unit is not None:
        _check_unit(spec, unit, units, where)
    factor = units.factor(units.unit(unit), units.unit(spec.unit)) if unit else 1.0
    return Column(header, name, unit or "", factor)


def _check_unit(spec: RegisterField, unit: str, units: Units, where: Mapping[str, object]) -> None:
    """Refuse a header unit that does not fit the field (a wrong dimension, or energy not in coal equivalent)."""

    def fail(en: str, zh: str) -> None:
        raise ProjectError(en, message_zh=zh, **where)  # type: ignore[arg-type]

    if spec.kind != "number":
        fail(
            f"{spec.name} ({spec.title_zh}) is not a number; remove ({unit}) from the header.",
            f"{spec.title_zh}（{spec.name}）不是数值；请去掉列标题中的（{unit}）。",
        )
    try:
        given = units.unit(unit)
    except BilingualValueError as exc:
        fail(f"The header's unit is invalid: {exc.message_en}.", f"列标题中的单位无效：{exc.message_zh}。")
        return
    problem = _unit_problem(spec, unit, given, units)
    if problem is not None:
        fail(*problem)


def _unit_problem(spec: RegisterField, text: str, given: object, units: Units) -> tuple[str, str] | None:
    allowed_symbols = {units.symbol(units.unit(u)) for u in spec.units_allowed}
    if spec.units_allowed and units.symbol(given) not in allowed_symbols:
        allowed = ", ".join(spec.units_allowed)
        return (
            f"{spec.name} ({spec.title_zh}) must be given in coal equivalent on the equivalent basis (等价值), in "
            f"one of {allowed}; {text!r} cannot be converted without the generation coal rate.",
            f"{spec.title_zh}须以等价值折标准煤计，单位为 {allowed} 之一；{text!r} 无法在不知发电煤耗的情况下换算。",
        )
    if not units.convertible(given, units.unit(spec.unit)):
        want = spec.unit or "a plain number"
        return (
            f"The unit {text!r} does not fit {spec.name} ({spec.title_zh}), which is in {want}.",
            f"单位 {text!r} 与{spec.title_zh}（{spec.name}）不符，应为 {spec.unit or '不带单位的数值'}。",
        )
    return None


def _cell(spec: RegisterField, column: Column, raw: object, units: Units) -> float | str | None:
    """One cell's value; raises :class:`BilingualValueError` with the reason when it cannot be read."""
    if isinstance(raw, BilingualValueError):  # a reader could not read the cell (a formula without a result)
        raise raw
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if spec.kind == "text":
        if not isinstance(raw, (str, int)) or isinstance(raw, bool):
            raise BilingualValueError(f"expected a text, got {shown(raw)}", f"应为文本，而不是 {shown(raw)}")
        text = str(raw).strip()
        if any(unicodedata.category(c) == "Cc" for c in text):
            raise BilingualValueError(f"{shown(raw)} contains a control character", f"{shown(raw)} 含有控制字符")
        return text
    if spec.kind == "size":
        value = SIZE_VALUES.get(_key(str(raw))) if isinstance(raw, str) else None
        if value is None:
            raise BilingualValueError(
                f"{shown(raw)} is not a size group; write 规上 or 规下 (above / below designated size)",
                f"{shown(raw)} 不是企业规模；请写“规上”或“规下”",
            )
        return value
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise BilingualValueError(f"expected a number, got {shown(raw)}", f"应为数值，而不是 {shown(raw)}")
    factor = column.factor
    written = column.unit
    if isinstance(raw, (int, float)):
        try:
            magnitude = float(raw)
        except OverflowError:  # a JSON integer of more than 308 digits
            raise BilingualValueError("the number is too large", "数值过大") from None
    elif _PLAIN_NUMBER.fullmatch(raw):  # the common case, without the quantity parser
        magnitude = float(raw)
    else:
        magnitude, unit_obj = units.parse_quantity(raw)
        if unit_obj != units.unit(""):  # the cell gives its own unit (checked, then converted)
            written = units.symbol(unit_obj)
            problem = _unit_problem(spec, written, unit_obj, units)
            if problem is not None:
                raise BilingualValueError(*problem)
            factor = units.factor(unit_obj, units.unit(spec.unit))
    if not math.isfinite(magnitude):
        raise BilingualValueError(f"{shown(raw)} is not a finite number", f"{shown(raw)} 不是有限数值")
    if magnitude < 0:
        raise BilingualValueError(f"{shown(raw)} is negative", f"{shown(raw)} 为负数")
    if spec.unit and spec.unit != "人" and not written:
        raise BilingualValueError(
            f"{shown(raw)} has no unit: give it in the header ({spec.title_zh} ({spec.unit})) or in the cell",
            f"{shown(raw)} 没有单位：请在列标题中注明（{spec.title_zh}（{spec.unit}））或在单元格中写明",
        )
    return magnitude * factor


def _row(
    cells: Mapping[int, object], columns: list[Column], units: Units, path: str, row: int, sheet: str | None = None
) -> tuple[Enterprise | None, list[ProjectError]]:
    values: dict[str, float | str | None] = dict.fromkeys(REGISTER_FIELDS)
    problems: list[ProjectError] = []
    for index, column in enumerate(columns):
        if column.field is None:
            continue
        spec = REGISTER_FIELDS[column.field]
        try:
            values[spec.name] = _cell(spec, column, cells.get(index), units)
        except BilingualValueError as exc:
            problems.append(
                ProjectError(
                    f"{exc.message_en}.",
                    message_zh=f"{exc.message_zh}。",
                    file=path,
                    line=row,
                    column=index + 1,
                    field=_sheet_cell(column.header, sheet, index + 1, row),
                )
            )
    for name in ("id", "name"):
        if values[name] is None and not problems:
            spec = REGISTER_FIELDS[name]
            problems.append(
                ProjectError(
                    f"The row has no {spec.title_en} ({name}, {spec.title_zh}).",
                    message_zh=f"该行缺少{spec.title_zh}（{name}）。",
                    file=path,
                    line=row,
                    field=name,
                )
            )
    if problems:
        return None, problems
    return Enterprise(row, values), []


def _check_columns(columns: list[Column], path: str, line: int) -> None:
    seen: dict[str, str] = {}
    for index, column in enumerate(columns):
        if column.field is None:
            continue
        if column.field in seen:
            raise ProjectError(
                f"The columns {seen[column.field]!r} and {column.header!r} are both {column.field}; keep one.",
                message_zh=f"列 {seen[column.field]!r} 与 {column.header!r} 都是 {column.field}；请只保留一列。",
                file=path,
                line=line,
                column=index + 1,
                field=column.header,
            )
        seen[column.field] = column.header
    for name in ("id", "name"):
        if name not in seen:
            spec = REGISTER_FIELDS[name]
            raise ProjectError(
                f"The register has no {name} column ({spec.title_zh}); every register needs id and name.",
                message_zh=f"台账缺少“{spec.title_zh}”（{name}）列；台账必须有编号和名称两列。",
                file=path,
                line=line,
                field=name,
            )


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def read_register(path: str | Path, units: Units, tables: TableReader | None = None) -> Register:
    """Read a register from ``path`` (``.csv``, or ``.jsonl`` / ``.ndjson``; any other format through ``tables``,
    e.g. an ``.xlsx`` workbook read through an ``EvaluationFormat`` of ``heshan_evaluation_formats``: the xlsx plugin).

    Raises :class:`~heshan_vetting.errors.ProjectError` for a file that cannot be read as a register (not
    found, not UTF-8, an unknown or doubled column, no id or name column); a bad row is an error entry of
    the returned :class:`Register` and the rest is read. A second row with an id already read is an error
    entry too (which of the two is right is not ours to guess).
    """
    p = Path(path)
    shown = str(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson") and tables is not None:
        table = tables(p, register_header_row)
        if table is not None:
            register = register_from_rows(shown, table.rows, units, sheet=table.sheet)
            _drop_duplicates(register)
            return register
    raw = read_input_file(p, ProjectError, limit=MAX_REGISTER_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectError(
            f"The register is not UTF-8 text (byte {exc.start}).",
            message_zh=f"台账文件不是 UTF-8 文本（第 {exc.start} 字节）。",
            file=shown,
        ) from None
    if suffix == ".csv":
        register = _read_csv(text, shown, units)
    elif suffix in (".jsonl", ".ndjson"):
        register = _read_jsonl(text, shown, units)
    else:
        raise ProjectError(
            f"A register is a .csv or .jsonl file (or .xlsx, with the xlsx plugin installed), not "
            f"{p.suffix or 'a file without a suffix'}.",
            message_zh="台账应为 .csv 或 .jsonl 文件（安装 xlsx 插件后也可为 .xlsx），而不是 "
            f"{p.suffix or '无后缀文件'}。",
            file=shown,
        )
    _drop_duplicates(register)
    return register


def _read_csv(text: str, path: str, units: Units) -> Register:
    try:
        return _read_csv_rows(text, path, units)
    except csv.Error as exc:  # a NUL byte, a field past the csv module's size limit
        raise ProjectError(
            f"The register cannot be read as CSV: {exc}.",
            message_zh=f"无法按 CSV 读取台账：{exc}。",
            file=path,
        ) from None


def _read_csv_rows(text: str, path: str, units: Units) -> Register:
    return register_from_rows(path, _csv_rows(text), units)


def register_from_rows(
    path: str, rows: Iterable[tuple[int, Sequence[object]]], units: Units, *, sheet: str | None = None
) -> Register:
    """A register from a table's rows, the header row first: ``(row number, cells)`` per row.

    Cells are texts (CSV), or numbers and texts as a spreadsheet holds them (``None`` for an empty cell); a
    number takes the unit of its column's header. This is how a reader of another format (an XLSX register)
    builds a register with the same checks and the same error entries as the CSV reader; ``sheet`` (a workbook's
    sheet title) makes each bad cell's ``field`` name the cell too: ``用地面积 (亩) (企业!F7)``. A cell that is a
    :class:`~heshan_vetting.BilingualValueError` is one the reader could not read: an error entry at that cell.
    """
    register = Register(path, sheet=sheet)
    it = iter(rows)
    head = next(it, None)
    if head is None:
        raise ProjectError("The register is empty.", message_zh="台账为空。", file=path)
    header_line = head[0]
    register.header_row = header_line
    columns = [_column("" if h is None else str(h), units, path, i, header_line) for i, h in enumerate(head[1])]
    _check_columns(columns, path, header_line)
    for line, cells in it:
        if all(_blank(c) for c in cells):
            continue
        extra = [i for i, c in enumerate(cells) if not _blank(c) and (i >= len(columns) or columns[i].header == "")]
        if extra:
            register.errors.append(
                ProjectError(
                    f"The row has a value in column {extra[0] + 1}, which has no header.",
                    message_zh=f"该行第 {extra[0] + 1} 列有数据，但该列没有列标题。",
                    file=path,
                    line=line,
                    column=extra[0] + 1,
                    field=_sheet_cell("", sheet, extra[0] + 1, line).strip() or None,
                )
            )
            continue
        enterprise, problems = _row(dict(enumerate(cells)), columns, units, path, line, sheet)
        register.errors.extend(problems)
        if enterprise is not None:
            register.enterprises.append(enterprise)
    return register


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _read_jsonl(text: str, path: str, units: Units) -> Register:
    register = Register(path)
    known: dict[str, Column] = {}
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            register.errors.append(
                ProjectError(
                    f"The line is not JSON: {exc.msg}.",
                    message_zh=f"该行不是 JSON：{exc.msg}。",
                    file=path,
                    line=line,
                    column=exc.colno,
                )
            )
            continue
        if not isinstance(data, dict):
            register.errors.append(
                ProjectError("The line is not a JSON object.", message_zh="该行不是 JSON 对象。", file=path, line=line)
            )
            continue
        columns: list[Column] = []
        cells: dict[int, object] = {}
        try:
            for key, value in data.items():
                if key not in known:
                    known[key] = _column(str(key), units, path, 0)
                _check_duplicate_field(columns, known[key], path, line)
                cells[len(columns)] = value
                columns.append(known[key])
        except ProjectError as exc:
            register.errors.append(
                ProjectError(exc.message_en, message_zh=exc.message_zh, file=path, line=line, field=exc.field)
            )
            continue
        enterprise, problems = _row(cells, columns, units, path, line)
        for problem in problems:  # a JSON line has keys, not column numbers
            problem.column = None
        register.errors.extend(problems)
        if enterprise is not None:
            register.enterprises.append(enterprise)
    return register


def _check_duplicate_field(columns: list[Column], last: Column, path: str, line: int) -> None:
    for other in columns:
        if last.field is not None and other.field == last.field:
            raise ProjectError(
                f"The keys {other.header!r} and {last.header!r} are both {last.field}; use one spelling.",
                message_zh=f"键 {other.header!r} 与 {last.header!r} 都是 {last.field}；请只用一种写法。",
                file=path,
                line=line,
                field=last.header,
            )


def _drop_duplicates(register: Register) -> None:
    first: dict[str, int] = {}
    kept: list[Enterprise] = []
    for e in register.enterprises:
        if e.id in first:
            register.errors.append(
                ProjectError(
                    f"The id {e.id!r} was already read at row {first[e.id]}; this row is left out.",
                    message_zh=f"编号 {e.id!r} 已在第 {first[e.id]} 行出现；本行未予评价。",
                    file=register.path,
                    line=e.row,
                    field="id",
                )
            )
            continue
        first[e.id] = e.row
        kept.append(e)
    register.enterprises = kept
    register.errors.sort(key=lambda err: err.line or 0)
