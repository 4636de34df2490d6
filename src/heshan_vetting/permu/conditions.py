"""The conditions of an evaluation pack decided by an engine, through the same seam as a vetting pack's.

An evaluation pack has two kinds of condition: each group's ``when`` (an enterprise is in the first group whose
condition is true, and one that cannot be decided stops the search: a label's cases) and each cap's ``when`` (a cap
holds or not: a rule's requirement). :class:`ConditionView` presents the groups and caps in force on one date to an
:class:`~heshan_vetting.engines.Engine` as a :class:`~heshan_vetting.packs.compiled.CompiledPack` with one label
(:data:`GROUPS_LABEL`, a case per group, in order) and one rule per cap (its id the cap's), each carrying its closure
and its parsed tree, so the native engine runs the closures and the durable engine translates the trees as it does
a vetting pack's. :meth:`ConditionView.ask` calls the engine once per enterprise with its fact namespace.

Numeric indicator values (and the low-efficiency floor) are not conditions: they are computed by the pack's compiled
closures in shared code (:mod:`.score`), as derived metrics are for vetting, and the classes are assigned by one
shared function (:func:`~heshan_vetting.permu.classing.assign_classes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from heshan_vetting.engines.protocol import Engine, LabelResults, RuleResults
from heshan_vetting.errors import VettingError
from heshan_vetting.lang.compiler import Compiler
from heshan_vetting.lang.syntax import unparse
from heshan_vetting.lang.values import Env, Unknown
from heshan_vetting.packs.compiled import CompiledLabel, CompiledPack, CompiledRule
from heshan_vetting.permu.compile import Cap, EvaluationPack, Group
from heshan_vetting.report import Citation, Severity, Text

GROUPS_LABEL = "groups"
"""The id of the view's one label: its cases are the groups' conditions, in the pack's order."""

_PRECISION = Compiler.precision  # the precision the pack compiler compiled the conditions with (its default)


@dataclass(frozen=True)
class Answer:
    """What the engine decided for one enterprise."""

    group: Group | None
    """The first group whose condition is true; ``None`` when none is, or one could not be decided first."""
    group_undecided: bool
    """Whether the search stopped at a group whose condition could not be decided (data it reads is missing)."""
    caps_held: tuple[str, ...]
    """The ids of the caps whose condition is true, in the pack's order."""
    caps_undecided: tuple[str, ...]
    """The ids of the caps whose condition could not be decided."""


@dataclass(frozen=True)
class ConditionView:
    """The groups and caps of an evaluation pack in force on one date, as a pack an engine can decide."""

    pack: CompiledPack
    groups: tuple[Group, ...]
    caps: tuple[Cap, ...]

    @classmethod
    def build(cls, pack: EvaluationPack, groups: Sequence[Group], caps: Sequence[Cap]) -> ConditionView:
        """The view of ``groups`` (in order) and ``caps`` of ``pack`` (those in force on the evaluation's date)."""
        for item_id, tree in [*((g.id, g.when_tree) for g in groups), *((c.id, c.when_tree) for c in caps)]:
            if tree is None:
                raise VettingError(f"the condition of {item_id!r} was compiled without its syntax tree")
        label = CompiledLabel(
            id=GROUPS_LABEL,
            pack_id=pack.id,
            title=Text(zh="分组", en="group"),
            cases=tuple((g.when, g.title) for g in groups),
            otherwise=None,
            citation=groups[0].cuts_citation if groups else _no_citation(pack),
            effective_from=None,
            effective_until=None,
            reads=(),
            trees=tuple(g.when_tree for g in groups if g.when_tree is not None),
        )
        rules = tuple(
            CompiledRule(
                id=c.id,
                pack_id=pack.id,
                title=c.title,
                message=None,
                severity=Severity.ADVISORY,
                citation=c.citation,
                tags=(),
                effective_from=None,
                effective_until=None,
                applies=None,
                require=c.when,
                require_text=unparse(c.when_tree) if c.when_tree is not None else "",
                applies_tree=None,
                require_tree=c.when_tree,
                target_unit=None,
                checks=(),
                reads=(),
                precision=_PRECISION,
            )
            for c in caps
            if c.when_tree is not None
        )
        view = CompiledPack(
            id=pack.id,
            version=pack.version,
            title=pack.title,
            jurisdiction=pack.jurisdiction,
            packs=(),
            covers=(None, None),
            covers_notes=(),
            shadowed=(),
            fact_types=dict(pack.fact_types),
            thresholds={},
            derived=(),
            rules=rules,
            indicators=(),
            verdict=None,
            labels=(label,),
            namespace=pack.namespace,
            units=pack.units,
        )
        return cls(view, tuple(groups), tuple(caps))

    def ask_all(self, engine: Engine, envs: Sequence[Env]) -> list[Answer]:
        """What ``engine`` decides for each enterprise's namespace in ``envs``, in order: in one batch where the
        engine decides namespaces by column (``decide_namespaces``, the columnar engine), else once per enterprise
        (:meth:`ask`). Either way each answer is the one :meth:`ask` gives."""
        batch = getattr(engine, "decide_namespaces", None)
        if batch is None or not envs:
            return [self.ask(engine, env) for env in envs]
        decided = batch(self.pack, self.pack.rules, self.pack.labels, envs)
        return [self._answer(*decided.row(i)) for i in range(len(envs))]

    def ask(self, engine: Engine, env: Env) -> Answer:
        """Call ``engine`` once for one enterprise's namespace ``env``: its group and the caps that hold."""
        return self._answer(*engine(self.pack, self.pack.rules, self.pack.labels, env))

    def _answer(self, rules: RuleResults, labels: LabelResults) -> Answer:
        cases = labels.get(GROUPS_LABEL)
        if not isinstance(cases, tuple) or len(cases) > len(self.groups) or not all(map(_is_result, cases)):
            raise VettingError(f"the engine gave no valid result for the groups' conditions: {cases!r}")
        group: Group | None = None
        undecided = False
        for g, hit in zip(self.groups, cases, strict=False):  # the first true wins; an undecided one stops
            if hit is True:
                group = g
                break
            if isinstance(hit, Unknown):
                undecided = True
                break
        else:
            if len(cases) < len(self.groups):
                raise VettingError(f"the engine stopped the groups' conditions at a false one: {cases!r}")
        held: list[str] = []
        unknown: list[str] = []
        for c in self.caps:
            got = rules.get(c.id)
            if not isinstance(got, tuple) or len(got) != 2 or got[0] is not True or not _is_result(got[1]):
                raise VettingError(f"the engine gave no valid result for cap {c.id!r}: {got!r}")
            if got[1] is True:
                held.append(c.id)
            elif isinstance(got[1], Unknown):
                unknown.append(c.id)
        return Answer(group, undecided, tuple(held), tuple(unknown))


def _is_result(value: object) -> bool:
    return value is True or value is False or isinstance(value, Unknown)


def _no_citation(pack: EvaluationPack) -> Citation:
    """A citation for the label of a view without groups (never shown): the first class's."""
    return pack.classes[0].citation
