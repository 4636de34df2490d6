"""The supervision agreement (监管协议) offered to each enterprise on the low-efficiency list: "支持自我提升的企业
与属地镇(街)、管委会签订监管协议" (the Heshan plan, policy facts §11.1), as the commitments of the pack's
``[[evaluation.agreements]]``: reach the group's proposed target for an indicator by a date.

The commitments have the shape a vetting report gives an approved project (:class:`~heshan_vetting.report.Commitment`):
the figure, the enterprise's value now, the floor to reach (its group's target), when it falls due, what
follows a miss, and the sources.
"""

from __future__ import annotations

from datetime import date

from heshan_vetting.evaluation.commitments import add_months
from heshan_vetting.permu.compile import EvaluationPack
from heshan_vetting.permu.results import EnterpriseResult, EvaluationResult
from heshan_vetting.report import Commitment, Text


def _for(pack: EvaluationPack, result: EvaluationResult, e: EnterpriseResult, as_of: date) -> EnterpriseResult:
    commitments: list[Commitment] = []
    notes: list[Text] = []
    for a in pack.agreements:
        ind = pack.indicators[a.indicator]
        target = next((t for t in result.targets if t.group == e.group and t.indicator == a.indicator), None)
        if target is None or target.value is None:
            notes.append(
                Text(
                    zh=f"{a.title.zh}：所在分组没有{ind.title.zh}的目标值，无法写入协议",
                    en=f"{a.title.en}: its group has no target for {ind.title.en}, so it cannot be written in",
                )
            )
            continue
        value = next((i.value for i in e.indicators if i.id == a.indicator), None)
        due = add_months(as_of, a.due_months)
        commitments.append(
            Commitment(
                id=a.id, title=a.title, fact=a.indicator, fact_title=ind.title, value=value, unit=ind.unit,
                floor=target.value, floor_name=target.id, floor_citation=target.citation, due=due,
                due_basis=Text(
                    zh=f"评价基准日（{as_of.isoformat()}）后{a.due_months}个月",
                    en=f"{a.due_months} months after the evaluation's as-of date ({as_of.isoformat()})",
                ),
                on_miss=a.on_miss, on_miss_citation=a.on_miss_citation, citation=a.citation,
            )
        )  # fmt: skip
    return e.model_copy(update={"commitments": commitments, "commitment_notes": notes})


def add_agreements(pack: EvaluationPack, result: EvaluationResult) -> EvaluationResult:
    """``result`` with the agreement's commitments for each enterprise on the low-efficiency list."""
    if not pack.agreements:
        return result
    enterprises = [_for(pack, result, e, result.as_of) if e.low_efficiency else e for e in result.enterprises]
    return result.model_copy(update={"enterprises": enterprises})
