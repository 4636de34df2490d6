"""The words of the path to approval: each answer said in Chinese and English, for the report and its readers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.packs.compiled import CompiledPack
from heshan_vetting.report import FieldChange, Finding, RulePath, Text, Verdict
from heshan_vetting.terms import format_quantity

__all__ = ["alone", "change_text", "field_title", "join", "needs", "quantity", "summary"]


def quantity(x: float, unit: str, places: int) -> str:
    return format_quantity(Decimal(repr(x)), unit, places)


def field_title(pack: CompiledPack, name: str) -> Text:
    spec = FIELD_SPECS.get(name)
    return Text(zh=spec.title_zh, en=spec.title_en) if spec else pack.titles.get(name, Text(zh=name, en=name))


def alone(verdict: Verdict | None) -> Text:
    if verdict is Verdict.APPROVE:
        return Text(zh="仅此一项即可准入", en="on its own this is enough for approval")
    if verdict is None:
        return Text(zh="", en="")
    return Text(
        zh=f"仅此一项不足以准入（结论将为“{verdict.label('zh')}”）",
        en=f"on its own not enough for approval (the verdict would be {verdict.label('en')})",
    )


def change_text(change: FieldChange, places: int, goal: Text) -> Text:
    title, unit = change.title, change.unit
    now = quantity(change.current, unit, places)
    if change.needed is None:
        return Text(
            zh=f"仅调整{title.zh}（现为 {now}）无法{goal.zh}",
            en=f"no value of the {title.en} on its own (now {now}) is enough to {goal.en}",
        )
    need = quantity(change.needed, unit, places)
    least = change.direction == "at_least"
    zh = f"{title.zh}{'不低于' if least else '不高于'} {need}（现为 {now}，其他数值不变）即可{goal.zh}"
    en = f"{title.en} at {'least' if least else 'most'} {need} (now {now}, other figures as declared) would {goal.en}"
    if change.unrounded is not None:
        plain = quantity(change.unrounded, unit, places)
        zh += f"（规则先将比较的数值四舍五入；不计舍入须达 {plain}）"
        en += f" (the rule rounds the compared figure first; without that rounding it takes {plain})"
    if change.leaves_scope:
        zh += "（此时本规则不再适用）"
        en += " (the rule then no longer applies)"
    if change.invalid is not None:
        zh += f"；但其他数值不变时该值无效（{change.invalid.zh.rstrip('。')}），须同时调整相关数值"
        en += f"; but with the other figures as declared that value is not valid ({change.invalid.en.rstrip('.')}), "
        en += "so a related figure must change with it"
        return Text(zh=zh, en=en)
    said = alone(change.verdict)
    if said.zh:
        zh += f"；{said.zh}"
        en += f"; {said.en}"
    return Text(zh=zh, en=en)


def join(texts: Sequence[Text], zh_sep: str = "；", en_sep: str = "; ") -> Text:
    return Text(zh=zh_sep.join(t.zh for t in texts if t.zh), en=en_sep.join(t.en for t in texts if t.en))


def needs(head: Text, f: Finding) -> Text:
    """The rule and what it compares (e.g. ``needs ≥ 20 万元/亩; has 13 万元/亩``), from the finding."""
    shown = {"<=": "≤", ">=": "≥", "!=": "≠", "==": "="}
    zh: list[str] = []
    en: list[str] = []
    for c in f.comparisons:
        if c.passed is False and c.actual is not None and c.threshold is not None:
            op = shown.get(c.op, c.op)
            need, has = (
                format_quantity(Decimal(repr(c.threshold)), c.unit, None),
                format_quantity(Decimal(repr(c.actual)), c.unit, None),
            )
            zh.append(f"需 {op} {need}，现为 {has}")
            en.append(f"needs {op} {need}; has {has}")
    if not zh:
        return Text(zh=f"{head.zh}：", en=f"{head.en}:")
    return Text(zh=f"{head.zh}（{'；'.join(zh)}）：", en=f"{head.en} ({'; '.join(en)}):")


def summary(
    possible: bool,
    together: bool,
    singles: Sequence[FieldChange],
    fixed_vetoes: Sequence[RulePath],
    due: Sequence[Any],
    in_scope: bool,
    missing: bool,
) -> Text:
    parts: list[Text] = []
    if not possible:
        why: list[Text] = []
        if fixed_vetoes:
            ids = ", ".join(p.rule_id for p in fixed_vetoes)
            why.append(
                Text(
                    zh=f"一票否决 {'、'.join(p.rule_id for p in fixed_vetoes)} 不取决于数值",
                    en=f"the veto(es) {ids} turn on no figure",
                )
            )
            waivable = [p.rule_id for p in fixed_vetoes if p.waivable]
            if waivable:
                why.append(
                    Text(
                        zh=f"其中 {'、'.join(waivable)} 规则包标为可豁免，仅豁免可解除",
                        en=f"of these the pack marks {', '.join(waivable)} waivable: only a waiver could lift it",
                    )
                )
        if not in_scope:
            why.append(Text(zh="项目不属本规则包评审范围", en="the project is outside the pack's scope"))
        if due:
            why.append(
                Text(
                    zh=f"须转报（{'、'.join(r.id for r in due)}），本地结论至多为有条件准入",
                    en=f"referral(s) {', '.join(r.id for r in due)} remain, so the local verdict is at best "
                    "conditional",
                )
            )
        joined = join(why)
        if fixed_vetoes or not in_scope:
            parts.append(
                Text(
                    zh=f"无论数值如何调整均不能准予准入：{joined.zh}。",
                    en=f"No change of figures leads to approval: {joined.en}.",
                )
            )
        else:  # only referrals: their conditions may rest on figures, but while they are due Heshan cannot approve
            parts.append(
                Text(
                    zh=f"转报须办理，本地不能单独准予准入：{joined.zh}。",
                    en=f"Heshan cannot approve it on its own while referrals are due: {joined.en}.",
                )
            )
    elif singles:
        seen: dict[str, Text] = {}
        for c in singles:
            seen.setdefault(c.field, c.title)
        parts.append(
            Text(
                zh=f"单独调整以下任一数值即可准入（见下）：{'、'.join(t.zh for t in seen.values())}。",
                en="Changing any one of these figures on its own is enough for approval (see below): "
                f"{', '.join(t.en for t in seen.values())}.",
            )
        )
    elif together:
        parts.append(
            Text(
                zh="没有任何单项调整足以准入：下列各项须同时解决。",
                en="No single change is enough for approval: everything below must be fixed together.",
            )
        )
    else:
        parts.append(Text(zh="须解决下列事项方可准入。", en="Approval needs what follows."))
    if missing:
        parts.append(
            Text(
                zh="缺少的数据须先补齐，方可作出任何结论。", en="The missing data must be supplied before any decision."
            )
        )
    return join(parts, "", " ")
