"""Units: Chinese land, money and energy units, parsing and conversion factors."""

from __future__ import annotations

import math

import pint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heshan_vetting import Units
from heshan_vetting.units import CANONICAL_UNITS, builtin_definitions, dimension_label


@pytest.fixture(scope="module")
def units() -> Units:
    return Units()


def factor(units: Units, src: str, dst: str) -> float:
    return units.factor(units.unit(src), units.unit(dst))


# -- land --------------------------------------------------------------------------------------


def test_one_hectare_is_fifteen_mu(units: Units) -> None:
    assert factor(units, "公顷", "亩") == pytest.approx(15.0, rel=1e-12)
    assert factor(units, "ha", "mu") == pytest.approx(15.0, rel=1e-12)


def test_mu_is_ten_thousand_fifteenths_of_a_square_metre(units: Units) -> None:
    assert factor(units, "亩", "m2") == pytest.approx(10000 / 15, rel=1e-12)
    assert factor(units, "亩", "平方米") == pytest.approx(666.6667, rel=1e-6)


def test_square_metre_to_mu_and_back(units: Units) -> None:
    there = factor(units, "m2", "亩")
    back = factor(units, "亩", "m2")
    assert there * back == pytest.approx(1.0, rel=1e-12)
    # 120000 m² = 12 公顷 = 180 亩
    assert 120000 * there == pytest.approx(180.0, rel=1e-12)


def test_hectare_mu_round_trip(units: Units) -> None:
    to_mu = factor(units, "公顷", "亩")
    to_ha = factor(units, "亩", "公顷")
    assert 12 * to_mu * to_ha == pytest.approx(12.0, rel=1e-12)
    assert to_ha == pytest.approx(1 / 15, rel=1e-12)


def test_square_kilometre_is_one_hundred_hectares(units: Units) -> None:
    assert factor(units, "平方公里", "公顷") == pytest.approx(100.0, rel=1e-12)
    assert factor(units, "km2", "亩") == pytest.approx(1500.0, rel=1e-12)


# -- money -------------------------------------------------------------------------------------


def test_yi_yuan_to_wan_yuan(units: Units) -> None:
    magnitude, unit = units.parse_quantity("12.5 亿元")
    assert magnitude * units.factor(unit, units.unit(CANONICAL_UNITS["money"])) == pytest.approx(125000.0, rel=1e-12)


def test_money_aliases(units: Units) -> None:
    assert factor(units, "万元", "元") == pytest.approx(10000.0)
    assert factor(units, "千元", "万元") == pytest.approx(0.1)
    assert factor(units, "亿元", "万元") == pytest.approx(10000.0)
    assert factor(units, "wan_yuan", "yuan") == pytest.approx(10000.0)


# -- energy and electricity --------------------------------------------------------------------


def test_wan_tonnes_coal_equivalent_to_tce(units: Units) -> None:
    magnitude, unit = units.parse_quantity("3.2 万吨标准煤")
    assert magnitude * units.factor(unit, units.unit("tce")) == pytest.approx(32000.0, rel=1e-12)
    assert factor(units, "万吨标煤", "吨标准煤") == pytest.approx(10000.0)


def test_kgce_is_29307_6_kilojoules(units: Units) -> None:
    assert factor(units, "kgce", "kJ") == pytest.approx(29307.6, rel=1e-12)
    assert factor(units, "千克标准煤", "千焦") == pytest.approx(29307.6, rel=1e-12)
    assert factor(units, "tce", "kgce") == pytest.approx(1000.0, rel=1e-12)


def test_wan_kwh_and_kwh(units: Units) -> None:
    assert factor(units, "万千瓦时", "kWh") == pytest.approx(10000.0, rel=1e-12)
    assert factor(units, "亿千瓦时", "万千瓦时") == pytest.approx(10000.0, rel=1e-12)
    assert factor(units, "MWh", "万千瓦时") == pytest.approx(0.1, rel=1e-12)
    assert factor(units, "度", "kWh") == pytest.approx(1.0)


def test_kwh_is_3600_kilojoules(units: Units) -> None:
    assert factor(units, "kWh", "kJ") == pytest.approx(3600.0, rel=1e-12)
    # calorific equivalent: 1 kWh ≈ 0.1228 kgce
    assert factor(units, "kWh", "kgce") == pytest.approx(3600 / 29307.6, rel=1e-12)


# -- percent and dimensionless -----------------------------------------------------------------


def test_percent_is_one_hundredth(units: Units) -> None:
    assert factor(units, "%", "") == pytest.approx(0.01)
    assert factor(units, "", "%") == pytest.approx(100.0)
    magnitude, unit = units.parse_quantity("30%")
    assert magnitude == 30.0
    assert units.symbol(unit) == "%"


def test_dimensionless_unit_is_empty(units: Units) -> None:
    assert units.unit("") == units.unit("1")
    assert units.symbol(units.unit("")) == ""
    assert units.dimensionality(units.unit("")) == "dimensionless"


# -- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "magnitude", "symbol"),
    [
        ("2078.70万元", 2078.7, "万元"),
        ("3.2万吨标准煤", 3.2, "万吨标准煤"),
        ("180亩", 180.0, "亩"),
        ("  12 公顷  ", 12.0, "公顷"),
        ("1,234.5 万元", 1234.5, "万元"),
        ("1.5e3 kWh", 1500.0, "kWh"),
        ("-5 亩", -5.0, "亩"),
        ("1.2", 1.2, ""),
        (".5 亿元", 0.5, "亿元"),
    ],
)
def test_parse_quantity(units: Units, text: str, magnitude: float, symbol: str) -> None:
    got, unit = units.parse_quantity(text)
    assert got == pytest.approx(magnitude)
    assert units.symbol(unit) == symbol


def test_parse_compound_unit(units: Units) -> None:
    magnitude, unit = units.parse_quantity("300 万元/亩")
    assert magnitude == 300.0
    assert units.symbol(unit) == "万元/亩"
    assert units.dimensionality(unit) == "[currency] / [length] ** 2"
    assert units.factor(unit, units.unit("万元/公顷")) == pytest.approx(15.0)


@pytest.mark.parametrize("text", ["nan 亩", "inf 亩", "-inf 万元", "NaN", "1e999 亩", "-1e999 亩"])
def test_nan_and_infinity_rejected(units: Units, text: str) -> None:
    with pytest.raises(ValueError, match=r"not a (finite )?number"):
        units.parse_quantity(text)


@pytest.mark.parametrize("text", ["", "   ", "亩", "abc", "万元 12"])
def test_not_a_number(units: Units, text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        units.parse_quantity(text)


@pytest.mark.parametrize("text", ["5 furlong", "5 万美元", "3 widgets"])
def test_unknown_unit(units: Units, text: str) -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        units.parse_quantity(text)


def test_unknown_unit_direct(units: Units) -> None:
    with pytest.raises(ValueError, match=r"unknown unit 'furlong'"):
        units.unit("furlong")


# -- dimensions --------------------------------------------------------------------------------


def test_money_and_area_are_not_convertible(units: Units) -> None:
    assert units.convertible(units.unit("万元"), units.unit("亩")) is False
    assert units.convertible(units.unit("亩"), units.unit("公顷")) is True
    assert units.convertible(units.unit("万元/亩"), units.unit("亿元/公顷")) is True
    assert units.convertible(units.unit("tce"), units.unit("万千瓦时")) is True  # both are energies
    assert units.convertible(units.unit("%"), units.unit("")) is True


def test_factor_between_dimensions_raises(units: Units) -> None:
    with pytest.raises(pint.DimensionalityError):
        units.factor(units.unit("万元"), units.unit("亩"))
    with pytest.raises(pint.DimensionalityError):
        units.factor(units.unit("tce"), units.unit("万元"))


def test_dimensionality_strings(units: Units) -> None:
    assert units.dimensionality(units.unit("亩")) == "[length] ** 2"
    assert units.dimensionality(units.unit("亿元")) == "[currency]"
    assert units.dimensionality(units.unit("万吨标准煤")) == "[energy]"


def test_dimension_labels() -> None:
    assert dimension_label("[length] ** 2") == "area [length] ** 2"
    assert dimension_label("[length] ** 2", "zh") == "面积"
    assert dimension_label("dimensionless") == "dimensionless"
    assert dimension_label("[weird]") == "[weird]"


@pytest.mark.parametrize(
    ("unit", "shown"),
    [
        ("亩", "亩"),
        ("公顷", "公顷"),
        ("亿元", "亿元"),
        ("万元/亩", "万元/亩"),
        ("tce", "tce"),
        ("万吨标准煤", "万吨标准煤"),
        ("kgce", "kgce"),
        ("万千瓦时", "万千瓦时"),
        ("m2", "m²"),
    ],
)
def test_symbols(units: Units, unit: str, shown: str) -> None:
    assert units.symbol(units.unit(unit)) == shown


def test_registries_are_independent() -> None:
    a = Units()
    b = Units([*builtin_definitions(), "jin = 0.0005 * tonne = 斤"])
    assert b.factor(b.unit("斤"), b.unit("kg")) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unknown unit"):
        a.unit("斤")


def test_canonical_units_are_defined(units: Units) -> None:
    for name in CANONICAL_UNITS.values():
        units.unit(name)  # raises if undefined
    assert units.symbol(units.unit(CANONICAL_UNITS["area"])) == "亩"
    assert units.symbol(units.unit(CANONICAL_UNITS["money"])) == "万元"


# -- properties --------------------------------------------------------------------------------


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(x=finite)
def test_hectares_to_mu_property(units: Units, x: float) -> None:
    magnitude, unit = units.parse_quantity(f"{x} 公顷")
    assert magnitude == x
    assert math.isclose(magnitude * units.factor(unit, units.unit("亩")), x * 15, rel_tol=1e-9, abs_tol=1e-300)


@settings(max_examples=100, deadline=None)
@given(x=st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_no_space_parses_like_space_property(units: Units, x: float) -> None:
    assert units.parse_quantity(f"{x}亿元") == units.parse_quantity(f"{x} 亿元")


def test_reports_show_each_unit_by_its_symbol_in_the_registry() -> None:
    units = Units()
    assert units.symbol(units.unit("ten_thousand_yuan / mu")) == "万元/亩"
    assert units.symbol(units.unit("tce / ten_thousand_yuan")) == "tce/万元"
    assert units.symbol(units.unit("square_meter")) == "m²"
    assert units.symbol(units.unit("hectare")) == "公顷"
    assert units.symbol(units.unit("t")) == "吨"
    assert units.symbol(units.unit("percent")) == "%"
    assert units.symbol(units.unit("dimensionless")) == ""


def test_a_plugin_unit_is_shown_by_the_symbol_its_definition_gives() -> None:
    units = Units([*builtin_definitions(), "standard_cubic_meter = 1 * meter ** 3 = Nm³ = 标方"])
    assert units.symbol(units.unit("标方")) == "Nm³"
    assert units.symbol(units.unit("标方 / mu")) == "Nm³/亩"
