"""Targeted engine tests with small rule packs written to ``tmp_path``."""

from __future__ import annotations

import hashlib
import textwrap
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import Outcome, Report, Verdict, Vetter

CITE = 'citation = { title = "测试依据", status = "verified" }'


def pack_text(
    body: str = "",
    *,
    pack_id: str = "t",
    version: str = "1.0.0",
    extends: str | None = None,
) -> str:
    """A minimal pack header followed by ``body`` (TOML)."""
    head = f"""\
        [pack]
        id = "{pack_id}"
        version = "{version}"
        kind = "access"
        title = {{ zh = "测试", en = "Test" }}
        jurisdiction = "TEST"
        """
    if extends:
        head += f'extends = "{extends}"\n'
    return textwrap.dedent(head) + "\n" + textwrap.dedent(body)


def write_pack(tmp_path: Path, body: str = "", name: str = "t.toml", **kw: Any) -> Path:
    path = tmp_path / name
    path.write_text(pack_text(body, **kw), encoding="utf-8")
    return path


def make_vetter(tmp_path: Path, body: str, **kw: Any) -> Vetter:
    return Vetter(pack=str(write_pack(tmp_path, body, **kw)))


def rule(rid: str, require: str, *, severity: str = "required", extra: str = "", cite: str = CITE) -> str:
    return f"""
[[rules]]
id = "{rid}"
title = {{ zh = "规则{rid}", en = "Rule {rid}" }}
severity = "{severity}"
require = "{require}"
{extra}
{cite}
"""


TAX_PER_MU = """
[derived.tax_per_mu]
title = { zh = "亩均税收", en = "Tax per mu" }
expr = "annual_tax / land_area"
unit = "万元/亩"
"""


def project(**fields: Any) -> dict[str, Any]:
    return {"id": "P-1", "name": "测试项目", **fields}


def outcome(report: Report, rule_id: str) -> Outcome:
    (finding,) = [f for f in report.findings if f.rule_id == rule_id]
    return finding.outcome


DAY = date(2024, 6, 1)


# -- decimal comparison ---------------------------------------------------------------------------


class TestDecimalBoundary:
    """Values are rounded half-up to the rule's ``precision`` decimals (default 4) in the comparison
    unit before comparing, so the decimal quantities people write compare as written, not as binary
    floats: 2078.70 万元 / 138.58 亩 is 14.999999999999996 in floats but exactly 15 in decimal."""

    @pytest.fixture
    def vetter(self, tmp_path: Path) -> Vetter:
        body = TAX_PER_MU + rule("TAX", "tax_per_mu >= 15[万元/亩]")
        body += rule("TAX0", "tax_per_mu >= 15[万元/亩]", extra="precision = 0")
        return make_vetter(tmp_path, body)

    def test_floats_really_miss_the_boundary(self) -> None:
        assert 2078.70 / 138.58 < 15

    def test_exactly_at_threshold_passes(self, vetter: Vetter) -> None:
        r = vetter.check(project(annual_tax="2078.70 万元", land_area="138.58 亩"), as_of=DAY)
        assert outcome(r, "TAX") is Outcome.PASS
        cmp = next(f for f in r.findings if f.rule_id == "TAX").comparisons[0]
        assert cmp.actual == 15.0
        assert cmp.threshold == 15.0
        assert cmp.passed is True
        assert cmp.gap is None

    def test_just_below_threshold_fails(self, vetter: Vetter) -> None:
        # 2078.69 / 138.58 = 14.99992784… → 14.9999 at 4 decimals
        r = vetter.check(project(annual_tax="2078.69 万元", land_area="138.58 亩"), as_of=DAY)
        assert outcome(r, "TAX") is Outcome.FAIL
        cmp = next(f for f in r.findings if f.rule_id == "TAX").comparisons[0]
        assert cmp.actual == pytest.approx(14.9999, abs=1e-12)
        assert cmp.gap == pytest.approx(0.0001, abs=1e-12)

    @pytest.mark.parametrize(
        ("tax", "expected"),
        [
            ("1450 万元", Outcome.PASS),  # 14.5 rounds half up to 15
            ("1449.9 万元", Outcome.FAIL),  # 14.499 rounds to 14
            ("1400 万元", Outcome.FAIL),
        ],
    )
    def test_precision_zero_rounds_half_up(self, vetter: Vetter, tax: str, expected: Outcome) -> None:
        r = vetter.check(project(annual_tax=tax, land_area="100 亩"), as_of=DAY)
        assert outcome(r, "TAX0") is expected

    def test_precision_zero_reports_rounded_actual(self, vetter: Vetter) -> None:
        r = vetter.check(project(annual_tax="1450 万元", land_area="100 亩"), as_of=DAY)
        cmp = next(f for f in r.findings if f.rule_id == "TAX0").comparisons[0]
        assert cmp.actual == 15.0
        # at the default precision 14.5 stays 14.5 and fails
        assert outcome(r, "TAX") is Outcome.FAIL

    def test_comparison_in_rule_unit(self, tmp_path: Path) -> None:
        """A threshold in 万元/公顷 is compared (and reported) in the rule's ``unit``: 4500 万元/公顷 = 300 万元/亩."""
        body = """
[thresholds.min_intensity]
title = { zh = "投资强度下限", en = "Minimum intensity" }
unit = "万元/公顷"
value = "4500 万元/公顷"
citation = { title = "测试", status = "verified" }

[derived.intensity]
title = { zh = "投资强度", en = "Intensity" }
expr = "fixed_asset_investment / land_area"
unit = "万元/亩"
"""
        body += rule("INT", "intensity >= min_intensity", extra='unit = "万元/亩"\nprecision = 2')
        v = make_vetter(tmp_path, body)
        r = v.check(project(fixed_asset_investment="3 亿元", land_area="100 亩"), as_of=DAY)
        assert outcome(r, "INT") is Outcome.PASS
        cmp = r.findings[0].comparisons[0]
        assert (cmp.actual, cmp.threshold, cmp.unit) == (300.0, 300.0, "万元/亩")


# -- strings, codes and sets ----------------------------------------------------------------------


class TestCodesAndSets:
    """Industry codes and set members match whatever their letter case and surrounding spaces."""

    BODY = """
[sets.banned]
type = "industry_code"
match = "prefix"
members = [" c30 ", "C3240", "d44 "]

[sets.exact_codes]
type = "industry_code"
match = "exact"
members = [" c3825 "]

[sets.pv_products]
type = "text"
members = [" 光伏组件 ", "Solar Cell"]
"""

    @pytest.fixture
    def vetter(self, tmp_path: Path) -> Vetter:
        body = self.BODY
        body += rule("BAN", "not (industry_code in banned)", severity="veto")
        body += rule("EXACT", "industry_code in exact_codes")
        body += rule("EQ", 'industry_code == \\" C3825 \\"')
        body += rule("PROD", "products in pv_products")
        return make_vetter(tmp_path, body)

    @pytest.mark.parametrize("code", ["C3011", "c3011", " c3011 ", "C3041", "c3240", "D4411"])
    def test_prefix_set_matches_any_case_and_spacing(self, vetter: Vetter, code: str) -> None:
        r = vetter.check(project(industry_code=code), as_of=DAY)
        assert outcome(r, "BAN") is Outcome.FAIL
        assert r.verdict is Verdict.REJECT

    @pytest.mark.parametrize("code", ["C3825", "C3251", "C2911"])
    def test_prefix_set_does_not_match_others(self, vetter: Vetter, code: str) -> None:
        r = vetter.check(project(industry_code=code), as_of=DAY)
        assert outcome(r, "BAN") is Outcome.PASS

    @pytest.mark.parametrize("code", ["C3825", " c3825", "c3825 "])
    def test_exact_set_and_string_equality_ignore_case_and_spaces(self, vetter: Vetter, code: str) -> None:
        r = vetter.check(project(industry_code=code), as_of=DAY)
        assert outcome(r, "EXACT") is Outcome.PASS
        assert outcome(r, "EQ") is Outcome.PASS

    def test_exact_set_is_not_a_prefix_match(self, vetter: Vetter) -> None:
        r = vetter.check(project(industry_code="C3824"), as_of=DAY)
        assert outcome(r, "EXACT") is Outcome.FAIL
        assert outcome(r, "EQ") is Outcome.FAIL

    @pytest.mark.parametrize(
        ("products", "expected"),
        [(["光伏组件"], Outcome.PASS), (["玻璃", "solar cell "], Outcome.PASS), (["玻璃"], Outcome.FAIL)],
    )
    def test_text_set_membership_of_a_list(self, vetter: Vetter, products: list[str], expected: Outcome) -> None:
        r = vetter.check(project(industry_code="C3825", products=products), as_of=DAY)
        assert outcome(r, "PROD") is expected

    def test_project_reports_the_normalised_code(self, vetter: Vetter) -> None:
        r = vetter.check(project(industry_code=" c3825 "), as_of=DAY)
        assert r.project.industry_code == "C3825"


# -- three-valued logic -----------------------------------------------------------------------------


class TestKleeneLogic:
    """``false and <missing>`` is false; ``true and <missing>`` is unknown; missing data never passes."""

    BODY = """
[sets.focus]
type = "industry_code"
match = "prefix"
members = ["C38"]
"""

    @pytest.fixture
    def vetter(self, tmp_path: Path) -> Vetter:
        body = self.BODY
        body += rule("AND", "industry_code in focus and annual_tax >= 100[万元]")
        body += rule("OR", "industry_code in focus or annual_tax >= 100[万元]")
        body += rule("NOT", "not (annual_tax >= 100[万元])")
        body += rule(
            "APPLIES",
            "employees >= 10",
            extra='applies_if = "industry_code in focus and annual_tax >= 100[万元]"',
        )
        return make_vetter(tmp_path, body)

    def test_false_and_missing_is_false(self, vetter: Vetter) -> None:
        r = vetter.check(project(industry_code="C2911"), as_of=DAY)  # not in focus, tax missing
        assert outcome(r, "AND") is Outcome.FAIL
        assert outcome(r, "APPLIES") is Outcome.NOT_APPLICABLE

    def test_true_and_missing_is_insufficient_data(self, vetter: Vetter) -> None:
        r = vetter.check(project(industry_code="C3825"), as_of=DAY)
        assert outcome(r, "AND") is Outcome.INSUFFICIENT_DATA
        assert outcome(r, "APPLIES") is Outcome.INSUFFICIENT_DATA
        finding = next(f for f in r.findings if f.rule_id == "AND")
        assert finding.missing == ("annual_tax",)
        assert "annual_tax" in r.missing_fields

    def test_true_or_missing_is_true(self, vetter: Vetter) -> None:
        r = vetter.check(project(industry_code="C3825"), as_of=DAY)
        assert outcome(r, "OR") is Outcome.PASS

    def test_false_or_missing_is_insufficient_data(self, vetter: Vetter) -> None:
        r = vetter.check(project(industry_code="C2911"), as_of=DAY)
        assert outcome(r, "OR") is Outcome.INSUFFICIENT_DATA

    def test_not_missing_is_insufficient_data(self, vetter: Vetter) -> None:
        r = vetter.check(project(industry_code="C2911"), as_of=DAY)
        assert outcome(r, "NOT") is Outcome.INSUFFICIENT_DATA

    def test_missing_data_is_never_a_pass(self, vetter: Vetter) -> None:
        r = vetter.check(project(), as_of=DAY)  # nothing known at all
        assert {f.rule_id: f.outcome for f in r.findings} == {
            "AND": Outcome.INSUFFICIENT_DATA,
            "OR": Outcome.INSUFFICIENT_DATA,
            "NOT": Outcome.INSUFFICIENT_DATA,
            "APPLIES": Outcome.INSUFFICIENT_DATA,
        }
        assert r.verdict is Verdict.DEFERRED  # missing data defers the decision
        # while a rule's scope is undecided only the scope's facts are named: employees would not decide it yet
        assert set(r.missing_fields) == {"industry_code", "annual_tax"}

    def test_applies_then_decided(self, vetter: Vetter) -> None:
        r = vetter.check(project(industry_code="C3825", annual_tax="200 万元", employees=5), as_of=DAY)
        assert outcome(r, "AND") is Outcome.PASS
        assert outcome(r, "APPLIES") is Outcome.FAIL


# -- explanation ------------------------------------------------------------------------------------


class TestExplanation:
    BODY = """
[thresholds.min_output]
title = { zh = "亩均产值下限", en = "Minimum output per mu" }
unit = "万元/亩"
value = "300 万元/亩"
citation = { title = "测试", status = "verified" }

[derived.output_per_mu]
title = { zh = "亩均产值", en = "Output per mu" }
expr = "annual_output / land_area"
unit = "万元/亩"
"""

    @pytest.fixture
    def report(self, tmp_path: Path) -> Report:
        v = make_vetter(tmp_path, self.BODY + rule("OUT", "output_per_mu >= min_output"))
        return v.check(project(annual_output="24500 万元", land_area="100 亩"), as_of=DAY)

    def test_comparison_numbers(self, report: Report) -> None:
        f = report.findings[0]
        assert f.outcome is Outcome.FAIL
        cmp = f.comparisons[0]
        assert cmp.actual == 245.0
        assert cmp.threshold == 300.0
        assert cmp.gap == 55.0
        assert cmp.passed is False
        assert cmp.op == ">="
        assert cmp.unit == "万元/亩"
        assert cmp.threshold_name == "min_output"

    def test_explanation_text(self, report: Report) -> None:
        f = report.findings[0]
        assert "需 ≥ 300" in f.explanation.zh
        assert "现为 245" in f.explanation.zh
        assert "差 55" in f.explanation.zh
        assert "short by 55" in f.explanation.en
        assert "needs ≥ 300" in f.explanation.en

    def test_facts_read_are_listed(self, report: Report) -> None:
        facts = {fv.name: fv.value for fv in report.findings[0].facts}
        assert facts == {"output_per_mu": 245.0}

    def test_threshold_written_first_is_explained_as_fact_op_threshold(self, tmp_path: Path) -> None:
        v = make_vetter(tmp_path, self.BODY + rule("OUT", "min_output <= output_per_mu"))
        r = v.check(project(annual_output="24500 万元", land_area="100 亩"), as_of=DAY)
        cmp = r.findings[0].comparisons[0]
        assert (cmp.op, cmp.actual, cmp.threshold, cmp.gap) == (">=", 245.0, 300.0, 55.0)

    def test_over_a_maximum(self, tmp_path: Path) -> None:
        v = make_vetter(tmp_path, rule("GREEN", "green_ratio <= 20%"))
        r = v.check(project(green_ratio="25%"), as_of=DAY)
        f = r.findings[0]
        assert f.outcome is Outcome.FAIL
        assert f.comparisons[0].gap == 5.0
        assert "超出 5%" in f.explanation.zh
        assert "over by 5%" in f.explanation.en


# -- tables ---------------------------------------------------------------------------------------------


class TestTables:
    ROWS = """
[tables.min_ratio]
title = { zh = "容积率下限", en = "Minimum plot ratio" }
unit = ""
%s
[tables.min_ratio.rows]
C38 = 0.7
" c382 " = 0.9
C3825 = 1.1
"""

    def _vetter(self, tmp_path: Path, default: str) -> Vetter:
        return make_vetter(tmp_path, self.ROWS % default + rule("RATIO", "plot_ratio >= min_ratio[industry_code]"))

    @pytest.mark.parametrize(
        ("code", "threshold"),
        [("C3825", 1.1), ("C3829", 0.9), ("c3821", 0.9), ("C3811", 0.7), ("C3911", 0.5)],
    )
    def test_longest_prefix_wins_then_default(self, tmp_path: Path, code: str, threshold: float) -> None:
        v = self._vetter(tmp_path, "default = 0.5")
        r = v.check(project(industry_code=code, plot_ratio=1.0), as_of=DAY)
        cmp = r.findings[0].comparisons[0]
        assert cmp.threshold == threshold
        assert cmp.threshold_name == "min_ratio"
        assert r.findings[0].outcome is (Outcome.PASS if threshold <= 1.0 else Outcome.FAIL)

    def test_no_row_and_no_default_is_not_applicable(self, tmp_path: Path) -> None:
        v = self._vetter(tmp_path, "")
        r = v.check(project(industry_code="C3911", plot_ratio=0.1), as_of=DAY)
        f = r.findings[0]
        assert f.outcome is Outcome.NOT_APPLICABLE
        assert "C3911" in f.explanation.zh
        assert "has no row for industry C3911" in f.explanation.en
        assert r.verdict is Verdict.APPROVE

    def test_no_row_but_missing_code_is_insufficient_data(self, tmp_path: Path) -> None:
        v = self._vetter(tmp_path, "")
        r = v.check(project(plot_ratio=0.1), as_of=DAY)
        assert r.findings[0].outcome is Outcome.INSUFFICIENT_DATA
        assert r.findings[0].missing == ("industry_code",)


# -- verdict ---------------------------------------------------------------------------------------------


SCORED = """
[[indicators]]
id = "ratio"
title = { zh = "容积率", en = "Plot ratio" }
value = "plot_ratio"
weight = 1
floor = 0
target = 1
citation = { title = "测试", status = "local_default" }

[verdict]
approve_min = 60
conditional_min = 40
citation = { title = "测试", status = "local_default" }
"""


class TestVerdict:
    @pytest.mark.parametrize(
        ("ratio", "score", "verdict"),
        [
            (1.0, 100.0, Verdict.APPROVE),
            (0.6, 60.0, Verdict.APPROVE),  # 0.6 * 100 is 60.00000000000001 in floats; exactly at the line
            (0.5999, 59.99, Verdict.CONDITIONAL),
            (0.4, 40.0, Verdict.CONDITIONAL),
            (0.3999, 39.99, Verdict.REJECT),
            (0.0, 0.0, Verdict.REJECT),
        ],
    )
    def test_score_boundaries(self, tmp_path: Path, ratio: float, score: float, verdict: Verdict) -> None:
        v = make_vetter(tmp_path, SCORED)
        r = v.check(project(plot_ratio=ratio), as_of=DAY)
        assert r.score is not None
        assert r.score.total == score
        assert r.verdict is verdict
        assert r.conditions == ()

    def test_veto_fail_overrides_perfect_score(self, tmp_path: Path) -> None:
        v = make_vetter(tmp_path, SCORED + rule("V", "employees >= 10", severity="veto"))
        r = v.check(project(plot_ratio=1.0, employees=3), as_of=DAY)
        assert r.score is not None
        assert r.score.total == 100.0
        assert r.verdict is Verdict.REJECT
        assert "Veto: V Rule V." in [t.en for t in r.reasons]

    def test_advisory_fail_does_not_change_verdict(self, tmp_path: Path) -> None:
        v = make_vetter(tmp_path, SCORED + rule("A", "employees >= 10", severity="advisory"))
        r = v.check(project(plot_ratio=1.0, employees=3), as_of=DAY)
        assert outcome(r, "A") is Outcome.FAIL
        assert r.verdict is Verdict.APPROVE
        assert r.conditions == ()

    @pytest.mark.parametrize("severity", ["required", "advisory", "veto"])
    def test_error_finding_is_incomplete_and_never_approve(self, tmp_path: Path, severity: str) -> None:
        v = make_vetter(tmp_path, SCORED + TAX_PER_MU + rule("E", "tax_per_mu >= 15[万元/亩]", severity=severity))
        r = v.check(project(plot_ratio=1.0, annual_tax="100 万元", land_area="0 亩"), as_of=DAY)
        f = r.findings[0]
        assert f.outcome is Outcome.ERROR
        assert "division by zero: land_area is 0" in f.explanation.en
        assert r.incomplete is True
        assert r.verdict is Verdict.CONDITIONAL
        assert r.score is not None
        assert r.score.total == 100.0
        assert ("E" in r.conditions) is (severity != "advisory")

    def test_required_fail_is_a_condition(self, tmp_path: Path) -> None:
        v = make_vetter(tmp_path, SCORED + rule("R", "employees >= 10"))
        r = v.check(project(plot_ratio=1.0, employees=3), as_of=DAY)
        assert r.verdict is Verdict.CONDITIONAL
        assert r.conditions == ("R",)
        assert r.incomplete is False

    def test_no_indicators_means_no_score(self, tmp_path: Path) -> None:
        v = make_vetter(tmp_path, rule("R", "employees >= 10"))
        r = v.check(project(employees=30), as_of=DAY)
        assert r.score is None
        assert r.verdict is Verdict.APPROVE


# -- layering -----------------------------------------------------------------------------------------


class TestLayering:
    PARENT = (
        """
[thresholds.min_tax]
title = { zh = "亩均税收下限", en = "Minimum tax per mu" }
unit = "万元/亩"
value = "20 万元/亩"
citation = { title = "上级", status = "verified" }
"""
        + TAX_PER_MU
    )

    CHILD = """
[thresholds.min_tax]
title = { zh = "亩均税收下限（下级）", en = "Minimum tax per mu (child)" }
unit = "万元/公顷"
value = "150 万元/公顷"
citation = { title = "下级", status = "draft" }
"""

    @pytest.fixture
    def paths(self, tmp_path: Path) -> tuple[Path, Path]:
        parent = write_pack(
            tmp_path, self.PARENT + rule("TAX", "tax_per_mu >= min_tax"), name="parent.toml", pack_id="parent"
        )
        child = write_pack(tmp_path, self.CHILD, name="child.toml", pack_id="child", version="2.1.0", extends="parent")
        return parent, child

    def test_child_threshold_override_changes_the_outcome(self, paths: tuple[Path, Path]) -> None:
        parent, child = paths
        data = project(annual_tax="1500 万元", land_area="100 亩")  # 15 万元/亩
        assert outcome(Vetter(pack=str(parent)).check(data, as_of=DAY), "TAX") is Outcome.FAIL
        r = Vetter(pack=str(child)).check(data, as_of=DAY)  # 150 万元/公顷 = 10 万元/亩
        assert outcome(r, "TAX") is Outcome.PASS
        f = r.findings[0]
        assert f.comparisons[0].threshold == 10.0
        assert f.pack_id == "parent"

    def test_child_threshold_citation_sets_the_figure_status(self, tmp_path: Path) -> None:
        verified = 'citation = { title = "测试依据", status = "verified" }'
        body = self.PARENT + rule("TAX", "tax_per_mu >= min_tax", cite=verified)
        parent = write_pack(tmp_path, body, name="parent.toml", pack_id="parent")
        child = write_pack(tmp_path, self.CHILD, name="child.toml", pack_id="child", extends="parent")
        data = project(annual_tax="1500 万元", land_area="100 亩")
        from_parent = Vetter(pack=str(parent)).check(data, as_of=DAY).findings[0]
        from_child = Vetter(pack=str(child)).check(data, as_of=DAY).findings[0]
        assert (from_parent.figure_status, from_parent.unverified) == ("verified", False)
        assert (from_child.figure_status, from_child.unverified) == ("draft", True)

    def test_provenance_lists_the_chain(self, paths: tuple[Path, Path]) -> None:
        parent, child = paths
        r = Vetter(pack=str(child)).check(project(), as_of=DAY)
        packs = r.provenance.packs
        assert [(p.id, p.version) for p in packs] == [("parent", "1.0.0"), ("child", "2.1.0")]
        for p, path in zip(packs, (parent, child), strict=True):
            assert len(p.sha256) == 64
            assert all(c in "0123456789abcdef" for c in p.sha256)
            assert p.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()

    def test_sha_changes_with_the_file(self, paths: tuple[Path, Path]) -> None:
        _parent, child = paths
        before = Vetter(pack=str(child)).check(project(), as_of=DAY).provenance.packs[-1].sha256
        child.write_text(child.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        after = Vetter(pack=str(child)).check(project(), as_of=DAY).provenance.packs[-1].sha256
        assert before != after

    def test_default_pack_chain(self) -> None:
        r = Vetter().check(project(), as_of=DAY)
        assert [p.id for p in r.provenance.packs] == ["national", "guangdong", "jiangmen", "heshan"]


# -- as-of dates --------------------------------------------------------------------------------------------


class TestAsOf:
    BODY = """
[thresholds.min_coef]
title = { zh = "建筑系数下限", en = "Minimum building coefficient" }
unit = "%"

[[thresholds.min_coef.values]]
value = "30%"
effective_from = 2008-01-31
effective_until = 2023-06-24
citation = { title = "旧", status = "verified" }

[[thresholds.min_coef.values]]
value = "40%"
effective_from = 2023-06-25
citation = { title = "新", status = "verified" }
"""

    @pytest.fixture
    def vetter(self, tmp_path: Path) -> Vetter:
        body = self.BODY + rule("COEF", "building_coefficient >= min_coef")
        body += rule("WINDOW", "employees >= 10", extra="effective_from = 2024-01-01\neffective_until = 2024-12-31")
        return make_vetter(tmp_path, body)

    @pytest.mark.parametrize(
        ("day", "threshold", "expected"),
        [
            (date(2023, 6, 24), 30.0, Outcome.PASS),
            (date(2023, 6, 25), 40.0, Outcome.FAIL),
            (date(2008, 1, 31), 30.0, Outcome.PASS),
        ],
    )
    def test_dated_threshold_value_in_force(
        self, vetter: Vetter, day: date, threshold: float, expected: Outcome
    ) -> None:
        r = vetter.check(project(building_coefficient="35%"), as_of=day)
        f = next(f for f in r.findings if f.rule_id == "COEF")
        assert f.outcome is expected
        assert f.comparisons[0].threshold == threshold

    def test_no_threshold_value_in_force_is_not_applicable(self, vetter: Vetter) -> None:
        r = vetter.check(project(building_coefficient="35%"), as_of=date(2008, 1, 30))
        f = next(f for f in r.findings if f.rule_id == "COEF")
        assert f.outcome is Outcome.NOT_APPLICABLE
        assert "2008-01-30" in f.explanation.en
        skipped = {(s.kind, s.id, s.effective_from) for s in r.not_in_force}
        assert ("threshold", "min_coef", date(2008, 1, 31)) in skipped

    @pytest.mark.parametrize(
        ("day", "in_force"),
        [
            (date(2023, 12, 31), False),
            (date(2024, 1, 1), True),
            (date(2024, 12, 31), True),
            (date(2025, 1, 1), False),
        ],
    )
    def test_rule_window(self, vetter: Vetter, day: date, in_force: bool) -> None:
        r = vetter.check(project(employees=3), as_of=day)
        ids = [f.rule_id for f in r.findings]
        skipped_rules = [s for s in r.not_in_force if s.kind == "rule"]
        if in_force:
            assert "WINDOW" in ids
            assert outcome(r, "WINDOW") is Outcome.FAIL
            assert skipped_rules == []
        else:
            assert "WINDOW" not in ids
            assert [(s.id, s.effective_from, s.effective_until) for s in skipped_rules] == [
                ("WINDOW", date(2024, 1, 1), date(2024, 12, 31))
            ]

    def test_as_of_defaults_to_application_date(self, vetter: Vetter) -> None:
        r = vetter.check(project(application_date="2023-06-24", building_coefficient="35%"))
        assert r.provenance.as_of == date(2023, 6, 24)
        assert r.provenance.as_of_source == "application_date"
        assert outcome(r, "COEF") is Outcome.PASS

    def test_option_overrides_application_date(self, vetter: Vetter) -> None:
        r = vetter.check(project(application_date="2023-06-24", building_coefficient="35%"), as_of=date(2023, 6, 25))
        assert r.provenance.as_of == date(2023, 6, 25)
        assert r.provenance.as_of_source == "option"
        assert outcome(r, "COEF") is Outcome.FAIL

    def test_today_without_application_date(self, vetter: Vetter) -> None:
        before = date.today()
        r = vetter.check(project(building_coefficient="35%"))
        after = date.today()
        assert r.provenance.as_of_source == "today"
        assert before <= r.provenance.as_of <= after


# -- threads ------------------------------------------------------------------------------------------------


def test_one_vetter_from_many_threads_matches_serial() -> None:
    vetter = Vetter()
    inputs = [
        project(
            id=f"P-{i}",
            industry_code=["C3825", "C3011", "C3982", "C3311"][i % 4],
            land_area=f"{50 + i} 亩",
            annual_tax=f"{900 + 7 * i} 万元",
            total_investment="3 亿元",
            fixed_asset_investment=f"{1 + (i % 5) * 0.5} 亿元",
            plot_ratio=1.2,
            building_coefficient="45%",
            admin_living_share="5%" if i % 3 else None,
        )
        for i in range(200)
    ]
    serial = [vetter.check(p, as_of=DAY).to_json() for p in inputs]
    assert len(set(serial)) == 200  # the projects differ, so a mix-up would show
    results: list[str | None] = [None] * len(inputs)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(k: int) -> None:
        try:
            start.wait()
            for i in range(k, len(inputs), 4):
                results[i] = vetter.check(inputs[i], as_of=DAY).to_json()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == serial
