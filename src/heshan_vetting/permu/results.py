"""The result of a per-mu evaluation (亩均效益评价) of a register: the JSON contract ``heshan-vetting/evaluation/v1``.

One :class:`EnterpriseResult` per enterprise read (indicator values, points, score, group, rank, class, the
policy the class triggers), a :class:`GroupResult` per group (benchmarks used, class counts), the
low-efficiency land list and the register's bad rows. Later stages (the XLSX register back, the HTML page,
year-over-year movement) read these records; nothing here computes.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from heshan_vetting.report import Citation, Commitment, Text

EVALUATION_SCHEMA = "heshan-vetting/evaluation/v1"
"""The ``schema`` of an evaluation's JSON (``evaluate --format json``)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IndicatorResult(_Frozen):
    """One indicator of one enterprise: its value, the benchmark and the points it gave."""

    id: str
    value: float | None
    """The indicator's value in ``unit`` (``None``: a field it needs is missing, or a division by zero)."""
    unit: str
    benchmark: float | None
    weight: float
    points: float | None
    """``min(cap, value ÷ benchmark × weight)``; for a missing value, what the pack's missing-data rule gives."""
    basis: Literal["value", "capped", "group_mean_points", "zero", "missing"]
    """How the points came: from the value, from the value but cut to the cap, or by the missing-data rule."""
    missing: list[str] = Field(default_factory=list)
    """The register fields the value needed and did not have."""


class EnterpriseResult(_Frozen):
    """One enterprise of the register and its evaluation."""

    id: str
    name: str
    row: int
    """The row (CSV) or line (JSON Lines) of the register it came from."""
    town: str | None = None
    industry_code: str | None = None
    land_area: float | None
    """Its land in 亩."""
    group: str | None
    """The id of its group (None: no group's condition holds, see ``reasons``)."""
    status: Literal["classed", "not_classed"]
    score: float | None
    weight_total: float | None
    """The sum of its group's weights: the score of an enterprise exactly at every benchmark."""
    rank: int | None
    """1 + the number of enterprises of its group with a strictly higher score (ties share a rank)."""
    group_size: int | None
    """How many enterprises of its group were ranked."""
    class_: str | None = Field(alias="class")
    class_by_score: str | None = None
    """The class its rank or score gave, before any cap."""
    capped_by: list[str] = Field(default_factory=list)
    """The caps that held (their ids), each classing it no better than the cap's class."""
    caps_undecided: list[str] = Field(default_factory=list)
    """The caps that could not be decided for lack of data (not applied; the register should say)."""
    indicators: list[IndicatorResult] = Field(default_factory=list)
    policy: list[Text] = Field(default_factory=list)
    """What its class triggers, from the pack."""
    low_efficiency: bool = False
    low_efficiency_reasons: list[Text] = Field(default_factory=list)
    reasons: list[Text] = Field(default_factory=list)
    """Why it is not classed, when it is not."""
    commitments: list[Commitment] = Field(default_factory=list)
    """For an enterprise on the low-efficiency list: the commitments of the supervision agreement (监管协议)
    it is offered, in the shape a vetting report gives an approved project's."""
    commitment_notes: list[Text] = Field(default_factory=list)
    """Commitments the pack asks for that could not be stated for it (no target for its group), and why."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class BenchmarkResult(_Frozen):
    """The benchmark a group used for one indicator, and where it came from."""

    indicator: str
    title: Text
    unit: str
    weight: float
    cap: float | None
    benchmark: float | None
    """None when it could not be computed (no member of the group has a value, or it is 0)."""
    source: Literal["fixed", "mean", "median"]
    values: int
    """How many members of the group had a value (what a computed benchmark rests on)."""
    missing_rule: Literal["not_classed", "zero", "group_mean_points"]
    mean_points: float | None = None
    """The mean points of the members with a value (what ``group_mean_points`` gives)."""
    citation: Citation


class ClassCount(_Frozen):
    """How many enterprises of a group (or of all groups) are in a class, and their land."""

    class_: str = Field(alias="class")
    title: Text
    count: int
    land_area: float

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CutInfo(_Frozen):
    """One class boundary of a group, best class first: ``top_percent`` (by rank) or ``min_score`` (by score)."""

    class_: str = Field(alias="class")
    top_percent: float | None = None
    min_score: float | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class GroupResult(_Frozen):
    """One group: its members, the benchmarks used and the class counts."""

    id: str
    title: Text
    members: int
    classed: int
    not_classed: int
    classes_by: Literal["rank", "score"]
    cuts: list[CutInfo]
    rest: str
    """The class past the last cut (e.g. D)."""
    cuts_citation: Citation
    benchmarks: list[BenchmarkResult]
    classes: list[ClassCount]


class PolicyInfo(_Frozen):
    """A measure a class triggers, with its source."""

    title: Text
    citation: Citation


class ClassInfo(_Frozen):
    """A class of the pack, best first."""

    id: str
    title: Text
    policy: list[PolicyInfo]
    citation: Citation


class LowEfficiencyList(_Frozen):
    """The low-efficiency land list (低效用地清单): who is on it and the land involved."""

    title: Text
    criteria: list[Text]
    enterprises: list[str]
    """Their ids, in register order."""
    land_area: float
    """The land they hold, in 亩 (enterprises without a land area count 0 and are named in ``land_unknown``)."""
    land_unknown: list[str] = Field(default_factory=list)
    measures: list[Text] = Field(default_factory=list)
    citation: Citation


class RowError(_Frozen):
    """A register row that could not be read: it is left out of the evaluation, and named here."""

    file: str
    row: int | None
    column: str | None
    message_en: str
    message_zh: str


class TargetResult(_Frozen):
    """A proposed next-year target for one indicator of one group, with the arithmetic that gives it."""

    id: str
    group: str
    indicator: str
    title: Text
    unit: str
    method: Literal["percentile", "growth"]
    percentile: float | None = None
    rate: float | None = None
    """A fraction (0.05 for 5 %)."""
    base: float | None
    """The group's benchmark this year (growth), or None (percentile)."""
    values: int
    """How many members of the group had a value this year."""
    value: float | None
    """The proposed target in ``unit`` (None: no member had a value)."""
    arithmetic: Text
    citation: Citation


class IndicatorChange(_Frozen):
    """How one indicator of an enterprise changed from last year's evaluation to this year's."""

    id: str
    value_before: float | None
    value_after: float | None
    points_before: float | None
    points_after: float | None
    points_change: float | None


class MoveResult(_Frozen):
    """An enterprise whose class changed (or that entered or left the register), and why."""

    id: str
    name: str
    kind: Literal["up", "down", "entered", "left", "classed", "unclassed"]
    """``up``/``down``: a better or worse class; ``entered``/``left``: in one register only; ``classed``/
    ``unclassed``: classed in one year only."""
    class_before: str | None
    class_after: str | None
    group_before: str | None
    group_after: str | None
    score_before: float | None
    score_after: float | None
    rank_before: int | None
    rank_after: int | None
    capped_before: list[str] = Field(default_factory=list)
    capped_after: list[str] = Field(default_factory=list)
    changes: list[IndicatorChange] = Field(default_factory=list)
    """Each indicator both years score, the largest change in points first (why it moved)."""


class Transition(_Frozen):
    """How many enterprises went from one class to another (``-``: not classed or not in the register)."""

    from_: str = Field(alias="from")
    to: str
    count: int

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Movement(_Frozen):
    """Year-over-year movement against a previous evaluation."""

    previous: str
    """The previous register or evaluation JSON, as it was named."""
    previous_as_of: date
    previous_errors: list[RowError] = Field(default_factory=list)
    """Rows of the previous register that could not be read (their enterprises look as if they entered)."""
    transitions: list[Transition]
    moves: list[MoveResult]
    """The enterprises whose class changed, that entered or left, in this year's register order (leavers last)."""


class PackInfo(_Frozen):
    """The evaluation pack used (each layer's id, version and content hash)."""

    id: str
    version: str
    sha256: str
    jurisdiction: str


class EvaluationResult(_Frozen):
    """The evaluation of one register with one pack on one date."""

    schema_: str = Field(default=EVALUATION_SCHEMA, alias="schema")
    tool_version: str
    as_of: date
    register_file: str
    """The register evaluated, as it was named."""
    pack: str
    pack_title: Text
    packs: list[PackInfo]
    complete: bool
    """False when register rows were left out: a ranking without them may differ from the full one."""
    notes: list[Text]
    """What every reader must know: the pack's notes, the figures that are local defaults, rows left out."""
    local_defaults: list[str]
    """The figures of the pack the city sets itself (``local_default``), as ``where: what``."""
    classes: list[ClassInfo]
    groups: list[GroupResult]
    enterprises: list[EnterpriseResult]
    summary: list[ClassCount]
    """Class counts over all groups (and ``-`` for the enterprises not classed)."""
    low_efficiency: LowEfficiencyList | None
    errors: list[RowError]
    targets: list[TargetResult] = Field(default_factory=list)
    """Proposed next-year targets, when the pack asks for them."""
    movement: Movement | None = None
    """Movement against last year's evaluation, when one is given (``evaluate --previous``)."""
    register_sheet: str | None = None
    """The sheet the register was read from, for a workbook (``.xlsx``)."""
    register_header_row: int | None = None
    """The register's header row (1 for CSV; None for JSON Lines): ``row`` of an enterprise counts from the top."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dictionary (aliases: ``schema``, ``class``)."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self) -> str:
        """Deterministic JSON text (two-space indent, keys as built)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"
