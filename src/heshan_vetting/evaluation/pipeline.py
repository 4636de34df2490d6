"""Evaluate a compiled pack against one project: findings and score, then the verdict from :mod:`.verdict`.

The verdict itself (DESIGN.md invariant 3) is decided only in :func:`heshan_vetting.verdict.decide`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from heshan_vetting.engines.native import native_decider
from heshan_vetting.engines.protocol import Engine
from heshan_vetting.evaluation.findings import label_result, rule_finding
from heshan_vetting.evaluation.scoring import IndicatorInput, Scorer
from heshan_vetting.evaluation.verdict import decide
from heshan_vetting.lang.values import NA, Unknown
from heshan_vetting.model import Project
from heshan_vetting.packs.compiled import (
    CompiledPack,
    CompiledRule,
    in_force,
)
from heshan_vetting.packs.env import project_env, thresholds_env
from heshan_vetting.report import (
    Finding,
    Label,
    Outcome,
    Score,
    Skipped,
    Text,
    Verdict,
)


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


ExtraFindings = Callable[[dict[str, Any]], Sequence[Finding]]
"""Given the fact namespace (after derived metrics), findings to add (the plugins' checks)."""
FindingsProcessor = Callable[[list[Finding]], list[Finding]]
"""Post-processes all findings before the verdict (the plugins' ``heshan_process_findings``)."""


def evaluate(
    pack: CompiledPack,
    project: Project,
    as_of: date,
    scorer: Scorer,
    decider: Engine = native_decider,
    *,
    extra_env: dict[str, Any] | None = None,
    extra_findings: ExtraFindings | None = None,
    process: FindingsProcessor | None = None,
) -> Evaluation:
    """Evaluate ``project`` as of ``as_of``.

    ``scorer`` turns indicator values into a :class:`Score`; ``decider`` (the engine) decides each
    rule's conditions. Explanations are always computed from the compiled closures. ``extra_env``
    holds the plugin facts' values; ``extra_findings`` and ``process`` are the plugins' checks and
    findings post-processing.
    """
    env = project_env(pack, project)
    if extra_env:
        env.update(extra_env)
    env.update(thresholds_env(pack, as_of))
    for d in pack.derived:
        env[d.name] = d.fn(env)
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
    labels_in_force = [lb for lb in pack.labels if in_force(lb.effective_from, lb.effective_until, as_of)]
    decided, label_cases = decider(pack, active, labels_in_force, env)
    findings = [rule_finding(pack, rule, project, env, as_of, decided[rule.id]) for rule in active]
    if extra_findings is not None:
        findings.extend(extra_findings(env))
    if process is not None:
        findings = process(findings)
    inputs: list[IndicatorInput] = []
    for ind in pack.indicators:
        if not in_force(ind.effective_from, ind.effective_until, as_of):
            skipped.append(Skipped(kind="indicator", id=ind.id, effective_from=ind.effective_from,
                                   effective_until=ind.effective_until))  # fmt: skip
            continue
        scope = True if ind.applies is None else ind.applies(env)
        v = ind.value(env) if scope is True else (NA if scope is False else scope)
        if isinstance(v, Unknown):
            kind = {"missing": Outcome.INSUFFICIENT_DATA, "na": Outcome.NOT_APPLICABLE}.get(v.kind, Outcome.ERROR)
            inputs.append(IndicatorInput(ind, None, kind))
        else:
            inputs.append(IndicatorInput(ind, float(v), Outcome.PASS))
    scored = any(i.outcome is not Outcome.NOT_APPLICABLE for i in inputs)
    score = scorer(inputs, pack.verdict) if scored else None
    # an indicator that cannot be computed scores 0: the verdict says so and never approves on that score
    broken = [i.indicator.id for i in inputs if i.outcome is Outcome.ERROR]
    decision = decide(findings, score, pack.verdict, broken_indicators=broken)
    labels: list[Label] = []
    for label in pack.labels:
        if not in_force(label.effective_from, label.effective_until, as_of):
            skipped.append(Skipped(kind="label", id=label.id, effective_from=label.effective_from,
                                   effective_until=label.effective_until))  # fmt: skip
            continue
        labels.append(label_result(pack, label, project, env, as_of, label_cases[label.id]))
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
    )
