"""Waivers applied to one project's findings: governed waivers (a waiver file) and the exception ground the
project cites for itself.

:func:`apply_waivers` marks each failed finding of a ``waivable`` rule that a waiver lifts (``applied``) or
a cited exception ground claims (``claimed``), and lists every waiver naming the project with what became of
it (:class:`~heshan_vetting.report.WaiverUse`). The outcome of a waived finding stays ``fail``; what the
waiver does to the verdict is one row of :mod:`.verdict`'s table (an applied waiver caps nothing, a claim
caps at ``conditional``). A rule the pack does not mark waivable is never touched here: a waiver file that
names one is refused when the Vetter is built (:meth:`heshan_vetting.waivers.WaiverBook.validate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.model import Project
from heshan_vetting.packs.compiled import CompiledPack, CompiledRule
from heshan_vetting.report import Finding, Outcome, Text, WaiverStatus, WaiverUse
from heshan_vetting.waivers import Waiver, WaiverBook

__all__ = ["apply_waivers", "ground_title"]


def ground_title(ground: str) -> Text:
    """A cited exception ground in words (``supply_chain_security`` → 产业链供应链安全)."""
    spec = FIELD_SPECS["two_high_exception"]
    for canonical, alias in spec.choices:
        if canonical == ground:
            return Text(zh=alias, en=canonical.replace("_", " "))
    return Text(zh=ground, en=ground)


def _granted(w: Waiver, status: WaiverStatus, zh: str, en: str) -> WaiverUse:
    return WaiverUse(
        rule_id=w.rule,
        kind="granted",
        status=status,
        message=Text(zh=zh, en=en),
        waiver_id=w.name,
        ground=w.ground,
        justification=w.justification,
        approver=w.approver,
        granted=w.granted,
        expires=w.expires,
        basis=w.citation.short(),
    )


def _nothing_to_waive(f: Finding | None) -> tuple[str, str]:
    if f is None:
        return "该规则在评审日期不适用（未生效或已废止）", "the rule is not in force on the as-of date"
    return {
        Outcome.PASS: ("该规则已符合", "the rule passes"),
        Outcome.NOT_APPLICABLE: ("该规则不适用于本项目", "the rule does not apply to the project"),
        Outcome.INSUFFICIENT_DATA: (
            "该规则因缺少数据未能判断（豁免只解除已判定不符合的规则，请先补齐数据）",
            "the rule cannot be decided for lack of data (a waiver lifts only a rule found failing: supply the data)",
        ),
        Outcome.ERROR: ("该规则无法计算", "the rule could not be evaluated"),
    }.get(f.outcome, ("", ""))


def _use_granted(w: Waiver, f: Finding | None, as_of: date) -> WaiverUse:
    who = f"（批准：{w.approver}；依据：{w.citation.short()}；有效期 {w.granted} 至 {w.expires}）"
    who_en = f" (granted by {w.approver}; basis: {w.citation.short()}; {w.granted} to {w.expires})"
    if as_of > w.expires:
        return _granted(
            w,
            "expired",
            f"豁免 {w.name} 已于 {w.expires} 失效，不再适用：规则 {w.rule} 照常判定{who}。",
            f"Waiver {w.name} expired on {w.expires} and no longer applies: rule {w.rule} decides as usual{who_en}.",
        )
    if as_of < w.granted:
        return _granted(
            w,
            "not_yet_in_force",
            f"豁免 {w.name} 自 {w.granted} 起生效，评审日期 {as_of} 尚未生效：规则 {w.rule} 照常判定{who}。",
            f"Waiver {w.name} holds from {w.granted}, after the as-of date {as_of}: rule {w.rule} decides as "
            f"usual{who_en}.",
        )
    if f is not None and f.outcome is Outcome.FAIL:
        return _granted(
            w,
            "applied",
            f"已豁免：{w.rule} {f.title.zh}不符合，经批准豁免{who}。理由：{w.justification}",
            f"Waived: {w.rule} {f.title.en} fails and is waived{who_en}. Justification: {w.justification}",
        )
    why_zh, why_en = _nothing_to_waive(f)
    return _granted(
        w,
        "unused",
        f"豁免 {w.name} 未使用：{why_zh}，无需豁免。",
        f"Waiver {w.name} is unused: {why_en}, so there is nothing to waive.",
    )


def _use_claimed(pack: CompiledPack, rule: CompiledRule, f: Finding | None, project: Project) -> WaiverUse:
    ground = project.two_high_exception or ""
    basis = (project.two_high_exception_basis or "").strip()
    title = ground_title(ground)
    grounds_set = pack.sets.get(rule.waiver_grounds_set or "")
    allowed_by = grounds_set.citation if grounds_set is not None else None
    common = {
        "rule_id": rule.id,
        "kind": "exception_ground",
        "ground": ground,
        "justification": basis or None,
        "waiver_id": f"{rule.id}:{ground}",
        "basis": allowed_by.short() if allowed_by is not None else None,
    }
    grounds = rule.waiver_grounds or frozenset()
    if ground not in grounds:
        return WaiverUse(
            **common,
            status="invalid",
            message=Text(
                zh=f"项目援引的例外情形“{title.zh}”不在规则 {rule.id} 可援引的情形之列，不能豁免。",
                en=f"The exception ground cited ({title.en}) is not one rule {rule.id} may be waived on.",
            ),
        )
    if not basis:
        return WaiverUse(
            **common,
            status="invalid",
            message=Text(
                zh=f"项目援引例外情形“{title.zh}”，但未说明依据（two_high_exception_basis），不能豁免规则 {rule.id}。",
                en=f"The project cites the exception ground {title.en} but states no basis "
                f"(two_high_exception_basis): it cannot waive rule {rule.id}.",
            ),
        )
    if f is not None and f.outcome is Outcome.FAIL:
        return WaiverUse(
            **common,
            status="claimed",
            message=Text(
                zh=f"{rule.id} {f.title.zh}：项目援引例外情形“{title.zh}”（依据：{basis}）。例外情形经论证后方可支持，"
                "尚未批准：结论至多为有条件准入，须经转报机关论证。",
                en=f"{rule.id} {f.title.en}: the project cites the exception ground {title.en} (basis: {basis}). A "
                "ground supports the project only after review and none has been granted: the verdict is at best "
                "conditional, pending the review the referral names.",
            ),
        )
    why_zh, why_en = _nothing_to_waive(f)
    return WaiverUse(
        **common,
        status="unused",
        message=Text(
            zh=f"项目援引例外情形“{title.zh}”，但{why_zh}，无需豁免规则 {rule.id}。",
            en=f"The project cites the exception ground {title.en}, but {why_en}: rule {rule.id} needs no waiver.",
        ),
    )


def apply_waivers(
    pack: CompiledPack,
    findings: Sequence[Finding],
    project: Project,
    as_of: date,
    book: WaiverBook,
) -> tuple[list[Finding], list[WaiverUse]]:
    """The findings with applied or claimed waivers attached, and every waiver naming the project.

    A governed waiver in force on ``as_of`` lifts its rule's finding when it fails; one outside its dates,
    or for a rule that does not fail, is listed with why it did not apply. An exception ground the project
    cites is a claim on each waivable rule whose ``waiver_grounds`` set holds it; a governed waiver applied
    to the same rule takes precedence over the claim (the claim is then listed as unused).

    Only this function attaches waivers: one already on a finding (set by a findings processor, say) is
    dropped first, so nothing but a waiver of a rule the pack marks waivable ever lifts a finding."""
    out = [f if f.waiver is None else f.model_copy(update={"waiver": None}) for f in findings]
    granted = book.for_project(project.id)
    cited = project.two_high_exception is not None
    if not granted and not cited:
        return out, []
    by_rule = {f.rule_id: i for i, f in enumerate(out)}
    rules = {r.id: r for r in pack.rules}
    uses: list[WaiverUse] = []
    lifted: set[str] = set()
    for w in granted:
        i = by_rule.get(w.rule)
        use = _use_granted(w, out[i] if i is not None else None, as_of)
        uses.append(use)
        if use.status == "applied" and i is not None:
            out[i] = out[i].model_copy(update={"waiver": use})
            lifted.add(w.rule)
    if cited:
        for rule in pack.rules:
            if not rule.waivable or rule.waiver_grounds is None:
                continue
            i = by_rule.get(rule.id)
            if rule.id in lifted:
                uses.append(
                    WaiverUse(
                        rule_id=rule.id,
                        kind="exception_ground",
                        status="unused",
                        ground=project.two_high_exception,
                        justification=project.two_high_exception_basis,
                        waiver_id=f"{rule.id}:{project.two_high_exception}",
                        message=Text(
                            zh=f"规则 {rule.id} 已有经批准的豁免，项目援引的例外情形不再另行适用。",
                            en=f"Rule {rule.id} has a granted waiver; the exception ground cited is not applied too.",
                        ),
                    )
                )
                continue
            use = _use_claimed(pack, rules[rule.id], out[i] if i is not None else None, project)
            uses.append(use)
            if use.status == "claimed" and i is not None:
                out[i] = out[i].model_copy(update={"waiver": use})
    return out, uses
