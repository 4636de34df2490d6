"""What the human-readable renderers (text, Markdown) say alike: verdicts, outcomes and severities in words,
the order of findings, a problem's field, the counts of a batch.

Pairs are ``(zh, en)``; :func:`say` picks one.
"""

from __future__ import annotations

from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.report import Finding, Outcome, Report, Severity, Supply, Verdict
from heshan_vetting.results import Summary

__all__ = [
    "ERROR_TEXT",
    "OUTCOME_TEXT",
    "SEVERITY_TEXT",
    "SHORT_VERDICT",
    "VERDICT_TEXT",
    "WAIVER_STATUS_TEXT",
    "finding_order",
    "outcome_words",
    "problem_field",
    "say",
    "supply_name",
    "verdict_counts",
    "verdict_words",
]

#: The headline verdict, (zh, en).
VERDICT_TEXT = {
    Verdict.APPROVE: ("准予准入", "APPROVE"),
    Verdict.CONDITIONAL: ("有条件准入", "CONDITIONAL"),
    Verdict.DEFERRED: ("材料不全，暂缓评审", "DEFERRED (information incomplete)"),
    Verdict.REJECT: ("不予准入", "REJECT"),
}
#: The verdicts as a batch summary counts them.
SHORT_VERDICT = {
    Verdict.APPROVE: ("准予准入", "approve"),
    Verdict.CONDITIONAL: ("有条件准入", "conditional"),
    Verdict.DEFERRED: ("暂缓评审", "deferred"),
    Verdict.REJECT: ("不予准入", "reject"),
}
_OUT_OF_SCOPE = ("不属本规则包评审范围，暂缓评审", "DEFERRED (outside the rule pack's scope)")
#: The headline of an item that could not be vetted.
ERROR_TEXT = ("输入有误，未评审", "INPUT ERROR (not vetted)")
#: The outcome of a finding as a table shows it.
OUTCOME_TEXT = {
    Outcome.PASS: ("✓ 符合", "✓ pass"),
    Outcome.FAIL: ("✗ 不符合", "✗ fail"),
    Outcome.NOT_APPLICABLE: ("– 不适用", "– n/a"),
    Outcome.INSUFFICIENT_DATA: ("? 数据不足", "? no data"),
    Outcome.ERROR: ("! 错误", "! error"),
}
#: A failed finding a waiver lifts (``applied``) or an exception ground claims (``claimed``), as a table shows it.
_WAIVED_TEXT = {
    "applied": ("✗ 不符合（已豁免）", "✗ fail (waived)"),
    "claimed": ("✗ 不符合（申请豁免）", "✗ fail (waiver claimed)"),
}
#: What became of a waiver, (zh, en).
WAIVER_STATUS_TEXT = {
    "applied": ("已豁免", "applied"),
    "claimed": ("申请豁免，待论证", "claimed, pending review"),
    "expired": ("已失效", "expired"),
    "not_yet_in_force": ("尚未生效", "not yet in force"),
    "unused": ("未使用", "unused"),
    "invalid": ("无效", "invalid"),
}
#: The severity of a rule as a table shows it.
SEVERITY_TEXT = {
    Severity.VETO: ("否决", "veto"),
    Severity.REQUIRED: ("必备", "required"),
    Severity.ADVISORY: ("参考", "advisory"),
}
_ORDER = {Outcome.FAIL: 0, Outcome.ERROR: 1, Outcome.INSUFFICIENT_DATA: 2, Outcome.PASS: 3, Outcome.NOT_APPLICABLE: 4}
_SEV_ORDER = {Severity.VETO: 0, Severity.REQUIRED: 1, Severity.ADVISORY: 2}


def say(pair: tuple[str, str], lang: str) -> str:
    """The English of a ``(zh, en)`` pair for ``en``, else the Chinese."""
    return pair[1] if lang == "en" else pair[0]


def verdict_words(rep: Report, lang: str) -> str:
    """The verdict as the report's headline states it (out of scope said as such)."""
    outside = rep.out_of_scope is not None and rep.verdict is Verdict.DEFERRED
    return say(_OUT_OF_SCOPE if outside else VERDICT_TEXT[rep.verdict], lang)


def outcome_words(f: Finding) -> tuple[str, str]:
    """A finding's outcome as a table shows it, (zh, en): a waived failure says so."""
    if f.waiver is not None and f.outcome is Outcome.FAIL and f.waiver.status in _WAIVED_TEXT:
        return _WAIVED_TEXT[f.waiver.status]
    return OUTCOME_TEXT[f.outcome]


def finding_order(f: Finding) -> tuple[int, int, str]:
    """Failures first, then errors, missing data, passes, not applicable; vetoes first within each; by id."""
    return (_ORDER[f.outcome], _SEV_ORDER[f.severity], f.rule_id)


def problem_field(field: str, lang: str) -> str:
    """A problem's field as a reader fixes it: its title, then the key to fix in the input
    (``用地面积（land_area）``)."""
    spec = FIELD_SPECS.get(field.split(".")[0].split("[")[0])
    if spec is None:
        return field
    return f"{spec.title_en} ({field})" if lang == "en" else f"{spec.title_zh}（{field}）"


def supply_name(item: Supply, lang: str) -> str:
    """What to supply, by name: its title in Chinese; in English its title and the field's key
    (``construction type (construction_type)``), the key once when it is the title (``products``)."""
    if lang != "en":
        return item.title.zh
    return item.title.en if item.title.en == item.field else f"{item.title.en} ({item.field})"


def verdict_counts(summary: Summary) -> list[tuple[Verdict, int]]:
    """Each verdict with the number of reports that have it, best first."""
    v = summary.verdicts
    return list(zip(Verdict, (v.approve, v.conditional, v.deferred, v.reject), strict=True))
