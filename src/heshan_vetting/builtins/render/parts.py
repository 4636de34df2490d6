"""The built-in formats made item by item: each item's part where it is checked, the parts joined in order.

The ``check`` command renders each item as soon as it is checked (with ``--jobs N``, in the process that checked
it, so only text or a few plain values travel back, never a report) and joins the parts in input order: the same
bytes the format's renderer gives for the whole batch (tests check this for every format here).

- ``json``, ``jsonl``: each item's JSON text; written as the items come (flat memory), the summary last.
- ``text``, ``markdown``: each item's block; written as the items come too (one item is held back until the
  next arrives: a batch of several items is numbered, and ends with its summary; a single item is neither).
- ``csv``: each item's cells and its rules' titles; the header names every rule of the batch, so the rows are
  held (small plain values, not reports) until the end.

Other formats (``html``, a plugin's) are rendered from the whole batch's reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from heshan_vetting.builtins.render.csv import Row, item_row, join_rows, render_csv
from heshan_vetting.builtins.render.json import item_text, join_json, join_jsonl, render_json, render_jsonl
from heshan_vetting.builtins.render.markdown import item_section, join_sections, render_markdown
from heshan_vetting.builtins.render.text import item_block, join_blocks, render_text
from heshan_vetting.extension import RenderContext
from heshan_vetting.results import Item, Summary

__all__ = ["STREAMED", "Form", "form_of", "item_part", "join_parts"]

#: The built-in renderers made item by item, by the name of their way of making parts.
_KINDS: dict[object, str] = {
    render_json: "json",
    render_jsonl: "jsonl",
    render_text: "text",
    render_markdown: "markdown",
    render_csv: "csv",
}
#: The kinds whose parts are written as they come (the others are held until the batch ends).
STREAMED = frozenset({"json", "jsonl", "text", "markdown"})

Part = str | Row


@dataclass(frozen=True)
class Form:
    """How a batch's items are made into one built-in format: small, so sent to each worker process once."""

    kind: str
    """``json``, ``jsonl``, ``text``, ``markdown`` or ``csv``."""
    lang: str
    width: int = 100
    color: bool = False

    @property
    def binary(self) -> bool:
        """Whether the parts are written to standard output as UTF-8 bytes (JSON) rather than as text."""
        return self.kind in ("json", "jsonl")


def form_of(renderer: object, lang: str, context: RenderContext | None = None) -> Form | None:
    """The :class:`Form` of a built-in renderer (``None`` for any other: a plugin's, ``html``)."""
    kind = _KINDS.get(renderer)
    if kind is None:
        return None
    ctx = context or RenderContext()
    return Form(kind, lang, ctx.width, ctx.color)


def item_part(form: Form, item: Item) -> Part:
    """One item's part of the format: its text (its cells, for ``csv``)."""
    if form.kind in ("json", "jsonl"):
        return item_text(item, form.kind)
    if form.kind == "text":
        return item_block(item, form.lang, form.width, form.color)
    if form.kind == "markdown":
        return item_section(item, form.lang)
    return item_row(item, form.lang)


def join_parts(form: Form, parts: Iterable[Part], summary: Callable[[], Summary]) -> Iterator[str]:
    """The pieces of the format's text from the items' parts in input order (``summary`` is called once they
    are all taken, and only if the format shows one): joined, they are what the renderer gives for the batch."""
    if form.kind == "json":
        return join_json(_texts(parts), summary)
    if form.kind == "jsonl":
        return join_jsonl(_texts(parts), summary)
    if form.kind == "csv":
        return iter([join_rows(_rows(parts), form.lang)])
    if form.kind == "text":
        return join_blocks(_texts(parts), summary, form.lang, form.width)
    return join_sections(_texts(parts), summary, form.lang)


def _texts(parts: Iterable[Part]) -> Iterator[str]:
    for part in parts:
        assert isinstance(part, str)
        yield part


def _rows(parts: Iterable[Part]) -> Iterator[Row]:
    for part in parts:
        assert isinstance(part, Row)
        yield part
