"""Running a batch in worker processes: ``Vetter.check_many(jobs=N)``.

Workers check chunks of the input; results come back in input order, the same as with ``jobs=1``. A worker
gets its Vetter one of two ways:

- **fork** (Linux only, and only when it is safe, see :func:`can_fork`): the worker is a copy of this process
  made before anything was checked, with the caller's Vetter already built, so it starts in milliseconds. Safe
  because at that moment this process runs a single thread (no other thread can hold a lock the copy would
  inherit locked), the engine is the native or columnar one (pure Python closures and numpy arrays; no engine
  host with threads or a connection), every plugin is first-party (none keeps threads, sockets or open files
  between calls), and standard output and error are flushed first (the copy never writes them).
- **spawn** (everywhere else, and always for the durable engine or any other plugin): a fresh interpreter
  inherits no threads or open engine state (durable-rules runs background threads that must not be forked); it
  builds its own Vetter from the caller's arguments once, when it starts (about a second: imports and the
  pack's compilation).

No thread helps: this process hands chunks out, checks chunks itself and reads the workers' results, all in its
one thread, over a pipe each way per worker (on Linux each pipe holds a megabyte, so a worker writes a chunk's
results at once and goes on; the results of 16 items are about 600 KB of JSON). A pool with a reader thread lost a
quarter of a worker's time waiting for that thread, which needs the interpreter lock this thread holds while it
checks.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import inspect
import os
import pickle
import queue
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from heshan_vetting.errors import UsageError
from heshan_vetting.results import Item

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

__all__ = [
    "AHEAD",
    "CHUNK",
    "FIRST_PARTY",
    "LOCAL_AHEAD",
    "WorkerError",
    "can_fork",
    "run_parallel",
    "worker_arguments",
]

#: Inputs sent to a worker at a time (small enough to keep every worker busy near the end of a batch).
CHUNK = 16
#: Chunks in a worker's hands at a time (one it checks, the next ones waiting in its pipe).
AHEAD = 3
#: Chunks the calling process may check ahead of the oldest chunk still in a worker's hands.
LOCAL_AHEAD = 8
#: Distributions whose plugins keep no threads, sockets or open files between calls (reviewed): a Vetter with
#: only these may be copied into a worker by fork.
FIRST_PARTY = frozenset({"heshan-vetting", "heshan-vetting-credit", "heshan-vetting-xlsx"})
#: Engines made only of Python closures and numpy arrays (the durable engine's host runs threads: spawn).
_FORKABLE_ENGINES = frozenset({"native", "columnar"})
#: A pipe's capacity asked for on Linux (``F_SETPIPE_SZ``; the default maximum an unprivileged process may ask).
_PIPE_BYTES = 1 << 20


class WorkerError(RuntimeError):
    """A worker process failed in a way that cannot be sent back as the original exception (it ended, or its
    exception or results do not pickle); the message says what happened, with the worker's traceback if any."""


class _Checker(Protocol):
    def check_input(self, item: Any, *, as_of: date | None = None, index: int | None = None) -> list[Item]: ...


def worker_arguments(arguments: Mapping[str, Any], infos: Mapping[str, Any]) -> dict[str, Any]:
    """A Vetter's constructor arguments, made ready to send to a worker process.

    Plugin objects that are modules are sent by name (and imported in the worker); other objects must pickle.
    A Vetter built from ready hooks (the command line) is rebuilt with the same blocked plugins and with
    entry points loaded only if the parent loaded any.
    """
    out = dict(arguments)
    plugins: list[Any] = []
    for plugin in out.get("plugins", ()):
        if inspect.ismodule(plugin):
            plugins.append(("module", plugin.__name__))
            continue
        try:
            pickle.dumps(plugin)
        except Exception as exc:
            raise UsageError(
                f"check_many(jobs=N) sends the Vetter's plugins to worker processes, but the plugin {plugin!r} "
                f"cannot be pickled ({type(exc).__name__}); give it as a module or an instance of an importable "
                "class, or use jobs=1.",
                message_zh=f"check_many(jobs=N) 需把插件传给工作进程，但插件 {plugin!r} 无法序列化；"
                "请以模块或可导入类的实例提供，或使用 jobs=1。",
                field="jobs",
            ) from None
        plugins.append(("object", plugin))
    out["plugins"] = tuple(plugins)
    blocked = sorted(name for name, info in infos.items() if getattr(info, "blocked", False))
    out["disable_plugins"] = tuple(sorted({*out.get("disable_plugins", ()), *blocked}))
    if out.get("autoload") is None:
        out["autoload"] = any(getattr(info, "origin", "") == "entry_point" for info in infos.values()) or None
    return out


def can_fork(arguments: Mapping[str, Any], infos: Mapping[str, Any]) -> bool:
    """Whether a Vetter built with ``arguments`` and the plugins ``infos`` may be copied into workers by fork.

    Only on Linux, with a native or columnar engine named by its name and every plugin in use first-party
    (:data:`FIRST_PARTY`); :func:`run_parallel` also checks, when it starts the workers, that this process runs
    a single thread. Anything else is spawned. ``HESHAN_VETTING_JOBS_START=spawn`` forces spawn (tests use it).
    """
    if not sys.platform.startswith("linux") or os.environ.get("HESHAN_VETTING_JOBS_START", "").strip() == "spawn":
        return False
    if arguments.get("engine") not in _FORKABLE_ENGINES or arguments.get("plugins"):
        return False
    return all(getattr(info, "distribution", "") in FIRST_PARTY for info in infos.values() if not info.blocked)


def _one_thread() -> bool:
    """Whether this process runs a single thread, C threads included (Linux: ``/proc/self/task``)."""
    if threading.active_count() != 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives a pickle round trip, else a :class:`WorkerError` with its type, text and traceback."""
    try:
        pickle.loads(pickle.dumps(exc, pickle.HIGHEST_PROTOCOL))
    except Exception:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return WorkerError(f"a worker process failed: {type(exc).__name__}: {exc}\n{text}")
    return exc


def _build(how: str, payload: Any) -> _Checker:
    """A worker's checker: the caller's Vetter copied by fork (``adopt``), or one built from its arguments."""
    if how == "adopt":
        gc.freeze()  # the inherited objects live as long as the worker: keep the collector from walking (copying) them
        checker: _Checker = payload
        return checker
    factory, arguments = payload
    plugins = [importlib.import_module(ref) if kind == "module" else ref for kind, ref in arguments["plugins"]]
    built: _Checker = factory(**{**arguments, "plugins": plugins})
    return built


def _serve(
    tasks: Connection,
    results: Connection,
    how: str,
    payload: Any,
    as_of: date | None,
    then: Callable[[Item], Any] | None,
    inherited: tuple[Connection, ...] = (),
) -> None:
    """A worker's life: build the checker, say it is ready (or why it could not start), then check each chunk
    that comes and send back its results (and the error that stopped it, if any) as one message, until told to
    stop or the caller's end of a pipe closes. Interrupts are the calling process's to handle. ``inherited``: the
    caller's ends of the pipes, which a forked worker holds copies of and closes (so that each end sees the
    other close)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for connection in inherited:
        connection.close()
    try:
        _serve_chunks(tasks, results, how, payload, as_of, then)
    except OSError:  # the caller closed its ends (it stopped early or was interrupted): nothing to say
        return


def _serve_chunks(
    tasks: Connection,
    results: Connection,
    how: str,
    payload: Any,
    as_of: date | None,
    then: Callable[[Item], Any] | None,
) -> None:
    # a thread takes the chunks as they come, so the caller's writes never wait on this process's (which may wait
    # for the caller to read: neither would go on)
    inbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()

    def read() -> None:
        try:
            while True:
                message = tasks.recv_bytes()
                inbox.put(message)
                if not message:
                    return
        except (EOFError, OSError):
            inbox.put(b"")

    threading.Thread(target=read, name="heshan-vetting-inbox", daemon=True).start()
    try:
        checker = _build(how, payload)
    except BaseException as exc:
        results.send_bytes(pickle.dumps(("failed", _portable(exc)), pickle.HIGHEST_PROTOCOL))
        return
    results.send_bytes(pickle.dumps(("ready", None), pickle.HIGHEST_PROTOCOL))
    while True:
        message = inbox.get()
        if not message:
            return
        seq, chunk = pickle.loads(message)
        out: list[Any] = []
        error: BaseException | None = None
        try:
            for index, item in chunk:
                for result in checker.check_input(item, as_of=as_of, index=index):
                    out.append(result if then is None else then(result))
        except Exception as exc:  # raised in the caller when its turn comes, after the results before it
            error = exc
        if error is not None:
            error = _portable(error)
        try:
            data = pickle.dumps((seq, out, error), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a result that does not pickle (a ``then`` returning, say, a lambda)
            data = pickle.dumps((seq, [], _portable(exc)), pickle.HIGHEST_PROTOCOL)
        results.send_bytes(data)


def _widen(connection: Connection) -> None:
    """Ask for a large pipe (Linux), so a chunk's results are written at once; elsewhere the default stays."""
    try:
        import fcntl

        fcntl.fcntl(connection.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
    except (ImportError, OSError, ValueError):
        pass


@dataclass
class _Worker:
    """One worker process as the caller sees it: its pipes, whether it is ready, its chunks out."""

    process: BaseProcess
    tasks: Connection
    results: Connection
    ready: bool = False
    out: int = 0
    failed: BaseException | None = None


@dataclass
class _Slot:
    """One chunk in input order: checked here (``done`` from the start) or in a worker (``done`` when back)."""

    worker: _Worker | None
    done: bool = False
    results: list[Any] = field(default_factory=list)
    error: BaseException | None = None


def _start_workers(
    count: int,
    factory: Callable[..., _Checker],
    arguments: dict[str, Any],
    forked: _Checker | None,
    as_of: date | None,
    then: Callable[[Item], Any] | None,
) -> list[_Worker]:
    import multiprocessing  # imported here: a program that never starts a worker does not pay for it

    fork = forked is not None and _one_thread()
    context: Any = multiprocessing.get_context("fork" if fork else "spawn")
    how, payload = ("adopt", forked) if fork else ("build", (factory, arguments))
    if fork:
        for stream in (sys.stdout, sys.stderr):  # a copy's exit flushes them: nothing may be pending
            if stream is not None:
                stream.flush()
    workers: list[_Worker] = []
    try:
        for _ in range(count):
            task_r, task_w = context.Pipe(duplex=False)
            result_r, result_w = context.Pipe(duplex=False)
            _widen(task_w)
            _widen(result_w)
            # a forked worker closes its copies of this process's ends (its own and the earlier workers')
            ends = (task_w, result_r, *(c for w in workers for c in (w.tasks, w.results))) if fork else ()
            process = context.Process(
                target=_serve,
                args=(task_r, result_w, how, payload, as_of, then, ends),
                name="heshan-vetting-worker",
            )
            process.daemon = True
            workers.append(_Worker(process, task_w, result_r))
            process.start()
            task_r.close()
            result_w.close()
    except BaseException:
        _stop(workers)
        raise
    return workers


def _stop(workers: list[_Worker]) -> None:
    """Tell every worker to stop and close this process's ends of the pipes (a worker writing results nobody
    will read then stops too); end at once a worker still starting, and any that has not ended within a while."""
    for w in workers:
        with contextlib.suppress(OSError, ValueError):
            w.tasks.send_bytes(b"")
        w.tasks.close()
        w.results.close()
        if w.process.pid is not None and not w.ready:
            w.process.terminate()  # nothing of its work is waited for
    for w in workers:
        if w.process.pid is not None:
            w.process.join(timeout=5)
            if w.process.is_alive():
                w.process.terminate()
                w.process.join(timeout=5)


def _receive(w: _Worker, slots: dict[int, _Slot]) -> None:
    """Take one message from ``w``: ready, failed to start, or a chunk's results (stored in its slot)."""
    try:
        message = pickle.loads(w.results.recv_bytes())
    except (EOFError, OSError):
        w.process.join(timeout=1)
        raise WorkerError(
            f"a worker process ended unexpectedly (exit code {w.process.exitcode}) with chunks unfinished"
        ) from None
    if message[0] == "ready":
        w.ready = True
        return
    if message[0] == "failed":
        w.failed = message[1]
        raise message[1]
    seq, results, error = message
    slot = slots.pop(seq)
    slot.results, slot.error, slot.done = results, error, True
    w.out -= 1


def run_parallel(
    factory: Callable[..., _Checker],
    arguments: dict[str, Any],
    numbered: Iterable[tuple[int, Any]],
    as_of: date | None,
    jobs: int,
    chunk: int = CHUNK,
    then: Callable[[Item], Any] | None = None,
    local: _Checker | None = None,
    head_start: bool = True,
    forked: _Checker | None = None,
) -> Iterator[Any]:
    """Check ``numbered`` inputs in ``jobs`` processes; yield the results in input order.

    ``then``, if given, is applied to each result where it was checked and its value is yielded instead (it must
    pickle: a module-level function or a ``functools.partial`` of one). Sending a report's JSON text back costs
    the parent a fraction of what rebuilding the pydantic model from a pickle does.

    With ``local`` (the caller's own checker, e.g. its Vetter), the calling process is one of the ``jobs``: it
    starts ``jobs - 1`` workers and checks chunks itself whenever the oldest chunk sent to a worker is not back
    yet, and every chunk while the workers start (a spawned interpreter takes about a second to import the
    package and compile the pack). Without it, ``jobs`` workers check everything. At most ``AHEAD`` chunks are in
    a worker's hands and ``LOCAL_AHEAD`` chunks checked here wait behind them, so memory does not grow with the
    length of the input. ``head_start=False`` hands chunks out from the first (tests use it to be sure that
    workers take part).

    ``forked``, if given (the caller's Vetter, where :func:`can_fork` allows it), is copied into the workers by
    fork instead of building one in each, when this process runs a single thread as they start; else they are
    spawned. An error raised while checking a chunk (here or in a worker) is raised when its turn comes, after
    the results before it; the workers are stopped however the iteration ends.
    """
    from multiprocessing.connection import wait

    count = jobs - 1 if local is not None else jobs
    workers = _start_workers(count, factory, arguments, forked, as_of, then)
    by_pipe = {id(w.results): w for w in workers}
    it = iter(numbered)
    sent: dict[int, _Slot] = {}  # a worker's chunks not back yet, by number
    pending: deque[_Slot] = deque()  # every chunk not yet yielded, in input order
    seq = 0
    more = True
    handing_out = local is None or not head_start

    def take() -> list[tuple[int, Any]]:
        nonlocal more
        batch = list(islice(it, chunk)) if more else []
        if not batch:
            more = False
        return batch

    def drain(timeout: float | None) -> None:
        """Read every message the workers have ready (waiting up to ``timeout`` for one; ``None``: forever)."""
        nonlocal handing_out
        busy = [w.results for w in workers if w.out or not w.ready]
        for pipe in wait(busy, timeout):
            w = by_pipe[id(pipe)]
            _receive(w, sent)
            if w.ready and not handing_out and all(x.ready for x in workers):
                handing_out = True

    def here(batch: list[tuple[int, Any]]) -> _Slot:
        assert local is not None
        slot = _Slot(None, done=True)
        for index, item in batch:
            try:
                for result in local.check_input(item, as_of=as_of, index=index):
                    slot.results.append(result if then is None else then(result))
            except Exception as exc:  # raised when its turn comes, after the results before it
                slot.error = exc
                break
            drain(0)  # read what the workers sent while this process checks, so their pipes never fill
        return slot

    try:
        while True:
            if handing_out:
                for w in workers:
                    while more and w.out < AHEAD:
                        batch = take()
                        if not batch:
                            break
                        slot = _Slot(w)
                        sent[seq] = slot
                        pending.append(slot)
                        w.tasks.send_bytes(pickle.dumps((seq, batch), pickle.HIGHEST_PROTOCOL))
                        w.out += 1
                        seq += 1
            if not pending:
                if not more:
                    return
                if not handing_out:  # the workers are starting: check here, in order
                    batch = take()
                    if batch:
                        pending.append(here(batch))
                    continue
            head = pending[0]
            if head.done:
                pending.popleft()
                yield from head.results
                if head.error is not None:
                    raise head.error
                continue
            drain(0)
            if head.done:
                continue
            if local is not None and more and len(pending) - len(sent) < LOCAL_AHEAD:
                batch = take()
                if batch:
                    pending.append(here(batch))
                continue
            drain(None)  # nothing to do here: wait for a worker
    finally:
        _stop(workers)
