"""Regression tests for problems found in review: each names where an error is and says it in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from heshan_vetting import Project, ProjectError, RulePackError, Vetter

ROOT = Path(__file__).resolve().parents[1]

PACK_HEAD = """[pack]
id = "t"
version = "1"
kind = "access"
title = { zh = "测试", en = "test" }
jurisdiction = "CN"
"""


def _rule(require: str) -> str:
    return f"""
[[rules]]
id = "R1"
title = {{ zh = "规则", en = "rule" }}
severity = "required"
require = {require}
citation = {{ title = "测试文件", status = "unverified" }}
"""


@pytest.fixture(scope="module")
def vetter() -> Vetter:
    return Vetter()


def test_expression_column_counts_escapes_at_their_written_width(tmp_path: Path) -> None:
    src = r'"industry_code in [\"C38\"] and land_aera > 0[亩]"'
    pack = tmp_path / "p.toml"
    pack.write_text(PACK_HEAD + _rule(src), encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(pack))
    line_text = pack.read_text(encoding="utf-8").splitlines()[info.value.line - 1]  # type: ignore[operator]
    assert line_text.index("land_aera") + 1 == info.value.column
    assert "land_area" in info.value.message_en  # did-you-mean


def test_fixed_investment_above_total_names_the_field_and_line(tmp_path: Path, vetter: Vetter) -> None:
    f = tmp_path / "p.toml"
    f.write_text('id = "a"\nname = "b"\ntotal_investment = "1 亿元"\nfixed_asset_investment = "2 亿元"\n', "utf-8")
    with pytest.raises(ProjectError) as info:
        vetter.load(f)
    err = info.value
    assert (err.field, err.line) == ("fixed_asset_investment", 4)
    assert "固定资产投资" in err.message_zh
    assert "total_investment" in err.message_en


@pytest.mark.parametrize("written", ["0.12", "12", "0.12 "])
def test_percent_without_sign_is_rejected_not_read_as_a_fraction(vetter: Vetter, written: str) -> None:
    with pytest.raises(ProjectError) as info:
        vetter.project({"id": "a", "name": "b", "green_ratio": written})
    assert info.value.field == "green_ratio"
    assert "%" in info.value.message_en
    assert "%" in info.value.message_zh


def test_percent_with_sign_is_accepted(vetter: Vetter) -> None:
    assert vetter.project({"id": "a", "name": "b", "green_ratio": "12 %"}).green_ratio == pytest.approx(12.0)


def test_unknown_set_name_on_the_right_of_in_is_an_unknown_name(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    pack.write_text(PACK_HEAD + 'extends = "national"\n' + _rule('"industry_code in two_high_industris"'), "utf-8")
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(pack))
    assert "two_high_industries" in info.value.message_en
    assert "未知的名称" in info.value.message_zh


def test_a_broken_project_file_beside_a_pack_does_not_break_extends(tmp_path: Path) -> None:
    (tmp_path / "broken-project.toml").write_bytes(b"id = \xff\xfe\n")
    pack = tmp_path / "p.toml"
    pack.write_text(PACK_HEAD + 'extends = "national"\n' + _rule('"plot_ratio >= 1.0"'), encoding="utf-8")
    v = Vetter(pack=str(pack))
    assert [p.id for p in v.pack.packs] == ["national", "t"]


def test_project_dump_validates_back_to_the_same_project(vetter: Vetter) -> None:
    p = vetter.load(str(ROOT / "examples/projects/pv-module-plant.toml"))[0]
    again = Project.model_validate(p.model_dump())
    assert again == p
    assert p.model_dump()["land_area"].endswith("亩")


def test_chinese_messages_have_no_english_role_names(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    pack.write_text(PACK_HEAD + _rule('"plot_ratio + 1"'), encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(pack))
    assert info.value.message_zh.startswith("条件应为真假判断")


def test_name_clash_message_is_chinese(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    body = (
        '\n[thresholds.land_area]\ntitle = { zh = "x", en = "x" }\nvalue = 1\n'
        'citation = { title = "t", status = "draft" }\n'
    )
    pack.write_text(PACK_HEAD + body, encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(pack))
    assert "项目字段" in info.value.message_zh
    assert info.value.field == "thresholds.land_area"


def test_plain_number_next_to_a_percentage_is_a_load_error(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    pack.write_text(PACK_HEAD + _rule('"green_ratio <= 0.2"'), encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(pack))
    assert "0.2%" in info.value.message_en
    line = pack.read_text(encoding="utf-8").splitlines()[info.value.line - 1]  # type: ignore[operator]
    assert line.index("0.2") + 1 == info.value.column


def test_full_width_equals_is_an_alias_of_double_equals() -> None:
    from heshan_vetting.lang.parser import parse
    from heshan_vetting.lang.syntax import unparse

    assert unparse(parse('industry_code ＝ "C3825"')) == 'industry_code == "C3825"'


def test_rule_unit_of_another_dimension_is_a_load_error(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    body = _rule('"plot_ratio >= 1.0"').replace('severity = "required"', 'severity = "required"\nunit = "tce"')
    pack.write_text(PACK_HEAD + body, encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(pack))
    assert "tce" in info.value.message_en
    assert info.value.field == "rules[0].require"


def test_misspelt_required_key_is_reported_as_unknown_with_a_hint(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    pack.write_text(PACK_HEAD + _rule('"plot_ratio >= 1.0"').replace("require =", "requires ="), encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(pack))
    assert "'requires'" in info.value.message_en
    assert "did you mean 'require'" in info.value.message_en


def test_division_by_a_constant_zero_is_a_load_error(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    pack.write_text(PACK_HEAD + _rule('"annual_tax / 0 >= 1[万元]"'), encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        Vetter(pack=str(pack))
    assert "0" in info.value.message_en
    assert "除数" in info.value.message_zh


def test_report_is_deeply_immutable(vetter: Vetter) -> None:
    report = vetter.check(str(ROOT / "examples/projects/electronics-low-tax.toml"))
    assert isinstance(report.findings, tuple)
    assert isinstance(report.conditions, tuple)
    with pytest.raises(AttributeError):
        report.conditions.append("X")  # type: ignore[attr-defined]


def test_indicator_that_cannot_be_computed_marks_the_report_incomplete(tmp_path: Path) -> None:
    pack = tmp_path / "p.toml"
    body = """
[derived.tax_per_mu]
title = { zh = "亩均税收", en = "tax per mu" }
expr = "annual_tax / land_area"
unit = "万元/亩"

[[indicators]]
id = "tax"
title = { zh = "亩均税收", en = "tax per mu" }
value = "tax_per_mu"
unit = "万元/亩"
weight = 1
floor = "0 万元/亩"
target = "10 万元/亩"
citation = { title = "t", status = "local_default" }

[verdict]
approve_min = 0
conditional_min = 0
citation = { title = "t", status = "local_default" }
"""
    pack.write_text(PACK_HEAD + body, encoding="utf-8")
    report = Vetter(pack=str(pack)).check({"id": "a", "name": "b", "annual_tax": "10 万元", "land_area": "0 亩"})
    assert report.incomplete
    assert report.verdict.value == "conditional"
    assert any("tax" in r.en for r in report.reasons)


@pytest.mark.parametrize(
    ("option", "needle"),
    [
        ("units", "'units'"),
        ("toml_loader", "'toml_loader'"),
        ("renderers", "'renderers'"),
    ],
)
def test_disabling_a_core_builtin_is_a_usage_error_that_says_so(option: str, needle: str) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "check", str(ROOT / "examples/projects/pv-module-plant.toml"),
         "--disable-plugin", option],
        capture_output=True, text=True, encoding="utf-8",
    )  # fmt: skip
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr


def test_output_into_a_missing_directory_names_the_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    target = tmp_path / "nope" / "r.txt"
    proc = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "check", str(ROOT / "examples/projects/pv-module-plant.toml"),
         "-o", str(target)],
        capture_output=True, text=True, encoding="utf-8",
    )  # fmt: skip
    assert proc.returncode == 2
    assert str(target) in proc.stderr
    assert not target.parent.exists()


def test_missing_indicator_data_defers_instead_of_rejecting(vetter: Vetter) -> None:
    report = vetter.check({"id": "a", "name": "no data yet", "industry_code": "C3825"})
    assert report.score is not None
    assert report.score.total < 40  # below the conditional line on the data given
    assert report.score.attainable == 100.0
    assert report.verdict.value == "deferred"  # issue 11: missing data defers; it was held at conditional


def test_extreme_but_finite_values_are_rounded_not_a_traceback(vetter: Vetter) -> None:
    report = vetter.check(
        {"id": "a", "name": "b", "industry_code": "C3825", "construction_type": "new", "land_area": "1e-40 亩",
         "fixed_asset_investment": "1e40 万元", "annual_tax": "1e40 万元"}
    )  # fmt: skip
    tax = next(f for f in report.findings if f.rule_id == "JM-TAX-001")
    shown = {fact.name: fact.value for fact in tax.facts}
    assert shown["tax_per_mu"] == pytest.approx(1e80)  # rounded for display without overflowing
    assert report.to_json()


def test_converted_quantities_carry_no_binary_noise(vetter: Vetter) -> None:
    # pint 0.24 (the last for Python 3.10) gave 18000.000000000004 here, which broke the dump round trip
    p = vetter.project({"id": "P", "name": "x", "energy_consumption": "1.8 万吨标准煤", "land_area": "0.1 公顷"})
    assert p.energy_consumption == 18000.0
    assert p.land_area == 1.5


def test_arithmetic_that_overflows_is_an_error_finding_not_a_traceback(vetter: Vetter) -> None:
    # 1e307 万元 of tax on 0.01 亩 is finite on both sides, but the quotient is beyond ±1.8e308 (was
    # decimal.InvalidOperation while rounding infinity; also reached with a subnormal land area, 5e-324 亩)
    report = vetter.check(
        {"id": "a", "name": "b", "industry_code": "C3825", "construction_type": "new", "land_area": "0.01 亩",
         "annual_tax": "1e307 万元"}
    )  # fmt: skip
    tax = next(f for f in report.findings if f.rule_id == "JM-TAX-001")
    assert tax.outcome.value == "error"
    assert "overflow" in tax.explanation.en
    assert {fact.name: fact.value for fact in tax.facts}["tax_per_mu"] is None
    assert next(i for i in report.score.indicators if i.id == "tax_per_mu").outcome.value == "error"
    assert report.verdict.value != "approve"
    assert vetter.check({"id": "a", "name": "b", "land_area": "5e-324 亩", "annual_tax": "299.995 万元"}).to_json()
