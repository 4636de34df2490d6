"""Fuzzing the parsers (issue 9): project TOML text, rule packs and the condition language.

Random and mutated input gives a result or an :class:`InputError` naming the file (and the field, and the line where
there is one), never anything else. The number of examples scales with ``HESHAN_FUZZ_SCALE`` (see
``heshan_vetting.testing.fuzz_examples``).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from heshan_vetting import InputError, Report, Vetter
from heshan_vetting import lang as ast
from heshan_vetting.engines.durable.dnf import TooComplex
from heshan_vetting.engines.durable.translate import Translator
from heshan_vetting.lang.compiler import Compiler
from heshan_vetting.lang.values import Unknown
from heshan_vetting.limits import MAX_CONDITION_LENGTH
from heshan_vetting.packs.env import project_env, thresholds_env
from heshan_vetting.testing import fuzz_examples

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "projects").glob("*.toml"))
PROJECT_TEXTS = [p.read_text(encoding="utf-8") for p in EXAMPLES[:8]]
OPS_PACK = (ROOT / "tests" / "cases" / "_packs" / "ops.toml").read_text(encoding="utf-8")
PACK_TEXT = (
    OPS_PACK
    + """
[[indicators]]
id = "land"
title = { zh = "用地", en = "Land" }
applies_if = "land_area > 0[亩]"
value = "land_area"
unit = "亩"
weight = 2.5
floor = "1 公顷"
target = "300 亩"
citation = { title = "测试", status = "local_default" }

[[labels]]
id = "size"
title = { zh = "规模", en = "Size" }
cases = [
  { when = "total_investment >= 10[亿元]", value = { zh = "大", en = "large" } },
  { when = "total_investment >= 1[亿元]", value = { zh = "中", en = "medium" } },
]
otherwise = { zh = "小", en = "small" }
citation = { title = "测试", status = "verified" }

[[gaps]]
id = "G1"
title = { zh = "未编入", en = "Not encoded" }
reason = { zh = "测试", en = "test" }
"""
)
PROJECT = (ROOT / "tests" / "cases" / "18-ops-passing-values" / "project.toml").read_text(encoding="utf-8")

VETTER = Vetter()

FRAGMENTS = [
    "[", "]", "[[", "]]", "{", "}", "=", ",", ".", '"', "'", '"""', "'''", "#", "\n", "\r\n", " ", "\t", "\\", "\\u",
    "nan", "inf", "-inf", "+inf", "1e99999", "-1e99999", "1e308", "1e16", "1e15", "-0", "0", "9" * 30, "9" * 5000,
    "1e-400", "0x7fffffffffffffff", "0x8000000000000000", "1_000", "true", "2024-01-01", "2024-13-45", "07:30:00",
    '"180 亩"', '"1e99999 亩"', '"nan 万元"', '"5,000 万元"', '"0,3 亿元"', '"12.5亿"', '"-3 公顷"', '"180 米"',
    "land_area", "total_investment", "location", "town", "id", "name", "rules", "require", "weight", "floor",
    "value", "values", "a.b.c", "[a]", "[[rules]]", "[location]", "x = 1", "\u2028", "\x00", "é", "键",
    "[" * 40, "]" * 40, "{a=" * 40, "a." * 40, "not " * 40, "(" * 40, ")" * 40, "- " * 40, "a + " * 40,
]  # fmt: skip
NUMBERS = ["nan", "inf", "-inf", "1e99999", "1e308", "1e16", "1e15", "-1e15", "-0", "0", "0.0", "9" * 30, "1e-400"]


@st.composite
def mutated(draw: st.DrawFn, base: str) -> str:
    """``base`` with one to three edits: cuts, insertions, swapped or repeated lines, replaced numbers."""
    text = base
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["cut", "insert", "insert", "line", "number", "number"]))
        if kind == "cut":
            at = draw(st.integers(min_value=0, max_value=len(text)))
            text = text[:at] + text[at + draw(st.integers(min_value=1, max_value=40)) :]
        elif kind == "insert":
            at = draw(st.integers(min_value=0, max_value=len(text)))
            piece = draw(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)))
            text = text[:at] + piece + text[at:]
        elif kind == "line":
            lines = text.split("\n")
            i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            if draw(st.booleans()):
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines.insert(j, lines[i])
            text = "\n".join(lines)
        else:  # replace the n-th number written in the text
            digits = [i for i, c in enumerate(text) if c.isdigit() and (i == 0 or not text[i - 1].isalnum())]
            if digits:
                at = draw(st.sampled_from(digits))
                end = at
                while end < len(text) and (text[end].isalnum() or text[end] in "._+-"):
                    end += 1
                text = text[:at] + draw(st.sampled_from(NUMBERS)) + text[end:]
    return text


def check_input_error(err: InputError, path: Path) -> None:
    """An error about an input file names the file, the field or the line, in both languages."""
    assert err.file == str(path), err
    assert err.message_en.strip(), err
    assert err.message_zh.strip(), err
    if "not valid TOML" in err.message_en or "nested too deeply" in err.message_en:
        assert err.line is not None, err
    elif not any(
        s in err.message_en for s in ("not UTF-8", "larger than", "regular file", "No rule pack has", "cannot be read")
    ):
        assert err.field, err  # a schema, name, unit, number or condition error names the field
    if err.line is not None:
        assert err.line >= 1, err
        assert err.column is None or err.column >= 1, err


def check_report(vetter: Vetter, report: Report) -> None:
    assert report.verdict.value in ("approve", "conditional", "deferred", "reject")
    assert report.to_json()
    assert vetter.render(report, "text")
    assert vetter.render(report, "json", lang="en")


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def _check_project_file(path: Path) -> None:
    try:
        projects = VETTER.load(path)
    except InputError as exc:
        check_input_error(exc, path)
        return
    for project in projects:
        check_report(VETTER, VETTER.check(project))


# -- project TOML text -----------------------------------------------------------------------------------------------

toml_soup = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=30).map("".join)


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=toml_soup)
def test_any_toml_like_text_as_a_project_file_is_a_report_or_a_located_error(workdir: Path, text: str) -> None:
    path = workdir / "soup.toml"
    path.write_text('id = "F-1"\nname = "fuzz"\n' + text, encoding="utf-8", errors="surrogatepass")
    _check_project_file(path)


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.sampled_from(PROJECT_TEXTS).flatmap(mutated))
def test_a_mutated_project_file_is_a_report_or_a_located_error(workdir: Path, text: str) -> None:
    path = workdir / "mutated.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    _check_project_file(path)


# -- rule packs ------------------------------------------------------------------------------------------------------


def _check_pack_file(path: Path) -> None:
    try:
        vetter = Vetter(str(path))
    except InputError as exc:
        check_input_error(exc, path)
        return
    project = VETTER.project({"id": "P", "name": "n"})  # every fact missing
    for item in (path.parent / "project.toml", project):
        check_report(vetter, vetter.check(item, as_of=date(2024, 6, 1)))


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated(PACK_TEXT))
def test_a_mutated_rule_pack_compiles_or_is_a_located_error(workdir: Path, text: str) -> None:
    (workdir / "project.toml").write_text(PROJECT, encoding="utf-8")
    path = workdir / "pack.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    _check_pack_file(path)


def test_the_base_pack_is_valid(workdir: Path) -> None:
    (workdir / "project.toml").write_text(PROJECT, encoding="utf-8")
    path = workdir / "pack.toml"
    path.write_text(PACK_TEXT, encoding="utf-8")
    vetter = Vetter(str(path))
    assert vetter.check(workdir / "project.toml").labels


# -- the condition language ------------------------------------------------------------------------------------------

ATOMS = [
    *list("abc_ 0123456789.+-*/()[]<>=!,\"'%≥≤×÷＝≠"), "and", "or", "not", "in", " is ", "present", "missing",
    "startswith", "true", "false", "land_area", "industry_code", "[亩]", "[万元]", "1e99999", "9" * 400, "1e-400",
    "1e15", "1e16", "(" * 33, ")" * 33, "not " * 33, "-" * 33, "a + " * 33, "__import__", "x.y", "f(x)", "\\",
]  # fmt: skip


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(300), deadline=None)
@given(st.lists(st.one_of(st.sampled_from(ATOMS), st.text(max_size=4)), max_size=40).map("".join))
def test_any_condition_text_parses_or_gives_a_located_syntax_error(text: str) -> None:
    error: ast.ExprSyntaxError | None = None
    try:
        tree = ast.parse(text)
    except ast.ExprSyntaxError as exc:
        error = exc
    if error is not None:
        assert 0 <= error.pos <= len(text)
        assert error.message_en
        assert error.message_zh
        return
    again = ast.unparse(tree)
    if len(again) <= MAX_CONDITION_LENGTH:  # written back, it reads as the same tree (positions aside)
        assert ast.unparse(ast.parse(again)) == again


# Generated well-typed conditions over the project facts: they must parse, compile and evaluate on any project.
NUM_LEAVES: dict[str, list[str]] = {
    "area": ["land_area", "1[亩]", "2.5[公顷]", "180[亩]", "0[亩]", "1e15[m2]", "666.7[平方米]"],
    "money": ["total_investment", "annual_tax", "fixed_asset_investment", "3[亿元]", "4200[万元]", "1e15[元]"],
    "pct": ["green_ratio", "rd_share", "building_coefficient", "15%", "0.5%", "100%"],
    "plain": ["plot_ratio", "employees", "1.2", "0", "1e15", "1e-300"],
    "energy": ["energy_consumption", "1.8[万吨标准煤]", "5000[tce]"],
}


def num_expr(dim: str) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(NUM_LEAVES[dim])
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, st.sampled_from(["*", "/"]), st.sampled_from(["2", "0.5", "1e3", "3"])).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            inner.map(lambda e: f"-{e}"),
        ),
        max_leaves=6,
    )


compare = (
    st.sampled_from(sorted(NUM_LEAVES))
    .flatmap(
        lambda d: st.tuples(num_expr(d), st.sampled_from(["<", "<=", ">", ">=", "==", "!=", "≥", "≤"]), num_expr(d))
    )
    .map(" ".join)
)
bool_leaves = st.one_of(
    compare,
    st.sampled_from(["land_area", "annual_tax", "rd_share", "town", "products"]).flatmap(
        lambda n: st.sampled_from([f"{n} is present", f"{n} is missing", f"{n} is not present"])
    ),
    st.sampled_from(
        [
            'industry_code in ["C3825", "c30"]',
            'industry_code not in ["C38"]',
            'industry_code startswith "C3"',
            'products in ["光伏组件"]',
            'town == "址山镇"',
            "town != 'x'",
            "in_compliant_park",
            "capacity_replacement_plan",
            "true",
            "false",
        ]
    ),
)
conditions = st.recursive(
    bool_leaves,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"not {e}"),
    ),
    max_leaves=8,
)
PROJECTS = [VETTER.load(p)[0] for p in EXAMPLES[:6]] + [VETTER.project({"id": "E", "name": "empty"})]


def _namespaces() -> Iterator[dict[str, Any]]:
    pack = VETTER.pack
    for project in PROJECTS:
        env = project_env(pack, project)
        env.update(thresholds_env(pack, date(2024, 6, 1)))
        yield env


ENVS = list(_namespaces())


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conditions)
def test_a_generated_condition_parses_compiles_and_evaluates_on_any_project(text: str) -> None:
    try:
        tree = ast.parse(text)
    except ast.ExprSyntaxError as exc:  # only the limits may refuse a generated condition
        assume("nest" not in exc.message_en and "too large" not in exc.message_en)
        raise
    assert ast.parse(ast.unparse(tree)) is not None
    pack = VETTER.pack
    fn = Compiler(pack.units, pack.namespace).compile_bool(tree)  # type: ignore[arg-type]
    for env in ENVS:
        result = fn(env)
        assert result is True or result is False or isinstance(result, Unknown), result
    with contextlib.suppress(TooComplex):  # the durable engine's translation (pure Python) of the same tree
        Translator(pack).stage(tree, Compiler(pack.units, pack.namespace))  # type: ignore[arg-type]
