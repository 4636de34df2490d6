"""Units: one pint registry per :class:`~heshan_vetting.Vetter`, with Chinese land, money and energy units.

pint parses what people write ("12.5 亿元", "180 亩", "3.2 万吨标准煤") and checks dimensions when a
pack or project loads. It is never called while rules are evaluated: the engine works on plain
floats already converted to canonical units, with conversion factors computed once at compile time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

import pint

from .errors import BilingualValueError

__all__ = ["CANONICAL_UNITS", "Units", "builtin_definitions", "dimension_label"]

#: Canonical unit per dimension, used for project facts.
CANONICAL_UNITS: dict[str, str] = {
    "area": "亩",
    "money": "万元",
    "energy": "tce",
    "electricity": "万千瓦时",
    "percent": "%",
    "dimensionless": "",
}

_DIMENSION_NAMES: dict[str, tuple[str, str]] = {
    "dimensionless": ("无量纲", "dimensionless"),
    "[length] ** 2": ("面积", "area"),
    "[currency]": ("金额", "money"),
    "[energy]": ("能量", "energy"),
    "[currency] / [length] ** 2": ("金额/面积", "money per area"),
    "[energy] / [currency]": ("能量/金额", "energy per money"),
    "[currency] / [energy]": ("金额/能量", "money per energy"),
    "[length]": ("长度", "length"),
    "[mass]": ("质量", "mass"),
    "[headcount]": ("人数", "headcount"),
}

# "3.2万吨标准煤" (no space) is common in Chinese text; pint needs the number split off.
_NUMBER_PREFIX = re.compile(r"^\s*([+-]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")


def builtin_definitions() -> list[str]:
    """The definition lines of the shipped ``units.txt``."""
    text = resources.files("heshan_vetting").joinpath("units.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def dimension_label(dim: str, lang: str = "en") -> str:
    """A readable name for a pint dimensionality string, e.g. ``[length] ** 2`` → ``area``."""
    names = _DIMENSION_NAMES.get(dim)
    if names is None:
        return dim
    return names[0] if lang == "zh" else f"{names[1]} {dim}" if dim != "dimensionless" else names[1]


class Units:
    """A unit registry and the parsing and conversion helpers the library needs.

    Each :class:`~heshan_vetting.Vetter` builds one from the definitions its plugins supply.
    """

    def __init__(self, definitions: Iterable[str] | None = None) -> None:
        self._ureg: Any = pint.UnitRegistry(None, autoconvert_offset_to_baseunit=False)
        for line in builtin_definitions() if definitions is None else definitions:
            self._ureg.define(line)
        self._factor = lru_cache(maxsize=1024)(self._factor_uncached)

    @property
    def registry(self) -> Any:
        """The underlying :class:`pint.UnitRegistry` (read it; do not redefine units on it)."""
        return self._ureg

    def unit(self, text: str) -> Any:
        """Parse a unit expression such as ``万元/亩``; ``""`` is dimensionless.

        Raises ``ValueError`` with a readable reason if it is not a known unit.
        """
        text = text.strip()
        if text in ("", "1"):
            return self._ureg.dimensionless
        try:
            unit = self._ureg.parse_units(text)
        except (pint.UndefinedUnitError, pint.DefinitionSyntaxError, AttributeError, TypeError):
            raise BilingualValueError(f"unknown unit {text!r}", f"未知的单位 {text!r}") from None
        except Exception:  # pint raises assorted errors for malformed input
            raise BilingualValueError(f"malformed unit {text!r}", f"单位写法有误 {text!r}") from None
        return unit

    def dimensionality(self, unit: Any) -> str:
        """The dimensionality of a unit as a string, e.g. ``[currency] / [length] ** 2``."""
        dim = str(self._ureg.Quantity(1, unit).dimensionality)
        return dim

    def parse_quantity(self, text: str) -> tuple[float, Any]:
        """Parse ``"12.5 亿元"`` into ``(12.5, unit)``. A bare number has a dimensionless unit.

        Raises ``ValueError`` for a malformed number, an unknown unit, NaN or infinity.
        """
        m = _NUMBER_PREFIX.match(text)
        if not m:
            raise BilingualValueError(
                f"{text!r} is not a number followed by a unit", f"{text!r} 不是“数值 + 单位”的写法"
            )
        number_text, unit_text = m.group(1), m.group(2)
        try:
            magnitude = float(number_text.replace(",", ""))
        except ValueError:
            raise BilingualValueError(f"{number_text!r} is not a number", f"{number_text!r} 不是数值") from None
        if not math.isfinite(magnitude):
            raise BilingualValueError(f"{text!r} is not a finite number", f"{text!r} 不是有限数值")
        return magnitude, self.unit(unit_text)

    def _factor_uncached(self, src: Any, dst: Any) -> float:
        return float(self._ureg.Quantity(1.0, src).to(dst).magnitude)

    def factor(self, src: Any, dst: Any) -> float:
        """Multiply a magnitude in ``src`` by this to express it in ``dst``.

        Raises ``pint.DimensionalityError`` if the two cannot convert.
        """
        return float(self._factor(src, dst))

    def convertible(self, src: Any, dst: Any) -> bool:
        """Whether ``src`` and ``dst`` have the same dimensionality."""
        return self.dimensionality(src) == self.dimensionality(dst)

    def symbol(self, unit: Any) -> str:
        """The unit as written in reports, e.g. ``万元/亩`` (empty for dimensionless)."""
        if unit == self._ureg.dimensionless:
            return ""
        return _pretty(str(unit))


def _pretty(text: str) -> str:
    # pint prints the canonical names ("ten_thousand_yuan / mu"); show the Chinese symbol instead.
    out = text
    for canon, shown in _SHOWN.items():
        out = re.sub(rf"\b{canon}\b", shown, out)
    out = out.replace(" / ", "/").replace(" * ", "·").replace(" ** 2", "²")
    return out


_SHOWN: dict[str, str] = {
    "square_kilometer": "平方公里",
    "square_meter": "m²",
    "hectare": "公顷",
    "mu": "亩",
    "hundred_million_yuan": "亿元",
    "ten_thousand_yuan": "万元",
    "thousand_yuan": "千元",
    "yuan": "元",
    "ten_thousand_tce": "万吨标准煤",
    "tonne_coal_equivalent": "tce",
    "kilogram_coal_equivalent": "kgce",
    "hundred_million_kWh": "亿千瓦时",
    "ten_thousand_kWh": "万千瓦时",
    "gigawatt_hour": "GWh",
    "megawatt_hour": "MWh",
    "kilowatt_hour": "kWh",
    "gigajoule": "GJ",
    "megajoule": "MJ",
    "kilojoule": "kJ",
    "joule": "J",
    "percent": "%",
    "ten_thousand_tonne": "万吨",
    "tonne": "吨",
    "kilogram": "kg",
    "person": "人",
    "kilometer": "km",
    "meter": "m",
}
