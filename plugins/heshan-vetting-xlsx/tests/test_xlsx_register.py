"""An enterprise register in XLSX for ``evaluate``: read through ``heshan_evaluation_formats`` (title rows, units in
headers, merged cells, 序号/备注, bad cells named by sheet, row and column) and written back with
``--format xlsx`` (the register copied whole, the evaluation added, the summary, the low-efficiency list and
the supervision agreements), checked cell by cell against the evaluation of the same register as CSV."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from heshan_vetting import EvaluationResult
from heshan_vetting.plugins import ENTRY_POINT_GROUP, ENV_DISABLE, ENV_NO_AUTOLOAD

ROOT = Path(__file__).resolve().parents[3]
REGISTER_CSV = ROOT / "examples" / "registers" / "synthetic-2025.csv"
AS_OF = date(2026, 6, 30)
SHEET = "企业台账"
TITLE_ROWS = 2  # a title merged across, and a date line
NUMBER_COLUMNS = range(5, 16)  # 用地面积 … 评价年度: numbers in a workbook


def csv_rows() -> list[list[str]]:
    with REGISTER_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def as_cell(column: int, text: str) -> Any:
    if text == "" or column not in NUMBER_COLUMNS:
        return text or None
    number = float(text)
    return int(number) if number.is_integer() else number


def write_register(path: Path, rows: list[list[str]], *, numbering: bool = True) -> Path:
    """The register as a county would keep it: a merged title row, a date line, 序号 first, numbers as numbers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(["鹤山市工业企业亩均效益评价台账（虚构数据）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    ws.append(["填报日期：2026年3月1日"])
    for i, row in enumerate(rows):
        cells = [as_cell(j, c) if i else c for j, c in enumerate(row)]
        ws.append((["序号"] if i == 0 else [i]) + cells if numbering else cells)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_register(tmp_path_factory.mktemp("reg") / "register.xlsx", csv_rows())


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop(ENV_NO_AUTOLOAD, None)
    others = sorted({ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)} - {"xlsx"})
    env[ENV_DISABLE] = ",".join(others)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=300,
        check=False,
    )


def evaluate(register: Path, previous: Path | None = None) -> tuple[EvaluationResult, int]:
    """The evaluation of ``register`` as ``evaluate --format json`` gives it, with the exit code (0 or 2)."""
    args = ["evaluate", str(register), "--as-of", AS_OF.isoformat(), "--format", "json"]
    done = run_cli(*args, *(["--previous", str(previous)] if previous else []))
    assert done.returncode in (0, 2), done.stderr
    return EvaluationResult.model_validate(json.loads(done.stdout)), done.returncode


def test_a_workbook_register_evaluates_exactly_as_the_same_register_in_csv(synthetic: Path) -> None:
    from_xlsx, _ = evaluate(synthetic)
    from_csv, _ = evaluate(REGISTER_CSV)
    assert from_xlsx.errors == []
    assert from_xlsx.complete
    assert from_xlsx.register_sheet == SHEET
    assert from_xlsx.register_header_row == TITLE_ROWS + 1
    assert len(from_xlsx.enterprises) == len(from_csv.enterprises) == 302
    for a, b in zip(from_xlsx.enterprises, from_csv.enterprises, strict=True):
        assert a.row == b.row + TITLE_ROWS  # the sheet's own row numbers
        assert a.model_dump(exclude={"row"}) == b.model_dump(exclude={"row"})
    assert from_xlsx.summary == from_csv.summary
    assert from_xlsx.low_efficiency == from_csv.low_efficiency


def _sheet_values(path: Path, title: str) -> dict[tuple[int, int], Any]:
    wb = openpyxl.load_workbook(path)
    ws = wb[title]
    return {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}


def test_the_register_comes_back_whole_with_the_evaluation_beside_each_row(tmp_path: Path, synthetic: Path) -> None:
    out = tmp_path / "evaluated.xlsx"
    done = run_cli("evaluate", str(synthetic), "--as-of", AS_OF.isoformat(), "--format", "xlsx", "-o", str(out))
    assert done.returncode == 0, done.stderr
    result, _ = evaluate(synthetic)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [SHEET, "汇总", "低效用地清单", "监管协议"]
    ws = wb[SHEET]
    source = _sheet_values(synthetic, SHEET)
    width = max(c for _r, c in source)
    # every cell of the register, title rows and 序号 included, is where it was, with the same value
    for (row, column), value in source.items():
        assert ws.cell(row=row, column=column).value == value, (row, column)
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:F1"]
    header = TITLE_ROWS + 1
    added = [ws.cell(row=header, column=c).value for c in range(width + 1, ws.max_column + 1)]
    indicators = [b.title.zh + " 得分" for b in result.groups[0].benchmarks]
    indicators += [b.title.zh + " 得分" for b in result.groups[1].benchmarks if b.title.zh + " 得分" not in indicators]
    assert added == ["评价分组", "评价类别", "综合得分", "组内排名", "组内家数", *indicators,
                     "分类政策", "列入低效用地清单", "说明", "监管协议承诺", "错误"]  # fmt: skip
    col = {name: width + 1 + i for i, name in enumerate(added)}
    ids = {ws.cell(row=e.row, column=2).value: e for e in result.enterprises}
    assert len(ids) == 302
    for e in result.enterprises:
        got = {name: ws.cell(row=e.row, column=c).value for name, c in col.items()}
        assert got["评价分组"] == e.group
        assert got["评价类别"] == e.class_
        assert got["综合得分"] == pytest.approx(e.score, abs=5e-5)
        assert got["组内排名"] == e.rank
        assert got["组内家数"] == e.group_size
        for i in e.indicators:
            name = next(b.title.zh for g in result.groups for b in g.benchmarks if b.indicator == i.id) + " 得分"
            assert got[name] == (None if i.points is None else pytest.approx(i.points, abs=5e-5))
        assert got["分类政策"] == "；".join(p.zh for p in e.policy)
        assert got["列入低效用地清单"] == ("是" if e.low_efficiency else "否")
        assert (got["监管协议承诺"] is not None) == bool(e.commitments)
        assert got["错误"] is None
    low = result.low_efficiency
    assert low is not None
    assert low.enterprises
    listed = list(wb["低效用地清单"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in listed[:-1]] == low.enterprises
    assert listed[-1][0] == "合计"
    assert listed[-1][1] == len(low.enterprises)
    assert listed[-1][6] == pytest.approx(low.land_area, abs=1e-4)
    agreements = list(wb["监管协议"].iter_rows(min_row=2, values_only=True))
    assert len(agreements) == sum(len(e.commitments) for e in result.enterprises) > 0
    first = next(e for e in result.enterprises if e.commitments)
    c = first.commitments[0]
    assert agreements[0][:2] == (first.id, first.name)
    assert agreements[0][5] == pytest.approx(c.floor, abs=1e-6)
    assert agreements[0][7] == c.due.isoformat()  # type: ignore[union-attr]
    assert agreements[0][10] == "支持自我提升的企业与属地镇(街)、管委会签订监管协议。"
    summary = list(wb["汇总"].iter_rows(values_only=True))
    assert [r[1] for r in summary if r[0] == "注意"] == [n.zh for n in result.notes]  # local defaults said
    totals = {r[1]: r[3] for r in summary if r[0] == "全部"}
    assert totals == {c.class_: c.count for c in result.summary}


def test_bad_cells_are_error_entries_naming_sheet_row_and_column(tmp_path: Path) -> None:
    rows = csv_rows()[:6]
    path = write_register(tmp_path / "bad.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws["G5"] = "很多"  # 用地面积 (亩) of the 2nd enterprise (序号 is column A)
    ws["H6"] = "=G6*2"  # a formula with no saved result
    wb.save(path)
    result, _ = evaluate(path)
    assert not result.complete
    assert [(e.row, e.column) for e in result.errors] == [
        (5, f"用地面积 (亩) ({SHEET}!G5)"),
        (6, f"实缴税收 (万元) ({SHEET}!H6)"),
    ]
    assert "no saved result" in result.errors[1].message_en
    assert [e.row for e in result.enterprises] == [4, 7, 8]
    out = tmp_path / "out.xlsx"
    done = run_cli("evaluate", str(path), "--as-of", AS_OF.isoformat(), "--format", "xlsx", "-o", str(out))
    assert done.returncode == 2, done.stderr
    back = openpyxl.load_workbook(out)[SHEET]
    error_column = back.max_column
    assert back.cell(row=3, column=error_column).value == "错误"
    assert "G5" in str(back.cell(row=5, column=error_column).value)
    assert back.cell(row=4, column=error_column).value is None


def test_merged_cells_and_ignored_columns(tmp_path: Path) -> None:
    rows = csv_rows()[:4]
    for r in rows[2:]:
        r[2] = ""  # 镇街 merged down from the first enterprise's cell
    path = write_register(tmp_path / "merged.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    wb[SHEET].merge_cells("D4:D6")
    wb.save(path)
    result, _ = evaluate(path)
    assert result.errors == []
    assert [e.town for e in result.enterprises] == [rows[1][2]] * 3


def test_text_is_never_a_formula_in_the_workbook_written(tmp_path: Path) -> None:
    rows = csv_rows()[:3]
    rows[1][1] = '=HYPERLINK("http://example.invalid","点我")'
    path = write_register(tmp_path / "inject.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    wb[SHEET]["C4"].data_type = "s"  # a text that looks like a formula, as a register may hold
    wb.save(path)
    out = tmp_path / "out.xlsx"
    done = run_cli("evaluate", str(path), "--as-of", AS_OF.isoformat(), "--format", "xlsx", "-o", str(out))
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(out)
    cell = wb[SHEET]["C4"]
    assert cell.value == rows[1][1]
    assert cell.data_type == "s"
    for ws in wb.worksheets:
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_an_output_over_the_register_is_refused_and_the_register_kept(tmp_path: Path, synthetic: Path) -> None:
    path = tmp_path / "register.xlsx"
    path.write_bytes(synthetic.read_bytes())
    done = run_cli("evaluate", str(path), "--as-of", AS_OF.isoformat(), "--format", "xlsx", "-o", str(path))
    assert done.returncode == 2
    assert path.read_bytes() == synthetic.read_bytes()
    done = run_cli("evaluate", str(path), "--as-of", AS_OF.isoformat(), "--format", "xlsx")
    assert done.returncode == 2
    assert "--output" in done.stderr


def test_a_csv_register_comes_back_as_a_list_of_its_enterprises(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    done = run_cli("evaluate", str(REGISTER_CSV), "--as-of", AS_OF.isoformat(), "--format", "xlsx", "-o", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(run_cli("evaluate", str(REGISTER_CSV), "--as-of", AS_OF.isoformat(), "--format", "json").stdout)
    ws = openpyxl.load_workbook(out)["企业"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("行号", "统一社会信用代码", "企业名称", "评价分组", "评价类别")
    assert [(r[0], r[1], r[4]) for r in rows[1:]] == [(e["row"], e["id"], e["class"]) for e in data["enterprises"]]


def test_without_the_plugin_a_workbook_is_refused_with_the_reason(tmp_path: Path, synthetic: Path) -> None:
    env = {**os.environ, ENV_DISABLE: "xlsx", "PYTHONIOENCODING": "utf-8"}
    run = [sys.executable, "-m", "heshan_vetting", "evaluate"]
    done = subprocess.run([*run, str(synthetic)], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 2
    assert ".xlsx" in done.stderr
    done = subprocess.run(
        [*run, str(REGISTER_CSV), "--format", "xlsx", "-o", str(tmp_path / "o.xlsx")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert "heshan-vetting-xlsx" in done.stderr
    assert not (tmp_path / "o.xlsx").exists()


def test_last_years_register_may_be_a_workbook_too(tmp_path: Path, synthetic: Path) -> None:
    previous_csv = REGISTER_CSV.with_name("synthetic-2024.csv")
    with previous_csv.open(encoding="utf-8", newline="") as f:
        previous = write_register(tmp_path / "register-2024.xlsx", list(csv.reader(f)))
    from_xlsx, _ = evaluate(synthetic, previous)
    from_csv, _ = evaluate(REGISTER_CSV, previous_csv)
    assert from_xlsx.movement is not None
    assert from_csv.movement is not None
    assert from_xlsx.movement.transitions == from_csv.movement.transitions
    assert from_xlsx.movement.moves == from_csv.movement.moves
    assert from_xlsx.movement.moves


def test_a_workbook_that_is_no_register_is_refused_whole(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    done = run_cli("evaluate", str(empty))
    assert done.returncode == 2
    assert "no header row" in done.stderr
    fake = tmp_path / "fake.xlsx"
    fake.write_text("统一社会信用代码,企业名称\n", encoding="utf-8")
    done = run_cli("evaluate", str(fake))
    assert done.returncode == 2
    assert "not a valid .xlsx workbook" in done.stderr
    assert "fake.xlsx" in done.stderr
