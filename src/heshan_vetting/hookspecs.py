"""Hook specifications: the contract between heshan_vetting and its plugins.

Every hook is prefixed ``heshan_``. Built-in behaviour (the TOML project loader, the shipped unit
definitions and rule packs, the default scoring and the text and JSON renderers) is implemented as
plugins of these same hooks. Arguments may be added in later versions but never renamed or removed;
a hook implementation may accept any subset of a spec's arguments (pluggy passes only those named).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from ._evaluate import IndicatorInput
    from .model import Project
    from .report import Score
    from .rulepack import VerdictDef
    from .units import Units

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

PROJECT_NAME = "heshan_vetting"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def heshan_unit_definitions() -> list[str]:  # type: ignore[empty-body]
    """Contribute unit definitions to each Vetter's unit registry.

    :return: definition lines in pint syntax, e.g. ``["亩 = 10000 / 15 * meter ** 2 = mu"]``.

    Called once when a :class:`~heshan_vetting.Vetter` is created, before any pack is compiled.
    All results are used, built-ins first.
    """


@hookspec(firstresult=True)
def heshan_load_project(path: Path, units: Units) -> list[Project] | None:
    """Load the project(s) in a file.

    :param path: the file to read.
    :param units: the Vetter's unit registry, for parsing quantities.
    :return: the projects in the file, or ``None`` if this loader does not handle the file's format.

    Called for each path given to :meth:`Vetter.check` or the ``check`` command. The first non-``None``
    result wins; a loader raises :class:`~heshan_vetting.ProjectError` for a file it handles but
    finds invalid.
    """


@hookspec
def heshan_rule_pack_paths() -> list[Path]:  # type: ignore[empty-body]
    """Contribute directories that hold rule packs (``*.toml``).

    :return: directories to search for pack ids (``--pack heshan``) and ``extends`` parents.

    Called once per Vetter. All results are used; when two directories hold a pack with the same id,
    the one returned first wins.
    """


@hookspec(firstresult=True)
def heshan_score(inputs: Sequence[IndicatorInput], verdict: VerdictDef | None) -> Score | None:
    """Turn the values of a pack's scoring indicators into a score.

    :param inputs: one entry per indicator in force, with its value (``None`` without data).
    :param verdict: the pack's score thresholds, if it declares any.
    :return: the :class:`~heshan_vetting.report.Score`, or ``None`` to leave it to the next plugin.

    Called once per project checked, when the pack has indicators in force. The first non-``None``
    result wins; the built-in ``scoring`` plugin gives the weighted linear score.
    """


@hookspec
def heshan_renderers() -> dict[str, Any]:  # type: ignore[empty-body]
    """Contribute output formats.

    :return: a mapping of format name (``text``, ``json``, …) to a callable
        ``render(reports: ReportSet, lang: str) -> str``.

    Called when a Vetter is created. When two plugins give the same format name the one registered
    later wins, so a plugin can replace a built-in renderer.
    """
