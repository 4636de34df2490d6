"""The seeded synthetic workload of the benchmark pack (bench_pack.toml) and the engines written outside the library.

* :func:`projects` — ``n`` synthetic projects as plain figures (floats in the pack's units), the same for a seed;
  :func:`as_dict` writes one as the mapping ``Vetter.check`` takes (quantity texts such as ``"60.0 亩"``).
* :func:`baseline_verdict` — the hand-written plain-Python implementation of bench_pack.toml (the baseline):
  dicts and floats, the same rules, rounding, score and verdict as the library decides them for complete data.
* :func:`zen_graph` — the same rules as a GoRules ZEN decision graph (tables for the per-industry figures, expression
  nodes for the ratios, rules, score and verdict), for the ``zen-engine`` package.
* :class:`BareDurable` — the same rules on bare durable-rules (``durable.lang``), the ratios and table look-ups
  computed in Python first, one fact a project.

Every figure is a benchmark choice, not policy (see bench_pack.toml).
"""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

TWO_HIGH = ("C25", "C26", "C30", "C31", "C32")
# per-industry tables (longest prefix wins; the default last), as in bench_pack.toml
MIN_INTENSITY = (("C26", 300.0), ("C30", 280.0), ("C32", 320.0), ("C33", 260.0), ("C34", 350.0), ("C38", 400.0),
                 ("C39", 450.0))  # fmt: skip
MIN_OUTPUT = (("C26", 500.0), ("C30", 350.0), ("C32", 600.0), ("C34", 400.0), ("C38", 550.0), ("C39", 650.0))
MAX_ENERGY = (("C26", 1.2), ("C30", 2.0), ("C32", 1.5), ("C38", 0.3), ("C39", 0.2))
DEFAULTS = {"min_intensity": 250.0, "min_output": 300.0, "max_energy": 0.5}
# (id, value key, weight, floor, target)
INDICATORS = (
    ("tax", "tax_per_mu", 30.0, 10.0, 40.0),
    ("output", "output_per_mu", 20.0, 200.0, 800.0),
    ("intensity", "investment_intensity", 15.0, 200.0, 600.0),
    ("energy", "energy_per_output", 15.0, 1.0, 0.1),
    ("plot", "plot_ratio", 10.0, 0.8, 2.0),
    ("building", "building_coefficient", 10.0, 30.0, 60.0),
)
RULES = ("B-V1", "B-V2", "B-V3", "B-C1", "B-C2", "B-C3", "B-C4", "B-C5", "B-C6", "B-C7", "B-C8", "B-C9")
CODES = ("C2614", "C2651", "C3011", "C3041", "C3252", "C3311", "C3484", "C3825", "C3982", "C3399", "C3073",
         "C3911", "C1713")  # fmt: skip
VERDICTS = ("approve", "conditional", "reject")


def projects(n: int, seed: int = 15) -> list[dict[str, Any]]:
    """``n`` complete synthetic projects (the same for the same seed), figures on both sides of every line."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(n):
        land = round(rng.uniform(8, 300), 1)
        fixed = round(land * rng.uniform(150, 700), 1)
        output = round(land * rng.uniform(150, 900), 1)
        out.append({
            "id": f"B{i:06d}",
            "industry_code": rng.choice(CODES),
            "catalogue_class": "eliminated" if rng.random() < 0.03 else rng.choice(("encouraged", "permitted")),
            "land_area": land,
            "fixed_asset_investment": fixed,
            "total_investment": round(fixed * rng.uniform(1.02, 1.6), 1),
            "annual_output": output,
            "annual_tax": round(land * rng.uniform(5, 50), 1),
            "energy_consumption": round(output * rng.uniform(0.03, 2.5), 1),
            "plot_ratio": round(rng.uniform(0.8, 2.2), 2),
            "building_coefficient": round(rng.uniform(25, 60), 1),
            "green_ratio": round(rng.uniform(5, 22), 1),
            "admin_living_share": round(rng.uniform(2, 9), 1),
        })  # fmt: skip
    return out


def as_dict(p: dict[str, Any]) -> dict[str, Any]:
    """One workload project as the mapping ``Vetter.check`` and ``Vetter.project`` take."""
    return {
        "id": p["id"],
        "name": f"基准项目 {p['id']}",
        "industry_code": p["industry_code"],
        "catalogue_class": p["catalogue_class"],
        "application_date": "2025-06-01",
        "land_area": f"{p['land_area']} 亩",
        "fixed_asset_investment": f"{p['fixed_asset_investment']} 万元",
        "total_investment": f"{p['total_investment']} 万元",
        "annual_output": f"{p['annual_output']} 万元",
        "annual_tax": f"{p['annual_tax']} 万元",
        "energy_consumption": f"{p['energy_consumption']} tce",
        "plot_ratio": p["plot_ratio"],
        "building_coefficient": f"{p['building_coefficient']}%",
        "green_ratio": f"{p['green_ratio']}%",
        "admin_living_share": f"{p['admin_living_share']}%",
    }


# -- the baseline: plain Python -------------------------------------------------------------------------------------


def _lookup(table: tuple[tuple[str, float], ...], code: str, default: float) -> float:
    best, found = -1, default
    for prefix, value in table:
        if code.startswith(prefix) and len(prefix) > best:
            best, found = len(prefix), value
    return found


def _r4(x: float) -> float:
    """Half-up to 4 decimals, as the library rounds both sides of a comparison (rule precision 4)."""
    return math.floor(x * 10000.0 + 0.5) / 10000.0


def baseline_decisions(p: dict[str, Any]) -> tuple[dict[str, bool | None], float]:
    """Each rule's result (``True`` pass, ``False`` fail, ``None`` not applicable) and the score, in plain Python."""
    code = p["industry_code"]
    land = p["land_area"]
    intensity = p["fixed_asset_investment"] / land
    output_mu = p["annual_output"] / land
    tax_mu = p["annual_tax"] / land
    energy_out = p["energy_consumption"] / p["annual_output"]
    two_high = code.startswith(TWO_HIGH)
    rules: dict[str, bool | None] = {
        "B-V1": p["catalogue_class"] != "eliminated",
        "B-V2": _r4(p["energy_consumption"]) < 50000.0 if two_high else None,
        "B-V3": _r4(p["green_ratio"]) <= 20.0,
        "B-C1": _r4(intensity) >= _lookup(MIN_INTENSITY, code, DEFAULTS["min_intensity"]),
        "B-C2": _r4(output_mu) >= _lookup(MIN_OUTPUT, code, DEFAULTS["min_output"]),
        "B-C3": _r4(energy_out) <= _lookup(MAX_ENERGY, code, DEFAULTS["max_energy"]),
        "B-C4": _r4(tax_mu) >= 15.0,
        "B-C5": _r4(p["total_investment"]) >= 5000.0,
        "B-C6": _r4(p["plot_ratio"]) >= 1.0,
        "B-C7": _r4(p["building_coefficient"]) >= 30.0,
        "B-C8": _r4(p["admin_living_share"]) <= 7.0,
        "B-C9": _r4(p["fixed_asset_investment"] / p["total_investment"]) >= 0.7,
    }
    values = {"tax_per_mu": tax_mu, "output_per_mu": output_mu, "investment_intensity": intensity,
              "energy_per_output": energy_out, "plot_ratio": p["plot_ratio"],
              "building_coefficient": p["building_coefficient"]}  # fmt: skip
    points = weights = 0.0
    for _id, key, weight, floor, target in INDICATORS:
        share = (values[key] - floor) / (target - floor)
        points += weight * (0.0 if share < 0 else 1.0 if share > 1 else share)
        weights += weight
    score = math.floor(points * 100.0 / weights * 100.0 + 0.5) / 100.0
    return rules, score


def verdict_of(rules: dict[str, bool | None], score: float) -> str:
    """The verdict from rule results and score, as bench_pack.toml's [verdict] and severities decide it."""
    if rules["B-V1"] is False or rules["B-V2"] is False or rules["B-V3"] is False or score < 40.0:
        return "reject"
    if score < 60.0 or any(rules[r] is False for r in RULES[3:]):
        return "conditional"
    return "approve"


def baseline_verdict(p: dict[str, Any]) -> str:
    """The baseline's verdict for one workload project."""
    rules, score = baseline_decisions(p)
    return verdict_of(rules, score)


# -- ZEN (zen-engine): the same rules as a decision graph -----------------------------------------------------------


def _table(node_id: str, field: str, rows: tuple[tuple[str, float], ...], default: float) -> dict[str, Any]:
    ordered = sorted(rows, key=lambda r: -len(r[0]))  # first hit = the longest prefix
    rules = [{"_id": f"{node_id}{i}", "in": f'startsWith($, "{k}")', "out": repr(v)} for i, (k, v) in
             enumerate(ordered)]  # fmt: skip
    rules.append({"_id": f"{node_id}d", "in": "", "out": repr(default)})
    return {"id": node_id, "type": "decisionTableNode", "name": node_id, "position": {"x": 0, "y": 0},
            "content": {"hitPolicy": "first", "passThrough": True, "inputField": None, "outputPath": None,
                        "executionMode": "single", "inputs": [{"id": "in", "name": "code", "field": "industry_code"}],
                        "outputs": [{"id": "out", "name": field, "field": field}], "rules": rules}}  # fmt: skip


def _expressions(node_id: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"id": node_id, "type": "expressionNode", "name": node_id, "position": {"x": 0, "y": 0},
            "content": {"passThrough": True, "inputField": None, "outputPath": None, "executionMode": "single",
                        "expressions": [{"id": f"{node_id}{i}", "key": k, "value": v}
                                        for i, (k, v) in enumerate(pairs)]}}  # fmt: skip


def zen_graph() -> dict[str, Any]:
    """bench_pack.toml as a ZEN decision graph (JSON Decision Model): input → three tables → ratios → rules →
    score and verdict → output. The result holds ``verdict``, ``score`` and each rule's ``ok`` (null when not
    applicable)."""
    r4 = "round({} * 10000) / 10000"
    two_high = " or ".join(f'startsWith(industry_code, "{c}")' for c in TWO_HIGH)
    derived = [("ii", "fixed_asset_investment / land_area"), ("om", "annual_output / land_area"),
               ("tm", "annual_tax / land_area"), ("eo", "energy_consumption / annual_output")]  # fmt: skip
    rules = [
        ("V1", 'catalogue_class != "eliminated"'),
        ("V2", f"({two_high}) ? {r4.format('energy_consumption')} < 50000 : null"),
        ("V3", f"{r4.format('green_ratio')} <= 20"),
        ("C1", f"{r4.format('ii')} >= min_intensity"),
        ("C2", f"{r4.format('om')} >= min_output"),
        ("C3", f"{r4.format('eo')} <= max_energy"),
        ("C4", f"{r4.format('tm')} >= 15"),
        ("C5", f"{r4.format('total_investment')} >= 5000"),
        ("C6", f"{r4.format('plot_ratio')} >= 1"),
        ("C7", f"{r4.format('building_coefficient')} >= 30"),
        ("C8", f"{r4.format('admin_living_share')} <= 7"),
        ("C9", f"{r4.format('fixed_asset_investment / total_investment')} >= 0.7"),
    ]
    value = {"tax_per_mu": "tm", "output_per_mu": "om", "investment_intensity": "ii", "energy_per_output": "eo"}
    parts = []
    for _id, key, weight, floor, target in INDICATORS:
        v = value.get(key, key)
        parts.append(f"{weight} * max([0, min([1, ({v} - {floor}) / ({target} - {floor})])])")
    total = sum(w for _i, _k, w, _f, _t in INDICATORS)
    score = [("raw", f"({' + '.join(parts)}) * 100 / {total}"), ("score", "floor($.raw * 100 + 0.5) / 100")]
    veto = "V1 == false or V2 == false or V3 == false or score < 40"
    required = " or ".join(f"C{i} == false" for i in range(1, 10))
    verdict = [("verdict", f'({veto}) ? "reject" : ((score < 60 or {required}) ? "conditional" : "approve")')]
    nodes = [
        {"id": "input", "type": "inputNode", "name": "input", "position": {"x": 0, "y": 0}},
        _table("t1", "min_intensity", MIN_INTENSITY, DEFAULTS["min_intensity"]),
        _table("t2", "min_output", MIN_OUTPUT, DEFAULTS["min_output"]),
        _table("t3", "max_energy", MAX_ENERGY, DEFAULTS["max_energy"]),
        _expressions("d", derived),
        _expressions("r", rules),
        _expressions("s", score),
        _expressions("v", verdict),
        {"id": "output", "type": "outputNode", "name": "output", "position": {"x": 0, "y": 0}},
    ]
    order = [n["id"] for n in nodes]
    edges = [{"id": f"e{i}", "sourceId": a, "targetId": b, "type": "edge"} for i, (a, b) in
             enumerate(itertools.pairwise(order))]  # fmt: skip
    return {"nodes": nodes, "edges": edges}


# -- bare durable-rules ---------------------------------------------------------------------------------------------


def durable_fact(p: dict[str, Any]) -> dict[str, Any]:
    """The fact bare durable-rules is given: the figures, the ratios and the table values, computed in Python
    (durable-rules has no division or table look-up), rounded half-up to 4 decimals as the library compares."""
    code = p["industry_code"]
    land = p["land_area"]
    return {
        "cat": p["catalogue_class"],
        "th": 1 if code.startswith(TWO_HIGH) else 0,
        "en": _r4(p["energy_consumption"]),
        "gr": _r4(p["green_ratio"]),
        "ii": _r4(p["fixed_asset_investment"] / land),
        "mi": _lookup(MIN_INTENSITY, code, DEFAULTS["min_intensity"]),
        "om": _r4(p["annual_output"] / land),
        "mo": _lookup(MIN_OUTPUT, code, DEFAULTS["min_output"]),
        "eo": _r4(p["energy_consumption"] / p["annual_output"]),
        "me": _lookup(MAX_ENERGY, code, DEFAULTS["max_energy"]),
        "tm": _r4(p["annual_tax"] / land),
        "ti": _r4(p["total_investment"]),
        "pr": _r4(p["plot_ratio"]),
        "bc": _r4(p["building_coefficient"]),
        "al": _r4(p["admin_living_share"]),
        "fs": _r4(p["fixed_asset_investment"] / p["total_investment"]),
    }


class BareDurable:
    """The 12 rules of bench_pack.toml on bare durable-rules: a ruleset whose rules fire on failures; one fact, one
    state (session) a project. The score is computed in Python (durable-rules has no arithmetic over a fact)."""

    _made = itertools.count()

    def __init__(self) -> None:
        from durable.lang import m, ruleset, when_all  # type: ignore[import-untyped,unused-ignore]

        self.failed: list[str] = []
        fails = {
            "B-V1": m.cat == "eliminated",
            "B-V2": (m.th == 1) & (m.en >= 50000),
            "B-V3": m.gr > 20,
            "B-C1": m.ii < m.mi,
            "B-C2": m.om < m.mo,
            "B-C3": m.eo > m.me,
            "B-C4": m.tm < 15,
            "B-C5": m.ti < 5000,
            "B-C6": m.pr < 1,
            "B-C7": m.bc < 30,
            "B-C8": m.al > 7,
            "B-C9": m.fs < 0.7,
        }
        name = f"bench_bare_{next(self._made)}"  # durable-rules never forgets a ruleset: a new name each time
        with ruleset(name):
            for rule_id, cond in fails.items():
                when_all(cond)(self._recorder(rule_id))
            # every fact: no "not handled" error for a project that fails nothing
            when_all(+m.cat)(self._recorder(None))

        self.name = name
        self.sid = 0

    def _recorder(self, rule_id: str | None) -> Any:
        def record(c: Any) -> None:
            if rule_id is not None:
                self.failed.append(rule_id)

        return record

    def verdict(self, p: dict[str, Any]) -> str:
        """Post one project as a fact in a fresh state, collect the rules that fired, delete the state."""
        from durable.lang import assert_fact, delete_state  # type: ignore[import-untyped,unused-ignore]

        self.sid += 1
        sid = str(self.sid)
        self.failed = []
        assert_fact(self.name, {"sid": sid, **durable_fact(p)})
        delete_state(self.name, sid)
        _rules, score = baseline_decisions(p)  # the score only: durable-rules has no arithmetic over a fact
        th = p["industry_code"].startswith(TWO_HIGH)
        rules: dict[str, bool | None] = {r: r not in self.failed for r in RULES}
        if not th:
            rules["B-V2"] = None
        return verdict_of(rules, score)
