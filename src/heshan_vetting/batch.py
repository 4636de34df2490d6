"""Running a batch in worker processes: ``Vetter.check_many(jobs=N)``.

Each worker builds its own Vetter from the parent's arguments (once, when the worker starts) and checks chunks
of the input; results come back in input order, the same as with ``jobs=1``. Workers are started with the
``spawn`` method: a fresh interpreter inherits no threads or open engine state from the parent (durable-rules
runs background threads that must not be forked).
"""

from __future__ import annotations

import importlib
import inspect
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from heshan_vetting.errors import UsageError
from heshan_vetting.results import Item

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["CHUNK", "LOCAL_AHEAD", "run_parallel", "worker_arguments"]

#: Inputs sent to a worker at a time (small enough to keep every worker busy near the end of a batch).
CHUNK = 16
#: Chunks the calling process may check ahead of the oldest chunk still in a worker's hands.
LOCAL_AHEAD = 8


class _Checker(Protocol):
    def check_input(self, item: Any, *, as_of: date | None = None, index: int | None = None) -> list[Item]: ...


_worker: _Checker | None = None


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


def _start(factory: Callable[..., _Checker], arguments: dict[str, Any]) -> None:
    global _worker
    plugins = [importlib.import_module(ref) if kind == "module" else ref for kind, ref in arguments["plugins"]]
    _worker = factory(**{**arguments, "plugins": plugins})


def _check_chunk(
    checker: _Checker, chunk: list[tuple[int, Any]], as_of: date | None, then: Callable[[Item], Any] | None
) -> list[Any]:
    """The results of one chunk, checked by ``checker``, each passed through ``then`` if given."""
    results = [result for index, item in chunk for result in checker.check_input(item, as_of=as_of, index=index)]
    return results if then is None else [then(result) for result in results]


def _run(chunk: list[tuple[int, Any]], as_of: date | None, then: Callable[[Item], Any] | None) -> list[Any]:
    assert _worker is not None, "the worker was not started"
    return _check_chunk(_worker, chunk, as_of, then)


def _ready() -> bool:
    """A task that does nothing: its result says a worker has started (built its Vetter)."""
    return True


class _Local:
    """A chunk the calling process checked itself: its results, or the error that stopped it (raised in turn)."""

    __slots__ = ("error", "results")

    def __init__(self, results: list[Any], error: BaseException | None) -> None:
        self.results = results
        self.error = error


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
) -> Iterator[Any]:
    """Check ``numbered`` inputs in ``jobs`` processes; yield the results in input order.

    ``then``, if given, is applied to each result where it was checked and its value is yielded instead (it must
    pickle: a module-level function or a ``functools.partial`` of one). Sending a report's JSON text back costs
    the parent a fraction of what rebuilding the pydantic model from a pickle does.

    With ``local`` (the caller's own checker, e.g. its Vetter), the calling process is one of the ``jobs``: it
    starts ``jobs - 1`` workers and checks chunks itself whenever the oldest chunk sent to a worker is not back
    yet, and every chunk while the workers start (a fresh interpreter takes about a second to import the package
    and compile the pack). Without it, ``jobs`` workers check everything. At most ``4 × workers`` chunks are in
    the workers' hands and ``LOCAL_AHEAD`` chunks checked here wait behind them, so memory does not grow with the
    length of the input. ``head_start=False`` hands chunks out from the first (tests use it to be sure that
    workers take part).
    """
    import multiprocessing  # imported here: a process pool costs nothing to a program that never starts one
    from concurrent.futures import ProcessPoolExecutor

    workers = jobs - 1 if local is not None else jobs
    context = multiprocessing.get_context("spawn")
    it = iter(numbered)

    def take() -> list[tuple[int, Any]]:
        return list(islice(it, chunk))

    def here(batch: list[tuple[int, Any]]) -> _Local:
        assert local is not None
        results: list[Any] = []
        try:
            for index, item in batch:
                for result in local.check_input(item, as_of=as_of, index=index):
                    results.append(result if then is None else then(result))
        except Exception as exc:  # raised when its turn comes, after the results before it
            return _Local(results, exc)
        return _Local(results, None)

    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start, initargs=(factory, arguments)
    ) as pool:
        if local is not None and head_start:
            started = pool.submit(_ready)
            while not started.done():  # the workers are starting: check here, in order, and hand nothing out
                batch = take()
                if not batch:
                    return
                done = here(batch)
                yield from done.results
                if done.error is not None:
                    raise done.error
            started.result()  # a worker that could not start says why here
        pending: deque[Future[list[Any]] | _Local] = deque()
        sent = 0  # chunks in the workers' hands
        more = True
        while True:
            while more and sent < 4 * workers:
                batch = take()
                if not batch:
                    more = False
                    break
                pending.append(pool.submit(_run, batch, as_of, then))
                sent += 1
            if not pending:
                return
            head = pending[0]
            if isinstance(head, _Local):
                pending.popleft()
                yield from head.results
                if head.error is not None:
                    raise head.error
                continue
            if local is not None and more and not head.done() and len(pending) - sent < LOCAL_AHEAD:
                batch = take()
                if batch:
                    pending.append(here(batch))
                else:
                    more = False
                continue
            pending.popleft()
            sent -= 1
            yield from head.result()
