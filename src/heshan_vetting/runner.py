"""The ``check`` command's run: inputs found, items checked (in workers if asked), output streamed, exit code.

A batch keeps going: an item that cannot be read becomes an error entry (shown on stderr with every problem,
and in the output), the others are vetted, and the exit code is 2 at the end. ``--format json`` and ``jsonl``
are written as the items come (the same bytes their renderers give), so memory stays flat whatever the batch's
size; other formats are rendered once the batch is complete.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any

from heshan_vetting.builtins.render.parts import Form, Part, form_of, item_part, join_parts
from heshan_vetting.errors import InputError, UsageError
from heshan_vetting.extension import RenderContext
from heshan_vetting.output import open_output, validate_output
from heshan_vetting.plugins import Hooks
from heshan_vetting.report import Notice, Text, Verdict
from heshan_vetting.results import Item, ItemError, ReportSet, SummaryBuilder, UnusedWaiver, failed_rules
from heshan_vetting.vetter import Vetter, unknown_format

__all__ = ["STDIN", "Progress", "run_check"]


@dataclass(frozen=True)
class Digest:
    """What the run needs of one checked item: its part of the output (the built-in formats,
    :mod:`~heshan_vetting.builtins.render.parts`), what the summary, the exit code and stderr need, and the item
    itself (only for the other formats, rendered at the end). Small, so cheap to send back from a worker process."""

    part: Part | None
    item: Item | None
    error: ItemError | None
    verdict: Verdict | None
    incomplete: bool
    failed: tuple[tuple[str, Text], ...]
    source: str | None
    line: int | None
    project_id: str | None
    notices: tuple[Notice, ...]


def digest(form: Form | None, stdin_copy: str | None, item: Item) -> Digest:
    """The :class:`Digest` of ``item``: with a built-in ``form``, its part of the output and not the item."""
    item = _rename_stdin(item, stdin_copy)
    part = item_part(form, item) if form is not None else None
    keep = item if form is None else None
    if isinstance(item, ItemError):
        return Digest(part, keep, item, None, False, (), item.source, item.line, item.project_id, ())
    outside = tuple(n for n in item.notices if n.code == "as_of_outside_pack_period")
    project = item.project
    return Digest(
        part,
        keep,
        None,
        item.verdict,
        item.incomplete,
        failed_rules(item),
        project.source,
        project.line,
        project.id,
        outside,
    )


#: The path that stands for standard input.
STDIN = "-"
_STDIN_NAME = "<stdin>"
#: Exit codes (the same numbers as :class:`heshan_vetting.cli.ExitCode`).
_OK, _FAILED, _USAGE = 0, 1, 2


def run_check(
    args: argparse.Namespace,
    hooks: Hooks | None,
    scanned: tuple[list[str], bool | None],
    options: Mapping[str, Any],
) -> int:
    """Run ``check`` with parsed ``args``; returns the exit code."""
    autoload = False if args.no_autoload else None
    if hooks is not None and (sorted(scanned[0]), scanned[1]) == (sorted(args.disable_plugin), autoload):
        # the plugin set built to read the plugins' options is the one asked for: load entry points once
        vetter = Vetter(
            args.pack,
            engine=args.engine,
            options=options,
            strict=args.strict,
            hooks=hooks,
            waivers=args.waivers,
            explain=args.explain,
        )
    else:  # e.g. an abbreviated --disable-pl NAME that the pre-scan could not see
        vetter = Vetter(
            args.pack,
            engine=args.engine,
            disable_plugins=args.disable_plugin,
            options=options,
            strict=args.strict,
            autoload=autoload,
            waivers=args.waivers,
            explain=args.explain,
        )
    if args.format not in vetter.renderers:
        raise unknown_format(args.format, vetter.renderers, "--format")
    if STDIN in args.paths and "." + args.stdin_format.lstrip(".").lower() not in vetter.hooks.project_suffixes():
        raise UsageError(
            f"No loader reads {args.stdin_format!r}; --stdin-format may be: "
            f"{', '.join(s.lstrip('.') for s in vetter.hooks.project_suffixes())}.",
            message_zh=f"没有加载器读取 {args.stdin_format!r}；--stdin-format 可选："
            f"{'、'.join(s.lstrip('.') for s in vetter.hooks.project_suffixes())}。",
            field="--stdin-format",
        )
    with ExitStack() as stack:
        stdin_file = _stdin_copy(stack, args.stdin_format) if STDIN in args.paths else None
        sources = list(find_sources(vetter, args.paths, stdin_file))
        inputs: list[str | Path] = []
        if args.output is not None:
            # every file the run reads: those the directories and patterns name too, not only the names given
            named = [p for p in args.paths if p != STDIN]
            inputs = [*named, *(s for s in sources if isinstance(s, Path)), *vetter.input_files()]
            validate_output(args.output, inputs=inputs, field="--output")  # refuse before any work is done
        if not args.quiet:
            for notice in vetter.notices:
                warn(notice.message.zh, notice.message.en)
        progress = Progress(len(sources), enabled=not args.quiet and not args.verbose and sys.stderr.isatty())
        counted = SummaryBuilder()
        failed = False
        seen: set[str] = set()

        def watch(digests: Iterable[Digest]) -> Iterator[Digest]:
            nonlocal failed
            for d in digests:
                if d.project_id is not None:
                    seen.add(d.project_id)
                if d.error is not None:
                    counted.add(d.error)
                    show_error(d.error)
                else:
                    assert d.verdict is not None
                    counted.count(d.verdict, d.incomplete, d.failed)
                    failed = failed or _fails(d.verdict, args.fail_on)
                    _show_notices(d, args.quiet)
                    if args.verbose:
                        _show_item(d)
                progress.advance(d.source)
                yield d
            progress.close()
            # a waiver naming no project of the run waived nothing: say so (before the summary is built)
            counted.unused_waivers = [
                UnusedWaiver(waiver=w.name, rule_id=w.rule, project_id=w.project)
                for w in vetter.waivers
                if w.project not in seen
            ]
            if not args.quiet:
                for w in vetter.waivers:
                    if w.project not in seen:
                        warn(
                            f"豁免 {w.name}（规则 {w.rule}）未使用：本次评审中没有项目 {w.project}。",
                            f"waiver {w.name} (rule {w.rule}) is unused: no project {w.project} in this run.",
                        )

        context = RenderContext(width=_width(args.output), color=args.output is None and _colour(sys.stdout))
        form = form_of(vetter.renderers[args.format], args.lang, context)  # a built-in format, not a plugin's
        copy = str(stdin_file) if stdin_file is not None else None
        # built-in formats: each item's part is made where it is checked (in the workers with --jobs N)
        then = partial(digest, form, copy)
        checked = watch(vetter.map_many(then, sources, as_of=args.as_of, jobs=args.jobs))
        if form is not None:
            parts = (d.part for d in checked if d.part is not None)
            _write_stream(args, join_parts(form, parts, counted.build), inputs, binary=form.binary)
        else:
            _write(vetter, args, (d.item for d in checked if d.item is not None), inputs, context)
    if counted.errors:
        return _USAGE
    return _FAILED if failed else _OK


def find_sources(vetter: Vetter, paths: list[str], stdin_file: Path | None = None) -> Iterator[Path | ItemError]:
    """The files to check (directories searched, patterns expanded; found up front to size the progress bar)."""
    for given in paths:
        if given == STDIN:
            assert stdin_file is not None
            yield stdin_file
            continue
        for found in vetter.project_files([given]):
            yield ItemError.from_exception(found) if isinstance(found, InputError) else found


def _stdin_copy(stack: ExitStack, suffix: str) -> Path:
    """Standard input saved to a temporary file (loaders read files), removed when the run ends."""
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="heshan-stdin-"))
    path = Path(directory) / f"stdin.{suffix.lstrip('.').lower()}"
    with open(path, "wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out)
    return path


def _rename_stdin(item: Item, copy: str | None) -> Item:
    """Items read from standard input name ``<stdin>`` as their source, not the temporary copy."""
    if copy is None:
        return item
    if isinstance(item, ItemError):
        if item.source != copy:
            return item
        errors = tuple(e.model_copy(update={"file": _STDIN_NAME}) if e.file == copy else e for e in item.errors)
        return item.model_copy(update={"source": _STDIN_NAME, "errors": errors})
    if item.project.source != copy:
        return item
    return item.model_copy(update={"project": item.project.model_copy(update={"source": _STDIN_NAME})})


def _write_stream(args: argparse.Namespace, texts: Iterator[str], inputs: list[str | Path], *, binary: bool) -> None:
    """Write the pieces of a built-in format as they come (to a temporary file renamed at the end, for ``-o``);
    to standard output as UTF-8 bytes if ``binary`` (JSON), else as text (as :meth:`Vetter.render`'s is)."""
    pieces = (text.encode("utf-8") for text in texts)
    if args.output is None:
        if not binary:
            for text in texts:
                sys.stdout.write(text)
            sys.stdout.flush()
            return
        for piece in pieces:
            sys.stdout.buffer.write(piece)
        sys.stdout.flush()
        return
    with open_output(args.output, inputs=inputs, field="--output") as write:
        for piece in pieces:
            write(piece)


def _write(
    vetter: Vetter, args: argparse.Namespace, items: Iterator[Item], inputs: list[str | Path], context: RenderContext
) -> None:
    results = ReportSet.collect(items)
    if args.output is None:
        try:
            out = vetter.render(results, args.format, args.lang, context=context)
        except UsageError as exc:
            if exc.field != "format":
                raise
            raise UsageError(
                f"The format {args.format!r} writes a binary file; give --output FILE.",
                message_zh=f"格式 {args.format!r} 输出二进制文件；请用 --output 指定文件。",
                field="--format",
            ) from None
        sys.stdout.write(out)
        sys.stdout.flush()
    else:
        data = vetter.render_bytes(results, args.format, args.lang, context=context)
        with open_output(args.output, inputs=inputs, field="--output") as write:
            write(data)


def _width(output: str | None) -> int:
    if output is None and sys.stdout.isatty():
        return max(40, shutil.get_terminal_size((100, 24)).columns)
    return 100


def _colour(stream: IO[str]) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


def _fails(verdict: Verdict, level: str) -> bool:
    if level == "never":
        return False
    return verdict.rank >= Verdict(level).rank


def warn(zh: str, en: str) -> None:
    """A warning on stderr, in both languages."""
    sys.stderr.write(f"warning / 警告: {zh}\n    {en}\n")


def _show_notices(d: Digest, quiet: bool) -> None:
    if quiet:
        return
    for notice in d.notices:
        who = d.source or d.project_id or "-"
        warn(f"{who}: {notice.message.zh}", f"{who}: {notice.message.en}")


def show_error(item: ItemError) -> None:
    """Every problem of a bad item on stderr, in both languages (named by its source when a problem has no file)."""
    for problem in item.errors:
        zh, en = problem.format("zh"), problem.format("en")
        if problem.file is None and item.source is not None:
            zh, en = f"{item.source}: {zh}", f"{item.source}: {en}"
        sys.stderr.write(f"error / 错误: {zh}\n" + (f"    {en}\n" if en != zh else ""))


def _show_item(d: Digest) -> None:
    where = d.source or "-"
    if d.line is not None:
        where += f":{d.line}"
    assert d.verdict is not None
    sys.stderr.write(f"{where}  {d.project_id}  {d.verdict.value}\n")


class Progress:
    """A one-line progress bar on stderr (only when it is a terminal): items, files, rate, time left."""

    def __init__(self, files: int, *, enabled: bool, min_seconds: float = 1.0) -> None:
        self.files = files
        self.enabled = enabled and files > 1
        self.started = time.monotonic()
        self.min_seconds = min_seconds
        self.items = 0
        self.done_files = 0
        self._source: str | None = None
        self._shown = False
        self._last = 0.0
        self._columns = 79

    def advance(self, source: str | None) -> None:
        """Count an item from ``source`` (a new source counts as a new file); redraw at most ten times a second."""
        self.items += 1
        if source != self._source:
            self._source = source
            self.done_files += 1
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.min_seconds or now - self._last < 0.1:
            return
        self._last = now
        self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = now - self.started
        share = min(1.0, self.done_files / self.files) if self.files else 1.0
        bar = "#" * int(share * 24)
        rate = self.items / elapsed if elapsed > 0 else 0.0
        left = (elapsed / share - elapsed) if share > 0 else 0.0
        line = (
            f"\r[{bar:<24}] {self.done_files}/{self.files} files · {self.items} items · "
            f"{rate:.0f}/s · {int(left // 60)}:{int(left % 60):02d} left"
        )
        self._columns = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
        sys.stderr.write(line[: self._columns + 1])  # a wrapped line could not be redrawn in place
        sys.stderr.flush()
        self._shown = True

    def close(self) -> None:
        """Clear the bar's line."""
        if self._shown:
            sys.stderr.write("\r" + " " * self._columns + "\r")
            sys.stderr.flush()
