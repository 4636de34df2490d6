"""The ledger round trip: a real ledger in (title rows, 序号, merged cells, a bad row), results written back.

A bureau's ledger (招商项目台账) has a merged title row, a row for the office and date, a 序号 column, 备注 and
联系人 columns, a town merged down over several projects, and now and then a bad value. It is read row by row
(a bad row is an error of its own, the others are vetted) and written back with the results beside each row,
every original cell kept; ``init ledger`` gives the template that reads back.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import FIELD_SPECS, ItemError, Outcome, Report, ReportSet, ResultColumns, Severity, Vetter
from heshan_vetting.plugins import ENTRY_POINT_GROUP, ENV_DISABLE, ENV_NO_AUTOLOAD
from heshan_vetting.testing import make_vetter

REQUIRE = os.environ.get("HESHAN_REQUIRE_PLUGINS") == "1"

try:
    import openpyxl

    import heshan_vetting_xlsx
    from heshan_vetting_xlsx._template import header_of
except ImportError as exc:  # pragma: no cover - only without the plugin's dependencies
    if REQUIRE:
        raise
    pytest.skip(f"heshan_vetting_xlsx cannot be imported ({exc})", allow_module_level=True)

REPO = Path(__file__).resolve().parents[3]
EXAMPLE_TOML = REPO / "examples" / "projects" / "pv-module-plant.toml"

TITLE = "2024年鹤山市招商项目台账"
HEADERS = [
    "序号", "项目编号", "项目名称", "行业代码", "建设性质", "申请日期", "总投资（亿元）", "固定资产投资（亿元）",
    "用地面积（亩）", "达产年产值（亿元）", "达产年税收（万元）", "年综合能耗（吨标准煤）", "容积率", "建筑系数",
    "所在镇街", "备注", "联系人",
]  # fmt: skip
ROWS = [
    [1, "HS-2024-001", "某光伏组件项目", "C3825", "新建", datetime(2024, 5, 20), 12.5, 10, 180, 30, 4200, 4500,
     1.35, 0.52, "址山镇", "重点项目", "张三"],
    [2, "HS-2024-002", "某电池片项目", "C3825", "扩建", datetime(2024, 6, 3), 8, 6, 120, 16, 2600, 9000,
     1.2, 0.48, None, None, "李四"],
    [3, "HS-2024-003", "=HYPERLINK(\"http://evil.example\",\"点此\")", "X9999", "新建", datetime(2024, 6, 10), 5,
     4, 80, 10, 900, 1200, 1.1, 0.5, None, "代码待核", "王五"],
    [4, "HS-2024-004", "某新材料项目", "C2929", "新建", datetime(2024, 7, 1), 3, 2.5, 50, 6, 600, 800,
     0.8, 0.4, "共和镇", None, None],
    [5, "HS-2024-005", "某纺织项目", "C1713", "改建", datetime(2024, 7, 8), 0.3, 0.2, 200, 0.5, 20, 300,
     0.6, 0.3, "龙口镇", "低效用地", "赵六"],
]  # fmt: skip
HEADER_ROW = 3
BAD_ROW = 6  # sheet row of the bad industry code (序号 3)
MERGED_TOWN = "O4:O6"  # 址山镇 over 序号 1–3


def build_ledger(path: Path) -> Path:
    """A realistic ledger: merged title, office/date row, header row 3, five projects from row 4."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "台账"
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.append(["填报单位：鹤山市投资促进局", None, None, None, None, None, None, None, None, None, None, None, None,
               None, "填报日期：2024年7月10日"])  # fmt: skip
    ws.append(HEADERS)
    for row in ROWS:
        ws.append(row)
    for r in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(ROWS)):
        ws[f"N{r}"].number_format = "0%"  # 建筑系数 as a percentage
        ws[f"F{r}"].number_format = "yyyy-mm-dd"
    ws.merge_cells(MERGED_TOWN)
    name = ws[f"C{BAD_ROW}"]
    name.data_type = "s"  # typed text, not a formula: a name an applicant chose
    wb.save(path)
    return path


def original_cells(path: Path) -> dict[tuple[int, int], Any]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}


@pytest.fixture
def vetter() -> Vetter:
    return make_vetter(heshan_vetting_xlsx)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return build_ledger(tmp_path / "台账.xlsx")


# -- reading -----------------------------------------------------------------------------------------


def test_the_header_row_is_found_below_the_title_rows_and_a_bad_row_is_an_item_of_its_own(
    ledger: Path, vetter: Vetter
) -> None:
    items = vetter.load_items(ledger)
    assert [i.line for i in items] == [4, 5, 6, 7, 8]
    bad = items[2]
    assert bad.project is None
    assert bad.project_id == "HS-2024-003"
    assert bad.error is not None
    assert (bad.error.line, bad.error.column, bad.error.field) == (BAD_ROW, 4, f"行业代码 (台账!D{BAD_ROW})")
    assert "X9999" in bad.error.message_en
    good = [i.project for i in items if i.project is not None]
    assert [p.id for p in good] == ["HS-2024-001", "HS-2024-002", "HS-2024-004", "HS-2024-005"]
    # 所在镇街 merged down over rows 4–6: each of them is in 址山镇
    assert [p.fact_value("town") for p in good] == ["址山镇", "址山镇", "共和镇", "龙口镇"]
    # 序号, 备注 and 联系人 are not read
    assert all(p.notes is None for p in good)
    assert good[0].building_coefficient == pytest.approx(52.0)


def test_every_problem_of_a_row_is_kept_each_at_its_cell(tmp_path: Path, vetter: Vetter) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["项目台账"])
    ws.append(["序号", "项目编号", "项目名称", "行业代码", "用地面积", "绿地率（%）", "总投资（亿元）"])
    ws.append([1, "P-1", "一号", "X9999", 180, 120, 1])
    ws.append([2, "P-2", "二号", "C3825", "180 亩", 10, 1])
    ws.append([3, "P-2", "三号", "C3825", "90 亩", 10, 1])
    path = tmp_path / "many.xlsx"
    wb.save(path)
    items = vetter.load_items(path)
    first = items[0].error
    assert first is not None
    located = [(e.line, e.column, e.field) for e in first.all]
    assert located == [(3, 4, "行业代码 (Sheet!D3)"), (3, 5, "用地面积 (Sheet!E3)"), (3, 6, "绿地率 (Sheet!F3)")]
    assert "180 has no unit" in first.all[1].message_en
    assert items[1].project is not None
    dup = items[2].error
    assert dup is not None
    assert "The project id 'P-2' is used in rows 4 and 5" in dup.message_en


def test_the_ignored_columns_are_an_option(tmp_path: Path, ledger: Path) -> None:
    read_all = make_vetter(heshan_vetting_xlsx, options={"ledger_ignore_columns": []})
    # 序号 and 联系人 are no project fields: read, they are unknown headers
    with pytest.raises(Exception, match="序号"):
        read_all.load_items(ledger)
    notes = make_vetter(heshan_vetting_xlsx, options={"ledger_ignore_columns": "序号,联系人"})
    projects = [i.project for i in notes.load_items(ledger) if i.project is not None]
    assert projects[0].notes == "重点项目"
    no_town = make_vetter(
        heshan_vetting_xlsx, options={"ledger_ignore_columns": ["序号", "备注", "联系人", "所在镇街"]}
    )
    assert all(i.project.fact_value("town") is None for i in no_town.load_items(ledger) if i.project is not None)
    with pytest.raises(Exception, match="ledger_ignore_columns"):
        make_vetter(heshan_vetting_xlsx, options={"ledger_ignore_columns": 3}).load_items(ledger)


# -- writing back ------------------------------------------------------------------------------------


def test_the_ledger_written_back_keeps_every_cell_and_adds_the_results(
    tmp_path: Path, ledger: Path, vetter: Vetter
) -> None:
    results = ReportSet.collect(vetter.check_many([ledger]))
    assert [type(i).__name__ for i in results.items] == ["Report", "Report", "ItemError", "Report", "Report"]
    out = tmp_path / "results.xlsx"
    out.write_bytes(vetter.render_bytes(results, "xlsx"))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["台账", "汇总"]
    ws = wb["台账"]
    # every original cell, title rows and ignored columns included, is kept as it was
    original = original_cells(ledger)
    for (row, column), value in original.items():
        assert ws.cell(row=row, column=column).value == value, (row, column)
    assert ws[f"C{BAD_ROW}"].data_type == "s"  # the formula-looking name is text, not a formula
    assert {str(r) for r in ws.merged_cells.ranges} == {f"A1:{openpyxl.utils.get_column_letter(len(HEADERS))}1",
                                                      MERGED_TOWN}  # fmt: skip
    assert ws["N4"].number_format == "0%"
    # the result columns start right of the ledger, headed in the header row
    columns = ResultColumns.of(results.items)
    start = len(HEADERS) + 1
    headers = [ws.cell(row=HEADER_ROW, column=start + i).value for i in range(len(columns.headers()))]
    assert headers == columns.headers("zh")
    assert headers[:6] == ["结论", "评分", "需整改", "缺少材料", "转报", "错误"]
    assert ws.cell(row=HEADER_ROW, column=start + 6 + len(columns.rules)).value is None
    assert ws.cell(row=HEADER_ROW, column=start).font.bold
    assert ws.freeze_panes == f"B{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:{openpyxl.utils.get_column_letter(start + len(headers) - 1)}8"
    rule_ids = [rule_id for rule_id, _title in columns.rules]
    for item in results.items:
        line = item.line if isinstance(item, ItemError) else item.project.line
        assert line is not None
        row = line
        cells: list[Any] = [ws.cell(row=row, column=start + i).value for i in range(len(headers))]
        if isinstance(item, ItemError):
            assert row == BAD_ROW
            assert cells[0] == "输入有误，未评审"
            assert cells[1:5] == [None] * 4
            assert f"行业代码 (台账!D{BAD_ROW})" in cells[5]
            assert "X9999" in cells[5]
            assert cells[6:] == [None] * len(rule_ids)
            continue
        assert isinstance(item, Report)
        assert ws.cell(row=row, column=2).value == item.project.id  # the results are on the project's own row
        assert cells[0] == item.verdict_text.zh
        assert item.score is not None
        assert cells[1] == (round(item.score.total, 2) if item.score.meaningful else "不具参考意义")
        failed = [f"{f.rule_id} {f.title.zh}" for f in item.findings
                  if f.outcome is Outcome.FAIL and f.severity in (Severity.VETO, Severity.REQUIRED)]  # fmt: skip
        assert cells[2] == ("；".join(failed) or None)
        assert cells[3] == ("；".join(s.title.zh for s in item.to_supply) or None)
        assert cells[4] == ("；".join(r.to.zh for r in item.referrals) or None)
        assert cells[5] is None
        outcomes = {f.rule_id: f.outcome.label("zh") for f in item.findings}
        assert cells[6:] == [outcomes.get(r) for r in rule_ids]
    # rows without an item (title, office/date) get no results
    assert all(ws.cell(row=r, column=start).value is None for r in (1, 2))
    summary = [list(r) for r in wb["汇总"].iter_rows(values_only=True)]
    counts = {r[0]: r[1] for r in summary if r and r[0] is not None}
    assert counts["项目总数"] == 5
    assert counts["已评审"] == 4
    assert counts["输入有误，未评审"] == 1
    for verdict, n in results.summary.verdicts.model_dump().items():
        assert counts[{"approve": "准予准入", "conditional": "有条件准入", "deferred": "材料不全，暂缓评审",
                       "reject": "不予准入"}[verdict]] == n  # fmt: skip
    assert "未通过最多的规则" in counts
    failing = [r for r in summary if r[0] in {rc.rule_id for rc in results.summary.most_failed}]
    assert [(r[0], r[1]) for r in failing] == [(rc.rule_id, rc.failed) for rc in results.summary.most_failed]


def test_items_from_other_files_go_on_their_own_sheet_in_english(tmp_path: Path, ledger: Path, vetter: Vetter) -> None:
    results = ReportSet.collect(vetter.check_many([ledger, EXAMPLE_TOML]))
    out = tmp_path / "results.xlsx"
    out.write_bytes(vetter.render_bytes(results, "xlsx", "en"))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["台账", "other items", "summary"]
    assert wb["台账"].cell(row=HEADER_ROW, column=len(HEADERS) + 1).value == "verdict"
    other = [list(r) for r in wb["other items"].iter_rows(values_only=True)]
    assert other[0][:6] == ["source", "line", "project id", "project name", "verdict", "score"]
    toml_report = results.items[-1]
    assert isinstance(toml_report, Report)
    assert other[1][:5] == [str(EXAMPLE_TOML), None, toml_report.project.id, toml_report.project.name,
                            toml_report.verdict_text.en]  # fmt: skip
    assert len(other) == 2


def test_a_formula_looking_name_is_written_as_text(tmp_path: Path, vetter: Vetter) -> None:
    project = {"id": "=1+1", "name": '=HYPERLINK("http://evil.example","点此")', "industry_code": "C3825"}
    results = ReportSet.collect(vetter.check_many([project]))
    out = tmp_path / "r.xlsx"
    out.write_bytes(vetter.render_bytes(results, "xlsx"))
    ws = openpyxl.load_workbook(out).worksheets[0]
    assert (ws["C2"].value, ws["C2"].data_type) == ("=1+1", "s")
    assert (ws["D2"].value, ws["D2"].data_type) == ('=HYPERLINK("http://evil.example","点此")', "s")
    assert "<f>" not in _sheet_xml(out)


def _sheet_xml(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_the_same_results_give_the_same_cells(tmp_path: Path, ledger: Path, vetter: Vetter) -> None:
    results = ReportSet.collect(vetter.check_many([ledger]))
    first, second = (vetter.render_bytes(results, "xlsx") for _ in range(2))

    def cells(data: bytes) -> list[list[Any]]:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        return [[list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets]

    assert cells(first) == cells(second)


# -- the template -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_template_reads_back_once_a_row_is_filled(tmp_path: Path, vetter: Vetter, lang: str) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(heshan_vetting_xlsx.build_ledger(lang))
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.title == ("projects" if lang == "en" else "项目")
    headers = {ws.cell(row=3, column=c).value: c for c in range(1, ws.max_column + 1)}
    if lang == "zh":
        assert {
            "序号",
            "*项目编号",
            "*项目名称",
            "用地面积（亩）",
            "总投资（万元）",
            "绿地率（%）",
            "备注",
            "联系人",
        } <= set(headers)
        assert ws["A1"].value == "招商项目台账"
    else:
        assert {"No.", "*id", "*name", "land_area (亩)", "total_investment (万元)", "Remarks"} <= set(headers)
    # a drop-down list for each choice and yes/no field
    validated = {str(dv.sqref).split(":")[0].rstrip("0123456789") for dv in ws.data_validations.dataValidation}
    choice_fields = ["construction_type", "catalogue_class", "two_high_exception", "capacity_replacement_plan"]
    spec_headers = {name: header_of(FIELD_SPECS[name], lang)
                    for name in choice_fields}  # fmt: skip
    for name in choice_fields:
        assert openpyxl.utils.get_column_letter(headers[spec_headers[name]]) in validated, name
    # the template alone holds no project
    with pytest.raises(Exception, match="no project rows"):
        vetter.load(path)
    fill = {
        "No." if lang == "en" else "序号": 1,
        "*id" if lang == "en" else "*项目编号": "T-1",
        "*name" if lang == "en" else "*项目名称": "模板项目",
        spec_headers["construction_type"]: "new" if lang == "en" else "新建",
        "industry_code" if lang == "en" else "行业代码": "C3825",
        "land_area (亩)" if lang == "en" else "用地面积（亩）": 180,
        "total_investment (万元)" if lang == "en" else "总投资（万元）": 125000,
        "green_ratio (%)" if lang == "en" else "绿地率（%）": 10,
        spec_headers["capacity_replacement_plan"]: "yes" if lang == "en" else "是",
        "Remarks" if lang == "en" else "备注": "试填",
    }
    for header, value in fill.items():
        ws.cell(row=4, column=headers[header], value=value)
    wb.save(path)
    (project,) = vetter.load(path)
    assert (project.id, project.land_area, project.total_investment, project.green_ratio) == ("T-1", 180, 125000, 10)
    assert project.construction_type == "new"
    assert project.capacity_replacement_plan is True
    (report,) = vetter.check_many([path])
    assert isinstance(report, Report)
    assert report.project.line == 4


# -- the command line ---------------------------------------------------------------------------------


def require_distribution() -> None:
    try:
        metadata.distribution("heshan-vetting-xlsx")
    except metadata.PackageNotFoundError:
        if REQUIRE:
            pytest.fail("HESHAN_REQUIRE_PLUGINS=1 but heshan-vetting-xlsx is not installed")
        pytest.skip("heshan-vetting-xlsx is not installed")


def run_cli(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    env.pop(ENV_NO_AUTOLOAD, None)
    others = sorted({ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)} - {"xlsx"})
    env[ENV_DISABLE] = ",".join(others)
    return subprocess.run([sys.executable, "-m", "heshan_vetting", *args], capture_output=True, env=env, cwd=cwd)


def test_the_cli_round_trip_exits_2_for_the_bad_row_and_reports_the_others(tmp_path: Path, ledger: Path) -> None:
    require_distribution()
    out = tmp_path / "results.xlsx"
    proc = run_cli(["check", str(ledger), "--format", "xlsx", "--output", str(out), "-q"])
    assert proc.returncode == 2, proc.stderr.decode()
    stderr = proc.stderr.decode("utf-8")
    assert f"{ledger}:{BAD_ROW}:4: 行业代码 (台账!D{BAD_ROW})" in stderr
    assert "Traceback" not in stderr
    ws = openpyxl.load_workbook(out)["台账"]
    verdicts = [ws.cell(row=r, column=len(HEADERS) + 1).value for r in range(4, 9)]
    assert verdicts[2] == "输入有误，未评审"
    assert all(v and v != "输入有误，未评审" for i, v in enumerate(verdicts) if i != 2)
    # csv of the same ledger, to stdout
    proc = run_cli(["check", str(ledger), "--format", "csv", "-q"])
    assert proc.returncode == 2
    table = list(csv.reader(io.StringIO(proc.stdout.decode("utf-8-sig"), newline="")))
    assert [r[1] for r in table[1:]] == ["4", "5", "6", "7", "8"]
    assert table[3][3] == ""  # the bad row's name is not read: the row is an error
    assert table[3][4] == "输入有误，未评审"
    # a binary format needs --output
    proc = run_cli(["check", str(ledger), "--format", "xlsx", "-q"])
    assert proc.returncode == 2
    assert "--output" in proc.stderr.decode("utf-8")


def test_the_cli_ignore_columns_option(tmp_path: Path, ledger: Path) -> None:
    require_distribution()
    # with 行业代码 ignored too, the bad code is not read: every row is a report
    ignore = "序号,联系人,备注,行业代码"
    proc = run_cli(["check", str(ledger), "--format", "json", "--fail-on", "never", "--ledger-ignore-columns", ignore])
    assert proc.returncode == 0, proc.stderr.decode()
    items = json.loads(proc.stdout)["items"]
    assert [i["schema"] for i in items] == ["heshan-vetting/report/v2"] * 5
    assert all(i["project"]["industry_code"] is None for i in items)


def test_init_ledger_writes_the_template_and_refuses_to_overwrite(tmp_path: Path) -> None:
    require_distribution()
    proc = run_cli(["init"], cwd=tmp_path)
    assert proc.returncode == 0
    assert "ledger  招商项目台账.xlsx" in proc.stdout.decode("utf-8")
    proc = run_cli(["init", "ledger"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    target = tmp_path / "招商项目台账.xlsx"
    assert openpyxl.load_workbook(target).worksheets[0]["A1"].value == "招商项目台账"
    before = target.read_bytes()
    proc = run_cli(["init", "ledger"], cwd=tmp_path)
    assert proc.returncode == 2
    assert "--force" in proc.stderr.decode("utf-8")
    assert target.read_bytes() == before
    proc = run_cli(["init", "ledger", "-o", "en.xlsx", "--lang", "en"], cwd=tmp_path)
    assert proc.returncode == 0
    assert openpyxl.load_workbook(tmp_path / "en.xlsx").worksheets[0].title == "projects"
    proc = run_cli(["init", "ledger", "-o", "en.xlsx", "--force"], cwd=tmp_path)
    assert proc.returncode == 0
    assert openpyxl.load_workbook(tmp_path / "en.xlsx").worksheets[0].title == "项目"
    proc = run_cli(["init", "ledgr"], cwd=tmp_path)
    assert proc.returncode == 2
    assert "did you mean 'ledger'" in proc.stderr.decode("utf-8")
