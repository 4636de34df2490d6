"""The building blocks every pack schema uses: strict and effective-dated models, and range-checked numbers."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from heshan_vetting.errors import BilingualValueError
from heshan_vetting.limits import MAX_PACK_NUMBER, number_text


def check_pack_number(value: Any) -> Any:
    """Refuse a bare number (int or float) that is not finite or exceeds :data:`~heshan_vetting.limits.MAX_PACK_NUMBER`
    in magnitude; anything else passes unchanged to the field's own type check."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    try:
        magnitude = abs(float(value))
    except OverflowError:  # an int beyond the range of a float
        magnitude = math.inf
    if math.isnan(magnitude):
        raise BilingualValueError("nan is not a number a pack may use", "nan 不是规则包可用的数值")
    if magnitude > MAX_PACK_NUMBER:
        if isinstance(value, int) and math.isinf(magnitude):
            shown = "an integer of more than 308 digits"
        else:
            shown = f"{value:.6g}"
        raise BilingualValueError(
            f"{shown} is out of range: numbers in a rule pack are at most {number_text(MAX_PACK_NUMBER)} in magnitude",
            f"{shown} 超出范围：规则包中的数值绝对值最大为 {number_text(MAX_PACK_NUMBER)}",
        )
    return value


Number = Annotated[float | str, BeforeValidator(check_pack_number)]
"""A number in the unit of its field, or a quantity text such as ``"20 万元/亩"``."""
Weight = Annotated[float, BeforeValidator(check_pack_number), Field(gt=0)]
"""A positive number (a weight, points)."""


class Strict(BaseModel):
    """A pack table: unknown keys are errors, and the parsed model is frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Dated(Strict):
    """A pack table with an optional ``effective_from`` / ``effective_until`` (in that order)."""

    effective_from: date | None = None
    effective_until: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Dated:
        if self.effective_from and self.effective_until and self.effective_until < self.effective_from:
            raise BilingualValueError(
                f"effective_until ({self.effective_until}) is before effective_from ({self.effective_from})",
                f"effective_until（{self.effective_until}）早于 effective_from（{self.effective_from}）",
            )
        return self
