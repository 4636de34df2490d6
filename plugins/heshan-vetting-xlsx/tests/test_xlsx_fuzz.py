"""Property tests of the xlsx loader on generated workbooks (issue 9): headers, values and types at random,
blank rows, stray cells far away, and sheets whose XML or bytes are damaged.

- Any generated workbook gives projects or a ProjectError naming the file and the row (the line); never
  another exception.
- A valid generated workbook gives one project per row that holds a value, in order: blank rows and
  stray empty cells, near or far, never hide one.
- A workbook whose sheet XML or whose bytes are damaged gives projects or a ProjectError naming the file.

Far cells are far in one direction at a time (a far row, or a far column): the loader before the fix
took minutes for a far row and all memory for a cell far in both; test_xlsx_limits.py covers that case in
a capped subprocess. Sized with ``fuzz_examples``; ``HESHAN_FUZZ_SCALE=50`` runs a long campaign.
"""

from __future__ import annotations

import io
import os
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heshan_vetting import ProjectError
from heshan_vetting.testing import fuzz_examples
from heshan_vetting.units import Units

REQUIRE = os.environ.get("HESHAN_REQUIRE_PLUGINS") == "1"
try:
    import openpyxl
    from xlsx_helpers import SHEET_PART

    from heshan_vetting_xlsx import read_projects
except ImportError as exc:  # pragma: no cover - only without the plugin's dependencies
    if REQUIRE:
        raise
    pytest.skip(f"heshan_vetting_xlsx cannot be imported ({exc})", allow_module_level=True)

pytestmark = pytest.mark.fuzz

UNITS = Units()
SETTINGS = settings(
    max_examples=fuzz_examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- generated workbooks --------------------------------------------------------------------------------

HEADERS = [
    "id", "项目编号", "name", "项目名称", "用地面积（亩）", "land_area (公顷)", "用地面积", "总投资（亿元）",
    "annual_tax（万元）", "年综合能耗", "容积率", "绿地率（%）", "建筑系数", "从业人数（人）", "申请日期",
    "in_compliant_park", "products", "所在镇街", "备注", "行业代码", "建设性质", "catalogue_class",
    # not valid: unknown, refused, or a unit that does not fit
    "用地面职", "sources", "用地面积（万元）", "容积率（%）", "用地面积（）", "  ", "",
]  # fmt: skip
# Text a cell may hold: printable (openpyxl refuses control characters), not a formula ("=…").
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=10).filter(lambda t: not t.startswith("="))
VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "#N/A", "#DIV/0!", "12 公顷", "52%", "1,200", "2024-03-01", "2024年3月1日", "是", "否",
                     "光伏组件、电池片", "encouraged", "new", "C3825", "1e999", "-5", "0,3 亿元"]),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 1, 1)),
    TEXT,
)  # fmt: skip
# A stray cell far below the table (a column near it) or far right of it (a row near it).
FAR = st.one_of(
    st.tuples(st.integers(50, 1_048_576), st.integers(1, 30)),
    st.tuples(st.integers(1, 12), st.integers(30, 16_384)),
)


def save(wb: Any) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook(header: list[Any], rows: list[list[Any]], stray: list[tuple[tuple[int, int], Any]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "项目"
    for r, row in enumerate([header, *rows], start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    for (r, c), value in stray:
        ws.cell(r, c, value)
    return save(wb)


def write(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "intake.xlsx"
    path.write_bytes(data)
    return path


def load(path: Path) -> list[Any] | ProjectError:
    """The projects, or the ProjectError (which must name the file); any other exception fails the test."""
    try:
        return read_projects(path, UNITS)
    except ProjectError as err:
        error = err
    assert error.file == str(path)
    assert error.message_en
    assert error.message_zh
    return error


@SETTINGS
@given(
    st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8),
    st.lists(st.lists(VALUES, max_size=9), max_size=6),
    st.lists(st.tuples(FAR, st.sampled_from([" ", "x", 1, None])), max_size=2),
)
def test_any_workbook_is_projects_or_an_error_naming_file_and_row(
    tmp_path_factory: pytest.TempPathFactory, header: list[str], rows: list[list[Any]], stray: list[Any]
) -> None:
    result = load(write(tmp_path_factory, workbook(list(header), rows, stray)))
    if isinstance(result, ProjectError):
        assert result.line is not None, result.format("en")


# Valid columns, each with values the library accepts (or an empty cell).
VALID_COLUMNS: dict[str, Any] = {
    "用地面积（亩）": st.one_of(st.none(), st.floats(min_value=1, max_value=5000)),
    "容积率": st.one_of(st.none(), st.floats(min_value=0.1, max_value=5)),
    "绿地率（%）": st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
    "从业人数（人）": st.one_of(st.none(), st.integers(min_value=0, max_value=100_000)),
    "所在镇街": st.one_of(st.none(), st.sampled_from(["址山镇", "共和镇", "沙坪街道"])),
    "申请日期": st.one_of(st.none(), st.dates().map(lambda d: datetime(d.year, d.month, d.day))),
    "products": st.one_of(st.none(), st.sampled_from(["光伏组件", "光伏组件、电池片"])),
}


@st.composite
def valid_workbooks(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    extra = draw(st.lists(st.sampled_from(list(VALID_COLUMNS)), unique=True, max_size=4))
    header = draw(st.permutations(["id", "name", *extra]))
    gap = draw(st.integers(0, 3))  # empty header cells between columns
    header = [h for name in header for h in (name, *([None] * gap))]
    rows: list[list[Any]] = []
    ids: list[str] = []
    for i in range(draw(st.integers(1, 6))):
        rows.extend([None] * draw(st.integers(0, 3)) for _ in range(draw(st.integers(0, 2))))  # blank rows
        pid = f"P-{i}"
        row = [
            pid if h == "id" else f"项目{i}" if h == "name" else draw(VALID_COLUMNS[h]) if h else None for h in header
        ]
        rows.append(row)
        ids.append(pid)
    # stray cells that hold nothing: far away, or in an empty header column, or right of the table
    stray = draw(st.lists(st.tuples(FAR, st.sampled_from([" ", "  ", "\t"])), max_size=3))
    return workbook(header, rows, stray), ids


@SETTINGS
@given(valid_workbooks())
def test_every_row_of_a_valid_workbook_is_one_project(
    tmp_path_factory: pytest.TempPathFactory, generated: tuple[bytes, list[str]]
) -> None:
    data, ids = generated
    result = load(write(tmp_path_factory, data))
    assert not isinstance(result, ProjectError), result.format("en")
    assert [p.id for p in result] == ids


XML_PIECES = st.sampled_from([
    "<", ">", '"', "/", "=", '<row r="2">', '<row r="1">', "</row>", '<c r="B2">', '<c r="XFD1048576">', "</c>",
    "<v>1</v>", "<v>x</v>", "<f>A1</f>", ' t="s"', ' t="e"', ' t="b"', ' t="d"', ' s="99"', "<is><t>x</t></is>",
    "<!DOCTYPE a>", '<row r="1048577"/>', "9", "&amp;", "&bogus;",
])  # fmt: skip


@SETTINGS
@given(
    valid_workbooks(),
    st.lists(st.tuples(st.integers(min_value=0), XML_PIECES, st.integers(0, 12)), min_size=1, max_size=3),
)
def test_a_damaged_sheet_is_projects_or_an_error_naming_the_file(
    tmp_path_factory: pytest.TempPathFactory, generated: tuple[bytes, list[str]], edits: list[tuple[int, str, int]]
) -> None:
    source = zipfile.ZipFile(io.BytesIO(generated[0]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == SHEET_PART:
                text = data.decode("utf-8")
                for at, piece, cut in edits:
                    at %= len(text) + 1
                    text = text[:at] + piece + text[at + cut :]
                data = text.encode("utf-8")
            target.writestr(info.filename, data)
    load(write(tmp_path_factory, out.getvalue()))


@SETTINGS
@given(valid_workbooks(), st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=4))
def test_damaged_bytes_are_projects_or_an_error_naming_the_file(
    tmp_path_factory: pytest.TempPathFactory, generated: tuple[bytes, list[str]], flips: list[tuple[int, int]]
) -> None:
    data = bytearray(generated[0])
    for at, byte in flips:
        data[at % len(data)] = byte
    load(write(tmp_path_factory, bytes(data)))


def test_an_archive_member_with_an_empty_name_is_an_error_naming_the_file(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # found by the fuzz test above: ZipInfo.is_dir() raised IndexError on an empty member name
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo(""), b"")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    assert isinstance(load(write(tmp_path_factory, out.getvalue())), ProjectError)
