"""Limits on the size and shape of the inputs this library reads, in one place.

Each limit is far above anything a real project file or rule pack needs (the figures of the shipped
packs are given for comparison) and low enough that no input within it can exhaust the interpreter:
every parser and every later walk over a parsed tree (compiling, type checks, the durable engine's
translation, explanations) stays well inside Python's default recursion limit of 1000, and reading
an input takes time linear in its size. Exceeding a limit is an :class:`~heshan_vetting.InputError`
(``ProjectError`` or ``RulePackError``) naming the file, the line and column, and the field; the CLI
exits with code 2.

The limits of the durable engine's Rete network (fields per fact, rules per outcome...) are
properties of durable-rules and live with its translation in ``_durable_net``.
"""

from __future__ import annotations

__all__ = [
    "MAX_CONDITION_DEPTH",
    "MAX_CONDITION_LENGTH",
    "MAX_CONDITION_NODES",
    "MAX_INPUT_BYTES",
    "MAX_PACK_NUMBER",
    "MAX_TOML_DEPTH",
    "number_text",
]

MAX_INPUT_BYTES = 4 * 1024 * 1024
"""Bytes of one TOML file (project file or rule pack): 4 MiB. The largest shipped pack is 27 KB; a
project file is 1-3 KB. Only regular files are read: a named pipe, a device or a socket is refused
before it is opened for reading, so a run never blocks on one."""

MAX_TOML_DEPTH = 32
"""How deeply a TOML file may nest: the length of the longest key path, counting each table, each
part of a dotted key, each array and each inline table (``a.b = [[1]]`` is 4 deep). The shipped packs
nest at most 6 deep (``thresholds.NAME.values[0].citation.title``)."""

MAX_CONDITION_LENGTH = 10_000
"""Characters of one condition (``require``, ``applies_if``, ``when``, a derived metric's ``expr``, an
indicator's ``value``). The longest in the shipped packs has 141; a long quoted text (the durable engine's
tests compare one of 4,464 characters) is the only reason to come near it."""

MAX_CONDITION_DEPTH = 32
"""How deeply one condition may nest, counted two ways, each at most this: brackets open at once
(parentheses, lists, table look-ups), and the depth of its syntax tree, where every operator, ``not``
and ``-`` is one level above its operands (so ``a + b + c`` is 3 deep: a sum of 32 terms is the most
one condition can chain). The shipped packs' conditions are at most 5 deep."""

MAX_CONDITION_NODES = 500
"""Syntax-tree nodes (names, numbers, texts, operators) of one condition. The shipped packs' largest
condition has 18."""

MAX_PACK_NUMBER = 1e15
"""The largest magnitude of a number in a rule pack: a literal in a condition (as written), and a
threshold value, table value or default, indicator weight, floor and target, and verdict line, both
as written and, for a quantity such as ``"20 万元/亩"``, once converted to the unit of its field
(``"1e12 亿元"`` where the unit is 元 is 1e20: refused). 10^15 exceeds any real figure in the units
packs use (10^15 元 is about ten times China's yearly output; 10^15 m² is more than the Earth's
surface), so no threshold can overflow when it is converted for a comparison, and score arithmetic
(weights summed, points scaled to 100) stays far from overflow. A number must also be finite (no
``nan`` or ``inf``), and a non-zero number must not be so small that it would be read as 0."""


def number_text(x: float) -> str:
    """A limit as written in messages: ``1e15`` rather than ``1e+15``."""
    return f"{x:.0e}".replace("e+", "e")
