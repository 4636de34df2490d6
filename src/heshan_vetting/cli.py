"""The command line: ``python -m heshan_vetting check PATH... [options]``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

from heshan_vetting.config import (
    ENV_NO_CONFIG,
    apply_config,
    blame,
    config_options,
    date_argument,
    jobs_argument,
    plugin_selection,
    requested_config,
)
from heshan_vetting.errors import InputError, PluginError, UsageError, VettingError
from heshan_vetting.output import validate_output, write_output
from heshan_vetting.plugins import ENV_DISABLE, ENV_NO_AUTOLOAD
from heshan_vetting.version import __version__

if TYPE_CHECKING:
    from heshan_vetting.plugins import Hooks

__all__ = ["ExitCode", "main"]


class ExitCode(IntEnum):
    """Exit codes of the ``check`` command."""

    OK = 0
    """No project's verdict is at or above the ``--fail-on`` level."""
    FAILED = 1
    """Some project's verdict is at or above the ``--fail-on`` level (default: reject)."""
    USAGE_ERROR = 2
    """Bad option or bad input (project file, rule pack): the message names the file, line or field. In a batch,
    some item (a file, a ledger row) could not be read; the other items are still vetted and reported."""
    INTERNAL_ERROR = 3
    """A plugin failed or an internal error occurred."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C): nothing is written to ``--output`` (its temporary file is removed), no worker is left."""


_EPILOG = """\
exit codes / 退出码:
  0  no project at or above the --fail-on level      无项目达到 --fail-on 级别
  1  some project at or above the --fail-on level    有项目达到 --fail-on 级别（默认：reject）
  2  usage or input error (file, line, field named)  用法或输入错误（指明文件、行号、字段）
     in a batch: some item could not be read, the     批量评审中有项目无法读取，其余项目照常评审
     others are still vetted and reported             并输出
  3  internal or plugin error                        内部错误或插件错误
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(ExitCode.USAGE_ERROR)


def build_parser(hooks: Hooks | None = None) -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests).

    With ``hooks``, each plugin's ``heshan_add_options`` adds its options to ``check`` (one group per
    plugin); their names are kept in the parser's ``plugin_option_dests`` attribute.
    """

    parser = _Parser(
        prog="python -m heshan_vetting",
        description="Vet industrial investment projects against policy rule packs. 产业项目准入评审。",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"heshan-vetting {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    check = sub.add_parser(
        "check",
        help="vet project files / 评审项目文件",
        description="Vet one or more project files and print a verdict for each. 评审项目并给出结论。",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="project files (.toml, .jsonl; .xlsx with the xlsx plugin), directories (searched recursively), "
        "glob patterns, or - for standard input",
    )
    check.add_argument("--pack", default="heshan", metavar="ID|PATH", help="rule pack id or file (default: heshan)")
    check.add_argument(
        "--format",
        default="text",
        metavar="FORMAT",
        help="output format: text (default), json, jsonl, or one a plugin adds (see the plugins command)",
    )
    check.add_argument("--lang", default="zh", choices=["zh", "en"], help="language of text output (default: zh)")
    check.add_argument(
        "--as-of",
        type=date_argument,
        metavar="DATE",
        help="apply the rules in force on this date (default: application date, else today)",
    )
    check.add_argument(
        "--output", "-o", metavar="FILE", help="write the output to FILE instead of stdout (never over an input)"
    )
    check.add_argument(
        "--fail-on",
        default="reject",
        choices=["reject", "deferred", "conditional", "never"],
        help="exit 1 when a verdict is at or above this level: approve < conditional < deferred < reject "
        "(default: reject)",
    )
    check.add_argument(
        "--waivers",
        metavar="FILE",
        help="apply the governed waivers in FILE (TOML: rule, project, justification, approver, granted, expires, "
        "citation; see docs/waivers.md); only rules the pack marks waivable can be waived",
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=jobs_argument,
        default=1,
        metavar="N",
        help="check in N processes: this one and N-1 workers (default 1); the results are the same, in the same order",
    )
    check.add_argument(
        "--stdin-format",
        default="toml",
        metavar="SUFFIX",
        help="the format of standard input (PATH -): toml (default), jsonl, or a plugin's (xlsx)",
    )
    check.add_argument(
        "--explain",
        action="store_true",
        help="for each project not approved, say what approval would take (the figures needed, vetoes no figure "
        "lifts, missing data, referrals) / 说明达到准入需要什么",
    )
    noise = check.add_mutually_exclusive_group()
    noise.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no warnings on stderr")
    noise.add_argument(
        "--verbose", "-v", action="store_true", help="one line per item on stderr (source, project, verdict)"
    )
    engine_metavar, engine_help = _engine_help(hooks)
    check.add_argument("--engine", default="native", metavar=engine_metavar, help=engine_help)
    _plugin_arguments(check)
    check.add_argument(
        "--strict",
        action="store_true",
        help="stop with exit code 3 when a plugin fails during a check (default: an error finding), and with "
        "exit code 2 for an as-of date outside the period the pack covers or a pack id found in several files "
        "(default: a warning)",
    )
    config = check.add_argument_group("configuration file (heshan-vetting.toml or [tool.heshan_vetting])")
    config.add_argument("--show-config", action="store_true", help="print the settings in effect and their origins")
    which = config.add_mutually_exclusive_group()
    which.add_argument("--config", metavar="FILE", help="read settings from FILE, not the one found upward")
    which.add_argument("--no-config", action="store_true", help=f"read no configuration file (also ${ENV_NO_CONFIG}=1)")
    dests = hooks.add_options(check) if hooks is not None else []
    parser.set_defaults(plugin_option_dests=dests)
    cov = sub.add_parser(
        "coverage",
        help="print a pack's policy coverage page (Markdown) / 输出规则包政策覆盖情况",
        description="Every policy element of a pack chain with its status, source and dates, as Markdown.",
    )
    cov.add_argument("--pack", default="heshan", metavar="ID|PATH", help="rule pack id or file (default: heshan)")
    cov.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout (never over an input)")
    plug = sub.add_parser(
        "plugins",
        help="list plugins and the hooks they implement / 列出插件",
        description="Every plugin (built-in, installed through the heshan_vetting entry point, or blocked) "
        "with its distribution, version and the hooks it implements.",
    )
    plug.add_argument("--format", default="text", choices=["text", "json"], help="output format (default: text)")
    _plugin_arguments(plug)
    init = sub.add_parser(
        "init",
        help="write a starter file (an intake ledger …) / 生成模板文件",
        description="Write a starter file that plugins provide (e.g. `init ledger`: an XLSX intake ledger, with the "
        "xlsx plugin); without NAME, list them. "
        "生成模板文件（如 init ledger：项目台账 XLSX 模板）；不带名称则列出可用模板。",
    )
    init.add_argument("name", nargs="?", metavar="NAME", help="the template (omit to list them)")
    init.add_argument("pack_id", nargs="?", metavar="PACK_ID", help="for `init pack`: the new pack's id")
    init.add_argument(
        "--extends", default="heshan", metavar="ID", help="for `init pack`: the parent pack (default: heshan)"
    )
    init.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="the file to write (default: the template's file name); for `init pack`, the directory (default: .)",
    )
    init.add_argument("--lang", default="zh", choices=["zh", "en"], help="language of the template (default: zh)")
    init.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    _plugin_arguments(init)
    schema = sub.add_parser(
        "schema",
        help="print a JSON Schema (project, pack, report, results, waivers, impact, evaluation) / 输出 JSON Schema",
        description="Print the JSON Schema (draft 2020-12) of a project file, a rule pack, a report, a batch's "
        "results, a waiver file, the impact of a pack change (diff) or an evaluation; the same as "
        "docs/schemas/NAME.schema.json. "
        "输出项目文件、规则包、评审报告、批量结果、豁免文件、规则包变更影响或亩均效益评价结果的 JSON Schema。",
    )
    schema.add_argument(
        "name",
        choices=["project", "pack", "report", "results", "waivers", "impact", "evaluation"],
        help="which schema",
    )
    schema.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    # `diff`: the impact of a pack change on a portfolio (heshan_vetting.impact)
    diff = sub.add_parser(
        "diff",
        help="impact of a pack change on a portfolio / 规则包变更对项目组合的影响",
        description="Check a portfolio under two packs (or one pack at two as-of dates) and report the decisions "
        "that flip, the rules and thresholds responsible, counts per rule, score shifts and the pack-to-pack diff. "
        "用两个规则包（或同一规则包的两个评审日期）评审项目组合，报告结论变化的项目及原因。",
    )
    from heshan_vetting.impact import add_diff_arguments

    add_diff_arguments(diff)
    _plugin_arguments(diff)
    # `rules` groups the pack authors' commands (test, list, show, check): each adds its own sub-subparser
    rules = sub.add_parser(
        "rules",
        help="rule-pack tools: test, list, show, check / 规则包工具：测试、浏览、检查",
        description="Commands for the people who keep the rule packs. 规则包编写工具。",
    )
    rules_sub = rules.add_subparsers(dest="rules_command", parser_class=_Parser)
    rtest = rules_sub.add_parser(
        "test",
        help="run the cases beside each pack, with coverage / 运行规则包测试用例并统计覆盖率",
        description="Run the cases kept beside each pack (NAME.cases/ next to NAME.toml) on every engine installed, "
        "print each failure as expected against actual, and the coverage. Exit 0: all passed; 1: a case failed, a "
        "pack has no cases or its rule coverage is below --min-coverage; 2: bad input (a pack, a case file). "
        "运行规则包旁的测试用例（NAME.toml 旁的 NAME.cases/），输出失败项与覆盖率。",
    )
    rtest.add_argument("packs", nargs="*", metavar="PACK", help="pack ids or files (default: the shipped packs)")
    rtest.add_argument(
        "--min-coverage",
        type=_percent,
        metavar="N",
        help="fail (exit 1) when a pack's rule coverage (rules some case decides as pass or fail, in %% of its "
        "rules) is below N",
    )
    rtest.add_argument(
        "--engine", action="append", metavar="ENGINE", help="run only on this engine (repeatable; default: every one)"
    )
    rtest.add_argument("--format", default="text", choices=["text", "json"], help="output format (default: text)")
    from heshan_vetting.rulesdoc import add_rules_parsers

    add_rules_parsers(rules_sub)  # list, show, check
    from heshan_vetting.permu.arguments import add_evaluate_parser

    add_evaluate_parser(sub)  # evaluate: per-mu evaluation of a register (亩均效益评价)
    return parser


def _percent(text: str) -> float:
    try:
        n = float(text)
    except ValueError:
        n = -1.0
    if not 0 <= n <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text!r}")
    return n


def _engine_help(hooks: Hooks | None) -> tuple[str, str]:
    """``--engine``'s metavar and help text from the registered engines (``heshan_engines``); generic without hooks."""
    if hooks is None:
        return "ENGINE", "evaluation engine (default: native); see the plugins command"
    engines = hooks.engines()
    if not engines:
        return "ENGINE", "evaluation engine; no plugin provides one (is the built-in 'engines' plugin disabled?)"
    listed = "; ".join(f"{name}: {spec.description}" for name, (_plugin, spec) in engines.items())
    # no argparse choices: an unknown name gets the Vetter's bilingual error with a "did you mean" hint
    return "{" + ",".join(engines) + "}", f"evaluation engine (default: native). {listed}"


def _plugin_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--disable-plugin",
        action="append",
        default=[],
        metavar="NAME",
        help=f"block a plugin by name, built-ins too (repeatable; also ${ENV_DISABLE})",
    )
    p.add_argument(
        "--no-autoload",
        action="store_true",
        help=f"do not load plugins from the heshan_vetting entry point (also ${ENV_NO_AUTOLOAD}=1)",
    )


def _pre_scan(argv: Sequence[str]) -> tuple[list[str], bool | None]:
    """The ``--disable-plugin`` names and ``--no-autoload`` in ``argv``, before the full parse."""
    disabled: list[str] = []
    autoload: bool | None = None
    it = iter(argv)
    for arg in it:
        if arg == "--":
            break
        if arg == "--disable-plugin":
            disabled.append(next(it, ""))
        elif arg.startswith("--disable-plugin="):
            disabled.append(arg.split("=", 1)[1])
        elif arg == "--no-autoload":
            autoload = False
    return disabled, autoload


def _check(args: argparse.Namespace, hooks: Hooks | None, scanned: tuple[list[str], bool | None]) -> int:
    from heshan_vetting.runner import run_check

    options = {d: getattr(args, d) for d in args.plugin_option_dests}
    return run_check(args, hooks, scanned, options)


def _coverage(args: argparse.Namespace) -> int:
    from heshan_vetting.packs.coverage import policy_coverage
    from heshan_vetting.packs.load import load_pack
    from heshan_vetting.vetter import Vetter

    vetter = Vetter(args.pack)  # compiles the pack: a coverage page is only printed for a valid pack
    inputs = vetter.input_files() if args.output is not None else []
    if args.output is not None:
        validate_output(args.output, inputs=inputs, field="--output")
    text = policy_coverage(load_pack(args.pack, vetter.pack_paths))
    _emit(args.output, text, inputs)
    return ExitCode.OK


def _plugins(args: argparse.Namespace) -> int:
    from heshan_vetting.plugins import Hooks, make_plugin_manager

    pm, infos = make_plugin_manager(disable=args.disable_plugin, autoload=False if args.no_autoload else None)
    rows = sorted(infos.values(), key=lambda i: (i.origin != "builtin", i.name))
    engines: dict[str, list[str]] = {}
    for engine, (plugin, _spec) in Hooks(pm, infos).engines().items():
        engines.setdefault(plugin, []).append(engine)
    if args.format == "json":
        data = [
            {
                "name": i.name,
                "origin": i.origin,
                "distribution": i.distribution,
                "version": i.version,
                "target": i.target,
                "blocked": i.blocked,
                "hooks": list(i.hooks),
                "engines": engines.get(i.name, []),
            }
            for i in rows
        ]
        _emit(None, json.dumps({"plugins": data}, ensure_ascii=False, indent=2) + "\n", [])
        return ExitCode.OK
    lines = []
    for i in rows:
        state = " [blocked]" if i.blocked else ""
        lines.append(f"{i.name}{state}  ({i.origin}; {i.distribution} {i.version}; {i.target})")
        lines.append("    hooks: " + (", ".join(i.hooks) if i.hooks else "—"))
        if i.name in engines:
            lines.append("    engines: " + ", ".join(engines[i.name]))
    _emit(None, "\n".join(lines) + "\n", [])
    return ExitCode.OK


def _init(args: argparse.Namespace) -> int:
    from heshan_vetting.errors import UsageError, did_you_mean
    from heshan_vetting.plugins import Hooks, make_plugin_manager

    if args.name == "pack":  # a pack skeleton: NAME.toml and NAME.cases/ (heshan_vetting.packinit)
        return _init_pack(args)
    pm, infos = make_plugin_manager(disable=args.disable_plugin, autoload=False if args.no_autoload else None)
    templates = Hooks(pm, infos).templates()
    if args.name is None:
        lines = [f"{t.name}  {t.filename}  {t.title.zh} / {t.title.en}" for t in templates.values()]
        _emit(None, "\n".join(lines) + "\n" if lines else "", [])
        if not lines:
            from heshan_vetting.runner import warn

            warn(
                "没有插件提供模板（如 heshan-vetting-xlsx 提供 ledger）。",
                "No plugin provides a template (heshan-vetting-xlsx provides ledger).",
            )
        return ExitCode.OK
    template = templates.get(args.name)
    if template is None:
        hint_en, hint_zh = did_you_mean(args.name, templates)
        known_en = ", ".join(templates) or "none (install a plugin that provides one, e.g. heshan-vetting-xlsx)"
        known_zh = "、".join(templates) or "无（请安装提供模板的插件，如 heshan-vetting-xlsx）"
        raise UsageError(
            f"There is no template {args.name!r}{hint_en or ';'} the templates are: {known_en}.",
            message_zh=f"没有名为 {args.name!r} 的模板{hint_zh or '；'}可用模板：{known_zh}。",
            field="NAME",
        )
    target = Path(args.output if args.output is not None else template.filename)
    if (target.exists() or target.is_symlink()) and not args.force:
        raise UsageError(
            f"{target} exists; give another --output FILE, or --force to overwrite it.",
            message_zh=f"{target} 已存在；请用 --output 指定其他文件，或加 --force 覆盖。",
            field="--output",
        )
    try:
        data = template.build(args.lang)
    except InputError:
        raise
    except Exception as exc:
        raise PluginError(f"The template {template.name!r} failed to build: {type(exc).__name__}: {exc}") from exc
    write_output(target, data, inputs=[], field="--output")
    sys.stderr.write(f"{target}\n")
    return ExitCode.OK


def _schema(args: argparse.Namespace) -> int:
    from heshan_vetting.schemas import schema_text

    _emit(args.output, schema_text(args.name), [])
    return ExitCode.OK


def _rules(args: argparse.Namespace) -> int:
    if args.rules_command == "test":
        from heshan_vetting.packtests import SHIPPED_PACKS, run_pack_tests

        result = run_pack_tests(args.packs or SHIPPED_PACKS, engines=args.engine, min_coverage=args.min_coverage)
        _emit(None, result.to_json() if args.format == "json" else result.to_text(), [])
        return ExitCode.OK if result.ok else ExitCode.FAILED
    if args.rules_command in ("list", "show", "check"):
        from heshan_vetting.rulesdoc import run_rules

        return run_rules(args)
    raise UsageError(
        "Name a rules command (rules test, rules list, rules show or rules check); see `rules --help`.",
        message_zh="请指定 rules 的子命令（rules test、rules list、rules show 或 rules check）；见 rules --help。",
        field="COMMAND",
    )


def _init_pack(args: argparse.Namespace) -> int:
    from heshan_vetting.packinit import write_pack_skeleton

    if args.pack_id is None:
        raise UsageError(
            "Name the new pack: init pack NAME [--extends heshan] [--output DIR].",
            message_zh="请指定新规则包的编号：init pack NAME [--extends heshan] [--output 目录]。",
            field="PACK_ID",
        )
    written = write_pack_skeleton(args.pack_id, extends=args.extends, directory=args.output or ".", force=args.force)
    for path in written:
        sys.stderr.write(f"{path}\n")
    return ExitCode.OK


def _emit(output: str | None, text: str, inputs: Sequence[str | Path]) -> None:
    """Write ``text`` to stdout, or to ``output`` (never over one of ``inputs``: see :mod:`.output`)."""
    if output is None:
        sys.stdout.write(text)
    else:
        write_output(output, text, inputs=inputs, field="--output")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        hooks: Hooks | None = None
        scanned: tuple[list[str], bool | None] = ([], None)
        config = None
        if argv[:1] == ["check"]:  # plugins may add options to `check`: load them first
            from heshan_vetting.plugins import Hooks, make_plugin_manager

            config = requested_config(argv[1:])
            typed = _pre_scan(argv)
            scanned = plugin_selection(config, typed)
            with blame(config, "disable-plugins", used=scanned[0] != typed[0]):
                hooks = Hooks(*make_plugin_manager(disable=scanned[0], autoload=scanned[1]))
        parser = build_parser(hooks)
        # the file's settings become check's defaults where the command line says nothing
        settings = apply_config(parser, config, argv[1:]) if argv[:1] == ["check"] else None
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return ExitCode.USAGE_ERROR
        if args.command == "coverage":
            return _coverage(args)
        if args.command == "plugins":
            return _plugins(args)
        if args.command == "init":
            return _init(args)
        if args.command == "schema":
            return _schema(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "diff":
            from heshan_vetting.impact import run_diff

            return run_diff(args)
        if args.command == "evaluate":
            from heshan_vetting.permu.command import run_evaluate

            return run_evaluate(args)
        if settings is not None and config_options(argv[1:]) != (args.no_config, args.config):
            raise UsageError(
                "Write --config and --no-config in full.", message_zh="请完整写出 --config 与 --no-config。"
            )
        if args.show_config and settings is not None:
            sys.stdout.write(settings.describe(args))
            return ExitCode.OK
        if not args.paths:
            raise UsageError(
                "Name what to check: project files, directories, glob patterns, or - for standard input.",
                message_zh="请指定要评审的项目文件、目录、通配模式，或用 - 表示标准输入。",
                field="PATH",
            )
        return _check(args, hooks, scanned)
    except InputError as exc:
        sys.stderr.write(f"error / 错误: {exc.format()}\n")
        return ExitCode.USAGE_ERROR
    except PluginError as exc:
        sys.stderr.write(f"plugin error / 插件错误: {exc}\n")
        return ExitCode.INTERNAL_ERROR
    except VettingError as exc:
        sys.stderr.write(f"error / 错误: {exc}\n")
        return ExitCode.INTERNAL_ERROR
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"error / 错误: {where}{exc.strerror or exc}\n")
        return ExitCode.USAGE_ERROR
    except KeyboardInterrupt:  # the output's temporary file and the workers are gone by now (context managers)
        sys.stderr.write("\ninterrupted / 已中断\n")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # last resort: never a bare traceback for the user
        sys.stderr.write(f"internal error / 内部错误: {type(exc).__name__}: {exc}\n")
        return ExitCode.INTERNAL_ERROR
