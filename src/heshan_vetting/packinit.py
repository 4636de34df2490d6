"""A pack skeleton to start from: ``init pack NAME --extends heshan`` writes one rule, one case, its test passing.

:func:`write_pack_skeleton` writes ``NAME.toml`` (a pack extending a parent, with one dated threshold and one
rule on it) and ``NAME.cases/01-sample-project/`` (a project and the expectation its report meets today), so
``python -m heshan_vetting rules test NAME.toml`` passes at once and the author edits from there.
"""

from __future__ import annotations

import re
from pathlib import Path

from heshan_vetting.errors import UsageError
from heshan_vetting.output import write_output
from heshan_vetting.packtests import cases_folder
from heshan_vetting.vetter import Vetter

__all__ = ["write_pack_skeleton"]

_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}\Z")

_PACK = """\
# {name}: a rule pack extending {parent}. Edit the figures, titles and citations; keep every figure's
# source and status (docs/rule-packs.md, "Citations"). Test it: python -m heshan_vetting rules test {name}.toml

[pack]
id = "{name}"
version = "0.1.0"
kind = "access"
title = {{ zh = "{name}（待填写名称）", en = "{name} (name to be written)" }}
jurisdiction = "{jurisdiction}"
extends = "{parent}"

# A local figure, dated: add a value with a new effective_from when it changes (the old one stays for
# projects checked as of an earlier date).
[thresholds.{key}_min_output_per_mu]
title = {{ zh = "亩均产值下限（{name}）", en = "Minimum output per mu ({name})" }}
unit = "万元/亩"

[[thresholds.{key}_min_output_per_mu.values]]
value = "100 万元/亩"
effective_from = 2024-01-01
# A placeholder figure: put the published one here with its document number and date, and mark it verified
# once checked against the original.
citation = {{ title = "（待填写：文件名称）", issuer = "（待填写：发文机关）", status = "draft" }}

[derived.{key}_output_per_mu]
title = {{ zh = "亩均产值", en = "Output per mu" }}
expr = "annual_output / land_area"
unit = "万元/亩"

[[rules]]
id = "{rule_id}"
title = {{ zh = "亩均产值不低于下限", en = "Output per mu at least the minimum" }}
message = {{ zh = "达产后亩均年产值低于下限。", en = "Planned annual output per mu is below the minimum." }}
severity = "advisory"
applies_if = "land_area > 0[亩]"
require = "{key}_output_per_mu >= {key}_min_output_per_mu"
unit = "万元/亩"
precision = 2
citation = {{ title = "（待填写：文件名称）", issuer = "（待填写：发文机关）", status = "draft" }}
tags = ["per-mu"]
"""

_PROJECT = """\
# A sample project (figures synthetic). Add a case folder for each decision the pack must make: a pass,
# a fail, missing data, a date before and after each change of a figure.
id = "SAMPLE-01"
name = "示例光伏组件项目"
industry_code = "C3825"
products = ["光伏组件"]
construction_type = "new"
catalogue_class = "permitted"
application_date = 2024-05-20
total_investment = "12.5 亿元"
fixed_asset_investment = "10.2 亿元"
land_area = "180 亩"
annual_output = "30 亿元"
annual_tax = "4200 万元"
energy_consumption = "0.45 万吨标准煤"
electricity_consumption = "3000 万千瓦时"
plot_ratio = 1.35
building_coefficient = "52%"
green_ratio = "10%"
admin_living_share = "5.5%"

[location]
park = "示例产业园"
"""


def _expected(report_lines: list[str], verdict: str, score: float | None) -> str:
    head = [
        "# What the report must say. Written from the report of the pack as generated: read every line and",
        '# change what an official would not sign (docs/rule-packs.md, "Testing a pack").',
        'description = "A sample project that meets every rule; the new rule passes (1,666.67 万元/亩 ≥ 100)."',
        f'verdict = "{verdict}"',
    ]
    if score is not None:
        head.append(f"score = {score}")
    return "\n".join([*head, "", "[outcomes]", *report_lines]) + "\n"


def write_pack_skeleton(
    name: str, *, extends: str = "heshan", directory: str | Path = ".", force: bool = False
) -> list[Path]:
    """Write ``NAME.toml`` extending ``extends`` and its first case in ``directory``; return the files written.

    Raises :class:`~heshan_vetting.UsageError` for a name that cannot be a pack id, a parent that does not
    load, or files that exist (unless ``force``).
    """
    if not _ID.match(name):
        raise UsageError(
            f"{name!r} cannot be a pack id: use lower-case letters, digits, '-' and '_', starting with a letter.",
            message_zh=f"{name!r} 不能作为规则包编号：请用小写字母、数字、- 与 _，并以字母开头。",
            field="NAME",
        )
    parent = Vetter(pack=extends)  # the parent must load (a RulePackError names what is wrong)
    base = Path(directory)
    pack_file = base / f"{name}.toml"
    case = cases_folder(pack_file) / "01-sample-project"
    targets = [pack_file, case / "project.toml", case / "expected.toml"]
    existing = [t for t in targets if t.exists() or t.is_symlink()]
    if existing and not force:
        raise UsageError(
            f"{existing[0]} exists; choose another name or directory, or --force to overwrite it.",
            message_zh=f"{existing[0]} 已存在；请换一个名称或目录，或加 --force 覆盖。",
            field="NAME",
        )
    key = name.replace("-", "_")
    text = _PACK.format(
        name=name,
        parent=extends,
        key=key,
        rule_id=f"{key.upper().replace('_', '-')}-001",
        jurisdiction=parent.pack.jurisdiction,
    )
    case.mkdir(parents=True, exist_ok=True)
    write_output(pack_file, text, inputs=[], field="NAME")
    write_output(case / "project.toml", _PROJECT, inputs=[], field="NAME")
    report = Vetter(pack=pack_file).check(case / "project.toml")
    outcomes = [f'"{f.rule_id}" = "{f.outcome.value}"' for f in sorted(report.findings, key=lambda f: f.rule_id)]
    score = round(report.score.total, 2) if report.score is not None else None
    write_output(case / "expected.toml", _expected(outcomes, report.verdict.value, score), inputs=[], field="NAME")
    return targets
