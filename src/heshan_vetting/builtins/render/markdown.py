"""The Markdown renderer: a report to paste into a document (GitHub-flavoured Markdown tables).

Per project: the verdict as a heading, the project line, what to supply or fix, the score table (indicator,
value with its unit, points), the findings table (result, severity, rule, explanation), referrals,
commitments, and the policy sources with the marks of unverified figures. An item that could not be read
gets a short section with each problem; a batch of more than one item ends with a summary. Chinese by
default (fields and thresholds by their titles, as in the text report), English with ``lang="en"``. The
same input gives the same bytes. Every ``|`` in a cell is escaped, so each table row has its header's
number of columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain

from heshan_vetting.builtins.render.glossary import KINDS, Glossary
from heshan_vetting.builtins.render.words import (
    ERROR_TEXT,
    SEVERITY_TEXT,
    SHORT_VERDICT,
    WAIVER_STATUS_TEXT,
    finding_order,
    outcome_words,
    problem_field,
    say,
    supply_name,
    verdict_counts,
    verdict_words,
)
from heshan_vetting.report import Citation, CitationStatus, Outcome, Report
from heshan_vetting.results import ItemError, ReportSet, Summary
from heshan_vetting.terms import format_number, format_quantity

__all__ = ["cell", "item_section", "join_sections", "render_markdown", "table"]

_SPECIAL = str.maketrans({"\\": "\\\\", "|": "\\|", "*": "\\*", "`": "\\`", "<": "&lt;", ">": "&gt;"})


def cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell (and inline text): one line, ``| * ` \\`` escaped,
    ``< >`` as entities."""
    return " ".join(text.split()).translate(_SPECIAL)


def table(heads: Sequence[str], rows: Sequence[Sequence[str]], align: Sequence[str] = ()) -> list[str]:
    """A Markdown table; ``align`` gives ``l`` or ``r`` per column (left by default)."""
    marks = [("---:" if a == "r" else "---") for a in [*align, *["l"] * (len(heads) - len(align))]]
    out = ["| " + " | ".join(cell(h) for h in heads) + " |", "| " + " | ".join(marks) + " |"]
    out.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return out


class _Doc:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.en = lang == "en"
        self.lines: list[str] = []

    def w(self, zh: str, en: str) -> str:
        return en if self.en else zh

    def section(self, title: str) -> None:
        self.lines.extend(["", f"### {cell(title)}", ""])

    def bullets(self, items: Sequence[str]) -> None:
        self.lines.extend(f"- {item}" for item in items)


def _mark(status: CitationStatus, lang: str) -> str:
    return "" if status.verified else f" *\\[{cell(status.label(lang))}\\]*"


def _cite(c: Citation) -> str:
    return cell(c.short())


def _report(doc: _Doc, rep: Report, number: int | None) -> None:
    lang, en = doc.lang, doc.en
    g = Glossary(rep)
    p = rep.project
    lead = f"{number}. " if number is not None else ""
    doc.lines.extend([f"## {lead}{cell(p.name)}{doc.w('：', ': ')}{cell(verdict_words(rep, lang))}", ""])
    facts = [f"**{doc.w('项目', 'Project')}**: {cell(p.name)} [{cell(p.id)}]"]
    industry = " ".join(x for x in (p.industry_code, p.industry_name) if x)
    if industry:
        facts.append(f"**{doc.w('行业', 'Industry')}**: {cell(industry)}")
    if p.applicant:
        facts.append(f"**{doc.w('申请单位', 'Applicant')}**: {cell(p.applicant)}")
    if p.source is not None and p.line is not None:
        facts.append(f"**{doc.w('来源', 'Source')}**: {cell(f'{p.source}:{p.line}')}")
    facts.append(f"**{doc.w('结论', 'Verdict')}**: **{cell(verdict_words(rep, lang))}**")
    if rep.incomplete:
        facts.append(doc.w("**结论不完整**：有检查未能运行。", "**Incomplete**: a check could not run."))
    doc.lines.extend(line + "  " if i < len(facts) - 1 else line for i, line in enumerate(facts))
    for notice in rep.notices:
        doc.lines.extend(["", f"> **{doc.w('警告', 'Warning')}**: {cell(notice.message.get(lang))}"])
    if rep.to_supply:
        doc.section(doc.w("需补充或核实的材料（补齐后方可评审）", "To supply or confirm before a decision"))
        for s in rep.to_supply:
            name = supply_name(s, lang)
            doc.bullets([f"**{cell(name)}**: {cell(g.words(s.why.get(lang), lang))}"])
    if rep.reasons:
        doc.section(doc.w("评审意见", "Reasons"))
        doc.bullets([cell(g.words(r.get(lang), lang)) for r in rep.reasons])
    if rep.missing_fields:
        doc.lines.extend(["", f"**{doc.w('缺少数据', 'Missing data')}**: {cell(g.names(rep.missing_fields, lang))}"])
    _score(doc, rep)
    labels = [label for label in rep.labels if label.outcome != "none"]
    if labels:
        doc.section(doc.w("标注", "Labels"))
        for label in labels:
            if label.value is not None:
                reading = label.value.get(lang)
            elif label.outcome == "insufficient_data":
                reading = doc.w("数据不足：", "insufficient data: ") + g.names(label.missing, lang)
            else:
                reading = "—"
            doc.bullets([f"**{cell(label.title.get(lang))}**: {cell(reading)}{_mark(label.figure_status, lang)}"])
    _findings(doc, rep, g)
    _referrals(doc, rep, g)
    _waivers(doc, rep)
    _commitments(doc, rep)
    _sources(doc, rep)
    for note in rep.not_configured:
        head = doc.w("插件未配置，未参与评审", "Plugin not configured, nothing checked")
        doc.lines.extend(["", f"> **{head}**: {cell(note.plugin)} — {cell(note.message.get(lang))}"])
    if rep.not_in_force:
        doc.section(doc.w("评审日不在有效期内（未适用）", "Not in force on the as-of date"))
        rows = []
        for sk in rep.not_in_force:
            what = sk.id if en or sk.kind in ("rule", "referral") else g.title(sk.id, lang)
            if not en and sk.kind in ("rule", "referral") and sk.id in g:
                what += f" {g.title(sk.id, lang)}"
            rows.append([KINDS[sk.kind].get(lang), what, str(sk.effective_from or "…"), str(sk.effective_until or "…")])
        doc.lines.extend(table(doc.w("类别|名称|起|止", "kind|name|from|until").split("|"), rows))
    pv = rep.provenance
    packs = ", ".join(f"{pk.id}@{pk.version}" for pk in pv.packs)
    doc.lines.extend(
        [
            "",
            f"*{doc.w('评审日期', 'As of')}: {pv.as_of} · {doc.w('规则包', 'packs')}: {cell(packs)} · "
            f"heshan-vetting {cell(pv.library_version)} ({cell(pv.engine)})*",
        ]
    )


def _score(doc: _Doc, rep: Report) -> None:
    s = rep.score
    if s is None:
        return
    en, lang = doc.en, doc.lang
    title = f"{doc.w('综合评分', 'Score')}: {format_number(s.total)} / {format_number(s.maximum)}"
    if not s.meaningful:
        title += doc.w("（不具参考意义）", " (not meaningful)")
    doc.section(title)
    if s.approve_min is not None and s.conditional_min is not None:
        doc.lines.extend(
            [
                f"{'Approve at' if en else '准入线'} ≥ {format_number(s.approve_min)}, "
                f"{'conditional at' if en else '有条件线'} ≥ {format_number(s.conditional_min)}",
                "",
            ]
        )
    rows = [
        [
            ind.title.get(lang),
            "—" if ind.value is None else format_quantity(ind.value, ind.unit),
            format_number(ind.points),
        ]
        for ind in s.indicators
        if ind.outcome is not Outcome.NOT_APPLICABLE
    ]
    doc.lines.extend(table(doc.w("指标|数值|得分", "indicator|value|points").split("|"), rows, "lrr"))


def _findings(doc: _Doc, rep: Report, g: Glossary) -> None:
    lang, en = doc.lang, doc.en
    doc.section(doc.w("审查结果", "Findings"))
    rows = [
        [
            say(outcome_words(f), lang),
            say(SEVERITY_TEXT[f.severity], lang),
            f.rule_id,
            f"{f.title.en}: {f.explanation.en}" if en else f"{f.title.zh}：{g.words(f.explanation.zh, lang)}",
        ]
        for f in sorted(rep.findings, key=finding_order)
    ]
    doc.lines.extend(table(doc.w("结果|级别|规则|说明", "outcome|level|rule|detail").split("|"), rows))


def _waivers(doc: _Doc, rep: Report) -> None:
    """Every waiver naming the project, with what became of it (approver, dates and basis where granted)."""
    if not rep.waivers:
        return
    lang = doc.lang
    doc.section(doc.w("豁免", "Waivers"))
    doc.bullets(
        [
            f"**{cell(say(WAIVER_STATUS_TEXT[w.status], lang))}** [{cell(w.rule_id)}]: {cell(w.message.get(lang))}"
            for w in rep.waivers
        ]
    )


def _referrals(doc: _Doc, rep: Report, g: Glossary) -> None:
    if not rep.referrals:
        return
    lang, en = doc.lang, doc.en
    doc.section(doc.w("转报（须由其他机关一并决定）", "Referrals (other bodies that must also decide)"))
    for ref in rep.referrals:
        if ref.missing:
            missing = g.names(ref.missing, lang)
            what = f"may be needed; missing {missing} to tell" if en else f"可能需要；缺少 {missing} 无法判断"
        else:
            what = g.words(ref.reason.get(lang), lang)
        line = f"**{cell(ref.to.get(lang))}** [{cell(ref.id)}]: {cell(what)}"
        if ref.citation is not None:
            line += f" — {doc.w('依据', 'source')}: {_cite(ref.citation)}{_mark(ref.citation.status, lang)}"
        doc.bullets([line])


def _commitments(doc: _Doc, rep: Report) -> None:
    if not rep.commitments:
        return
    lang, en = doc.lang, doc.en
    doc.section(doc.w("监管协议承诺事项", "Commitments for the agreement (监管协议)"))
    rows = []
    for c in rep.commitments:
        if c.due is not None:
            due = f"{c.due} ({c.due_basis.en})" if en else f"{c.due}（{c.due_basis.zh}）"
        else:
            due = f"{c.due_basis.en}, date to be set in the agreement" if en else f"{c.due_basis.zh}，日期待协议约定"
        mark = "" if c.on_miss_citation.status.verified else f" [{c.on_miss_citation.status.label(lang)}]"
        rows.append(
            [
                c.title.get(lang),
                c.rule_id or "—",
                "—" if c.value is None else format_quantity(c.value, c.unit),
                format_quantity(c.floor, c.unit),
                due,
                c.on_miss.get(lang) + mark,
            ]
        )
    heads = doc.w("承诺事项|规则|申报|下限|期限|未达到时", "commitment|rule|declared|floor|due|if missed")
    doc.lines.extend(table(heads.split("|"), rows, "llrrll"))


def _sources(doc: _Doc, rep: Report) -> None:
    lang = doc.lang
    cited = [
        f for f in sorted(rep.findings, key=finding_order) if f.citation and f.outcome is not Outcome.NOT_APPLICABLE
    ]
    if not cited:
        return
    doc.section(doc.w("政策依据", "Sources"))
    rows = []
    for f in cited:
        assert f.citation is not None
        status = f.figure_status
        rows.append([f.rule_id, f.citation.short(), "✓" if status.verified else f"⚠ {status.label(lang)}"])
    doc.lines.extend(table(doc.w("规则|依据|核实", "rule|source|verified").split("|"), rows))
    if rep.unverified_basis:
        ids = ", ".join(rep.unverified_basis)
        doc.lines.extend(
            [
                "",
                cell(
                    f"Note: these findings rest on figures not marked verified; check the sources first: {ids}"
                    if doc.en
                    else f"注意：以下判断所依据的数值未经核实（草案、部分核实或本地默认值），请核对出处后再采用：{ids}"
                ),
            ]
        )


def _error(doc: _Doc, item: ItemError, number: int | None) -> None:
    lang = doc.lang
    where = ":".join(str(x) for x in (item.source, item.line) if x is not None)
    if not where and item.index is not None:
        where = doc.w(f"第 {item.index + 1} 项", f"item {item.index + 1}")
    lead = f"{number}. " if number is not None else ""
    name = where or item.project_id or doc.w("输入", "input")
    doc.lines.extend([f"## {lead}{cell(name)}{doc.w('：', ': ')}{cell(say(ERROR_TEXT, lang))}", ""])
    facts = [f"**{doc.w('结论', 'Verdict')}**: **{cell(say(ERROR_TEXT, lang))}**"]
    if where:
        facts.insert(0, f"**{doc.w('来源', 'Source')}**: {cell(where)}")
    if item.project_id:
        facts.insert(0, f"**{doc.w('项目', 'Project')}**: {cell(item.project_id)}")
    doc.lines.extend(line + "  " if i < len(facts) - 1 else line for i, line in enumerate(facts))
    doc.section(doc.w(f"问题（{len(item.errors)}）", f"Problems ({len(item.errors)})"))
    rows = []
    for p in item.errors:
        at = ":".join(str(x) for x in (p.line, p.column if p.line else None) if x is not None)
        if p.file and p.file != item.source:
            at = f"{p.file}:{at}" if at else p.file
        rows.append([at or "—", problem_field(p.field, lang) if p.field else "—", p.message.get(lang)])
    doc.lines.extend(table(doc.w("位置|字段|问题", "where|field|problem").split("|"), rows))


def _summary(doc: _Doc, summary: Summary) -> None:
    lang = doc.lang
    doc.lines.extend([f"## {doc.w('汇总', 'Summary')}", ""])
    rows = [[say(SHORT_VERDICT[v], lang), str(n)] for v, n in verdict_counts(summary)]
    rows.append([doc.w("输入有误，未评审", "input errors (not vetted)"), str(summary.errors)])
    rows.append([doc.w("结论不完整", "incomplete"), str(summary.incomplete)])
    rows.append([doc.w("合计", "total"), str(summary.items)])
    doc.lines.extend(table(doc.w("结论|项数", "verdict|items").split("|"), rows, "lr"))
    if summary.most_failed:
        doc.section(doc.w("未通过最多的规则", "Rules failed most often"))
        failed = [[rc.rule_id, rc.title.get(lang), str(rc.failed)] for rc in summary.most_failed]
        doc.lines.extend(table(doc.w("规则|名称|未通过项数", "rule|title|projects failing").split("|"), failed, "llr"))


def render_markdown(reports: ReportSet, lang: str = "zh") -> str:
    """Each item of the batch as a Markdown section in input order (numbered when there are several),
    separated by a horizontal rule; for more than one item, a summary at the end."""
    return "".join(join_sections([item_section(item, lang) for item in reports.items], lambda: reports.summary, lang))


def item_section(item: Report | ItemError, lang: str) -> str:
    """One item's section of :func:`render_markdown`, unnumbered (:func:`join_sections` numbers it in a batch)."""
    doc = _Doc(lang)
    if isinstance(item, Report):
        _report(doc, item, None)
    else:
        _error(doc, item, None)
    return "\n".join(doc.lines)


def join_sections(sections: Iterable[str], summary: Callable[[], Summary], lang: str) -> Iterator[str]:
    """The pieces of :func:`render_markdown` from the items' :func:`item_section` (in input order), as they come:
    for several items numbered and followed by the summary (``summary`` is called only then). The first section
    is held until the second arrives (or the input ends): only then is it known whether to number it."""
    rule = "\n\n---\n\n"
    it = iter(sections)
    first = next(it, None)
    second = next(it, None) if first is not None else None
    if second is None:
        yield (first or "") + "\n"
        return
    yield _numbered(first, 1) if first is not None else ""
    number = 2
    for section in chain((second,), it):
        yield rule + _numbered(section, number)
        number += 1
    doc = _Doc(lang)
    _summary(doc, summary())
    yield rule + "\n".join(doc.lines) + "\n"


def _numbered(section: str, number: int) -> str:
    """An unnumbered section's heading given its number in the batch (as ``_report`` and ``_error`` write it)."""
    assert section.startswith("## "), section[:20]
    return f"## {number}. {section[3:]}"
