"""Every walk over the condition tree is exhaustive: a ``match`` over the node classes that ends in
``case _: assert_never(node)``, so that a new node kind is a mypy error wherever it must be handled.

The source is checked by its syntax (no default branch, no ``isinstance`` chain over node kinds, no dispatch by
a node's class name), and mypy is run once on a walker that misses a kind, to show the check bites.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

from heshan_vetting.lang import syntax

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "heshan_vetting"
NODE_CLASSES = frozenset(cls.__name__ for cls in typing.get_args(syntax.Node))


def test_the_node_union_is_what_the_checks_know() -> None:
    known = {
        "Num", "Str", "BoolLit", "Name", "Index", "ListLit", "Unary", "BinOp", "Compare", "BoolOp", "Not",
        "Member", "Prefix", "Present",
    }  # fmt: skip
    assert known == NODE_CLASSES


def _class_name(expr: ast.expr) -> str | None:
    """``Num`` for ``Num`` or ``ast.Num`` (any module alias), if it names a node class."""
    name = expr.attr if isinstance(expr, ast.Attribute) else expr.id if isinstance(expr, ast.Name) else None
    return name if name in NODE_CLASSES else None


def _pattern_classes(pattern: ast.pattern) -> Iterator[str]:
    for sub in ast.walk(pattern):
        if isinstance(sub, ast.MatchClass) and (name := _class_name(sub.cls)) is not None:
            yield name


def _is_assert_never(case: ast.match_case, subject: ast.expr) -> bool:
    if not (isinstance(case.pattern, ast.MatchAs) and case.pattern.pattern is None and case.pattern.name is None):
        return False
    if case.guard is not None or len(case.body) != 1:
        return False
    stmt = case.body[0]
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    call = stmt.value
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name == "assert_never" and len(call.args) == 1 and ast.dump(call.args[0]) == ast.dump(subject)


def walker_problems(source: str, where: str) -> list[str]:
    """Why the walkers in ``source`` are not exhaustive (empty when they are)."""
    tree = ast.parse(source)
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Match):
            if not any(next(_pattern_classes(c.pattern), None) for c in node.cases):
                continue  # a match over something else than the tree
            *cases, last = node.cases
            if not _is_assert_never(last, node.subject):
                problems.append(f"{where}:{node.lineno}: a match over nodes must end in case _: assert_never(subject)")
            for case in cases:
                irrefutable = isinstance(case.pattern, ast.MatchAs) and case.pattern.pattern is None
                if irrefutable and case.guard is None:
                    problems.append(f"{where}:{case.pattern.lineno}: a default branch hides the kinds it catches")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            tested: dict[str, set[str]] = {}
            for sub in ast.walk(node):
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "isinstance":
                    if len(sub.args) != 2:
                        continue
                    kinds = sub.args[1].elts if isinstance(sub.args[1], ast.Tuple) else [sub.args[1]]
                    names = {n for k in kinds if (n := _class_name(k)) is not None}
                    if names:
                        tested.setdefault(ast.unparse(sub.args[0]), set()).update(names)
            for subject, names in sorted(tested.items()):
                if len(names) > 1:
                    problems.append(
                        f"{where}:{node.lineno}: {node.name} tells {subject} apart by isinstance "
                        f"({', '.join(sorted(names))}); use a match ending in assert_never"
                    )
        elif isinstance(node, ast.Dict) and sum(_class_name(k) is not None for k in node.keys if k is not None) > 1:
            problems.append(f"{where}:{node.lineno}: a table keyed by node classes is a walker mypy cannot check")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.BinOp)
        ):
            problems.append(f"{where}:{node.lineno}: dispatch by a computed method name hides the methods")
    return problems


def test_every_walker_over_the_tree_is_exhaustive() -> None:
    found = [
        problem
        for path in sorted(PKG.rglob("*.py"))
        for problem in walker_problems(path.read_text(encoding="utf-8"), str(path.relative_to(PKG)))
    ]
    assert found == []


def test_the_walkers_are_where_they_should_be() -> None:
    """The known walkers are matches (so a refactor that drops them back to if-chains is noticed)."""
    counts: dict[str, int] = {}
    for path in PKG.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = sum(1 for m in ast.walk(fn) if isinstance(m, ast.Match))
                if n:
                    counts[f"{path.relative_to(PKG).as_posix()}:{fn.name}"] = n
    expected = {
        "lang/syntax.py:walk", "lang/syntax.py:_prec", "lang/syntax.py:unparse", "lang/compiler.py:compile",
        "lang/compiler.py:probe_kind", "lang/compiler.py:members", "lang/compiler.py:_describe",
        "lang/compiler.py:ast_pos", "engines/durable/translate.py:value_kinds", "engines/durable/translate.py:walk",
        "packs/compiler.py:_threshold_named",
    }  # fmt: skip
    assert expected <= set(counts)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "def f(node):\n    match node:\n        case ast.Num():\n            return 1\n        case _:\n"
            "            return 0\n",
            ["m.py:2: a match over nodes must end in case _: assert_never(subject)"],
        ),
        (
            "def f(node):\n    match node:\n        case Num():\n            return 1\n        case other:\n"
            "            return 0\n        case _:\n            assert_never(node)\n",
            ["m.py:5: a default branch hides the kinds it catches"],
        ),
        (
            "def f(node):\n    if isinstance(node, ast.Name):\n        return 1\n"
            "    if isinstance(node, (ast.Unary, ast.Not)):\n        return 2\n    return 0\n",
            ["m.py:1: f tells node apart by isinstance (Name, Not, Unary); use a match ending in assert_never"],
        ),
        (
            "K = {ast.Num: 'num', ast.Str: 'str'}\n",
            ["m.py:1: a table keyed by node classes is a walker mypy cannot check"],
        ),
        (
            "def compile(self, node):\n    return getattr(self, '_c_' + type(node).__name__)(node)\n",
            ["m.py:2: dispatch by a computed method name hides the methods"],
        ),
        (
            "def f(node):\n    match node:\n        case ast.Num() | ast.Str():\n            return 1\n"
            "        case _:\n            assert_never(node)\n",
            [],
        ),
        ("def f(node):\n    return isinstance(node, ast.Num) and node.value == 0\n", []),
    ],
)
def test_the_walker_check_can_fail(source: str, expected: list[str]) -> None:
    assert walker_problems(source, "m.py") == expected


_PROBE = """
from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.syntax import assert_never


def kind(node: ast.Node) -> str:
    match node:
        case ast.Num() | ast.Index() | ast.Unary() | ast.BinOp():
            return "num"
        case ast.Str() | ast.Name() | ast.ListLit():
            return "text"
        case ast.BoolLit() | ast.Compare() | ast.BoolOp() | ast.Not() | ast.Member() | ast.Prefix(){last}:
            return "bool"
        case _:
            assert_never(node)
"""


@pytest.mark.skipif(shutil.which("mypy", path=str(Path(sys.executable).parent)) is None, reason="needs mypy")
def test_mypy_reports_a_node_kind_a_walker_misses(tmp_path: Path) -> None:
    """With Python 3.10's fallback ``assert_never`` (the oldest supported), a missed kind is a type error."""
    complete, missing = tmp_path / "complete.py", tmp_path / "missing.py"
    complete.write_text(_PROBE.format(last=" | ast.Present()"), encoding="utf-8")
    missing.write_text(_PROBE.format(last=""), encoding="utf-8")
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    assert mypy is not None
    run = subprocess.run(
        [mypy, "--strict", "--python-version", "3.10", "--follow-imports=silent", "--no-incremental",
         "--config-file", "/dev/null", str(complete), str(missing)],
        capture_output=True, text=True, cwd=tmp_path, env={"MYPYPATH": str(ROOT / "src"), "PATH": ""},
    )  # fmt: skip
    errors = [line for line in run.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, run.stdout + run.stderr
    assert errors[0].startswith(str(missing)) or errors[0].startswith("missing.py")
    assert 'Argument 1 to "assert_never" has incompatible type "Present"' in errors[0]
