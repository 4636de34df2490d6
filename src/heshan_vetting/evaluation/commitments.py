"""The commitments of an approved or conditional project: the figures its verdict rests on, to write into the
supervision agreement (监管协议) with their floors, due dates and the pack's clauses for a missed target.

They follow from the verdict and never change it (the verdict is decided only in :mod:`.verdict`).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date

from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.lang.values import Env
from heshan_vetting.model import Project
from heshan_vetting.packs.compiled import CompiledCommitment, CompiledPack, in_force
from heshan_vetting.report import Commitment, Finding, Outcome, Text, Verdict

_DECIDED = (Outcome.PASS, Outcome.FAIL)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months; a day past the end of the target month is its last day
    (2024-08-31 + 6 months is 2025-02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _due_basis(c: CompiledCommitment) -> Text:
    spec = FIELD_SPECS[c.due_from]
    word_zh = spec.title_zh.removesuffix("日期")
    if c.due_months == 0:
        return Text(zh=f"{word_zh}时", en=f"by {spec.title_en}")
    return Text(zh=f"{word_zh}后{c.due_months}个月", en=f"{c.due_months} months after {spec.title_en}")


def _tidy(x: float) -> float:
    # 15 significant digits drop the binary noise of a unit conversion (as the project model does)
    return float(f"{x:.15g}") + 0.0


def commitments(
    pack: CompiledPack, project: Project, env: Env, findings: Sequence[Finding], verdict: Verdict, as_of: date
) -> list[Commitment]:
    """The commitments for ``project``'s agreement: none unless the verdict is approve or conditional (a
    deferred or rejected project commits to nothing yet); each in force on ``as_of`` whose floor has a value
    then and whose rule (if it names one) was decided, pass or fail."""
    if verdict not in (Verdict.APPROVE, Verdict.CONDITIONAL):
        return []
    outcomes = {f.rule_id: f.outcome for f in findings}
    out: list[Commitment] = []
    for c in pack.commitments:
        if not in_force(c.effective_from, c.effective_until, as_of):
            continue
        if c.rule_id is not None and outcomes.get(c.rule_id) not in _DECIDED:
            continue
        hit = pack.thresholds[c.floor].value_on(as_of)
        if hit is None:
            continue
        floor, floor_citation = hit
        raw = env.get(c.fact)
        value = _tidy(raw) if isinstance(raw, float) else None
        start = project.fact_value(c.due_from)
        due = add_months(start, c.due_months) if isinstance(start, date) else None
        out.append(
            Commitment(
                id=c.id,
                title=c.title,
                fact=c.fact,
                fact_title=pack.titles.get(c.fact, Text(zh=c.fact, en=c.fact)),
                value=value,
                unit=c.unit,
                floor=_tidy(floor * c.floor_factor),
                floor_name=c.floor,
                floor_citation=floor_citation,
                due=due,
                due_basis=_due_basis(c),
                on_miss=c.on_miss,
                on_miss_citation=c.on_miss_citation,
                citation=c.citation,
                rule_id=c.rule_id,
            )
        )
    return out
