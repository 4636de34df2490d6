"""The vocabulary of reports: severities, outcomes, verdicts, citation statuses (with zh/en names), text, citations."""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Context, Decimal, getcontext, localcontext
from enum import Enum

from pydantic import BaseModel, ConfigDict

__all__ = [
    "Citation",
    "CitationStatus",
    "FrozenModel",
    "Outcome",
    "Severity",
    "Text",
    "Verdict",
    "format_number",
    "format_quantity",
]


class Severity(str, Enum):
    """How a rule's failure weighs on the verdict."""

    VETO = "veto"  # 一票否决: a failure rejects the project
    REQUIRED = "required"  # a failure makes the verdict at best conditional, listing the rule
    ADVISORY = "advisory"  # reported only


class Outcome(str, Enum):
    """What came of one rule. Only ``pass`` is a pass: missing data never is."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    INSUFFICIENT_DATA = "insufficient_data"
    ERROR = "error"

    def label(self, lang: str = "en") -> str:
        """The outcome in words (``通过`` / ``pass``), as the JSON's ``outcome_text`` gives it."""
        zh, en = _OUTCOME_TEXT[self.value]
        return en if lang == "en" else zh


class Verdict(str, Enum):
    """The decision on a project, from best to worst (the order of ``--fail-on``).

    ``conditional``: complete data, passes the vetoes, but named items must be fixed or written into the
    agreement; ``deferred`` (材料不全，暂缓评审): a veto, a required rule or the score cannot be decided without
    data the report names (``to_supply``); ``reject``.
    """

    APPROVE = "approve"
    CONDITIONAL = "conditional"
    DEFERRED = "deferred"
    REJECT = "reject"

    @property
    def rank(self) -> int:
        """0 for ``approve`` up to 3 for ``reject``."""
        return _VERDICT_RANK[self.value]

    def label(self, lang: str = "en") -> str:
        """The verdict in words (``准予准入`` / ``approved``), as the JSON's ``verdict_text`` gives it."""
        zh, en = _VERDICT_TEXT[self.value]
        return en if lang == "en" else zh


_VERDICT_RANK = {"approve": 0, "conditional": 1, "deferred": 2, "reject": 3}
_VERDICT_TEXT = {
    "approve": ("准予准入", "approved"),
    "conditional": ("有条件准入", "conditional approval"),
    "deferred": ("材料不全，暂缓评审", "deferred: information incomplete"),
    "reject": ("不予准入", "rejected"),
}
_OUTCOME_TEXT = {
    "pass": ("通过", "pass"),
    "fail": ("未通过", "fail"),
    "not_applicable": ("不适用", "not applicable"),
    "insufficient_data": ("缺少数据", "insufficient data"),
    "error": ("无法计算", "error"),
}


class FrozenModel(BaseModel):
    # NaN and infinities are written as bare constants by model_dump_json, so that report.model_json can see
    # them and fall back to json.dumps, which refuses them (a report never holds one silently as null).
    # defer_build: a model's validator and serializer are built on first use, not at import. A check builds its
    # report without validation (evaluation/trusted.py), so a cold text check never builds the report's (~30 ms).
    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="constants", defer_build=True)


class Text(FrozenModel):
    """A text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``zh`` or ``en``)."""
        return self.en if lang == "en" else self.zh


class CitationStatus(str, Enum):
    """How far a figure is confirmed; :attr:`rank` orders the statuses from strongest to weakest.

    In the JSON a status is its value (``"verified"``, ``"local_default"``, …); :meth:`label` and
    :meth:`meaning` give its short and long names in Chinese or English.
    """

    VERIFIED = "verified"  # a found source states it
    COMPUTED = "computed"  # arithmetic on verified facts
    PARTIAL = "partial"
    UNVERIFIED = "unverified"
    DRAFT = "draft"  # from a draft whose adoption is not confirmed
    LOCAL_DEFAULT = "local_default"  # a local choice for policy staff to set, not a published figure

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        """0 for ``verified`` up to 5 for ``unverified``: a finding shows the weakest status among its figures."""
        return _STATUS_RANK[self.value]

    @property
    def verified(self) -> bool:
        """True for ``verified`` and ``computed`` (from verified facts)."""
        return self.value in ("verified", "computed")

    def label(self, lang: str = "en") -> str:
        """The short name shown beside a finding in text reports (``部分核实`` / ``partly verified``)."""
        zh, en = _STATUS_LABEL[self.value]
        return en if lang == "en" else zh

    def meaning(self, lang: str = "en") -> str:
        """The long name used on the policy coverage page (``已编入，部分核实`` / ``encoded, partly verified``)."""
        zh, en = _STATUS_MEANING[self.value]
        return en if lang == "en" else zh


_STATUS_RANK = {"verified": 0, "computed": 1, "partial": 2, "local_default": 3, "draft": 4, "unverified": 5}
_STATUS_LABEL = {
    "verified": ("已核实", "verified"),
    "computed": ("由已核实数据计算", "computed from verified facts"),
    "partial": ("部分核实", "partly verified"),
    "unverified": ("未核实", "unverified"),
    "draft": ("草案，未确认施行", "draft, adoption unverified"),
    "local_default": ("本地默认值", "local default"),
}
_STATUS_MEANING = {
    "verified": ("已编入，已核实", "encoded, verified"),
    "computed": ("已编入，由已核实数据计算", "encoded, computed from verified facts"),
    "partial": ("已编入，部分核实", "encoded, partly verified"),
    "unverified": ("已编入，未核实", "encoded, unverified"),
    "draft": ("已编入，草案（施行情况未核实）", "encoded, draft (adoption unverified)"),
    "local_default": ("已编入，本地默认值（非公开数值）", "encoded, local default (not a published figure)"),
}


class Citation(FrozenModel):
    """Where a rule, threshold or weight comes from.

    ``status`` says how far the figure is confirmed: ``verified`` (a found source states it),
    ``partial``, ``unverified``, ``computed`` (arithmetic on verified facts), ``draft`` (from a draft
    whose adoption is not confirmed) or ``local_default`` (a local choice for policy staff to set,
    not a published figure).
    """

    title: str
    number: str | None = None
    issuer: str | None = None
    clause: str | None = None
    date: _dt.date | None = None
    jurisdiction: str | None = None
    url: str | None = None
    status: CitationStatus
    note: str | None = None

    @property
    def verified(self) -> bool:
        """True when the figure is verified or computed from verified facts."""
        return self.status.verified

    def short(self) -> str:
        """``title（number）clause`` as shown in text reports."""
        out = f"《{self.title}》" if not self.title.startswith("《") else self.title
        if self.number:
            out += f"（{self.number}）"
        if self.clause:
            out += f" {self.clause}"
        return out


_WIDE = Context(prec=1000, rounding=ROUND_HALF_UP)
_QUANTA = [Decimal(1).scaleb(-p) for p in range(16)]


def format_number(x: float | Decimal, places: int | None = 2) -> str:
    """A figure as reports write it: rounded half-up to ``places`` decimals (``None``: as it is), trailing
    zeros dropped, never in exponent form (``433.33``, ``20``, ``0.7``, ``-3.5``, ``1000000``)."""
    if type(x) is float and places is not None and 0 <= places < len(_QUANTA):
        text = _plain_float(repr(x), places)
        if text is not None:
            return text
    d = x if isinstance(x, Decimal) else Decimal(repr(float(x)))
    if not d.is_finite():
        return str(x)
    need = d.adjusted() + (places or 0) + 30
    if need <= _WIDE.prec and (
        (places is not None and 0 <= places < len(_QUANTA))
        or (places is None and len(d.as_tuple().digits) <= max(getcontext().prec, need))
    ):
        # the same digits without a local context (a report formats hundreds of numbers): quantize gives at
        # most ``need`` digits, which neither context rounds, and normalize rounds in neither when the
        # figure has no more digits than the local context would hold
        if places is not None:
            d = d.quantize(_QUANTA[places], rounding=ROUND_HALF_UP, context=_WIDE)
        text = format(d.normalize(_WIDE), "f")
        return "0" if text in ("-0", "") else text
    with localcontext() as ctx:
        # enough digits for any finite float (1e308 has 309 before the point): quantize and normalize must
        # not run out of precision (and normalize must not round a large figure)
        ctx.prec = max(ctx.prec, d.adjusted() + (places or 0) + 30)
        if places is not None:
            d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _plain_float(written: str, places: int) -> str | None:
    """:func:`format_number` of a float written (by ``repr``) without an exponent, on its digits: the same
    half-up rounding of the same decimal digits, without a Decimal; ``None`` for an exponent, ``inf`` or ``nan``."""
    negative = written.startswith("-")
    whole, point, fraction = written.lstrip("-").partition(".")
    if not point or not whole.isdigit() or not fraction.isdigit():
        return None
    if len(fraction) > places:  # round half up (away from zero) at ``places`` decimals
        digits = str(int(whole + fraction[:places]) + (fraction[places] >= "5")).rjust(places + 1, "0")
        whole, fraction = digits[: len(digits) - places], digits[len(digits) - places :]
    fraction = fraction.rstrip("0")
    text = f"{whole}.{fraction}" if fraction else whole
    return f"-{text}" if negative and text != "0" else text


def format_quantity(x: float | Decimal, unit: str, places: int | None = 2) -> str:
    """A figure with its unit: ``20 万元/亩``, ``48%`` (a percent sign follows without a space), ``1.6``."""
    number = format_number(x, places)
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"
