"""nox sessions: tests on each installed Python, typecheck, lint, and the built wheel."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import nox

# Interpreters installed with pyenv are not on PATH as python3.X; let nox find them.
_PYENV = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
for _bin in sorted(glob.glob(os.path.join(_PYENV, "versions", "3.1[0-9]*", "bin"))):
    if _bin not in os.environ.get("PATH", ""):
        os.environ["PATH"] = os.environ.get("PATH", "") + os.pathsep + _bin

nox.options.sessions = ["tests", "typecheck", "lint", "wheel", "plugins"]
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
PLUGINS = ["plugins/heshan-vetting-credit", "plugins/heshan-vetting-xlsx"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite (with the plugins in plugins/) on each supported Python.

    durable-rules (the durable engine) is installed and required on 3.10-3.12; on 3.13 it cannot be loaded, so
    the durable tests skip there, with the reason shown."""
    durable = session.python != "3.13"
    extras = ".[dev,durable]" if durable else ".[dev]"
    session.install("-e", extras, *(arg for p in PLUGINS for arg in ("-e", p)))
    env = {"HESHAN_REQUIRE_PLUGINS": "1", "HESHAN_REQUIRE_DURABLE": "1" if durable else "0"}
    session.run("python", "-m", "pytest", "-q", "-ra", *session.posargs, env=env)


@nox.session(python="3.11")
def fuzz(session: nox.Session) -> None:
    """A long fuzzing campaign: the property-based tests marked ``fuzz``, with many more examples.

    ``HESHAN_FUZZ_SCALE`` (default 50 here; 1 in the normal test run) multiplies every fuzz test's number of
    examples; hypothesis prints, per test, how many cases it tried. ``nox -s fuzz -- --hypothesis-seed=1``
    passes options on to pytest."""
    session.install("-e", ".[dev]", *(arg for p in PLUGINS for arg in ("-e", p)))
    scale = os.environ.get("HESHAN_FUZZ_SCALE", "50")
    session.run(
        "python",
        "-m",
        "pytest",
        "-q",
        "-m",
        "fuzz",
        "--hypothesis-show-statistics",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"HESHAN_FUZZ_SCALE": scale, "HESHAN_REQUIRE_PLUGINS": "1"},
    )


@nox.session(python="3.10")
def typecheck(session: nox.Session) -> None:
    """mypy --strict (the library and the plugins), on the oldest supported Python."""
    session.install("-e", ".[dev]", *(arg for p in PLUGINS for arg in ("-e", p)))
    session.run("mypy", "--strict")


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def wheel(session: nox.Session) -> None:
    """Build the wheel, install it in a fresh venv and run `check` on an example with the shipped pack."""
    tmp = session.create_tmp()
    session.install("build")
    session.run("python", "-m", "build", "--wheel", "--outdir", f"{tmp}/dist", ".")
    wheels = glob.glob(f"{tmp}/dist/heshan_vetting-*.whl")
    session.install("--force-reinstall", wheels[0])
    # run from the temp dir so the import comes from the installed wheel, not src/
    session.chdir(tmp)
    session.run(
        "python",
        "-m",
        "heshan_vetting",
        "check",
        f"{session.invoked_from}/examples/projects/pv-module-plant.toml",
    )


@nox.session(python="3.11")
def plugins(session: nox.Session) -> None:
    """Build the library's and each plugin's wheel, install them (not editable) and test the plugins against them."""
    tmp = os.path.abspath(session.create_tmp())
    session.install("build", "pytest", "hypothesis")
    for source in [".", *PLUGINS]:
        session.run("python", "-m", "build", "--wheel", "--outdir", f"{tmp}/dist", source)
    wheels = sorted(glob.glob(f"{tmp}/dist/*.whl"))
    session.install("--force-reinstall", *wheels)
    session.chdir(tmp)  # import from the installed wheels, not the source tree
    session.run("python", "-m", "heshan_vetting", "plugins")
    tests = [f"{session.invoked_from}/{p}/tests" for p in PLUGINS]
    session.run(
        "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", tmp, *tests,
        env={"HESHAN_REQUIRE_PLUGINS": "1"},
    )  # fmt: skip


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _chromium() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def _debian_like() -> bool:
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            fields = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    except OSError:
        return False
    ids = {fields.get("ID", "").strip('"'), *fields.get("ID_LIKE", "").strip('"').split()}
    return bool(ids & {"debian", "ubuntu"})


def _has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


@nox.session(python="3.11")
def browser(session: nox.Session) -> None:
    """The HTML reports in a real headless Chromium: pages, screenshots and a PDF in build/browser/.

    Without a Chromium on PATH (chromium, chromium-browser, google-chrome), as root on Debian or Ubuntu it
    installs the distribution's ``chromium`` (and ``fonts-noto-cjk`` when no Chinese font is installed) with
    apt-get; otherwise it skips, saying why. With a Chromium but no Chinese font it warns and goes on.
    tests/browser/check_html.py does the checks; docs/html-reports.md says which."""
    if _chromium() is None:
        if not (os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get") and _debian_like()):
            session.skip(
                "no Chromium on PATH (chromium, chromium-browser, google-chrome), and it cannot be installed here "
                "(that needs root on Debian or Ubuntu with apt-get): install one to run the browser check"
            )
        # without a Chinese font the screenshots draw the Chinese text as empty boxes
        fonts = [] if _has_cjk_font() else ["fonts-noto-cjk"]
        session.run_always("apt-get", "update", external=True)
        session.run_always("apt-get", "install", "-y", "--no-install-recommends", "chromium", *fonts, external=True)
    elif not _has_cjk_font():
        session.warn("no Chinese font is installed (fonts-noto-cjk): the screenshots draw the Chinese text as boxes")
    chromium = _chromium()
    if chromium is None:
        session.skip("apt-get installed chromium, but no chromium binary is on PATH (a snap-only package?)")
    session.install("-e", ".")
    out = os.path.join(session.invoked_from, "build", "browser")
    session.run("python", "tests/browser/check_html.py", "--out", out, "--chromium", chromium)


@nox.session(python="3.11")
def dask(session: nox.Session) -> None:
    """The Dask example (examples/dask_batch.py) over generated projects equals check_many's output, byte for byte.

    dask[bag] is installed in this session only: heshan-vetting never depends on Dask."""
    session.install("-e", ".[dev]", "dask[bag]")
    session.run(
        "python", "-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider", "tests/test_partitions.py", *session.posargs,
        env={"HESHAN_REQUIRE_DASK": "1"},
    )  # fmt: skip


@nox.session(python="3.11", name="bench-batch")
def bench_batch(session: nox.Session) -> None:
    """benchmarks/batch.py: `check DIR --format jsonl` over 1,000 and 10,000 generated files, jobs 1 and 2 (about
    10 minutes on 2 idle cores); `nox -s bench-batch -- --large` adds 100,000. The figures go to the session's
    temporary folder as batch.json (its path is printed)."""
    session.install("-e", ".")
    out = os.path.join(os.path.abspath(session.create_tmp()), "batch.json")
    session.run("python", "benchmarks/batch.py", "--json", out, *session.posargs)
    session.log(f"figures and targets: {out}")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """benchmarks/run.py, the speed suite of issue 15 (5-10 minutes on 2 shared cores; ``nox -s bench -- --quick``
    under a minute): the table is printed and the figures and targets go to the session's temporary folder as
    bench.json (its path is printed). zen-engine (the ZEN Rust core) and durable-rules are installed in this session
    only: they are benchmark peers, never runtime dependencies of heshan-vetting."""
    session.install("-e", ".[durable,columnar]", "zen-engine>=2.1")
    out = os.path.join(os.path.abspath(session.create_tmp()), "bench.json")
    session.run("python", "benchmarks/run.py", "--json", out, *session.posargs)
    session.log(f"figures and targets: {out}")
