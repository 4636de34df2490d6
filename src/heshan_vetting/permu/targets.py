"""Proposed next-year per-mu targets (the plan's "结合实际动态调整企业亩产税收增长目标" made explicit).

Per group and indicator, as the pack asks: the value at a percentile of this year's distribution in the group
(linear interpolation between the sorted values: position ``(n − 1) × p / 100``, as numpy's default), or this
year's benchmark grown by a rate the city sets. Each target carries its arithmetic, so it can be checked by hand.
"""

from __future__ import annotations

import math

from heshan_vetting.permu.compile import EvaluationPack, Target
from heshan_vetting.permu.results import EvaluationResult, TargetResult
from heshan_vetting.report import Text


def percentile(values: list[float], p: float) -> float:
    """The value at percentile ``p`` (0–100) of ``values`` (not empty): linear between the sorted values."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _g(x: float) -> str:
    return f"{x:.6g}"


def _one(pack: EvaluationPack, result: EvaluationResult, t: Target) -> TargetResult:
    ind = pack.indicators[t.indicator]
    values = [
        i.value
        for e in result.enterprises
        if e.group == t.group
        for i in e.indicators
        if i.id == t.indicator and i.value is not None
    ]
    group = next(g for g in result.groups if g.id == t.group)
    bench = next((b.benchmark for b in group.benchmarks if b.indicator == t.indicator), None)
    value: float | None = None
    if t.method == "percentile":
        assert t.percentile is not None
        if values:
            value = percentile(values, t.percentile)
            position = (len(values) - 1) * t.percentile / 100
            arithmetic = Text(
                zh=f"本年度{len(values)}家企业{ind.title.zh}的第{t.percentile:g}百分位数（排序后第 "
                f"{_g(position + 1)} 个值，线性插值）= {_g(value)} {ind.unit}",
                en=f"the {t.percentile:g}th percentile of this year's {len(values)} values of {ind.title.en} "
                f"(sorted value number {_g(position + 1)}, linear interpolation) = {_g(value)} {ind.unit}",
            )
        else:
            arithmetic = Text(zh="本年度组内无有效数值，无法提出目标", en="no member has a value this year: no target")
        return TargetResult(
            id=t.id, group=t.group, indicator=t.indicator, title=ind.title, unit=ind.unit, method=t.method,
            percentile=t.percentile, base=None, values=len(values), value=value, arithmetic=arithmetic,
            citation=t.citation,
        )  # fmt: skip
    assert t.rate is not None
    if bench is not None:
        value = bench * (1 + t.rate)
        arithmetic = Text(
            zh=f"本年度基准值 {_g(bench)} {ind.unit} ×（1 + {_g(t.rate * 100)}%）= {_g(value)} {ind.unit}",
            en=f"this year's benchmark {_g(bench)} {ind.unit} × (1 + {_g(t.rate * 100)}%) = {_g(value)} {ind.unit}",
        )
    else:
        arithmetic = Text(
            zh="本年度基准值无法计算，无法提出目标", en="this year's benchmark could not be computed: no target"
        )
    return TargetResult(
        id=t.id, group=t.group, indicator=t.indicator, title=ind.title, unit=ind.unit, method=t.method,
        rate=t.rate, base=bench, values=len(values), value=value, arithmetic=arithmetic, citation=t.citation,
    )  # fmt: skip


def propose_targets(pack: EvaluationPack, result: EvaluationResult) -> list[TargetResult]:
    """The pack's targets computed from this year's ``result`` (groups not in force give none)."""
    in_force = {g.id for g in result.groups}
    return [_one(pack, result, t) for t in pack.targets if t.group in in_force]
