"""What plugins give the library: Python checks, plugin-computed facts and output formats (renderers).

A rule pack holds conditions over facts; some checks need code instead (a lookup in a credit
blacklist, a call to a land registry). A plugin returns :class:`Check` objects from the
``heshan_checks`` hook and :class:`FactProvider` objects from ``heshan_facts``. A check's finding has
the same model as a pack rule's (:class:`~heshan_vetting.report.Finding`): id, title, severity,
citation, outcome, explanation.

A check that raises does not stop anything: it becomes an ``error`` finding that names the plugin
and the exception, and the verdict cannot be ``approve`` while it stands (``strict=True`` raises
:class:`~heshan_vetting.PluginError` instead).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol

from heshan_vetting.errors import InputError
from heshan_vetting.model import Project
from heshan_vetting.report import Citation, Comparison, FactValue, Outcome, Severity, Text
from heshan_vetting.results import ReportSet

__all__ = [
    "Check",
    "CheckContext",
    "CheckResult",
    "EvaluationRenderer",
    "FactProvider",
    "FactValueType",
    "HeaderRule",
    "LoadedItem",
    "NotConfigured",
    "RenderContext",
    "Renderer",
    "Table",
    "Template",
]

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

FactValueType = Literal["number", "text", "bool", "texts"]


class NotConfigured(Exception):
    """Raise from ``heshan_checks`` or ``heshan_facts`` when the plugin needs configuration it was not given.

    The plugin then contributes nothing, and every report lists it under ``not_configured`` with this
    message (a visible line in the text report), instead of an ``error`` finding. Use it only for "the
    adopting office has not set this up" (no list file named); a configuration that is given but wrong
    is an :class:`~heshan_vetting.InputError`, and a failure while checking stays an ``error`` finding.

    :param message_en: what is not configured and how to configure it, in English.
    :param message_zh: the same in Chinese.
    """

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.text = Text(zh=message_zh, en=message_en)


@dataclass(frozen=True)
class CheckContext:
    """What a check sees for one project.

    :ivar project: the validated project.
    :ivar as_of: the date whose rules apply.
    :ivar facts: every fact and derived metric of the pack with its value in its canonical unit
        (``None`` when missing or not computable); read-only.
    :ivar options: the Vetter's options (``Vetter(options=...)`` or the plugins' CLI options).
    """

    project: Project
    as_of: date
    facts: Mapping[str, Any]
    options: Mapping[str, Any]


@dataclass(frozen=True)
class CheckResult:
    """What a check found for one project.

    :ivar outcome: ``pass``, ``fail``, ``not_applicable``, ``insufficient_data`` or ``error``.
    :ivar explanation: why, in Chinese and English; for a failure, what would make it pass.
    :ivar missing: names of the project fields whose absence kept the check from deciding
        (required with ``insufficient_data``: missing data is never a pass).
    :ivar comparisons: numeric comparisons that decided it, if any.
    :ivar facts: the values the check read, shown in the report.
    """

    outcome: Outcome
    explanation: Text
    missing: tuple[str, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    facts: tuple[FactValue, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.outcome, Outcome):
            raise TypeError(f"CheckResult.outcome must be an Outcome, not {self.outcome!r}")
        if not isinstance(self.explanation, Text):
            raise TypeError("CheckResult.explanation must be a Text(zh=..., en=...)")
        if self.outcome is Outcome.INSUFFICIENT_DATA and not self.missing:
            raise ValueError("an insufficient_data CheckResult must name the missing fields")


@dataclass(frozen=True)
class Check:
    """A check written in Python, contributed by a plugin through ``heshan_checks``.

    :ivar id: the finding's ``rule_id``; unique among the pack's rules and all plugins' checks
        (e.g. ``credit.blacklist``).
    :ivar title: Chinese and English title.
    :ivar severity: ``veto``, ``required`` or ``advisory``, weighed like a pack rule's.
    :ivar run: called once per project with a :class:`CheckContext`; returns a :class:`CheckResult`.
    :ivar citation: the policy the check enforces; its ``status`` marks how far it is verified.
    :ivar reads: the project fields or facts it reads (shown with the finding).
    :ivar tags: free labels, as on pack rules.
    :ivar effective_from: first day in force (inclusive), if any.
    :ivar effective_until: last day in force (inclusive), if any.
    """

    id: str
    title: Text
    severity: Severity
    run: Callable[[CheckContext], CheckResult]
    citation: Citation | None = None
    reads: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    effective_from: date | None = None
    effective_until: date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise ValueError(f"Check.id {self.id!r} must start with a letter and use letters, digits, _ . : -")
        if not isinstance(self.title, Text):
            raise TypeError(f"Check {self.id!r}: title must be a Text(zh=..., en=...)")
        if not isinstance(self.severity, Severity):
            raise TypeError(f"Check {self.id!r}: severity must be a Severity")
        if not callable(self.run):
            raise TypeError(f"Check {self.id!r}: run must be callable")
        if self.effective_from and self.effective_until and self.effective_until < self.effective_from:
            raise ValueError(f"Check {self.id!r}: effective_until is before effective_from")


@dataclass(frozen=True)
class FactProvider:
    """A fact computed by a plugin, usable in pack conditions like a project field.

    :ivar name: the fact's name in conditions (lower case, digits, ``_``); must not clash with a
        project field or a pack name.
    :ivar type: ``number`` (in ``unit``), ``text``, ``bool`` or ``texts`` (a list of texts).
    :ivar title: Chinese and English title for reports.
    :ivar compute: called once per project with the :class:`~heshan_vetting.Project`; returns the
        value (a ``float`` in ``unit`` for numbers) or ``None`` when unknown (then rules reading it
        give ``insufficient_data``).
    :ivar unit: for numbers, the unit of the value (a unit expression such as ``万元/亩``; empty
        for a plain count or ratio).
    """

    name: str
    type: FactValueType
    title: Text
    compute: Callable[[Project], Any]
    unit: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(f"FactProvider.name {self.name!r} must be lower case letters, digits and _")
        if self.type not in ("number", "text", "bool", "texts"):
            raise ValueError(f"FactProvider {self.name!r}: type must be number, text, bool or texts")
        if not isinstance(self.title, Text):
            raise TypeError(f"FactProvider {self.name!r}: title must be a Text(zh=..., en=...)")
        if not callable(self.compute):
            raise TypeError(f"FactProvider {self.name!r}: compute must be callable")


@dataclass(frozen=True)
class LoadedItem:
    """One item a loader read from a file: a project, or the error that kept one row from being a project.

    A loader (``heshan_load_project``) that reads many projects from one file (a ledger, a JSON Lines
    file) returns one per row, so a bad row becomes an error entry of its own while the good rows are
    vetted. A loader may also return plain :class:`~heshan_vetting.Project` objects (a whole-file
    loader), or raise :class:`~heshan_vetting.ProjectError` when the whole file is unreadable.

    :ivar project: the project (``None`` when ``error`` is set).
    :ivar error: the row's error, with every problem in it (``details``); ``None`` when ``project`` is set.
    :ivar line: the row of the ledger or line of the file the item is on (``None`` for a whole file);
        reports show it (``project.line``), and a ledger written back puts the results on that row.
    :ivar project_id: for an error, the project id when it could be read.
    """

    project: Project | None = None
    error: InputError | None = None
    line: int | None = None
    project_id: str | None = None

    def __post_init__(self) -> None:
        if (self.project is None) == (self.error is None):
            raise ValueError("a LoadedItem holds either a project or an error")


@dataclass(frozen=True)
class RenderContext:
    """Where the output goes, for renderers that lay it out (the ``text`` table's width, colour).

    A renderer receives it when its signature has a ``context`` parameter.

    :ivar width: the columns a text layout may use (the terminal's width; 100 when not a terminal).
    :ivar color: whether terminal colours may be used (a terminal, and ``NO_COLOR`` not set).
    """

    width: int = 100
    color: bool = False


@dataclass(frozen=True)
class Template:
    """A starter file ``python -m heshan_vetting init NAME`` writes, given through ``heshan_templates``.

    :ivar name: what follows ``init`` (``ledger``, ``project``).
    :ivar title: what it is, in Chinese and English (shown by ``init --help``).
    :ivar filename: the default file name (``intake-ledger.xlsx``).
    :ivar build: called with the language (``zh`` or ``en``); returns the file's bytes.
    """

    name: str
    title: Text
    filename: str
    build: Callable[[str], bytes]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(f"Template.name {self.name!r} must be lower case letters, digits and _")
        if not callable(self.build):
            raise TypeError(f"Template {self.name!r}: build must be callable")


#: Finds the header row of a table below its title rows: given (row number, cells left to right, ``None`` for
#: an empty cell) of each of the table's first rows that holds a value, it returns the header row's number, or
#: ``None`` when there is none. The core owns the rule (which headers count); a reader only applies it.
HeaderRule = Callable[[Sequence[tuple[int, Sequence[object]]]], "int | None"]


@dataclass(frozen=True)
class Table:
    """A table read from a file the core cannot read itself (a workbook's sheet) by an :class:`EvaluationFormat`.

    :ivar rows: the header row first, then each later row that holds a value: (row number, cells left to right
        from column 1, ``None`` for an empty cell). A cell is a text, a number, or, for a cell that cannot be
        read (a formula without a saved result), a :class:`~heshan_vetting.BilingualValueError` saying why,
        which the core reports at that cell. A value merged down over several rows is given in each.
    :ivar sheet: the sheet's title, named with the cell in error entries (``用地面积 (企业!D7)``).
    """

    rows: list[tuple[int, list[object]]]
    sheet: str | None = None


class EvaluationRenderer(Protocol):
    """An output format of ``evaluate`` (a per-mu evaluation), given by an :class:`EvaluationFormat`'s ``render``.

    It receives the :class:`~heshan_vetting.EvaluationResult` (whose ``register_file``, ``register_sheet`` and
    ``register_header_row`` say where the register came from) and the language, and returns ``str`` (text) or
    ``bytes`` (a binary format, which the command line writes only to ``--output``).
    """

    def __call__(self, result: Any, lang: str) -> str | bytes:
        """Render ``result`` (an evaluation) in ``lang`` (``zh`` or ``en``)."""
        ...


@dataclass(frozen=True)
class EvaluationFormat:
    """A file format for ``evaluate``, given through ``heshan_evaluation_formats``: registers read from it, the
    evaluation written to it (``--format NAME``), or both.

    :ivar name: the format's name; with ``render``, what ``--format`` takes (``xlsx``). The built-in formats
        (``text``, ``json``, ``html``) cannot be replaced.
    :ivar suffixes: the register files ``read`` handles (``.xlsx``), lower case with the dot; empty for none.
        ``.csv`` and ``.jsonl`` registers are the core's own.
    :ivar read: ``read(path, header_row)``: the register's :class:`Table`. Call ``header_row`` (a
        :data:`HeaderRule`) with the first rows (at most ten) that hold a value, and take the row it names as the
        header. Raise :class:`~heshan_vetting.ProjectError` for a file that cannot be read at all; the core
        checks the headers and every cell as it does a CSV register's.
    :ivar render: the :class:`EvaluationRenderer` of ``--format NAME``.
    """

    name: str
    suffixes: tuple[str, ...] = ()
    read: Callable[[Path, HeaderRule], Table] | None = None
    render: EvaluationRenderer | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(f"EvaluationFormat.name {self.name!r} must be lower case letters, digits and _")
        if self.suffixes and self.read is None:
            raise ValueError(f"EvaluationFormat {self.name!r} names suffixes but has no read function")
        if not all(isinstance(x, str) and x.startswith(".") and x == x.lower() for x in self.suffixes):
            raise ValueError(f"EvaluationFormat {self.name!r}: suffixes are lower case with the dot, e.g. '.xlsx'")


class Renderer(Protocol):
    """An output format, given through ``heshan_renderers``: reports in, a document out.

    A text format returns ``str`` (written to the terminal or, as UTF-8, to a file); a binary format
    (a spreadsheet, say) returns ``bytes``, which can only go to a file: the command line then
    requires ``--output`` and :meth:`~heshan_vetting.Vetter.render` refuses it (use
    :meth:`~heshan_vetting.Vetter.render_bytes`). A plain function with this signature is a renderer; one that
    also takes a ``context`` keyword gets a :class:`RenderContext` (terminal width, colour).

    ``reports`` holds the batch in input order (:attr:`~heshan_vetting.ReportSet.items`): reports and the
    errors of items that could not be vetted; a renderer shows both.
    """

    def __call__(self, reports: ReportSet, lang: str) -> str | bytes:
        """Render ``reports`` in ``lang`` (``zh`` or ``en``)."""
        ...
