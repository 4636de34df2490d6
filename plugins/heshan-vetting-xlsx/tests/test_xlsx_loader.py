"""Tests of the heshan-vetting-xlsx loader: workbooks are built with openpyxl in ``tmp_path``.

The in-process tests register the module as a plugin object (``make_vetter(heshan_vetting_xlsx)``).
The subprocess tests go through the installed distribution's entry point; they are skipped when the
distribution is not installed, unless ``HESHAN_REQUIRE_PLUGINS=1`` (as in CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import ProjectError, Vetter
from heshan_vetting.plugins import ENTRY_POINT_GROUP, ENV_DISABLE, ENV_NO_AUTOLOAD
from heshan_vetting.testing import make_vetter, sample_project
from heshan_vetting.units import Units

REQUIRE = os.environ.get("HESHAN_REQUIRE_PLUGINS") == "1"
DISTRIBUTION = "heshan-vetting-xlsx"

try:
    import openpyxl

    import heshan_vetting_xlsx
except ImportError as exc:  # pragma: no cover - only without the plugin's dependencies
    if REQUIRE:
        raise
    pytest.skip(
        f"heshan_vetting_xlsx cannot be imported ({exc}); pip install -e plugins/heshan-vetting-xlsx",
        allow_module_level=True,
    )

REPO = Path(__file__).resolve().parents[3]
EXAMPLE_TOML = REPO / "examples" / "projects" / "pv-module-plant.toml"


def write_workbook(
    path: Path,
    rows: Sequence[Any],
    *,
    formats: Mapping[str, str] | None = None,
    title: str = "项目",
    before: Sequence[str] = (),
) -> Path:
    """Save ``rows`` (row 1 = headers) on a sheet ``title``; ``formats`` maps cell → number format.

    ``before`` names sheets (left empty but for a note) placed ahead of the data sheet.
    """
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    for i, name in enumerate(before):
        ws = first if i == 0 else wb.create_sheet(name)
        ws.title = name
        ws["A1"] = "说明：请在“项目”工作表中填写"
    ws = wb.create_sheet(title) if before else first
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    wb.save(path)
    return path


@pytest.fixture
def vetter() -> Vetter:
    return make_vetter(heshan_vetting_xlsx)


def load_error(vetter: Vetter, path: Path) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        vetter.load(path)
    return info.value


# -- the intake form of the two sample projects ------------------------------------------------------

HEADERS = [
    "项目编号", "name", "申请单位", "industry_code", "主要产品", "建设性质", "catalogue_class", "申请日期",
    "总投资（亿元）", "fixed_asset_investment (亿元)", "用地面积（亩）", "达产年产值(亿元)", "annual_tax（万元）",
    "年综合能耗", "electricity_consumption（万千瓦时）", "容积率", "建筑系数", "绿地率（%）",
    "admin_living_share", "从业人数（人）", "研发投入占比", "所在镇街", "park",
]  # fmt: skip

# Column letters of the percent-formatted fields above.
BUILDING_COEFFICIENT, RD_SHARE = "Q", "U"

ROWS = [
    [
        "TEST-0001", "测试光伏组件项目", "测试新能源有限公司", "C3825", "光伏组件", "新建", "encouraged",
        datetime(2024, 5, 20), 12.5, 10.2, 180, 30, 4200, "4500 吨标准煤", 3000, 1.35, 0.52, 10, "5.5%", 1200.0,
        0.035, "址山镇", "示例产业园",
    ],
    [
        "TEST-0002", "测试二号项目", "测试二号有限公司", "C3825", "光伏组件、光伏边框", "扩建", "鼓励类",
        "2024-05-01", 3, 2.5, "20 公顷", 4, 600, "2000 吨标准煤", 1500.0, 0.9, 0.3, 12, "6%", 150,
        0.01, "共和镇", None,
    ],
]  # fmt: skip

DICTS = [
    sample_project(location={"town": "址山镇", "park": "示例产业园"}),
    sample_project(
        id="TEST-0002",
        name="测试二号项目",
        applicant="测试二号有限公司",
        products=["光伏组件", "光伏边框"],
        construction_type="expansion",
        application_date=date(2024, 5, 1),
        total_investment="3 亿元",
        fixed_asset_investment="2.5 亿元",
        land_area="300 亩",
        annual_output="4 亿元",
        annual_tax="600 万元",
        energy_consumption="2000 tce",
        electricity_consumption="1500 万千瓦时",
        plot_ratio=0.9,
        building_coefficient="30%",
        green_ratio="12%",
        admin_living_share="6%",
        employees=150,
        rd_share="1%",
        location={"town": "共和镇"},
    ),
]

FORMATS = {f"{col}{row}": "0.0%" for col in (BUILDING_COEFFICIENT, RD_SHARE) for row in (2, 3)}


def intake(tmp_path: Path, name: str = "intake.xlsx") -> Path:
    return write_workbook(tmp_path / name, [HEADERS, *ROWS], formats=FORMATS)


def summary(report: Any) -> tuple[Any, ...]:
    score = report.score.total if report.score else None
    return report.verdict, score, [(f.rule_id, f.outcome, f.severity) for f in report.findings]


def test_a_workbook_of_two_projects_checks_like_the_equivalent_dicts(tmp_path: Path, vetter: Vetter) -> None:
    path = intake(tmp_path)
    assert vetter.load(path) == [vetter.project(d) for d in DICTS]
    from_file = list(vetter.check_many([path]))
    from_dicts = list(make_vetter().check_many(DICTS))
    assert [summary(r) for r in from_file] == [summary(r) for r in from_dicts]
    assert from_file[0].verdict != from_file[1].verdict  # the two rows are really different projects
    assert all(r.project.source == str(path) for r in from_file)


def test_an_xlsm_workbook_is_read_too(tmp_path: Path, vetter: Vetter) -> None:
    path = intake(tmp_path, "intake.xlsx").rename(tmp_path / "INTAKE.XLSM")
    assert [p.id for p in vetter.load(path)] == ["TEST-0001", "TEST-0002"]


# -- headers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "cell", "field", "expected"),
    [
        ("用地面积（亩）", 180, "land_area", 180.0),
        ("用地面积(亩)", 180, "land_area", 180.0),
        ("用地面积 （ 亩 ）", 180, "land_area", 180.0),
        ("land_area (亩)", 180, "land_area", 180.0),
        ("Land_Area（公顷）", 12, "land_area", 180.0),
        ("用地面积\n（公顷）", 12, "land_area", 180.0),
        ("*用地面积（亩）", 180, "land_area", 180.0),
        ("用地面积", "12 公顷", "land_area", 180.0),  # a text cell with its own unit is used as it is
        ("用地面积（亩）", "12 公顷", "land_area", 180.0),  # … even under a header with another unit
        ("用地面积（亩）", "1,200", "land_area", 1200.0),  # a number typed as text gets the header's unit
        ("总投资(亿元)", 12.5, "total_investment", 125000.0),
        ("total_investment（万元）", 125000, "total_investment", 125000.0),
        ("年综合能耗（万吨标准煤）", 1.8, "energy_consumption", 18000.0),
        ("从业人数（人）", 350.0, "employees", 350),
        ("容积率", 1.2, "plot_ratio", 1.2),
        ("所在镇街", "址山镇", "town", "址山镇"),
        ("location.park", "示例产业园", "park", "示例产业园"),
        ("建设性质（新建/扩建/改建/迁建）", "迁建", "construction_type", "relocation"),  # a note, not a unit
        ("notes", "二期另行申报", "notes", "二期另行申报"),  # 备注 is an ignored column by default
    ],
)
def test_headers_in_chinese_or_english_with_units(
    tmp_path: Path, vetter: Vetter, header: str, cell: Any, field: str, expected: Any
) -> None:
    path = write_workbook(tmp_path / "h.xlsx", [["id", "项目名称", header], ["P-1", "示例", cell]])
    (project,) = vetter.load(path)
    value = project.fact_value(field) if field in ("town", "park") else getattr(project, field)
    assert value == (pytest.approx(expected) if isinstance(expected, float) else expected)


def test_the_projects_sheet_is_read_wherever_it_is(tmp_path: Path, vetter: Vetter) -> None:
    path = write_workbook(tmp_path / "s.xlsx", [["id", "name"], ["P-1", "示例"]], title="Projects", before=["说明"])
    assert [p.id for p in vetter.load(path)] == ["P-1"]
    # without such a sheet, the first one is read: here a note that is no header
    other = write_workbook(tmp_path / "o.xlsx", [["id", "name"], ["P-1", "示例"]], title="数据", before=["说明"])
    err = load_error(vetter, other)
    assert (err.line, err.column) == (1, 1)


def test_an_unknown_header_is_named_with_a_suggestion(tmp_path: Path, vetter: Vetter) -> None:
    path = write_workbook(tmp_path / "intake.xlsx", [["id", "name", "用地面职（亩）"], ["P-1", "示例", 180]])
    err = load_error(vetter, path)
    assert (err.file, err.line, err.column, err.field) == (str(path), 1, 3, "用地面职（亩）")
    assert "did you mean 'land_area' (用地面积)?" in err.message_en
    assert "是否应为“用地面积”（land_area）？" in err.message_zh
    assert err.format().startswith(f"{path}:1:3: 用地面职（亩）: 未知的列标题")


def test_an_unknown_english_header_is_matched_against_field_names(tmp_path: Path, vetter: Vetter) -> None:
    path = write_workbook(tmp_path / "intake.xlsx", [["id", "name", "anual_tax (万元)"], ["P-1", "示例", 1]])
    assert "did you mean 'annual_tax' (达产年税收)?" in load_error(vetter, path).message_en


def test_a_header_without_any_close_match_says_what_the_header_row_holds(tmp_path: Path, vetter: Vetter) -> None:
    # no row names a field: the first row holding a value is taken for the header row, and its headers are wrong
    path = write_workbook(tmp_path / "intake.xlsx", [["鹤山市项目准入申报表"], ["编码", "称呼"], ["P-1", "一号"]])
    err = load_error(vetter, path)
    assert (err.line, err.column) == (1, 1)
    assert "the header row must hold project field names" in err.message_en
    assert "at least the 项目编号 (id) and 项目名称 (name) columns" in err.message_en


def test_a_title_row_above_headers_without_rows_is_no_project_rows(tmp_path: Path, vetter: Vetter) -> None:
    path = write_workbook(tmp_path / "intake.xlsx", [["鹤山市项目准入申报表"], ["id", "name"]])
    err = load_error(vetter, path)
    assert err.line == 3
    assert "has headers but no project rows; enter one project per row below row 2" in err.message_en


def test_a_sources_column_is_refused(tmp_path: Path, vetter: Vetter) -> None:
    path = write_workbook(tmp_path / "intake.xlsx", [["id", "name", "sources"], ["P-1", "示例", "可研"]])
    err = load_error(vetter, path)
    assert (err.line, err.column) == (1, 3)
    assert "not read from a workbook" in err.message_en


def test_a_duplicate_header_is_an_error(tmp_path: Path, vetter: Vetter) -> None:
    path = write_workbook(tmp_path / "d.xlsx", [["id", "name", "land_area (亩)", "用地面积（公顷）"], ["P", "N", 1, 2]])
    err = load_error(vetter, path)
    assert (err.line, err.column, err.field) == (1, 4, "用地面积（公顷）")
    assert "has two columns: C ('land_area (亩)') and D ('用地面积（公顷）')" in err.message_en


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("用地面积（万元）", "is money [currency] but land_area (用地面积) must be area"),
        ("用地面积（英亩）", "unknown unit '英亩'"),
        ("绿地率（亩）", "its header unit must be %"),
        ("容积率（%）", "plain number without a unit"),
        ("用地面积（）", "parentheses in this header are empty"),
    ],
)
def test_a_header_unit_that_does_not_fit_the_field_is_an_error(
    tmp_path: Path, vetter: Vetter, header: str, message: str
) -> None:
    path = write_workbook(tmp_path / "u.xlsx", [["id", "name", header], ["P-1", "示例", 1]])
    err = load_error(vetter, path)
    assert (err.line, err.column, err.field) == (1, 3, header)
    assert message in err.message_en


def test_the_id_and_name_columns_are_required(tmp_path: Path, vetter: Vetter) -> None:
    path = write_workbook(tmp_path / "r.xlsx", [["项目编号", "用地面积（亩）"], ["P-1", 180]])
    err = load_error(vetter, path)
    assert err.line == 1
    assert "no 项目名称 (name) column" in err.message_en


# -- cells -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "cell", "fmt", "expected"),
    [
        ("绿地率", 0.52, "0%", 52.0),
        ("green_ratio", 0.035, "0.00%", 3.5),
        ("绿地率（%）", 12, "General", 12.0),
        ("绿地率（％）", 12.5, "General", 12.5),  # a full-width percent sign
        ("绿地率（%）", 0.12, "0%", 12.0),  # the cell's percent format wins over the header
        ("绿地率", "12%", "General", 12.0),
        ("绿地率（%）", "12", "@", 12.0),
    ],
)
def test_percent_cells(tmp_path: Path, vetter: Vetter, header: str, cell: Any, fmt: str, expected: float) -> None:
    path = write_workbook(tmp_path / "p.xlsx", [["id", "name", header], ["P-1", "示例", cell]], formats={"C2": fmt})
    (project,) = vetter.load(path)
    assert project.green_ratio == pytest.approx(expected)


@pytest.mark.parametrize("fmt", ["General", '0"%"', "0\\%"])
def test_a_bare_number_under_a_percent_field_is_an_error(tmp_path: Path, vetter: Vetter, fmt: str) -> None:
    path = write_workbook(tmp_path / "p.xlsx", [["id", "name", "绿地率"], ["P-1", "示例", 52]], formats={"C2": fmt})
    err = load_error(vetter, path)
    assert (err.line, err.column, err.field) == (2, 3, "绿地率 (项目!C2)")
    assert "format the cell as a percentage, or write the header as 绿地率（%）" in err.message_en


def test_a_bare_number_without_a_unit_names_the_cell_and_the_unit(tmp_path: Path, vetter: Vetter) -> None:
    rows = [["id", "name", "total_investment", "用地面积"], ["P-1", "示例", "12 亿元", 180]]
    path = write_workbook(tmp_path / "intake.xlsx", rows)
    err = load_error(vetter, path)
    assert (err.file, err.line, err.column, err.field) == (str(path), 2, 4, "用地面积 (项目!D2)")
    assert "180 has no unit; add the unit to the header, e.g. 用地面积（亩）" in err.message_en
    assert "请在列标题中注明单位，如 用地面积（亩）" in err.message_zh
    assert err.format().startswith(f"{path}:2:4: 用地面积 (项目!D2): ")


def test_a_bad_value_in_row_3_names_line_3_and_its_column(tmp_path: Path, vetter: Vetter) -> None:
    rows = [
        ["id", "name", "用地面积（亩）", "绿地率（%）"],
        ["P-1", "一号", 180, 10],
        ["P-2", "二号", 90, 120],
    ]
    path = write_workbook(tmp_path / "intake.xlsx", rows)
    err = load_error(vetter, path)
    assert (err.line, err.column, err.field) == (3, 4, "绿地率 (项目!D3)")
    # the library's bilingual message is kept
    assert err.message_en == "Invalid value: green ratio cannot exceed 100% (got '120%')."
    assert err.message_zh == "绿地率取值无效：绿地率不能超过 100%（实际为 '120%'）。"
    assert (
        err.format("en") == f"{path}:3:4: 绿地率 (项目!D3): Invalid value: green ratio cannot exceed 100% (got '120%')."
    )


def test_an_error_across_fields_names_the_field_the_library_names(tmp_path: Path, vetter: Vetter) -> None:
    rows = [["name", "固定资产投资（亿元）", "id", "总投资（亿元）"], ["示例", 2, "P-1", 1]]
    err = load_error(vetter, write_workbook(tmp_path / "f.xlsx", rows))
    assert (err.line, err.column, err.field) == (2, 2, "固定资产投资 (项目!B2)")
    assert "cannot exceed total_investment" in err.message_en


def test_an_empty_required_cell_names_that_cell(tmp_path: Path, vetter: Vetter) -> None:
    err = load_error(vetter, write_workbook(tmp_path / "e.xlsx", [["id", "name", "容积率"], [None, "示例", 1.2]]))
    assert (err.line, err.column, err.field) == (2, 1, "id (项目!A2)")
    assert "The required key 'id' is missing." in err.message_en


def test_dates_booleans_lists_and_whole_numbers(tmp_path: Path, vetter: Vetter) -> None:
    headers = [
        "id",
        "name",
        "申请日期",
        "in_compliant_park",
        "产能置换方案",
        "光伏压延玻璃项目听证",
        "products",
        "从业人数",
    ]
    rows = [
        headers,
        [17, "一号", datetime(2024, 3, 1, 9, 30), True, "是", "no", "光伏组件，电池片; 边框；支架、 逆变器", 1200.0],
        ["P-2", "二号", "2024年3月1日", False, "否", "YES", "光伏组件", 8],
        ["P-3", "三号", "2024/3/1", "TRUE", "false", None, " 、 ", None],
    ]
    projects = vetter.load(write_workbook(tmp_path / "d.xlsx", rows))
    assert [p.id for p in projects] == ["17", "P-2", "P-3"]
    assert {p.application_date for p in projects} == {date(2024, 3, 1)}
    assert [(p.in_compliant_park, p.capacity_replacement_plan, p.pv_glass_hearing_held) for p in projects] == [
        (True, True, False),
        (False, False, True),
        (True, False, None),
    ]
    assert projects[0].products == ("光伏组件", "电池片", "边框", "支架", "逆变器")
    assert projects[2].products == ()
    assert projects[0].employees == 1200
    assert isinstance(projects[0].employees, int)


def test_empty_rows_and_cells_are_skipped_and_leave_fields_out(tmp_path: Path, vetter: Vetter) -> None:
    rows = [
        ["id", "name", "用地面积（亩）", "annual_tax（万元）"],
        [None, None, None, None],
        ["P-1", "一号", "  ", 4200],
        [None, "   ", None, None],
        ["P-2", "二号", 180, None],
    ]
    projects = vetter.load(write_workbook(tmp_path / "e.xlsx", rows))
    assert [(p.id, p.land_area, p.annual_tax) for p in projects] == [("P-1", None, 4200.0), ("P-2", 180.0, None)]


def test_a_value_in_a_column_without_a_header_is_an_error(tmp_path: Path, vetter: Vetter) -> None:
    rows = [["id", "name", None], ["P-1", "一号", None], ["P-2", "二号", 180]]
    err = load_error(vetter, write_workbook(tmp_path / "n.xlsx", rows))
    assert (err.line, err.column, err.field) == (3, 3, "项目!C3")
    assert "no header in row 1" in err.message_en


def test_excel_error_values_and_unsaved_formulas_are_errors(tmp_path: Path, vetter: Vetter) -> None:
    rows = [["id", "name", "用地面积（亩）"], ["P-1", "一号", "#N/A"]]
    err = load_error(vetter, write_workbook(tmp_path / "n.xlsx", rows))
    assert (err.line, err.column) == (2, 3)
    assert "Excel error #N/A" in err.message_en
    # openpyxl stores no computed value for a formula: Excel would on saving
    formula_rows = [["id", "name", "用地面积（亩）", "annual_tax（万元）"], ["P-1", "一号", 180, "=C2*20"]]
    err = load_error(vetter, write_workbook(tmp_path / "f.xlsx", formula_rows))
    assert (err.line, err.column, err.field) == (2, 4, "annual_tax (项目!D2)")
    assert "no saved result" in err.message_en


def test_a_long_number_in_a_text_field_is_refused(tmp_path: Path, vetter: Vetter) -> None:
    rows = [["id", "name", "统一社会信用代码"], ["P-1", "一号", 914407840000000000]]
    err = load_error(vetter, write_workbook(tmp_path / "c.xlsx", rows))
    assert (err.line, err.column) == (2, 3)
    assert "format the column as text" in err.message_en


def test_a_sheet_name_with_spaces_is_quoted_in_cell_references(tmp_path: Path, vetter: Vetter) -> None:
    rows = [["id", "name", "用地面积"], ["P-1", "一号", 180]]
    err = load_error(vetter, write_workbook(tmp_path / "q.xlsx", rows, title="Intake form"))
    assert err.field == "用地面积 ('Intake form'!C2)"


# -- whole-file errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        (b"this is not a workbook", ""),
        (b"PK\x03\x04 truncated zip", ""),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "encrypted workbook or an old .xls file"),
    ],
)
def test_a_corrupt_file_is_a_project_error_naming_it(tmp_path: Path, vetter: Vetter, content: bytes, hint: str) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    err = load_error(vetter, path)
    assert err.file == str(path)
    assert "This is not a valid .xlsx workbook" in err.message_en
    assert "这不是有效的 .xlsx 工作簿" in err.message_zh
    assert hint in err.message_en


def test_an_empty_sheet_is_an_error(tmp_path: Path, vetter: Vetter) -> None:
    err = load_error(vetter, write_workbook(tmp_path / "empty.xlsx", []))
    assert (err.file, err.line) == (str(tmp_path / "empty.xlsx"), 1)
    assert "The sheet is empty: sheet 项目 needs a row of column headers" in err.message_en
    # an empty row 1 is no longer an error: the header row is found below it
    path = write_workbook(tmp_path / "blank1.xlsx", [[None, None], ["id", "name"], ["P-1", "一号"]])
    assert [p.id for p in vetter.load(path)] == ["P-1"]
    # headers below the first ten rows are not looked for
    late = write_workbook(tmp_path / "late.xlsx", [*[[None]] * 10, ["id", "name"], ["P-1", "一号"]])
    err = load_error(vetter, late)
    assert "No header row in the first 10 rows" in err.message_en
    assert "前 10 行中没有列标题行" in err.message_zh


def test_headers_without_rows_are_an_error(tmp_path: Path, vetter: Vetter) -> None:
    err = load_error(vetter, write_workbook(tmp_path / "h.xlsx", [["id", "name", "用地面积（亩）"], [None, None, ""]]))
    assert "has headers but no project rows" in err.message_en
    assert "没有项目行" in err.message_zh


def test_duplicate_ids_name_both_rows(tmp_path: Path, vetter: Vetter) -> None:
    rows = [["name", "id"], ["一号", "P-1"], ["二号", "P-2"], ["三号", "P-1"]]
    err = load_error(vetter, write_workbook(tmp_path / "dup.xlsx", rows))
    assert (err.line, err.column, err.field) == (4, 2, "id (项目!B4)")
    assert "The project id 'P-1' is used in rows 2 and 4" in err.message_en
    assert "第 2 行和第 4 行重复" in err.message_zh


# -- other files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["p.toml", "p.xls", "p.csv", "p", "p.xlsx.bak"])
def test_other_files_are_left_to_other_loaders(tmp_path: Path, name: str) -> None:
    assert heshan_vetting_xlsx.heshan_load_project(tmp_path / name, Units(), {}) is None


def test_the_toml_loader_still_works_with_the_plugin_registered(vetter: Vetter) -> None:
    assert vetter.check(EXAMPLE_TOML).project.id == make_vetter().check(EXAMPLE_TOML).project.id


# -- the installed distribution (subprocesses) ------------------------------------------------------


def require_distribution() -> None:
    """Skip (or, with HESHAN_REQUIRE_PLUGINS=1, fail) when the distribution is not installed."""
    try:
        metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        reason = f"the {DISTRIBUTION} distribution is not installed (pip install -e plugins/heshan-vetting-xlsx)"
        if REQUIRE:
            pytest.fail(f"HESHAN_REQUIRE_PLUGINS=1 but {reason}")
        pytest.skip(reason)


def run_cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    """``python -m heshan_vetting ARGS`` with entry-point autoloading on and other entry-point plugins blocked."""
    env = dict(os.environ)
    env.pop(ENV_NO_AUTOLOAD, None)
    others = sorted({ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)} - {"xlsx"})
    env[ENV_DISABLE] = ",".join(others)  # so another plugin's state cannot change what is checked here
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args], capture_output=True, text=True, encoding="utf-8", env=env
    )


def test_the_entry_point_is_discovered() -> None:
    require_distribution()
    proc = run_cli(["plugins", "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    rows = {r["name"]: r for r in json.loads(proc.stdout)["plugins"]}
    xlsx = rows["xlsx"]
    assert (xlsx["origin"], xlsx["distribution"], xlsx["blocked"]) == ("entry_point", DISTRIBUTION, False)
    assert xlsx["version"] == metadata.version(DISTRIBUTION)
    assert xlsx["hooks"] == [
        "heshan_add_options",
        "heshan_evaluation_formats",
        "heshan_load_project",
        "heshan_project_suffixes",
        "heshan_renderers",
        "heshan_templates",
    ]


def test_the_cli_checks_a_workbook(tmp_path: Path) -> None:
    require_distribution()
    path = intake(tmp_path)
    proc = run_cli(["check", str(path), "--format", "json", "--fail-on", "never"])
    assert proc.returncode == 0, proc.stderr
    reports = json.loads(proc.stdout)["items"]
    expected = list(make_vetter().check_many(DICTS))
    assert [(r["project"]["id"], r["verdict"]) for r in reports] == [(r.project.id, r.verdict.value) for r in expected]
    assert all(r["project"]["source"] == str(path) for r in reports)


def test_the_cli_reports_a_bad_cell_without_a_traceback(tmp_path: Path) -> None:
    require_distribution()
    path = write_workbook(tmp_path / "intake.xlsx", [["id", "name", "用地面积"], ["P-1", "一号", 180]])
    proc = run_cli(["check", str(path)])
    assert proc.returncode == 2
    assert f"{path}:2:3: 用地面积 (项目!C2): " in proc.stderr
    assert "Traceback" not in proc.stderr
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook", encoding="utf-8")
    proc = run_cli(["check", str(broken)])
    assert proc.returncode == 2
    assert "not a valid .xlsx workbook" in proc.stderr
    assert "Traceback" not in proc.stderr
