"""The shipped packs as policy: coverage page, every rule exercised, boundary dates, layering, industry codes."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from heshan_vetting import Outcome, ProjectError, Vetter
from heshan_vetting.industry import classification
from heshan_vetting.packs.coverage import policy_coverage
from heshan_vetting.packs.load import load_pack
from heshan_vetting.testing import load_cases

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
EXAMPLES = ROOT / "examples" / "projects"

BASE = {
    "id": "T-1",
    "name": "测试项目",
    "industry_code": "C3825",
    "construction_type": "new",
    "catalogue_class": "encouraged",
    "total_investment": "12 亿元",
    "fixed_asset_investment": "10 亿元",
    "land_area": "180 亩",
    "annual_output": "30 亿元",
    "annual_tax": "4000 万元",
    "energy_consumption": "3000 tce",
    "electricity_consumption": "2000 万千瓦时",
    "plot_ratio": 1.2,
    "building_coefficient": "45%",
    "green_ratio": "10%",
    "admin_living_share": "5%",
}


@pytest.fixture(scope="module")
def vetter() -> Vetter:
    return Vetter()


def _outcome(report: object, rule_id: str) -> Outcome:
    for f in report.findings:  # type: ignore[attr-defined]
        if f.rule_id == rule_id:
            return f.outcome  # type: ignore[no-any-return]
    raise AssertionError(f"{rule_id} not in the report")


def test_coverage_page_is_generated_from_the_packs(vetter: Vetter) -> None:
    page = (ROOT / "docs" / "policy-coverage.md").read_text(encoding="utf-8")
    assert page == policy_coverage(load_pack("heshan", vetter.pack_paths)), (
        "docs/policy-coverage.md is stale: run `python -m heshan_vetting coverage -o docs/policy-coverage.md`"
    )


def test_coverage_command_prints_the_page() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "coverage", "--pack", "heshan"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    assert proc.stdout.startswith("# Policy coverage")
    for rule_id in ("HS-2H-001", "NAT-CAT-001", "NAT-CAP-001", "JM-TAX-001", "GD-EN-001"):
        assert f"`{rule_id}`" in proc.stdout
    assert "Not encoded" in proc.stdout


def test_every_shipped_rule_passes_somewhere_and_fails_or_does_not_apply_somewhere(vetter: Vetter) -> None:
    seen: dict[str, set[Outcome]] = defaultdict(set)
    files = sorted(EXAMPLES.glob("*.toml")) + [c.project for c in load_cases(CASES) if c.pack is None]
    assert len(files) >= 10
    for path in files:
        for day in (None, date(2022, 1, 1)):
            report = vetter.check(path, as_of=day)
            for f in report.findings:
                seen[f.rule_id].add(f.outcome)
    rules = {r.id for r in vetter.pack.rules}
    never = sorted(r for r in rules if r not in seen)
    assert never == [], f"rules never evaluated by the examples and cases: {never}"
    no_pass = sorted(r for r in rules if Outcome.PASS not in seen[r])
    no_other = sorted(r for r in rules if not seen[r] & {Outcome.FAIL, Outcome.NOT_APPLICABLE})
    assert no_pass == [], f"rules that never pass: {no_pass}"
    assert no_other == [], f"rules that never fail nor are not applicable: {no_other}"


@pytest.mark.parametrize(
    ("day", "outcome"),
    [(date(2024, 1, 31), None), (date(2024, 2, 1), Outcome.FAIL)],
)
def test_catalogue_veto_starts_on_the_2024_catalogue_effective_date(
    vetter: Vetter, day: date, outcome: Outcome | None
) -> None:
    report = vetter.check({**BASE, "catalogue_class": "restricted"}, as_of=day)
    ids = {f.rule_id for f in report.findings}
    if outcome is None:
        assert "NAT-CAT-001" not in ids
        assert any(s.id == "NAT-CAT-001" for s in report.not_in_force)
    else:
        assert _outcome(report, "NAT-CAT-001") is outcome
        assert report.verdict.value == "reject"


@pytest.mark.parametrize(
    ("day", "coefficient", "outcome"),
    [
        (date(2023, 6, 24), "35%", Outcome.PASS),  # 2008 edition: ≥ 30%
        (date(2023, 6, 25), "35%", Outcome.FAIL),  # 2023 edition: ≥ 40% (unverified figure)
        (date(2023, 6, 25), "40%", Outcome.PASS),
    ],
)
def test_building_coefficient_threshold_changes_with_the_2023_edition(
    vetter: Vetter, day: date, coefficient: str, outcome: Outcome
) -> None:
    report = vetter.check({**BASE, "building_coefficient": coefficient}, as_of=day)
    assert _outcome(report, "NAT-LAND-002") is outcome


def test_heshan_overrides_the_jiangmen_tax_floor() -> None:
    project = {**BASE, "annual_tax": "3060 万元"}  # 17 万元/亩 on 180 亩
    assert _outcome(Vetter("jiangmen").check(project), "JM-TAX-001") is Outcome.PASS  # ≥ 15
    heshan = Vetter("heshan").check(project)
    assert _outcome(heshan, "JM-TAX-001") is Outcome.FAIL  # ≥ 20
    finding = next(f for f in heshan.findings if f.rule_id == "JM-TAX-001")
    assert finding.comparisons[0].threshold == 20
    assert finding.comparisons[0].gap == 3


@pytest.mark.parametrize(
    ("energy", "electricity", "reading"),
    [
        ("10000 tce", "100 万千瓦时", "广东省级（省能源局）"),
        ("9999 tce", "100 万千瓦时", "江门市级"),
        ("5000 tce", "100 万千瓦时", "江门市级"),
        ("4999 tce", "100 万千瓦时", "鹤山市级"),
        ("1000 tce", "100 万千瓦时", "鹤山市级"),
        ("999 tce", "500 万千瓦时", "鹤山市级"),
        ("999 tce", "499 万千瓦时", "不单独进行节能审查"),
    ],
)
def test_energy_review_label_tiers(vetter: Vetter, energy: str, electricity: str, reading: str) -> None:
    report = vetter.check({**BASE, "energy_consumption": energy, "electricity_consumption": electricity})
    label = next(x for x in report.labels if x.id == "energy_review")
    assert label.value is not None
    assert label.value.zh == reading


def test_energy_review_label_without_data_says_so(vetter: Vetter) -> None:
    data = {k: v for k, v in BASE.items() if k not in ("energy_consumption", "electricity_consumption")}
    label = next(x for x in vetter.check(data).labels if x.id == "energy_review")
    assert label.outcome == "insufficient_data"
    assert "energy_consumption" in label.missing


def test_energy_review_label_not_in_force_before_the_2023_rule(vetter: Vetter) -> None:
    report = vetter.check(BASE, as_of=date(2023, 5, 31))
    assert all(x.id != "energy_review" for x in report.labels)
    assert any(s.kind == "label" and s.id == "energy_review" for s in report.not_in_force)


@pytest.mark.parametrize(
    ("extra", "waiver"),
    [
        ({}, None),
        ({"two_high_exception": "efficiency_leader"}, "invalid"),  # a ground without its basis
        ({"two_high_exception": "能效领先", "two_high_exception_basis": "能效达到标杆水平（示例）"}, "claimed"),
    ],
)
def test_two_high_veto_is_waivable_only_with_a_cited_ground(
    vetter: Vetter, extra: dict[str, str], waiver: str | None
) -> None:
    project = {
        **BASE,
        "industry_code": "C3011",
        "energy_consumption": "2 万吨标准煤",
        "capacity_replacement_plan": True,
    }
    report = vetter.check({**project, **extra})
    # the veto fails either way; a ground cited with its basis is a claim on it (a waiver awaiting review)
    assert _outcome(report, "HS-2H-001") is Outcome.FAIL
    (veto,) = [f for f in report.findings if f.rule_id == "HS-2H-001"]
    assert (veto.waiver.status if veto.waiver is not None else None) == (None if waiver == "invalid" else waiver)
    assert [w.status for w in report.waivers] == ([waiver] if waiver else [])
    # the ground reaches only the waivable 两高 veto: the PRD-core cement ban still rejects
    assert _outcome(report, "JM-PRD-001") is Outcome.FAIL
    assert report.verdict.value == "reject"


def test_named_two_high_product_counts_even_in_another_class(vetter: Vetter) -> None:
    report = vetter.check(
        {**BASE, "industry_code": "C3399", "products": ["预拌混凝土"], "energy_consumption": "1.2 万tce"}
    )
    assert _outcome(report, "HS-2H-001") is Outcome.FAIL
    # the same product below Guangdong's 1万 tce line is not a 两高 project
    report = vetter.check(
        {**BASE, "industry_code": "C3399", "products": ["预拌混凝土"], "energy_consumption": "9999 tce"}
    )
    assert _outcome(report, "HS-2H-001") is Outcome.PASS


def test_a_decision_resting_on_unverified_figures_is_noted(vetter: Vetter) -> None:
    report = vetter.check({**BASE, "annual_tax": "1800 万元"})  # 10 万元/亩: fails the draft floor
    assert "JM-TAX-001" in report.unverified_basis
    text = vetter.render(report)
    assert "未经核实" in text


def test_industry_classification_is_complete() -> None:
    tree = classification()
    assert tree.count("section") == 20
    assert tree.count("division") == 97
    assert tree.count("group") == 473
    assert tree.count("class") == 1381  # 1,380 as issued, +1 from the 2019 amendment (9290 split)
    assert tree.name("C3825") == "光伏设备及元器件制造"
    assert "4754" in tree.source


def test_unknown_class_gets_did_you_mean_with_names(vetter: Vetter) -> None:
    with pytest.raises(ProjectError) as info:
        vetter.project({"id": "a", "name": "b", "industry_code": "C3826"})
    assert "C3825" in info.value.message_en
    assert "光伏设备及元器件制造" in info.value.message_zh


def test_report_shows_the_class_name(vetter: Vetter) -> None:
    report = vetter.check(BASE)
    assert report.project.industry_name == "光伏设备及元器件制造"
    assert "光伏设备及元器件制造" in vetter.render(report)
