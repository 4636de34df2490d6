"""The HTML renderer: one self-contained page per run (a project or a batch), laid out for A4 printing.

No network: the style sheet is inline, the score chart is inline SVG, there is no script and no font or image
is fetched. The page is deterministic (no clock, no random ids), in Chinese (``lang="zh-CN"``) or English.
"""

from __future__ import annotations

from heshan_vetting.builtins.render.glossary import Glossary
from heshan_vetting.builtins.render.html_parts import (
    OUTCOME_SYMBOL,
    amount,
    cite,
    comparison,
    esc,
    mark,
    score_chart,
    severity,
    verdict_symbol,
    word,
)
from heshan_vetting.builtins.render.html_style import CSS
from heshan_vetting.builtins.render.words import WAIVER_STATUS_TEXT, say
from heshan_vetting.report import CitationStatus, Commitment, Finding, Outcome, Report, Severity, Verdict
from heshan_vetting.results import ItemError, ReportSet, Summary

__all__ = ["render_html"]

_ORDER = {Outcome.FAIL: 0, Outcome.ERROR: 1, Outcome.INSUFFICIENT_DATA: 2, Outcome.PASS: 3, Outcome.NOT_APPLICABLE: 4}
_SEV_ORDER = {Severity.VETO: 0, Severity.REQUIRED: 1, Severity.ADVISORY: 2}


def render_html(reports: ReportSet, lang: str = "zh") -> str:
    """The reports (and item errors) as one HTML document; a batch of several items opens with its summary."""
    en = lang == "en"
    items = reports.items
    if len(items) == 1 and isinstance(items[0], Report):
        head_title = f"{word('title', lang)} · {esc(items[0].project.name)}"
    else:
        head_title = word("title", lang) + _paren(str(len(items)), lang)
    body: list[str] = []
    if len(items) > 1:
        body.append(_summary(reports, lang))
    for n, item in enumerate(items, 1):
        body.append(_error(item, n, lang) if isinstance(item, ItemError) else _report(item, n, lang))
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{"en" if en else "zh-CN"}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{head_title}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            f'<header class="doc-head"><h1>{head_title}</h1></header>',
            "<main>",
            *body,
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _summary(reports: ReportSet, lang: str) -> str:
    s: Summary = reports.summary
    out = ['<section class="summary" id="summary">', f"<h2>{word('batch', lang)}</h2>"]
    rows = [(word("items", lang), s.items), (word("reports", lang), s.reports)]
    rows += [(f"{verdict_symbol(v)} {esc(v.label(lang))}", getattr(s.verdicts, v.value)) for v in Verdict]
    rows += [(word("errors", lang), s.errors), (word("incomplete_count", lang), s.incomplete)]
    out.append(f'<table><thead><tr><th>{word("verdict", lang)}</th><th class="num">{word("count", lang)}</th></tr>')
    out.append("</thead><tbody>")
    out.extend(f'<tr><td>{name}</td><td class="num">{count}</td></tr>' for name, count in rows)
    out.append("</tbody></table>")
    if s.most_failed:
        out.append(f"<h3>{word('most_failed', lang)}</h3>")
        out.append(
            f"<table><thead><tr><th>{word('rule', lang)}</th><th>{word('rule_title', lang)}</th>"
            f'<th class="num">{word("failed", lang)}</th></tr></thead><tbody>'
        )
        out.extend(
            f'<tr><td class="id">{esc(r.rule_id)}</td><td>{esc(r.title.get(lang))}</td><td class="num">{r.failed}</td>'
            "</tr>"
            for r in s.most_failed
        )
        out.append("</tbody></table>")
    out.append(f"<h3>{word('contents', lang)}</h3><ol>")
    for n, item in enumerate(reports.items, 1):
        if isinstance(item, ItemError):
            where = _where(item.source, item.line, lang) or (item.project_id or "")
            out.append(f'<li><a href="#item-{n}">{esc(item.verdict_text.get(lang))}</a> · {esc(where)}</li>')
        else:
            p = item.project
            out.append(
                f'<li><a href="#item-{n}">{esc(p.name)}</a> <span class="id">{esc(p.id)}</span> · '
                f"{verdict_symbol(item.verdict)} {esc(item.verdict_text.get(lang))}</li>"
            )
    out.append("</ol></section>")
    return "\n".join(out)


def _colon(lang: str) -> str:
    return ": " if lang == "en" else "："


def _paren(text: str, lang: str) -> str:
    """`` (text)`` in English, ``（text）`` in Chinese; ``text`` is already escaped."""
    return f" ({text})" if lang == "en" else f"（{text}）"


def _where(source: str | None, line: int | None, lang: str) -> str:
    if source is None:
        return ""
    if line is None:
        return source
    return f"{source}:{line}" if lang == "en" else f"{source} 第 {line} 行"


def _error(item: ItemError, n: int, lang: str) -> str:
    text = item.verdict_text.get(lang)
    out = [
        f'<section class="item v-error" id="item-{n}">',
        '<div class="banner">',
        f'<p class="verdict">! {esc(text)}</p>',
        "<dl>",
    ]
    if item.project_id:
        out.append(f'<dt>{word("project_id", lang)}</dt><dd class="id">{esc(item.project_id)}</dd>')
    if item.source:
        out.append(f"<dt>{word('source', lang)}</dt><dd>{esc(_where(item.source, item.line, lang))}</dd>")
    if item.index is not None:
        out.append(f"<dt>{word('index', lang)}</dt><dd>{item.index}</dd>")
    out.append("</dl></div>")
    out.append(f"<h3>{word('problems', lang)}{_paren(str(len(item.errors)), lang)}</h3>")
    heads = ("file", "line", "column", "field", "message")
    out.append("<table><thead><tr>" + "".join(f"<th>{word(h, lang)}</th>" for h in heads) + "</tr></thead><tbody>")
    for p in item.errors:
        cells = (p.file, p.line, p.column, p.field)
        out.append(
            "<tr>"
            + "".join(f"<td>{'—' if c is None else esc(c)}</td>" for c in cells)
            + f"<td>{esc(p.message.get(lang))}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "\n".join(out)


def _report(rep: Report, n: int, lang: str) -> str:
    p = rep.project
    flag = f'<span class="flag">{word("incomplete", lang)}</span>' if rep.incomplete else ""
    out = [
        f'<section class="item v-{rep.verdict.value}" id="item-{n}">',
        '<div class="banner">',
        f'<p class="verdict">{verdict_symbol(rep.verdict)} {esc(rep.verdict_text.get(lang))}{flag}</p>',
        f'<h2 class="name">{esc(p.name)}</h2>',
        "<dl>",
        f'<dt>{word("project_id", lang)}</dt><dd class="id">{esc(p.id)}</dd>',
    ]
    if p.applicant:
        out.append(f"<dt>{word('applicant', lang)}</dt><dd>{esc(p.applicant)}</dd>")
    if p.industry_code or p.industry_name:
        industry = " ".join(x for x in (p.industry_code, p.industry_name) if x)
        out.append(f"<dt>{word('industry', lang)}</dt><dd>{esc(industry)}</dd>")
    if p.source:
        out.append(f"<dt>{word('source', lang)}</dt><dd>{esc(_where(p.source, p.line, lang))}</dd>")
    out.append("</dl></div>")
    for notice in rep.notices:
        out.append(
            f'<p class="box warn"><b>⚠ {word("notice", lang)}{_colon(lang)}</b>{esc(notice.message.get(lang))}</p>'
        )
    if rep.out_of_scope is not None:
        out.append(
            f'<div class="box warn"><h3>{word("out_of_scope", lang)}</h3><p>{esc(rep.out_of_scope.get(lang))}</p></div>'
        )
    if rep.to_supply:
        out.append(f'<div class="box warn"><h3>{word("to_supply", lang)}</h3><ul>')
        for item in rep.to_supply:
            out.append(
                f"<li><b>{esc(item.title.get(lang))}</b> <code>{esc(item.field)}</code>{_colon(lang)}"
                f"{esc(item.why.get(lang))}</li>"
            )
        out.append("</ul></div>")
    out.extend(_to_fix(rep, lang))
    if rep.reasons:
        out.append(f"<h3>{word('reasons', lang)}</h3><ul>")
        out.extend(f"<li>{esc(r.get(lang))}</li>" for r in rep.reasons)
        out.append("</ul>")
    if rep.score is not None:
        s = rep.score
        out.append(f'<h3>{word("score", lang)}</h3><figure class="chart">{score_chart(s, lang)}</figure>')
        if not s.meaningful:
            out.append(f'<p class="box warn">⚠ {word("not_meaningful", lang)}</p>')
        if s.attainable is not None:
            out.append(f'<p class="muted">{word("attainable", lang)}{_colon(lang)}{esc(amount(s.attainable, ""))}</p>')
    out.extend(_labels(rep, lang))
    out.extend(_referrals(rep, lang))
    out.extend(_waivers(rep, lang))
    out.extend(_commitments(rep.commitments, lang))
    out.extend(_findings(rep, lang))
    out.extend(_footnotes(rep, lang))
    out.append(_provenance(rep, lang))
    out.append("</section>")
    return "\n".join(out)


def _to_fix(rep: Report, lang: str) -> list[str]:
    by_id = {f.rule_id: f for f in rep.findings}
    ids = list(rep.conditions)
    ids += sorted(
        f.rule_id
        for f in rep.findings
        if f.severity is Severity.REQUIRED and f.outcome is Outcome.FAIL and f.rule_id not in rep.conditions
    )
    if not ids:
        return []
    out = [f'<div class="box warn"><h3>{word("to_fix", lang)}</h3><ul>']
    glossary = Glossary(rep)
    for rule_id in ids:
        f = by_id.get(rule_id)
        if f is None:
            out.append(f'<li><span class="id">{esc(rule_id)}</span></li>')
        else:
            out.append(
                f'<li><span class="id">{esc(rule_id)}</span> <b>{esc(f.title.get(lang))}</b>{_colon(lang)}'
                f"{esc(glossary.words(f.explanation.get(lang), lang))}</li>"
            )
    out.append("</ul></div>")
    return out


def _labels(rep: Report, lang: str) -> list[str]:
    shown = [label for label in rep.labels if label.outcome != "none"]
    if not shown:
        return []
    out = [f"<h3>{word('labels', lang)}</h3><ul>"]
    for label in shown:
        if label.value is not None:
            reading = esc(label.value.get(lang))
        else:
            reading = f"{word('no_data', lang)}{_colon(lang)}<code>{esc(', '.join(label.missing))}</code>"
        out.append(
            f"<li><b>{esc(label.title.get(lang))}</b>{_colon(lang)}{reading}{mark(label.figure_status, lang)}</li>"
        )
    out.append("</ul>")
    return out


def _referrals(rep: Report, lang: str) -> list[str]:
    if not rep.referrals:
        return []
    out = [f"<h3>{word('referrals', lang)}</h3><ul>"]
    for ref in rep.referrals:
        if ref.missing:
            what = f"{word('may_refer', lang)} <code>{esc(', '.join(ref.missing))}</code>"
        else:
            what = esc(ref.reason.get(lang))
        basis = "" if ref.citation is None else f"<br>{word('basis', lang)}{_colon(lang)}{cite(ref.citation, lang)}"
        to = f'<b>{esc(ref.to.get(lang))}</b> <span class="id">[{esc(ref.id)}]</span>'
        out.append(f"<li>→ {to}{_colon(lang)}{what}{basis}</li>")
    out.append("</ul>")
    return out


def _waivers(rep: Report, lang: str) -> list[str]:
    if not rep.waivers:
        return []
    out = [f"<h3>{esc(say(('豁免', 'Waivers'), lang))}</h3><ul>"]
    for w in rep.waivers:
        status = esc(say(WAIVER_STATUS_TEXT[w.status], lang))
        rule = f'<span class="id">[{esc(w.rule_id)}]</span>'
        out.append(
            f'<li class="waiver-{esc(w.status)}"><b>{status}</b> {rule}{_colon(lang)}{esc(w.message.get(lang))}</li>'
        )
    out.append("</ul>")
    return out


def _commitments(items: tuple[Commitment, ...], lang: str) -> list[str]:
    if not items:
        return []
    heads = ("figure", "declared", "floor", "due", "on_miss")
    out = [
        f"<h3>{word('commitments', lang)}</h3>",
        '<table class="commitments"><colgroup><col class="c-fig"><col class="c-val"><col class="c-val">'
        '<col class="c-due"><col></colgroup>',
        "<thead><tr>" + "".join(f"<th>{word(h, lang)}</th>" for h in heads) + "</tr></thead><tbody>",
    ]
    for c in items:
        rule = f' <span class="id">[{esc(c.rule_id)}]</span>' if c.rule_id else ""
        due = f"{c.due.isoformat()}<br>" if c.due is not None else f"{word('date_open', lang)}<br>"
        out.append(
            f"<tr><td><b>{esc(c.title.get(lang))}</b>{rule}<br>{esc(c.fact_title.get(lang))}</td>"
            f'<td class="num">{esc(amount(c.value, c.unit))}</td>'
            f'<td class="num">{esc(amount(c.floor, c.unit))}{_below(mark(_weakest(c), lang))}</td>'
            f"<td>{due}{esc(c.due_basis.get(lang))}</td>"
            f"<td>{esc(c.on_miss.get(lang))}{_below(mark(c.on_miss_citation.status, lang))}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _below(html: str) -> str:
    """``html`` on a line of its own (nothing when it is empty)."""
    return f"<br>{html.strip()}" if html else ""


def _weakest(c: Commitment) -> CitationStatus:
    status = c.floor_citation.status if c.floor_citation is not None else c.citation.status
    return max((status, c.citation.status), key=lambda s: s.rank)


def _findings(rep: Report, lang: str) -> list[str]:
    findings = sorted(rep.findings, key=lambda f: (_ORDER[f.outcome], _SEV_ORDER[f.severity], f.rule_id))
    decided = [f for f in findings if f.outcome is not Outcome.NOT_APPLICABLE]
    out = []
    if decided:
        heads = ("outcome", "severity", "rule", "finding", "basis")
        out += [
            f"<h3>{word('findings', lang)}</h3>",
            '<table class="findings"><colgroup><col class="c-out"><col class="c-sev"><col class="c-rule"><col>'
            '<col class="c-src"></colgroup>',
            "<thead><tr>" + "".join(f"<th>{word(h, lang)}</th>" for h in heads) + "</tr></thead><tbody>",
        ]
        unverified = set(rep.unverified_basis)
        glossary = Glossary(rep)
        out.extend(_finding(f, f.rule_id in unverified, lang, glossary) for f in decided)
        out.append("</tbody></table>")
    # rules whose scope does not cover the project: named, not explained, so the paper stays short
    na = [f for f in findings if f.outcome is Outcome.NOT_APPLICABLE]
    if na:
        names = ("; " if lang == "en" else "；").join(f"{f.rule_id} {f.title.get(lang)}" for f in na)
        head = f"{OUTCOME_SYMBOL[Outcome.NOT_APPLICABLE]} {word('not_applicable', lang)}{_paren(str(len(na)), lang)}"
        out.append(f'<p class="na-list"><b>{head}</b>{_colon(lang)}{esc(names)}</p>')
    return out


def _finding(f: Finding, unverified: bool, lang: str, glossary: Glossary) -> str:
    outcome = f"{OUTCOME_SYMBOL[f.outcome]} {esc(f.outcome_text.get(lang))}"
    if f.waiver is not None and f.waiver.status in ("applied", "claimed"):
        outcome += f'<br><span class="mark">{esc(say(WAIVER_STATUS_TEXT[f.waiver.status], lang))}</span>'

    explanation = glossary.words(f.explanation.get(lang), lang)  # zh: field and threshold keys as their titles
    detail = f'<span class="title">{esc(f.title.get(lang))}</span><br>{esc(explanation)}'
    shown = [c for c in f.comparisons if c.actual is not None or c.threshold is not None]
    if shown:
        items = (
            comparison(c, lang, glossary.title(c.threshold_name, lang) if c.threshold_name else None) for c in shown
        )
        detail += '<ul class="cmp">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
    status = f.figure_status
    if unverified and status.verified:
        status = f.citation.status if f.citation is not None else status
    basis = cite(f.citation, lang, status)
    if unverified and status.verified:
        basis += f' <span class="mark">⚠ {word("unverified_basis", lang)}</span>'
    return (
        f'<tr><td class="o-{f.outcome.value}">{outcome}</td><td>{severity(f.severity, lang)}</td>'
        f'<td class="id">{esc(f.rule_id)}</td><td>{detail}</td><td>{basis}</td></tr>'
    )


def _footnotes(rep: Report, lang: str) -> list[str]:
    out: list[str] = []
    if rep.unverified_basis:
        ids = ", ".join(rep.unverified_basis)
        out.append(f'<p class="box warn">⚠ {word("unverified_note", lang)} <span class="id">{esc(ids)}</span></p>')
    if rep.missing_fields:
        fields = esc(", ".join(rep.missing_fields))
        out.append(f"<p><b>{word('missing_fields', lang)}</b>{_colon(lang)}<code>{fields}</code></p>")
    for note in rep.not_configured:
        out.append(
            f'<p class="box"><b>{word("not_configured", lang)}</b>{_colon(lang)}<code>{esc(note.plugin)}</code> — '
            f"{esc(note.message.get(lang))}</p>"
        )
    if rep.not_in_force:
        out.append(f"<h3>{word('not_in_force', lang)}</h3><ul>")
        for sk in rep.not_in_force:
            span = f"{sk.effective_from or '…'} ~ {sk.effective_until or '…'}"
            kind = word(f"kind_{sk.kind}", lang)
            out.append(f'<li>{kind} <span class="id">{esc(sk.id)}</span>{_colon(lang)}{esc(span)}</li>')
        out.append("</ul>")
    return out


def _provenance(rep: Report, lang: str) -> str:
    pv = rep.provenance
    packs = ", ".join(
        f"{pk.id}@{pk.version}" + ("" if pk.shipped else f" ({pk.file or ''} {word('not_shipped', lang)})")
        for pk in pv.packs
    )
    engine = pv.engine + (f" {pv.engine_version}" if pv.engine_version else "")
    plugins = ", ".join(f"{pl.name} ({pl.distribution} {pl.version})" for pl in pv.plugins)
    source = word(f"as_of_{pv.as_of_source}", lang)
    return (
        '<footer class="provenance">'
        f"<p>{word('as_of', lang)}{_colon(lang)}{pv.as_of.isoformat()}{_paren(source, lang)} · "
        f"{word('packs', lang)}{_colon(lang)}{esc(packs)}</p>"
        f"<p>heshan-vetting {esc(pv.library_version)} · {word('engine', lang)}{_colon(lang)}{esc(engine)} · "
        f"{word('plugins', lang)}{_colon(lang)}{esc(plugins)}</p>"
        "</footer>"
    )
