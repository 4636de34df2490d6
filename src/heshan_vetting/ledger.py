"""The result columns a ledger gets back (结论, 评分, 需整改, 缺少材料, 转报, 错误, one per rule), for CSV and XLSX.

A batch written back as a table (``--format csv``, or the xlsx plugin's ``--format xlsx``) adds the same columns
to each item's row, so the two formats cannot drift apart: :class:`ResultColumns` is built once from the whole
batch (the rule columns are every rule any report has a finding for, in rule-id order) and then gives the
headers and each item's values. Cells are plain values (text, a number, or ``None`` for an empty cell);
:func:`formula_safe` is what a text format must apply to user text so no spreadsheet runs it as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from heshan_vetting.report import Finding, Report
from heshan_vetting.results import Item, ItemError, Problem
from heshan_vetting.terms import Outcome, Severity, Text

__all__ = ["ITEM_HEADERS", "RESULT_HEADERS", "CellValue", "ResultColumns", "formula_safe"]

#: A cell: text, a number, or ``None`` (empty).
CellValue = str | float | int | None

#: The columns that name an item (CSV, and rows that come from no ledger): source file, row/line, id, name.
ITEM_HEADERS: tuple[Text, ...] = (
    Text(zh="来源文件", en="source"),
    Text(zh="行号", en="line"),
    Text(zh="项目编号", en="project id"),
    Text(zh="项目名称", en="project name"),
)

#: The fixed result columns, in order; one column per rule follows them.
RESULT_HEADERS: tuple[Text, ...] = (
    Text(zh="结论", en="verdict"),
    Text(zh="评分", en="score"),
    Text(zh="需整改", en="to fix"),
    Text(zh="缺少材料", en="to supply"),
    Text(zh="转报", en="referrals"),
    Text(zh="错误", en="errors"),
)

# Characters a spreadsheet may read as the start of a formula (OWASP's list: = + - @, and tab / CR).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOT_MEANINGFUL = Text(zh="不具参考意义", en="not meaningful")


def formula_safe(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would take it for a formula (``=HYPERLINK(…)``, ``+1``, ``@x``).

    For text formats (CSV) only: an XLSX cell written as a string is never a formula.
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


def _join(parts: Iterable[str], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(parts)


@dataclass(frozen=True)
class ResultColumns:
    """The result columns of one batch: the fixed ones, then one per rule (``rule_id`` order).

    :ivar rules: (rule id, title) of every rule a report of the batch has a finding for.
    """

    rules: tuple[tuple[str, Text], ...] = ()

    @classmethod
    def of(cls, items: Iterable[Item]) -> ResultColumns:
        """The columns for ``items`` (every rule found in any report, sorted by id)."""
        titles: dict[str, Text] = {}
        for item in items:
            if isinstance(item, Report):
                for finding in item.findings:
                    titles.setdefault(finding.rule_id, finding.title)
        return cls(rules=tuple(sorted(titles.items())))

    def headers(self, lang: str = "zh") -> list[str]:
        """The header of each result column, in ``lang``: 结论, 评分, …, then ``rule_id title`` per rule."""
        fixed = [t.get(lang) for t in RESULT_HEADERS]
        return fixed + [f"{rule_id} {title.get(lang)}" for rule_id, title in self.rules]

    def values(self, item: Item, lang: str = "zh") -> list[CellValue]:
        """The result cells of ``item``, matching :meth:`headers`.

        A report: its verdict in words, the score (blank when there is none; "not meaningful" when too few
        indicators were scored), the failed veto and required rules (``id title``), what to supply, the bodies
        to refer to, no errors, and each rule's outcome in words (blank for a rule without a finding). An
        error: 输入有误，未评审 and every problem, the other cells blank.
        """
        if isinstance(item, ItemError):
            problems = _join((_problem_text(p, lang, item.line is not None) for p in item.errors), lang)
            cells: list[CellValue] = [item.verdict_text.get(lang), None, None, None, None, problems]
            return cells + [None] * len(self.rules)
        score: CellValue = None
        if item.score is not None:
            score = round(item.score.total, 2) if item.score.meaningful else _NOT_MEANINGFUL.get(lang)
        to_fix = [
            f"{f.rule_id} {f.title.get(lang)}"
            for f in item.findings
            if f.outcome is Outcome.FAIL
            and f.severity in (Severity.VETO, Severity.REQUIRED)
            and (f.waiver is None or f.waiver.status != "applied")
        ]
        outcomes = {f.rule_id: _outcome_cell(f, lang) for f in item.findings}
        return [
            item.verdict_text.get(lang),
            score,
            _join(to_fix, lang) or None,
            _join((s.title.get(lang) for s in item.to_supply), lang) or None,
            _join((r.to.get(lang) for r in item.referrals), lang) or None,
            None,
        ] + [outcomes.get(rule_id) for rule_id, _title in self.rules]

    @staticmethod
    def item_headers(lang: str = "zh") -> list[str]:
        """The headers of the cells that name an item (:data:`ITEM_HEADERS`), in ``lang``."""
        return [t.get(lang) for t in ITEM_HEADERS]

    @staticmethod
    def item_values(item: Item) -> list[CellValue]:
        """The cells that name ``item`` (:data:`ITEM_HEADERS`): source, line, project id, project name."""
        if isinstance(item, ItemError):
            return [item.source, item.line, item.project_id, None]
        p = item.project
        return [p.source, p.line, p.id, p.name]


def _problem_text(problem: Problem, lang: str, on_row: bool) -> str:
    """A problem without its file, and on an item's own row without its line and column (the row and the field's
    cell say where): ``用地面积 (项目!D7): message``."""
    drop: dict[str, None] = {"file": None, "line": None, "column": None} if on_row else {"file": None}
    return problem.model_copy(update=drop).format(lang)


_WAIVED = {"applied": Text(zh="（已豁免）", en=" (waived)"), "claimed": Text(zh="（申请豁免）", en=" (waiver claimed)")}


def _outcome_cell(f: Finding, lang: str) -> str:
    """A rule's cell in a ledger: its outcome in words, and whether a waiver lifts or claims it."""
    text = f.outcome.label(lang)
    if f.waiver is not None and f.outcome is Outcome.FAIL and f.waiver.status in _WAIVED:
        text += _WAIVED[f.waiver.status].get(lang)
    return text
