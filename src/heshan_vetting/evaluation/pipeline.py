"""The data path of one check: project → facts → engine → findings → plugins → score → verdict → report.

A :class:`Pipeline` is built once per Vetter from the compiled pack, the engine, the scorer (the ``heshan_score``
hook) and the plugins' per-project hooks (:class:`.plugin_run.PluginRunner`); nothing in it calls back into the
Vetter. The verdict itself (DESIGN.md invariant 3) is decided only in :func:`.verdict.decide`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from heshan_vetting.engines.protocol import Engine, LabelResults, RuleResults
from heshan_vetting.evaluation.commitments import commitments
from heshan_vetting.evaluation.findings import label_result, missing_facts, missing_names, rule_finding
from heshan_vetting.evaluation.plugin_run import PluginRunner
from heshan_vetting.evaluation.scoring import IndicatorInput, Scorer
from heshan_vetting.evaluation.trusted import all_of, trusted
from heshan_vetting.evaluation.verdict import decide
from heshan_vetting.evaluation.waivers import apply_waivers
from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.industry import classification
from heshan_vetting.lang.values import NA, Unknown
from heshan_vetting.model import Project
from heshan_vetting.packs.compiled import (
    CompiledLabel,
    CompiledPack,
    CompiledRule,
    in_force,
)
from heshan_vetting.packs.env import project_env, thresholds_env
from heshan_vetting.report import (
    REPORT_SCHEMA,
    AsOfSource,
    Commitment,
    FactValue,
    Finding,
    Label,
    Notice,
    Outcome,
    PackRef,
    PluginNote,
    PluginRef,
    ProjectRef,
    Provenance,
    Referral,
    Report,
    Score,
    Skipped,
    Supply,
    Text,
    Verdict,
    WaiverUse,
)
from heshan_vetting.version import __version__
from heshan_vetting.waivers import WaiverBook


@dataclass(frozen=True)
class Evaluation:
    """Everything the evaluation of one project produced."""

    findings: list[Finding]
    score: Score | None
    skipped: list[Skipped]
    verdict: Verdict
    reasons: list[Text]
    conditions: list[str]
    missing_fields: list[str]
    incomplete: bool
    labels: list[Label]
    unverified_basis: list[str]
    to_supply: list[Supply]
    commitments: list[Commitment]
    """For an approve or conditional verdict: the figures to write into the supervision agreement."""
    referrals: list[Referral]
    out_of_scope: Text | None
    waivers: list[WaiverUse]
    """Every waiver naming the project (governed or a cited exception ground), and what became of it."""


def _scope(pack: CompiledPack, env: dict[str, Any]) -> tuple[Text | None, list[str]]:
    """Whether the pack covers the project: ``(outside text, [])`` when it does not, ``(None, missing facts)``
    when that cannot be told, ``(None, [])`` when it does (or declares no scope)."""
    scope = pack.scope
    if scope is None:
        return None, []
    inside = scope.when(env)
    if inside is True:
        return None, []
    if inside is False or (isinstance(inside, Unknown) and inside.kind == "na"):
        return scope.outside, []
    return None, missing_facts(pack, env, scope.when, scope.reads) or list(scope.reads)


def _referrals(pack: CompiledPack, env: dict[str, Any], as_of: date, skipped: list[Skipped]) -> list[Referral]:
    """The pack's referrals in force that are due (condition true) or may be due (undecided for lack of data).

    The conditions are compiled closures evaluated here, whichever engine decided the rules."""
    out: list[Referral] = []
    for ref in pack.referrals:
        if not in_force(ref.effective_from, ref.effective_until, as_of):
            skipped.append(Skipped(kind="referral", id=ref.id, effective_from=ref.effective_from,
                                   effective_until=ref.effective_until))  # fmt: skip
            continue
        due = ref.when(env)
        if due is False or (isinstance(due, Unknown) and due.kind == "na"):
            continue
        missing: tuple[str, ...] = ()
        if due is not True:
            missing = tuple(missing_facts(pack, env, ref.when, ref.reads) or ref.reads)
        out.append(Referral(id=ref.id, to=ref.to, reason=ref.reason, citation=ref.citation, missing=missing))
    return out


def indicator_inputs(
    pack: CompiledPack, env: dict[str, Any], as_of: date, skipped: list[Skipped] | None = None
) -> list[IndicatorInput]:
    """What the scorer receives: each indicator in force with its value from ``env`` (or why it has none).

    Indicators not in force are appended to ``skipped`` when it is given."""
    inputs: list[IndicatorInput] = []
    for ind in pack.indicators:
        if not in_force(ind.effective_from, ind.effective_until, as_of):
            if skipped is not None:
                skipped.append(Skipped(kind="indicator", id=ind.id, effective_from=ind.effective_from,
                                       effective_until=ind.effective_until))  # fmt: skip
            continue
        scope = True if ind.applies is None else ind.applies(env)
        v = ind.value(env) if scope is True else (NA if scope is False else scope)
        if isinstance(v, Unknown):
            kind = {"missing": Outcome.INSUFFICIENT_DATA, "na": Outcome.NOT_APPLICABLE}.get(v.kind, Outcome.ERROR)
            # an undecided scope needs its own facts first; a value in scope, the value's facts
            reads = ind.scope_reads if scope is not True else ind.reads
            missing = tuple(missing_names(pack, env, reads)) if kind is Outcome.INSUFFICIENT_DATA else ()
            inputs.append(IndicatorInput(ind, None, kind, missing))
        else:
            inputs.append(IndicatorInput(ind, float(v), Outcome.PASS))
    return inputs


InForce = tuple[tuple[CompiledRule, ...], tuple[CompiledLabel, ...], tuple[Skipped, ...]]
"""What :meth:`Pipeline.in_force` gives for one date: the rules and labels in force, and what is not."""

_IN_FORCE_DATES = 256
"""How many as-of dates :meth:`Pipeline.in_force` remembers (a batch of application dates; cleared whole when full)."""


class Pipeline:
    """One check of one project against one compiled pack, with one engine, scorer and set of plugins.

    Thread-safe: it holds nothing per check. :meth:`evaluate` gives the findings, score and verdict;
    :meth:`report` wraps them, with the project and provenance, into the :class:`Report`.
    """

    def __init__(
        self,
        pack: CompiledPack,
        engine: Engine,
        scorer: Scorer,
        plugins: PluginRunner,
        *,
        engine_name: str,
        engine_version: str | None,
        plugin_refs: Sequence[PluginRef],
        not_configured: Sequence[PluginNote],
        waivers: WaiverBook | None = None,
    ) -> None:
        self.pack = pack
        self.waivers = waivers if waivers is not None else WaiverBook()
        self.engine = engine
        self.scorer = scorer
        self.plugins = plugins
        self.engine_name = engine_name
        self.engine_version = engine_version
        self.plugin_refs = list(plugin_refs)
        self.not_configured = tuple(not_configured)
        covers = pack.covers
        packs = tuple(pack.packs)
        refs = tuple(self.plugin_refs)
        self._in_force: dict[date, InForce] = {}
        # the provenance's parts that do not change from check to check, when they are what validation keeps
        self._provenance_parts: tuple[tuple[PackRef, ...], tuple[PluginRef, ...]] | None = (
            (packs, refs)
            if all_of(PackRef, packs)
            and all_of(PluginRef, refs)
            and all(d is None or type(d) is date for d in covers)
            and type(engine_name) is str
            and (engine_version is None or type(engine_version) is str)
            else None
        )

    def facts(self, project: Project, as_of: date) -> tuple[dict[str, Any], list[Finding]]:
        """The fact namespace of ``project`` as of ``as_of`` (fields, plugin facts, thresholds in force, derived
        metrics in order), and the error findings of plugin fact providers that failed."""
        pack, runner = self.pack, self.plugins
        extra_env, fact_errors = runner.facts(project) if runner.providers else ({}, [])
        env = project_env(pack, project)
        if extra_env:
            env.update(extra_env)
        env.update(thresholds_env(pack, as_of))
        for d in pack.derived:
            env[d.name] = d.fn(env)
        return env, fact_errors

    def in_force(self, as_of: date) -> InForce:
        """The rules and labels in force on ``as_of``, and the thresholds' periods and rules that are not (in the
        pack's order, thresholds by name first): the same for every project checked on that date, so worked out
        once per date (a bounded memo; a race only works one out twice)."""
        got = self._in_force.get(as_of)
        if got is not None:
            return got
        pack = self.pack
        skipped: list[Skipped] = []
        for name in sorted(pack.thresholds):
            for start, end, _v, _c in pack.thresholds[name].values:
                if not in_force(start, end, as_of):
                    skipped.append(Skipped(kind="threshold", id=name, effective_from=start, effective_until=end))
        active: list[CompiledRule] = []
        for rule in pack.rules:
            if not in_force(rule.effective_from, rule.effective_until, as_of):
                skipped.append(Skipped(kind="rule", id=rule.id, effective_from=rule.effective_from,
                                       effective_until=rule.effective_until))  # fmt: skip
                continue
            active.append(rule)
        labels = tuple(lb for lb in pack.labels if in_force(lb.effective_from, lb.effective_until, as_of))
        got = (tuple(active), labels, tuple(skipped))
        if len(self._in_force) >= _IN_FORCE_DATES:
            self._in_force.clear()
        self._in_force[as_of] = got
        return got

    def evaluate(
        self, project: Project, as_of: date, decided: tuple[RuleResults, LabelResults] | None = None
    ) -> Evaluation:
        """Evaluate ``project`` as of ``as_of``: the engine decides each rule's conditions; explanations,
        plugin checks, the score and the verdict follow. ``decided``: the engine's results for this project and
        date already decided with a batch (an engine's ``decide_batch``), used instead of calling the engine."""
        pack, runner = self.pack, self.plugins
        env, fact_errors = self.facts(project, as_of)
        active, labels_in_force, not_in_force = self.in_force(as_of)
        skipped = list(not_in_force)  # the indicators' and referrals' periods are added to this check's own list
        results, label_cases = self.engine(pack, active, labels_in_force, env) if decided is None else decided
        seen: dict[str, FactValue] = {}  # each fact's entry made once for all the rules' findings
        findings = [rule_finding(pack, rule, project, env, as_of, results[rule.id], seen) for rule in active]
        if runner.checks or fact_errors:
            findings.extend([*fact_errors, *runner.run_checks(project, as_of, env)])
        if runner.processors:
            findings = runner.process(project, findings)
        findings, waiver_uses = apply_waivers(pack, findings, project, as_of, self.waivers)
        inputs = indicator_inputs(pack, env, as_of, skipped)
        out_of_scope, scope_missing = _scope(pack, env)
        # a project the pack does not cover is not scored on indicators meant for the projects it does
        scored = out_of_scope is None and any(i.outcome is not Outcome.NOT_APPLICABLE for i in inputs)
        score = self.scorer(inputs, pack.verdict) if scored else None
        # an indicator that cannot be computed scores 0: the verdict says so and never approves on that score
        broken = [i.indicator.id for i in inputs if i.outcome is Outcome.ERROR] if scored else []
        referrals = _referrals(pack, env, as_of, skipped)
        decision = decide(
            findings,
            score,
            pack.verdict,
            broken_indicators=broken,
            referrals=referrals,
            out_of_scope=out_of_scope,
            scope_missing=scope_missing,
        )
        labels: list[Label] = []
        seen = {}  # and once for the labels (plugin checks ran in between: nothing is carried over)
        for label in pack.labels:
            if not in_force(label.effective_from, label.effective_until, as_of):
                skipped.append(Skipped(kind="label", id=label.id, effective_from=label.effective_from,
                                       effective_until=label.effective_until))  # fmt: skip
                continue
            labels.append(label_result(pack, label, project, env, as_of, label_cases[label.id], seen))
        basis = [f.rule_id for f in findings if f.unverified and f.outcome in (Outcome.PASS, Outcome.FAIL)]
        return Evaluation(
            findings,
            score,
            skipped,
            decision.verdict,
            decision.reasons,
            decision.conditions,
            decision.missing_fields,
            decision.incomplete,
            labels,
            basis,
            # a rejected project is not decided by more data: only a deferred one lists what to supply
            to_supply(pack, decision.supply) if decision.verdict is Verdict.DEFERRED else [],
            commitments(pack, project, env, findings, decision.verdict, as_of),
            referrals,
            out_of_scope,
            waiver_uses,
        )

    def report(
        self,
        project: Project,
        as_of: date,
        *,
        source: str | None,
        as_of_source: AsOfSource,
        notices: Sequence[Notice],
        line: int | None = None,
        decided: tuple[RuleResults, LabelResults] | None = None,
    ) -> Report:
        """Check ``project`` as of ``as_of`` and write the :class:`Report` (shown to the report observers);
        ``decided`` as for :meth:`evaluate`."""

        ev = self.evaluate(project, as_of, decided)
        runner = self.plugins
        not_in_force = [*ev.skipped, *runner.not_in_force(as_of)] if runner.checks else ev.skipped
        industry_name = classification().name(project.industry_code) if project.industry_code else None
        parts = self._provenance_parts
        if (
            parts is not None
            and type(as_of) is date
            and as_of_source in ("option", "application_date", "today")
            and (source is None or type(source) is str)
            and (line is None or type(line) is int)
            and (industry_name is None or type(industry_name) is str)
            and _trusted_evaluation(ev, not_in_force, notices, self.not_configured)
        ):
            # every part is already what validation would keep: built as it is (evaluation.trusted)
            provenance = trusted(Provenance, {
                "library_version": __version__, "engine": self.engine_name, "engine_version": self.engine_version,
                "packs": parts[0], "plugins": parts[1], "as_of": as_of, "as_of_source": as_of_source,
                "covers_from": self.pack.covers[0], "covers_until": self.pack.covers[1],
            })  # fmt: skip
            report = trusted(Report, {
                "schema_id": REPORT_SCHEMA,
                "project": trusted(ProjectRef, {
                    "id": project.id, "name": project.name, "applicant": project.applicant,
                    "industry_code": project.industry_code, "industry_name": industry_name, "source": source,
                    "line": line,
                }),
                "verdict": ev.verdict, "incomplete": ev.incomplete, "reasons": tuple(ev.reasons),
                "conditions": tuple(ev.conditions), "missing_fields": tuple(ev.missing_fields),
                "to_supply": tuple(ev.to_supply), "referrals": tuple(ev.referrals),
                "commitments": tuple(ev.commitments), "out_of_scope": ev.out_of_scope, "score": ev.score,
                "labels": tuple(ev.labels), "findings": tuple(ev.findings),
                "unverified_basis": tuple(ev.unverified_basis), "not_in_force": tuple(not_in_force),
                "notices": tuple(notices), "not_configured": self.not_configured, "waivers": tuple(ev.waivers),
                "provenance": provenance,
                "path_to_approval": None,
            })  # fmt: skip
            return runner.observe(report) if runner.observers else report
        provenance = Provenance(
            library_version=__version__,
            engine=self.engine_name,
            engine_version=self.engine_version,
            packs=list(self.pack.packs),
            plugins=self.plugin_refs,
            as_of=as_of,
            as_of_source=as_of_source,
            covers_from=self.pack.covers[0],
            covers_until=self.pack.covers[1],
        )
        report = Report(
            project=ProjectRef(
                id=project.id,
                name=project.name,
                applicant=project.applicant,
                industry_code=project.industry_code,
                industry_name=industry_name,
                source=source,
                line=line,
            ),
            verdict=ev.verdict,
            incomplete=ev.incomplete,
            reasons=ev.reasons,
            conditions=ev.conditions,
            missing_fields=ev.missing_fields,
            to_supply=ev.to_supply,
            commitments=ev.commitments,
            referrals=ev.referrals,
            out_of_scope=ev.out_of_scope,
            labels=ev.labels,
            unverified_basis=ev.unverified_basis,
            score=ev.score,
            findings=ev.findings,
            not_in_force=not_in_force,
            notices=notices,
            not_configured=self.not_configured,
            waivers=ev.waivers,
            provenance=provenance,
        )
        return runner.observe(report) if runner.observers else report


def _trusted_evaluation(
    ev: Evaluation, not_in_force: Sequence[Any], notices: Sequence[Any], not_configured: Sequence[Any]
) -> bool:
    """Whether every part of ``ev`` (and the lists beside it) is exactly what the Report's validation keeps:
    instances of the field's own class (not a subclass, not a dict from a plugin), strings, a Verdict."""
    return (
        type(ev.verdict) is Verdict
        and type(ev.incomplete) is bool
        and all_of(Finding, ev.findings)
        and all_of(Text, ev.reasons)
        and all_of(str, ev.conditions)
        and all_of(str, ev.missing_fields)
        and all_of(str, ev.unverified_basis)
        and all_of(Supply, ev.to_supply)
        and all_of(Commitment, ev.commitments)
        and all_of(Referral, ev.referrals)
        and all_of(Label, ev.labels)
        and all_of(WaiverUse, ev.waivers)
        and all_of(Skipped, not_in_force)
        and all_of(Notice, notices)
        and all_of(PluginNote, not_configured)
        and (ev.out_of_scope is None or type(ev.out_of_scope) is Text)
        and (ev.score is None or type(ev.score) is Score)
    )


_KIND_TEXT = {
    "veto": ("否决项", "veto"),
    "required": ("必备条件", "required rule"),
    "score": ("评分指标", "score indicator"),
    "data-quality": ("数据核实", "data check"),
    "scope": ("评审范围", "the pack's scope"),
    "referral": ("转报判断", "whether to refer"),
}


def to_supply(pack: CompiledPack, supply: dict[str, list[tuple[str, str]]]) -> list[Supply]:
    """What the applicant must supply: each missing fact with its name, the rules that need it and why."""
    out: list[Supply] = []
    for name, needed_by in supply.items():
        spec = FIELD_SPECS.get(name)
        title = Text(zh=spec.title_zh, en=spec.title_en) if spec else pack.titles.get(name, Text(zh=name, en=name))
        # the scope is not a rule: its kind alone names it ("评审范围", not "评审范围 scope")
        zh = "、".join(_KIND_TEXT[kind][0] + ("" if kind == "scope" else f" {rid}") for rid, kind in needed_by)
        en = ", ".join(_KIND_TEXT[kind][1] + ("" if kind == "scope" else f" {rid}") for rid, kind in needed_by)
        if all(kind == "data-quality" for _rid, kind in needed_by):
            out.append(
                Supply(
                    field=name,
                    title=title,
                    rules=tuple(rid for rid, _kind in needed_by),
                    why=Text(
                        # the project-file line to write, as written (a renderer shows it verbatim)
                        zh=f"{zh} 认为该数值不合理：请核实或更正；确认无误请在项目文件中写明 "
                        f'confirmed_values = ["{name}"]。',
                        en=f"The {en} finds it implausible: confirm or correct it; if it is right, write "
                        f'confirmed_values = ["{name}"] in the project file.',
                    ),
                )
            )
            continue
        out.append(
            Supply(
                field=name,
                title=title,
                rules=tuple(rid for rid, _kind in needed_by),
                why=Text(zh=f"{zh} 需要此项才能判断。", en=f"Needed to decide {en}."),
            )
        )
    return out
