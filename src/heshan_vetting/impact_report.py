"""The impact of a pack change on a portfolio (``diff``): the JSON model and how two runs are compared.

Each project is checked under the old and the new pack; :func:`outcomes` keeps what the comparison needs of each
report (it runs where the project was checked, in a worker with ``--jobs N``), and :class:`ImpactBuilder` pairs the
two runs item by item into decisions that flip (with the rules and thresholds responsible), counts per rule and
score shifts. The document's schema id is ``heshan-vetting/impact/v1``.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import ConfigDict, Field

from heshan_vetting.packdiff import FieldChange, PackDiff, convert, thresholds_read
from heshan_vetting.packs.compiled import CompiledPack, CompiledThreshold
from heshan_vetting.report import Notice, Outcome, Report, Severity, Text, Verdict, dumps_json
from heshan_vetting.results import Item, ItemError
from heshan_vetting.terms import FrozenModel
from heshan_vetting.units import Units

__all__ = [
    "IMPACT_SCHEMA",
    "ImpactBuilder",
    "ImpactReport",
    "ImpactSummary",
    "IndicatorShift",
    "Outcomes",
    "ProjectChange",
    "ProjectKey",
    "RuleCount",
    "RuleShift",
    "ScoreSummary",
    "ThresholdShift",
    "Transition",
    "outcomes",
]

IMPACT_SCHEMA = "heshan-vetting/impact/v1"


# ------------------------------------------------------------------------------------------------ one item, digested

_Cmp = tuple[str, float | None, float | None, str]  # threshold name, threshold, actual, unit


@dataclass(frozen=True)
class Outcomes:
    """What the comparison needs of one item's report (small: sent back from a worker process)."""

    error: ItemError | None
    key: tuple[str | None, int | None, str | None]
    """(source, line, project id): the same item on both sides has the same key."""
    name: str | None = None
    verdict: Verdict | None = None
    verdict_text: Text | None = None
    incomplete: bool = False
    score: float | None = None
    meaningful: bool = True
    score_lines: tuple[float | None, float | None] = (None, None)
    as_of: date | None = None
    rules: tuple[tuple[str, Outcome, Severity, Text, tuple[_Cmp, ...], str | None], ...] = ()
    """Per finding: rule id, outcome, severity, title, comparisons, and the status of a waiver on a failed rule
    (``applied``, ``claimed``; ``None``: none)."""
    indicators: tuple[tuple[str, float, float | None, str, Text], ...] = ()
    notices: tuple[str, ...] = ()


def outcomes(item: Item) -> Outcomes:
    """The :class:`Outcomes` of one result of ``Vetter.map_many`` (a module-level function, so it pickles)."""
    if isinstance(item, ItemError):
        return Outcomes(error=item, key=(item.source, item.line, item.project_id))
    rep: Report = item
    p = rep.project
    rules = tuple(
        (
            f.rule_id,
            f.outcome,
            f.severity,
            f.title,
            tuple((c.threshold_name, c.threshold, c.actual, c.unit) for c in f.comparisons if c.threshold_name),
            f.waiver.status if f.waiver is not None and f.outcome is Outcome.FAIL else None,
        )
        for f in rep.findings
    )
    s = rep.score
    return Outcomes(
        error=None,
        key=(p.source, p.line, p.id),
        name=p.name,
        verdict=rep.verdict,
        verdict_text=rep.verdict_text,
        incomplete=rep.incomplete,
        score=s.total if s is not None else None,
        meaningful=s.meaningful if s is not None else True,
        score_lines=(s.approve_min, s.conditional_min) if s is not None else (None, None),
        as_of=rep.provenance.as_of,
        rules=rules,
        indicators=tuple((i.id, i.points, i.value, i.unit, i.title) for i in (s.indicators if s else ())),
        notices=tuple(n.code for n in rep.notices),
    )


# ---------------------------------------------------------------------------------------------------- the JSON model


class ProjectKey(FrozenModel):
    """Which project: id, name and where it was read (file, and row of a ledger or line of a JSON Lines file)."""

    id: str
    name: str
    source: str | None = None
    line: int | None = None


class ThresholdShift(FrozenModel):
    """A threshold a changed rule reads whose value in force differs: old → new, with the project's own value."""

    name: str
    title: Text
    unit: str = ""
    old: float | None = None
    new: float | None = None
    actual: float | None = None
    """The project's value compared with it (in ``unit``), when a comparison shows it."""


class RuleShift(FrozenModel):
    """A rule whose outcome or severity differs for one project (``None``: the rule is not in that pack)."""

    rule_id: str
    title: Text
    old_outcome: Outcome | None = None
    new_outcome: Outcome | None = None
    old_severity: Severity | None = None
    new_severity: Severity | None = None
    old_waiver: str | None = None
    """For a failed rule: the status of the waiver on it (``applied`` lifts it; ``claimed`` awaits review)."""
    new_waiver: str | None = None
    thresholds: tuple[ThresholdShift, ...] = ()


class IndicatorShift(FrozenModel):
    """A scoring indicator whose points differ for one project."""

    id: str
    title: Text
    old_points: float | None = None
    new_points: float | None = None
    value: float | None = None
    unit: str = ""


class ProjectChange(FrozenModel):
    """One project under both packs: the verdicts, the rules and thresholds responsible, the score."""

    project: ProjectKey
    flipped: bool
    old_verdict: Verdict
    new_verdict: Verdict
    old_verdict_text: Text
    new_verdict_text: Text
    old_incomplete: bool = False
    new_incomplete: bool = False
    old_as_of: date | None = None
    new_as_of: date | None = None
    old_score: float | None = None
    new_score: float | None = None
    score_meaningful: bool = True
    """False when the score is meaningful on neither side (no verdict rests on it)."""
    rules: tuple[RuleShift, ...] = ()
    indicators: tuple[IndicatorShift, ...] = ()
    score_lines: tuple[FieldChange, ...] = ()
    """The approve and conditional lines (``approve_min``, ``conditional_min``), when they differ."""


class RuleCount(FrozenModel):
    """How many projects a rule newly fails and newly passes (and other outcome changes, e.g. → no data)."""

    rule_id: str
    title: Text
    severity: Severity
    newly_fails: int = 0
    newly_passes: int = 0
    other_changes: int = 0


class Transition(FrozenModel):
    """How many projects go from one verdict to another."""

    old: Verdict
    new: Verdict
    count: int


class ScoreSummary(FrozenModel):
    """The distribution of score shifts over the projects scored under both packs."""

    scored: int = 0
    changed: int = 0
    up: int = 0
    down: int = 0
    delta_min: float | None = None
    delta_median: float | None = None
    delta_mean: float | None = None
    delta_max: float | None = None
    old_mean: float | None = None
    new_mean: float | None = None
    old_median: float | None = None
    new_median: float | None = None


class ImpactSummary(FrozenModel):
    """The counts of the run."""

    items: int
    projects: int
    """Items vetted under both packs (``items`` less ``errors``)."""
    errors: int
    flipped: int
    unchanged: int
    """Projects whose verdict is the same under both packs (counted; listed only with ``--all``)."""
    transitions: tuple[Transition, ...] = ()
    old_verdicts: dict[str, int] = Field(default_factory=dict)
    new_verdicts: dict[str, int] = Field(default_factory=dict)
    old_outside_period: int = 0
    """Projects whose as-of date is outside the period the old pack covers (their verdicts cannot be relied on)."""
    new_outside_period: int = 0


class ImpactReport(FrozenModel):
    """The impact of a pack change on a portfolio: ``python -m heshan_vetting diff OLD NEW --projects …``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_id: Literal["heshan-vetting/impact/v1"] = Field(default="heshan-vetting/impact/v1", alias="schema")
    library_version: str
    engine: str
    summary: ImpactSummary
    flips: tuple[ProjectChange, ...] = ()
    """The projects whose verdict differs, in input order."""
    unchanged: tuple[ProjectChange, ...] = ()
    """With ``--all`` only: the projects whose verdict is the same (with any rule or score changes)."""
    rules: tuple[RuleCount, ...] = ()
    """Rules whose outcome changed for some project: most newly failed first."""
    scores: ScoreSummary
    pack_diff: PackDiff
    errors: tuple[ItemError, ...] = ()
    """Items that could not be vetted (the exit code is then 2)."""
    notices: tuple[Notice, ...] = ()
    """Warnings about the packs (a pack that is not shipped, an id found in several files)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict, with the public field names."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self) -> str:
        """Deterministic JSON text (same inputs, same bytes)."""
        return dumps_json(self.to_dict())


# ----------------------------------------------------------------------------------------------------- comparing


def _value_on(th: CompiledThreshold | None, day: date | None) -> float | None:
    if th is None or day is None:
        return None
    found = th.value_on(day)
    return found[0] if found is not None else None


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


class ImpactBuilder:
    """Pairs the old and new :class:`Outcomes` of each item and collects the :class:`ImpactReport`'s parts."""

    def __init__(self, units: Units, old: CompiledPack, new: CompiledPack, *, keep_unchanged: bool) -> None:
        self.units, self.old, self.new = units, old, new
        self.keep_unchanged = keep_unchanged
        self.items = 0
        self.errors: list[ItemError] = []
        self.flips: list[ProjectChange] = []
        self.unchanged: list[ProjectChange] = []
        self.unchanged_count = 0
        self.transitions: Counter[tuple[Verdict, Verdict]] = Counter()
        self.verdicts: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
        self.counts: dict[str, list[int]] = {}
        self.titles: dict[str, tuple[Text, Severity]] = {}
        self.scores: list[tuple[float, float]] = []
        self.outside = [0, 0]
        self._old_rules = {r.id: r for r in old.rules}
        self._new_rules = {r.id: r for r in new.rules}

    def add(self, a: Outcomes, b: Outcomes) -> ProjectChange | ItemError:
        """Compare one item's two outcomes; the error of an item that could not be vetted."""
        self.items += 1
        if a.error is not None or b.error is not None:
            error = a.error or b.error
            assert error is not None
            self.errors.append(error)
            return error
        assert a.verdict is not None
        assert b.verdict is not None
        assert a.verdict_text is not None
        assert b.verdict_text is not None
        self.outside[0] += "as_of_outside_pack_period" in a.notices
        self.outside[1] += "as_of_outside_pack_period" in b.notices
        self.verdicts[0][a.verdict.value] += 1
        self.verdicts[1][b.verdict.value] += 1
        flipped = a.verdict is not b.verdict
        rules = self._rules(a, b)
        source, line, pid = a.key
        assert pid is not None
        assert a.name is not None
        change = ProjectChange(
            project=ProjectKey(id=pid, name=a.name, source=source, line=line),
            flipped=flipped,
            old_verdict=a.verdict,
            new_verdict=b.verdict,
            old_verdict_text=a.verdict_text,
            new_verdict_text=b.verdict_text,
            old_incomplete=a.incomplete,
            new_incomplete=b.incomplete,
            old_as_of=a.as_of,
            new_as_of=b.as_of,
            old_score=a.score,
            new_score=b.score,
            score_meaningful=a.meaningful or b.meaningful,
            rules=rules,
            indicators=self._indicators(a, b),
            score_lines=tuple(
                FieldChange(field=name, old=x, new=y)
                for name, x, y in zip(("approve_min", "conditional_min"), a.score_lines, b.score_lines, strict=True)
                if not _same(x, y)
            ),
        )
        if a.score is not None and b.score is not None:
            self.scores.append((a.score, b.score))
        if flipped:
            self.transitions[(a.verdict, b.verdict)] += 1
            self.flips.append(change)
        else:
            self.unchanged_count += 1
            if self.keep_unchanged:
                self.unchanged.append(change)
        return change

    def _rules(self, a: Outcomes, b: Outcomes) -> tuple[RuleShift, ...]:
        old = {r[0]: r for r in a.rules}
        new = {r[0]: r for r in b.rules}
        out = []
        for rid in sorted({*old, *new}):
            x, y = old.get(rid), new.get(rid)
            ox, oy = (x[1] if x else None), (y[1] if y else None)
            sx, sy = (x[2] if x else None), (y[2] if y else None)
            wx, wy = (x[5] if x else None), (y[5] if y else None)
            if ox is oy and sx is sy and wx == wy:
                continue
            skip = Outcome.NOT_APPLICABLE
            if (x is None and oy is skip) or (y is None and ox is skip):
                continue  # a rule only one pack has, and it does not apply: no part in the change
            title, severity = (y or x)[3], (y or x)[2]  # type: ignore[index]
            self.titles[rid] = (title, severity)
            if ox is not oy:
                tally = self.counts.setdefault(rid, [0, 0, 0])
                if oy is Outcome.FAIL:
                    tally[0] += 1
                elif oy is Outcome.PASS:
                    tally[1] += 1
                else:
                    tally[2] += 1
            if ox is oy and ox in (Outcome.PASS, Outcome.NOT_APPLICABLE):
                continue  # a new severity on a rule that passes or does not apply changes nothing
            out.append(
                RuleShift(
                    rule_id=rid,
                    title=title,
                    old_outcome=ox,
                    new_outcome=oy,
                    old_severity=sx,
                    new_severity=sy,
                    old_waiver=wx,
                    new_waiver=wy,
                    thresholds=self._thresholds(rid, a, b, x[4] if x else (), y[4] if y else ()),
                )
            )
        return tuple(out)

    def _thresholds(
        self, rid: str, a: Outcomes, b: Outcomes, cmp_a: tuple[_Cmp, ...], cmp_b: tuple[_Cmp, ...]
    ) -> tuple[ThresholdShift, ...]:
        """The thresholds rule ``rid`` reads whose value in force differs between the two sides, in the unit its
        comparison shows (else the threshold's own), with the project's value where a comparison gives it."""
        names: dict[str, None] = {}
        for pack, rules in ((self.old, self._old_rules), (self.new, self._new_rules)):
            if rid in rules:
                names.update(dict.fromkeys(thresholds_read(pack, rules[rid])))
        seen_a = {c[0]: c for c in cmp_a}
        seen_b = {c[0]: c for c in cmp_b}
        out = []
        for name in names:
            tha, thb = self.old.thresholds.get(name), self.new.thresholds.get(name)
            shown = seen_b.get(name) or seen_a.get(name)
            unit = shown[3] if shown else (thb or tha).unit  # type: ignore[union-attr]
            old = seen_a[name][1] if name in seen_a else self._in(tha, a.as_of, unit)
            new = seen_b[name][1] if name in seen_b else self._in(thb, b.as_of, unit)
            if _same(old, new):
                continue
            actual = shown[2] if shown else None
            title = (thb or tha).title  # type: ignore[union-attr]
            out.append(ThresholdShift(name=name, title=title, unit=unit, old=old, new=new, actual=actual))
        return tuple(out)

    def _in(self, th: CompiledThreshold | None, day: date | None, unit: str) -> float | None:
        value = _value_on(th, day)
        if value is None or th is None:
            return None
        return convert(self.units, value, th.unit, unit)

    def _indicators(self, a: Outcomes, b: Outcomes) -> tuple[IndicatorShift, ...]:
        old = {i[0]: i for i in a.indicators}
        new = {i[0]: i for i in b.indicators}
        out = []
        for iid in sorted({*old, *new}):
            x, y = old.get(iid), new.get(iid)
            px, py = (x[1] if x else None), (y[1] if y else None)
            if _same(px, py):
                continue
            ref = y or x
            assert ref is not None
            out.append(IndicatorShift(id=iid, title=ref[4], old_points=px, new_points=py, value=ref[2], unit=ref[3]))
        return tuple(out)

    def _score_summary(self) -> ScoreSummary:
        if not self.scores:
            return ScoreSummary()
        deltas = [round(y - x, 6) for x, y in self.scores]
        olds, news = [x for x, _ in self.scores], [y for _, y in self.scores]
        return ScoreSummary(
            scored=len(deltas),
            changed=sum(d != 0 for d in deltas),
            up=sum(d > 0 for d in deltas),
            down=sum(d < 0 for d in deltas),
            delta_min=min(deltas),
            delta_median=round(statistics.median(deltas), 6),
            delta_mean=round(statistics.fmean(deltas), 6),
            delta_max=max(deltas),
            old_mean=round(statistics.fmean(olds), 6),
            new_mean=round(statistics.fmean(news), 6),
            old_median=round(statistics.median(olds), 6),
            new_median=round(statistics.median(news), 6),
        )

    def build(
        self, *, library_version: str, engine: str, pack_diff: PackDiff, notices: Iterable[Notice]
    ) -> ImpactReport:
        """The :class:`ImpactReport` of everything added."""
        order = list(Verdict)
        transitions = tuple(
            Transition(old=o, new=n, count=c)
            for (o, n), c in sorted(
                self.transitions.items(), key=lambda t: (order.index(t[0][0]), order.index(t[0][1]))
            )
        )
        counts = tuple(
            RuleCount(
                rule_id=rid,
                title=self.titles[rid][0],
                severity=self.titles[rid][1],
                newly_fails=t[0],
                newly_passes=t[1],
                other_changes=t[2],
            )
            for rid, t in sorted(self.counts.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
        )
        seen: dict[tuple[str, str], Notice] = {}
        for n in notices:
            seen.setdefault((n.code, n.message.en), n)
        summary = ImpactSummary(
            items=self.items,
            projects=self.items - len(self.errors),
            errors=len(self.errors),
            flipped=len(self.flips),
            unchanged=self.unchanged_count,
            transitions=transitions,
            old_verdicts={v.value: self.verdicts[0][v.value] for v in Verdict},
            new_verdicts={v.value: self.verdicts[1][v.value] for v in Verdict},
            old_outside_period=self.outside[0],
            new_outside_period=self.outside[1],
        )
        return ImpactReport(
            library_version=library_version,
            engine=engine,
            summary=summary,
            flips=tuple(self.flips),
            unchanged=tuple(self.unchanged),
            rules=counts,
            scores=self._score_summary(),
            pack_diff=pack_diff,
            errors=tuple(self.errors),
            notices=tuple(seen.values()),
        )
