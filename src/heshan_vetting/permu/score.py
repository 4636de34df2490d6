"""The evaluation of a register: groups, indicator values, benchmarks, points, scores, classes, caps, the list.

Points are normalised-linear, as Zhejiang counties publish the method (policy-facts §4.1 #6):
``points = value ÷ benchmark × weight``, cut to the indicator's ``cap`` when the pack gives one, and the score is
the sum of the points. The groups' and caps' conditions are decided by the engine chosen (``--engine``), once per
enterprise, through :mod:`.conditions`; indicator values are computed once, here, by the pack's compiled closures
(the same for every engine, as derived metrics are for vetting), and classes by the one shared function of
:mod:`.classing`.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from heshan_vetting.engines.native import native_decider
from heshan_vetting.engines.protocol import Engine
from heshan_vetting.lang.values import MISSING, Env, Unknown
from heshan_vetting.packs.compiled import CompiledPack
from heshan_vetting.permu.classing import assign_classes, cap_class
from heshan_vetting.permu.compile import Cap, EvaluationPack, Group, Score
from heshan_vetting.permu.conditions import Answer, ConditionView
from heshan_vetting.permu.register import Register
from heshan_vetting.permu.results import (
    BenchmarkResult,
    ClassCount,
    ClassInfo,
    CutInfo,
    EnterpriseResult,
    EvaluationResult,
    GroupResult,
    IndicatorResult,
    LowEfficiencyList,
    PolicyInfo,
    RowError,
)
from heshan_vetting.report import Text
from heshan_vetting.version import __version__


def _in_force(start: date | None, end: date | None, day: date) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


@dataclass
class _Member:
    index: int
    env: Env
    values: dict[str, float | None] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    reasons: list[Text] = field(default_factory=list)


def _value(pack: EvaluationPack, indicator: str, env: Env) -> tuple[float | None, list[str]]:
    ind = pack.indicators[indicator]
    v = ind.value(env)
    if isinstance(v, Unknown):
        return None, [r for r in ind.reads if env.get(r) is MISSING]
    return v, []


def _benchmark(score: Score, present: list[float]) -> float | None:
    if score.benchmark is not None:
        return score.benchmark
    if not present:
        return None
    b = statistics.fmean(present) if score.benchmark_of_group == "mean" else statistics.median(present)
    return b if b > 0 else None


def _points(value: float, benchmark: float, score: Score) -> tuple[float, bool]:
    raw = value / benchmark * score.weight
    if score.cap is not None and raw > score.cap:
        return score.cap, True
    return raw, False


def _native(pack: CompiledPack) -> Engine:
    return native_decider


def evaluate_register(
    pack: EvaluationPack,
    register: Register,
    as_of: date,
    build_engine: Callable[[CompiledPack], Engine] = _native,
) -> EvaluationResult:
    """Evaluate every enterprise of ``register`` with ``pack`` as of ``as_of`` (groups and caps in force then).

    ``build_engine`` builds the engine (default: native) for the view of the groups and caps in force
    (:class:`~heshan_vetting.permu.conditions.ConditionView`); the engine decides their conditions, called once per
    enterprise. The indicator values, points, classes and lists are computed here, the same whichever engine
    decides."""
    groups = [g for g in pack.groups if _in_force(g.effective_from, g.effective_until, as_of)]
    caps = [c for c in pack.caps if _in_force(c.effective_from, c.effective_until, as_of)]
    view = ConditionView.build(pack, groups, caps)
    engine = build_engine(view.pack)
    members = [_Member(i, pack.env(e.values)) for i, e in enumerate(register.enterprises)]
    group_of: dict[int, Group] = {}
    decided: dict[int, Answer] = {}
    answers = view.ask_all(engine, [m.env for m in members])  # the engine decides the groups and the caps
    for m, d in zip(members, answers, strict=True):
        decided[m.index] = d
        if d.group is not None:
            group_of[m.index] = d.group
            continue
        m.reasons.append(
            Text(
                zh="无法判定所属分组（缺少分组所需数据，如企业规模）"
                if d.group_undecided
                else "不属于本规则包的任何分组",
                en="its group cannot be decided (data the groups need, such as the size group, is missing)"
                if d.group_undecided
                else "it belongs to none of the pack's groups",
            )
        )
    results: dict[int, EnterpriseResult] = {}
    group_results: list[GroupResult] = []
    for g in groups:
        in_group = [m for m in members if group_of.get(m.index) is g]
        group_results.append(_evaluate_group(pack, g, in_group, results, register, caps, decided))
    for m in members:
        if m.index not in results:
            results[m.index] = _unclassed(pack, register, m, None, None)
    enterprises = [_with_low_efficiency(pack, results[m.index], m) for m in members]
    summary = _counts(pack, enterprises)
    low = _low_list(pack, enterprises)
    errors = [
        RowError(
            file=e.file or register.path,
            row=e.line,
            column=e.field,
            message_en=e.message_en,
            message_zh=e.message_zh,
        )
        for e in register.errors
    ]
    notes = list(pack.notes)
    if pack.local_defaults:
        notes.append(
            Text(
                zh=f"本规则包有 {len(pack.local_defaults)} 项数值为地方默认值（local_default），"
                "须由本市确定后方可作为正式结果。",
                en=f"{len(pack.local_defaults)} figures of this pack are local defaults (local_default) for the city "
                "to set; the result is not official until it has set them.",
            )
        )
    if errors:
        notes.append(
            Text(
                zh=f"台账有 {len(errors)} 行无法读取，未予评价；按排名分类时不含这些企业，补正后分类可能变化。",
                en=f"{len(errors)} register rows could not be read and were left out; classes by rank were computed "
                "without them and may change once they are corrected.",
            )
        )
    return EvaluationResult(
        tool_version=__version__,
        as_of=as_of,
        register_file=register.path,
        pack=pack.id,
        pack_title=pack.title,
        packs=list(pack.packs),
        complete=not errors,
        notes=notes,
        local_defaults=list(pack.local_defaults),
        classes=[
            ClassInfo(
                id=c.id,
                title=c.title,
                policy=[PolicyInfo(title=p.title, citation=p.citation) for p in c.policy],
                citation=c.citation,
            )
            for c in pack.classes
        ],
        groups=group_results,
        enterprises=enterprises,
        summary=summary,
        low_efficiency=low,
        errors=errors,
    )


def _evaluate_group(
    pack: EvaluationPack,
    g: Group,
    in_group: list[_Member],
    results: dict[int, EnterpriseResult],
    register: Register,
    caps: Sequence[Cap],
    decided: dict[int, Answer],
) -> GroupResult:
    benchmarks: list[BenchmarkResult] = []
    points: dict[int, dict[str, tuple[float | None, float | None, str]]] = {m.index: {} for m in in_group}
    blocked: set[int] = set()
    for s in g.scores:
        ind = pack.indicators[s.indicator]
        present: list[float] = []
        for m in in_group:
            v, missing = _value(pack, s.indicator, m.env)
            m.values[s.indicator] = v
            m.missing[s.indicator] = missing
            if v is not None:
                present.append(v)
        bench = _benchmark(s, present)
        got: list[float] = []
        for m in in_group:
            v = m.values[s.indicator]
            if v is not None and bench is not None:
                p, capped = _points(v, bench, s)
                points[m.index][s.indicator] = (v, p, "capped" if capped else "value")
                got.append(p)
        mean_points = statistics.fmean(got) if got else None
        for m in in_group:
            if s.indicator in points[m.index]:
                continue
            if bench is None:
                points[m.index][s.indicator] = (m.values[s.indicator], None, "missing")
                blocked.add(m.index)
                m.reasons.append(
                    Text(
                        zh=f"{ind.title.zh}的基准值无法计算（组内无有效数值或为 0）",
                        en=f"the benchmark of {ind.title.en} cannot be computed (no member has a value, or it is 0)",
                    )
                )
            elif s.missing == "zero":
                points[m.index][s.indicator] = (None, 0.0, "zero")
            elif s.missing == "group_mean_points" and mean_points is not None:
                points[m.index][s.indicator] = (None, mean_points, "group_mean_points")
            else:
                points[m.index][s.indicator] = (None, None, "missing")
                blocked.add(m.index)
                lacking = m.missing[s.indicator]
                if lacking:
                    why = Text(
                        zh=f"缺少计算{ind.title.zh}所需的数据（{'、'.join(lacking)}）",
                        en=f"the data for {ind.title.en} is missing ({', '.join(lacking)})",
                    )
                else:
                    why = Text(
                        zh=f"{ind.title.zh}无法计算（公式 {ind.formula} 的除数为 0）",
                        en=f"{ind.title.en} cannot be computed (a divisor of {ind.formula} is 0)",
                    )
                m.reasons.append(why)
        benchmarks.append(
            BenchmarkResult(
                indicator=s.indicator, title=ind.title, unit=ind.unit, weight=s.weight, cap=s.cap, benchmark=bench,
                source=s.benchmark_of_group or "fixed", values=len(present), missing_rule=s.missing,
                mean_points=mean_points, citation=s.citation,
            )
        )  # fmt: skip
    weight_total = sum(s.weight for s in g.scores)
    bench_of = {b.indicator: b.benchmark for b in benchmarks}
    scores = {
        m.index: sum(p or 0.0 for _v, p, _b in points[m.index].values()) for m in in_group if m.index not in blocked
    }
    classed = assign_classes(scores, g.rule)
    order = pack.class_order
    for m in in_group:
        indicators = [
            IndicatorResult(
                id=s.indicator,
                value=m.values.get(s.indicator),
                unit=pack.indicators[s.indicator].unit,
                benchmark=bench_of[s.indicator],
                weight=s.weight,
                points=points[m.index][s.indicator][1],
                basis=points[m.index][s.indicator][2],
                missing=m.missing.get(s.indicator, []),
            )
            for s in g.scores
        ]
        if m.index not in classed:
            results[m.index] = _unclassed(pack, register, m, g, indicators, weight_total)
            continue
        c = classed[m.index]
        held = list(decided[m.index].caps_held)
        undecided = list(decided[m.index].caps_undecided)
        cap_of = {cap.id: cap.at_best for cap in caps}
        final = cap_class(c.class_id, [cap_of[h] for h in held], order)
        info = next(ci for ci in pack.classes if ci.id == final)
        e = register.enterprises[m.index]
        results[m.index] = EnterpriseResult(
            id=e.id, name=e.name, row=e.row, town=_text(e.values.get("town")),
            industry_code=_text(e.values.get("industry_code")), land_area=_num(e.values.get("land_area")),
            group=g.id, status="classed", score=scores[m.index], weight_total=weight_total, rank=c.rank,
            group_size=len(classed), **{"class": final}, class_by_score=c.class_id, capped_by=held,
            caps_undecided=undecided, indicators=indicators, policy=[p.title for p in info.policy],
        )  # fmt: skip
    members_classed = [results[m.index] for m in in_group if results[m.index].status == "classed"]
    return GroupResult(
        id=g.id,
        title=g.title,
        members=len(in_group),
        classed=len(members_classed),
        not_classed=len(in_group) - len(members_classed),
        classes_by=g.rule.by,
        cuts=[CutInfo(**{"class": c.class_id}, top_percent=c.top_percent, min_score=c.min_score) for c in g.rule.cuts],
        rest=g.rule.rest,
        cuts_citation=g.cuts_citation,
        benchmarks=benchmarks,
        classes=_counts(pack, members_classed, with_unclassed=False),
    )


def _text(v: object) -> str | None:
    return None if v is None else str(v)


def _num(v: object) -> float | None:
    return float(v) if isinstance(v, (int, float)) else None


def _unclassed(
    pack: EvaluationPack,
    register: Register,
    m: _Member,
    g: Group | None,
    indicators: list[IndicatorResult] | None,
    weight_total: float | None = None,
) -> EnterpriseResult:
    e = register.enterprises[m.index]
    return EnterpriseResult(
        id=e.id, name=e.name, row=e.row, town=_text(e.values.get("town")),
        industry_code=_text(e.values.get("industry_code")), land_area=_num(e.values.get("land_area")),
        group=g.id if g else None, status="not_classed", score=None, weight_total=weight_total, rank=None,
        group_size=None, **{"class": None}, indicators=indicators or [], reasons=list(m.reasons),
    )  # fmt: skip


def _with_low_efficiency(pack: EvaluationPack, r: EnterpriseResult, m: _Member) -> EnterpriseResult:
    low = pack.low_efficiency
    if low is None:
        return r
    why: list[Text] = []
    if r.class_ is not None and r.class_ in low.classes:
        title = next(c.title for c in pack.classes if c.id == r.class_)
        why.append(Text(zh=f"评价为 {r.class_} 类（{title.zh}）", en=f"class {r.class_} ({title.en})"))
    if low.indicator is not None and low.floor is not None:
        ind = pack.indicators[low.indicator]
        v = m.values.get(low.indicator)
        if low.indicator not in m.values:
            v, _missing = _value(pack, low.indicator, m.env)
        if v is not None and v < low.floor:
            why.append(
                Text(
                    zh=f"{ind.title.zh} {v:.4g} {ind.unit}，低于下限 {low.floor:g} {ind.unit}",
                    en=f"{ind.title.en} {v:.4g} {ind.unit} is below the floor of {low.floor:g} {ind.unit}",
                )
            )
    if not why:
        return r
    return r.model_copy(update={"low_efficiency": True, "low_efficiency_reasons": why})


def _counts(pack: EvaluationPack, rs: Sequence[EnterpriseResult], with_unclassed: bool = True) -> list[ClassCount]:
    out = [
        ClassCount(
            **{"class": c.id},
            title=c.title,
            count=sum(1 for r in rs if r.class_ == c.id),
            land_area=sum(r.land_area or 0.0 for r in rs if r.class_ == c.id),
        )
        for c in pack.classes
    ]
    if with_unclassed:
        rest = [r for r in rs if r.class_ is None]
        out.append(
            ClassCount(
                **{"class": "-"},
                title=Text(zh="未分类", en="not classed"),
                count=len(rest),
                land_area=sum(r.land_area or 0.0 for r in rest),
            )
        )
    return out


def _low_list(pack: EvaluationPack, rs: Sequence[EnterpriseResult]) -> LowEfficiencyList | None:
    low = pack.low_efficiency
    if low is None:
        return None
    on = [r for r in rs if r.low_efficiency]
    criteria: list[Text] = []
    if low.classes:
        names = "、".join(low.classes)
        criteria.append(Text(zh=f"评价为 {names} 类", en=f"class {', '.join(low.classes)}"))
    if low.indicator is not None and low.floor is not None:
        ind = pack.indicators[low.indicator]
        criteria.append(
            Text(zh=f"{ind.title.zh}低于 {low.floor:g} {ind.unit}", en=f"{ind.title.en} below {low.floor:g} {ind.unit}")
        )
    return LowEfficiencyList(
        title=low.title,
        criteria=criteria,
        enterprises=[r.id for r in on],
        land_area=sum(r.land_area or 0.0 for r in on),
        land_unknown=[r.id for r in on if r.land_area is None],
        measures=list(low.measures),
        citation=low.citation,
    )
