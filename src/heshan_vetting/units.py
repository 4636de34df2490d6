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

from heshan_vetting.errors import BilingualValueError

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

# Full-width ASCII forms (the digits, ，．％＋－ and letters a Chinese input method types) and the
# ideographic space read as their ASCII twins. Deliberately not NFKC: NFKC also turns "10²" into "102"
# and "①" into "1", which would be silent misreadings; those stay errors.
_NARROW: dict[int, int] = {**{cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}, 0x3000: 0x20}

# The number before the unit ("3.2万吨标准煤" needs no space). Loose on purpose: any run of digits,
# points and commas, so that a malformed one ("0,3", "1,,0", "5,") is refused as a whole instead of
# being read as a shorter number followed by a strange unit, or as another number.
_NUMBER_TOKEN = re.compile(r"([+-]?)([0-9.,]*[0-9][0-9.,]*)(?:[eE]([+-]?[0-9]+))?")
# What a number may look like: plain digits, or a comma between every group of three digits (the
# first group 1-3 digits, not starting with 0, so "0,300" is not read as 300), then decimals.
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_GROUPED_NUMBER = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?")
# Characters that, right after a number, mean the writer used them as a separator or a decimal point.
_STRAY_SEPARATORS = frozenset("、。﹐﹑﹒·'’_.,")
# Chinese magnitude words before a unit ("1.2万平方米", "3千万元"), longest first.
_MULTIPLIERS: tuple[tuple[str, int], ...] = (
    ("十万", 5),
    ("百万", 6),
    ("千万", 7),
    ("十亿", 9),
    ("百亿", 10),
    ("千亿", 11),
    ("万亿", 12),
    ("万", 4),
    ("亿", 8),
)
_RMB = "人民币"
# What a unit expression may hold: names ("万元", "m2", "万tce"), %, * / ** ^ and parentheses, ² ³, and a
# number only as a power ("m**2"). pint itself is laxer: it drops a trailing "," "." ";" "!" or "#…"
# and a factor of 1 ("5 m2 1" would be 5 m²), and reads "亩==亩" as 亩²; none of that is a unit.
_UNIT_TOKEN = re.compile(r"\s+|[^\W\d]\w*|%|\*\*|\^|[*/()²³]|-?[0-9]+(?:\.[0-9]+)?")
_NUMBER_HELP_EN = (
    "write digits with a point for decimals, and a comma only between groups of three digits, "
    "such as 0.3, 12500 or 1,234,567.5"
)
_NUMBER_HELP_ZH = "数值用阿拉伯数字和小数点书写，逗号只能作千位分隔符（每三位一组），如 0.3、12500 或 1,234,567.5"


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for error messages about long input."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}…"


def narrow(text: str) -> str:
    """Full-width ASCII forms (``１２，５００``, ``４５％``) and the ideographic space as plain ASCII."""
    return text.translate(_NARROW)


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
        # parsing a unit and naming its dimension are pint work; a project repeats the same few units
        self._unit = lru_cache(maxsize=1024)(self._unit_uncached)
        self._dimensionality = lru_cache(maxsize=1024)(self._dimensionality_uncached)
        # pint's formatting of a unit costs about a millisecond; a pack names the same few units many times
        self._symbol = lru_cache(maxsize=1024)(self._symbol_uncached)
        self.quantity_plans: dict[tuple[str, str], tuple[int, float]] = {}
        """(unit text as written after a number, target unit) → (power of ten of its multiplier, factor to the
        target): filled by ``model`` for the unit texts it has parsed without error (a bounded cache)."""

    @property
    def registry(self) -> Any:
        """The underlying :class:`pint.UnitRegistry` (read it; do not redefine units on it)."""
        return self._ureg

    def unit(self, text: str) -> Any:
        """Parse a unit expression such as ``万元/亩``; ``""`` is dimensionless.

        Raises ``ValueError`` with a readable reason if it is not a known unit.
        """
        return self._unit(text)

    def _unit_uncached(self, text: str) -> Any:
        text = narrow(text).strip()
        if text in ("", "1"):
            return self._ureg.dimensionless
        _check_unit_text(text)
        try:
            unit = self._ureg.parse_units(text)
        except (pint.UndefinedUnitError, pint.DefinitionSyntaxError, AttributeError, TypeError):
            raise BilingualValueError(f"unknown unit {text!r}", f"未知的单位 {text!r}") from None
        except Exception:  # pint raises assorted errors for malformed input
            raise BilingualValueError(f"malformed unit {text!r}", f"单位写法有误 {text!r}") from None
        return unit

    def dimensionality(self, unit: Any) -> str:
        """The dimensionality of a unit as a string, e.g. ``[currency] / [length] ** 2``."""
        return str(self._dimensionality(unit))

    def _dimensionality_uncached(self, unit: Any) -> str:
        return str(self._ureg.Quantity(1, unit).dimensionality)

    def parse_quantity(self, text: str, *, bare_unit: str | None = None) -> tuple[float, Any]:
        """Parse ``"12.5 亿元"`` into ``(12.5, unit)``. A bare number has a dimensionless unit.

        Accepted as well: no space (``"3.2万吨标准煤"``); full-width digits and signs (``"１２，５００ 万元"``);
        thousands separators between groups of three digits (``"1,234,567.5 万元"``); a Chinese
        multiplier before a unit (``"1.2万平方米"`` is 12000 平方米); ``人民币`` before the number or after
        a money unit (``"人民币5000万元"``, ``"5000 万元人民币"``). ``bare_unit`` is the unit a multiplier
        with no unit after it counts: with ``bare_unit="元"``, ``"12.5亿"`` is 12.5 亿元. Without it a
        bare multiplier is an error.

        Raises ``ValueError`` (a :class:`BilingualValueError`) for a malformed number (a comma that is
        not a thousands separator: ``"0,3"``, ``"1,,0"``, ``"5,"``), an unknown unit, NaN, infinity, or
        a number too large or too small for a float.
        """
        body = narrow(text).strip()
        rmb = body.startswith(_RMB)
        if rmb:
            body = body[len(_RMB) :].lstrip()
        m = _NUMBER_TOKEN.match(body)
        if not m:
            raise BilingualValueError(
                f"{shown(text)} is not a number followed by a unit", f"{shown(text)} 不是“数值 + 单位”的写法"
            )
        sign, mantissa, exponent = m.group(1), m.group(2), m.group(3) or ""
        rest = body[m.end() :].strip()
        number_text = body[: m.end()]
        if not (_PLAIN_NUMBER.fullmatch(mantissa) or _GROUPED_NUMBER.fullmatch(mantissa)):
            raise BilingualValueError(
                f"{shown(number_text)} is not a well-formed number: {_NUMBER_HELP_EN}",
                f"{shown(number_text)} 不是规范的数值：{_NUMBER_HELP_ZH}",
            )
        after = rest[:1]
        if after and (after.isdigit() or after in _STRAY_SEPARATORS):  # "1 234", "10²", "12、500", "12。5"
            space = after in "0123456789"
            what, what_zh = ("a space", "空格") if space else (repr(after), repr(after))
            raise BilingualValueError(
                f"{shown(text)} has {what} inside its number: {_NUMBER_HELP_EN}",
                f"{shown(text)} 的数值中含有{what_zh}：{_NUMBER_HELP_ZH}",
            )
        if rest.endswith(_RMB):
            if rmb:
                raise BilingualValueError(
                    f'{shown(text)} says 人民币 twice; write e.g. "5000 万元"',
                    f"{shown(text)} 重复写了“人民币”；请写作如“5000 万元”",
                )
            rest, rmb = rest[: -len(_RMB)].rstrip(), True
        power, unit = self._unit_with_multiplier(rest, text, bare_unit)
        if rmb and self.dimensionality(unit) != "[currency]":
            raise BilingualValueError(
                f'{shown(text)}: 人民币 goes with an amount of money in a money unit, e.g. "人民币5000万元"',
                f"{shown(text)}：“人民币”只能用于带金额单位的数值，如“人民币5000万元”",
            )
        magnitude = _to_float(sign, mantissa.replace(",", ""), exponent, power)
        if math.isinf(magnitude):
            raise BilingualValueError(
                f"{shown(text)} is not a finite number (too large: the limit is about 1.8e308)",
                f"{shown(text)} 不是有限数值（数值过大，上限约为 1.8e308）",
            )
        if magnitude == 0 and mantissa.strip("0.,"):
            raise BilingualValueError(
                f"{shown(text)} is too small to compute with (it would be read as 0)",
                f"{shown(text)} 数值过小，无法计算（会被当作 0）",
            )
        return magnitude + 0.0, unit  # + 0.0: "-0" is 0

    def unit_with_multiplier(self, unit_text: str, bare_unit: str | None) -> tuple[int, Any]:
        """The power of ten of a Chinese multiplier and the unit, of the text after a quantity's number, as
        :meth:`parse_quantity` reads it (``"万元"`` → ``(0, 万元)``, ``"万平方米"`` → ``(4, 平方米)``)."""
        text = narrow(unit_text).strip()
        return self._unit_with_multiplier(text, text, bare_unit)

    def _unit_with_multiplier(self, unit_text: str, text: str, bare_unit: str | None) -> tuple[int, Any]:
        """The unit of ``unit_text`` and the power of ten of a Chinese multiplier in front of it."""
        try:
            return 0, self.unit(unit_text)
        except BilingualValueError as exc:
            unknown = exc
        for word, power in _MULTIPLIERS:
            if not unit_text.startswith(word):
                continue
            after = unit_text[len(word) :].strip()
            if not after:
                if bare_unit is None:
                    raise BilingualValueError(
                        f"{shown(text)} has the multiplier {word} but no unit; write the unit after it, "
                        'e.g. "1.2万平方米" (a bare 万 or 亿 is read as 万元 or 亿元 only for money)',
                        f"{shown(text)} 只有数量级“{word}”而没有单位；请在其后写明单位，如“1.2万平方米”"
                        "（单独的“万”“亿”仅在金额中表示万元、亿元）",
                    ) from None
                return power, self.unit(bare_unit)
            if after[0] in "万亿":  # "5万万元" is a typo more often than 5 亿元
                raise BilingualValueError(
                    f'{shown(text)} has two multipliers ({word}{after[0]}); write one, e.g. "5万元" or "5亿元"',
                    f"{shown(text)} 连用了两个数量级（{word}{after[0]}）；请只写一个，如“5万元”或“5亿元”",
                )
            if after[0] in "/*^()":  # "12万/亩" leaves the unit to guess
                break
            try:
                return power, self.unit(after)
            except BilingualValueError:
                break
        raise unknown

    def _factor_uncached(self, src: Any, dst: Any) -> float:
        try:
            factor = float(self._ureg.Quantity(1.0, src).to(dst).magnitude)
        except (OverflowError, ZeroDivisionError):  # "亿元**40/元**40": 1e320 does not fit a float
            factor = math.inf
        if not math.isfinite(factor) or factor == 0:
            raise BilingualValueError(
                f"converting {self.symbol(src) or 'dimensionless'} to {self.symbol(dst) or 'dimensionless'} "
                "is out of the range of numbers the library computes with",
                f"从 {self.symbol(src) or '无量纲'} 换算到 {self.symbol(dst) or '无量纲'} 超出了可计算的数值范围",
            )
        return factor

    def factor(self, src: Any, dst: Any) -> float:
        """Multiply a magnitude in ``src`` by this to express it in ``dst``.

        Raises ``pint.DimensionalityError`` if the two cannot convert, and ``ValueError`` (a
        :class:`BilingualValueError`) if the factor is too large or too small for a float.
        """
        return float(self._factor(src, dst))

    def convertible(self, src: Any, dst: Any) -> bool:
        """Whether ``src`` and ``dst`` have the same dimensionality."""
        return self.dimensionality(src) == self.dimensionality(dst)

    def symbol(self, unit: Any) -> str:
        """The unit as written in reports, e.g. ``万元/亩`` (empty for dimensionless).

        Each unit is shown by its symbol in the registry (the first alias of its definition, so a
        plugin's units show as it defines them).
        """
        return self._symbol(unit)

    def _symbol_uncached(self, unit: Any) -> str:
        if unit == self._ureg.dimensionless:
            return ""
        return _pretty(format(unit, "~"))


def _pretty(text: str) -> str:
    # pint writes "万元 / 亩", "m ** 2"; reports write "万元/亩", "m²"
    return text.replace(" / ", "/").replace(" * ", "·").replace(" ** 2", "²").replace(" ** 3", "³")


def _to_float(sign: str, digits: str, exponent: str, power: int) -> float:
    """``sign digits e(exponent + power)`` as a float, rounded once (so "1.2万" is exactly 12000.0)."""
    if not exponent:
        exp = 0
    elif len(exponent.lstrip("+-")) > 12:  # beyond any float either way; int() of it could be slow
        exp = -(10**13) if exponent.startswith("-") else 10**13
    else:
        exp = int(exponent)
    return float(f"{sign}{digits}e{exp + power}")


def _check_unit_text(text: str) -> None:
    """Refuse what pint would let through in a unit: stray punctuation, and numbers other than powers."""
    tokens: list[str] = []
    at = 0
    while at < len(text):
        m = _UNIT_TOKEN.match(text, at)
        if m is None:
            bad = text[at]
        else:
            at, token = m.end(), m.group()
            if token.isspace():
                continue
            tokens.append(token)
            number = token[0] in "-0123456789"
            # a number is a power ("m**2", "元 ^ -1"), or the 1 of "1/亩"
            if not number or (tokens[-2:-1] in (["**"], ["^"])) or (token == "1" and text[at:].lstrip()[:1] == "/"):
                continue
            bad = token
        raise BilingualValueError(
            f"malformed unit {shown(text)}: {bad!r} has no place in a unit",
            f"单位写法有误 {shown(text)}：单位中不能出现 {bad!r}",
        )
