"""Engines, the seam where a project's conditions are decided: the :class:`Engine` protocol and its registration.

An engine decides, for one project's fact namespace, whether each rule's ``applies_if`` and ``require`` hold and
which case of each label applies; everything else (explanations, scoring, the verdict) is the evaluation's. Engines
register through the ``heshan_engines`` hook with an :class:`EngineSpec` (the built-in ``engines`` plugin gives
``native`` and ``durable``), and ``Vetter(engine=NAME)`` picks one by name. docs/engines.md, "Adding an engine",
shows a third-party engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from heshan_vetting.errors import UsageError, did_you_mean
from heshan_vetting.packs.compiled import CompiledLabel, CompiledPack, CompiledRule

RuleResults = dict[str, tuple[Any, Any]]
"""Rule id → (scope result, requirement result); the requirement is ``None`` when the scope is not true.
Each result is ``True``, ``False`` or an :class:`~heshan_vetting._compile.Unknown`."""

LabelResults = dict[str, tuple[Any, ...]]
"""Label id → the result of each case's condition, in order (``True``, ``False`` or an
:class:`~heshan_vetting._compile.Unknown`). Only the cases up to the first that is not ``False`` are read, so an
engine may stop there."""


class Engine(Protocol):
    """What an engine gives the evaluation: a callable that decides the conditions for one project.

    It is called once per project checked, from any number of threads at once, with the compiled pack, the
    rules and labels in force on the as-of date, and the project's fact namespace (``env``: fact name →
    value, read-only). It returns the result of each rule's scope and requirement (:data:`RuleResults`) and
    of each label's cases (:data:`LabelResults`), each ``True``, ``False`` or the ``Unknown`` the native
    closures give (``rule.applies(env)``, ``rule.require(env)``, ``case(env)``), which the evaluation turns
    into findings. A plain function with this signature is an engine (:func:`native_decider` is one).
    """

    def __call__(
        self,
        pack: CompiledPack,
        rules: Sequence[CompiledRule],
        labels: Sequence[CompiledLabel],
        env: dict[str, Any],
    ) -> tuple[RuleResults, LabelResults]:
        """Decide the conditions of ``rules`` and ``labels`` for the fact namespace ``env``."""
        ...  # pragma: no cover


class BatchResults(Protocol):
    """What a batch engine decided for a batch: each row's results, exactly as the engine gives them one by one."""

    def row(self, i: int) -> tuple[RuleResults, LabelResults]:
        """The results of row ``i`` of the batch (the ``i``-th project given)."""
        ...  # pragma: no cover


class BatchEngine(Engine, Protocol):
    """An engine that can also decide a whole batch at once (the columnar engine). The Vetter looks for
    ``decide_projects`` (``Vetter.decide_many``, and ``check_many``/``map_many`` with ``jobs=1``) and, where an
    engine has none, calls it once per project."""

    def decide_projects(
        self,
        pack: CompiledPack,
        rules: Sequence[CompiledRule],
        labels: Sequence[CompiledLabel],
        projects: Sequence[Any],
        as_of: Any,
        env: Callable[[int], dict[str, Any]],
    ) -> BatchResults:
        """Decide ``rules`` and ``labels`` (those in force on ``as_of``) for each of ``projects`` (validated
        :class:`~heshan_vetting.Project` objects); ``env(i)`` is the fact namespace of project ``i``, the one the
        per-project call would be given (for rows the engine does not decide by column)."""
        ...  # pragma: no cover


def _always_available() -> tuple[str, str] | str | None:
    return None


def _no_version() -> str | None:
    return None


_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")


@dataclass(frozen=True)
class EngineSpec:
    """The registration of one engine, returned by a plugin's ``heshan_engines`` hook.

    Nothing here runs when an engine is registered or listed: ``available``, ``version`` and ``factory`` are
    called only for the engine a Vetter is built with, in that order (so an engine that needs an optional
    package imports it inside them, never at the module's import).
    """

    name: str
    """The name given to ``Vetter(engine=...)`` and ``--engine``: lower-case letters, digits, ``-`` and ``_``."""
    description: str
    """One line for ``--engine``'s help and the docs, e.g. ``"the pack's conditions as Python closures"``."""
    factory: Callable[[CompiledPack], Engine]
    """Builds the engine for one compiled pack, once per Vetter (it may prepare the pack, e.g. a Rete network)."""
    available: Callable[[], tuple[str, str] | str | None] = _always_available
    """``None`` when the engine can run here; otherwise why not and what to do: an English sentence, or
    ``(english, chinese)``. The Vetter then raises :class:`~heshan_vetting.UsageError` with it (exit code 2)."""
    version: Callable[[], str | None] = _no_version
    """The version of what decides (e.g. the rule engine's distribution), recorded in each report's
    ``provenance.engine_version``; ``None`` (the default) when there is none beyond the library's own."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(
                f"an engine name must be lower-case letters, digits, '-' and '_', starting with a letter: {self.name!r}"
            )
        if not isinstance(self.description, str):
            raise ValueError(f"the description of engine {self.name!r} must be a string")
        for attr in ("factory", "available", "version"):
            if not callable(getattr(self, attr)):
                raise ValueError(f"{attr} of engine {self.name!r} must be callable")


def choose_engine(registry: Mapping[str, object], name: object, *, builtin_blocked: bool = False) -> None:
    """Raise :class:`UsageError` unless ``name`` is in ``registry`` (engine name → registration).

    The error lists the registered names (in registration order) with a "did you mean" hint, and says so
    when no plugin registers any engine or when the built-in ``engines`` plugin is blocked
    (``builtin_blocked``).
    """
    if isinstance(name, str) and name in registry:
        return
    shown = name if isinstance(name, str) else repr(name)
    if not registry:
        raise UsageError(
            f"No plugin provides an engine, so there is no engine {shown!r}; is the built-in 'engines' plugin "
            "disabled?",
            message_zh=f"没有插件提供评估引擎，无法使用引擎 {shown!r}；是否禁用了内置插件 engines？",
            field="engine",
        )
    hint_en, hint_zh = did_you_mean(shown, registry) if isinstance(name, str) else ("", "")
    names = list(registry)
    blocked_en = (
        " (the built-in 'engines' plugin, which provides native, durable and columnar, is disabled)"
        if builtin_blocked
        else ""
    )
    blocked_zh = "（提供 native、durable 与 columnar 的内置插件 engines 已被禁用）" if builtin_blocked else ""
    raise UsageError(
        f"Unknown engine {shown!r}{hint_en or ';'} available: {', '.join(names)}{blocked_en}.",
        message_zh=f"未知的引擎 {shown!r}{hint_zh or '；'}可用：{'、'.join(names)}{blocked_zh}。",
        field="engine",
    )
