"""The ``ledger`` template (``python -m heshan_vetting init ledger``): an intake ledger this plugin reads back.

Sheet ``项目`` (``projects`` in English): a title row, a row for the reporting office and date, then the header
row: 序号, every project field of :data:`heshan_vetting.FIELD_SPECS` with its unit in the header
(``用地面积（亩）``), 备注 and 联系人 (both ignored by the loader, as 序号 is). Choice and yes/no fields have a
drop-down list (the lists sit on a hidden sheet). Sheet ``填表说明`` (``instructions``) explains each column:
field name, kind, unit, choices, an example.
"""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from heshan_vetting import FIELD_SPECS, FieldSpec, Text

__all__ = ["build_ledger"]  # the Template object (LEDGER_TEMPLATE) is in the package, free of openpyxl

#: Rows of the intake sheet that get the drop-down lists (below the header row).
TEMPLATE_ROWS = 1000
_HEADER_ROW = 3
_REQUIRED = ("id", "name")
# Units as people write them in a header (each one the library reads).
_UNIT_ZH = {"tce": "吨标准煤"}
_KIND = {
    "number": ("数值", "number"),
    "string": ("文本", "text"),
    "strings": ("多项文本，用顿号（、）分隔", "several texts separated by 、 or ,"),
    "date": ("日期，如 2024-03-01", "date, e.g. 2024-03-01"),
    "bool": ("是/否", "yes/no"),
    "choice": ("从下拉列表中选择", "one of the drop-down list"),
}


def header_of(spec: FieldSpec, lang: str) -> str:
    """The header a field's column gets: ``*项目编号``, ``用地面积（亩）``; ``land_area (亩)`` in English."""
    mark = "*" if spec.name in _REQUIRED else ""
    if lang == "en":
        return f"{mark}{spec.name}" + (f" ({spec.unit})" if spec.kind == "number" and spec.unit else "")
    unit = _UNIT_ZH.get(spec.unit, spec.unit)
    return f"{mark}{spec.title_zh}" + (f"（{unit}）" if spec.kind == "number" and unit else "")


def _choices(spec: FieldSpec, lang: str) -> list[str]:
    if spec.kind == "bool":
        return ["yes", "no"] if lang == "en" else ["是", "否"]
    return [value if lang == "en" else alias for value, alias in spec.choices]


def build_ledger(lang: str = "zh") -> bytes:
    """The template workbook's bytes, in ``lang`` (``zh`` or ``en``)."""
    en = lang == "en"
    specs = list(FIELD_SPECS.values())
    headers = ["No." if en else "序号"] + [header_of(s, lang) for s in specs]
    headers += ["Remarks", "Contact"] if en else ["备注", "联系人"]
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "projects" if en else "项目"
    last = get_column_letter(len(headers))
    ws["A1"] = "Investment project ledger" if en else "招商项目台账"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A1:{last}1")
    ws["A2"] = (
        "Office:            Date:            (* = required; see the instructions sheet for each column)"
        if en
        else "填报单位：            填报日期：    年  月  日（带 * 的列必填；各列说明见“填表说明”工作表）"
    )
    ws.merge_cells(f"A2:{last}2")
    fill = PatternFill("solid", fgColor="D9D9D9")
    for column, header in enumerate(headers, start=1):
        cell = ws.cell(row=_HEADER_ROW, column=column, value=header)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(column)].width = max(8, min(24, len(header) * 2))
    ws.freeze_panes = ws.cell(row=_HEADER_ROW + 1, column=4).coordinate
    lists = wb.create_sheet("lists" if en else "选项")
    lists.sheet_state = "hidden"
    first, end = _HEADER_ROW + 1, _HEADER_ROW + TEMPLATE_ROWS
    list_column = 0
    for column, spec in enumerate(specs, start=2):
        if spec.kind not in ("choice", "bool"):
            continue
        list_column += 1
        letter = get_column_letter(list_column)
        options = _choices(spec, lang)
        lists.cell(row=1, column=list_column, value=spec.name)
        for row, option in enumerate(options, start=2):
            lists.cell(row=row, column=list_column, value=option)
        validation = DataValidation(
            type="list",
            formula1=f"{openpyxl.utils.quote_sheetname(lists.title)}!${letter}$2:${letter}${len(options) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Invalid value" if en else "取值无效",
            error=("Choose one of: " if en else "请从以下选项中选择：") + ("、" if not en else ", ").join(options),
        )
        target = get_column_letter(column)
        validation.add(f"{target}{first}:{target}{end}")
        ws.add_data_validation(validation)
    _instructions(wb.create_sheet("instructions" if en else "填表说明"), specs, lang)
    wb.properties.creator = "heshan_vetting"
    wb.properties.created = datetime(2000, 1, 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _instructions(ws: Worksheet, specs: list[FieldSpec], lang: str) -> None:
    en = lang == "en"
    intro = (
        [
            "One project per row below the header row (row 3). Rows above it (title, office and date) are skipped.",
            "No., Remarks and Contact are not read. A number takes the unit in its header; a cell may carry its own "
            "unit instead (12 公顷).",
            "Check the ledger: python -m heshan_vetting check ledger.xlsx --format xlsx --output results.xlsx",
        ]
        if en
        else [
            "列标题行（第 3 行）以下每行填写一个项目；其上的标题行和填报单位、日期行不读取。",
            "序号、备注、联系人三列不读取。数值按列标题中的单位读取；也可在单元格中带单位填写（如“12 公顷”）。",
            "评审台账：python -m heshan_vetting check 台账.xlsx --format xlsx --output 评审结果.xlsx",
        ]
    )
    for row, line in enumerate(intro, start=1):
        ws.cell(row=row, column=1, value=line)
    header_row = len(intro) + 2
    titles = (
        ["Column", "Field", "What it is", "Kind", "Unit", "Choices", "Example"]
        if en
        else ["列标题", "字段名", "含义", "类型", "单位", "可选值", "示例"]
    )
    for column, title in enumerate(titles, start=1):
        ws.cell(row=header_row, column=column, value=title).font = Font(bold=True)
    for row, spec in enumerate(specs, start=header_row + 1):
        kind = _KIND[spec.kind][1 if en else 0]
        values = [
            header_of(spec, lang),
            spec.name,
            Text(zh=spec.title_zh, en=spec.title_en).get(lang),
            kind,
            spec.unit,
            ("、" if not en else ", ").join(_choices(spec, lang)) if spec.kind in ("choice", "bool") else "",
            spec.example.strip('"'),
        ]
        for column, value in enumerate(values, start=1):
            ws.cell(row=row, column=column, value=value).data_type = "s"
    for column, width in enumerate((28, 26, 40, 22, 10, 36, 22), start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
