"""The text renderer: the verdict first, then a table of findings, readable in a terminal."""

from __future__ import annotations

import unicodedata

from heshan_vetting.report import Commitment, Finding, Outcome, Report, Severity, Verdict
from heshan_vetting.results import ReportSet

_VERDICT = {
    Verdict.APPROVE: ("准予准入", "APPROVE"),
    Verdict.CONDITIONAL: ("有条件准入", "CONDITIONAL"),
    Verdict.DEFERRED: ("材料不全，暂缓评审", "DEFERRED (information incomplete)"),
    Verdict.REJECT: ("不予准入", "REJECT"),
}
_OUT_OF_SCOPE = ("不属本规则包评审范围，暂缓评审", "DEFERRED (outside the rule pack's scope)")
_OUTCOME = {
    Outcome.PASS: ("✓ 符合", "✓ pass"),
    Outcome.FAIL: ("✗ 不符合", "✗ fail"),
    Outcome.NOT_APPLICABLE: ("– 不适用", "– n/a"),
    Outcome.INSUFFICIENT_DATA: ("? 数据不足", "? no data"),
    Outcome.ERROR: ("! 错误", "! error"),
}
_SEVERITY = {
    Severity.VETO: ("否决", "veto"),
    Severity.REQUIRED: ("必备", "required"),
    Severity.ADVISORY: ("参考", "advisory"),
}
_ORDER = {Outcome.FAIL: 0, Outcome.ERROR: 1, Outcome.INSUFFICIENT_DATA: 2, Outcome.PASS: 3, Outcome.NOT_APPLICABLE: 4}
_SEV_ORDER = {Severity.VETO: 0, Severity.REQUIRED: 1, Severity.ADVISORY: 2}


_NO_LINE_START = set("。，、；：！？）》」』”’,.;:!?)")


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in s)


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - _width(s))


def _wrap(s: str, width: int) -> list[str]:
    lines: list[str] = []
    cur = ""
    for ch in s:
        # keep closing punctuation on the line it closes (a line may run one character over)
        if _width(cur + ch) > width and ch not in _NO_LINE_START:
            cut = cur.rfind(" ")
            if ch != " " and cut > len(cur) // 2 and cur[-1:].isascii() and cur[-1:].isalnum():
                # English: break at the last space rather than inside a word
                lines.append(cur[:cut])
                cur = cur[cut + 1 :] + ch
            else:
                lines.append(cur)
                cur = "" if ch == " " else ch
        else:
            cur += ch
    if cur or not lines:
        lines.append(cur)
    return lines


def _i(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _table(findings: list[Finding], lang: str) -> list[str]:
    heads = ("结果", "级别", "规则", "说明") if lang != "en" else ("outcome", "level", "rule", "detail")
    rows = [
        (
            _i(_OUTCOME[f.outcome], lang),
            _i(_SEVERITY[f.severity], lang),
            f.rule_id,
            f"{f.title.get(lang)}：{f.explanation.get(lang)}" if lang != "en" else f"{f.title.en}: {f.explanation.en}",
        )
        for f in findings
    ]
    widths = [max(_width(h), *(_width(r[i]) for r in rows)) if rows else _width(h) for i, h in enumerate(heads[:3])]
    detail_width = 60
    out = ["  ".join(_pad(h, w) for h, w in zip(heads, [*widths, detail_width], strict=True)).rstrip()]
    out.append("  ".join("-" * w for w in [*widths, detail_width]))
    for r in rows:
        wrapped = _wrap(r[3], detail_width)
        out.append("  ".join([*(_pad(c, w) for c, w in zip(r[:3], widths, strict=True)), wrapped[0]]).rstrip())
        indent = " " * (sum(widths) + 2 * len(widths))
        out.extend(indent + w for w in wrapped[1:])
    return out


def _amount(value: float, unit: str) -> str:
    return f"{value:g}{' ' + unit if unit and unit != '%' else unit}"


def _commitments(items: tuple[Commitment, ...], lang: str) -> list[str]:
    """The commitments for the supervision agreement: figure, declared value, floor, due date, on a miss."""
    if not items:
        return []
    en = lang == "en"
    out = ["Commitments for the agreement (监管协议):" if en else "监管协议承诺事项："]
    for c in items:
        value = "—" if c.value is None else _amount(c.value, c.unit)
        floor = _amount(c.floor, c.unit)
        if c.due is not None:
            due = f"{c.due} ({c.due_basis.en})" if en else f"{c.due}（{c.due_basis.zh}）"
        else:
            due = f"{c.due_basis.en}, date to be set in the agreement" if en else f"{c.due_basis.zh}，日期待协议约定"
        basis = f" [{c.rule_id}]" if c.rule_id else ""
        status = c.on_miss_citation.status
        mark = "" if status.verified else f" [{status.label(lang)}]"
        if en:
            head = f"{c.title.en}{basis}: declared {value}, floor {floor}; due {due}"
            miss = f"if missed{mark}: {c.on_miss.en}"
        else:
            head = f"{c.title.zh}{basis}：申报 {value}，下限 {floor}；期限：{due}"
            miss = f"未达到时{mark}：{c.on_miss.zh}"
        out.extend((("  · " if i == 0 else "    ") + w).rstrip() for i, w in enumerate(_wrap(head, 74)))
        out.extend(("    " + w).rstrip() for w in _wrap(miss, 74))
    return out


def _report(rep: Report, lang: str) -> list[str]:
    en = lang == "en"
    p = rep.project
    outside = rep.out_of_scope is not None and rep.verdict is Verdict.DEFERRED
    verdict = _OUT_OF_SCOPE if outside else _VERDICT[rep.verdict]
    lines = [
        f"{'Verdict' if en else '结论'}: {_i(verdict, lang)}"
        + (f"  ({'incomplete' if en else '结论不完整'})" if rep.incomplete else ""),
        f"{'Project' if en else '项目'}: {p.name} [{p.id}]"
        + (f"  {p.industry_code}" if p.industry_code else "")
        + (f" {p.industry_name}" if p.industry_name else ""),
    ]
    if p.applicant:
        lines.append(f"{'Applicant' if en else '申请单位'}: {p.applicant}")
    if rep.to_supply:
        lines.append("To supply or confirm before a decision:" if en else "需补充或核实的材料（补齐后方可评审）：")
        lines.extend(f"  · {item.title.get(lang)} ({item.field}): {item.why.get(lang)}" for item in rep.to_supply)
    for notice in rep.notices:
        lines.append(f"{'! Warning' if en else '! 警告'}: {notice.message.get(lang)}")
    if rep.score is not None:
        s = rep.score
        line = f"{'Score' if en else '综合评分'}: {s.total:g} / {s.maximum:g}"
        if not s.meaningful:
            line += " (not meaningful)" if en else "（不具参考意义）"
        if s.approve_min is not None and s.conditional_min is not None:
            line += (
                f"  ({'approve ≥' if en else '准入线 ≥'} {s.approve_min:g}, "
                f"{'conditional ≥' if en else '有条件线 ≥'} {s.conditional_min:g})"
            )
        lines.append(line)
        for ind in s.indicators:
            if ind.outcome is Outcome.NOT_APPLICABLE:
                continue  # it leaves the total: not part of this project's score
            value = (
                "—"
                if ind.value is None
                else f"{ind.value:g}{' ' + ind.unit if ind.unit and ind.unit != '%' else ind.unit}"
            )
            lines.append(f"  · {ind.title.get(lang)}: {value} → {ind.points:g}")
    for label in rep.labels:
        if label.outcome == "none":
            continue  # no case applies to this project: nothing to say
        if label.value is not None:
            reading = label.value.get(lang)
        elif label.outcome == "insufficient_data":
            reading = ("insufficient data: " if en else "数据不足：") + ", ".join(label.missing)
        else:
            reading = "—"
        status = label.figure_status
        mark = "" if status.verified else f"  [{status.label(lang)}]"
        lines.append(f"{label.title.get(lang)}: {reading}{mark}")
    for r in rep.reasons:
        lines.append(f"  * {r.get(lang)}")
    if rep.referrals:
        lines.append("Referrals (other bodies that must also decide):" if en else "转报（须由其他机关一并决定）：")
        for ref in rep.referrals:
            if ref.missing:
                what = (
                    f"may be needed; missing {', '.join(ref.missing)} to tell"
                    if en
                    else f"可能需要；缺少 {'、'.join(ref.missing)} 无法判断"
                )
            else:
                what = ref.reason.get(lang)
            lines.append(f"  → {ref.to.get(lang)} [{ref.id}]: {what}")
            if ref.citation is not None:
                c = ref.citation
                mark = "" if c.verified else f"  [{c.status.label(lang)}]"
                lines.append(f"    {'source' if en else '依据'}: {c.short()}{mark}")
    lines.extend(_commitments(rep.commitments, lang))
    if rep.missing_fields:
        lines.append(f"{'Missing data' if en else '缺少数据'}: {', '.join(rep.missing_fields)}")
    for note in rep.not_configured:
        head = "Plugin not configured, nothing checked" if en else "插件未配置，未参与评审"
        lines.append(f"{head}: {note.plugin} — {note.message.get(lang)}")
    lines.append("")
    findings = sorted(rep.findings, key=lambda f: (_ORDER[f.outcome], _SEV_ORDER[f.severity], f.rule_id))
    lines.extend(_table(findings, lang))
    cited = [f for f in findings if f.citation is not None and f.outcome is not Outcome.NOT_APPLICABLE]
    if cited:
        lines.append("")
        lines.append("Sources:" if en else "政策依据：")
        for f in cited:
            assert f.citation is not None
            mark = "" if f.figure_status.verified else f"  [{f.figure_status.label(lang)}]"
            lines.append(f"  {f.rule_id}: {f.citation.short()}{mark}")
    if rep.unverified_basis:
        lines.append("")
        ids = ", ".join(rep.unverified_basis)
        lines.append(
            f"Note: these findings rest on figures not marked verified; check the sources before relying on them: {ids}"
            if en
            else f"注意：以下判断所依据的数值未经核实（草案、部分核实或本地默认值），请核对出处后再采用：{ids}"
        )
    if rep.not_in_force:
        lines.append("")
        lines.append("Not in force on the as-of date:" if en else "评审日不在有效期内（未适用）：")
        for sk in rep.not_in_force:
            span = f"{sk.effective_from or '…'} ~ {sk.effective_until or '…'}"
            lines.append(f"  {sk.kind} {sk.id}: {span}")
    pv = rep.provenance
    packs = ", ".join(f"{pk.id}@{pk.version}" for pk in pv.packs)
    lines.append("")
    lines.append(
        f"{'As of' if en else '评审日期'}: {pv.as_of} · {'packs' if en else '规则包'}: {packs} · "
        f"heshan-vetting {pv.library_version} ({pv.engine})"
    )
    return lines


def render_text(reports: ReportSet, lang: str = "zh") -> str:
    """All reports as text, separated by a rule line."""
    blocks = ["\n".join(_report(r, lang)) for r in reports.reports]
    return ("\n\n" + "=" * 78 + "\n\n").join(blocks) + "\n"
