"""Engines are a seam: registered through ``heshan_engines``, chosen by name, recorded in provenance (issue 10)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import Engine, EngineSpec, PluginError, Report, UsageError, hookimpl
from heshan_vetting.cli import main
from heshan_vetting.engines.native import native_decider
from heshan_vetting.engines.protocol import LabelResults, RuleResults
from heshan_vetting.packs.compiled import CompiledLabel, CompiledPack, CompiledRule
from heshan_vetting.plugins import BUILTIN_PLUGINS
from heshan_vetting.testing import make_vetter, sample_project

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "projects" / "pv-module-plant.toml")


class Counting:
    """An engine that asks the native one and counts the projects it decided."""

    def __init__(self) -> None:
        self.calls = 0
        self.packs: list[CompiledPack] = []

    def __call__(
        self, pack: CompiledPack, rules: Sequence[CompiledRule], labels: Sequence[CompiledLabel], env: dict[str, Any]
    ) -> tuple[RuleResults, LabelResults]:
        self.calls += 1
        return native_decider(pack, rules, labels, env)


class CountingPlugin:
    """A test plugin that registers the ``counting`` engine (and, optionally, more specs)."""

    name = "counting_engine"

    def __init__(self, *extra: EngineSpec, reason: tuple[str, str] | str | None = None) -> None:
        self.engine = Counting()
        self.extra = extra
        self.reason = reason

    def _factory(self, pack: CompiledPack) -> Engine:
        self.engine.packs.append(pack)
        return self.engine

    @hookimpl
    def heshan_engines(self) -> list[EngineSpec]:
        spec = EngineSpec(
            name="counting",
            description="the native engine, counting its calls",
            factory=self._factory,
            available=lambda: self.reason,
            version=lambda: "1.2.3",
        )
        return [spec, *self.extra]


def _comparable(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = report.model_dump(mode="json")
    prov = data["provenance"]
    del prov["engine"], prov["engine_version"], prov["plugins"]
    return data


# -- a third-party engine ----------------------------------------------------------------------------------------------


def test_a_plugin_engine_is_used_and_recorded_in_provenance() -> None:
    plugin = CountingPlugin()
    vetter = make_vetter(plugin, engine="counting")
    assert vetter.engine == "counting"
    assert plugin.engine.packs == [vetter.pack]  # built once per Vetter, for its compiled pack
    reports = [vetter.check(sample_project()), vetter.check(sample_project(id="P-2"))]
    assert plugin.engine.calls == 2
    for report in reports:
        assert report.provenance.engine == "counting"
        assert report.provenance.engine_version == "1.2.3"
        assert "counting_engine" in {p.name for p in report.provenance.plugins}
    native = make_vetter(plugin).check(sample_project())
    assert plugin.engine.calls == 2  # registering an engine does not make it the one used
    assert (native.provenance.engine, native.provenance.engine_version) == ("native", None)
    assert _comparable(reports[0]) == _comparable(native)
    assert json.loads(reports[0].to_json())["provenance"]["engine"] == "counting"


def test_an_engine_that_cannot_run_here_gives_its_reason_in_both_languages() -> None:
    plugin = CountingPlugin(reason=("needs the counting service at localhost", "需要本地计数服务"))
    with pytest.raises(UsageError) as info:
        make_vetter(plugin, engine="counting")
    assert info.value.message_en == "The counting engine is not available: needs the counting service at localhost"
    assert info.value.message_zh == "counting 引擎不可用：需要本地计数服务"
    assert info.value.field == "engine"
    assert plugin.engine.packs == []  # the factory is never called
    make_vetter(plugin)  # the other engines are unaffected
    with pytest.raises(UsageError, match="The counting engine is not available: not today"):
        make_vetter(CountingPlugin(reason="not today"), engine="counting")


def test_an_unknown_engine_suggests_the_nearest_and_lists_the_registered_ones() -> None:
    with pytest.raises(UsageError) as info:
        make_vetter(CountingPlugin(), engine="countng")
    assert "did you mean 'counting'?" in info.value.message_en
    assert "available: native, durable, columnar, counting." in info.value.message_en
    assert "是否应为 'counting'？" in info.value.message_zh
    assert info.value.field == "engine"
    with pytest.raises(UsageError, match="did you mean 'native'"):
        make_vetter(engine="nativ")


def test_blocking_the_builtin_engines_plugin_is_a_clear_error() -> None:
    with pytest.raises(UsageError) as info:
        make_vetter(disable_plugins=["engines"])
    assert "No plugin provides an engine" in info.value.message_en
    assert "'engines' plugin disabled?" in info.value.message_en
    assert "内置插件 engines" in info.value.message_zh
    with pytest.raises(
        UsageError, match="the built-in 'engines' plugin, which provides native, durable and columnar, is disabled"
    ):
        make_vetter(CountingPlugin(), disable_plugins=["engines"])  # engine="native" by default
    vetter = make_vetter(CountingPlugin(), disable_plugins=["engines"], engine="counting")
    assert vetter.check(sample_project()).provenance.engine == "counting"


def test_blocking_the_builtin_engines_plugin_on_the_command_line_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", EXAMPLE, "--no-autoload", "--disable-plugin", "engines"])
    err = capsys.readouterr().err
    assert code == 2
    assert "No plugin provides an engine" in err
    assert "Traceback" not in err


def test_an_unknown_engine_on_the_command_line_exits_2_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", EXAMPLE, "--no-autoload", "--engine", "durabel"])
    err = capsys.readouterr().err
    assert code == 2
    assert "did you mean 'durable'?" in err
    assert "available: native, durable" in err


# -- plugin mistakes fail loudly ---------------------------------------------------------------------------------------


def test_an_engine_name_registered_twice_is_a_plugin_error() -> None:
    again = EngineSpec(name="native", description="a second native", factory=lambda pack: native_decider)
    with pytest.raises(PluginError, match="'native', which plugin 'engines' already registers"):
        make_vetter(CountingPlugin(again))


def test_a_hook_that_returns_no_engine_specs_is_a_plugin_error() -> None:
    class Bad:
        name = "bad_engines"

        @hookimpl
        def heshan_engines(self) -> Any:
            return {"fast": native_decider}

    with pytest.raises(PluginError, match="must return a list of EngineSpec"):
        make_vetter(Bad())


@pytest.mark.parametrize("part", ["available", "version", "factory"])
def test_an_engine_whose_functions_raise_is_a_plugin_error_naming_the_plugin(part: str) -> None:
    def boom(*_args: object) -> Any:
        raise RuntimeError("no licence")

    fields: dict[str, Any] = {"name": "fragile", "description": "breaks", "factory": lambda pack: native_decider}
    fields[part] = boom
    with pytest.raises(PluginError, match="no licence") as info:
        make_vetter(CountingPlugin(EngineSpec(**fields)), engine="fragile")
    assert info.value.plugin == "counting_engine"
    make_vetter(CountingPlugin(EngineSpec(**fields)))  # only the chosen engine's functions are called


def test_a_factory_that_returns_no_callable_is_a_plugin_error() -> None:
    spec = EngineSpec(name="hollow", description="nothing", factory=lambda pack: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(PluginError, match="must return a callable engine"):
        make_vetter(CountingPlugin(spec), engine="hollow")


@pytest.mark.parametrize("name", ["", "Native", "two words", "1st", None])
def test_an_engine_name_must_be_a_plain_lower_case_word(name: Any) -> None:
    with pytest.raises(ValueError, match="engine name"):
        EngineSpec(name=name, description="x", factory=lambda pack: native_decider)


# -- the registry in the CLI ------------------------------------------------------------------------------------------


def test_the_builtin_engines_plugin_is_registered_by_name() -> None:
    assert BUILTIN_PLUGINS["engines"] == "heshan_vetting.builtins.engines"
    vetter = make_vetter()
    assert {name: plugin for name, (plugin, _spec) in vetter.hooks.engines().items()} == {
        "native": "engines",
        "durable": "engines",
        "columnar": "engines",
    }


def test_the_plugins_command_shows_which_plugin_provides_which_engine(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--no-autoload"]) == 0
    text = capsys.readouterr().out
    assert "engines  (builtin; heshan-vetting" in text
    assert "    hooks: heshan_engines\n    engines: native, durable, columnar\n" in text
    assert main(["plugins", "--no-autoload", "--format", "json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)["plugins"]}
    assert rows["engines"]["engines"] == ["native", "durable", "columnar"]
    assert rows["scoring"]["engines"] == []


def test_the_engine_option_lists_the_registered_engines(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--engine {native,durable,columnar}" in out
    assert "native: the pack's conditions compiled to Python closures;" in out
    assert "durable: the same conditions decided by a Rete network on durable-rules" in out
    assert "columnar: the same conditions as numpy expressions over whole batches" in out


def test_listing_and_choosing_native_never_import_durable_rules_or_the_columnar_engine() -> None:
    # (numpy itself may be loaded: pint imports it when it is installed)
    code = textwrap.dedent(
        """
        import contextlib, io, sys
        from heshan_vetting import Vetter
        from heshan_vetting.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            main(["plugins"])
            main(["plugins", "--format", "json"])
            with contextlib.suppress(SystemExit):
                main(["check", "--help"])
        Vetter().check("examples/projects/pv-module-plant.toml")
        print(sorted(m for m in sys.modules if m.startswith(("durable", "heshan_vetting.engines.durable",
                                                             "heshan_vetting.engines.columnar"))))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
