"""The benchmark suite (benchmarks/run.py): its baseline decides as the library does, and a tiny run writes the
targets. The measurements themselves are not tests (they depend on the machine); `nox -s bench` runs them."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from heshan_vetting import Vetter

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def workload() -> ModuleType:
    return _module("workload")


def test_baseline_and_native_engine_agree_on_the_synthetic_workload(workload: ModuleType) -> None:
    vetter = Vetter(BENCH / "bench_pack.toml", autoload=False)
    items = workload.projects(120, seed=3)
    verdicts = []
    for p in items:
        rules, score = workload.baseline_decisions(p)
        report = vetter.check(workload.as_dict(p))
        expected = workload.verdict_of(rules, score)
        verdicts.append(expected)
        assert report.verdict.value == expected, p
        assert report.score is not None
        assert report.score.total == pytest.approx(score, abs=1e-9), p
        outcomes = {f.rule_id: f.outcome.value for f in report.findings}
        assert outcomes == {
            rid: {True: "pass", False: "fail", None: "not_applicable"}[ok] for rid, ok in rules.items()
        }, p
    # the workload reaches every verdict, so agreement means something
    assert set(verdicts) == {"approve", "conditional", "reject"}


def test_the_baseline_s_figures_are_the_pack_s(workload: ModuleType) -> None:
    vetter = Vetter(BENCH / "bench_pack.toml", autoload=False)
    assert {r.id: r.severity for r in vetter.pack.rules} == {
        r: "veto" if r.startswith("B-V") else "required" for r in workload.RULES
    }
    assert {i.id: i.weight for i in vetter.pack.indicators} == {i[0]: i[2] for i in workload.INDICATORS}


def test_a_verdict_mismatch_fails_the_run(workload: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    run = _module("run")
    monkeypatch.setattr(run.workload, "verdict_of", lambda rules, score: "approve")
    with pytest.raises(run.Mismatch, match="differ from the baseline"):
        run.bench_pack_section(20, 1, 15, {})


def test_a_columnar_mismatch_fails_the_run(workload: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    run = _module("run")
    real = run.workload.baseline_decisions

    def wrong(p: dict[str, Any]) -> Any:
        rules, score = real(p)
        return {**rules, "B-C5": not rules["B-C5"]}, score

    monkeypatch.setattr(run.workload, "baseline_decisions", wrong)
    with pytest.raises(run.Mismatch, match="columnar decisions from prepared columns, rule B-C5"):
        run.columnar_section(50, 1, 15, 50)
    monkeypatch.setattr(run.workload, "baseline_decisions", real)
    monkeypatch.setattr(run.workload, "verdict_of", lambda rules, score: "approve")
    with pytest.raises(run.Mismatch, match=r"columnar decide_many: .* verdicts differ"):
        run.columnar_section(50, 1, 15, 50)


def test_smoke_run_writes_the_targets(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    names = [t["name"].split()[0] for t in data["targets"]]
    assert names == ["1", "2a", "2b", "2c", "3", "4", "5", "6a", "6b", "6c", "7"]
    for t in data["targets"]:
        assert set(t) == {"name", "measured", "target", "met", "note"}
        assert isinstance(t["met"], bool)
    columnar = data["targets"][4]
    assert columnar["measured"] is not None  # the columnar engine is measured (numpy comes with the dev extra)
    assert "from Projects" in columnar["note"]
    assert data["columnar_run"]["verdicts_checked"] == data["columnar_run"]["projects"]
    assert "targets (issue 15)" in done.stdout
