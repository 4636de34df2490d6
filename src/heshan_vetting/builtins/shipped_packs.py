"""Built-in plugin: the directory of the shipped rule packs (``rules/`` in the repository)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from heshan_vetting.hookspecs import hookimpl


@hookimpl
def heshan_rule_pack_paths() -> list[Path]:
    """The shipped packs: national → guangdong → jiangmen → heshan (the default)."""
    return [Path(str(resources.files("heshan_vetting.rules")))]
