"""Helpers shared by the xlsx tests: build a workbook, rewrite one part of it, measure a load in a subprocess."""

from __future__ import annotations

import importlib.util
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl

SHEET_PART = "xl/worksheets/sheet1.xml"


def build(path: Path, rows: Sequence[Sequence[Any]], *, title: str = "项目", cells: Mapping[str, Any] = {}) -> Path:
    """Save ``rows`` (row 1 = headers) on one sheet ``title``, then set each cell of ``cells`` (e.g. far away)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(path)
    return path


def rewrite(path: Path, change: Callable[[str], str], part: str = SHEET_PART) -> Path:
    """Replace the text of ``part`` of the archive at ``path`` by ``change(text)``."""
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in items:
            out.writestr(info.filename, change(data.decode("utf-8")).encode("utf-8") if info.filename == part else data)
    return path


def benchmark() -> ModuleType:
    """``benchmarks/load_memory.py`` of this plugin, imported from its path (it is a script, not a package)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "load_memory.py"
    spec = importlib.util.spec_from_file_location("heshan_xlsx_load_memory", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
