"""The JSON and JSON Lines renderers: the public results contract, byte-identical for identical inputs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from heshan_vetting.report import model_json, model_json_line
from heshan_vetting.results import RESULTS_SCHEMA, Item, ReportSet, Summary, SummaryBuilder

__all__ = [
    "item_text",
    "join_json",
    "join_jsonl",
    "render_json",
    "render_jsonl",
    "stream_json",
    "stream_jsonl",
]


def render_json(reports: ReportSet, lang: str = "zh") -> str:
    """The batch as one object (schema ``heshan-vetting/results/v1``): ``items`` then ``summary``, for one
    project as for many. ``lang`` is ignored (both languages are kept)."""
    return reports.to_json()


def stream_json(items: Iterable[Item]) -> Iterator[str]:
    """The text of :func:`render_json` piece by piece as the items come (the same bytes as
    :meth:`ReportSet.to_json`), so a batch of any size is written in flat memory; the summary comes last."""
    summary = SummaryBuilder()

    def texts() -> Iterator[str]:
        for item in items:
            summary.add(item)
            yield item_text(item, "json")

    return join_json(texts(), summary.build)


def item_text(item: Item, format: str) -> str:
    """One item's text in ``format``: ``json`` (indented as it sits inside :func:`render_json`'s ``items``) or
    ``jsonl`` (a line)."""
    return model_json(item, depth=2)[:-1] if format == "json" else model_json_line(item)


def join_json(texts: Iterable[str], summary: Callable[[], Summary]) -> Iterator[str]:
    """The pieces of :func:`render_json` from the items' :func:`item_text` (``json``) and the summary at the end."""
    yield "{\n" + f'  "schema": {_dumps(RESULTS_SCHEMA)},\n' + '  "items": ['
    first = True
    for text in texts:
        yield ("\n    " if first else ",\n    ") + text
        first = False
    tail = _dumps(summary().to_dict()).replace("\n", "\n  ")
    yield ("]" if first else "\n  ]") + ',\n  "summary": ' + tail + "\n}\n"


def join_jsonl(texts: Iterable[str], summary: Callable[[], Summary]) -> Iterator[str]:
    """The lines of :func:`render_jsonl` from the items' :func:`item_text` (``jsonl``) and the summary line."""
    yield from texts
    yield _line(summary().to_dict())


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)


def render_jsonl(reports: ReportSet, lang: str = "zh") -> str:
    """One item a line (a report or an error, compact JSON), then the summary as the last line."""
    return "".join(stream_jsonl(reports.items))


def stream_jsonl(items: Iterable[Item]) -> Iterator[str]:
    """The lines of :func:`render_jsonl` as the items come, in memory that does not grow with the batch."""
    summary = SummaryBuilder()

    def texts() -> Iterator[str]:
        for item in items:
            summary.add(item)
            yield item_text(item, "jsonl")

    return join_jsonl(texts(), summary.build)


def _line(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
