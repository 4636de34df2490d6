"""Read TOML with a map from key paths to line and column numbers.

The standard TOML readers return plain dicts with no positions. Error messages must name the line
of a bad key, so this module scans the source once and records where each key (and each
``[[array]]`` table entry) starts. It understands the TOML a person writes: tables, arrays of
tables, dotted and quoted keys, one-line inline tables and multi-line strings and arrays.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from .errors import InputError

__all__ = ["TomlDocument", "load_toml", "parse_toml"]

PathKey = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_\-]+")
_DECODE_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class TomlDocument:
    """A parsed TOML file: its data, source text and key positions."""

    path: str
    text: str
    data: dict[str, Any]
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

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
        src = self.text.splitlines()[line - 1]
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
                i += {"u": 6, "U": 10}.get(nxt, 2)
            else:
                i += 1
        return i + 1


def _parse_key(src: str, i: int) -> tuple[list[str], int]:
    """Parse a (dotted, possibly quoted) key starting at ``src[i]``; return parts and end index."""
    parts: list[str] = []
    n = len(src)
    while True:
        while i < n and src[i] in " \t":
            i += 1
        if i < n and src[i] in "\"'":
            quote = src[i]
            j = i + 1
            buf = []
            while j < n and src[j] != quote:
                if quote == '"' and src[j] == "\\" and j + 1 < n:
                    buf.append(src[j + 1])
                    j += 2
                    continue
                buf.append(src[j])
                j += 1
            parts.append("".join(buf))
            i = j + 1
        else:
            m = _BARE_KEY.match(src, i)
            if not m:
                return parts, i
            parts.append(m.group(0))
            i = m.end()
        while i < n and src[i] in " \t":
            i += 1
        if i < n and src[i] == ".":
            i += 1
            continue
        return parts, i


def _scan_positions(text: str) -> dict[PathKey, tuple[int, int]]:
    positions: dict[PathKey, tuple[int, int]] = {}
    table: PathKey = ()
    array_counts: dict[PathKey, int] = {}
    in_multiline: str | None = None
    depth = 0  # open brackets of a multi-line array or inline table
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if in_multiline is not None:
            if in_multiline in line:
                in_multiline = None
            continue
        if depth > 0:
            depth += _bracket_balance(line)
            continue
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[["):
            parts, _ = _parse_key(stripped, 2)
            base = tuple(parts)
            idx = array_counts.get(base, 0)
            array_counts[base] = idx + 1
            table = (*base, idx)
            positions[table] = (lineno, indent + 1)
            positions.setdefault(base, (lineno, indent + 1))
            continue
        if stripped.startswith("["):
            parts, _ = _parse_key(stripped, 1)
            table = _resolve_table(tuple(parts), array_counts)
            positions[table] = (lineno, indent + 1)
            continue
        parts, end = _parse_key(line, 0)
        if not parts or end >= len(line) or line[end] != "=":
            continue
        j = end + 1
        while j < len(line) and line[j] in " \t":
            j += 1
        key = (*table, *parts)
        positions[key] = (lineno, j + 1)
        rest = line[j:]
        for q in ('"""', "'''"):
            if rest.startswith(q) and rest.count(q) == 1:
                in_multiline = q
        if in_multiline is None:
            if rest.startswith("{"):
                _inline_table_positions(rest, key, lineno, j, positions)
            depth = _bracket_balance(rest)
    return positions


def _resolve_table(parts: PathKey, array_counts: dict[PathKey, int]) -> PathKey:
    """Map ``[a.b]`` under an array of tables ``[[a]]`` to ``(a, last_index, b)``."""
    out: list[str | int] = []
    for p in parts:
        out.append(p)
        count = array_counts.get(tuple(out))
        if count:
            out.append(count - 1)
    return tuple(out)


def _inline_table_positions(
    rest: str, key: PathKey, lineno: int, offset: int, positions: dict[PathKey, tuple[int, int]]
) -> None:
    # Only the top level of a one-line inline table; deeper keys fall back to this line.
    i = 1
    n = len(rest)
    while i < n:
        parts, end = _parse_key(rest, i)
        if not parts or end >= n or rest[end] != "=":
            return
        j = end + 1
        while j < n and rest[j] in " \t":
            j += 1
        positions[key + tuple(parts)] = (lineno, offset + j + 1)
        # skip the value up to the next top-level comma
        level = 0
        quote: str | None = None
        while j < n:
            c = rest[j]
            if quote:
                if c == "\\" and quote == '"':
                    j += 2
                    continue
                if c == quote:
                    quote = None
            elif c in "\"'":
                quote = c
            elif c in "[{":
                level += 1
            elif c in "]}":
                if level == 0:
                    return
                level -= 1
            elif c == "," and level == 0:
                break
            j += 1
        i = j + 1


def _bracket_balance(s: str) -> int:
    level = 0
    quote: str | None = None
    i = 0
    while i < len(s):
        c = s[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#":
            break
        elif c in "[{":
            level += 1
        elif c in "]}":
            level -= 1
        i += 1
    return max(level, 0)


def parse_toml(text: str, path: str, error_cls: type[InputError]) -> TomlDocument:
    """Parse ``text``; a syntax error becomes ``error_cls`` naming ``path``, line and column."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _DECODE_POS.search(msg)
        line = int(m.group(1)) if m else None
        col = int(m.group(2)) if m else None
        reason = _DECODE_POS.sub("", msg).strip()
        raise error_cls(
            f"This is not valid TOML: {reason}.",
            message_zh=f"TOML 格式错误：{reason}。",
            file=path,
            line=line,
            column=col,
        ) from None
    return TomlDocument(path=path, text=text, data=data, positions=_scan_positions(text))


def load_toml(path: str | Path, error_cls: type[InputError]) -> TomlDocument:
    """Read and parse a TOML file; a missing or unreadable file is ``error_cls`` too."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise error_cls("The file does not exist.", message_zh="文件不存在。", file=str(path)) from None
    except IsADirectoryError:
        raise error_cls(
            "This is a directory, not a TOML file.", message_zh="这是一个目录，不是 TOML 文件。", file=str(path)
        ) from None
    except OSError as exc:
        raise error_cls(
            f"The file cannot be read: {exc.strerror}.",
            message_zh=f"无法读取文件：{exc.strerror}。",
            file=str(path),
        ) from None
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
