"""The columnar engine: whole batches decided on numpy give exactly the native engine's results.

The corpus (tests/cases) and the examples are decided as batches and compared row by row with the native engine
(each unknown's kind and detail included), then through ``decide_many`` and ``check_many`` against ``check``; property
tests compare generated batches (the generators of tests/test_durable.py, and fact namespaces built at thresholds:
exactly at, one ulp and one rounding step either side, half a step, NaN and infinities, each kind of unknown).
Skipped, with the reason, where numpy is missing (the dev extra installs it, so CI runs them).
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heshan_vetting import Project, ProjectError, Report, UsageError, Vetter
from heshan_vetting.engines import native_decider
from heshan_vetting.engines.columnar import unavailable_reason
from heshan_vetting.lang import syntax as ast
from heshan_vetting.lang.values import MISSING, NA, Env, Unknown, Value
from heshan_vetting.packs.compiled import CompiledPack, in_force
from heshan_vetting.packs.env import thresholds_env
from heshan_vetting.results import ItemError
from heshan_vetting.testing import load_cases

REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"columnar engine: {REASON[0] if REASON else ''}")

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
OPS_PACK = CASES / "_packs" / "ops.toml"
UNKNOWNS_PACK = CASES / "_packs" / "unknowns.toml"
BENCH_PACK = ROOT / "benchmarks" / "bench_pack.toml"
EXAMPLES = sorted((ROOT / "examples" / "projects").glob("*.toml"))


@cache
def vetter(pack: str, engine: str) -> Vetter:
    return Vetter(pack, engine=engine)


def plain(value: Any) -> Any:
    """A result made comparable: an unknown as (kind, detail)."""
    if isinstance(value, Unknown):
        return ("unknown", value.kind, value.detail)
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value


def results(decided: tuple[dict[str, Any], dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    rules, labels = decided
    assert all(type(v) is bool or isinstance(v, Unknown) or v is None for pair in rules.values() for v in pair)
    return {k: plain(v) for k, v in rules.items()}, {k: plain(v) for k, v in labels.items()}


def in_force_on(pack: CompiledPack, day: date) -> tuple[list[Any], list[Any]]:
    return (
        [r for r in pack.rules if in_force(r.effective_from, r.effective_until, day)],
        [lb for lb in pack.labels if in_force(lb.effective_from, lb.effective_until, day)],
    )


def assert_batch_matches_native(v: Vetter, projects: Sequence[Project], day: date) -> None:
    """Decide ``projects`` as one batch (from projects, and from ready namespaces): each row is native's."""
    from heshan_vetting.engines.columnar.vector import Batch

    pipe = v._pipeline
    pack, engine = pipe.pack, pipe.engine
    rules, labels = in_force_on(pack, day)
    envs = [pipe.facts(p, day)[0] for p in projects]
    by_projects = engine.decide_projects(pack, rules, labels, projects, day, lambda i: pipe.facts(projects[i], day)[0])
    by_envs = engine.decide_batch(pack, rules, labels, Batch.from_envs(pack, envs))
    for i, env in enumerate(envs):
        expected = results(native_decider(pack, rules, labels, env))
        assert results(by_projects.row(i)) == expected, projects[i].id
        assert results(by_envs.row(i)) == expected, projects[i].id


def comparable(report: Report) -> dict[str, Any]:
    """The whole report as JSON data, except the provenance fields that name the engine."""
    data: dict[str, Any] = report.model_dump(mode="json")
    del data["provenance"]["engine"], data["provenance"]["engine_version"]
    return data


# -- the corpus and the examples ----------------------------------------------------------------------------------


def _corpus() -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for case in load_cases(CASES):
        out.setdefault(str(case.pack) if case.pack is not None else "heshan", []).append(case.folder / "project.toml")
    return out


CORPUS = _corpus()


@pytest.mark.parametrize("pack", sorted(CORPUS), ids=lambda p: Path(p).stem)
@pytest.mark.parametrize("day", [date(2023, 6, 24), date(2025, 6, 1)])
def test_the_corpus_decided_as_a_batch_is_the_native_engines_results(pack: str, day: date) -> None:
    v = vetter(pack, "columnar")
    projects = [v.load(path)[0] for path in CORPUS[pack]]
    assert_batch_matches_native(v, projects, day)


def test_the_examples_decided_as_a_batch_are_the_native_engines_results() -> None:
    v = vetter("heshan", "columnar")
    projects = [p for path in EXAMPLES for p in v.load(path)]
    assert len(projects) >= 10
    assert_batch_matches_native(v, projects, date(2025, 6, 1))
    assert_batch_matches_native(v, projects, date(2023, 6, 24))
    assert not v._pipeline.engine.row_by_row  # every condition of the shipped packs is vectorised


@pytest.mark.parametrize("pack", sorted(CORPUS), ids=lambda p: Path(p).stem)
def test_check_many_and_decide_many_give_checks_reports_and_verdicts_on_the_corpus(pack: str) -> None:
    native, columnar = vetter(pack, "native"), vetter(pack, "columnar")
    files = CORPUS[pack]
    expected = [native.check(f) for f in files]
    got = list(columnar.check_many(files))
    assert [comparable(r) for r in got] == [comparable(r) for r in expected]  # type: ignore[arg-type]
    assert {r.provenance.engine for r in got} == {"columnar"}  # type: ignore[union-attr]
    decisions = list(columnar.decide_many(files, batch_size=3))
    for d, r in zip(decisions, expected, strict=True):
        assert not isinstance(d, ItemError)
        assert d.verdict is r.verdict
        assert dict(d.outcomes) == {f.rule_id: f.outcome for f in r.findings}
        assert d.score == (None if r.score is None else r.score.total)
        assert d.incomplete == r.incomplete
        assert d.source is not None
        assert Path(d.source) in files
    chosen = decisions[len(decisions) // 2]
    assert not isinstance(chosen, ItemError)
    assert comparable(chosen.report()) == comparable(native.check(Path(chosen.source or "")))


def test_decide_many_works_on_every_engine_and_passes_errors_through_in_order() -> None:
    given = ItemError.from_exception(ProjectError("Not found.", message_zh="未找到。"), source="gone.toml")
    items: list[Any] = [EXAMPLES[0], {"id": "bad", "name": "x", "land_area": "many mu"}, given, EXAMPLES[1]]
    native = vetter("heshan", "native")
    expected = [native.check(EXAMPLES[0], as_of="2025-06-01").verdict, "error", "error",
                native.check(EXAMPLES[1], as_of="2025-06-01").verdict]  # fmt: skip
    for engine in ("native", "columnar"):
        got = list(vetter("heshan", engine).decide_many(items, as_of="2025-06-01"))
        assert [g.verdict if not isinstance(g, ItemError) else "error" for g in got] == expected
        bad = got[1]
        assert isinstance(bad, ItemError)
        assert bad.index == 1
        assert bad.project_id == "bad"
        assert got[2] is given


def test_decide_many_refuses_one_project_and_a_bad_batch_size() -> None:
    v = vetter("heshan", "columnar")
    with pytest.raises(UsageError, match="iterable"):
        list(v.decide_many(EXAMPLES[0]))  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="batch_size"):
        list(v.decide_many(EXAMPLES, batch_size=0))


def test_one_project_at_a_time_the_columnar_engine_is_the_native_engine() -> None:
    report = vetter("heshan", "columnar").check(EXAMPLES[0])
    assert report.provenance.engine == "columnar"
    assert report.provenance.engine_version
    assert comparable(report) == comparable(vetter("heshan", "native").check(EXAMPLES[0]))


def test_the_cli_runs_the_columnar_engine() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "check", "--engine", "columnar", "--format", "json", str(EXAMPLES[0])],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode in (0, 1), out.stderr
    assert '"engine": "columnar"' in out.stdout


def test_without_numpy_the_engine_is_a_clear_usage_error_and_the_cli_exits_2() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'numpy' or name.startswith('numpy.'):\n"
        "            raise ImportError('blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from heshan_vetting.cli import main\n"
        "raise SystemExit(main(['check', '--engine', 'columnar', 'examples/projects/pv-module-plant.toml']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert "pip install 'heshan-vetting[columnar]'" in out.stderr
    assert "columnar 引擎不可用" in out.stderr


def test_a_batch_of_the_benchmark_pack_matches_native() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import workload
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    v = vetter(str(BENCH_PACK), "columnar")
    items = workload.projects(300, 7)
    projects = [v.project(workload.as_dict(p)) for p in items]
    assert_batch_matches_native(v, projects, date(2025, 6, 1))
    decisions = list(v.decide_many(projects, as_of="2025-06-01"))
    for p, d in zip(items, decisions, strict=True):
        assert not isinstance(d, ItemError)
        assert d.verdict.value == workload.baseline_verdict(p)


# -- properties: generated batches -----------------------------------------------------------------------------------


def _durable_generators() -> tuple[Any, Any]:
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import test_durable
    finally:
        sys.path.remove(str(ROOT / "tests"))
    return test_durable.projects, test_durable.days


PROJECTS, DAYS = _durable_generators()


def _same_batch(pack: str, batch: list[dict[str, Any]], day: date) -> None:
    native = vetter(pack, "native")
    projects: list[Project] = []
    for i, data in enumerate(batch):
        try:
            projects.append(native.project({"id": f"P{i}", "name": "generated", **data}))
        except ProjectError:
            continue
    if not projects:
        return
    assert_batch_matches_native(vetter(pack, "columnar"), projects, day)
    got = list(vetter(pack, "columnar").decide_many(projects, as_of=day))
    for p, d in zip(projects, got, strict=True):
        assert not isinstance(d, ItemError)
        assert d.verdict is native.check(p, as_of=day).verdict


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PROJECTS, min_size=1, max_size=12), DAYS)
def test_generated_batches_get_the_native_results_heshan(batch: list[dict[str, Any]], day: date) -> None:
    _same_batch("heshan", batch, day)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PROJECTS, min_size=1, max_size=12), DAYS)
def test_generated_batches_get_the_native_results_operators(batch: list[dict[str, Any]], day: date) -> None:
    _same_batch(str(OPS_PACK), batch, day)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PROJECTS, min_size=1, max_size=12), DAYS)
def test_generated_batches_get_the_native_results_unknowns(batch: list[dict[str, Any]], day: date) -> None:
    _same_batch(str(UNKNOWNS_PACK), batch, day)


def _constants(pack: CompiledPack) -> list[float]:
    """Every figure a condition may be compared with: thresholds, table values, numbers written in conditions."""
    out: set[float] = set()
    for th in pack.thresholds.values():
        out.update(v for _s, _e, v, _c in th.values)
    for table in pack.tables.values():
        out.update(table.rows.values())
        if table.default is not None:
            out.add(table.default)
    trees = [t for r in pack.rules for t in (r.applies_tree, r.require_tree) if t is not None]
    trees += [t for lb in pack.labels for t in lb.trees]
    for tree in trees:
        stack: list[Any] = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Num):
                out.add(float(node.value))
            for attr in ("left", "right", "operand", "key"):
                if hasattr(node, attr):
                    stack.append(getattr(node, attr))
            stack.extend(getattr(node, "values", ()))
    return sorted(out)


def _near(c: float) -> list[float]:
    """``c`` and the values that test its ties: one ulp, half a rounding step and one step either side (at 4
    decimals, and scaled by 100 and 1/100 for percentages and fractions)."""
    out = []
    for x in (c, c * 100, c / 100, c * 10000):
        out += [x, math.nextafter(x, math.inf), math.nextafter(x, -math.inf)]
        out += [x + d for d in (5e-5, -5e-5, 1e-4, -1e-4, 4.9999e-5, -4.9999e-5, 5.0001e-5, -5.0001e-5)]
    return out


ODD = [0.0, -0.0, 5e-324, 1e-7, 1e307, 1.7e308, -1e307, 123456789012345678901234.0, math.inf, -math.inf, math.nan]
UNKNOWNS: list[Value] = [MISSING, NA, Unknown("error", "division by zero: x is 0")]


def _env_strategy(pack: CompiledPack, odd: bool) -> st.SearchStrategy[Env]:
    numbers = sorted({x for c in _constants(pack) for x in _near(c)} | {0.0, 1.0})
    texts = sorted({m for s in pack.sets.values() for m in (*s.members, *s.prefixes)} | {"c3825", "x", ""})
    texts += sorted({k for t in pack.tables.values() for k in t.rows})
    num = st.one_of(
        st.sampled_from(numbers),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(UNKNOWNS),
        *([st.sampled_from(ODD)] if odd else []),
    )
    kinds = {
        "num": num,
        "str": st.one_of(st.sampled_from(texts), st.sampled_from(UNKNOWNS)),
        "bool": st.one_of(st.booleans(), st.sampled_from(UNKNOWNS)),
        "strs": st.one_of(st.lists(st.sampled_from(texts), min_size=1, max_size=3).map(tuple), st.just(MISSING)),
    }
    fields = {name: kinds.get(vt.kind, st.just(MISSING)) for name, vt in pack.fact_types.items()}
    return st.fixed_dictionaries(fields)  # type: ignore[arg-type]


def _complete(pack: CompiledPack, env: Env, day: date) -> Env:
    """A generated namespace completed as the pipeline completes one: thresholds in force, derived metrics."""
    out = dict(env)
    out.update(thresholds_env(pack, day))
    for d in pack.derived:
        out[d.name] = d.fn(out)
    return out


def _decide_envs_alike(pack_name: str, envs: list[Env], day: date) -> None:
    from heshan_vetting.engines.columnar.vector import Batch

    v = vetter(pack_name, "columnar")
    pack = v.pack
    rules, labels = in_force_on(pack, day)
    full = [_complete(pack, e, day) for e in envs]
    expected: list[Any] = []
    for env in full:
        try:
            expected.append(results(native_decider(pack, rules, labels, env)))
        except Exception as exc:  # NaN or an infinity in a comparison: native raises, and so must the batch
            expected.append(type(exc))

    def decided() -> list[Any]:
        batch = v._pipeline.engine.decide_batch(pack, rules, labels, Batch.from_envs(pack, full))
        return [results(batch.row(i)) for i in range(len(full))]

    if any(isinstance(e, type) for e in expected):
        with pytest.raises(Exception) as info:  # noqa: PT011 - the native engine's own exception, whatever it is
            decided()
        assert info.type in {e for e in expected if isinstance(e, type)}
        return
    assert decided() == expected


@pytest.mark.parametrize("pack_name", ["heshan", str(OPS_PACK), str(UNKNOWNS_PACK), str(BENCH_PACK)])
def test_namespaces_at_every_threshold_tie_are_decided_as_natively(pack_name: str) -> None:
    pack = vetter(pack_name, "columnar").pack

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_env_strategy(pack, odd=False), min_size=1, max_size=16), DAYS)
    def run(envs: list[Env], day: date) -> None:
        _decide_envs_alike(pack_name, envs, day)

    run()


@pytest.mark.parametrize("pack_name", [str(OPS_PACK), str(BENCH_PACK)])
def test_nan_and_infinities_in_a_namespace_are_handled_as_natively(pack_name: str) -> None:
    pack = vetter(pack_name, "columnar").pack

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_env_strategy(pack, odd=True), min_size=1, max_size=4), DAYS)
    def run(envs: list[Env], day: date) -> None:
        _decide_envs_alike(pack_name, envs, day)

    run()


def test_batches_are_decided_by_the_batch_call_not_project_by_project(monkeypatch: pytest.MonkeyPatch) -> None:
    v = Vetter(engine="columnar")
    engine = type(v._pipeline.engine)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("decided one project at a time")

    monkeypatch.setattr(engine, "__call__", refuse)
    reports = list(v.check_many(EXAMPLES))
    decisions = list(v.decide_many(EXAMPLES))
    assert len(reports) == len(decisions) == len(EXAMPLES)
    assert [r.verdict for r in reports] == [d.verdict for d in decisions]  # type: ignore[union-attr]
    with pytest.raises(AssertionError, match="one project at a time"):
        v.check(EXAMPLES[0])


def test_diff_on_columnar_gives_native_flips_and_counts() -> None:
    """The impact analysis over the examples (a batch of 33 under two packs) on columnar: the same JSON as on
    native but for the engine's name, and the flip the what-if pack makes."""
    import json

    def diff(engine: str) -> dict[str, Any]:
        out = subprocess.run(
            [sys.executable, "-m", "heshan_vetting", "diff", "heshan", "examples/what-if/heshan-tax-floor-25.toml",
             "--projects", "examples/projects", "--engine", engine, "--format", "json"],
            capture_output=True, text=True, cwd=ROOT, check=False, encoding="utf-8",
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        data: dict[str, Any] = json.loads(out.stdout)
        return data

    native, columnar = diff("native"), diff("columnar")
    assert columnar.pop("engine") == "columnar"
    assert native.pop("engine") == "native"
    assert columnar == native
    assert [(f["project"]["id"], f["old_verdict"], f["new_verdict"]) for f in native["flips"]] == [
        ("EX-2024-001", "approve", "conditional")
    ]
