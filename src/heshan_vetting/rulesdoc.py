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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from heshan_vetting.builtins.render.layout import display_width, hang, pad
from heshan_vetting.errors import UsageError, did_you_mean
from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.syntax import assert_never
from heshan_vetting.packs.compiled import CompiledPack, CompiledRule, CompiledThreshold, in_force
from heshan_vetting.packs.merge import MergedPack, Sourced
from heshan_vetting.report import Citation, CitationStatus, Severity
from heshan_vetting.terms import format_number

if TYPE_CHECKING:
    from heshan_vetting.units import Units

__all__ = ["WIDTH", "Warning_", "add_rules_parsers", "lint", "run_rules"]

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
        text, code = rules_list(args.pack, tags=args.tag, severities=args.severity, layer=args.layer,
                                fmt=args.format, lang=args.lang)  # fmt: skip
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
        "source": {"title": rule.citation.title, "number": rule.citation.number,
                   "date": rule.citation.date.isoformat() if rule.citation.date else None},  # fmt: skip
        "layer": rule.pack_id,
        "overrides": layers[:-1],
        "tags": list(rule.tags),
        "waivable": rule.waivable,
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
        _t(lang, f"规则包 {pack.id} {pack.version}：{len(rows)} 条规则", f"Pack {pack.id} {pack.version}: "
           f"{len(rows)} rule(s)"),  # fmt: skip
        "",
    ]
    heads = (_t(lang, "编号", "ID"), _t(lang, "级别", "SEVERITY"), _t(lang, "层级", "LAYER"),
             _t(lang, "核实状态", "STATUS"), _t(lang, "有效期", "IN FORCE"))  # fmt: skip
    cells = [(r["id"], r["severity"], r["layer"], r["status_text"],
              _dates(_d(r["effective_from"]), _d(r["effective_until"]))) for r in rows]  # fmt: skip
    widths = [max([display_width(h), *(display_width(c[i]) for c in cells)]) for i, h in enumerate(heads)]
    out.append("  ".join(pad(h, w) for h, w in zip(heads, widths)).rstrip())
    out.append("-" * min(WIDTH, sum(widths) + 2 * (len(widths) - 1)))
    for r, c in zip(rows, cells):
        out.append("  ".join(pad(x, w) for x, w in zip(c, widths)).rstrip())
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
        values: dict[str, str] = {}
        for name in names:
            th = pack.thresholds[name]
            v = _value_on(th, start)
            shown = _value_text(v, th.unit) if v is not None else _t(lang, "（未生效）", "(not in force)")
            values[name] = f"{th.title.get(lang)}〔{shown}〕"
        item = {"from": start.isoformat() if start else None, "until": end.isoformat() if end else None,
                "text": _substitute(text, tree, values)}  # fmt: skip
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
            vals.append({
                "value": v.value if isinstance(v.value, str) else _value_text(v.value, th.unit),
                "effective_from": v.effective_from.isoformat() if v.effective_from else None,
                "effective_until": v.effective_until.isoformat() if v.effective_until else None,
                "citation": _citation_json(c) if c else None,
            })  # fmt: skip
        line, _ = src.doc.locate(src.path)
        out.append({"layer": src.pack_id, "file": src.doc.path, "line": line, "title": th.title.model_dump(),
                    "unit": th.unit, "values": vals})  # fmt: skip
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
    for key, text, tree in (("applies_if", src.item.applies_if, rule.applies_tree),
                            ("require", src.item.require, rule.require_tree)):  # fmt: skip
        if text is None or tree is None:
            continue
        conditions[key] = {"written": text, "with_values": _readable(pack, rule, text, tree, as_of, lang)}
    facts = [n for n in _derived_reads(pack, rule.reads) if n not in pack.thresholds]
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
        "reads": [{"name": n, "title": pack.titles[n].get(lang) if n in pack.titles else n,
                   "unit": pack.units_of.get(n, "")} for n in facts],  # fmt: skip
        "thresholds": {n: _threshold_layers(p, n) for n in _thresholds_used(pack, rule)},
        "citation": _citation_json(rule.citation),
        "commitments": commitments,
    }
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n", 0
    return _show_text(data, lang), 0


def _show_text(d: dict[str, Any], lang: str) -> str:
    out: list[str] = []

    def add(label: str, text: str, indent: str = "") -> None:
        out.extend(hang(text, WIDTH, f"{indent}{label}"))

    out.append(f"{d['id']}  {d['title_zh']}")
    out.extend(hang(d["title_en"], WIDTH, " " * (display_width(d["id"]) + 2)))
    out.append("")
    add(_t(lang, "级别：", "severity: "), d["severity"] + (_t(lang, "（可豁免）", " (waivable)") if d["waivable"] else ""))
    add(_t(lang, "有效期：", "in force: "), _dates(_d(d["effective_from"]), _d(d["effective_until"])))
    if d["tags"]:
        add(_t(lang, "标签：", "tags: "), ", ".join(d["tags"]))
    add(_t(lang, "定义于：", "defined in: "), f"{d['layer']} ({d['file']}:{d['line']})")
    if len(d["history"]) > 1:
        steps = " → ".join(h["layer"] for h in d["history"])
        add(_t(lang, "覆盖关系：", "overrides: "),
            steps + _t(lang, f"（{d['layer']} 的定义生效）", f" ({d['layer']}'s definition is in force)"))  # fmt: skip
    if d["message"]:
        add(_t(lang, "说明：", "message: "), d["message"][lang])
    out.append("")
    names = {"applies_if": _t(lang, "适用条件 applies_if", "applies if"), "require": _t(lang, "要求 require", "requires")}
    for key, cond in d["conditions"].items():
        out.append(names[key] + _t(lang, "：", ":"))
        out.extend(hang(cond["written"], WIDTH, "    "))
        for item in cond["with_values"]:
            period = _dates(_d(item["from"]), _d(item["until"]))
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
            out.extend(hang(f"{layer['layer']} ({state}; {layer['file']}:{layer['line']}) {layer['title'][lang]}",
                            WIDTH, "    "))  # fmt: skip
            for v in layer["values"]:
                c = v["citation"]
                cite = f"{_source(Citation(**c))}, {CitationStatus(c['status']).label(lang)}" if c else "—"
                add("", f"{v['value']}  [{_dates(_d(v['effective_from']), _d(v['effective_until']))}]  {cite}",
                    "        ")  # fmt: skip
    out.append(_t(lang, "出处：", "citation:"))
    c = d["citation"]
    fields = (("title", "文件", "title"), ("number", "文号", "number"), ("issuer", "发文机关", "issuer"),
              ("clause", "条款", "clause"), ("date", "日期", "date"), ("jurisdiction", "地区", "jurisdiction"),
              ("url", "网址", "url"), ("status", "核实状态", "status"), ("note", "备注", "note"))  # fmt: skip
    for key, zh, en in fields:
        if key in c:
            value = CitationStatus(c[key]).label(lang) if key == "status" else str(c[key])
            add(_t(lang, f"{zh}：", f"{en}: "), value, "    ")
    if d["commitments"]:
        out.append(_t(lang, "引用本规则的承诺事项：", "commitments that name this rule:"))
        for cm in d["commitments"]:
            add("", f"{cm['id']}  {cm['title']} ({cm['layer']}; floor {cm['floor']})", "    ")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------------------- check


@dataclass(frozen=True)
class Warning_:
    """One lint warning: a ``code``, the element it is about, where it is written, and a bilingual message."""

    code: str
    element: str
    file: str
    line: int | None
    message_en: str
    message_zh: str

    def as_json(self) -> dict[str, Any]:
        """The warning as a JSON object."""
        return {"code": self.code, "element": self.element, "file": self.file, "line": self.line,
                "message_en": self.message_en, "message_zh": self.message_zh}  # fmt: skip


CODES: dict[str, tuple[str, str]] = {
    "never_applies": ("rule can never apply", "规则永远不会适用"),
    "loosens_parent": ("threshold loosens a parent's", "阈值放宽了上级规则包的同名阈值"),
    "unverified": ("figure marked unverified", "数值标为未核实"),
    "expired": ("dates have passed", "有效期已过"),
    "never_starts": ("starts after the covered period", "生效日晚于规则包覆盖期"),
    "citation_incomplete": ("citation without a document number or date", "出处缺少文号或日期"),
}
"""Each warning code with its short name (en, zh), in the order ``rules check`` lists them."""


def _warn(src: Sourced[Any], key: tuple[str | int, ...], code: str, element: str, en: str, zh: str) -> Warning_:
    line, _ = src.doc.locate((*src.path, *key))
    return Warning_(code, element, src.doc.path, line, en, zh)


def _constant(node: ast.Node) -> bool | float | str | None:
    """The value of a condition that reads no name (``None``: not a constant)."""
    match node:
        case ast.BoolLit():
            return node.value
        case ast.Num():
            return node.value if node.unit is None else None
        case ast.Str():
            return node.value
        case ast.Not():
            v = _constant(node.operand)
            return (not v) if isinstance(v, bool) else None
        case ast.BoolOp():
            vals = [_constant(v) for v in node.values]
            if node.op == "and":
                if any(v is False for v in vals):
                    return False
                return True if all(v is True for v in vals) else None
            if any(v is True for v in vals):
                return True
            return False if all(v is False for v in vals) else None
        case ast.Compare():
            a, b = _constant(node.left), _constant(node.right)
            if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or isinstance(a, bool):
                if isinstance(a, str) and isinstance(b, str) and node.op in ("==", "!="):
                    return (a == b) == (node.op == "==")
                return None
            ops = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}
            return ops[node.op]
        case ast.Unary():
            v = _constant(node.operand)
            return -v if isinstance(v, float) else None
        case (
            ast.Name() | ast.Index() | ast.ListLit() | ast.BinOp() | ast.Member() | ast.Prefix() | ast.Present()
        ):  # fmt: skip
            return None
        case _:
            assert_never(node)


def _citations(m: MergedPack) -> Iterator[tuple[Sourced[Any], tuple[str | int, ...], str, Citation]]:
    """Every citation of the chain's elements in force: (element, key path to the citation, element name, citation)."""
    for name, th_src in sorted(m.thresholds.items()):
        th = th_src.item
        if th.citation is not None:
            yield th_src, ("citation",), f"threshold {name}", th.citation
        if th.values is not None:
            for i, v in enumerate(th.values):
                if v.citation is not None:
                    yield th_src, ("values", i, "citation"), f"threshold {name} values[{i}]", v.citation
    for name, s_src in sorted(m.sets.items()):
        if s_src.item.citation is not None:
            yield s_src, ("citation",), f"set {name}", s_src.item.citation
    for name, t_src in sorted(m.tables.items()):
        if t_src.item.citation is not None:
            yield t_src, ("citation",), f"table {name}", t_src.item.citation
    for rid, r_src in sorted(m.rules.items()):
        yield r_src, ("citation",), f"rule {rid}", r_src.item.citation
    for iid, i_src in sorted(m.indicators.items()):
        yield i_src, ("citation",), f"indicator {iid}", i_src.item.citation
    for lid, l_src in sorted(m.labels.items()):
        yield l_src, ("citation",), f"label {lid}", l_src.item.citation
    for fid, f_src in sorted(m.referrals.items()):
        yield f_src, ("citation",), f"referral {fid}", f_src.item.citation
    for cid, c_src in sorted(m.commitments.items()):
        yield c_src, ("citation",), f"commitment {cid}", c_src.item.citation
        yield c_src, ("on_miss_citation",), f"commitment {cid} on_miss", c_src.item.on_miss_citation
    if m.scope is not None:
        yield m.scope, ("citation",), "scope", m.scope.item.citation
    if m.verdict is not None:
        yield m.verdict, ("citation",), "verdict", m.verdict.item.citation


def _directions(pack: CompiledPack) -> dict[str, set[str]]:
    """How the rules use each threshold: ``floor`` (``fact >= threshold``) or ``ceiling`` (``fact <= threshold``)."""
    out: dict[str, set[str]] = {}
    for rule in pack.rules:
        for check in rule.checks:
            if check.threshold_name in pack.thresholds and check.op in ("<", "<=", ">", ">="):
                kind = "floor" if check.op in (">", ">=") else "ceiling"
                out.setdefault(check.threshold_name, set()).add(kind)
    return out


def _loosening(p: _Pack) -> list[Warning_]:
    """A child layer's threshold that a rule uses as a floor (ceiling) and that is lower (higher) than the parent's
    value on some day both are in force."""
    from heshan_vetting.packs.data import PackData

    data = PackData(p.merged, p.units)
    directions = _directions(p.compiled)
    out: list[Warning_] = []
    for name, parents in sorted(p.merged.overridden_thresholds.items()):
        kinds = directions.get(name, set())
        if len(kinds) != 1:
            continue  # unused, or used both ways: no direction to loosen in
        kind = next(iter(kinds))
        layers = [*parents, p.merged.thresholds[name]]
        for parent, child in zip(layers, layers[1:]):
            unit = data.unit(child, "unit", child.item.unit)
            pv = _values(data, parent, unit)
            cv = _values(data, child, unit)
            days = sorted({s or date.min for s, _e, _v in [*pv, *cv]})
            for day in days:
                a, b = _on(pv, day), _on(cv, day)
                if a is None or b is None:
                    continue
                looser = b < a if kind == "floor" else b > a
                if looser:
                    sym = p.compiled.thresholds[name].unit
                    when = "" if day == date.min else f" from {day}"
                    when_zh = "" if day == date.min else f"（自 {day} 起）"
                    word_en = "lower floor" if kind == "floor" else "higher ceiling"
                    word_zh = "下限更低" if kind == "floor" else "上限更高"
                    out.append(_warn(
                        child, (), "loosens_parent", f"threshold {name}",
                        f"Threshold {name!r} of pack {child.pack_id!r} is {_value_text(b, sym)}{when}, a {word_en} "
                        f"than pack {parent.pack_id!r}'s {_value_text(a, sym)}: the rules use it as a {kind}, so the "
                        "lower layer is looser than its parent. Raise it to at least the parent's value, or cite "
                        "why the local figure may be looser.",
                        f"规则包 {child.pack_id!r} 的阈值 {name!r}{when_zh}为 {_value_text(b, sym)}，比上级规则包 "
                        f"{parent.pack_id!r} 的 {_value_text(a, sym)}{word_zh}：下级规则包放宽了上级的要求。"
                        "请调整为不低于上级的要求，或注明可以放宽的依据。",
                    ))  # fmt: skip
                    break
    return out


def _values(data: Any, src: Sourced[Any], unit: Any) -> list[tuple[date | None, date | None, float]]:
    th = src.item
    out = []
    for i, v in enumerate(th.dated_values()):
        key = ("value",) if th.value is not None else ("values", i, "value")
        out.append((v.effective_from, v.effective_until, data.quantity(src, key, v.value, unit)))
    return out


def _on(values: list[tuple[date | None, date | None, float]], day: date) -> float | None:
    for s, e, v in values:
        if in_force(s, e, day):
            return v
    return None


def lint(p: _Pack, today: date) -> list[Warning_]:
    """Every warning about a loaded and compiled pack, by code then file and line."""
    pack, m = p.compiled, p.merged
    cover_from, cover_until = pack.covers
    out: list[Warning_] = []
    for rule in pack.rules:
        src = m.rules[rule.id]
        el = f"rule {rule.id}"
        if rule.applies_tree is not None and _constant(rule.applies_tree) is False:
            out.append(_warn(src, ("applies_if",), "never_applies", el,
                             f"Rule {rule.id}'s applies_if is always false, so the rule never applies. Correct "
                             "the condition, or remove the rule.",
                             f"规则 {rule.id} 的适用条件 applies_if 恒为假，该规则永远不会适用。请改正条件或删除该规则。"))  # fmt: skip
        start, end = rule.effective_from, rule.effective_until
        if start is not None and end is not None and end < start:
            out.append(_warn(src, (), "never_applies", el,
                             f"Rule {rule.id} is in force {start} ~ {end} within its pack's own dates, which is "
                             "empty: it never applies. Align the rule's dates with the pack's [pack] dates.",
                             f"规则 {rule.id} 的有效期与所在规则包的有效期没有交集（{start} ~ {end}），永远不会适用。"
                             "请使规则的有效期与规则包 [pack] 的有效期一致。"))  # fmt: skip
        elif cover_until is not None and start is not None and start > cover_until:
            out.append(_warn(src, ("effective_from",), "never_starts", el,
                             f"Rule {rule.id} starts on {start}, after the period the pack covers ends "
                             f"({cover_until}): no check within the covered period uses it. Move covers_until on "
                             "if the pack is vouched for until then, or correct the date.",
                             f"规则 {rule.id} 自 {start} 起生效，晚于规则包覆盖期的结束日（{cover_until}）："
                             "覆盖期内的评审不会用到它。如规则包至该日仍有效请顺延 covers_until，否则请改正日期。"))  # fmt: skip
        elif cover_from is not None and end is not None and end < cover_from:
            out.append(_warn(src, ("effective_until",), "never_applies", el,
                             f"Rule {rule.id} ended on {end}, before the period the pack covers starts "
                             f"({cover_from}): no check within the covered period uses it.",
                             f"规则 {rule.id} 已于 {end} 失效，早于规则包覆盖期的开始日（{cover_from}）："
                             "覆盖期内的评审不会用到它。"))  # fmt: skip
        elif end is not None and end < today:
            out.append(_warn(src, ("effective_until",), "expired", el,
                             f"Rule {rule.id} ended on {end} (before {today}): checks as of today do not use it. "
                             "If a successor exists, encode it; if the rule was extended, move effective_until.",
                             f"规则 {rule.id} 已于 {end} 失效（早于 {today}）：今天的评审不使用它。"
                             "如有后续规定请编入；如已延期请修改 effective_until。"))  # fmt: skip
    for name, th in sorted(pack.thresholds.items()):
        src = m.thresholds[name]
        el = f"threshold {name}"
        ends = [e for _s, e, _v, _c in th.values]
        if all(e is not None for e in ends) and max(e for e in ends if e is not None) < today:
            last = max(e for e in ends if e is not None)
            out.append(_warn(src, (), "expired", el,
                             f"Every value of threshold {name!r} ended by {last} (before {today}): a rule that "
                             "uses it cannot be decided today. Add a value in force now.",
                             f"阈值 {name!r} 的全部取值已于 {last} 前失效（早于 {today}）：使用它的规则今天无法判定。"
                             "请补充现行取值。"))  # fmt: skip
        for i, (s, _e, _v, _c) in enumerate(th.values):
            if cover_until is not None and s is not None and s > cover_until:
                out.append(_warn(src, ("values", i) if src.item.values is not None else (), "never_starts",
                                 f"{el} from {s}",
                                 f"A value of threshold {name!r} starts on {s}, after the period the pack covers "
                                 f"ends ({cover_until}): no check within the covered period uses it.",
                                 f"阈值 {name!r} 的一个取值自 {s} 起生效，晚于规则包覆盖期的结束日（{cover_until}）："
                                 "覆盖期内的评审不会用到它。"))  # fmt: skip
    out.extend(_loosening(p))
    seen: set[tuple[str, int | None, str]] = set()
    for src, key, el, c in _citations(m):
        if c.status is CitationStatus.UNVERIFIED:
            w = _warn(src, key, "unverified", el,
                      f"The figure of {el} is marked unverified ({c.short()}): it reports, advisory, and decides "
                      "nothing until someone checks the source and sets status = \"verified\" (or partial).",
                      f"{el} 的数值标为未核实（{c.short()}）：在核实出处并将 status 改为 \"verified\"（或 partial）"
                      "之前，它只作提示，不作判定。")  # fmt: skip
            if (w.file, w.line, w.code) not in seen:
                seen.add((w.file, w.line, w.code))
                out.append(w)
        missing = [k for k, v in (("number", c.number), ("date", c.date)) if not v]
        if missing and c.status is not CitationStatus.LOCAL_DEFAULT:
            what_en = " and ".join(f"a document {k}" if k == "number" else "a date" for k in missing)
            what_zh = "、".join("文号" if k == "number" else "日期" for k in missing)
            w = _warn(src, key, "citation_incomplete", el,
                      f"The citation of {el} ({c.short()}) has no {what_en.removeprefix('a ')}: add "
                      f"{what_en} (number = \"…\", date = YYYY-MM-DD) so that a reader can find the source, or "
                      "say in its note why there is none.",
                      f"{el} 的出处（{c.short()}）缺少{what_zh}：请补充（number = \"…\"，date = YYYY-MM-DD），"
                      "便于查找原文；如确无文号或日期，请在 note 中说明。")  # fmt: skip
            if (w.file, w.line, w.code) not in seen:
                seen.add((w.file, w.line, w.code))
                out.append(w)
    order = list(CODES)
    return sorted(out, key=lambda w: (order.index(w.code), w.file, w.line or 0, w.element))


def rules_check(
    spec: str, *, strict: bool = False, today: date | None = None, fmt: str = "text", lang: str = "zh"
) -> tuple[str, int]:
    """``rules check``: the output text and exit code (0; 1 with ``strict`` and a warning). Load and compile
    errors raise :class:`~heshan_vetting.errors.RulePackError` (exit 2)."""
    p = _load(spec)
    day = today or date.today()
    warnings = lint(p, day)
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
        _t(lang, f"规则包 {pack.id} {pack.version}：加载并编译通过（{len(pack.rules)} 条规则，{len(pack.thresholds)} 个阈值）。",
           f"Pack {pack.id} {pack.version}: loads and compiles ({len(pack.rules)} rules, "
           f"{len(pack.thresholds)} thresholds)."),  # fmt: skip
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

