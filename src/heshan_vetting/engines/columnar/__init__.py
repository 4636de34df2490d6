"""The columnar engine (``engine="columnar"``): a compiled pack's conditions as numpy expressions over a batch.

numpy is an optional extra (``pip install 'heshan-vetting[columnar]'``); nothing here imports it until the engine is
built (:func:`build`), so ``import heshan_vetting`` and the engine's registration never load it. :mod:`.vector`
compiles condition trees to column functions; :mod:`.engine` decides a batch with them (docs/engines.md, "Columnar").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from heshan_vetting.engines.columnar.engine import ColumnarDecider
    from heshan_vetting.packs.compiled import CompiledPack

REASON_EN = (
    "numpy is not installed. Install it with: pip install 'heshan-vetting[columnar]' (numpy 1.24 or later), "
    "or use the native engine, which gives the same findings."
)
REASON_ZH = (
    "columnar 引擎不可用：需要 numpy（pip install 'heshan-vetting[columnar]'，numpy 1.24 或更高版本）。"
    "也可使用 native 引擎，结论完全相同。"
)


def unavailable_reason() -> tuple[str, str] | None:
    """``None`` when numpy can be imported (1.24 or later), else why not and what to do, in English and Chinese."""
    try:
        import numpy
    except ModuleNotFoundError as exc:
        if exc.name == "numpy":
            return REASON_EN, REASON_ZH
        return _broken(exc)
    except Exception as exc:  # a broken install: say what failed
        return _broken(exc)
    major, minor = (int(x) for x in numpy.__version__.split(".")[:2])
    if (major, minor) < (1, 24):
        return (
            f"numpy {numpy.__version__} is too old (1.24 or later is needed). Upgrade it with: "
            "pip install 'heshan-vetting[columnar]', or use the native engine, which gives the same findings.",
            f"columnar 引擎不可用：numpy {numpy.__version__} 版本过旧（需要 1.24 或更高版本）。请升级"
            "（pip install 'heshan-vetting[columnar]'），或使用 native 引擎，结论完全相同。",
        )
    return None


def _broken(exc: Exception) -> tuple[str, str]:
    """Why an installed numpy that fails to import cannot be used."""
    return (
        f"numpy is installed but cannot be imported ({type(exc).__name__}: {exc}). Reinstall it with: "
        "pip install 'heshan-vetting[columnar]', or use the native engine, which gives the same findings.",
        f"columnar 引擎不可用：numpy 已安装但无法导入（{type(exc).__name__}: {exc}）。请重新安装"
        "（pip install 'heshan-vetting[columnar]'），或使用 native 引擎，结论完全相同。",
    )


def version() -> str:
    """numpy's version (recorded as the reports' ``provenance.engine_version``)."""
    import numpy

    return str(numpy.__version__)


def build(pack: CompiledPack) -> ColumnarDecider:
    """The columnar engine for ``pack`` (imports numpy)."""
    from heshan_vetting.engines.columnar.engine import ColumnarDecider

    return ColumnarDecider(pack)
