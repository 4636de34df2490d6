"""The commented project-file template (``python -m heshan_vetting init project``), written from FIELD_SPECS.

Every field is there with its Chinese and English name, its unit and an example; ``id`` and ``name`` are filled
with their examples, the other fields are commented out (remove the ``#`` to fill one in). With ``lang="zh"``
the keys are the Chinese titles (quoted, as TOML requires for them), with ``lang="en"`` the field names.
"""

from __future__ import annotations

import json

from heshan_vetting.fields import FIELD_SPECS, LOCATION_FIELDS, FieldSpec

__all__ = ["REQUIRED_FIELDS", "project_template"]

#: The fields every project file must have; the template fills them in.
REQUIRED_FIELDS: tuple[str, ...] = ("id", "name")

# fields whose FIELD_SPECS example is empty: a placeholder a person can see is to be replaced
_PLACEHOLDERS = {
    "applicant_credit_code": '"91440784XXXXXXXXXX"',
    "town": '"址山镇"',
    "park": '"鹤山工业城"',
    "two_high_exception_basis": '"省发展改革委意见（文号）"',
}

_HEAD = {
    "zh": [
        "# 项目文件模板（heshan-vetting）。评审：python -m heshan_vetting check 本文件",
        '# 必填项在前；选填项已注释，填写时删去行首的“# ”。数量须带单位，如 "180 亩"、"12.5 亿元"、"45%"。',
        "# 键名可用中文（须加引号）或英文字段名，同一字段只写一种。格式说明：docs/project-file.md",
        "# Project file template (heshan-vetting). Vet it: python -m heshan_vetting check THIS-FILE",
        "# Required fields first; optional ones are commented out: delete the leading '# ' to fill one in.",
        '# Quantities carry a unit ("180 亩", "12.5 亿元", "45%"; any unit of the same dimension). Keys may',
        "# be Chinese titles (quoted) or English field names, one spelling per field. Format: docs/project-file.md",
    ],
}
_HEAD["en"] = [*_HEAD["zh"][3:], *_HEAD["zh"][:3]]


def _key(spec: FieldSpec, lang: str) -> str:
    return json.dumps(spec.title_zh, ensure_ascii=False) if lang == "zh" else spec.name


def _comment(spec: FieldSpec, lang: str) -> str:
    """One line naming the field in both languages, with its unit, choices or kind."""
    names = f"{spec.title_zh} / {spec.title_en}" if lang == "zh" else f"{spec.title_en} / {spec.title_zh}"
    extra = ""
    if spec.kind == "number" and spec.unit:
        extra = f"（单位 unit: {spec.unit}）"
        if spec.unit == "%":
            extra = "（百分比，带 % / a percentage, with %）"
    elif spec.kind == "choice":
        extra = "（可选 choices: " + ", ".join(f"{c} {a}" for c, a in spec.choices) + "）"
    elif spec.kind == "date":
        extra = "（日期 date: YYYY-MM-DD）"
    elif spec.kind == "bool":
        extra = "（true / false）"
    elif spec.kind == "strings":
        extra = "（列表 a list）"
    return f"# {names}{extra}"


def _entry(spec: FieldSpec, lang: str, *, filled: bool) -> list[str]:
    value = spec.example or _PLACEHOLDERS.get(spec.name, '""')
    if spec.kind == "choice" and lang == "zh":  # the Chinese spelling, which the loader accepts too
        value = json.dumps(dict(spec.choices)[json.loads(value)], ensure_ascii=False)
    line = f"{_key(spec, lang)} = {value}"
    return [_comment(spec, lang), line if filled else f"# {line}"]


def project_template(lang: str = "zh") -> str:
    """The template's text in ``lang`` (``zh``: Chinese keys and zh comments first; ``en``: English keys)."""
    if lang not in _HEAD:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    lines = [*_HEAD[lang], "", "# ── 必填 / required ──"]
    for name in REQUIRED_FIELDS:
        lines += _entry(FIELD_SPECS[name], lang, filled=True)
    lines += ["", "# ── 选填 / optional ──"]
    for name, spec in FIELD_SPECS.items():
        if name not in REQUIRED_FIELDS and name not in LOCATION_FIELDS:
            lines += _entry(spec, lang, filled=False)
    lines += ["# 备注 / notes" if lang == "zh" else "# notes / 备注", '# notes = "…"', ""]
    lines += ["# 位置 / location" if lang == "zh" else "# location / 位置", "[location]"]
    for name in LOCATION_FIELDS:
        lines += _entry(FIELD_SPECS[name], lang, filled=False)
    land = _key(FIELD_SPECS["land_area"], lang)
    lines += [
        "",
        "# 数据来源 / where each figure comes from: a [sources] table of field = source, e.g.",
        f'#   [sources]  {land} = "可行性研究报告第 3 页 / feasibility study, p. 3"',
    ]
    return "\n".join(lines) + "\n"
