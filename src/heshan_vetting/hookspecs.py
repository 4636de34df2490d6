"""Hook specifications: the contract between heshan_vetting and its plugins.

Every hook is prefixed ``heshan_``. Built-in behaviour (the TOML project loader, the shipped unit
definitions and rule packs, the default scoring, the native, durable and columnar engines and the text and JSON
renderers) is implemented as
plugins of these same hooks. Arguments may be added in later versions but never renamed or removed;
a hook implementation may accept any subset of a spec's arguments (pluggy passes only those named).

Hooks are called in pluggy's order: the plugin registered last is called first. Built-ins are
registered first, then plugins found through the ``heshan_vetting`` entry-point group (sorted by
name), then the objects given to ``Vetter(plugins=[...])``. So for a "first result wins" hook a
plugin's implementation is asked before the built-in one.

Each docstring has the same parts, which ``docs/hooks.md`` is generated from: a summary, the
parameters, the return value, when it is called, and how results combine.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from heshan_vetting.engines.protocol import EngineSpec
    from heshan_vetting.evaluation.scoring import IndicatorInput
    from heshan_vetting.extension import Check, EvaluationFormat, FactProvider, LoadedItem, Template
    from heshan_vetting.model import Project
    from heshan_vetting.packs.schema import VerdictDef
    from heshan_vetting.report import Finding, Report, Score
    from heshan_vetting.units import Units
from heshan_vetting.extension import Renderer

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

PROJECT_NAME = "heshan_vetting"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def heshan_unit_definitions() -> list[str]:  # type: ignore[empty-body]
    """Contribute unit definitions to each Vetter's unit registry.

    :return: definition lines in pint syntax, e.g. ``["亩 = 10000 / 15 * meter ** 2 = mu"]``.

    When: once when a :class:`~heshan_vetting.Vetter` is created, before any pack is compiled.

    Results: all are used, built-ins first.
    """


@hookspec
def heshan_rule_pack_paths() -> list[Path]:  # type: ignore[empty-body]
    """Contribute directories that hold rule packs (``*.toml``).

    :return: directories to search for pack ids (``--pack heshan``) and ``extends`` parents.

    When: once when a Vetter is created.

    Results: all are used; when two directories hold a pack with the same id, the one returned
    first wins (a plugin's pack of the same id replaces a shipped one), and every report says which
    file was used and which was not (a ``pack_shadowed`` notice; an error with ``strict=True``).
    """


@hookspec(firstresult=True)
def heshan_load_project(path: Path, units: Units, options: Mapping[str, Any]) -> list[Project | LoadedItem] | None:
    """Load the project(s) in a file.

    :param path: the file to read.
    :param units: the Vetter's unit registry, for parsing quantities.
    :param options: the Vetter's options (``Vetter(options=...)``, or the CLI options plugins added), e.g.
        the columns a ledger loader ignores; an implementation that needs none leaves it out.
    :return: the projects in the file, or ``None`` if this loader does not handle the file's format. A
        loader that reads many projects from one file (a ledger, JSON Lines) returns a
        :class:`~heshan_vetting.LoadedItem` per row: a project, or the row's error with every problem
        found in it, and the row number; a batch then vets the good rows and reports the bad ones.

    When: for each path given to :meth:`Vetter.check`, :meth:`Vetter.check_many` or the ``check``
    command. A loader raises :class:`~heshan_vetting.ProjectError` naming the file, line (or cell)
    and field for a file it handles but cannot read at all (the whole file is then one error entry).

    Results: the first non-``None`` result wins; the built-in ``toml_loader`` is asked last.
    """


@hookspec
def heshan_project_suffixes() -> list[str]:  # type: ignore[empty-body]
    """Name the file suffixes this plugin's loader reads, so a directory given to ``check`` finds those files.

    :return: suffixes with their dot, e.g. ``[".xlsx", ".xlsm"]`` (compared case-insensitively).

    When: when the ``check`` command (or :meth:`Vetter.project_files`) searches a directory for project
    files. A file named explicitly is offered to every loader whatever its suffix.

    Results: all are used.
    """


@hookspec
def heshan_templates() -> list[Template]:  # type: ignore[empty-body]
    """Contribute starter files for ``python -m heshan_vetting init NAME`` (an intake ledger, a project file).

    :return: :class:`~heshan_vetting.Template` objects (name, title, default file name, a function that
        builds the file's bytes for a language).

    When: when the ``init`` command runs.

    Results: all are used; for one name, the plugin registered last wins.
    """


@hookspec
def heshan_facts(options: Mapping[str, Any]) -> list[FactProvider]:  # type: ignore[empty-body]
    """Contribute facts computed in Python, which pack conditions can read like project fields.

    :param options: the Vetter's options (``Vetter(options=...)``, or the CLI options plugins added).
    :return: :class:`~heshan_vetting.FactProvider` objects; each ``compute(project)`` runs once per project.

    When: once when a Vetter is created (the names are known to the pack compiler, which checks their
    types and units); ``compute`` runs for each project before the pack's rules. A ``compute`` that
    raises makes the fact an error, so rules reading it give ``error`` findings, and adds an
    ``error`` finding naming the plugin. Raise :class:`~heshan_vetting.NotConfigured` from the hook
    itself when the plugin has not been configured: it then contributes no facts (a pack that reads
    them fails to load, naming them) and reports list it under ``not_configured``.

    Results: all are used; a name given twice, or equal to a project field, is a plugin error.
    """


@hookspec
def heshan_checks(options: Mapping[str, Any]) -> list[Check]:  # type: ignore[empty-body]
    """Contribute checks written in Python, whose findings join the pack's.

    :param options: the Vetter's options (``Vetter(options=...)``, or the CLI options plugins added).
    :return: :class:`~heshan_vetting.Check` objects; each ``run(context)`` runs once per project.

    When: once when a Vetter is created; ``run`` is called for each project after the pack's facts
    are computed. A ``run`` that raises gives an ``error`` finding naming the plugin and the
    exception (or :class:`~heshan_vetting.PluginError` with ``strict=True``). Raise
    :class:`~heshan_vetting.NotConfigured` from the hook itself when the plugin needs configuration it
    was not given (no list file named): it then contributes no checks, and every report lists it under
    ``not_configured`` with the message (a visible line in the text report) instead of an ``error``
    finding. A configuration that is given but unusable is an :class:`~heshan_vetting.InputError`.

    Results: all are used; a check id equal to a pack rule's or another check's is a plugin error.
    """


@hookspec
def heshan_process_findings(project: Project, findings: Sequence[Finding]) -> Sequence[Finding] | None:
    """Post-process one project's findings before the verdict is decided.

    :param project: the project being checked.
    :param findings: the findings so far: the pack's rules, then the plugins' checks.
    :return: the findings, changed, in the same order with the same ``rule_id`` values; or ``None``
        to leave them as they are.

    When: once per project, after all rules and checks have run and before the verdict. Use it to
    re-word, tag or re-grade findings (a finding cannot be added or dropped here: add one with
    ``heshan_checks``).

    Results: chained: each implementation receives the previous one's result, built-ins first. A
    result that adds, drops or reorders findings, or an implementation that raises, is an ``error``
    finding naming the plugin (the findings stay as they were).
    """


@hookspec(firstresult=True)
def heshan_score(inputs: Sequence[IndicatorInput], verdict: VerdictDef | None) -> Score | None:
    """Turn the values of a pack's scoring indicators into a score.

    :param inputs: one entry per indicator in force, with its value (``None`` without data).
    :param verdict: the pack's score thresholds, if it declares any.
    :return: the :class:`~heshan_vetting.report.Score`, or ``None`` to leave it to the next plugin.

    When: once per project checked, when the pack has indicators in force.

    Results: the first non-``None`` result wins; the built-in ``scoring`` plugin (the weighted
    linear score) is asked last.
    """


@hookspec
def heshan_renderers() -> dict[str, Renderer]:  # type: ignore[empty-body]
    """Contribute output formats.

    :return: a mapping of format name (``text``, ``json``, …) to a :class:`~heshan_vetting.Renderer`,
        a callable ``render(reports: ReportSet, lang: str) -> str | bytes``: ``str`` for a text format,
        ``bytes`` for a binary one (written only to a file: the command line requires ``--output``).

    When: once when a Vetter is created.

    Results: all are used; when two plugins give the same format name, the one registered later
    wins, so a plugin can replace a built-in renderer.
    """


@hookspec
def heshan_add_options(group: argparse._ArgumentGroup) -> None:
    """Add command-line options to ``python -m heshan_vetting check``.

    :param group: an :mod:`argparse` argument group titled with the plugin's name; call
        ``group.add_argument(...)`` on it. Give every option a ``dest``; its value reaches the
        ``options`` of :func:`heshan_facts` and :func:`heshan_checks` under that name.

    When: once per CLI run, before the arguments are parsed. Library users pass the same names in
    ``Vetter(options={...})``.

    Results: none (options are added to the group).
    """


@hookspec
def heshan_report_finished(report: Report) -> None:
    """Observe a finished report (an audit log, a metrics counter); the report cannot be changed.

    :param report: the finished report of one project.

    When: once per project, after its report is complete and before it is returned.

    Results: none. An implementation that raises marks that report ``incomplete`` with an
    ``error`` finding naming the plugin (the verdict is then at best ``conditional``), or raises
    :class:`~heshan_vetting.PluginError` with ``strict=True``.
    """


@hookspec
def heshan_input_files(options: Mapping[str, Any]) -> list[Path]:  # type: ignore[empty-body]
    """Declare the files a plugin reads (a list file, a lookup table), so no output is written over them.

    :param options: the Vetter's options (``Vetter(options=...)``, or the CLI options plugins added).
    :return: the paths of the files the plugin reads with these options (``str`` or path-like; relative
        paths are taken from the working directory when the Vetter is built).

    When: once when a Vetter is created; the paths are part of :meth:`Vetter.input_files`. The
    ``check`` and ``coverage`` commands refuse an ``--output`` that is one of these files, compared
    by resolved path and by inode (so a symbolic or hard link is caught), as they refuse the project
    and pack files. Declare every file ``heshan_checks`` or ``heshan_facts`` reads.

    Results: all are used, built-ins first. An implementation that raises an
    :class:`~heshan_vetting.InputError` stops the Vetter with that error; any other exception, or a
    result that is not a list of paths, is a :class:`~heshan_vetting.PluginError`.
    """


@hookspec
def heshan_engines() -> list[EngineSpec]:  # type: ignore[empty-body]
    """Register engines, which decide the conditions of a pack's rules and labels for each project.

    :return: :class:`~heshan_vetting.EngineSpec` objects: each a name, a one-line description, a
        ``factory(compiled_pack)`` that builds the :class:`~heshan_vetting.Engine`, an ``available()``
        check that gives the reason it cannot run here (or ``None``), and a ``version()`` for provenance.

    When: when a Vetter is created (it then calls ``available``, ``version`` and ``factory`` of the engine
    it was asked for, and nothing of the others), when the ``check`` command builds its ``--engine``
    help, and when the ``plugins`` command lists which plugin provides which engine. Return the specs
    without importing what an engine needs: do that inside its functions.

    Results: all are used, built-ins first; the built-in ``engines`` plugin gives ``native``,
    ``durable`` and ``columnar``. An engine name given twice, or a result that is not a list of ``EngineSpec``, is a
    :class:`~heshan_vetting.PluginError`. An unknown ``--engine`` / ``Vetter(engine=...)`` is a
    :class:`~heshan_vetting.UsageError` listing the registered names.
    """


@hookspec
def heshan_evaluation_formats() -> list[EvaluationFormat]:  # type: ignore[empty-body]
    """Contribute file formats for ``evaluate`` (the per-mu evaluation of an enterprise register).

    :return: :class:`~heshan_vetting.EvaluationFormat` objects: each a name, the register suffixes it reads
        (``.xlsx``) with a ``read(path, header_row)`` that returns the sheet as a :class:`~heshan_vetting.Table`
        (header row first, found with the core's :data:`~heshan_vetting.HeaderRule`), and/or a
        ``render(result, lang)`` for ``--format NAME`` that returns text (``str``) or a binary document
        (``bytes``, written only to ``--output``) from the :class:`~heshan_vetting.EvaluationResult`.

    When: when ``evaluate`` reads a register (or a ``--previous`` register) whose suffix is not ``.csv`` or
    ``.jsonl``, and when it is given a ``--format`` that is not its own (``text``, ``json``, ``html``). The core
    checks a table's headers and every cell as it does a CSV register's: a bad cell is an error entry naming
    the file, the sheet, the row and the column, and the rest is read. A renderer that copies the register back
    reads it from the result's ``register_file`` (``register_sheet`` and ``register_header_row`` say where).

    Results: all are used, built-ins first; for one name or one suffix a later-registered plugin's format wins.
    A result that is not a list of ``EvaluationFormat`` is a :class:`~heshan_vetting.PluginError`; a register
    whose suffix no format reads is refused with the formats that exist.
    """
