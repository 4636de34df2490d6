"""The GB/T 4754-2017 industry classification (国民经济行业分类), shipped as data.

``data/gbt4754_2017.tsv`` lists every section, division, group and class with its Chinese name;
its header names the public source it was built from. Project files are checked against it
(an unknown class gets "did you mean"), reports show the class name, and rule packs may name
any level (section ``C``, division ``C38``, group ``C382``, class ``C3825``) in sets and tables.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from heshan_vetting.errors import BilingualValueError

__all__ = ["IndustryClass", "IndustryClassification", "classification", "normalise_code", "validate_industry_code"]


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


_CODE = re.compile(r"^([A-T])(\d{2})(\d{0,2})$")
# GB/T 4754-2017: which divisions (大类) belong to each section (门类).
_SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}  # fmt: skip


def normalise_code(text: str) -> str:
    """Upper-case and strip an industry code or set member (``" c3825 "`` → ``"C3825"``)."""
    return text.strip().upper()


def _section_for(division: int) -> str | None:
    for letter, (lo, hi) in _SECTION_DIVISIONS.items():
        if lo <= division <= hi:
            return letter
    return None


def validate_industry_code(text: str, *, allow_prefix: bool = False) -> str:
    """Check a GB/T 4754-2017 code such as ``C3825`` and return it normalised.

    With ``allow_prefix`` a section (``C``), division (``C38``) or group (``C382``) is accepted too,
    as rule packs use them. Raises ``ValueError`` with a hint ("did you mean C3825?") otherwise.
    """
    code = normalise_code(text)
    if allow_prefix and len(code) == 1 and code in _SECTION_DIVISIONS:
        return code
    m = _CODE.match(code)
    hint = hint_zh = ""
    if m is None and re.fullmatch(r"\d{4}", code):
        section = _section_for(int(code[:2]))
        if section:
            hint, hint_zh = f"; did you mean {section}{code}?", f"；是否应为 {section}{code}？"
    if m is None or (not allow_prefix and len(m.group(3)) != 2):
        if allow_prefix:
            want, want_zh = (
                "a section letter and 2-4 digits, e.g. C38 or C3825",
                "门类字母加 2–4 位数字，如 C38 或 C3825",
            )
        else:
            want, want_zh = (
                "a section letter and 4 digits, e.g. C3825 (GB/T 4754-2017 class)",
                "门类字母加 4 位数字，如 C3825（GB/T 4754-2017 小类）",
            )
        raise BilingualValueError(
            f"{text!r} is not a valid industry code: expected {want}{hint}",
            f"{text!r} 不是有效的行业代码：应为{want_zh}{hint_zh}",
        )
    letter, division = m.group(1), int(m.group(2))
    lo, hi = _SECTION_DIVISIONS[letter]
    if not lo <= division <= hi:
        right = _section_for(division)
        fix = f"; did you mean {right}{code[1:]}?" if right else ""
        fix_zh = f"；是否应为 {right}{code[1:]}？" if right else ""
        raise BilingualValueError(
            f"{text!r} is not a valid industry code: division {division:02d} is not in section {letter}{fix}",
            f"{text!r} 不是有效的行业代码：大类 {division:02d} 不属于门类 {letter}{fix_zh}",
        )
    tree = classification()
    if allow_prefix and code not in tree:
        raise BilingualValueError(
            f"{text!r} is not a section, division, group or class of GB/T 4754-2017",
            f"{text!r} 不是 GB/T 4754-2017 中的门类、大类、中类或小类",
        )
    if code not in tree:
        near = tree.suggestions(code)
        hint = "; did you mean " + " or ".join(f"{r.code} {r.name}" for r in near) + "?" if near else ""
        hint_zh = "；是否应为 " + " 或 ".join(f"{r.code} {r.name}" for r in near) + "？" if near else ""
        raise BilingualValueError(
            f"{text!r} is not a code of GB/T 4754-2017{hint}",
            f"{text!r} 不是 GB/T 4754-2017 中的行业代码{hint_zh}",
        )
    return code
