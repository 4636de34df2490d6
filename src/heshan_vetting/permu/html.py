"""An evaluation as one self-contained HTML page (``evaluate --format html``): printable, escaped, nothing fetched.

The page holds the method and the statement that the pack's figures are local defaults; the class shares per
group (a table and a bar of shares); a distribution chart per indicator and group (an inline SVG histogram
drawn from the values, the benchmark marked); the proposed targets; the low-efficiency land list with the land
involved; the supervision agreements' commitments; the movement since last year (when given); every enterprise;
the rows left out. It reuses the vetting report's style sheet and pieces (``builtins.render.html_style`` and
``html_parts``); every text that reaches the page passes through :func:`~heshan_vetting.builtins.render.html_parts.esc`.
"""

from __future__ import annotations

import math

from heshan_vetting.builtins.render.html_parts import amount, cite, esc, mark, num
from heshan_vetting.builtins.render.html_style import CSS
from heshan_vetting.permu.results import (
    BenchmarkResult,
    ClassCount,
    EnterpriseResult,
    EvaluationResult,
    GroupResult,
)

__all__ = ["BINS", "histogram", "render_html"]

BINS = 12
"""Bars of a distribution chart: equal widths from 0 to the 95th percentile; values beyond go in the last bar."""

# Extra rules for this page only (the shared sheet is the vetting report's).
_CSS = """
.shares { display: flex; height: 1.3rem; border: 1px solid #333; margin: .2rem 0 .6rem; max-width: 40rem; }
.shares span { display: block; height: 100%; font-size: .78rem; text-align: center; overflow: hidden;
  border-right: 1px solid #333; line-height: 1.3rem; }
.shares span:last-child { border-right: 0; }
.cl-A { background: #e3f2e6; } .cl-B { background: #e3ecf8; } .cl-C { background: #fdf1d8; }
.cl-D { background: #fbe4e4; }
.hist rect.bar { fill: #3b6ea8; } .hist rect.bar.over { fill: #7d9cc4; }
.hist .axis { stroke: #333; stroke-width: 1; }
.hist text { font-size: 11px; fill: #333; font-family: inherit; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: .4rem 1rem; }
.charts figure { margin: 0; break-inside: avoid; page-break-inside: avoid; }
.charts figcaption { font-size: .88rem; font-weight: 700; }
table.enterprises { font-size: .8rem; }
@media print { .cl-A, .cl-B, .cl-C, .cl-D { background: none; } }
"""


def _l(lang: str, zh: str, en: str) -> str:
    return esc(en if lang == "en" else zh)


def _n(value: float | None, unit: str = "") -> str:
    return esc(amount(value, unit))


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    at = (len(ordered) - 1) * p / 100
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def histogram(values: list[float], bins: int = BINS) -> tuple[float, list[int]]:
    """(bar width, counts): equal bars from 0 up to the 95th percentile of ``values``; the last bar also counts
    every value beyond (so one outlier does not flatten the chart). Width 0 when every value is 0."""
    if not values:
        return 0.0, [0] * bins
    top = _percentile(values, 95) or max(values)
    if top <= 0:
        return 0.0, [len(values)] + [0] * (bins - 1)
    width = top / bins
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int(v / width))] += 1
    return width, counts


def _chart(g: GroupResult, b: BenchmarkResult, values: list[float], lang: str) -> str:
    """One indicator's distribution in one group, as an inline SVG with the benchmark as a dashed line."""
    width, counts = histogram(values)
    w, h, left, bottom, top = 320, 150, 30, 120, 18
    plot = w - left - 10
    tallest = max(counts) or 1
    title = f"{b.title.get(lang)} · {g.title.get(lang)}"
    label = (
        f"{title}: {len(values)} "
        + ("values" if lang == "en" else "家有数据")
        + (f"; benchmark {amount(b.benchmark, b.unit)}" if lang == "en" else f"；基准 {amount(b.benchmark, b.unit)}")
    )
    out = [f"<figure><figcaption>{esc(title)} ({esc(b.unit)})</figcaption>"]
    out.append(
        f'<svg class="hist" viewBox="0 0 {w} {h}" role="img" aria-label="{esc(label)}"><title>{esc(label)}</title>'
    )
    out.append(f'<line class="axis" x1="{left}" y1="{bottom}" x2="{w - 10}" y2="{bottom}"/>')
    out.append(f'<text class="small" x="{left - 4}" y="{top + 4}" text-anchor="end">{tallest}</text>')
    out.append(f'<text class="small" x="{left - 4}" y="{bottom}" text-anchor="end">0</text>')
    step = plot / len(counts)
    for i, count in enumerate(counts):
        if not count:
            continue
        bar_h = (bottom - top) * count / tallest
        x = left + i * step
        over = " over" if i == len(counts) - 1 else ""
        lo, hi = i * width, (i + 1) * width
        tip = f"{num(lo)}–{num(hi)}{'+' if over else ''} {b.unit}: {count}"
        out.append(
            f'<rect class="bar{over}" x="{x + 1:.1f}" y="{bottom - bar_h:.1f}" width="{step - 2:.1f}" '
            f'height="{bar_h:.1f}"><title>{esc(tip)}</title></rect>'
        )
    top_value = width * len(counts)
    out.append(f'<text class="small" x="{left}" y="{bottom + 14}">0</text>')
    end = f"{num(top_value)}+" if top_value else "0"
    out.append(f'<text class="small" x="{w - 10}" y="{bottom + 14}" text-anchor="end">{esc(end)}</text>')
    if b.benchmark is not None and top_value > 0:
        x = left + plot * min(b.benchmark / top_value, 1.0)
        name = ("benchmark " if lang == "en" else "基准 ") + num(b.benchmark)
        anchor = "end" if x > left + plot / 2 else "start"
        dx = -3 if anchor == "end" else 3
        out.append(
            f'<g class="chart"><line class="line" x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{bottom}"/>'
            f'<text class="small" x="{x + dx:.1f}" y="{top - 8 + 12}" text-anchor="{anchor}">{esc(name)}</text></g>'
        )
    shown = f"n = {len(values)}"
    out.append(f'<text class="small" x="{left + plot / 2:.1f}" y="{h - 4}" text-anchor="middle">{esc(shown)}</text>')
    out.append("</svg></figure>")
    return "".join(out)


def _head(r: EvaluationResult, lang: str) -> list[str]:
    out = ['<section id="method">', f"<h2>{_l(lang, '评价方法', 'Method')}</h2>"]
    out.append(
        "<p>"
        + _l(
            lang,
            "每个指标得分 = 指标值 ÷ 基准值 × 权重（设有封顶的不超过封顶分）；综合得分为各指标得分之和。"
            "按组内排名或得分线分为 A/B/C/D 类；限制条件成立的企业类别不高于所定类别。",
            "Each indicator's points = value ÷ benchmark × weight (cut to its cap where the pack sets one); the "
            "score is the sum of the points. Classes A/B/C/D by rank within the group or by score lines; a cap "
            "that holds classes an enterprise no better than its class.",
        )
        + "</p>"
    )
    out.append(f'<div class="box warn"><h3>{_l(lang, "注意", "Note")}</h3><ul>')
    out.extend(f"<li>{esc(n.get(lang))}</li>" for n in r.notes)
    out.append("</ul>")
    if r.local_defaults:
        out.append(
            "<p>"
            + _l(
                lang, "以下数值为地方默认值，须由本市确定：", "These figures are local defaults, for the city to set: "
            )
            + "<code>"
            + esc(", ".join(r.local_defaults))
            + "</code></p>"
        )
    out.append("</div>")
    for g in r.groups:
        out.append(f"<h3>{esc(g.title.get(lang))} <code>{esc(g.id)}</code></h3>")
        cuts = ", ".join(
            f"{c.class_} "
            + (f"top {num(c.top_percent)}%" if c.top_percent is not None else f"≥ {num(c.min_score or 0)}")
            for c in g.cuts
        )
        out.append(
            f"<p>{_l(lang, '分类', 'Classes')} ({esc(g.classes_by)}): {esc(cuts)}; {esc(g.rest)} "
            f"{_l(lang, '其余', 'the rest')} {cite(g.cuts_citation, lang)}</p>"
        )
        out.append(
            f'<table><thead><tr><th>{_l(lang, "指标", "Indicator")}</th><th class="num">{_l(lang, "权重", "Weight")}'
            f'</th><th class="num">{_l(lang, "基准", "Benchmark")}</th><th>{_l(lang, "基准来源", "Source")}</th>'
            f"<th>{_l(lang, '依据', 'Citation')}</th></tr></thead><tbody>"
        )
        for b in g.benchmarks:
            source = {
                "fixed": ("固定值", "fixed"),
                "mean": ("组内均值", "group mean"),
                "median": ("组内中位数", "group median"),
            }
            zh, en = source[b.source]
            out.append(
                f'<tr><td>{esc(b.title.get(lang))}</td><td class="num">{esc(num(b.weight))}</td>'
                f'<td class="num">{_n(b.benchmark, b.unit)}</td><td>{_l(lang, zh, en)} ({b.values})</td>'
                f"<td>{cite(b.citation, lang)}</td></tr>"
            )
        out.append("</tbody></table>")
    out.append("</section>")
    return out


def _shares(r: EvaluationResult, lang: str) -> list[str]:
    out = ['<section id="classes">', f"<h2>{_l(lang, '分类结果', 'Classes')}</h2>"]
    for g in r.groups:
        out.append(f"<h3>{esc(g.title.get(lang))}: {g.classed} / {g.members}</h3>")
        bar = []
        for c in g.classes:
            share = c.count / g.classed if g.classed else 0.0
            if share > 0:
                bar.append(
                    f'<span class="cl-{esc(c.class_)}" style="width:{share * 100:.2f}%" title="{esc(c.class_)} '
                    f'{c.count}">{esc(c.class_)} {share * 100:.0f}%</span>'
                )
        out.append(
            f'<div class="shares" role="img" aria-label="{_l(lang, "类别占比", "class shares")}">{"".join(bar)}</div>'
        )
        out.append(_class_table(g.classes, g.classed, lang))
    out.append(f"<h3>{_l(lang, '全部企业', 'All enterprises')}</h3>")
    out.append(_class_table(r.summary, sum(c.count for c in r.summary), lang))
    out.append(f"<h3>{_l(lang, '各类政策', 'What each class triggers')}</h3><ul>")
    for k in r.classes:
        policy = "；".join(f"{esc(p.title.get(lang))}{mark(p.citation.status, lang)}" for p in k.policy)
        out.append(f"<li><b>{esc(k.id)} {esc(k.title.get(lang))}</b>: {policy or '—'}</li>")
    out.append("</ul></section>")
    return out


def _class_table(classes: list[ClassCount], total: int, lang: str) -> str:
    rows = [
        f'<tr><td>{esc(c.class_)} {esc(c.title.get(lang))}</td><td class="num">{c.count}</td>'
        f'<td class="num">{esc(num(c.count / total * 100)) if total else "—"}%</td>'
        f'<td class="num">{esc(num(c.land_area))}</td></tr>'
        for c in classes
    ]
    return (
        f'<table><thead><tr><th>{_l(lang, "类别", "Class")}</th><th class="num">{_l(lang, "企业数", "Enterprises")}'
        f'</th><th class="num">{_l(lang, "占比", "Share")}</th><th class="num">{_l(lang, "用地（亩）", "Land (mu)")}'
        f"</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _distributions(r: EvaluationResult, lang: str) -> list[str]:
    out = ['<section id="distributions">', f"<h2>{_l(lang, '指标分布', 'Distributions')}</h2>"]
    out.append(
        "<p>"
        + _l(
            lang,
            f"每图为组内企业指标值的分布（{BINS} 档，等宽，自 0 至第 95 百分位，最后一档含更高的值）；虚线为基准。",
            f"Each chart is the distribution of the group's values ({BINS} equal bars from 0 to the 95th "
            "percentile; the last bar holds every higher value); the dashed line is the benchmark.",
        )
        + "</p>"
    )
    for g in r.groups:
        out.append(f'<h3>{esc(g.title.get(lang))}</h3><div class="charts">')
        members = [e for e in r.enterprises if e.group == g.id]
        for b in g.benchmarks:
            values = [i.value for e in members for i in e.indicators if i.id == b.indicator and i.value is not None]
            out.append(_chart(g, b, values, lang))
        out.append("</div>")
    out.append("</section>")
    return out


def _low(r: EvaluationResult, lang: str) -> list[str]:
    low = r.low_efficiency
    if low is None:
        return []
    by_id = {e.id: e for e in r.enterprises}
    out = ['<section id="low-efficiency">', f"<h2>{esc(low.title.get(lang))}</h2>"]
    out.append(
        f"<p>{_l(lang, '标准', 'Criteria')}: {esc('; '.join(c.get(lang) for c in low.criteria))} "
        f"{cite(low.citation, lang)}</p>"
    )
    out.append(
        f"<p><b>{len(low.enterprises)}</b> {_l(lang, '家，涉及用地', 'enterprises, land involved')} "
        f"<b>{esc(num(low.land_area))}</b> {_l(lang, '亩', 'mu')}</p>"
    )
    out.append(
        f"<table><thead><tr><th>{_l(lang, '企业', 'Enterprise')}</th><th>{_l(lang, '镇街', 'Town')}</th>"
        f'<th>{_l(lang, "分组 · 类别", "Group · class")}</th><th class="num">{_l(lang, "得分", "Score")}</th>'
        f'<th class="num">{_l(lang, "用地（亩）", "Land (mu)")}</th><th>{_l(lang, "原因", "Why")}</th>'
        "</tr></thead><tbody>"
    )
    for eid in low.enterprises:
        e = by_id[eid]
        why = "; ".join(x.get(lang) for x in e.low_efficiency_reasons)
        out.append(
            f"<tr><td><code>{esc(e.id)}</code><br>{esc(e.name)}</td><td>{esc(e.town or '—')}</td>"
            f'<td>{esc(e.group or "—")} · {esc(e.class_ or "—")}</td><td class="num">{_n(e.score)}</td>'
            f'<td class="num">{_n(e.land_area)}</td><td>{esc(why)}</td></tr>'
        )
    out.append("</tbody></table>")
    if low.land_unknown:
        out.append(f"<p>{_l(lang, '用地面积未知：', 'Land area unknown: ')}{esc(', '.join(low.land_unknown))}</p>")
    if low.measures:
        out.append("<ul>" + "".join(f"<li>{esc(m.get(lang))}</li>" for m in low.measures) + "</ul>")
    out.append("</section>")
    return out


def _agreements(r: EvaluationResult, lang: str) -> list[str]:
    signed = [e for e in r.enterprises if e.commitments or e.commitment_notes]
    if not signed:
        return []
    out = ['<section id="agreements">', f"<h2>{_l(lang, '监管协议承诺事项', 'Supervision agreements (监管协议)')}</h2>"]
    first = next((c for e in signed for c in e.commitments), None)
    if first is not None:
        out.append(f"<p>{cite(first.citation, lang)}</p>")
    out.append(
        f'<table class="commitments"><thead><tr><th>{_l(lang, "企业", "Enterprise")}</th>'
        f'<th>{_l(lang, "承诺", "Commitment")}</th><th class="num">{_l(lang, "现值", "Now")}</th>'
        f'<th class="num">{_l(lang, "目标", "Target")}</th><th>{_l(lang, "期限", "Due")}</th>'
        f"<th>{_l(lang, '未达到时', 'If missed')}</th></tr></thead><tbody>"
    )
    for e in signed:
        for c in e.commitments:
            out.append(
                f"<tr><td><code>{esc(e.id)}</code><br>{esc(e.name)}</td><td>{esc(c.title.get(lang))}"
                f'{mark(c.citation.status, lang)}</td><td class="num">{_n(c.value, c.unit)}</td>'
                f'<td class="num">≥ {_n(c.floor, c.unit)}</td><td>{esc(c.due.isoformat() if c.due else "—")}<br>'
                f'<span class="muted">{esc(c.due_basis.get(lang))}</span></td><td>{esc(c.on_miss.get(lang))}</td></tr>'
            )
        for n in e.commitment_notes:
            out.append(
                f'<tr><td><code>{esc(e.id)}</code><br>{esc(e.name)}</td><td colspan="5">{esc(n.get(lang))}</td></tr>'
            )
    out.append("</tbody></table></section>")
    return out


def _targets(r: EvaluationResult, lang: str) -> list[str]:
    if not r.targets:
        return []
    out = [
        '<section id="targets">',
        f"<h2>{_l(lang, '下一年度目标（建议）', 'Proposed targets for next year')}</h2><ul>",
    ]
    for t in r.targets:
        out.append(
            f"<li><b>{esc(t.group)} {esc(t.title.get(lang))}: {_n(t.value, t.unit)}</b> — "
            f"{esc(t.arithmetic.get(lang))}{mark(t.citation.status, lang)}</li>"
        )
    out.append("</ul></section>")
    return out


def _movement(r: EvaluationResult, lang: str) -> list[str]:
    mv = r.movement
    if mv is None:
        return []
    out = ['<section id="movement">', f"<h2>{_l(lang, '与上年度比较', 'Movement since last year')}</h2>"]
    out.append(f"<p>{esc(mv.previous)} ({esc(mv.previous_as_of.isoformat())})</p><ul>")
    out.extend(f"<li>{esc(t.from_)} → {esc(t.to)}: {t.count}</li>" for t in mv.transitions if t.from_ != t.to)
    out.append("</ul></section>")
    return out


def _enterprise_row(e: EnterpriseResult, indicators: list[str], lang: str) -> str:
    points = {i.id: i for i in e.indicators}
    cells = "".join(f'<td class="num">{_n(points[i].points) if i in points else ""}</td>' for i in indicators)
    rank = f"{e.rank}/{e.group_size}" if e.rank is not None else "—"
    klass = esc(e.class_ or _l(lang, "未分类", "not classed"))
    if e.capped_by and e.class_by_score != e.class_:
        klass += f' <span class="muted">({esc(e.class_by_score or "")}→)</span>'
    low = "⚑" if e.low_efficiency else ""
    return (
        f"<tr><td><code>{esc(e.id)}</code><br>{esc(e.name)}</td><td>{esc(e.group or '—')}</td>"
        f'<td class="num">{esc(rank)}</td><td>{klass} {low}</td><td class="num">{_n(e.score)}</td>{cells}'
        f'<td class="num">{_n(e.land_area)}</td></tr>'
    )


def _enterprises(r: EvaluationResult, lang: str) -> list[str]:
    indicators: list[str] = []
    titles: dict[str, str] = {}
    for g in r.groups:
        for b in g.benchmarks:
            if b.indicator not in titles:
                indicators.append(b.indicator)
                titles[b.indicator] = b.title.get(lang)
    out = ['<section id="enterprises">', f"<h2>{_l(lang, '企业评价明细', 'Every enterprise')}</h2>"]
    out.append(
        "<p>"
        + _l(
            lang, "⚑ 列入低效用地清单；各指标列为得分。", "⚑ on the low-efficiency list; indicator columns are points."
        )
        + "</p>"
    )
    head = "".join(f'<th class="num">{esc(titles[i])}</th>' for i in indicators)
    out.append(
        f'<table class="enterprises"><thead><tr><th>{_l(lang, "企业", "Enterprise")}</th>'
        f"<th>{_l(lang, '分组', 'Group')}"
        f'</th><th class="num">{_l(lang, "排名", "Rank")}</th><th>{_l(lang, "类别", "Class")}</th>'
        f'<th class="num">{_l(lang, "得分", "Score")}</th>{head}<th class="num">{_l(lang, "用地（亩）", "Land (mu)")}'
        "</th></tr></thead><tbody>"
    )
    ordered = sorted(r.enterprises, key=lambda e: (e.group or "~", e.rank if e.rank is not None else 10**9, e.row))
    out.extend(_enterprise_row(e, indicators, lang) for e in ordered)
    out.append("</tbody></table>")
    if r.errors:
        out.append(f"<h3>{_l(lang, '无法读取的行（未予评价）', 'Rows that could not be read (left out)')}</h3><ul>")
        for err in r.errors:
            where = f"{err.file}:{err.row}" if err.row is not None else err.file
            text = err.message_en if lang == "en" else err.message_zh
            out.append(f"<li><code>{esc(where)}</code> {esc(err.column or '')}: {esc(text)}</li>")
        out.append("</ul>")
    out.append("</section>")
    return out


def render_html(result: EvaluationResult, lang: str = "zh") -> str:
    """The evaluation as one HTML document in ``lang`` (``zh`` or ``en``): inline style and charts, no scripts."""
    r = result
    title = _l(lang, "亩均效益评价", "Per-mu evaluation") + " · " + esc(r.pack_title.get(lang))
    meta = (
        f"{_l(lang, '评价日期', 'As of')} {esc(r.as_of.isoformat())} · {_l(lang, '台账', 'Register')} "
        f"<code>{esc(r.register_file)}</code> · {esc(' → '.join(f'{p.id} {p.version}' for p in r.packs))}"
    )
    incomplete = (
        ""
        if r.complete
        else '<p class="box warn">'
        + _l(
            lang,
            "台账有行无法读取，排名未包括这些行。",
            "Rows of the register could not be read; the ranking leaves them out.",
        )
        + "</p>"
    )
    body = [
        *_head(r, lang),
        *_shares(r, lang),
        *_distributions(r, lang),
        *_targets(r, lang),
        *_low(r, lang),
        *_agreements(r, lang),
        *_movement(r, lang),
        *_enterprises(r, lang),
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{"en" if lang == "en" else "zh-CN"}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title>",
            f"<style>{CSS}{_CSS}</style>",
            "</head>",
            "<body>",
            f'<header class="doc-head"><h1>{title}</h1><p>{meta}</p></header>',
            incomplete,
            "<main>",
            *body,
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
