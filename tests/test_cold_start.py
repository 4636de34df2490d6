"""A cold start imports only what the run needs (issue 15, target 5): the guard against an eager import creeping back.

Each test runs a fresh interpreter and lists the modules it ended with; no timing is asserted (timings live in
benchmarks/run.py's cold_cli). The check runs with entry-point plugins loaded, as a user's would: an installed
xlsx plugin must not bring openpyxl into a check of a TOML file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import heshan_vetting
from heshan_vetting.plugins import ENV_NO_AUTOLOAD

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "projects" / "pv-module-plant.toml"

#: Modules a text check of one TOML file never needs: other commands (diff, evaluate, pack tests, schema,
#: coverage, init), the other engines, and the optional dependencies of plugins and extras.
NOT_FOR_A_CHECK = (
    "heshan_vetting.engines.durable",
    "heshan_vetting.engines.columnar",
    "heshan_vetting.impact_report",
    "heshan_vetting.impact_render",
    "heshan_vetting.packdiff",
    "heshan_vetting.packtests",
    "heshan_vetting.packinit",
    "heshan_vetting.schemas",
    "heshan_vetting.testing",
    "heshan_vetting.hookdoc",
    "heshan_vetting.packs.coverage",
    "openpyxl",
    "numpy",
    "polars",
    "durable",
)

_LIST_MODULES = """
import json, runpy, sys
out, argv = sys.argv[1], sys.argv[2:]
sys.argv = ["heshan_vetting", *argv]
try:
    runpy.run_module("heshan_vetting", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = None
with open(out, "w", encoding="utf-8") as f:
    json.dump({"exit": code, "modules": sorted(sys.modules)}, f)
"""


def _modules_after(tmp_path: Path, *argv: str, autoload: bool = True) -> tuple[object, set[str], str]:
    env = dict(os.environ)
    if autoload:
        env.pop(ENV_NO_AUTOLOAD, None)
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", _LIST_MODULES, str(out), *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    return data["exit"], set(data["modules"]), done.stdout


def _imported(modules: set[str], name: str) -> bool:
    return name in modules or any(m.startswith(name + ".") for m in modules)


def test_import_heshan_vetting_imports_nothing_heavy(tmp_path: Path) -> None:
    code = "import json, sys, heshan_vetting; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(json.loads(done.stdout))
    ours = {m for m in modules if m.split(".")[0] == "heshan_vetting"}
    assert ours == {"heshan_vetting", "heshan_vetting.version"}
    for heavy in ("pydantic", "pint", "pluggy", "tomllib", "openpyxl", "numpy"):
        assert not _imported(modules, heavy), heavy


def test_every_public_name_still_imports_from_the_package() -> None:
    code = (
        "import heshan_vetting as h\n"
        "from heshan_vetting import *\n"
        "missing = [n for n in h.__all__ if n not in globals()]\n"
        "assert not missing, missing\n"
        "from heshan_vetting import Vetter, Report, Project, __version__\n"
        "import heshan_vetting.vetter, heshan_vetting.report\n"
        "assert Vetter is heshan_vetting.vetter.Vetter and Report is heshan_vetting.report.Report\n"
        "assert h.vetter is heshan_vetting.vetter  # a submodule is an attribute too\n"
        "try:\n"
        "    h.no_such_name\n"
        "except AttributeError as exc:\n"
        "    assert 'no_such_name' in str(exc)\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert set(heshan_vetting.__all__) <= set(dir(heshan_vetting))
    assert heshan_vetting.Vetter.__module__ == "heshan_vetting.vetter"


def test_a_text_check_of_one_file_imports_only_what_it_needs(tmp_path: Path) -> None:
    exit_code, modules, stdout = _modules_after(tmp_path, "check", str(EXAMPLE), "--no-config", "--quiet")
    assert exit_code == 0
    assert "准予准入" in stdout  # it did check the file
    assert "heshan_vetting.vetter" in modules
    assert "pint" in modules
    # pint imports numpy by itself wherever numpy is installed (the columnar extra, and the dev extra for its tests):
    # that is pint's cost, paid by `python -c "import pint"` alike; only what this package adds is checked
    pint_alone = subprocess.run(
        [sys.executable, "-c", "import json, sys, pint; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    by_pint = set(json.loads(pint_alone.stdout))
    for name in NOT_FOR_A_CHECK:
        if _imported(by_pint, name):
            continue
        assert not _imported(modules, name), f"{name} was imported by a text check of one file"
    permu = {m for m in modules if m.startswith("heshan_vetting.permu.")}
    assert permu <= {"heshan_vetting.permu.arguments"}, permu  # evaluate's arguments only, for the parser


def test_the_evaluate_command_still_finds_its_arguments(tmp_path: Path) -> None:
    from heshan_vetting.permu import command
    from heshan_vetting.permu.arguments import DEFAULT_ENGINE, DEFAULT_PACK, add_evaluate_parser

    assert command.add_evaluate_parser is add_evaluate_parser  # the old import path still works
    assert (command.DEFAULT_PACK, command.DEFAULT_ENGINE) == (DEFAULT_PACK, DEFAULT_ENGINE)
    done = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "evaluate", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "--previous-as-of" in done.stdout


_BUILT_AFTER_CHECK = """
import json, runpy, sys
out, argv = sys.argv[1], sys.argv[2:]
sys.argv = ["heshan_vetting", *argv]
try:
    runpy.run_module("heshan_vetting", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
import heshan_vetting.report as report
from pydantic import BaseModel
models = [v for v in vars(report).values()
          if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == report.__name__]
with open(out, "w", encoding="utf-8") as f:
    json.dump({m.__name__: m.__pydantic_complete__ for m in models}, f)
"""


def test_a_text_check_builds_no_validator_or_serializer_for_the_report(tmp_path: Path) -> None:
    # the report's models are built without validation (evaluation/trusted.py) and a text report does not serialize
    # them: their pydantic schemas (some 30 ms to build) are deferred to the first validation or JSON (defer_build)
    out = tmp_path / "built.json"
    argv = ["check", str(EXAMPLE), "--no-config", "--quiet"]
    subprocess.run([sys.executable, "-c", _BUILT_AFTER_CHECK, str(out), *argv], check=True, capture_output=True)
    built = json.loads(out.read_text(encoding="utf-8"))
    assert {"Report", "Finding", "Comparison", "Score"} <= set(built)
    assert not built["Report"], built
    assert not built["Finding"], built
    # JSON output builds them when it first serializes one
    argv_json = [*argv, "--format", "json"]
    subprocess.run([sys.executable, "-c", _BUILT_AFTER_CHECK, str(out), *argv_json], check=True, capture_output=True)
    assert json.loads(out.read_text(encoding="utf-8"))["Report"] is True
