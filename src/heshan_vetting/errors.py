"""Exceptions raised by heshan_vetting.

Every error a user can cause (a bad project file, a bad rule pack, a bad option) is an
:class:`InputError` that names where the problem is (file, line, column, field) and says what was
expected, in Chinese and English. Errors in plugins or in the library itself are kept apart so the
CLI can give them a different exit code.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "Bilingual",
    "BilingualValueError",
    "InputError",
    "PluginError",
    "ProjectError",
    "RulePackError",
    "UsageError",
    "VettingError",
    "did_you_mean",
]


class Bilingual(Exception):
    """The one shape of a bilingual error: ``message_en`` and ``message_zh``, complete sentences or phrases.

    Every exception of this library that a person reads (:class:`InputError` and its kinds,
    :class:`BilingualValueError` and the condition language's syntax and type errors) is one.
    """

    message_en: str
    message_zh: str

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` (``zh`` or ``en``)."""
        return self.message_zh if lang == "zh" else self.message_en


class BilingualValueError(Bilingual, ValueError):
    """A ``ValueError`` that carries its message in English and Chinese (raised inside validators)."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        self.message_en = message_en
        self.message_zh = message_zh
        super().__init__(message_en)


class VettingError(Exception):
    """Base class of every exception this library raises on purpose."""


_E = TypeVar("_E", bound="InputError")


class InputError(Bilingual, VettingError):
    """A user mistake in an input: a project file, a rule pack or an option.

    ``message_en`` and ``message_zh`` are complete sentences; ``file``, ``line`` (1-based),
    ``column`` (1-based) and ``field`` (a dotted path such as ``rules[2].require``) say where.
    """

    def __init__(
        self,
        message_en: str,
        *,
        message_zh: str | None = None,
        file: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        details: Iterable[InputError] = (),
    ) -> None:
        self.message_en = message_en
        self.message_zh = message_zh or message_en
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.field = field
        self.details: tuple[InputError, ...] = tuple(details)
        """The other errors found in the same input (e.g. every invalid field of one project), after this one."""
        super().__init__(self.format())

    @classmethod
    def gather(cls: type[_E], errors: Sequence[InputError]) -> _E:
        """One error of this class for several problems of one input: the first, with the rest as its details."""
        first, *rest = errors
        return cls(
            first.message_en,
            message_zh=first.message_zh,
            file=first.file,
            line=first.line,
            column=first.column,
            field=first.field,
            details=rest,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # keyword-only arguments: rebuilt from the attributes (errors cross process boundaries in batches)
        return (_rebuild, (type(self), dict(self.__dict__), self.args))

    @property
    def all(self) -> tuple[InputError, ...]:
        """This error and its :attr:`details`: every problem found in the input, in order."""
        return (self, *self.details)

    @property
    def location(self) -> str:
        """``file:line:column`` as far as it is known (empty if nothing is)."""
        parts: list[str] = []
        if self.file is not None:
            parts.append(self.file)
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def format(self, lang: str = "both") -> str:
        """The message with its location; ``lang`` is ``zh``, ``en`` or ``both``."""
        where = self.location
        head = f"{where}: " if where else ""
        if self.field:
            head += f"{self.field}: "
        if lang == "zh":
            return head + self.message_zh
        if lang == "en":
            return head + self.message_en
        if self.message_zh == self.message_en:
            return head + self.message_en
        return f"{head}{self.message_zh}\n    {self.message_en}"


class ProjectError(InputError):
    """A project file (or a ``Project`` built in code) is invalid."""


class RulePackError(InputError):
    """A rule pack is invalid: bad TOML, schema, unknown name, unit mismatch, cycle, …"""


class UsageError(InputError):
    """A command-line option or API argument is invalid."""


def _rebuild(cls: type[Exception], state: dict[str, Any], args: tuple[Any, ...]) -> Exception:
    """An exception of ``cls`` with ``state`` and ``args``, without calling its constructor (for pickle)."""
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class PluginError(VettingError):
    """A plugin failed to load or misbehaved. The CLI exits with code 3."""

    def __init__(self, message: str, *, plugin: str | None = None) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: {message}" if plugin else message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), dict(self.__dict__), self.args))


def did_you_mean(name: str, known: Iterable[str]) -> tuple[str, str]:
    """A hint for a misspelt ``name``: (English, Chinese) suffixes such as ``"; did you mean 'credit'?"``.

    Both are empty when nothing in ``known`` is close.
    """
    near = difflib.get_close_matches(name, sorted(set(known)), n=1)
    if not near:
        return "", ""
    return f"; did you mean {near[0]!r}?", f"；是否应为 {near[0]!r}？"
