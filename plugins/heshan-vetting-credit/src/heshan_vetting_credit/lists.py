"""Reading dishonesty / blacklist files (CSV) into an index by credit code.

One row per listing. A header row is required; its columns (English or Chinese names):

============================  ====================================================
``credit_code`` / 统一社会信用代码   required; validated per GB 32100-2015
``name`` / 名称                    the entity's name (shown in the finding)
``list`` / 名单                    which list, e.g. 失信被执行人, 严重违法失信名单
``authority`` / 认定机关            who listed it
``reference`` / 文号               the decision's number
``listed_on`` / 列入日期            first day listed (YYYY-MM-DD); empty: always
``removed_on`` / 移出日期           day removed (YYYY-MM-DD); on and after it the listing no longer counts
============================  ====================================================

The file is read strictly, because a row the parser loses is an applicant who passes: a list that
does not parse cleanly is a :class:`~heshan_vetting.UsageError` naming the file, the line and the
column (the field's number, 1-based), never a shorter list. The rules (see the README):

- Encoding: UTF-8 (with or without a byte-order mark), GB 18030 / GBK, or UTF-16 / UTF-32 with a
  byte-order mark. A NUL character, or bytes that are none of these, are an error naming the line.
- One record per line (a line ends with LF, CR LF or CR). A quoted cell may hold commas and doubled
  quotes (``""``) but not a line break: a quote left open is reported where it opened, instead of
  swallowing the lines after it.
- A quote inside an unquoted cell, or text after a closing quote, is an error.
- Every record has as many fields as the header row. Blank lines, and rows whose cells are all
  blank, are skipped. A row that repeats the header (two files joined) is an error.
- The header row is the first line that is not blank; a first line ``sep=,`` (written by Excel) is
  skipped.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from heshan_vetting import UsageError

from .uscc import normalise, problem

__all__ = ["COLUMNS", "Listing", "load_list", "load_lists", "parse_list"]

#: Column → accepted header spellings.
COLUMNS: dict[str, tuple[str, ...]] = {
    "credit_code": ("credit_code", "统一社会信用代码", "信用代码", "code"),
    "name": ("name", "名称", "企业名称", "单位名称"),
    "list": ("list", "名单", "名单类型", "名单名称"),
    "authority": ("authority", "认定机关", "认定部门", "列入机关"),
    "reference": ("reference", "文号", "决定文号"),
    "listed_on": ("listed_on", "列入日期"),
    "removed_on": ("removed_on", "移出日期"),
}

_OPTION = "credit_blacklist"


@dataclass(frozen=True)
class Listing:
    """One row of a list file."""

    credit_code: str
    source: str
    """``file:line`` of the row."""
    name: str = ""
    list: str = ""
    authority: str = ""
    reference: str = ""
    listed_on: date | None = None
    removed_on: date | None = None

    def active_on(self, day: date) -> bool:
        """Whether the listing counts on ``day``."""
        return (self.listed_on is None or self.listed_on <= day) and (self.removed_on is None or day < self.removed_on)


# -- decoding ---------------------------------------------------------------------------------------

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE_BREAK_BYTES = re.compile(rb"\r\n|\r|\n")


def _line_at(text: str, index: int) -> int:
    """The line (1-based, counted as the parser counts them) of ``text[index]``."""
    return len(_LINE_BREAK.findall(text, 0, index)) + 1


def _decode_bytes(data: bytes, path: Path) -> str:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                at = len(bom) + exc.start
                prefix = data[len(bom) : at].decode(codec, errors="replace")
                line = _line_at(prefix, len(prefix))
                raise UsageError(
                    f"The list file starts with a {label} byte-order mark but is not {label} text (byte {at + 1}); "
                    "save it as CSV (UTF-8).",
                    message_zh=f"名单文件以 {label} 字节顺序标记开头，但内容不是 {label} 文本（第 {at + 1} 字节）；"
                    "请另存为 CSV（UTF-8）。",
                    file=path, line=line, field=_OPTION,
                ) from None  # fmt: skip
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise UsageError(
            "The list file is neither UTF-8 nor GB 18030 text (the first byte that is not UTF-8 is on this "
            "line); save it as CSV (UTF-8).",
            message_zh="名单文件既非 UTF-8 也非 GB 18030 编码（本行有第一个非 UTF-8 字节）；请另存为 CSV（UTF-8）。",
            file=path, line=len(_LINE_BREAK_BYTES.findall(data, 0, first_bad)) + 1, field=_OPTION,
        ) from None  # fmt: skip


def _decode(data: bytes, path: Path) -> str:
    """The text of a list file; a :class:`UsageError` naming the line for bytes that are not text."""
    text = _decode_bytes(data, path)
    nul = text.find("\x00")
    if nul >= 0:
        raise UsageError(
            "The list file contains a NUL character: it is not CSV text (UTF-16 without a byte-order mark, or a "
            "spreadsheet saved under a .csv name); save it as CSV (UTF-8).",
            message_zh="名单文件含有 NUL 字符，不是 CSV 文本（可能是不带字节顺序标记的 UTF-16，或改名为 .csv 的"
            "表格文件）；请另存为 CSV（UTF-8）。",
            file=path, line=_line_at(text, nul), field=_OPTION,
        )  # fmt: skip
    return text


# -- splitting records ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    line: int
    text: str
    fields: tuple[str, ...]
    """The cells as written (quotes removed, ``""`` undone, not stripped)."""


def _field_error(path: Path, line: int, number: int, en: str, zh: str) -> UsageError:
    return UsageError(en, message_zh=zh, file=path, line=line, column=number)


def _quoted(text: str, start: int, line: int, number: int, path: Path) -> tuple[str, int]:
    """The cell whose opening quote is at ``start``, and the position after its closing quote."""
    parts: list[str] = []
    pos = start + 1
    while True:
        close = text.find('"', pos)
        if close < 0:
            raise _field_error(
                path, line, number,
                f"The quote that opens field {number} (character {start + 1}) is not closed on this line. A list "
                "file holds one record per line: close the quote, or remove the line break from the cell; "
                "otherwise the lines after it would be read as part of this cell.",
                f"第 {number} 个字段的开引号（第 {start + 1} 个字符）在本行没有闭合。名单文件每行一条记录："
                "请补上结束引号，或删去单元格中的换行；否则其后各行会被当作本单元格的内容。",
            )  # fmt: skip
        parts.append(text[pos:close])
        if text.startswith('"', close + 1):  # "" is a quote inside the cell
            parts.append('"')
            pos = close + 2
            continue
        return "".join(parts), close + 1


def _split(text: str, line: int, path: Path) -> tuple[str, ...]:
    """The fields of one physical line, strictly: a :class:`UsageError` for anything ambiguous."""
    if '"' not in text:
        return tuple(text.split(","))
    fields: list[str] = []
    pos = 0
    while True:
        number = len(fields) + 1
        end = text.find(",", pos)
        end = len(text) if end < 0 else end
        lead = pos + len(text[pos:end]) - len(text[pos:end].lstrip(" \t"))
        if text.startswith('"', lead):
            value, pos = _quoted(text, lead, line, number, path)
            after = len(text) - len(text[pos:].lstrip(" \t"))
            if after < len(text) and text[after] != ",":
                raise _field_error(
                    path, line, number,
                    f"Field {number} has text after its closing quote (character {after + 1}); a quoted cell must "
                    'end at the quote. Write a quote inside a cell as "" and enclose the whole cell in quotes.',
                    f"第 {number} 个字段在结束引号之后还有内容（第 {after + 1} 个字符）；带引号的单元格应以引号"
                    '结束。单元格内的引号应写作 ""，并用引号括住整个单元格。',
                )  # fmt: skip
            pos = after
        else:
            value = text[pos:end]
            quote = value.find('"')
            if quote >= 0:
                raise _field_error(
                    path, line, number,
                    f"Field {number} has a quote inside it (character {pos + quote + 1}) but does not start with "
                    'one. Enclose the whole cell in quotes and write the quote as "", or remove it.',
                    f"第 {number} 个字段中间有引号（第 {pos + quote + 1} 个字符），但字段不以引号开头。"
                    '请用引号括住整个单元格并把其中的引号写作 ""，或删去该引号。',
                )  # fmt: skip
            pos = end
        fields.append(value)
        if pos >= len(text):
            return tuple(fields)
        pos += 1  # the comma
        if pos == len(text):
            fields.append("")
            return tuple(fields)


def _records(text: str, path: Path) -> list[_Record]:
    """One record per physical line (blank lines included; the caller skips them)."""
    return [_Record(n, line, _split(line, n, path)) for n, line in enumerate(_LINE_BREAK.split(text), start=1)]


# -- header and cells -------------------------------------------------------------------------------


def _header_key(cell: str) -> str:
    return unicodedata.normalize("NFKC", cell).replace("\ufeff", "").strip().lower()


_OTHER_SEPARATORS = ((";", "semicolons", "分号"), ("\t", "tabs", "制表符"), ("，", "full-width commas", "全角逗号"))
_SPELLED = {alias.lower(): col for col, aliases in COLUMNS.items() for alias in aliases}


def _header_map(header: _Record, path: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, raw in enumerate(header.fields):
        col = _SPELLED.get(_header_key(raw))
        if col is None:
            continue
        if col in found:
            first = header.fields[found[col]]
            raise UsageError(
                f"Two columns mean {col}: {first!r} and {raw!r}.",
                message_zh=f"有两列都表示 {col}：{first!r} 与 {raw!r}。",
                file=path, line=header.line, column=i + 1, field=raw,
            )  # fmt: skip
        found[col] = i
    if "credit_code" not in found:
        hint_en = hint_zh = ""
        if len(header.fields) == 1:
            for sep, en, zh in _OTHER_SEPARATORS:
                if sep in header.fields[0]:
                    hint_en = f" The header seems to be separated by {en}: save the file as CSV, separated by commas."
                    hint_zh = f"表头似乎以{zh}分隔：请另存为以英文逗号（,）分隔的 CSV。"
                    break
        raise UsageError(
            "The header row has no credit-code column; name one of: " + ", ".join(COLUMNS["credit_code"]) + "."
            + hint_en,
            message_zh="表头缺少统一社会信用代码列；列名可为：" + "、".join(COLUMNS["credit_code"]) + "。" + hint_zh,
            file=path, line=header.line,
        )  # fmt: skip
    return found


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _date(text: str, path: Path, line: int, column: int, field: str) -> date | None:
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    m = _DATE.fullmatch(text)
    try:
        if m is None:
            raise ValueError(text)
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise UsageError(
            f"Expected a date such as 2024-03-01, got {text!r}.",
            message_zh=f"应为日期（如 2024-03-01），实为 {text!r}。",
            file=path, line=line, column=column, field=field,
        ) from None  # fmt: skip


# A code that Excel turned into a number: 9.14401E+17, 914401000000000000.
_EXCEL_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+|[0-9]{16,}")


def _code(raw: str, path: Path, line: int, column: int) -> str:
    code = normalise(raw)
    if not code:
        raise UsageError(
            "The credit code is empty; every listed row needs one (delete the row if it lists no one).",
            message_zh="统一社会信用代码为空；名单中的每一行都须填写（不列入任何单位的行请删除）。",
            file=path, line=line, column=column, field="credit_code",
        )  # fmt: skip
    bad = problem(code)
    if bad is not None:
        hint_en = hint_zh = ""
        if _EXCEL_NUMBER.fullmatch(raw.strip()):
            hint_en = " (it looks like a spreadsheet turned the code into a number: format the column as text)"
            hint_zh = "（疑似被电子表格转换为数值：请将该列设为文本格式）"
        raise UsageError(
            f"The credit code {raw!r} is not valid: it {bad[0]}{hint_en}.",
            message_zh=f"统一社会信用代码 {raw!r} 无效：{bad[1]}{hint_zh}。",
            file=path, line=line, column=column, field="credit_code",
        )  # fmt: skip
    return code


def _is_blank(record: _Record) -> bool:
    return not any(cell.strip() for cell in record.fields)


_SEP_LINE = re.compile(r"sep=(.?)", re.IGNORECASE)


# -- the list ---------------------------------------------------------------------------------------


def parse_list(text: str, path: Path) -> list[Listing]:
    """The listings in ``text``, the content of the list file ``path`` (named in errors and sources).

    :raises UsageError: naming ``path``, the line and the field of the first problem.
    """
    text = text.lstrip("\ufeff")  # a byte-order mark written twice
    records = _records(text, path)
    body = [r for r in records if not _is_blank(r)]
    if body and (sep := _SEP_LINE.fullmatch(body[0].text.strip())):
        if sep.group(1) != ",":
            raise UsageError(
                f"The file declares the separator {sep.group(1)!r}; save it as CSV separated by commas (,).",
                message_zh=f"文件声明的分隔符为 {sep.group(1)!r}；请另存为以英文逗号（,）分隔的 CSV。",
                file=path, line=body[0].line,
            )  # fmt: skip
        body = body[1:]
    if not body:
        raise UsageError("The list file is empty; it needs a header row.", message_zh="名单文件为空；需要表头行。",
                         file=path, line=1)  # fmt: skip
    header, rows = body[0], body[1:]
    cols = _header_map(header, path)
    width = len(header.fields)
    header_keys = [_header_key(c) for c in header.fields]
    out: list[Listing] = []
    for record in rows:
        line, fields = record.line, record.fields
        if len(fields) != width:
            more = len(fields) > width
            raise UsageError(
                f"This row has {len(fields)} field{'s' if len(fields) != 1 else ''} but the header row "
                f"(line {header.line}) has {width}"
                + ("; a cell holding a comma must be enclosed in quotes." if more else "; fill in the missing fields.")
                + " No row of a list may be skipped, so the file is refused.",
                message_zh=f"本行有 {len(fields)} 个字段，而表头（第 {header.line} 行）有 {width} 个"
                + ("；含逗号的单元格须用引号括起。" if more else "；请补齐缺少的字段。")
                + "名单中不能跳过任何一行，因此不读取该文件。",
                file=path, line=line, column=min(len(fields), width) + 1,
            )  # fmt: skip
        if [_header_key(c) for c in fields] == header_keys:
            raise UsageError(
                f"This row repeats the header row (line {header.line}); were two files joined? Remove it.",
                message_zh=f"本行与表头（第 {header.line} 行）相同，可能是两个文件拼接而成；请删除该行。",
                file=path, line=line,
            )  # fmt: skip

        def cell(name: str, fields: tuple[str, ...] = fields) -> str:
            i = cols.get(name)
            return fields[i].strip() if i is not None else ""

        code = _code(fields[cols["credit_code"]], path, line, cols["credit_code"] + 1)
        listed = _date(cell("listed_on"), path, line, cols.get("listed_on", 0) + 1, "listed_on")
        removed = _date(cell("removed_on"), path, line, cols.get("removed_on", 0) + 1, "removed_on")
        if listed and removed and removed <= listed:
            raise UsageError(
                f"removed_on {removed} is not after listed_on {listed}.",
                message_zh=f"移出日期 {removed} 不晚于列入日期 {listed}。",
                file=path, line=line, column=cols["removed_on"] + 1, field="removed_on",
            )  # fmt: skip
        out.append(
            Listing(
                credit_code=code,
                source=f"{path}:{line}",
                name=cell("name"),
                list=cell("list"),
                authority=cell("authority"),
                reference=cell("reference"),
                listed_on=listed,
                removed_on=removed,
            )
        )
    return out


def load_list(path: Path) -> list[Listing]:
    """The listings of one CSV file; a :class:`UsageError` names the file, line and column of a bad row."""
    path = Path(path)
    if not path.exists():
        raise UsageError("The list file does not exist.", message_zh="名单文件不存在。", file=path, field=_OPTION)
    if not path.is_file():
        raise UsageError(
            "The list file is not a regular file (a directory, a pipe or a device); give the CSV file itself.",
            message_zh="名单文件不是普通文件（而是目录、管道或设备）；请指定 CSV 文件本身。",
            file=path, field=_OPTION,
        )  # fmt: skip
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"The list file cannot be read: {exc.strerror or exc}.",
            message_zh=f"无法读取名单文件：{exc.strerror or exc}。",
            file=path, field=_OPTION,
        ) from None  # fmt: skip
    return parse_list(_decode(data, path), path)


def load_lists(paths: Sequence[Path]) -> Mapping[str, tuple[Listing, ...]]:
    """All listings of ``paths``, indexed by credit code."""
    index: dict[str, list[Listing]] = {}
    for path in paths:
        for listing in load_list(path):
            index.setdefault(listing.credit_code, []).append(listing)
    return {code: tuple(items) for code, items in index.items()}
