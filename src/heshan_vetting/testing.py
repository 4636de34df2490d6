"""Helpers for testing plugins (opt-in: nothing imports this module but your tests).

Build a Vetter with only your plugin next to the built-ins, run a project through it and assert on
its findings::

    from heshan_vetting.testing import assert_finding, make_vetter, sample_project

    def test_blacklisted_applicant_is_rejected():
        vetter = make_vetter(MyPlugin(), options={"my_list": "list.csv"})
        report = vetter.check(sample_project(applicant_credit_code="91350100M000100Y43"))
        assert_finding(report, "my.check", outcome="fail", severity="veto")
        assert report.verdict == "reject"

With pytest, ``pytest_plugins = ["heshan_vetting.testing"]`` in a ``conftest.py`` also gives the
``heshan_make_vetter`` and ``heshan_sample_project`` fixtures.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from heshan_vetting.plugins import ENTRY_POINT_GROUP, PluginInfo
from heshan_vetting.report import Finding, Outcome, Report, Severity
from heshan_vetting.vetter import DEFAULT_PACK, Vetter

__all__ = [
    "CASE_KEYS",
    "Case",
    "assert_finding",
    "assert_no_errors",
    "check_case",
    "entry_point_names",
    "finding",
    "fuzz_examples",
    "load_cases",
    "make_vetter",
    "plugin_info",
    "run_case",
    "sample_project",
]

_SAMPLE: dict[str, Any] = {
    # a complete project that the shipped Heshan pack approves (figures are synthetic)
    "id": "TEST-0001",
    "name": "测试光伏组件项目",
    "applicant": "测试新能源有限公司",
    "industry_code": "C3825",
    "products": ["光伏组件"],
    "construction_type": "new",
    "catalogue_class": "encouraged",
    "application_date": "2024-05-20",
    "total_investment": "12.5 亿元",
    "fixed_asset_investment": "10.2 亿元",
    "land_area": "180 亩",
    "annual_output": "30 亿元",
    "annual_tax": "4200 万元",
    # below the provincial energy-review tier (10,000 tce), so no referral keeps it from approve
    "energy_consumption": "0.45 万吨标准煤",
    "electricity_consumption": "3000 万千瓦时",
    "plot_ratio": 1.35,
    "building_coefficient": "52%",
    "green_ratio": "10%",
    "admin_living_share": "5.5%",
    "employees": 1200,
    "rd_share": "3.5%",
}


#: Environment variable that multiplies the number of examples of the property-based (fuzz) tests.
ENV_FUZZ_SCALE = "HESHAN_FUZZ_SCALE"


def fuzz_examples(n: int) -> int:
    """How many examples a property-based test should try: ``n`` times ``$HESHAN_FUZZ_SCALE`` (default 1).

    The test suite keeps ``n`` small so CI stays fast; ``nox -s fuzz`` sets the scale for a long campaign::

        @settings(max_examples=fuzz_examples(200), deadline=None)
    """
    raw = os.environ.get(ENV_FUZZ_SCALE, "").strip()
    try:
        scale = int(raw) if raw else 1
    except ValueError:
        scale = 1
    return max(1, n * max(1, scale))


def sample_project(**overrides: Any) -> dict[str, Any]:
    """A complete project dict (synthetic figures) that the shipped ``heshan`` pack approves.

    Keyword arguments replace or add fields; a value of ``None`` removes the field.
    """
    data = dict(_SAMPLE)
    data["application_date"] = date.fromisoformat(_SAMPLE["application_date"])
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def make_vetter(
    *plugins: object,
    pack: str | Path = DEFAULT_PACK,
    options: Mapping[str, Any] | None = None,
    disable_plugins: Iterable[str] = (),
    strict: bool = False,
    autoload: bool = False,
    **kwargs: Any,
) -> Vetter:
    """A Vetter with the built-ins and ``plugins`` only.

    Entry-point plugins are not loaded unless ``autoload=True``, so other installed plugins cannot
    change what your test sees. Other keyword arguments go to :class:`~heshan_vetting.Vetter`.
    """
    return Vetter(
        pack,
        plugins=list(plugins),
        options=options,
        disable_plugins=disable_plugins,
        strict=strict,
        autoload=autoload,
        **kwargs,
    )


def finding(report: Report, rule_id: str) -> Finding:
    """The finding of ``rule_id``; an ``AssertionError`` listing the ids present if there is none."""
    for f in report.findings:
        if f.rule_id == rule_id:
            return f
    ids = ", ".join(f.rule_id for f in report.findings)
    raise AssertionError(f"no finding {rule_id!r} in the report; findings: {ids}")


def assert_finding(
    report: Report,
    rule_id: str,
    *,
    outcome: Outcome | str | None = None,
    severity: Severity | str | None = None,
    explanation_contains: str | None = None,
    plugin: str | None = None,
) -> Finding:
    """Assert that ``report`` has the finding ``rule_id`` with these properties; return it.

    :param explanation_contains: a text that must occur in the Chinese or the English explanation.
    :param plugin: the plugin that must have produced it (its ``pack_id`` is ``plugin:NAME``).
    """
    f = finding(report, rule_id)
    problems: list[str] = []
    if outcome is not None and f.outcome is not Outcome(outcome):
        problems.append(f"outcome is {f.outcome.value!r}, expected {Outcome(outcome).value!r}")
    if severity is not None and f.severity is not Severity(severity):
        problems.append(f"severity is {f.severity.value!r}, expected {Severity(severity).value!r}")
    if explanation_contains is not None and not (
        explanation_contains in f.explanation.zh or explanation_contains in f.explanation.en
    ):
        problems.append(f"explanation does not contain {explanation_contains!r}: {f.explanation.en!r}")
    if plugin is not None and f.pack_id != f"plugin:{plugin}":
        problems.append(f"produced by {f.pack_id!r}, expected plugin:{plugin}")
    if problems:
        raise AssertionError(f"finding {rule_id!r}: " + "; ".join(problems))
    return f


def assert_no_errors(report: Report) -> None:
    """Assert that no finding of ``report`` is an ``error`` (and the report is not incomplete)."""
    errors = [f"{f.rule_id}: {f.explanation.en}" for f in report.findings if f.outcome is Outcome.ERROR]
    if errors or report.incomplete:
        raise AssertionError("the report has error findings: " + "; ".join(errors or ["(incomplete)"]))


def entry_point_names() -> list[str]:
    """Names of the installed plugins in the ``heshan_vetting`` entry-point group."""
    return sorted(ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP))


def plugin_info(vetter: Vetter, name: str) -> PluginInfo:
    """The :class:`~heshan_vetting.plugins.PluginInfo` of plugin ``name`` in ``vetter``."""
    for info in vetter.plugins:
        if info.name == name:
            return info
    raise AssertionError(f"no plugin {name!r}; plugins: {', '.join(i.name for i in vetter.plugins)}")


# -- rule cases: a folder per case (project + expected outcome), as in tests/cases -----------------------

#: The keys an ``expected.toml`` may hold (anything else is an error, so a misspelt expectation never passes).
CASE_KEYS = frozenset(
    {
        "description",
        "pack",
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
        "referrals",
        "out_of_scope",
    }
)


@dataclass(frozen=True)
class Case:
    """One rule case: a folder with ``project.toml``, ``expected.toml`` and optionally its own ``pack.toml``.

    Cases that share a pack name it instead: ``pack = "../_packs/ops.toml"`` in ``expected.toml`` (a path
    relative to the case folder; :func:`load_cases` skips folders whose names start with ``_``, so shared
    packs can live beside the cases). ``expected.toml`` holds ``verdict`` and ``outcomes`` (rule id →
    outcome, compared exactly, so a rule that appears or disappears is noticed), and optionally
    ``description``, ``score``, ``as_of`` (a date passed to the check), ``as_of_source``, ``incomplete``,
    ``conditions``, ``missing_fields``,
    ``rules_not_in_force`` (exact lists), ``reasons_contain`` (substrings each found in a Chinese reason)
    and ``explanations`` (rule id → a substring of that finding's Chinese explanation).
    """

    name: str
    folder: Path
    expected: Mapping[str, Any]

    @property
    def project(self) -> Path:
        """The case's project file."""
        return self.folder / "project.toml"

    @property
    def pack(self) -> Path | None:
        """The case's pack file (named in ``expected.toml``, or its own ``pack.toml``); ``None``: the default pack."""
        if "pack" in self.expected:
            return (self.folder / str(self.expected["pack"])).resolve()
        pack = self.folder / "pack.toml"
        return pack if pack.exists() else None


def load_cases(directory: str | Path) -> list[Case]:
    """Every case folder under ``directory`` (sorted by name); raises ``AssertionError`` for a malformed one."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    cases = []
    for folder in sorted(p for p in Path(directory).iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        with (folder / "expected.toml").open("rb") as fh:
            data = tomllib.load(fh)
        unknown = set(data) - CASE_KEYS
        assert not unknown, f"{folder.name}/expected.toml: unknown keys {sorted(unknown)}"
        assert "verdict" in data, f"{folder.name}/expected.toml: 'verdict' is required"
        assert data.get("outcomes"), f"{folder.name}/expected.toml: 'outcomes' is required"
        assert "as_of" not in data or isinstance(data["as_of"], date), f"{folder.name}: as_of must be a TOML date"
        if "pack" in data:
            assert isinstance(data["pack"], str), f"{folder.name}/expected.toml: 'pack' must be a path (text)"
            assert not (folder / "pack.toml").exists(), f"{folder.name}: both its own pack.toml and 'pack' are given"
            shared = folder / data["pack"]
            assert shared.is_file(), f"{folder.name}/expected.toml: the pack {data['pack']!r} is not a file"
        cases.append(Case(folder.name, folder, data))
    return cases


def run_case(case: Case, vetter: Vetter) -> Report:
    """The report of ``case`` from ``vetter`` (at the case's ``as_of`` date, if it gives one)."""
    return vetter.check(case.project, as_of=case.expected.get("as_of"))


def check_case(case: Case, vetter: Vetter) -> Report:
    """Run ``case`` and raise ``AssertionError`` listing every way the report differs from ``expected.toml``."""
    report = run_case(case, vetter)
    exp = case.expected
    problems: list[str] = []

    def same(what: str, expected: Any, actual: Any) -> None:
        if expected != actual:
            problems.append(f"{what}: expected {expected!r}, got {actual!r}")

    outcomes = {f.rule_id: f.outcome.value for f in report.findings}
    for rule_id in sorted(set(outcomes) | set(exp["outcomes"])):
        same(
            f"outcome of {rule_id}", exp["outcomes"].get(rule_id, "(no finding)"), outcomes.get(rule_id, "(no finding)")
        )
    same("verdict", exp["verdict"], report.verdict.value)
    if "score" in exp:
        total = report.score.total if report.score is not None else None
        if total is None or abs(total - float(exp["score"])) > 1e-9:
            problems.append(f"score: expected {exp['score']!r}, got {total!r}")
    if "as_of" in exp:
        same("as_of", exp["as_of"], report.provenance.as_of)
    if "as_of_source" in exp:
        same("as_of_source", exp["as_of_source"], report.provenance.as_of_source)
    if "incomplete" in exp:
        same("incomplete", exp["incomplete"], report.incomplete)
    if "conditions" in exp:
        same("conditions", exp["conditions"], list(report.conditions))
    if "missing_fields" in exp:
        same("missing_fields", exp["missing_fields"], list(report.missing_fields))
    if "rules_not_in_force" in exp:
        same("rules_not_in_force", exp["rules_not_in_force"], [s.id for s in report.not_in_force if s.kind == "rule"])
    if "referrals" in exp:  # ids in report order; "?" marks one that may be due (data missing to tell)
        same("referrals", exp["referrals"], [r.id + ("?" if r.missing else "") for r in report.referrals])
    if "out_of_scope" in exp:
        same("out_of_scope", exp["out_of_scope"], report.out_of_scope is not None)
    reasons = [r.zh for r in report.reasons]
    for fragment in exp.get("reasons_contain", []):
        if not any(fragment in r for r in reasons):
            problems.append(f"reasons: {fragment!r} not in {reasons}")
    by_id = {f.rule_id: f for f in report.findings}
    for rule_id, fragment in exp.get("explanations", {}).items():
        text = by_id[rule_id].explanation.zh if rule_id in by_id else "(no finding)"
        if fragment not in text:
            problems.append(f"explanation of {rule_id}: {fragment!r} not in {text!r}")
    if problems:
        raise AssertionError(f"case {case.name} ({vetter.engine}):\n  " + "\n  ".join(problems))
    return report


try:  # fixtures for pytest users who opt in with `pytest_plugins = ["heshan_vetting.testing"]`
    import pytest
except ImportError:  # pragma: no cover - pytest is optional at run time
    pass
else:

    @pytest.fixture
    def heshan_make_vetter() -> Callable[..., Vetter]:
        """The :func:`make_vetter` function, as a fixture."""
        return make_vetter

    @pytest.fixture
    def heshan_sample_project() -> Callable[..., dict[str, Any]]:
        """The :func:`sample_project` function, as a fixture."""
        return sample_project
