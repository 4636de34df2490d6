"""The CSV renderer: one row per item (source, row, id, name, then the ledger's result columns), for Excel.

The text is UTF-8 with a byte-order mark (Excel reads a CSV without one in the machine's ANSI code page, which
garbles Chinese), rows end in CRLF and fields are quoted as RFC 4180 says (only when they hold a comma, a quote
or a line break). A text cell that a spreadsheet would take for a formula (``=…``, ``+…``, ``-…``, ``@…``) gets
a leading ``'``: project names and ids are user input, and a CSV has no cell types to keep them text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from heshan_vetting.ledger import CellValue, ResultColumns, formula_safe
from heshan_vetting.results import Item, ReportSet
from heshan_vetting.terms import Text

__all__ = ["BOM", "Row", "item_row", "join_rows", "render_csv"]

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
    return join_rows([item_row(item, lang) for item in reports.items], lang)


@dataclass(frozen=True)
class Row:
    """One item's part of :func:`render_csv`, made without the rest of the batch (so in a worker process): the
    cells that do not depend on the batch's rule columns, each rule's cell, and the rules' titles (their first
    title in the batch heads the column). Plain values: cheap to send between processes."""

    fixed: tuple[str | float | int, ...]
    """The item's cells (source, row, id, name) and the fixed result cells (verdict … errors)."""
    outcomes: dict[str, str | float | int]
    """Each rule the item has a finding for: its cell."""
    titles: tuple[tuple[str, str, str], ...]
    """(rule id, title in Chinese, in English) of the item's findings, in rule id order."""


def item_row(item: Item, lang: str) -> Row:
    """The :class:`Row` of one item, as :func:`render_csv` writes it."""
    columns = ResultColumns.of([item])
    values = columns.values(item, lang)
    fixed = len(values) - len(columns.rules)
    cells = [_cell(v) for v in (*ResultColumns.item_values(item), *values[:fixed])]
    outcomes = {rule_id: _cell(v) for (rule_id, _title), v in zip(columns.rules, values[fixed:], strict=True)}
    return Row(tuple(cells), outcomes, tuple((r, t.zh, t.en) for r, t in columns.rules))


def join_rows(rows: Iterable[Row], lang: str) -> str:
    """The text of :func:`render_csv` from the items' :func:`item_row` (in input order)."""
    rows = list(rows)
    titles: dict[str, Text] = {}
    for row in rows:
        for rule_id, zh, en in row.titles:
            if rule_id not in titles:
                titles[rule_id] = Text(zh=zh, en=en)
    columns = ResultColumns(rules=tuple(sorted(titles.items())))
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n")
    writer.writerow([_cell(h) for h in columns.item_headers(lang)] + [_cell(h) for h in columns.headers(lang)])
    blank = _cell(None)
    for row in rows:
        writer.writerow([*row.fixed, *(row.outcomes.get(rule_id, blank) for rule_id, _title in columns.rules)])
    return BOM + out.getvalue()
