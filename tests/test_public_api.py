"""What a plugin author touches is public (issue 10, item 6).

Every type a hook names is exported from ``heshan_vetting`` with a docstring, and the plugins in
``plugins/`` import nothing from the library but public names: ``from heshan_vetting import ...`` in
their code, and the public test helper modules in their tests.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import heshan_vetting
from heshan_vetting import hookspecs

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_SOURCES = sorted((ROOT / "plugins").glob("*/src/**/*.py"))
PLUGIN_TESTS = sorted((ROOT / "plugins").glob("*/tests/**/*.py"))
# public modules a plugin's *tests* may use besides the package itself (documented, flat at the top)
TEST_MODULES = {"heshan_vetting.testing", "heshan_vetting.plugins", "heshan_vetting.units"}
BUILTIN_TYPES = {"Path", "Any", "Mapping", "Sequence", "None", "_ArgumentGroup"}


def _library_imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, name) for every name imported from the library in ``path``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "heshan_vetting":
            out.extend((node.lineno, node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "heshan_vetting":
                    out.append((node.lineno, alias.name, "*"))
    return out


@pytest.mark.parametrize("path", PLUGIN_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_plugin_code_imports_only_the_public_package(path: Path) -> None:
    bad = [
        f"{path.name}:{line}: {module}.{name}"
        for line, module, name in _library_imports(path)
        if module != "heshan_vetting" or name not in heshan_vetting.__all__
    ]
    assert bad == [], "plugins must use `from heshan_vetting import <public name>` only"


@pytest.mark.parametrize("path", PLUGIN_TESTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_plugin_tests_import_only_public_modules_and_names(path: Path) -> None:
    bad = []
    for line, module, name in _library_imports(path):
        if module == "heshan_vetting":
            ok = name in heshan_vetting.__all__
        elif module in TEST_MODULES:
            mod = __import__(module, fromlist=["__all__"])
            ok = name in getattr(mod, "__all__", ()) or (name.isupper() and not name.startswith("_"))
        else:
            ok = False
        if not ok:
            bad.append(f"{path.name}:{line}: {module}.{name}")
    assert bad == []


def _hook_types() -> set[str]:
    names: set[str] = set()
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction):
        if not name.startswith("heshan_"):
            continue
        for annotation in fn.__annotations__.values():  # strings: the spec module defers its annotations
            names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(annotation)))
    return {n for n in names if n and n[0].isupper() and n not in BUILTIN_TYPES and n != "NoneType"}


def test_every_type_a_hook_names_is_exported_and_documented() -> None:
    types = _hook_types()
    assert {"Project", "Units", "Check", "FactProvider", "IndicatorInput", "VerdictDef", "Score"} <= types
    missing = sorted(t for t in types if t not in heshan_vetting.__all__)
    assert missing == []
    undocumented = sorted(t for t in types if not (getattr(heshan_vetting, t).__doc__ or "").strip())
    assert undocumented == []


def test_every_public_name_is_documented() -> None:
    undocumented = []
    for name in heshan_vetting.__all__:
        obj = getattr(heshan_vetting, name)
        if name.startswith("__") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if not (obj.__doc__ or "").strip():
            undocumented.append(name)
    assert undocumented == []


def test_the_version_has_one_source() -> None:
    from importlib import metadata

    assert metadata.version("heshan-vetting") == heshan_vetting.__version__
    assert 'dynamic = ["version"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
