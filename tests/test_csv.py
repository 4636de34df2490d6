"""``--format csv`` and the ledger's result columns (``heshan_vetting.ledger``), shared with the xlsx plugin."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from heshan_vetting import (
    ItemError,
    Outcome,
    Problem,
    ProjectError,
    Report,
    ReportSet,
    ResultColumns,
    Severity,
    Text,
    formula_safe,
)
from heshan_vetting.plugins import ENV_NO_AUTOLOAD
from heshan_vetting.testing import make_vetter, sample_project

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def batch() -> ReportSet:
    vetter = make_vetter()
    bad = sample_project(id="BAD-1", industry_code="X9999", green_ratio="120%")
    items = [
        sample_project(),
        sample_project(id="P-2", name='=HYPERLINK("http://example.com","点我"), 二期"扩建"'),
        bad,
        sample_project(id="P-4", name="+86 某项目", land_area="1 亩", annual_tax="1 万元"),
    ]
    return ReportSet.collect(vetter.check_many(items))


def rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_one_row_per_item_with_the_item_and_result_columns(batch: ReportSet) -> None:
    vetter = make_vetter()
    text = vetter.render(batch, "csv")
    table = rows(text)
    columns = ResultColumns.of(batch.items)
    assert table[0] == ["来源文件", "行号", "项目编号", "项目名称", *columns.headers("zh")]
    assert table[0][4:10] == ["结论", "评分", "需整改", "缺少材料", "转报", "错误"]
    assert len(table) == 1 + len(batch.items)
    rule_ids = sorted({f.rule_id for r in batch.reports for f in r.findings})
    assert [h.split(" ")[0] for h in table[0][10:]] == rule_ids
    for item, row in zip(batch.items, table[1:], strict=True):
        assert len(row) == len(table[0])
        if isinstance(item, ItemError):
            assert row[2:5] == ["BAD-1", "", "输入有误，未评审"]
            assert "X9999" in row[9]  # every problem of the item
            assert "120%" in row[9]
            assert row[10:] == [""] * len(rule_ids)
            continue
        assert isinstance(item, Report)
        assert row[2] == item.project.id
        assert row[4] == item.verdict_text.zh
        outcomes = {f.rule_id: f.outcome.label("zh") for f in item.findings}
        assert row[10:] == [outcomes.get(r, "") for r in rule_ids]
        failed = [f"{f.rule_id} {f.title.zh}" for f in item.findings if f.outcome is Outcome.FAIL and f.severity in (
            Severity.VETO, Severity.REQUIRED)]  # fmt: skip
        assert row[6] == "；".join(failed)
        assert row[7] == "；".join(s.title.zh for s in item.to_supply)
        assert row[8] == "；".join(r.to.zh for r in item.referrals)
    assert any(r[6] for r in table[1:]), "some report has a failed required or veto rule"


def test_utf8_bom_crlf_and_rfc4180_quoting(batch: ReportSet) -> None:
    data = make_vetter().render_bytes(batch, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    text = data.decode("utf-8-sig")
    # the name with a comma and quotes is one quoted field, its quotes doubled
    assert '"\'=HYPERLINK(""http://example.com"",""点我""), 二期""扩建""",' in text
    assert text.count("\r\n") == 1 + len(batch.items)


def test_text_a_spreadsheet_would_run_as_a_formula_gets_a_leading_quote(batch: ReportSet) -> None:
    table = rows(make_vetter().render(batch, "csv"))
    names = {row[2]: row[3] for row in table[1:]}
    assert names["P-2"].startswith("'=HYPERLINK(")
    assert names["P-4"] == "'+86 某项目"
    assert [formula_safe(t) for t in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "a=b", "", "1-2")] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "a=b",
        "",
        "1-2",
    ]


def test_english_headers_and_values(batch: ReportSet) -> None:
    table = rows(make_vetter().render(batch, "csv", "en"))
    assert table[0][:10] == ["source", "line", "project id", "project name", "verdict", "score", "to fix",
                             "to supply", "referrals", "errors"]  # fmt: skip
    error_row = next(r for r in table[1:] if r[4] == "input error: not vetted")
    assert "X9999" in error_row[9]


def test_result_values_of_an_error_on_a_row_name_the_cell_not_the_file() -> None:
    error = ItemError(
        source="ledger.xlsx",
        line=4,
        project_id="P-4",
        errors=(
            Problem(
                message=Text(zh="行业代码无效。", en="Bad code."),
                file="ledger.xlsx",
                line=4,
                column=4,
                field="行业代码 (项目!D4)",
            ),
            Problem(
                message=Text(zh="绿地率过高。", en="Too green."),
                file="ledger.xlsx",
                line=4,
                column=9,
                field="绿地率 (项目!I4)",
            ),
        ),
    )
    columns = ResultColumns()
    assert columns.values(error, "zh") == [
        "输入有误，未评审",
        None,
        None,
        None,
        None,
        "行业代码 (项目!D4): 行业代码无效。；绿地率 (项目!I4): 绿地率过高。",
    ]
    assert columns.item_values(error) == ["ledger.xlsx", 4, "P-4", None]
    whole_file = ItemError.from_exception(ProjectError("Not a workbook.", file="x.xlsx", line=1))
    assert columns.values(whole_file, "en")[5] == "1: Not a workbook."


def test_a_meaningless_score_is_not_shown_as_a_number(batch: ReportSet) -> None:
    report = batch.reports[0]
    assert report.score is not None
    columns = ResultColumns.of([report])
    shown = columns.values(report.model_copy(update={"score": report.score.model_copy(update={"meaningful": False})}))
    assert shown[1] == "不具参考意义"
    meaningful = report.model_copy(update={"score": report.score.model_copy(update={"meaningful": True})})
    assert columns.values(meaningful)[1] == round(report.score.total, 2)


def test_the_cli_writes_csv_to_stdout_and_exits_2_for_a_bad_file(tmp_path: Path) -> None:
    good = REPO / "examples" / "projects" / "pv-module-plant.toml"
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "B-1"\nname = "坏"\nindustry_code = "X9999"\n', encoding="utf-8")
    env = {**__import__("os").environ, ENV_NO_AUTOLOAD: "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "check", str(good), str(bad), "--format", "csv", "-q"],
        capture_output=True,
        env=env,
    )
    assert proc.returncode == 2, proc.stderr.decode()
    table = rows(proc.stdout.decode("utf-8"))
    assert [r[0] for r in table[1:]] == [str(good), str(bad)]
    assert table[2][4] == "输入有误，未评审"
