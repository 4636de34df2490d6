"""The project model and the TOML project loader: canonical units, optional fields, industry codes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pydantic
import pytest

from heshan_vetting import Location, Project, ProjectError, Vetter
from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.industry import normalise_code, validate_industry_code

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "projects"


@pytest.fixture(scope="module")
def vetter() -> Vetter:
    return Vetter()


def make(vetter: Vetter, **fields: object) -> Project:
    return vetter.project({"id": "T-1", "name": "测试项目", **fields})


def project_error(vetter: Vetter, **fields: object) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        make(vetter, **fields)
    return info.value


# -- example files ---------------------------------------------------------------------------


def test_pv_example_normalised(vetter: Vetter) -> None:
    [p] = vetter.load(EXAMPLES / "pv-module-plant.toml")
    assert p.id == "EX-2024-001"
    assert p.industry_code == "C3825"
    assert p.products == ("光伏组件", "光伏电池片")
    assert p.application_date == date(2024, 5, 20)
    assert p.total_investment == pytest.approx(125000.0)  # 12.5 亿元 in 万元
    assert p.fixed_asset_investment == pytest.approx(102000.0)
    assert p.land_area == pytest.approx(180.0)  # 12 公顷 in 亩
    assert p.annual_output == pytest.approx(300000.0)
    assert p.annual_tax == pytest.approx(4200.0)
    assert p.energy_consumption == pytest.approx(4500.0)  # 0.45 万吨标准煤 in tce
    assert p.electricity_consumption == pytest.approx(3000.0)
    assert p.plot_ratio == pytest.approx(1.35)
    assert p.building_coefficient == pytest.approx(52.0)
    assert p.admin_living_share == pytest.approx(5.5)
    assert p.rd_share == pytest.approx(3.5)
    assert p.employees == 1200
    assert isinstance(p.employees, int)
    assert p.location == Location(town="址山镇", park="示例产业园")
    assert p.sources == {"fixed_asset_investment": "synthetic example"}


def test_cement_example_normalised(vetter: Vetter) -> None:
    [p] = vetter.load(EXAMPLES / "cement-clinker-line.toml")
    assert p.industry_code == "C3011"
    assert p.energy_consumption == pytest.approx(320000.0)  # 32 万吨标准煤
    assert p.electricity_consumption == pytest.approx(21000.0)  # 2.1 亿千瓦时 in 万千瓦时
    assert p.land_area == pytest.approx(300.0)
    assert p.location.park is None


def test_electronics_example_has_missing_fields(vetter: Vetter) -> None:
    [p] = vetter.load(EXAMPLES / "electronics-low-tax.toml")
    assert p.admin_living_share is None
    assert p.electricity_consumption is None
    assert p.employees is None
    assert p.rd_share is None
    assert p.energy_consumption == pytest.approx(2600.0)
    assert p.annual_tax == pytest.approx(780.0)


# -- minimal and missing ---------------------------------------------------------------------


def test_only_id_and_name_are_required(vetter: Vetter) -> None:
    p = make(vetter)
    for name, spec in FIELD_SPECS.items():
        if name in ("id", "name"):
            continue
        value = p.fact_value(name)
        if spec.kind == "strings":
            assert value == ()
        else:
            assert value is None, name
    assert p.sources == {}
    assert p.notes is None


@pytest.mark.parametrize("missing", ["id", "name"])
def test_id_and_name_required(vetter: Vetter, missing: str) -> None:
    data = {"id": "T-1", "name": "n"}
    del data[missing]
    with pytest.raises(ProjectError) as info:
        vetter.project(data)
    assert info.value.field == missing
    assert repr(missing) in info.value.message_en


def test_empty_name_rejected(vetter: Vetter) -> None:
    err = project_error(vetter, name="")
    assert err.field == "name"


def test_project_is_frozen(vetter: Vetter) -> None:
    p = make(vetter, land_area="10 亩")
    with pytest.raises(pydantic.ValidationError):
        p.land_area = 20.0  # type: ignore[misc]


def test_fact_value_reads_location(vetter: Vetter) -> None:
    p = make(vetter, location={"town": "址山镇"})
    assert p.fact_value("town") == "址山镇"
    assert p.fact_value("park") is None


# -- quantities in canonical units -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "text", "canonical"),
    [
        ("total_investment", "12.5 亿元", 125000.0),
        ("total_investment", "2078.70万元", 2078.7),
        ("total_investment", "50000000 元", 5000.0),
        ("total_investment", "3000 千元", 300.0),
        ("land_area", "12 公顷", 180.0),
        ("land_area", "180 亩", 180.0),
        ("land_area", "120000 m2", 180.0),
        ("land_area", "0.12 平方公里", 180.0),
        ("energy_consumption", "3.2 万吨标准煤", 32000.0),
        ("energy_consumption", "2600 吨标准煤", 2600.0),
        ("energy_consumption", "500000 kgce", 500.0),
        ("electricity_consumption", "4500 万千瓦时", 4500.0),
        ("electricity_consumption", "1 亿千瓦时", 10000.0),
        ("electricity_consumption", "45000000 kWh", 4500.0),
        ("electricity_consumption", "1000 MWh", 100.0),
        ("building_coefficient", "45%", 45.0),
        ("green_ratio", " 12 % ", 12.0),
        ("rd_share", "3.5%", 3.5),
        ("plot_ratio", 1.2, 1.2),
        ("plot_ratio", "1.2", 1.2),
        ("plot_ratio", "120%", 1.2),
    ],
)
def test_quantity_normalised(vetter: Vetter, field: str, text: object, canonical: float) -> None:
    p = make(vetter, **{field: text})
    assert getattr(p, field) == pytest.approx(canonical, rel=1e-12)


def test_zero_quantities_allowed(vetter: Vetter) -> None:
    p = make(vetter, land_area="0 亩", green_ratio="0%", annual_tax="0 万元")
    assert p.land_area == 0.0
    assert p.green_ratio == 0.0
    assert p.annual_tax == 0.0


def test_project_without_vetter_uses_shipped_units() -> None:
    p = Project.model_validate({"id": "a", "name": "b", "land_area": "1 公顷", "total_investment": "1 亿元"})
    assert p.land_area == pytest.approx(15.0)
    assert p.total_investment == pytest.approx(10000.0)


def test_project_in_code_raises_pydantic_error() -> None:
    with pytest.raises(pydantic.ValidationError, match="land area"):
        Project.model_validate({"id": "a", "name": "b", "land_area": "1 万元"})


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("land_area", "180 万元", "[length] ** 2"),
        ("total_investment", "5 亩", "[currency]"),
        ("energy_consumption", "5 万元", "[energy]"),
        ("plot_ratio", "1.2 亩", "dimensionless"),
        ("land_area", 180, "no unit"),
        ("land_area", "180", "dimensionless"),
        ("land_area", True, "boolean"),
        ("land_area", [1, 2], "list"),
        ("land_area", "-1 亩", "cannot be negative"),
        ("total_investment", "-0.5 亿元", "cannot be negative"),
        ("land_area", float("nan"), "finite"),
        ("land_area", float("inf"), "finite"),
        ("land_area", "180 furlong", "unknown unit"),
        ("green_ratio", "120%", "cannot exceed 100%"),
    ],
)
def test_bad_quantity(vetter: Vetter, field: str, value: object, needle: str) -> None:
    err = project_error(vetter, **{field: value})
    assert err.field == field
    assert needle in err.message_en
    assert err.message_zh != err.message_en
    assert FIELD_SPECS[field].title_zh in err.message_zh


@pytest.mark.parametrize("field", ["building_coefficient", "green_ratio", "admin_living_share", "rd_share"])
@pytest.mark.parametrize("value", [12, 12.5, 0])
def test_percent_needs_sign(vetter: Vetter, field: str, value: float) -> None:
    err = project_error(vetter, **{field: value})
    assert err.field == field
    assert "%" in err.message_en
    assert "ambiguous" in err.message_en


def test_percent_of_a_non_percent_field_is_a_fraction(vetter: Vetter) -> None:
    # plot_ratio is dimensionless: "80%" means 0.8
    assert make(vetter, plot_ratio="80%").plot_ratio == pytest.approx(0.8)


# -- fixed vs total investment ---------------------------------------------------------------


def test_fixed_asset_investment_may_equal_total(vetter: Vetter) -> None:
    p = make(vetter, total_investment="1 亿元", fixed_asset_investment="10000 万元")
    assert p.fixed_asset_investment == p.total_investment == pytest.approx(10000.0)


def test_fixed_asset_investment_above_total_rejected(vetter: Vetter) -> None:
    err = project_error(vetter, total_investment="1 亿元", fixed_asset_investment="1.5 亿元")
    assert "fixed_asset_investment" in err.message_en
    assert "total_investment" in err.message_en
    assert "15000" in err.message_en


def test_fixed_without_total_is_fine(vetter: Vetter) -> None:
    assert make(vetter, fixed_asset_investment="1.5 亿元").total_investment is None


# -- industry codes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "stored"),
    [(" c3825 ", "C3825"), ("C3825", "C3825"), ("d4411", "D4411"), ("A0111", "A0111"), ("\tc3011\n", "C3011")],
)
def test_industry_code_normalised(vetter: Vetter, written: str, stored: str) -> None:
    assert make(vetter, industry_code=written).industry_code == stored


def test_normalise_code() -> None:
    assert normalise_code(" c3825 ") == "C3825"
    assert normalise_code("c38") == "C38"


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("3825", "did you mean C3825?"),
        ("D3825", "did you mean C3825?"),
        ("0125", "did you mean A0125?"),
        ("4411", "did you mean D4411?"),
        ("C4411", "did you mean D4411?"),
        ("A3825", "did you mean C3825?"),
    ],
)
def test_industry_code_did_you_mean(vetter: Vetter, written: str, hint: str) -> None:
    err = project_error(vetter, industry_code=written)
    assert err.field == "industry_code"
    assert hint in err.message_en
    assert f"是否应为 {hint.split()[-1].rstrip('?')}" in err.message_zh
    assert "行业代码" in err.message_zh


@pytest.mark.parametrize("written", ["C9999", "Z1234", "C38", "C382", "C38251", "CC3825", "", "38-25", "C 3825"])
def test_industry_code_invalid_without_hint(vetter: Vetter, written: str) -> None:
    err = project_error(vetter, industry_code=written)
    assert err.field == "industry_code"
    assert "did you mean" not in err.message_en
    assert "industry code" in err.message_en


def test_industry_code_division_outside_section_message() -> None:
    with pytest.raises(ValueError, match="division 38 is not in section D"):
        validate_industry_code("D3825")


def test_industry_code_not_text(vetter: Vetter) -> None:
    err = project_error(vetter, industry_code=3825)
    assert err.field == "industry_code"


@pytest.mark.parametrize(("code", "norm"), [("c", "C"), ("C38", "C38"), ("c382", "C382"), ("C3825", "C3825")])
def test_industry_code_prefixes_for_packs(code: str, norm: str) -> None:
    assert validate_industry_code(code, allow_prefix=True) == norm


@pytest.mark.parametrize("code", ["C3", "X", "C99", "D38", "C38251"])
def test_industry_code_bad_prefixes_for_packs(code: str) -> None:
    with pytest.raises(ValueError, match="not a valid industry code"):
        validate_industry_code(code, allow_prefix=True)


@pytest.mark.parametrize(
    ("section", "division"),
    [("A", 1), ("A", 5), ("B", 6), ("C", 13), ("C", 43), ("D", 44), ("F", 52), ("K", 70), ("T", 97)],
)
def test_section_division_boundaries(section: str, division: int) -> None:
    # the first class of the division, whatever its group digits
    code = f"{section}{division:02d}"
    assert validate_industry_code(code, allow_prefix=True) == code


@pytest.mark.parametrize(("section", "division"), [("A", 6), ("B", 5), ("C", 12), ("C", 44), ("D", 43), ("T", 98)])
def test_section_division_outside(section: str, division: int) -> None:
    with pytest.raises(ValueError, match=f"division {division:02d} is not in section {section}"):
        validate_industry_code(f"{section}{division:02d}11")


# -- employees -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "stored"), [(350, 350), (350.0, 350), (0, 0), ("12", 12)])
def test_employees_whole_number(vetter: Vetter, value: object, stored: int) -> None:
    p = make(vetter, employees=value)
    assert p.employees == stored
    assert isinstance(p.employees, int)


@pytest.mark.parametrize(
    ("value", "needle"),
    [(12.5, "whole number"), (True, "boolean"), (float("nan"), "whole number"), (-1, "greater than or equal to 0")],
)
def test_employees_invalid(vetter: Vetter, value: object, needle: str) -> None:
    err = project_error(vetter, employees=value)
    assert err.field == "employees"
    assert needle in err.message_en


# -- dates, keys, sources --------------------------------------------------------------------


@pytest.mark.parametrize("value", [date(2024, 3, 1), "2024-03-01"])
def test_application_date(vetter: Vetter, value: object) -> None:
    assert make(vetter, application_date=value).application_date == date(2024, 3, 1)


@pytest.mark.parametrize("value", ["2024-13-01", "2024-02-30", "next week", 20240301.5])
def test_application_date_invalid(vetter: Vetter, value: object) -> None:
    err = project_error(vetter, application_date=value)
    assert err.field == "application_date"
    assert "2024-03-01" in err.message_en
    assert "日期" in err.message_zh


def test_production_dates() -> None:
    p = Project(id="T", name="t", production_start="2025-06-30", full_production=date(2026, 6, 30))
    assert (p.production_start, p.full_production) == (date(2025, 6, 30), date(2026, 6, 30))
    same = Project(id="T", name="t", production_start="2025-06-30", full_production="2025-06-30")
    assert same.full_production == same.production_start


def test_full_production_before_production_start_is_an_error_naming_the_field(vetter: Vetter, tmp_path: Path) -> None:
    err = project_error(vetter, production_start="2025-06-30", full_production="2025-06-29")
    assert err.field == "full_production"
    assert "2025-06-29" in err.message_en
    assert "production_start" in err.message_en
    assert "达产日期" in err.message_zh
    assert "投产日期" in err.message_zh
    f = tmp_path / "p.toml"
    f.write_text('id = "T"\nname = "t"\nproduction_start = 2025-06-30\nfull_production = 2024-01-01\n', "utf-8")
    with pytest.raises(ProjectError) as info:
        vetter.load(f)
    assert (info.value.field, info.value.line) == ("full_production", 4)


@pytest.mark.parametrize("field", ["production_start", "full_production"])
def test_production_dates_invalid(vetter: Vetter, field: str) -> None:
    err = project_error(vetter, **{field: "2025-02-30"})
    assert err.field == field
    assert "日期" in err.message_zh


@pytest.mark.parametrize(
    ("key", "near"),
    [("land_aera", "land_area"), ("totl_investment", "total_investment"), ("industrycode", "industry_code")],
)
def test_unknown_key_did_you_mean(vetter: Vetter, key: str, near: str) -> None:
    err = project_error(vetter, **{key: "1"})
    assert err.field == key
    assert f"did you mean {near!r}" in err.message_en
    assert near in err.message_zh


def test_unknown_key_lists_known_keys(vetter: Vetter) -> None:
    err = project_error(vetter, zzz=1)
    assert err.field == "zzz"
    assert "known keys" in err.message_en
    assert "land_area" in err.message_en


def test_unknown_location_key(vetter: Vetter) -> None:
    err = project_error(vetter, location={"twon": "址山镇"})
    assert err.field == "location.twon"
    assert "'town'" in err.message_en


def test_sources_must_name_fields(vetter: Vetter) -> None:
    assert make(vetter, sources={"land_area": "规划许可证"}).sources == {"land_area": "规划许可证"}
    err = project_error(vetter, sources={"land_area": "x", "bogus": "y"})
    assert err.field == "sources"
    assert "bogus" in err.message_en


def test_products_must_be_a_list(vetter: Vetter) -> None:
    err = project_error(vetter, products="光伏组件")
    assert err.field == "products"


# -- file loading ----------------------------------------------------------------------------


def test_load_minimal_file_with_bom(vetter: Vetter, tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('\ufeffid = "X"\nname = "测试"\nland_area = "1 公顷"\n', encoding="utf-8")
    [p] = vetter.load(path)
    assert p.land_area == pytest.approx(15.0)
    assert p.total_investment is None


def test_load_dotted_location_keys(vetter: Vetter, tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('id = "X"\nname = "n"\nlocation.town = "址山镇"\nlocation.park = "示例园"\n', encoding="utf-8")
    [p] = vetter.load(path)
    assert p.location == Location(town="址山镇", park="示例园")


def test_load_string_path(vetter: Vetter) -> None:
    [p] = vetter.load(str(EXAMPLES / "electronics-low-tax.toml"))
    assert p.id == "EX-2024-003"


def test_load_non_toml_extension(vetter: Vetter, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(ProjectError, match=r"\.json") as info:
        vetter.load(path)
    assert info.value.file == str(path)


def test_file_and_dict_give_the_same_project(vetter: Vetter) -> None:
    [from_file] = vetter.load(EXAMPLES / "electronics-low-tax.toml")
    from_dict = vetter.project(
        {
            "id": "EX-2024-003",
            "name": "示例电子元器件项目",
            "applicant": "示例电子有限公司",
            "industry_code": "c3982",
            "products": ["印制电路板"],
            "construction_type": "新建",
            "catalogue_class": "鼓励类",
            "application_date": "2024-09-10",
            "total_investment": "32000 万元",
            "fixed_asset_investment": "2.6亿元",
            "land_area": "4 公顷",
            "annual_output": "50000 万元",
            "annual_tax": "0.078 亿元",
            "energy_consumption": "0.26 万吨标准煤",
            "plot_ratio": 1.6,
            "building_coefficient": "48%",
            "green_ratio": "12%",
            "location": {"town": "鹤城镇"},
        }
    )
    assert from_dict.model_dump().keys() == from_file.model_dump().keys()
    for key in type(from_file).model_fields:
        value, got = getattr(from_file, key), getattr(from_dict, key)
        if isinstance(value, float):
            assert got == pytest.approx(value, rel=1e-12), key
        else:
            assert got == value, key
