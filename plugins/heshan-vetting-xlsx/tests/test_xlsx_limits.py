"""The loader streams the sheet and keeps to stated limits (issue 9, defect 3).

One space in cell A1048576 made a 4.9 KB intake form take 17 s and 525 MB; in XFD1048576, more than 600 s
and 20 GB. Empty cells now cost nothing wherever they are; what a sheet may hold is bounded (rows, cells,
part sizes), and a workbook beyond a bound, or one whose structure no spreadsheet program writes, is a
located ProjectError, never a hang.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import ProjectError, Vetter
from heshan_vetting.testing import make_vetter

REQUIRE = os.environ.get("HESHAN_REQUIRE_PLUGINS") == "1"
try:
    import openpyxl
    from openpyxl.styles import PatternFill
    from xlsx_helpers import benchmark, build, rewrite

    import heshan_vetting_xlsx
except ImportError as exc:  # pragma: no cover - only without the plugin's dependencies
    if REQUIRE:
        raise
    pytest.skip(f"heshan_vetting_xlsx cannot be imported ({exc})", allow_module_level=True)

HEADER = ["id", "name", "用地面积（亩）"]
ROWS = [HEADER, ["P-1", "一号", 180], ["P-2", "二号", 90]]


@pytest.fixture
def limits() -> Any:
    """The module that holds the limits (monkeypatched to small values in the tests of the limits)."""
    from heshan_vetting_xlsx import _sheet

    return _sheet


@pytest.fixture
def vetter() -> Vetter:
    return make_vetter(heshan_vetting_xlsx)


def ids(vetter: Vetter, path: Path) -> list[str]:
    return [p.id for p in vetter.load(path)]


def load_error(vetter: Vetter, path: Path) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        vetter.load(path)
    assert info.value.file == str(path)
    return info.value


# -- defect 3: one stray cell far away ----------------------------------------------------------------


# Workbooks with far cells are loaded in a subprocess whose address space is capped (MEMORY, MiB) and which is
# killed after TIMEOUT s: a regression then fails the test instead of exhausting the machine.
TIMEOUT, MEMORY = 60, 2048


@pytest.mark.parametrize("cell", ["A1048576", "XFD1048576"])
def test_a_stray_space_far_away_costs_nothing(tmp_path: Path, cell: str) -> None:
    # before the fix A1048576 took 17 s and 525 MB, XFD1048576 more than 600 s and 20 GB
    bench = benchmark()
    path = bench.build_stray(tmp_path / "intake.xlsx", cell)
    assert path.stat().st_size < 10_000
    m = bench.measure(path, TIMEOUT, MEMORY)
    assert m["result"] == "2 projects", m
    assert m["load_s"] < 5, m
    assert m["peak_rss_mib"] < 150, m


def test_a_value_far_away_is_an_error_naming_its_cell(tmp_path: Path) -> None:
    m = benchmark().measure(build(tmp_path / "x.xlsx", ROWS, cells={"XFD1048576": "x"}), TIMEOUT, MEMORY)
    assert m["result"].startswith(f"ProjectError: {tmp_path / 'x.xlsx'}:1048576:16384: 项目!XFD1048576: 第 XFD 列"), m


def test_a_project_far_below_is_read_not_dropped_after_empty_rows(tmp_path: Path) -> None:
    path = build(tmp_path / "far.xlsx", ROWS, cells={"A1048576": "P-9", "B1048576": "九号", "XFD1048575": " "})
    assert benchmark().measure(path, TIMEOUT, MEMORY)["result"] == "3 projects"


def test_formatted_empty_cells_and_rows_are_skipped_cheaply(tmp_path: Path, vetter: Vetter) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "项目"
    for row in ROWS:
        ws.append(row)
    fill = PatternFill("solid", fgColor="FFFF00")
    for r in range(4, 20_004):  # a column formatted far down: stored cells without values
        ws.cell(r, 1).fill = fill
        ws.row_dimensions[r].height = 20
    path = tmp_path / "formatted.xlsx"
    wb.save(path)
    assert ids(vetter, path) == ["P-1", "P-2"]


def test_a_5000_row_ledger_loads_in_well_under_200_mb(tmp_path: Path) -> None:
    bench = benchmark()
    path = bench.build_ledger(tmp_path / "ledger.xlsx", 5000)
    m = bench.measure(path, timeout=300)
    assert m["result"] == "5000 projects", m
    assert m["peak_rss_mib"] < 200, m


# -- limits: at the limit, and one over ---------------------------------------------------------------


def test_project_rows_limit(tmp_path: Path, vetter: Vetter, monkeypatch: pytest.MonkeyPatch, limits: Any) -> None:
    monkeypatch.setattr(limits, "MAX_PROJECT_ROWS", 3)
    rows: list[list[Any]] = [HEADER, *([f"P-{i}", f"{i}号", 1] for i in range(1, 4))]
    assert len(ids(vetter, build(tmp_path / "three.xlsx", [*rows[:3], [None], rows[3]]))) == 3
    err = load_error(vetter, build(tmp_path / "four.xlsx", [*rows, [None], ["P-4", "四号", 1]]))
    assert err.line == 6
    assert "has more than 3 project rows" in err.message_en
    assert "项目行超过 3 行" in err.message_zh


def test_cells_limit_counts_stored_cells_even_empty_ones(
    tmp_path: Path, vetter: Vetter, monkeypatch: pytest.MonkeyPatch, limits: Any
) -> None:
    monkeypatch.setattr(limits, "MAX_CELLS", 9)
    assert ids(vetter, build(tmp_path / "nine.xlsx", ROWS)) == ["P-1", "P-2"]  # 3 x 3 cells
    wb = openpyxl.load_workbook(tmp_path / "nine.xlsx")
    ws = wb.active
    assert ws is not None
    ws["D7"].fill = PatternFill("solid", fgColor="FFFF00")  # a formatted empty cell is stored too
    wb.save(tmp_path / "ten.xlsx")
    err = load_error(vetter, tmp_path / "ten.xlsx")
    assert err.line == 7
    assert "stores more than 9 cells (the limit is passed in row 7)" in err.message_en


def test_part_size_limits(tmp_path: Path, vetter: Vetter, monkeypatch: pytest.MonkeyPatch, limits: Any) -> None:
    path = build(tmp_path / "p.xlsx", ROWS)
    monkeypatch.setattr(limits, "MAX_XML_PART_BYTES", 1000)
    err = load_error(vetter, path)
    assert re.search(r"The workbook part \S+ is 0 MiB uncompressed; at most 0 MiB per part is read", err.message_en)
    monkeypatch.setattr(limits, "MAX_XML_PART_BYTES", 2**20)
    monkeypatch.setattr(limits, "MAX_XML_BYTES", 1000)
    assert "The workbook's XML is" in load_error(vetter, path).message_en
    monkeypatch.setattr(limits, "MAX_XML_BYTES", 2**20)
    monkeypatch.setattr(limits, "MAX_PARTS", 3)
    assert "parts (at most 3)" in load_error(vetter, path).message_en


# -- structure no spreadsheet program writes: refused before openpyxl reads it ------------------------


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (lambda s: s.replace('<row r="3"', '<row r="1048577"').replace('r="A3"', 'r="A1048577"')
         .replace('r="B3"', 'r="B1048577"').replace('r="C3"', 'r="C1048577"'),
         1048577, "row 1048577 is beyond Excel's last row"),
        (lambda s: s.replace('<row r="3"', '<row r="2"'), 2, "row 2 is stored twice"),
        (lambda s: s.replace('<row r="3"', '<row r="1"'), 1, "row 1 is stored after row 2"),
        (lambda s: s.replace('<row r="3"', '<row r="x"'), None, "the row after row 2 is numbered 'x'"),
        (lambda s: s.replace('r="B2"', 'r="A2"'), 2, "the cell A2 is stored twice or out of order"),
        (lambda s: s.replace('r="C2"', 'r="XFE2"'), 2, "beyond Excel's last column"),
        (lambda s: s.replace('r="C2"', 'r="C5"'), 2, "the cell C5 is stored in row 2"),
        (lambda s: s.replace('r="C2"', 'r="2C"'), 2, "has the address '2C'"),
        (lambda s: s.replace("</sheetData>", '<row r="4"><c r="A4"><row r="5"/></c></row></sheetData>'),
         4, "row 4 holds another row"),
        (lambda s: s.replace("<pageMargins", f'<extLst><row r="1">{_cell("A1", "x")}</row></extLst><pageMargins'),
         1, "row 1 is stored after row 3"),
        (lambda s: '<!DOCTYPE x [<!ENTITY a "a">]>' + s, None, "declares a document type"),
        (lambda s: s.replace("</row>", "</rowx>", 1), 1, "not well-formed XML"),
        (lambda s: s.replace('<c r="C3" t="n"><v>90</v></c>', '<c r="C3" t="s"><v>99</v></c>'), 3,
         "a cell of row 3 cannot be read (IndexError"),
        (lambda s: s.replace("<v>90</v>", "<v>abc</v>"), 3, "a cell of row 3 cannot be read (ValueError"),
    ],
    ids=["row-beyond-grid", "row-twice", "row-out-of-order", "row-number", "cell-twice", "cell-beyond-grid",
         "cell-in-other-row", "cell-address", "nested-row", "row-elsewhere", "doctype", "malformed",
         "shared-string-index", "number"],
)  # fmt: skip
def test_a_sheet_no_spreadsheet_program_writes_is_refused(
    tmp_path: Path, vetter: Vetter, change: Any, line: int | None, message: str
) -> None:
    path = rewrite(build(tmp_path / "bad.xlsx", ROWS), change)
    err = load_error(vetter, path)
    assert "This is not a valid .xlsx workbook" in err.message_en
    assert "这不是有效的 .xlsx 工作簿" in err.message_zh
    assert message in err.message_en
    assert err.line == line


def test_an_archive_of_an_unknown_zip_version_is_not_a_valid_workbook(tmp_path: Path, vetter: Vetter) -> None:
    path = build(tmp_path / "v.xlsx", ROWS)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 64  # "version needed to extract": 6.4, which zipfile does not implement
    path.write_bytes(bytes(data))
    assert "This is not a valid .xlsx workbook" in load_error(vetter, path).message_en


def test_a_doctype_in_any_part_is_refused(tmp_path: Path, vetter: Vetter) -> None:
    path = rewrite(build(tmp_path / "bad.xlsx", ROWS), lambda s: '<!DOCTYPE x [<!ENTITY a "a">]>' + s, "xl/styles.xml")
    assert "declares a document type (DOCTYPE) (xl/styles.xml)" in load_error(vetter, path).message_en


@pytest.mark.parametrize(
    ("change", "part"),
    [
        (lambda s: s.replace('<c r="C3" s="2"', '<c r="C3" s="99"'), "xl/worksheets/sheet1.xml"),  # no such style
        (lambda s: s.replace('numFmtId="164"', 'numFmtId="170"', 1), "xl/styles.xml"),  # no such number format
    ],
    ids=["style", "number-format"],
)
def test_a_cell_whose_style_is_not_defined_is_an_error_naming_it(
    tmp_path: Path, vetter: Vetter, change: Any, part: str
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "项目"
    for row in [["id", "name", "绿地率"], ["P-1", "一号", 0.1], ["P-2", "二号", 0.2]]:
        ws.append(row)
    ws["C2"].number_format, ws["C3"].number_format = "0%", "0.0%"
    wb.save(tmp_path / "s.xlsx")
    err = load_error(vetter, rewrite(tmp_path / "s.xlsx", change, part))
    assert (err.line, err.column, err.field) == (3, 3, "绿地率 (项目!C3)")
    assert "refers to a style it does not define" in err.message_en


# -- what a spreadsheet program may write is read as before ---------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda s: re.sub(r"<dimension[^>]*/>", "", s),  # no size record
        lambda s: re.sub(r' r="[A-Z]*\d+"', "", s),  # rows and cells without addresses
        lambda s: s.replace('<row r="3"', '<row r="3.0"'),
        lambda s: s.replace("<worksheet ", f'<x:worksheet xmlns:x="{MAIN}" ').replace("</worksheet>", "</x:worksheet>"),
    ],
    ids=["no-dimension", "no-addresses", "float-row-number", "prefixed-root"],
)  # fmt: skip
def test_structure_spreadsheet_programs_write_is_read(tmp_path: Path, vetter: Vetter, change: Any) -> None:
    assert ids(vetter, rewrite(build(tmp_path / "ok.xlsx", ROWS), change)) == ["P-1", "P-2"]


def test_a_formula_saved_with_an_empty_text_result_is_an_empty_cell(tmp_path: Path, vetter: Vetter) -> None:
    # Excel saves =IF(…,"") that gives "" as t="str" with an empty value: a result, not a missing one
    path = rewrite(
        build(tmp_path / "f.xlsx", ROWS),
        lambda s: s.replace('<c r="C3" t="n"><v>90</v></c>', '<c r="C3" t="str"><f>IF(1,"")</f><v></v></c>'),
    )
    projects = vetter.load(path)
    assert [(p.id, p.land_area) for p in projects] == [("P-1", 180.0), ("P-2", None)]


def test_a_value_merged_down_belongs_to_each_row_of_the_merge(tmp_path: Path, vetter: Vetter) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "项目"
    for row in [[*HEADER, "所在镇街"], ["P-1", "一号", 180, "址山镇"], ["P-2", "二号", 90, None]]:
        ws.append(row)
    ws.merge_cells("D2:D3")
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    assert [p.fact_value("town") for p in vetter.load(path)] == ["址山镇", "址山镇"]
