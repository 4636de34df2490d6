"""The TOML schema of a rule pack as pydantic models: what each section may hold, checked before compiling."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from heshan_vetting.errors import BilingualValueError
from heshan_vetting.packs.basics import Dated, Number, Strict, Weight, check_pack_number
from heshan_vetting.packs.evalschema import EvaluationDef
from heshan_vetting.report import Citation, Severity, Text

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]*$")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
RULE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")

WAIVER_FACTS: frozenset[str] = frozenset({"two_high_exception", "two_high_exception_basis"})
"""Project fields that cite an exception ground: a waiver the project claims for itself. No veto or required
rule may read them, directly or through a derived metric (the compiler refuses it): a claimed ground reaches
a rule only as a waiver, applied to a rule the pack marks ``waivable`` with ``waiver_grounds`` naming the set
of grounds it accepts. Referrals, labels and advisory rules may read them."""


def _rule_id(value: str) -> str:
    if not RULE_ID.match(value):
        raise BilingualValueError(
            f"{value!r} is not a valid rule id (letters, digits, '_', '-', '.')",
            f"{value!r} 不是有效的规则编号（字母、数字、“_”“-”“.”）",
        )
    return value


class PackMeta(Dated):
    """The ``[pack]`` table: identity and layering."""

    id: str
    version: str
    kind: Literal["access", "evaluation"]
    """``access``: vetting of candidate projects (``check``); ``evaluation``: per-mu evaluation of a register
    of existing enterprises (``evaluate``, docs/evaluation.md). A chain of packs is all of one kind."""
    title: Text
    jurisdiction: str
    extends: str | None = None
    description: Text | None = None
    covers_from: date | None = None
    """The first date for which the pack's authors vouch that its rules (with its parents') are complete."""
    covers_until: date | None = None
    """The last such date (e.g. the date by which yearly targets must be reviewed)."""
    covers_note: Text | None = None
    """Why the covered period starts or ends where it does (shown when a check falls outside it)."""

    @model_validator(mode="after")
    def _covers_in_order(self) -> PackMeta:
        if self.covers_from and self.covers_until and self.covers_until < self.covers_from:
            raise BilingualValueError(
                f"covers_until ({self.covers_until}) is before covers_from ({self.covers_from})",
                f"covers_until（{self.covers_until}）早于 covers_from（{self.covers_from}）",
            )
        return self

    @field_validator("id", "extends")
    @classmethod
    def _check_id(cls, value: str | None) -> str | None:
        if value is not None and not ID_PATTERN.match(value):
            raise BilingualValueError(
                f"{value!r} is not a valid pack id (lower-case letters, digits, '_', '-', '.')",
                f"{value!r} 不是有效的规则包编号（小写字母、数字、“_”“-”“.”）",
            )
        return value


class SetDef(Strict):
    """A named set of strings. ``match = "prefix"`` makes ``x in set`` a prefix match."""

    title: Text | None = None
    type: Literal["industry_code", "text"] = "text"
    match: Literal["exact", "prefix"] = "exact"
    members: list[str] = Field(min_length=1)
    citation: Citation | None = None


class TableDef(Strict):
    """A lookup table keyed by industry-code prefix (longest prefix wins)."""

    title: Text | None = None
    unit: str = ""
    rows: dict[str, Number] = Field(min_length=1)
    default: Number | None = None
    citation: Citation | None = None


class ThresholdValue(Dated):
    """One effective-dated value of a threshold."""

    value: Number
    citation: Citation | None = None


class ThresholdDef(Strict):
    """A named threshold; ``value`` for one value or ``values`` for effective-dated ones."""

    title: Text
    unit: str = ""
    value: Number | None = None
    values: list[ThresholdValue] | None = None
    citation: Citation | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ThresholdDef:
        if (self.value is None) == (self.values is None):
            raise BilingualValueError("give exactly one of 'value' or 'values'", "value 与 values 须且只能给出一个")
        if self.values is not None and not self.values:
            raise BilingualValueError("'values' is empty", "values 为空")
        if self.value is not None and self.citation is None:
            raise BilingualValueError("a threshold needs a citation", "阈值须注明出处（citation）")
        if self.values is not None:
            for i, v in enumerate(self.values):
                if v.citation is None and self.citation is None:
                    raise BilingualValueError(
                        f"values[{i}] needs a citation (or give one for the whole threshold)",
                        f"values[{i}] 须注明出处（或为整个阈值注明出处）",
                    )
        return self

    def dated_values(self) -> list[ThresholdValue]:
        """The values as a list, whichever form was written."""
        if self.values is not None:
            return list(self.values)
        assert self.value is not None
        return [ThresholdValue(value=self.value, citation=self.citation)]


class DerivedDef(Strict):
    """A derived metric computed once per project from facts and other derived metrics."""

    title: Text
    expr: str
    unit: str = ""


class RuleDef(Dated):
    """A rule: when ``applies_if`` holds, ``require`` must hold."""

    id: str
    title: Text
    message: Text | None = None
    severity: Severity
    applies_if: str | None = None
    require: str
    unit: str | None = None
    precision: int = Field(default=4, ge=0, le=10)
    citation: Citation
    tags: list[str] = Field(default_factory=list)
    replaces: bool = False
    waivable: bool = False
    """Whether a waiver may lift this rule when it fails (DESIGN.md invariant 12): a governed waiver (a waiver
    file: approver, dates, citation) or, with :attr:`waiver_grounds`, an exception ground the project cites.
    Only a veto or a required rule may be waivable; a ban such as the Pearl River Delta core prohibition
    stays non-waivable, and no waiver reaches it."""
    waiver_grounds: str | None = None
    """The set (``[sets.NAME]``) of the grounds this rule may be waived on. A governed waiver must then name
    one of them (``ground``), and a project citing one in ``two_high_exception`` with its basis claims the
    waiver itself (the claim caps the verdict at conditional; a referral names who decides it)."""

    @model_validator(mode="after")
    def _waivable_is_a_veto(self) -> RuleDef:
        if self.waivable and self.severity is Severity.ADVISORY:
            raise BilingualValueError(
                "only a veto or a required rule can be waivable; an advisory rule decides nothing to waive",
                "只有一票否决项或必备条件可以标记为可豁免（waivable）；参考项不影响结论，无需豁免",
            )
        if self.waiver_grounds is not None and not self.waivable:
            raise BilingualValueError(
                "waiver_grounds is set but the rule is not waivable: add `waivable = true` or remove it",
                "设置了 waiver_grounds，但规则未标记为可豁免：请加上 `waivable = true` 或删去该项",
            )
        return self

    @field_validator("id")
    @classmethod
    def _check_rule_id(cls, value: str) -> str:
        return _rule_id(value)


class IndicatorDef(Dated):
    """A scoring indicator: ``weight × clamp((value − floor) / (target − floor), 0, 1)`` points."""

    id: str
    title: Text
    applies_if: str | None = None
    """When false the indicator is not applicable and its weight leaves the total (e.g. no land of its own)."""
    value: str
    unit: str = ""
    weight: Weight
    floor: Number
    target: Number
    citation: Citation
    replaces: bool = False


class LabelCase(Strict):
    """One case of a label: when ``when`` holds (and no earlier case did), the label reads ``value``."""

    when: str
    value: Text


class LabelDef(Dated):
    """A label on the report (e.g. which authority does the energy review): a classification, not a pass or fail.

    Cases are tried in order; the first whose condition holds gives the value. A case that cannot be
    decided for lack of data before any case holds makes the label ``insufficient_data``.
    """

    id: str
    title: Text
    cases: list[LabelCase] = Field(min_length=1)
    otherwise: Text | None = None
    citation: Citation
    replaces: bool = False


class CommitmentDef(Dated):
    """A commitment to write into the supervision agreement (监管协议) of an approved or conditional project.

    ``fact`` is the figure (a number fact or derived metric, e.g. ``tax_per_mu``), ``floor`` the pack
    threshold it must reach, ``rule`` (optional) the rule that compares them: the commitment is listed only
    when that rule was decided (the verdict rests on the figure). It falls due ``due_months`` after the
    project's ``due_from`` date (投产 ``production_start`` or 达产 ``full_production``). ``on_miss`` is the
    pack's clause for a missed target, cited by ``on_miss_citation`` (``local_default`` for a template).
    """

    id: str
    title: Text
    fact: str
    floor: str
    rule: str | None = None
    due_from: Literal["production_start", "full_production"]
    due_months: int = Field(default=0, ge=0, le=600)
    on_miss: Text
    on_miss_citation: Citation
    citation: Citation
    replaces: bool = False

    @field_validator("id")
    @classmethod
    def _check_commitment_id(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise BilingualValueError(
                f"{value!r} is not a valid commitment id (letters, digits, '_', '-', '.')",
                f"{value!r} 不是有效的承诺事项编号（字母、数字、“_”“-”“.”）",
            )
        return value


class ReferralDef(Dated):
    """A referral (转报): another body that must also decide on a project for which ``when`` holds.

    A project with an open referral is never a plain ``approve``; the report names the body, the reason
    and the citation. A referral whose condition cannot be decided for lack of data is listed as possible.
    """

    id: str
    to: Text
    """The body that must also decide, e.g. 广东省能源局（节能审查）."""
    reason: Text
    when: str
    citation: Citation
    replaces: bool = False

    @field_validator("id")
    @classmethod
    def _check_referral_id(cls, value: str) -> str:
        return _rule_id(value)


class ScopeDef(Strict):
    """The projects a pack covers (``[scope]``): a project for which ``when`` is false is outside it.

    An out-of-scope project is not approved or made conditional: the report says the pack does not cover
    it (``outside``) and the verdict is ``deferred``. The last pack of a chain that declares a scope sets it.
    """

    title: Text
    """What the pack covers, e.g. 制造业产业项目."""
    when: str
    outside: Text
    """What the report says to a project outside the scope (and where to take it)."""
    citation: Citation


class GapDef(Strict):
    """A policy element the pack knows of but does not encode, and why (shown on the coverage page)."""

    id: str
    title: Text
    reason: Text
    citation: Citation | None = None


class VerdictDef(Strict):
    """Score thresholds: ``approve`` at or above ``approve_min``, ``conditional`` at or above ``conditional_min``."""

    approve_min: Annotated[float, BeforeValidator(check_pack_number), Field(ge=0, le=100)]
    conditional_min: Annotated[float, BeforeValidator(check_pack_number), Field(ge=0, le=100)]
    min_indicators: int = Field(default=0, ge=0, le=1000)
    """The fewest indicators with a value a score may rest on; below it the score is not meaningful (0: any)."""
    citation: Citation

    @model_validator(mode="after")
    def _ordered(self) -> VerdictDef:
        if self.conditional_min > self.approve_min:
            raise BilingualValueError(
                "conditional_min must not exceed approve_min", "conditional_min 不能大于 approve_min"
            )
        return self


class PackFile(Strict):
    """One rule-pack TOML file."""

    pack: PackMeta
    sets: dict[str, SetDef] = Field(default_factory=dict)
    tables: dict[str, TableDef] = Field(default_factory=dict)
    thresholds: dict[str, ThresholdDef] = Field(default_factory=dict)
    derived: dict[str, DerivedDef] = Field(default_factory=dict)
    rules: list[RuleDef] = Field(default_factory=list)
    indicators: list[IndicatorDef] = Field(default_factory=list)
    labels: list[LabelDef] = Field(default_factory=list)
    referrals: list[ReferralDef] = Field(default_factory=list)
    scope: ScopeDef | None = None
    gaps: list[GapDef] = Field(default_factory=list)
    verdict: VerdictDef | None = None
    commitments: list[CommitmentDef] = Field(default_factory=list)
    evaluation: EvaluationDef | None = None
    """The per-mu evaluation (only in a pack of ``kind = "evaluation"``)."""

    @model_validator(mode="after")
    def _sections_of_kind(self) -> PackFile:
        if self.pack.kind == "access" and self.evaluation is not None:
            raise BilingualValueError(
                'an [evaluation] table belongs in a pack of kind = "evaluation", not "access"',
                '[evaluation] 表只能出现在 kind = "evaluation" 的规则包中，而不是 "access"',
            )
        if self.pack.kind == "evaluation":
            vetting = [k for k in _VETTING_SECTIONS if getattr(self, k)]
            if vetting:
                raise BilingualValueError(
                    f"an evaluation pack holds no vetting sections, but this one has {', '.join(vetting)}",
                    f"评价类规则包不包含评审部分，但本文件含有 {'、'.join(vetting)}",
                )
        return self


_VETTING_SECTIONS = (
    "sets",
    "tables",
    "derived",
    "rules",
    "indicators",
    "labels",
    "referrals",
    "scope",
    "gaps",
    "verdict",
    "commitments",
)
