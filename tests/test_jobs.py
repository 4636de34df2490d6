"""Batches in several processes (issue 15): each item's part of the output made where it is checked, the calling
process checking too, and the same bytes whatever the number of jobs."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import ItemError, Report, ReportSet, Vetter, batch
from heshan_vetting.batch import WorkerError, can_fork, run_parallel
from heshan_vetting.builtins.render.parts import STREAMED, Form, form_of, item_part, join_parts
from heshan_vetting.engines.durable.host import unavailable_reason
from heshan_vetting.extension import RenderContext
from heshan_vetting.results import Item, SummaryBuilder
from heshan_vetting.runner import digest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "projects"
AS_OF = date(2024, 6, 1)
KINDS = ("json", "jsonl", "text", "markdown", "csv")
DURABLE_MISSING = unavailable_reason()
BAD = 'id = "BAD-1"\nname = "坏项目"\nland_area = "abc"\n'


@pytest.fixture(scope="module")
def vetter() -> Vetter:
    return Vetter(disable_plugins=["credit", "xlsx"], autoload=False)


@pytest.fixture(scope="module")
def items(vetter: Vetter, tmp_path_factory: pytest.TempPathFactory) -> list[Item]:
    """Every example's report, with a bad file's error in the middle."""
    bad = tmp_path_factory.mktemp("bad") / "bad.toml"
    bad.write_text(BAD, encoding="utf-8")
    files: list[Any] = sorted(EXAMPLES.glob("*.toml"))
    files.insert(len(files) // 2, bad)
    out = list(vetter.check_many(files, as_of=AS_OF))
    assert any(isinstance(i, ItemError) for i in out[1:-1])
    return out


def joined(form: Form, items: list[Item]) -> str:
    summary = SummaryBuilder()
    for item in items:
        summary.add(item)
    return "".join(join_parts(form, [item_part(form, item) for item in items], summary.build))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_parts_joined_are_the_renderers_text(vetter: Vetter, items: list[Item], kind: str, lang: str) -> None:
    context = RenderContext(width=72, color=kind == "text")
    form = form_of(vetter.renderers[kind], lang, context)
    assert form is not None
    assert form.kind == kind
    error = next(i for i in items if isinstance(i, ItemError))
    batches: list[list[Item]] = [items, items[:1], [error], items[:2], [error, items[0]], []]
    for some in batches:
        expected = vetter.render(ReportSet(items=tuple(some)), kind, lang, context=context)
        assert joined(form, some) == expected, (kind, lang, len(some))


def test_other_formats_have_no_parts(vetter: Vetter) -> None:
    assert form_of(vetter.renderers["html"], "zh") is None
    assert form_of(lambda reports, lang: "", "zh") is None  # a plugin's renderer: rendered from the reports
    assert {"json", "jsonl", "text", "markdown"} == STREAMED


def test_a_digest_carries_the_part_and_not_the_report(vetter: Vetter, items: list[Item]) -> None:
    form = Form("text", "zh")
    report = next(i for i in items if isinstance(i, Report))
    d = digest(form, None, report)
    assert d.item is None
    assert d.part == item_part(form, report)
    assert d.verdict is report.verdict
    assert d.project_id == report.project.id
    assert digest(None, None, report).item is report  # a format without parts: the report itself


class Counting:
    """The calling process's checker, slowed down and counting what it checks."""

    def __init__(self, vetter: Vetter, pause: float = 0.0, fail_at: int | None = None) -> None:
        self.vetter, self.pause, self.fail_at, self.indices = vetter, pause, fail_at, list[int]()

    def check_input(self, item: Any, *, as_of: date | None = None, index: int | None = None) -> list[Item]:
        if index == self.fail_at:
            raise RuntimeError(f"broken at {index}")
        self.indices.append(index if index is not None else -1)
        time.sleep(self.pause)
        return self.vetter.check_input(item, as_of=as_of, index=index)


def inputs(tmp_path: Path, copies: int) -> list[Path]:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, encoding="utf-8")
    files = sorted(EXAMPLES.glob("*.toml"))[:6] * copies
    files.insert(len(files) // 2, bad)
    return files


def test_workers_and_the_calling_process_share_a_batch_in_order(vetter: Vetter, tmp_path: Path) -> None:
    files = inputs(tmp_path, 4)
    form = Form("jsonl", "zh")
    then = partial(digest, form, None)
    serial = [then(r) for r in vetter.check_many(files, as_of=AS_OF)]
    local = Counting(vetter, pause=0.05)
    mixed = list(
        run_parallel(
            Vetter,
            vetter._worker_arguments(),
            enumerate(files),
            AS_OF,
            2,
            chunk=1,
            then=then,
            local=local,
            head_start=False,
        )
    )
    assert [d.part for d in mixed] == [d.part for d in serial]
    assert [d.error for d in mixed] == [d.error for d in serial]
    assert 0 not in local.indices  # the first chunks went to the worker
    assert len(local.indices) < len(files)


def test_a_failure_here_comes_after_the_results_before_it(vetter: Vetter, tmp_path: Path) -> None:
    files = inputs(tmp_path, 1)
    got: list[Any] = []
    results = run_parallel(
        Vetter, vetter._worker_arguments(), enumerate(files), AS_OF, 2, local=Counting(vetter, fail_at=3)
    )
    with pytest.raises(RuntimeError, match="broken at 3"):
        got.extend(results)
    assert [r.project.source for r in got] == [str(f) for f in files[:3]]


def test_check_many_with_two_jobs_gives_the_same_reports(vetter: Vetter, tmp_path: Path) -> None:
    files = inputs(tmp_path, 2)
    assert list(vetter.check_many(files, as_of=AS_OF, jobs=2)) == list(vetter.check_many(files, as_of=AS_OF))


# -- the command ------------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "HESHAN_VETTING_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args], capture_output=True, env=env, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copies of the examples with a bad file among them (so the batch's exit code is 2)."""
    directory = tmp_path_factory.mktemp("batch")
    for n in range(3):
        for src in sorted(EXAMPLES.glob("*.toml")):
            shutil.copy(src, directory / f"{n}-{src.name}")
    (directory / "1-m-bad.toml").write_text(BAD, encoding="utf-8")
    return directory


@pytest.mark.parametrize("kind", KINDS)
def test_cli_jobs_1_and_2_write_the_same_bytes(batch_dir: Path, tmp_path: Path, kind: str) -> None:
    base = ("check", str(batch_dir), "--format", kind, "--as-of", "2024-06-01", "-q", "--fail-on", "never")
    one, two = tmp_path / f"one.{kind}", tmp_path / f"two.{kind}"
    first, second = run(*base, "-o", str(one)), run(*base, "-o", str(two), "--jobs", "2")
    assert first.returncode == second.returncode == 2, (first.stderr, second.stderr)  # the bad file
    assert one.read_bytes() == two.read_bytes()
    assert b"1-m-bad.toml" in one.read_bytes()  # the bad item is reported in its place
    to_stdout = run(*base, "--jobs", "2")
    assert to_stdout.returncode == 2
    assert to_stdout.stdout == one.read_bytes()
    assert first.stderr.count(b"land_area") == second.stderr.count(b"land_area") == 2  # zh and en lines
    if kind == "jsonl":
        lines = one.read_text(encoding="utf-8").splitlines()
        assert json.loads(lines[-1])["errors"] == 1


@pytest.mark.parametrize("kind", ["jsonl", "text"])
def test_cli_spawned_workers_write_the_same_bytes(batch_dir: Path, tmp_path: Path, kind: str) -> None:
    """Where fork is not allowed (here forced off), spawned workers give the same output."""
    base = ("check", str(batch_dir), "--format", kind, "--as-of", "2024-06-01", "-q", "--fail-on", "never")
    one, two = tmp_path / f"one.{kind}", tmp_path / f"two.{kind}"
    first = run(*base, "-o", str(one))
    env = {**os.environ, "HESHAN_VETTING_DISABLE_PLUGIN_AUTOLOAD": "1", "HESHAN_VETTING_JOBS_START": "spawn"}
    second = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *base, "-o", str(two), "--jobs", "3"],
        capture_output=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert first.returncode == second.returncode == 2, second.stderr
    assert one.read_bytes() == two.read_bytes()


# -- the pool: fork or spawn, errors, stopping --------------------------------------------------------


def test_fork_only_for_known_engines_and_first_party_plugins(vetter: Vetter, monkeypatch: pytest.MonkeyPatch) -> None:
    infos = vetter.hooks.infos
    assert can_fork({"engine": "native", "plugins": ()}, infos) == sys.platform.startswith("linux")
    assert can_fork({"engine": "columnar", "plugins": ()}, infos) == sys.platform.startswith("linux")
    assert not can_fork({"engine": "durable", "plugins": ()}, infos)  # its host runs threads
    assert not can_fork({"engine": "native", "plugins": (("module", "x"),)}, infos)  # a caller's own plugin
    other = {**infos, "theirs": replace(next(iter(infos.values())), name="theirs", distribution="someone-else")}
    assert not can_fork({"engine": "native", "plugins": ()}, other)
    blocked = {**infos, "theirs": replace(other["theirs"], blocked=True)}  # not in use: no matter
    assert can_fork({"engine": "native", "plugins": ()}, blocked) == sys.platform.startswith("linux")
    monkeypatch.setenv("HESHAN_VETTING_JOBS_START", "spawn")
    assert not can_fork({"engine": "native", "plugins": ()}, infos)


def _explode_at(project_id: str, item: Item) -> str:
    """A ``then`` that fails in a worker at one project."""
    if isinstance(item, Report) and item.project.id == project_id:
        raise ValueError(f"cannot digest {project_id}")
    return item.project.id if isinstance(item, Report) else "error"


def _die_at(project_id: str, item: Item) -> str:
    """A ``then`` that ends its worker process at one project."""
    if isinstance(item, Report) and item.project.id == project_id:
        os._exit(7)
    return "ok"


def _unpicklable(item: Item) -> Any:
    return lambda: item


@pytest.fixture(params=["fork", "spawn"])
def start(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with workers copied by fork (as ``python -m heshan_vetting`` does, with one thread) and
    spawned."""
    if request.param == "fork":
        if not sys.platform.startswith("linux"):
            pytest.skip("fork is used on Linux only")
        # the test process runs BLAS threads (numpy): say it has one, as the command's process has
        monkeypatch.setattr(batch, "_one_thread", lambda: True)
    return str(request.param)


def parallel(vetter: Vetter, files: list[Path], start: str, **kwargs: Any) -> Any:
    return run_parallel(
        Vetter,
        vetter._worker_arguments(),
        enumerate(files),
        AS_OF,
        2,
        chunk=2,
        local=vetter,
        head_start=False,
        forked=vetter if start == "fork" else None,
        **kwargs,
    )


def test_both_ways_give_the_serial_results(vetter: Vetter, tmp_path: Path, start: str) -> None:
    files = inputs(tmp_path, 3)
    then = partial(digest, Form("jsonl", "zh"), None)
    serial = [then(r) for r in vetter.check_many(files, as_of=AS_OF)]
    got = list(parallel(vetter, files, start, then=then))
    assert [d.part for d in got] == [d.part for d in serial]
    assert [d.source for d in got] == [str(f) for f in files]  # every file named, the bad one in its place
    assert sum(d.error is not None for d in got) == 1
    assert not multiprocessing.active_children()  # the workers ended with the batch


def test_a_workers_error_comes_after_the_results_before_it(vetter: Vetter, tmp_path: Path, start: str) -> None:
    files = sorted(EXAMPLES.glob("*.toml"))[:8]
    ids = [r.project.id for r in vetter.check_many(files, as_of=AS_OF) if isinstance(r, Report)]
    victim = ids[1]  # in the first chunk, which a worker checks (head_start=False)
    got: list[Any] = []
    with pytest.raises(ValueError, match=f"cannot digest {victim}"):
        got.extend(parallel(vetter, files, start, then=partial(_explode_at, victim)))
    assert got == ids[:1]
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_is_reported_not_waited_for(vetter: Vetter, tmp_path: Path, start: str) -> None:
    files = sorted(EXAMPLES.glob("*.toml"))[:8]
    victim = next(r.project.id for r in vetter.check_many(files[:1], as_of=AS_OF) if isinstance(r, Report))
    with pytest.raises(WorkerError, match="exit code 7"):
        list(parallel(vetter, files, start, then=partial(_die_at, victim)))
    assert not multiprocessing.active_children()


def test_results_that_do_not_pickle_are_an_error(vetter: Vetter, tmp_path: Path, start: str) -> None:
    files = sorted(EXAMPLES.glob("*.toml"))[:4]
    with pytest.raises((WorkerError, AttributeError, pickle.PicklingError), match=r"(?i)pickle"):
        list(parallel(vetter, files, start, then=_unpicklable))
    assert not multiprocessing.active_children()


def test_stopping_early_ends_the_workers(vetter: Vetter, tmp_path: Path, start: str) -> None:
    files = inputs(tmp_path, 6)
    results = parallel(vetter, files, start)
    assert isinstance(next(results), Report)
    results.close()
    assert not multiprocessing.active_children()


def test_check_many_with_three_jobs_keeps_order_and_errors(vetter: Vetter, tmp_path: Path) -> None:
    files = inputs(tmp_path, 3)
    serial = [r.model_dump_json() for r in vetter.check_many(files, as_of=AS_OF)]
    assert [r.model_dump_json() for r in vetter.check_many(files, as_of=AS_OF, jobs=3)] == serial


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_an_interrupted_run_leaves_no_output_and_no_workers(tmp_path: Path) -> None:
    import signal

    directory = tmp_path / "many"
    directory.mkdir()
    for n in range(15):
        for src in sorted(EXAMPLES.glob("*.toml")):
            shutil.copy(src, directory / f"{n:02d}-{src.name}")
    out = tmp_path / "out" / "results.jsonl"
    out.parent.mkdir()
    env = {**os.environ, "HESHAN_VETTING_DISABLE_PLUGIN_AUTOLOAD": "1"}
    args = ["check", str(directory), "--format", "jsonl", "-o", str(out), "--jobs", "2", "-q", "--fail-on", "never"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "heshan_vetting", *args, "--as-of", "2024-06-01"],
        env=env,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while not any(out.parent.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # the output's temporary file appears when the first results are written
    if proc.poll() is not None:
        pytest.skip("the run ended before it could be interrupted")
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    workers = children.read_text().split() if children.exists() else []
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:  # the interrupt came too late (or was lost): then the output is whole
        assert json.loads(out.read_text(encoding="utf-8").splitlines()[-1])["errors"] == 0
    else:
        assert list(out.parent.iterdir()) == []  # neither the output nor a half-written temporary file
        assert proc.returncode == 130, err
        assert b"Traceback" not in err
        assert "已中断" in err.decode("utf-8")
    assert b"heshan-vetting-worker" not in err  # the workers leave the interrupt to the calling process
    time.sleep(0.5)
    assert [w for w in workers if Path(f"/proc/{w}").exists()] == []


@pytest.mark.durable
@pytest.mark.skipif(DURABLE_MISSING is not None, reason=f"durable engine: {DURABLE_MISSING}")
def test_cli_durable_engine_workers_are_spawned_and_write_the_same_bytes(batch_dir: Path, tmp_path: Path) -> None:
    """The durable engine's host runs threads: never forked (spawned), the same bytes as one process."""
    assert not can_fork({"engine": "durable", "plugins": ()}, {})
    base = ("check", str(batch_dir), "--engine", "durable", "--format", "jsonl", "--as-of", "2024-06-01", "-q")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first, second = run(*base, "-o", str(one)), run(*base, "-o", str(two), "--jobs", "2")
    assert first.returncode == second.returncode == 2, (first.stderr, second.stderr)
    assert one.read_bytes() == two.read_bytes()
