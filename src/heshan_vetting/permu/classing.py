"""Class assignment (A/B/C/D): by rank within a group or by score lines, and caps by rule. The one shared function.

Ranks are competition ranks: an enterprise's rank is 1 + the number of enterprises of its group with a strictly
higher score, so tied scores share a rank and the result does not depend on the order of the register.
Scores are compared rounded to :data:`SCORE_DECIMALS` decimals (so 59.9999999 and 60.0000001, the same sum
added in another order, tie).

By rank, each cut ``top_percent = p`` covers the first ``k = ⌊n·p/100 + ½⌋`` places of a group of ``n``
(round half up, computed exactly); an enterprise of rank ``r`` gets the first class whose ``k ≥ r``, and the
``rest`` class past the last cut. So tied enterprises share the better class, and a class can hold more
than its share when a tie straddles its boundary. In a small group a class may be empty: with Wenling's
规上 cuts (20 / 80 / 95), one enterprise (k = 0, 1, 1) is B; two (k = 0, 2, 2) are both B; nineteen
(k = 4, 15, 18) give 4 A, 11 B, 3 C and 1 D. By score, an enterprise gets the first class whose
``min_score`` it reaches. A cap then makes the class no better than the cap's class.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, TypeVar

K = TypeVar("K", bound=Hashable)

SCORE_DECIMALS = 6
"""Scores are compared (ranked, and held against score lines) rounded to this many decimals."""


@dataclass(frozen=True)
class Cut:
    """One class boundary, best class first: ``top_percent`` (by rank) or ``min_score`` (by score)."""

    class_id: str
    top_percent: float | None = None
    min_score: float | None = None


@dataclass(frozen=True)
class ClassRule:
    """How a group is classed: ``by`` rank or score, the cuts best first, and the class past the last cut."""

    by: Literal["rank", "score"]
    cuts: tuple[Cut, ...]
    rest: str


@dataclass(frozen=True)
class Classed:
    """An enterprise's rank in its group (1 = best) and the class its rank or score gives."""

    rank: int
    class_id: str


def comparable(score: float) -> float:
    """The score as it is compared: rounded to :data:`SCORE_DECIMALS` decimals."""
    return round(score, SCORE_DECIMALS) + 0.0


def competition_ranks(scores: Mapping[K, float]) -> dict[K, int]:
    """Each key's rank: 1 + the number of keys with a strictly higher (:func:`comparable`) score."""
    values = sorted((comparable(s) for s in scores.values()), reverse=True)
    first: dict[float, int] = {}
    for place, value in enumerate(values, start=1):
        first.setdefault(value, place)
    return {key: first[comparable(score)] for key, score in scores.items()}


def places(n: int, top_percent: float) -> int:
    """How many of ``n`` places a cut at ``top_percent`` covers: ``⌊n·p/100 + ½⌋``, exactly (round half up)."""
    exact = Decimal(n) * Decimal(repr(float(top_percent))) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def assign_classes(scores: Mapping[K, float], rule: ClassRule) -> dict[K, Classed]:
    """The rank and class of every key of ``scores`` (one group), by ``rule``; independent of the keys' order."""
    ranks = competition_ranks(scores)
    out: dict[K, Classed] = {}
    if rule.by == "rank":
        bounds = [(places(len(scores), c.top_percent or 0.0), c.class_id) for c in rule.cuts]
        for key, rank in ranks.items():
            out[key] = Classed(rank, next((cls for k, cls in bounds if rank <= k), rule.rest))
    else:
        for key, rank in ranks.items():
            score = comparable(scores[key])
            hit = next((c.class_id for c in rule.cuts if score >= comparable(c.min_score or 0.0)), rule.rest)
            out[key] = Classed(rank, hit)
    return out


def cap_class(class_id: str, caps: Iterable[str], order: Sequence[str]) -> str:
    """``class_id`` made no better than any of ``caps`` (classes in ``order``, best first)."""
    worst = order.index(class_id)
    for cap in caps:
        worst = max(worst, order.index(cap))
    return order[worst]


def cut_text(rule: ClassRule, lang: str = "en") -> list[str]:
    """The rule as lines: ``A: top 20%`` … ``D: the rest`` (or ``A: score ≥ 90``)."""
    lines: list[str] = []
    for cut in rule.cuts:
        if rule.by == "rank":
            lines.append(f"{cut.class_id}: {'前' if lang == 'zh' else 'top '}{cut.top_percent:g}%")
        else:
            lines.append(f"{cut.class_id}: {'得分' if lang == 'zh' else 'score'} ≥ {cut.min_score:g}")
    lines.append(f"{rule.rest}: {'其余' if lang == 'zh' else 'the rest'}")
    return lines
