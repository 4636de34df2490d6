"""Built-in plugin: the ``native``, ``durable`` and ``columnar`` engines; durable-rules and numpy are imported only
when their engine is chosen."""

from __future__ import annotations

from heshan_vetting.engines.native import native_decider
from heshan_vetting.engines.protocol import Engine, EngineSpec
from heshan_vetting.hookspecs import hookimpl
from heshan_vetting.packs.compiled import CompiledPack


def _native(pack: CompiledPack) -> Engine:
    return native_decider


def _durable_available() -> tuple[str, str] | None:
    from heshan_vetting.engines.durable import host as _durable

    reason = _durable.unavailable_reason()
    if reason is None:
        return None
    return reason, _durable.REASON_ZH


def _durable_version() -> str:
    from heshan_vetting.engines.durable import host as _durable

    return _durable.require()


def _durable_engine(pack: CompiledPack) -> Engine:
    from heshan_vetting.engines.durable import host as _durable

    return _durable.DurableDecider(pack)


def _columnar_available() -> tuple[str, str] | None:
    from heshan_vetting.engines import columnar

    return columnar.unavailable_reason()


def _columnar_version() -> str:
    from heshan_vetting.engines import columnar

    return columnar.version()


def _columnar_engine(pack: CompiledPack) -> Engine:
    from heshan_vetting.engines import columnar

    return columnar.build(pack)


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

COLUMNAR = EngineSpec(
    name="columnar",
    description="the same conditions as numpy expressions over whole batches (pip install 'heshan-vetting[columnar]')",
    factory=_columnar_engine,
    available=_columnar_available,
    version=_columnar_version,
)


@hookimpl
def heshan_engines() -> list[EngineSpec]:
    """``native`` (the default), ``durable`` and ``columnar``."""
    return [NATIVE, DURABLE, COLUMNAR]
