"""Property tests of the list-file parser: generated lists, valid and malformed, text and bytes.

- A valid generated list is read completely: every generated code, on its line, with its name.
- Any text or bytes give listings or a :class:`UsageError` naming the file and the line (and the field for an
  error in a row), never another exception.
- Whatever a mutation does to a valid list, a list that is read has exactly one listing per line that is not
  blank: no row is ever silently dropped or merged into another.

Sized with ``fuzz_examples``; ``HESHAN_FUZZ_SCALE=50`` runs a long campaign.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if os.environ.get("HESHAN_REQUIRE_PLUGINS") != "1":
    pytest.importorskip(
        "heshan_vetting_credit",
        reason="heshan-vetting-credit is not installed (pip install -e plugins/heshan-vetting-credit)",
    )

from heshan_vetting import UsageError
from heshan_vetting.testing import fuzz_examples
from heshan_vetting_credit.lists import COLUMNS, load_list, parse_list
from heshan_vetting_credit.uscc import ALPHABET, check_character, normalise

pytestmark = pytest.mark.fuzz

PATH = Path("fuzz/list.csv")
SETTINGS = settings(
    max_examples=fuzz_examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
LINE_BREAK = re.compile(r"\r\n|\r|\n")

# -- generated lists ----------------------------------------------------------------------------------

codes = st.builds(
    lambda head, division, own: head + division + own + check_character(head + division + own),
    st.text(ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(ALPHABET, min_size=9, max_size=9),
)
# Any cell text but a line break (one record per line) and NUL; surrogates cannot be encoded.
cell_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"),
    max_size=12,
)
dates = st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}")


@dataclass(frozen=True)
class Generated:
    text: str
    codes: list[str]
    names: list[str]
    lines: list[int]
    """The line of each code."""


def _cell(value: str, quote: bool) -> str:
    if quote or any(ch in value for ch in ',"') or value != value.strip(" \t"):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def valid_lists(draw: st.DrawFn) -> Generated:
    extra = draw(st.lists(st.sampled_from(["备注", "note", "", "序号"]), max_size=2))
    columns = draw(st.permutations(["credit_code", "name", *draw(st.sets(st.sampled_from(list(COLUMNS)[2:])))]))
    columns = [*columns, *extra]
    header = [draw(st.sampled_from(COLUMNS[c])) if c in COLUMNS else c for c in columns]
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = [",".join(_cell(h, draw(st.booleans())) for h in header)]
    rows = draw(st.lists(st.tuples(codes, cell_text, cell_text, st.booleans()), max_size=8))
    out_codes, out_names, out_lines = [], [], []
    for code, name, other, blank_before in rows:
        if blank_before:
            lines.append(draw(st.sampled_from(["", " ", ",", '""', ",,,", " \t "])))
        cells = []
        for column in columns:
            if column == "credit_code":
                value = draw(st.sampled_from([code, code.lower(), f" {code} ", f"{code[:8]}-{code[8:]}"]))
            elif column == "name":
                value = name
            elif column in ("listed_on", "removed_on"):
                value = ""
            else:
                value = other
            cells.append(_cell(value, draw(st.booleans())))
        lines.append(",".join(cells))
        out_codes.append(code)
        out_names.append(name.strip())
        out_lines.append(len(lines))
    text = end.join(lines) + draw(st.sampled_from(["", end, end + end]))
    return Generated(text, out_codes, out_names, out_lines)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode("utf-16") if encoding == "utf-16" else text.encode(encoding)


# -- properties ---------------------------------------------------------------------------------------


def assert_located(err: UsageError) -> None:
    assert err.file == str(PATH)
    assert err.line is not None
    assert err.line >= 1
    assert err.message_en
    assert err.message_zh


@SETTINGS
@given(valid_lists())
def test_every_row_of_a_valid_list_is_read(generated: Generated) -> None:
    listings = parse_list(generated.text, PATH)
    assert [x.credit_code for x in listings] == generated.codes
    assert [x.name for x in listings] == generated.names
    assert [x.source for x in listings] == [f"{PATH}:{n}" for n in generated.lines]


@SETTINGS
@given(valid_lists(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_every_row_of_a_valid_list_file_is_read_in_each_encoding(
    tmp_path_factory: pytest.TempPathFactory, generated: Generated, encoding: str
) -> None:
    path = tmp_path_factory.mktemp("enc") / "list.csv"
    path.write_bytes(_encode(generated.text, encoding))
    listings = load_list(path)
    assert [x.credit_code for x in listings] == generated.codes
    assert [x.source for x in listings] == [f"{path}:{n}" for n in generated.lines]
    if encoding != "gb18030":  # GB 18030 bytes may also be valid UTF-8, and are then read as such
        assert [x.name for x in listings] == generated.names


def _non_blank_lines(text: str) -> list[int]:
    """Lines (1-based) that hold anything but blanks, commas and quotes: each must be one listing or the header."""
    return [
        n
        for n, line in enumerate(LINE_BREAK.split(text.lstrip("\ufeff")), start=1)
        if line.replace(",", "").replace('"', "").strip()
    ]


MUTATIONS = st.sampled_from(['"', ",", "\n", "\r", "\x00", "\ufeff", " ", '""', "\u2028", "\x85", "\x1c", "a"])


@SETTINGS
@given(valid_lists(), st.lists(st.tuples(st.integers(min_value=0), MUTATIONS, st.booleans()), min_size=1, max_size=3))
def test_a_mutated_list_is_read_whole_or_refused_with_its_line(
    generated: Generated, edits: list[tuple[int, str, bool]]
) -> None:
    text = generated.text
    for at, piece, delete in edits:
        at %= len(text) + 1
        text = text[:at] + text[at + 1 :] if delete and at < len(text) else text[:at] + piece + text[at:]
    try:
        listings = parse_list(text, PATH)
    except UsageError as err:
        assert_located(err)
        return
    lines = LINE_BREAK.split(text.lstrip("\ufeff"))
    body = _non_blank_lines(text)
    assert body, "a list without a header was read"
    data = body[1:]
    if lines[body[0] - 1].strip().lower().startswith("sep="):
        data = data[1:]
    # one listing per line that is not blank, in order: nothing dropped, nothing merged
    assert [int(x.source.rsplit(":", 1)[1]) for x in listings] == data
    for listing in listings:
        line = lines[int(listing.source.rsplit(":", 1)[1]) - 1]
        assert listing.credit_code in normalise(line.replace('"', ""))


@SETTINGS
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_any_text_is_listings_or_a_located_error(text: str) -> None:
    try:
        parse_list(text, PATH)
    except UsageError as err:
        assert_located(err)


@SETTINGS
@given(st.one_of(st.binary(max_size=300), valid_lists().map(lambda g: g.text.encode("utf-16-le"))))
def test_any_bytes_are_listings_or_a_located_error(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "list.csv"
    path.write_bytes(data)
    try:
        load_list(path)
    except UsageError as err:
        error: UsageError | None = err
    else:
        error = None
    if error is not None:
        assert error.file == str(path)
        assert error.line is not None
