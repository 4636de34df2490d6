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

Files exported by Excel in UTF-8 (with or without BOM) or GB 18030/GBK are read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from heshan_vetting import UsageError

from .uscc import normalise, problem

__all__ = ["COLUMNS", "Listing", "load_lists"]

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


def _text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise UsageError(
            "The list file is neither UTF-8 nor GB 18030 text; save it as CSV (UTF-8).",
            message_zh="名单文件既非 UTF-8 也非 GB 18030 编码；请另存为 CSV（UTF-8）。",
            file=path,
        ) from None


def _header_map(header: Sequence[str], path: Path) -> dict[str, int]:
    spelled = {alias.lower(): col for col, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for i, raw in enumerate(header):
        col = spelled.get(raw.strip().lower())
        if col is None:
            continue
        if col in found:
            raise UsageError(
                f"Two columns mean {col}: {header[found[col]]!r} and {raw!r}.",
                message_zh=f"有两列都表示 {col}：{header[found[col]]!r} 与 {raw!r}。",
                file=path, line=1, column=i + 1, field=raw,
            )  # fmt: skip
        found[col] = i
    if "credit_code" not in found:
        raise UsageError(
            "The header row has no credit-code column; name one of: " + ", ".join(COLUMNS["credit_code"]) + ".",
            message_zh="表头缺少统一社会信用代码列；列名可为：" + "、".join(COLUMNS["credit_code"]) + "。",
            file=path, line=1,
        )  # fmt: skip
    return found


def _date(text: str, path: Path, line: int, column: int, field: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise UsageError(
            f"Expected a date such as 2024-03-01, got {text!r}.",
            message_zh=f"应为日期（如 2024-03-01），实为 {text!r}。",
            file=path, line=line, column=column, field=field,
        ) from None  # fmt: skip


def load_list(path: Path) -> list[Listing]:
    """The listings of one CSV file; a :class:`UsageError` names the file, line and column of a bad row."""
    if not path.is_file():
        raise UsageError(
            "The list file does not exist.", message_zh="名单文件不存在。", file=path, field="credit_blacklist"
        )
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    rows = list(reader)
    if not rows:
        raise UsageError("The list file is empty; it needs a header row.", message_zh="名单文件为空；需要表头行。",
                         file=path)  # fmt: skip
    cols = _header_map(rows[0], path)
    out: list[Listing] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = cols.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        raw = cell("credit_code")
        code = normalise(raw)
        col = cols["credit_code"] + 1
        if not code:
            raise UsageError("The credit code is empty.", message_zh="统一社会信用代码为空。",
                             file=path, line=line, column=col, field="credit_code")  # fmt: skip
        bad = problem(code)
        if bad is not None:
            raise UsageError(
                f"The credit code {raw!r} is not valid: it {bad[0]}.",
                message_zh=f"统一社会信用代码 {raw!r} 无效：{bad[1]}。",
                file=path, line=line, column=col, field="credit_code",
            )  # fmt: skip
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


def load_lists(paths: Sequence[Path]) -> Mapping[str, tuple[Listing, ...]]:
    """All listings of ``paths``, indexed by credit code."""
    index: dict[str, list[Listing]] = {}
    for path in paths:
        for listing in load_list(path):
            index.setdefault(listing.credit_code, []).append(listing)
    return {code: tuple(items) for code, items in index.items()}
