"""The data-driven case corpus in ``tests/cases/``.

Each folder is one case:

* ``project.toml`` — the project, as a user writes it;
* ``pack.toml`` (optional) — the rule pack to vet against; without it the shipped default pack ``heshan``;
* ``expected.toml`` — what the report must say:

  ``verdict`` (required), ``outcomes`` (required: a table rule_id → outcome that must equal the report's
  findings exactly, so a rule that appears or disappears is noticed), and optionally ``description``,
  ``score`` (the total), ``as_of`` (a date passed as ``as_of=``), ``as_of_source``, ``incomplete``,
  ``conditions`` and ``missing_fields`` (exact lists), ``rules_not_in_force`` (exact list of rule ids),
  ``reasons_contain`` (substrings each found in some Chinese reason) and ``explanations``
  (rule_id → a substring of that finding's Chinese explanation).

Unknown keys in ``expected.toml`` are errors, so a misspelt expectation never passes silently.

Every case runs on both engines (the conformance corpus): ``native`` and ``durable`` (durable-rules); the durable
runs are skipped, with the reason shown, where durable-rules cannot be loaded.
"""

from __future__ import annotations

import sys
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import Outcome, Report, Verdict, Vetter
from heshan_vetting._durable import unavailable_reason

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES = Path(__file__).parent / "cases"
CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())
KNOWN_KEYS = {
    "description",
    "verdict",
    "score",
    "as_of",
    "as_of_source",
    "incomplete",
    "conditions",
    "missing_fields",
    "rules_not_in_force",
    "reasons_contain",
    "outcomes",
    "explanations",
}


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


def _expected(case: Path) -> dict[str, Any]:
    with (case / "expected.toml").open("rb") as fh:
        data = tomllib.load(fh)
    unknown = set(data) - KNOWN_KEYS
    assert not unknown, f"{case.name}/expected.toml: unknown keys {sorted(unknown)}"
    assert "verdict" in data, f"{case.name}/expected.toml: 'verdict' is required"
    assert data.get("outcomes"), f"{case.name}/expected.toml: 'outcomes' is required"
    return data


def _run(case: Path, expected: dict[str, Any], engine: str = "native") -> Report:
    pack_file = case / "pack.toml"
    vetter = _vetter(str(pack_file) if pack_file.exists() else "heshan", engine)
    as_of = expected.get("as_of")
    if as_of is not None:
        assert isinstance(as_of, date), f"{case.name}: as_of must be a TOML date"
    return vetter.check(case / "project.toml", as_of=as_of)


def test_corpus_is_large_enough_and_covers_every_outcome_and_verdict() -> None:
    assert len(CASE_DIRS) >= 12
    outcomes: set[str] = set()
    verdicts: set[str] = set()
    for case in CASE_DIRS:
        data = _expected(case)
        outcomes.update(data["outcomes"].values())
        verdicts.add(data["verdict"])
    assert outcomes == {o.value for o in Outcome}
    assert verdicts == {v.value for v in Verdict}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_case(case: Path, engine: str) -> None:
    expected = _expected(case)
    report = _run(case, expected, engine)
    where = f"{case.name} ({engine})"
    assert report.provenance.engine == engine, where

    got_outcomes = {f.rule_id: f.outcome.value for f in report.findings}
    assert got_outcomes == expected["outcomes"], where
    assert report.verdict.value == expected["verdict"], where

    if "score" in expected:
        assert report.score is not None, where
        assert report.score.total == pytest.approx(expected["score"], abs=1e-9), where
    if "as_of" in expected:
        assert report.provenance.as_of == expected["as_of"], where
    if "as_of_source" in expected:
        assert report.provenance.as_of_source == expected["as_of_source"], where
    if "incomplete" in expected:
        assert report.incomplete is expected["incomplete"], where
    if "conditions" in expected:
        assert list(report.conditions) == expected["conditions"], where
    if "missing_fields" in expected:
        assert list(report.missing_fields) == expected["missing_fields"], where
    if "rules_not_in_force" in expected:
        skipped = [s.id for s in report.not_in_force if s.kind == "rule"]
        assert skipped == expected["rules_not_in_force"], where
    for fragment in expected.get("reasons_contain", []):
        reasons = [r.zh for r in report.reasons]
        assert any(fragment in r for r in reasons), f"{where}: {fragment!r} not in {reasons}"
    by_id = {f.rule_id: f for f in report.findings}
    for rule_id, fragment in expected.get("explanations", {}).items():
        text = by_id[rule_id].explanation.zh
        assert fragment in text, f"{where}: {rule_id}: {fragment!r} not in {text!r}"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_case_invariants(case: Path, engine: str) -> None:
    """Whatever the case, the verdict rules of the design hold for its report."""
    report = _run(case, _expected(case), engine)
    vetoes = [f for f in report.findings if f.severity.value == "veto"]
    if any(f.outcome is Outcome.FAIL for f in vetoes):
        assert report.verdict is Verdict.REJECT
    if report.incomplete or any(f.outcome is Outcome.INSUFFICIENT_DATA for f in vetoes):
        assert report.verdict is not Verdict.APPROVE
    assert report.incomplete == any(f.outcome is Outcome.ERROR for f in report.findings)
    for f in report.findings:
        if f.severity.value == "required" and f.outcome in (Outcome.FAIL, Outcome.INSUFFICIENT_DATA, Outcome.ERROR):
            assert f.rule_id in report.conditions
            assert report.verdict is not Verdict.APPROVE
