"""Decisions of whole batches: each project's verdict and rule outcomes without its report (``Vetter.decide_many``),
and the batching that lets an engine with ``decide_projects`` (the columnar engine) decide many projects at once.

The verdict of a :class:`Decision` comes from the same evaluation as ``Vetter.check`` (findings, plugin checks,
waivers, score, the one verdict table), so it is the report's verdict; only the :class:`~heshan_vetting.Report`
itself is not built, until :meth:`Decision.report` asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any, TypeVar

from heshan_vetting.engines.protocol import LabelResults, RuleResults
from heshan_vetting.evaluation.pipeline import Pipeline
from heshan_vetting.model import Project
from heshan_vetting.report import Finding, Outcome, Report, Verdict
from heshan_vetting.results import ItemError

Entry = tuple[Project, str | None, int | None]
"""A project of a batch, with the file it came from and its line there (``None`` when not from a file)."""
Decided = tuple[RuleResults, LabelResults]
"""The engine's results for one project (see :class:`~heshan_vetting.engines.Engine`)."""
DecidedOn = tuple[date, Decided]
"""The engine's results for one project, with the as-of date they were decided for."""
T = TypeVar("T")

BATCH_SIZE = 1024
"""Projects decided together by an engine that decides batches (as many reports are built, at most, after)."""


@dataclass(frozen=True)
class Decision:
    """One project's verdict and each rule's outcome, as ``Vetter.check`` would report them, without the report."""

    project_id: str
    """The project's id."""
    verdict: Verdict
    """The verdict, exactly the report's."""
    outcomes: Mapping[str, Outcome]
    """Each finding's rule id → its outcome (the rules in force, then plugin checks), as in ``report.findings``."""
    score: float | None
    """The score's total (``report.score.total``), or ``None`` when the project is not scored."""
    incomplete: bool
    """Whether the result is incomplete (``report.incomplete``)."""
    as_of: date
    """The date whose rules applied."""
    source: str | None = None
    """The file the project came from, if any."""
    line: int | None = None
    """Its row or line in that file, if any."""
    project: Project | None = field(default=None, repr=False, compare=False)
    """The validated project."""
    build: Callable[[], Report] | None = field(default=None, repr=False, compare=False)

    def report(self) -> Report:
        """The full report of this project, identical to what ``Vetter.check`` gives (built now, on demand)."""
        if self.build is None:
            raise ValueError("this decision was made without its Vetter, so it cannot build the report")
        return self.build()


def decide_in_batches(
    pipeline: Pipeline,
    entries: Iterable[Entry | ItemError],
    day_of: Callable[[Project], date],
    size: int = BATCH_SIZE,
) -> Iterator[tuple[Entry | ItemError, DecidedOn | None]]:
    """Each entry with the engine's results for it (and the date they are for), decided ``size`` entries at a time
    by the engine's ``decide_projects`` (one batch per as-of date within them); ``None`` where the engine decides one
    by one
    (an engine without ``decide_projects``), and for errors. Lazy: a batch is decided when its first entry is asked
    for."""
    decide = getattr(pipeline.engine, "decide_projects", None)
    it = iter(entries)
    while True:
        chunk = list(islice(it, size))
        if not chunk:
            return
        results: list[DecidedOn | None] = [None] * len(chunk)
        if decide is not None:
            groups: dict[date, list[int]] = {}
            for k, entry in enumerate(chunk):
                if not isinstance(entry, ItemError):
                    groups.setdefault(day_of(entry[0]), []).append(k)
            for day, rows in groups.items():
                projects: Sequence[Project] = [chunk[k][0] for k in rows]  # type: ignore[index]
                rules, labels, _skipped = pipeline.in_force(day)

                def env(i: int, projects: Sequence[Project] = projects, day: date = day) -> dict[str, Any]:
                    return pipeline.facts(projects[i], day)[0]

                batch = decide(pipeline.pack, rules, labels, projects, day, env)
                for i, k in enumerate(rows):
                    results[k] = (day, batch.row(i))
        yield from zip(chunk, results, strict=True)


def decision(
    pipeline: Pipeline,
    entry: Entry,
    day: date,
    decided: DecidedOn | None,
    build: Callable[[], Report] | None,
) -> Decision:
    """The :class:`Decision` of one project as of ``day`` (``decided``: the engine's results, if made in a batch;
    used only if made for ``day``)."""
    project, source, line = entry
    findings: Sequence[Finding]
    if pipeline.plugins.observers and build is not None:
        # observers see the finished report, and one that fails changes its verdict: build it
        report = build()
        verdict, findings, score, incomplete = report.verdict, report.findings, report.score, report.incomplete
    else:
        ev = pipeline.evaluate(project, day, decided[1] if decided is not None and decided[0] == day else None)
        verdict, findings, score, incomplete = ev.verdict, ev.findings, ev.score, ev.incomplete
    return Decision(
        project_id=project.id,
        verdict=verdict,
        outcomes={f.rule_id: f.outcome for f in findings},
        score=None if score is None else score.total,
        incomplete=incomplete,
        as_of=day,
        source=source,
        line=line,
        project=project,
        build=build,
    )
