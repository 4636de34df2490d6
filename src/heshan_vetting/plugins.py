"""The plugin manager: one per Vetter, with built-ins, entry-point plugins and explicit ones.

Built-in plugins are modules registered through the same :meth:`pluggy.PluginManager.register`
call any other plugin goes through, and can be blocked by name the same way. Third-party plugins
are found through the ``heshan_vetting`` entry-point group when a Vetter is built (never at import).

Blocking: ``Vetter(disable_plugins=[...])``, ``--disable-plugin NAME`` and the environment variable
``HESHAN_VETTING_DISABLE_PLUGINS`` (names separated by commas or spaces). Setting
``HESHAN_VETTING_DISABLE_PLUGIN_AUTOLOAD=1`` (or ``Vetter(autoload=False)``) skips entry points.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import pluggy

from heshan_vetting import hookspecs
from heshan_vetting.engines.protocol import EngineSpec
from heshan_vetting.errors import InputError, PluginError, UsageError, did_you_mean
from heshan_vetting.evaluation.scoring import IndicatorInput
from heshan_vetting.extension import (
    Check,
    EvaluationFormat,
    EvaluationRenderer,
    FactProvider,
    HeaderRule,
    LoadedItem,
    NotConfigured,
    Renderer,
    Table,
    Template,
)
from heshan_vetting.model import Project
from heshan_vetting.packs.schema import VerdictDef
from heshan_vetting.report import Finding, PluginNote, PluginRef, Report, Score
from heshan_vetting.units import Units
from heshan_vetting.version import __version__

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "ENV_DISABLE",
    "ENV_NO_AUTOLOAD",
    "HOOK_NAMES",
    "Hooks",
    "PluginInfo",
    "make_plugin_manager",
]

#: Built-in plugins: name → module. Registered in this order, before any other plugin.
BUILTIN_PLUGINS: dict[str, str] = {
    "units": "heshan_vetting.builtins.units",
    "toml_loader": "heshan_vetting.builtins.toml_loader",
    "jsonl_loader": "heshan_vetting.builtins.jsonl_loader",
    "shipped_packs": "heshan_vetting.builtins.shipped_packs",
    "scoring": "heshan_vetting.builtins.scoring",
    "engines": "heshan_vetting.builtins.engines",
    "renderers": "heshan_vetting.builtins.render",
}

#: Built-in plugins left out of a report's ``provenance.plugins``: ``engines`` is recorded there as
#: ``provenance.engine`` and ``engine_version`` (its own version is the library's, recorded too).
_NOT_IN_PROVENANCE = frozenset({"engines"})

ENTRY_POINT_GROUP = "heshan_vetting"
ENV_DISABLE = "HESHAN_VETTING_DISABLE_PLUGINS"
ENV_NO_AUTOLOAD = "HESHAN_VETTING_DISABLE_PLUGIN_AUTOLOAD"

#: Every hook name in the spec.
HOOK_NAMES: tuple[str, ...] = tuple(
    name for name, fn in vars(hookspecs).items() if name.startswith("heshan_") and inspect.isfunction(fn)
)

Origin = Literal["builtin", "entry_point", "explicit"]


@dataclass(frozen=True)
class PluginInfo:
    """One plugin known to a Vetter: where it came from and what it implements."""

    name: str
    origin: Origin
    distribution: str
    version: str
    hooks: tuple[str, ...]
    blocked: bool = False
    target: str = ""
    """The module or object: the entry point's value (``module:attr``) or the module's name."""

    def ref(self) -> PluginRef:
        """The plugin as listed in a report's provenance."""
        return PluginRef(name=self.name, distribution=self.distribution, version=self.version)


def _env_names(value: str | None) -> set[str]:
    return {n for n in (value or "").replace(",", " ").split() if n}


def _autoload_default() -> bool:
    return os.environ.get(ENV_NO_AUTOLOAD, "").strip().lower() in ("", "0", "false", "no")


def _dist_of(ep: metadata.EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "(unknown distribution)", "unknown"
    return str(dist.metadata["Name"]), str(dist.version)


def _distribution_of_object(plugin: object) -> tuple[str, str]:
    module = inspect.getmodule(plugin) if not inspect.ismodule(plugin) else plugin
    modname = getattr(module, "__name__", "") or ""
    top = modname.split(".")[0]
    if top:
        try:
            names = metadata.packages_distributions().get(top, [])
        except Exception:  # broken metadata elsewhere must not break provenance
            names = []
        for dist_name in names:
            try:
                return dist_name, metadata.version(dist_name)
            except metadata.PackageNotFoundError:
                continue
    return f"(not installed: {modname or type(plugin).__name__})", "unknown"


def _plugin_name(plugin: object) -> str:
    """The object's ``plugin_name`` if set; else an instance's ``name``; else its ``__name__``."""
    own = getattr(plugin, "plugin_name", None)
    if isinstance(own, str) and own:
        return own
    if inspect.ismodule(plugin):
        return plugin.__name__
    own = getattr(plugin, "name", None)
    if isinstance(own, str) and own:
        return own
    return getattr(plugin, "__name__", None) or type(plugin).__name__


def _misspelt_hooks(plugin: object) -> list[str]:
    """Attributes that look like hooks (``heshan_*``) but name none."""
    bad: list[str] = []
    for attr in dir(plugin):
        if attr.startswith("heshan_") and attr not in HOOK_NAMES and callable(getattr(plugin, attr, None)):
            bad.append(attr)
    return bad


def _hooks_of(pm: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    callers = pm.get_hookcallers(plugin) or []
    return tuple(sorted(c.name for c in callers))


def _register(pm: pluggy.PluginManager, plugin: object, name: str, what: str) -> None:
    bad = _misspelt_hooks(plugin)
    if bad:
        hints = []
        for attr in bad:
            hint_en, _ = did_you_mean(attr, HOOK_NAMES)
            hints.append(f"{attr!r}" + (f" ({hint_en[2:]})" if hint_en else ""))
        raise PluginError(
            f"{what} defines {', '.join(hints)}, which is not a hook; hooks are: {', '.join(HOOK_NAMES)}",
            plugin=name,
        )
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"{what}: {exc}", plugin=name) from None
    except ValueError as exc:  # the name is taken
        raise PluginError(f"{what}: {exc}", plugin=name) from None


def make_plugin_manager(
    plugins: Sequence[object] = (),
    disable: Iterable[str] | str = (),
    *,
    autoload: bool | None = None,
) -> tuple[pluggy.PluginManager, dict[str, PluginInfo]]:
    """A fresh plugin manager and what it holds.

    Built-ins (except the blocked ones) first, then entry-point plugins sorted by name (unless
    ``autoload`` is false), then ``plugins``. Blocked names come from ``disable`` and the
    ``HESHAN_VETTING_DISABLE_PLUGINS`` variable. Raises :class:`PluginError` for a plugin that fails
    to load, implements an unknown hook, or has a hook signature that does not match the spec.
    """

    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    given_names = [disable] if isinstance(disable, str) else list(disable)
    blocked = set(given_names) | _env_names(os.environ.get(ENV_DISABLE))
    eps = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value))
    _check_blocked_names(given_names, _env_names(os.environ.get(ENV_DISABLE)), plugins, eps)
    for name in sorted(blocked):
        pm.set_blocked(name)
    infos: dict[str, PluginInfo] = {}
    for name, modname in BUILTIN_PLUGINS.items():
        if name in blocked:
            infos[name] = PluginInfo(name, "builtin", "heshan-vetting", __version__, (), True, modname)
            continue
        try:
            module = importlib.import_module(modname)
        except Exception as exc:  # a broken built-in must fail loudly, never silently
            raise PluginError(f"failed to import {modname}: {exc}", plugin=name) from exc
        _register(pm, module, name, f"built-in plugin {modname}")
        infos[name] = PluginInfo(name, "builtin", "heshan-vetting", __version__, _hooks_of(pm, module), False, modname)
    if autoload if autoload is not None else _autoload_default():
        _load_entry_points(pm, blocked, infos, eps)
    for given in plugins:
        plugin = given
        if inspect.isclass(given):  # like an entry point that names a class: one instance per Vetter
            try:
                plugin = given()
            except Exception as exc:
                raise PluginError(
                    f"could not instantiate {given.__qualname__}: {exc}", plugin=_plugin_name(given)
                ) from exc
        name = _plugin_name(plugin)
        if name in blocked:
            continue
        if pm.get_plugin(name) is not None or name in infos:
            raise PluginError(
                "a plugin of this name is already registered; give the object a distinct `name` attribute",
                plugin=name,
            )
        _register(pm, plugin, name, "plugin object")
        dist, version = _distribution_of_object(plugin)
        target = plugin.__name__ if inspect.ismodule(plugin) else type(plugin).__qualname__
        infos[name] = PluginInfo(name, "explicit", dist, version, _hooks_of(pm, plugin), False, target)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc), plugin=getattr(exc, "plugin", None) and pm.get_name(exc.plugin)) from None
    return pm, infos


def _check_blocked_names(
    given: Sequence[object], from_env: set[str], plugins: Sequence[object], eps: Sequence[metadata.EntryPoint]
) -> None:
    """A name to block must be a plugin that exists: a misspelt name would block nothing, silently."""
    known = set(BUILTIN_PLUGINS)
    known.update(ep.name for ep in eps)
    known.update(_plugin_name(p) for p in plugins)
    for name in given:
        if not isinstance(name, str):
            raise UsageError(
                f"A plugin to disable must be given by name (a string), not {type(name).__name__}.",
                message_zh="要停用的插件须以名称（字符串）给出。",
                field="disable_plugins",
            )
    checks = [(n, "--disable-plugin / disable_plugins") for n in given if isinstance(n, str)]
    checks += [(n, ENV_DISABLE) for n in sorted(from_env)]
    for name, where in checks:
        if name not in known:
            hint_en, hint_zh = did_you_mean(name, known)
            names = ", ".join(sorted(known))
            raise UsageError(
                f"There is no plugin named {name!r} to disable{hint_en or '.'} Known plugins: {names}.",
                message_zh=f"没有名为 {name!r} 的插件可停用{hint_zh or '。'}已知插件：{'、'.join(sorted(known))}。",
                field=where,
            )


def _load_entry_points(
    pm: pluggy.PluginManager, blocked: set[str], infos: dict[str, PluginInfo], eps: Sequence[metadata.EntryPoint]
) -> None:
    for ep in eps:
        dist, version = _dist_of(ep)
        where = f"entry point {ep.name} = {ep.value} of {dist} {version}"
        if ep.name in infos:
            raise PluginError(f"{where}: the name is already taken by {infos[ep.name].distribution}", plugin=ep.name)
        if ep.name in blocked:
            infos[ep.name] = PluginInfo(ep.name, "entry_point", dist, version, (), True, ep.value)
            continue
        try:
            plugin = ep.load()
            if inspect.isclass(plugin):
                plugin = plugin()  # a class: one instance per Vetter, so plugins can hold state safely
        except Exception as exc:
            raise PluginError(
                f"failed to load ({where}): {type(exc).__name__}: {exc}. "
                f"Block it with --disable-plugin {ep.name} or {ENV_DISABLE}={ep.name}.",
                plugin=ep.name,
            ) from exc
        _register(pm, plugin, ep.name, where)
        infos[ep.name] = PluginInfo(ep.name, "entry_point", dist, version, _hooks_of(pm, plugin), False, ep.value)


def _call(impl: Any, kwargs: Mapping[str, Any]) -> Any:
    return impl.function(*(kwargs[a] for a in impl.argnames))


def _is_path(item: object) -> bool:
    """Whether ``item`` is a non-empty ``str`` or path-like object naming a text path."""
    if not isinstance(item, (str, os.PathLike)):
        return False
    text = os.fspath(item)
    return isinstance(text, str) and text != ""


def _observe(impl: Any, report: Report) -> Any:
    return _call(impl, {"report": report})


class Hooks:
    """Typed calls to the hooks of one plugin manager."""

    def __init__(self, pm: pluggy.PluginManager, infos: Mapping[str, PluginInfo] | None = None) -> None:
        self.pm = pm
        self.infos: dict[str, PluginInfo] = dict(infos or {})
        self._not_configured: dict[str, PluginNote] = {}

    @property
    def not_configured(self) -> list[PluginNote]:
        """The plugins that raised :class:`NotConfigured` from ``heshan_facts`` or ``heshan_checks``, by name."""
        return [self._not_configured[k] for k in sorted(self._not_configured)]

    def _each(self, hook: str, kwargs: Mapping[str, Any]) -> list[tuple[str, Callable[[], Any]]]:
        """(plugin name, call) for each implementation, built-ins (registered first) first."""
        impls = getattr(self.pm.hook, hook).get_hookimpls()
        return [(impl.plugin_name, partial(_call, impl, kwargs)) for impl in impls]

    def unit_definitions(self) -> list[str]:
        """All unit definition lines, built-ins first."""
        out: list[str] = []
        for lines in reversed(self.pm.hook.heshan_unit_definitions()):
            out.extend(lines)
        return out

    def load_project(
        self, path: Path, units: Units, options: Mapping[str, Any] | None = None
    ) -> list[LoadedItem] | None:
        """The items in ``path`` from the first loader that handles it (a loader's plain projects wrapped)."""
        result: list[Project | LoadedItem] | None = self.pm.hook.heshan_load_project(
            path=path, units=units, options=MappingProxyType(dict(options or {}))
        )
        if result is None:
            return None
        out: list[LoadedItem] = []
        for item in result:
            if isinstance(item, LoadedItem):
                out.append(item)
            elif isinstance(item, Project):
                out.append(LoadedItem(project=item))
            else:
                raise PluginError(
                    f"heshan_load_project returned {type(item).__name__} for {path}, not a Project or a LoadedItem"
                )
        return out

    def project_suffixes(self) -> list[str]:
        """The file suffixes the loaders read (lower case, with the dot), sorted."""
        return sorted({str(s).lower() for suffixes in self.pm.hook.heshan_project_suffixes() for s in suffixes})

    def templates(self) -> dict[str, Template]:
        """Template name → starter file for ``init``; later-registered plugins win for one name."""
        out: dict[str, Template] = {}
        for templates in reversed(self.pm.hook.heshan_templates()):
            for template in templates:
                out[template.name] = template
        return dict(sorted(out.items()))

    def rule_pack_paths(self) -> list[Path]:
        """Pack directories, in priority order (later-registered plugins first)."""
        out: list[Path] = []
        for paths in self.pm.hook.heshan_rule_pack_paths():
            out.extend(Path(p) for p in paths)
        return out

    def _declared(self, hook: str, options: Mapping[str, Any], kind: type[Any]) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        for name, call in self._each(hook, {"options": options}):
            try:
                items = call()
            except NotConfigured as exc:
                self._not_configured[name] = PluginNote(plugin=name, message=exc.text)
                continue
            except InputError:
                raise  # the plugin found a user mistake (e.g. a missing list file): exit 2, not 3
            except Exception as exc:
                raise PluginError(f"{hook} raised {type(exc).__name__}: {exc}", plugin=name) from exc
            if items is None:
                continue
            if not isinstance(items, (list, tuple)) or not all(isinstance(i, kind) for i in items):
                raise PluginError(f"{hook} must return a list of {kind.__name__} objects, got {items!r}", plugin=name)
            out.extend((name, i) for i in items)
        return out

    def facts(self, options: Mapping[str, Any]) -> list[tuple[str, FactProvider]]:
        """(plugin name, provider) for every plugin fact."""
        return self._declared("heshan_facts", options, FactProvider)

    def checks(self, options: Mapping[str, Any]) -> list[tuple[str, Check]]:
        """(plugin name, check) for every plugin check."""
        return self._declared("heshan_checks", options, Check)

    def input_files(self, options: Mapping[str, Any]) -> list[tuple[str, Path]]:
        """(plugin name, path) for every file a plugin declares it reads (``heshan_input_files``), built-ins first.

        An :class:`InputError` raised by a plugin passes through; any other exception, or a result
        that is not a list of ``str``/path-like objects, is a :class:`PluginError` naming the plugin.
        """
        out: list[tuple[str, Path]] = []
        for name, call in self._each("heshan_input_files", {"options": options}):
            try:
                items = call()
            except InputError:
                raise
            except Exception as exc:
                raise PluginError(f"heshan_input_files raised {type(exc).__name__}: {exc}", plugin=name) from exc
            if items is None:
                continue
            if not isinstance(items, (list, tuple)) or not all(_is_path(i) for i in items):
                raise PluginError(
                    f"heshan_input_files must return a list of non-empty paths (str or os.PathLike), got {items!r}",
                    plugin=name,
                )
            out.extend((name, Path(os.fspath(i))) for i in items)
        return out

    def finding_processors(self) -> list[tuple[str, Callable[[Project, Sequence[Finding]], Any]]]:
        """(plugin name, ``fn(project, findings)``) per ``heshan_process_findings`` implementation, built-ins first."""
        out: list[tuple[str, Callable[[Project, Sequence[Finding]], Any]]] = []
        for impl in self.pm.hook.heshan_process_findings.get_hookimpls():

            def run(project: Project, findings: Sequence[Finding], impl: Any = impl) -> Any:
                return _call(impl, {"project": project, "findings": tuple(findings)})

            out.append((impl.plugin_name, run))
        return out

    def score(self, inputs: Sequence[IndicatorInput], verdict: VerdictDef | None) -> Score | None:
        """The score from the first scoring plugin that gives one."""
        result: Score | None = self.pm.hook.heshan_score(inputs=list(inputs), verdict=verdict)
        return result

    def engines(self) -> dict[str, tuple[str, EngineSpec]]:
        """Engine name → (plugin name, registration), in registration order (built-ins first).

        Nothing of an engine is called here. A plugin whose ``heshan_engines`` raises or returns anything but
        a list of :class:`EngineSpec`, or that gives a name already registered, is a :class:`PluginError`.
        """
        out: dict[str, tuple[str, EngineSpec]] = {}
        for name, call in self._each("heshan_engines", {}):
            try:
                specs = call()
            except Exception as exc:
                raise PluginError(f"heshan_engines raised {type(exc).__name__}: {exc}", plugin=name) from exc
            if specs is None:
                continue
            if not isinstance(specs, (list, tuple)) or not all(isinstance(e, EngineSpec) for e in specs):
                raise PluginError(
                    f"heshan_engines must return a list of EngineSpec objects, got {specs!r}", plugin=name
                )
            for spec in specs:
                if spec.name in out:
                    raise PluginError(
                        f"heshan_engines registers the engine {spec.name!r}, which plugin {out[spec.name][0]!r} "
                        "already registers; give it another name",
                        plugin=name,
                    )
                out[spec.name] = (name, spec)
        return out

    def renderers(self) -> dict[str, Renderer]:
        """Format name → renderer; later-registered plugins override earlier ones."""
        out: dict[str, Renderer] = {}
        for mapping in reversed(self.pm.hook.heshan_renderers()):
            out.update(mapping)
        return out

    def evaluation_formats(self) -> dict[str, EvaluationFormat]:
        """Format name → format for ``evaluate`` (``heshan_evaluation_formats``); later-registered plugins win."""
        out: dict[str, EvaluationFormat] = {}
        for name, call in self._each("heshan_evaluation_formats", {}):
            try:
                formats = call()
            except Exception as exc:
                raise PluginError(f"heshan_evaluation_formats raised {type(exc).__name__}: {exc}", plugin=name) from exc
            if formats is None:
                continue
            if not isinstance(formats, (list, tuple)) or not all(isinstance(f, EvaluationFormat) for f in formats):
                raise PluginError(
                    f"heshan_evaluation_formats must return a list of EvaluationFormat objects, got {formats!r}",
                    plugin=name,
                )
            for f in formats:
                out.pop(f.name, None)
                out[f.name] = f
        return out

    def read_table(self, path: Path, header_row: HeaderRule) -> Table | None:
        """The table in ``path`` from the format that reads its suffix (the last registered), or ``None``.

        An :class:`InputError` raised by a reader passes through; any other exception, or a result that is not a
        :class:`Table`, is a :class:`PluginError`.
        """
        suffix = Path(path).suffix.lower()
        readers = [f for f in self.evaluation_formats().values() if suffix in f.suffixes and f.read is not None]
        if not readers:
            return None
        fmt = readers[-1]
        assert fmt.read is not None
        try:
            table = fmt.read(Path(path), header_row)
        except InputError:
            raise
        except Exception as exc:
            raise PluginError(f"the {fmt.name} reader raised {type(exc).__name__}: {exc}", plugin=fmt.name) from exc
        if not isinstance(table, Table):
            raise PluginError(f"the {fmt.name} reader must return a Table, got {table!r}", plugin=fmt.name)
        return table

    def evaluation_renderers(self) -> dict[str, EvaluationRenderer]:
        """Format name → renderer for ``evaluate --format``, from the formats that render."""
        return {n: f.render for n, f in self.evaluation_formats().items() if f.render is not None}

    def add_options(self, parser: argparse.ArgumentParser) -> list[str]:
        """Let each plugin add its options to ``parser`` (one group per plugin); returns their dests."""
        dests: list[str] = []
        for impl in self.pm.hook.heshan_add_options.get_hookimpls():
            group = parser.add_argument_group(f"plugin {impl.plugin_name}")
            try:
                _call(impl, {"group": group})
            except Exception as exc:
                raise PluginError(
                    f"heshan_add_options raised {type(exc).__name__}: {exc}", plugin=impl.plugin_name
                ) from exc
            dests.extend(a.dest for a in group._group_actions)
        return dests

    def report_observers(self) -> list[tuple[str, Callable[[Report], Any]]]:
        """(plugin name, observer) per ``heshan_report_finished`` implementation."""
        out: list[tuple[str, Callable[[Report], Any]]] = []
        for impl in self.pm.hook.heshan_report_finished.get_hookimpls():
            out.append((impl.plugin_name, partial(_observe, impl)))
        return out

    def plugin_refs(self) -> list[PluginRef]:
        """Every registered (not blocked) plugin with its distribution and version, sorted by name.

        The built-in ``engines`` plugin is left out: the engine it provides is recorded as ``provenance.engine``.
        """
        return [
            info.ref()
            for info in sorted(self.infos.values(), key=lambda i: i.name)
            if not info.blocked and not (info.origin == "builtin" and info.name in _NOT_IN_PROVENANCE)
        ]
