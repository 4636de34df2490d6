"""The fact namespace of one check: project fields, plugin facts and thresholds in force, as closures read them."""

from __future__ import annotations

import math
from datetime import date

from heshan_vetting.lang.types import VType
from heshan_vetting.lang.values import MISSING, NA, Env, Value, norm
from heshan_vetting.model import Project
from heshan_vetting.packs.compiled import CompiledPack


def project_env(pack: CompiledPack, project: Project) -> Env:
    """The fact namespace of a project: canonical floats, normalised strings, MISSING for absent."""
    env: Env = {}
    plan: tuple[tuple[str, str], ...] | None = pack.memo.get("project_env")
    if plan is None:  # the declared facts and their kinds, in order (plugin facts are set by the caller)
        plan = tuple((name, vt.kind) for name, vt in pack.fact_types.items() if name not in pack.plugin_facts)
        pack.memo["project_env"] = plan
    fact_value = project.fact_value
    for name, kind in plan:
        v = fact_value(name)
        if v is None or (kind == "strs" and not v):
            env[name] = MISSING
        elif kind == "str":
            env[name] = norm(v)
        elif kind == "strs":
            env[name] = tuple(norm(x) for x in v)
        elif kind == "bool":
            env[name] = bool(v)
        else:
            env[name] = float(v)
    return env


def plugin_fact_env(vt: VType, value: object) -> Value:
    """A plugin fact's value as it sits in the namespace; raises ``TypeError`` for a value of the wrong type."""
    if value is None:
        return MISSING
    if vt.kind == "num":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise TypeError(f"expected a finite number, got {value!r}")
        return float(value)
    if vt.kind == "str":
        if not isinstance(value, str):
            raise TypeError(f"expected a text, got {value!r}")
        return norm(value)
    if vt.kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"expected true or false, got {value!r}")
        return value
    if not isinstance(value, (list, tuple)) or not all(isinstance(x, str) for x in value):
        raise TypeError(f"expected a list of texts, got {value!r}")
    return tuple(norm(x) for x in value) if value else MISSING


def thresholds_env(pack: CompiledPack, day: date) -> Env:
    """Threshold values in force on ``day`` (``NA`` where none is)."""
    out: Env = {}
    for name, th in pack.thresholds.items():
        hit = th.value_on(day)
        out[name] = NA if hit is None else hit[0]
    return out
