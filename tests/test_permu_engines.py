"""The per-mu evaluation's conditions go through the engine seam: the engine decides each enterprise's group and
caps (a fake engine shows it), and the durable engine's evaluation is byte for byte the native one's (the synthetic
registers, and a register built to hit every group and cap condition true, false and undecided)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting.engines.durable import host as durable_host
from heshan_vetting.engines.native import native_decider
from heshan_vetting.engines.protocol import LabelResults, RuleResults
from heshan_vetting.errors import UsageError
from heshan_vetting.lang.values import MISSING, Unknown
from heshan_vetting.packs.compiled import CompiledLabel, CompiledPack, CompiledRule
from heshan_vetting.packs.load import load_pack, shipped_pack_dir
from heshan_vetting.permu.command import evaluate
from heshan_vetting.permu.compile import compile_evaluation_pack
from heshan_vetting.permu.conditions import GROUPS_LABEL, ConditionView
from heshan_vetting.permu.register import read_register
from heshan_vetting.permu.score import evaluate_register
from heshan_vetting.units import Units

ROOT = Path(__file__).resolve().parents[1]
REGISTERS = ROOT / "examples" / "registers"
DAY = date(2026, 6, 30)
DURABLE_MISSING = durable_host.unavailable_reason()
needs_durable = pytest.mark.skipif(DURABLE_MISSING is not None, reason=f"durable engine: {DURABLE_MISSING}")

# Groups and caps that use every kind of condition the language has: texts, lists, prefixes, presence, numbers in
# other units, arithmetic (a division that can be by zero), and/or/not; each one is true, false and undecided
# for some row of REGISTER below.
PACK = """
[pack]
id = "engines-evaluation"
version = "1"
kind = "evaluation"
title = { zh = "引擎测试", en = "Engines test" }
jurisdiction = "X"
extends = "zhejiang-evaluation"

[[evaluation.groups]]
id = "big"
title = { zh = "大", en = "big" }
when = 'size == "规上" and land_area >= 3[公顷]'
classes_by = "rank"
rest = "D"
cuts = [{ class = "A", top_percent = 20 }, { class = "B", top_percent = 80 }, { class = "C", top_percent = 95 }]
cuts_citation = { title = "t", status = "local_default" }
[[evaluation.groups.scores]]
indicator = "tax_per_mu"
weight = 60
benchmark_of_group = "mean"
citation = { title = "t", status = "local_default" }
[[evaluation.groups.scores]]
indicator = "value_added_per_mu"
weight = 40
benchmark_of_group = "median"
missing = "group_mean_points"
citation = { title = "t", status = "local_default" }

[[evaluation.groups]]
id = "tech"
title = { zh = "科技", en = "tech" }
when = 'industry_code startswith ["C39", "C40"] or rd_spend / revenue * 100 > 3'
classes_by = "score"
rest = "D"
cuts = [{ class = "A", min_score = 120 }, { class = "B", min_score = 80 }, { class = "C", min_score = 50 }]
cuts_citation = { title = "t", status = "local_default" }
[[evaluation.groups.scores]]
indicator = "tax_per_mu"
weight = 100
benchmark = "20 万元/亩"
cap = 150
missing = "zero"
citation = { title = "t", status = "local_default" }

[[evaluation.groups]]
id = "towns"
title = { zh = "镇街", en = "towns" }
when = 'town in ["鹤城镇", "宅梧镇"] and not (employees > 200[人])'
classes_by = "rank"
rest = "D"
cuts = [{ class = "A", top_percent = 30 }, { class = "B", top_percent = 70 }]
cuts_citation = { title = "t", status = "local_default" }
[[evaluation.groups.scores]]
indicator = "tax_per_mu"
weight = 100
benchmark_of_group = "median"
citation = { title = "t", status = "local_default" }

[[evaluation.groups]]
id = "rest"
title = { zh = "其余", en = "the rest" }
when = 'size is present and size != "规上"'
classes_by = "rank"
rest = "C"
cuts = [{ class = "A", top_percent = 50 }]
cuts_citation = { title = "t", status = "local_default" }
[[evaluation.groups.scores]]
indicator = "tax_per_mu"
weight = 100
benchmark_of_group = "mean"
citation = { title = "t", status = "local_default" }

[[evaluation.caps]]
id = "violation"
title = { zh = "违法", en = "violation" }
when = "violations > 0"
at_best = "C"
citation = { title = "t", status = "local_default" }

[[evaluation.caps]]
id = "polluter"
title = { zh = "排放", en = "emissions" }
when = "emissions > 500[kg] or energy >= 5000[tce]"
at_best = "B"
citation = { title = "t", status = "local_default" }

[[evaluation.caps]]
id = "no-power-data"
title = { zh = "无用电数据", en = "no electricity data" }
when = 'electricity is missing and not (town == "共和镇")'
at_best = "D"
citation = { title = "t", status = "local_default" }
"""

HEADER = (
    "统一社会信用代码,企业名称,镇街,行业代码,企业规模,用地面积 (亩),实缴税收 (万元),工业增加值 (万元),"
    "主营业务收入 (万元),综合能耗（等价值） (tce),主要污染物排放量 (t),年平均职工人数,研发经费支出 (万元),"
    "用电量 (万千瓦时),安全环保违法记录"
)
# id, town, industry, size, land, tax, value added, revenue, energy, emissions, employees, R&D, power, violations
ROWS = """
b1,鹤城镇,C3311,规上,60,1500,9000,30000,6000,0.2,300,300,4000,0
b2,共和镇,C2211,规上,45,900,,20000,100,0.8,250,100,,1
b3,宅梧镇,C1311,规上,90,3000,20000,50000,,,500,400,5000,
b4,鹤城镇,C3311,规上,80,400,3000,10000,200,0.1,120,10,900,0
t1,共和镇,C3985,规上,20,500,2000,8000,100,0.1,80,50,700,0
t2,共和镇,C2211,规上,10,100,900,1000,50,0.01,30,80,100,0
t3,共和镇,C2211,规上,10,100,900,0,50,0.01,30,80,100,0
t4,共和镇,C4011,规下,5,300,500,2000,30,0.6,20,10,,0
w1,宅梧镇,C2211,规上,12,240,800,9000,40,0.01,150,10,200,0
w2,鹤城镇,C2211,规上,12,120,800,9000,40,0.01,,10,200,2
w3,宅梧镇,C2211,规上,12,60,800,9000,40,0.01,90,10,,0
r1,古劳镇,C1711,规下,6,30,100,600,10,0.01,10,1,20,0
r2,古劳镇,C1711,规下,6,60,100,600,10,0.01,10,1,20,
r3,古劳镇,C1711,,6,60,100,600,10,0.01,10,1,20,0
r4,古劳镇,,规上,,60,100,,10,0.01,10,1,20,0
r5,,C1711,规下,8,90,100,600,10,0.01,10,,20,0
r6,,C1711,规下,6,45,100,600,10,0.01,250,1,,0
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    pack = tmp_path / "engines-evaluation.toml"
    pack.write_text(PACK, encoding="utf-8")
    rows = [line.split(",") for line in ROWS.strip().splitlines()]
    body = "\n".join(",".join([r[0], f"企业{r[0]}", *r[1:]]) for r in rows)
    register = tmp_path / "register.csv"
    register.write_text(f"{HEADER}\n{body}\n", encoding="utf-8")
    return pack, register


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "evaluate", *args], capture_output=True, cwd=ROOT, timeout=120
    )


# --- the view: the engine decides ------------------------------------------------------------------------------


class Recorder:
    """An engine that answers as native does, except where told otherwise, and records every call."""

    def __init__(self, groups: dict[str, tuple[Any, ...]], caps: dict[str, dict[str, Any]]) -> None:
        self.groups, self.caps = groups, caps
        self.calls: list[tuple[CompiledPack, list[str], list[str], str]] = []

    def __call__(
        self, pack: CompiledPack, rules: Sequence[CompiledRule], labels: Sequence[CompiledLabel], env: dict[str, Any]
    ) -> tuple[RuleResults, LabelResults]:
        name = env["name"]
        self.calls.append((pack, [r.id for r in rules], [label.id for label in labels], name))
        decided, cases = native_decider(pack, rules, labels, env)
        if name in self.groups:
            cases = {**cases, GROUPS_LABEL: self.groups[name]}
        for cap, value in self.caps.get(name, {}).items():
            decided = {**decided, cap: (True, value)}
        return decided, cases


def test_the_engine_decides_the_groups_and_the_caps(tmp_path: Path) -> None:
    pack_file, register = _files(tmp_path)
    pack = compile_evaluation_pack(load_pack(pack_file, [shipped_pack_dir()]), Units())
    read = read_register(register, Units())
    native = evaluate_register(pack, read, DAY)
    by_native = {e.id: e for e in native.enterprises}
    assert by_native["b1"].group == "big"
    assert by_native["b1"].capped_by == ["polluter"]
    assert by_native["w1"].group == "towns"
    # the engine (not the pack's closures) decides: b1 is put in "tech", w1's group becomes undecided, r1 in no
    # group; the violation cap holds for w1 (violations 0) and the polluter cap is undecided for b1
    undecided = Unknown("missing", "emissions")
    recorder = Recorder(
        groups={"企业b1": (False, True), "企业w1": (False, False, MISSING), "企业r1": (False, False, False, False)},
        caps={"企业t1": {"violation": True}, "企业b1": {"polluter": undecided}},
    )
    built: list[CompiledPack] = []

    def build(view: CompiledPack) -> Recorder:
        built.append(view)
        return recorder

    result = evaluate_register(pack, read, DAY, build)
    by = {e.id: e for e in result.enterprises}
    assert by["b1"].group == "tech"
    assert by["b1"].capped_by == []
    assert by["b1"].caps_undecided == ["polluter"]
    assert by["w1"].group is None
    assert "cannot be decided" in by["w1"].reasons[0].en
    assert by["r1"].group is None
    assert "none of the pack's groups" in by["r1"].reasons[0].en
    assert by["t1"].capped_by == ["violation"]
    assert by["t1"].class_ in ("C", "D")
    # one view built, one call per enterprise, every group in one label and every cap as a rule
    assert len(built) == 1
    assert [name for *_x, name in recorder.calls] == [f"企业{e.id}" for e in read.enterprises]
    assert all(p is built[0] for p, *_rest in recorder.calls)
    assert {tuple(rules) for _p, rules, _l, _n in recorder.calls} == {("violation", "polluter", "no-power-data")}
    assert {tuple(labels) for _p, _r, labels, _n in recorder.calls} == {(GROUPS_LABEL,)}
    (label,) = built[0].labels
    assert len(label.cases) == len(label.trees) == 4
    assert all(r.require_tree is not None and r.applies is None for r in built[0].rules)


def test_the_view_holds_only_what_is_in_force(tmp_path: Path) -> None:
    pack_file, _register = _files(tmp_path)
    text = PACK.replace('id = "tech"\n', 'id = "tech"\neffective_until = 2025-12-31\n').replace(
        'id = "polluter"\n', 'id = "polluter"\neffective_from = 2027-01-01\n'
    )
    pack_file.write_text(text, encoding="utf-8")
    pack = compile_evaluation_pack(load_pack(pack_file, [shipped_pack_dir()]), Units())
    groups = [g for g in pack.groups if g.id != "tech"]
    caps = [c for c in pack.caps if c.id != "polluter"]
    view = ConditionView.build(pack, groups, caps)
    assert [r.id for r in view.pack.rules] == ["violation", "no-power-data"]
    assert len(view.pack.labels[0].cases) == 3
    env = pack.env({"size": "规上", "land_area": 100.0, "violations": 1.0, "electricity": 5.0, "town": "x"})
    decision = view.ask(native_decider, env)
    assert decision.group is not None
    assert decision.group.id == "big"
    assert decision.caps_held == ("violation",)
    assert decision.caps_undecided == ()
    # through evaluate: the groups and caps not in force on the date never reach the engine
    result = evaluate(tmp_path / "register.csv", pack_file, as_of=DAY)[0]
    assert "tech" not in {g.id for g in result.groups}


def test_an_engine_that_answers_badly_is_an_internal_error(tmp_path: Path) -> None:
    pack_file, _register = _files(tmp_path)
    pack = compile_evaluation_pack(load_pack(pack_file, [shipped_pack_dir()]), Units())
    view = ConditionView.build(pack, pack.groups, pack.caps)
    checked = pack.env({"size": "规上"})

    def no_caps(
        pack: CompiledPack, rules: Sequence[CompiledRule], labels: Sequence[CompiledLabel], env: dict[str, Any]
    ) -> tuple[RuleResults, LabelResults]:
        return {}, native_decider(pack, rules, labels, env)[1]

    def stops_at_false(
        pack: CompiledPack, rules: Sequence[CompiledRule], labels: Sequence[CompiledLabel], env: dict[str, Any]
    ) -> tuple[RuleResults, LabelResults]:
        return native_decider(pack, rules, labels, env)[0], {GROUPS_LABEL: (False,)}

    with pytest.raises(Exception, match="no valid result for cap 'violation'"):
        view.ask(no_caps, checked)
    with pytest.raises(Exception, match="stopped the groups' conditions at a false one"):
        view.ask(stops_at_false, checked)


# --- engine choice -------------------------------------------------------------------------------------------


def test_an_unknown_engine_is_a_usage_error() -> None:
    done = run(str(REGISTERS / "synthetic-2025.csv"), "--engine", "natve", "--as-of", "2026-06-30")
    assert done.returncode == 2
    err = done.stderr.decode("utf-8")
    assert "Unknown engine 'natve'; did you mean 'native'?" in err
    assert "未知的引擎" in err
    assert done.stdout == b""


def test_durable_that_cannot_run_here_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _pack, register = _files(tmp_path)
    monkeypatch.setattr(durable_host, "unavailable_reason", lambda: "durable-rules is not installed. Install it.")
    with pytest.raises(UsageError) as info:
        evaluate(register, "heshan-evaluation", as_of=DAY, engine="durable")
    assert "The durable engine is not available: durable-rules is not installed" in info.value.message_en
    assert "durable 引擎不可用" in info.value.message_zh


# --- engines agree -------------------------------------------------------------------------------------------


@needs_durable
def test_engines_agree_on_the_synthetic_registers(tmp_path: Path) -> None:
    common = [
        str(REGISTERS / "synthetic-2025.csv"),
        "--previous",
        str(REGISTERS / "synthetic-2024.csv"),
        "--as-of",
        "2026-06-30",
        "--format",
        "json",
    ]
    native, durable = run(*common), run(*common, "--engine", "durable")
    assert native.returncode == durable.returncode == 0, durable.stderr.decode("utf-8")
    assert b'"class": "D"' in native.stdout
    assert b'"movement"' in native.stdout
    assert durable.stdout == native.stdout


@needs_durable
def test_engines_agree_on_every_condition_true_false_and_undecided(tmp_path: Path) -> None:
    pack, register = _files(tmp_path)
    native = evaluate(register, pack, as_of=DAY)[0]
    durable = evaluate(register, pack, as_of=DAY, engine="durable")[0]
    assert durable.to_json() == native.to_json()
    by = {e.id: e for e in native.enterprises}
    # every group is hit, and the search stops undecided at each kind of condition
    assert {e.group for e in native.enterprises} == {"big", "tech", "towns", "rest", None}
    assert {e.id for e in native.enterprises if e.group is None} == {"r3", "r4", "r5", "t3", "w2"}
    # r4: no land (big); r5: no R&D (tech); t3: revenue 0, a division by zero (tech); w2: no employees (towns)
    for e in ("r4", "r5", "t3", "w2"):
        assert "cannot be decided" in by[e].reasons[0].en, e
    # r3 has no size, but every group is false for it all the same (size is present and … is false)
    assert "none of the pack's groups" in by["r3"].reasons[0].en
    assert (by["b3"].group, by["t4"].group, by["w1"].group, by["r1"].group) == ("big", "tech", "towns", "rest")
    # r6 has no town, but more than 200 employees: "towns" is false, not undecided
    assert by["r6"].group == "rest"
    assert by["r6"].caps_undecided == ["no-power-data"]
    # every cap holds, does not hold, and is undecided for some classed enterprise
    classed = [e for e in native.enterprises if e.status == "classed"]
    for cap in ("violation", "polluter", "no-power-data"):
        assert any(cap in e.capped_by for e in classed), cap
        assert any(cap in e.caps_undecided for e in classed), cap
        assert any(cap not in e.capped_by and cap not in e.caps_undecided for e in classed), cap


try:
    import numpy  # noqa: F401
except ImportError:  # pragma: no cover - the dev extra installs numpy
    NUMPY_MISSING: str | None = "numpy is not installed (pip install 'heshan-vetting[columnar]')"
else:
    NUMPY_MISSING = None
needs_numpy = pytest.mark.skipif(NUMPY_MISSING is not None, reason=f"columnar engine: {NUMPY_MISSING}")


@needs_numpy
def test_columnar_agrees_on_the_synthetic_registers() -> None:
    common = [str(REGISTERS / "synthetic-2025.csv"), "--as-of", "2026-06-30", "--format", "json"]
    native, columnar = run(*common), run(*common, "--engine", "columnar")
    assert native.returncode == columnar.returncode == 0, columnar.stderr.decode("utf-8")
    assert b'"class": "D"' in native.stdout
    assert columnar.stdout == native.stdout


@needs_numpy
def test_columnar_decides_a_register_in_one_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from heshan_vetting.engines.columnar.engine import ColumnarDecider

    pack, register = _files(tmp_path)
    native = evaluate(register, pack, as_of=DAY)[0]
    batches: list[int] = []
    real = ColumnarDecider.decide_namespaces

    def counted(self: ColumnarDecider, *args: object) -> object:
        batches.append(len(args[3]))  # type: ignore[arg-type]
        return real(self, *args)  # type: ignore[arg-type]

    def one_at_a_time(*args: object) -> object:
        raise AssertionError("the columnar engine was asked one enterprise at a time")

    monkeypatch.setattr(ColumnarDecider, "decide_namespaces", counted)
    monkeypatch.setattr(ColumnarDecider, "__call__", one_at_a_time)
    columnar = evaluate(register, pack, as_of=DAY, engine="columnar")[0]
    assert batches == [len(native.enterprises)]
    # every condition true, false and undecided (the register of the test above) decided as native decides it
    assert columnar.to_json() == native.to_json()
    assert {e.group for e in columnar.enterprises} == {"big", "tech", "towns", "rest", None}
