"""The policy coverage page: every policy element of a pack chain with its status, source and dates.

``python -m heshan_vetting coverage --pack heshan`` prints it as Markdown; ``docs/policy-coverage.md``
is that output, and a test fails when the two differ, so the page cannot drift from the packs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from heshan_vetting.packs.merge import LoadedPack, MergedPack
from heshan_vetting.packs.schema import ThresholdDef
from heshan_vetting.report import Citation, CitationStatus

__all__ = ["STATUS_TEXT", "policy_coverage"]

STATUS_TEXT: dict[str, tuple[str, str]] = {s.value: (s.meaning("zh"), s.meaning("en")) for s in CitationStatus}
"""Each citation status's long name (zh, en), from :meth:`CitationStatus.meaning`, in the order the page lists them."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _source(c: Citation | None) -> str:
    if c is None:
        return "—"
    parts = [c.short()]
    if c.issuer:
        parts.append(c.issuer)
    if c.date:
        parts.append(str(c.date))
    text = "；".join(parts)
    if c.note:
        text += f"<br>*{c.note}*"
    return _cell(text)


def _status(c: Citation | None) -> str:
    if c is None:
        return "no citation / 无出处"
    zh, en = c.status.meaning("zh"), c.status.meaning("en")
    return f"{zh} / {en}"


def _dates(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return "—"
    return f"{start or '…'} ~ {end or '…'}"


def _threshold_rows(name: str, th: ThresholdDef) -> Iterable[str]:
    for v in th.dated_values():
        value = v.value if isinstance(v.value, str) else f"{v.value:g} {th.unit}".strip()
        c = v.citation or th.citation
        yield (
            f"| `{name}` | {_cell(th.title.zh)} | {_cell(str(value))} | {_dates(v.effective_from, v.effective_until)} "
            f"| {_source(c)} | {_status(c)} |"
        )


def _pack_section(lp: LoadedPack) -> list[str]:
    m = lp.model
    meta = m.pack
    out = [
        f"## `{meta.id}` — {meta.title.zh}",
        "",
        f"{meta.title.en}. Version {meta.version}; jurisdiction {meta.jurisdiction}"
        + (f"; extends `{meta.extends}`" if meta.extends else "")
        + (f"; in force {_dates(meta.effective_from, meta.effective_until)}" if meta.effective_from else "")
        + (f"; covers {_dates(meta.covers_from, meta.covers_until)}"
           if meta.covers_from or meta.covers_until else "")
        + f"; sha256 `{lp.sha256[:12]}…`.",
        "",
    ]  # fmt: skip
    if meta.covers_note is not None:
        out += [f"Covered period / 覆盖期: {meta.covers_note.zh} {meta.covers_note.en}", ""]
    if m.rules:
        out += [
            "### Rules / 规则",
            "",
            "| id | rule | severity | in force | source | status |",
            "|---|---|---|---|---|---|",
        ]
        for r in sorted(m.rules, key=lambda r: r.id):
            out.append(
                f"| `{r.id}` | {_cell(r.title.zh)}<br>{_cell(r.title.en)} | {r.severity.value} "
                f"| {_dates(r.effective_from, r.effective_until)} | {_source(r.citation)} | {_status(r.citation)} |"
            )
        out.append("")
    if m.thresholds:
        out += ["### Thresholds / 阈值", "", "| name | threshold | value | in force | source | status |"]
        out.append("|---|---|---|---|---|---|")
        for name in sorted(m.thresholds):
            out.extend(_threshold_rows(name, m.thresholds[name]))
        out.append("")
    lists = [(f"set, {len(s.members)} members", n, s.title, s.citation) for n, s in m.sets.items()]
    lists += [(f"table, {len(t.rows)} rows", n, t.title, t.citation) for n, t in m.tables.items()]
    if lists:
        out += ["### Sets and tables / 集合与查找表", "", "| name | kind | title | source | status |"]
        out.append("|---|---|---|---|---|")
        for kind, name, title, c in sorted(lists, key=lambda x: x[1]):
            out.append(f"| `{name}` | {kind} | {_cell(title.zh) if title else '—'} | {_source(c)} | {_status(c)} |")
        out.append("")
    if m.indicators or m.verdict:
        out += ["### Score / 评分", "", "| indicator | weight | floor → target | source | status |"]
        out.append("|---|---|---|---|---|")
        for ind in sorted(m.indicators, key=lambda i: i.id):
            out.append(
                f"| `{ind.id}` {_cell(ind.title.zh)} | {ind.weight:g} | {ind.floor} → {ind.target} "
                f"| {_source(ind.citation)} | {_status(ind.citation)} |"
            )
        if m.verdict:
            v = m.verdict
            out.append(
                f"| verdict lines | — | conditional ≥ {v.conditional_min:g}, approve ≥ {v.approve_min:g} "
                f"| {_source(v.citation)} | {_status(v.citation)} |"
            )
        out.append("")
    if m.labels:
        out += ["### Labels / 标签", "", "| id | label | cases | source | status |", "|---|---|---|---|---|"]
        for label in sorted(m.labels, key=lambda x: x.id):
            cases = "<br>".join(f"`{_cell(c.when)}` → {_cell(c.value.zh)}" for c in label.cases)
            out.append(
                f"| `{label.id}` | {_cell(label.title.zh)} | {cases} | {_source(label.citation)} "
                f"| {_status(label.citation)} |"
            )
        out.append("")
    if m.commitments:
        out += [
            "### Commitments for the agreement / 监管协议承诺事项",
            "",
            "| id | commitment | figure ≥ floor (rule) | due | on a miss: source | status |",
            "|---|---|---|---|---|---|",
        ]
        for cm in sorted(m.commitments, key=lambda x: x.id):
            rule = f" (`{cm.rule}`)" if cm.rule else ""
            due = f"`{cm.due_from}` + {cm.due_months} months"
            out.append(
                f"| `{cm.id}` | {_cell(cm.title.zh)}<br>{_cell(cm.title.en)} "
                f"| `{cm.fact}` ≥ `{cm.floor}`{rule} | {due} "
                f"| {_source(cm.citation)}; on a miss: {_source(cm.on_miss_citation)} "
                f"| {_status(cm.citation)}; on a miss: {_status(cm.on_miss_citation)} |"
            )
        out.append("")
    if m.scope is not None:
        sc = m.scope
        out += [
            "### Scope / 评审范围",
            "",
            "| scope | condition | outside it | source | status |",
            "|---|---|---|---|---|",
            f"| {_cell(sc.title.zh)}<br>{_cell(sc.title.en)} | `{_cell(sc.when)}` | {_cell(sc.outside.zh)} "
            f"| {_source(sc.citation)} | {_status(sc.citation)} |",
            "",
        ]
    if m.referrals:
        out += ["### Referrals / 转报", "", "| id | to | when | in force | source | status |"]
        out.append("|---|---|---|---|---|---|")
        for ref in sorted(m.referrals, key=lambda x: x.id):
            out.append(
                f"| `{ref.id}` | {_cell(ref.to.zh)}<br>{_cell(ref.to.en)} | `{_cell(ref.when)}` "
                f"| {_dates(ref.effective_from, ref.effective_until)} | {_source(ref.citation)} "
                f"| {_status(ref.citation)} |"
            )
        out.append("")
    if m.gaps:
        out += ["### Not encoded / 未编入", "", "| id | policy element | why not | source |", "|---|---|---|---|"]
        for g in sorted(m.gaps, key=lambda x: x.id):
            out.append(
                f"| `{g.id}` | {_cell(g.title.zh)}<br>{_cell(g.title.en)} "
                f"| {_cell(g.reason.zh)}<br>{_cell(g.reason.en)} | {_source(g.citation)} |"
            )
        out.append("")
    return out


def policy_coverage(merged: MergedPack) -> str:
    """The coverage page of a merged pack chain, as Markdown (deterministic: sorted by id)."""
    top = merged.top.model.pack
    counts: dict[str, int] = {}
    gaps = 0
    for lp in merged.chain:
        m = lp.model
        cites: list[Citation | None] = [r.citation for r in m.rules]
        cites += [v.citation or th.citation for th in m.thresholds.values() for v in th.dated_values()]
        cites += [s.citation for s in m.sets.values()] + [t.citation for t in m.tables.values()]
        cites += [i.citation for i in m.indicators] + [label.citation for label in m.labels]
        cites += [x for cm in m.commitments for x in (cm.citation, cm.on_miss_citation)]
        cites += [ref.citation for ref in m.referrals] + ([m.scope.citation] if m.scope is not None else [])
        for c in cites:
            key = c.status.value if c else "none"
            counts[key] = counts.get(key, 0) + 1
        gaps += len(m.gaps)
    summary = ", ".join(f"{k} {counts[k]}" for k in [*STATUS_TEXT, "none"] if k in counts)
    lines = [
        f"# Policy coverage / 政策覆盖：`{top.id}`",
        "",
        "<!-- Generated from the rule packs; do not edit by hand. -->",
        f"Generated by `python -m heshan_vetting coverage --pack {top.id}` from the packs "
        + " → ".join(f"`{lp.model.pack.id}`" for lp in merged.chain)
        + ". Every element shows where it comes from and how far its figure is confirmed; "
        "elements the packs know of but do not encode are listed under *Not encoded*, with the reason.",
        "",
        f"Elements by status: {summary}; not encoded: {gaps}.",
        "",
        "| status | meaning |",
        "|---|---|",
        *(f"| `{k}` | {zh} / {en} |" for k, (zh, en) in STATUS_TEXT.items()),
        "",
    ]
    for lp in merged.chain:
        lines.extend(_pack_section(lp))
    return "\n".join(lines).rstrip() + "\n"
