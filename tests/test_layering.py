"""The architecture holds: one declared order of layers, no private names across modules, nothing global at import.

The contract is :data:`LAYERS` (the package, top to bottom) and :data:`INSIDE` (the same inside each subpackage),
the way import-linter's "layers" contracts are written: a module may import only from layers below its own;
peers in one layer (``a | b``) are independent and may not import each other. docs/architecture.md draws it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "heshan_vetting"

LAYERS: tuple[str, ...] = (
    "__main__",
    "cli | testing | hookdoc",
    "impact",
    "runner | packinit | rulesdoc | schemas",
    "permu | packtests | impact_render",
    "impact_report",
    "packdiff",
    "config",
    "vetter",
    "plugins | batch | decisions",
    "builtins",
    "hookspecs",
    "evaluation",
    "engines",
    "packs",
    "extension | ledger",
    "lang | model | project_template | results | waivers",
    "fields | report | units | industry | inputs | output",
    "terms",
    "errors | jsonwriter | limits | version",
)
"""The package from the top down; ``__init__`` (the public face) may import anything and is imported by no module."""

INSIDE: dict[str, tuple[str, ...]] = {
    "lang": ("compiler | parser", "ops", "types", "syntax | values"),
    "packs": (
        "compiler | coverage | env | lint",
        "commitments",
        "data",
        "compiled | load",
        "merge",
        "schema",
        "evalschema",
        "basics",
    ),
    "permu": (
        "command",
        "html | render",
        "agreements | movement | score | targets",
        "conditions",
        "compile",
        "register",
        "arguments | classing | results",
    ),
    "engines": ("columnar | durable", "native", "protocol"),
    "engines.columnar": ("engine", "vector"),
    "engines.durable": ("host", "layout", "translate", "dnf"),
    "evaluation": (
        "explain",
        "pipeline",
        "plugin_run",
        "commitments | explain_text | findings | scoring | solve | verdict | waivers",
        "trusted",
    ),
    "builtins": ("engines | jsonl_loader | render | scoring | shipped_packs | toml_loader | units",),
    "builtins.render": (
        "parts",
        "csv | html | json | markdown | text",
        "glossary | html_parts | html_style | layout | words",
    ),
    "inputs": ("discover | messages | toml", "files | toml_scan"),
}
"""Each subpackage's modules, top down (a subpackage's ``__init__`` is its face: it only hands names on)."""


def _rank(layers: tuple[str, ...]) -> dict[str, int]:
    return {name.strip(): i for i, layer in enumerate(layers) for name in layer.split("|")}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name, e.g. heshan_vetting.packs.load
    target: str  # dotted module imported from (or the module itself), e.g. heshan_vetting.packs.merge
    names: tuple[str, ...]
    line: int
    in_function: bool


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module(p): p for p in sorted(PKG.rglob("*.py"))}


def _imports(path: Path) -> Iterator[Import]:
    me = _module(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inner = {id(n) for f in functions for n in ast.walk(f) if n is not f}
    modules = set(_modules())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{me}:{node.lineno}: use absolute imports (from heshan_vetting.… import …)"
            if node.module is None or not node.module.startswith("heshan_vetting"):
                continue
            for alias in node.names:  # "from heshan_vetting.lang import syntax" imports the module syntax
                sub = f"{node.module}.{alias.name}"
                target = sub if sub in modules else node.module
                yield Import(me, target, (alias.name,), node.lineno, id(node) in inner)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("heshan_vetting"):
                    yield Import(me, alias.name, (), node.lineno, id(node) in inner)


def _where(module: str) -> tuple[str, ...]:
    return tuple(module.split(".")[1:])


def _violation(imp: Import) -> str | None:
    """Why this import breaks the layers, or None."""
    a, b = _where(imp.importer), _where(imp.target)
    if a == ():
        return None  # the package face hands on the public names
    if b == ():
        return "imports the package face (import the module that defines the name)"
    if a == b or b[: len(a)] == a:
        return None  # itself, or a package face handing on its own modules' names
    if a[: len(b)] == b:
        return "imports its own package's face (import the module itself)"
    k = 0
    while a[k] == b[k]:
        k += 1
    scope = a[:k]
    key = ".".join(scope)
    layers = LAYERS if not scope else INSIDE.get(key)
    if layers is None:
        return f"{key} has no declared layers in INSIDE"
    rank = _rank(layers)
    mine, theirs = a[len(scope)], b[len(scope)]
    for name in (mine, theirs):
        if name not in rank:
            return f"{'.'.join((*scope, name))} is in no declared layer"
    if rank[mine] < rank[theirs]:
        return None
    if rank[mine] == rank[theirs]:
        return f"{mine} and {theirs} are independent peers"
    return f"{mine} is below {theirs}"


def test_every_module_is_in_a_declared_layer() -> None:
    unplaced = []
    for module in _modules():
        where = _where(module)
        for depth in range(len(where)):
            scope, name = ".".join(where[:depth]), where[depth]
            layers = LAYERS if not scope else INSIDE.get(scope, ())
            if name not in _rank(layers) and name != "__init__" and not (depth == 0 and name == "__init__"):
                unplaced.append(module)
                break
    assert unplaced == [], "place these modules in LAYERS / INSIDE (and in docs/architecture.md)"


def test_imports_follow_the_declared_layers() -> None:
    problems = [
        f"{imp.importer}:{imp.line} imports {imp.target}: {why}"
        for path in _modules().values()
        for imp in _imports(path)
        if (why := _violation(imp)) is not None
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("importer", "target", "expected"),
    [
        ("heshan_vetting.lang.compiler", "heshan_vetting.packs.load", "lang is below packs"),
        ("heshan_vetting.cli", "heshan_vetting.testing", "cli and testing are independent peers"),
        ("heshan_vetting.packs.merge", "heshan_vetting.packs.load", "merge is below load"),
        (
            "heshan_vetting.packs.load",
            "heshan_vetting.packs",
            "imports its own package's face (import the module itself)",
        ),
        ("heshan_vetting.engines.durable.dnf", "heshan_vetting.engines.durable.host", "dnf is below host"),
        ("heshan_vetting.vetter", "heshan_vetting.packs.load", None),
        ("heshan_vetting.cli", "heshan_vetting", "imports the package face (import the module that defines the name)"),
        ("heshan_vetting.engines.durable.host", "heshan_vetting.engines.protocol", None),
        ("heshan_vetting.newthing", "heshan_vetting.errors", "newthing is in no declared layer"),
    ],
)
def test_the_contract_can_fail(importer: str, target: str, expected: str | None) -> None:
    assert _violation(Import(importer, target, ("x",), 1, in_function=False)) == expected


def _private_uses(path: Path) -> Iterator[str]:
    me = _module(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: set[str] = set()
    for imp in _imports(path):
        for name in imp.names:
            if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
                yield f"{me}:{imp.line} imports {imp.target}.{name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("heshan_vetting"):
            aliases.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            aliases.update(a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("heshan_vetting"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            yield f"{me}:{node.lineno} uses {node.value.id}.{node.attr}"


def _defined(tree: ast.AST) -> set[str]:
    own: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            own.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            own.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            own.add(node.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            own.add(node.target.id)
    return own


def _foreign_private_attributes(path: Path) -> Iterator[str]:
    """``obj._name`` where ``obj`` is not ``self``/``cls``, this module defines no ``_name`` and another module of
    the package does (a private of ours used across modules; third-party privates such as argparse's are not ours)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = _defined(tree)
    ours = {n for p in _modules().values() if p != path for n in _defined(ast.parse(p.read_text(encoding="utf-8")))}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr not in own
            and node.attr in ours
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            yield f"{_module(path)}:{node.lineno} uses {ast.unparse(node)}"


def test_no_module_uses_another_modules_private_names() -> None:
    found = [use for path in _modules().values() for use in _private_uses(path)]
    assert found == []
    found = [use for path in _modules().values() for use in _foreign_private_attributes(path)]
    assert found == []


def test_the_private_name_check_can_fail(tmp_path: Path) -> None:
    fake = PKG / "_layering_probe_never_committed.py"
    assert not fake.exists()
    try:
        fake.write_text(
            "from heshan_vetting.lang.values import _hidden\nfrom heshan_vetting.lang import values\nvalues._other\n"
            "def f(vetter):\n    return vetter._check_one\n",
            encoding="utf-8",
        )
        found = [*_private_uses(fake), *_foreign_private_attributes(fake)]
    finally:
        fake.unlink()
    assert found == [
        "heshan_vetting._layering_probe_never_committed:1 imports heshan_vetting.lang.values._hidden",
        "heshan_vetting._layering_probe_never_committed:3 uses values._other",
        "heshan_vetting._layering_probe_never_committed:5 uses vetter._check_one",
    ]


def test_only_the_durable_host_imports_durable_rules() -> None:
    offenders = [
        str(p.relative_to(PKG))
        for p in PKG.rglob("*.py")
        if p.relative_to(PKG).as_posix() != "engines/durable/host.py"
        and any(
            (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "durable" for a in n.names))
            or (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "durable")
            for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        )
    ]
    assert offenders == []


def test_import_loads_no_plugins_and_starts_no_threads() -> None:
    code = (
        "import threading, sys\n"
        "before = threading.active_count()\n"
        "import heshan_vetting\n"
        "assert threading.active_count() == before, 'threads started at import'\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(('heshan_vetting.builtins', 'durable')))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # no built-in plugin is imported (let alone registered) by importing the package, nor durable-rules
    assert out.stdout.strip() == ""


def test_each_vetter_owns_its_plugin_manager_and_units() -> None:
    from heshan_vetting import Vetter

    a, b = Vetter(), Vetter()
    assert a.hooks.pm is not b.hooks.pm
    assert a.units is not b.units
    assert a.units.registry is not b.units.registry


def test_architecture_doc_names_every_module() -> None:
    doc = (PKG.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = []
    for module in _modules():
        where = _where(module)
        if not where or where[-1] in ("__init__", "__main__"):
            continue
        if f"`{where[-1]}`" not in doc and f"`{where[-1]}/`" not in doc:
            missing.append(module)
    assert missing == [], "name these modules in docs/architecture.md"
