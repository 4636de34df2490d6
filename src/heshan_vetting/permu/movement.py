"""Year-over-year movement: who moved between classes since last year's evaluation, and which indicators did it.

Enterprises are matched by id (统一社会信用代码). An enterprise moved up or down when both years class it and the
classes differ; it entered or left when it is in one register only; it was classed or unclassed when only one
year classes it. For each move, every indicator both years' records hold is listed with its value and points
before and after, the largest change in points first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal

from heshan_vetting.permu.results import (
    EnterpriseResult,
    EvaluationResult,
    IndicatorChange,
    Movement,
    MoveResult,
    Transition,
)

Kind = Literal["up", "down", "entered", "left", "classed", "unclassed"]


def _changes(before: EnterpriseResult | None, after: EnterpriseResult | None) -> list[IndicatorChange]:
    if before is None or after is None:
        return []
    old = {i.id: i for i in before.indicators}
    out = []
    for new in after.indicators:
        prev = old.get(new.id)
        if prev is None:
            continue
        delta = None if prev.points is None or new.points is None else new.points - prev.points
        out.append(
            IndicatorChange(
                id=new.id, value_before=prev.value, value_after=new.value, points_before=prev.points,
                points_after=new.points, points_change=delta,
            )
        )  # fmt: skip
    out.sort(key=lambda c: -abs(c.points_change) if c.points_change is not None else 0.0)
    return out


def _kind(before: EnterpriseResult | None, after: EnterpriseResult | None, order: Sequence[str]) -> Kind | None:
    if before is None:
        return "entered"
    if after is None:
        return "left"
    if before.class_ is None and after.class_ is None:
        return None
    if before.class_ is None:
        return "classed"
    if after.class_ is None:
        return "unclassed"
    if before.class_ == after.class_:
        return None
    return "up" if order.index(after.class_) < order.index(before.class_) else "down"


def compare(previous: EvaluationResult, current: EvaluationResult, previous_name: str) -> Movement:
    """The movement from ``previous`` to ``current`` (classes in the order of ``current``'s pack)."""
    order = [c.id for c in current.classes]
    for c in previous.classes:
        if c.id not in order:
            order.append(c.id)
    before = {e.id: e for e in previous.enterprises}
    after = {e.id: e for e in current.enterprises}
    pairs: list[tuple[EnterpriseResult | None, EnterpriseResult | None]]
    pairs = [(before.get(e.id), e) for e in current.enterprises]
    pairs += [(e, None) for e in previous.enterprises if e.id not in after]
    transitions: Counter[tuple[str, str]] = Counter()
    moves: list[MoveResult] = []
    for b, a in pairs:
        transitions[((b.class_ or "-") if b else "-", (a.class_ or "-") if a else "-")] += 1
        kind = _kind(b, a, order)
        if kind is None:
            continue
        either = a or b
        assert either is not None
        moves.append(
            MoveResult(
                id=either.id, name=either.name, kind=kind,
                class_before=b.class_ if b else None, class_after=a.class_ if a else None,
                group_before=b.group if b else None, group_after=a.group if a else None,
                score_before=b.score if b else None, score_after=a.score if a else None,
                rank_before=b.rank if b else None, rank_after=a.rank if a else None,
                capped_before=list(b.capped_by) if b else [], capped_after=list(a.capped_by) if a else [],
                changes=_changes(b, a),
            )
        )  # fmt: skip
    rank = {c: i for i, c in enumerate([*order, "-"])}
    return Movement(
        previous=previous_name,
        previous_as_of=previous.as_of,
        previous_errors=list(previous.errors),
        transitions=[
            Transition(**{"from": f}, to=t, count=n)
            for (f, t), n in sorted(transitions.items(), key=lambda kv: (rank[kv[0][0]], rank[kv[0][1]]))
        ],
        moves=moves,
    )
