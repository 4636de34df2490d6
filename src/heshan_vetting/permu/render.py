"""An evaluation as text (Chinese or English): notes, groups with their benchmarks, each enterprise, the list."""

from __future__ import annotations

from heshan_vetting.permu.classing import ClassRule, Cut, cut_text
from heshan_vetting.permu.results import EnterpriseResult, EvaluationResult, GroupResult
from heshan_vetting.report import Text


def _rule(g: GroupResult) -> ClassRule:
    return ClassRule(g.classes_by, tuple(Cut(c.class_, c.top_percent, c.min_score) for c in g.cuts), g.rest)


def _t(text: Text, lang: str) -> str:
    return text.get(lang)


def _n(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}g}" if abs(value) < 10**digits else f"{value:,.0f}"


def _l(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def render_text(result: EvaluationResult, lang: str = "zh") -> str:
    """The evaluation as plain text in ``lang`` (``zh`` or ``en``)."""
    out: list[str] = []
    add = out.append
    add(_l(lang, "亩均效益评价", "Per-mu evaluation (亩均效益评价)"))
    add(
        _l(lang, "规则包", "Pack")
        + f": {result.pack} ({_t(result.pack_title, lang)}) · "
        + " → ".join(f"{p.id} {p.version}" for p in result.packs)
    )
    add(
        _l(lang, "评价日期", "As of")
        + f": {result.as_of.isoformat()} · "
        + _l(lang, "台账", "Register")
        + f": {result.register_file}"
    )
    for note in result.notes:
        add(_l(lang, "注意：", "Note: ") + _t(note, lang))
    for g in result.groups:
        add("")
        add(
            f"== {_t(g.title, lang)} ({g.id}): "
            + _l(lang, f"{g.members} 家，已分类 {g.classed} 家", f"{g.members} enterprises, {g.classed} classed")
            + " =="
        )
        by = (
            _l(lang, "按组内排名", "by rank in the group") if g.classes_by == "rank" else _l(lang, "按得分", "by score")
        )
        add(
            f"  {_l(lang, '分类', 'Classes')} ({by}): "
            + " | ".join(cut_text(_rule(g), lang))
            + f"  [{g.cuts_citation.status.label(lang)}]"
        )
        for b in g.benchmarks:
            source = {
                "fixed": _l(lang, "固定值", "fixed"),
                "mean": _l(lang, "组内均值", "group mean"),
                "median": _l(lang, "组内中位数", "group median"),
            }[b.source]
            cap = f", {_l(lang, '封顶', 'cap')} {_n(b.cap)}" if b.cap is not None else ""
            add(
                f"  {_t(b.title, lang)}: {_l(lang, '基准', 'benchmark')} {_n(b.benchmark)} {b.unit} ({source}, "
                f"{b.values} {_l(lang, '家有数据', 'with a value')}); {_l(lang, '权重', 'weight')} {_n(b.weight)}{cap}"
                f"  [{b.citation.status.label(lang)}]"
            )
        for c in g.classes:
            add(f"  {c.class_} {_t(c.title, lang)}: {c.count} · {_n(c.land_area, 6)} {_l(lang, '亩', 'mu')}")
    add("")
    add("== " + _l(lang, "企业", "Enterprises") + " ==")
    ordered = sorted(result.enterprises, key=lambda e: (e.group or "~", e.rank if e.rank is not None else 10**9, e.row))
    for e in ordered:
        out.extend(_enterprise(e, lang))
    low = result.low_efficiency
    if low is not None:
        add("")
        add(f"== {_t(low.title, lang)} ==")
        add(_l(lang, "标准", "Criteria") + ": " + _l(lang, "；或", "; or ").join(_t(c, lang) for c in low.criteria))
        by_id = {e.id: e for e in result.enterprises}
        for eid in low.enterprises:
            e = by_id[eid]
            why = _l(lang, "；", "; ").join(_t(r, lang) for r in e.low_efficiency_reasons)
            add(f"  {e.id} {e.name}: {_n(e.land_area, 6)} {_l(lang, '亩', 'mu')} — {why}")
            for commitment in e.commitments:
                due = commitment.due.isoformat() if commitment.due else "—"
                now = _n(commitment.value)
                add(
                    "      "
                    + _l(lang, "协议承诺：", "Agreement: ")
                    + f"{_t(commitment.fact_title, lang)} ≥ {_n(commitment.floor, 6)} {commitment.unit}"
                    + _l(lang, f"（现为 {now}），{due} 前", f" (now {now}) by {due}")
                )
            for note in e.commitment_notes:
                add("      " + _t(note, lang))
        add(
            _l(lang, f"合计 {len(low.enterprises)} 家，用地 ", f"Total {len(low.enterprises)} enterprises, land ")
            + f"{_n(low.land_area, 8)} {_l(lang, '亩', 'mu')}"
        )
        if low.land_unknown:
            add(_l(lang, "用地面积未知：", "Land area unknown: ") + ", ".join(low.land_unknown))
        for m in low.measures:
            add("  · " + _t(m, lang))
    if result.targets:
        add("")
        add("== " + _l(lang, "下一年度目标（建议）", "Proposed targets for next year") + " ==")
        for t in result.targets:
            add(
                f"  {t.group} {_t(t.title, lang)}: {_n(t.value, 6)} {t.unit} — {_t(t.arithmetic, lang)}"
                f"  [{t.citation.status.label(lang)}]"
            )
    if result.movement is not None:
        out.extend(_movement(result, lang))
    add("")
    add("== " + _l(lang, "汇总", "Summary") + " ==")
    for c in result.summary:
        add(f"  {c.class_} {_t(c.title, lang)}: {c.count} · {_n(c.land_area, 8)} {_l(lang, '亩', 'mu')}")
    if result.errors:
        add("")
        add("== " + _l(lang, "无法读取的行（未予评价）", "Rows that could not be read (left out)") + " ==")
        for err in result.errors:
            where = f"{err.file}:{err.row}" if err.row is not None else err.file
            column = f" [{err.column}]" if err.column else ""
            add(f"  {where}{column}: {err.message_en if lang == 'en' else err.message_zh}")
    if result.local_defaults:
        add("")
        add(
            _l(lang, "地方默认值（须由本市确定）：", "Local defaults (for the city to set): ")
            + ", ".join(result.local_defaults)
        )
    return "\n".join(out) + "\n"


def _enterprise(e: EnterpriseResult, lang: str) -> list[str]:
    if e.status == "classed":
        # points are value ÷ benchmark × weight, uncapped unless the pack caps them: at the benchmark on every
        # indicator a firm scores the weights' total, so a score is read against that, not as "out of" it
        at = _l(lang, "全部指标达基准为", "all at benchmark = ")
        head = (
            f"  {e.group} #{e.rank}/{e.group_size} {e.class_} {_n(e.score)} ({at}{_n(e.weight_total)})  {e.id} {e.name}"
        )
        if e.capped_by and e.class_by_score != e.class_:
            head += f"  ({_l(lang, '受限', 'capped')}: {', '.join(e.capped_by)}; {e.class_by_score} → {e.class_})"
        elif e.capped_by:
            head += f"  ({_l(lang, '限制条件成立', 'cap holds')}: {', '.join(e.capped_by)})"
    else:
        head = f"  {e.group or '—'} {_l(lang, '未分类', 'not classed')}  {e.id} {e.name}"
    lines = [head]
    parts = [
        f"{i.id} {_n(i.value)} {i.unit} → {_n(i.points)}" + ("" if i.basis in ("value",) else f" ({i.basis})")
        for i in e.indicators
    ]
    if parts:
        lines.append("      " + "; ".join(parts))
    if e.policy:
        lines.append(
            "      " + _l(lang, "政策：", "Policy: ") + _l(lang, "；", "; ").join(_t(p, lang) for p in e.policy)
        )
    for r in e.reasons:
        lines.append("      " + _l(lang, "原因：", "Why: ") + _t(r, lang))
    if e.caps_undecided:
        lines.append(
            "      "
            + _l(
                lang,
                "无法判定的限制条件（缺少数据，未适用）：",
                "Caps that could not be decided (data missing, not applied): ",
            )
            + ", ".join(e.caps_undecided)
        )
    return lines


_KIND = {
    "up": ("升级", "up"),
    "down": ("降级", "down"),
    "entered": ("新进入台账", "entered"),
    "left": ("不在本年度台账", "left"),
    "classed": ("本年度起分类", "classed this year"),
    "unclassed": ("本年度未分类", "not classed this year"),
}


def _movement(result: EvaluationResult, lang: str) -> list[str]:
    mv = result.movement
    assert mv is not None
    lines = [
        "",
        "== " + _l(lang, "与上年度比较", "Movement since last year") + f" ({mv.previous}, {mv.previous_as_of}) ==",
    ]
    lines.append(
        "  "
        + _l(lang, "类别变化：", "Class changes: ")
        + ", ".join(f"{t.from_}→{t.to} {t.count}" for t in mv.transitions if t.from_ != t.to)
    )
    for m in mv.moves:
        zh, en = _KIND[m.kind]
        head = f"  {m.id} {m.name}: {m.class_before or '-'} → {m.class_after or '-'} ({_l(lang, zh, en)})"
        if m.score_before is not None and m.score_after is not None:
            head += f"; {_l(lang, '得分', 'score')} {_n(m.score_before)} → {_n(m.score_after)}"
        if m.group_before and m.group_after and m.group_before != m.group_after:
            head += f"; {_l(lang, '分组', 'group')} {m.group_before} → {m.group_after}"
        lines.append(head)
        why = [
            f"{c.id} {_n(c.points_before)} → {_n(c.points_after)}"
            for c in m.changes[:3]
            if c.points_change is not None and abs(c.points_change) >= 0.005
        ]
        if why:
            lines.append("      " + _l(lang, "主要变化：", "Largest changes: ") + "; ".join(why))
        caps = sorted(set(m.capped_after) - set(m.capped_before))
        if caps:
            lines.append("      " + _l(lang, "新增限制：", "New caps: ") + ", ".join(caps))
    if mv.previous_errors:
        lines.append(
            "  "
            + _l(
                lang,
                f"上年度台账有 {len(mv.previous_errors)} 行无法读取，相关企业显示为新进入。",
                f"{len(mv.previous_errors)} rows of last year's register could not be read; their enterprises "
                "show as entered.",
            )
        )
    return lines
