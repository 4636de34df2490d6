"""Write the SYNTHETIC enterprise registers of examples/registers/ (300 enterprises, 2024 and 2025).

Every figure is made up by a seeded random generator: no row describes a real enterprise. The ids start
with ``SYNTH``, the names end in （虚构）, and each row's 备注 (a column the register reader ignores) says
SYNTHETIC. The distributions are only meant to look like a county register: log-normal land and per-mu
figures, about 40 % of enterprises above designated size (规上), some without emissions data, a few with a
recorded violation, and for 2025 realistic movement (growth with noise, a few closures, a few entrants,
a few crossing into 规上).

    python examples/registers/generate.py [--out DIR]

Re-running it writes the same bytes (tests/test_permu_examples.py checks that).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
from dataclasses import dataclass, replace
from pathlib import Path

SEED = 20260101
COUNT = 300
NOTE = "SYNTHETIC / 虚构数据，仅供演示"
TOWNS = ("沙坪街道", "龙口镇", "雅瑶镇", "古劳镇", "桃源镇", "鹤城镇", "共和镇", "址山镇", "宅梧镇", "双合镇")
INDUSTRIES = (
    "C3825", "C3841", "C3670", "C3985", "C2927", "C3311", "C3360", "C1951", "C3872", "C2641", "C3351", "C3130",
)  # fmt: skip
HEADER = (
    "统一社会信用代码", "企业名称", "镇街", "行业代码", "企业规模", "用地面积 (亩)", "实缴税收 (万元)",
    "工业增加值 (万元)", "主营业务收入 (万元)", "综合能耗（等价值） (tce)", "主要污染物排放量 (t)",
    "年平均职工人数", "研发经费支出 (万元)", "用电量 (万千瓦时)", "安全环保违法记录", "评价年度", "备注",
)  # fmt: skip
JSON_KEYS = (
    "id", "name", "town", "industry_code", "size", "land_area (亩)", "tax (万元)", "value_added (万元)",
    "revenue (万元)", "energy (tce)", "emissions (t)", "employees", "rd_spend (万元)", "electricity (万千瓦时)",
    "violations", "year", "备注",
)  # fmt: skip


@dataclass(frozen=True)
class Firm:
    """One synthetic enterprise in one year (figures in the header units)."""

    id: str
    name: str
    town: str
    industry: str
    size: str
    land: float
    tax: float
    value_added: float
    revenue: float
    energy: float
    emissions: float | None
    employees: int
    rd: float
    electricity: float
    violations: int


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def _firm(rng: random.Random, number: int) -> Firm:
    above = rng.random() < 0.4
    land = _lognormal(rng, 40.0 if above else 8.0, 0.7)
    tax = land * _lognormal(rng, 15.0 if above else 5.0, 0.8 if above else 0.9)
    value_added = tax * _lognormal(rng, 6.0, 0.35)
    revenue = value_added * _lognormal(rng, 4.0, 0.25)
    energy = value_added / _lognormal(rng, 3.0, 0.6)
    emissions = None if above and rng.random() < 0.15 else value_added / _lognormal(rng, 5000.0, 0.8)
    employees = max(5, round(value_added / _lognormal(rng, 20.0, 0.4)))
    rd = 0.0 if rng.random() < 0.1 else revenue * _lognormal(rng, 0.025, 0.6)
    electricity = energy / _lognormal(rng, 1.2, 0.3)  # 万千瓦时 per tce of total energy: a plausible share
    return Firm(
        id=f"SYNTH{number:010d}",
        name=f"示例企业{number:03d}（虚构）",
        town=rng.choice(TOWNS),
        industry=rng.choice(INDUSTRIES),
        size="规上" if above else "规下",
        land=land,
        tax=tax,
        value_added=value_added,
        revenue=revenue,
        energy=energy,
        emissions=emissions,
        employees=employees,
        rd=rd,
        electricity=electricity,
        violations=1 if rng.random() < 0.03 else 0,
    )


def _next_year(rng: random.Random, f: Firm) -> Firm:
    growth = _lognormal(rng, 1.05, 0.2)
    value_growth = growth * _lognormal(rng, 1.0, 0.08)
    size = "规上" if f.size == "规下" and rng.random() < 0.03 else f.size
    emissions = f.emissions
    if emissions is not None:
        emissions *= _lognormal(rng, 0.95, 0.15)
    elif rng.random() < 0.3:  # some start reporting emissions
        emissions = f.value_added * value_growth / _lognormal(rng, 5000.0, 0.8)
    return replace(
        f,
        size=size,
        land=f.land * (1.2 if rng.random() < 0.04 else 1.0),
        tax=f.tax * growth,
        value_added=f.value_added * value_growth,
        revenue=f.revenue * value_growth * _lognormal(rng, 1.0, 0.05),
        energy=f.energy * _lognormal(rng, 1.0, 0.1),
        emissions=emissions,
        employees=max(5, round(f.employees * _lognormal(rng, 1.0, 0.08))),
        rd=f.rd * _lognormal(rng, 1.05, 0.2),
        electricity=f.electricity * _lognormal(rng, 1.0, 0.1),
        violations=1 if rng.random() < 0.03 else 0,
    )


def registers() -> dict[int, list[Firm]]:
    """The two years' registers (2024: 300 enterprises; 2025: the survivors and a few entrants)."""
    rng = random.Random(SEED)
    first = [_firm(rng, n) for n in range(1, COUNT + 1)]
    second = [_next_year(rng, f) for f in first if rng.random() >= 0.02]
    second += [_firm(rng, n) for n in range(COUNT + 1, COUNT + 6)]
    return {2024: first, 2025: second}


def _cells(f: Firm, year: int) -> list[object]:
    return [
        f.id, f.name, f.town, f.industry, f.size, round(f.land, 1), round(f.tax, 1), round(f.value_added, 1),
        round(f.revenue, 1), round(f.energy, 1), None if f.emissions is None else round(f.emissions, 3),
        f.employees, round(f.rd, 1), round(f.electricity, 1), f.violations, year, NOTE,
    ]  # fmt: skip


def csv_text(firms: list[Firm], year: int) -> str:
    """One register as CSV (UTF-8, Chinese headers with units)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for f in firms:
        writer.writerow(["" if c is None else c for c in _cells(f, year)])
    return out.getvalue()


def jsonl_text(firms: list[Firm], year: int) -> str:
    """One register as JSON Lines (English keys with units)."""
    lines = []
    for f in firms:
        row = {k: v for k, v in zip(JSON_KEYS, _cells(f, year), strict=True) if v is not None}
        lines.append(json.dumps(row, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def write(directory: Path) -> list[Path]:
    """Write synthetic-YEAR.csv and synthetic-YEAR.jsonl into ``directory``; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for year, firms in registers().items():
        for suffix, text in (("csv", csv_text(firms, year)), ("jsonl", jsonl_text(firms, year))):
            path = directory / f"synthetic-{year}.{suffix}"
            path.write_bytes(text.encode("utf-8"))
            written.append(path)
    return written


def main() -> None:
    """Write the registers (default: beside this script)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="directory to write")
    for path in write(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
