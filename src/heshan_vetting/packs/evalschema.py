"""The ``[evaluation]`` table of an evaluation pack (``kind = "evaluation"``): per-mu (亩均) indicators, groups,
classes, caps and the low-efficiency list, as pydantic models checked before compiling.

The method is documented in docs/evaluation.md; the compiled form is :mod:`heshan_vetting.permu.compile`.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from heshan_vetting.errors import BilingualValueError
from heshan_vetting.packs.basics import Dated, Number, Strict, Weight, check_pack_number
from heshan_vetting.report import Citation, Text

EVAL_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")

Percent = Annotated[float, BeforeValidator(check_pack_number), Field(gt=0, le=100)]
Points = Annotated[float, BeforeValidator(check_pack_number), Field(ge=0)]


def _eval_id(value: str) -> str:
    if not EVAL_ID.match(value):
        raise BilingualValueError(
            f"{value!r} is not a valid id (letters, digits, '_', '-', '.', starting with a letter)",
            f"{value!r} 不是有效的编号（字母、数字、“_”“-”“.”，以字母开头）",
        )
    return value


class EvalIndicatorDef(Strict):
    """An indicator: a formula over register fields (``tax / land_area``) and the unit it is reported in."""

    id: str
    title: Text
    value: str
    """An expression of the condition language over register fields; its unit is checked against ``unit``."""
    unit: str = ""
    citation: Citation
    replaces: bool = False

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        return _eval_id(value)


MissingRule = Literal["not_classed", "zero", "group_mean_points"]
"""What an enterprise without a value for a scored indicator gets: it is not classed (the default), it gets
0 points, or it gets the mean points of the group members that have a value (Huangyan's rule for emissions)."""


class ScoreDef(Strict):
    """One indicator as a group scores it: ``points = value ÷ benchmark × weight``, at most ``cap`` points."""

    indicator: str
    weight: Weight
    benchmark: Number | None = None
    """A fixed benchmark in the indicator's unit (a number, or a quantity text such as ``"24.097 万元/亩"``)."""
    benchmark_of_group: Literal["mean", "median"] | None = None
    """Or a benchmark computed from the group in the register: the mean or median of the values present."""
    cap: Points | None = None
    """The most points the indicator may give (none: no cap, as the Huangyan method is published)."""
    missing: MissingRule = "not_classed"
    citation: Citation
    """The source of the weight and benchmark (``local_default`` for a figure the city sets)."""

    @model_validator(mode="after")
    def _one_benchmark(self) -> ScoreDef:
        if (self.benchmark is None) == (self.benchmark_of_group is None):
            raise BilingualValueError(
                "give exactly one of 'benchmark' or 'benchmark_of_group'",
                "benchmark 与 benchmark_of_group 须且只能给出一个",
            )
        return self


class CutDef(Strict):
    """One class boundary, best class first: the class reaches ``top_percent`` of the ranks, or ``min_score``."""

    class_: str = Field(alias="class")
    top_percent: Percent | None = None
    min_score: Points | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> CutDef:
        if (self.top_percent is None) == (self.min_score is None):
            raise BilingualValueError(
                "give exactly one of 'top_percent' or 'min_score'", "top_percent 与 min_score 须且只能给出一个"
            )
        return self


class GroupDef(Dated):
    """A group of enterprises (e.g. 规上 / 规下) with its own indicators and class rule.

    An enterprise belongs to the first group (in pack order) whose ``when`` holds. ``classes_by = "rank"``
    classes it by its rank within the group (``top_percent`` cuts), ``"score"`` by absolute score lines
    (``min_score`` cuts); an enterprise past every cut gets ``rest`` (e.g. D).
    """

    id: str
    title: Text
    when: str
    scores: list[ScoreDef] = Field(min_length=1)
    classes_by: Literal["rank", "score"]
    cuts: list[CutDef] = Field(min_length=1)
    rest: str
    cuts_citation: Citation
    replaces: bool = False

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        return _eval_id(value)

    @model_validator(mode="after")
    def _cuts_fit(self) -> GroupDef:
        key = "top_percent" if self.classes_by == "rank" else "min_score"
        bounds = [c.top_percent if self.classes_by == "rank" else c.min_score for c in self.cuts]
        if any(b is None for b in bounds):
            raise BilingualValueError(
                f"classes_by = {self.classes_by!r}: every cut needs {key!r}",
                f"classes_by = {self.classes_by!r}：每个分界都须给出 {key!r}",
            )
        numbers = [float(b) for b in bounds if b is not None]
        ordered = all(a < b for a, b in pairwise(numbers))
        if self.classes_by == "score":
            ordered = all(a > b for a, b in pairwise(numbers))
        if not ordered:
            raise BilingualValueError(
                "the cuts must go from the best class down: top_percent rising, or min_score falling",
                "分界须从最好的类别依次向下：top_percent 递增，或 min_score 递减",
            )
        return self


class PolicyDef(Strict):
    """A measure a class triggers (差别化电价、用地优先、税收辅导 …) and its source."""

    title: Text
    citation: Citation


class ClassDef(Strict):
    """A class (A/B/C/D): its name and the policy it triggers, best class first."""

    id: str
    title: Text
    """The class name, e.g. 优先发展类 (Tiantai)."""
    policy: list[PolicyDef] = Field(default_factory=list)
    """What the class triggers: differential electricity and water prices, land priority, 税收辅导, …"""
    citation: Citation
    """The source of the class and its name."""
    replaces: bool = False

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        return _eval_id(value)


class CapDef(Dated):
    """A cap by rule: an enterprise for which ``when`` holds is classed no better than ``at_best``."""

    id: str
    title: Text
    when: str
    at_best: str
    citation: Citation
    replaces: bool = False

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        return _eval_id(value)


class LowEfficiencyDef(Strict):
    """The low-efficiency land list (低效用地清单): the enterprises of ``classes``, and those whose ``indicator``
    is below ``floor`` (optional), with the land they hold."""

    title: Text
    classes: list[str] = Field(default_factory=list)
    indicator: str | None = None
    floor: Number | None = None
    citation: Citation
    measures: list[Text] = Field(default_factory=list)
    """What the list leads to (帮扶、清退、管理 …), quoted from the plan with the citation."""

    @model_validator(mode="after")
    def _floor_with_indicator(self) -> LowEfficiencyDef:
        if (self.indicator is None) != (self.floor is None):
            raise BilingualValueError(
                "give 'indicator' and 'floor' together, or neither", "indicator 与 floor 须同时给出或都不给出"
            )
        if not self.classes and self.indicator is None:
            raise BilingualValueError(
                "name the classes on the list, or an indicator and its floor, or both",
                "请列出进入清单的类别，或给出指标及其下限，或两者都给出",
            )
        return self


class TargetDef(Strict):
    """A proposed next-year target for one indicator of one group (the plan's "动态调整" made explicit).

    ``method = "percentile"``: the value at ``percentile`` of this year's distribution in the group (linear
    interpolation between the sorted values). ``method = "growth"``: this year's benchmark of the group grown
    by ``rate`` (a quantity such as ``"5 %"``).
    """

    id: str
    group: str
    indicator: str
    method: Literal["percentile", "growth"]
    percentile: Annotated[float, BeforeValidator(check_pack_number), Field(ge=0, le=100)] | None = None
    rate: Number | None = None
    citation: Citation
    replaces: bool = False

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        return _eval_id(value)

    @model_validator(mode="after")
    def _method_has_its_figure(self) -> TargetDef:
        if self.method == "percentile" and (self.percentile is None or self.rate is not None):
            raise BilingualValueError(
                "method = 'percentile' takes 'percentile' (and no 'rate')",
                "method = 'percentile' 须给出 percentile（不给 rate）",
            )
        if self.method == "growth" and (self.rate is None or self.percentile is not None):
            raise BilingualValueError(
                "method = 'growth' takes 'rate' (and no 'percentile')",
                "method = 'growth' 须给出 rate（不给 percentile）",
            )
        return self


class AgreementDef(Strict):
    """A commitment of the self-improvement agreement (监管协议) each enterprise on the low-efficiency list is
    offered: reach its group's proposed target for ``indicator`` (a ``[[evaluation.targets]]`` entry) within
    ``due_months`` of the evaluation's as-of date."""

    id: str
    title: Text
    indicator: str
    due_months: int = Field(ge=0, le=600)
    on_miss: Text
    on_miss_citation: Citation
    citation: Citation
    replaces: bool = False

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        return _eval_id(value)


class EvaluationDef(Strict):
    """The ``[evaluation]`` table of an evaluation pack; layers merge it element by element (by id)."""

    indicators: list[EvalIndicatorDef] = Field(default_factory=list)
    groups: list[GroupDef] = Field(default_factory=list)
    classes: list[ClassDef] = Field(default_factory=list)
    caps: list[CapDef] = Field(default_factory=list)
    low_efficiency: LowEfficiencyDef | None = None
    targets: list[TargetDef] = Field(default_factory=list)
    """Proposed next-year targets (per group and indicator)."""
    agreements: list[AgreementDef] = Field(default_factory=list)
    """The commitments of the supervision agreement offered to each enterprise on the low-efficiency list."""
    notes: list[Text] = Field(default_factory=list)
    """Statements every report of this pack repeats (e.g. that its figures are local defaults)."""
