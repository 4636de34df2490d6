"""``rounded_float`` is ``float(round_half_up(x, places))`` without the Decimal: the same float, bit for bit."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heshan_vetting.evaluation import findings
from heshan_vetting.lang.ops import CMP, compare_numbers
from heshan_vetting.lang.values import round_half_up, rounded_float, scaled_half_up
from heshan_vetting.packs.compiled import NumericCheck
from heshan_vetting.terms import format_number


def _same(x: float, places: int) -> None:
    got, want = rounded_float(x, places), float(round_half_up(x, places))
    assert repr(got) == repr(want), (x, places)  # repr: -0.0 and 0.0 differ


@settings(max_examples=2000, deadline=None)
@given(x=st.floats(allow_nan=False, allow_infinity=False), places=st.sampled_from([0, 1, 2, 4, 6, 10]))
def test_any_float(x: float, places: int) -> None:
    _same(x, places)


@settings(max_examples=2000, deadline=None)
@given(
    units=st.integers(min_value=-(10**9), max_value=10**9),
    scale=st.integers(min_value=0, max_value=8),
    places=st.sampled_from([0, 1, 2, 4, 6]),
)
def test_decimal_looking_floats(units: int, scale: int, places: int) -> None:
    _same(units / 10**scale, places)


@pytest.mark.parametrize(
    "x",
    [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, 0.125, 0.00005, -0.00005, 0.00015, 1.00005, 2.675, 1.005, 1e16, 1e15 + 0.5,
     123456789012.34567, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, 433.33333333333337, -1e-7, 12.34499999999],
)  # fmt: skip
def test_ties_and_edges(x: float) -> None:
    for places in range(11):
        _same(x, places)


def test_decimal_ties_round_up_as_written() -> None:
    assert rounded_float(2.675, 2) == 2.68  # 2.675 is below 2.675 in binary; as written it is a tie: up
    assert rounded_float(1.005, 2) == 1.01
    assert rounded_float(-0.125, 2) == -0.13  # half-up is away from zero
    assert math.copysign(1, rounded_float(-0.00001, 4)) == -1  # -0.0, as the Decimal gives


def test_non_finite_takes_the_decimal_path() -> None:
    for x in (math.inf, -math.inf, math.nan):
        try:
            want: object = float(round_half_up(x, 2))
        except Exception as exc:  # the Decimal path's own error
            with pytest.raises(type(exc)):
                rounded_float(x, 2)
        else:
            got = rounded_float(x, 2)
            assert repr(got) == repr(want)


def _format_reference(x: float | Decimal, places: int | None) -> str:
    """terms.format_number as it was: in a local context with the digits it needs."""
    d = x if isinstance(x, Decimal) else Decimal(repr(float(x)))
    if not d.is_finite():
        return str(x)
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, d.adjusted() + (places or 0) + 30)
        if places is not None:
            d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


@settings(max_examples=2000, deadline=None)
@given(
    x=st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.decimals(allow_nan=False, allow_infinity=False)),
    places=st.sampled_from([None, 0, 1, 2, 4, 6, 10]),
)
def test_format_number_same_as_in_a_local_context(x: float | Decimal, places: int | None) -> None:
    assert format_number(x, places) == _format_reference(x, places)


OPS = ["<", "<=", ">", ">=", "==", "!="]
FIGURES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**9), max_value=10**9).flatmap(
        lambda u: st.integers(min_value=0, max_value=7).map(lambda k: u / 10**k)
    ),
    st.sampled_from([0.0, -0.0, 0.5, -0.5, 2.675, 1.005, 1e-5, -1e-5, 0.00005, -0.00004, 1e16, 123.45, 123.4500001]),
)


@settings(max_examples=3000, deadline=None)
@given(
    a=FIGURES,
    b=FIGURES,
    op=st.sampled_from(OPS),
    places=st.sampled_from([0, 1, 2, 4, 6, 10]),
    unit=st.sampled_from(["", "%", "万元/亩"]),
)
def test_comparison_on_integers_same_as_on_decimals(a: float, b: float, op: str, places: int, unit: str) -> None:
    check = NumericCheck(expression="x", left=lambda env: a, right=lambda env: b, op=op, unit=unit,  # type: ignore[arg-type]
                         threshold_name="t")  # fmt: skip
    want_cmp, want_text = findings._comparison_decimal(check, a, b, places)
    got_cmp, got_text = findings._comparison(check, {}, places)
    assert got_text == want_text
    assert repr(got_cmp) == repr(want_cmp)  # repr: -0.0 and 0.0 differ
    assert got_cmp.model_dump_json() == want_cmp.model_dump_json()


def test_comparison_integer_path_is_taken() -> None:
    check = NumericCheck(expression="x", left=lambda env: 12.345, right=lambda env: 20.0, op=">=", unit="万元",  # type: ignore[arg-type]
                         threshold_name="t")  # fmt: skip
    assert findings._comparison_scaled(check, 12.345, 20.0, 2) is not None
    cmp, text = findings._comparison(check, {}, 2)
    assert (cmp.actual, cmp.threshold, cmp.gap, cmp.passed) == (12.35, 20.0, 7.65, False)
    assert text == (
        "需 ≥ 20 万元，现为 12.35 万元，差 7.65 万元",
        "needs ≥ 20 万元; has 12.35 万元; short by 7.65 万元",
    )


@settings(max_examples=3000, deadline=None)
@given(x=FIGURES, places=st.sampled_from([0, 1, 2, 4, 6, 10, 11]))
def test_scaled_half_up_is_the_rounded_figure_scaled(x: float, places: int) -> None:
    got = scaled_half_up(x, places)
    if got is not None:
        assert got == int(round_half_up(x, places).scaleb(places, context=Context(prec=1000)))


@settings(max_examples=3000, deadline=None)
@given(a=FIGURES, b=FIGURES, op=st.sampled_from(OPS), places=st.sampled_from([0, 1, 2, 4, 6, 10]))
def test_compiled_comparison_same_as_on_decimals(a: float, b: float, op: str, places: int) -> None:
    fn = compare_numbers(lambda env: a, lambda env: b, op, places)  # type: ignore[arg-type]
    want = CMP[op](round_half_up(a, places), round_half_up(b, places))  # type: ignore[index]
    assert fn({}) is want
