"""Built-in plugin: the ``text`` and ``json`` renderers."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from .json import render_json
from .text import render_text

__all__ = ["heshan_renderers", "render_json", "render_text"]


@hookimpl
def heshan_renderers() -> dict[str, Any]:
    """``text`` (a terminal table, Chinese by default) and ``json`` (the report contract)."""
    return {"text": render_text, "json": render_json}
