"""Read TOML with a map from key paths to line and column numbers.

The standard TOML readers return plain dicts with no positions. Error messages must name the line
of a bad key, so this module scans the source once and records where each key path is written:
the key itself (:attr:`TomlDocument.key_positions`) and its value, table header or array element
(:attr:`TomlDocument.positions`). The scan understands the whole of TOML's structure (tables,
arrays of tables, dotted and quoted keys, inline tables, arrays and strings of every kind, across
lines), takes time linear in the length of the text, and enforces the limits of
:mod:`heshan_vetting.limits` *before* the text is given to :mod:`tomllib`, whose reader recurses
once per nesting level and takes time quadratic in the number of parts of a dotted key. It also
refuses numbers TOML cannot represent (integers beyond 64 bits, floats that overflow to infinity or
underflow to zero), which :mod:`tomllib` would silently change or fail on without a position.

:mod:`tomllib` stays the judge of syntax and gives the data; on a valid document the scan finds
exactly the key paths of that data (a property test checks this).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heshan_vetting.errors import InputError
from heshan_vetting.inputs.files import read_input_file
from heshan_vetting.inputs.toml_scan import PathKey, Position, Scanner, dotted
from heshan_vetting.limits import MAX_INPUT_BYTES

__all__ = ["TomlDocument", "dotted", "load_toml", "parse_toml"]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib
_DECODE_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_AT_END = "(at end of document)"


@dataclass(frozen=True)
class TomlDocument:
    """A parsed TOML file: its data, source text and where each key path is written.

    ``positions`` maps a key path to the (1-based) line and column of its value (for ``key = value``),
    of its header (for a ``[table]`` or an ``[[array]]`` entry) or of the element (for an item of an
    inline array); a table only implied by a dotted key or a header (``a`` in ``a.b = 1``) maps to where
    that key part is written. ``key_positions`` maps each path ending in a key to where that key is
    written (the first time).
    """

    path: str
    text: str
    data: dict[str, Any]
    positions: dict[PathKey, Position] = field(default_factory=dict)
    key_positions: dict[PathKey, Position] = field(default_factory=dict)

    def locate(self, path: Sequence[str | int]) -> tuple[int | None, int | None]:
        """Line and column of the longest known prefix of ``path`` (1-based), or ``(None, None)``."""
        key = tuple(path)
        while key:
            pos = self.positions.get(key)
            if pos is not None:
                return pos
            key = key[:-1]
        return None, None

    def string_column(self, path: Sequence[str | int], offset: int = 0) -> int | None:
        """Source column of character ``offset`` of the one-line string value at ``path``.

        Escapes in basic strings (``\\"``, ``\\u4e2d``) are counted at their written width.
        ``None`` for multi-line strings or when the key's position is unknown.
        """
        line, col = self.positions.get(tuple(path), (None, None))
        if line is None or col is None:
            return None
        src = _line_text(self.text, line)
        if src[col - 1 : col + 2] in ('"""', "'''"):
            return None
        quote = src[col - 1 : col]
        if quote not in ('"', "'"):
            return None
        i = col  # 0-based index of the first character inside the quotes
        for _ in range(offset):
            if i >= len(src):
                break
            if quote == '"' and src[i] == "\\":
                nxt = src[i + 1 : i + 2]
                i += {"u": 6, "U": 10, "x": 4}.get(nxt, 2)
            else:
                i += 1
        return i + 1


def _line_text(text: str, line: int) -> str:
    """Line ``line`` (1-based; lines end at ``\\n`` only, as in TOML) without its line ending."""
    start = 0
    for _ in range(line - 1):
        nl = text.find("\n", start)
        if nl < 0:
            return ""
        start = nl + 1
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)].removesuffix("\r")


def _quote_hint(text: str, line: int | None) -> tuple[str, str]:
    """A hint when the bad line starts with a bare Chinese key, which TOML 1.0 does not allow unquoted."""
    src = _line_text(text, line).lstrip() if line is not None else ""
    key = src.split("=", 1)[0].strip()
    if "=" not in src or not key or key.isascii() or key[0] in "\"'[":
        return "", ""
    return (
        f' A key that is not plain ASCII must be quoted: "{key}" = …',
        f'中文键名须加引号："{key}" = …',
    )


def parse_toml(text: str, path: str, error_cls: type[InputError]) -> TomlDocument:
    """Parse ``text``; a syntax error or an exceeded limit becomes ``error_cls`` naming ``path``, line and column."""
    if len(text) > MAX_INPUT_BYTES:
        raise error_cls(
            f"The text is longer than {MAX_INPUT_BYTES:,} characters, the most that is read.",
            message_zh=f"文本超过 {MAX_INPUT_BYTES:,} 个字符的读取上限。",
            file=path,
        )
    scanner = Scanner(text, path, error_cls)
    scanner.scan()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _DECODE_POS.search(msg)
        line = int(m.group(1)) if m else None
        col = int(m.group(2)) if m else None
        if m is None and _AT_END in msg:  # tomllib names no line for an error at the very end
            line = text.count("\n") + 1
            col = len(text) - (text.rfind("\n") + 1) + 1
        reason = _DECODE_POS.sub("", msg).replace(_AT_END, "").strip()
        where = scanner.path_at(line, col) if line is not None and col is not None else None
        hint_en, hint_zh = _quote_hint(text, line)
        raise error_cls(
            f"This is not valid TOML: {reason}.{hint_en}",
            message_zh=f"TOML 格式错误：{reason}。{hint_zh}",
            file=path,
            line=line,
            column=col,
            field=dotted(where) if where else None,
        ) from None
    except ValueError as exc:  # e.g. Python's limit on the digits of an integer; the scan refuses those first
        raise error_cls(
            f"This TOML cannot be read: {exc}.", message_zh=f"无法读取该 TOML：{exc}。", file=path
        ) from None
    return TomlDocument(
        path=path,
        text=text,
        data=data,
        positions=scanner.positions(scanner.values),
        key_positions=scanner.positions(scanner.keys),
    )


def load_toml(path: str | Path, error_cls: type[InputError]) -> TomlDocument:
    """Read and parse a TOML file; a missing, unreadable, non-regular or oversized file is ``error_cls`` too."""
    raw = read_input_file(path, error_cls)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error_cls(
            "The file is not UTF-8 text; save it as UTF-8.",
            message_zh="文件不是 UTF-8 编码，请另存为 UTF-8。",
            file=str(path),
            line=line,
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse_toml(text, str(path), error_cls)
