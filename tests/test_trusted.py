"""Report models built without validation (``evaluation.trusted``) are the models validation would build.

Every example, case and benchmark project is checked twice: once as the library does it, once with
``trusted.VALIDATE`` on, where each trusted construction is validated and its call checked (every field in
declaration order, nothing changed by validation). The two reports must be equal, with the same repr and JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from heshan_vetting import Vetter
from heshan_vetting.evaluation import trusted
from heshan_vetting.report import Comparison, Finding, Text
from heshan_vetting.terms import Outcome, Severity
from heshan_vetting.testing import load_cases, run_case

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples" / "projects").glob("*.toml"))
CASES = load_cases(ROOT / "tests" / "cases")


def _both(make: Any) -> tuple[Any, Any]:
    fast = make()
    trusted.VALIDATE = True
    try:
        slow = make()
    finally:
        trusted.VALIDATE = False
    return fast, slow


def _same(fast: Any, slow: Any) -> None:
    assert fast == slow
    assert repr(fast) == repr(slow)
    assert fast.to_json() == slow.to_json()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_same_as_validated(path: Path) -> None:
    vetter = Vetter()
    for explain in (False, True):
        fast, slow = _both(lambda explain=explain: vetter.check(path, explain=explain))
        _same(fast, slow)


def test_cases_same_as_validated() -> None:
    vetters: dict[str, Vetter] = {}
    for case in CASES:
        pack = str(case.pack) if case.pack is not None else "heshan"
        vetter = vetters.setdefault(pack, Vetter(pack=pack))
        fast, slow = _both(lambda case=case, vetter=vetter: run_case(case, vetter))
        _same(fast, slow)


def test_benchmark_workload_same_as_validated() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import workload
    finally:
        sys.path.pop(0)
    vetter = Vetter(ROOT / "benchmarks" / "bench_pack.toml", autoload=False)
    for p in workload.projects(60, seed=7):
        fast, slow = _both(lambda p=p: vetter.check(workload.as_dict(p)))
        _same(fast, slow)


def test_checked_mode_catches_a_wrong_call() -> None:
    trusted.VALIDATE = True
    try:
        with pytest.raises(ValidationError):
            trusted.trusted(Text, {"zh": "a", "en": 1})  # validation refuses it
        with pytest.raises(AssertionError, match="validates to"):
            trusted.trusted(
                Comparison,
                {
                    "expression": "x",
                    "op": "<",
                    "actual": 1,
                    "threshold": 2.0,
                    "threshold_name": None,
                    "unit": "",
                    "passed": True,
                    "gap": None,
                },
            )  # fmt: skip  (an int where validation makes a float: the JSON would differ)
        with pytest.raises(AssertionError, match="fields"):
            trusted.trusted(Text, {"en": "a", "zh": "b"})
    finally:
        trusted.VALIDATE = False


def test_trusted_model_behaves_like_validated() -> None:
    t = Text(zh="甲", en="a")
    values = {
        "rule_id": "r", "pack_id": "p", "title": t, "severity": Severity.REQUIRED, "outcome": Outcome.PASS,
        "explanation": t, "comparisons": (), "facts": (), "missing": (), "citation": None, "unverified": False,
        "figure_status": Finding.model_fields["figure_status"].default, "tags": (), "waiver": None,
    }  # fmt: skip
    fast = trusted.trusted(Finding, dict(values))
    slow = Finding(**values)
    assert fast == slow
    assert hash(fast.title) == hash(slow.title)
    assert fast.model_dump() == slow.model_dump()
    assert fast.outcome_text == slow.outcome_text
    with pytest.raises(Exception, match="frozen"):
        fast.rule_id = "s"  # type: ignore[misc]
