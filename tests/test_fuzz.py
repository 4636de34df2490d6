"""Property tests: arbitrary input gives a result or a located user error, never a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heshan_vetting import ProjectError, Vetter
from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.lang.parser import parse
from heshan_vetting.lang.syntax import ExprSyntaxError
from heshan_vetting.testing import fuzz_examples

VETTER = Vetter()

UNITS = [
    "亩",
    "公顷",
    "m2",
    "平方米",
    "万元",
    "亿元",
    "元",
    "tce",
    "万吨标准煤",
    "kWh",
    "万千瓦时",
    "%",
    "",
    "米",
    "foo",
    "/",
    "**",
]
numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
)
quantity_text = st.builds(lambda n, u, sp: f"{n}{' ' if sp else ''}{u}", numbers, st.sampled_from(UNITS), st.booleans())
values = st.one_of(
    numbers,
    quantity_text,
    st.text(max_size=12),
    st.booleans(),
    st.lists(st.text(max_size=6), max_size=3),
    st.dates().map(str),
    st.none(),
)
keys = st.sampled_from([*FIELD_SPECS, "location", "sources", "notes", "unknown_key", "landarea"])


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, values, max_size=8))
def test_any_project_dict_is_a_project_or_a_located_project_error(data: dict[str, Any]) -> None:
    data = {"id": "F-1", "name": "fuzz", **{k: v for k, v in data.items() if v is not None}}
    error: ProjectError | None = None
    try:
        project = VETTER.project(data)
    except ProjectError as exc:
        error = exc
    if error is not None:
        assert error.field, error  # the error names the field
        assert error.message_en
        assert error.message_zh
        return
    report = VETTER.check(project)  # a valid project always gets a report
    assert report.verdict.value in ("approve", "conditional", "deferred", "reject")
    assert report.to_json()


ALPHABET = st.sampled_from(
    [*list("abc_ 0123456789.+-*/()[]<>=!,\"'%≥≤×÷"), "and", "or", "not", "in", " is ", "present"]
)


@pytest.mark.fuzz
@settings(max_examples=fuzz_examples(600), deadline=None)
@given(st.lists(ALPHABET, max_size=20).map("".join))
def test_any_condition_text_parses_or_gives_a_syntax_error_with_a_position(text: str) -> None:
    error: ExprSyntaxError | None = None
    try:
        parse(text)
    except ExprSyntaxError as exc:
        error = exc
    if error is not None:
        assert 0 <= error.pos <= len(text)
        assert error.message_en
        assert error.message_zh
