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
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["NO_LINE_END", "NO_LINE_START", "colour", "display_width", "hang", "pad", "pieces", "wrap"]

#: Characters that must not start a line (they close or separate: kept with the character before them).
NO_LINE_START = frozenset("。，、；：！？）》」』】〕〉”’…—·,.;:!?)]}%")
#: Characters that must not end a line (they open: kept with the character after them).
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")

# Units a number is kept with (as the shipped packs and reports write them), longest first.
_UNITS = (
    "万元/公顷|万元/亩|万元/人|tce/万元|kgce/kWh|万千瓦时|万吨标准煤|吨标准煤|万kWh|kWh|亿元|万元|元|"
    "公顷|平方米|m²|m2|亩|tce|吨|万吨|个月|年|月|日|天|号|条|项|宗|家|人|倍|%"
)
_NUMBER = re.compile(
    r"(?:[≥≤≠<>=]\s?)?[-+−]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:\s?(?:" + _UNITS + r")(?![A-Za-z]))?",
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
    if text.isascii():
        return len(text)
    widths = _WIDTHS
    try:
        return sum(map(widths.__getitem__, text))
    except KeyError:
        widths.update((ch, _char_width(ch)) for ch in set(text) if ch not in widths)
        return sum(map(widths.__getitem__, text))


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


def _atoms(text: str) -> list[tuple[str, int, int]]:
    """:func:`pieces` with each atom's display width as well (summed as the atom is cut)."""
    n = len(text)
    protected = bytearray(n + 1)  # protected[i + 1] is character i's; protected[0] stands for "before the text"
    for m in _NUMBER.finditer(text):
        start, end = m.span()
        protected[start + 1 : end + 1] = b"\x01" * (end - start)
    widths = _WIDTHS
    atoms: list[tuple[str, int, int]] = []
    append = atoms.append
    start = -1  # where the current atom starts (-1: no atom open); atoms are slices of ``text``
    cur_space = 0
    cur_w = 0  # the current atom's display width
    cur_narrow = False  # the current atom is open for more narrow characters
    space = 0
    glue_next = False  # the last atom ends with opening punctuation: the next character joins it
    for i, ch in enumerate(text):
        both = protected[i + 1] and protected[i]  # this character and the one before are in numbers
        if ch.isspace() and not both:
            if start >= 0:
                append((text[start:i], cur_space, cur_w))
                start, cur_narrow = -1, False
            space += 1
            continue
        w = widths.get(ch)
        if w is None:
            w = _char_width(ch)
            widths[ch] = w
        wide = w == 2
        joins = start >= 0 and (
            both or glue_next or (not space and ch in NO_LINE_START) or (not space and not wide and cur_narrow)
        )
        if start < 0 and atoms and not space and ch in NO_LINE_START:
            # closing punctuation after a finished atom: reopen it (atoms are contiguous slices, so the
            # reopened atom is the last one's text continued up to here)
            last, last_space, cur_w = atoms.pop()
            start, cur_space = i - len(last), last_space
            joins = True
        if not joins and start >= 0:
            append((text[start:i], cur_space, cur_w))
            start = -1
        if start < 0:
            cur_space = space
            start = i
            cur_w = 0
        cur_w += w
        space = 0
        cur_narrow = not wide
        glue_next = ch in NO_LINE_END
        if wide and not glue_next and not protected[i + 1]:
            append((text[start : i + 1], cur_space, cur_w))
            start, cur_narrow = -1, False
    if start >= 0:
        atoms.append((text[start:], cur_space, cur_w))
    return atoms


def wrap(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` display columns (see the module docstring).

    Line breaks in ``text`` are kept; spaces at a break are dropped. Never returns an empty list.
    """
    return list(_wrapped(text, max(1, width)))


# Reports repeat many texts (titles, citations, notices, the same explanation for many projects): a wrapped
# text is kept, by text and width, for the next time (a pure function's results, bounded; nothing else).
@lru_cache(maxsize=4096)
def _wrapped(text: str, width: int) -> tuple[str, ...]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        # A paragraph that fits, with plain spaces only, is itself less its outer spaces: the same line
        # pieces and _fill would make, without cutting it into atoms.
        line = paragraph.strip(" ")
        if display_width(line) <= width and not _OTHER_SPACE.search(line):
            lines.append(line)
        else:
            lines.extend(_fill_measured(_atoms(paragraph), width))
    return tuple(lines)


def _fill(atoms: Iterable[tuple[str, int]], width: int) -> list[str]:
    lines: list[str] = []
    cur: list[str] = []
    used = 0
    for atom, space in atoms:
        w = display_width(atom)
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


def _fill_measured(atoms: Iterable[tuple[str, int, int]], width: int) -> list[str]:
    """:func:`_fill` of atoms whose display widths are known."""
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
    rest = " " * display_width(first) if rest is None else rest
    inner = max(1, width - max(display_width(first), display_width(rest)))
    return [((first if i == 0 else rest) + line).rstrip() for i, line in enumerate(wrap(text, inner))]
