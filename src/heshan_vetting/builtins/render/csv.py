"""The CSV renderer: one row per item (source, row, id, name, then the ledger's result columns), for Excel.

The text is UTF-8 with a byte-order mark (Excel reads a CSV without one in the machine's ANSI code page, which
garbles Chinese), rows end in CRLF and fields are quoted as RFC 4180 says (only when they hold a comma, a quote
or a line break). A text cell that a spreadsheet would take for a formula (``=…``, ``+…``, ``-…``, ``@…``) gets
a leading ``'``: project names and ids are user input, and a CSV has no cell types to keep them text.
"""

from __future__ import annotations

import csv
import io

from heshan_vetting.ledger import CellValue, ResultColumns, formula_safe
from heshan_vetting.results import ReportSet

__all__ = ["BOM", "render_csv"]

#: The byte-order mark the text starts with (U+FEFF; EF BB BF in UTF-8).
BOM = "\ufeff"


def _cell(value: CellValue) -> str | float | int:
    if value is None:
        return ""
    if isinstance(value, str):
        return formula_safe(value)
    return value


def render_csv(reports: ReportSet, lang: str = "zh") -> str:
    """The batch as CSV: a header row, then one row per item in input order (reports and errors alike)."""
    columns = ResultColumns.of(reports.items)
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n")
    writer.writerow([_cell(h) for h in columns.item_headers(lang)] + [_cell(h) for h in columns.headers(lang)])
    for item in reports.items:
        writer.writerow([_cell(v) for v in (*columns.item_values(item), *columns.values(item, lang))])
    return BOM + out.getvalue()
