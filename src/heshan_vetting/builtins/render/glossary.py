"""Names in words: the Chinese (or English) title of every field, fact, threshold and rule a report names.

A report names project fields and pack facts by their identifiers (``missing``, ``missing_fields``, the
threshold of a comparison, a threshold not in force), and some of its texts carry them (``年用电量
（electricity_consumption）``). A Chinese report shows none of those identifiers: :class:`Glossary` gives
each its title, from the project fields (:data:`~heshan_vetting.fields.FIELD_SPECS`), the facts the report
itself records (their :class:`~heshan_vetting.report.FactValue` titles, supply items, commitments), and the
titles in the report's rule-pack files (thresholds, tables, sets, derived metrics, rules), found by the
content hash the report records, so a title is the one of the pack that produced the report. Rule ids
(``HS-2H-001``) are ids, not words, and stay.
"""

from __future__ import annotations

import hashlib
import re
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from heshan_vetting.fields import FIELD_SPECS
from heshan_vetting.packs.load import parsed_pack_data
from heshan_vetting.report import Report, Text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["KINDS", "Glossary"]

# A line of a project file quoted in a text (``confirmed_values = ["tax_per_mu"]``): what to type, kept verbatim.
_SNIPPET = re.compile(r'[a-z][a-z0-9_]* = (?:\[[^\]]*\]|"[^"]*")')
_NAME = re.compile(r"(?<![A-Za-z0-9_.\-/])([a-z][a-z0-9_]*)(?![A-Za-z0-9_\-/])")
_IN_PARENS = re.compile(r"（([a-z][a-z0-9_]*)）|\(([a-z][a-z0-9_]*)\)")
# Kinds of skipped elements in words.
KINDS = {
    "rule": Text(zh="规则", en="rule"),
    "threshold": Text(zh="阈值", en="threshold"),
    "indicator": Text(zh="评分指标", en="score indicator"),
    "label": Text(zh="标注", en="label"),
    "referral": Text(zh="转报", en="referral"),
}


class Glossary:
    """The titles of the names one report uses (see the module docstring).

    The pack files' and the project fields' titles are merged once per set of packs (:func:`_base_titles`); the
    titles the report itself records are read on the first look-up and take precedence over them.
    """

    def __init__(self, report: Report) -> None:
        self._report = report
        self._base = _base_titles(tuple((pack.sha256, pack.file) for pack in report.provenance.packs))
        self._recorded: dict[str, Text] | None = None

    @property
    def titles(self) -> dict[str, Text]:
        """Every name this glossary knows with its title (a new dict)."""
        return {**self._base, **self._own()}

    def _own(self) -> dict[str, Text]:
        """The titles the report records: its facts', supply items' and commitments' (later ones win)."""
        own = self._recorded
        if own is None:
            rep = self._report
            own = {}
            for f in rep.findings:
                for fv in f.facts:
                    own[fv.name] = fv.title
            for label in rep.labels:
                for fv in label.facts:
                    own[fv.name] = fv.title
            for s in rep.to_supply:
                own[s.field] = s.title
            for c in rep.commitments:
                own[c.fact] = c.fact_title
            self._recorded = own
        return own

    def get(self, name: str) -> Text | None:
        """The title of ``name``; ``None`` when no title is known."""
        t = self._own().get(name)
        return self._base.get(name) if t is None else t

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def title(self, name: str, lang: str) -> str:
        """The title of ``name`` in ``lang``; the name itself when no title is known."""
        t = self.get(name)
        return t.get(lang) if t is not None else name

    def names(self, names: tuple[str, ...] | list[str], lang: str) -> str:
        """Several names as titles: ``用地面积、主要产品`` (zh) or ``land area, products`` (en)."""
        return ("、" if lang == "zh" else ", ").join(self.title(n, lang) for n in names)

    def words(self, text: str, lang: str) -> str:
        """``text`` with each identifier it names in words (zh only; English texts are left as they are).

        ``标题（name）`` becomes ``标题``; any other known identifier becomes its title. A project-file line the
        text quotes for the reader to write (``confirmed_values = ["tax_per_mu"]``) is kept as it is.
        """
        if lang != "zh" or not _has_name(text):
            return text
        snippets = _SNIPPET.split(text)
        if len(snippets) > 1:
            kept = _SNIPPET.findall(text)
            out = [self.words(part, lang) for part in snippets]
            return "".join(p + (kept[i] if i < len(kept) else "") for i, p in enumerate(out))

        def parens(m: re.Match[str]) -> str:
            name = m.group(1) or m.group(2)
            t = self.get(name)
            if t is None:
                return m.group(0)
            return "" if text[: m.start()].endswith(t.zh) else f"（{t.zh}）"

        text = _IN_PARENS.sub(parens, text)
        return _NAME.sub(lambda m: self.title(m.group(1), "zh"), text)


_LOWER = re.compile("[a-z]")


def _has_name(text: str) -> bool:
    return _LOWER.search(text) is not None


@lru_cache(maxsize=64)
def _base_titles(packs: tuple[tuple[str, str | None], ...]) -> dict[str, Text]:
    """The titles of the packs (sha256 and file of each, in the report's order), then of the project fields,
    merged once per set of packs (a shared dict: never changed)."""
    titles: dict[str, Text] = {}
    for sha256, file in packs:
        titles.update(_pack_titles(sha256, file))
    titles.update(_field_titles())
    return titles


@lru_cache(maxsize=1)
def _field_titles() -> dict[str, Text]:
    """Each project field's title (made once: a report's glossary copies them)."""
    return {name: Text(zh=s.title_zh, en=s.title_en) for name, s in FIELD_SPECS.items()}


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Path]:
    """The shipped pack files by the sha256 of their text (as the pack loader hashes it)."""
    root = Path(str(resources.files("heshan_vetting.rules")))
    out: dict[str, Path] = {}
    for path in sorted(root.glob("*.toml")):
        out[hashlib.sha256(path.read_text(encoding="utf-8").encode("utf-8")).hexdigest()] = path
    return out


def _pack_titles(sha256: str, file: str | None) -> dict[str, Text]:
    """The titles of the pack a report names by ``sha256`` and ``file`` (a shipped one found by its hash)."""
    path = _shipped().get(sha256)
    if path is None and file:
        path = Path(file)
    return _titles_of(str(path), sha256) if path is not None else {}


@lru_cache(maxsize=32)
def _titles_of(path: str, sha256: str) -> dict[str, Text]:
    """The titles a pack file gives its named elements (empty when the file is gone or changed)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha256:
            return {}
        data = parsed_pack_data(sha256)  # the loader's parse of this very text, when this process loaded it
        if data is None:
            data = tomllib.loads(text)
    except (OSError, UnicodeError, tomllib.TOMLDecodeError):
        return {}
    out: dict[str, Text] = {}
    for value in data.values():
        if isinstance(value, dict):
            items = [(k, v) for k, v in value.items() if isinstance(v, dict)]
        elif isinstance(value, list):
            items = [(v.get("id"), v) for v in value if isinstance(v, dict)]
        else:
            continue
        for name, item in items:
            title = _text(item.get("title"))
            if isinstance(name, str) and title is not None:
                out[name] = title
    return out


def _text(value: Any) -> Text | None:
    if isinstance(value, dict) and isinstance(value.get("zh"), str) and isinstance(value.get("en"), str):
        return Text(zh=value["zh"], en=value["en"])
    return None
