"""Vet a province-wide register on Dask: the same per-item step as ``check_many``, one Vetter per worker process.

    pip install 'dask[bag]'            # only for this example: heshan-vetting does not depend on Dask
    python examples/dask_batch.py DIR OUT.jsonl                  # every project file under DIR
    python examples/dask_batch.py REGISTER.jsonl OUT.jsonl       # a JSON Lines register, split by byte ranges
    python examples/dask_batch.py DIR OUT.jsonl --pack heshan --as-of 2026-01-01 --partition-size 500

OUT.jsonl is what ``python -m heshan_vetting check INPUT --format jsonl -o OUT.jsonl`` writes: one line per item
(a report, or an error entry for a bad file or line), in input order, then the summary line. A partition is a
list of files, or a byte range of the register holding whole lines with the number of its first line, so every
report names its source and line as a whole-file check does. Each partition returns its lines and a
``SummaryBuilder``; the driver writes the lines in partition order and adds the summaries up.

On a cluster, give ``--scheduler`` a ``distributed`` address (``tcp://…``) instead: the functions below are plain
module-level functions (this file must be importable on the workers), and each worker builds its Vetter once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from heshan_vetting import ProjectError, Vetter
from heshan_vetting.builtins.jsonl_loader import load_line
from heshan_vetting.output import open_output, validate_output
from heshan_vetting.results import Item, SummaryBuilder

__all__ = ["jsonl_ranges", "main", "vet_files", "vet_range", "vet_register", "vetter_for"]

#: A partition's result: its JSON lines (each ending in a newline) and the summary of its items.
Part = tuple[list[str], SummaryBuilder]


@lru_cache(maxsize=4)
def vetter_for(pack: str, options: str) -> Vetter:
    """One Vetter per worker process and settings (building one compiles the pack: do it once, not per item)."""
    return Vetter(pack, options=json.loads(options))


def _line(item: Item) -> str:
    # the same bytes as ``check --format jsonl`` (builtins.render.json): compact, UTF-8, no NaN
    return (
        json.dumps(
            item.model_dump(mode="json", by_alias=True), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
        + "\n"
    )


def _part(items: Iterable[Item]) -> Part:
    summary = SummaryBuilder()
    lines = []
    for item in items:
        summary.add(item)
        lines.append(_line(item))
    return lines, summary


def vet_files(paths: Iterable[str], pack: str = "heshan", as_of: date | None = None, options: str = "{}") -> Part:
    """A partition of project files: every item each file holds (a ledger's rows, a JSON Lines file's lines)."""
    vetter = vetter_for(pack, options)
    return _part(item for path in paths for item in vetter.check_input(Path(path), as_of=as_of))


def vet_range(
    part: tuple[str, int, int, int], pack: str = "heshan", as_of: date | None = None, options: str = "{}"
) -> Part:
    """A partition of a JSON Lines register: bytes ``start:end`` of ``path`` (whole lines), the first being
    line ``first_line``; blank lines are skipped, as the JSONL loader does."""
    path, start, end, first_line = part
    vetter = vetter_for(pack, options)
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    if start == 0 and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a byte-order mark, as utf-8-sig reading drops it

    def items() -> Iterator[Item]:
        for number, raw in enumerate(data.decode("utf-8").splitlines(), start=first_line):
            if raw.strip():
                yield vetter.check_loaded(load_line(path, number, raw, vetter.units), source=path, as_of=as_of)

    return _part(items())


def jsonl_ranges(path: str, lines_per_part: int = 1000) -> list[tuple[str, int, int, int]]:
    """``(path, start, end, first_line)`` byte ranges of whole lines, ``lines_per_part`` lines each.

    The file is read once, in blocks, to find line ends; nothing of it is kept. (A file that is not UTF-8, or
    holds no project, is refused here, not line by line: use ``check`` for such a file's whole-file error.)
    """
    ranges: list[tuple[str, int, int, int]] = []
    start = offset = 0
    first = line = 1
    with open(path, "rb") as fh:
        for raw in fh:
            offset += len(raw)
            line += 1
            if line - first == lines_per_part:
                ranges.append((path, start, offset, first))
                start, first = offset, line
    if offset > start:
        ranges.append((path, start, offset, first))
    return ranges


def vet_register(
    source: str | Path,
    out: str | Path,
    *,
    pack: str = "heshan",
    as_of: date | None = None,
    options: dict[str, Any] | None = None,
    partition_size: int = 1000,
    scheduler: str = "processes",
) -> SummaryBuilder:
    """Vet every item of ``source`` (a directory, a project file or a ``.jsonl`` register) on Dask and write the
    ``--format jsonl`` lines to ``out`` (atomically, never over an input); returns the batch's summary."""
    import dask
    import dask.bag as db

    settings = json.dumps(options or {}, sort_keys=True)
    source = str(source)
    inputs = [source, *vetter_for(pack, settings).input_files()]
    validate_output(out, inputs=inputs, field="out")  # refuse before any work is done
    if source.endswith(".jsonl") and Path(source).is_file():
        ranges = jsonl_ranges(source, partition_size)
        bag = db.from_sequence(ranges, npartitions=max(1, len(ranges)))
        parts = bag.map_partitions(lambda rs: [vet_range(r, pack, as_of, settings) for r in rs])
    else:
        found = []
        for path in vetter_for(pack, settings).project_files([source]):
            if isinstance(path, ProjectError):
                raise path  # no project file under ``source``, or a pattern that matches nothing
            found.append(str(path))
        bag = db.from_sequence(found, partition_size=partition_size)
        parts = bag.map_partitions(lambda ps: [vet_files(ps, pack, as_of, settings)])
    total = SummaryBuilder()
    client = None
    if scheduler.startswith("tcp://"):
        from dask.distributed import Client  # pip install 'dask[distributed]'

        client = Client(scheduler)
        scheduler = "distributed"
    try:
        with dask.config.set(scheduler=scheduler):
            results: list[Part] = parts.compute()
    finally:
        if client is not None:
            client.close()
    with open_output(out, inputs=inputs, field="out") as write:
        for lines, summary in results:
            total.merge(summary)
            for text in lines:
                write(text.encode("utf-8"))
        write(_line_summary(total))
    return total


def _line_summary(summary: SummaryBuilder) -> bytes:
    data = summary.build().to_dict()
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", help="a directory of project files, a project file, or a .jsonl register")
    parser.add_argument("out", help="the JSON Lines output (as check --format jsonl writes)")
    parser.add_argument("--pack", default="heshan")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    parser.add_argument("--partition-size", type=int, default=1000, help="files or lines a partition (1000)")
    parser.add_argument("--scheduler", default="processes", help="processes (default), threads, synchronous, tcp://…")
    args = parser.parse_args(argv)
    summary = vet_register(
        args.source,
        args.out,
        pack=args.pack,
        as_of=args.as_of,
        partition_size=args.partition_size,
        scheduler=args.scheduler,
    ).build()
    print(f"{summary.items} items: {summary.reports} reports, {summary.errors} errors → {args.out}", file=sys.stderr)
    return 2 if summary.errors else 0


if __name__ == "__main__":
    sys.exit(main())
