"""heshan_vetting plugin: veto an applicant found on a configured dishonesty / blacklist file.

Configure the list file(s) with ``--credit-blacklist FILE`` (repeatable), the environment variable
``HESHAN_CREDIT_BLACKLIST`` (paths separated by ``os.pathsep``), or
``Vetter(options={"credit_blacklist": ["list.csv"]})``. The check ``credit.blacklist`` is a veto:

- the applicant's ``applicant_credit_code`` is on a list, and the listing is in force on the as-of
  date → ``fail`` (the project is rejected), naming the list, authority, decision number and row;
- not listed (or the listing was removed before the as-of date) → ``pass``;
- no code, or a code whose GB 32100-2015 check character is wrong → ``insufficient_data``;
- no list configured → the plugin raises :class:`~heshan_vetting.NotConfigured`: it checks nothing and
  every report says so in a visible line ("插件未配置，未参与评审: credit — …") and in JSON under
  ``not_configured`` (a blacklist that was never read must not look like a clean record, nor like a
  failure of a check the office never set up). A configured list that cannot be read is an input error.

The list files are read and validated once per Vetter (a bad row is an error naming file:line).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from heshan_vetting import (
    Check,
    CheckContext,
    CheckResult,
    Citation,
    FactValue,
    NotConfigured,
    Outcome,
    Severity,
    Text,
    UsageError,
    hookimpl,
)

from .lists import Listing, load_lists
from .uscc import normalise, problem

__all__ = ["CHECK_ID", "ENV_VAR", "OPTION", "heshan_add_options", "heshan_checks", "heshan_input_files", "make_check"]

__version__ = "0.1.0"

#: The name this plugin registers under when passed as ``Vetter(plugins=[heshan_vetting_credit])``;
#: the entry point uses the same name.
plugin_name = "credit"

CHECK_ID = "credit.blacklist"
OPTION = "credit_blacklist"
ENV_VAR = "HESHAN_CREDIT_BLACKLIST"

_TITLE = Text(zh="申请单位不在失信名单上", en="Applicant not on a dishonesty list")
_CITATION = Citation(
    title="失信主体名单（使用单位配置的名单文件）",
    issuer="使用单位",
    status="local_default",
    note="The veto is the adopting office's policy choice; the legal basis of each listing is named by "
    "the list file's authority and reference columns. Code format: GB 32100-2015.",
)
_CODE_TITLE = Text(zh="统一社会信用代码", en="unified social credit code")


def _paths(options: Mapping[str, Any]) -> list[Path]:
    value = options.get(OPTION)
    if value is None or value == [] or value == "":
        value = os.environ.get(ENV_VAR, "")
        value = [p for p in value.split(os.pathsep) if p.strip()]
    if isinstance(value, (str, os.PathLike)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise UsageError(
            f"Option {OPTION} must be a path or a list of paths, not {type(value).__name__}.",
            message_zh=f"选项 {OPTION} 应为文件路径或路径列表。",
            field=OPTION,
        )
    return [Path(os.fspath(p)) for p in value]


def _describe(listing: Listing) -> tuple[str, str]:
    parts_zh = [p for p in (listing.list, listing.authority, listing.reference) if p]
    parts_en = list(parts_zh)
    if listing.listed_on:
        parts_zh.append(f"{listing.listed_on} 列入")
        parts_en.append(f"listed {listing.listed_on}")
    if listing.removed_on:
        parts_zh.append(f"{listing.removed_on} 移出")
        parts_en.append(f"removed {listing.removed_on}")
    who = f"{listing.name} " if listing.name else ""
    return (f"{who}（{'，'.join(parts_zh)}；{listing.source}）", f"{who}({'; '.join(parts_en)}; {listing.source})")


def make_check(index: Mapping[str, tuple[Listing, ...]] | None, files: list[Path]) -> Check:
    """The ``credit.blacklist`` check over ``index`` (``None``: no list configured)."""

    def run(ctx: CheckContext) -> CheckResult:
        if index is None:
            return CheckResult(
                Outcome.ERROR,
                Text(
                    zh=f"未配置失信名单：请用 --credit-blacklist 文件 或环境变量 {ENV_VAR} 指定，"
                    "或用 --disable-plugin credit 停用本插件。",
                    en=f"No dishonesty list is configured: pass --credit-blacklist FILE or set {ENV_VAR}, "
                    "or block this plugin with --disable-plugin credit.",
                ),
            )
        raw = ctx.project.applicant_credit_code
        if not raw:
            return CheckResult(
                Outcome.INSUFFICIENT_DATA,
                Text(zh="缺少申请单位统一社会信用代码，无法核对失信名单。",
                     en="The applicant's credit code is missing; the lists cannot be checked."),
                missing=("applicant_credit_code",),
            )  # fmt: skip
        code = normalise(raw)
        fact = FactValue(name="applicant_credit_code", title=_CODE_TITLE, value=code)
        bad = problem(code)
        if bad is not None:
            return CheckResult(
                Outcome.INSUFFICIENT_DATA,
                Text(zh=f"统一社会信用代码 {raw} 无效（{bad[1]}），无法核对失信名单；请更正。",
                     en=f"The credit code {raw} is not valid (it {bad[0]}); the lists cannot be checked. Correct it."),
                missing=("applicant_credit_code",),
                facts=(fact,),
            )  # fmt: skip
        listings = index.get(code, ())
        active = [x for x in listings if x.active_on(ctx.as_of)]
        if active:
            zh, en = zip(*(_describe(x) for x in active), strict=True)
            return CheckResult(
                Outcome.FAIL,
                Text(zh=f"申请单位（{code}）在 {ctx.as_of} 列于失信名单：{'；'.join(zh)}。",
                     en=f"The applicant ({code}) is on a dishonesty list on {ctx.as_of}: {'; '.join(en)}."),
                facts=(fact,),
            )  # fmt: skip
        count = sum(len(v) for v in index.values())
        names = ", ".join(str(f) for f in files)
        past = ""
        past_en = ""
        if listings:
            zh, en = zip(*(_describe(x) for x in listings), strict=True)
            past, past_en = f"（曾列入或尚未生效：{'；'.join(zh)}）", f" (listed outside that date: {'; '.join(en)})"
        return CheckResult(
            Outcome.PASS,
            Text(zh=f"在 {ctx.as_of} 不在失信名单上（已核对 {count} 条记录：{names}）{past}。",
                 en=f"Not on a dishonesty list on {ctx.as_of} ({count} entries checked: {names}){past_en}."),
            facts=(fact,),
        )  # fmt: skip

    return Check(
        id=CHECK_ID,
        title=_TITLE,
        severity=Severity.VETO,
        run=run,
        citation=_CITATION,
        reads=("applicant_credit_code",),
        tags=("credit",),
    )


@hookimpl
def heshan_add_options(group: Any) -> None:
    """``--credit-blacklist FILE`` (repeatable)."""
    group.add_argument(
        "--credit-blacklist",
        dest=OPTION,
        action="append",
        default=None,
        metavar="FILE",
        help=f"CSV list of dishonest entities by 统一社会信用代码 (repeatable; default ${ENV_VAR})",
    )


@hookimpl
def heshan_checks(options: Mapping[str, Any]) -> list[Check]:
    """The ``credit.blacklist`` veto, over the configured list files (read once, here)."""
    files = _paths(options)
    if not files:
        raise NotConfigured(
            f"No dishonesty list is configured, so no applicant was checked against one: pass --credit-blacklist "
            f"FILE or set {ENV_VAR} (or block this plugin with --disable-plugin credit).",
            f"未配置失信名单，未核对申请单位是否失信：请用 --credit-blacklist 文件 或环境变量 {ENV_VAR} 指定"
            "（或用 --disable-plugin credit 停用本插件）。",
        )
    return [make_check(load_lists(files), files)]


@hookimpl
def heshan_input_files(options: Mapping[str, Any]) -> list[Path]:
    """The configured list files: no ``--output`` may be written over them."""
    return _paths(options)
