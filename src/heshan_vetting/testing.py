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
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from heshan_vetting.errors import RulePackError
from heshan_vetting.packtests import CASE_KEYS, Case, compare, read_cases
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
# The format and the comparison live in heshan_vetting.packtests (which `rules test` runs); these helpers give
# them to a test suite, raising AssertionError.


def load_cases(directory: str | Path, *, pack: str | Path | None = None) -> list[Case]:
    """Every case folder under ``directory`` (sorted by name); raises ``AssertionError`` for a malformed one.

    ``pack`` is the pack a case runs on when it names none (see :class:`~heshan_vetting.packtests.Case`).
    """
    try:
        return read_cases(directory, pack=pack)
    except RulePackError as exc:
        raise AssertionError(exc.format("en")) from None


def run_case(case: Case, vetter: Vetter) -> Report:
    """The report of ``case`` from ``vetter`` (at the case's ``as_of`` date, if it gives one)."""
    return vetter.check(case.project, as_of=case.expected.get("as_of"))


def check_case(case: Case, vetter: Vetter) -> Report:
    """Run ``case`` and raise ``AssertionError`` listing every way the report differs from ``expected.toml``."""
    report = run_case(case, vetter)
    problems = compare(case, report)
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
