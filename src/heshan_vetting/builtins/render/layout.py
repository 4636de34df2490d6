"""Width-aware layout for the text renderer: display width, wrapping that never splits a number, colour.

A terminal shows an East Asian wide or fullwidth character (汉字, ，。) in two columns and every other
printable character in one; :func:`display_width` counts that way. :func:`wrap` breaks a text into lines
of at most a given display width, in time linear in its length: it cuts the text once into unbreakable
*atoms* and fills lines greedily. An atom is

- a run of non-space, narrow characters (``HS-2H-001``, ``construction_type``, ``0.7``, ``-3.5%``,
  ``2024-09-10``): never split;
- a number with its unit and comparison sign (``≥ 20 万元/亩``, ``5.5万元/亩``, ``368号``): never split;
- one wide character otherwise (a line may break between two 汉字);

and punctuation sticks to its neighbour: closing punctuation (，。；：、）」…) to the atom before it, so
it never starts a line, and opening punctuation (（《「“…) to the atom after it, so it never ends one.
An atom wider than the line stands on a line of its own (the only way a line exceeds the width).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate

__all__ = [
    "NO_LINE_END",
    "NO_LINE_START",
    "clear_caches",
    "colour",
    "display_width",
    "hang",
    "hung",
    "pad",
    "pieces",
    "wrap",
    "wrapped",
]

#: Characters that must not start a line (they close or separate: kept with the character before them).
NO_LINE_START = frozenset("。，、；：！？）》」』】〕〉”’…—·,.;:!?)]}%")
#: Characters that must not end a line (they open: kept with the character after them).
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")

# Units a number is kept with (as the shipped packs and reports write them), longest first.
_UNITS = (
    "万元/公顷|万元/亩|万元/人|tce/万元|kgce/kWh|万千瓦时|万吨标准煤|吨标准煤|万kWh|kWh|亿元|万元|元|"
    "公顷|平方米|m²|m2|亩|tce|吨|万吨|个月|年|月|日|天|号|条|项|宗|家|人|倍|%"
)
_NUMBER = re.compile(  # (the look-ahead names the characters a number may start with: a faster search)
    r"(?=[≥≤≠<>=+\-−.\d])(?:[≥≤≠<>=]\s?)?[-+−]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:\s?(?:" + _UNITS + r")(?![A-Za-z]))?",
)
# Widths of the characters met so far (a pure function's results: what any run would compute the same way).
_WIDTHS: dict[str, int] = {}
_OTHER_SPACE = re.compile(r"[^\S ]")  # whitespace other than a plain space (pieces turns it into spaces)
_ANSI = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36", "dim": "2"}


@lru_cache(maxsize=4096)
def _char_width(ch: str) -> int:
    """Columns one character takes (see :func:`display_width`); through :data:`_WIDTHS` in hot loops."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: 2 for each East Asian wide or fullwidth character, else 1."""
    return len(text) if text.isascii() else sum(_char_widths(text))


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces on the right to ``width`` display columns."""
    return text + " " * max(0, width - display_width(text))


def colour(text: str, name: str | None, on: bool) -> str:
    """``text`` in the ANSI colour ``name`` when ``on`` (and a colour is named); otherwise unchanged."""
    if not on or not name or not text:
        return text
    return f"\x1b[{_ANSI[name]}m{text}\x1b[0m"


def pieces(text: str) -> list[tuple[str, int]]:
    """The unbreakable pieces (atoms) of ``text`` in order, each with the number of spaces before it."""
    return [(atom, space) for atom, space, _w in _atoms(text)]


class _Cuts:
    """Where ``text`` may break: the atoms of the module docstring, by position.

    A space separates atoms unless it is inside a number with its unit and so is the character before it. Two
    neighbouring characters that are not separators belong to one atom when both are in a number, the first
    opens (``（``), the second closes (``，``), or both are narrow; otherwise an atom ends between them.
    ``widths`` are the characters' display widths (``None``: all narrow, as in ASCII text).
    """

    def __init__(self, text: str, widths: list[int] | None) -> None:
        self.text, self.widths, self.n = text, widths, len(text)
        self.number = number = bytearray(self.n)  # 1 for each character inside a number with its unit
        for m in _NUMBER.finditer(text):
            number[m.start() : m.end()] = b"\x01" * (m.end() - m.start())

    def separator(self, i: int) -> bool:
        """Whether character ``i`` is a space between atoms."""
        return self.text[i].isspace() and not (i and self.number[i] and self.number[i - 1])

    def end(self, e: int) -> bool:
        """Whether an atom ends before position ``e`` (``0 < e <= n``)."""
        if self.separator(e - 1):
            return False
        if e == self.n or self.separator(e):
            return True
        widths = self.widths
        joined = (
            (self.number[e] and self.number[e - 1])
            or self.text[e - 1] in NO_LINE_END
            or self.text[e] in NO_LINE_START
            or widths is None
            or (widths[e - 1] != 2 and widths[e] != 2)
        )
        return not joined


def _atoms(text: str) -> list[tuple[str, int, int]]:
    """:func:`pieces` with each atom's display width as well (character by character: the slower way)."""
    cuts = _Cuts(text, None if text.isascii() else _char_widths(text))
    atoms: list[tuple[str, int, int]] = []
    start, space = -1, 0
    for i in range(cuts.n):
        if start < 0:
            if cuts.separator(i):
                space += 1
                continue
            start = i
        if cuts.end(i + 1):
            atom = text[start : i + 1]
            atoms.append((atom, space, display_width(atom)))
            start, space = -1, 0
    return atoms


def _char_widths(text: str) -> list[int]:
    """The display width of each character of ``text``."""
    widths = _WIDTHS
    try:
        return list(map(widths.__getitem__, text))
    except KeyError:
        widths.update((ch, _char_width(ch)) for ch in set(text) if ch not in widths)
        return list(map(widths.__getitem__, text))


def _fill_plain(text: str, width: int) -> list[str]:
    """:func:`_fill_measured` of the atoms of ``text``, a paragraph whose only whitespace is plain spaces, by positions.

    There the spaces between atoms take one column each, as in the text, so a line from atom i to atom j is the
    slice of the text from i's start to j's end, and as wide as the columns up to j's end less those up to i's
    start. Each line runs to the last atom end within the width (found by bisection on the column counts, then
    stepping back to an atom's end), or is its first atom alone when that one is wider.
    """
    n = len(text)
    widths = None if text.isascii() else _char_widths(text)
    cuts = _Cuts(text, widths)
    columns = range(n + 1) if widths is None else list(accumulate(widths, initial=0))  # the width of text[:k]
    lines: list[str] = []
    pos = 0
    while pos < n and cuts.separator(pos):
        pos += 1
    while pos < n:
        last = bisect_right(columns, columns[pos] + width) - 1  # the last position the line may reach
        if last >= n:
            e = n
            while cuts.separator(e - 1):
                e -= 1
        else:
            e = last
            while e > pos and not cuts.end(e):
                e -= 1
            if e == pos:  # the first atom is wider than the line: it stands alone
                e += 1
                while not cuts.end(e):
                    e += 1
        lines.append(text[pos:e])
        pos = e
        while pos < n and cuts.separator(pos):
            pos += 1
    return lines or [""]


def wrap(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` display columns (see the module docstring).

    Line breaks in ``text`` are kept; spaces at a break are dropped. Never returns an empty list.
    """
    return list(wrapped(text, width))


def wrapped(text: str, width: int) -> tuple[str, ...]:
    """:func:`wrap` as a tuple (kept for the next call with the same text and width: do not change it)."""
    if 2 * len(text) <= width and not _OTHER_SPACE.search(text):
        return (text.strip(" "),)  # one line, however wide its characters (no line break: that is other space)
    return _wrapped(text, max(1, width))


# Reports repeat many texts (titles, citations, notices, the same explanation for many projects): a wrapped
# text is kept, by text and width, for the next time (a pure function's results, bounded; nothing else).
@lru_cache(maxsize=4096)
def _wrapped(text: str, width: int) -> tuple[str, ...]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if _OTHER_SPACE.search(paragraph):  # other whitespace becomes plain spaces between atoms
            lines.extend(_fill_measured(_atoms(paragraph), width))
            continue
        # with plain spaces only, a paragraph that fits is itself less its outer spaces (the line pieces and
        # _fill_measured would make, without cutting it into atoms); a longer one is filled by positions
        line = paragraph.strip(" ")
        if display_width(line) <= width:
            lines.append(line)
        else:
            lines.extend(_fill_plain(paragraph, width))
    return tuple(lines)


def _fill_measured(atoms: Iterable[tuple[str, int, int]], width: int) -> list[str]:
    """Atoms (text, spaces before it, display width) filled greedily into lines of at most ``width`` columns
    (an atom wider than a line stands alone on its line)."""
    lines: list[str] = []
    cur: list[str] = []
    used = 0
    for atom, space, w in atoms:
        gap = space if cur else 0
        if cur and used + gap + w > width:
            lines.append("".join(cur))
            cur, used, gap = [], 0, 0
        if gap:
            cur.append(" " * gap)
        cur.append(atom)
        used += gap + w
    lines.append("".join(cur))
    return lines


def hang(text: str, width: int, first: str = "", rest: str | None = None) -> list[str]:
    """``text`` wrapped to ``width`` with ``first`` before its first line and ``rest`` (a hanging indent,
    by default spaces as wide as ``first``) before the others."""
    return list(hung(text, width, first, rest))


# A report says many of its lines in every report (headings, citations, labels, score lines): the lines of a
# hung text are kept, by text, width and indents, for the next time (a pure function's results, bounded).
@lru_cache(maxsize=4096)
def hung(text: str, width: int, first: str = "", rest: str | None = None) -> tuple[str, ...]:
    """:func:`hang` as a tuple, kept for the next call with the same arguments (do not change what it returns)."""
    rest = " " * display_width(first) if rest is None else rest
    inner = max(1, width - max(display_width(first), display_width(rest)))
    lines = wrapped(text, inner)
    if len(lines) == 1:
        return ((first + lines[0]).rstrip(),)
    return ((first + lines[0]).rstrip(), *[(rest + line).rstrip() for line in lines[1:]])


def clear_caches() -> None:
    """Forget every kept result of this module (wrapped and hung texts), as in a new process: for benchmarks."""
    _wrapped.cache_clear()
    hung.cache_clear()
