"""Configuration files: heshan-vetting.toml and pyproject.toml's [tool.heshan_vetting], found upward; the command
line wins; --show-config says where each value came from; unknown keys and wrong types are errors at file:line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from heshan_vetting.cli import build_parser
from heshan_vetting.config import ENV_NO_CONFIG, apply_config, find_config, read_config, requested_config
from heshan_vetting.errors import UsageError
from heshan_vetting.plugins import ENV_NO_AUTOLOAD

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "projects"
ELECTRONICS = str(EXAMPLES / "electronics-low-tax.toml")  # conditional
CUSTOM_PACK = ROOT / "tests" / "cases" / "_packs" / "custom.toml"
VALID_CODE = "91350100M000100Y43"  # the GB 32100-2015 sample code
CREDIT_HEADER = "统一社会信用代码,名称,名单,认定机关,文号,列入日期,移出日期\n"


def run(*args: str, cwd: Path, autoload: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m heshan_vetting ARGS`` in ``cwd`` with configuration files read (the suite turns them off)."""
    full = {**os.environ, "PYTHONIOENCODING": "utf-8", **env}
    full.pop(ENV_NO_CONFIG, None)
    if ENV_NO_CONFIG in env:
        full[ENV_NO_CONFIG] = env[ENV_NO_CONFIG]
    if autoload:
        full.pop(ENV_NO_AUTOLOAD, None)
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full,
        cwd=cwd,
        timeout=60,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/project/heshan-vetting.toml (fail-on = conditional) with a working directory two levels below it."""
    top = tmp_path / "project"
    (top / "a" / "b").mkdir(parents=True)
    (top / "heshan-vetting.toml").write_text('# the office\'s settings\n\nfail-on = "conditional"\n', "utf-8")
    return top


def _show(proc: subprocess.CompletedProcess[str]) -> dict[str, tuple[str, str]]:
    """``--show-config`` output as key → (value, origin)."""
    rows = {}
    for line in proc.stdout.splitlines():
        if line.startswith("#"):
            continue
        setting, origin = line.split("  # ", 1)
        key, value = setting.split(" = ", 1)
        rows[key.strip()] = (value.strip(), origin.strip())
    return rows


# -- found upward; the command line wins -------------------------------------------------------------------


def test_the_nearest_file_upward_is_found(tree: Path) -> None:
    assert find_config(tree / "a" / "b") == tree / "heshan-vetting.toml"
    assert find_config(tree.parent) is None or find_config(tree.parent) != tree / "heshan-vetting.toml"
    (tree / "a" / "pyproject.toml").write_text('[tool.heshan_vetting]\nfail-on = "never"\n', "utf-8")
    assert find_config(tree / "a" / "b") == tree / "a" / "pyproject.toml"  # nearer wins
    (tree / "a" / "heshan-vetting.toml").write_text('fail-on = "deferred"\n', "utf-8")
    assert find_config(tree / "a" / "b") == tree / "a" / "heshan-vetting.toml"  # same directory: ours wins


def test_a_pyproject_without_the_table_is_passed_over(tree: Path) -> None:
    (tree / "a" / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.ruff]\nline-length = 1\n', "utf-8")
    (tree / "a" / "b" / "pyproject.toml").write_text("this is [not TOML\n", "utf-8")  # not ours: never parsed
    assert find_config(tree / "a" / "b") == tree / "heshan-vetting.toml"


def test_config_from_upward_changes_the_exit_code_and_the_command_line_wins(tree: Path) -> None:
    cwd = tree / "a" / "b"
    assert run("check", ELECTRONICS, cwd=cwd).returncode == 1  # conditional ≥ fail-on from the file
    assert run("check", ELECTRONICS, "--fail-on", "reject", cwd=cwd).returncode == 0  # command line wins
    assert run("check", ELECTRONICS, "--no-config", cwd=cwd).returncode == 0  # default: reject
    assert run("check", ELECTRONICS, cwd=cwd, **{ENV_NO_CONFIG: "1"}).returncode == 0
    assert run("check", ELECTRONICS, cwd=tree.parent).returncode == 0  # above the file: not found


def test_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "office"\n\n[tool.heshan_vetting]\nfail-on = "conditional"\nlang = "en"\n', "utf-8"
    )
    proc = run("check", ELECTRONICS, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("Verdict: ")
    rows = _show(run("check", "--show-config", cwd=tmp_path))
    assert rows["lang"] == ('"en"', f"{tmp_path / 'pyproject.toml'}:6")


def test_explicit_config_file(tmp_path: Path) -> None:
    settings = tmp_path / "elsewhere.toml"
    settings.write_text('fail-on = "conditional"\n', "utf-8")
    assert run("check", ELECTRONICS, "--config", str(settings), cwd=tmp_path).returncode == 1
    proc = run("check", ELECTRONICS, "--config", str(settings), "--no-config", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not allowed with argument" in proc.stderr
    bare = tmp_path / "pyproject.toml"
    bare.write_text('[project]\nname = "x"\n', "utf-8")
    proc = run("check", ELECTRONICS, "--config", str(bare), cwd=tmp_path)
    assert proc.returncode == 2
    assert "has no [tool.heshan_vetting] table" in proc.stderr


def test_abbreviated_config_options_are_refused(tree: Path) -> None:
    proc = run("check", ELECTRONICS, "--no-conf", cwd=tree)  # argparse takes it; the early scan cannot see it
    assert proc.returncode == 2
    assert "Write --config and --no-config in full" in proc.stderr


# -- --show-config --------------------------------------------------------------------------------------------


def test_show_config_names_each_origin(tree: Path) -> None:
    proc = run("check", "--show-config", "--lang", "en", cwd=tree / "a")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.splitlines()[0] == f"# config file: {tree / 'heshan-vetting.toml'}"
    rows = _show(proc)
    assert rows["fail-on"] == ('"conditional"', f"{tree / 'heshan-vetting.toml'}:3")
    assert rows["lang"] == ('"en"', "command line")
    assert rows["pack"] == ('"heshan"', "default")
    assert rows["jobs"] == ("1", "default")
    env = run("check", "--show-config", cwd=tree, HESHAN_VETTING_DISABLE_PLUGINS="jsonl_loader")
    assert _show(env)["disable-plugins"] == ('["jsonl_loader"]', "environment variable HESHAN_VETTING_DISABLE_PLUGINS")


def test_show_config_without_a_file(tmp_path: Path) -> None:
    proc = run("check", "--show-config", "--no-config", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "# config file: none"
    rows = _show(proc)
    assert rows.pop("no-autoload") == ("true", f"environment variable {ENV_NO_AUTOLOAD}")  # the suite sets it
    assert {origin for _value, origin in rows.values()} == {"default"}


def test_check_without_paths_is_still_a_usage_error(tmp_path: Path) -> None:
    proc = run("check", "--no-config", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Name what to check" in proc.stderr


# -- errors: unknown keys, wrong types ---------------------------------------------------------------------


def _settings(tmp_path: Path, text: str, name: str = "heshan-vetting.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def _apply(path: Path, *argv: str) -> None:
    apply_config(build_parser(), read_config(path), ["check", *argv][1:])


def test_unknown_key_names_file_line_and_a_near_key(tmp_path: Path) -> None:
    path = _settings(tmp_path, 'pack = "heshan"\nfail_on = "never"\nzzz = 1\n')
    with pytest.raises(UsageError) as caught:
        _apply(path)
    error = caught.value
    assert (error.file, error.line, error.field) == (str(path), 2, "fail_on")
    assert "did you mean 'fail-on'?" in error.message_en
    assert "是否应为 'fail-on'" in error.message_zh
    assert [(d.line, d.field) for d in error.details] == [(3, "zzz")]
    proc = run("check", ELECTRONICS, cwd=tmp_path)  # and on the command line: exit 2, file:line, no traceback
    assert proc.returncode == 2
    assert f"{path}:2: fail_on: " in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_key_in_the_pyproject_table(tmp_path: Path) -> None:
    path = _settings(tmp_path, '[project]\nname = "x"\n\n[tool.heshan_vetting]\npakc = "heshan"\n', "pyproject.toml")
    with pytest.raises(UsageError, match="did you mean 'pack'") as caught:
        _apply(path)
    assert (caught.value.line, caught.value.field) == (5, "pakc")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("jobs = 0\n", "expected a whole number of worker processes"),
        ('jobs = "many"\n', "expected a whole number of worker processes"),
        ("jobs = true\n", "must be a string or a number, not a boolean"),
        ('strict = "yes"\n', "must be true or false, not a string"),
        ('fail-on = "rejct"\n', "did you mean 'reject'?"),
        ("pack = 3\n", "must be a string, not an integer"),
        ("disable-plugins = [1]\n", "must be a string or a list of strings"),
        ("lang = { zh = 1 }\n", "must be a string, not a table"),
    ],
)
def test_wrong_types_are_errors_at_their_line(tmp_path: Path, text: str, fragment: str) -> None:
    path = _settings(tmp_path, "# settings\n" + text)
    with pytest.raises(UsageError, match=None) as caught:
        _apply(path)
    assert fragment in caught.value.message_en
    assert (caught.value.file, caught.value.line) == (str(path), 2)


def test_a_wrong_value_is_an_error_even_when_the_command_line_overrides_it(tmp_path: Path) -> None:
    path = _settings(tmp_path, 'fail-on = "sometimes"\n')
    with pytest.raises(UsageError, match="fail-on"):
        _apply(path, "--fail-on", "never")


def test_bad_toml_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = _settings(tmp_path, 'pack = "heshan"\nfail-on = \n')
    with pytest.raises(UsageError) as caught:
        requested_config([], cwd=tmp_path, environ={})
    assert (caught.value.file, caught.value.line) == (str(path), 2)


# -- paths relative to the file; plugins -----------------------------------------------------------------


def test_a_relative_pack_path_is_resolved_against_the_file(tree: Path) -> None:
    (tree / "packs").mkdir()
    shutil.copy(CUSTOM_PACK, tree / "packs" / "custom.toml")
    (tree / "heshan-vetting.toml").write_text('pack = "packs/custom.toml"\nformat = "json"\n', "utf-8")
    project = ROOT / "tests" / "cases" / "16-custom-pack-error-never-approves" / "project.toml"
    proc = run("check", str(project), cwd=tree / "a" / "b")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["items"][0]["provenance"]["packs"][0]["id"] == "case-custom"
    rows = _show(run("check", "--show-config", cwd=tree / "a" / "b"))
    assert rows["pack"] == (json.dumps(str(tree / "packs" / "custom.toml")), f"{tree / 'heshan-vetting.toml'}:1")
    (tree / "heshan-vetting.toml").write_text('pack = "guangdong"\n', "utf-8")  # an id stays an id
    assert _show(run("check", "--show-config", cwd=tree / "a"))["pack"][0] == '"guangdong"'


def test_a_pack_path_on_the_command_line_stays_relative_to_the_working_directory(tree: Path) -> None:
    (tree / "a" / "custom.toml").write_bytes(CUSTOM_PACK.read_bytes())
    rows = _show(run("check", "--show-config", "--pack", "custom.toml", cwd=tree / "a"))
    assert rows["pack"] == ('"custom.toml"', "command line")


def test_disabled_plugins_from_the_file(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"id": "P1", "name": "测试", "industry_code": "C3825"}\n', "utf-8")
    _settings(tmp_path, 'disable-plugins = ["jsonl_loader"]\n')
    proc = run("check", str(rows), cwd=tmp_path)
    assert proc.returncode == 2
    assert "rows.jsonl" in proc.stderr
    assert "P1" not in proc.stdout
    # the command line's list replaces the file's: the JSONL loader is back
    ok = run(
        "check",
        str(rows),
        "--disable-plugin",
        "toml_loader",
        "--format",
        "jsonl",
        "--stdin-format",
        "jsonl",
        cwd=tmp_path,
    )
    assert ok.returncode in (0, 1), ok.stderr
    assert json.loads(ok.stdout.splitlines()[0])["project"]["id"] == "P1"


def test_a_misspelt_plugin_name_in_the_file_names_its_line(tmp_path: Path) -> None:
    path = _settings(tmp_path, '# blocked here\ndisable-plugins = ["jsonl_loadr"]\n')
    proc = run("check", "--show-config", cwd=tmp_path)
    assert proc.returncode == 2
    assert f"{path}:2: disable-plugins: " in proc.stderr
    assert "did you mean 'jsonl_loader'?" in proc.stderr
    typed = run("check", "--show-config", "--disable-plugin", "jsonl_loadr", cwd=tmp_path)
    assert typed.returncode == 2
    assert str(path) not in typed.stderr  # the command line's name: not the file's fault


def _credit_installed() -> bool:
    try:
        metadata.distribution("heshan-vetting-credit")
    except metadata.PackageNotFoundError:
        return False
    return True


needs_credit = pytest.mark.skipif(
    not _credit_installed() and os.environ.get("HESHAN_REQUIRE_PLUGINS") != "1",
    reason="heshan-vetting-credit is not installed (pip install -e plugins/heshan-vetting-credit)",
)


@needs_credit
def test_a_plugin_option_from_the_file_with_a_relative_path(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "black.csv").write_text(
        CREDIT_HEADER + f"{VALID_CODE},某公司,失信被执行人,某法院,,2024-01-01,\n"
    )
    project = tmp_path / "p.toml"
    project.write_text(
        f'id = "P1"\nname = "测试"\nindustry_code = "C3825"\napplicant_credit_code = "{VALID_CODE}"\n', "utf-8"
    )
    _settings(tmp_path, 'credit-blacklist = "lists/black.csv"\ndisable-plugins = ["xlsx"]\nformat = "json"\n')
    (tmp_path / "sub").mkdir()
    proc = run("check", str(project), "--as-of", "2024-06-01", cwd=tmp_path / "sub", autoload=True)
    assert proc.returncode == 1, proc.stderr  # reject: listed
    report = json.loads(proc.stdout)["items"][0]
    assert report["verdict"] == "reject"
    rows = _show(run("check", "--show-config", cwd=tmp_path / "sub", autoload=True))
    assert rows["credit-blacklist"] == (
        json.dumps([str(tmp_path / "lists" / "black.csv")]),
        f"{tmp_path / 'heshan-vetting.toml'}:1",
    )
    _settings(tmp_path, 'disable-plugins = ["xlsx", "credit"]\nformat = "json"\n')
    proc = run("check", str(project), "--as-of", "2024-06-01", cwd=tmp_path, autoload=True)
    plugins = {p["name"] for p in json.loads(proc.stdout)["items"][0]["provenance"]["plugins"]}
    assert "credit" not in plugins
    _settings(tmp_path, 'disable-plugins = ["xlsx", "credit"]\ncredit-blacklist = "lists/black.csv"\n')
    proc = run("check", str(project), cwd=tmp_path, autoload=True)  # the option of a blocked plugin is unknown
    assert proc.returncode == 2
    assert "credit-blacklist" in proc.stderr
