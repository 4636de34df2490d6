"""The text renderer: the verdict first, then a table of findings, laid out for a terminal.

Every line fits the width of :class:`~heshan_vetting.RenderContext` (100 columns without one), counted in
display columns (a 汉字 takes two); a line is longer only when a single unbreakable token is (see
:mod:`~heshan_vetting.builtins.render.layout`: numbers with their units and identifiers are never split).
Values carry their units, in one number format (:func:`~heshan_vetting.terms.format_number`). The Chinese
report names fields, facts and thresholds by their titles, never their identifiers (rule ids stay). Colours
mark the verdict and each outcome when the context allows them. A batch shows each item in input order (an
item that could not be read as a short error block) and ends with a summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

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
from heshan_vetting.extension import RenderContext
from heshan_vetting.report import Commitment, Finding, Outcome, PathToApproval, Report, Verdict
from heshan_vetting.results import ItemError, ReportSet, Summary
from heshan_vetting.terms import format_number, format_quantity

from .glossary import KINDS, Glossary
from .layout import colour, display_width, hang, pad, wrap

__all__ = ["VERDICT_COLOUR", "item_block", "join_blocks", "render_text", "summary_lines"]

#: The colour of each verdict (an item error is red).
VERDICT_COLOUR = {
    Verdict.APPROVE: "green",
    Verdict.CONDITIONAL: "yellow",
    Verdict.DEFERRED: "yellow",
    Verdict.REJECT: "red",
}
_OUTCOME_COLOUR = {
    Outcome.PASS: "green",
    Outcome.FAIL: "red",
    Outcome.NOT_APPLICABLE: "dim",
    Outcome.INSUFFICIENT_DATA: "yellow",
    Outcome.ERROR: "magenta",
}
_GAP = 2  # spaces between table columns
_MIN_DETAIL = 24  # below this the table stacks each finding's explanation under its row


class _Page:
    """Lines being written at one width, in one language."""

    def __init__(self, lang: str, width: int, color: bool) -> None:
        self.lang, self.width, self.color = lang, width, color
        self.en = lang == "en"
        self.lines: list[str] = []

    def say(self, text: str, first: str = "", rest: str | None = None, tint: str | None = None) -> None:
        """``text`` wrapped to the width behind ``first`` (hanging indent ``rest``), each line in the colour
        ``tint`` when colours are on."""
        self.lines.extend(colour(line, tint, self.color) for line in hang(text, self.width, first, rest))

    def blank(self) -> None:
        self.lines.append("")

    def zh_en(self, zh: str, en: str) -> str:
        return en if self.en else zh


def _table(page: _Page, findings: list[Finding], g: Glossary) -> None:
    lang, en = page.lang, page.en
    heads = ("outcome", "level", "rule", "detail") if en else ("结果", "级别", "规则", "说明")
    cells = [(say(outcome_words(f), lang), say(SEVERITY_TEXT[f.severity], lang), f.rule_id) for f in findings]
    texts = [
        f"{f.title.en}: {f.explanation.en}" if en else f"{f.title.zh}：{g.words(f.explanation.zh, lang)}"
        for f in findings
    ]
    widths = [max([display_width(heads[i]), *(display_width(c[i]) for c in cells)]) for i in range(3)]
    left = sum(widths) + _GAP * 3
    detail = page.width - left
    stacked = detail < _MIN_DETAIL
    if stacked:
        detail = page.width - 4
    head = (" " * _GAP).join(pad(h, w) for h, w in zip(heads[:3], widths, strict=True))
    page.lines.append((head + ("" if stacked else " " * _GAP + heads[3])).rstrip())
    rule = (" " * _GAP).join("-" * w for w in widths) + ("" if stacked else " " * _GAP + "-" * detail)
    page.lines.append(rule)
    for f, (outcome, *rest), text in zip(findings, cells, texts, strict=True):
        shown = colour(pad(outcome, widths[0]), _OUTCOME_COLOUR[f.outcome], page.color)
        lead = (" " * _GAP).join([shown, *(pad(c, w) for c, w in zip(rest, widths[1:], strict=True))])
        if stacked:
            page.lines.append(lead.rstrip())
            page.lines.extend(("    " + w).rstrip() for w in wrap(text, detail))
            continue
        wrapped = wrap(text, detail)
        page.lines.append((lead + " " * _GAP + wrapped[0]).rstrip())
        page.lines.extend((" " * left + w).rstrip() for w in wrapped[1:])


def _commitments(page: _Page, items: tuple[Commitment, ...]) -> None:
    """The commitments for the supervision agreement: figure, declared value, floor, due date, on a miss."""
    if not items:
        return
    en = page.en
    page.say(page.zh_en("监管协议承诺事项：", "Commitments for the agreement (监管协议):"))
    for c in items:
        value = "—" if c.value is None else format_quantity(c.value, c.unit)
        floor = format_quantity(c.floor, c.unit)
        if c.due is not None:
            due = f"{c.due} ({c.due_basis.en})" if en else f"{c.due}（{c.due_basis.zh}）"
        else:
            due = f"{c.due_basis.en}, date to be set in the agreement" if en else f"{c.due_basis.zh}，日期待协议约定"
        basis = f" [{c.rule_id}]" if c.rule_id else ""
        status = c.on_miss_citation.status
        mark = "" if status.verified else f" [{status.label(page.lang)}]"
        if en:
            page.say(f"{c.title.en}{basis}: declared {value}, floor {floor}; due {due}", "  · ", "    ")
            page.say(f"if missed{mark}: {c.on_miss.en}", "    ")
        else:
            page.say(f"{c.title.zh}{basis}：申报 {value}，下限 {floor}；期限：{due}", "  · ", "    ")
            page.say(f"未达到时{mark}：{c.on_miss.zh}", "    ")


def _score(page: _Page, rep: Report) -> None:
    s = rep.score
    if s is None:
        return
    en, lang = page.en, page.lang
    line = f"{page.zh_en('综合评分', 'Score')}: {format_number(s.total)} / {format_number(s.maximum)}"
    if not s.meaningful:
        line += page.zh_en("（不具参考意义）", " (not meaningful)")
    if s.approve_min is not None and s.conditional_min is not None:
        line += (
            f"  ({'approve ≥' if en else '准入线 ≥'} {format_number(s.approve_min)}, "
            f"{'conditional ≥' if en else '有条件线 ≥'} {format_number(s.conditional_min)})"
        )
    page.say(line)
    for ind in s.indicators:
        if ind.outcome is Outcome.NOT_APPLICABLE:
            continue  # it leaves the total: not part of this project's score
        value = "—" if ind.value is None else format_quantity(ind.value, ind.unit)
        points = format_number(ind.points)
        page.say(f"{ind.title.get(lang)}: {value} → {points} {page.zh_en('分', 'points')}", "  · ", "    ")


def _head(page: _Page, rep: Report, g: Glossary) -> None:
    en, lang = page.en, page.lang
    p = rep.project
    verdict = f"{page.zh_en('结论', 'Verdict')}: {verdict_words(rep, lang)}"
    if rep.incomplete:
        verdict += page.zh_en("  （结论不完整）", "  (incomplete)")
    page.say(verdict, "", "  ", VERDICT_COLOUR[rep.verdict])
    industry = "".join(f" {x}" for x in (p.industry_code, p.industry_name) if x)
    page.say(f"{p.name} [{p.id}]" + (f" {industry}" if industry else ""), page.zh_en("项目: ", "Project: "))
    if p.source is not None and p.line is not None:
        page.say(f"{p.source}:{p.line}", page.zh_en("来源: ", "Source: "))
    if p.applicant:
        page.say(p.applicant, page.zh_en("申请单位: ", "Applicant: "))
    if rep.to_supply:
        page.say(page.zh_en("需补充或核实的材料（补齐后方可评审）：", "To supply or confirm before a decision:"))
        for item in rep.to_supply:
            name = supply_name(item, lang)
            page.say(f"{name}{page.zh_en('：', ': ')}{g.words(item.why.get(lang), lang)}", "  · ", "    ")
    for notice in rep.notices:
        page.say(notice.message.get(lang), page.zh_en("! 警告: ", "! Warning: "))
    _score(page, rep)
    for label in rep.labels:
        if label.outcome == "none":
            continue  # no case applies to this project: nothing to say
        if label.value is not None:
            reading = label.value.get(lang)
        elif label.outcome == "insufficient_data":
            reading = page.zh_en("数据不足：", "insufficient data: ") + g.names(label.missing, lang)
        else:
            reading = "—"
        status = label.figure_status
        mark = "" if status.verified else f"  [{status.label(lang)}]"
        page.say(f"{label.title.get(lang)}: {reading}{mark}", "", "  ")
    for r in rep.reasons:
        page.say(g.words(r.get(lang), lang), "  * ", "    ")
    if rep.referrals:
        page.say(page.zh_en("转报（须由其他机关一并决定）：", "Referrals (other bodies that must also decide):"))
        for ref in rep.referrals:
            if ref.missing:
                missing = g.names(ref.missing, lang)
                what = f"may be needed; missing {missing} to tell" if en else f"可能需要；缺少 {missing} 无法判断"
            else:
                what = g.words(ref.reason.get(lang), lang)
            page.say(f"{ref.to.get(lang)} [{ref.id}]: {what}", "  → ", "    ")
            if ref.citation is not None:
                c = ref.citation
                mark = "" if c.verified else f"  [{c.status.label(lang)}]"
                page.say(f"{c.short()}{mark}", page.zh_en("    依据: ", "    source: "), "      ")
    _commitments(page, rep.commitments)
    _waivers(page, rep)
    if rep.missing_fields:
        page.say(g.names(rep.missing_fields, lang), page.zh_en("缺少数据: ", "Missing data: "), "  ")
    for note in rep.not_configured:
        head = page.zh_en("插件未配置，未参与评审", "Plugin not configured, nothing checked")
        page.say(f"{head}: {note.plugin} — {note.message.get(lang)}", "", "  ")


def _waivers(page: _Page, rep: Report) -> None:
    """The waivers naming the project that were not applied (those applied or claimed are among the reasons)."""
    others = [w for w in rep.waivers if w.status not in ("applied", "claimed")]
    if not others:
        return
    page.say(page.zh_en("未适用的豁免：", "Waivers not applied:"))
    for w in others:
        status = say(WAIVER_STATUS_TEXT[w.status], page.lang)
        page.say(f"[{status}] {w.message.get(page.lang)}", "  · ", "    ")


def _tail(page: _Page, rep: Report, findings: list[Finding], g: Glossary) -> None:
    en, lang = page.en, page.lang
    cited = [f for f in findings if f.citation is not None and f.outcome is not Outcome.NOT_APPLICABLE]
    if cited:
        page.blank()
        page.say(page.zh_en("政策依据：", "Sources:"))
        for f in cited:
            assert f.citation is not None
            mark = "" if f.figure_status.verified else f"  [{f.figure_status.label(lang)}]"
            page.say(f"{f.citation.short()}{mark}", f"  {f.rule_id}: ", "      ")
    if rep.unverified_basis:
        page.blank()
        ids = ", ".join(rep.unverified_basis)
        page.say(
            f"Note: these findings rest on figures not marked verified; check the sources before relying on them: {ids}"
            if en
            else f"注意：以下判断所依据的数值未经核实（草案、部分核实或本地默认值），请核对出处后再采用：{ids}",
            "",
            "  ",
        )
    if rep.not_in_force:
        page.blank()
        page.say(page.zh_en("评审日不在有效期内（未适用）：", "Not in force on the as-of date:"))
        for sk in rep.not_in_force:
            span = f"{sk.effective_from or '…'} ~ {sk.effective_until or '…'}"
            kind = KINDS[sk.kind].get(lang)
            if en:
                what = f"{kind} {sk.id}"
            elif sk.kind in ("rule", "referral"):
                what = f"{kind} {sk.id}" + (f" {g.title(sk.id, lang)}" if sk.id in g.titles else "")
            else:
                what = f"{kind}“{g.title(sk.id, lang)}”"
            page.say(f"{what}: {span}", "  ", "    ")
    pv = rep.provenance
    packs = ", ".join(f"{pk.id}@{pk.version}" for pk in pv.packs)
    page.blank()
    page.say(
        f"{page.zh_en('评审日期', 'As of')}: {pv.as_of} · {page.zh_en('规则包', 'packs')}: {packs} · "
        f"heshan-vetting {pv.library_version} ({pv.engine})",
        "",
        "  ",
    )


def _path(page: _Page, path: PathToApproval) -> None:
    """The "what approval would take" section (``--explain``): each item's own words, zh or en."""
    lang = page.lang
    page.say(page.zh_en("达到准入需要：", "What approval would take:"))
    page.say(path.summary.get(lang), "  ", "  ")
    for rule in path.rules:
        page.say(rule.text.get(lang), "  * ", "    ")
        for change in rule.changes:
            page.say(change.text.get(lang), "    · ", "      ")
    if path.score is not None:
        page.say(path.score.text.get(lang), "  * ", "    ")
        for ind in path.score.indicators:
            page.say(ind.text.get(lang), "    · ", "      ")
            for change in ind.changes:
                page.say(change.text.get(lang), "      - ", "        ")
    for item in path.missing:
        page.say(f"{item.title.get(lang)}{page.zh_en('：', ': ')}{item.text.get(lang)}", "  * ", "    ")
    for item in path.referrals:
        page.say(item.text.get(lang), "  * ", "    ")
    for other in path.others:
        page.say(other.get(lang), "  * ", "    ")


def _report(rep: Report, lang: str, width: int, color: bool) -> list[str]:
    page = _Page(lang, width, color)
    g = Glossary(rep)
    _head(page, rep, g)
    page.blank()
    findings = sorted(rep.findings, key=finding_order)
    if rep.path_to_approval is not None:
        _path(page, rep.path_to_approval)
        page.blank()
    _table(page, findings, g)
    _tail(page, rep, findings, g)
    return page.lines


def _error(item: ItemError, lang: str, width: int, color: bool) -> list[str]:
    page = _Page(lang, width, color)
    page.say(f"{page.zh_en('结论', 'Verdict')}: {say(ERROR_TEXT, lang)}", "", "  ", "red")
    where = ":".join(str(x) for x in (item.source, item.line) if x is not None)
    if item.index is not None and not where:
        where = page.zh_en(f"第 {item.index + 1} 项", f"item {item.index + 1}")
    if where:
        page.say(where, page.zh_en("来源: ", "Source: "))
    if item.project_id:
        page.say(item.project_id, page.zh_en("项目: ", "Project: "))
    page.say(page.zh_en(f"问题（{len(item.errors)}）：", f"Problems ({len(item.errors)}):"))
    for p in item.errors:
        loc = ":".join(str(x) for x in (p.line, p.column if p.line else None) if x is not None)
        if p.file and p.file != item.source:
            loc = f"{p.file}:{loc}" if loc else p.file
        head = "".join(
            part + page.zh_en("：", ": ") for part in (loc, problem_field(p.field, lang) if p.field else "") if part
        )
        page.say(head + p.message.get(lang), "  · ", "    ")
    return page.lines


def summary_lines(summary: Summary, lang: str, width: int) -> list[str]:
    """The summary block of a batch: counts per verdict, errors, incomplete, the most-failed rules."""
    page = _Page(lang, width, False)
    counts = [(n, say(SHORT_VERDICT[verdict], lang)) for verdict, n in verdict_counts(summary)]
    if page.en:
        text = f"{summary.items} items: " + ", ".join(f"{label} {n}" for n, label in counts)
        text += f"; input errors {summary.errors}; incomplete {summary.incomplete}"
    else:
        text = f"共 {summary.items} 项：" + "，".join(f"{label} {n} 项" for n, label in counts)
        text += f"；输入有误 {summary.errors} 项；结论不完整 {summary.incomplete} 项"
    page.say(text, page.zh_en("汇总: ", "Summary: "), "  ")
    if summary.most_failed:
        page.say(page.zh_en("未通过最多的规则：", "Rules failed most often:"))
        for rc in summary.most_failed:
            n = f"{rc.failed} 项" if not page.en else f"{rc.failed} project{'s' if rc.failed != 1 else ''}"
            page.say(f"{rc.rule_id} {rc.title.get(lang)}{page.zh_en('：', ': ')}{n}", "  · ", "    ")
    return page.lines


def render_text(reports: ReportSet, lang: str = "zh", *, context: RenderContext | None = None) -> str:
    """Each item of the batch as text in input order, separated by a rule line; for more than one item,
    a summary at the end. Lines fit ``context.width`` (100 without a context); colours only with
    ``context.color``."""
    ctx = context or RenderContext()
    blocks = [item_block(item, lang, ctx.width, ctx.color) for item in reports.items]
    return "".join(join_blocks(blocks, lambda: reports.summary, lang, ctx.width))


def item_block(item: Report | ItemError, lang: str, width: int, color: bool) -> str:
    """One item's block of :func:`render_text` (a report, or an input error), without the rule around it."""
    width = max(20, width)
    lines = _report(item, lang, width, color) if isinstance(item, Report) else _error(item, lang, width, color)
    return "\n".join(lines)


def join_blocks(blocks: Iterable[str], summary: Callable[[], Summary], lang: str, width: int) -> Iterator[str]:
    """The pieces of :func:`render_text` from the items' :func:`item_block` (in input order), as they come: the
    blocks with a rule line between them and, for more than one item, the summary block at the end (``summary``
    is called only then)."""
    width = max(20, width)
    rule = "\n\n" + "=" * min(78, width) + "\n\n"
    count = 0
    for block in blocks:
        yield (rule if count else "") + block
        count += 1
    if count > 1:
        yield rule + "\n".join(summary_lines(summary(), lang, width))
    yield "\n"
