"""Issue 11, items 1–3: Guangdong's 两高 scope, the non-waivable Pearl River Delta core ban, and the
restricted-class veto over expansions and the 2019 catalogue — on the shipped packs and on packs of
one's own (the ``waivable`` flag and the loader's refusal of a non-waivable veto that reads a waiver)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from heshan_vetting import Outcome, RulePackError, Vetter
from heshan_vetting.packs.schema import WAIVER_FACTS

BASE = {
    "id": "T-1",
    "name": "测试项目",
    "industry_code": "C3825",
    "products": ["测试产品"],
    "construction_type": "new",
    "catalogue_class": "permitted",
    "total_investment": "12 亿元",
    "fixed_asset_investment": "10 亿元",
    "land_area": "180 亩",
    "annual_output": "30 亿元",
    "annual_tax": "4000 万元",
    "energy_consumption": "3000 tce",
    "electricity_consumption": "2000 万千瓦时",
    "plot_ratio": 1.2,
    "building_coefficient": "45%",
    "admin_living_share": "5%",
    "application_date": date(2024, 8, 1),
}


@pytest.fixture(scope="module")
def vetter() -> Vetter:
    return Vetter()


def _outcome(report: object, rule_id: str) -> Outcome | None:
    for f in report.findings:  # type: ignore[attr-defined]
        if f.rule_id == rule_id:
            return f.outcome  # type: ignore[no-any-return]
    return None


# -- 1. Guangdong's 两高 scope: one of eight sectors AND >= 1万 tce ---------------------------------


@pytest.mark.parametrize(
    ("code", "products", "energy", "outcome"),
    [
        ("C3252", ["铝型材"], "3000 tce", Outcome.PASS),  # 有色金属, below the line
        ("C3252", ["铝型材"], "9999 tce", Outcome.PASS),
        ("C3252", ["铝型材"], "10000 tce", Outcome.FAIL),  # 以上 is inclusive; C32 read as a whole
        ("C3051", ["光伏玻璃钢化镀膜加工"], "5 万tce", Outcome.NOT_APPLICABLE),  # not a named class
        ("C3073", ["氧化锆陶瓷"], "5 万tce", Outcome.NOT_APPLICABLE),  # special, not building, ceramics
        ("C3071", ["瓷砖"], "2 万tce", Outcome.FAIL),  # 建筑陶瓷 is named
        ("C3041", ["光伏压延玻璃"], "9 万tce", Outcome.FAIL),  # 平板玻璃 class, whatever its product
        ("C3825", ["光伏组件"], "5 万tce", Outcome.NOT_APPLICABLE),  # not a 两高 sector
        ("C3399", ["预拌混凝土"], "1 万tce", Outcome.FAIL),  # a named product in another class
    ],
)
def test_two_high_is_a_sector_and_at_least_ten_thousand_tce(
    vetter: Vetter, code: str, products: list[str], energy: str, outcome: Outcome
) -> None:
    project = {**BASE, "industry_code": code, "products": products, "energy_consumption": energy}
    report = vetter.check({**project, "in_compliant_park": True, "capacity_replacement_plan": True})
    assert _outcome(report, "HS-2H-001") is outcome


@pytest.mark.parametrize("code", ["C3252", "C3011", "C2614"])
def test_a_sector_project_without_its_energy_use_is_not_vetoed_as_two_high(vetter: Vetter, code: str) -> None:
    project = {k: v for k, v in BASE.items() if k not in ("energy_consumption", "electricity_consumption")}
    report = vetter.check({**project, "industry_code": code, "in_compliant_park": True})
    finding = next(f for f in report.findings if f.rule_id == "HS-2H-001")
    assert finding.outcome is Outcome.INSUFFICIENT_DATA
    assert "energy_consumption" in finding.missing


def test_a_project_outside_the_sectors_needs_no_energy_figure_for_the_two_high_rule(vetter: Vetter) -> None:
    project = {k: v for k, v in BASE.items() if k not in ("energy_consumption", "electricity_consumption")}
    assert _outcome(vetter.check(project), "HS-2H-001") is Outcome.NOT_APPLICABLE


# -- 2. The PRD-core ban: a veto no exception ground lifts -----------------------------------------

GROUND = {"two_high_exception": "efficiency_leader", "two_high_exception_basis": "能效达到标杆水平（示例）"}


@pytest.mark.parametrize(
    ("code", "products", "rule_id"),
    [
        ("C3011", ["水泥熟料"], "JM-PRD-001"),
        ("C3399", ["水泥"], "JM-PRD-001"),  # cement made under another class
        ("C1910", ["牛皮革"], "JM-PRD-001"),  # raw-hide tanning
        ("C2211", ["化学木浆"], "JM-PRD-001"),  # chemical pulp, by product
        ("C3041", ["浮法玻璃"], "JM-PRD-002"),
        ("C3041", ["光伏压延玻璃", "浮法玻璃"], "JM-PRD-002"),  # PV glass alongside flat glass
    ],
)
@pytest.mark.parametrize("construction_type", ["new", "expansion"])
def test_the_prd_core_ban_rejects_even_with_an_exception_ground(
    vetter: Vetter, code: str, products: list[str], rule_id: str, construction_type: str
) -> None:
    project = {
        **BASE,
        **GROUND,
        "industry_code": code,
        "products": products,
        "construction_type": construction_type,
        "energy_consumption": "5 万tce",
        "in_compliant_park": True,
        "capacity_replacement_plan": True,
        "pv_glass_hearing_held": True,
    }
    report = vetter.check(project)
    assert _outcome(report, rule_id) is Outcome.FAIL
    assert report.verdict.value == "reject"


def test_the_prd_core_ban_leaves_renovation_and_pv_rolled_glass(vetter: Vetter) -> None:
    cement_renovation = {**BASE, "industry_code": "C3011", "products": ["水泥"], "construction_type": "renovation"}
    assert _outcome(vetter.check(cement_renovation), "JM-PRD-001") is Outcome.NOT_APPLICABLE
    # the pack's stated reading: PV rolled glass alone is not 平板玻璃 for the ban
    pv = {**BASE, "industry_code": "C3041", "products": ["光伏压延玻璃"]}
    report = vetter.check(pv)
    finding = next(f for f in report.findings if f.rule_id == "JM-PRD-002")
    assert finding.outcome is Outcome.PASS
    assert finding.citation is not None
    assert finding.citation.note is not None
    assert "PV ROLLED GLASS" in finding.citation.note
    assert "reading" in finding.citation.note
    # a flat-glass-class project that does not say what it makes cannot be decided
    unknown = {k: v for k, v in pv.items() if k != "products"}
    assert _outcome(vetter.check(unknown), "JM-PRD-002") is Outcome.INSUFFICIENT_DATA


def test_only_a_marked_veto_reads_an_exception_ground_in_the_shipped_packs(vetter: Vetter) -> None:
    waivable = {r.id for r in vetter.pack.rules if r.waivable}
    assert waivable == {"HS-2H-001"}
    for rule in vetter.pack.rules:
        if rule.id.startswith("JM-PRD-"):
            assert not rule.waivable
            assert not set(rule.reads) & WAIVER_FACTS
            assert rule.citation.status.value == "partial"  # the PRD-core reading


def test_the_ban_does_not_look_at_the_ground_at_all(vetter: Vetter) -> None:
    project = {**BASE, "industry_code": "C3011", "products": ["水泥"], "energy_consumption": "5 万tce"}
    plain = vetter.check(project)
    with_ground = vetter.check({**project, **GROUND})
    for rule_id in ("JM-PRD-001",):
        a = next(f for f in plain.findings if f.rule_id == rule_id)
        b = next(f for f in with_ground.findings if f.rule_id == rule_id)
        assert a.outcome is b.outcome is Outcome.FAIL
        assert [x.name for x in a.facts] == [x.name for x in b.facts]
    assert _outcome(plain, "HS-2H-001") is Outcome.FAIL
    # the ground is a claim on the waivable 两高 veto (it still fails, with the claim attached)
    assert _outcome(with_ground, "HS-2H-001") is Outcome.FAIL
    (veto,) = [f for f in with_ground.findings if f.rule_id == "HS-2H-001"]
    assert veto.waiver is not None
    assert veto.waiver.status == "claimed"
    assert with_ground.verdict.value == plain.verdict.value == "reject"


PACK = """
[pack]
id = "t-waiver"
version = "1"
kind = "access"
title = {{ zh = "测试", en = "Test" }}
jurisdiction = "TEST"

[sets.grounds]
members = ["efficiency_leader"]

[derived.ground_bonus]
title = {{ zh = "例外加分", en = "Ground bonus" }}
expr = "bonus[two_high_exception]"
unit = ""

[tables.bonus]
unit = ""
default = 0
rows = {{ C30 = 1 }}

[[rules]]
id = "T-BAN"
title = {{ zh = "禁止", en = "Ban" }}
severity = "{severity}"
{extra}
citation = {{ title = "测试", status = "verified" }}
"""


def _write(tmp_path: Path, severity: str = "veto", extra: str = "") -> Path:
    path = tmp_path / "t.toml"
    path.write_text(PACK.format(severity=severity, extra=extra), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('require = "not (industry_code startswith \\"C30\\") or two_high_exception in grounds"', "require"),
        ('applies_if = "two_high_exception_basis is present"\nrequire = "industry_code == \\"C30\\""', "applies_if"),
        ('require = "ground_bonus > 0"', "require"),  # through a derived metric
    ],
)
@pytest.mark.parametrize("severity", ["veto", "required"])
def test_the_loader_refuses_a_deciding_rule_that_reads_a_ground(
    tmp_path: Path, extra: str, key: str, severity: str
) -> None:
    # a cited ground reaches a rule only as a waiver: no veto or required rule may read it, even one
    # marked waivable (its waiver_grounds name the grounds instead)
    for marked in ("", "\nwaivable = true", '\nwaivable = true\nwaiver_grounds = "grounds"'):
        path = _write(tmp_path, severity=severity, extra=extra + marked)
        with pytest.raises(RulePackError) as info:
            Vetter(pack=str(path))
        err = info.value
        assert "waiver_grounds" in err.message_en
        assert "可豁免" in err.message_zh
        assert err.field == f"rules[0].{key}"
        assert err.line is not None
        assert err.file is not None


def test_only_a_veto_or_required_rule_can_be_waivable(tmp_path: Path) -> None:
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(_write(tmp_path, severity="advisory", extra='require = "true"\nwaivable = true')))
    assert "only a veto or a required rule" in info.value.message_en
    Vetter(pack=str(_write(tmp_path, severity="required", extra='require = "true"\nwaivable = true')))


def test_waiver_grounds_must_name_a_set_of_a_waivable_rule(tmp_path: Path) -> None:
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(_write(tmp_path, extra='require = "true"\nwaiver_grounds = "grounds"')))
    assert "not waivable" in info.value.message_en
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(_write(tmp_path, extra='require = "true"\nwaivable = true\nwaiver_grounds = "ground"')))
    assert info.value.field == "rules[0].waiver_grounds"
    assert "grounds" in info.value.message_en  # did you mean
    vetter = Vetter(pack=str(_write(tmp_path, extra='require = "true"\nwaivable = true\nwaiver_grounds = "grounds"')))
    assert vetter.pack.rules[0].waiver_grounds == frozenset({"efficiency_leader"})


def test_a_non_veto_may_read_a_ground(tmp_path: Path) -> None:
    Vetter(pack=str(_write(tmp_path, severity="advisory", extra='require = "two_high_exception is present"')))


# -- 3. The restricted class: expansions, renovation, and the 2019 catalogue -----------------------


@pytest.mark.parametrize(
    ("day", "construction_type", "rule_id", "outcome"),
    [
        (date(2024, 2, 1), "new", "NAT-CAT-001", Outcome.FAIL),
        (date(2024, 2, 1), "expansion", "NAT-CAT-003", Outcome.FAIL),
        (date(2024, 2, 1), "renovation", "NAT-CAT-003", Outcome.NOT_APPLICABLE),
        (date(2024, 1, 31), "new", "NAT-CAT-011", Outcome.FAIL),
        (date(2023, 10, 1), "new", "NAT-CAT-011", Outcome.FAIL),
        (date(2020, 1, 1), "expansion", "NAT-CAT-011", Outcome.FAIL),
        (date(2023, 10, 1), "renovation", "NAT-CAT-011", Outcome.NOT_APPLICABLE),
        (date(2024, 2, 1), "new", "NAT-CAT-011", None),  # the 2019 edition ends the day before
        (date(2019, 12, 31), "new", "NAT-CAT-011", None),
    ],
)
def test_restricted_projects_by_date_and_construction_type(
    vetter: Vetter, day: date, construction_type: str, rule_id: str, outcome: Outcome | None
) -> None:
    project = {**BASE, "catalogue_class": "restricted", "construction_type": construction_type}
    report = vetter.check(project, as_of=day)
    assert _outcome(report, rule_id) is outcome
    restricted = {"NAT-CAT-001", "NAT-CAT-003", "NAT-CAT-011"}
    failed = {f.rule_id for f in report.findings if f.outcome is Outcome.FAIL} & restricted
    if construction_type == "renovation" or day < date(2020, 1, 1):
        assert failed == set()
    else:
        assert report.verdict.value == "reject"


def test_the_2019_catalogue_citation_says_its_number_and_date_are_unconfirmed(vetter: Vetter) -> None:
    for rule in vetter.pack.rules:
        if rule.id in ("NAT-CAT-011", "NAT-CAT-012"):
            assert rule.citation.status.value == "partial"
            assert rule.citation.note is not None
            assert "UNCONFIRMED" in rule.citation.note
    (new_2024,) = [r for r in vetter.pack.rules if r.id == "NAT-CAT-001"]
    assert new_2024.citation.clause is not None
    assert "备案" not in new_2024.citation.clause


# -- item 9: JM-INV-001 applies in parks, as its clause says ------------------------------------------------


def test_the_own_land_minimum_applies_in_parks_only(vetter: Vetter) -> None:
    small = {**BASE, "total_investment": "3000 万元", "fixed_asset_investment": "2500 万元"}
    outside = vetter.check(small)
    assert _outcome(outside, "JM-INV-001") is Outcome.NOT_APPLICABLE
    inside = vetter.check({**small, "location": {"park": "鹤山工业城"}})
    assert _outcome(inside, "JM-INV-001") is Outcome.FAIL
    cite = next(f for f in inside.findings if f.rule_id == "JM-INV-001").citation
    assert cite is not None
    assert "在县级以上工业集中区和园区范围内" in (cite.clause or "")


def test_the_zhaiwu_figure_is_a_forecast_and_advisory(vetter: Vetter) -> None:
    rule = next(r for r in vetter.pack.rules if r.id == "HS-LAND-001")
    assert rule.severity.value == "advisory"
    assert "预测" in rule.title.zh
    assert "预计改造后亩产税收提高到5.5万元/亩以上" in (rule.citation.clause or "")


def test_the_report_states_the_pv_rolled_glass_reading_only_where_it_matters(vetter: Vetter) -> None:
    glass = vetter.check({**BASE, "industry_code": "C3041", "products": ["光伏压延玻璃"]})
    reading = {lb.id: lb for lb in glass.labels}["prd_pv_glass_reading"]
    assert reading.value is not None
    assert "本规则包将光伏压延玻璃读作不属于" in reading.value.zh
    text = vetter.render(glass, "text")
    assert "光伏压延玻璃与珠三角核心区禁令（本规则包解读）" in text
    other = vetter.render(vetter.check(BASE), "text")
    assert "光伏压延玻璃与珠三角核心区禁令" not in other  # no case applies: the label is left out
