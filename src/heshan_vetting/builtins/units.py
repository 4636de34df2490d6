"""Built-in plugin: the shipped unit definitions (``units.txt``)."""

from __future__ import annotations

from heshan_vetting.hookspecs import hookimpl
from heshan_vetting.units import builtin_definitions


@hookimpl
def heshan_unit_definitions() -> list[str]:
    """The lines of ``units.txt``: 亩, 公顷, 万元, 亿元, tce, 万千瓦时 and the rest."""
    return builtin_definitions()
