"""The types a condition is checked against: value types, sets, tables and the namespace of names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from heshan_vetting.errors import BilingualValueError
from heshan_vetting.lang.values import Env, Unknown, Value

Fn = Callable[[Env], Value]
"""A compiled expression: reads the namespace, gives a value (or an :class:`Unknown`)."""
NumFn = Callable[[Env], float | Unknown]
"""A compiled expression of kind ``num``."""
TextFn = Callable[[Env], str | Unknown]
"""A compiled expression of kind ``str``."""
TextsFn = Callable[[Env], tuple[str, ...] | Unknown]
"""A compiled expression of kind ``strs`` (or ``list``)."""
BoolFn = Callable[[Env], bool | Unknown]
"""A compiled expression of kind ``bool``: a condition."""

Kind = Literal["num", "str", "strs", "bool", "set", "list"]
"""What an expression is: a number, a text, a list of texts (a fact), a true/false test, a named set, a list."""


@dataclass(frozen=True)
class VType:
    """The static type of an expression: its :data:`Kind` and, for ``num``, its pint ``unit``."""

    kind: Kind
    unit: Any = None


@dataclass(frozen=True)
class CompiledSet:
    """A named set, normalised: exact members or prefixes."""

    name: str
    members: frozenset[str]
    prefixes: tuple[str, ...]
    match: str
    citation: Any = None


@dataclass(frozen=True)
class CompiledTable:
    """A prefix-keyed table: rows by normalised key, key lengths longest first, optional default."""

    name: str
    rows: dict[str, float]
    lengths: tuple[int, ...]
    default: float | None
    unit: Any
    citation: Any = None

    def lookup(self, key: str) -> float | None:
        """The value of the longest matching prefix, else the default, else ``None``."""
        rows = self.rows
        for n in self.lengths:
            if n <= len(key):
                v = rows.get(key[:n])
                if v is not None:
                    return v
        return self.default


@dataclass
class Namespace:
    """The names a condition may use, by kind."""

    values: dict[str, VType] = field(default_factory=dict)
    """Facts, derived metrics and thresholds: read from the environment by name."""
    sets: dict[str, CompiledSet] = field(default_factory=dict)
    tables: dict[str, CompiledTable] = field(default_factory=dict)
    presence: frozenset[str] = frozenset()
    """Names that ``is present`` / ``is missing`` may test (facts and derived metrics)."""


class CompileError(BilingualValueError):
    """A type, name or unit error at ``pos`` (offset in the condition)."""

    def __init__(self, message_en: str, message_zh: str, pos: int) -> None:
        super().__init__(message_en, message_zh)
        self.pos = pos
