"""Built-in plugin: the ``native`` and ``durable`` engines; durable-rules is imported only when durable is chosen."""

from __future__ import annotations

from .engine import CompiledPack
from .engines import Engine, EngineSpec, native_decider
from .hookspecs import hookimpl


def _native(pack: CompiledPack) -> Engine:
    return native_decider


def _durable_available() -> tuple[str, str] | None:
    from . import _durable

    reason = _durable.unavailable_reason()
    if reason is None:
        return None
    return reason, _durable.REASON_ZH


def _durable_version() -> str:
    from . import _durable

    return _durable.require()


def _durable_engine(pack: CompiledPack) -> Engine:
    from . import _durable

    return _durable.DurableDecider(pack)


NATIVE = EngineSpec(
    name="native",
    description="the pack's conditions compiled to Python closures",
    factory=_native,
)
DURABLE = EngineSpec(
    name="durable",
    description="the same conditions decided by a Rete network on durable-rules "
    "(pip install 'heshan-vetting[durable]'; CPython 3.10-3.12)",
    factory=_durable_engine,
    available=_durable_available,
    version=_durable_version,
)


@hookimpl
def heshan_engines() -> list[EngineSpec]:
    """``native`` (the default) and ``durable``."""
    return [NATIVE, DURABLE]
