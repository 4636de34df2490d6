"""The input model: a candidate project, with quantities normalised to canonical units.

Project files are TOML (see ``docs/project-file.md``). Quantities are written with their units as
people write them ("12.5 亿元", "180 亩", "3.2 万吨标准煤") and converted once, when the project is
validated, to the canonical unit of the field (万元, 亩, tce, 万千瓦时, %). After that a
:class:`Project` holds plain floats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FieldSerializationInfo,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
)

from heshan_vetting.errors import BilingualValueError, ProjectError, did_you_mean
from heshan_vetting.fields import FIELD_SPECS, ZH_FIELD_NAMES, FieldSpec
from heshan_vetting.industry import validate_industry_code
from heshan_vetting.inputs.messages import pydantic_message
from heshan_vetting.inputs.toml import TomlDocument
from heshan_vetting.units import Units, dimension_label, shown

__all__ = ["Location", "Project", "project_from_mapping"]


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


_SIMPLE_QUANTITY = re.compile(r"([0-9]+(?:\.[0-9]+)?) ?([^\s0-9.,eE+\-、。﹐﹑﹒·'’_\uff01-\uff5e][^\s\uff01-\uff5e]*)")
"""A quantity in its plainest spelling: digits (with a decimal point), at most one space, a unit text with no
space, no full-width character and nothing :meth:`Units.parse_quantity` would read as part of the number. For
such a text ``parse_quantity`` reads the number as written and the unit text alone decides the rest (the
multiplier, the unit, whether it converts): :func:`_quantity` remembers that per unit text
(``Units.quantity_plans``) once it has parsed one without error, and then only reads the number."""
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
            f"{exc.message_en}; write it like {spec.example}", f"{exc.message_zh}；写法如 {spec.example}"
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
    simple = _SIMPLE_QUANTITY.fullmatch(value)
    if simple is not None:
        plan = units.quantity_plans.get((simple.group(2), spec.unit))
        if plan is not None:
            # the unit text parsed before, into this field's unit: only the number is new
            magnitude = float(f"{simple.group(1)}e{plan[0]}")
            converted = magnitude * plan[1]
            if magnitude != 0 and math.isfinite(converted) and converted != 0:
                return float(f"{converted:.15g}") + 0.0
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
    if simple is not None and not simple.group(2).endswith("人民币"):
        plans = units.quantity_plans
        if len(plans) >= 4096:
            plans.clear()
        power, parsed = units.unit_with_multiplier(simple.group(2), "元" if money else None)
        plans[(simple.group(2), spec.unit)] = (power, units.factor(parsed, target))
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
    production_start: date | None = None
    """The (planned) date of start of production, 投产; commitments of the agreement fall due from it."""
    full_production: date | None = None
    """The (planned) date full production is reached, 达产 (not before ``production_start``)."""
    total_investment: float | None = None
    fixed_asset_investment: float | None = None
    land_area: float | None = None
    occupied_land_area: float | None = None
    """For a project without land of its own (``land_area = 0``): the land it occupies in a leased or
    government-built (代建) plant, e.g. its share of the host plot by floor area; per-mu indicators run on it."""
    annual_output: float | None = None
    annual_tax: float | None = None
    energy_consumption: float | None = None
    energy_consumption_increment: float | None = None
    """For 扩建/改建: the annual energy use the project adds (the energy-review tiers count this increment)."""
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
    confirmed_values: tuple[str, ...] = ()
    """Facts (e.g. ``investment_intensity``) an official has confirmed after a data-quality warning."""
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

    @field_validator("full_production")
    @classmethod
    def _full_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("production_start")
        if value is not None and isinstance(start, date) and value < start:
            raise BilingualValueError(
                f"full_production ({value}) cannot be before production_start ({start}): full production is "
                "reached after production starts",
                f"达产日期（{value}）不能早于投产日期（{start}）：先投产，后达产",
            )
        return value

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


def fact_getter(name: str) -> Callable[[Project], Any]:
    """A function giving :meth:`Project.fact_value` of ``name`` for any project (to read one fact of many)."""
    if name in ("town", "park"):
        return attrgetter(f"location.{name}")
    return attrgetter(name)


_TOP_KEYS = sorted([*Project.model_fields])


def _describe_error(err: Mapping[str, Any], written: str) -> tuple[str, str]:
    kind = err["type"]
    loc = err["loc"]
    key = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        known = _TOP_KEYS if len(loc) == 1 else ["town", "park"]
        known = [*known, *(FIELD_SPECS[k].title_zh for k in known if k in FIELD_SPECS)]
        hint_en, hint_zh = did_you_mean(written, known)
        hint_en = hint_en or f"; known keys: {', '.join(known)}"
        if len(loc) == 1 and key in ("town", "park"):
            hint_en, hint_zh = (
                f"; put it under [location] as location.{written}",
                f"；请写在 [location] 表下（location.{written}）",
            )
        return f"Unknown key {written!r}{hint_en}", f"未知的键 {written!r}{hint_zh}"
    if kind == "missing":
        return f"The required key {key!r} is missing.", f"缺少必填项 {key!r}。"
    spec = FIELD_SPECS.get(key)
    example = f" (e.g. {spec.example})" if spec and spec.example else ""
    if kind.startswith("date"):
        return "Expected a date such as 2024-03-01.", "应为日期，如 2024-03-01。"
    if kind in ("string_type", "string_too_short"):
        return f"Expected a non-empty text{example}.", "应为非空文本。"
    en, zh = pydantic_message(err)
    title = spec.title_zh if spec is not None else {"sources": "数据来源", "location": "位置"}.get(key, key)
    return _sentence(f"Invalid value: {en}", "."), _sentence(f"{title}取值无效：{zh}", "。")


def _sentence(text: str, stop: str) -> str:
    return text if text.endswith(("。", "？", "！", ".", "?", "!")) else text + stop


def _english_keys(
    data: Mapping[str, Any], doc: TomlDocument | None
) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """``data`` with Chinese field titles (``用地面积``) as their field names, and where each was written.

    Applies at the top level, in ``[location]`` and to the keys of ``[sources]``. The map goes from a key path
    in English to the key as written, so errors point at what the user wrote.

    :raises ProjectError: a field given under both its names.
    """
    written: dict[tuple[str, ...], str] = {}

    def level(table: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in table.items():
            name = ZH_FIELD_NAMES.get(key) if isinstance(key, str) else None
            if name is None:
                out[key] = value
                continue
            if name in table:
                line, col = doc.key_positions.get((*path, key), (None, None)) if doc else (None, None)
                raise ProjectError(
                    f"The field {name!r} is given twice, as {name!r} and as {key!r}; keep one of them.",
                    message_zh=f"字段“{key}”（{name}）重复填写：{name!r} 与 {key!r}；请只保留其一。",
                    file=doc.path if doc else None,
                    line=line,
                    column=col,
                    field=".".join((*path, key)),
                )
            out[name] = value
            english_path = (*path, name)
            written[english_path] = key
        return out

    result = level(data, ())
    for table in ("location", "sources"):
        if isinstance(result.get(table), Mapping):
            result[table] = level(result[table], (table,))
    return result, written


def project_from_mapping(data: Mapping[str, Any], units: Units, doc: TomlDocument | None = None) -> Project:
    """Validate a project dict, parsing quantities with ``units``; errors name the field (and line).

    A key may be a field's name (``land_area``) or its Chinese title (``用地面积``, the ``title_zh`` of
    :data:`~heshan_vetting.fields.FIELD_SPECS`), but not both; errors name the key as written.

    :raises ProjectError: the first problem (an unknown key comes first), with every other problem pydantic found
        in :attr:`~heshan_vetting.InputError.details`.
    """
    english, written = _english_keys(data, doc)
    try:
        return Project.model_validate(english, context={"units": units})
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        raise ProjectError.gather([_project_error(err, written, doc) for err in errors]) from None


def _project_error(
    err: Mapping[str, Any], written: Mapping[tuple[str, ...], str], doc: TomlDocument | None
) -> ProjectError:
    english = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
    loc = tuple(written.get(tuple(str(q) for q in english[: i + 1]), p) for i, p in enumerate(english))
    en, zh = _describe_error(err, str(loc[-1]) if loc else "")
    line = col = None
    if doc is not None:
        line, col = doc.locate(loc)
    field = ".".join(str(p) for p in loc) or None
    return ProjectError(en, message_zh=zh, file=doc.path if doc else None, line=line, column=col, field=field)
