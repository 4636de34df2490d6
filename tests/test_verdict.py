"""The verdict is decided in one place: the (severity, outcome) table and ``verdict.decide``."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from heshan_vetting.evaluation.verdict import EFFECTS, Decision, Effect, decide
from heshan_vetting.packs.schema import VerdictDef
from heshan_vetting.report import (
    Citation,
    CitationStatus,
    FactValue,
    Finding,
    IndicatorScore,
    Outcome,
    Score,
    Severity,
    Text,
    Verdict,
)

PKG = Path(__file__).resolve().parents[1] / "src" / "heshan_vetting"
LINES = VerdictDef(
    approve_min=60.0, conditional_min=40.0, citation=Citation(title="test lines", status="local_default")
)


def _f(rule_id: str, severity: Severity, outcome: Outcome, missing: tuple[str, ...] = ()) -> Finding:
    return Finding(
        rule_id=rule_id,
        pack_id="p",
        title=Text(zh=f"标题{rule_id}", en=f"Title {rule_id}"),
        severity=severity,
        outcome=outcome,
        explanation=Text(zh="说明", en="explanation"),
        missing=missing,
    )


def _score(total: float, attainable: float | None = None) -> Score:
    return Score(total=total, attainable=attainable, approve_min=60.0, conditional_min=40.0, indicators=[])


# -- the table ---------------------------------------------------------------------------------


def test_the_table_covers_every_severity_and_outcome() -> None:
    assert set(EFFECTS) == set(itertools.product(Severity, Outcome))


@pytest.mark.parametrize(("severity", "outcome"), list(itertools.product(Severity, Outcome)))
def test_each_entry_is_coherent(severity: Severity, outcome: Outcome) -> None:
    effect = EFFECTS[severity, outcome]
    assert isinstance(effect, Effect)
    # missing is not passing, and an error is never silent (DESIGN.md invariants 3 and 9)
    if outcome is Outcome.ERROR:
        assert effect.incomplete
        assert effect.cap is Verdict.CONDITIONAL
        assert effect.reason is not None
    if outcome in (Outcome.PASS, Outcome.NOT_APPLICABLE):
        assert effect == Effect(Verdict.APPROVE)
    if severity is Severity.ADVISORY and outcome is not Outcome.ERROR:
        assert effect == Effect(Verdict.APPROVE)
    if effect.cap is not Verdict.APPROVE:
        assert effect.reason is not None  # every cap says why
    assert effect.missing == (outcome is Outcome.INSUFFICIENT_DATA and severity is not Severity.ADVISORY)


def test_only_a_failed_veto_rejects() -> None:
    rejecting = [k for k, e in EFFECTS.items() if e.cap is Verdict.REJECT]
    assert rejecting == [(Severity.VETO, Outcome.FAIL)]


# -- nothing else caps a verdict ---------------------------------------------------------------

_ALLOWED = {"verdict.py", "report.py"}  # the decision, and the model that declares Verdict


def _verdict_members_assigned(source: str, name: str) -> list[str]:
    """``Verdict.X`` used as a value (not compared with ``is``/``==``/``in``, nor a dict key of a renderer)."""
    tree = ast.parse(source)
    compared: set[int] = set()
    keys: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for sub in ast.walk(node):
                compared.add(id(sub))
        elif isinstance(node, ast.Dict):
            for k in node.keys:
                if k is not None:
                    keys.add(id(k))
    hits = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Verdict"
            and node.attr in ("APPROVE", "CONDITIONAL", "REJECT")
            and id(node) not in compared
            and id(node) not in keys
        ):
            hits.append(f"{name}:{node.lineno} Verdict.{node.attr}")
    return hits


def test_no_other_module_caps_a_verdict() -> None:
    offenders = [
        hit
        for path in sorted(PKG.rglob("*.py"))
        if path.name not in _ALLOWED and "render" not in path.relative_to(PKG).parts
        for hit in _verdict_members_assigned(path.read_text(encoding="utf-8"), str(path.relative_to(PKG)))
    ]
    assert offenders == []


def test_the_grep_finds_a_cap() -> None:
    # the check above would see the old ``verdict = Verdict.CONDITIONAL if ... else ...`` in _plugin_run
    src = "verdict = Verdict.CONDITIONAL if report.verdict is Verdict.APPROVE else report.verdict\n"
    assert _verdict_members_assigned(src, "m.py") == ["m.py:1 Verdict.CONDITIONAL"]
    assert _verdict_members_assigned("ok = verdict in (Verdict.CONDITIONAL, Verdict.REJECT)\n", "m.py") == []


def test_only_the_verdict_module_defines_decide() -> None:
    defined = [
        str(p.relative_to(PKG))
        for p in PKG.rglob("*.py")
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name in ("decide", "_by_score")
    ]
    assert sorted(defined) == ["evaluation/verdict.py", "evaluation/verdict.py"]


# -- decide on small hand-made findings --------------------------------------------------------


def test_nothing_found_approves() -> None:
    d = decide([])
    assert d == Decision(Verdict.APPROVE, [], [], [], False)


def test_passes_and_advisory_failures_approve() -> None:
    d = decide(
        [
            _f("V1", Severity.VETO, Outcome.PASS),
            _f("R1", Severity.REQUIRED, Outcome.NOT_APPLICABLE),
            _f("A1", Severity.ADVISORY, Outcome.FAIL),
            _f("A2", Severity.ADVISORY, Outcome.INSUFFICIENT_DATA, ("x",)),
        ],
        _score(75.0),
        LINES,
    )
    assert d == Decision(Verdict.APPROVE, [], [], [], False)


def test_a_failed_veto_rejects_whatever_the_score() -> None:
    d = decide([_f("V1", Severity.VETO, Outcome.FAIL), _f("R1", Severity.REQUIRED, Outcome.FAIL)], _score(99.0), LINES)
    assert d.verdict is Verdict.REJECT
    assert [r.en for r in d.reasons] == ["Veto: V1 Title V1.", "Must be fixed: R1 Title R1."]
    assert [r.zh for r in d.reasons] == ["一票否决：V1 标题V1。", "须整改：R1 标题R1。"]
    assert d.conditions == ["R1"]  # a failed veto is no condition: it cannot be fixed into the agreement
    assert not d.incomplete


def test_missing_data_defers_and_names_the_fields_once() -> None:
    d = decide(
        [
            _f("V1", Severity.VETO, Outcome.INSUFFICIENT_DATA, ("a", "b")),
            _f("R1", Severity.REQUIRED, Outcome.INSUFFICIENT_DATA, ("b", "c")),
            _f("R1", Severity.REQUIRED, Outcome.FAIL),
        ],
        _score(80.0),
        LINES,
    )
    assert d.verdict is Verdict.DEFERRED
    assert d.conditions == ["R1"]  # only what can be written as a condition: the failed required rule
    assert d.missing_fields == ["a", "b", "c"]
    assert d.supply == {"a": [("V1", "veto")], "b": [("V1", "veto"), ("R1", "required")], "c": [("R1", "required")]}
    assert [r.en for r in d.reasons] == [
        "Veto V1 cannot be decided for lack of data (a, b).",
        "Required rule R1 lacks data (b, c).",
        "Must be fixed: R1 Title R1.",
    ]
    assert d.reasons[0].zh == "否决项 V1 因缺少数据无法判断（a、b）。"
    assert not d.incomplete


def test_errors_are_incomplete_and_advisory_errors_are_no_condition() -> None:
    d = decide([_f("A1", Severity.ADVISORY, Outcome.ERROR), _f("R1", Severity.REQUIRED, Outcome.ERROR)])
    assert d.verdict is Verdict.CONDITIONAL
    assert d.incomplete
    assert d.conditions == ["R1"]
    assert [r.en for r in d.reasons] == [
        "A1 could not be evaluated; the result is incomplete.",
        "R1 could not be evaluated; the result is incomplete.",
    ]


@pytest.mark.parametrize(
    ("total", "attainable", "verdict", "reasons"),
    [
        (60.0, None, Verdict.APPROVE, []),
        (59.99, None, Verdict.CONDITIONAL, ["Score 59.99 is below the approval line of 60."]),
        (40.0, None, Verdict.CONDITIONAL, ["Score 40 is below the approval line of 60."]),
        (39.99, None, Verdict.REJECT, ["Score 39.99 is below the conditional line of 40."]),
        (
            30.0,
            70.0,
            Verdict.DEFERRED,
            ["Score 30 has indicators without data; with them it could reach 70, so the decision is deferred."],
        ),
        (
            45.0,
            65.0,
            Verdict.DEFERRED,
            ["Score 45 has indicators without data; with them it could reach 65, so the decision is deferred."],
        ),
        (30.0, 35.0, Verdict.REJECT, ["Score 30 is below the conditional line of 40."]),
    ],
)
def test_the_score_decides_between_the_lines(
    total: float, attainable: float | None, verdict: Verdict, reasons: list[str]
) -> None:
    d = decide([], _score(total, attainable), LINES)
    assert d.verdict is verdict
    assert [r.en for r in d.reasons] == reasons


def test_a_score_without_lines_decides_nothing() -> None:
    assert decide([], _score(0.0), None).verdict is Verdict.APPROVE


def test_broken_indicators_cap_at_conditional_after_the_score_reasons() -> None:
    d = decide([], _score(50.0), LINES, broken_indicators=["i1", "i2"])
    assert d.verdict is Verdict.CONDITIONAL
    assert d.incomplete
    assert [r.en for r in d.reasons] == [
        "Score 50 is below the approval line of 60.",
        "Scoring indicator(s) i1, i2 could not be computed (scored 0); the result is incomplete.",
    ]
    assert d.reasons[1].zh == "评分指标 i1、i2 无法计算（按 0 分计），结论不完整。"
    # a reject stays a reject
    assert decide([], _score(10.0), LINES, broken_indicators=["i1"]).verdict is Verdict.REJECT


def test_failed_observers_extend_a_prior_decision() -> None:
    prior = decide([_f("R1", Severity.REQUIRED, Outcome.INSUFFICIENT_DATA, ("a",))])
    d = decide([], failed_observers=["p1", "p2"], prior=prior)
    assert d.verdict is Verdict.DEFERRED
    assert d.incomplete
    assert d.conditions == []
    assert d.missing_fields == ["a"]
    assert d.supply == {"a": [("R1", "required")]}
    assert [r.en for r in d.reasons] == [
        "Required rule R1 lacks data (a).",
        "Plugin(s) p1, p2 failed on the finished report; the result is incomplete.",
    ]
    assert d.reasons[1].zh == "插件 p1、p2 处理报告时出错，结论不完整。"
    approved = decide([], failed_observers=["p"], prior=Decision())
    assert approved.verdict is Verdict.CONDITIONAL
    rejected = decide([], failed_observers=["p"], prior=Decision(Verdict.REJECT))
    assert rejected.verdict is Verdict.REJECT


def test_the_verdict_is_the_worst_of_every_cap_in_any_order() -> None:
    findings = [_f(f"R{i}", s, o) for i, (s, o) in enumerate(itertools.product(Severity, Outcome))]
    for perm in itertools.islice(itertools.permutations(findings), 50):
        assert decide(list(perm), _score(70.0), LINES).verdict is Verdict.REJECT
    for f in findings:
        assert decide([f]).verdict is max(Verdict.APPROVE, EFFECTS[f.severity, f.outcome].cap, key=lambda v: v.rank)


def test_a_score_missing_data_that_could_not_change_the_verdict_decides() -> None:
    # 30 + 5 pending stays below the conditional line: the project is rejected on the score, not deferred
    d = decide([], _score(30.0, 35.0), LINES)
    assert d.verdict is Verdict.REJECT
    assert d.supply == {}


def _indicator(iid: str, outcome: Outcome, missing: tuple[str, ...] = ()) -> IndicatorScore:
    value = 1.0 if outcome is Outcome.PASS else None
    return IndicatorScore(
        id=iid, title=Text(zh=iid, en=iid), value=value, weight=1.0, floor=0.0, target=1.0,
        points=100.0 if value else 0.0, outcome=outcome, missing=missing,
    )  # fmt: skip


def test_a_score_on_too_few_indicators_waiting_for_data_defers() -> None:
    score = Score(
        total=100.0, approve_min=60.0, conditional_min=40.0, scored=1, min_indicators=2, meaningful=False,
        indicators=[
            _indicator("fit", Outcome.PASS), _indicator("tax", Outcome.INSUFFICIENT_DATA, ("occupied_land_area",))
        ],
    )  # fmt: skip
    d = decide([], score, LINES)
    assert d.verdict is Verdict.DEFERRED  # never approve on one indicator
    assert d.supply == {"occupied_land_area": [("tax", "score")]}
    assert [r.en for r in d.reasons] == [
        "The score rests on 1 indicator(s) with data (the pack needs at least 2), so it is not meaningful; "
        "the decision waits for their data."
    ]


def test_a_score_on_too_few_indicators_with_nothing_to_wait_for_decides_nothing() -> None:
    score = Score(
        total=10.0, approve_min=60.0, conditional_min=40.0, scored=1, min_indicators=2, meaningful=False,
        indicators=[_indicator("fit", Outcome.PASS), _indicator("tax", Outcome.NOT_APPLICABLE)],
    )  # fmt: skip
    d = decide([], score, LINES)
    assert d.verdict is Verdict.APPROVE  # a score of 10 on one indicator does not reject either
    assert d.reasons[0].zh.endswith("不具参考意义，结论不以评分为依据。")
    assert decide([_f("R1", Severity.REQUIRED, Outcome.FAIL)], score, LINES).verdict is Verdict.CONDITIONAL


def test_an_unverified_figure_reports_but_does_not_decide() -> None:
    weak = _f("V1", Severity.VETO, Outcome.FAIL).model_copy(update={"figure_status": CitationStatus.UNVERIFIED})
    d = decide([weak])
    assert d.verdict is Verdict.APPROVE
    assert [r.zh for r in d.reasons] == ["V1 未通过，但其依据数值未经核实，仅作提示，不影响结论。"]
    missing = _f("R1", Severity.REQUIRED, Outcome.INSUFFICIENT_DATA, ("a",))
    d = decide([missing.model_copy(update={"figure_status": CitationStatus.UNVERIFIED})])
    assert d.verdict is Verdict.APPROVE  # no data is asked for a rule that could not decide anyway
    assert d.supply == {}
    # draft and local_default figures are local choices: they decide
    for status in (CitationStatus.DRAFT, CitationStatus.LOCAL_DEFAULT, CitationStatus.PARTIAL):
        assert decide([weak.model_copy(update={"figure_status": status})]).verdict is Verdict.REJECT


def test_an_implausible_figure_defers_until_confirmed() -> None:
    slip = _f("DQ1", Severity.REQUIRED, Outcome.FAIL).model_copy(
        update={
            "tags": ("data-quality",),
            "facts": (FactValue(name="investment_intensity", title=Text(zh="投资强度", en="x"), value=1e6),),
        }
    )
    d = decide([slip], _score(100.0), LINES)
    assert d.verdict is Verdict.DEFERRED  # not approved on a slip of units, and not a condition to write
    assert d.conditions == []
    assert d.supply == {"investment_intensity": [("DQ1", "data-quality")]}
    assert d.reasons[0].zh.startswith("请核实：DQ1")
    # an advisory data check (e.g. energy below its own electricity) only reports
    assert decide([slip.model_copy(update={"severity": Severity.ADVISORY})]).verdict is Verdict.APPROVE
    # a failed veto still rejects
    assert decide([slip, _f("V1", Severity.VETO, Outcome.FAIL)]).verdict is Verdict.REJECT
