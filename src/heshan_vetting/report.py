"""The output model: one frozen pydantic :class:`Report` per project (tuples all the way down).

Its JSON is a public contract (schema ``heshan-vetting/report/v2``; CHANGELOG says what changed from v1):
the names ``schema``, ``verdict`` (with ``verdict_text``), ``to_supply``, ``referrals``, ``commitments``, ``score``,
``findings`` (each with ``rule_id``, ``severity``, ``outcome``, ``outcome_text``) and ``provenance`` are fixed;
a batch of them is a :class:`heshan_vetting.results.ReportSet`. The same project,
packs and as-of date give byte-identical JSON (:meth:`Report.to_json`).
"""

from __future__ import annotations

import datetime as _dt
import json
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator
from pydantic_core import PydanticSerializationError

from heshan_vetting import jsonwriter
from heshan_vetting.terms import Citation, CitationStatus, FrozenModel, Outcome, Severity, Text, Verdict

__all__ = [
    "REPORT_SCHEMA",
    "Citation",
    "CitationStatus",
    "Commitment",
    "Comparison",
    "Explained",
    "FactValue",
    "FieldChange",
    "Finding",
    "IndicatorPath",
    "IndicatorScore",
    "Label",
    "Notice",
    "Outcome",
    "PackRef",
    "PathToApproval",
    "PluginNote",
    "PluginRef",
    "ProjectRef",
    "Provenance",
    "Referral",
    "Report",
    "RulePath",
    "Score",
    "ScorePath",
    "Severity",
    "Skipped",
    "Supply",
    "Text",
    "Verdict",
    "WaiverStatus",
    "WaiverUse",
]

REPORT_SCHEMA = "heshan-vetting/report/v2"
_OUT_OF_SCOPE_TEXT = ("不属本规则包评审范围，暂缓评审", "deferred: outside the scope of the rule pack")


@cache
def _outcome_text(outcome: Outcome) -> Text:
    # one frozen Text per outcome (five), not one per finding each time a report is dumped
    return Text(zh=outcome.label("zh"), en=outcome.label("en"))


@cache
def _verdict_text(verdict: Verdict, out_of_scope: bool) -> Text:
    # one frozen Text per verdict (and for a deferred one outside the pack's scope), not one per report
    if out_of_scope:
        return Text(zh=_OUT_OF_SCOPE_TEXT[0], en=_OUT_OF_SCOPE_TEXT[1])
    return Text(zh=verdict.label("zh"), en=verdict.label("en"))


class FactValue(FrozenModel):
    """A fact a rule read, with its value in its unit (``None`` when missing)."""

    name: str
    title: Text
    value: bool | float | str | tuple[str, ...] | None
    unit: str = ""
    source: str | None = None


class Comparison(FrozenModel):
    """A numeric comparison that decided a rule: actual ``op`` threshold, in ``unit``."""

    expression: str
    op: str
    actual: float | None
    threshold: float | None
    threshold_name: str | None = None
    unit: str = ""
    passed: bool | None
    gap: float | None = None
    """How far the actual value falls short of the threshold (positive), if it fails."""


WaiverStatus = Literal["applied", "claimed", "expired", "not_yet_in_force", "unused", "invalid"]
"""What became of a waiver for this project: ``applied`` (it lifts a failed rule), ``claimed`` (an exception
ground the project cites, awaiting the review that decides it), ``expired`` / ``not_yet_in_force`` (outside
its dates on the as-of date: the rule decides as usual), ``unused`` (nothing to waive: the rule passed, does
not apply, lacks data or is not in force) or ``invalid`` (a cited ground the rule does not name, or with no
basis stated)."""


class WaiverUse(FrozenModel):
    """A waiver that names this project, and what became of it.

    ``kind`` is ``granted`` for a governed waiver (a waiver file: approver, dates, citation) and
    ``exception_ground`` for an exception ground the project file itself cites (``two_high_exception``),
    which no one has granted yet: it is ``claimed`` and goes to the review the pack names (a referral)."""

    rule_id: str
    kind: Literal["granted", "exception_ground"]
    status: WaiverStatus
    message: Text
    """What happened, in words (shown in reports)."""
    waiver_id: str | None = None
    """The waiver's id, or its ``file:line``."""
    ground: str | None = None
    justification: str | None = None
    approver: str | None = None
    granted: _dt.date | None = None
    expires: _dt.date | None = None
    basis: str | None = None
    """The document that allows it (``《title》（number）clause``)."""


class Finding(FrozenModel):
    """The outcome of one rule for one project, explained."""

    rule_id: str
    pack_id: str
    title: Text
    severity: Severity
    outcome: Outcome
    explanation: Text
    comparisons: tuple[Comparison, ...] = ()
    facts: tuple[FactValue, ...] = ()
    missing: tuple[str, ...] = ()
    citation: Citation | None = None
    unverified: bool = False
    """True when the rule, or a threshold or table it used, is not marked verified (or computed)."""
    figure_status: CitationStatus = CitationStatus.VERIFIED
    """The weakest citation status among the rule and the thresholds and tables it used."""
    tags: tuple[str, ...] = ()
    waiver: WaiverUse | None = None
    """For a failed rule that a waiver lifts (``applied``) or an exception ground claims (``claimed``): that
    waiver. The outcome stays ``fail``: the report shows what was waived, by whom and on what basis."""

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        # outcome_text is derived: a report read back from its JSON carries it, and it is recomputed
        if isinstance(data, dict) and "outcome_text" in data:
            data = {k: v for k, v in data.items() if k != "outcome_text"}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome_text(self) -> Text:
        """The outcome in words, zh and en (derived from ``outcome``)."""
        return _outcome_text(self.outcome)


class IndicatorScore(FrozenModel):
    """One scoring indicator's contribution."""

    id: str
    title: Text
    value: float | None
    unit: str = ""
    weight: float
    floor: float
    target: float
    points: float
    outcome: Outcome
    citation: Citation | None = None
    missing: tuple[str, ...] = ()
    """For ``insufficient_data``: the missing facts the indicator needs."""


class Score(FrozenModel):
    """The weighted score: ``total`` points out of ``maximum`` (100), with each indicator."""

    total: float
    maximum: float = 100.0
    attainable: float | None = None
    """The score if every indicator now without data reached its target (``None``: same as ``total``)."""
    approve_min: float | None = None
    conditional_min: float | None = None
    indicators: tuple[IndicatorScore, ...] = ()
    scored: int = 0
    """How many indicators have a value (neither not applicable nor without data)."""
    min_indicators: int = 0
    """The fewest the pack lets a score rest on (0: any)."""
    meaningful: bool = True
    """False when fewer than ``min_indicators`` have a value: the verdict does not rest on the score."""


class Label(FrozenModel):
    """A classification shown on the report, e.g. which authority does the energy review (节能审查)."""

    id: str
    title: Text
    value: Text | None
    """The label's reading; ``None`` when no case applies or data is missing (see ``outcome``)."""
    outcome: Literal["decided", "insufficient_data", "none"]
    missing: tuple[str, ...] = ()
    facts: tuple[FactValue, ...] = ()
    citation: Citation | None = None
    figure_status: CitationStatus = CitationStatus.VERIFIED


class Skipped(FrozenModel):
    """A rule, threshold value or indicator not applied because it was not in force on the as-of date."""

    kind: Literal["rule", "threshold", "indicator", "label", "referral"]
    id: str
    effective_from: _dt.date | None = None
    effective_until: _dt.date | None = None


class PackRef(FrozenModel):
    """A rule pack that took part: id, version and sha256 of its file content."""

    id: str
    version: str
    sha256: str
    jurisdiction: str | None = None
    shipped: bool = True
    """Whether the file is the one shipped with the library (``rules/``); reports say so when it is not."""
    file: str | None = None
    """The pack file, for a pack that is not shipped (``None`` for shipped ones, so reports stay portable)."""


class PluginRef(FrozenModel):
    """A plugin that took part, with its distribution and version."""

    name: str
    distribution: str
    version: str


class Notice(FrozenModel):
    """Something about how a report was made that its reader must know (a warning, not a finding).

    ``code`` is stable: ``as_of_outside_pack_period`` (the as-of date is outside the period the pack
    covers), ``pack_not_shipped`` (a pack of the chain is not the shipped file), ``pack_shadowed`` (a pack
    id was found in several files and one was chosen).
    """

    code: Literal["as_of_outside_pack_period", "pack_not_shipped", "pack_shadowed"]
    message: Text


class PluginNote(FrozenModel):
    """A plugin that took no part in the check because it is not configured (it says how to configure it)."""

    plugin: str
    message: Text


AsOfSource = Literal["option", "application_date", "today"]
"""Where the as-of date came from: the ``as_of`` option, the project's application date, or today."""


class Provenance(FrozenModel):
    """What produced the report, so it can be reproduced."""

    library_version: str
    engine: str
    engine_version: str | None = None
    """The version of the engine's own library: durable-rules' for ``durable``; ``None`` for ``native``."""
    packs: tuple[PackRef, ...]
    plugins: tuple[PluginRef, ...]
    as_of: _dt.date
    as_of_source: AsOfSource
    covers_from: _dt.date | None = None
    """The first date the pack chain covers (the latest ``covers_from`` of its packs), if declared."""
    covers_until: _dt.date | None = None
    """The last date the pack chain covers (the earliest ``covers_until`` of its packs), if declared."""


class ProjectRef(FrozenModel):
    """Which project the report is about."""

    id: str
    name: str
    applicant: str | None = None
    industry_code: str | None = None
    industry_name: str | None = None
    """The GB/T 4754-2017 class name of ``industry_code``."""
    source: str | None = None
    line: int | None = None
    """The project's row in a ledger (or line of a JSON Lines file) named by ``source``; ``None`` for a whole file."""


class Supply(FrozenModel):
    """One piece of information the applicant must supply before the project can be decided."""

    field: str
    """The project field (or fact) that is missing, e.g. ``energy_consumption``."""
    title: Text
    """Its name in words, e.g. 年综合能源消费量 / annual energy consumption."""
    rules: tuple[str, ...] = ()
    """The rules (and score indicators) that cannot be decided without it."""
    why: Text
    """Why it is needed: which vetoes, required rules or score it decides."""


class Referral(FrozenModel):
    """Another body that must also decide on the project (a referral, 转报), with the rule that calls for it."""

    id: str
    to: Text
    """The body, e.g. 广东省发展改革委（节能审查）."""
    reason: Text
    rule_id: str | None = None
    """The referral's id in the pack (or the rule that calls for it)."""
    citation: Citation | None = None
    missing: tuple[str, ...] = ()
    """Empty when the referral is due; otherwise it may be due, and these missing facts decide whether it is."""


class Commitment(FrozenModel):
    """A commitment to write into the supervision agreement (监管协议) of an approved or conditional project:
    a figure the verdict rests on, the project's declared value, the policy floor, and when it falls due."""

    id: str
    title: Text
    fact: str
    """The figure, a project field or derived metric, e.g. ``tax_per_mu``."""
    fact_title: Text
    value: float | None
    """The project's declared (planned) value, in ``unit`` (``None`` when not declared)."""
    unit: str = ""
    floor: float
    """The policy floor the figure must reach, in ``unit``: the pack threshold ``floor_name`` in force."""
    floor_name: str
    floor_citation: Citation | None = None
    due: _dt.date | None = None
    """When it falls due; ``None`` when the project does not state the date it is counted from."""
    due_basis: Text
    """How ``due`` is counted, e.g. 达产后12个月 / 12 months after full production (达产)."""
    on_miss: Text
    """The pack's clause for a missed target."""
    on_miss_citation: Citation
    citation: Citation
    rule_id: str | None = None
    """The rule that compares the figure with the floor (the verdict rests on it)."""


class FieldChange(FrozenModel):
    """One project field changed on its own (every other figure as declared): the value it needs for a goal."""

    field: str
    title: Text
    unit: str = ""
    """The field's own unit (万元, 亩, tce …)."""
    current: float
    needed: float | None
    """The value needed, rounded to the rule's precision in the safe direction; ``None``: no value of this
    field on its own reaches the goal."""
    direction: Literal["at_least", "at_most"] | None = None
    unrounded: float | None = None
    """Where the comparison is linear in the field: the value that meets it before the rule rounds the compared
    figure to its precision, when that differs from ``needed`` (``needed`` is what the check accepts)."""
    leaves_scope: bool = False
    """True when, at ``needed``, the rule no longer applies to the project (rather than passes)."""
    verdict: Verdict | None = None
    """The verdict with this change alone (``approve``: the change on its own is enough); ``None`` when the
    value is not valid with the other figures as declared (``invalid`` says why)."""
    invalid: Text | None = None
    """Why ``needed`` is not a valid project with the other figures as declared (e.g. a fixed-asset investment
    above the total investment): another figure must change with it."""
    text: Text


class RulePath(FrozenModel):
    """A failed veto or required rule (or one that cannot be decided) and what it would take."""

    rule_id: str
    title: Text
    severity: Severity
    outcome: Outcome
    kind: Literal["figures", "fixed", "confirm", "data", "error"]
    """``figures``: a figure can fix it (``changes``); ``fixed``: no figure can (a ban on the industry, a fact
    that is not a number); ``confirm``: a data check to confirm or correct; ``data``: it waits for data;
    ``error``: it could not be evaluated."""
    waivable: bool = False
    """Whether the pack marks the rule waivable (an exception ground or a governed waiver may lift it)."""
    comparisons: tuple[Comparison, ...] = ()
    changes: tuple[FieldChange, ...] = ()
    facts: tuple[str, ...] = ()
    """For ``fixed``: the facts, not numbers, the outcome turns on."""
    text: Text


class IndicatorPath(FrozenModel):
    """One score indicator on its own: the value that lifts the score to a line, or that none can."""

    id: str
    title: Text
    unit: str = ""
    line: Literal["approve", "conditional"]
    current: float | None
    needed: float | None
    """The indicator value needed; ``None``: even its maximum points are not enough."""
    changes: tuple[FieldChange, ...] = ()
    """The same goal through each project field the indicator reads (every indicator recomputed)."""
    text: Text


class ScorePath(FrozenModel):
    """What the score needs: the lines, and each indicator's smallest change on its own."""

    total: float
    approve_min: float | None = None
    conditional_min: float | None = None
    meaningful: bool = True
    indicators: tuple[IndicatorPath, ...] = ()
    text: Text


class Explained(FrozenModel):
    """A missing field that decides the outcome, or a referral that would remain (figures do not fix it)."""

    id: str
    title: Text
    unit: str = ""
    needed_by: tuple[str, ...] = ()
    text: Text


class PathToApproval(FrozenModel):
    """What it would take for the project to be approved (``check --explain``; ``Vetter.check(explain=True)``)."""

    verdict: Verdict
    """The verdict as it stands."""
    possible: bool
    """False when no change of figures can lead to approval: a failed veto no figure changes, a project outside
    the pack's scope, or a referral (转报) that remains."""
    together: bool = False
    """True when several things must all be fixed: no single change on its own leads to approval."""
    rules: tuple[RulePath, ...] = ()
    score: ScorePath | None = None
    missing: tuple[Explained, ...] = ()
    """Missing fields that decide the outcome: needed before any decision."""
    referrals: tuple[Explained, ...] = ()
    """Referrals that would remain: other bodies must also decide, whatever the figures."""
    others: tuple[Text, ...] = ()
    """Anything else that stands in the way (outside the pack's scope, indicators or plugins that failed)."""
    summary: Text


class Report(FrozenModel):
    """The vetting report for one project."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_id: str = Field(default=REPORT_SCHEMA, alias="schema")
    project: ProjectRef
    verdict: Verdict
    incomplete: bool = False
    """True when some finding is ``error``: the verdict cannot be ``approve`` then."""
    reasons: tuple[Text, ...] = ()
    conditions: tuple[str, ...] = ()
    """Ids of required rules (and undecidable vetoes) to fix for approval."""
    missing_fields: tuple[str, ...] = ()
    to_supply: tuple[Supply, ...] = ()
    """What the applicant must supply before a ``deferred`` project can be decided (field, rules, why)."""
    referrals: tuple[Referral, ...] = ()
    """Other bodies that must also decide; a project with an open referral is never a plain ``approve``."""
    commitments: tuple[Commitment, ...] = ()
    """For an ``approve`` or ``conditional`` verdict: the figures to write into the supervision agreement."""
    out_of_scope: Text | None = None
    """Set when the pack does not cover the project (its ``[scope]``): what the pack covers and where to take
    the project. The verdict is then ``deferred``, unless a veto that covers the project rejects it."""
    score: Score | None = None
    labels: tuple[Label, ...] = ()
    findings: tuple[Finding, ...]
    unverified_basis: tuple[str, ...] = ()
    """Ids of rules that passed or failed on a figure not marked verified (the report says so)."""
    not_in_force: tuple[Skipped, ...] = ()
    notices: tuple[Notice, ...] = ()
    """Warnings about how the report was made: a date outside the pack's period, a pack not shipped."""
    not_configured: tuple[PluginNote, ...] = ()
    """Plugins installed but not configured, which therefore checked nothing (e.g. no blacklist file named)."""
    waivers: tuple[WaiverUse, ...] = ()
    """Every waiver that names this project (governed ones and the exception ground it cites), applied or not."""
    provenance: Provenance
    path_to_approval: PathToApproval | None = Field(default=None, exclude_if=lambda v: v is None)
    """What approval would take; only when asked for (``explain=True``, ``check --explain``), else absent."""

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        if isinstance(data, dict) and "verdict_text" in data:
            data = {k: v for k, v in data.items() if k != "verdict_text"}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verdict_text(self) -> Text:
        """The verdict in words, zh and en (derived from ``verdict``, and ``out_of_scope`` for a deferred one)."""
        return _verdict_text(self.verdict, self.out_of_scope is not None and self.verdict is Verdict.DEFERRED)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict, with the public field names."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self) -> str:
        """Deterministic JSON: same inputs, same bytes."""
        return model_json(self)


def dumps_json(data: dict[str, Any]) -> str:
    """Deterministic JSON text of a report dict (UTF-8 text, two-space indent, no NaN)."""
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _maybe_unlike_json_dumps(text: str | bytes) -> bool:
    """True when pydantic's JSON ``text`` may differ from ``json.dumps``'s: it holds a number in exponent form
    (pydantic writes ``1.5e-7`` where Python writes ``1.5e-07``) or below 1e-4 (``0.00002`` for ``2e-05``), or a
    NaN or an infinity (written as a bare constant, see ``ser_json_inf_nan`` on FrozenModel, where
    ``json.dumps(allow_nan=False)`` raises). A hit inside a string only costs the slow path. Plain substring
    searches: a regular expression over a long CJK text costs more than the serialisation itself. On the UTF-8
    bytes (what the serializer writes) the searches see the same ASCII characters, several times faster."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if b"NaN" in data or b"Infinity" in data or b"0.0000" in data:
        return True
    for sign in (b"e-", b"e+"):
        i = data.find(sign)
        while i != -1:
            if i > 0 and data[i - 1] in _DIGIT_BYTES and data[i + 2 : i + 3] in _DIGITS_NONEMPTY_BYTES:
                return True
            i = data.find(sign, i + 2)
    return False


_DIGITS = "0123456789"
_DIGIT_BYTES = frozenset(_DIGITS.encode())
_DIGITS_NONEMPTY_BYTES = frozenset(bytes([b]) for b in _DIGITS.encode())


def model_json(model: BaseModel, depth: int = 0) -> str:
    """``dumps_json(model.model_dump(mode="json", by_alias=True))``, byte for byte, much faster; with ``depth``,
    its lines after the first indented by that many more levels (as inside an enclosing object).

    The writer of :mod:`heshan_vetting.jsonwriter` writes the text (parts that reports share, kept); where it
    cannot, pydantic's own (Rust) serializer does, and where its bytes could differ from ``json.dumps`` (a
    number in exponent form or below 1e-4, a NaN or an infinity, text it cannot encode) the dict is dumped
    by ``json.dumps`` instead, which also keeps its errors (``ValueError`` for a NaN).
    """
    text = jsonwriter.write(model, depth=depth)
    if text is not None:
        return text + "\n"
    text = _pydantic_json(model)
    return text.replace("\n", "\n" + "  " * depth)[: -2 * depth] if depth else text


def _pydantic_json(model: BaseModel) -> str:
    try:
        # model_dump_json's own call, kept as bytes to search them (model_dump_json decodes them at once)
        data = model.__pydantic_serializer__.to_json(model, indent=2, by_alias=True)
    except (ValueError, PydanticSerializationError):
        data = None
    if data is None or _maybe_unlike_json_dumps(data):
        return dumps_json(model.model_dump(mode="json", by_alias=True))
    return data.decode() + "\n"


def model_json_line(model: BaseModel) -> str:
    """``json.dumps(model.model_dump(mode="json", by_alias=True), ensure_ascii=False, separators=(",", ":"),
    allow_nan=False) + "\\n"``, byte for byte (one JSON Lines line), by :mod:`~heshan_vetting.jsonwriter` or pydantic's
    serializer where that is safe."""
    text = jsonwriter.write(model, indent=False)
    if text is not None:
        return text + "\n"
    try:
        raw = model.__pydantic_serializer__.to_json(model, by_alias=True)
    except (ValueError, PydanticSerializationError):
        raw = None
    if raw is None or _maybe_unlike_json_dumps(raw):
        data = model.model_dump(mode="json", by_alias=True)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    return raw.decode() + "\n"


# The parts reports share (objects the compiled pack or the run owns, reused by every report): their JSON text is
# kept by jsonwriter, keyed by the object's identity (the speed of Report.to_json and --format json/jsonl).
jsonwriter.share(Citation, PackRef, PluginRef, Notice, PluginNote)
# fields whose values are the pack's (or the run's) objects, the same object for the same rule in every report;
# consecutive ones are kept as one text (a finding's rule, pack, title, severity and outcome, say)
jsonwriter.share_fields(Report, "notices", "not_configured", "verdict_text")
jsonwriter.share_fields(Provenance, "library_version", "engine", "engine_version", "packs", "plugins")
jsonwriter.share_fields(
    Finding, "rule_id", "pack_id", "title", "severity", "outcome", "missing", "citation", "unverified",
    "figure_status", "tags", "waiver", "outcome_text",
)  # fmt: skip
jsonwriter.share_fields(Comparison, "expression", "op", "threshold_name", "unit", "passed")
jsonwriter.share_fields(FactValue, "name", "title", "unit", "source")
jsonwriter.share_fields(
    IndicatorScore, "id", "title", "unit", "weight", "floor", "target", "outcome", "citation", "missing"
)
jsonwriter.share_fields(Label, "id", "title", "value", "outcome", "missing", "citation", "figure_status")
jsonwriter.share_fields(Referral, "id", "to", "reason", "rule_id", "citation", "missing")
jsonwriter.share_fields(Commitment, "title", "fact_title", "on_miss")
