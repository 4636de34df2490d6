"""Class assignment (permu.classing): ranks, percentile cuts with ties and small groups, score lines, caps."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from heshan_vetting.permu.classing import (
    ClassRule,
    Cut,
    assign_classes,
    cap_class,
    competition_ranks,
    cut_text,
    places,
)

WENLING_ABOVE = ClassRule("rank", (Cut("A", top_percent=20), Cut("B", top_percent=80), Cut("C", top_percent=95)), "D")
WENLING_BELOW = ClassRule("rank", (Cut("A", top_percent=5), Cut("B", top_percent=75), Cut("C", top_percent=95)), "D")
LINES = ClassRule("score", (Cut("A", min_score=110), Cut("B", min_score=90), Cut("C", min_score=60)), "D")


def _counts(result: dict[str, object]) -> dict[str, int]:
    return dict(Counter(c.class_id for c in result.values()))


def test_competition_ranks_share_a_rank_on_ties() -> None:
    assert competition_ranks({"a": 90.0, "b": 80.0, "c": 90.0, "d": 70.0}) == {"a": 1, "b": 3, "c": 1, "d": 4}


def test_sums_in_another_order_tie() -> None:
    # 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit; they must share a rank
    a, b = 0.1 + 0.2 + 0.3, 0.3 + 0.2 + 0.1
    assert a != b
    assert competition_ranks({"x": a, "y": b}) == {"x": 1, "y": 1}


@pytest.mark.parametrize(
    ("n", "percent", "expected"),
    [(1, 20, 0), (2, 20, 0), (3, 20, 1), (19, 20, 4), (19, 80, 15), (19, 95, 18), (10, 5, 1), (10, 25, 3),
     (300, 20, 60), (300, 95, 285), (20, 95, 19), (1, 80, 1), (2, 80, 2)],
)  # fmt: skip
def test_places_round_half_up_exactly(n: int, percent: float, expected: int) -> None:
    # 10 × 5% = 0.5 → 1 and 10 × 25% = 2.5 → 3: half rounds up, with no binary-float surprise
    assert places(n, percent) == expected


def test_one_enterprise_is_b() -> None:
    out = assign_classes({"only": 55.0}, WENLING_ABOVE)
    assert out["only"].rank == 1
    assert out["only"].class_id == "B"


def test_two_enterprises_are_both_b_however_far_apart() -> None:
    out = assign_classes({"x": 150.0, "y": 20.0}, WENLING_ABOVE)
    assert [out["x"].class_id, out["y"].class_id] == ["B", "B"]
    assert [out["x"].rank, out["y"].rank] == [1, 2]


def test_nineteen_enterprises_give_4_11_3_1() -> None:
    scores = {f"e{i:02d}": 100.0 - i for i in range(19)}
    out = assign_classes(scores, WENLING_ABOVE)
    assert _counts(out) == {"A": 4, "B": 11, "C": 3, "D": 1}  # type: ignore[arg-type]
    assert out["e03"].class_id == "A"
    assert out["e04"].class_id == "B"
    assert out["e14"].class_id == "B"
    assert out["e15"].class_id == "C"
    assert out["e17"].class_id == "C"
    assert out["e18"].class_id == "D"


def test_nineteen_below_designated_size() -> None:
    scores = {f"e{i:02d}": 100.0 - i for i in range(19)}
    # 19 × 5% = 0.95 → 1 A; 19 × 75% = 14.25 → 14; 19 × 95% = 18.05 → 18
    assert _counts(assign_classes(scores, WENLING_BELOW)) == {"A": 1, "B": 13, "C": 4, "D": 1}  # type: ignore[arg-type]


def test_ties_share_the_better_class() -> None:
    # 10 enterprises, A = top 2 places; places 2 and 3 tie: both are A (rank 2), so A holds 3
    scores = {"a": 99.0, "b": 90.0, "c": 90.0, **{f"z{i}": 50.0 - i for i in range(7)}}
    out = assign_classes(scores, WENLING_ABOVE)
    assert [out[k].class_id for k in ("a", "b", "c")] == ["A", "A", "A"]
    assert out["z0"].rank == 4
    assert out["z0"].class_id == "B"


def test_all_tied_are_all_the_best_class_their_rank_reaches() -> None:
    out = assign_classes({f"e{i}": 70.0 for i in range(19)}, WENLING_ABOVE)
    assert {c.class_id for c in out.values()} == {"A"}
    assert {c.rank for c in out.values()} == {1}


def test_a_tie_at_the_bottom_keeps_the_class_of_its_rank() -> None:
    # 20 enterprises: D is place 20 only; places 19 and 20 tie (rank 19) → both C, no D
    scores = {f"e{i:02d}": 100.0 - i for i in range(18)}
    scores |= {"t1": 10.0, "t2": 10.0}
    out = assign_classes(scores, WENLING_ABOVE)
    assert out["t1"].class_id == out["t2"].class_id == "C"
    assert "D" not in _counts(out)  # type: ignore[arg-type]


def test_classes_do_not_depend_on_the_register_order() -> None:
    rng = random.Random(14)
    scores = {f"e{i}": float(rng.choice([40, 55, 55, 60, 70, 70, 70, 85, 90, 120])) for i in range(57)}
    expected = assign_classes(scores, WENLING_ABOVE)
    for _ in range(20):
        keys = list(scores)
        rng.shuffle(keys)
        assert assign_classes({k: scores[k] for k in keys}, WENLING_ABOVE) == expected


def test_an_empty_group_is_empty() -> None:
    assert assign_classes({}, WENLING_ABOVE) == {}


def test_score_lines() -> None:
    out = assign_classes({"a": 110.0, "b": 109.9999, "c": 90.0, "d": 59.99, "e": 60.0}, LINES)
    assert {k: v.class_id for k, v in out.items()} == {"a": "A", "b": "B", "c": "B", "d": "D", "e": "C"}
    assert out["a"].rank == 1
    assert out["d"].rank == 5


def test_a_score_a_hair_under_a_line_by_float_noise_reaches_it() -> None:
    almost = (1 - 0.9) * 600  # 59.999999999999986: 60 computed another way
    assert almost < 60
    assert assign_classes({"x": almost}, LINES)["x"].class_id == "C"


@pytest.mark.parametrize(
    ("given", "caps", "expected"),
    [("A", ["C"], "C"), ("D", ["C"], "D"), ("B", [], "B"), ("A", ["B", "C"], "C"), ("C", ["C"], "C")],
)
def test_caps_make_a_class_no_better(given: str, caps: list[str], expected: str) -> None:
    assert cap_class(given, caps, ("A", "B", "C", "D")) == expected


def test_cut_text() -> None:
    assert cut_text(WENLING_ABOVE) == ["A: top 20%", "B: top 80%", "C: top 95%", "D: the rest"]
    assert cut_text(LINES, "zh")[0] == "A: 得分 ≥ 110"
