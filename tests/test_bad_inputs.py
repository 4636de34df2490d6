"""A table of bad inputs: each must raise the right InputError naming file, line, field and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from heshan_vetting import InputError, ProjectError, RulePackError, Vetter

SKIP = object()  # "do not check this attribute"

PACK_HEAD = """[pack]
id = "t"
version = "1"
kind = "access"
title = { zh = "测试", en = "test" }
jurisdiction = "CN"
"""
PACK_HEAD_NATIONAL = PACK_HEAD + 'extends = "national"\n'


def rule(rid: str = "R1", require: str = '"plot_ratio >= 1.0"', extra: str = "") -> str:
    """One rule; ``require`` is written as a TOML string (with its quotes); ``extra`` adds key lines."""
    return f"""
[[rules]]
id = "{rid}"
title = {{ zh = "规则", en = "rule" }}
severity = "required"
require = {require}
{extra}citation = {{ title = "测试文件", status = "unverified" }}
"""


def pack(*parts: str, head: str = PACK_HEAD) -> str:
    return head + "".join(parts)


def local_pack(pid: str, extends: str | None, body: str) -> str:
    head = PACK_HEAD.replace('id = "t"', f'id = "{pid}"')
    if extends:
        head += f'extends = "{extends}"\n'
    return head + body


PROJECT_HEAD = 'id = "HS-T-1"\nname = "测试项目"\n'


@dataclass(frozen=True)
class Case:
    """One bad input.

    ``files`` are written to a fresh directory; ``target`` is what is loaded: a project file
    (``how="project"``), a pack file (``how="pack"``) or a pack id (``how="pack_id"``).
    ``line_of`` is the text (and which occurrence, 1-based) whose line the error must name; ``column_at``
    is the text on that line where the column must point. ``None`` means the error must not claim one.
    """

    id: str
    how: str
    files: dict[str, str | bytes]
    target: str
    exc: type[InputError]
    file: str | object | None = SKIP
    line_of: str | tuple[str, int] | object | None = SKIP
    column_at: str | object | None = SKIP
    fld: str | object | None = SKIP
    needles: tuple[str, ...] = ()
    zh_needles: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)


CASES: list[Case] = [
    # -- project files -----------------------------------------------------------------------
    Case(
        "project-malformed-toml",
        "project",
        {"p.toml": PROJECT_HEAD + 'land_area = "180 亩\nannual_tax = "1 万元"\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="land_area",
        fld="land_area",  # the key whose line the syntax error is on
        needles=("not valid TOML",),
        zh_needles=("TOML 格式错误",),
    ),
    Case(
        "project-malformed-toml-missing-value",
        "project",
        {"p.toml": PROJECT_HEAD + 'land_area = "180 亩"\ntotal_investment =\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="total_investment",
        needles=("not valid TOML",),
    ),
    Case(
        "project-unknown-key",
        "project",
        {"p.toml": PROJECT_HEAD + 'total_investment = "1 亿元"\nland_aera = "180 亩"\nplot_ratio = 1.2\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="land_aera",
        fld="land_aera",
        needles=("Unknown key 'land_aera'", "did you mean 'land_area'?"),
        zh_needles=("未知的键", "land_area"),
    ),
    Case(
        "project-unknown-key-in-location-table",
        "project",
        {"p.toml": PROJECT_HEAD + '\n[location]\ntown = "址山镇"\npakr = "示例园"\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="pakr",
        fld="location.pakr",
        needles=("did you mean 'park'?",),
    ),
    Case(
        "project-unknown-key-in-inline-table",
        "project",
        {"p.toml": PROJECT_HEAD + 'location = { town = "址山镇", prak = "示例园" }\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="prak",
        column_at='"示例园"',
        fld="location.prak",
        needles=("did you mean 'park'?",),
    ),
    Case(
        "project-wrong-dimension",
        "project",
        {"p.toml": PROJECT_HEAD + 'total_investment = "2 亿元"\nland_area = "180 万元"\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="land_area",
        column_at='"180 万元"',
        fld="land_area",
        needles=("[currency]", "[length] ** 2"),
        zh_needles=("用地面积",),
    ),
    Case(
        "project-negative-area",
        "project",
        {"p.toml": PROJECT_HEAD + 'land_area = "-5 亩"\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="land_area",
        fld="land_area",
        needles=("cannot be negative",),
    ),
    Case(
        "project-nan",
        "project",
        {"p.toml": PROJECT_HEAD + "plot_ratio = 1.2\nland_area = nan\n"},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="land_area",
        fld="land_area",
        needles=("finite",),
    ),
    Case(
        "project-inf",
        "project",
        {"p.toml": PROJECT_HEAD + "land_area = inf\n"},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="land_area",
        fld="land_area",
        needles=("finite",),
    ),
    Case(
        "project-nan-in-string",
        "project",
        {"p.toml": PROJECT_HEAD + 'annual_tax = "nan 万元"\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="annual_tax",
        fld="annual_tax",
        needles=("not a number",),
    ),
    Case(
        "project-bare-percent",
        "project",
        {"p.toml": PROJECT_HEAD + 'building_coefficient = "45%"\ngreen_ratio = 12\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="green_ratio",
        fld="green_ratio",
        needles=('"12%"', "ambiguous"),
        zh_needles=("绿地率",),
    ),
    Case(
        "project-percent-over-100",
        "project",
        {"p.toml": PROJECT_HEAD + 'rd_share = "120%"\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="rd_share",
        fld="rd_share",
        needles=("cannot exceed 100%",),
    ),
    Case(
        "project-bad-industry-code",
        "project",
        {"p.toml": PROJECT_HEAD + 'industry_code = "3825"\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="industry_code",
        fld="industry_code",
        needles=("did you mean C3825?",),
        zh_needles=("行业代码",),
    ),
    Case(
        "project-industry-code-wrong-section",
        "project",
        {"p.toml": PROJECT_HEAD + 'industry_code = "D3825"\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="industry_code",
        fld="industry_code",
        needles=("not in section D", "did you mean C3825?"),
    ),
    Case(
        "project-bad-date",
        "project",
        {"p.toml": PROJECT_HEAD + 'application_date = "2024-13-01"\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="application_date",
        fld="application_date",
        needles=("date",),
        zh_needles=("日期",),
    ),
    Case(
        "project-fractional-employees",
        "project",
        {"p.toml": PROJECT_HEAD + "employees = 12.5\n"},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="employees",
        fld="employees",
        needles=("whole number",),
    ),
    Case(
        "project-unknown-unit",
        "project",
        {"p.toml": PROJECT_HEAD + 'land_area = "180 furlong"\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="land_area",
        fld="land_area",
        needles=("unknown unit",),
    ),
    Case(
        "project-boolean-quantity",
        "project",
        {"p.toml": PROJECT_HEAD + "land_area = true\n"},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="land_area",
        fld="land_area",
        needles=("boolean",),
    ),
    Case(
        "project-missing-file",
        "project",
        {},
        "nope.toml",
        ProjectError,
        file="nope.toml",
        line_of=None,
        fld=None,
        needles=("does not exist",),
        zh_needles=("文件不存在",),
    ),
    Case(
        "project-is-a-rule-pack",
        "project",
        {"pack.toml": pack(rule())},
        "pack.toml",
        ProjectError,
        file="pack.toml",
        line_of=None,
        needles=("rule pack",),
        zh_needles=("规则包",),
    ),
    Case(
        "project-not-utf8",
        "project",
        {"p.toml": PROJECT_HEAD.encode() + 'notes = "caf\xe9"\n'.encode("latin-1")},
        "p.toml",
        ProjectError,
        file="p.toml",
        line_of="notes",
        needles=("UTF-8",),
    ),
    Case(
        "project-missing-id",
        "project",
        {"p.toml": 'name = "n"\nland_area = "1 亩"\n'},
        "p.toml",
        ProjectError,
        file="p.toml",
        fld="id",
        needles=("'id'", "missing"),
    ),
    # -- rule packs --------------------------------------------------------------------------
    Case(
        "pack-malformed-toml",
        "pack",
        {"t.toml": pack(rule()).replace('severity = "required"', 'severity = "required')},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="severity",
        fld="rules[0].severity",
        needles=("not valid TOML",),
    ),
    Case(
        "pack-unknown-rule-key",
        "pack",
        {"t.toml": pack(rule(extra='aplies_if = "plot_ratio > 0"\n'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="aplies_if",
        fld="rules[0].aplies_if",
        needles=("Unknown key 'aplies_if'", "did you mean 'applies_if'?"),
        zh_needles=("未知的键",),
    ),
    Case(
        "pack-unknown-key-second-rule",
        "pack",
        {"t.toml": pack(rule("R1"), rule("R2", extra='requires = "x"\n'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="requires",
        fld="rules[1].requires",
        needles=("did you mean 'require'?",),
    ),
    Case(
        "pack-unknown-pack-key",
        "pack",
        {"t.toml": pack(rule()).replace('kind = "access"', 'kind = "access"\nversoin = "2"')},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="versoin",
        fld="pack.versoin",
        needles=("did you mean 'version'?",),
    ),
    Case(
        "pack-unknown-citation-key",
        "pack",
        {"t.toml": pack(rule()).replace('status = "unverified" }', 'status = "unverified", titel = "x" }')},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="titel",
        column_at='"x" }',
        fld="rules[0].citation.titel",
        needles=("did you mean 'title'?",),
    ),
    Case(
        "pack-bad-severity",
        "pack",
        {"t.toml": pack(rule()).replace('"required"', '"mandatory"')},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="mandatory",
        fld="rules[0].severity",
        needles=("'veto', 'required' or 'advisory'",),
    ),
    Case(
        "pack-missing-require",
        "pack",
        {"t.toml": pack(rule()).replace('require = "plot_ratio >= 1.0"\n', "")},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="[[rules]]",
        fld="rules[0]",
        needles=("'require'", "missing"),
        zh_needles=("缺少必填项",),
    ),
    Case(
        "pack-unknown-fact-name",
        "pack",
        {"t.toml": pack(rule(require='"plot_ratio >= 1.0 and land_aera > 0[亩]"'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="land_aera",
        column_at="land_aera",
        fld="rules[0].require",
        needles=("Unknown name 'land_aera'", "did you mean 'land_area'?"),
        zh_needles=("未知的名称",),
    ),
    Case(
        "pack-unknown-fact-in-applies-if",
        "pack",
        {"t.toml": pack(rule(extra='applies_if = "industry_code startswith \\"C\\" and employes > 10"\n'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="applies_if",
        fld="rules[0].applies_if",
        needles=("Unknown name 'employes'", "did you mean 'employees'?"),
    ),
    Case(
        "pack-dimension-mismatch",
        "pack",
        {"t.toml": pack(rule(require='"plot_ratio >= 300[万元/亩]"'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="300[万元/亩]",
        column_at=">= 300",
        fld="rules[0].require",
        needles=("dimensions differ", "万元/亩"),
        zh_needles=("量纲不同",),
    ),
    Case(
        "pack-add-different-dimensions",
        "pack",
        {"t.toml": pack(rule(require='"land_area + total_investment > 0[亩]"'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="total_investment",
        column_at="+ total_investment",
        fld="rules[0].require",
        needles=("Cannot add",),
    ),
    Case(
        "pack-dunder-import",
        "pack",
        {"t.toml": pack(rule(require="\"plot_ratio > 1 or __import__('os')\""))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="__import__",
        column_at="__import__",
        fld="rules[0].require",
        needles=("'_'",),
    ),
    Case(
        "pack-attribute-access",
        "pack",
        {"t.toml": pack(rule(require='"plot_ratio.real > 1"'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="plot_ratio.real",
        column_at=".real",
        fld="rules[0].require",
        needles=("Attribute access",),
        zh_needles=("属性",),
    ),
    Case(
        "pack-function-call",
        "pack",
        {"t.toml": pack(rule(require='"abs(plot_ratio) > 1"'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="abs(",
        column_at="(plot_ratio)",
        fld="rules[0].require",
        needles=("Function calls",),
    ),
    Case(
        "pack-import-statement",
        "pack",
        {"t.toml": pack(rule(require='"import os"'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="import os",
        column_at="import os",
        fld="rules[0].require",
        needles=("'import'",),
    ),
    Case(
        "pack-chained-comparison",
        "pack",
        {"t.toml": pack(rule(require='"1 < plot_ratio < 2"'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="1 < plot_ratio",
        column_at="< 2",
        fld="rules[0].require",
        needles=("chained",),
    ),
    Case(
        "pack-single-equals",
        "pack",
        {"t.toml": pack(rule(require='"plot_ratio = 1.2"'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="plot_ratio = 1.2",
        column_at="= 1.2",
        fld="rules[0].require",
        needles=("'=='",),
    ),
    Case(
        "pack-literal-string-require",
        "pack",
        {"t.toml": pack(rule(require="'industry_code in [\"C38\"] and _secret > 1'"))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="_secret",
        column_at="_secret",
        fld="rules[0].require",
        needles=("'_'",),
    ),
    Case(
        "pack-derived-cycle",
        "pack",
        {
            "t.toml": pack(
                '\n[derived.a]\ntitle = { zh = "甲", en = "a" }\nexpr = "b * 2"\n',
                '\n[derived.b]\ntitle = { zh = "乙", en = "b" }\nexpr = "a + 1"\n',
                rule(),
            )
        },
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of='expr = "b * 2"',
        fld="derived.a.expr",
        needles=("cycle", "a → b → a"),
        zh_needles=("循环",),
    ),
    Case(
        "pack-derived-unit-mismatch",
        "pack",
        {
            "t.toml": pack(
                '\n[derived.tpm]\ntitle = { zh = "亩均税收", en = "tax per mu" }\n'
                'expr = "annual_tax / land_area"\nunit = "万元"\n',
                rule(),
            )
        },
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="annual_tax / land_area",
        fld="derived.tpm.expr",
        needles=("declared unit",),
    ),
    Case(
        "pack-duplicate-rule-id",
        "pack",
        {"t.toml": pack(rule("R1"), rule("R1", require='"plot_ratio >= 2.0"'))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of=('id = "R1"', 2),
        fld="rules[1].id",
        needles=("Duplicate id 'R1'",),
        zh_needles=("重复",),
    ),
    Case(
        "pack-duplicate-rule-id-across-layers",
        "pack",
        {"t.toml": pack(rule("NAT-LAND-001"), head=PACK_HEAD_NATIONAL)},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="NAT-LAND-001",
        fld="rules[0].id",
        needles=("Duplicate rule id 'NAT-LAND-001'", "'national'", "replaces = true"),
    ),
    Case(
        "pack-duplicate-rule-id-across-local-layers",
        "pack",
        {
            "base.toml": local_pack("base", None, rule("R1")),
            "child.toml": local_pack("child", "base", rule("R0") + rule("R1", require='"plot_ratio >= 2.0"')),
        },
        "child.toml",
        RulePackError,
        file="child.toml",
        line_of='id = "R1"',
        fld="rules[1].id",
        needles=("Duplicate rule id 'R1'", "'base'"),
    ),
    Case(
        "pack-replaces-nothing",
        "pack",
        {"t.toml": pack(rule("NEW-1", extra="replaces = true\n"), head=PACK_HEAD_NATIONAL)},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="replaces = true",
        column_at="true",
        fld="rules[0].replaces",
        needles=("'NEW-1'", "replaces = true"),
    ),
    Case(
        "pack-effective-until-before-from",
        "pack",
        {"t.toml": pack(rule(extra="effective_from = 2024-01-01\neffective_until = 2023-01-01\n"))},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="[[rules]]",
        fld="rules[0]",
        needles=("effective_until (2023-01-01) is before effective_from (2024-01-01)",),
    ),
    Case(
        "pack-threshold-wrong-dimension",
        "pack",
        {
            "t.toml": pack(
                '\n[thresholds.min_x]\ntitle = { zh = "甲", en = "a" }\nunit = "万元/亩"\nvalue = "30 亩"\n'
                'citation = { title = "测试文件", status = "unverified" }\n',
                rule(),
            )
        },
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of='value = "30 亩"',
        column_at='"30 亩"',
        fld="thresholds.min_x.value",
        needles=("[length] ** 2", "万元/亩"),
    ),
    Case(
        "pack-threshold-dated-value-wrong-dimension",
        "pack",
        {
            "t.toml": pack(
                '\n[thresholds.min_x]\ntitle = { zh = "甲", en = "a" }\nunit = "%"\n'
                'citation = { title = "测试文件", status = "unverified" }\n'
                '\n[[thresholds.min_x.values]]\nvalue = "30%"\neffective_until = 2019-12-31\n'
                '\n[[thresholds.min_x.values]]\nvalue = "40 万元"\neffective_from = 2020-01-01\n',
                rule(),
            )
        },
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of='value = "40 万元"',
        fld="thresholds.min_x.values[1].value",
        needles=("[currency]",),
    ),
    Case(
        "pack-threshold-overlapping-values",
        "pack",
        {
            "t.toml": pack(
                '\n[thresholds.min_x]\ntitle = { zh = "甲", en = "a" }\nunit = "%"\n'
                'citation = { title = "测试文件", status = "unverified" }\n'
                '\n[[thresholds.min_x.values]]\nvalue = "30%"\neffective_from = 2020-01-01\n'
                "effective_until = 2023-01-01\n"
                '\n[[thresholds.min_x.values]]\nvalue = "40%"\neffective_from = 2022-01-01\n',
                rule(),
            )
        },
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="[[thresholds.min_x.values]]",
        fld="thresholds.min_x.values",
        needles=("overlap", "'min_x'"),
        zh_needles=("重叠",),
    ),
    Case(
        "pack-threshold-override-changes-dimension",
        "pack",
        {
            "t.toml": pack(
                '\n[thresholds.window_guidance_energy]\ntitle = { zh = "甲", en = "a" }\nunit = "万元"\n'
                'value = "5 万元"\ncitation = { title = "测试文件", status = "unverified" }\n',
                rule("T-1"),
                head=PACK_HEAD_NATIONAL,
            )
        },
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of='unit = "万元"',
        fld="thresholds.window_guidance_energy.unit",
        needles=("'national'", "dimension differs"),
    ),
    Case(
        "pack-set-invalid-industry-code",
        "pack",
        {"t.toml": pack('\n[sets.s]\ntype = "industry_code"\nmembers = ["C38", "3825", "C39"]\n', rule())},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="members",
        needles=("'3825'", "did you mean C3825?"),
        zh_needles=("不是有效的行业代码",),
    ),
    Case(
        "pack-table-invalid-industry-code",
        "pack",
        {"t.toml": pack('\n[tables.tt]\nunit = "万元/亩"\n[tables.tt.rows]\nC38 = 1\nC99 = 2\n', rule())},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="C99",
        fld="tables.tt.rows.C99",
        needles=("division 99 is not in section C",),
    ),
    Case(
        "pack-table-row-wrong-dimension",
        "pack",
        {"t.toml": pack('\n[tables.tt]\nunit = "万元/亩"\n[tables.tt.rows]\nC38 = "3 亩"\n', rule())},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of='C38 = "3 亩"',
        column_at='"3 亩"',
        fld="tables.tt.rows.C38",
        needles=("[length] ** 2",),
    ),
    Case(
        "pack-name-shadows-fact",
        "pack",
        {
            "t.toml": pack(
                '\n[thresholds.plot_ratio]\ntitle = { zh = "甲", en = "a" }\nvalue = 1\n'
                'citation = { title = "测试文件", status = "unverified" }\n',
                rule(),
            )
        },
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="[thresholds.plot_ratio]",
        fld="thresholds.plot_ratio",
        needles=("'plot_ratio'", "unique"),
    ),
    Case(
        "pack-extends-unknown",
        "pack",
        {"t.toml": pack(rule(), head=PACK_HEAD + 'extends = "nowhere"\n')},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="extends",
        column_at='"nowhere"',
        fld="pack.extends",
        needles=("'nowhere'",),
    ),
    Case(
        "pack-extends-cycle",
        "pack",
        {"a.toml": local_pack("a", "b", rule("RA")), "b.toml": local_pack("b", "a", rule("RB"))},
        "a.toml",
        RulePackError,
        file="b.toml",
        line_of="extends",
        fld="pack.extends",
        needles=("cycle",),
    ),
    Case(
        "pack-bad-id",
        "pack",
        {"t.toml": pack(rule()).replace('id = "t"', 'id = "Bad Id"')},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="Bad Id",
        fld="pack.id",
        needles=("not a valid pack id",),
    ),
    Case(
        "pack-not-utf8",
        "pack",
        {"t.toml": pack(rule()).encode("utf-8") + "# r\xe8gle\n".encode("latin-1")},
        "t.toml",
        RulePackError,
        file="t.toml",
        line_of="# r",
        needles=("UTF-8",),
    ),
    Case(
        "pack-missing-file",
        "pack",
        {},
        "missing.toml",
        RulePackError,
        file="missing.toml",
        line_of=None,
        needles=("does not exist",),
    ),
    Case(
        "pack-unknown-id",
        "pack_id",
        {},
        "nope",
        RulePackError,
        file=None,
        line_of=None,
        fld="pack",
        needles=("'nope'", "national", "heshan"),
    ),
]


def _line_number(text: str, needle: str | tuple[str, int]) -> int:
    what, nth = (needle, 1) if isinstance(needle, str) else needle
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if what in line]
    assert len(hits) >= nth, f"test table error: {what!r} not found {nth} times"
    return hits[nth - 1]


def _load(case: Case, base: Path) -> None:
    for name, content in case.files.items():
        path = base / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    target = base / case.target
    if case.how == "project":
        Vetter().load(target)
    elif case.how == "pack":
        Vetter(pack=str(target))
    else:
        Vetter(pack=case.target)


def _text_of(case: Case, name: str) -> str:
    content = case.files[name]
    return content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        _load(case, tmp_path)
    err = info.value
    assert type(err) is case.exc
    assert isinstance(err, InputError)

    # which file
    if case.file is None:
        assert err.file is None
    elif case.file is not SKIP:
        assert err.file is not None
        assert Path(err.file).name == case.file
        assert err.file.endswith(str(case.file))

    # which line (computed from the file text) and column
    if case.line_of is None:
        assert err.line is None
    elif case.line_of is not SKIP:
        assert isinstance(case.file, str)
        text = _text_of(case, case.file)
        expected_line = _line_number(text, case.line_of)  # type: ignore[arg-type]
        assert err.line == expected_line, f"expected line {expected_line}: {text.splitlines()[expected_line - 1]!r}"
        if case.column_at is not SKIP:
            assert isinstance(case.column_at, str)
            line_text = text.splitlines()[expected_line - 1]
            assert err.column == line_text.index(case.column_at) + 1, (line_text, err.column)

    # which field
    if case.fld is not SKIP:
        assert err.field == case.fld

    # what: both languages, not the same text
    assert err.message_en.strip()
    assert err.message_zh.strip()
    assert err.message_en != err.message_zh
    for needle in case.needles:
        assert needle in err.message_en
    for needle in case.zh_needles:
        assert needle in err.message_zh

    # the formatted message carries the location
    formatted = str(err)
    if err.file is not None:
        assert err.file in formatted
    if err.line is not None:
        assert f":{err.line}" in formatted


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 20
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.exc for c in CASES} == {ProjectError, RulePackError}


def test_fixed_asset_investment_above_total(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        PROJECT_HEAD + 'total_investment = "1 亿元"\nfixed_asset_investment = "1.2 亿元"\n', encoding="utf-8"
    )
    with pytest.raises(ProjectError) as info:
        Vetter().load(path)
    err = info.value
    assert err.file is not None
    assert Path(err.file).name == "p.toml"
    assert "fixed_asset_investment" in err.message_en
    assert "total_investment" in err.message_en
    assert "12000" in err.message_en


def test_errors_are_input_errors() -> None:
    assert issubclass(ProjectError, InputError)
    assert issubclass(RulePackError, InputError)
    assert not issubclass(ProjectError, RulePackError)


def test_format_languages() -> None:
    err = RulePackError("English.", message_zh="中文。", file="x.toml", line=3, column=7, field="rules[0].require")
    assert err.location == "x.toml:3:7"
    assert err.format("en") == "x.toml:3:7: rules[0].require: English."
    assert err.format("zh") == "x.toml:3:7: rules[0].require: 中文。"
    assert "中文。" in err.format()
    assert "English." in err.format()
