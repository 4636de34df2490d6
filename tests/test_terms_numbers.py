"""Figures as reports write them (``terms.format_number``), down to the largest float a project may give."""

from __future__ import annotations

import sys

import pytest

from heshan_vetting import Vetter
from heshan_vetting.terms import format_number, format_quantity


@pytest.mark.parametrize(
    ("x", "places", "text"),
    [
        (433.333, 2, "433.33"),
        (20.0, 2, "20"),
        (0.7, 2, "0.7"),
        (-3.5, 2, "-3.5"),
        (1000000.0, 2, "1000000"),
        (0.005, 2, "0.01"),  # half up
        (-0.001, 2, "0"),
        (12.3456, None, "12.3456"),
        (1.5e25, 2, "15000000000000000000000000"),
    ],
)
def test_format_number(x: float, places: int | None, text: str) -> None:
    assert format_number(x, places) == text


def test_the_largest_float_is_written_out_not_an_error() -> None:
    # found by tests/test_fuzz_inputs.py: annual_tax = "1e308 万元" made the score line raise InvalidOperation
    text = format_number(sys.float_info.max)
    assert len(text) == 309
    assert text.isdigit()
    assert format_quantity(1e308, "万元").endswith(" 万元")


def test_a_project_with_a_huge_figure_renders() -> None:
    report = Vetter().check({"id": "BIG", "name": "巨额", "industry_code": "C3825", "land_area": "10 亩",
                             "annual_tax": "1e308 万元"})  # fmt: skip
    assert Vetter().render(report, "text")
