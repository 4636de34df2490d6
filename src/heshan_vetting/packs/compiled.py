"""A compiled pack: read-only rules, thresholds, derived metrics, labels and indicators, ready to evaluate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.syntax import CmpOp
from heshan_vetting.lang.types import BoolFn, CompiledSet, CompiledTable, Namespace, NumFn, VType
from heshan_vetting.packs.merge import ShadowedPack
from heshan_vetting.packs.schema import VerdictDef
from heshan_vetting.report import Citation, PackRef, Severity, Text
from heshan_vetting.units import Units


@dataclass(frozen=True)
class NumericCheck:
    """A numeric comparison of a rule's requirement, kept to explain the finding."""

    expression: str
    left: NumFn
    right: NumFn
    op: CmpOp
    unit: str
    threshold_name: str | None


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to evaluate."""

    id: str
    pack_id: str
    title: Text
    message: Text | None
    severity: Severity
    citation: Citation
    tags: tuple[str, ...]
    effective_from: date | None
    effective_until: date | None
    applies: BoolFn | None
    require: BoolFn
    require_text: str
    applies_tree: ast.Node | None
    """The parsed scope condition, for engines that translate conditions (the durable backend)."""
    require_tree: ast.Node
    target_unit: Any
    """The pint unit numeric comparisons are made in (``None``: each comparison's left side)."""
    checks: tuple[NumericCheck, ...]
    reads: tuple[str, ...]
    precision: int
    scope_reads: tuple[str, ...] = ()
    """Names read by ``applies_if`` alone (``reads`` has those of ``require`` first, then these)."""
    waivable: bool = False
    """Whether a waiver may lift this rule when it fails (a governed waiver, or a cited exception ground)."""
    waiver_grounds: frozenset[str] | None = None
    """The grounds it may be waived on (the members of its ``waiver_grounds`` set), or ``None``: any."""
    waiver_grounds_set: str | None = None
    """The name of that set (its title and citation are in :attr:`CompiledPack.sets`)."""


@dataclass(frozen=True)
class CompiledThreshold:
    """A threshold with its effective-dated values, in ``unit``."""

    name: str
    title: Text
    unit: str
    values: tuple[tuple[date | None, date | None, float, Citation | None], ...]

    def value_on(self, day: date) -> tuple[float, Citation | None] | None:
        """The value in force on ``day`` (and its citation), or ``None``."""
        for start, end, value, citation in self.values:
            if in_force(start, end, day):
                return value, citation
        return None


@dataclass(frozen=True)
class CompiledDerived:
    """A derived metric: computed once per project in dependency order."""

    name: str
    title: Text
    fn: NumFn
    unit: str
    reads: tuple[str, ...]
    tree: ast.Node | None = None
    """The parsed expression, for engines that translate it (the columnar engine computes it by column)."""
    factor: float = 1.0
    """What ``fn`` multiplies the expression's value by to give it in ``unit``."""


@dataclass(frozen=True)
class CompiledLabel:
    """A report label: ordered cases of (condition, value)."""

    id: str
    pack_id: str
    title: Text
    cases: tuple[tuple[BoolFn, Text], ...]
    otherwise: Text | None
    citation: Citation
    effective_from: date | None
    effective_until: date | None
    reads: tuple[str, ...]
    trees: tuple[ast.Node, ...] = ()
    """The cases' conditions as syntax trees (for engines other than the compiled closures)."""


@dataclass(frozen=True)
class CompiledReferral:
    """A referral (转报): when ``when`` holds, ``to`` must also decide on the project.

    Its condition is a compiled closure evaluated by the pipeline itself, whichever engine decides the
    rules, so both engines give the same referrals.
    """

    id: str
    pack_id: str
    to: Text
    reason: Text
    when: BoolFn
    citation: Citation
    effective_from: date | None
    effective_until: date | None
    reads: tuple[str, ...]
    tree: ast.Node | None = None


@dataclass(frozen=True)
class CompiledScope:
    """The projects a pack covers: ``when`` false means outside (evaluated by the pipeline, like referrals)."""

    pack_id: str
    title: Text
    when: BoolFn
    outside: Text
    citation: Citation
    reads: tuple[str, ...]


@dataclass(frozen=True)
class CompiledIndicator:
    """A scoring indicator with its floor and target in ``unit``."""

    id: str
    title: Text
    value: NumFn
    unit: str
    weight: float
    floor: float
    target: float
    citation: Citation
    effective_from: date | None
    effective_until: date | None
    reads: tuple[str, ...]
    applies: BoolFn | None = None
    scope_reads: tuple[str, ...] = ()
    """What ``applies`` reads (a missing one leaves the indicator undecided: supply it, not the value's facts)."""


@dataclass(frozen=True)
class CompiledCommitment:
    """A commitment for the supervision agreement: ``fact`` against the threshold ``floor``, due
    ``due_months`` after the project's ``due_from`` date (compiled by :mod:`.commitments`)."""

    id: str
    pack_id: str
    title: Text
    fact: str
    unit: str
    """The fact's unit symbol; the floor is converted to it (``floor_factor``)."""
    floor: str
    floor_factor: float
    rule_id: str | None
    due_from: str
    due_months: int
    on_miss: Text
    on_miss_citation: Citation
    citation: Citation
    effective_from: date | None
    effective_until: date | None


@dataclass(frozen=True)
class CompiledPack:
    """A merged pack compiled for one unit registry. Immutable and safe to share between threads."""

    id: str
    version: str
    title: Text
    jurisdiction: str
    packs: tuple[PackRef, ...]
    covers: tuple[date | None, date | None]
    """The period the pack chain covers: the latest ``covers_from`` and earliest ``covers_until`` declared."""
    covers_notes: tuple[tuple[date | None, date | None, Text], ...]
    """Each pack's own ``(covers_from, covers_until, covers_note)``, parents first (packs with a note only)."""
    shadowed: tuple[ShadowedPack, ...]
    """Pack ids found in several files on the search path, and which file was used."""
    fact_types: dict[str, VType]
    thresholds: dict[str, CompiledThreshold]
    derived: tuple[CompiledDerived, ...]
    rules: tuple[CompiledRule, ...]
    indicators: tuple[CompiledIndicator, ...]
    verdict: VerdictDef | None
    labels: tuple[CompiledLabel, ...] = ()
    referrals: tuple[CompiledReferral, ...] = ()
    scope: CompiledScope | None = None
    """The projects the pack covers (``None``: every project)."""
    tables: dict[str, CompiledTable] = field(default_factory=dict)
    sets: dict[str, CompiledSet] = field(default_factory=dict)
    namespace: Namespace = field(default_factory=Namespace)
    """Every name conditions may use, with its static type (for engines that translate conditions)."""
    units: Units | None = None
    """The unit registry the pack was compiled for."""
    titles: dict[str, Text] = field(default_factory=dict)
    units_of: dict[str, str] = field(default_factory=dict)
    plugin_facts: dict[str, str] = field(default_factory=dict)
    """Facts computed by plugins (``heshan_facts``): name → plugin name."""
    commitments: tuple[CompiledCommitment, ...] = ()
    """Commitments for the supervision agreement of an approved or conditional project."""

    @cached_property
    def derived_names(self) -> frozenset[str]:
        """The names of the derived metrics (worked out once per pack, on first use)."""
        return frozenset(d.name for d in self.derived)

    def facts_behind(self, reads: Sequence[str]) -> tuple[str, ...]:
        """The facts behind ``reads`` (names read by a condition or value), through derived metrics, in the order
        they are first reached: depth first without recursion, each name visited once (derived metrics may form
        long chains and diamonds); thresholds, sets and tables are left out. Worked out once per ``reads``."""
        key = ("facts_behind", tuple(reads))
        found = self.memo.get(key)
        if found is None:
            derived = {d.name: d for d in self.derived}
            out: list[str] = []
            seen: set[str] = set()
            todo = list(reversed(reads))
            while todo:
                name = todo.pop()
                if name in seen:
                    continue
                seen.add(name)
                if name in derived:
                    todo.extend(reversed(derived[name].reads))
                elif name in self.fact_types:
                    out.append(name)
            found = self.memo[key] = tuple(out)
        return found

    @cached_property
    def memo(self) -> dict[Any, Any]:
        """A cache of what explaining findings derives from this pack alone (never from a project or a date),
        filled on first use: each value is a pure function of its key and the pack, so a race only computes
        one twice. Owned by the pack, so by its Vetter: nothing global."""
        return {}


def intersect(
    a: tuple[date | None, date | None], b: tuple[date | None, date | None]
) -> tuple[date | None, date | None]:
    """The overlap of two inclusive periods (open ends allowed): an element's dates within its pack's."""
    starts = [d for d in (a[0], b[0]) if d is not None]
    ends = [d for d in (a[1], b[1]) if d is not None]
    return (max(starts) if starts else None, min(ends) if ends else None)


def in_force(start: date | None, end: date | None, day: date) -> bool:
    """Whether ``day`` lies within the inclusive period ``start``–``end`` (open ends allowed)."""
    return (start is None or start <= day) and (end is None or day <= end)
