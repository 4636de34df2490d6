"""``python -m heshan_vetting init``: starter files from the plugins' ``heshan_templates``; loaders get the options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import LoadedItem, Project, Template, Text, Units, hookimpl
from heshan_vetting.cli import main
from heshan_vetting.plugins import ENV_NO_AUTOLOAD
from heshan_vetting.testing import make_vetter, sample_project


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, ENV_NO_AUTOLOAD: "1"}
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
    )


def test_init_without_templates_lists_none_and_says_why(tmp_path: Path) -> None:
    proc = run(["init"], tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith("project  project.toml")  # the toml_loader built-in's
    proc = run(["init", "--disable-plugin", "toml_loader"], tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert "No plugin provides a template" in proc.stderr


def test_an_unknown_template_is_a_usage_error(tmp_path: Path) -> None:
    proc = run(["init", "ledger"], tmp_path)
    assert proc.returncode == 2
    assert "There is no template 'ledger'" in proc.stderr
    assert "没有名为 'ledger' 的模板" in proc.stderr
    assert "the templates are: project." in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


class _Templates:
    plugin_name = "starter"

    @hookimpl
    def heshan_templates(self) -> list[Template]:
        return [
            Template("starter", Text(zh="示例", en="example"), "starter.txt", lambda lang: f"lang={lang}\n".encode())
        ]


def test_init_writes_a_plugins_template_and_never_overwrites_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import heshan_vetting.plugins as plugins

    real = plugins.make_plugin_manager

    def with_starter(*args: Any, **kwargs: Any) -> Any:
        pm, infos = real(*args, **kwargs)
        pm.register(_Templates(), name="starter")
        return pm, infos

    monkeypatch.setattr(plugins, "make_plugin_manager", with_starter)
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--no-autoload", "starter"]) == 0
    assert (tmp_path / "starter.txt").read_text() == "lang=zh\n"
    (tmp_path / "starter.txt").write_text("mine\n")
    assert main(["init", "--no-autoload", "starter", "--lang", "en"]) == 2
    assert (tmp_path / "starter.txt").read_text() == "mine\n"
    assert main(["init", "--no-autoload", "starter", "--lang", "en", "--force"]) == 0
    assert (tmp_path / "starter.txt").read_text() == "lang=en\n"
    assert main(["init", "--no-autoload", "starter", "-o", "other.txt"]) == 0
    assert (tmp_path / "other.txt").read_text() == "lang=zh\n"


class _OptionLoader:
    """A loader that asks for the options: it reads ``.opt`` files and names the project after an option."""

    plugin_name = "optloader"

    @hookimpl
    def heshan_load_project(self, path: Path, units: Units, options: Any) -> list[Project | LoadedItem] | None:
        if path.suffix != ".opt":
            return None
        project = make_vetter().project(sample_project(name=str(options.get("opt_name", "default"))))
        return [LoadedItem(project=project, line=1)]


def test_a_loader_that_asks_for_options_gets_the_vetters(tmp_path: Path) -> None:
    path = tmp_path / "p.opt"
    path.write_text("")
    (item,) = make_vetter(_OptionLoader(), options={"opt_name": "来自选项"}).load_items(path)
    assert item.project is not None
    assert item.project.name == "来自选项"
    (item,) = make_vetter(_OptionLoader()).load_items(path)
    assert item.project is not None
    assert item.project.name == "default"
