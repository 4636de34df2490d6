"""Year over year: proposed targets against hand arithmetic, and the movement between two years' evaluations."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

import pytest

from heshan_vetting.errors import ProjectError, RulePackError
from heshan_vetting.permu.command import evaluate
from heshan_vetting.permu.results import EvaluationResult
from heshan_vetting.permu.targets import percentile

DAY = date(2026, 6, 30)
HEAD = "统一社会信用代码,企业名称,企业规模,用地面积 (亩),实缴税收 (万元),violations"


def _pack(tmp_path: Path, targets: str) -> Path:
    path = tmp_path / "t-evaluation.toml"
    path.write_text(
        textwrap.dedent(
            """
            [pack]
            id = "t-evaluation"
            version = "1"
            kind = "evaluation"
            title = { zh = "测试", en = "Test" }
            jurisdiction = "X"
            extends = "zhejiang-evaluation"

            [[evaluation.groups]]
            id = "all"
            title = { zh = "全部", en = "All" }
            when = 'size == "规上"'
            classes_by = "rank"
            rest = "D"
            cuts = [
              { class = "A", top_percent = 20 }, { class = "B", top_percent = 80 }, { class = "C", top_percent = 95 },
            ]
            cuts_citation = { title = "t", status = "local_default" }

            [[evaluation.groups.scores]]
            indicator = "tax_per_mu"
            weight = 100
            benchmark_of_group = "mean"
            citation = { title = "t", status = "local_default" }

            [[evaluation.caps]]
            id = "violation"
            title = { zh = "违法", en = "violation" }
            when = "violations > 0"
            at_best = "C"
            citation = { title = "t", status = "local_default" }
            """
        )
        + textwrap.dedent(targets),
        encoding="utf-8",
    )
    return path


def _register(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEAD + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [([5.0], 50, 5.0), ([1.0, 2.0, 3.0, 4.0], 50, 2.5), ([4.0, 1.0, 3.0, 2.0], 25, 1.75), ([1.0, 9.0], 100, 9.0),
     ([1.0, 9.0], 0, 1.0), ([10.0, 20.0, 30.0, 40.0, 50.0], 80, 42.0)],
)  # fmt: skip
def test_percentile_by_linear_interpolation(values: list[float], p: float, expected: float) -> None:
    assert percentile(values, p) == pytest.approx(expected)


TARGETS = """
[[evaluation.targets]]
id = "median"
group = "all"
indicator = "tax_per_mu"
method = "percentile"
percentile = 50
citation = { title = "t", status = "local_default" }

[[evaluation.targets]]
id = "growth"
group = "all"
indicator = "tax_per_mu"
method = "growth"
rate = "5 %"
citation = { title = "t", status = "local_default" }
"""


def test_targets_against_hand_arithmetic(tmp_path: Path) -> None:
    # tax per mu 2, 4, 6, 10 万元/亩: median (4 + 6) / 2 = 5; mean 5.5 × 1.05 = 5.775
    reg = _register(
        tmp_path, "r.csv", ["a,甲,规上,10,20,0", "b,乙,规上,10,40,0", "c,丙,规上,10,60,0", "d,丁,规上,5,50,0"]
    )
    result, _ = evaluate(reg, _pack(tmp_path, TARGETS), as_of=DAY)
    by = {t.id: t for t in result.targets}
    assert by["median"].value == pytest.approx(5.0)
    assert by["median"].values == 4
    assert "= 5 万元/亩" in by["median"].arithmetic.en
    assert by["growth"].base == pytest.approx(5.5)
    assert by["growth"].rate == pytest.approx(0.05)
    assert by["growth"].value == pytest.approx(5.775)
    assert by["growth"].arithmetic.en == "this year's benchmark 5.5 万元/亩 × (1 + 5%) = 5.775 万元/亩"
    assert "targets.median" in result.local_defaults


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('group = "all"', "not a group of the pack"),
        ('rate = "5 %"', "with its unit"),
        ('rate = "5 %"', "dimension"),
    ],
)
def test_bad_targets_are_pack_errors(tmp_path: Path, change: str, message: str) -> None:
    replacement = {
        "not a group of the pack": 'group = "some"',
        "with its unit": "rate = 0.05",
        "dimension": 'rate = "5 万元"',
    }[message]
    reg = _register(tmp_path, "r.csv", ["a,甲,规上,10,20,0"])
    with pytest.raises(RulePackError, match=message):
        evaluate(reg, _pack(tmp_path, TARGETS.replace(change, replacement, 1)), as_of=DAY)


def test_a_target_on_an_indicator_the_group_does_not_score_is_refused(tmp_path: Path) -> None:
    reg = _register(tmp_path, "r.csv", ["a,甲,规上,10,20,0"])
    bad = TARGETS.replace('indicator = "tax_per_mu"', 'indicator = "rd_ratio"', 1)
    with pytest.raises(RulePackError, match="does not score"):
        evaluate(reg, _pack(tmp_path, bad), as_of=DAY)


def _two_years(tmp_path: Path) -> tuple[Path, Path]:
    # 2024: e0..e9 by tax 100..10 → e0, e1 A; e2..e7 B; e8, e9 C (95% of 10 = 9.5 → 10 places: no D)
    before = [f"e{i},企业{i},规上,10,{100 - 10 * i},0" for i in range(10)]
    # 2025: e9 jumps to the top; e0 gets a violation (capped to C); e5 leaves; n1 enters
    after = [f"e{i},企业{i},规上,10,{100 - 10 * i},{1 if i == 0 else 0}" for i in range(9) if i != 5]
    after += ["e9,企业9,规上,10,200,0", "n1,新企业,规上,10,55,0"]
    return _register(tmp_path, "2024.csv", before), _register(tmp_path, "2025.csv", after)


def test_movement_between_two_registers(tmp_path: Path) -> None:
    old, new = _two_years(tmp_path)
    result, inputs = evaluate(new, _pack(tmp_path, ""), as_of=DAY, previous=old)
    assert Path(old) in inputs
    mv = result.movement
    assert mv is not None
    moves = {m.id: m for m in mv.moves}
    assert moves["e9"].kind == "up"
    assert (moves["e9"].class_before, moves["e9"].class_after) == ("C", "A")
    assert moves["e9"].changes[0].id == "tax_per_mu"
    assert moves["e9"].changes[0].value_before == pytest.approx(1.0)
    assert moves["e9"].changes[0].value_after == pytest.approx(20.0)
    assert moves["e0"].kind == "down"
    assert moves["e0"].capped_after == ["violation"]
    assert moves["e0"].class_after == "C"
    assert moves["e5"].kind == "left"
    assert moves["n1"].kind == "entered"
    # e1 was A (2 of 10) and is now rank 3 of 10 behind e9 and e0: B (2 places for A)
    assert moves["e1"].kind == "down"
    counts = {(t.from_, t.to): t.count for t in mv.transitions}
    assert counts[("C", "A")] == 1
    assert counts[("B", "-")] == 1
    assert counts[("-", "B")] == 1
    assert sum(counts.values()) == 11  # 9 in both, 1 left, 1 entered


def test_movement_against_a_previous_evaluation_json(tmp_path: Path) -> None:
    old, new = _two_years(tmp_path)
    pack = _pack(tmp_path, "")
    before, _ = evaluate(old, pack, as_of=DAY)
    saved = tmp_path / "2024.json"
    saved.write_text(before.to_json(), encoding="utf-8")
    from_json, _ = evaluate(new, pack, as_of=DAY, previous=saved)
    from_register, _ = evaluate(new, pack, as_of=DAY, previous=old)
    assert from_json.movement is not None
    assert from_register.movement is not None
    assert from_json.movement.moves == from_register.movement.moves
    assert from_json.movement.transitions == from_register.movement.transitions


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{oops", "not JSON"),
        ('{"schema": "x"}', "not an evaluation"),
        ('{"schema": "heshan-vetting/evaluation/v1"}', "does not fit"),
    ],
)
def test_a_bad_previous_evaluation_is_an_input_error(tmp_path: Path, text: str, message: str) -> None:
    _old, new = _two_years(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ProjectError, match=message):
        evaluate(new, _pack(tmp_path, ""), as_of=DAY, previous=bad)


def test_the_synthetic_years_move_and_the_json_validates(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1] / "examples" / "registers"
    result, _ = evaluate(root / "synthetic-2025.csv", as_of=DAY, previous=root / "synthetic-2024.jsonl")
    assert result.movement is not None
    kinds = {m.kind for m in result.movement.moves}
    assert {"up", "down", "entered", "left"} <= kinds
    assert {t.id for t in result.targets} == {"tax-per-mu-above", "tax-per-mu-below"}
    data = json.loads(result.to_json())
    assert EvaluationResult.model_validate(data).to_json() == result.to_json()
    import jsonschema

    from heshan_vetting.schemas import json_schema

    jsonschema.Draft202012Validator(json_schema("evaluation")).validate(data)


AGREEMENT = (
    TARGETS
    + """
[evaluation.low_efficiency]
title = { zh = "低效", en = "Low" }
classes = ["D"]
indicator = "tax_per_mu"
floor = "1.5 万元/亩"
citation = { title = "t", status = "local_default" }

[[evaluation.agreements]]
id = "reach"
title = { zh = "达到目标", en = "Reach the target" }
indicator = "tax_per_mu"
due_months = 18
on_miss = { zh = "清退", en = "cleared out" }
on_miss_citation = { title = "t", status = "local_default" }
citation = { title = "t", status = "local_default" }
"""
)


def test_the_agreement_commits_low_efficiency_enterprises_to_their_group_target(tmp_path: Path) -> None:
    # 20 enterprises, tax per mu 20 … 1 (e19 = 1 万元/亩 is D and below the floor); x is in no group but below
    rows = [f"e{i:02d},企业{i},规上,10,{200 - 10 * i},0" for i in range(20)] + ["x,规下企业,规下,10,5,0"]
    result, _ = evaluate(_register(tmp_path, "r.csv", rows), _pack(tmp_path, AGREEMENT), as_of=date(2026, 8, 31))
    by = {e.id: e for e in result.enterprises}
    assert result.low_efficiency is not None
    assert result.low_efficiency.enterprises == ["e19", "x"]
    median = next(t for t in result.targets if t.id == "median")
    assert median.value == pytest.approx(10.5)  # the median of 1 … 20
    [c] = by["e19"].commitments
    assert c.fact == "tax_per_mu"
    assert c.value == pytest.approx(1.0)
    assert c.floor == pytest.approx(10.5)
    assert c.floor_name == "median"  # the first target of the group for the indicator
    assert c.due == date(2028, 2, 29)  # 2026-08-31 + 18 months, the last day of February
    assert c.on_miss.en == "cleared out"
    # x is on the list by the floor but in no group: no target, so the commitment is named as not stated
    assert by["x"].commitments == []
    assert "no target" in by["x"].commitment_notes[0].en
    assert by["e00"].commitments == []  # not on the list
    assert "agreements.reach" in result.local_defaults


def test_an_agreement_needs_a_target_for_its_indicator(tmp_path: Path) -> None:
    reg = _register(tmp_path, "r.csv", ["a,甲,规上,10,20,0"])
    bad = AGREEMENT.replace('indicator = "tax_per_mu"\ndue_months', 'indicator = "rd_ratio"\ndue_months')
    with pytest.raises(RulePackError, match="No target of the pack"):
        evaluate(reg, _pack(tmp_path, bad), as_of=DAY)


def test_the_heshan_pack_offers_the_agreement_on_the_synthetic_register() -> None:
    root = Path(__file__).resolve().parents[1] / "examples" / "registers"
    result, _ = evaluate(root / "synthetic-2025.csv", as_of=DAY)
    assert result.low_efficiency is not None
    on = [e for e in result.enterprises if e.low_efficiency]
    assert on
    assert all(len(e.commitments) == 1 for e in on)
    assert all(e.commitments[0].due == date(2027, 6, 30) for e in on)
    assert all(e.commitments[0].floor_citation is not None for e in on)
