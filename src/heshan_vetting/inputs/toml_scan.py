"""The linear scan of TOML source that records where each key path is written and enforces the limits first."""

from __future__ import annotations

import re
from collections.abc import Sequence

from heshan_vetting.errors import InputError
from heshan_vetting.limits import MAX_TOML_DEPTH

_INT64 = (-(2**63), 2**63 - 1)
PathKey = tuple[str | int, ...]
Position = tuple[int, int]

_BARE_KEY = re.compile(r"[A-Za-z0-9_\-]+")
_WS = re.compile(r"[ \t]*")
_BLANK = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")  # whitespace, newlines and comments
_BASIC_CHUNK = re.compile(r'[^"\\\n]*')
_LITERAL_CHUNK = re.compile(r"[^'\n]*")
_ML_BASIC_STOP = re.compile(r'\\.|"""', re.S)
_SCALAR = re.compile(r"[^,\]}#\r\n]*")
_DEC_INT = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)")
_PREFIXED_INT = re.compile(r"0(?:x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|o[0-7](?:_?[0-7])*|b[01](?:_?[01])*)")
_FLOAT = re.compile(
    r"[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*(?:[eE][+-]?[0-9](?:_?[0-9])*)?|[eE][+-]?[0-9](?:_?[0-9])*)"
)
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\", "e": "\x1b"}


def dotted(path: Sequence[str | int]) -> str:
    """A key path as written in TOML: ``rules[2].id``."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


class Scanner:
    """One linear pass over a TOML text recording key paths (as offsets) and enforcing the limits.

    It never fails on malformed TOML (it skips to the next line and lets :mod:`tomllib` report the error);
    it raises only for a limit or a number out of range. Every loop consumes at least one character.
    """

    def __init__(self, text: str, file: str, error_cls: type[InputError]) -> None:
        self.s = text
        self.n = len(text)
        self.file = file
        self.error_cls = error_cls
        self.values: dict[PathKey, int] = {}
        self.implied: set[PathKey] = set()
        self.keys: dict[PathKey, int] = {}
        self.aot: dict[PathKey, int] = {}  # array of tables (resolved path) -> entries so far

    # -- errors ----------------------------------------------------------------------------------------------------
    def _error(self, offset: int, path: PathKey, en: str, zh: str) -> InputError:
        line = self.s.count("\n", 0, offset) + 1
        col = offset - (self.s.rfind("\n", 0, offset) + 1) + 1
        return self.error_cls(en, message_zh=zh, file=self.file, line=line, column=col, field=dotted(path) or None)

    def _too_deep(self, offset: int, path: PathKey) -> InputError:
        return self._error(
            offset,
            path,
            f"This is nested too deeply: a TOML file may nest tables, dotted keys, arrays and inline tables at most "
            f"{MAX_TOML_DEPTH} levels deep.",
            f"嵌套过深：TOML 文件中表、点分键、数组和内联表的嵌套最多 {MAX_TOML_DEPTH} 层。",
        )

    # -- recording -------------------------------------------------------------------------------------------------
    def _value_at(self, path: PathKey, offset: int) -> None:
        """``path`` is defined here (a value, a header, an element): this wins over a position only implied."""
        if path not in self.values or path in self.implied:
            self.values[path] = offset
            self.implied.discard(path)

    def _implied_at(self, path: PathKey, offset: int) -> None:
        if path not in self.values:
            self.values[path] = offset
            self.implied.add(path)

    def _key_at(self, path: PathKey, offset: int) -> None:
        self.keys.setdefault(path, offset)

    # -- lexing ----------------------------------------------------------------------------------------------------
    def _ws(self, i: int) -> int:
        m = _WS.match(self.s, i)
        return m.end() if m else i

    def _blank(self, i: int) -> int:
        m = _BLANK.match(self.s, i)
        return m.end() if m else i

    def _skip_line(self, i: int) -> int:
        nl = self.s.find("\n", i)
        return self.n if nl < 0 else nl + 1

    def _basic(self, i: int, decode: bool) -> tuple[str, int]:
        """A one-line basic string at ``i`` (the opening quote): its text (if ``decode``) and the end offset."""
        s, n = self.s, self.n
        j = i + 1
        buf: list[str] = []
        while True:
            m = _BASIC_CHUNK.match(s, j)
            assert m is not None
            if decode:
                buf.append(m.group())
            j = m.end()
            if j >= n or s[j] == "\n":
                return "".join(buf), j  # not closed: tomllib reports it
            if s[j] == '"':
                return "".join(buf), j + 1
            # a backslash escape
            code = s[j + 1 : j + 2]
            width = {"u": 4, "U": 8, "x": 2}.get(code)
            if width is None:
                if decode:
                    buf.append(_ESCAPES.get(code, ""))
                j += 2
                continue
            digits = s[j + 2 : j + 2 + width]
            if decode and len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                value = int(digits, 16)
                if value <= 0x10FFFF:
                    buf.append(chr(value))
            j += 2 + width

    def _literal(self, i: int) -> tuple[str, int]:
        m = _LITERAL_CHUNK.match(self.s, i + 1)
        assert m is not None
        end = m.end()
        closed = end < self.n and self.s[end] == "'"
        return m.group(), end + 1 if closed else end

    def _multiline_end(self, close: int, quote: str) -> int:
        """The end of a multi-line string whose first closing quote is at ``close``: up to two more quotes belong to
        the text."""
        j = close + 3
        extra = 0
        while j < self.n and self.s[j] == quote and extra < 2:
            j += 1
            extra += 1
        return j

    def _ml_basic(self, i: int) -> int:
        for m in _ML_BASIC_STOP.finditer(self.s, i + 3):
            if m.group() == '"""':
                return self._multiline_end(m.start(), '"')
        return self.n

    def _ml_literal(self, i: int) -> int:
        close = self.s.find("'''", i + 3)
        return self.n if close < 0 else self._multiline_end(close, "'")

    def _key(self, i: int, base: PathKey) -> tuple[list[tuple[str, int]], int]:
        """A (dotted, possibly quoted) key at ``i``: its parts with their offsets, and the end offset.

        ``base`` is the path the key is relative to; a key that would make a path longer than the limit is an
        error at the first part too many (so a key of 10^5 parts costs no more than one of 33).
        """
        s, n = self.s, self.n
        parts: list[tuple[str, int]] = []
        while True:
            i = self._ws(i)
            if i >= n:
                return parts, i
            c = s[i]
            if c == '"':
                if s.startswith('"""', i):
                    return parts, i
                name, end = self._basic(i, decode=True)
            elif c == "'":
                if s.startswith("'''", i):
                    return parts, i
                name, end = self._literal(i)
            else:
                m = _BARE_KEY.match(s, i)
                if not m:
                    return parts, i
                name, end = m.group(), m.end()
            if len(base) + len(parts) >= MAX_TOML_DEPTH:
                raise self._too_deep(i, (*base, *(p for p, _ in parts), name))
            parts.append((name, i))
            i = self._ws(end)
            if i < n and s[i] == ".":
                i += 1
                continue
            return parts, i

    # -- values ----------------------------------------------------------------------------------------------------
    def _value(self, i: int, path: PathKey) -> int:
        """Scan the value at ``i`` (of key path ``path``); return its end offset (``i`` itself if there is none)."""
        s = self.s
        if i >= self.n:
            return i
        c = s[i]
        if c == '"':
            return self._ml_basic(i) if s.startswith('"""', i) else self._basic(i, decode=False)[1]
        if c == "'":
            return self._ml_literal(i) if s.startswith("'''", i) else self._literal(i)[1]
        if c == "[":
            return self._array(i, path)
        if c == "{":
            return self._inline_table(i, path)
        return self._scalar(i, path)

    def _array(self, i: int, path: PathKey) -> int:
        s, n = self.s, self.n
        i += 1
        index = 0
        while True:
            i = self._blank(i)
            if i >= n:
                return i
            if s[i] == "]":
                return i + 1
            item = (*path, index)
            if len(item) > MAX_TOML_DEPTH:
                raise self._too_deep(i, item)
            self._value_at(item, i)
            end = self._value(i, item)
            if end == i:
                return i  # not a value: malformed
            index += 1
            i = self._blank(end)
            if i < n and s[i] == ",":
                i += 1
                continue
            if i < n and s[i] == "]":
                return i + 1
            return i

    def _inline_table(self, i: int, path: PathKey) -> int:
        s, n = self.s, self.n
        i += 1
        while True:
            i = self._blank(i)
            if i >= n:
                return i
            if s[i] == "}":
                return i + 1
            end = self._pair(i, path)
            if end == i:
                return i
            i = self._blank(end)
            if i < n and s[i] == ",":
                i += 1
                continue
            if i < n and s[i] == "}":
                return i + 1
            return i

    def _pair(self, i: int, table: PathKey) -> int:
        """``key = value`` at ``i`` relative to ``table``; the end offset (``i`` when malformed before the value)."""
        s, n = self.s, self.n
        parts, j = self._key(i, table)
        if not parts:
            return i
        j = self._ws(j)
        if j >= n or s[j] != "=":
            return i
        j = self._ws(j + 1)
        full: PathKey = table
        for name, offset in parts:
            full = (*full, name)
            self._key_at(full, offset)
            self._implied_at(full, offset)
        self._value_at(full, j)
        end = self._value(j, full)
        return end if end > j else j

    def _scalar(self, i: int, path: PathKey) -> int:
        m = _SCALAR.match(self.s, i)
        assert m is not None
        text = m.group().rstrip(" \t")
        if text:
            self._check_number(text, i, path)
        return i + len(text)

    def _check_number(self, text: str, offset: int, path: PathKey) -> None:
        """Refuse a number TOML cannot hold: an integer beyond 64 bits, a float that is infinite or 0 once read."""
        shown = text if len(text) <= 40 else text[:37] + "..."
        if _DEC_INT.fullmatch(text) or _PREFIXED_INT.fullmatch(text):
            digits = text.lstrip("+-").replace("_", "")
            big = len(digits) > 70  # far beyond 64 bits in any base; never converted
            value = 0 if big else int(digits, 0 if digits[:2] in ("0x", "0o", "0b") else 10)
            if text.startswith("-"):
                value = -value
            if big or not _INT64[0] <= value <= _INT64[1]:
                raise self._error(
                    offset,
                    path,
                    f"The integer {shown} is out of range: TOML integers are 64-bit, from {_INT64[0]} to {_INT64[1]}.",
                    f"整数 {shown} 超出范围：TOML 整数为 64 位，取值 {_INT64[0]} 至 {_INT64[1]}。",
                )
            return
        if _FLOAT.fullmatch(text):
            value_f = float(text.replace("_", ""))
            mantissa = re.split("[eE]", text, maxsplit=1)[0]
            if value_f in (float("inf"), float("-inf")):
                raise self._error(
                    offset,
                    path,
                    f"The number {shown} is too large: a TOML float is at most about 1.8e308.",
                    f"数值 {shown} 过大：TOML 浮点数最大约为 1.8e308。",
                )
            if value_f == 0.0 and any(c in "123456789" for c in mantissa):
                raise self._error(
                    offset,
                    path,
                    f"The number {shown} is too small: it is not 0 but would be read as 0.",
                    f"数值 {shown} 过小：它不为 0，但会被读成 0。",
                )

    # -- statements ------------------------------------------------------------------------------------------------
    def _end_statement(self, i: int) -> int:
        """After a header or a key/value pair: a comment and the line's end, or (malformed) the rest of the line."""
        i = self._ws(i)
        if i < self.n and self.s[i] == "#":
            return self._skip_line(i)
        if self.s.startswith("\r\n", i):
            return i + 2
        if i < self.n and self.s[i] == "\n":
            return i + 1
        return self.n if i >= self.n else self._skip_line(i)

    def _header(self, i: int, table: PathKey) -> tuple[PathKey, int]:
        """A ``[table]`` or ``[[array of tables]]`` header at ``i``; the new current table and the end offset."""
        s = self.s
        many = s.startswith("[[", i)
        parts, j = self._key(i + (2 if many else 1), ())
        if not parts:
            return table, self._skip_line(i)
        resolved: list[str | int] = []
        for k, (name, offset) in enumerate(parts):
            resolved.append(name)
            here = tuple(resolved)
            if len(here) > MAX_TOML_DEPTH:
                raise self._too_deep(offset, here)
            self._key_at(here, offset)
            last = k == len(parts) - 1
            if last:
                break
            self._implied_at(here, offset)
            count = self.aot.get(here)
            if count:  # under an array of tables, a header continues its last entry
                resolved.append(count - 1)
        base = tuple(resolved)
        if many:
            index = self.aot.get(base, 0)
            self.aot[base] = index + 1
            new = (*base, index)
            if len(new) > MAX_TOML_DEPTH:
                raise self._too_deep(parts[-1][1], new)
            self._implied_at(base, i)
            self._value_at(new, i)
        else:
            new = base
            self._value_at(new, i)
        j = self._ws(j)
        close = "]]" if many else "]"
        if not s.startswith(close, j):
            return new, self._skip_line(j)
        return new, self._end_statement(j + len(close))

    def scan(self) -> None:
        s, n = self.s, self.n
        i = 0
        table: PathKey = ()
        while True:
            i = self._blank(i)
            if i >= n:
                return
            if s[i] == "[":
                table, i = self._header(i, table)
                continue
            end = self._pair(i, table)
            i = self._skip_line(i) if end == i else self._end_statement(end)

    # -- results ---------------------------------------------------------------------------------------------------
    def positions(self, offsets: dict[PathKey, int]) -> dict[PathKey, Position]:
        """Offsets to (line, column), in one sweep over the text."""
        out: dict[PathKey, Position] = {}
        line, line_start, at = 1, 0, 0
        for key, offset in sorted(offsets.items(), key=lambda kv: kv[1]):
            newlines = self.s.count("\n", at, offset)
            if newlines:
                line += newlines
                line_start = self.s.rfind("\n", at, offset) + 1
            at = offset
            out[key] = (line, offset - line_start + 1)
        return out

    def path_at(self, line: int, column: int) -> PathKey | None:
        """The key path written last before ``line``:``column`` on that line (what a syntax error there is in)."""
        start = 0
        for _ in range(line - 1):
            nl = self.s.find("\n", start)
            if nl < 0:
                return None
            start = nl + 1
        at = start + column - 1
        best: tuple[int, PathKey] | None = None
        for offsets in (self.keys, self.values):
            for key, offset in offsets.items():
                if start <= offset <= at and (best is None or offset > best[0]):
                    best = (offset, key)
        return None if best is None else best[1]
