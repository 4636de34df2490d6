"""Layering: a pack chain (``extends``) merged into one pack, every element remembering the file it came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from heshan_vetting.errors import RulePackError
from heshan_vetting.inputs.toml import TomlDocument, dotted
from heshan_vetting.packs.schema import (
    CommitmentDef,
    DerivedDef,
    IndicatorDef,
    LabelDef,
    PackFile,
    ReferralDef,
    RuleDef,
    ScopeDef,
    SetDef,
    TableDef,
    ThresholdDef,
    VerdictDef,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Sourced(Generic[T]):
    """A pack element with the pack, file and key path it came from."""

    item: T
    pack_id: str
    doc: TomlDocument
    path: tuple[str | int, ...]

    def error(self, en: str, zh: str, *, key: str | None = None, offset: int | None = None) -> RulePackError:
        """A :class:`RulePackError` at this element (or its ``key``; ``offset`` into a one-line string)."""
        path = (*self.path, key) if key is not None else self.path
        line, col = self.doc.locate(path)
        if offset is not None and key is not None:
            at = self.doc.string_column(path, offset)
            if at is not None:
                col = at
        return RulePackError(en, message_zh=zh, file=self.doc.path, line=line, column=col, field=dotted(path))


@dataclass(frozen=True)
class LoadedPack:
    """One parsed and schema-checked pack file."""

    model: PackFile
    doc: TomlDocument
    sha256: str


@dataclass(frozen=True)
class ShadowedPack:
    """A pack id found in more than one file: ``used`` was taken, ``ignored`` were not."""

    pack_id: str
    used: str
    ignored: tuple[str, ...]


@dataclass
class MergedPack:
    """A pack chain merged into one set of definitions (child definitions win)."""

    chain: list[LoadedPack]
    sets: dict[str, Sourced[SetDef]] = field(default_factory=dict)
    tables: dict[str, Sourced[TableDef]] = field(default_factory=dict)
    thresholds: dict[str, Sourced[ThresholdDef]] = field(default_factory=dict)
    overridden_thresholds: dict[str, list[Sourced[ThresholdDef]]] = field(default_factory=dict)
    derived: dict[str, Sourced[DerivedDef]] = field(default_factory=dict)
    rules: dict[str, Sourced[RuleDef]] = field(default_factory=dict)
    indicators: dict[str, Sourced[IndicatorDef]] = field(default_factory=dict)
    labels: dict[str, Sourced[LabelDef]] = field(default_factory=dict)
    referrals: dict[str, Sourced[ReferralDef]] = field(default_factory=dict)
    scope: Sourced[ScopeDef] | None = None
    """The scope of the last pack in the chain that declares one."""
    verdict: Sourced[VerdictDef] | None = None
    commitments: dict[str, Sourced[CommitmentDef]] = field(default_factory=dict)
    """Commitments for the supervision agreement, merged by id like rules."""
    shadowed: list[ShadowedPack] = field(default_factory=list)
    """Pack ids found in several files on the search path, and which file was used."""

    @property
    def top(self) -> LoadedPack:
        """The pack that was asked for (the last of the chain)."""
        return self.chain[-1]

    @property
    def files(self) -> tuple[Path, ...]:
        """The file of each pack in the chain, parents first, as it was opened."""
        return tuple(Path(lp.doc.path) for lp in self.chain)


_R = TypeVar("_R", RuleDef, IndicatorDef, LabelDef, CommitmentDef, ReferralDef)


def _merge_by_id(
    target: dict[str, Sourced[_R]], items: Sequence[_R], lp: LoadedPack, section: str, noun: tuple[str, str]
) -> None:
    """Add rules or indicators; overriding a parent's needs ``replaces = true``, and only then."""
    en, zh = noun
    for i, item in enumerate(items):
        src = Sourced(item, lp.model.pack.id, lp.doc, (section, i))
        if item.id in target and not item.replaces:
            prev = target[item.id]
            raise src.error(
                f"Duplicate {en} id {item.id!r}: pack {prev.pack_id!r} already defines it; "
                "set 'replaces = true' to override it on purpose.",
                f"重复的{zh}编号 {item.id!r}：规则包 {prev.pack_id!r} 已定义；如需覆盖请写 replaces = true。",
                key="id",
            )
        if item.replaces and item.id not in target:
            raise src.error(
                f"{en.capitalize()} {item.id!r} says 'replaces = true' but no parent pack defines it.",
                f"{zh} {item.id!r} 声明 replaces = true，但上级规则包没有该{zh}。",
                key="replaces",
            )
        target[item.id] = src


def merge_chain(chain: list[LoadedPack]) -> MergedPack:
    merged = MergedPack(chain=chain)
    for lp in chain:
        m, doc, pid = lp.model, lp.doc, lp.model.pack.id
        for name, s in m.sets.items():
            merged.sets[name] = Sourced(s, pid, doc, ("sets", name))
        for name, t in m.tables.items():
            merged.tables[name] = Sourced(t, pid, doc, ("tables", name))
        for name, th in m.thresholds.items():
            if name in merged.thresholds:
                merged.overridden_thresholds.setdefault(name, []).append(merged.thresholds[name])
            merged.thresholds[name] = Sourced(th, pid, doc, ("thresholds", name))
        for name, d in m.derived.items():
            merged.derived[name] = Sourced(d, pid, doc, ("derived", name))
        _merge_by_id(merged.rules, m.rules, lp, "rules", ("rule", "规则"))
        _merge_by_id(merged.indicators, m.indicators, lp, "indicators", ("indicator", "指标"))
        _merge_by_id(merged.labels, m.labels, lp, "labels", ("label", "标签"))
        _merge_by_id(merged.commitments, m.commitments, lp, "commitments", ("commitment", "承诺事项"))
        _merge_by_id(merged.referrals, m.referrals, lp, "referrals", ("referral", "转报"))
        if m.scope is not None:
            merged.scope = Sourced(m.scope, pid, doc, ("scope",))
        if m.verdict is not None:
            merged.verdict = Sourced(m.verdict, pid, doc, ("verdict",))
    return merged
