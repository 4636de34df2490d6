"""The condition language: parsing, precedence, aliases, rejection of Python, and compiling in a pack."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heshan_vetting import Outcome, RulePackError, Vetter
from heshan_vetting import lang as ast
from heshan_vetting.lang.parser import parse
from heshan_vetting.lang.syntax import ExprSyntaxError, names_in, unparse


def shape(node: Any) -> Any:
    """A node as nested tuples, without source positions (to compare trees structurally)."""
    if dataclasses.is_dataclass(node):
        return (
            type(node).__name__,
            *(shape(getattr(node, f.name)) for f in dataclasses.fields(node) if f.name != "pos"),
        )
    if isinstance(node, tuple):
        return tuple(shape(x) for x in node)
    return node


def nm(x: str) -> tuple[str, str]:
    return ("Name", x)


def num(v: float, unit: str | None = None) -> tuple[str, float, str | None]:
    return ("Num", v, unit)


# -- precedence ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "tree"),
    [
        ("a or b and c", ("BoolOp", "or", (nm("a"), ("BoolOp", "and", (nm("b"), nm("c")))))),
        ("a and b or c", ("BoolOp", "or", (("BoolOp", "and", (nm("a"), nm("b"))), nm("c")))),
        ("(a or b) and c", ("BoolOp", "and", (("BoolOp", "or", (nm("a"), nm("b"))), nm("c")))),
        ("a or b or c", ("BoolOp", "or", (nm("a"), nm("b"), nm("c")))),
        ("not a and b", ("BoolOp", "and", (("Not", nm("a")), nm("b")))),
        ("not not a", ("Not", ("Not", nm("a")))),
        ("not a > 1", ("Not", ("Compare", ">", nm("a"), num(1.0)))),
        ("a + b * c", ("BinOp", "+", nm("a"), ("BinOp", "*", nm("b"), nm("c")))),
        ("a * b + c", ("BinOp", "+", ("BinOp", "*", nm("a"), nm("b")), nm("c"))),
        ("(a + b) * c", ("BinOp", "*", ("BinOp", "+", nm("a"), nm("b")), nm("c"))),
        ("a - b - c", ("BinOp", "-", ("BinOp", "-", nm("a"), nm("b")), nm("c"))),
        ("a / b / c", ("BinOp", "/", ("BinOp", "/", nm("a"), nm("b")), nm("c"))),
        ("-a * b", ("BinOp", "*", ("Unary", "-", nm("a")), nm("b"))),
        ("- -a", ("Unary", "-", ("Unary", "-", nm("a")))),
        ("a + b > c * 2", ("Compare", ">", ("BinOp", "+", nm("a"), nm("b")), ("BinOp", "*", nm("c"), num(2.0)))),
        (
            "a > 1 and b < 2 or c == 3",
            (
                "BoolOp",
                "or",
                (
                    ("BoolOp", "and", (("Compare", ">", nm("a"), num(1.0)), ("Compare", "<", nm("b"), num(2.0)))),
                    ("Compare", "==", nm("c"), num(3.0)),
                ),
            ),
        ),
        ("((a))", nm("a")),
    ],
)
def test_precedence(src: str, tree: Any) -> None:
    assert shape(parse(src)) == tree


@pytest.mark.parametrize(
    ("src", "text"),
    [
        ("a or b and c", "a or b and c"),
        ("(a or b) in s", "(a or b) in s"),
        ("(a > 1) == true", "(a > 1) == true"),
        ("a - (b - c) > 0", "a - (b - c) > 0"),
        ("x > 1234567", "x > 1234567"),
        ("x > 0.1234567", "x > 0.1234567"),
        ("""x == 'a"b'""", """x == 'a"b'"""),
        ("(a or b) and c", "(a or b) and c"),
        ("a + b * c", "a + b * c"),
        ("(a + b) * c", "(a + b) * c"),
        ("not a > 1", "not a > 1"),
        ("not (a and b)", "not (a and b)"),
        ("a  >=   b", "a >= b"),
        ('x in ["C38","C39",]', 'x in ["C38", "C39"]'),
        ("x is not present", "x is missing"),
        ("x is not missing", "x is present"),
        ("t[ industry_code ]", "t[industry_code]"),
        ("1.50", "1.5"),
        ("300 [ 万元/亩 ]", "300[万元/亩]"),
        ("30 %", "30%"),
    ],
)
def test_unparse(src: str, text: str) -> None:
    assert unparse(parse(src)) == text


# -- literals, units, aliases ----------------------------------------------------------------


def test_number_with_unit() -> None:
    node = parse("300[万元/亩]")
    assert node == ast.Num(300.0, "万元/亩", 0)


def test_percent_literal() -> None:
    node = parse("green_ratio <= 30%")
    assert isinstance(node, ast.Compare)
    assert node.right == ast.Num(30.0, "%", 15)


@pytest.mark.parametrize("src", ["1.5", ".5", "1e3", "2.5E-2", "007"])
def test_numbers(src: str) -> None:
    node = parse(src)
    assert isinstance(node, ast.Num)
    assert node.value == float(src)
    assert node.unit is None


@pytest.mark.parametrize(("alias", "op"), [("≥", ">="), ("≤", "<="), ("≠", "!="), (">=", ">="), ("==", "==")])
def test_comparison_aliases(alias: str, op: str) -> None:
    node = parse(f"a {alias} b")
    assert isinstance(node, ast.Compare)
    assert node.op == op
    assert node.pos == 2


@pytest.mark.parametrize(("alias", "op"), [("×", "*"), ("÷", "/")])
def test_arithmetic_aliases(alias: str, op: str) -> None:
    node = parse(f"a {alias} b")
    assert shape(node) == ("BinOp", op, nm("a"), nm("b"))


def test_strings_and_booleans() -> None:
    assert parse("'光伏'") == ast.Str("光伏", 0)
    assert parse('"C38"') == ast.Str("C38", 0)
    assert parse("true") == ast.BoolLit(True, 0)
    assert parse("false") == ast.BoolLit(False, 0)


def test_unicode_names() -> None:
    assert parse("用地面积") == ast.Name("用地面积", 0)


def test_lists() -> None:
    assert shape(parse('["C38", "C39"]')) == ("ListLit", (("Str", "C38"), ("Str", "C39")))
    assert shape(parse("[]")) == ("ListLit", ())
    assert shape(parse('["C38",]')) == ("ListLit", (("Str", "C38"),))


def test_membership_and_prefix() -> None:
    assert shape(parse("x in s")) == ("Member", nm("x"), nm("s"), False)
    assert shape(parse("x not in s")) == ("Member", nm("x"), nm("s"), True)
    assert shape(parse('x startswith "C38"')) == ("Prefix", nm("x"), ("Str", "C38"))
    assert shape(parse('x in ["a"] and y not in s')) == (
        "BoolOp",
        "and",
        (("Member", nm("x"), ("ListLit", (("Str", "a"),)), False), ("Member", nm("y"), nm("s"), True)),
    )


@pytest.mark.parametrize(
    ("src", "negated"),
    [("x is present", False), ("x is missing", True), ("x is not present", True), ("x is not missing", False)],
)
def test_presence(src: str, negated: bool) -> None:
    node = parse(src)
    assert isinstance(node, ast.Present)
    assert node.name == ast.Name("x", 0)
    assert node.negated is negated


def test_table_index() -> None:
    node = parse("min_plot_ratio[industry_code] <= plot_ratio")
    assert isinstance(node, ast.Compare)
    assert node.left == ast.Index(ast.Name("min_plot_ratio", 0), ast.Name("industry_code", 15), 0)
    assert shape(parse("t[u[k]]")) == ("Index", nm("t"), ("Index", nm("u"), nm("k")))


def test_names_in() -> None:
    tree = parse("t[k] > a + b and not c is present or d in s")
    assert [n.id for n in names_in(tree)] == ["t", "k", "a", "b", "c", "d", "s"]


def test_positions() -> None:
    node = parse("plot_ratio >= 1.2 and land_area > 0[亩]")
    assert isinstance(node, ast.BoolOp)
    first, second = node.values
    assert isinstance(first, ast.Compare)
    assert isinstance(second, ast.Compare)
    assert first.pos == 11  # the operator
    assert second.left == ast.Name("land_area", 22)
    assert second.right == ast.Num(0.0, "亩", 34)


# -- rejected input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "pos", "needle"),
    [
        ("__import__('os')", 0, "'_'"),
        ("__import__('os').system('ls')", 0, "'_'"),
        ("_x > 1", 0, "'_'"),
        ("a > 1 and _x > 1", 10, "'_'"),
        ("a.b", 1, "Attribute"),
        ("plot_ratio.real > 1", 10, "Attribute"),
        ("x.__class__", 1, "Attribute"),
        ("f(x)", 1, "Function calls"),
        ("a > 1 and abs(b) > 1", 13, "Function calls"),
        ("import os", 0, "'import'"),
        ("lambda x", 0, "'lambda'"),
        ("eval(x)", 0, "'eval'"),
        ("a and open", 6, "'open'"),
        ("getattr(a, 'b')", 0, "'getattr'"),
        ("a < b < c", 6, "chained"),
        ("1 < plot_ratio < 2", 15, "chained"),
        ("a == b == c", 7, "chained"),
        ("a >= b ≤ c", 7, "chained"),
        ("a = b", 2, "'=='"),
        ("plot_ratio = 1.2", 11, "'=='"),
        ("a $ b", 2, "Unexpected character"),
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("a b", 2, "should end here"),
        ("a and", 5, "ends too early"),
        ("1 +", 3, "ends too early"),
        ("(a > 1", 6, "Expected ')'"),
        ("t[k", 3, "Expected ']'"),
        ('["a", "b"', 9, "Expected ']'"),
        ("a is b", 5, "'present' or 'missing'"),
        ("3 is present", 0, "fact name"),
        ("and", 0, "keyword"),
        ("a > present", 4, "keyword"),
        ("'abc", 0, "not closed"),
        ("1[万元", 1, "not closed"),
        ("1[ ]", 1, "empty"),
        ("a > )", 4, "Unexpected ')'"),
        ("用地.x", 2, "Attribute"),
    ],
)
def test_syntax_errors(src: str, pos: int, needle: str) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse(src)
    err = info.value
    assert err.pos == pos
    assert needle.lower() in err.message_en.lower()
    assert err.message_zh
    assert err.message_zh != err.message_en
    assert f"offset {pos}" in str(err)


def test_syntax_error_is_value_error() -> None:
    with pytest.raises(ValueError, match="offset 0"):
        parse("__import__('os')")


# -- property: parse ∘ unparse is the identity on trees ---------------------------------------

NAMES = st.sampled_from(["a", "b", "plot_ratio", "land_area", "x1", "用地"])
UNITS = st.sampled_from(["", "", "[万元]", "[万元/亩]", "[亩]", "%"])
NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=999_999).map(str),
    st.integers(min_value=0, max_value=99_999).map(lambda i: f"{i / 100:g}"),
)
LITERALS = st.tuples(NUMBERS, UNITS).map("".join)


def _arith(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "×", "÷"]), children).map(" ".join),
        children.map(lambda c: f"-{c}"),
        children.map(lambda c: f"({c})"),
    )


ARITH = st.recursive(st.one_of(NAMES, LITERALS), _arith, max_leaves=8)
CMP = st.sampled_from(["<", "<=", ">", ">=", "==", "!=", "≥", "≤", "≠"])
TESTS = st.one_of(
    st.tuples(ARITH, CMP, ARITH).map(" ".join),
    NAMES.map(lambda n: f"{n} is present"),
    NAMES.map(lambda n: f"{n} is not missing"),
    st.tuples(NAMES, st.sampled_from(["in", "not in"]), st.sampled_from(["s", '["C38", "C39"]'])).map(" ".join),
    NAMES.map(lambda n: f'{n} startswith "C3"'),
    st.sampled_from(["true", "false"]),
    NAMES,
)


def _boolean(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["and", "or"]), children).map(" ".join),
        children.map(lambda c: f"not {c}"),
        children.map(lambda c: f"({c})"),
    )


CONDITIONS = st.recursive(TESTS, _boolean, max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(src=CONDITIONS)
def test_unparse_round_trip_property(src: str) -> None:
    tree = parse(src)
    text = unparse(tree)
    again = parse(text)
    assert shape(again) == shape(tree)
    assert unparse(again) == text


@settings(max_examples=200, deadline=None)
@given(src=ARITH)
def test_unparse_round_trip_arithmetic_property(src: str) -> None:
    tree = parse(src)
    assert shape(parse(unparse(tree))) == shape(tree)


# -- compiling and evaluating in a small pack -------------------------------------------------

PACK_HEAD = """
[pack]
id = "exprtest"
version = "1"
kind = "access"
title = { zh = "测试", en = "test" }
jurisdiction = "CN"

[sets.focus]
type = "industry_code"
match = "prefix"
members = ["C38", "C39"]

[tables.min_pr]
unit = ""
default = 0.5
[tables.min_pr.rows]
C38 = 1.2
C3825 = 1.5
"""

RULES = {
    "ALIAS-GE": "plot_ratio ≥ 1.5",
    "ALIAS-NE": "plot_ratio ≠ 2",
    "ALIAS-MUL": "land_area × 2 >= 200[亩]",
    "ALIAS-DIV": "fixed_asset_investment ÷ land_area ≥ 300[万元/亩]",
    "UNIT-HA": "fixed_asset_investment / land_area >= 4500[万元/公顷]",
    "UNIT-YI": "total_investment >= 4[亿元]",
    "PCT": "green_ratio <= 20%",
    "LIST": 'industry_code in ["C3825", "c3824"]',
    "NOT-IN": "industry_code not in focus",
    "IN-SET": "industry_code in focus",
    "STARTSWITH": 'industry_code startswith "C38"',
    "PRODUCTS": 'products in ["光伏组件"]',
    "PRESENT": "annual_tax is present",
    "MISSING": "rd_share is missing",
    "TABLE": "plot_ratio >= min_pr[industry_code]",
    "PREC-OR-AND": "plot_ratio > 1 or plot_ratio > 100 and plot_ratio < 0",
    "PREC-NOT": "not plot_ratio > 1 and plot_ratio > 100",
    "PREC-ARITH": "plot_ratio + 1 * 2 == 3.5",
    "PARENS": "(plot_ratio + 1) * 2 == 5",
    "NEG": "-plot_ratio < 0",
    "STR-EQ": 'town == "址山镇"',
    "OR-MISSING": "rd_share > 1% or plot_ratio > 1",
    "AND-MISSING": "rd_share > 1% and plot_ratio > 100",
}


def _toml_str(text: str) -> str:
    """``text`` as a one-line TOML string without escapes (literal unless it holds a single quote)."""
    assert "\\" not in text
    if "'" in text:
        assert '"' not in text
        return f'"{text}"'
    return f"'{text}'"


def _rule(rid: str, require: str) -> str:
    return f"""
[[rules]]
id = "{rid}"
title = {{ zh = "规则", en = "rule" }}
severity = "advisory"
require = {_toml_str(require)}
citation = {{ title = "测试文件", status = "unverified" }}
"""


@pytest.fixture(scope="module")
def expr_vetter(tmp_path_factory: pytest.TempPathFactory) -> Vetter:
    path: Path = tmp_path_factory.mktemp("exprpack") / "exprtest.toml"
    path.write_text(PACK_HEAD + "".join(_rule(k, v) for k, v in RULES.items()), encoding="utf-8")
    return Vetter(pack=str(path))


BASE = {
    "id": "P",
    "name": "n",
    "industry_code": "C3825",
    "products": ["光伏组件", "电池片"],
    "plot_ratio": 1.5,
    "fixed_asset_investment": "3 亿元",
    "total_investment": "4 亿元",
    "land_area": "100 亩",
    "green_ratio": "15%",
    "annual_tax": "2000 万元",
    "location": {"town": "址山镇"},
}


def outcomes(vetter: Vetter, **changes: Any) -> dict[str, Outcome]:
    data = {**BASE, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    report = vetter.check(data)
    return {f.rule_id: f.outcome for f in report.findings}


def test_all_rules_compiled(expr_vetter: Vetter) -> None:
    assert {r.id for r in expr_vetter.pack.rules} == set(RULES)


def test_base_project_outcomes(expr_vetter: Vetter) -> None:
    got = outcomes(expr_vetter)
    expected_fail = {"NOT-IN", "PREC-NOT", "AND-MISSING"}
    for rid in RULES:
        want = Outcome.FAIL if rid in expected_fail else Outcome.PASS
        assert got[rid] == want, rid


@pytest.mark.parametrize(
    ("changes", "rid", "outcome"),
    [
        ({"plot_ratio": 1.49}, "ALIAS-GE", Outcome.FAIL),
        ({"plot_ratio": 2}, "ALIAS-NE", Outcome.FAIL),
        ({"land_area": "99 亩"}, "ALIAS-MUL", Outcome.FAIL),
        ({"land_area": "101 亩"}, "ALIAS-DIV", Outcome.FAIL),
        ({"land_area": "101 亩"}, "UNIT-HA", Outcome.FAIL),
        ({"land_area": "6.6 公顷"}, "UNIT-HA", Outcome.PASS),  # 99 亩
        ({"total_investment": "39999 万元"}, "UNIT-YI", Outcome.FAIL),
        ({"green_ratio": "20.5%"}, "PCT", Outcome.FAIL),
        ({"green_ratio": "20%"}, "PCT", Outcome.PASS),
        ({"industry_code": "C3824"}, "LIST", Outcome.PASS),
        ({"industry_code": "C3829"}, "LIST", Outcome.FAIL),
        ({"industry_code": "C3011"}, "NOT-IN", Outcome.PASS),
        ({"industry_code": "C3011"}, "IN-SET", Outcome.FAIL),
        ({"industry_code": "C3971"}, "IN-SET", Outcome.PASS),
        ({"industry_code": "C3711"}, "STARTSWITH", Outcome.FAIL),
        ({"products": ["电池片"]}, "PRODUCTS", Outcome.FAIL),
        ({"annual_tax": None}, "PRESENT", Outcome.FAIL),
        ({"rd_share": "3%"}, "MISSING", Outcome.FAIL),
        ({"industry_code": "C3824", "plot_ratio": 1.3}, "TABLE", Outcome.PASS),  # C38 row: 1.2
        ({"industry_code": "C3825", "plot_ratio": 1.3}, "TABLE", Outcome.FAIL),  # C3825 row: 1.5
        ({"industry_code": "C1311", "plot_ratio": 0.6}, "TABLE", Outcome.PASS),  # default 0.5
        ({"industry_code": "C1311", "plot_ratio": 0.4}, "TABLE", Outcome.FAIL),
        ({"plot_ratio": 0.5}, "PREC-OR-AND", Outcome.FAIL),
        ({"plot_ratio": 0.5}, "PREC-NOT", Outcome.FAIL),
        ({"plot_ratio": 2}, "PREC-ARITH", Outcome.FAIL),
        ({"location": {"town": "鹤城镇"}}, "STR-EQ", Outcome.FAIL),
        ({"location": {"town": " 址山镇 "}}, "STR-EQ", Outcome.PASS),
        ({"plot_ratio": 0.5}, "OR-MISSING", Outcome.INSUFFICIENT_DATA),  # false or <missing>
        ({"plot_ratio": 200}, "AND-MISSING", Outcome.INSUFFICIENT_DATA),  # true and <missing>
    ],
)
def test_outcomes(expr_vetter: Vetter, changes: dict[str, Any], rid: str, outcome: Outcome) -> None:
    assert outcomes(expr_vetter, **changes)[rid] == outcome


def test_missing_fact_is_not_a_pass(expr_vetter: Vetter) -> None:
    got = outcomes(expr_vetter, plot_ratio=None, industry_code=None)
    assert got["ALIAS-GE"] == Outcome.INSUFFICIENT_DATA
    assert got["LIST"] == Outcome.INSUFFICIENT_DATA
    assert got["PREC-OR-AND"] == Outcome.INSUFFICIENT_DATA
    assert got["PRESENT"] == Outcome.PASS


def test_comparison_reported_in_rule_terms(expr_vetter: Vetter) -> None:
    report = expr_vetter.check({**BASE, "land_area": "12 公顷"})  # 180 亩
    [finding] = [f for f in report.findings if f.rule_id == "UNIT-HA"]
    [cmp] = finding.comparisons
    assert cmp.expression == "fixed_asset_investment / land_area >= 4500[万元/公顷]"
    assert cmp.unit == "万元/亩"
    assert cmp.actual == pytest.approx(30000 / 180)
    assert cmp.threshold == pytest.approx(300.0)
    assert cmp.passed is False


@pytest.mark.parametrize(
    ("require", "fragment", "needle"),
    [
        ("plot_ratio >= 300[万元/亩]", ">= 300", "dimensions differ"),
        ("land_area + total_investment > 0[亩]", "+ total", "Cannot add"),
        ("land_aera > 0[亩]", "land_aera", "did you mean 'land_area'"),
        ("plot_ratio >= min_pr", "min_pr", "is a table"),
        ("plot_ratio[industry_code] > 1", "plot_ratio[", "Only tables"),
        ("plot_ratio >= min_pr[land_area]", "land_area]", "table key"),
        ("industry_code in [1, 2]", "1, 2", "quoted texts"),
        ('industry_code >= "C38"', '>= "C38"', "Texts can only be compared"),
        ("plot_ratio", "plot_ratio", "true/false"),
        ("not plot_ratio", "plot_ratio", "true/false"),
        ("land_area > 1[furlong]", "1[furlong]", "Unknown unit"),
        ("focus is present", "focus", "is present"),
        ("plot_ratio.real > 1", ".real", "Attribute"),
        ("abs(plot_ratio) > 1", "(plot_ratio)", "Function calls"),
        ("__import__('os')", "__import__", "'_'"),
    ],
)
def test_compile_errors_point_at_the_problem(tmp_path: Path, require: str, fragment: str, needle: str) -> None:
    path = tmp_path / "bad.toml"
    text = PACK_HEAD + _rule("BAD", require)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(path))
    err = info.value
    assert err.file == str(path)
    assert err.field == "rules[0].require"
    assert err.line is not None
    assert err.column is not None
    line_text = text.splitlines()[err.line - 1]
    assert line_text.startswith("require = ")
    assert line_text.index(fragment) + 1 == err.column
    assert needle in err.message_en
    assert err.message_zh != err.message_en
