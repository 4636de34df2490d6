"""Pieces of the HTML report: words in zh and en, numbers, citations and the score chart (inline SVG).

Every text that reaches the page passes through :func:`esc`: project names, applicants and file names are user
input.
"""

from __future__ import annotations

import html

from heshan_vetting.report import Citation, CitationStatus, Comparison, Outcome, Score, Severity, Verdict

__all__ = [
    "OUTCOME_SYMBOL",
    "WORDS",
    "amount",
    "cite",
    "comparison",
    "esc",
    "mark",
    "num",
    "score_chart",
    "severity",
    "verdict_symbol",
    "word",
]

#: Words of the page that are not in the report itself: (zh, en).
WORDS: dict[str, tuple[str, str]] = {
    "title": ("项目准入评审报告", "Project vetting report"),
    "batch": ("批量评审汇总", "Batch summary"),
    "project_id": ("项目编号", "Project id"),
    "applicant": ("申请单位", "Applicant"),
    "industry": ("所属行业", "Industry"),
    "source": ("来源文件", "Source file"),
    "row": ("行", "row"),
    "incomplete": ("结论不完整", "incomplete"),
    "to_supply": ("需补充或核实的材料（补齐后方可评审）", "To supply or confirm before a decision"),
    "to_fix": ("需整改事项（须整改或写入监管协议）", "To fix (or to write into the agreement)"),
    "reasons": ("结论理由", "Reasons"),
    "out_of_scope": ("不属本规则包评审范围", "Outside the rule pack's scope"),
    "score": ("综合评分", "Score"),
    "total": ("总分", "Total"),
    "points": ("分", "pts"),
    "approve_line": ("准入线", "approve"),
    "conditional_line": ("有条件线", "conditional"),
    "not_meaningful": (
        "评分所依据的指标不足，不具参考意义，结论不以评分为据。",
        "Too few indicators have data: the score is not meaningful and the verdict does not rest on it.",
    ),
    "attainable": ("各缺少数据的指标均达目标值时可得", "attainable if every indicator without data reached its target"),
    "no_data": ("缺少数据", "no data"),
    "labels": ("分类与审查层级", "Classifications"),
    "referrals": ("转报（须由其他机关一并决定）", "Referrals (other bodies that must also decide)"),
    "may_refer": ("可能需要转报；缺少以下数据无法判断：", "may be needed; these missing data decide it:"),
    "commitments": ("监管协议承诺事项", "Commitments for the supervision agreement (监管协议)"),
    "figure": ("承诺指标", "Figure"),
    "declared": ("申报值", "Declared"),
    "floor": ("下限", "Floor"),
    "due": ("期限", "Due"),
    "on_miss": ("未达到时", "If missed"),
    "date_open": ("日期待协议约定", "date to be set in the agreement"),
    "findings": ("逐条评审结果", "Findings"),
    "not_applicable": ("不适用的规则", "Rules that do not apply"),
    "outcome": ("结果", "Outcome"),
    "severity": ("级别", "Level"),
    "rule": ("规则", "Rule"),
    "finding": ("评审内容与说明", "Rule and explanation"),
    "basis": ("政策依据", "Source"),
    "unverified_note": (
        "注意：以下判断所依据的数值未经核实（草案、部分核实或本地默认值），请核对出处后再采用：",
        "Note: these findings rest on figures not marked verified; check the sources before relying on them:",
    ),
    "unverified_basis": ("依据数值未核实", "figure not verified"),
    "not_in_force": ("评审日不在有效期内（未适用）", "Not in force on the as-of date"),
    "kind_rule": ("规则", "rule"),
    "kind_threshold": ("阈值", "threshold"),
    "kind_indicator": ("评分指标", "indicator"),
    "kind_label": ("分类", "classification"),
    "kind_referral": ("转报", "referral"),
    "not_configured": ("插件未配置，未参与评审", "Plugin not configured, nothing checked"),
    "missing_fields": ("缺少数据", "Missing data"),
    "notice": ("警告", "Warning"),
    "as_of": ("评审日期", "As of"),
    "packs": ("规则包", "Packs"),
    "engine": ("引擎", "Engine"),
    "plugins": ("插件", "Plugins"),
    "as_of_option": ("指定", "given"),
    "as_of_application_date": ("按申请日期", "the application date"),
    "as_of_today": ("按当天", "today"),
    "not_shipped": ("非内置文件", "not the shipped file"),
    "items": ("项目总数", "Items"),
    "reports": ("已评审", "Vetted"),
    "errors": ("输入有误", "Input errors"),
    "count": ("数量", "Count"),
    "verdict": ("结论", "Verdict"),
    "most_failed": ("未通过最多的规则", "Rules failed most often"),
    "rule_title": ("规则名称", "Title"),
    "incomplete_count": ("结论不完整", "Incomplete"),
    "failed": ("未通过项目数", "Projects failing"),
    "contents": ("目录", "Contents"),
    "problems": ("问题", "Problems"),
    "file": ("文件", "File"),
    "line": ("行", "Line"),
    "column": ("列", "Column"),
    "field": ("字段", "Field"),
    "message": ("说明", "Message"),
    "index": ("输入序号", "Input position"),
}

_SEVERITY = {
    Severity.VETO: ("否决", "veto"),
    Severity.REQUIRED: ("必备", "required"),
    Severity.ADVISORY: ("参考", "advisory"),
}
#: A symbol per outcome, so it reads without colour.
OUTCOME_SYMBOL = {
    Outcome.PASS: "✓",
    Outcome.FAIL: "✗",
    Outcome.NOT_APPLICABLE: "–",
    Outcome.INSUFFICIENT_DATA: "?",
    Outcome.ERROR: "!",
}
_OPS = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", ">": ">", "<": "<"}


def esc(value: object) -> str:
    """``value`` as HTML text, quotes included (safe in element content and attribute values)."""
    return html.escape(str(value), quote=True)


def word(key: str, lang: str) -> str:
    """A word of the page in ``lang`` (escaped)."""
    zh, en = WORDS[key]
    return esc(en if lang == "en" else zh)


def severity(value: Severity, lang: str) -> str:
    """The severity in words (escaped)."""
    zh, en = _SEVERITY[value]
    return esc(en if lang == "en" else zh)


def num(value: float) -> str:
    """A number as people write it: at most two decimals (four significant digits below 1), no trailing zeros."""
    small = value != 0 and abs(value) < 1
    text = f"{value:.4g}" if small else f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def amount(value: float | None, unit: str) -> str:
    """A value with its unit (``—`` when missing), unescaped."""
    if value is None:
        return "—"
    if not unit:
        return num(value)
    return f"{num(value)}{unit}" if unit == "%" else f"{num(value)} {unit}"


def comparison(c: Comparison, lang: str, name: str | None = None) -> str:
    """``✗ needs ≥ threshold unit (name); has actual; short by gap`` as escaped HTML, in ``lang``; ``name`` is the
    threshold's title (default its key)."""
    name = name or c.threshold_name
    symbol = {True: "✓", False: "✗", None: "?"}[c.passed]
    op = _OPS.get(c.op, c.op)
    need, has = amount(c.threshold, c.unit), amount(c.actual, c.unit)
    over = c.op in ("<", "<=")
    if lang == "en":
        text = f"{symbol} needs {op} {need}" + (f" ({name})" if name else "") + f"; has {has}"
        if c.gap is not None and c.passed is False:
            text += f"; {'over' if over else 'short'} by {amount(c.gap, c.unit)}"
    else:
        text = f"{symbol} 需 {op} {need}" + (f"（{name}）" if name else "") + f"，现为 {has}"
        if c.gap is not None and c.passed is False:
            text += f"，{'超出' if over else '差'} {amount(c.gap, c.unit)}"
    return esc(text)


def mark(status: CitationStatus, lang: str) -> str:
    """A visible mark for a figure that is not verified (empty for verified and computed ones)."""
    if status.verified:
        return ""
    return f' <span class="mark st-{esc(status.value)}">⚠ {esc(status.label(lang))}</span>'


def cite(c: Citation | None, lang: str, status: CitationStatus | None = None) -> str:
    """A citation as escaped HTML: title, number, clause, issuer, date, and the status mark.

    ``status`` overrides the citation's own status for the mark (a finding shows its weakest figure's).
    """
    if c is None:
        return '<span class="muted">—</span>'
    title = c.title if c.title.startswith("《") else f"《{c.title}》"
    parts = [f"<b>{esc(title)}</b>"]
    if c.number:
        parts.append(f"（{esc(c.number)}）")
    if c.clause:
        parts.append(f"<br>{esc(c.clause)}")
    meta = [x for x in (c.issuer, c.date.isoformat() if c.date else None, c.jurisdiction) if x]
    if meta:
        parts.append(f'<br><span class="muted">{esc(" · ".join(meta))}</span>')
    parts.append(mark(status if status is not None else c.status, lang))
    return f'<span class="cite">{"".join(parts)}</span>'


# The chart's geometry, in SVG user units (the viewBox; the SVG scales to the page width).
_W = 720
_BAR_X = 0
_BAR_W = 520
_ROW = 48
_TOP = 40


def score_chart(s: Score, lang: str) -> str:
    """The score as a horizontal bar chart: the total against the approve and conditional lines, then one bar
    per indicator (points out of its weight), with value and unit; readable without colour."""
    en = lang == "en"
    pts = WORDS["points"][1 if en else 0]
    shown = [i for i in s.indicators if i.outcome is not Outcome.NOT_APPLICABLE]
    scale = _BAR_W / max([s.maximum, *(i.weight for i in shown), 1.0])
    height = _TOP + _ROW * (len(shown) + 1) + 8
    colon = ": " if en else "："
    total_label = f"{WORDS['total'][1 if en else 0]}{colon}{num(s.total)} / {num(s.maximum)} {pts}"
    out = [
        f'<svg viewBox="0 0 {_W} {height}" role="img" aria-label="{esc(total_label)}">',
        f"<title>{esc(total_label)}</title>",
    ]
    y = _TOP
    out.append(f'<g><title>{esc(total_label)}</title><text x="{_BAR_X}" y="{y - 6}">{esc(total_label)}</text>')
    out.append(_bar(y, s.maximum * scale, s.total * scale, "total"))
    out.append(f'<text x="{_BAR_X + _BAR_W + 10}" y="{y + 13}">{esc(num(s.total))} {esc(pts)}</text></g>')
    for key, line in (("conditional_line", s.conditional_min), ("approve_line", s.approve_min)):
        if line is None:
            continue
        x = _BAR_X + line * scale
        name = f"{WORDS[key][1 if en else 0]} {num(line)}"
        end = key == "conditional_line"  # the conditional line's name left of it, the approve line's right
        out.append(
            f'<g><title>{esc(name)}</title><line class="line" x1="{x:.1f}" y1="{y - 4}" x2="{x:.1f}" '
            f'y2="{y + 20}"/><text class="small" x="{x - 4 if end else x + 4:.1f}" y="{y - 20}" '
            f'text-anchor="{"end" if end else "start"}">{esc(name)}</text></g>'
        )
    for ind in shown:
        y += _ROW
        title = ind.title.get(lang)
        if ind.outcome is Outcome.INSUFFICIENT_DATA:
            missing = ", ".join(ind.missing)
            value = f"{WORDS['no_data'][1 if en else 0]}" + (f"（{missing}）" if missing and not en else "")
            if en and missing:
                value += f" ({missing})"
        else:
            value = amount(ind.value, ind.unit)
        label = f"{title}{colon}{value}"
        score = f"{num(ind.points)} / {num(ind.weight)} {pts}"
        kind = "none" if ind.outcome is Outcome.INSUFFICIENT_DATA else ""
        out.append(f'<g><title>{esc(label)} → {esc(score)}</title><text x="{_BAR_X}" y="{y - 6}">{esc(label)}</text>')
        out.append(_bar(y, ind.weight * scale, ind.points * scale, kind))
        out.append(f'<text x="{_BAR_X + _BAR_W + 10}" y="{y + 13}">{esc(score)}</text></g>')
    out.append("</svg>")
    return "\n".join(out)


def _bar(y: int, track: float, fill: float, kind: str) -> str:
    track_class = "track none" if kind == "none" else "track"
    rect = f'<rect class="{track_class}" x="{_BAR_X}" y="{y}" width="{track:.1f}" height="16"/>'
    if fill > 0:
        fill_class = "fill total" if kind == "total" else "fill"
        rect += f'<rect class="{fill_class}" x="{_BAR_X}" y="{y}" width="{min(fill, track):.1f}" height="16"/>'
    return rect


def verdict_symbol(verdict: Verdict) -> str:
    """A symbol for the verdict, shown before its words."""
    return {Verdict.APPROVE: "✓", Verdict.CONDITIONAL: "!", Verdict.DEFERRED: "?", Verdict.REJECT: "✗"}[verdict]
