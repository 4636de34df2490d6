"""The GB/T 4754-2017 industry classification (国民经济行业分类), shipped as data.

``data/gbt4754_2017.tsv`` lists every section, division, group and class with its Chinese name;
its header names the public source it was built from. Project files are checked against it
(an unknown class gets "did you mean"), reports show the class name, and rule packs may name
any level (section ``C``, division ``C38``, group ``C382``, class ``C3825``) in sets and tables.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["IndustryClass", "IndustryClassification", "classification"]


@dataclass(frozen=True)
class IndustryClass:
    """One node of the classification tree."""

    code: str
    level: str
    parent: str | None
    name: str


class IndustryClassification:
    """Look-ups over the GB/T 4754-2017 tree."""

    def __init__(self, rows: list[IndustryClass], source: str) -> None:
        self._by_code = {r.code: r for r in rows}
        self.source = source
        """The header lines of the data file (its public source and counts)."""

    def __contains__(self, code: str) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> IndustryClass | None:
        """The node for ``code`` (normalised, e.g. ``C3825``), or ``None``."""
        return self._by_code.get(code)

    def name(self, code: str) -> str | None:
        """The Chinese name of ``code``, or ``None`` if it is not in the classification."""
        node = self._by_code.get(code)
        return node.name if node else None

    def count(self, level: str) -> int:
        """How many nodes a level (``section``, ``division``, ``group``, ``class``) has."""
        return sum(1 for r in self._by_code.values() if r.level == level)

    def suggestions(self, code: str, n: int = 3) -> list[IndustryClass]:
        """Classes close to an unknown ``code``: siblings in the nearest existing group or division first."""
        classes = [r for r in self._by_code.values() if r.level == "class"]
        for cut in (4, 3):  # same group, then same division
            prefix = code[:cut]
            near = [r for r in classes if r.code.startswith(prefix)]
            if near:
                close = difflib.get_close_matches(code, [r.code for r in near], n=n, cutoff=0.0)
                return [self._by_code[c] for c in close]
        close = difflib.get_close_matches(code, [r.code for r in classes], n=n, cutoff=0.5)
        return [self._by_code[c] for c in close]


@lru_cache(maxsize=1)
def classification() -> IndustryClassification:
    """The shipped classification, read on first use (immutable, shared)."""
    text = resources.files("heshan_vetting").joinpath("data/gbt4754_2017.tsv").read_text(encoding="utf-8")
    rows: list[IndustryClass] = []
    header: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            header.append(line.lstrip("# ").rstrip())
            continue
        if not line.strip() or line.startswith("code\t"):
            continue
        code, level, parent, name = line.split("\t")
        rows.append(IndustryClass(code=code, level=level, parent=parent or None, name=name))
    return IndustryClassification(rows, "\n".join(header))
