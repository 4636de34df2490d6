"""Bilingual text for pydantic's validation errors, shared by the project and rule-pack readers."""

from __future__ import annotations

from typing import Any

from heshan_vetting.errors import BilingualValueError


def pydantic_message(err: Any) -> tuple[str, str]:
    """English and Chinese text for one pydantic error (our own validators carry both)."""
    exc = (err.get("ctx") or {}).get("error")
    if isinstance(exc, BilingualValueError):
        return exc.message_en, exc.message_zh
    kind, ctx = err["type"], err.get("ctx") or {}
    en = str(err["msg"]).removeprefix("Value error, ")
    if kind in ("literal_error", "enum"):
        return en, f"应为以下之一：{ctx.get('expected', '')}"
    if kind.startswith("date"):
        return "expected a date such as 2024-03-01", "应为日期，如 2024-03-01"
    if kind.startswith(("float", "int")):
        return en, "应为数值"
    if kind.startswith("bool"):
        return en, "应为 true 或 false"
    if kind.startswith("string"):
        return en, "应为文本" if kind == "string_type" else "文本长度不符合要求"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sign = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}[kind]
        limit = next(iter(ctx.values()), "")
        return en, f"应 {sign} {limit}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return en, "应为表（TOML table）"
    if kind == "list_type":
        return en, "应为数组"
    if kind == "too_short":
        return en, "不能为空"
    return en, en
