"""The results of a batch: a report or an input error per item, and a summary of the whole.

A batch (:meth:`Vetter.check_many`, the ``check`` command) never loses its good items because of a bad one: an
item that cannot be read (a file, a ledger row, a mapping) becomes an :class:`ItemError` with every problem
found in it, and the rest are vetted. Its JSON is a public contract, as the report's is:

- ``--format json`` gives one object, schema ``heshan-vetting/results/v1``: ``items`` (each a report,
  schema ``heshan-vetting/report/v2``, or an error, schema ``heshan-vetting/error/v1``, in input order)
  then ``summary`` (schema ``heshan-vetting/summary/v1``: counts per verdict, errors, the most-failed rules);
  the same shape for one project as for many.
- ``--format jsonl`` gives the same items one per line, then the summary as the last line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import ConfigDict, Field, computed_field, model_validator

from heshan_vetting.errors import InputError
from heshan_vetting.report import Report, model_json
from heshan_vetting.terms import FrozenModel, Outcome, Text, Verdict

__all__ = [
    "ERROR_SCHEMA",
    "RESULTS_SCHEMA",
    "SUMMARY_SCHEMA",
    "Item",
    "ItemError",
    "Problem",
    "ReportSet",
    "RuleCount",
    "Summary",
    "SummaryBuilder",
    "VerdictCounts",
    "failed_rules",
    "summarise",
]

RESULTS_SCHEMA = "heshan-vetting/results/v1"
ERROR_SCHEMA = "heshan-vetting/error/v1"
SUMMARY_SCHEMA = "heshan-vetting/summary/v1"
#: How many rules the summary lists under ``most_failed``.
MOST_FAILED = 10

_ERROR_TEXT = Text(zh="输入有误，未评审", en="input error: not vetted")


class Problem(FrozenModel):
    """One problem found in an input item: what is wrong and where (file, line, column, field)."""

    message: Text
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    @classmethod
    def from_error(cls, exc: InputError) -> Problem:
        """The problem an :class:`~heshan_vetting.InputError` describes (not its details)."""
        return cls(
            message=Text(zh=exc.message_zh, en=exc.message_en),
            file=exc.file,
            line=exc.line,
            column=exc.column,
            field=exc.field,
        )

    def format(self, lang: str = "zh") -> str:
        """``file:line:column: field: message`` as far as it is known, in ``lang``."""
        where = ":".join(str(p) for p in (self.file, self.line, self.column if self.line else None) if p is not None)
        head = f"{where}: " if where else ""
        if self.field:
            head += f"{self.field}: "
        return head + (self.message.zh if lang == "zh" else self.message.en)


class ItemError(FrozenModel):
    """An item of a batch that could not be vetted: a file, a ledger row or a mapping, with every problem in it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_id: Literal["heshan-vetting/error/v1"] = Field(default="heshan-vetting/error/v1", alias="schema")
    source: str | None = None
    """The file the item came from (``<stdin>`` for standard input); ``None`` for a mapping given in code."""
    line: int | None = None
    """The item's row of a ledger or line of a JSON Lines file; ``None`` for a whole file."""
    index: int | None = None
    """For an item given in code (a mapping), its position in the input (0-based)."""
    project_id: str | None = None
    """The project's id, when it could be read."""
    errors: tuple[Problem, ...]
    """Every problem found in the item (at least one)."""

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        if isinstance(data, dict) and "verdict_text" in data:
            data = {k: v for k, v in data.items() if k != "verdict_text"}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verdict_text(self) -> Text:
        """输入有误，未评审 / input error: not vetted (what a ledger's 结论 column shows for the item)."""
        return _ERROR_TEXT

    @classmethod
    def from_exception(
        cls,
        exc: InputError,
        *,
        source: str | None = None,
        line: int | None = None,
        index: int | None = None,
        project_id: str | None = None,
    ) -> ItemError:
        """The item error for ``exc`` and every error in its details."""
        return cls(
            source=source if source is not None else exc.file,
            line=line,
            index=index,
            project_id=project_id,
            errors=tuple(Problem.from_error(e) for e in exc.all),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict, with the public field names."""
        return self.model_dump(mode="json", by_alias=True)


#: One result of a batch: the report of a project, or the error of an item that could not be vetted.
Item = Report | ItemError


class VerdictCounts(FrozenModel):
    """How many reports have each verdict."""

    approve: int = 0
    conditional: int = 0
    deferred: int = 0
    reject: int = 0


class RuleCount(FrozenModel):
    """A rule and how many projects of the batch failed it."""

    rule_id: str
    title: Text
    failed: int


class UnusedWaiver(FrozenModel):
    """A governed waiver that names no project of the batch (so it waived nothing)."""

    waiver: str
    """Its id, or ``file:line``."""
    rule_id: str
    project_id: str


class Summary(FrozenModel):
    """The batch in numbers: items, reports per verdict, errors, and the rules failed most often."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_id: Literal["heshan-vetting/summary/v1"] = Field(default="heshan-vetting/summary/v1", alias="schema")
    items: int
    """Items in the batch: reports plus errors."""
    reports: int
    errors: int
    verdicts: VerdictCounts
    incomplete: int = 0
    """Reports marked incomplete (a check could not run)."""
    most_failed: tuple[RuleCount, ...] = ()
    """The rules failed by most projects (at most ten; ties by rule id)."""
    unused_waivers: tuple[UnusedWaiver, ...] = ()
    """Governed waivers given to the run (``--waivers``) that name no project of it."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict, with the public field names."""
        return self.model_dump(mode="json", by_alias=True)


class SummaryBuilder:
    """Counts a batch as it streams past, in memory that does not grow with the number of items."""

    def __init__(self) -> None:
        self._verdicts: Counter[str] = Counter()
        self._failed: Counter[str] = Counter()
        self._titles: dict[str, Text] = {}
        self._errors = 0
        self._incomplete = 0
        self.unused_waivers: list[UnusedWaiver] = []
        """Set by the run when it ends: the waivers that named no project of it."""

    def add(self, item: Item) -> None:
        """Count one item."""
        if isinstance(item, ItemError):
            self._errors += 1
            return
        self.count(item.verdict, item.incomplete, failed_rules(item))

    def count(self, verdict: Verdict, incomplete: bool, failed: Iterable[tuple[str, Text]]) -> None:
        """Count one report from its verdict, whether it is incomplete and the rules it failed (id, title)."""
        self._verdicts[verdict.value] += 1
        self._incomplete += incomplete
        for rule_id, title in failed:
            self._failed[rule_id] += 1
            self._titles.setdefault(rule_id, title)

    def merge(self, other: SummaryBuilder) -> None:
        """Count what ``other`` counted too (the summaries of a batch's parts, built apart, added up)."""
        self._verdicts.update(other._verdicts)
        self._failed.update(other._failed)
        for rule, title in other._titles.items():
            self._titles.setdefault(rule, title)
        self._errors += other._errors
        self._incomplete += other._incomplete
        self.unused_waivers.extend(w for w in other.unused_waivers if w not in self.unused_waivers)

    @property
    def errors(self) -> int:
        """Items counted so far that are errors."""
        return self._errors

    def worst(self) -> Verdict | None:
        """The worst verdict counted so far (``None`` when no report was)."""
        ranked = [v for v in Verdict if self._verdicts[v.value]]
        return max(ranked, key=lambda v: v.rank) if ranked else None

    def build(self) -> Summary:
        """The summary of everything counted so far."""
        reports = sum(self._verdicts.values())
        top = sorted(self._failed.items(), key=lambda kv: (-kv[1], kv[0]))[:MOST_FAILED]
        return Summary(
            items=reports + self._errors,
            reports=reports,
            errors=self._errors,
            verdicts=VerdictCounts(**{v.value: self._verdicts[v.value] for v in Verdict}),
            incomplete=self._incomplete,
            most_failed=tuple(RuleCount(rule_id=r, title=self._titles[r], failed=n) for r, n in top),
            unused_waivers=tuple(self.unused_waivers),
        )


class ReportSet(FrozenModel):
    """The results of a batch in input order: a :class:`~heshan_vetting.Report` or an :class:`ItemError` per item.

    ``ReportSet(reports=[...])`` still builds one from reports alone.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_id: Literal["heshan-vetting/results/v1"] = Field(default="heshan-vetting/results/v1", alias="schema")
    items: tuple[Report | ItemError, ...]

    @model_validator(mode="before")
    @classmethod
    def _accept_reports(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != "summary"}
            if "reports" in data and "items" not in data:
                data["items"] = data.pop("reports")
        return data

    @property
    def reports(self) -> tuple[Report, ...]:
        """The reports, in input order (the items that are not errors)."""
        return tuple(i for i in self.items if isinstance(i, Report))

    @property
    def errors(self) -> tuple[ItemError, ...]:
        """The items that could not be vetted, in input order."""
        return tuple(i for i in self.items if isinstance(i, ItemError))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> Summary:
        """Counts per verdict, errors, and the most-failed rules."""
        return summarise(self.items)

    @classmethod
    def collect(cls, items: Iterable[Item]) -> ReportSet:
        """A ReportSet of everything ``items`` yields (e.g. :meth:`Vetter.check_many`)."""
        return cls(items=tuple(items))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict, with the public field names."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self) -> str:
        """Deterministic JSON: same inputs, same bytes."""
        return model_json(self)


def failed_rules(report: Report) -> tuple[tuple[str, Text], ...]:
    """The rules ``report`` failed: (rule id, title), in the report's order."""
    return tuple((f.rule_id, f.title) for f in report.findings if f.outcome is Outcome.FAIL)


def summarise(items: Iterable[Item]) -> Summary:
    """The :class:`Summary` of ``items``."""
    builder = SummaryBuilder()
    for item in items:
        builder.add(item)
    return builder.build()
