"""The command line, run in subprocesses as a user runs it: exit codes, streams, options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from heshan_vetting import hookimpl

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "projects"
PV = str(EXAMPLES / "pv-module-plant.toml")  # approve
CEMENT = str(EXAMPLES / "cement-clinker-line.toml")  # reject
ELECTRONICS = str(EXAMPLES / "electronics-low-tax.toml")  # conditional


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_python("-m", "heshan_vetting", *args, cwd=cwd)


def run_python(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


# -- exit codes 0 and 1 -----------------------------------------------------------------------------


def test_approve_exits_0_and_starts_with_the_verdict() -> None:
    proc = run("check", PV)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("结论: 准予准入\n")
    assert proc.stderr == ""


def test_reject_exits_1() -> None:
    proc = run("check", CEMENT)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("结论: 不予准入")
    assert "HS-2H-001" in proc.stdout


def test_conditional_exits_0_by_default_and_1_with_fail_on_conditional() -> None:
    default = run("check", ELECTRONICS)
    assert default.returncode == 0, default.stderr
    assert default.stdout.startswith("结论: 有条件准入")
    strict = run("check", ELECTRONICS, "--fail-on", "conditional")
    assert strict.returncode == 1, strict.stderr
    assert strict.stdout == default.stdout


def test_fail_on_conditional_still_passes_an_approved_project() -> None:
    proc = run("check", PV, "--fail-on", "conditional")
    assert proc.returncode == 0, proc.stderr


def test_fail_on_never_exits_0_for_a_reject() -> None:
    proc = run("check", CEMENT, "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("结论: 不予准入")


def test_several_files_one_report_each_worst_decides() -> None:
    proc = run("check", PV, CEMENT, ELECTRONICS, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["schema"] == "heshan-vetting/results/v1"
    assert [r["verdict"] for r in data["items"]] == ["approve", "reject", "conditional"]
    assert [r["project"]["source"] for r in data["items"]] == [PV, CEMENT, ELECTRONICS]
    assert data["summary"]["verdicts"] == {"approve": 1, "conditional": 1, "deferred": 0, "reject": 1}


# -- exit code 2 ------------------------------------------------------------------------------------


@pytest.fixture
def bad_toml(tmp_path: Path) -> Path:
    path = tmp_path / "broken-project.toml"
    path.write_text('id = "X-1"\nname = \n', encoding="utf-8")
    return path


@pytest.fixture
def bad_field(tmp_path: Path) -> Path:
    path = tmp_path / "bad-field.toml"
    path.write_text('id = "X-1"\nname = "项目"\nland_area = "12 万元"\n', encoding="utf-8")
    return path


def _usage_error(proc: subprocess.CompletedProcess[str], *fragments: str, output: bool = False) -> None:
    """Exit 2 with every fragment on stderr; nothing on stdout unless ``output`` (a batch reports its items)."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    if not output:
        assert proc.stdout == ""
    for fragment in fragments:
        assert fragment in proc.stderr, (fragment, proc.stderr)


def _item_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """A bad input of a batch: exit 2, the problem on stderr, and the item an error entry of the JSON output."""
    _usage_error(proc, *fragments, output=True)


def test_missing_file_exits_2(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-project.toml")
    _item_error(run("check", missing), missing, "does not exist", "文件不存在")


def test_bad_toml_exits_2_with_file_and_line(bad_toml: Path) -> None:
    _item_error(run("check", str(bad_toml)), f"{bad_toml}:2:", "TOML")


def test_bad_field_exits_2_with_file_line_and_field(bad_field: Path) -> None:
    _item_error(run("check", str(bad_field)), f"{bad_field}:3:", "land_area", "12 万元")


def test_unknown_pack_exits_2() -> None:
    _usage_error(run("check", PV, "--pack", "no-such-pack"), "pack", "'no-such-pack'", "heshan")


def test_bad_as_of_date_exits_2() -> None:
    _usage_error(run("check", PV, "--as-of", "2024-13-01"), "--as-of", "2024-13-01")


def test_unknown_format_exits_2() -> None:
    _usage_error(run("check", PV, "--format", "xml"), "--format", "'xml'", "json", "text")


def test_no_subcommand_exits_2_with_help() -> None:
    _usage_error(run(), "usage:", "check")


def test_unknown_option_value_exits_2() -> None:
    _usage_error(run("check", PV, "--lang", "fr"), "--lang", "fr")


def test_a_bad_later_input_does_not_cancel_the_good_one(tmp_path: Path) -> None:
    missing = str(tmp_path / "later.toml")
    proc = run("check", PV, missing, "--format", "json")
    _item_error(proc, missing)
    data = json.loads(proc.stdout)
    assert [i["schema"] for i in data["items"]] == ["heshan-vetting/report/v2", "heshan-vetting/error/v1"]
    assert data["items"][0]["verdict"] == "approve"
    assert data["items"][1]["source"] == missing
    assert data["summary"]["errors"] == 1


def test_bad_rule_pack_exits_2_naming_the_pack_file(tmp_path: Path) -> None:
    pack = tmp_path / "bad-pack.toml"
    pack.write_text(
        textwrap.dedent(
            """\
            [pack]
            id = "bad"
            version = "1"
            kind = "access"
            title = { zh = "坏", en = "Bad" }
            jurisdiction = "TEST"

            [[rules]]
            id = "R1"
            title = { zh = "规则", en = "Rule" }
            severity = "required"
            require = "tax_per_mu >= 15[万元/亩]"
            citation = { title = "测试", status = "unverified" }
            """
        ),
        encoding="utf-8",
    )
    _usage_error(run("check", PV, "--pack", str(pack)), str(pack), "tax_per_mu")


# -- exit code 3 ------------------------------------------------------------------------------------


def test_failing_renderer_plugin_exits_3_without_traceback() -> None:
    code = textwrap.dedent(
        f"""\
        import sys
        import heshan_vetting.builtins.render as render

        def broken(reports, lang="zh"):
            raise RuntimeError("renderer exploded")

        render.render_text = broken
        from heshan_vetting.cli import main
        sys.exit(main(["check", {PV!r}]))
        """
    )
    proc = run_python("-c", code)
    assert proc.returncode == 3, proc.stderr
    assert "internal error" in proc.stderr
    assert "renderer exploded" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_broken_builtin_plugin_exits_3_as_plugin_error() -> None:
    code = textwrap.dedent(
        f"""\
        import sys
        sys.modules["heshan_vetting.builtins.scoring"] = None  # importing it now fails
        from heshan_vetting.cli import main
        sys.exit(main(["check", {PV!r}]))
        """
    )
    proc = run_python("-c", code)
    assert proc.returncode == 3, proc.stderr
    assert "plugin error" in proc.stderr
    assert "'scoring'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


# -- options ----------------------------------------------------------------------------------------


def test_output_file_is_written_and_stdout_is_empty(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    proc = run("check", PV, "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("结论: 准予准入")
    assert text == run("check", PV).stdout
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]  # no temporary file left behind


def test_output_file_json(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = run("check", CEMENT, "--format", "json", "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["items"][0]["verdict"] == "reject"


def test_lang_en() -> None:
    proc = run("check", PV, "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Verdict: APPROVE\n")
    assert "Passes." in proc.stdout
    assert "结论" not in proc.stdout
    assert "Sources:" in proc.stdout


def test_as_of_option_reaches_the_report() -> None:
    proc = run("check", PV, "--format", "json", "--as-of", "2023-06-24")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)["items"][0]
    assert data["provenance"]["as_of"] == "2023-06-24"
    assert data["provenance"]["as_of_source"] == "option"
    outcomes = {f["rule_id"]: f["outcome"] for f in data["findings"]}
    assert outcomes["NAT-LAND-004"] == "pass"  # the 2008 green-ratio maximum was still in force
    assert "NAT-LAND-005" in outcomes


@pytest.mark.parametrize("args", [("--help",), ("check", "--help")])
def test_help_documents_exit_codes(args: tuple[str, ...]) -> None:
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any("exit codes" in line for line in lines)
    for code in "0123":
        assert any(line.startswith(f"  {code}  ") for line in lines), code
    assert "--fail-on" in proc.stdout


def test_version() -> None:
    import heshan_vetting

    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"heshan-vetting {heshan_vetting.__version__}"


def test_check_builds_one_plugin_manager_per_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Entry points are loaded once: the plugin set built to read the plugins' options is the Vetter's."""
    from heshan_vetting import cli, plugins, vetter

    calls: list[object] = []
    real = plugins.make_plugin_manager

    def counting(*args: object, **kwargs: object) -> object:
        calls.append((args, kwargs))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plugins, "make_plugin_manager", counting)
    monkeypatch.setattr(vetter, "make_plugin_manager", counting)
    assert cli.main(["check", PV, "--disable-plugin", "scoring"]) == 0
    assert len(calls) == 1
    assert "综合评分" not in capsys.readouterr().out  # the block reached the Vetter


def test_an_abbreviated_option_the_pre_scan_cannot_see_still_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    from heshan_vetting import cli

    assert cli.main(["check", PV, "--disable-plug", "renderers"]) == 2
    assert "renderers" in capsys.readouterr().err


class _BinaryFormat:
    """A renderer plugin with a binary format (as an XLSX writer would be) and a broken one."""

    plugin_name = "binfmt"

    @staticmethod
    @hookimpl
    def heshan_renderers() -> dict[str, object]:
        return {
            "bin": lambda reports, lang: b"\x00BIN" + str(len(reports.reports)).encode(),
            "broken": lambda reports, lang: 42,
        }


def test_a_binary_format_is_written_only_to_a_file(tmp_path: Path) -> None:
    from heshan_vetting import PluginError, UsageError, Vetter

    vetter = Vetter(plugins=[_BinaryFormat()], autoload=False)
    report = vetter.check(PV)
    assert vetter.render_bytes(report, "bin") == b"\x00BIN1"
    assert vetter.render_bytes(report, "json") == vetter.render(report, "json").encode("utf-8")
    with pytest.raises(UsageError, match="is binary; use render_bytes"):
        vetter.render(report, "bin")
    with pytest.raises(PluginError, match="returned int, not str or bytes"):
        vetter.render(report, "broken")


def test_the_cli_asks_for_output_for_a_binary_format(tmp_path: Path) -> None:
    out = tmp_path / "r.bin"
    code = textwrap.dedent(
        """\
        import sys
        import heshan_vetting.builtins.render as render

        render.render_json = lambda reports, lang="zh": b"\\x00BIN" + str(len(reports.reports)).encode()
        from heshan_vetting.cli import main
        sys.exit(main(sys.argv[1:]))
        """
    )
    proc = run_python("-c", code, "check", PV, "--format", "json")
    assert proc.returncode == 2, proc.stderr
    assert "writes a binary file; give --output FILE" in proc.stderr
    assert proc.stdout == ""
    proc = run_python("-c", code, "check", PV, "--format", "json", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == b"\x00BIN1"
