"""An evaluation pack (``kind = "evaluation"``) merged through its ``extends`` chain and compiled once.

Indicator formulas, group conditions and caps are expressions of the condition language over the register's
fields (:data:`~heshan_vetting.permu.register.REGISTER_FIELDS`); their units are checked here, when the pack
loads, and every figure (benchmark, floor) is converted to its indicator's unit once. Errors name
file:line:column like any pack error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar, cast

from heshan_vetting.errors import RulePackError
from heshan_vetting.lang.compiler import Compiler
from heshan_vetting.lang.ops import scaled
from heshan_vetting.lang.types import BoolFn, CompileError, NumFn, VType
from heshan_vetting.lang.values import MISSING, Env, norm
from heshan_vetting.packs.data import PackData
from heshan_vetting.packs.evalschema import (
    AgreementDef,
    CapDef,
    ClassDef,
    EvalIndicatorDef,
    GroupDef,
    LowEfficiencyDef,
    TargetDef,
)
from heshan_vetting.packs.load import refuse_other_kind
from heshan_vetting.packs.merge import MergedPack, Sourced
from heshan_vetting.permu.classing import ClassRule, Cut
from heshan_vetting.permu.register import REGISTER_FIELDS
from heshan_vetting.permu.results import PackInfo
from heshan_vetting.report import Citation, CitationStatus, Text
from heshan_vetting.units import Units

T = TypeVar("T", EvalIndicatorDef, GroupDef, ClassDef, CapDef, TargetDef, AgreementDef)


@dataclass(frozen=True)
class EvalIndicator:
    """An indicator ready to compute: its closure gives the value in ``unit`` (or an Unknown)."""

    id: str
    title: Text
    value: NumFn
    unit: str
    reads: tuple[str, ...]
    citation: Citation
    formula: str


@dataclass(frozen=True)
class Score:
    """An indicator as a group scores it; ``benchmark`` is in the indicator's unit (None: from the group)."""

    indicator: str
    weight: float
    benchmark: float | None
    benchmark_of_group: Literal["mean", "median"] | None
    cap: float | None
    missing: Literal["not_classed", "zero", "group_mean_points"]
    citation: Citation


@dataclass(frozen=True)
class Group:
    """A group: who is in it (``when``), what it scores, how it is classed."""

    id: str
    title: Text
    when: BoolFn
    scores: tuple[Score, ...]
    rule: ClassRule
    cuts_citation: Citation
    effective_from: date | None
    effective_until: date | None


@dataclass(frozen=True)
class Cap:
    """A cap by rule: when ``when`` holds, the class is no better than ``at_best``."""

    id: str
    title: Text
    when: BoolFn
    at_best: str
    citation: Citation
    effective_from: date | None
    effective_until: date | None


@dataclass(frozen=True)
class LowEfficiency:
    """The low-efficiency list's criteria; ``floor`` is in the indicator's unit."""

    title: Text
    classes: tuple[str, ...]
    indicator: str | None
    floor: float | None
    citation: Citation
    measures: tuple[Text, ...]


@dataclass(frozen=True)
class Target:
    """A proposed target: ``percentile`` of the group's values, or the group's benchmark × (1 + ``rate``)."""

    id: str
    group: str
    indicator: str
    method: Literal["percentile", "growth"]
    percentile: float | None
    rate: float | None
    """A fraction (0.05 for 5 %)."""
    citation: Citation


@dataclass(frozen=True)
class EvaluationPack:
    """A compiled evaluation pack."""

    id: str
    version: str
    title: Text
    jurisdiction: str
    packs: tuple[PackInfo, ...]
    effective_from: date | None
    effective_until: date | None
    indicators: dict[str, EvalIndicator]
    groups: tuple[Group, ...]
    classes: tuple[ClassDef, ...]
    caps: tuple[Cap, ...]
    low_efficiency: LowEfficiency | None
    targets: tuple[Target, ...]
    agreements: tuple[AgreementDef, ...]
    notes: tuple[Text, ...]
    local_defaults: tuple[str, ...]
    """Every figure the city sets itself (citation status ``local_default``), as ``where: what``."""
    fact_types: dict[str, VType] = field(default_factory=dict)

    @property
    def class_order(self) -> tuple[str, ...]:
        """The class ids, best first."""
        return tuple(c.id for c in self.classes)

    def env(self, values: Any) -> Env:
        """The namespace closures read for one enterprise's values (canonical floats, normalised texts)."""
        env: Env = {}
        for name, vt in self.fact_types.items():
            v = values.get(name)
            if v is None:
                env[name] = MISSING
            elif vt.kind == "str":
                env[name] = norm(str(v))
            else:
                env[name] = float(v)
        return env


class _EvalCompiler(PackData):
    def __init__(self, merged: MergedPack, units: Units) -> None:
        super().__init__(merged, units)
        self.indicators: dict[str, Sourced[EvalIndicatorDef]] = {}
        self.groups: dict[str, Sourced[GroupDef]] = {}
        self.classes: dict[str, Sourced[ClassDef]] = {}
        self.caps: dict[str, Sourced[CapDef]] = {}
        self.targets: dict[str, Sourced[TargetDef]] = {}
        self.agreements: dict[str, Sourced[AgreementDef]] = {}
        self.low: Sourced[LowEfficiencyDef] | None = None
        self.notes: list[Text] = []
        self.local: list[str] = []

    def merge(self) -> None:
        for lp in self.m.chain:
            ev = lp.model.evaluation
            if ev is None:
                continue
            pid = lp.model.pack.id
            base: tuple[str | int, ...] = ("evaluation",)
            self._by_id(self.indicators, ev.indicators, pid, lp, (*base, "indicators"))
            self._by_id(self.groups, ev.groups, pid, lp, (*base, "groups"))
            self._by_id(self.classes, ev.classes, pid, lp, (*base, "classes"))
            self._by_id(self.caps, ev.caps, pid, lp, (*base, "caps"))
            self._by_id(self.targets, ev.targets, pid, lp, (*base, "targets"))
            self._by_id(self.agreements, ev.agreements, pid, lp, (*base, "agreements"))
            if ev.low_efficiency is not None:
                self.low = Sourced(ev.low_efficiency, pid, lp.doc, (*base, "low_efficiency"))
            self.notes.extend(ev.notes)

    def _by_id(
        self, target: dict[str, Sourced[T]], items: Sequence[T], pid: str, lp: Any, path: tuple[str | int, ...]
    ) -> None:
        for i, item in enumerate(items):
            src = Sourced(item, pid, lp.doc, (*path, i))
            if item.id in target and not item.replaces:
                raise src.error(
                    f"Duplicate id {item.id!r}: pack {target[item.id].pack_id!r} already defines it; "
                    "set 'replaces = true' to override it on purpose.",
                    f"重复的编号 {item.id!r}：规则包 {target[item.id].pack_id!r} 已定义；"
                    "如需覆盖请写 replaces = true。",
                    key="id",
                )
            if item.replaces and item.id not in target:
                raise src.error(
                    f"{item.id!r} says 'replaces = true' but no parent pack defines it.",
                    f"{item.id!r} 声明 replaces = true，但上级规则包没有该项。",
                    key="replaces",
                )
            target[item.id] = src

    def _note_local(self, citation: Citation, where: str) -> None:
        if citation.status is CitationStatus.LOCAL_DEFAULT:
            self.local.append(where)

    def compile(self) -> EvaluationPack:
        self.merge()
        top = self.m.top
        for name, spec in REGISTER_FIELDS.items():
            num = spec.kind == "number"
            self.ns.values[name] = VType("num", self.units.unit(spec.unit)) if num else VType("str")
        self.ns.presence = frozenset(REGISTER_FIELDS)
        indicators = {iid: self._indicator(src) for iid, src in self.indicators.items()}
        if not self.groups or not self.classes:
            line, col = top.doc.locate(("evaluation",))
            raise RulePackError(
                "The evaluation pack (with its parents) defines no groups or no classes; it cannot class anyone.",
                message_zh="该评价规则包（连同上级规则包）没有定义分组或类别，无法分类。",
                file=top.doc.path,
                line=line,
                column=col,
                field="evaluation",
            )
        order = tuple(self.classes)
        for cid, src in self.classes.items():
            self._note_local(src.item.citation, f"classes.{cid}")
            for i, p in enumerate(src.item.policy):
                self._note_local(p.citation, f"classes.{cid}.policy[{i}]")
        groups = tuple(self._group(src, indicators, order) for src in self.groups.values())
        caps = tuple(self._cap(src, order) for src in self.caps.values())
        low = self._low(indicators, order)
        targets = tuple(self._target(src, groups) for src in self.targets.values())
        for agr in self.agreements.values():
            if not any(t.indicator == agr.item.indicator for t in targets):
                raise self.at(
                    agr,
                    ("indicator",),
                    f"No target of the pack is for {agr.item.indicator!r}: an agreement commits an enterprise to "
                    "its group's target, so add an [[evaluation.targets]] entry for it.",
                    f"本规则包没有指标 {agr.item.indicator!r} 的目标：监管协议承诺的是所在分组的目标，"
                    "请为其添加 [[evaluation.targets]]。",
                )
            self._note_local(agr.item.citation, f"agreements.{agr.item.id}")
            self._note_local(agr.item.on_miss_citation, f"agreements.{agr.item.id}.on_miss")
        return EvaluationPack(
            id=top.model.pack.id,
            version=top.model.pack.version,
            title=top.model.pack.title,
            jurisdiction=top.model.pack.jurisdiction,
            packs=tuple(
                PackInfo(
                    id=lp.model.pack.id,
                    version=lp.model.pack.version,
                    sha256=lp.sha256,
                    jurisdiction=lp.model.pack.jurisdiction,
                )
                for lp in self.m.chain
            ),
            effective_from=max((d for lp in self.m.chain if (d := lp.model.pack.effective_from)), default=None),
            effective_until=min((d for lp in self.m.chain if (d := lp.model.pack.effective_until)), default=None),
            indicators=indicators,
            groups=groups,
            classes=tuple(src.item for src in self.classes.values()),
            caps=caps,
            low_efficiency=low,
            targets=targets,
            agreements=tuple(src.item for src in self.agreements.values()),
            notes=tuple(self.notes),
            local_defaults=tuple(self.local),
            fact_types=dict(self.ns.values),
        )

    def _indicator(self, src: Sourced[EvalIndicatorDef]) -> EvalIndicator:
        ind = src.item
        unit = self.unit(src, "unit", ind.unit)
        comp = Compiler(self.units, self.ns)
        tree = self.parse(src, "value", ind.value)
        try:
            fn, t = comp.compile(tree)
            if t.kind != "num":
                raise CompileError("An indicator's value must be a number.", "指标取值必须是数值。", 0)
            if not self.units.convertible(t.unit, unit):
                raise CompileError(
                    f"The formula gives {self.sym(t.unit)} ({self.units.dimensionality(t.unit)}) but the "
                    f"indicator's unit is {ind.unit or 'dimensionless'} ({self.units.dimensionality(unit)}).",
                    f"公式的单位为 {self.sym(t.unit)}（{self.units.dimensionality(t.unit)}），与指标单位 "
                    f"{ind.unit or '无量纲'}（{self.units.dimensionality(unit)}）量纲不同。",
                    0,
                )
        except CompileError as exc:
            raise self.expr_error(src, "value", exc) from None
        self._note_local(ind.citation, f"indicators.{ind.id}")
        return EvalIndicator(
            id=ind.id,
            title=ind.title,
            value=scaled(cast(NumFn, fn), self.factor(src, ("unit",), t.unit, unit)),
            unit=self.units.symbol(unit),
            reads=tuple(dict.fromkeys(comp.reads)),
            citation=ind.citation,
            formula=ind.value,
        )

    def _bool(self, src: Sourced[Any], key: str, text: str) -> BoolFn:
        tree = self.parse(src, key, text)
        try:
            return Compiler(self.units, self.ns).compile_bool(tree)
        except CompileError as exc:
            raise self.expr_error(src, key, exc) from None

    def _class_ref(self, src: Sourced[Any], key: tuple[str | int, ...], cid: str, order: Sequence[str]) -> None:
        if cid not in order:
            raise self.at(
                src,
                key,
                f"{cid!r} is not a class of the pack (classes: {', '.join(order)}).",
                f"{cid!r} 不是本规则包的类别（类别：{'、'.join(order)}）。",
            )

    def _group(self, src: Sourced[GroupDef], indicators: dict[str, EvalIndicator], order: Sequence[str]) -> Group:
        g = src.item
        scores: list[Score] = []
        seen: set[str] = set()
        for i, s in enumerate(g.scores):
            key: tuple[str | int, ...] = ("scores", i)
            if s.indicator not in indicators:
                raise self.at(
                    src,
                    (*key, "indicator"),
                    f"{s.indicator!r} is not an indicator of the pack (indicators: {', '.join(indicators)}).",
                    f"{s.indicator!r} 不是本规则包的指标（指标：{'、'.join(indicators)}）。",
                )
            if s.indicator in seen:
                raise self.at(
                    src,
                    (*key, "indicator"),
                    f"The group scores {s.indicator!r} twice.",
                    f"该分组重复计分指标 {s.indicator!r}。",
                )
            seen.add(s.indicator)
            unit = self.units.unit(self.m_unit(s.indicator))
            fixed = None if s.benchmark is None else self.quantity(src, (*key, "benchmark"), s.benchmark, unit)
            if fixed is not None and fixed <= 0:
                raise self.at(src, (*key, "benchmark"), "A benchmark must be above 0.", "基准值必须大于 0。")
            self._note_local(s.citation, f"groups.{g.id}.{s.indicator}")
            scores.append(Score(s.indicator, s.weight, fixed, s.benchmark_of_group, s.cap, s.missing, s.citation))
        cuts: list[Cut] = []
        last = -1
        for i, c in enumerate(g.cuts):
            self._class_ref(src, ("cuts", i, "class"), c.class_, order)
            if order.index(c.class_) <= last:
                raise self.at(
                    src,
                    ("cuts", i, "class"),
                    "The cuts must name classes from the best down, each once.",
                    "分界须按从好到差的顺序列出类别，每个类别一次。",
                )
            last = order.index(c.class_)
            cuts.append(Cut(c.class_, c.top_percent, c.min_score))
        self._class_ref(src, ("rest",), g.rest, order)
        if order.index(g.rest) <= last:
            raise self.at(
                src, ("rest",), "The rest class must be worse than every cut's class.", "rest 类别须差于各分界的类别。"
            )
        self._note_local(g.cuts_citation, f"groups.{g.id}.cuts")
        return Group(
            id=g.id,
            title=g.title,
            when=self._bool(src, "when", g.when),
            scores=tuple(scores),
            rule=ClassRule(g.classes_by, tuple(cuts), g.rest),
            cuts_citation=g.cuts_citation,
            effective_from=g.effective_from,
            effective_until=g.effective_until,
        )

    def m_unit(self, indicator: str) -> str:
        return self.indicators[indicator].item.unit

    def _cap(self, src: Sourced[CapDef], order: Sequence[str]) -> Cap:
        c = src.item
        self._class_ref(src, ("at_best",), c.at_best, order)
        self._note_local(c.citation, f"caps.{c.id}")
        return Cap(
            c.id, c.title, self._bool(src, "when", c.when), c.at_best, c.citation, c.effective_from, c.effective_until
        )

    def _target(self, src: Sourced[TargetDef], groups: tuple[Group, ...]) -> Target:
        t = src.item
        group = next((g for g in groups if g.id == t.group), None)
        if group is None:
            raise self.at(
                src,
                ("group",),
                f"{t.group!r} is not a group of the pack (groups: {', '.join(g.id for g in groups)}).",
                f"{t.group!r} 不是本规则包的分组。",
            )
        if not any(s.indicator == t.indicator for s in group.scores):
            raise self.at(
                src,
                ("indicator",),
                f"Group {t.group!r} does not score {t.indicator!r}, so it has no benchmark or values to set a "
                "target from.",
                f"分组 {t.group!r} 不计分指标 {t.indicator!r}，无从据以提出目标。",
            )
        rate = None
        if t.rate is not None:
            rate = self.quantity(src, ("rate",), t.rate, self.units.unit(""))
            if isinstance(t.rate, (int, float)):
                raise self.at(
                    src,
                    ("rate",),
                    f'Write the rate with its unit, e.g. "{t.rate:g} %": a bare number is ambiguous.',
                    f"请写明增长率的单位，如“{t.rate:g} %”：裸数值有歧义。",
                )
        self._note_local(t.citation, f"targets.{t.id}")
        return Target(t.id, t.group, t.indicator, t.method, t.percentile, rate, t.citation)

    def _low(self, indicators: dict[str, EvalIndicator], order: Sequence[str]) -> LowEfficiency | None:
        src = self.low
        if src is None:
            return None
        low = src.item
        for i, cid in enumerate(low.classes):
            self._class_ref(src, ("classes", i), cid, order)
        floor: float | None = None
        if low.indicator is not None:
            if low.indicator not in indicators:
                raise self.at(
                    src,
                    ("indicator",),
                    f"{low.indicator!r} is not an indicator of the pack.",
                    f"{low.indicator!r} 不是本规则包的指标。",
                )
            assert low.floor is not None
            floor = self.quantity(src, ("floor",), low.floor, self.units.unit(self.m_unit(low.indicator)))
        self._note_local(low.citation, "low_efficiency")
        return LowEfficiency(low.title, tuple(low.classes), low.indicator, floor, low.citation, tuple(low.measures))


def compile_evaluation_pack(merged: MergedPack, units: Units) -> EvaluationPack:
    """Compile a merged evaluation pack; raises :class:`RulePackError` (file:line:column) for any mistake."""
    refuse_other_kind(merged, "evaluation")
    return _EvalCompiler(merged, units).compile()
