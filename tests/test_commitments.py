"""Commitments for the supervision agreement (监管协议, issue 11): what an approved or conditional project signs up to.

Each commitment is a figure the verdict rests on (its rule was decided), the project's declared value, the
pack's own threshold as the floor, and the date it falls due, counted from the project's 投产/达产 dates.
A deferred or rejected project commits to nothing; commitments never change the verdict.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from heshan_vetting import Commitment, RenderContext, Report, RulePackError, Verdict, Vetter
from heshan_vetting.evaluation.commitments import add_months

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "projects"


@pytest.fixture(scope="module")
def vetter() -> Vetter:
    return Vetter()


def check(vetter: Vetter, name: str) -> Report:
    return vetter.check(EXAMPLES / name)


def by_id(report: Report) -> dict[str, Commitment]:
    return {c.id: c for c in report.commitments}


# -- the computation ---------------------------------------------------------------------------


def test_an_approved_project_lists_its_figures_floors_and_due_dates(vetter: Vetter) -> None:
    report = check(vetter, "pv-module-plant.toml")
    assert report.verdict is Verdict.APPROVE
    got = by_id(report)
    assert list(got) == ["HS-COM-INV", "HS-COM-TAX"]
    inv, tax = got["HS-COM-INV"], got["HS-COM-TAX"]
    # total investment 12.5 亿元 against Jiangmen's 5000 万元 for land of its own, due at 投产
    assert (inv.fact, inv.value, inv.unit, inv.floor, inv.floor_name) == (
        "total_investment",
        125000.0,
        "万元",
        5000.0,
        "min_total_investment_own_land",
    )
    assert (inv.rule_id, inv.due) == ("JM-INV-001", date(2025, 6, 30))
    # 4200 万元 / 180 亩 against Heshan's 20 万元/亩, due 12 months after 达产 (2026-06-30)
    assert tax.fact == "tax_per_mu"
    assert tax.unit == "万元/亩"
    assert tax.value == pytest.approx(4200 / 180)
    assert tax.floor == 20.0
    assert (tax.rule_id, tax.due) == ("JM-TAX-001", date(2027, 6, 30))
    assert tax.due_basis.zh == "达产后12个月"
    assert tax.floor_citation is not None
    assert tax.floor_citation.status.value == "draft"


def test_the_on_miss_clauses_are_data_and_marked_as_a_template(vetter: Vetter) -> None:
    for c in check(vetter, "pv-module-plant.toml").commitments:
        assert c.on_miss.zh
        assert c.on_miss.en
        # no Heshan clause text was found: the pack's clause is a template for policy staff to set
        assert c.on_miss_citation.status.value == "local_default"
        assert "template" in (c.on_miss_citation.note or "")
        assert c.citation.clause == "支持自我提升的企业与属地镇(街)、管委会签订监管协议。"


def test_a_conditional_project_commits_to_the_floor_it_fails_and_has_no_date_without_its_own(vetter: Vetter) -> None:
    report = check(vetter, "electronics-low-tax.toml")
    assert report.verdict is Verdict.CONDITIONAL
    # no park named: JM-INV-001 does not apply, so its commitment is not listed
    [tax] = report.commitments
    assert (tax.id, tax.value, tax.floor, tax.due) == ("HS-COM-TAX", 13.0, 20.0, None)


@pytest.mark.parametrize("name", ["longi-heshan.toml", "synthetic-cement-clinker.toml"])
def test_no_commitments_unless_approve_or_conditional(vetter: Vetter, name: str) -> None:
    report = check(vetter, name)
    assert report.verdict in (Verdict.DEFERRED, Verdict.REJECT)
    assert report.commitments == ()
    assert "commitments" in report.to_dict()
    assert report.to_dict()["commitments"] == []
    assert "监管协议承诺事项" not in vetter.render(report, "text")


def test_longi_carries_its_planned_dates_with_sources(vetter: Vetter) -> None:
    [p] = vetter.load(EXAMPLES / "longi-heshan.toml")
    assert (p.production_start, p.full_production) == (date(2024, 6, 30), date(2024, 12, 31))
    assert "投产时间不超过6个月" in p.sources["production_start"]
    assert "自项目投产之日起12个月内达产" in p.sources["full_production"]
    # the planned dates keep to the agreement's term: 达产 within 12 months of 投产
    assert p.full_production <= add_months(p.production_start, 12)


def test_commitments_do_not_change_the_verdict(vetter: Vetter, tmp_path: Path) -> None:
    text = (EXAMPLES / "pv-module-plant.toml").read_text("utf-8")
    dated = vetter.check(EXAMPLES / "pv-module-plant.toml")
    undated_file = tmp_path / "p.toml"
    undated_file.write_text(
        "\n".join(ln for ln in text.splitlines() if not ln.startswith(("production_start", "full_production"))),
        "utf-8",
    )
    undated = vetter.check(undated_file)
    assert undated.verdict is dated.verdict
    assert undated.findings == dated.findings
    assert undated.score == dated.score
    assert [c.due for c in undated.commitments] == [None, None]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 6, 30), 0, date(2025, 6, 30)),
        (date(2026, 6, 30), 12, date(2027, 6, 30)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2024, 11, 15), 14, date(2026, 1, 15)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


# -- rendering ---------------------------------------------------------------------------------


def test_the_text_report_has_the_section_after_the_reasons(vetter: Vetter) -> None:
    report = check(vetter, "pv-module-plant.toml")
    wide = RenderContext(width=1000)  # one line per item: the phrases below are not wrapped
    zh = vetter.render(report, "text", lang="zh", context=wide)
    en = vetter.render(report, "text", lang="en", context=wide)
    assert "监管协议承诺事项：" in zh
    assert "期限：2027-06-30（达产后12个月）" in zh
    assert "Commitments for the agreement (监管协议):" in en
    assert "due 2027-06-30 (12 months" in en
    undated = vetter.render(check(vetter, "electronics-low-tax.toml"), "text", lang="zh")
    assert undated.index("须整改") < undated.index("监管协议承诺事项") < undated.index("结果")
    assert "日期待协议约定" in undated


# -- pack errors -------------------------------------------------------------------------------

_COMMITMENT = """
[[commitments]]
id = "T-COM"
title = {{ zh = "测试", en = "test" }}
fact = "{fact}"
floor = "{floor}"
{rule}due_from = "full_production"
on_miss = {{ zh = "模板", en = "template" }}
on_miss_citation = {{ title = "t", status = "local_default" }}
citation = {{ title = "t", status = "local_default" }}
"""


def _pack(tmp_path: Path, fact: str, floor: str, rule: str | None = None) -> Path:
    path = tmp_path / "t.toml"
    head = '[pack]\nid = "t"\nversion = "1"\nkind = "access"\ntitle = { zh = "t", en = "t" }\n'
    head += 'jurisdiction = "CN"\nextends = "heshan"\n'
    body = _COMMITMENT.format(fact=fact, floor=floor, rule=f'rule = "{rule}"\n' if rule else "")
    path.write_text(head + body, "utf-8")
    return path


@pytest.mark.parametrize(
    ("fact", "floor", "rule", "key", "needle"),
    [
        ("tax_per_muu", "min_tax_per_mu", None, "fact", "did you mean 'tax_per_mu'"),
        ("industry_code", "min_tax_per_mu", None, "fact", "not a number fact"),
        ("min_tax_per_mu", "min_tax_per_mu", None, "fact", "not a number fact"),
        ("tax_per_mu", "min_tax_per_muu", None, "floor", "not a threshold of the pack"),
        ("total_investment", "min_tax_per_mu", None, "floor", "万元/亩"),
        ("tax_per_mu", "min_tax_per_mu", "JM-TAX-009", "rule", "no rule 'JM-TAX-009'"),
        ("tax_per_mu", "min_tax_per_mu", "JM-INV-001", "rule", "does not compare"),
    ],
)
def test_a_commitment_naming_an_unknown_or_wrong_name_is_a_pack_error_at_its_line(
    tmp_path: Path, fact: str, floor: str, rule: str | None, key: str, needle: str
) -> None:
    path = _pack(tmp_path, fact, floor, rule)
    with pytest.raises(RulePackError) as info:
        Vetter(str(path))
    err = info.value
    lines = path.read_text("utf-8").splitlines()
    assert err.file is not None
    assert Path(err.file).name == "t.toml"
    assert err.line is not None
    assert lines[err.line - 1].startswith(f"{key} =")
    assert err.field == f"commitments[0].{key}"
    assert needle in err.message_en
    assert "承诺事项 T-COM" in err.message_zh


def test_a_valid_extra_commitment_compiles_and_a_duplicate_id_needs_replaces(tmp_path: Path) -> None:
    path = _pack(tmp_path, "tax_per_mu", "min_tax_per_mu", "JM-TAX-001")
    assert [c.id for c in Vetter(str(path)).pack.commitments] == ["HS-COM-INV", "HS-COM-TAX", "T-COM"]
    path.write_text(path.read_text("utf-8").replace('id = "T-COM"', 'id = "HS-COM-TAX"'), "utf-8")
    with pytest.raises(RulePackError) as info:
        Vetter(str(path))
    assert "replaces = true" in info.value.message_en
