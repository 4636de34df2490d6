"""The documented input limits (heshan_vetting.limits): at each limit the input works, on both engines; one past it
is an InputError naming file, line, column and field, and the CLI exits 2, never 3 (issue 9, defects 5, 6 and 7)."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import InputError, Outcome, ProjectError, RulePackError, Vetter
from heshan_vetting import lang as ast
from heshan_vetting.cli import main
from heshan_vetting.inputs.toml import parse_toml
from heshan_vetting.lang.compiler import Compiler
from heshan_vetting.lang.types import CompileError
from heshan_vetting.limits import (
    MAX_CONDITION_DEPTH,
    MAX_CONDITION_LENGTH,
    MAX_CONDITION_NODES,
    MAX_INPUT_BYTES,
    MAX_PACK_NUMBER,
    MAX_TOML_DEPTH,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from heshan_vetting.engines.durable.host import unavailable_reason

_NO_DURABLE = unavailable_reason()


def needs_durable(test: Any) -> Any:
    """Mark a test ``durable`` and skip it, saying why, where durable-rules cannot be loaded."""
    return pytest.mark.durable(
        pytest.mark.skipif(_NO_DURABLE is not None, reason=f"durable engine: {_NO_DURABLE}")(test)
    )


ROOT = Path(__file__).resolve().parents[1]
PV = ROOT / "examples" / "projects" / "pv-module-plant.toml"
PACK_HEAD = """[pack]
id = "limits"
version = "1"
kind = "access"
title = { zh = "界限", en = "limits" }
jurisdiction = "CN"
"""
CITATION = 'citation = { title = "测试", status = "verified" }\n'
COND = "land_area > 100[亩]"


def rule(rid: str, require: str) -> str:
    assert "'" not in require
    return (
        f'\n[[rules]]\nid = "{rid}"\ntitle = {{ zh = "规则", en = "rule" }}\nseverity = "advisory"\n'
        f"require = '{require}'\n{CITATION}"
    )


def write(tmp_path: Path, text: str, name: str = "pack.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        Vetter(str(path))
    return info.value


def located(err: InputError, path: Path, fragment: str, field: str, occurrence: int = 1, after: str = "") -> None:
    """``err`` names ``path`` and ``field`` and points at the ``occurrence``-th ``fragment`` after ``after``."""
    assert err.file == str(path), err
    assert err.field == field, err
    text = path.read_text(encoding="utf-8")
    at = text.index(after) - 1 if after else -1
    for _ in range(occurrence):
        at = text.index(fragment, at + 1)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    assert (err.line, err.column) == (line, column), (err, line, column)
    assert err.message_en
    assert err.message_zh
    assert err.message_en != err.message_zh


def exit_code(*argv: str) -> int:
    return main(["check", *argv])


def nodes(node: Any) -> Iterator[Any]:
    """Every node of a syntax tree (an independent walk over the dataclass fields)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        for f in fields(n):
            value = getattr(n, f.name)
            items = value if isinstance(value, tuple) else (value,)
            todo.extend(v for v in items if is_dataclass(v))


def height(node: Any) -> int:
    kids = [
        v
        for f in fields(node)
        for v in (getattr(node, f.name) if isinstance(getattr(node, f.name), tuple) else (getattr(node, f.name),))
        if is_dataclass(v)
    ]
    return 1 + max((height(k) for k in kids), default=0)


# -- conditions: depth, size, length (defect 5) --------------------------------------------------------------------

M = MAX_CONDITION_DEPTH
AT_LIMIT = {
    # each equals (land_area > 100 亩), nested as deeply as allowed
    "PARENS": "(" * M + COND + ")" * M,
    "NOTS": "not " * (M - 2) + COND,  # Compare over Name is 2 deep; M - 2 is even
    "NEG": "-" * (M - 2) + "land_area > 100[亩]",
    "SUM": " + ".join(["land_area"] * (M - 1)) + f" > {100 * (M - 1)}[亩]",
    "MIXED": "(" * (M - 1) + "not " * (M - 4) + COND + ")" * (M - 1),
    "LENGTH": COND.ljust(MAX_CONDITION_LENGTH),
}
_terms = (MAX_CONDITION_NODES - 1 - 4) // 3  # comparisons of 3 nodes, one membership of 4, the "or"
AT_LIMIT["NODES"] = " or ".join([COND] * _terms + ['industry_code in ["X9"]'])


def test_the_conditions_at_the_limits_are_as_deep_and_large_as_allowed() -> None:
    trees = {k: ast.parse(v) for k, v in AT_LIMIT.items()}
    for key in ("NOTS", "NEG", "SUM"):
        assert height(trees[key]) == M, key
    assert len(list(nodes(trees["NODES"]))) == MAX_CONDITION_NODES
    assert len(AT_LIMIT["LENGTH"]) == MAX_CONDITION_LENGTH


@pytest.fixture(scope="module")
def limit_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("limits") / "pack.toml"
    path.write_text(PACK_HEAD + "".join(rule(k, v) for k, v in AT_LIMIT.items()), encoding="utf-8")
    return path


def _check_at_limit(vetter: Vetter) -> None:
    for land, expected in (("180 亩", Outcome.PASS), ("50 亩", Outcome.FAIL)):
        report = vetter.check({"id": "L-1", "name": "界限", "land_area": land, "industry_code": "C3825"})
        outcomes = {f.rule_id: f.outcome for f in report.findings}
        assert outcomes == dict.fromkeys(AT_LIMIT, expected), land


def test_conditions_at_the_limits_compile_and_decide_correctly_native(limit_pack: Path) -> None:
    _check_at_limit(Vetter(str(limit_pack)))


@needs_durable
def test_conditions_at_the_limits_compile_and_decide_correctly_durable(limit_pack: Path) -> None:
    _check_at_limit(Vetter(str(limit_pack), engine="durable"))


@pytest.mark.parametrize(
    "engine",
    [
        "native",
        pytest.param(
            "durable",
            marks=[
                pytest.mark.durable,
                pytest.mark.skipif(_NO_DURABLE is not None, reason=f"durable engine: {_NO_DURABLE}"),
            ],
        ),
    ],
)
def test_at_the_limits_every_walk_stays_far_below_the_recursion_limit(limit_pack: Path, engine: str) -> None:
    """Parsing, compiling, translating for durable-rules and checking fit in 400 frames: 60% of Python's default
    recursion limit is left for the caller."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 400)
    try:
        _check_at_limit(Vetter(str(limit_pack), engine=engine))
    finally:
        sys.setrecursionlimit(old)


PAST_LIMIT = [
    # (id, condition, the text the error must point at (its first occurrence), which one)
    ("parens", "(" * (M + 1) + COND + ")" * (M + 1), "(", M + 1),
    ("nots", "not " * (M - 1) + COND, "not", 1),
    ("neg", "-" * (M - 1) + "land_area > 100[亩]", ">", 1),  # the 31 signs are 32 deep: the comparison is 33
    ("sum", " + ".join(["land_area"] * M) + " > 100[亩]", ">", 1),  # the sum is 32 deep: the comparison is 33
    ("index", "min_x[" * (M + 1) + "industry_code" + "]" * (M + 1), "[", M + 1),
    ("list", "industry_code in " + "[" * (M + 1) + "]" * (M + 1), "[", M + 1),
    ("nodes", AT_LIMIT["NODES"].replace(COND, "not " + COND, 1), "or industry_code", 1),  # the last node: "or"
    ("length", AT_LIMIT["LENGTH"] + " ", None, 0),
    ("issue-150-parens", "(" * 150 + COND + ")" * 150, "(", M + 1),
    ("issue-10000-nots", "not " * 10_000 + COND, None, 0),
    ("issue-1000-term-sum", " + ".join(["land_area"] * 1000) + " > 0[亩]", None, 0),
    ("short-1000-term-sum", "+".join(["a"] * 1000), None, 0),
]


@pytest.mark.parametrize(("cid", "cond", "fragment", "occurrence"), PAST_LIMIT, ids=[p[0] for p in PAST_LIMIT])
def test_a_condition_past_a_limit_is_a_located_pack_error(
    tmp_path: Path, cid: str, cond: str, fragment: str | None, occurrence: int
) -> None:
    path = write(tmp_path, PACK_HEAD + rule("R1", cond))
    err = load_error(path)
    assert isinstance(err, RulePackError)
    if fragment is None:  # too long: the column is where the excess starts
        text = path.read_text(encoding="utf-8")
        assert err.file == str(path)
        assert err.field == "rules[0].require"
        assert err.line == text[: text.index("require")].count("\n") + 1
        assert err.column is not None
        assert "characters long" in err.message_en or "nests too deeply" in err.message_en
    else:
        located(err, path, fragment, "rules[0].require", occurrence, after="require =")
    assert exit_code(str(PV), "--pack", str(path)) == 2


def test_the_messages_say_which_limit(tmp_path: Path) -> None:
    deep = load_error(write(tmp_path, PACK_HEAD + rule("R1", "not " * M + COND)))
    assert f"at most {M} levels" in deep.message_en
    assert f"最多 {M} 层" in deep.message_zh
    parens = load_error(write(tmp_path, PACK_HEAD + rule("R1", "(" * (M + 1) + COND + ")" * (M + 1))))
    assert f"at most {M} may be open" in parens.message_en
    big = load_error(write(tmp_path, PACK_HEAD + rule("R1", AT_LIMIT["NODES"].replace(COND, "not " + COND, 1))))
    assert f"at most {MAX_CONDITION_NODES}" in big.message_en
    long = load_error(write(tmp_path, PACK_HEAD + rule("R1", AT_LIMIT["LENGTH"] + " ")))
    assert f"at most {MAX_CONDITION_LENGTH:,}" in long.message_en


@pytest.mark.parametrize("key", ["applies_if", "value", "when", "expr"])
def test_every_kind_of_condition_has_the_limits(tmp_path: Path, key: str) -> None:
    deep = "not " * M + COND
    bodies = {
        "applies_if": rule("R1", COND).replace("require", f"applies_if = '{deep}'\nrequire"),
        "value": '\n[[indicators]]\nid = "I1"\ntitle = { zh = "指标", en = "ind" }\n'
        f"value = '{' + '.join(['land_area'] * (M + 1))}'\nunit = \"亩\"\nweight = 1\nfloor = 0\ntarget = 1\n"
        + CITATION,
        "when": '\n[[labels]]\nid = "L1"\ntitle = { zh = "标签", en = "label" }\n'
        f'cases = [{{ when = \'{deep}\', value = {{ zh = "是", en = "yes" }} }}]\n' + CITATION,
        "expr": f'\n[derived.d1]\ntitle = {{ zh = "派生", en = "derived" }}\nexpr = \'{"-" * (M + 1)}land_area\'\n'
        'unit = "亩"\n',
    }
    path = write(tmp_path, PACK_HEAD + bodies[key])
    err = load_error(path)
    fields_ = {
        "applies_if": "rules[0].applies_if",
        "value": "indicators[0].value",
        "when": "labels[0].cases[0].when",
        "expr": "derived.d1.expr",
    }
    assert err.field == fields_[key], err
    assert err.line is not None, err
    assert err.column is not None, err


def test_nested_comparisons_compile_in_linear_time() -> None:
    """Each comparison used to compile its left side twice (once to probe its type): 2^depth work."""
    vetter = Vetter()
    src = "(" * 30 + "land_area > 1[亩]" + ") == true" * 30
    started = time.perf_counter()
    with pytest.raises(CompileError, match="must be a number"):
        Compiler(vetter.units, vetter.pack.namespace).compile_bool(ast.parse(src))
    assert time.perf_counter() - started < 2.0


def test_a_long_chain_of_derived_metrics_compiles_and_explains_its_missing_facts(tmp_path: Path) -> None:
    """Derived metrics were ordered, and their missing facts found, by recursion (and the latter in exponential
    time through diamonds): 1,500 metrics, each reading the previous one twice, over a missing fact."""
    n = 1500
    parts = ['\n[derived.d0]\ntitle = { zh = "d", en = "d" }\nexpr = "land_area"\nunit = "亩"\n']
    for i in range(1, n):
        parts.append(
            f'\n[derived.d{i}]\ntitle = {{ zh = "d", en = "d" }}\n'
            f'expr = "d{i - 1} + d{i - 1} - d{i - 1}"\nunit = "亩"\n'
        )
    path = write(tmp_path, PACK_HEAD + "".join(parts) + rule("R1", f"d{n - 1} > 100[亩]"))
    vetter = Vetter(str(path))
    report = vetter.check({"id": "D-1", "name": "链"})
    f = report.findings[0]
    assert f.outcome is Outcome.INSUFFICIENT_DATA
    assert f.missing == ("land_area",)
    assert vetter.check({"id": "D-2", "name": "链", "land_area": "180 亩"}).findings[0].outcome is Outcome.PASS


def test_a_cycle_of_derived_metrics_is_still_a_located_error(tmp_path: Path) -> None:
    body = "".join(
        f'\n[derived.c{i}]\ntitle = {{ zh = "c", en = "c" }}\nexpr = "c{(i + 1) % 3}"\nunit = ""\n' for i in range(3)
    )
    err = load_error(write(tmp_path, PACK_HEAD + body + rule("R1", "c0 > 1")))
    assert "cycle: c0 → c1 → c2 → c0" in err.message_en
    assert err.field == "derived.c0.expr"
    assert err.line


# -- TOML nesting (defect 5) and the linear scan (defect 7) --------------------------------------------------------


def _deep(kind: str, depth: int) -> str:
    """A ``key = value`` line, or a header, whose longest key path is ``depth`` long."""
    if kind == "array":  # x, x[0], x[0][0], ...: the innermost array is empty
        return "x = " + "[" * depth + "]" * depth + "\n"
    if kind == "inline":
        return "x = " + "{a = " * (depth - 1) + "1" + "}" * (depth - 1) + "\n"
    if kind == "dotted":
        return ".".join(["a"] * depth) + " = 1\n"
    if kind == "header":
        return "[" + ".".join(["a"] * depth) + "]\n"
    if kind == "array-of-tables":  # [[t]] adds its index: t, 0, t, 0, ...
        return "".join(f"[[{'.'.join(['t'] * k)}]]\n" for k in range(1, depth // 2 + 1)) + (
            "k = 1\n" if depth % 2 else ""
        )
    raise AssertionError(kind)


def _path_lengths(data: Any) -> int:
    best = 0
    todo: list[tuple[Any, int]] = [(data, 0)]
    while todo:
        value, n = todo.pop()
        best = max(best, n)
        if isinstance(value, dict):
            todo.extend((v, n + 1) for v in value.values())
        elif isinstance(value, list):
            todo.extend((v, n + 1) for v in value)
    return best


KINDS = ["array", "inline", "dotted", "header", "array-of-tables"]


@pytest.mark.parametrize("kind", KINDS)
def test_toml_at_the_depth_limit_reads_as_tomllib_reads_it(kind: str) -> None:
    text = _deep(kind, MAX_TOML_DEPTH)
    doc = parse_toml(text, "t.toml", ProjectError)
    assert doc.data == tomllib.loads(text)
    assert _path_lengths(doc.data) == MAX_TOML_DEPTH


@pytest.mark.parametrize("kind", KINDS)
def test_toml_past_the_depth_limit_is_a_located_error(kind: str) -> None:
    text = _deep(kind, MAX_TOML_DEPTH + 1)
    with pytest.raises(ProjectError, match="nested too deeply") as info:
        parse_toml(text, "t.toml", ProjectError)
    err = info.value
    assert err.file == "t.toml"
    assert err.line is not None
    assert err.column is not None
    assert err.field
    assert f"at most {MAX_TOML_DEPTH} levels" in err.message_en
    assert str(MAX_TOML_DEPTH) in err.message_zh


@pytest.mark.parametrize("kind", ["array", "inline", "dotted", "header"])
def test_a_project_file_nested_100000_deep_is_a_located_project_error(tmp_path: Path, kind: str) -> None:
    """The issue's reproduction: a RecursionError (exit 3) before; now a located ProjectError (exit 2), at once."""
    path = tmp_path / "deep.toml"
    path.write_text(PV.read_text(encoding="utf-8") + _deep(kind, 100_000), encoding="utf-8")
    started = time.process_time()
    with pytest.raises(ProjectError, match="nested too deeply") as info:
        Vetter().load(path)
    assert time.process_time() - started < 5
    err = info.value
    assert err.file == str(path)
    assert err.line == PV.read_text(encoding="utf-8").count("\n") + 1
    assert exit_code(str(path)) == 2


def test_a_dotted_key_of_100000_parts_is_refused_at_once(tmp_path: Path) -> None:
    """200 KB: ``a.a.a...`` took over 100 s and 17 GB in tomllib (quadratic in the parts) before its error."""
    path = tmp_path / "dots.toml"
    path.write_text('id = "x"\nname = "y"\n' + "a" + ".a" * 100_000 + " = 1\n", encoding="utf-8")
    started = time.process_time()
    with pytest.raises(ProjectError, match="nested too deeply") as info:
        Vetter().load(path)
    assert time.process_time() - started < 5
    assert (info.value.line, info.value.column) == (3, 2 * MAX_TOML_DEPTH + 1)


def _scan_seconds(text: str) -> float:
    best = float("inf")
    for _ in range(2):
        started = time.process_time()
        parse_toml(text, "t.toml", ProjectError)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "".join(f"a.b{i} = {i}\n" for i in range(n)),  # many dotted keys in one table
        lambda n: "".join(f'[[t]]\nk = "{i}"\n' for i in range(n)),  # many array-of-tables entries
        lambda n: "x = [" + ", ".join(f'{{a = {i}, b = "s"}}' for i in range(n)) + "]\n",  # one long inline array
        lambda n: 'x = """' + 'a\\"' * n + '"""\n',  # one long multi-line string with escapes
    ],
    ids=["dotted-keys", "array-of-tables", "inline-array", "long-string"],
)
def test_reading_toml_takes_linear_time(make: Any) -> None:
    small, large = _scan_seconds(make(2_000)), _scan_seconds(make(8_000))
    assert large < 8 * max(small, 0.005), (small, large)  # 4x the input: linear, with room for noise


# -- files: pipes, devices, size (defect 7) ------------------------------------------------------------------------

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")


@needs_fifo
def test_a_named_pipe_as_project_file_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "project.toml"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "check", str(fifo)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 2, proc.stderr
    assert f"{fifo}: " in proc.stderr
    assert "named pipe (FIFO), not a regular file" in proc.stderr
    assert "命名管道" in proc.stderr


@needs_fifo
def test_a_named_pipe_as_pack_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pack.toml"
    os.mkfifo(fifo)
    with pytest.raises(RulePackError, match="named pipe") as info:
        Vetter(str(fifo))
    assert info.value.file == str(fifo)
    assert exit_code(str(PV), "--pack", str(fifo)) == 2


@needs_fifo
def test_a_named_pipe_beside_packs_is_skipped_not_waited_for(tmp_path: Path) -> None:
    """Packs are found by reading every *.toml of a pack directory: a pipe among them must not block."""
    os.mkfifo(tmp_path / "stray.toml")
    write(tmp_path, PACK_HEAD.replace('id = "limits"', 'id = "mine"') + rule("R1", COND), "mine.toml")
    assert Vetter("mine", pack_paths=[tmp_path]).pack.id == "mine"
    with pytest.raises(RulePackError, match=r"stray\.toml"):
        Vetter("nothing-here", pack_paths=[tmp_path])


def test_a_device_is_refused() -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(ProjectError, match="character device") as info:
        Vetter().load("/dev/zero")
    assert info.value.file == "/dev/zero"
    with pytest.raises(RulePackError, match="character device"):
        Vetter("/dev/zero")


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    data = PV.read_bytes()
    path.write_bytes(data + b"#" * (MAX_INPUT_BYTES - len(data) - 1) + b"\n")
    assert path.stat().st_size == MAX_INPUT_BYTES
    assert Vetter().load(path)[0].id  # exactly at the limit: read
    with path.open("a", encoding="utf-8") as out:
        out.write("\n")
    with pytest.raises(ProjectError, match="larger than") as info:
        Vetter().load(path)
    assert info.value.file == str(path)


# -- numbers out of range (defect 6) -------------------------------------------------------------------------------

TH = '\n[thresholds.th]\ntitle = { zh = "阈值", en = "threshold" }\nunit = "万元"\nvalue = VALUE\n' + CITATION
IND = (
    '\n[[indicators]]\nid = "I1"\ntitle = { zh = "指标", en = "indicator" }\nvalue = "land_area"\nunit = "亩"\n'
    "weight = WEIGHT\nfloor = FLOOR\ntarget = TARGET\n" + CITATION
)
TABLE = (
    '\n[tables.tb]\ntitle = { zh = "表", en = "table" }\nunit = "万元"\ndefault = DEFAULT\n'
    "[tables.tb.rows]\nC38 = ROW\n"
)
VERDICT = "\n[verdict]\napprove_min = APPROVE\nconditional_min = 10\n" + CITATION


def ind(weight: str = "10", floor: str = "0", target: str = "100") -> str:
    return IND.replace("WEIGHT", weight).replace("FLOOR", floor).replace("TARGET", target)


NUMBER_CASES = [
    # (id, pack body, the text the error points at, field)
    ("literal-1e99999", rule("R1", "land_area > 1e99999[亩]"), "1e99999", "rules[0].require"),
    ("literal-3000-digits", rule("R1", "land_area > " + "9" * 3000), "9" * 3000, "rules[0].require"),
    ("literal-past-limit", rule("R1", "land_area > 1000000000000001[亩]"), "1000000000000001", "rules[0].require"),
    ("literal-underflow", rule("R1", "land_area > 1e-400[亩]"), "1e-400", "rules[0].require"),
    ("threshold-nan", TH.replace("VALUE", "nan"), "nan", "thresholds.th.value"),
    ("threshold-inf", TH.replace("VALUE", "inf"), "inf", "thresholds.th.value"),
    ("threshold-minus-inf", TH.replace("VALUE", "-inf"), "-inf", "thresholds.th.value"),
    ("threshold-1e99999", TH.replace("VALUE", "1e99999"), "1e99999", "thresholds.th.value"),
    ("threshold-5000-digits", TH.replace("VALUE", "9" * 5000), "9" * 5000, "thresholds.th.value"),
    ("threshold-past-limit", TH.replace("VALUE", "1.000001e15"), "1.000001e15", "thresholds.th.value"),
    ("threshold-text-inf", TH.replace("VALUE", '"inf 万元"'), '"inf 万元"', "thresholds.th.value"),
    ("threshold-text-1e99999", TH.replace("VALUE", '"1e99999 万元"'), '"1e99999 万元"', "thresholds.th.value"),
    ("threshold-text-past-limit", TH.replace("VALUE", '"2e15 万元"'), '"2e15 万元"', "thresholds.th.value"),
    ("threshold-inf-once-converted", TH.replace("VALUE", '"1e12 亿元"'), '"1e12 亿元"', "thresholds.th.value"),
    ("threshold-text-underflow", TH.replace("VALUE", '"1e-400 万元"'), '"1e-400 万元"', "thresholds.th.value"),
    (
        "threshold-unit-factor-overflows",
        TH.replace('unit = "万元"', 'unit = "元**40"').replace("VALUE", '"1 亿元**40"'),
        '"1 亿元**40"',
        "thresholds.th.value",
    ),
    (
        "dated-value-past-limit",
        TH.replace("value = VALUE", "[[thresholds.th.values]]\nvalue = 1e16"),
        "1e16",
        "thresholds.th.values[0].value",
    ),
    ("weight-1e308", ind(weight="1e308"), "1e308", "indicators[0].weight"),
    ("weight-inf", ind(weight="inf"), "inf", "indicators[0].weight"),
    ("weight-nan", ind(weight="nan"), "nan", "indicators[0].weight"),
    ("floor-inf", ind(floor="inf"), "inf", "indicators[0].floor"),
    ("floor-minus-inf", ind(floor="-inf"), "-inf", "indicators[0].floor"),
    ("target-nan", ind(target="nan"), "nan", "indicators[0].target"),
    ("target-text-converted", ind(target='"1e14 公顷"'), '"1e14 公顷"', "indicators[0].target"),  # 1.5e15 亩
    ("table-row-1e16", TABLE.replace("DEFAULT", "0").replace("ROW", "1e16"), "1e16", "tables.tb.rows.C38"),
    ("table-default-nan", TABLE.replace("DEFAULT", "nan").replace("ROW", "1"), "nan", "tables.tb.default"),
    ("table-int-past-64-bits", TABLE.replace("DEFAULT", "0").replace("ROW", "9" * 20), "9" * 20, "tables.tb.rows.C38"),
    ("approve-min-nan", VERDICT.replace("APPROVE", "nan"), "nan", "verdict.approve_min"),
    ("precision-inf", rule("R1", COND) + "precision = inf\n", "inf", "rules[0].precision"),
]


@pytest.mark.parametrize(("cid", "body", "fragment", "field"), NUMBER_CASES, ids=[c[0] for c in NUMBER_CASES])
def test_a_number_out_of_range_is_a_located_pack_error(
    tmp_path: Path, cid: str, body: str, fragment: str, field: str
) -> None:
    path = write(tmp_path, PACK_HEAD + body)
    err = load_error(path)
    assert isinstance(err, RulePackError), err
    located(err, path, fragment, field, occurrence=1 if fragment not in PACK_HEAD else 2)


@pytest.mark.parametrize(
    "cid", ["literal-1e99999", "threshold-nan", "weight-1e308", "floor-inf", "threshold-5000-digits"]
)
def test_the_issues_numbers_exit_2_not_3(tmp_path: Path, cid: str, capsys: pytest.CaptureFixture[str]) -> None:
    body = next(c[1] for c in NUMBER_CASES if c[0] == cid)
    path = write(tmp_path, PACK_HEAD + body)
    assert exit_code(str(PV), "--pack", str(path)) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert f"{path}:" in err


def test_numbers_at_the_limit_are_accepted_and_used(tmp_path: Path) -> None:
    """1e15 as a literal, a threshold (bare and as a quantity converted to 1e15), a table value, weights; three
    weights of 1e15 sum without overflow and score as any weights would."""
    body = (
        TH.replace("VALUE", '"1e11 亿元"')  # 1e15 万元 once converted
        + TABLE.replace("DEFAULT", "-1e15").replace("ROW", "1e15")
        + rule("LIT", "total_investment < 1e15[万元]")
        + rule("TH", "total_investment < th")
        + rule("TB", "total_investment < tb[industry_code]")
        + "".join(ind(weight="1e15", floor="0", target="100").replace('id = "I1"', f'id = "I{i}"') for i in range(3))
        + VERDICT.replace("APPROVE", "50")
    )
    vetter = Vetter(str(write(tmp_path, PACK_HEAD + body)))
    assert vetter.pack.thresholds["th"].values[0][2] == MAX_PACK_NUMBER
    report = vetter.check(
        {"id": "N-1", "name": "n", "total_investment": "5 亿元", "land_area": "50 亩", "industry_code": "C3825"}
    )
    assert {f.rule_id: f.outcome for f in report.findings} == dict.fromkeys(["LIT", "TB", "TH"], Outcome.PASS)
    assert report.score is not None
    assert report.score.total == 50.0
    assert [i.points for i in report.score.indicators] == [16.67, 16.67, 16.67]


def test_a_project_file_number_toml_cannot_hold_is_a_located_project_error(tmp_path: Path) -> None:
    for value, needle in (("9" * 5000, "64-bit"), ("1e99999", "too large"), ("1e-400", "too small")):
        path = write(tmp_path, f'id = "X"\nname = "n"\nemployees = {value}\n', "p.toml")
        with pytest.raises(ProjectError, match=needle) as info:
            Vetter().load(path)
        located(info.value, path, value, "employees")
