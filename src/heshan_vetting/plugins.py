"""The plugin manager: one per Vetter, built-ins registered by name, with a typed facade.

Built-in plugins are modules registered through the same :meth:`pluggy.PluginManager.register`
call any other plugin goes through, and can be blocked by name the same way.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from ._evaluate import IndicatorInput
from .errors import PluginError
from .model import Project
from .report import PluginRef, Score
from .rulepack import VerdictDef
from .units import Units

__all__ = ["BUILTIN_PLUGINS", "Hooks", "make_plugin_manager"]

#: Built-in plugins: name → module. Registered in this order.
BUILTIN_PLUGINS: dict[str, str] = {
    "units": "heshan_vetting.default_units",
    "toml_loader": "heshan_vetting.default_loader",
    "shipped_packs": "heshan_vetting.default_packs",
    "scoring": "heshan_vetting.default_scoring",
    "renderers": "heshan_vetting.render",
}


def make_plugin_manager(plugins: Sequence[object] = (), disable: Iterable[str] = ()) -> pluggy.PluginManager:
    """A fresh plugin manager with the built-ins (except ``disable``) and ``plugins`` registered."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    blocked = set(disable)
    unknown = blocked - set(BUILTIN_PLUGINS) - {getattr(p, "__name__", "") for p in plugins}
    for name in sorted(blocked):
        pm.set_blocked(name)
    for name, modname in BUILTIN_PLUGINS.items():
        if name in blocked:
            continue
        try:
            module = importlib.import_module(modname)
        except Exception as exc:  # a broken built-in must fail loudly, never silently
            raise PluginError(f"failed to import {modname}: {exc}", plugin=name) from exc
        pm.register(module, name=name)
    for plugin in plugins:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        try:
            pm.register(plugin, name=name if pm.get_plugin(name) is None else None)
        except Exception as exc:
            raise PluginError(f"failed to register: {exc}", plugin=name) from exc
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    del unknown  # unknown names in ``disable`` are allowed: they may name third-party plugins
    return pm


class Hooks:
    """Typed calls to the hooks of one plugin manager."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    def unit_definitions(self) -> list[str]:
        """All unit definition lines, built-ins first."""
        out: list[str] = []
        for lines in reversed(self.pm.hook.heshan_unit_definitions()):
            out.extend(lines)
        return out

    def load_project(self, path: Path, units: Units) -> list[Project] | None:
        """The projects in ``path`` from the first loader that handles it."""
        result: list[Project] | None = self.pm.hook.heshan_load_project(path=path, units=units)
        return result

    def rule_pack_paths(self) -> list[Path]:
        """Pack directories, in priority order (later-registered plugins first)."""
        out: list[Path] = []
        for paths in self.pm.hook.heshan_rule_pack_paths():
            out.extend(Path(p) for p in paths)
        return out

    def score(self, inputs: Sequence[IndicatorInput], verdict: VerdictDef | None) -> Score | None:
        """The score from the first scoring plugin that gives one."""
        result: Score | None = self.pm.hook.heshan_score(inputs=list(inputs), verdict=verdict)
        return result

    def renderers(self) -> dict[str, Any]:
        """Format name → renderer; later-registered plugins override earlier ones."""
        out: dict[str, Any] = {}
        for mapping in reversed(self.pm.hook.heshan_renderers()):
            out.update(mapping)
        return out

    def plugin_refs(self) -> list[PluginRef]:
        """Every registered plugin with its distribution and version, sorted by name."""
        from . import __version__

        dists = {id(p): d for p, d in self.pm.list_plugin_distinfo()}
        refs: list[PluginRef] = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:
                continue
            dist = dists.get(id(plugin))
            if dist is not None:
                refs.append(PluginRef(name=name, distribution=dist.project_name, version=dist.version))
            elif name in BUILTIN_PLUGINS:
                refs.append(PluginRef(name=name, distribution="heshan-vetting", version=__version__))
            else:
                module = getattr(plugin, "__module__", None) or getattr(plugin, "__name__", "")
                refs.append(PluginRef(name=name, distribution=f"(not installed: {module})", version="unknown"))
        return sorted(refs, key=lambda r: r.name)
