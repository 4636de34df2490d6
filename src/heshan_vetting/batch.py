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

__all__ = ["CHUNK", "run_parallel", "worker_arguments"]

#: Inputs sent to a worker at a time (small enough to keep every worker busy near the end of a batch).
CHUNK = 16


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


def _run(chunk: list[tuple[int, Any]], as_of: date | None, then: Callable[[Item], Any] | None) -> list[Any]:
    assert _worker is not None, "the worker was not started"
    results = [result for index, item in chunk for result in _worker.check_input(item, as_of=as_of, index=index)]
    return results if then is None else [then(result) for result in results]


def run_parallel(
    factory: Callable[..., _Checker],
    arguments: dict[str, Any],
    numbered: Iterable[tuple[int, Any]],
    as_of: date | None,
    jobs: int,
    chunk: int = CHUNK,
    then: Callable[[Item], Any] | None = None,
) -> Iterator[Any]:
    """Check ``numbered`` inputs in ``jobs`` worker processes; yield the results in input order.

    ``then``, if given, is applied to each result in the worker and its value is sent back instead (it must
    pickle: a module-level function or a ``functools.partial`` of one). Sending a report's JSON text back costs
    the parent a fraction of what rebuilding the pydantic model from a pickle does. At most ``2 × jobs`` chunks
    are in flight, so memory does not grow with the length of the input.
    """
    import multiprocessing  # imported here: a process pool costs nothing to a program that never starts one
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    it = iter(numbered)
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_start, initargs=(factory, arguments)
    ) as pool:
        pending: deque[Future[list[Any]]] = deque()

        def submit() -> bool:
            batch = list(islice(it, chunk))
            if not batch:
                return False
            pending.append(pool.submit(_run, batch, as_of, then))
            return True

        more = True
        while more and len(pending) < 2 * jobs:
            more = submit()
        while pending:
            results = pending.popleft().result()
            if more:
                more = submit()
            yield from results
