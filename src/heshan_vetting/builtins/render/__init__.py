"""Built-in plugin: the ``text``, ``json``, ``jsonl``, ``markdown``, ``html`` and ``csv`` renderers."""

from __future__ import annotations

from typing import Any

from heshan_vetting.builtins.render.csv import render_csv
from heshan_vetting.builtins.render.html import render_html
from heshan_vetting.builtins.render.json import render_json, render_jsonl
from heshan_vetting.builtins.render.markdown import render_markdown
from heshan_vetting.builtins.render.text import render_text
from heshan_vetting.hookspecs import hookimpl

__all__ = [
    "heshan_renderers",
    "render_csv",
    "render_html",
    "render_json",
    "render_jsonl",
    "render_markdown",
    "render_text",
]


@hookimpl
def heshan_renderers() -> dict[str, Any]:
    """``text`` (a terminal table, Chinese by default), ``json`` (the results contract), ``jsonl`` (one item a
    line, then the summary), ``markdown`` (for pasting into documents), ``html`` (one self-contained page,
    laid out for A4 printing) and ``csv`` (one row per item with the ledger's result columns)."""
    return {
        "text": render_text,
        "json": render_json,
        "jsonl": render_jsonl,
        "markdown": render_markdown,
        "html": render_html,
        "csv": render_csv,
    }
