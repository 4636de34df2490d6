"""The architecture holds: layering of imports, nothing global at import, only _durable imports durable-rules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "heshan_vetting"

# cli → vetter → (engine, plugins, rulepack, render, default_* plugins) → (model, report, units, expr) → errors;
# verdict (the one table that decides the verdict) sits with engine, below _evaluate and _plugin_run
LAYER = {
    "errors": 0,
    "limits": 0,
    "_files": 1,
    "_toml": 1,
    "units": 1,
    "industry": 1,
    "expr": 1,
    "report": 1,
    "model": 2,
    "_compile": 2,
    "hookspecs": 6,
    "rulepack": 3,
    "extension": 3,
    "engine": 4,
    "engines": 4,
    "verdict": 4,
    "_evaluate": 5,
    "_durable": 6,
    "_durable_net": 6,
    "plugins": 6,
    "_plugin_run": 6,
    "default_units": 6,
    "default_loader": 6,
    "default_packs": 6,
    "default_scoring": 6,
    "default_engines": 6,
    "render": 6,
    "vetter": 7,
    "coverage": 7,
    "output": 7,
    "hookdoc": 7,
    "cli": 8,
    "testing": 8,
    "__main__": 9,
    "__init__": 9,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            depth_up = node.level - (1 if path.parent == PKG else 2)
            if depth_up > 0 or node.module is None:
                # "from .. import x" inside render/ or "from . import __version__"
                target = node.module.split(".")[0] if node.module else "__init__"
            else:
                target = node.module.split(".")[0]
            if path.parent != PKG and node.level == 1:
                continue  # imports within the render/ package
            found.add(target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("heshan_vetting."):
                    found.add(alias.name.split(".")[1])
    return found


def test_every_module_has_a_layer() -> None:
    modules = {_module_name(p) for p in PKG.rglob("*.py")}
    assert modules <= set(LAYER), f"add these modules to LAYER: {sorted(modules - set(LAYER))}"


def test_lower_layers_do_not_import_higher_ones() -> None:
    problems = []
    for path in PKG.rglob("*.py"):
        me = _module_name(path)
        for target in _imports(path):
            if target == "__init__" and me != "__init__":
                # only __version__ is read from the package, lazily inside functions
                continue
            if target in LAYER and LAYER[target] > LAYER[me]:
                problems.append(f"{path.relative_to(PKG)} imports {target}")
    assert problems == []


def test_only_the_durable_backend_imports_durable_rules() -> None:
    offenders = [
        str(p.relative_to(PKG))
        for p in PKG.rglob("*.py")
        if p.name != "_durable.py" and ("import durable" in p.read_text() or "from durable" in p.read_text())
    ]
    assert offenders == []


def test_import_loads_no_plugins_and_starts_no_threads() -> None:
    code = (
        "import threading, sys\n"
        "before = threading.active_count()\n"
        "import heshan_vetting\n"
        "assert threading.active_count() == before, 'threads started at import'\n"
        "loaded = [m for m in sys.modules if m.startswith('heshan_vetting.default_') or m == 'heshan_vetting.render']\n"
        "print(','.join(sorted(loaded)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # default_loader is imported by vetter (project_from_mapping); no plugin is *registered* at import,
    # and the renderer and scoring plugins are not even imported.
    assert "heshan_vetting.render" not in out.stdout
    assert "heshan_vetting.default_scoring" not in out.stdout


def test_each_vetter_owns_its_plugin_manager_and_units() -> None:
    from heshan_vetting import Vetter

    a, b = Vetter(), Vetter()
    assert a.hooks.pm is not b.hooks.pm
    assert a.units is not b.units
    assert a.units.registry is not b.units.registry
