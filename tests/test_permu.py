"""The per-mu evaluation (permu): indicator formulas and units, the Huangyan score by hand, benchmarks from the
group, missing-data rules, caps, the low-efficiency list, pack errors, and the kinds kept apart."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

import pytest

from heshan_vetting import Vetter
from heshan_vetting.errors import ProjectError, RulePackError
from heshan_vetting.packs.load import load_pack, shipped_pack_dir
from heshan_vetting.permu.command import evaluate
from heshan_vetting.permu.compile import compile_evaluation_pack
from heshan_vetting.permu.register import register_from_rows
from heshan_vetting.permu.results import EnterpriseResult, EvaluationResult
from heshan_vetting.units import Units

DAY = date(2026, 6, 30)
HEAD = "统一社会信用代码,企业名称,企业规模"
MONEY = "工业增加值 (万元),综合能耗（等价值） (tce)"
REST = "研发经费支出 (万元),主营业务收入 (万元)"
SIX = f"用地面积 (亩),实缴税收 (万元),{MONEY},主要污染物排放量 (t),年平均职工人数,{REST}"
OTHER_UNITS = f"用地面积 (公顷),tax (亿元),{MONEY},主要污染物排放量 (kg),年平均职工人数 (人),{REST}"
WENLING = '[{ class = "A", top_percent = 20 }, { class = "B", top_percent = 80 }, { class = "C", top_percent = 95 }]'


def _csv(tmp_path: Path, text: str, name: str = "register.csv") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _run(register: Path, pack: str | Path = "heshan-evaluation") -> EvaluationResult:
    return evaluate(register, pack, as_of=DAY)[0]


def _by_id(result: EvaluationResult) -> dict[str, EnterpriseResult]:
    return {e.id: e for e in result.enterprises}


def _points(e: EnterpriseResult) -> dict[str, float | None]:
    return {i.id: i.points for i in e.indicators}


# --- indicators and units ------------------------------------------------------------------------------------


def test_indicator_values_convert_the_header_units(tmp_path: Path) -> None:
    # 3 公顷 = 45 亩; 0.135 亿元 = 1350 万元; 1800 kg = 1.8 t; 14400 万元 revenue, 288 万元 R&D = 2 %
    reg = _csv(
        tmp_path,
        f"""
        {HEAD},{OTHER_UNITS},用电量 (万千瓦时)
        X,甲,规上,3,0.135,7200,1800,1800,360,288,14400,4500
        """,
    )
    e = _by_id(_run(reg, "zhejiang-huangyan-evaluation"))["X"]
    values = {i.id: (i.value, i.unit) for i in e.indicators}
    assert values["tax_per_mu"][0] == pytest.approx(30.0)
    assert values["tax_per_mu"][1] == "万元/亩"
    assert values["value_added_per_mu"][0] == pytest.approx(160.0)
    assert values["value_added_per_energy"][0] == pytest.approx(4.0)
    assert values["value_added_per_emission"][0] == pytest.approx(4000.0)
    assert values["labour_productivity"][0] == pytest.approx(20.0)
    assert values["rd_ratio"] == (pytest.approx(2.0), "%")
    assert e.land_area == pytest.approx(45.0)


def test_the_huangyan_weights_reproduce_a_hand_computed_score(tmp_path: Path) -> None:
    reg = _csv(
        tmp_path,
        f"""
        {HEAD},{SIX},用电量 (万千瓦时)
        X,甲,规上,45,1350,7200,1800,1.8,360,288,14400,4500
        Y,乙,规下,10,120,,,,,,,400
        """,
    )
    by = _by_id(_run(reg, "zhejiang-huangyan-evaluation"))
    hand = 30 / 24.097 * 30 + 160 / 136.16 * 20 + 4 / 2.694 * 20 + 4000 / 4929.81 * 10 + 20 / 18.14 * 10 + 2 / 3.02 * 10
    assert by["X"].score == pytest.approx(hand) == pytest.approx(116.3082079778772)
    assert by["X"].weight_total == 100
    assert _points(by["X"])["tax_per_mu"] == pytest.approx(30 / 24.097 * 30)
    # below designated size: 12 万元/亩 against 11.5932 (weight 50), 0.3 万元/万千瓦时 against 0.2352 (50)
    assert by["Y"].score == pytest.approx(12 / 11.5932 * 50 + 0.3 / 0.2352 * 50) == pytest.approx(115.52998696632156)
    assert by["Y"].group == "below"


def test_a_cell_may_carry_its_own_unit(tmp_path: Path) -> None:
    reg = _csv(
        tmp_path,
        f"""
        {HEAD},用地面积,实缴税收,用电量
        Y,乙,规下,"20000 平方米",30 万元,"1000000 kWh"
        """,
    )
    e = _by_id(_run(reg, "zhejiang-huangyan-evaluation"))["Y"]
    values = {i.id: i.value for i in e.indicators}
    assert values["tax_per_mu"] == pytest.approx(1.0)  # 20000 m² = 30 亩
    assert values["tax_per_electricity"] == pytest.approx(0.3)  # 100 万千瓦时


def test_jsonl_register_with_chinese_and_english_keys(tmp_path: Path) -> None:
    rows = [
        {"id": "A1", "name": "甲", "size": "above", "land_area (亩)": 10, "tax": "200 万元"},
        {"统一社会信用代码": "A2", "企业名称": "乙", "企业规模": "规上", "用地面积 (亩)": 10, "tax": "100 万元"},
    ]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = _run(path, _one_indicator_pack(tmp_path))
    by = _by_id(result)
    assert result.errors == []
    # benchmark = the group mean of 20 and 10 = 15; points = value ÷ 15 × 100
    assert by["A1"].score == pytest.approx(20 / 15 * 100)
    assert by["A2"].score == pytest.approx(10 / 15 * 100)


# --- a small pack to test the rules --------------------------------------------------------------------------


def _one_indicator_pack(
    tmp_path: Path,
    *,
    benchmark: str = 'benchmark_of_group = "mean"',
    missing: str = "not_classed",
    cap: str = "",
    extra: str = "",
    cuts: str = WENLING,
    classes_by: str = "rank",
    low: str = "",
) -> Path:
    path = tmp_path / "test-evaluation.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [pack]
            id = "test-evaluation"
            version = "1"
            kind = "evaluation"
            title = {{ zh = "测试", en = "Test" }}
            jurisdiction = "X"
            extends = "zhejiang-evaluation"

            [[evaluation.groups]]
            id = "all"
            title = {{ zh = "全部", en = "All" }}
            when = 'size == "规上"'
            classes_by = "{classes_by}"
            rest = "D"
            cuts = {cuts}
            cuts_citation = {{ title = "t", status = "local_default" }}

            [[evaluation.groups.scores]]
            indicator = "tax_per_mu"
            weight = 100
            {benchmark}
            missing = "{missing}"
            {cap}
            citation = {{ title = "t", status = "local_default" }}
            {extra}
            {low}
            """
        ),
        encoding="utf-8",
    )
    return path


def test_a_fixed_benchmark_and_a_cap(tmp_path: Path) -> None:
    pack = _one_indicator_pack(tmp_path, benchmark='benchmark = "10 万元/亩"', cap="cap = 150")
    reg = _csv(
        tmp_path,
        f"""
        {HEAD},用地面积 (亩),实缴税收 (万元)
        a,甲,规上,10,200
        b,乙,规上,10,120
        """,
    )
    by = _by_id(_run(reg, pack))
    assert by["a"].score == pytest.approx(150.0)
    assert by["a"].indicators[0].basis == "capped"
    assert by["b"].score == pytest.approx(120.0)
    assert by["b"].indicators[0].basis == "value"


def test_the_median_of_the_group(tmp_path: Path) -> None:
    pack = _one_indicator_pack(tmp_path, benchmark='benchmark_of_group = "median"')
    reg = _csv(
        tmp_path,
        f"""
        {HEAD},用地面积 (亩),实缴税收 (万元)
        a,甲,规上,1,1
        b,乙,规上,1,4
        c,丙,规上,1,100
        """,
    )
    result = _run(reg, pack)
    assert result.groups[0].benchmarks[0].benchmark == pytest.approx(4.0)
    assert _by_id(result)["c"].score == pytest.approx(2500.0)


@pytest.mark.parametrize(
    ("rule", "score", "status", "basis"),
    [("zero", 0.0, "classed", "zero"), ("not_classed", None, "not_classed", "missing")],
)
def test_missing_data_rules(tmp_path: Path, rule: str, score: float | None, status: str, basis: str) -> None:
    pack = _one_indicator_pack(tmp_path, missing=rule)
    reg = _csv(
        tmp_path,
        f"""
        {HEAD},用地面积 (亩),实缴税收 (万元)
        a,甲,规上,10,100
        b,乙,规上,10,
        """,
    )
    b = _by_id(_run(reg, pack))["b"]
    assert b.score == score
    assert b.status == status
    assert b.indicators[0].basis == basis
    assert b.indicators[0].missing == ["tax"]
    if status == "not_classed":
        assert any("tax" in r.en for r in b.reasons)


def test_group_mean_points_for_missing_emissions(tmp_path: Path) -> None:
    # Huangyan: a firm without emissions data gets the average emissions score of the group
    reg = _csv(
        tmp_path,
        f"""
        {HEAD},{SIX}
        a,甲,规上,10,100,1000,100,0.1,50,10,1000
        b,乙,规上,10,100,1000,100,0.4,50,10,1000
        c,丙,规上,10,100,1000,100,,50,10,1000
        """,
    )
    by = _by_id(_run(reg, "zhejiang-huangyan-evaluation"))
    pa = 10000 / 4929.81 * 10
    pb = 2500 / 4929.81 * 10
    emissions = {e: _points(by[e])["value_added_per_emission"] for e in "abc"}
    assert emissions["a"] == pytest.approx(pa)
    assert emissions["b"] == pytest.approx(pb)
    assert emissions["c"] == pytest.approx((pa + pb) / 2)
    assert by["c"].indicators[3].basis == "group_mean_points"
    assert by["c"].status == "classed"


def test_a_zero_land_area_is_missing_not_infinite(tmp_path: Path) -> None:
    pack = _one_indicator_pack(tmp_path)
    reg = _csv(
        tmp_path,
        f"""
        {HEAD},用地面积 (亩),实缴税收 (万元)
        a,甲,规上,0,100
        b,乙,规上,10,100
        """,
    )
    a = _by_id(_run(reg, pack))["a"]
    assert "a divisor of tax / land_area is 0" in a.reasons[0].en
    assert a.status == "not_classed"
    assert a.indicators[0].value is None


def test_an_undecided_earlier_group_stops_the_search(tmp_path: Path) -> None:
    # two groups: "big" (land ≥ 20 亩) first, then "all" (规上); without land the first cannot be decided
    pack = _one_indicator_pack(tmp_path)
    text = pack.read_text(encoding="utf-8")
    first = text.index("[[evaluation.groups]]")
    big = (
        text[first:]
        .replace('id = "all"', 'id = "big"', 1)
        .replace("when = 'size == \"规上\"'", "when = 'land_area >= 20[亩]'", 1)
    )
    pack.write_text(text[:first] + big + "\n" + text[first:], encoding="utf-8")
    reg = _csv(tmp_path, f"{HEAD},用地面积 (亩),实缴税收 (万元)\na,甲,规上,,100\nb,乙,规上,30,100\nc,丙,规上,10,100\n")
    by = _by_id(_run(reg, pack))
    assert by["a"].status == "not_classed"
    assert "cannot be decided" in by["a"].reasons[0].en
    assert by["b"].group == "big"
    assert by["c"].group == "all"


def test_no_group_and_undecided_group(tmp_path: Path) -> None:
    pack = _one_indicator_pack(tmp_path)
    reg = _csv(
        tmp_path,
        f"""
        {HEAD},用地面积 (亩),实缴税收 (万元)
        a,甲,规下,10,100
        b,乙,,10,100
        """,
    )
    by = _by_id(_run(reg, pack))
    assert by["a"].status == by["b"].status == "not_classed"
    assert "none of the pack's groups" in by["a"].reasons[0].en
    assert "cannot be decided" in by["b"].reasons[0].en


def _cap_pack(tmp_path: Path, low: str = "") -> Path:
    cap = """
[[evaluation.caps]]
id = "violation"
title = { zh = "违法", en = "violation" }
when = "violations > 0"
at_best = "C"
citation = { title = "t", status = "local_default" }
"""
    return _one_indicator_pack(tmp_path, extra=cap, low=low)


def test_a_cap_by_rule(tmp_path: Path) -> None:
    rows = "\n".join(f"e{i},企业{i},规上,10,{100 - i},{1 if i == 0 else 0}" for i in range(10))
    reg = _csv(tmp_path, f"{HEAD},用地面积 (亩),实缴税收 (万元),violations\n{rows}\n")
    by = _by_id(_run(reg, _cap_pack(tmp_path)))
    assert by["e0"].rank == 1
    assert by["e0"].class_by_score == "A"
    assert by["e0"].class_ == "C"
    assert by["e0"].capped_by == ["violation"]
    # the cap does not move anyone else: e1 is still A, e2 (rank 3 of 10) is B
    assert by["e1"].class_ == "A"
    assert by["e2"].class_ == "B"


def test_an_undecidable_cap_is_reported_not_applied(tmp_path: Path) -> None:
    reg = _csv(tmp_path, f"{HEAD},用地面积 (亩),实缴税收 (万元)\ne0,甲,规上,10,100\n")
    e = _by_id(_run(reg, _cap_pack(tmp_path)))["e0"]
    assert e.capped_by == []
    assert e.caps_undecided == ["violation"]


def test_the_low_efficiency_list_by_class_and_by_floor(tmp_path: Path) -> None:
    low = """
[evaluation.low_efficiency]
title = { zh = "低效用地", en = "Low efficiency" }
classes = ["D"]
indicator = "tax_per_mu"
floor = "3 万元/亩"
citation = { title = "t", status = "local_default" }
"""
    rows = "\n".join(f"e{i:02d},企业{i},规上,10,{200 - 5 * i}" for i in range(20))
    reg = _csv(tmp_path, f"{HEAD},用地面积 (亩),实缴税收 (万元)\n{rows}\nx,规下企业,规下,7.5,15\n")
    result = _run(reg, _cap_pack(tmp_path, low=low))
    assert result.low_efficiency is not None
    # e19 is D (last of 20); x (not in any group) has 2 万元/亩 < 3: on the list by the floor
    assert result.low_efficiency.enterprises == ["e19", "x"]
    assert result.low_efficiency.land_area == pytest.approx(17.5)
    by = _by_id(result)
    assert by["e19"].low_efficiency_reasons[0].en.startswith("class D")
    assert "below the floor of 3 万元/亩" in by["x"].low_efficiency_reasons[0].en


def test_score_lines_class_by_absolute_score(tmp_path: Path) -> None:
    pack = _one_indicator_pack(
        tmp_path,
        benchmark='benchmark = "10 万元/亩"',
        classes_by="score",
        cuts='[{ class = "A", min_score = 120 }, { class = "B", min_score = 80 }, { class = "C", min_score = 50 }]',
    )
    reg = _csv(tmp_path, f"{HEAD},用地面积 (亩),实缴税收 (万元)\na,甲,规上,1,12\nb,乙,规上,1,7.9\nc,丙,规上,1,4\n")
    by = _by_id(_run(reg, pack))
    assert [by[k].class_ for k in "abc"] == ["A", "C", "D"]


def test_policy_and_class_names_come_from_the_pack(tmp_path: Path) -> None:
    rows = "\n".join(f"e{i:02d},企业{i},规上,10,{200 - 10 * i},,,,,,0" for i in range(20))
    head = f"{HEAD},用地面积 (亩),实缴税收 (万元),{MONEY},年平均职工人数,{REST},violations"
    reg = _csv(tmp_path, f"{head}\n{rows}\n")
    result = _run(reg)
    assert [c.title.zh for c in result.classes] == ["优先发展类", "提升发展类", "调控帮扶类", "倒逼整治类"]
    assert any("local_default" in n.en for n in result.notes)
    assert "groups.above.cuts" in result.local_defaults


# --- the heshan pack on a full register ----------------------------------------------------------------------


def test_the_heshan_pack_classes_a_register(tmp_path: Path) -> None:
    head = f"{HEAD},{SIX},用电量 (万千瓦时),violations"
    rows = [
        f"u{i:02d},规上{i},规上,{10 + i},{50 + 7 * i},{400 + 13 * i},{100 + i},{0.5 + i / 10},{50 + i},{5 + i},"
        f"{1000 + 30 * i},{100 + i},0"
        for i in range(20)
    ]
    rows += [f"d{i},规下{i},规下,{5 + i},{10 + i},,,,,,,{40 + i},0" for i in range(5)]
    result = _run(_csv(tmp_path, head + "\n" + "\n".join(rows) + "\n"))
    counts = {g.id: {c.class_: c.count for c in g.classes} for g in result.groups}
    assert counts["above"] == {"A": 4, "B": 12, "C": 3, "D": 1}
    assert counts["below"] == {"A": 0, "B": 4, "C": 1, "D": 0}  # 5 × 5% = 0.25 → 0 A; 5 × 75% = 3.75 → 4
    assert result.complete
    assert result.errors == []
    d = [e for e in result.enterprises if e.class_ == "D"]
    assert result.low_efficiency is not None
    assert result.low_efficiency.enterprises == [e.id for e in d]


# --- register errors -----------------------------------------------------------------------------------------


def test_bad_rows_are_error_entries_and_the_rest_is_evaluated(tmp_path: Path) -> None:
    reg = _csv(
        tmp_path,
        f"""
        {HEAD},用地面积 (亩),实缴税收 (万元)
        a,甲,规上,10,abc
        b,乙,规上,-3,10
        c,,规上,10,10
        d,丁,大型,10,10
        e,戊,规上,10,10
        e,戊二,规上,10,10
        f,己,规上,10,10,extra
        """,
    )
    result = _run(reg, _one_indicator_pack(tmp_path))
    assert [e.id for e in result.enterprises] == ["e"]
    assert not result.complete
    where = [(err.row, err.column) for err in result.errors]
    assert where == [(2, "实缴税收 (万元)"), (3, "用地面积 (亩)"), (4, "name"), (5, "企业规模"), (7, "id"), (8, None)]
    assert "already read at row 6" in result.errors[4].message_en
    assert all(err.file == str(reg) for err in result.errors)
    assert any("could not be read" in n.en for n in result.notes)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("统一社会信用代码,企业名称,亩产税收", "not a register field"),
        ("统一社会信用代码,企业名称,用地面积 (万元)", "does not fit land_area"),
        ("统一社会信用代码,企业名称,综合能耗（等价值） (kWh)", "coal equivalent"),
        ("统一社会信用代码,企业名称,综合能耗 (GJ)", "coal equivalent"),
        ("统一社会信用代码,用地面积 (亩)", "no name column"),
        ("统一社会信用代码,企业名称,land_area (亩),用地面积 (亩)", "both land_area"),
        ("统一社会信用代码,企业名称,企业规模 (亩)", "not a number"),
    ],
)
def test_bad_headers_are_errors_with_a_location(tmp_path: Path, header: str, message: str) -> None:
    reg = _csv(tmp_path, header + "\n")
    with pytest.raises(ProjectError) as info:
        _run(reg)
    assert message in info.value.message_en
    assert info.value.file == str(reg)
    assert info.value.line == 1


def test_a_number_without_a_unit_is_refused(tmp_path: Path) -> None:
    reg = _csv(tmp_path, f"{HEAD},用地面积,实缴税收 (万元)\na,甲,规上,10,10\n")
    result = _run(reg)
    assert result.enterprises == []
    assert "has no unit" in result.errors[0].message_en


def test_energy_in_kwh_in_a_cell_is_refused(tmp_path: Path) -> None:
    reg = _csv(tmp_path, f"{HEAD},综合能耗（等价值）\na,甲,规上,1000 kWh\n")
    assert "coal equivalent" in _run(reg).errors[0].message_en


def test_not_utf8_and_wrong_suffix(tmp_path: Path) -> None:
    bad = tmp_path / "r.csv"
    bad.write_bytes("统一社会信用代码,企业名称\n".encode("gbk"))
    with pytest.raises(ProjectError, match="not UTF-8"):
        _run(bad)
    other = tmp_path / "r.xls"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(ProjectError, match=r"\.csv or \.jsonl"):
        _run(other)


# --- packs -----------------------------------------------------------------------------------------------------


def _compile(path: Path) -> None:
    compile_evaluation_pack(load_pack(path, [shipped_pack_dir()]), Units())


def test_an_indicator_formula_of_the_wrong_unit_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        textwrap.dedent(
            """
            [pack]
            id = "bad"
            version = "1"
            kind = "evaluation"
            title = { zh = "x", en = "x" }
            jurisdiction = "X"
            extends = "zhejiang-evaluation"

            [[evaluation.indicators]]
            id = "odd"
            title = { zh = "x", en = "x" }
            value = "tax / energy"
            unit = "万元/亩"
            citation = { title = "t", status = "local_default" }
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(RulePackError) as info:
        _compile(path)
    assert info.value.line == 13
    assert "万元/亩" in info.value.message_en
    assert info.value.field == "evaluation.indicators[0].value"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('indicator = "tax_per_mu"', "not an indicator of the pack"),
        ('{ class = "A", top_percent = 20 }', "not a class of the pack"),
    ],
)
def test_references_are_checked(tmp_path: Path, change: str, message: str) -> None:
    path = _one_indicator_pack(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace(change, change.replace("tax_per_mu", "tax_per_acre").replace('"A"', '"S"'))
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulePackError, match=message):
        _compile(path)


def test_a_benchmark_of_the_wrong_dimension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="dimension"):
        _compile(_one_indicator_pack(tmp_path, benchmark='benchmark = "10 万元"'))


def test_the_shipped_evaluation_packs_compile() -> None:
    for name in ("heshan-evaluation", "zhejiang-huangyan-evaluation"):
        pack = compile_evaluation_pack(load_pack(name, [shipped_pack_dir()]), Units())
        assert [c.id for c in pack.classes] == ["A", "B", "C", "D"]
    heshan = compile_evaluation_pack(load_pack("heshan-evaluation", [shipped_pack_dir()]), Units())
    # every weight, benchmark and cut-off of the Heshan pack is a local default
    for group in heshan.groups:
        assert all(s.citation.status.value == "local_default" for s in group.scores)
        assert group.cuts_citation.status.value == "local_default"


def test_check_refuses_an_evaluation_pack_and_evaluate_a_vetting_pack(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="is an evaluation pack") as info:
        Vetter("heshan-evaluation")
    assert info.value.field == "pack.kind"
    reg = _csv(tmp_path, f"{HEAD}\na,甲,规上\n")
    with pytest.raises(RulePackError, match="is a vetting pack"):
        _run(reg, "heshan")


def test_an_evaluation_table_in_a_vetting_pack_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mixed.toml"
    path.write_text(
        '[pack]\nid = "mixed"\nversion = "1"\nkind = "access"\ntitle = { zh = "x", en = "x" }\n'
        'jurisdiction = "X"\n\n[evaluation]\nnotes = []\n',
        encoding="utf-8",
    )
    with pytest.raises(RulePackError, match='kind = "evaluation"'):
        _compile(path)


def test_the_result_is_reproducible(tmp_path: Path) -> None:
    reg = _csv(tmp_path, f"{HEAD},用地面积 (亩),实缴税收 (万元)\na,甲,规上,10,100\nb,乙,规上,10,50\n")
    pack = _one_indicator_pack(tmp_path)
    assert _run(reg, pack).to_json() == _run(reg, pack).to_json()


# --- hostile and careless input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"id": "a", "name": "甲", "tax (万元)": 1' + "0" * 400 + "}", "too large"),
        ('{"id": "a", "name": "甲", "tax (万元)": NaN}', "not a finite number"),
        ('{"id": "a", "name": "甲", "tax (万元)": [1, 2]}', "expected a number"),
        ('{"id": "a", "name": "甲", "tax (万元)": true}', "expected a number"),
        ('{"id": ["a"], "name": "甲"}', "expected a text"),
        ('{"id": "a", "name": "甲", "size": 3}', "not a size group"),
        ("[1, 2]", "not a JSON object"),
        ("{oops", "not JSON"),
        ('{"id": "a", "name": "甲", "亩产": 3}', "not a register field"),
        ('{"id": "a", "统一社会信用代码": "b", "name": "甲"}', "both id"),
    ],
)
def test_hostile_json_lines_are_error_entries(tmp_path: Path, payload: str, message: str) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(payload + '\n{"id": "ok", "name": "好"}\n', encoding="utf-8")
    result = _run(path)
    assert [e.id for e in result.enterprises] == ["ok"]
    assert len(result.errors) == 1
    assert result.errors[0].row == 1
    assert message in result.errors[0].message_en
    assert len(result.errors[0].message_en) < 400  # a long value is shown cut short


def test_a_control_character_in_a_text_is_an_error_entry(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("统一社会信用代码,企业名称\na,甲\x00\nb,乙\n".encode())
    result = _run(path)
    assert [e.id for e in result.enterprises] == ["b"]
    assert "control character" in result.errors[0].message_en


def test_a_csv_field_past_the_csv_limit_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('统一社会信用代码,企业名称\na,"' + "x" * 200_000 + '"\n', encoding="utf-8")
    with pytest.raises(ProjectError, match="cannot be read as CSV"):
        _run(path)


def test_a_directory_or_an_empty_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError):
        _run(tmp_path)
    empty = tmp_path / "e.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ProjectError, match="empty"):
        _run(empty)


def test_a_bom_and_full_width_header_units_are_read(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(
        "\ufeff统一社会信用代码,企业名称,企业规模,用地面积（亩）,实缴税收（万元）\na,甲,规上,10,100\n".encode()
    )
    result = _run(path, _one_indicator_pack(tmp_path))
    assert result.errors == []
    assert result.enterprises[0].indicators[0].value == pytest.approx(10.0)


def test_a_header_only_register_evaluates_no_one(tmp_path: Path) -> None:
    result = _run(_csv(tmp_path, f"{HEAD},用地面积 (亩)\n"))
    assert result.enterprises == []
    assert result.complete
    assert all(g.members == 0 for g in result.groups)


def test_register_from_rows_takes_typed_cells_and_any_header_row() -> None:
    # what a spreadsheet reader gives: numbers as numbers, None for empty, the header on row 3
    rows = [
        (3, ["统一社会信用代码", "企业名称", "企业规模", "用地面积 (公顷)", "实缴税收 (万元)", None]),
        (4, ["a", "甲", "规上", 2, 300.0, None]),
        (5, [None, None, None, None, None, None]),
        (6, ["b", "乙", "规上", "x", 1, None]),
    ]
    reg = register_from_rows("book.xlsx", rows, Units())
    assert [e.id for e in reg.enterprises] == ["a"]
    assert reg.enterprises[0].values["land_area"] == pytest.approx(30.0)
    assert reg.enterprises[0].row == 4
    assert [(e.line, e.column) for e in reg.errors] == [(6, 4)]
    with pytest.raises(ProjectError) as info:
        register_from_rows("book.xlsx", [(3, ["统一社会信用代码", "亩产"])], Units())
    assert (info.value.line, info.value.column) == (3, 2)


def test_a_value_under_a_column_without_a_header_is_an_error_entry(tmp_path: Path) -> None:
    reg = _csv(tmp_path, "统一社会信用代码,企业名称,\na,甲,\nb,乙,5\n")
    result = _run(reg)
    assert [e.id for e in result.enterprises] == ["a"]
    assert "no header" in result.errors[0].message_en
