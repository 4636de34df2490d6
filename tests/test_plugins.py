"""Plugins go through the same hooks as the built-ins: registration, override, blocking, failure, provenance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import (
    Check,
    CheckContext,
    CheckResult,
    FactProvider,
    Finding,
    NotConfigured,
    Outcome,
    PluginError,
    Project,
    Severity,
    Text,
    UsageError,
    Verdict,
    Vetter,
    hookimpl,
)
from heshan_vetting.cli import ExitCode, main
from heshan_vetting.plugins import BUILTIN_PLUGINS, ENV_DISABLE, ENV_NO_AUTOLOAD, HOOK_NAMES
from heshan_vetting.report import Score
from heshan_vetting.testing import assert_finding, finding, make_vetter, plugin_info, sample_project
from heshan_vetting.units import Units

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "projects" / "pv-module-plant.toml"


def _check(check_id: str, fn: Any, severity: Severity = Severity.VETO) -> Check:
    return Check(id=check_id, title=Text(zh="测试检查", en="test check"), severity=severity, run=fn)


class CheckPlugin:
    """A plugin object with one check; ``fn`` decides it."""

    def __init__(self, name: str, check_id: str, fn: Any, severity: Severity = Severity.VETO) -> None:
        self.name = name
        self._check = _check(check_id, fn, severity)

    @hookimpl
    def heshan_checks(self, options: Any) -> list[Check]:
        return [self._check]


def _passes(ctx: CheckContext) -> CheckResult:
    return CheckResult(Outcome.PASS, Text(zh="通过", en="passes"))


def _raises(ctx: CheckContext) -> CheckResult:
    raise RuntimeError("registry unreachable")


# -- the hook set -----------------------------------------------------------------------------------


def test_about_ten_hooks_all_prefixed() -> None:
    assert 8 <= len(HOOK_NAMES) <= 15  # "about ten": loaders name suffixes, init templates, evaluate formats
    assert all(n.startswith("heshan_") for n in HOOK_NAMES)
    for needed in ("unit_definitions", "load_project", "rule_pack_paths", "checks", "facts", "process_findings",
                   "score", "renderers", "add_options", "report_finished"):  # fmt: skip
        assert f"heshan_{needed}" in HOOK_NAMES


def test_builtins_are_registered_by_name_in_order() -> None:
    v = make_vetter()
    names = [i.name for i in v.plugins if i.origin == "builtin"]
    assert sorted(names) == sorted(BUILTIN_PLUGINS)
    assert plugin_info(v, "toml_loader").hooks == ("heshan_load_project", "heshan_project_suffixes", "heshan_templates")
    assert plugin_info(v, "scoring").distribution == "heshan-vetting"


# -- override -------------------------------------------------------------------------------------


class FlatScore:
    name = "flat_score"

    @hookimpl
    def heshan_score(self, inputs: Sequence[Any], verdict: Any) -> Score:
        return Score(total=50.0, approve_min=60.0, conditional_min=40.0)


def test_a_plugins_score_replaces_the_builtin() -> None:
    builtin = make_vetter().check(sample_project())
    assert builtin.score is not None
    assert builtin.score.total > 60
    report = make_vetter(FlatScore()).check(sample_project())
    assert report.score is not None
    assert report.score.total == 50.0
    assert report.verdict is Verdict.CONDITIONAL


class OneProjectLoader:
    name = "fixed_loader"

    def __init__(self) -> None:
        self.calls: list[Path] = []

    @hookimpl
    def heshan_load_project(self, path: Path, units: Units) -> list[Project] | None:
        self.calls.append(path)
        if path.suffix != ".toml":
            return None
        from heshan_vetting.model import project_from_mapping

        return [project_from_mapping(sample_project(id="FROM-PLUGIN"), units)]


def test_a_plugins_loader_is_asked_before_the_builtin() -> None:
    loader = OneProjectLoader()
    report = make_vetter(loader).check(EXAMPLE)
    assert loader.calls == [EXAMPLE]
    assert report.project.id == "FROM-PLUGIN"


def test_a_later_renderer_of_the_same_name_wins() -> None:
    class Upper:
        name = "upper"

        @hookimpl
        def heshan_renderers(self) -> dict[str, Any]:
            return {"text": lambda rs, lang: "REPLACED\n"}

    v = make_vetter(Upper())
    assert v.render(v.check(sample_project())) == "REPLACED\n"


# -- blocking -------------------------------------------------------------------------------------


def test_blocking_a_builtin_by_api() -> None:
    v = make_vetter(disable_plugins=["scoring"])
    assert plugin_info(v, "scoring").blocked
    assert v.check(sample_project()).score is None
    assert "scoring" not in {p.name for p in v.check(sample_project()).provenance.plugins}


def test_blocking_by_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DISABLE, "scoring, renderers")
    v = make_vetter()
    assert plugin_info(v, "scoring").blocked
    assert plugin_info(v, "renderers").blocked
    with pytest.raises(UsageError, match="renderers"):
        v.render(v.check(sample_project()))


def test_blocking_a_plugin_object_by_name() -> None:
    v = make_vetter(CheckPlugin("blocked_one", "x.fail", _raises), disable_plugins=["blocked_one"])
    assert all(f.rule_id != "x.fail" for f in v.check(sample_project()).findings)


def test_blocking_by_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(EXAMPLE), "--disable-plugin", "scoring", "--format", "json"])
    assert code == ExitCode.OK
    data = json.loads(capsys.readouterr().out)["items"][0]
    assert data["score"] is None


# -- bad plugins ----------------------------------------------------------------------------------


class Misspelt:
    name = "misspelt"

    @hookimpl
    def heshan_chekcs(self, options: Any) -> list[Check]:
        return []


class MisspeltUnmarked:
    name = "misspelt_unmarked"

    def heshan_scor(self, inputs: Any, verdict: Any) -> None:
        return None


@pytest.mark.parametrize(("plugin", "hint"), [(Misspelt(), "heshan_checks"), (MisspeltUnmarked(), "heshan_score")])
def test_a_misspelt_hook_is_rejected(plugin: object, hint: str) -> None:
    with pytest.raises(PluginError, match=f"did you mean '{hint}'") as info:
        make_vetter(plugin)
    assert info.value.plugin == plugin.name  # type: ignore[attr-defined]


def test_a_hook_with_an_unknown_argument_is_rejected() -> None:
    class BadArgs:
        name = "bad_args"

        @hookimpl
        def heshan_checks(self, options: Any, vetter: Any) -> list[Check]:
            return []

    with pytest.raises(PluginError, match="bad_args") as info:
        make_vetter(BadArgs())
    assert "vetter" in str(info.value)


def test_a_plugin_that_raises_when_declaring_checks_names_itself() -> None:
    class Broken:
        name = "broken_decl"

        @hookimpl
        def heshan_checks(self, options: Any) -> list[Check]:
            raise KeyError("credit_list")

    with pytest.raises(PluginError, match=r"plugin 'broken_decl': heshan_checks raised KeyError: 'credit_list'"):
        make_vetter(Broken())


def test_a_user_mistake_found_by_a_plugin_stays_an_input_error() -> None:
    class NeedsFile:
        name = "needs_file"

        @hookimpl
        def heshan_checks(self, options: Any) -> list[Check]:
            raise UsageError("The list file does not exist.", file="missing.csv", field="credit_list")

    with pytest.raises(UsageError, match=r"missing\.csv"):
        make_vetter(NeedsFile())


def test_a_check_id_clashing_with_a_pack_rule_is_rejected() -> None:
    with pytest.raises(PluginError, match="'JM-TAX-001' is already used"):
        make_vetter(CheckPlugin("clash", "JM-TAX-001", _passes))


def test_two_plugin_objects_of_one_name_are_rejected() -> None:
    with pytest.raises(PluginError, match="already registered"):
        make_vetter(CheckPlugin("same", "a.one", _passes), CheckPlugin("same", "a.two", _passes))


# -- fail closed during a check --------------------------------------------------------------------


def test_a_check_that_raises_is_an_error_finding_naming_the_plugin() -> None:
    v = make_vetter(CheckPlugin("registry", "registry.lookup", _raises))
    report = v.check(sample_project())
    f = assert_finding(report, "registry.lookup", outcome="error", severity="veto", plugin="registry")
    assert "registry" in f.explanation.en
    assert "RuntimeError: registry unreachable" in f.explanation.en
    assert "RuntimeError: registry unreachable" in f.explanation.zh
    assert report.incomplete
    assert report.verdict is Verdict.CONDITIONAL  # the sample approves without the plugin


def test_strict_turns_a_raising_check_into_an_exception() -> None:
    v = make_vetter(CheckPlugin("registry", "registry.lookup", _raises), strict=True)
    with pytest.raises(PluginError, match=r"plugin 'registry': check 'registry.lookup' raised RuntimeError"):
        v.check(sample_project())


def test_a_check_returning_the_wrong_type_is_an_error_finding() -> None:
    v = make_vetter(CheckPlugin("sloppy", "sloppy.check", lambda ctx: True))
    f = finding(v.check(sample_project()), "sloppy.check")
    assert f.outcome is Outcome.ERROR
    assert "must return a CheckResult" in f.explanation.en


def test_one_bad_project_never_stops_a_batch() -> None:
    def only_second(ctx: CheckContext) -> CheckResult:
        if ctx.project.id == "B":
            raise ValueError("bad row")
        return CheckResult(Outcome.PASS, Text(zh="通过", en="passes"))

    v = make_vetter(CheckPlugin("flaky", "flaky.check", only_second))
    reports = list(v.check_many([sample_project(id="A"), sample_project(id="B"), sample_project(id="C")]))
    assert [r.project.id for r in reports] == ["A", "B", "C"]
    assert [r.verdict for r in reports] == [Verdict.APPROVE, Verdict.CONDITIONAL, Verdict.APPROVE]
    assert [r.incomplete for r in reports] == [False, True, False]


def test_a_plugin_veto_rejects_and_its_finding_has_the_rule_model() -> None:
    def fails(ctx: CheckContext) -> CheckResult:
        return CheckResult(Outcome.FAIL, Text(zh="在失信名单上", en="on the blacklist"))

    report = make_vetter(CheckPlugin("veto", "veto.check", fails)).check(sample_project())
    assert report.verdict is Verdict.REJECT
    f = finding(report, "veto.check")
    assert (f.pack_id, f.severity, f.outcome) == ("plugin:veto", Severity.VETO, Outcome.FAIL)
    assert any("veto.check" in r.en for r in report.reasons)


def test_check_context_carries_facts_options_and_date() -> None:
    seen: dict[str, Any] = {}

    def look(ctx: CheckContext) -> CheckResult:
        seen.update(land=ctx.facts["land_area"], tax=ctx.facts.get("annual_tax"), opt=ctx.options.get("k"))
        seen["as_of"] = ctx.as_of
        with pytest.raises(TypeError):
            ctx.facts["land_area"] = 0  # type: ignore[index]
        return CheckResult(Outcome.INSUFFICIENT_DATA, Text(zh="缺", en="missing"), missing=("annual_tax",))

    report = make_vetter(CheckPlugin("look", "look.check", look), options={"k": "v"}).check(
        sample_project(annual_tax=None)
    )
    assert seen["land"] == pytest.approx(180.0)
    assert seen["tax"] is None
    assert seen["opt"] == "v"
    assert str(seen["as_of"]) == "2024-05-20"
    assert "annual_tax" in report.missing_fields
    assert report.verdict is Verdict.DEFERRED  # the required check and the tax rules wait for annual_tax


def test_insufficient_data_must_name_what_is_missing() -> None:
    with pytest.raises(ValueError, match="must name the missing fields"):
        CheckResult(Outcome.INSUFFICIENT_DATA, Text(zh="缺", en="missing"))


# -- facts ------------------------------------------------------------------------------------------


class RegistryArea:
    """A land-registry plugin: the registered area of the project's parcel."""

    name = "registry"

    def __init__(self, area: Any) -> None:
        self.area = area

    @hookimpl
    def heshan_facts(self, options: Any) -> list[FactProvider]:
        return [
            FactProvider(
                name="registered_land_area",
                type="number",
                unit="公顷",
                title=Text(zh="不动产登记面积", en="registered land area"),
                compute=self._compute,
            )
        ]

    def _compute(self, project: Project) -> Any:
        if isinstance(self.area, Exception):
            raise self.area
        return self.area


_REGISTRY_PACK = """
[pack]
id = "registry_test"
version = "1"
kind = "access"
title = {{ zh = "登记测试", en = "registry test" }}
jurisdiction = "测试"
extends = "heshan"

[[rules]]
id = "REG-001"
title = {{ zh = "申报面积不超过登记面积", en = "declared area within the registered area" }}
severity = "required"
require = "land_area <= registered_land_area"
unit = "亩"
citation = {{ title = "测试", status = "local_default" }}
"""


def _registry_pack(tmp_path: Path) -> Path:
    path = tmp_path / "registry_test.toml"
    path.write_text(textwrap.dedent(_REGISTRY_PACK.format()), encoding="utf-8")
    return path


@pytest.mark.parametrize(("area", "outcome"), [(12.0, "pass"), (11.0, "fail"), (None, "insufficient_data")])
def test_a_plugin_fact_is_read_by_pack_rules_in_its_unit(tmp_path: Path, area: Any, outcome: str) -> None:
    v = make_vetter(RegistryArea(area), pack=_registry_pack(tmp_path))
    f = assert_finding(v.check(sample_project()), "REG-001", outcome=outcome)
    if area is not None:
        fact = next(x for x in f.facts if x.name == "registered_land_area")
        assert fact.value == pytest.approx(area)
        assert fact.unit == "公顷"
        cmp = f.comparisons[0]
        assert cmp.unit == "亩"
        assert cmp.threshold == pytest.approx(area * 15)


def test_a_plugin_fact_that_raises_is_an_error(tmp_path: Path) -> None:
    v = make_vetter(RegistryArea(ConnectionError("timeout")), pack=_registry_pack(tmp_path))
    report = v.check(sample_project())
    assert_finding(report, "REG-001", outcome="error")
    f = assert_finding(report, "plugin:registry:registered_land_area", outcome="error", plugin="registry")
    assert "ConnectionError: timeout" in f.explanation.en
    assert report.incomplete
    assert report.verdict is not Verdict.APPROVE


def test_a_plugin_fact_of_the_wrong_type_is_an_error(tmp_path: Path) -> None:
    v = make_vetter(RegistryArea("12 公顷"), pack=_registry_pack(tmp_path))
    f = finding(v.check(sample_project()), "plugin:registry:registered_land_area")
    assert "expected a finite number" in f.explanation.en


def test_a_pack_using_a_plugin_fact_without_the_plugin_is_a_load_error(tmp_path: Path) -> None:
    from heshan_vetting import RulePackError

    with pytest.raises(RulePackError, match="registered_land_area"):
        make_vetter(pack=_registry_pack(tmp_path))


def test_a_plugin_fact_named_like_a_project_field_is_rejected() -> None:
    class Clash:
        name = "clash"

        @hookimpl
        def heshan_facts(self, options: Any) -> list[FactProvider]:
            return [FactProvider("land_area", "number", Text(zh="x", en="x"), lambda p: 1.0, unit="亩")]

    with pytest.raises(PluginError, match="'land_area' has the name of a project field"):
        make_vetter(Clash())


# -- post-processing and observers ------------------------------------------------------------------


class Regrade:
    """Turns every advisory finding's explanation upper-case; or, with ``drop``, misbehaves."""

    name = "regrade"

    def __init__(self, drop: bool = False) -> None:
        self.drop = drop

    @hookimpl
    def heshan_process_findings(self, project: Project, findings: Sequence[Finding]) -> list[Finding]:
        if self.drop:
            return list(findings[1:])
        return [
            f.model_copy(update={"tags": (*f.tags, "seen")}) if f.severity is Severity.ADVISORY else f for f in findings
        ]


def test_findings_can_be_post_processed() -> None:
    report = make_vetter(Regrade()).check(sample_project())
    advisory = [f for f in report.findings if f.severity is Severity.ADVISORY]
    assert advisory
    assert all("seen" in f.tags for f in advisory)
    assert report.verdict is Verdict.APPROVE


def test_a_processor_that_drops_findings_is_an_error_finding() -> None:
    plain = make_vetter().check(sample_project())
    report = make_vetter(Regrade(drop=True)).check(sample_project())
    assert [f.rule_id for f in report.findings[:-1]] == [f.rule_id for f in plain.findings]
    f = assert_finding(report, "plugin:regrade:process_findings", outcome="error", plugin="regrade")
    assert "must keep every finding" in f.explanation.en
    assert report.verdict is Verdict.CONDITIONAL
    assert report.incomplete


class Audit:
    name = "audit"

    def __init__(self, fail: bool = False) -> None:
        self.seen: list[str] = []
        self.fail = fail

    @hookimpl
    def heshan_report_finished(self, report: Any) -> None:
        self.seen.append(report.project.id)
        if self.fail:
            raise OSError("audit log is full")


def test_observers_see_every_finished_report() -> None:
    audit = Audit()
    list(make_vetter(audit).check_many([sample_project(id="A"), sample_project(id="B")]))
    assert audit.seen == ["A", "B"]


def test_an_observer_that_raises_marks_the_report_incomplete() -> None:
    report = make_vetter(Audit(fail=True)).check(sample_project())
    assert report.incomplete
    assert report.verdict is Verdict.CONDITIONAL
    f = assert_finding(report, "plugin:audit:report_finished", outcome="error")
    assert "OSError: audit log is full" in f.explanation.en
    with pytest.raises(PluginError, match="audit log is full"):
        make_vetter(Audit(fail=True), strict=True).check(sample_project())


# -- provenance -------------------------------------------------------------------------------------


def test_provenance_lists_every_plugin_with_distribution_and_version() -> None:
    report = make_vetter(CheckPlugin("local_check", "local.check", _passes)).check(sample_project())
    refs = {p.name: p for p in report.provenance.plugins}
    # the built-in engines plugin is recorded as provenance.engine / engine_version instead
    assert set(refs) == {*BUILTIN_PLUGINS, "local_check"} - {"engines"}
    from heshan_vetting import __version__

    assert (refs["scoring"].distribution, refs["scoring"].version) == ("heshan-vetting", __version__)
    assert refs["local_check"].distribution.startswith("(not installed")
    assert refs["local_check"].version == "unknown"


# -- entry points (a fake installed distribution) ----------------------------------------------------


def _fake_dist(root: Path, module: str, source: str, name: str = "demo", version: str = "1.2.3") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"heshan_vetting_{module}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: heshan-vetting-{module.replace('_', '-')}\nVersion: {version}\n",
        encoding="utf-8",
    )
    (info / "entry_points.txt").write_text(f"[heshan_vetting]\n{name} = {module}\n", encoding="utf-8")
    return root


_GOOD_PLUGIN = """
from heshan_vetting import Check, CheckResult, Outcome, Severity, Text, hookimpl

def _run(ctx):
    return CheckResult(Outcome.PASS, Text(zh="通过", en="passes"))

@hookimpl
def heshan_checks(options):
    return [Check(id="demo.check", title=Text(zh="演示", en="demo"), severity=Severity.ADVISORY, run=_run)]
"""


def test_entry_point_plugins_are_found_and_credited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_NO_AUTOLOAD, raising=False)
    monkeypatch.syspath_prepend(str(_fake_dist(tmp_path / "site", "demo_good", _GOOD_PLUGIN)))
    v = Vetter()
    info = plugin_info(v, "demo")
    assert (info.origin, info.distribution, info.version) == ("entry_point", "heshan-vetting-demo-good", "1.2.3")
    assert info.hooks == ("heshan_checks",)
    report = v.check(sample_project())
    assert_finding(report, "demo.check", outcome="pass", plugin="demo")
    assert any(p.name == "demo" and p.version == "1.2.3" for p in report.provenance.plugins)
    # autoload off: not loaded at all
    assert all(i.name != "demo" for i in Vetter(autoload=False).plugins)
    assert all(i.name != "demo" for i in make_vetter().plugins)


def test_an_entry_point_that_fails_to_load_names_plugin_distribution_and_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_NO_AUTOLOAD, raising=False)
    site = _fake_dist(tmp_path / "site", "demo_broken", "raise ImportError('needs openpyxl')\n", name="broken")
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(PluginError) as info:
        Vetter()
    text = str(info.value)
    assert "plugin 'broken'" in text
    assert "heshan-vetting-demo-broken 1.2.3" in text
    assert "ImportError: needs openpyxl" in text
    assert "--disable-plugin broken" in text
    # blocked, it is never imported
    v = Vetter(disable_plugins=["broken"])
    assert plugin_info(v, "broken").blocked


def _run_cli(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_extra}
    env.pop(ENV_NO_AUTOLOAD, None)
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args], capture_output=True, text=True, encoding="utf-8", env=env
    )


def test_cli_exits_3_for_a_plugin_that_fails_to_load(tmp_path: Path) -> None:
    site = _fake_dist(tmp_path / "site", "demo_broken", "raise ImportError('needs openpyxl')\n", name="broken")
    proc = _run_cli(["check", str(EXAMPLE)], {"PYTHONPATH": str(site)})
    assert proc.returncode == ExitCode.INTERNAL_ERROR, proc.stderr
    assert "plugin 'broken'" in proc.stderr
    assert "heshan-vetting-demo-broken 1.2.3" in proc.stderr
    assert "Traceback" not in proc.stderr
    ok = _run_cli(["check", str(EXAMPLE), "--disable-plugin", "broken"], {"PYTHONPATH": str(site)})
    assert ok.returncode == ExitCode.OK, ok.stderr
    env_blocked = _run_cli(["check", str(EXAMPLE)], {"PYTHONPATH": str(site), ENV_DISABLE: "broken"})
    assert env_blocked.returncode == ExitCode.OK, env_blocked.stderr


_RAISING_PLUGIN = """
from heshan_vetting import Check, Severity, Text, hookimpl

def _run(ctx):
    raise RuntimeError("blacklist service down")

@hookimpl
def heshan_checks(options):
    return [Check(id="demo.raise", title=Text(zh="演示", en="demo"), severity=Severity.VETO, run=_run)]

@hookimpl
def heshan_add_options(group):
    group.add_argument("--demo-flag", dest="demo_flag", default="off")
"""


def test_cli_strict_and_plugin_options(tmp_path: Path) -> None:
    site = _fake_dist(tmp_path / "site", "demo_raise", _RAISING_PLUGIN, name="raiser")
    env = {"PYTHONPATH": str(site)}
    lenient = _run_cli(["check", str(EXAMPLE), "--format", "json", "--demo-flag", "on"], env)
    assert lenient.returncode == ExitCode.OK, lenient.stderr  # conditional is below the default --fail-on
    report = json.loads(lenient.stdout)["items"][0]
    assert report["verdict"] == "conditional"
    assert report["incomplete"] is True
    strict = _run_cli(["check", str(EXAMPLE), "--strict"], env)
    assert strict.returncode == ExitCode.INTERNAL_ERROR
    assert "plugin 'raiser'" in strict.stderr
    assert "RuntimeError: blacklist service down" in strict.stderr
    helped = _run_cli(["check", "--help"], env)
    assert "plugin raiser" in helped.stdout
    assert "--demo-flag" in helped.stdout


def test_plugins_command_lists_builtins_and_entry_points(tmp_path: Path) -> None:
    site = _fake_dist(tmp_path / "site", "demo_good", _GOOD_PLUGIN)
    text = _run_cli(["plugins"], {"PYTHONPATH": str(site)})
    assert text.returncode == 0, text.stderr
    assert "demo  (entry_point; heshan-vetting-demo-good 1.2.3; demo_good)" in text.stdout
    assert "hooks: heshan_checks" in text.stdout
    for name in BUILTIN_PLUGINS:
        assert f"{name}  (builtin; heshan-vetting" in text.stdout
    data = json.loads(_run_cli(["plugins", "--format", "json", "--disable-plugin", "demo"],
                               {"PYTHONPATH": str(site)}).stdout)  # fmt: skip
    rows = {r["name"]: r for r in data["plugins"]}
    assert rows["demo"]["blocked"] is True
    assert rows["demo"]["version"] == "1.2.3"
    assert rows["toml_loader"]["hooks"] == ["heshan_load_project", "heshan_project_suffixes", "heshan_templates"]


def test_importing_loads_no_plugins(tmp_path: Path) -> None:
    site = _fake_dist(tmp_path / "site", "demo_loud", "raise SystemExit('imported at import time')\n", name="loud")
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop(ENV_NO_AUTOLOAD, None)
    proc = subprocess.run(
        [sys.executable, "-c", "import heshan_vetting, heshan_vetting.testing; print('ok')"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_a_plugin_class_is_instantiated_per_vetter() -> None:
    class Counting:
        name = "counting"
        instances = 0

        def __init__(self) -> None:
            type(self).instances += 1

        @hookimpl
        def heshan_checks(self, options: Any) -> list[Check]:
            return [_check("counting.check", _passes, Severity.ADVISORY)]

    make_vetter(Counting)
    report = make_vetter(Counting).check(sample_project())
    assert Counting.instances == 2
    assert_finding(report, "counting.check", outcome="pass", plugin="counting")


def test_a_plugin_check_runs_only_while_in_force() -> None:
    from datetime import date

    class Dated:
        name = "dated"

        @hookimpl
        def heshan_checks(self, options: Any) -> list[Check]:
            return [
                Check(
                    id="dated.check",
                    title=Text(zh="限期检查", en="dated check"),
                    severity=Severity.VETO,
                    run=_raises,
                    effective_from=date(2025, 1, 1),
                )
            ]

    v = make_vetter(Dated())
    before = v.check(sample_project(), as_of=date(2024, 12, 31))
    assert all(f.rule_id != "dated.check" for f in before.findings)
    assert any(s.id == "dated.check" and s.kind == "rule" for s in before.not_in_force)
    assert before.verdict is Verdict.APPROVE
    after = v.check(sample_project(), as_of=date(2025, 1, 1))
    assert_finding(after, "dated.check", outcome="error")
    assert all(s.id != "dated.check" for s in after.not_in_force)
    with pytest.raises(ValueError, match="effective_until is before effective_from"):
        Check(id="x.y", title=Text(zh="x", en="x"), severity=Severity.VETO, run=_passes,
              effective_from=date(2025, 1, 1), effective_until=date(2024, 1, 1))  # fmt: skip


# -- a plugin that is installed but not configured (issue 9, defect 11) ---------------------------


class _Unconfigured:
    plugin_name = "registry"

    @hookimpl
    def heshan_facts(self, options: Any) -> list[FactProvider]:
        raise NotConfigured("No registry URL.", "未配置登记系统地址。")

    @hookimpl
    def heshan_checks(self, options: Any) -> list[Check]:
        raise NotConfigured("No registry URL: pass --registry-url.", "未配置登记系统地址：请用 --registry-url 指定。")


def test_an_unconfigured_plugin_is_listed_and_changes_no_verdict() -> None:
    plain = make_vetter().check(sample_project())
    vetter = make_vetter(_Unconfigured())
    report = vetter.check(sample_project())
    assert [(n.plugin, n.message.en) for n in report.not_configured] == [
        ("registry", "No registry URL: pass --registry-url.")
    ]
    assert vetter.not_configured == report.not_configured
    assert report.verdict is plain.verdict
    assert report.findings == plain.findings
    assert not report.incomplete
    assert "插件未配置，未参与评审: registry — 未配置登记系统地址：请用 --registry-url 指定。" in vetter.render(report)


def test_not_configured_raised_while_checking_is_an_error_finding() -> None:
    """Only the hook that builds the checks may say "not configured"; a check that raises it fails closed."""

    class Late:
        plugin_name = "late"

        @hookimpl
        def heshan_checks(self, options: Any) -> list[Check]:
            def run(ctx: Any) -> Any:
                raise NotConfigured("too late", "太迟")

            return [Check(id="late.check", title=Text(zh="迟", en="late"), severity=Severity.VETO, run=run)]

    report = make_vetter(Late()).check(sample_project())
    assert_finding(report, "late.check", outcome="error")
    assert report.not_configured == ()
    assert report.verdict is not Verdict.APPROVE
