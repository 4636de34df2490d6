"""Pack tests: the cases kept beside a rule pack, run on every installed engine, with what they cover.

A pack file ``NAME.toml`` keeps its cases in the folder ``NAME.cases/`` beside it, one folder per case
(``project.toml`` + ``expected.toml``, the format of the project's own corpus in ``tests/cases``: see
:class:`Case`). :func:`run_pack_tests` runs every case of each pack on each engine that can run here and
returns a :class:`PackTestResult`: the failures (expected against actual, with the facts the rule read)
and the :class:`Coverage` of each pack (rules never reached, conditions never seen true / false / unknown,
table rows and set members no case uses, labels never decided). ``python -m heshan_vetting rules test``
prints it; docs/rule-packs.md, "Testing a pack", describes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from heshan_vetting.engines.protocol import choose_engine
from heshan_vetting.errors import RulePackError
from heshan_vetting.inputs.toml import TomlDocument, load_toml
from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.values import norm
from heshan_vetting.packs.compiled import CompiledPack, CompiledRule
from heshan_vetting.packs.load import load_pack
from heshan_vetting.report import Finding, Outcome, Report
from heshan_vetting.vetter import Vetter

__all__ = [
    "CASES_SUFFIX",
    "CASE_KEYS",
    "SHIPPED_PACKS",
    "Case",
    "CaseFailure",
    "Coverage",
    "PackResult",
    "PackTestResult",
    "cases_folder",
    "compare",
    "read_cases",
    "run_pack_tests",
]

#: The folder beside a pack file ``NAME.toml`` that holds its cases: ``NAME.cases/``.
CASES_SUFFIX = ".cases"

#: The shipped packs, parents first: what ``rules test`` runs when no pack is named.
SHIPPED_PACKS = ("national", "guangdong", "jiangmen", "heshan")

#: The keys an ``expected.toml`` may hold (anything else is an error, so a misspelt expectation never passes).
CASE_KEYS = frozenset(
    {
        "description",
        "pack",
        "verdict",
        "score",
        "as_of",
        "as_of_source",
        "incomplete",
        "conditions",
        "missing_fields",
        "rules_not_in_force",
        "reasons_contain",
        "outcomes",
        "explanations",
        "referrals",
        "out_of_scope",
    }
)

_OUTCOMES = frozenset(o.value for o in Outcome)


@dataclass(frozen=True)
class Case:
    """One rule case: a folder with ``project.toml``, ``expected.toml`` and optionally its own ``pack.toml``.

    Cases that share a pack name it instead: ``pack = "../_packs/ops.toml"`` in ``expected.toml`` (a path
    relative to the case folder; folders whose names start with ``_`` or ``.`` are not cases, so shared
    packs can live beside the cases). Without either, a case runs on ``default_pack``: the pack whose
    ``NAME.cases/`` folder holds it (``None``: the library's default pack). ``expected.toml`` holds
    ``verdict`` and ``outcomes`` (rule id → outcome, compared exactly, so a rule that appears or disappears
    is noticed), and optionally ``description``, ``score``, ``as_of`` (a date passed to the check),
    ``as_of_source``, ``incomplete``, ``conditions``, ``missing_fields``, ``rules_not_in_force`` (exact
    lists), ``referrals`` (ids in report order, ``?`` after one that may be due), ``out_of_scope`` (bool),
    ``reasons_contain`` (substrings each found in a Chinese reason) and ``explanations`` (rule id → a
    substring of that finding's Chinese explanation).
    """

    name: str
    folder: Path
    expected: Mapping[str, Any]
    default_pack: Path | None = None

    @property
    def project(self) -> Path:
        """The case's project file."""
        return self.folder / "project.toml"

    @property
    def pack(self) -> Path | None:
        """The case's pack file: named in ``expected.toml``, its own ``pack.toml``, else ``default_pack``."""
        if "pack" in self.expected:
            return (self.folder / str(self.expected["pack"])).resolve()
        pack = self.folder / "pack.toml"
        return pack if pack.exists() else self.default_pack


def cases_folder(pack_file: str | Path) -> Path:
    """The folder of the cases of the pack file ``pack_file``: ``NAME.cases/`` beside ``NAME.toml``."""
    p = Path(pack_file)
    return p.with_name(p.stem + CASES_SUFFIX)


def _bad(file: Path, line: int | None, en: str, zh: str, key: str | None = None) -> RulePackError:
    return RulePackError(en, message_zh=zh, file=file, line=line, field=key)


def read_cases(directory: str | Path, *, pack: str | Path | None = None) -> list[Case]:
    """Every case folder under ``directory``, sorted by name; ``pack`` is the pack they run on by default.

    Raises :class:`~heshan_vetting.RulePackError` naming the file and line of a malformed ``expected.toml``
    (an unknown key, a missing verdict or outcomes, an outcome that does not exist, a shared pack that is
    not a file) or a case folder without its files.
    """
    base = Path(directory)
    default = Path(pack).resolve() if pack is not None else None
    cases: list[Case] = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        exp_file = folder / "expected.toml"
        if not exp_file.is_file():  # (a missing project.toml is the check's own error, with its path)
            raise _bad(
                exp_file,
                None,
                f"The case {folder.name!r} has no expected.toml: each case folder holds project.toml and "
                "expected.toml.",
                f"用例 {folder.name!r} 缺少 expected.toml：每个用例目录须有 project.toml 与 expected.toml。",
            )
        doc = load_toml(exp_file, RulePackError)
        data = doc.data

        def line(*key: str | int, doc: TomlDocument = doc) -> int | None:
            return doc.key_positions.get(tuple(key), doc.locate(key))[0]

        for key in sorted(set(data) - CASE_KEYS):
            raise _bad(
                exp_file,
                line(key),
                f"unknown keys [{key!r}] in the case {folder.name!r}; the keys are: {', '.join(sorted(CASE_KEYS))}.",
                f"用例 {folder.name!r} 中有未知的键 {key!r}；可用的键：{'、'.join(sorted(CASE_KEYS))}。",
                key,
            )
        if "verdict" not in data:
            raise _bad(
                exp_file, None, f"The case {folder.name!r} gives no 'verdict'.", f"用例 {folder.name!r} 缺少 verdict。"
            )
        outcomes = data.get("outcomes")
        if not isinstance(outcomes, dict) or not outcomes:
            raise _bad(
                exp_file,
                line("outcomes"),
                f"The case {folder.name!r} gives no 'outcomes' (rule id → expected outcome).",
                f"用例 {folder.name!r} 缺少 outcomes（规则编号 → 预期结果）。",
                "outcomes",
            )
        for rule_id, outcome in outcomes.items():
            if outcome not in _OUTCOMES:
                raise _bad(
                    exp_file,
                    line("outcomes", rule_id),
                    f"The outcome {outcome!r} of {rule_id} is not an outcome; the outcomes are: "
                    f"{', '.join(sorted(_OUTCOMES))}.",
                    f"{rule_id} 的预期结果 {outcome!r} 无效；可用：{'、'.join(sorted(_OUTCOMES))}。",
                    f"outcomes.{rule_id}",
                )
        if "as_of" in data and not isinstance(data["as_of"], date):
            raise _bad(
                exp_file,
                line("as_of"),
                "as_of must be a TOML date such as 2024-05-20.",
                "as_of 须为 TOML 日期，如 2024-05-20。",
                "as_of",
            )
        if "pack" in data:
            if not isinstance(data["pack"], str):
                raise _bad(exp_file, line("pack"), "'pack' must be a path (text).", "pack 须为路径（文本）。", "pack")
            if (folder / "pack.toml").exists():
                raise _bad(
                    exp_file,
                    line("pack"),
                    f"The case {folder.name!r} has both its own pack.toml and 'pack' are given; keep one.",
                    f"用例 {folder.name!r} 同时有自己的 pack.toml 与 pack 键；只保留一个。",
                    "pack",
                )
            if not (folder / data["pack"]).is_file():
                raise _bad(
                    exp_file,
                    line("pack"),
                    f"In the case {folder.name!r} the pack {data['pack']!r} is not a file.",
                    f"用例 {folder.name!r} 中的规则包 {data['pack']!r} 不是文件。",
                    "pack",
                )
        cases.append(Case(folder.name, folder, data, default))
    return cases


def compare(case: Case, report: Report) -> list[str]:
    """Every way ``report`` differs from the case's ``expected.toml``, one line each (empty: it passes)."""
    exp = case.expected
    problems: list[str] = []

    def same(what: str, expected: Any, actual: Any) -> None:
        if expected != actual:
            problems.append(f"{what}: expected {expected!r}, got {actual!r}")

    outcomes = {f.rule_id: f.outcome.value for f in report.findings}
    for rule_id in sorted(set(outcomes) | set(exp["outcomes"])):
        same(
            f"outcome of {rule_id}", exp["outcomes"].get(rule_id, "(no finding)"), outcomes.get(rule_id, "(no finding)")
        )
    same("verdict", exp["verdict"], report.verdict.value)
    if "score" in exp:
        total = report.score.total if report.score is not None else None
        if total is None or abs(total - float(exp["score"])) > 1e-9:
            problems.append(f"score: expected {exp['score']!r}, got {total!r}")
    if "as_of" in exp:
        same("as_of", exp["as_of"], report.provenance.as_of)
    if "as_of_source" in exp:
        same("as_of_source", exp["as_of_source"], report.provenance.as_of_source)
    if "incomplete" in exp:
        same("incomplete", exp["incomplete"], report.incomplete)
    if "conditions" in exp:
        same("conditions", exp["conditions"], list(report.conditions))
    if "missing_fields" in exp:
        same("missing_fields", exp["missing_fields"], list(report.missing_fields))
    if "rules_not_in_force" in exp:
        same("rules_not_in_force", exp["rules_not_in_force"], [s.id for s in report.not_in_force if s.kind == "rule"])
    if "referrals" in exp:  # ids in report order; "?" marks one that may be due (data missing to tell)
        same("referrals", exp["referrals"], [r.id + ("?" if r.missing else "") for r in report.referrals])
    if "out_of_scope" in exp:
        same("out_of_scope", exp["out_of_scope"], report.out_of_scope is not None)
    reasons = [r.zh for r in report.reasons]
    for fragment in exp.get("reasons_contain", []):
        if not any(fragment in r for r in reasons):
            problems.append(f"reasons: {fragment!r} not in {reasons}")
    by_id = {f.rule_id: f for f in report.findings}
    for rule_id, fragment in exp.get("explanations", {}).items():
        text = by_id[rule_id].explanation.zh if rule_id in by_id else "(no finding)"
        if fragment not in text:
            problems.append(f"explanation of {rule_id}: {fragment!r} not in {text!r}")
    return problems


def _facts_involved(case: Case, report: Report) -> list[str]:
    """For each rule whose outcome differs from the expected one: the facts it read and the figures it compared."""
    exp = case.expected["outcomes"]
    out: list[str] = []
    for f in report.findings:
        if exp.get(f.rule_id) == f.outcome.value:
            continue
        facts = ", ".join(
            f"{v.name}={_shown(v.value)}{(' ' + v.unit) if v.unit and v.value is not None else ''}" for v in f.facts
        )
        out.append(f"{f.rule_id}: {f.explanation.en}" + (f" [facts: {facts}]" if facts else ""))
        for c in f.comparisons:
            out.append(
                f"    {c.expression}: {_shown(c.actual)} {c.op} {_shown(c.threshold)} {c.unit}".rstrip()
                + (f" ({c.threshold_name})" if c.threshold_name else "")
            )
    return out


def _shown(value: object) -> str:
    if value is None:
        return "(missing)"
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class CaseFailure:
    """A case whose report differs from its expectation on one engine."""

    pack: str
    case: str
    engine: str
    problems: tuple[str, ...]
    """Each difference, ``what: expected X, got Y``."""
    facts: tuple[str, ...] = ()
    """For each rule with an unexpected outcome: its explanation, the facts it read and the figures it compared."""


@dataclass
class Coverage:
    """What the cases of one pack exercise, derived from their reports' findings.

    ``rules`` counts every rule of the compiled pack (its whole chain, whatever the dates); a rule is
    *reached* when some case decides it as ``pass`` or ``fail``. :attr:`percent` is reached / all rules.
    """

    rules: tuple[str, ...]
    reached: set[str] = field(default_factory=set)
    conditions: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    """Rule id → ``{"applies_if": {...}, "require": {...}}``: the values seen (``true``, ``false``, ``unknown``)."""
    has_applies: set[str] = field(default_factory=set)
    table_rows: dict[str, set[str]] = field(default_factory=dict)
    """Table → the row keys no case used (filled in by :meth:`finish`)."""
    set_members: dict[str, set[str]] = field(default_factory=dict)
    labels: dict[str, dict[str, bool]] = field(default_factory=dict)
    """Label id → each possible reading (zh) → whether some case decided it."""
    cases: int = 0

    @property
    def percent(self) -> float:
        """Rule coverage: rules reached with a pass or a fail, as a percentage of all rules (100 for no rules)."""
        return 100.0 if not self.rules else 100.0 * len(self.reached) / len(self.rules)

    def never_reached(self) -> list[str]:
        """Rules no case decided as pass or fail."""
        return [r for r in self.rules if r not in self.reached]

    def conditions_never(self) -> list[tuple[str, str, str]]:
        """``(rule, condition, value)`` for each condition never seen with a value (``applies_if`` only if written)."""
        out: list[tuple[str, str, str]] = []
        for rule in self.rules:
            seen = self.conditions.get(rule, {})
            for cond in ("applies_if", "require") if rule in self.has_applies else ("require",):
                for value in ("true", "false", "unknown"):
                    if value not in seen.get(cond, set()):
                        out.append((rule, cond, value))
        return out

    def labels_never(self) -> list[tuple[str, str]]:
        """``(label, reading)`` for each reading of a label no case decided."""
        return [(lb, r) for lb, readings in self.labels.items() for r, seen in readings.items() if not seen]

    def to_dict(self) -> dict[str, Any]:
        """The coverage as JSON-ready data."""
        return {
            "rules": len(self.rules),
            "rules_reached": len(self.reached),
            "rule_coverage": round(self.percent, 2),
            "rules_never_reached": self.never_reached(),
            "conditions_never_seen": [{"rule": r, "condition": c, "value": v} for r, c, v in self.conditions_never()],
            "table_rows_unused": {k: sorted(v) for k, v in sorted(self.table_rows.items()) if v},
            "set_members_unused": {k: sorted(v) for k, v in sorted(self.set_members.items()) if v},
            "label_readings_never_decided": [{"label": lb, "reading": r} for lb, r in self.labels_never()],
        }


@dataclass(frozen=True)
class PackResult:
    """The cases of one pack: how many ran on which engines, the failures, the coverage."""

    pack: str
    file: str
    cases_folder: str
    cases: int
    engines: tuple[str, ...]
    failures: tuple[CaseFailure, ...]
    coverage: Coverage


@dataclass(frozen=True)
class PackTestResult:
    """The outcome of :func:`run_pack_tests`: one :class:`PackResult` per pack and engines skipped (with why)."""

    packs: tuple[PackResult, ...]
    skipped_engines: tuple[tuple[str, str], ...] = ()
    min_coverage: float | None = None

    @property
    def below_minimum(self) -> list[PackResult]:
        """Packs whose rule coverage is below ``min_coverage``."""
        if self.min_coverage is None:
            return []
        return [p for p in self.packs if p.coverage.percent + 1e-9 < self.min_coverage]

    @property
    def ok(self) -> bool:
        """No case failed on any engine, every pack has cases and an engine to run them, none below the minimum."""
        return all(not p.failures and p.cases and p.engines for p in self.packs) and not self.below_minimum

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``ok``, each pack's failures and coverage, skipped engines)."""
        return {
            "ok": self.ok,
            "min_coverage": self.min_coverage,
            "skipped_engines": [{"engine": e, "reason": r} for e, r in self.skipped_engines],
            "packs": [
                {
                    "pack": p.pack,
                    "file": p.file,
                    "cases_folder": p.cases_folder,
                    "cases": p.cases,
                    "engines": list(p.engines),
                    "failures": [
                        {"case": f.case, "engine": f.engine, "problems": list(f.problems), "facts": list(f.facts)}
                        for f in p.failures
                    ],
                    "coverage": p.coverage.to_dict(),
                }
                for p in self.packs
            ],
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_text(self) -> str:
        """A plain-text account: failures first (expected against actual), then each pack's coverage."""
        lines: list[str] = []
        for e, why in self.skipped_engines:
            lines.append(f"engine {e} skipped / 跳过引擎 {e}: {why}")
        for p in self.packs:
            cov = p.coverage
            status = "FAIL" if p.failures or not p.cases or not p.engines else "ok"
            lines.append(
                f"{p.pack}: {p.cases} cases × {len(p.engines)} engines ({', '.join(p.engines)}): {status}; "
                f"rule coverage {cov.percent:.1f}% ({len(cov.reached)}/{len(cov.rules)})"
            )
            if not p.cases:
                lines.append(f"  no cases in {p.cases_folder} / 该规则包没有测试用例")
            for f in p.failures:
                lines.append(f"  FAILED {f.case} [{f.engine}]")
                lines.extend(f"    {problem}" for problem in f.problems)
                lines.extend(f"      {fact}" for fact in f.facts)
            if cov.never_reached():
                lines.append(
                    "  rules never reached (no pass or fail) / 未覆盖的规则: " + ", ".join(cov.never_reached())
                )
            never = cov.conditions_never()
            if never:
                by_rule: dict[str, list[str]] = {}
                for r, c, v in never:
                    by_rule.setdefault(r, []).append(f"{c} {v}")
                lines.append("  conditions never seen / 未出现的条件取值:")
                lines.extend(f"    {r}: {', '.join(vs)}" for r, vs in by_rule.items())
            for name, rows in sorted(cov.table_rows.items()):
                if rows:
                    lines.append(f"  table {name}: rows no case uses / 未使用的行: {', '.join(sorted(rows))}")
            for name, members in sorted(cov.set_members.items()):
                if members:
                    lines.append(f"  set {name}: members no case uses / 未使用的成员: {', '.join(sorted(members))}")
            for lb, reading in cov.labels_never():
                lines.append(f"  label {lb}: never decided as / 从未判定为 {reading!r}")
        for p in self.below_minimum:
            lines.append(
                f"{p.pack}: rule coverage {p.coverage.percent:.1f}% is below --min-coverage {self.min_coverage:g}% "
                f"/ 规则覆盖率低于要求"
            )
        lines.append("OK" if self.ok else "FAILED")
        return "\n".join(lines) + "\n"


# -- coverage from findings ----------------------------------------------------------------------------------------


def _base_facts(pack: CompiledPack, names: Iterable[str]) -> set[str]:
    derived = {d.name: d for d in pack.derived}
    out: set[str] = set()
    todo = list(names)
    while todo:
        n = todo.pop()
        if n in out:
            continue
        out.add(n)
        if n in derived:
            todo.extend(derived[n].reads)
    return out


def _conditions(pack: CompiledPack, rule: CompiledRule, f: Finding) -> tuple[str | None, str | None]:
    """What ``applies_if`` and ``require`` evaluated to for this finding (``None``: not evaluated).

    Read off the finding: pass and fail decide both; a finding with compared figures reached ``require``
    (figures are compared only once the scope holds); an undecided one whose missing facts lie behind
    ``applies_if`` stopped there.
    """
    if f.outcome is Outcome.PASS:
        return "true", "true"
    if f.outcome is Outcome.FAIL:
        return "true", "false"
    if rule.applies is None:
        return "true", "unknown"
    if (
        f.outcome is Outcome.NOT_APPLICABLE
        and not f.comparisons
        and f.explanation.en.startswith("Not applicable: the rule's scope")
    ):
        return "false", None
    if f.comparisons:
        return "true", "unknown"
    if f.outcome is Outcome.INSUFFICIENT_DATA:
        scope = _base_facts(pack, rule.scope_reads)
        return ("unknown", None) if set(f.missing) & scope else ("true", "unknown")
    return ("unknown", None) if not rule.checks else ("true", "unknown")


def _uses(pack: CompiledPack) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Which facts are looked up in each table and tested against each set, in rules, labels and referrals."""
    tables: dict[str, set[str]] = {}
    sets: dict[str, set[str]] = {}

    def walk(n: ast.Node) -> None:
        match n:
            case ast.Index():
                if isinstance(n.key, ast.Name):
                    tables.setdefault(n.table.id, set()).add(n.key.id)
                walk(n.key)
            case ast.Member() | ast.Prefix():
                if isinstance(n.right, ast.Name) and isinstance(n.left, ast.Name):
                    sets.setdefault(n.right.id, set()).add(n.left.id)
                walk(n.left)
                walk(n.right)
            case ast.BinOp() | ast.Compare():
                walk(n.left)
                walk(n.right)
            case ast.BoolOp():
                for v in n.values:
                    walk(v)
            case ast.Not() | ast.Unary():
                walk(n.operand)
            case ast.ListLit():
                for item in n.items:
                    walk(item)
            case ast.Num() | ast.Str() | ast.BoolLit() | ast.Name() | ast.Present():
                pass
            case _:
                ast.assert_never(n)

    trees: list[ast.Node] = []
    for r in pack.rules:
        trees.append(r.require_tree)
        if r.applies_tree is not None:
            trees.append(r.applies_tree)
    for lb in pack.labels:
        trees.extend(lb.trees)
    for ref in pack.referrals:
        if ref.tree is not None:
            trees.append(ref.tree)
    for t in trees:
        walk(t)
    # tables and sets read elsewhere (indicators, derived metrics, the scope) are keyed by the industry code,
    # as every shipped one is
    for name in pack.tables:
        tables.setdefault(name, {"industry_code"})
    for name in pack.sets:
        sets.setdefault(name, {"industry_code"})
    return tables, sets


class _Tracker:
    def __init__(self, pack: CompiledPack) -> None:
        self.pack = pack
        self.by_id = {r.id: r for r in pack.rules}
        self.cov = Coverage(
            rules=tuple(sorted(self.by_id)),
            has_applies={r.id for r in pack.rules if r.applies is not None},
            labels={
                lb.id: {v.zh: False for v in [*(c[1] for c in lb.cases), *([lb.otherwise] if lb.otherwise else [])]}
                for lb in pack.labels
            },
        )
        self.table_uses, self.set_uses = _uses(pack)
        self.rows_used: dict[str, set[str]] = {name: set() for name in pack.tables}
        self.members_used: dict[str, set[str]] = {name: set() for name in pack.sets}

    def add(self, report: Report, values: Mapping[str, Any]) -> None:
        cov = self.cov
        for f in report.findings:
            rule = self.by_id.get(f.rule_id)
            if rule is None:
                continue  # a plugin's finding
            if f.outcome in (Outcome.PASS, Outcome.FAIL):
                cov.reached.add(f.rule_id)
            applies, require = _conditions(self.pack, rule, f)
            seen = cov.conditions.setdefault(f.rule_id, {"applies_if": set(), "require": set()})
            if applies is not None:
                seen["applies_if"].add(applies)
            if require is not None:
                seen["require"].add(require)
        for lb in report.labels:
            if lb.outcome == "decided" and lb.value is not None and lb.id in cov.labels:
                cov.labels[lb.id][lb.value.zh] = True
        for name, table in self.pack.tables.items():
            for fact in self.table_uses.get(name, ()):
                key = values.get(fact)
                if isinstance(key, str):
                    k = norm(key)
                    for n in table.lengths:
                        if n <= len(k) and k[:n] in table.rows:
                            self.rows_used[name].add(k[:n])
                            break
        for name, s in self.pack.sets.items():
            for fact in self.set_uses.get(name, ()):
                raw = values.get(fact)
                items = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, (list, tuple)) else []
                for item in items:
                    v = norm(str(item))
                    if s.prefixes:
                        self.members_used[name].update(p for p in s.prefixes if v.startswith(p))
                    self.members_used[name].update(m for m in s.members if m == v)

    def finish(self, cases: int) -> Coverage:
        cov = self.cov
        cov.cases = cases
        cov.table_rows = {n: set(t.rows) - self.rows_used[n] for n, t in self.pack.tables.items()}
        cov.set_members = {
            n: (set(s.members) | set(s.prefixes)) - self.members_used[n] for n, s in self.pack.sets.items()
        }
        return cov


def _engines(vetter: Vetter, wanted: Sequence[str] | None) -> tuple[list[str], list[tuple[str, str]]]:
    usable: list[str] = []
    skipped: list[tuple[str, str]] = []
    registered = vetter.hooks.engines()
    for name in wanted or ():
        choose_engine(registered, name)  # an unknown name is a UsageError with a "did you mean"
    for name, (_plugin, spec) in registered.items():
        if wanted is not None and name not in wanted:
            continue
        why = spec.available()
        if why is None:
            usable.append(name)
        else:
            skipped.append((name, why if isinstance(why, str) else why[0]))
    return usable, skipped


def run_pack_tests(
    packs: Sequence[str | Path] = SHIPPED_PACKS,
    *,
    engines: Sequence[str] | None = None,
    min_coverage: float | None = None,
) -> PackTestResult:
    """Run the cases beside each pack (a pack id or file) on each engine that can run here.

    ``engines`` limits the engines tried (default: every registered one; an engine that cannot run here is
    skipped and named with the reason). Raises :class:`~heshan_vetting.RulePackError` for a pack that cannot
    be loaded or a malformed case.
    """
    results: list[PackResult] = []
    skipped_all: dict[str, str] = {}
    for spec in packs:
        probe = Vetter(pack=spec)
        pack_file = load_pack(spec, probe.pack_paths).files[-1].resolve()
        folder = cases_folder(pack_file)
        cases = read_cases(folder, pack=pack_file) if folder.is_dir() else []
        usable, skipped = _engines(probe, engines)
        skipped_all.update(skipped)
        tracker = _Tracker(probe.pack)
        failures: list[CaseFailure] = []
        vetters: dict[tuple[str, str], Vetter] = {}
        for case in cases:
            case_pack = str(case.pack) if case.pack is not None else str(pack_file)
            values: dict[str, Any] = {}
            for engine in usable:
                vetter = vetters.get((case_pack, engine))
                if vetter is None:
                    vetter = vetters[(case_pack, engine)] = Vetter(pack=case_pack, engine=engine)
                if not values:
                    project = vetter.load(case.project)[0]
                    values = {name: project.fact_value(name) for name in _fact_names(project)}
                report = vetter.check(case.project, as_of=case.expected.get("as_of"))
                problems = compare(case, report)
                if problems:
                    failures.append(
                        CaseFailure(
                            str(probe.pack.id), case.name, engine, tuple(problems), tuple(_facts_involved(case, report))
                        )
                    )
                if case.pack is None or Path(case_pack) == pack_file:
                    tracker.add(report, values)
        results.append(
            PackResult(
                pack=probe.pack.id,
                file=str(pack_file),
                cases_folder=str(folder),
                cases=len(cases),
                engines=tuple(usable),
                failures=tuple(failures),
                coverage=tracker.finish(len(cases)),
            )
        )
    return PackTestResult(tuple(results), tuple(sorted(skipped_all.items())), min_coverage)


def _fact_names(project: Any) -> list[str]:
    names = [n for n in type(project).model_fields if n not in ("location", "sources")]
    return [*names, "town", "park"]
