"""Regression tests for problems found in review: each names where an error is and says it in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from heshan_vetting import Project, ProjectError, RulePackError, Vetter

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
    p = vetter.load("examples/projects/pv-module-plant.toml")[0]
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
