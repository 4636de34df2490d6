"""The input model: a candidate project, with quantities normalised to canonical units.

Project files are TOML (see ``docs/project-file.md``). Quantities are written with their units as
people write them ("12.5 亿元", "180 亩", "3.2 万吨标准煤") and converted once, when the project is
validated, to the canonical unit of the field (万元, 亩, tce, 万千瓦时, %). After that a
:class:`Project` holds plain floats.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FieldSerializationInfo,
    ValidationInfo,
    field_serializer,
    field_validator,
)

from .errors import BilingualValueError
from .industry import classification
from .units import Units, dimension_label, shown

__all__ = ["FIELD_SPECS", "FieldSpec", "Location", "Project", "normalise_code", "validate_industry_code"]

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
        FieldSpec("total_investment", "number", "总投资", "total investment", "万元", '"12.5 亿元"'),
        FieldSpec("fixed_asset_investment", "number", "固定资产投资", "fixed-asset investment", "万元", '"10 亿元"'),
        FieldSpec("land_area", "number", "用地面积", "land area", "亩", '"180 亩"'),
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
    ]
}

_CODE = re.compile(r"^([A-T])(\d{2})(\d{0,2})$")
# GB/T 4754-2017: which divisions (大类) belong to each section (门类).
_SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}  # fmt: skip


def normalise_code(text: str) -> str:
    """Upper-case and strip an industry code or set member (``" c3825 "`` → ``"C3825"``)."""
    return text.strip().upper()


def _section_for(division: int) -> str | None:
    for letter, (lo, hi) in _SECTION_DIVISIONS.items():
        if lo <= division <= hi:
            return letter
    return None


def validate_industry_code(text: str, *, allow_prefix: bool = False) -> str:
    """Check a GB/T 4754-2017 code such as ``C3825`` and return it normalised.

    With ``allow_prefix`` a section (``C``), division (``C38``) or group (``C382``) is accepted too,
    as rule packs use them. Raises ``ValueError`` with a hint ("did you mean C3825?") otherwise.
    """
    code = normalise_code(text)
    if allow_prefix and len(code) == 1 and code in _SECTION_DIVISIONS:
        return code
    m = _CODE.match(code)
    hint = hint_zh = ""
    if m is None and re.fullmatch(r"\d{4}", code):
        section = _section_for(int(code[:2]))
        if section:
            hint, hint_zh = f"; did you mean {section}{code}?", f"；是否应为 {section}{code}？"
    if m is None or (not allow_prefix and len(m.group(3)) != 2):
        if allow_prefix:
            want, want_zh = (
                "a section letter and 2-4 digits, e.g. C38 or C3825",
                "门类字母加 2–4 位数字，如 C38 或 C3825",
            )
        else:
            want, want_zh = (
                "a section letter and 4 digits, e.g. C3825 (GB/T 4754-2017 class)",
                "门类字母加 4 位数字，如 C3825（GB/T 4754-2017 小类）",
            )
        raise BilingualValueError(
            f"{text!r} is not a valid industry code: expected {want}{hint}",
            f"{text!r} 不是有效的行业代码：应为{want_zh}{hint_zh}",
        )
    letter, division = m.group(1), int(m.group(2))
    lo, hi = _SECTION_DIVISIONS[letter]
    if not lo <= division <= hi:
        right = _section_for(division)
        fix = f"; did you mean {right}{code[1:]}?" if right else ""
        fix_zh = f"；是否应为 {right}{code[1:]}？" if right else ""
        raise BilingualValueError(
            f"{text!r} is not a valid industry code: division {division:02d} is not in section {letter}{fix}",
            f"{text!r} 不是有效的行业代码：大类 {division:02d} 不属于门类 {letter}{fix_zh}",
        )
    tree = classification()
    if allow_prefix and code not in tree:
        raise BilingualValueError(
            f"{text!r} is not a section, division, group or class of GB/T 4754-2017",
            f"{text!r} 不是 GB/T 4754-2017 中的门类、大类、中类或小类",
        )
    if code not in tree:
        near = tree.suggestions(code)
        hint = "; did you mean " + " or ".join(f"{r.code} {r.name}" for r in near) + "?" if near else ""
        hint_zh = "；是否应为 " + " 或 ".join(f"{r.code} {r.name}" for r in near) + "？" if near else ""
        raise BilingualValueError(
            f"{text!r} is not a code of GB/T 4754-2017{hint}",
            f"{text!r} 不是 GB/T 4754-2017 中的行业代码{hint_zh}",
        )
    return code


def _headcount(value: str, units: Units) -> float:
    """A head count written as text: ``"350"``, ``"350 人"``, ``"1,200人"`` or ``"3.5万人"``."""
    spec = FIELD_SPECS["employees"]
    magnitude, unit = _parse(value, spec, units)
    dim = units.dimensionality(unit)
    plain = {"dimensionless": "", "[headcount]": "人"}.get(dim)
    if plain is None or units.factor(unit, units.unit(plain)) != 1:
        raise BilingualValueError(
            f'employees is a head count: write {spec.example} or "{spec.example} 人", not {shown(value)}',
            f"从业人数是人数：请写作 {spec.example} 或“{spec.example} 人”，而不是 {shown(value)}",
        )
    return magnitude


_QUANTITY_FIELDS = tuple(n for n, s in FIELD_SPECS.items() if s.kind == "number" and n != "employees")


class Location(BaseModel):
    """Where the project would be built."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    town: str | None = None
    """镇街 (town or sub-district), e.g. ``"址山镇"``."""
    park: str | None = None
    """园区 (industrial park), e.g. ``"广东（江门）硅能源产业基地"``."""


def _units_from(info: ValidationInfo) -> Units:
    ctx = info.context if isinstance(info.context, dict) else None
    units = ctx.get("units") if ctx else None
    if isinstance(units, Units):
        return units
    # A Project built in code without a Vetter: use a registry of the shipped units, made on first use.
    return _shipped_units()


@lru_cache(maxsize=1)
def _shipped_units() -> Units:
    return Units()


def _finite(value: int | float) -> float:
    """``value`` as a float; ``ValueError`` if it is NaN, infinite or an int beyond a float's range."""
    try:
        magnitude = float(value)
    except OverflowError:  # an int such as 10**400
        raise BilingualValueError(
            f"{shown(value)} is too large (the limit is about 1.8e308)", f"{shown(value)} 数值过大（上限约为 1.8e308）"
        ) from None
    if not math.isfinite(magnitude):
        raise BilingualValueError(f"expected a finite number, got {value!r}", f"应为有限数值，实际为 {value!r}")
    return magnitude + 0.0  # -0.0 is 0


def _parse(value: str, spec: FieldSpec, units: Units, bare_unit: str | None = None) -> tuple[float, Any]:
    """``units.parse_quantity`` with the field's accepted spelling added to any error."""
    try:
        return units.parse_quantity(value, bare_unit=bare_unit)
    except BilingualValueError as exc:
        raise BilingualValueError(
            f"{exc.en}; write it like {spec.example}", f"{exc.zh}；写法如 {spec.example}"
        ) from None


def _quantity(value: Any, spec: FieldSpec, units: Units) -> float:
    if isinstance(value, bool):
        raise BilingualValueError(
            f"expected a quantity such as {spec.example}, got a boolean", f"应为数量（如 {spec.example}），而不是布尔值"
        )
    target = units.unit(spec.unit)
    if isinstance(value, (int, float)):
        magnitude = _finite(value)
        if spec.unit == "%":
            raise BilingualValueError(
                f"write the percentage with its sign, e.g. {spec.example}; a bare {value!r} is ambiguous",
                f"百分比请带 % 书写，如 {spec.example}；单独的 {value!r} 含义不明确",
            )
        if spec.unit:
            raise BilingualValueError(
                f"{value!r} has no unit; write it with one, e.g. {spec.example}",
                f"{value!r} 缺少单位；请带单位书写，如 {spec.example}",
            )
        return magnitude
    if not isinstance(value, str):
        raise BilingualValueError(
            f"expected a quantity such as {spec.example}, got {type(value).__name__}",
            f"应为数量（如 {spec.example}），实际类型为 {type(value).__name__}",
        )
    # a bare multiplier ("12.5亿", "5000万") is read as 亿元/万元 on money fields only
    money = units.dimensionality(target) == "[currency]"
    magnitude, unit = _parse(value, spec, units, "元" if money else None)
    if spec.unit == "%" and unit != target:
        raise BilingualValueError(
            f"write the percentage with its sign, e.g. {spec.example}; {shown(value)} is ambiguous",
            f"百分比请带 % 书写，如 {spec.example}；{shown(value)} 含义不明确",
        )
    if not units.convertible(unit, target):
        got = units.dimensionality(unit)
        want = units.dimensionality(target)
        raise BilingualValueError(
            f"{shown(value)} is {dimension_label(got)} but {spec.title_en} must be {dimension_label(want)} "
            f"(e.g. {spec.example})",
            f"{shown(value)} 是{dimension_label(got, 'zh')}，"
            f"但{spec.title_zh}应为{dimension_label(want, 'zh')}（如 {spec.example}）",
        )
    converted = magnitude * units.factor(unit, target)
    if not math.isfinite(converted):
        raise BilingualValueError(
            f"{shown(value)} is too large once converted to {spec.unit} (the limit is about 1.8e308 {spec.unit})",
            f"{shown(value)} 换算为 {spec.unit} 后数值过大（上限约为 1.8e308 {spec.unit}）",
        )
    if converted == 0 and magnitude != 0:
        raise BilingualValueError(
            f"{shown(value)} is too small once converted to {spec.unit} (it would be read as 0)",
            f"{shown(value)} 换算为 {spec.unit} 后数值过小（会被当作 0）",
        )
    # 15 significant digits drop the binary noise of the conversion (1.8 万吨标准煤 → 18000.000000000004
    # with some pint versions), so a value is the same on every platform and survives a dump
    return float(f"{converted:.15g}") + 0.0


class Project(BaseModel):
    """A candidate investment project. Every field except ``id`` and ``name`` may be missing.

    Numbers are in canonical units: money in 万元, land in 亩, energy in tce (吨标准煤), electricity
    in 万千瓦时, shares in %. Validate a dict with ``context={"units": vetter.units}`` to parse
    quantity strings with a Vetter's registry; without it the shipped units are used.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    applicant: str | None = None
    applicant_credit_code: str | None = None
    industry_code: str | None = None
    products: tuple[str, ...] = ()
    location: Location = Location()
    application_date: date | None = None
    total_investment: float | None = None
    fixed_asset_investment: float | None = None
    land_area: float | None = None
    annual_output: float | None = None
    annual_tax: float | None = None
    energy_consumption: float | None = None
    electricity_consumption: float | None = None
    plot_ratio: float | None = None
    building_coefficient: float | None = None
    green_ratio: float | None = None
    admin_living_share: float | None = None
    employees: int | None = Field(default=None, ge=0)
    rd_share: float | None = None
    construction_type: str | None = None
    """新建 new, 扩建 expansion, 改建 renovation or 迁建 relocation."""
    catalogue_class: str | None = None
    """Class under 《产业结构调整指导目录（2024年本）》: encouraged, permitted, restricted or eliminated."""
    catalogue_item: str | None = None
    capacity_replacement_plan: bool | None = None
    in_compliant_park: bool | None = None
    pv_glass_hearing_held: bool | None = None
    two_high_exception: str | None = None
    """A ground of the Guangdong 两高 catalogue for supporting a 两高 project anyway."""
    two_high_exception_basis: str | None = None
    sources: dict[str, str] = Field(default_factory=dict)
    """Where each figure comes from: field name → source (document, page, URL)."""
    notes: str | None = None

    @field_validator("id", "name", mode="before")
    @classmethod
    def _not_blank(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text:
            raise BilingualValueError(
                f"the {info.field_name} must not be empty or blank",
                f"{'项目编号' if info.field_name == 'id' else '项目名称'}不能为空或只有空白",
            )
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise BilingualValueError(
                f"the {info.field_name} must be one line of text without control characters",
                f"{'项目编号' if info.field_name == 'id' else '项目名称'}须为一行文字，不能含控制字符",
            )
        return text

    @field_validator("industry_code", mode="before")
    @classmethod
    def _check_code(cls, value: Any) -> Any:
        if isinstance(value, str):
            return validate_industry_code(value)
        return value

    @field_validator(*_QUANTITY_FIELDS, mode="before")
    @classmethod
    def _parse_quantity(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        assert info.field_name is not None
        spec = FIELD_SPECS[info.field_name]
        magnitude = _quantity(value, spec, _units_from(info))
        if magnitude < 0:
            raise BilingualValueError(
                f"{spec.title_en} cannot be negative (got {value!r})", f"{spec.title_zh}不能为负数（实际为 {value!r}）"
            )
        if spec.maximum is not None and magnitude > spec.maximum:
            raise BilingualValueError(
                f"{spec.title_en} cannot exceed {spec.maximum:g}{spec.unit} (got {value!r})",
                f"{spec.title_zh}不能超过 {spec.maximum:g}{spec.unit}（实际为 {value!r}）",
            )
        if info.field_name == "fixed_asset_investment":
            total = info.data.get("total_investment")
            if total is not None and magnitude > total * (1 + 1e-9):
                raise BilingualValueError(
                    f"fixed_asset_investment ({magnitude:g} 万元) cannot exceed total_investment ({total:g} 万元)",
                    f"固定资产投资（{magnitude:g} 万元）不能超过总投资（{total:g} 万元）",
                )
        return magnitude

    @field_validator("construction_type", "catalogue_class", "two_high_exception", mode="before")
    @classmethod
    def _check_choice(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        assert info.field_name is not None
        spec = FIELD_SPECS[info.field_name]
        if isinstance(value, str):
            text = value.strip()
            for canonical, alias in spec.choices:
                if text.casefold() == canonical or text == alias:
                    return canonical
        allowed = ", ".join(f"{c} ({a})" for c, a in spec.choices)
        raise BilingualValueError(
            f"{value!r} is not one of: {allowed}",
            f"{value!r} 不是可选值之一：{'、'.join(f'{a}（{c}）' for c, a in spec.choices)}",
        )

    @field_validator("capacity_replacement_plan", "in_compliant_park", "pv_glass_hearing_held", mode="before")
    @classmethod
    def _check_bool(cls, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        raise BilingualValueError(f"expected true or false, got {value!r}", f"应为 true 或 false，实际为 {value!r}")

    @field_validator("employees", mode="before")
    @classmethod
    def _check_employees(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool):
            raise BilingualValueError(
                "employees must be a whole number, got a boolean", "从业人数应为整数，而不是布尔值"
            )
        if isinstance(value, str):
            value = _headcount(value, _units_from(info))
        if isinstance(value, (int, float)):
            magnitude = _finite(value) if isinstance(value, int) else value
            if not (math.isfinite(magnitude) and magnitude.is_integer()):
                raise BilingualValueError(
                    f"employees must be a whole number, got {shown(value)}", f"从业人数应为整数，实际为 {shown(value)}"
                )
            return value if isinstance(value, int) else int(magnitude)
        return value

    @field_validator("sources", mode="before")
    @classmethod
    def _check_sources(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = sorted(k for k in value if k not in FIELD_SPECS)
            if unknown:
                raise BilingualValueError(
                    f"sources names unknown fields: {', '.join(unknown)}",
                    f"sources 中有未知字段：{'、'.join(unknown)}",
                )
        return value

    @field_serializer(*_QUANTITY_FIELDS)
    def _dump_quantity(self, value: float | None, info: FieldSerializationInfo) -> float | str | None:
        # Quantities are dumped with their canonical unit so a dump validates back to the same Project.
        spec = FIELD_SPECS[info.field_name]
        if value is None or not spec.unit:
            return value
        # 15 significant digits drop binary noise (2600.0000000000005 → 2600.0) and still round-trip
        return f"{float(f'{value:.15g}')!r} {spec.unit}"

    def fact_value(self, name: str) -> Any:
        """The value of a declared fact by name (``town`` and ``park`` come from ``location``)."""
        if name in ("town", "park"):
            return getattr(self.location, name)
        return getattr(self, name)
