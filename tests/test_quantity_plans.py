"""A quantity text whose unit text was parsed before (``Units.quantity_plans``) reads as a fresh parse would.

Each value is parsed on a cold registry (no plans: the full parse) and on one that has already parsed a
plain spelling of the same unit text (the plan's short path): the same float, or the same error.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from heshan_vetting import Units
from heshan_vetting.errors import BilingualValueError
from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.model import _quantity

FIELDS = ["land_area", "total_investment", "fixed_asset_investment", "annual_output", "energy_consumption",
          "building_coefficient", "plot_ratio", "annual_tax"]  # fmt: skip
UNIT_TEXTS = ["亩", "万元", "亿元", "元", "万", "亿", "公顷", "平方米", "万平方米", "m²", "km²", "万元/亩", "tce",
              "万吨标准煤", "吨标准煤", "kgce", "%", "万元人民币", "人民币", "mu", "hectare", "ha", "万万元", "x",
              "²", "·亩", "万kWh", "千瓦时", "1", "亩/亩", "万元/万元"]  # fmt: skip
NUMBERS = st.one_of(
    st.sampled_from(["0", "0.0", "00", "1", "12.5", "007", "1e3", "1E-400", "9" * 400, "0.000000001", "3.", ".5"]),
    st.decimals(min_value=0, max_value=10**12, allow_nan=False, places=4).map(str),
    st.integers(min_value=0, max_value=10**30).map(str),
)


def _outcome(value: str, field: str, units: Units) -> Any:
    try:
        return _quantity(value, FIELD_SPECS[field], units)
    except BilingualValueError as exc:
        return ("error", exc.message_en, exc.message_zh)


def _warm(units: Units, unit_text: str, field: str) -> None:
    for number in ("1", "12.5", "3"):
        _outcome(f"{number} {unit_text}", field, units)
        _outcome(f"{number}{unit_text}", field, units)


@settings(max_examples=300, deadline=None)
@given(
    number=NUMBERS,
    space=st.sampled_from(["", " ", "  "]),
    unit_text=st.sampled_from(UNIT_TEXTS),
    field=st.sampled_from(FIELDS),
)
def test_planned_parse_equals_full_parse(number: str, space: str, unit_text: str, field: str) -> None:
    value = f"{number}{space}{unit_text}"
    cold = Units()
    expected = _outcome(value, field, cold)
    assert not cold.quantity_plans or isinstance(expected, float)
    warm = _WARM
    _warm(warm, unit_text, field)
    got = _outcome(value, field, warm)
    assert type(got) is type(expected), (value, field)
    assert repr(got) == repr(expected), (value, field)


_WARM = Units()


def test_plans_are_made_and_used() -> None:
    units = Units()
    assert _quantity("12.5 万元", FIELD_SPECS["total_investment"], units) == 12.5
    assert ("万元", "万元") in units.quantity_plans
    assert _quantity("3亿元", FIELD_SPECS["total_investment"], units) == 30000.0
    assert units.quantity_plans[("亿元", "万元")] == (0, 10000.0)
    assert _quantity("1.2万平方米", FIELD_SPECS["land_area"], units) == 18.0
    assert _quantity("2.4万平方米", FIELD_SPECS["land_area"], units) == 36.0  # through the plan
    # an error leaves no plan, and a text the plan does not cover takes the full parse
    assert _outcome("5 万万元", "total_investment", units)[0] == "error"
    assert ("万万元", "万元") not in units.quantity_plans
    assert _quantity("5000 万元人民币", FIELD_SPECS["total_investment"], units) == 5000.0
    assert not any(key[0].endswith("人民币") for key in units.quantity_plans)
