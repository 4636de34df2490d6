"""The JSON and JSON Lines renderers: the public results contract, byte-identical for identical inputs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from heshan_vetting.results import RESULTS_SCHEMA, Item, ReportSet, SummaryBuilder

__all__ = ["render_json", "render_jsonl", "stream_json", "stream_jsonl"]


def render_json(reports: ReportSet, lang: str = "zh") -> str:
    """The batch as one object (schema ``heshan-vetting/results/v1``): ``items`` then ``summary``, for one
    project as for many. ``lang`` is ignored (both languages are kept)."""
    return reports.to_json()


def stream_json(items: Iterable[Item]) -> Iterator[str]:
    """The text of :func:`render_json` piece by piece as the items come (the same bytes as
    :meth:`ReportSet.to_json`), so a batch of any size is written in flat memory; the summary comes last."""
    summary = SummaryBuilder()
    yield "{\n" + f'  "schema": {_dumps(RESULTS_SCHEMA)},\n' + '  "items": ['
    first = True
    for item in items:
        summary.add(item)
        body = _dumps(item.model_dump(mode="json", by_alias=True)).replace("\n", "\n    ")
        yield ("\n    " if first else ",\n    ") + body
        first = False
    tail = _dumps(summary.build().to_dict()).replace("\n", "\n  ")
    yield ("]" if first else "\n  ]") + ',\n  "summary": ' + tail + "\n}\n"


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)


def render_jsonl(reports: ReportSet, lang: str = "zh") -> str:
    """One item a line (a report or an error, compact JSON), then the summary as the last line."""
    return "".join(stream_jsonl(reports.items))


def stream_jsonl(items: Iterable[Item]) -> Iterator[str]:
    """The lines of :func:`render_jsonl` as the items come, in memory that does not grow with the batch."""
    summary = SummaryBuilder()
    for item in items:
        summary.add(item)
        yield _line(item.model_dump(mode="json", by_alias=True))
    yield _line(summary.build().to_dict())


def _line(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
