"""The data-driven case corpus in ``tests/cases/``, run by the public case runner.

Each folder is one case (``project.toml``, ``expected.toml``, optionally its own ``pack.toml``); the
format is documented on :class:`heshan_vetting.testing.Case`, and ``load_cases`` / ``check_case`` run it,
so pack authors can keep cases beside their own packs the same way. Every case runs on both engines (the
conformance corpus): ``native`` and ``durable`` (durable-rules); the durable runs are skipped, with the
reason shown, where durable-rules cannot be loaded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from heshan_vetting import CitationStatus, Outcome, Report, Verdict, Vetter
from heshan_vetting.engines.durable.host import unavailable_reason
from heshan_vetting.testing import Case, check_case, load_cases, run_case

CASES = Path(__file__).parent / "cases"
CASE_LIST = load_cases(CASES)
CASE_DIRS = [c.folder for c in CASE_LIST]


DURABLE_MISSING = unavailable_reason()
ENGINES = [
    pytest.param("native"),
    pytest.param(
        "durable",
        marks=[
            pytest.mark.durable,
            pytest.mark.skipif(DURABLE_MISSING is not None, reason=f"durable engine: {DURABLE_MISSING}"),
        ],
    ),
]


@cache
def _vetter(pack: str, engine: str = "native") -> Vetter:
    return Vetter(pack=pack, engine=engine)


def _case_vetter(case: Case, engine: str) -> Vetter:
    return _vetter(str(case.pack) if case.pack is not None else "heshan", engine)


def _run(case: Case, engine: str = "native") -> Report:
    return run_case(case, _case_vetter(case, engine))


def test_corpus_is_large_enough_and_covers_every_outcome_and_verdict() -> None:
    assert len(CASE_LIST) >= 12
    outcomes: set[str] = set()
    verdicts: set[str] = set()
    for case in CASE_LIST:
        outcomes.update(case.expected["outcomes"].values())
        verdicts.add(case.expected["verdict"])
    assert outcomes == {o.value for o in Outcome}
    assert verdicts == {v.value for v in Verdict}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_case(case: Case, engine: str) -> None:
    report = check_case(case, _case_vetter(case, engine))
    assert report.provenance.engine == engine


def test_a_wrong_expectation_is_reported_expected_against_actual(tmp_path: Path) -> None:
    """The public runner names every difference, so a pack author sees what changed."""
    case = CASE_LIST[0]
    wrong = Case(case.name, case.folder, {**case.expected, "verdict": "reject", "outcomes": {"NO-SUCH": "pass"}})
    with pytest.raises(AssertionError) as err:
        check_case(wrong, _case_vetter(case, "native"))
    message = str(err.value)
    assert "verdict: expected 'reject', got 'approve'" in message
    assert "outcome of NO-SUCH: expected 'pass', got '(no finding)'" in message
    assert "outcome of HS-2H-001: expected '(no finding)', got 'not_applicable'" in message


def test_a_misspelt_expectation_key_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "c1"
    folder.mkdir()
    (folder / "expected.toml").write_text('verdict = "approve"\noutcome = {}\n', encoding="utf-8")
    with pytest.raises(AssertionError, match="unknown keys \\['outcome'\\]"):
        load_cases(tmp_path)


def test_cases_share_packs_named_in_expected_toml(tmp_path: Path) -> None:
    shared = tmp_path / "_packs"
    shared.mkdir()
    (shared / "p.toml").write_text("# a shared pack\n", encoding="utf-8")
    for name in ("c1", "c2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "expected.toml").write_text(
            'pack = "../_packs/p.toml"\nverdict = "approve"\noutcomes = { R = "pass" }\n', encoding="utf-8"
        )
    cases = load_cases(tmp_path)
    assert [c.name for c in cases] == ["c1", "c2"]  # _packs is not a case
    assert {c.pack for c in cases} == {(shared / "p.toml").resolve()}
    assert [c.pack for c in CASE_LIST if c.name.startswith("18-")] == [(CASES / "_packs" / "ops.toml").resolve()]


def test_a_shared_pack_must_exist_and_not_compete_with_an_own_pack(tmp_path: Path) -> None:
    (tmp_path / "c1").mkdir()
    (tmp_path / "c1" / "expected.toml").write_text(
        'pack = "../nowhere.toml"\nverdict = "approve"\noutcomes = { R = "pass" }\n', encoding="utf-8"
    )
    with pytest.raises(AssertionError, match=r"the pack '\.\./nowhere\.toml' is not a file"):
        load_cases(tmp_path)
    (tmp_path / "c1" / "pack.toml").write_text("", encoding="utf-8")
    with pytest.raises(AssertionError, match=r"both its own pack\.toml and 'pack' are given"):
        load_cases(tmp_path)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_case_invariants(case: Case, engine: str) -> None:
    """Whatever the case, the verdict rules of the design hold for its report."""
    report = _run(case, engine)
    deciding = [f for f in report.findings if f.figure_status is not CitationStatus.UNVERIFIED]  # invariant 11
    vetoes = [f for f in deciding if f.severity.value == "veto"]
    if any(f.outcome is Outcome.FAIL for f in vetoes):
        assert report.verdict is Verdict.REJECT
    if report.incomplete:
        assert report.verdict is not Verdict.APPROVE
    assert report.incomplete == any(f.outcome is Outcome.ERROR for f in report.findings)
    undecided = [
        f for f in deciding if f.severity.value in ("veto", "required") and f.outcome is Outcome.INSUFFICIENT_DATA
    ]
    if undecided and report.out_of_scope is None:  # missing data defers the decision (unless a veto rejects)
        assert report.verdict in (Verdict.DEFERRED, Verdict.REJECT)
    if report.verdict is Verdict.DEFERRED and report.out_of_scope is None:  # what to supply, and who needs it
        assert report.to_supply
        needing = {r for s in report.to_supply for r in s.rules}
        assert {f.rule_id for f in undecided} <= needing
    for f in deciding:
        if report.out_of_scope is not None:
            break  # outside the pack's scope nothing is asked of the project
        if "data-quality" in f.tags and f.outcome is Outcome.FAIL:
            assert f.rule_id not in report.conditions  # to confirm or correct, not a condition to write
            assert report.verdict in (Verdict.DEFERRED, Verdict.REJECT)
        elif f.severity.value == "required" and f.outcome in (Outcome.FAIL, Outcome.ERROR):
            assert f.rule_id in report.conditions
            assert report.verdict is not Verdict.APPROVE
        if f.outcome is Outcome.INSUFFICIENT_DATA:
            assert f.rule_id not in report.conditions  # to supply, not a condition to write
    if report.out_of_scope is not None:
        assert report.verdict in (Verdict.DEFERRED, Verdict.REJECT)
        assert report.score is None
    if report.referrals:
        assert report.verdict is not Verdict.APPROVE
