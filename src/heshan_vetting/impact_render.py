"""The ``diff`` report as text (at most 100 columns) or as one self-contained HTML page, in Chinese or English.

Both say the same, in this order: the two sides, the decisions that flip (each with the rules whose outcome or
severity changed and the thresholds responsible, old → new in their units), the counts per rule, the score
shifts, the pack-to-pack diff, the items that could not be read. The HTML page reuses the report's style sheet
(A4 printing, no script, nothing fetched) and escapes every text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from heshan_vetting.builtins.render.html_parts import amount, esc, verdict_symbol
from heshan_vetting.builtins.render.html_style import CSS
from heshan_vetting.builtins.render.layout import display_width, hang
from heshan_vetting.impact_report import ImpactReport, ProjectChange, RuleShift
from heshan_vetting.packdiff import FieldChange, PackDiff, PackSide
from heshan_vetting.report import Outcome, Severity, Verdict
from heshan_vetting.results import ItemError

__all__ = ["WIDTH", "impact_html", "impact_text"]

WIDTH = 100
"""The widest line of the text report."""

#: The words of the report: (zh, en).
_W: dict[str, tuple[str, str]] = {
    "title": ("规则包变更影响分析", "Impact of a pack change"),
    "old": ("原规则包", "Old pack"),
    "new": ("新规则包", "New pack"),
    "as_of": ("评审日期", "as of"),
    "as_of_default": ("各项目申请日期（无则当天）", "each project's application date, else today"),
    "portfolio": ("项目组合", "Portfolio"),
    "items": ("项", "items"),
    "vetted": ("已评审", "vetted"),
    "errors": ("输入有误", "input errors"),
    "flips": ("结论变化的项目", "Decisions that flip"),
    "no_flips": ("没有项目的结论发生变化。", "No decision flips."),
    "unchanged": ("结论不变", "unchanged"),
    "unchanged_list": ("结论不变的项目", "Projects whose decision does not change"),
    "rules": ("结果变化的规则（项目数）", "Rules whose outcome changes (projects)"),
    "rule": ("规则", "rule"),
    "rule_title": ("规则名称", "Title"),
    "newly_fails": ("新增不符合", "newly fail"),
    "newly_passes": ("新增符合", "newly pass"),
    "other": ("其他变化", "other"),
    "no_rules": ("没有规则的结果发生变化。", "No rule's outcome changes."),
    "scores": ("评分变化", "Score shifts"),
    "scored": ("两侧均有评分的项目", "projects scored on both sides:"),
    "changed": ("评分变化", "changed"),
    "up": ("上升", "up"),
    "down": ("下降", "down"),
    "delta": ("变化量", "change"),
    "min": ("最小", "min"),
    "median": ("中位数", "median"),
    "mean": ("平均", "mean"),
    "max": ("最大", "max"),
    "score": ("评分", "score"),
    "not_meaningful": ("评分不具参考意义", "score not meaningful"),
    "pack_diff": ("规则包差异", "Pack-to-pack diff"),
    "same_packs": ("两个规则包的定义相同。", "The two packs define the same things."),
    "thresholds": ("阈值", "Thresholds"),
    "tables": ("查找表", "Tables"),
    "sets": ("集合", "Sets"),
    "sections": ("其他部分", "Other sections"),
    "rules_section": ("规则", "Rules"),
    "in_force": ("现行规则对比", "In force"),
    "entering": ("开始生效的规则", "rules coming into force"),
    "leaving": ("失效的规则", "rules leaving force"),
    "from": ("自", "from"),
    "open": ("起始", "the start"),
    "project_value": ("项目值", "project"),
    "input_errors": ("输入有误、未比较的项目", "Items not compared (input errors)"),
    "notices": ("警告", "Warnings"),
    "incomplete": ("结论不完整", "incomplete"),
    "added": ("新增", "added"),
    "removed": ("删除", "removed"),
    "changed_el": ("修改", "changed"),
    "score_lines": ("评分线", "score lines"),
    "verdicts": ("结论变化", "Verdict change"),
    "count": ("项目数", "Projects"),
}
_MARK = {"added": "+", "removed": "−", "changed": "~"}
_OUTCOME = {
    Outcome.PASS: ("符合", "pass"),
    Outcome.FAIL: ("不符合", "fail"),
    Outcome.NOT_APPLICABLE: ("不适用", "n/a"),
    Outcome.INSUFFICIENT_DATA: ("数据不足", "no data"),
    Outcome.ERROR: ("错误", "error"),
}
_SEVERITY = {
    Severity.VETO: ("否决", "veto"),
    Severity.REQUIRED: ("必备", "required"),
    Severity.ADVISORY: ("参考", "advisory"),
}
_SHORT = {
    Verdict.APPROVE: ("准予准入", "approve"),
    Verdict.CONDITIONAL: ("有条件准入", "conditional"),
    Verdict.DEFERRED: ("暂缓评审", "deferred"),
    Verdict.REJECT: ("不予准入", "reject"),
}


def _w(key: str, lang: str) -> str:
    zh, en = _W[key]
    return en if lang == "en" else zh


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _colon(lang: str) -> str:
    return ": " if lang == "en" else "："


def _semi(lang: str) -> str:
    return "; " if lang == "en" else "；"


def _paren(text: str, lang: str) -> str:
    return f" ({text})" if lang == "en" else f"（{text}）"


def _verdict(v: Verdict, lang: str) -> str:
    return f"{verdict_symbol(v)} {_pick(_SHORT[v], lang)}"


def _outcome(o: Outcome | None, lang: str) -> str:
    return "—" if o is None else _pick(_OUTCOME[o], lang)


def _severity(s: Severity | None, lang: str) -> str:
    return "—" if s is None else _pick(_SEVERITY[s], lang)


def _value(v: object, unit: str = "") -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return amount(v, unit)
    return str(v)


def _field(c: FieldChange, lang: str, unit: str = "") -> str:
    return f"{c.field}{_colon(lang)}{_value(c.old, unit)} → {_value(c.new, unit)}"


def _side(s: PackSide, lang: str) -> str:
    chain = " ← ".join(f"{p.id}@{p.version}" for p in reversed(s.packs))
    day = s.as_of.isoformat() if s.as_of else _w("as_of_default", lang)
    return f"{s.pack}{_paren(chain, lang)} · {_w('as_of', lang)}{' ' if lang == 'en' else '：'}{day}"


def _where(p: ProjectChange) -> str:
    k = p.project
    if k.source is None:
        return ""
    return f"{k.source}:{k.line}" if k.line is not None else k.source


def _rule_line(r: RuleShift, lang: str) -> tuple[str, list[str]]:
    """A rule's change in one line, and one line per threshold responsible."""
    sev = _severity(r.new_severity, lang)
    if r.old_severity is not r.new_severity:
        sev = f"{_severity(r.old_severity, lang)} → {_severity(r.new_severity, lang)}"
    head = (
        f"{r.rule_id} {r.title.get(lang)}{_colon(lang)}{_outcome(r.old_outcome, lang)}{_waiver(r.old_waiver, lang)} → "
        f"{_outcome(r.new_outcome, lang)}{_waiver(r.new_waiver, lang)}{_paren(sev, lang)}"
    )
    lines = []
    for t in r.thresholds:
        text = f"{t.name} {t.title.get(lang)}{_colon(lang)}{amount(t.old, t.unit)} → {amount(t.new, t.unit)}"
        if t.actual is not None:
            text += f"{_semi(lang)}{_w('project_value', lang)} {amount(t.actual, t.unit)}"
        lines.append(text)
    return head, lines


def _waiver(status: str | None, lang: str) -> str:
    """`` [waived]`` after a failed rule a waiver lifts (``[claimed]``: an exception ground awaiting review)."""
    if status is None:
        return ""
    words = {"applied": ("已豁免", "waived"), "claimed": ("申请豁免", "waiver claimed")}.get(status, (status, status))
    return f" [{_pick(words, lang)}]"


def _score(p: ProjectChange, lang: str) -> str | None:
    if p.old_score is None and p.new_score is None:
        return None
    text = f"{_w('score', lang)}{_colon(lang)}{_value(p.old_score)} → {_value(p.new_score)}"
    if not p.score_meaningful:
        text += _paren(_w("not_meaningful", lang), lang)
    return text


def _pack_diff_lines(d: PackDiff, lang: str) -> list[tuple[int, str]]:
    """The pack diff as (indent level, text) lines, shared by the text and HTML reports."""
    out: list[tuple[int, str]] = []
    if d.rules:
        out.append((0, _w("rules_section", lang)))
        for r in d.rules:
            out.append((1, f"{_MARK[r.change]} {r.id} {r.title.get(lang)} [{r.pack_id}]"))
            out.extend((2, _field(c, lang)) for c in (*r.fields, *r.citation))
    if d.thresholds:
        out.append((0, _w("thresholds", lang)))
        for t in d.thresholds:
            out.append((1, f"{_MARK[t.change]} {t.name} {t.title.get(lang)}"))  # values carry the unit
            out.extend((2, _field(c, lang)) for c in t.fields)
            for v in t.values:
                start = v.effective_from.isoformat() if v.effective_from else _w("open", lang)
                until = f" ~ {v.effective_until}" if v.effective_until else ""
                ended = f" ({v.old_until} → {v.effective_until or '…'})" if v.old_until else ""
                out.append(
                    (
                        2,
                        f"{_w('from', lang)} {start}{until}{_colon(lang)}{amount(v.old, v.unit)} → "
                        f"{amount(v.new, v.unit)}{ended}",
                    )
                )
                out.extend((3, _field(c, lang)) for c in v.citation)
    if d.tables:
        out.append((0, _w("tables", lang)))
        for tb in d.tables:
            out.append((1, f"{_MARK[tb.change]} {tb.name}"))
            out.extend((2, _field(c, lang, tb.unit if c.field != "unit" else "")) for c in tb.rows)
            out.extend((2, _field(c, lang)) for c in tb.citation)
    if d.sets:
        out.append((0, _w("sets", lang)))
        for s in d.sets:
            parts = [f"+ {', '.join(s.added)}" if s.added else "", f"− {', '.join(s.removed)}" if s.removed else ""]
            members = "; ".join(p for p in parts if p)
            out.append((1, f"{_MARK[s.change]} {s.name}" + (f"{_colon(lang)}{members}" if members else "")))
            out.extend((2, _field(c, lang)) for c in s.fields)
    if d.sections:
        out.append((0, _w("sections", lang)))
        for e in d.sections:
            out.append((1, f"{_MARK[e.change]} {e.section} {e.id}"))
            out.extend((2, _field(c, lang)) for c in e.fields)
    f = d.in_force
    if f is not None and (f.rules_entering or f.rules_leaving or f.thresholds):
        out.append((0, f"{_w('in_force', lang)}{_colon(lang)}{f.old_as_of} → {f.new_as_of}"))
        if f.rules_entering:
            out.append((1, f"{_w('entering', lang)}{_colon(lang)}{', '.join(f.rules_entering)}"))
        if f.rules_leaving:
            out.append((1, f"{_w('leaving', lang)}{_colon(lang)}{', '.join(f.rules_leaving)}"))
        out.extend((1, _field(c, lang, f.units.get(c.field, ""))) for c in f.thresholds)
    return out


def _score_lines(r: ImpactReport, lang: str) -> list[str]:
    s = r.scores
    c = _colon(lang)
    comma = ", " if lang == "en" else "，"
    out = [
        f"{_w('scored', lang)} {s.scored}{_semi(lang)}{_w('changed', lang)} {s.changed}"
        + _paren(f"{_w('up', lang)} {s.up}{comma}{_w('down', lang)} {s.down}", lang)
    ]
    if s.changed:
        out.append(
            f"{_w('delta', lang)}{c}{_w('min', lang)} {_value(s.delta_min)}{comma}{_w('median', lang)} "
            f"{_value(s.delta_median)}{comma}{_w('mean', lang)} {_value(s.delta_mean)}{comma}{_w('max', lang)} "
            f"{_value(s.delta_max)}"
        )
        out.append(
            f"{_w('mean', lang)}{c}{_value(s.old_mean)} → {_value(s.new_mean)}{_semi(lang)}{_w('median', lang)}{c}"
            f"{_value(s.old_median)} → {_value(s.new_median)}"
        )
    return out


def _error_lines(e: ItemError, lang: str) -> list[str]:
    where = e.source or (f"#{e.index}" if e.index is not None else "-")
    if e.line is not None:
        where += f":{e.line}"
    return [f"{where}{_colon(lang)}{p.format(lang)}" for p in e.errors]


# ------------------------------------------------------------------------------------------------------------ text


def impact_text(r: ImpactReport, lang: str = "zh") -> str:
    """The report as text (at most :data:`WIDTH` columns), in ``lang``."""
    out: list[str] = []

    def add(text: str, first: str = "", rest: str | None = None) -> None:
        out.extend(hang(text, WIDTH, first, rest))

    c = _colon(lang)
    s = r.summary
    add(_w("title", lang))
    add(_side(r.pack_diff.old, lang), f"{_w('old', lang)}{c}")
    add(_side(r.pack_diff.new, lang), f"{_w('new', lang)}{c}")
    comma = ", " if lang == "en" else "，"
    add(
        f"{s.items} {_w('items', lang)}{comma}{_w('vetted', lang)} {s.projects}{comma}{_w('errors', lang)} {s.errors}",
        f"{_w('portfolio', lang)}{c}",
    )
    out.append("")
    add(f"{_w('flips', lang)}{c}{s.flipped}" + _paren(f"{_w('unchanged', lang)} {s.unchanged}", lang))
    for t in s.transitions:
        add(f"{_verdict(t.old, lang)} → {_verdict(t.new, lang)}{c}{t.count}", "  ")
    if not r.flips:
        add(_w("no_flips", lang), "  ")

    def project(n: int, p: ProjectChange) -> None:
        out.append("")
        add(f"{p.project.id} {p.project.name}  {_where(p)}".rstrip(), f"{n}. ")
        flags = f" ({_w('incomplete', lang)})" if p.new_incomplete else ""
        add(f"{_verdict(p.old_verdict, lang)} → {_verdict(p.new_verdict, lang)}{flags}", "   ")
        for rule in p.rules:
            head, lines = _rule_line(rule, lang)
            add(head, "   · ", "     ")
            for line in lines:
                add(line, "       ", "         ")
        for ind in p.indicators:
            add(
                f"{ind.id} {ind.title.get(lang)}{c}{_value(ind.old_points)} → {_value(ind.new_points)}"
                f" ({amount(ind.value, ind.unit)})",
                "   · ",
                "     ",
            )
        for moved in p.score_lines:
            add(_field(moved, lang), "   · ", "     ")
        score = _score(p, lang)
        if score is not None:
            add(score, "   · ", "     ")

    for n, p in enumerate(r.flips, 1):
        project(n, p)
    if r.unchanged:
        out.append("")
        add(f"{_w('unchanged_list', lang)}{c}{len(r.unchanged)}")
        for n, p in enumerate(r.unchanged, 1):
            project(n, p)
    out.append("")
    add(_w("rules", lang) + c)
    if r.rules:
        heads = (_w("newly_fails", lang), _w("newly_passes", lang), _w("other", lang))
        widths = [display_width(h) for h in heads]
        add("  ".join(heads) + f"  {_w('rule', lang)}", "  ")
        for rc in r.rules:
            counts = (rc.newly_fails, rc.newly_passes, rc.other_changes)
            cells = "  ".join(" " * (w - len(str(x))) + str(x) for w, x in zip(widths, counts, strict=True))
            add(f"{rc.rule_id} {rc.title.get(lang)}", f"  {cells}  ")
    else:
        add(_w("no_rules", lang), "  ")
    out.append("")
    add(_w("scores", lang) + c)
    for line in _score_lines(r, lang):
        add(line, "  ")
    out.append("")
    add(_w("pack_diff", lang) + c)
    lines = _pack_diff_lines(r.pack_diff, lang)
    for level, text in lines:
        add(text, "  " * (level + 1))
    if not lines:
        add(_w("same_packs", lang), "  ")
    if r.errors:
        out.append("")
        add(f"{_w('input_errors', lang)}{c}{len(r.errors)}")
        for e in r.errors:
            for line in _error_lines(e, lang):
                add(line, "  ! ", "    ")
    if r.notices:
        out.append("")
        add(_w("notices", lang) + c)
        for notice in r.notices:
            add(notice.message.get(lang), "  ⚠ ", "    ")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------------------ HTML

_EXTRA_CSS = """
.flip { border: 1px solid var(--rule); padding: .4rem .8rem; margin: .5rem 0; break-inside: avoid; }
.flip h3 { border: 0; margin: .1rem 0 .2rem; }
.diff li.l1 { margin-left: 1.2rem; } .diff li.l2 { margin-left: 2.4rem; } .diff li.l3 { margin-left: 3.6rem; }
.diff { list-style: none; padding-left: 0; }
.diff li.l0 { font-weight: 700; margin-top: .5rem; }
"""


def _list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _html_project(p: ProjectChange, lang: str) -> str:
    out = [
        f'<div class="flip v-{esc(p.new_verdict.value)}">',
        f'<h3>{esc(p.project.name)} <span class="id">{esc(p.project.id)}</span></h3>',
    ]
    if _where(p):
        out.append(f'<p class="muted">{esc(_where(p))}</p>')
    out.append(f"<p><b>{esc(_verdict(p.old_verdict, lang))} → {esc(_verdict(p.new_verdict, lang))}</b></p>")
    items = []
    for rule in p.rules:
        head, lines = _rule_line(rule, lang)
        items.append(esc(head) + (_list(esc(x) for x in lines) if lines else ""))
    items += [
        esc(f"{i.id} {i.title.get(lang)}{_colon(lang)}{_value(i.old_points)} → {_value(i.new_points)}")
        for i in p.indicators
    ]
    items += [esc(_field(line, lang)) for line in p.score_lines]
    score = _score(p, lang)
    if score is not None:
        items.append(esc(score))
    out.append(_list(items))
    out.append("</div>")
    return "\n".join(out)


_NUM = ' class="num"'


def _table(heads: Iterable[str], rows: Iterable[Iterable[str]], numeric: Callable[[int], bool]) -> str:
    head = "".join(f"<th{_NUM if numeric(i) else ''}>{esc(h)}</th>" for i, h in enumerate(heads))
    body = "".join(
        "<tr>" + "".join(f"<td{_NUM if numeric(i) else ''}>{esc(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def impact_html(r: ImpactReport, lang: str = "zh") -> str:
    """The report as one self-contained HTML page (inline style, no script, nothing fetched), in ``lang``."""
    c = _colon(lang)
    comma = ", " if lang == "en" else "，"
    s = r.summary
    title = esc(_w("title", lang))
    body = [
        '<section id="summary">',
        f"<p><b>{esc(_w('old', lang))}</b>{esc(c)}{esc(_side(r.pack_diff.old, lang))}<br>",
        f"<b>{esc(_w('new', lang))}</b>{esc(c)}{esc(_side(r.pack_diff.new, lang))}<br>",
        f"<b>{esc(_w('portfolio', lang))}</b>{esc(c)}{s.items} {esc(_w('items', lang))}{comma}"
        f"{esc(_w('vetted', lang))} {s.projects}{comma}{esc(_w('errors', lang))} {s.errors}</p>",
    ]
    for notice in r.notices:
        body.append(f'<p class="box warn">⚠ {esc(notice.message.get(lang))}</p>')
    unchanged = _paren(f"{_w('unchanged', lang)} {s.unchanged}", lang)
    body.append(f"<h2>{esc(_w('flips', lang))}{esc(c)}{s.flipped}{esc(unchanged)}</h2>")
    if s.transitions:
        rows = [(f"{_verdict(t.old, lang)} → {_verdict(t.new, lang)}", str(t.count)) for t in s.transitions]
        body.append(_table((_w("verdicts", lang), _w("count", lang)), rows, lambda i: i == 1))
    else:
        body.append(f"<p>{esc(_w('no_flips', lang))}</p>")
    body.extend(_html_project(p, lang) for p in r.flips)
    if r.unchanged:
        body.append(f"<h2>{esc(_w('unchanged_list', lang))}{esc(c)}{len(r.unchanged)}</h2>")
        body.extend(_html_project(p, lang) for p in r.unchanged)
    body.append(f"<h2>{esc(_w('rules', lang))}</h2>")
    if r.rules:
        heads = tuple(_w(k, lang) for k in ("rule", "rule_title", "newly_fails", "newly_passes", "other"))
        rows2 = [
            (x.rule_id, x.title.get(lang), str(x.newly_fails), str(x.newly_passes), str(x.other_changes))
            for x in r.rules
        ]
        body.append(_table(heads, rows2, lambda i: i >= 2))
    else:
        body.append(f"<p>{esc(_w('no_rules', lang))}</p>")
    body.append(f"<h2>{esc(_w('scores', lang))}</h2>")
    body.append(_list(esc(x) for x in _score_lines(r, lang)))
    body.append(f"<h2>{esc(_w('pack_diff', lang))}</h2>")
    lines = _pack_diff_lines(r.pack_diff, lang)
    if lines:
        body.append('<ul class="diff">' + "".join(f'<li class="l{lv}">{esc(t)}</li>' for lv, t in lines) + "</ul>")
    else:
        body.append(f"<p>{esc(_w('same_packs', lang))}</p>")
    if r.errors:
        body.append(f"<h2>{esc(_w('input_errors', lang))}{esc(c)}{len(r.errors)}</h2>")
        body.append(_list(esc(line) for e in r.errors for line in _error_lines(e, lang)))
    body.append("</section>")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{"en" if lang == "en" else "zh-CN"}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title>",
            f"<style>{CSS}{_EXTRA_CSS}</style>",
            "</head>",
            "<body>",
            f'<header class="doc-head"><h1>{title}</h1></header>',
            "<main>",
            *body,
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
