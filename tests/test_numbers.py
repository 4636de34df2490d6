"""How numbers and quantities in project files and dicts are read (issue 9, defects 4 and 10).

A number is read as written or refused with a located, bilingual ProjectError: never as another
number. A comma is only a thousands separator between groups of three digits; full-width forms are
read as their ASCII twins; out-of-range values (10**400, 1e400, NaN, infinity, 1e308 亿元 → 万元)
are errors naming the field; negative zero is zero.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heshan_vetting import Project, ProjectError, Units, Vetter
from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.testing import fuzz_examples, sample_project

ROOT = Path(__file__).resolve().parents[1]
VETTER = Vetter()
UNITS = VETTER.units


def project(**fields: Any) -> Project:
    return VETTER.project({"id": "N-1", "name": "numbers", **fields})


def attempt(**fields: Any) -> tuple[Project | None, ProjectError | None]:
    """The project, or the ProjectError it gives (for property tests, which accept both)."""
    try:
        return project(**fields), None
    except ProjectError as exc:
        return None, exc


def refused(field: str, value: Any) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        project(**{field: value})
    err = info.value
    assert err.field == field, err
    assert err.message_en
    assert err.message_zh
    assert err.message_zh != err.message_en
    return err


# -- defect 4: a comma is only a thousands separator --------------------------------------------------


@pytest.mark.parametrize(
    ("field", "written"),
    [
        ("total_investment", "0,3 亿元"),  # was 3 亿元: the verdict flipped
        ("total_investment", "1,,0 万元"),  # was 10
        ("total_investment", "5, 万元"),  # was 5
        ("total_investment", "5,万元"),
        ("total_investment", ",5 万元"),
        ("total_investment", "12,34 万元"),  # a decimal comma, or a misplaced separator
        ("total_investment", "1,23,456 万元"),  # lakh grouping
        ("total_investment", "1234,567 万元"),
        ("total_investment", "0,300 万元"),  # a leading 0 is not a thousands group: 0.3 or 300?
        ("total_investment", "01,234 万元"),
        ("total_investment", "1,234.5,6 万元"),
        ("total_investment", "1,234.567,8 万元"),
        ("land_area", "1,5 公顷"),
        ("green_ratio", "0,45%"),
        ("plot_ratio", "1,5"),
        ("plot_ratio", "1,5,"),
        ("employees", "1,20"),
        ("annual_tax", "０，３ 亿元"),  # full-width, same rule
        ("annual_tax", "12，34 万元"),  # the Chinese (full-width) comma, same rule
    ],
)
def test_a_comma_that_is_not_a_thousands_separator_is_refused(field: str, written: str) -> None:
    err = refused(field, written)
    assert "a comma only between groups of three digits" in err.message_en
    assert "1,234,567.5" in err.message_en  # the accepted spelling is shown
    assert "千位分隔符" in err.message_zh


def test_zero_comma_three_yi_is_not_three_yi_in_a_verdict() -> None:
    data = sample_project(total_investment="0,3 亿元", fixed_asset_investment="0,3 亿元")
    with pytest.raises(ProjectError) as info:
        VETTER.check(data)
    assert info.value.field == "total_investment"


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1,234 万元", 1234.0),
        ("1,234,567.5 万元", 1234567.5),
        ("12,500万元", 12500.0),
        ("-0 万元", 0.0),
        ("1,000e2 万元", 100000.0),
        ("１２，５００ 万元", 12500.0),  # full-width digits and comma
        ("１２.５ 亿元", 125000.0),
        ("１２．５ 亿元", 125000.0),  # full-width full stop
        ("12，500 万元", 12500.0),  # the Chinese comma as a thousands separator
        ("\u3000５０００\u3000万元 ", 5000.0),  # ideographic spaces
    ],
)
def test_thousands_separators_and_full_width_forms_are_read_as_written(written: str, value: float) -> None:
    assert project(total_investment=written).total_investment == value


def test_full_width_percent_sign_is_a_percent_sign() -> None:
    assert project(green_ratio="４５％").green_ratio == 45.0
    assert project(green_ratio="12.5 ％").green_ratio == 12.5


@pytest.mark.parametrize(
    ("written", "char"),
    [
        ("12、500 万元", "'、'"),  # the enumeration comma separates list items, not digits
        ("12。5 亿元", "'。'"),  # the ideographic full stop is not a decimal point
        ("1_000 万元", "'_'"),
        ("1'000 万元", '"\'"'),
        ("1e5,000 万元", "','"),
        ("1e5.5 万元", "'.'"),
        ("10² 万元", "'²'"),  # NFKC would read this as 102
        ("1 234 万元", "a space"),
    ],
)
def test_other_separators_inside_a_number_are_refused_by_name(written: str, char: str) -> None:
    err = refused("total_investment", written)
    assert f"has {char} inside its number" in err.message_en


@pytest.mark.parametrize("written", ["① 万元", "٣ 万元", "½ 亿元", "三 万元", "− 5 万元", "--5 万元", "¥5000万元"])
def test_other_digits_and_signs_are_not_numbers(written: str) -> None:
    err = refused("total_investment", written)
    assert "is not a number followed by a unit" in err.message_en
    assert '"12.5 亿元"' in err.message_en  # the field's accepted spelling


@pytest.mark.parametrize(
    ("written", "bad"),
    [
        ("5 亩,", "','"),  # pint dropped the comma: read as 5 亩
        ("5 亩.", "'.'"),
        ("5 亩;", "';'"),
        ("5 亩!", "'!'"),
        ("5 亩 # 约", "'#'"),
        ("5 m2 1", "'1'"),  # pint dropped a factor of 1: read as 5 m²
        ("0.3 亿元,5", "','"),
    ],
)
def test_punctuation_and_stray_numbers_in_a_unit_are_refused(written: str, bad: str) -> None:
    field = "total_investment" if "元" in written else "land_area"
    assert f"{bad} has no place in a unit" in refused(field, written).message_en


@pytest.mark.parametrize("unit", ["万元/亩", "kgce/kWh", "m**2", "m ** 2", "m^2", "m²", "(万元)/亩", "1/亩", "元**-1"])
def test_unit_expressions_still_parse(unit: str) -> None:
    UNITS.unit(unit)


# -- defect 4: spellings officials write --------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "written", "value"),
    [
        ("land_area", "1.2万平方米", 18.0),  # 12000 m² = 18 亩
        ("land_area", "1.2 万 平方米", 18.0),
        ("land_area", "5万亩", 50000.0),
        ("total_investment", "12.5亿", 125000.0),
        ("total_investment", "5000万", 5000.0),
        ("total_investment", ".5亿", 5000.0),
        ("total_investment", "3千万", 3000.0),
        ("total_investment", "3千万元", 3000.0),
        ("total_investment", "2百万元", 200.0),
        ("total_investment", "5000 万元人民币", 5000.0),
        ("total_investment", "5000万元人民币", 5000.0),
        ("total_investment", "人民币5000万元", 5000.0),
        ("total_investment", "人民币 12.5 亿元", 125000.0),
        ("total_investment", "12.5亿人民币", 125000.0),
        ("total_investment", "50000000元人民币", 5000.0),
        ("annual_tax", "6000万", 6000.0),
        ("energy_consumption", "1.2万tce", 12000.0),
        ("electricity_consumption", "3亿kWh", 30000.0),
        ("electricity_consumption", "2百万千瓦时", 200.0),
    ],
)
def test_spellings_officials_write(field: str, written: str, value: float) -> None:
    assert getattr(project(**{field: written}), field) == value


def test_a_multiplier_is_exact() -> None:
    # 0.3 * 10000 is 3000.0000000000005 in floats; the multiplier shifts the decimal point instead
    assert UNITS.parse_quantity("0.3万平方米")[0] == 3000.0
    assert UNITS.parse_quantity("1.1亿", bare_unit="元")[0] == 110000000.0


@pytest.mark.parametrize(
    ("field", "written"),
    [("land_area", "5万"), ("plot_ratio", "1.2万"), ("energy_consumption", "3万"), ("green_ratio", "5万")],
)
def test_a_bare_multiplier_is_money_only(field: str, written: str) -> None:
    err = refused(field, written)
    assert "no unit" in err.message_en
    assert "1.2万平方米" in err.message_en
    assert "1.2万平方米" in err.message_zh


def test_a_bare_multiplier_in_a_pack_quantity_is_refused() -> None:
    with pytest.raises(ValueError, match="no unit"):
        UNITS.parse_quantity("12.5亿")


@pytest.mark.parametrize("written", ["5万万元", "5亿万元", "5 万 亿元"])
def test_two_multipliers_are_refused(written: str) -> None:
    assert "two multipliers" in refused("total_investment", written).message_en


@pytest.mark.parametrize(
    ("field", "written", "needle"),
    [
        ("total_investment", "人民币5000万元人民币", "人民币 twice"),
        ("total_investment", "5000人民币", "人民币 goes with"),
        ("total_investment", "人民币5000", "人民币 goes with"),
        ("land_area", "人民币5 亩", "人民币 goes with"),
        ("total_investment", "12万/亩", "unknown unit"),
        ("total_investment", "5 万美元", "unknown unit"),
        ("total_investment", "RMB 5000万元", "not a number"),
    ],
)
def test_money_spellings_that_stay_errors(field: str, written: str, needle: str) -> None:
    assert needle in refused(field, written).message_en


@pytest.mark.parametrize(
    ("written", "count"),
    [("350 人", 350), ("350人", 350), ("1,200 人", 1200), ("3.5万人", 35000), ("350", 350), ("350.0", 350), ("-0", 0)],
)
def test_employees_may_be_written_with_the_headcount_unit(written: str, count: int) -> None:
    p = project(employees=written)
    assert p.employees == count
    assert isinstance(p.employees, int)


@pytest.mark.parametrize(
    ("written", "needle"),
    [
        ("350%", "head count"),
        ("350 亩", "head count"),
        ("3.5 万元", "head count"),
        ("350.5", "whole number"),
        ("350.5 人", "whole number"),
        ("0,35万人", "a comma only between groups"),
        ("-3 人", "greater than or equal to 0"),
        ("nan", "not a number"),
    ],
)
def test_employees_wrong_spellings(written: str, needle: str) -> None:
    assert needle in refused("employees", written).message_en


# -- defect 10 and friends: out-of-range numbers are ProjectErrors naming the field --------------------


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("total_investment", 10**400, "too large"),  # was OverflowError
        ("plot_ratio", 10**400, "too large"),
        ("plot_ratio", -(10**400), "too large"),
        ("green_ratio", 10**400, "too large"),
        ("total_investment", "1e400 万元", "too large"),
        ("total_investment", "1" + "0" * 500 + " 万元", "too large"),
        ("total_investment", "1e99999999999999999999999999 万元", "too large"),
        ("total_investment", "1e308 亿元", "too large once converted to 万元"),  # was inf
        ("land_area", "1e308 平方公里", "too large once converted to 亩"),
        ("plot_ratio", "1 亿元**40/元**40", "out of the range"),  # was OverflowError
        ("total_investment", "1e-400 万元", "too small"),  # was 0: 0 亩 means "no land of its own"
        ("land_area", "1e-400 亩", "too small"),
        ("land_area", "5e-324 m2", "too small once converted to 亩"),
    ],
)
def test_out_of_range_numbers_are_errors_naming_the_field(field: str, value: Any, needle: str) -> None:
    err = refused(field, value)
    assert needle in err.message_en
    assert len(err.format()) < 400  # a 500-digit number is not echoed whole


@pytest.mark.parametrize("value", [10**400, 10**309, -(10**400)])
def test_a_huge_int_of_employees_is_an_error_not_an_overflow_in_the_engine(value: int) -> None:
    with pytest.raises(ProjectError) as info:
        VETTER.check(sample_project(employees=value))  # was OverflowError while evaluating
    assert info.value.field == "employees"


def test_a_huge_int_in_a_dict_is_a_project_error_from_check() -> None:
    with pytest.raises(ProjectError) as info:
        VETTER.check(sample_project(plot_ratio=10**400))  # was OverflowError
    assert info.value.field == "plot_ratio"
    assert "too large" in info.value.message_en


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (field, value)
        for field in ("total_investment", "plot_ratio", "green_ratio", "employees")
        for value in [
            math.nan,
            math.inf,
            -math.inf,
            "nan",
            "NaN",
            "nan 万元",
            "inf",
            "-inf 万元",
            "Infinity 万元",
            "∞ 万元",
            "1e999 万元",
            "-1e999%",
        ]
    ],
)
def test_nan_and_infinity_in_any_spelling_are_refused(field: str, value: Any) -> None:
    refused(field, value)


@pytest.mark.parametrize("literal", ["nan", "+nan", "-nan", "inf", "+inf", "-inf", "1e400", "1" + "0" * 500])
@pytest.mark.parametrize("field", ["plot_ratio", "employees", "total_investment"])
def test_out_of_range_toml_numbers_are_located_errors(tmp_path: Path, field: str, literal: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(f'id = "T"\nname = "t"\n{field} = {literal}\n', encoding="utf-8")
    with pytest.raises(ProjectError) as info:
        VETTER.load(path)
    assert info.value.field == field
    assert info.value.line == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total_investment", "-0 万元"),
        ("total_investment", "-0.0 亿元"),
        ("total_investment", "-0e5万"),
        ("land_area", "-0 亩"),
        ("green_ratio", "-0%"),
        ("plot_ratio", -0.0),
        ("plot_ratio", "-0"),
    ],
)
def test_negative_zero_is_zero(field: str, value: Any) -> None:
    got = getattr(project(**{field: value}), field)
    assert got == 0.0
    assert math.copysign(1.0, got) == 1.0  # not -0.0, which a report would print as "-0"


def test_negative_zero_is_dumped_as_zero() -> None:
    assert project(land_area="-0 亩").model_dump()["land_area"] == "0.0 亩"  # was "-0.0 亩"
    report = VETTER.check(sample_project(land_area="-0 亩"))
    assert '"-0' not in report.to_json()


# -- the command line: an input error, exit 2, the file, line and field --------------------------------


def test_cli_refuses_zero_comma_three_yi_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('id = "T"\nname = "t"\ntotal_investment = "0,3 亿元"\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "check", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert f"{path}:3" in proc.stderr
    assert "total_investment" in proc.stderr
    assert "Traceback" not in proc.stderr


# -- fuzz: generated quantities --------------------------------------------------------------------------

FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789,.+-eE%"}
PIECES = [
    *"0123456789",
    *"0123456789",
    ",",
    ",",
    ".",
    "+",
    "-",
    "e",
    "E",
    " ",
    "\u3000",
    "，",
    "、",
    "。",
    "．",
    "１",
    "０",
    "５",
    "²",
    "万",
    "亿",
    "千万",
    "万元",
    "亿元",
    "元",
    "亩",
    "公顷",
    "平方米",
    "m2",
    "%",
    "％",
    "人",
    "人民币",
    "tce",
    "万吨标准煤",
    "kWh",
    "万千瓦时",
    "/",
    "**",
    "nan",
    "inf",
    "1e400",
    "9" * 40,
]
FIELDS = ["total_investment", "land_area", "energy_consumption", "electricity_consumption", "green_ratio"]
FIELDS += ["plot_ratio", "employees"]


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=10).map("".join), st.sampled_from(FIELDS))
def test_any_quantity_text_is_read_or_refused_with_the_field_named(text: str, field: str) -> None:
    p, exc = attempt(**{field: text})
    if exc is not None:
        assert exc.field == field
        assert exc.message_en
        assert exc.message_zh
        return
    value = getattr(p, field)
    assert math.isfinite(value)
    assert value >= 0
    assert math.copysign(1.0, value) == 1.0
    if "," in text or "，" in text:  # a comma only between thousands groups
        assert re.search(r"[0-9０-９]{1,3}[,，][0-9０-９]{3}", text), text


def _group(digits: str) -> str:
    return format(int(digits), ",") if digits else ""


def _grouping_ok(written: str) -> bool:
    """Whether every comma in ``written`` is a thousands separator (the oracle, by Python's own format)."""
    whole, _, decimals = written.partition(".")
    if "," not in written:
        return True
    return "," not in decimals and whole == _group(whole.replace(",", ""))


@st.composite
def digits_with_commas(draw: st.DrawFn) -> str:
    """A number with commas anywhere (or exactly at the thousands), and maybe decimals."""
    whole = draw(st.text("0123456789", min_size=1, max_size=12))
    if draw(st.booleans()) and whole.lstrip("0"):
        written = _group(whole.lstrip("0"))
    else:
        cuts = sorted(draw(st.lists(st.integers(0, len(whole)), max_size=3)))
        pieces, last = [], 0
        for cut in cuts:
            pieces.append(whole[last:cut])
            last = cut
        written = ",".join([*pieces, whole[last:]])
    if draw(st.booleans()):
        written += "." + draw(st.text("0123456789,", max_size=4))
    return written + draw(st.sampled_from(["", "", ","]))


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(400), deadline=None)
@given(digits_with_commas(), st.booleans(), st.sampled_from(["万元", " 亿元", " 元"]))
def test_a_number_with_commas_is_refused_or_equals_it_without_them(written: str, full_width: bool, unit: str) -> None:
    text = written + unit
    if full_width:
        text = "".join(FULL_WIDTH.get(c, c) for c in text)
    p, exc = attempt(total_investment=text)
    if exc is not None:
        assert exc.field == "total_investment"
        assert "a comma only between groups of three digits" in exc.message_en
        assert not _grouping_ok(written), text
        return
    assert p is not None
    assert _grouping_ok(written), text
    assert p.total_investment == project(total_investment=written.replace(",", "") + unit).total_investment


# -- fuzz: generated project mappings --------------------------------------------------------------------

number_text = st.builds(
    lambda n, sep, unit: f"{n:,}{sep}{unit}" if n % 2 else f"{n}{sep}{unit}",
    st.integers(min_value=0, max_value=10**16),
    st.sampled_from(["", " "]),
    st.sampled_from(["万元", "亿元", "亩", "公顷", "%", "tce", "万千瓦时", "人", "", "万", "亿", "万平方米"]),
)
any_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**500),
    st.floats(),
    st.sampled_from([-0.0, 1e308, 5e-324, -1.0]),
    number_text,
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.dates(),
    st.dates().map(str),
)


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(FIELD_SPECS)), any_value, max_size=6))
def test_any_project_mapping_is_a_project_or_a_project_error_naming_the_field(data: dict[str, Any]) -> None:
    data = {k: v for k, v in data.items() if v is not None and k not in ("id", "name")}
    p, exc = attempt(**data)
    if exc is not None:
        assert exc.field is not None
        assert exc.field.split(".")[0] in data, exc
        assert exc.message_en
        assert exc.message_zh
        return
    assert p is not None
    for name, spec in FIELD_SPECS.items():
        value = getattr(p, name, None)
        if spec.kind == "number" and value is not None:
            assert math.isfinite(value)
            assert value >= 0
            assert math.copysign(1.0, value) == 1.0
    again = Project.model_validate(p.model_dump(), context={"units": UNITS})
    assert again == p
    from_json = Project.model_validate(json.loads(p.model_dump_json()), context={"units": UNITS})
    assert from_json == p


# -- fuzz: a well-formed "N unit" round-trips through Project → dump → load -------------------------------

FIELD_UNITS = {
    "total_investment": ["万元", "亿元", "元", "千元", "万元人民币", "万", "亿"],
    "land_area": ["亩", "公顷", "平方米", "m2", "万平方米", "平方公里"],
    "energy_consumption": ["tce", "万吨标准煤", "kgce", "万tce"],
    "electricity_consumption": ["万千瓦时", "kWh", "亿千瓦时", "MWh", "万kWh"],
    "green_ratio": ["%"],
}


def _written(n: float, style: str) -> str:
    if style == "grouped":
        return f"{n:,.6f}".rstrip("0").rstrip(".")
    if style == "exp":
        return f"{n:e}"
    if style == "full":
        return "".join(FULL_WIDTH.get(c, c) for c in repr(n))
    return repr(n)


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(200), deadline=None)
@given(
    st.sampled_from(sorted(FIELD_UNITS)).flatmap(lambda f: st.tuples(st.just(f), st.sampled_from(FIELD_UNITS[f]))),
    st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.sampled_from(["repr", "grouped", "exp", "full"]),
    st.sampled_from(["", " "]),
)
def test_a_well_formed_quantity_round_trips_through_dump_and_load(
    field_unit: tuple[str, str], n: float, style: str, space: str
) -> None:
    field, unit = field_unit
    if field == "green_ratio":
        n = n % 100
    text = f"{_written(n, style)}{space}{unit}"
    p, exc = attempt(**{field: text})
    if exc is not None:  # only a value that underflows once converted
        assert "too small" in exc.message_en, (text, exc.message_en)
        return
    assert p is not None
    value = getattr(p, field)
    assert math.isfinite(value)
    assert value >= 0
    dumped = p.model_dump()
    assert Project.model_validate(dumped, context={"units": UNITS}) == p
    # and through JSON, as a caller that stores projects would
    again = Project.model_validate(json.loads(p.model_dump_json()), context={"units": UNITS})
    assert again == p
    assert getattr(again, field) == value


def test_round_trip_through_a_toml_file(tmp_path: Path) -> None:
    p = project(total_investment="１２，５００ 万元", land_area="1.2万平方米", employees="350 人", green_ratio="４５％")
    lines = ['id = "N-1"', 'name = "numbers"']
    for name in ("total_investment", "land_area", "green_ratio"):
        lines.append(f'{name} = "{p.model_dump()[name]}"')
    lines.append(f"employees = {p.employees}")
    path = tmp_path / "p.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert VETTER.load(path) == [p]


def test_units_parse_quantity_keeps_its_contract() -> None:
    units = Units()
    assert units.parse_quantity("3.2万吨标准煤")[0] == 3.2
    assert units.symbol(units.parse_quantity("1.2万平方米")[1]) == "m²"
    assert units.parse_quantity("1.2万平方米")[0] == 12000.0
    with pytest.raises(ValueError, match="a comma only between groups of three digits"):
        units.parse_quantity("0,3 亿元")
