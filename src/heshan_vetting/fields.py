"""The project's fields, in one place: how each is written, its kind and unit, and the fact it becomes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["FIELD_SPECS", "LOCATION_FIELDS", "ZH_FIELD_NAMES", "FactKind", "FieldSpec"]

FactKind = Literal["number", "string", "strings", "date", "bool", "choice"]


@dataclass(frozen=True)
class FieldSpec:
    """How a project field is written and which fact it becomes.

    ``unit`` is the canonical unit (a pint expression) for numbers; ``example`` is how a person
    writes it; ``title_zh`` and ``title_en`` label it in reports.
    """

    name: str
    kind: FactKind
    title_zh: str
    title_en: str
    unit: str = ""
    example: str = ""
    maximum: float | None = None
    choices: tuple[tuple[str, str], ...] = ()
    """For ``choice`` fields: (value, Chinese alias) pairs; either spelling is accepted."""


FIELD_SPECS: dict[str, FieldSpec] = {
    s.name: s
    for s in [
        FieldSpec("id", "string", "项目编号", "project id", example='"HS-2024-017"'),
        FieldSpec("name", "string", "项目名称", "project name", example='"某光伏组件项目"'),
        FieldSpec("applicant", "string", "申请单位", "applicant", example='"某新能源有限公司"'),
        FieldSpec("applicant_credit_code", "string", "统一社会信用代码", "unified social credit code"),
        FieldSpec("industry_code", "string", "行业代码", "industry code (GB/T 4754-2017)", example='"C3825"'),
        FieldSpec("products", "strings", "主要产品", "products", example='["光伏组件"]'),
        FieldSpec("town", "string", "所在镇街", "town"),
        FieldSpec("park", "string", "所在园区", "park"),
        FieldSpec("application_date", "date", "申请日期", "application date", example="2024-03-01"),
        FieldSpec("production_start", "date", "投产日期", "start of production (投产)", example="2025-06-30"),
        FieldSpec("full_production", "date", "达产日期", "full production reached (达产)", example="2026-06-30"),
        FieldSpec("total_investment", "number", "总投资", "total investment", "万元", '"12.5 亿元"'),
        FieldSpec("fixed_asset_investment", "number", "固定资产投资", "fixed-asset investment", "万元", '"10 亿元"'),
        FieldSpec("land_area", "number", "用地面积", "land area", "亩", '"180 亩"'),
        FieldSpec(
            "occupied_land_area",
            "number",
            "占用土地面积（租赁或代建厂房分摊）",
            "land occupied (share of a leased or government-built plant's plot)",
            "亩",
            '"12 亩"',
        ),
        FieldSpec("annual_output", "number", "达产年产值", "planned annual output", "万元", '"30 亿元"'),
        FieldSpec("annual_tax", "number", "达产年税收", "planned annual tax", "万元", '"6000 万元"'),
        FieldSpec(
            "energy_consumption",
            "number",
            "年综合能耗",
            "annual comprehensive energy use",
            "tce",
            '"3.2 万吨标准煤"',
        ),
        FieldSpec(
            "energy_consumption_increment",
            "number",
            "新增年综合能耗",
            "annual energy use added (expansion or renovation)",
            "tce",
            '"6000 tce"',
        ),
        FieldSpec(
            "electricity_consumption",
            "number",
            "年用电量",
            "annual electricity use",
            "万千瓦时",
            '"4500 万千瓦时"',
        ),
        FieldSpec("plot_ratio", "number", "容积率", "plot ratio", "", "1.2"),
        FieldSpec("building_coefficient", "number", "建筑系数", "building coefficient", "%", '"45%"', 100),
        FieldSpec("green_ratio", "number", "绿地率", "green ratio", "%", '"12%"', 100),
        FieldSpec(
            "admin_living_share",
            "number",
            "行政办公及生活服务设施用地比重",
            "admin/living land share",
            "%",
            '"5%"',
            100,
        ),
        FieldSpec("employees", "number", "从业人数", "employees", "", "350"),
        FieldSpec("rd_share", "number", "研发投入占比", "R&D spend share of revenue", "%", '"3.5%"', 100),
        FieldSpec(
            "construction_type",
            "choice",
            "建设性质",
            "construction type",
            example='"new"',
            choices=(("new", "新建"), ("expansion", "扩建"), ("renovation", "改建"), ("relocation", "迁建")),
        ),
        FieldSpec(
            "catalogue_class",
            "choice",
            "产业结构调整指导目录类别",
            "industry catalogue class (2024)",
            example='"encouraged"',
            choices=(
                ("encouraged", "鼓励类"),
                ("permitted", "允许类"),
                ("restricted", "限制类"),
                ("eliminated", "淘汰类"),
            ),
        ),
        FieldSpec("catalogue_item", "string", "目录条目", "catalogue item", example='"鼓励类 二十八、4"'),
        FieldSpec("capacity_replacement_plan", "bool", "产能置换方案", "capacity replacement plan", example="true"),
        FieldSpec(
            "in_compliant_park",
            "bool",
            "位于依法设立且开展规划环评的园区",
            "sited in a lawful park with a planning EIA",
            example="true",
        ),
        FieldSpec(
            "pv_glass_hearing_held", "bool", "光伏压延玻璃项目听证", "PV rolled-glass hearing held", example="true"
        ),
        FieldSpec(
            "two_high_exception",
            "choice",
            "两高项目例外情形",
            "两高 exception ground",
            example='"efficiency_leader"',
            choices=(
                ("daily_life_necessity", "民生需要"),
                ("supply_chain_security", "产业链供应链安全"),
                ("efficiency_leader", "能效领先"),
                ("below_provincial_average", "能耗强度低于全省平均"),
            ),
        ),
        FieldSpec("two_high_exception_basis", "string", "例外情形依据", "basis for the exception"),
        FieldSpec(
            "confirmed_values",
            "strings",
            "已核实的异常数值",
            "values confirmed despite a plausibility warning",
            example='["investment_intensity"]',
        ),
    ]
}

#: The fields written under a project file's ``[location]`` table.
LOCATION_FIELDS: tuple[str, ...] = ("town", "park")

#: A field's Chinese title (``用地面积``) → its name (``land_area``): a project file may use either as the key.
ZH_FIELD_NAMES: dict[str, str] = {s.title_zh: s.name for s in FIELD_SPECS.values()}
