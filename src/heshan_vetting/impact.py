"""The ``diff`` command: a portfolio run through two packs (or one pack at two as-of dates), compared.

``python -m heshan_vetting diff OLD NEW --projects PATH...`` checks every project under OLD and under NEW (the
portfolio is found as ``check`` finds it: files, directories, glob patterns, ledgers and JSON Lines, in workers
with ``--jobs N``) and reports the decisions that flip, with the rules and thresholds responsible, the counts per
rule, the score shifts and the pack-to-pack diff (:mod:`.packdiff`), as text, JSON or HTML
(:mod:`.impact_render`). A bad item is an error entry (on stderr and in the output) and makes the exit code 2 at
the end; the others are still compared. ``--fail-on-flip`` makes any flip exit 1.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heshan_vetting.config import date_argument, jobs_argument
from heshan_vetting.errors import UsageError, VettingError
from heshan_vetting.output import open_output, validate_output
from heshan_vetting.packs.load import load_pack
from heshan_vetting.results import ItemError
from heshan_vetting.runner import find_sources, show_error, warn
from heshan_vetting.version import __version__
from heshan_vetting.vetter import Vetter

if TYPE_CHECKING:
    from heshan_vetting.impact_report import ImpactReport, Outcomes

# The report, its renderers and the pack comparison are imported when a diff runs, not when the command
# line is built (build_parser imports this module for add_diff_arguments on every run, check included).

__all__ = ["FORMATS", "add_diff_arguments", "run_diff", "run_impact"]

#: The output formats of ``diff``.
FORMATS = ("text", "json", "html")
_OK, _FLIPPED, _USAGE = 0, 1, 2

_EPILOG = """\
exit codes / 退出码:
  0  compared (decisions may flip: see the report)     已比较（结论可能变化，见报告）
  1  with --fail-on-flip: some decision flips          加 --fail-on-flip 时：有项目结论变化
  2  bad input: an item of the portfolio could not be  输入有误：组合中有项目无法读取（其余项目照常
     read (the others are still compared), a bad pack,    比较）、规则包有误、选项有误
     a bad option
  3  internal or plugin error                          内部错误或插件错误
"""


def outcomes(item: Any) -> Outcomes:
    """:func:`heshan_vetting.impact_report.outcomes`, imported on first use (a module-level function of this
    module, so that ``map_many`` can send it to worker processes and tests can replace it)."""
    from heshan_vetting.impact_report import outcomes as outcomes_of

    return outcomes_of(item)


def add_diff_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``diff`` command's arguments to its parser ``p``."""
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = _EPILOG
    p.add_argument("old", metavar="OLD", help="the pack in force: a pack id (heshan) or a pack file")
    p.add_argument(
        "new",
        nargs="?",
        metavar="NEW",
        help="the changed pack: a pack id or a pack file (e.g. one that extends heshan); omit it to compare OLD at "
        "two dates (--old-as-of and --new-as-of)",
    )
    p.add_argument(
        "--projects",
        nargs="+",
        required=True,
        metavar="PATH",
        help="the portfolio: project files (.toml, .jsonl; .xlsx with the xlsx plugin), directories (searched "
        "recursively) or glob patterns, as check takes them",
    )
    p.add_argument(
        "--as-of",
        type=date_argument,
        metavar="DATE",
        help="check both sides as of DATE (default: each project's application date, else today)",
    )
    p.add_argument(
        "--old-as-of", type=date_argument, metavar="DATE", help="the as-of date of the OLD side (over --as-of)"
    )
    p.add_argument(
        "--new-as-of", type=date_argument, metavar="DATE", help="the as-of date of the NEW side (over --as-of)"
    )
    p.add_argument("--format", default="text", choices=FORMATS, help="output format (default: text)")
    p.add_argument("--lang", default="zh", choices=["zh", "en"], help="language of text and HTML (default: zh)")
    p.add_argument(
        "--output", "-o", metavar="FILE", help="write to FILE instead of stdout (never over an input or a pack)"
    )
    p.add_argument(
        "--all",
        "-v",
        "--verbose",
        dest="all",
        action="store_true",
        help="also list the projects whose decision does not change (by default they are only counted)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no warnings on stderr (errors are still shown)")
    p.add_argument("--fail-on-flip", action="store_true", help="exit 1 when any decision flips")
    p.add_argument(
        "--jobs", "-j", type=jobs_argument, default=1, metavar="N", help="check in N worker processes (default 1)"
    )
    p.add_argument("--engine", default="native", metavar="ENGINE", help="evaluation engine (default: native)")
    p.add_argument(
        "--waivers",
        metavar="FILE",
        help="apply the governed waivers in FILE on both sides (docs/waivers.md); a waiver a pack change makes "
        "void (the rule no longer waivable) shows as a flip",
    )


def _sides(args: argparse.Namespace) -> tuple[str, str, date | None, date | None]:
    old_day = args.old_as_of or args.as_of
    new_day = args.new_as_of or args.as_of
    new = args.new
    if new is None:
        if args.old_as_of is None or args.new_as_of is None:
            raise UsageError(
                "Name the NEW pack, or compare OLD at two dates with --old-as-of DATE and --new-as-of DATE.",
                message_zh="请指定新规则包 NEW；或用 --old-as-of 与 --new-as-of 比较同一规则包在两个日期的结果。",
                field="NEW",
            )
        new = args.old
    return args.old, new, old_day, new_day


def run_impact(
    old: str | Path,
    new: str | Path,
    projects: list[str],
    *,
    old_as_of: date | None = None,
    new_as_of: date | None = None,
    jobs: int = 1,
    engine: str = "native",
    keep_unchanged: bool = False,
    disable_plugins: list[str] | tuple[str, ...] = (),
    autoload: bool | None = None,
    waivers: str | Path | None = None,
    output: str | None = None,
    on_error: Any = None,
    inputs: list[str | Path] | None = None,
) -> ImpactReport:
    """Check ``projects`` under ``old`` and ``new`` and compare them.

    :param output: a file the caller will write to: refused (:class:`UsageError`) before any work when it is one
        of the run's inputs (a project file, a pack file of either chain, a file a plugin reads).
    :param on_error: called with each :class:`ItemError` as it is found (the CLI prints it).
    :param waivers: governed waivers applied on both sides (a waiver file, as ``Vetter(waivers=...)`` takes it).
    :param inputs: a list to which every file the run reads is appended (for the caller's own output check).
    """
    from heshan_vetting.impact_report import ImpactBuilder
    from heshan_vetting.packdiff import Side, diff_packs

    options: dict[str, Any] = {
        "engine": engine,
        "disable_plugins": disable_plugins,
        "autoload": autoload,
        "waivers": waivers,
    }
    before = Vetter(old, **options)
    after = Vetter(new, **options)
    sources = list(find_sources(before, projects))
    read: list[str | Path] = [*projects, *(s for s in sources if isinstance(s, Path))]
    read += [*before.input_files(), *after.input_files()]
    if inputs is not None:
        inputs.extend(read)
    if output is not None:
        validate_output(output, inputs=read, field="--output")  # refused before any work is done
    if not sources:
        raise UsageError(
            "The portfolio is empty: name project files, directories or patterns after --projects.",
            message_zh="项目组合为空：请在 --projects 后指定项目文件、目录或通配模式。",
            field="--projects",
        )
    olds: list[Outcomes] = list(before.map_many(outcomes, sources, as_of=old_as_of, jobs=jobs))
    builder = ImpactBuilder(after.units, before.pack, after.pack, keep_unchanged=keep_unchanged)
    count = 0
    for a, b in zip(olds, after.map_many(outcomes, sources, as_of=new_as_of, jobs=jobs), strict=False):
        count += 1
        if a.key != b.key:  # the same files read by the same loaders: never expected
            raise VettingError(f"item {count} differs between the two runs: {a.key} and {b.key}")
        result = builder.add(a, b)
        if isinstance(result, ItemError) and on_error is not None:
            on_error(result)
    if count != len(olds):
        raise VettingError(f"the two runs gave {len(olds)} and {count} items")
    old_side = Side(str(old), before.pack, load_pack(old, before.pack_paths), old_as_of)
    new_side = Side(str(new), after.pack, load_pack(new, after.pack_paths), new_as_of)
    pack_diff = diff_packs(after.units, old_side, new_side)
    return builder.build(
        library_version=__version__,
        engine=engine,
        pack_diff=pack_diff,
        notices=[*before.notices, *after.notices],
    )


def run_diff(args: argparse.Namespace) -> int:
    """Run ``diff`` with parsed ``args``: write the report and return the exit code."""
    old, new, old_day, new_day = _sides(args)
    inputs: list[str | Path] = []
    report = run_impact(
        old,
        new,
        list(args.projects),
        old_as_of=old_day,
        new_as_of=new_day,
        jobs=args.jobs,
        engine=args.engine,
        keep_unchanged=args.all,
        disable_plugins=args.disable_plugin,
        autoload=False if args.no_autoload else None,
        waivers=args.waivers,
        output=args.output,
        on_error=show_error,
        inputs=inputs,
    )
    if not args.quiet:
        for notice in report.notices:
            warn(notice.message.zh, notice.message.en)
        s = report.summary
        for n, side_zh, side_en in ((s.old_outside_period, "原", "old"), (s.new_outside_period, "新", "new")):
            if n:
                warn(
                    f"{n} 个项目的评审日期不在{side_zh}规则包覆盖期内，其结论不可作为依据。",
                    f"{n} projects have an as-of date outside the period the {side_en} pack covers: their verdicts "
                    "cannot be relied on.",
                )
    from heshan_vetting.impact_render import impact_html, impact_text

    if args.format == "json":
        text = report.to_json()
    elif args.format == "html":
        text = impact_html(report, args.lang)
    else:
        text = impact_text(report, args.lang)
    if args.output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        with open_output(args.output, inputs=inputs, field="--output") as write:
            write(text.encode("utf-8"))
    if report.summary.errors:
        return _USAGE
    return _FLIPPED if args.fail_on_flip and report.summary.flipped else _OK
