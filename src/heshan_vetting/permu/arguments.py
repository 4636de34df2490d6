"""The ``evaluate`` command's arguments, apart from :mod:`.command`: building the CLI's parser imports nothing heavy.

``python -m heshan_vetting check`` builds every subcommand's parser; the evaluation itself (the register reader,
the scorer, the HTML page) is imported only when ``evaluate`` runs.
"""

from __future__ import annotations

from typing import Any

from heshan_vetting.config import date_argument

__all__ = ["DEFAULT_ENGINE", "DEFAULT_PACK", "add_evaluate_parser"]

DEFAULT_PACK = "heshan-evaluation"
"""The pack ``evaluate`` uses when ``--pack`` is not given."""
DEFAULT_ENGINE = "native"
"""The engine ``evaluate`` uses when ``--engine`` is not given."""


def add_evaluate_parser(sub: Any) -> None:
    """Add the ``evaluate`` subcommand to the CLI's subparsers ``sub``."""
    p = sub.add_parser(
        "evaluate",
        help="per-mu evaluation of an enterprise register (A/B/C/D) / 亩均效益评价",
        description="Evaluate every enterprise of a register (CSV or JSON Lines) with an evaluation pack: indicator "
        "values and points, score, rank in its group, class (A/B/C/D) and the policy it triggers, a summary, and "
        "the low-efficiency land list. Exit 0: all rows evaluated; 2: bad input (some rows could not be read: "
        "the output names them); 3: internal error. See docs/evaluation.md. "
        "按评价规则包对企业台账逐户评价：指标、得分、组内排名、分类及相应政策，以及低效用地清单。",
    )
    p.add_argument("register", metavar="REGISTER", help="the register: a .csv, .jsonl or (xlsx plugin) .xlsx file")
    p.add_argument("--pack", default=DEFAULT_PACK, help=f"evaluation pack id or file (default: {DEFAULT_PACK})")
    p.add_argument(
        "--pack-path", action="append", default=[], metavar="DIR", help="also look for packs in DIR (repeatable)"
    )
    p.add_argument(
        "--as-of",
        type=date_argument,
        metavar="YYYY-MM-DD",
        help="the date whose groups and caps apply (default: today)",
    )
    p.add_argument(
        "--previous",
        metavar="FILE",
        help="last year's register (.csv, .jsonl; evaluated with the same pack) or evaluation (.json from "
        "--format json): show who moved between classes and why",
    )
    p.add_argument(
        "--previous-as-of",
        type=date_argument,
        metavar="YYYY-MM-DD",
        help="the as-of date for a previous register (default: --as-of)",
    )
    p.add_argument(
        "--format",
        default="text",
        metavar="FORMAT",
        help="output format: text, json, html, or a plugin's (xlsx: the register back with the results added; "
        "needs -o) (default: text)",
    )
    p.add_argument("--lang", default="zh", choices=["zh", "en"], help="language of the text output (default: zh)")
    p.add_argument(
        "--engine",
        default=DEFAULT_ENGINE,
        metavar="NAME",
        help="the engine that decides the groups' and caps' conditions: native, durable (needs durable-rules), "
        "columnar (needs numpy; the whole register in one batch) or a plugin's; every engine gives the same result "
        f"(default: {DEFAULT_ENGINE})",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout (never over an input)")
