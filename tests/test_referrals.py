"""Referrals (转报) and a pack's scope: pack sections, the verdict they allow, the report and its renderings.

Issue 11 items 6 and 7: a project with an open referral is never a plain approve; a project outside the pack's
scope gets no approve or conditional (deferred, or rejected by a ban that covers it); the energy-review tiers
count the increment of an expansion or renovation; 发改环资规〔2017〕1975号 exempts PV power stations and pumped
storage from a separate energy review.
"""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import RenderContext, RulePackError, Verdict, Vetter
from heshan_vetting.evaluation.verdict import (
    OUT_OF_SCOPE,
    REFERRAL,
    REFERRAL_UNDECIDED,
    SCOPE_UNKNOWN,
    decide,
)
from heshan_vetting.packs.schema import VerdictDef
from heshan_vetting.report import Citation, CitationStatus, Finding, Outcome, Referral, Report, Score, Severity, Text

CITE = 'citation = { title = "测试依据", status = "unverified" }'


def write_pack(tmp_path: Path, body: str, name: str = "t.toml", pack_id: str = "t", extends: str | None = None) -> Path:
    head = f'[pack]\nid = "{pack_id}"\nversion = "1.0.0"\nkind = "access"\ntitle = {{ zh = "测试", en = "Test" }}\n'
    head += 'jurisdiction = "TEST"\n' + (f'extends = "{extends}"\n' if extends else "")
    path = tmp_path / name
    path.write_text(head + "\n" + textwrap.dedent(body), encoding="utf-8")
    return path


def make_vetter(tmp_path: Path, body: str) -> Vetter:
    return Vetter(pack=str(write_pack(tmp_path, body)))


def rule(rid: str, require: str) -> str:
    return f"""
[[rules]]
id = "{rid}"
title = {{ zh = "规则{rid}", en = "Rule {rid}" }}
severity = "required"
require = "{require}"
{CITE}
"""


LINES = VerdictDef(approve_min=60, conditional_min=40, citation=Citation(title="t", status=CitationStatus.DRAFT))

# A project the shipped Heshan pack approves, with its energy use below every review tier that refers it.
BASE: dict[str, Any] = {
    "id": "R-1",
    "name": "光伏组件项目",
    "industry_code": "C3825",
    "products": ["光伏组件"],
    "construction_type": "new",
    "catalogue_class": "permitted",
    "application_date": "2024-05-20",
    "total_investment": "12.5 亿元",
    "fixed_asset_investment": "10.2 亿元",
    "land_area": "180 亩",
    "annual_output": "30 亿元",
    "annual_tax": "4200 万元",
    "energy_consumption": "4500 tce",
    "electricity_consumption": "3000 万千瓦时",
    "plot_ratio": 1.35,
    "building_coefficient": "52%",
    "green_ratio": "10%",
    "admin_living_share": "5.5%",
}


@pytest.fixture(scope="module")
def heshan() -> Vetter:
    return Vetter()


def _refs(report: Report) -> list[str]:
    return [r.id + ("?" if r.missing else "") for r in report.referrals]


def _label(report: Report) -> str | None:
    (label,) = [lb for lb in report.labels if lb.id == "energy_review"]
    return label.value.zh if label.value is not None else None


# -- the shipped packs ---------------------------------------------------------------------------


def test_below_every_referral_tier_the_project_is_approved(heshan: Vetter) -> None:
    report = heshan.check(BASE)
    assert report.verdict is Verdict.APPROVE
    assert report.referrals == ()
    assert report.out_of_scope is None


def test_the_provincial_energy_review_is_a_referral_that_holds_approve_at_conditional(heshan: Vetter) -> None:
    report = heshan.check({**BASE, "energy_consumption": "1.8 万吨标准煤", "electricity_consumption": "9800 万千瓦时"})
    assert report.verdict is Verdict.CONDITIONAL
    assert _refs(report) == ["GD-REF-ENERGY-PROVINCE"]
    (ref,) = report.referrals
    assert ref.to.zh == "广东省能源局（省级节能审查）"
    assert ref.citation is not None
    assert ref.citation.number == "粤能节能〔2023〕38号"
    assert any("GD-REF-ENERGY-PROVINCE" in r.zh and "广东省能源局" in r.zh for r in report.reasons)
    assert report.conditions == ()  # a referral is not a rule to fix


def test_an_expansion_counts_its_increment_not_its_total(heshan: Vetter) -> None:
    big = {**BASE, "energy_consumption": "3 万吨标准煤", "electricity_consumption": "3000 万千瓦时"}
    as_new = heshan.check(big)
    assert _label(as_new) == "广东省级（省能源局）"
    assert _refs(as_new) == ["GD-REF-ENERGY-PROVINCE"]
    for kind in ("expansion", "renovation", "扩建"):
        grown = heshan.check({**big, "construction_type": kind, "energy_consumption_increment": "3000 tce"})
        assert _label(grown) == "鹤山市级", kind
        assert grown.referrals == (), kind
        assert grown.verdict is Verdict.APPROVE, kind
    # relocation (迁建) is not 改建/扩建: the total counts
    moved = heshan.check({**big, "construction_type": "relocation", "energy_consumption_increment": "3000 tce"})
    assert _label(moved) == "广东省级（省能源局）"


def test_an_expansion_without_its_increment_cannot_be_placed(heshan: Vetter) -> None:
    report = heshan.check({**BASE, "construction_type": "expansion"})
    (label,) = [lb for lb in report.labels if lb.id == "energy_review"]
    assert label.outcome == "insufficient_data"
    assert "energy_consumption_increment" in label.missing
    assert _refs(report) == ["GD-REF-ENERGY-PROVINCE?"]
    assert report.verdict is Verdict.DEFERRED  # whether another body must decide is not known yet
    assert "energy_consumption_increment" in report.missing_fields
    assert "energy_consumption_increment" in [s.field for s in report.to_supply]


def test_a_new_project_is_not_asked_for_an_increment(heshan: Vetter) -> None:
    data = {k: v for k, v in BASE.items() if k not in ("energy_consumption", "electricity_consumption")}
    report = heshan.check(data)
    (label,) = [lb for lb in report.labels if lb.id == "energy_review"]
    assert label.missing == ("energy_consumption", "electricity_consumption")
    (ref,) = report.referrals
    assert ref.missing == ("energy_consumption",)
    assert "energy_consumption_increment" not in report.missing_fields


def test_window_guidance_for_a_two_high_project_at_50000_tce(heshan: Vetter) -> None:
    glass = {
        **BASE,
        "industry_code": "C3041",
        "products": ["光伏压延玻璃"],
        "in_compliant_park": True,
        "pv_glass_hearing_held": True,
        "two_high_exception": "efficiency_leader",
        "two_high_exception_basis": "节能报告第4章",
        "energy_consumption": "9 万吨标准煤",
        "electricity_consumption": "30000 万千瓦时",
    }
    report = heshan.check(glass)
    assert _refs(report) == ["GD-REF-2H-EXCEPTION", "GD-REF-ENERGY-PROVINCE", "NAT-REF-WINDOW-GUIDANCE"]
    assert report.verdict is Verdict.CONDITIONAL
    window = report.referrals[2]
    assert window.citation is not None
    assert window.citation.number == "发改环资〔2021〕1310号"
    below = heshan.check({**glass, "energy_consumption": "49999 tce"})
    assert "NAT-REF-WINDOW-GUIDANCE" not in _refs(below)


def test_an_exception_ground_is_a_referral_to_the_province_not_a_waiver(heshan: Vetter) -> None:
    report = heshan.check({**BASE, "two_high_exception": "efficiency_leader", "two_high_exception_basis": "见附件"})
    assert _refs(report) == ["GD-REF-2H-EXCEPTION"]
    assert report.verdict is Verdict.CONDITIONAL


def test_a_referral_is_not_in_force_before_its_date(heshan: Vetter) -> None:
    report = heshan.check(
        {**BASE, "energy_consumption": "1.8 万吨标准煤", "electricity_consumption": "9800 万千瓦时"},
        as_of=date(2023, 5, 31),
    )
    assert "GD-REF-ENERGY-PROVINCE" not in _refs(report)
    assert any(s.kind == "referral" and s.id == "GD-REF-ENERGY-PROVINCE" for s in report.not_in_force)


def test_pumped_storage_and_pv_power_stations_need_no_separate_energy_review(heshan: Vetter) -> None:
    for product in ("抽水蓄能", "光伏电站"):
        report = heshan.check({**BASE, "products": [product], "energy_consumption": "3 万吨标准煤"})
        assert _label(report) == "不单独进行节能审查（发改环资规〔2017〕1975号所列行业）", product
        assert "GD-REF-ENERGY-PROVINCE" not in _refs(report), product


def test_an_energy_project_is_outside_the_heshan_scope_and_deferred(heshan: Vetter) -> None:
    report = heshan.check({**BASE, "industry_code": "D4413", "products": ["抽水蓄能"], "annual_tax": "10 万元"})
    assert report.verdict is Verdict.DEFERRED
    assert report.out_of_scope is not None
    assert "门类C" in report.out_of_scope.zh
    assert report.score is None  # not scored on per-mu indicators meant for manufacturing land
    assert report.conditions == ()
    assert report.missing_fields == ()
    assert report.verdict_text.zh == "不属本规则包评审范围，暂缓评审"
    assert report.reasons[0] == report.out_of_scope


def test_a_ban_still_rejects_an_out_of_scope_project(heshan: Vetter) -> None:
    report = heshan.check({**BASE, "industry_code": "D4411", "energy_consumption": "50 万吨标准煤"})
    assert report.out_of_scope is not None
    assert report.verdict is Verdict.REJECT
    assert report.verdict_text.zh == "不予准入"


def test_without_an_industry_code_the_scope_cannot_be_told(heshan: Vetter) -> None:
    data = {k: v for k, v in BASE.items() if k != "industry_code"}
    report = heshan.check(data)
    assert report.verdict is Verdict.DEFERRED
    assert report.out_of_scope is None
    assert report.missing_fields[0] == "industry_code"


def test_the_json_carries_referrals_and_scope_and_reads_back(heshan: Vetter) -> None:
    report = heshan.check({**BASE, "industry_code": "D4411", "energy_consumption": "50 万吨标准煤"})
    data = json.loads(report.to_json())
    assert [r["id"] for r in data["referrals"]] == ["GD-REF-ENERGY-PROVINCE", "NAT-REF-WINDOW-GUIDANCE"]
    assert set(data["referrals"][0]) == {"id", "to", "reason", "rule_id", "citation", "missing"}
    assert data["out_of_scope"]["en"].startswith("This pack decides Heshan manufacturing projects")
    assert Report.model_validate(data) == report
    deferred = heshan.check({**BASE, "industry_code": "B0610"})
    d = json.loads(deferred.to_json())
    assert d["verdict"] == "deferred"
    assert d["verdict_text"]["en"] == "deferred: outside the scope of the rule pack"
    assert Report.model_validate(d).to_json() == deferred.to_json()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_text_report_lists_referrals_after_the_reasons(heshan: Vetter, lang: str) -> None:
    report = heshan.check({**BASE, "energy_consumption": "1.8 万吨标准煤", "electricity_consumption": "9800 万千瓦时"})
    text = heshan.render(report, "text", lang=lang, context=RenderContext(width=1000))  # a line per item
    head = "转报（须由其他机关一并决定）：" if lang == "zh" else "Referrals (other bodies that must also decide):"
    lines = text.splitlines()
    at = lines.index(head)
    assert lines[at - 1].startswith("  * ")  # right after the reasons
    assert "[GD-REF-ENERGY-PROVINCE]" in lines[at + 1]
    assert "粤能节能〔2023〕38号" in lines[at + 2]
    outside = heshan.render(heshan.check({**BASE, "industry_code": "D4413"}), "text", lang=lang)
    first = outside.splitlines()[0]
    assert first.endswith(
        "不属本规则包评审范围，暂缓评审" if lang == "zh" else "DEFERRED (outside the rule pack's scope)"
    )


# -- decide() ---------------------------------------------------------------------------------------


def _ref(rid: str, missing: tuple[str, ...] = ()) -> Referral:
    return Referral(id=rid, to=Text(zh="某机关", en="a body"), reason=Text(zh="因为", en="because"), missing=missing)


def _f(rule_id: str, severity: Severity, outcome: Outcome) -> Finding:
    return Finding(
        rule_id=rule_id, pack_id="t", title=Text(zh=rule_id, en=rule_id), severity=severity, outcome=outcome,
        explanation=Text(zh="", en=""), missing=("x",) if outcome is Outcome.INSUFFICIENT_DATA else (),
    )  # fmt: skip


def test_the_effects_of_referrals_and_scope() -> None:
    assert REFERRAL.cap is Verdict.CONDITIONAL
    assert not REFERRAL.missing
    assert REFERRAL_UNDECIDED.cap is Verdict.DEFERRED  # data that could change the verdict: defer
    assert REFERRAL_UNDECIDED.missing
    assert OUT_OF_SCOPE.cap is Verdict.DEFERRED
    assert SCOPE_UNKNOWN.cap is Verdict.DEFERRED
    assert SCOPE_UNKNOWN.missing


def test_decide_a_referral_caps_at_conditional_and_is_named() -> None:
    assert decide([], Score(total=90.0), LINES, referrals=[_ref("REF-A")]).verdict is Verdict.CONDITIONAL
    d = decide([], Score(total=90.0), LINES, referrals=[_ref("REF-A"), _ref("REF-B", ("energy_consumption",))])
    assert d.verdict is Verdict.DEFERRED  # REF-B may be due: supply energy_consumption to tell
    assert d.supply == {"energy_consumption": [("REF-B", "referral")]}
    assert [r.zh for r in d.reasons] == [
        "须转报某机关（REF-A）。",
        "可能须转报某机关（REF-B），缺少 energy_consumption 无法判断。",
    ]
    assert d.missing_fields == ["energy_consumption"]
    assert decide([_f("V", Severity.VETO, Outcome.FAIL)], referrals=[_ref("REF-A")]).verdict is Verdict.REJECT


def test_decide_out_of_scope_is_deferred_whatever_the_score_and_asks_nothing() -> None:
    outside = Text(zh="不在范围", en="outside")
    findings = [_f("R1", Severity.REQUIRED, Outcome.FAIL), _f("R2", Severity.REQUIRED, Outcome.INSUFFICIENT_DATA)]
    for total in (0.0, 50.0, 100.0):
        d = decide(findings, Score(total=total), LINES, out_of_scope=outside)
        assert d.verdict is Verdict.DEFERRED
        assert d.reasons == [outside]
        assert d.conditions == []
        assert d.missing_fields == []
    vetoed = decide([*findings, _f("V", Severity.VETO, Outcome.FAIL)], out_of_scope=outside)
    assert vetoed.verdict is Verdict.REJECT
    assert vetoed.reasons[0] == outside
    broken = decide([_f("E", Severity.ADVISORY, Outcome.ERROR)], out_of_scope=outside)
    assert broken.incomplete
    assert broken.verdict is Verdict.DEFERRED


def test_decide_an_undecidable_scope_defers_and_names_the_fields() -> None:
    d = decide([], Score(total=100.0), LINES, scope_missing=["industry_code"])
    assert d.verdict is Verdict.DEFERRED
    assert d.missing_fields == ["industry_code"]
    assert "industry_code" in d.reasons[0].en


# -- pack sections ------------------------------------------------------------------------------------

REFERRAL_TOML = """
[[referrals]]
id = "REF-BIG"
to = {{ zh = "上级机关", en = "A higher body" }}
reason = {{ zh = "投资大", en = "Large investment" }}
when = "{when}"
{extra}
{cite}
"""
SCOPE_TOML = """
[scope]
title = {{ zh = "制造业", en = "Manufacturing" }}
when = "{when}"
outside = {{ zh = "不属本包范围", en = "Not covered by this pack" }}
{cite}
"""


def _pack(when: str = "total_investment >= 10[亿元]", extra: str = "", scope: str | None = None) -> str:
    body = rule("R1", "total_investment > 0[万元]") + REFERRAL_TOML.format(when=when, extra=extra, cite=CITE)
    if scope is not None:
        body += SCOPE_TOML.format(when=scope, cite=CITE)
    return body


def test_a_pack_declares_referrals_and_scope(tmp_path: Path) -> None:
    v = make_vetter(tmp_path, _pack(scope='industry_code startswith \\"C\\"'))
    base = {"id": "P", "name": "p", "industry_code": "C3825"}
    assert v.check({**base, "total_investment": "12 亿元"}).verdict is Verdict.CONDITIONAL
    assert v.check({**base, "total_investment": "2 亿元"}).verdict is Verdict.APPROVE
    assert v.check({**base, "total_investment": "2 亿元", "industry_code": "D4411"}).verdict is Verdict.DEFERRED
    undecided = v.check({"id": "P", "name": "p", "industry_code": "C3825"})
    assert _refs(undecided) == ["REF-BIG?"]


def test_a_referral_condition_is_checked_when_the_pack_loads(tmp_path: Path) -> None:
    with pytest.raises(RulePackError) as err:
        make_vetter(tmp_path, _pack(when="no_such_fact > 1"))
    assert err.value.line is not None
    assert "no_such_fact" in str(err.value)
    with pytest.raises(RulePackError):
        make_vetter(tmp_path, _pack(extra="unexpected = 1"))
    with pytest.raises(RulePackError):
        make_vetter(tmp_path, _pack(scope="total_investment"))  # not a condition


def test_a_child_pack_overrides_a_referral_only_with_replaces(tmp_path: Path) -> None:
    write_pack(tmp_path, _pack(), name="parent.toml", pack_id="parent")
    child = write_pack(tmp_path, REFERRAL_TOML.format(when="true", extra="", cite=CITE), extends="parent")
    with pytest.raises(RulePackError) as err:
        Vetter(pack=str(child))
    assert "replaces" in str(err.value)
    child.write_text(child.read_text(encoding="utf-8").replace('id = "REF-BIG"', 'id = "REF-BIG"\nreplaces = true'))
    v = Vetter(pack=str(child))
    assert _refs(v.check({"id": "P", "name": "p", "total_investment": "1 万元"})) == ["REF-BIG"]


def test_the_last_scope_of_a_chain_applies(tmp_path: Path) -> None:
    write_pack(tmp_path, _pack(scope='industry_code startswith \\"C\\"'), name="parent.toml", pack_id="parent")
    child = write_pack(
        tmp_path, SCOPE_TOML.format(when='industry_code startswith \\"D\\"', cite=CITE), extends="parent"
    )
    v = Vetter(pack=str(child))
    data = {"id": "P", "name": "p", "total_investment": "1 万元"}
    assert v.check({**data, "industry_code": "D4411"}).out_of_scope is None
    assert v.check({**data, "industry_code": "C3825"}).out_of_scope is not None
