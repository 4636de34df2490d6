"""Browsing and linting a rule pack without a project: ``rules list``, ``rules show ID`` and ``rules check PACK``.

``list`` gives every rule of a compiled pack chain (id, severity, title, citation status, dates, source, the layer
that defines it and the layers it overrides); ``show`` one rule in full (its conditions as written and with the
thresholds it uses replaced by their titles and values, each threshold per layer and date, its citation, the
commitments that name it); ``check`` loads and compiles a pack (any error: exit 2 with file:line) and then lists
warnings about things that load but are probably wrong (see docs/rule-packs.md, "Browsing and linting a pack").
Text (at most 100 columns) and JSON, Chinese or English.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from heshan_vetting.builtins.render.layout import display_width, hang, pad
from heshan_vetting.errors import UsageError, did_you_mean
from heshan_vetting.lang import syntax as ast
from heshan_vetting.packs.compiled import CompiledPack, CompiledRule, CompiledThreshold, in_force
from heshan_vetting.packs.lint import CODES, lint
from heshan_vetting.packs.merge import MergedPack
from heshan_vetting.report import Citation, CitationStatus, Severity
from heshan_vetting.terms import format_number

if TYPE_CHECKING:
    from heshan_vetting.units import Units

__all__ = ["WIDTH", "add_rules_parsers", "rules_check", "rules_list", "rules_show", "run_rules"]

WIDTH = 100
"""The widest line the text output writes (a single unbreakable word may exceed it)."""


def add_rules_parsers(sub: Any) -> None:
    """Add ``list``, ``show`` and ``check`` to the ``rules`` command's sub-parsers ``sub``."""
    fmt = {"default": "text", "choices": ["text", "json"], "help": "output format (default: text)"}
    lang = {"default": "zh", "choices": ["zh", "en"], "help": "language of the output (default: zh)"}
    ls = sub.add_parser(
        "list",
        help="list the rules of a pack / 列出规则包的规则",
        description="Every rule of the compiled pack chain, by id: severity, title, citation status, dates, source, "
        "and the layer that defines it. 列出规则包（含上级规则包）的全部规则。",
    )
    ls.add_argument("--pack", default="heshan", metavar="ID|PATH", help="rule pack id or file (default: heshan)")
    ls.add_argument("--tag", action="append", default=[], metavar="T", help="only rules with this tag (repeatable)")
    ls.add_argument("--severity", action="append", default=[], choices=[s.value for s in Severity])
    ls.add_argument(
        "--layer", metavar="PACKID", help="only rules the pack PACKID defines (its own or an override of a parent's)"
    )
    ls.add_argument("--format", **fmt)
    ls.add_argument("--lang", **lang)
    show = sub.add_parser(
        "show",
        help="show one rule in full / 显示一条规则的全部内容",
        description="One rule in full: its conditions (as written and with threshold values), the thresholds it "
        "uses per layer and date, its citation, which layer overrides which. 显示一条规则的全部内容。",
    )
    show.add_argument("rule_id", metavar="ID", help="the rule id (e.g. HS-2H-001)")
    show.add_argument("--pack", default="heshan", metavar="ID|PATH", help="rule pack id or file (default: heshan)")
    show.add_argument("--as-of", type=_date, metavar="DATE", help="show the threshold values in force on DATE")
    show.add_argument("--format", **fmt)
    show.add_argument("--lang", **lang)
    chk = sub.add_parser(
        "check",
        help="lint a pack without a project / 检查规则包（无需项目）",
        description="Load and compile a pack (an error: exit 2, with file:line), then warn about rules that can "
        "never apply, thresholds that loosen a parent's, unverified figures, dates that have passed or never "
        "start, and citations without a document number or date. Exit 0, or 1 with --strict when there are "
        "warnings. 检查规则包：错误退出码 2；有警告时加 --strict 退出码 1。",
    )
    chk.add_argument("pack", metavar="PACK", help="rule pack id or file")
    chk.add_argument("--strict", action="store_true", help="exit 1 when there is any warning")
    chk.add_argument("--today", type=_date, metavar="DATE", help="the date 'passed' is judged against (default: today)")
    chk.add_argument("--format", **fmt)
    chk.add_argument("--lang", **lang)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2024-03-01, got {text!r}") from None


def run_rules(args: argparse.Namespace) -> int:
    """Run ``rules list|show|check``: write the output to stdout and return the exit code."""
    import sys

    if args.rules_command == "list":
        text, code = rules_list(
            args.pack, tags=args.tag, severities=args.severity, layer=args.layer, fmt=args.format, lang=args.lang
        )
    elif args.rules_command == "show":
        text, code = rules_show(args.pack, args.rule_id, as_of=args.as_of, fmt=args.format, lang=args.lang)
    else:
        text, code = rules_check(args.pack, strict=args.strict, today=args.today, fmt=args.format, lang=args.lang)
    sys.stdout.write(text)
    return code


# ---------------------------------------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class _Pack:
    compiled: CompiledPack
    merged: MergedPack
    units: Units


def _load(spec: str) -> _Pack:
    """Load and compile ``spec`` as a check would (plugins' facts and pack paths included)."""
    from heshan_vetting.packs.load import load_pack
    from heshan_vetting.vetter import Vetter

    vetter = Vetter(spec)
    return _Pack(vetter.pack, load_pack(spec, vetter.pack_paths), vetter.units)


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _dates(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return "—"
    return f"{start or '…'} ~ {end or '…'}"


def _layers(m: MergedPack, rule_id: str) -> list[str]:
    """The packs of the chain that define rule ``rule_id``, parents first (the last one is in force)."""
    return [lp.model.pack.id for lp in m.chain if any(r.id == rule_id for r in lp.model.rules)]


def _source(c: Citation) -> str:
    parts = [c.short()]
    if c.date:
        parts.append(str(c.date))
    return " ".join(parts)


def _status(c: Citation, lang: str) -> str:
    return c.status.label(lang)


def _citation_json(c: Citation) -> dict[str, Any]:
    return c.model_dump(mode="json", exclude_none=True)


# -------------------------------------------------------------------------------------------------------------- list


def _rule_row(rule: CompiledRule, m: MergedPack, lang: str) -> dict[str, Any]:
    layers = _layers(m, rule.id)
    return {
        "id": rule.id,
        "severity": rule.severity.value,
        "title": rule.title.get(lang),
        "title_zh": rule.title.zh,
        "title_en": rule.title.en,
        "status": rule.citation.status.value,
        "status_text": _status(rule.citation, lang),
        "effective_from": rule.effective_from.isoformat() if rule.effective_from else None,
        "effective_until": rule.effective_until.isoformat() if rule.effective_until else None,
        "source": {
            "title": rule.citation.title,
            "number": rule.citation.number,
            "date": rule.citation.date.isoformat() if rule.citation.date else None,
        },
        "layer": rule.pack_id,
        "overrides": layers[:-1],
        "tags": list(rule.tags),
        "waivable": rule.waivable,
        "waiver_grounds": sorted(rule.waiver_grounds) if rule.waiver_grounds is not None else None,
    }


def rules_list(
    spec: str,
    *,
    tags: Sequence[str] = (),
    severities: Sequence[str] = (),
    layer: str | None = None,
    fmt: str = "text",
    lang: str = "zh",
) -> tuple[str, int]:
    """``rules list``: the output text and exit code. An unknown tag or layer is a :class:`UsageError`."""
    p = _load(spec)
    chain = [lp.model.pack.id for lp in p.merged.chain]
    if layer is not None and layer not in chain:
        en, zh = did_you_mean(layer, chain)
        raise UsageError(
            f"The pack chain has no layer {layer!r}{en or ';'} its layers are: {', '.join(chain)}.",
            message_zh=f"规则包链中没有层级 {layer!r}{zh or '；'}现有层级：{'、'.join(chain)}。",
            field="--layer",
        )
    known_tags = {t for r in p.compiled.rules for t in r.tags}
    for tag in tags:
        if tag not in known_tags:
            en, zh = did_you_mean(tag, known_tags)
            raise UsageError(
                f"No rule of pack {p.compiled.id!r} has the tag {tag!r}{en or '.'}",
                message_zh=f"规则包 {p.compiled.id!r} 中没有规则带有标签 {tag!r}{zh or '。'}",
                field="--tag",
            )
    rows = []
    for rule in sorted(p.compiled.rules, key=lambda r: r.id):
        if tags and not set(tags) & set(rule.tags):
            continue
        if severities and rule.severity.value not in severities:
            continue
        if layer is not None and layer not in _layers(p.merged, rule.id):
            continue
        rows.append(_rule_row(rule, p.merged, lang))
    if fmt == "json":
        data = {"pack": p.compiled.id, "version": p.compiled.version, "layers": chain, "rules": rows}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n", 0
    return _list_text(p.compiled, rows, lang), 0


def _list_text(pack: CompiledPack, rows: list[dict[str, Any]], lang: str) -> str:
    out = [
        _t(
            lang,
            f"规则包 {pack.id} {pack.version}：{len(rows)} 条规则",
            f"Pack {pack.id} {pack.version}: {len(rows)} rule(s)",
        ),
        "",
    ]
    heads = (
        _t(lang, "编号", "ID"),
        _t(lang, "级别", "SEVERITY"),
        _t(lang, "层级", "LAYER"),
        _t(lang, "核实状态", "STATUS"),
        _t(lang, "有效期", "IN FORCE"),
    )
    cells = [
        (
            r["id"],
            r["severity"],
            r["layer"],
            r["status_text"],
            _dates(_d(r["effective_from"]), _d(r["effective_until"])),
        )
        for r in rows
    ]
    widths = [max([display_width(h), *(display_width(c[i]) for c in cells)]) for i, h in enumerate(heads)]
    out.append("  ".join(pad(h, w) for h, w in zip(heads, widths, strict=True)).rstrip())
    out.append("-" * min(WIDTH, sum(widths) + 2 * (len(widths) - 1)))
    for r, c in zip(rows, cells, strict=True):
        out.append("  ".join(pad(x, w) for x, w in zip(c, widths, strict=True)).rstrip())
        out.extend(hang(r["title"], WIDTH, "    "))
        src = r["source"]["title"] + (f"（{r['source']['number']}）" if r["source"]["number"] else "")
        out.extend(hang(src, WIDTH, _t(lang, "    出处：", "    source: ")))
        if r["overrides"]:
            over = "、".join(r["overrides"]) if lang == "zh" else ", ".join(r["overrides"])
            out.extend(hang(over, WIDTH, _t(lang, "    覆盖上级：", "    overrides: ")))
    return "\n".join(out) + "\n"


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# -------------------------------------------------------------------------------------------------------------- show


def _value_text(value: float, unit: str) -> str:
    number = format_number(value, None)
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}".strip()


def _derived_reads(pack: CompiledPack, names: Iterable[str]) -> list[str]:
    """``names`` and everything the derived metrics among them read, transitively, in first-seen order."""
    through = {d.name: d.reads for d in pack.derived}
    seen: dict[str, None] = {}
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name not in seen:
            seen[name] = None
            todo.extend(through.get(name, ()))
    return list(seen)


def _thresholds_used(pack: CompiledPack, rule: CompiledRule) -> list[str]:
    names = [n.id for tree in (rule.applies_tree, rule.require_tree) if tree is not None for n in ast.names_in(tree)]
    return [n for n in _derived_reads(pack, names) if n in pack.thresholds]


def _substitute(text: str, tree: ast.Node, values: dict[str, str]) -> str:
    """``text`` (the condition as written) with each threshold name replaced by ``values[name]``."""
    out = text
    for name in sorted(ast.names_in(tree), key=lambda n: -n.pos):
        if name.id in values and out[name.pos : name.pos + len(name.id)] == name.id:
            out = out[: name.pos] + values[name.id] + out[name.pos + len(name.id) :]
    return out


def _periods(pack: CompiledPack, names: list[str], as_of: date | None) -> list[tuple[date | None, date | None]]:
    """The periods over which every threshold in ``names`` keeps one value (only ``as_of``'s if given)."""
    if as_of is not None:
        return [(as_of, as_of)]
    starts: set[date] = set()
    for name in names:
        for s, e, _v, _c in pack.thresholds[name].values:
            if s is not None:
                starts.add(s)
            if e is not None and e < date.max:
                starts.add(date.fromordinal(e.toordinal() + 1))
    bounds: list[date | None] = [None, *sorted(starts)]
    out: list[tuple[date | None, date | None]] = []
    for i, s in enumerate(bounds):
        nxt = bounds[i + 1] if i + 1 < len(bounds) else None
        end = date.fromordinal(nxt.toordinal() - 1) if nxt is not None else None
        out.append((s, end))
    return out


def _value_on(th: CompiledThreshold, day: date | None) -> float | None:
    for s, e, v, _c in th.values:
        if day is None:
            if s is None:
                return v
        elif in_force(s, e, day):
            return v
    return None


def _readable(
    pack: CompiledPack, rule: CompiledRule, text: str, tree: ast.Node, as_of: date | None, lang: str
) -> list[dict[str, Any]]:
    names = [n for n in _thresholds_used(pack, rule) if n in {x.id for x in ast.names_in(tree)}]
    if not names:
        return []
    out: list[dict[str, Any]] = []
    for start, end in _periods(pack, names, as_of):
        if as_of is None and all(_value_on(pack.thresholds[n], start) is None for n in names):
            continue
        values: dict[str, str] = {}
        for name in names:
            th = pack.thresholds[name]
            v = _value_on(th, start)
            shown = _value_text(v, th.unit) if v is not None else _t(lang, "（未生效）", "(not in force)")
            values[name] = f"{th.title.get(lang)}〔{shown}〕"
        item = {
            "from": start.isoformat() if start else None,
            "until": end.isoformat() if end else None,
            "text": _substitute(text, tree, values),
        }
        if not out or out[-1]["text"] != item["text"]:
            out.append(item)
        else:
            out[-1]["until"] = item["until"]
    if as_of is not None:
        out[0]["from"] = out[0]["until"] = as_of.isoformat()
    return out


def _threshold_layers(p: _Pack, name: str) -> list[dict[str, Any]]:
    m = p.merged
    out = []
    for src in [*m.overridden_thresholds.get(name, []), m.thresholds[name]]:
        th = src.item
        vals = []
        for v in th.dated_values():
            c = v.citation or th.citation
            vals.append(
                {
                    "value": v.value if isinstance(v.value, str) else _value_text(v.value, th.unit),
                    "effective_from": v.effective_from.isoformat() if v.effective_from else None,
                    "effective_until": v.effective_until.isoformat() if v.effective_until else None,
                    "citation": _citation_json(c) if c else None,
                }
            )
        line, _ = src.doc.locate(src.path)
        out.append(
            {
                "layer": src.pack_id,
                "file": src.doc.path,
                "line": line,
                "title": th.title.model_dump(),
                "unit": th.unit,
                "values": vals,
            }
        )
    return out


def rules_show(
    spec: str, rule_id: str, *, as_of: date | None = None, fmt: str = "text", lang: str = "zh"
) -> tuple[str, int]:
    """``rules show``: the output text and exit code. An unknown rule id is a :class:`UsageError`."""
    p = _load(spec)
    pack = p.compiled
    rules = {r.id: r for r in pack.rules}
    rule = rules.get(rule_id)
    if rule is None:
        en, zh = did_you_mean(rule_id, rules)
        raise UsageError(
            f"Pack {pack.id!r} has no rule {rule_id!r}{en or '.'}",
            message_zh=f"规则包 {pack.id!r} 中没有规则 {rule_id!r}{zh or '。'}",
            field="ID",
        )
    src = p.merged.rules[rule_id]
    line, _ = src.doc.locate(src.path)
    history = []
    for lp in p.merged.chain:
        for i, r in enumerate(lp.model.rules):
            if r.id == rule_id:
                at, _ = lp.doc.locate(("rules", i))
                history.append({"layer": lp.model.pack.id, "file": lp.doc.path, "line": at, "replaces": r.replaces})
    conditions: dict[str, Any] = {}
    for key, text, tree in (
        ("applies_if", src.item.applies_if, rule.applies_tree),
        ("require", src.item.require, rule.require_tree),
    ):
        if text is None or tree is None:
            continue
        conditions[key] = {"written": text, "with_values": _readable(pack, rule, text, tree, as_of, lang)}
    every = _derived_reads(pack, rule.reads)
    facts = [n for n in every if n not in pack.thresholds and n not in p.merged.sets and n not in p.merged.tables]
    commitments = [
        {"id": c.id, "title": c.title.get(lang), "layer": c.pack_id, "floor": c.floor}
        for c in pack.commitments
        if c.rule_id == rule_id
    ]
    data: dict[str, Any] = {
        **_rule_row(rule, p.merged, lang),
        "pack": pack.id,
        "as_of": as_of.isoformat() if as_of else None,
        "message": rule.message.model_dump() if rule.message else None,
        "file": src.doc.path,
        "line": line,
        "history": history,
        "conditions": conditions,
        "reads": [
            {"name": n, "title": pack.titles[n].get(lang) if n in pack.titles else n, "unit": pack.units_of.get(n, "")}
            for n in facts
        ],
        "thresholds": {n: _threshold_layers(p, n) for n in _thresholds_used(pack, rule)},
        "lists": [_list_entry(p, n, lang) for n in every if n in p.merged.sets or n in p.merged.tables],
        "citation": _citation_json(rule.citation),
        "commitments": commitments,
    }
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n", 0
    return _show_text(data, lang), 0


def _list_entry(p: _Pack, name: str, lang: str) -> dict[str, Any]:
    """A set or table a rule reads: its kind, title, size, layer and citation."""
    if name in p.merged.sets:
        s_src = p.merged.sets[name]
        kind, title, size, c = "set", s_src.item.title, len(s_src.item.members), s_src.item.citation
        layer = s_src.pack_id
    else:
        t_src = p.merged.tables[name]
        kind, title, size, c = "table", t_src.item.title, len(t_src.item.rows), t_src.item.citation
        layer = t_src.pack_id
    return {"name": name, "kind": kind, "title": title.get(lang) if title else None, "size": size,
            "layer": layer, "citation": _citation_json(c) if c else None}  # fmt: skip


def _show_text(d: dict[str, Any], lang: str) -> str:
    out: list[str] = []

    def add(label: str, text: str, indent: str = "") -> None:
        out.extend(hang(text, WIDTH, f"{indent}{label}"))

    out.append(f"{d['id']}  {d['title_zh']}")
    out.extend(hang(d["title_en"], WIDTH, " " * (display_width(d["id"]) + 2)))
    out.append("")
    add(
        _t(lang, "级别：", "severity: "),
        d["severity"] + (_t(lang, "（可豁免）", " (waivable)") if d["waivable"] else ""),
    )
    if d["waiver_grounds"]:
        add(_t(lang, "可援引的豁免情形：", "waiver grounds: "), ", ".join(d["waiver_grounds"]))
    add(_t(lang, "有效期：", "in force: "), _dates(_d(d["effective_from"]), _d(d["effective_until"])))
    if d["tags"]:
        add(_t(lang, "标签：", "tags: "), ", ".join(d["tags"]))
    add(_t(lang, "定义于：", "defined in: "), f"{d['layer']} ({d['file']}:{d['line']})")
    if len(d["history"]) > 1:
        steps = " → ".join(h["layer"] for h in d["history"])
        add(
            _t(lang, "覆盖关系：", "overrides: "),
            steps + _t(lang, f"（{d['layer']} 的定义生效）", f" ({d['layer']}'s definition is in force)"),
        )
    if d["message"]:
        add(_t(lang, "说明：", "message: "), d["message"][lang])
    out.append("")
    names = {
        "applies_if": _t(lang, "适用条件 applies_if", "applies if"),
        "require": _t(lang, "要求 require", "requires"),
    }
    for key, cond in d["conditions"].items():
        out.append(names[key] + _t(lang, "：", ":"))
        out.extend(hang(cond["written"], WIDTH, "    "))
        for item in cond["with_values"]:
            period = _dates(_d(item["from"]), _d(item["until"]))
            if period == "—":
                period = _t(lang, "任何日期", "any date")
            if d["as_of"]:
                period = d["as_of"]
            out.extend(hang(item["text"], WIDTH, f"    [{period}] ", "      "))
    if d["reads"]:
        out.append(_t(lang, "读取的数据：", "reads:"))
        for r in d["reads"]:
            out.extend(hang(f"{r['name']}  {r['title']}" + (f" [{r['unit']}]" if r["unit"] else ""), WIDTH, "    "))
    for name, layers in d["thresholds"].items():
        out.append(_t(lang, f"阈值 {name}：", f"threshold {name}:"))
        for i, layer in enumerate(layers):
            state = _t(lang, "生效", "in force") if i == len(layers) - 1 else _t(lang, "被覆盖", "overridden")
            out.extend(
                hang(
                    f"{layer['layer']} ({state}; {layer['file']}:{layer['line']}) {layer['title'][lang]}", WIDTH, "    "
                )
            )
            for v in layer["values"]:
                c = v["citation"]
                cite = f"{_source(Citation(**c))}, {CitationStatus(c['status']).label(lang)}" if c else "—"
                add(
                    "",
                    f"{v['value']}  [{_dates(_d(v['effective_from']), _d(v['effective_until']))}]  {cite}",
                    "        ",
                )
    out.append(_t(lang, "出处：", "citation:"))
    c = d["citation"]
    fields = (
        ("title", "文件", "title"),
        ("number", "文号", "number"),
        ("issuer", "发文机关", "issuer"),
        ("clause", "条款", "clause"),
        ("date", "日期", "date"),
        ("jurisdiction", "地区", "jurisdiction"),
        ("url", "网址", "url"),
        ("status", "核实状态", "status"),
        ("note", "备注", "note"),
    )
    for key, zh, en in fields:
        if key in c:
            value = CitationStatus(c[key]).label(lang) if key == "status" else str(c[key])
            add(_t(lang, f"{zh}：", f"{en}: "), value, "    ")
    if d["lists"]:
        out.append(_t(lang, "使用的集合与查找表：", "sets and tables used:"))
        for e in d["lists"]:
            size = _t(lang, f"{e['size']} 项" if e["kind"] == "set" else f"{e['size']} 行",
                      f"{e['size']} members" if e["kind"] == "set" else f"{e['size']} rows")  # fmt: skip
            c = e["citation"]
            cite = f"{_source(Citation(**c))}, {CitationStatus(c['status']).label(lang)}" if c else "—"
            add("", f"{e['name']} ({e['kind']}, {size}; {e['layer']}) {e['title'] or ''}", "    ")
            add("", cite, "        ")
    if d["commitments"]:
        out.append(_t(lang, "引用本规则的承诺事项：", "commitments that name this rule:"))
        for cm in d["commitments"]:
            add("", f"{cm['id']}  {cm['title']} ({cm['layer']}; floor {cm['floor']})", "    ")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------------------- check


def rules_check(
    spec: str, *, strict: bool = False, today: date | None = None, fmt: str = "text", lang: str = "zh"
) -> tuple[str, int]:
    """``rules check``: the output text and exit code (0; 1 with ``strict`` and a warning). Load and compile
    errors raise :class:`~heshan_vetting.errors.RulePackError` (exit 2)."""
    p = _load(spec)
    day = today or date.today()
    warnings = lint(p.compiled, p.merged, p.units, day)
    code = 1 if strict and warnings else 0
    pack = p.compiled
    if fmt == "json":
        counts = {c: sum(w.code == c for w in warnings) for c in CODES}
        data = {
            "pack": pack.id,
            "version": pack.version,
            "files": [str(f) for f in p.merged.files],
            "today": day.isoformat(),
            "covers": [d.isoformat() if d else None for d in pack.covers],
            "errors": [],
            "warnings": [w.as_json() for w in warnings],
            "counts": {c: n for c, n in counts.items() if n},
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n", code
    out = [
        _t(
            lang,
            f"规则包 {pack.id} {pack.version}：加载并编译通过"
            f"（{len(pack.rules)} 条规则，{len(pack.thresholds)} 个阈值）。",
            f"Pack {pack.id} {pack.version}: loads and compiles ({len(pack.rules)} rules, "
            f"{len(pack.thresholds)} thresholds).",
        ),
    ]
    if not warnings:
        out.append(_t(lang, "没有警告。", "No warnings."))
    else:
        out.append(_t(lang, f"{len(warnings)} 条警告：", f"{len(warnings)} warning(s):"))
    current = None
    for w in warnings:
        if w.code != current:
            current = w.code
            en, zh = CODES[w.code]
            out += ["", f"[{w.code}] {_t(lang, zh, en)}"]
        where = f"{w.file}:{w.line}" if w.line else w.file
        out.extend(hang(where, WIDTH, "  "))
        out.extend(hang(w.message_en if lang == "en" else w.message_zh, WIDTH, "    "))
    return "\n".join(out) + "\n", code
