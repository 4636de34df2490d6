"""The path to approval: for a project not approved, what it would take (``check --explain``).

Each failed veto or required rule is solved per project field it reads (through derived metrics), the other
figures held as declared: in closed form where the comparison is linear in the field, else by a bracketed
search on the compiled conditions themselves; the answer is rounded to the rule's precision in the safe
direction and checked again, and the whole project is re-evaluated with that change alone to say whether it
is enough. The score is solved per indicator (the value that reaches the approval and the conditional line,
or that none can) with the pack's own scorer. Vetoes no figure can lift, missing fields that decide the
outcome and referrals (转报) that would remain are named as such.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from heshan_vetting.errors import ProjectError
from heshan_vetting.evaluation.explain_text import change_text, field_title, needs, quantity, summary
from heshan_vetting.evaluation.pipeline import Pipeline, indicator_inputs
from heshan_vetting.evaluation.scoring import IndicatorInput
from heshan_vetting.evaluation.solve import (
    linear_root,
    numeric_inputs,
    on_grid,
    other_facts,
    rule_state,
    solve,
    with_field,
)
from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.lang.values import Unknown
from heshan_vetting.model import Project, project_from_mapping
from heshan_vetting.packs.compiled import CompiledPack, CompiledRule
from heshan_vetting.report import (
    CitationStatus,
    Explained,
    FieldChange,
    Finding,
    IndicatorPath,
    Outcome,
    PathToApproval,
    Report,
    RulePath,
    Score,
    ScorePath,
    Severity,
    Text,
    Verdict,
)

__all__ = ["path_to_approval"]

Direction = Literal["at_least", "at_most"]
_INDICATOR_PLACES = 2  # indicator values are solved to 0.01 of their unit (the score shows two decimals)


# -- the parts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    pipeline: Pipeline
    project: Project
    as_of: date
    env: dict[str, Any]

    @property
    def pack(self) -> CompiledPack:
        return self.pipeline.pack

    def verdict_with(self, field: str, value: float) -> tuple[Verdict | None, Text | None]:
        """The verdict of the whole project with ``field`` set to ``value`` (the engine's own evaluation), or
        ``None`` and why when that is not a valid project (the loader's own checks, e.g. a fixed-asset
        investment above the total investment)."""
        units = self.pack.units
        if units is None:
            changed = self.project.model_copy(update={field: value})
        else:
            data = self.project.model_dump()
            unit = FIELD_SPECS[field].unit
            plain = repr(float(f"{value:.15g}"))
            data[field] = f"{plain} {unit}" if unit else float(plain)
            try:
                changed = project_from_mapping(data, units)
            except ProjectError as exc:
                return None, Text(zh=exc.message_zh, en=exc.message_en)
        return self.pipeline.evaluate(changed, self.as_of).verdict, None


def _decisive(f: Finding) -> bool:
    """Whether the finding can stand in the way of approval (an unverified figure is advisory only)."""
    return f.severity is not Severity.ADVISORY and f.figure_status is not CitationStatus.UNVERIFIED


def _rule_changes(ctx: _Context, rule: CompiledRule) -> list[FieldChange]:
    pack, env = ctx.pack, ctx.env
    out: list[FieldChange] = []
    goal = Text(zh=f"通过 {rule.id}", en=f"pass {rule.id}")
    for name in numeric_inputs(pack, env, rule.reads):
        x0 = float(env[name])

        def ok(x: float, name: str = name) -> bool:
            return rule_state(rule, with_field(pack, env, name, x)) in ("pass", "na")

        roots: list[float] = []
        for check in rule.checks:

            def gap(x: float, name: str = name, check: Any = check) -> float | None:
                e = with_field(pack, env, name, x)
                a, b = check.left(e), check.right(e)
                return None if isinstance(a, Unknown) or isinstance(b, Unknown) else float(a) - float(b)

            root = linear_root(gap, x0)
            if root is not None and root >= 0:
                roots.append(root)
        spec = FIELD_SPECS[name]
        hit = solve(ok, x0, rule.precision, maximum=spec.maximum, roots=roots)
        title, unit = field_title(pack, name), spec.unit
        unrounded: float | None = None
        if hit is not None:
            near = [r for r in roots if (r > x0) is hit[1]]
            if near:
                exact = on_grid(min(near, key=lambda r: abs(r - x0)), rule.precision, hit[1])
                unrounded = exact if exact != hit[0] and ok(exact) else None
        if hit is None:
            change = FieldChange(field=name, title=title, unit=unit, current=x0, needed=None, text=Text(zh="", en=""))
        else:
            value, up = hit
            state = rule_state(rule, with_field(pack, env, name, value))
            verdict, invalid = ctx.verdict_with(name, value)
            change = FieldChange(
                field=name,
                title=title,
                unit=unit,
                current=x0,
                needed=value,
                direction="at_least" if up else "at_most",
                unrounded=unrounded,
                leaves_scope=state == "na",
                verdict=verdict,
                invalid=invalid,
                text=Text(zh="", en=""),
            )
        out.append(change.model_copy(update={"text": change_text(change, rule.precision, goal)}))
    return out


def _rule_path(ctx: _Context, f: Finding, rule: CompiledRule | None) -> RulePath:
    head = Text(zh=f"{f.rule_id} {f.title.zh}", en=f"{f.rule_id} {f.title.en}")
    waivable = rule.waivable if rule is not None else False
    base: dict[str, Any] = {
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity,
        "outcome": f.outcome,
        "waivable": waivable,
        "comparisons": f.comparisons,
    }
    if f.outcome is Outcome.ERROR:
        return RulePath(
            **base,
            kind="error",
            text=Text(
                zh=f"{head.zh}：无法计算，须先查明原因（见该项说明）。",
                en=f"{head.en}: could not be evaluated; the cause must be found first (see the finding).",
            ),
        )
    if f.outcome is Outcome.INSUFFICIENT_DATA:
        names = ", ".join(f.missing) or "—"
        return RulePath(
            **base,
            kind="data",
            facts=f.missing,
            text=Text(
                zh=f"{head.zh}：缺少数据（{'、'.join(field_title(ctx.pack, m).zh for m in f.missing) or '—'}），"
                "补齐前无法判断。",
                en=f"{head.en}: lacks data ({names}); it cannot be decided until they are supplied.",
            ),
        )
    if "data-quality" in f.tags:
        return RulePath(
            **base,
            kind="confirm",
            text=Text(
                zh=f"{head.zh}：数值不合理，须核实或更正；确认无误请在 confirmed_values 中列明。",
                en=f"{head.en}: the figure is implausible; confirm it (confirmed_values) or correct it.",
            ),
        )
    changes = _rule_changes(ctx, rule) if rule is not None else []
    if any(c.needed is not None for c in changes):
        text = needs(head, f)
        if waivable:
            text = Text(zh=f"{text.zh}（规则包标为可豁免）", en=f"{text.en} (the pack marks it waivable)")
        return RulePath(**base, kind="figures", changes=tuple(changes), text=text)
    if rule is None:  # a plugin's check (a blacklist, say): not a rule of the pack, and no figure of it
        return RulePath(
            **base,
            kind="fixed",
            text=Text(
                zh=f"{head.zh}：插件检查未通过，数值调整不能解决（见该项说明）。",
                en=f"{head.en}: a plugin's check fails, and no change of figures fixes it (see the finding).",
            ),
        )
    if changes:  # figures it reads, but none of them on its own is enough: never "whatever the figures"
        text = needs(head, f)
        return RulePath(
            **base,
            kind="figures",
            changes=tuple(changes),
            text=Text(
                zh=f"{text.zh}单独调整任何一项数值都不足以通过，须同时调整多项。",
                en=f"{text.en} no single figure changed on its own is enough; several must change together.",
            ),
        )
    facts = tuple(other_facts(ctx.pack, rule.reads))
    on = "、".join(field_title(ctx.pack, n).zh for n in facts) or "—"
    on_en = ", ".join(field_title(ctx.pack, n).en for n in facts) or "—"
    tail_zh = "（规则包标为可豁免：仅豁免可解除）" if waivable else ""
    tail_en = " (the pack marks it waivable: only a waiver can lift it)" if waivable else ""
    if f.severity is Severity.VETO:
        text = Text(
            zh=f"{head.zh}：一票否决，无论数值如何调整均不能解除；取决于{on}，而非数值{tail_zh}。",
            en=f"{head.en}: a veto no change of figures can lift; it turns on the {on_en}, not on a figure{tail_en}.",
        )
    else:
        text = Text(
            zh=f"{head.zh}：须整改，数值调整不能解决；取决于{on}。",
            en=f"{head.en}: must be fixed, and no change of figures does it; it turns on the {on_en}.",
        )
    return RulePath(**base, kind="fixed", facts=facts, text=text)


def _reaches(score: Score | None, line: float) -> bool:
    return score is not None and Decimal(repr(score.total)) >= Decimal(repr(line))


def _score_path(ctx: _Context, report: Report) -> ScorePath | None:
    score, vdef = report.score, ctx.pack.verdict
    if score is None or vdef is None or report.out_of_scope is not None:
        return None
    if _reaches(score, vdef.approve_min):
        return None
    base: dict[str, Any] = {
        "total": score.total,
        "approve_min": vdef.approve_min,
        "conditional_min": vdef.conditional_min,
        "meaningful": score.meaningful,
    }
    if not score.meaningful:
        return ScorePath(
            **base,
            text=Text(
                zh=f"综合评分仅基于 {score.scored} 项指标（至少须 {score.min_indicators} 项），"
                "不具参考意义：先补齐指标数据。",
                en=f"The score rests on {score.scored} indicator(s) (the pack needs {score.min_indicators}); it is not "
                "meaningful: supply the indicators' data first.",
            ),
        )
    pack, env, scorer = ctx.pack, ctx.env, ctx.pipeline.scorer
    inputs = indicator_inputs(pack, env, ctx.as_of)
    lines: list[tuple[Literal["approve", "conditional"], float]] = [("approve", vdef.approve_min)]
    if not _reaches(score, vdef.conditional_min):
        lines.append(("conditional", vdef.conditional_min))
    paths: list[IndicatorPath] = []
    for line_name, line in lines:
        goal = (
            Text(zh=f"使评分达到准入线 {line:g} 分", en=f"lift the score to the approval line of {line:g}")
            if line_name == "approve"
            else Text(
                zh=f"使评分达到有条件准入线 {line:g} 分", en=f"lift the score to the conditional line of {line:g}"
            )
        )
        for i, inp in enumerate(inputs):
            paths.append(_indicator_path(ctx, inputs, i, inp, line_name, line, goal, scorer))
    paths = [p for p in paths if p.id]
    total = f"{score.total:g}"
    text = Text(
        zh=f"综合评分 {total} 分，低于准入线 {vdef.approve_min:g} 分；各指标单独调整所需如下（其他指标不变）。",
        en=f"The score is {total}, below the approval line of {vdef.approve_min:g}; each indicator on its own "
        "(the others as they are) would need:",
    )
    if score.attainable is not None:
        most = f"{score.attainable:g}"
        text = Text(
            zh=text.zh + f"（缺少数据的指标此处按 0 分计；补齐后评分最高可达 {most} 分）",
            en=text.en + f" (indicators without data count 0 here; with their data the score could reach {most})",
        )
    return ScorePath(**base, indicators=tuple(paths), text=text)


def _indicator_path(
    ctx: _Context,
    inputs: list[IndicatorInput],
    i: int,
    inp: IndicatorInput,
    line_name: Literal["approve", "conditional"],
    line: float,
    goal: Text,
    scorer: Callable[[Sequence[IndicatorInput], Any], Score | None],
) -> IndicatorPath:
    ind, vdef, pack, env = inp.indicator, ctx.pack.verdict, ctx.pack, ctx.env
    empty = IndicatorPath(id="", title=ind.title, line=line_name, current=None, needed=None, text=Text(zh="", en=""))
    if inp.value is None or inp.outcome is not Outcome.PASS:
        return empty
    x0, up = inp.value, ind.target >= ind.floor
    at_target = ind.target if (x0 < ind.target if up else x0 > ind.target) else None
    head = Text(zh=ind.title.zh, en=ind.title.en)
    now = quantity(x0, ind.unit, _INDICATOR_PLACES)
    if at_target is None:
        return IndicatorPath(
            id=ind.id, title=ind.title, unit=ind.unit, line=line_name, current=x0, needed=None,
            text=Text(zh=f"{head.zh}（{now}）已得满分，无法再提高评分",
                      en=f"{head.en} ({now}) already earns its full points"),
        )  # fmt: skip

    def ok_value(v: float) -> bool:
        changed = list(inputs)
        changed[i] = IndicatorInput(ind, v, Outcome.PASS)
        return _reaches(scorer(changed, vdef), line)

    if not ok_value(at_target):
        best = scorer([*inputs[:i], IndicatorInput(ind, at_target, Outcome.PASS), *inputs[i + 1 :]], vdef)
        most = f"{best.total:g}" if best is not None else "—"
        top = quantity(at_target, ind.unit, _INDICATOR_PLACES)
        return IndicatorPath(
            id=ind.id, title=ind.title, unit=ind.unit, line=line_name, current=x0, needed=None,
            text=Text(
                zh=f"{head.zh}：单独调整不足以{goal.zh}，即使达到目标值 {top}（满分）评分也只有 {most} 分",
                en=f"{head.en}: on its own it cannot {goal.en}; even at its target of {top} (full points) the score "
                f"would be {most}",
            ),
        )  # fmt: skip
    hit = solve(ok_value, x0, _INDICATOR_PLACES, maximum=at_target if up else None, only=up)
    needed = hit[0] if hit is not None else at_target
    changes: list[FieldChange] = []
    for name in numeric_inputs(pack, env, ind.reads):
        f0 = float(env[name])

        def ok_field(x: float, name: str = name) -> bool:
            return _reaches(scorer(indicator_inputs(pack, with_field(pack, env, name, x), ctx.as_of), vdef), line)

        spec = FIELD_SPECS[name]
        fhit = solve(ok_field, f0, _INDICATOR_PLACES, maximum=spec.maximum)
        title = field_title(pack, name)
        if fhit is None:
            ch = FieldChange(field=name, title=title, unit=spec.unit, current=f0, needed=None, text=Text(zh="", en=""))
        else:
            verdict, invalid = ctx.verdict_with(name, fhit[0])
            ch = FieldChange(
                field=name, title=title, unit=spec.unit, current=f0, needed=fhit[0],
                direction="at_least" if fhit[1] else "at_most",
                verdict=verdict, invalid=invalid, text=Text(zh="", en=""),
            )  # fmt: skip
        changes.append(ch.model_copy(update={"text": change_text(ch, _INDICATOR_PLACES, goal)}))
    need = quantity(needed, ind.unit, _INDICATOR_PLACES)
    text = Text(
        zh=f"{head.zh}{'不低于' if up else '不高于'} {need}（现为 {now}）即可{goal.zh}",
        en=f"{head.en} at {'least' if up else 'most'} {need} (now {now}) would {goal.en}",
    )
    if not changes:
        facts = other_facts(pack, ind.reads)
        if facts:
            text = Text(
                zh=text.zh + f"（取决于{'、'.join(field_title(pack, n).zh for n in facts)}，不是可调整的数值）",
                en=text.en + f" (it turns on the {', '.join(field_title(pack, n).en for n in facts)}, not a figure)",
            )
    return IndicatorPath(
        id=ind.id, title=ind.title, unit=ind.unit, line=line_name, current=x0, needed=needed,
        changes=tuple(changes), text=text,
    )  # fmt: skip


def _missing(ctx: _Context, report: Report) -> list[Explained]:
    if report.to_supply:
        checks = {f.rule_id for f in report.findings if "data-quality" in f.tags}
        return [
            Explained(
                id=s.field,
                title=s.title,
                unit=FIELD_SPECS[s.field].unit if s.field in FIELD_SPECS else ctx.pack.units_of.get(s.field, ""),
                needed_by=s.rules,
                text=s.why,
            )
            for s in report.to_supply
            if not (s.rules and set(s.rules) <= checks)  # a figure to confirm is a rule's item, not missing data
        ]
    users: dict[str, list[str]] = {m: [] for m in report.missing_fields}
    for f in report.findings:
        for m in f.missing:
            if m in users and _decisive(f) and f.rule_id not in users[m]:
                users[m].append(f.rule_id)
    out: list[Explained] = []
    for m, rules in users.items():
        ids = ", ".join(rules) or "—"
        out.append(
            Explained(
                id=m,
                title=field_title(ctx.pack, m),
                unit=FIELD_SPECS[m].unit if m in FIELD_SPECS else ctx.pack.units_of.get(m, ""),
                needed_by=tuple(rules),
                text=Text(zh=f"{'、'.join(rules) or '—'} 需要此项才能判断。", en=f"Needed to decide {ids}."),
            )
        )
    return out


def _referrals(ctx: _Context, report: Report) -> list[Explained]:
    out: list[Explained] = []
    for r in report.referrals:
        if r.missing:
            names = "、".join(field_title(ctx.pack, m).zh for m in r.missing)
            text = Text(
                zh=f"可能须转报{r.to.zh}：取决于{names}（须补齐）；如须转报，本地结论至多为有条件准入。",
                en=f"May need referral to {r.to.en}: it turns on {', '.join(r.missing)} (to supply); if due, the "
                "local verdict is at best conditional.",
            )
        else:
            text = Text(
                zh=f"须转报{r.to.zh}：另一机关须作决定；只要转报条件成立，本地结论至多为有条件准入，"
                "不是调整某项数值就能准入的事项。",
                en=f"Must also be decided by {r.to.en}: another body decides; while the referral is due, the local "
                "verdict is at best conditional, and this is not something one figure fixes.",
            )
        out.append(Explained(id=r.id, title=r.to, needed_by=r.missing, text=text))
    return out


def path_to_approval(pipeline: Pipeline, project: Project, as_of: date, report: Report) -> PathToApproval:
    """What it would take for ``project`` (whose report as of ``as_of`` is ``report``) to be approved."""
    if report.verdict is Verdict.APPROVE:
        return PathToApproval(
            verdict=report.verdict,
            possible=True,
            summary=Text(zh="已准予准入：无需改动。", en="Approved as it stands: nothing to change."),
        )
    env, _errors = pipeline.facts(project, as_of)
    ctx = _Context(pipeline, project, as_of, env)
    rules = {r.id: r for r in pipeline.pack.rules}
    in_scope = report.out_of_scope is None
    paths: list[RulePath] = []
    for f in report.findings:
        if not _decisive(f) and f.outcome is not Outcome.ERROR:
            continue
        if f.outcome not in (Outcome.FAIL, Outcome.INSUFFICIENT_DATA, Outcome.ERROR):
            continue
        if f.waiver is not None and f.waiver.status == "applied":
            continue  # a governed waiver in force lifts it: nothing to change
        if not in_scope and not (f.severity is Severity.VETO and f.outcome is Outcome.FAIL):
            continue  # outside the pack's scope only a ban that covers the project counts
        paths.append(_rule_path(ctx, f, rules.get(f.rule_id)))
    score = _score_path(ctx, report) if in_scope else None
    missing = _missing(ctx, report)
    referrals = _referrals(ctx, report)
    others: list[Text] = []
    if report.out_of_scope is not None:
        others.append(
            Text(
                zh=f"不属本规则包评审范围：{report.out_of_scope.zh}",
                en=f"Outside the pack's scope: {report.out_of_scope.en}",
            )
        )
    if report.score is not None and in_scope:
        broken = [i.id for i in report.score.indicators if i.outcome is Outcome.ERROR]
        if broken:
            others.append(
                Text(
                    zh=f"评分指标 {'、'.join(broken)} 无法计算：查明原因前不能准入。",
                    en=f"Scoring indicator(s) {', '.join(broken)} could not be computed: no approval until the cause "
                    "is found.",
                )
            )
    fixed_vetoes = [p for p in paths if p.kind == "fixed" and p.severity is Severity.VETO]
    due = [r for r in report.referrals if not r.missing]
    possible = not fixed_vetoes and in_scope and not due
    singles = [
        c
        for c in [
            *(c for p in paths for c in p.changes),
            *(c for i in (score.indicators if score else ()) for c in i.changes),
        ]
        if c.verdict is Verdict.APPROVE
    ]
    groups = len(paths) + (1 if score is not None else 0) + (1 if missing else 0) + len(referrals) + len(others)
    together = possible and not singles and groups > 1
    said = summary(possible, together, singles, fixed_vetoes, due, in_scope, bool(missing))
    return PathToApproval(
        verdict=report.verdict,
        possible=possible,
        together=together,
        rules=tuple(paths),
        score=score,
        missing=tuple(missing),
        referrals=tuple(referrals),
        others=tuple(others),
        summary=said,
    )
