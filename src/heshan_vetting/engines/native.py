"""The native engine: a compiled pack's closures decide each rule's conditions in plain Python."""

from __future__ import annotations

from collections.abc import Sequence

from heshan_vetting.engines.protocol import LabelResults, RuleResults
from heshan_vetting.lang.values import Env, Unknown
from heshan_vetting.packs.compiled import CompiledLabel, CompiledPack, CompiledRule


def native_decider(
    pack: CompiledPack, rules: Sequence[CompiledRule], labels: Sequence[CompiledLabel], env: Env
) -> tuple[RuleResults, LabelResults]:
    """The native engine: the compiled closures decide each rule and label."""
    out: RuleResults = {}
    for rule in rules:
        scope = True if rule.applies is None else rule.applies(env)
        out[rule.id] = (scope, rule.require(env) if scope is True else None)
    cases: LabelResults = {}
    for label in labels:
        results: list[bool | Unknown] = []
        for fn, _value in label.cases:
            results.append(fn(env))
            if results[-1] is not False:
                break
        cases[label.id] = tuple(results)
    return out, cases
