"""Governed waivers (豁免): who may lift which finding of which project, on what basis, until when.

A waiver file is TOML with one ``[[waivers]]`` table per waiver::

    [[waivers]]
    id = "HS-W-2026-001"                      # optional; else the file and line name it
    rule = "HS-2H-001"                        # a rule the pack marks ``waivable = true``
    project = "SYN-PV-GLASS-HEARING"          # the project's ``id``
    ground = "supply_chain_security"          # required when the rule names its ``waiver_grounds``
    justification = "为本地光伏组件产能配套，经省级论证予以支持"
    approver = "广东省发展和改革委员会"
    granted = 2026-03-01
    expires = 2027-02-28
    citation = { title = "关于……项目两高论证意见的复函", number = "粤发改……〔2026〕…号", date = 2026-03-01 }

A waiver applies on the check's as-of date only between ``granted`` and ``expires`` (both days included),
and only to a rule the pack marks ``waivable`` (:meth:`WaiverBook.validate` refuses the others when the
Vetter is built: a non-waivable ban such as the Pearl River Delta core prohibition stays decisive,
DESIGN.md invariant 12). How a waiver changes a finding and the verdict is decided in
:mod:`heshan_vetting.evaluation.waivers` and :mod:`heshan_vetting.evaluation.verdict`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from heshan_vetting.errors import BilingualValueError, InputError, UsageError, did_you_mean
from heshan_vetting.inputs.messages import pydantic_message
from heshan_vetting.inputs.toml import TomlDocument, dotted, load_toml
from heshan_vetting.terms import FrozenModel

__all__ = ["WAIVERS_SCHEMA", "Waiver", "WaiverBook", "WaiverCitation", "WaiverFile", "load_waivers"]

WAIVERS_SCHEMA = "heshan-vetting/waivers/v1"
"""The schema id a waiver file may name in its ``schema`` key (``python -m heshan_vetting schema waivers``)."""


class WaiverCitation(FrozenModel):
    """The document that allows the waiver (an approval, a meeting's minutes, a provincial opinion)."""

    title: str = Field(min_length=1)
    number: str | None = None
    issuer: str | None = None
    clause: str | None = None
    date: _dt.date | None = None
    url: str | None = None
    note: str | None = None

    def short(self) -> str:
        """``《title》（number）clause`` as reports write it."""
        out = self.title if self.title.startswith("《") else f"《{self.title}》"
        if self.number:
            out += f"（{self.number}）"
        if self.clause:
            out += f" {self.clause}"
        return out


class Waiver(FrozenModel):
    """One governed waiver: rule, project, justification, approver, the dates it holds, and its basis."""

    id: str | None = None
    """The waiver's own id (e.g. the approval's number); :attr:`name` falls back to its file and line."""
    rule: str = Field(min_length=1)
    """The id of the rule it waives; the pack must mark that rule ``waivable``."""
    project: str = Field(min_length=1)
    """The ``id`` of the project it is granted to."""
    ground: str | None = None
    """The ground it rests on, one of the rule's ``waiver_grounds`` when the rule names them."""
    justification: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    """Who granted it (an authority or a meeting), as it should appear in the report."""
    granted: _dt.date
    expires: _dt.date
    """The last day it holds (included)."""
    citation: WaiverCitation
    file: str | None = None
    """The waiver file, when read from one."""
    line: int | None = None
    """The line of its ``[[waivers]]`` header in :attr:`file`."""

    @field_validator("rule", "project", "justification", "approver", "id", "ground", mode="after")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise BilingualValueError("must not be blank", "不能为空白")
        return value.strip() if value is not None else None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Waiver:
        if self.expires < self.granted:
            raise BilingualValueError(
                f"expires ({self.expires}) is before granted ({self.granted})",
                f"失效日期（expires = {self.expires}）早于批准日期（granted = {self.granted}）",
            )
        return self

    @property
    def name(self) -> str:
        """How reports and errors name it: its ``id``, else ``file:line``, else ``rule/project``."""
        if self.id:
            return self.id
        if self.file is not None:
            return f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{self.rule}/{self.project}"

    @property
    def where(self) -> str:
        """``file:line`` when read from a file (empty otherwise)."""
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def in_force(self, as_of: _dt.date) -> bool:
        """Whether it holds on ``as_of`` (``granted`` ≤ as_of ≤ ``expires``)."""
        return self.granted <= as_of <= self.expires


class WaiverFile(FrozenModel):
    """The pydantic model of a waiver file (its JSON Schema is ``python -m heshan_vetting schema waivers``)."""

    schema_id: str | None = Field(default=None, alias="schema")
    waivers: tuple[Waiver, ...] = ()

    @field_validator("schema_id")
    @classmethod
    def _known_schema(cls, value: str | None) -> str | None:
        if value is not None and value != WAIVERS_SCHEMA:
            raise BilingualValueError(
                f"unknown waiver-file schema {value!r}; this version reads {WAIVERS_SCHEMA!r}",
                f"未知的豁免文件格式 {value!r}；本版本读取 {WAIVERS_SCHEMA!r}",
            )
        return value


_WAIVER_KEYS = tuple(k for k in Waiver.model_fields if k not in ("file", "line"))


def _error(doc: TomlDocument, exc: ValidationError) -> UsageError:
    problems: list[UsageError] = []
    for err in sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden"):
        loc = tuple(err["loc"])
        line, col = doc.locate(loc)
        where = dotted(loc) or None
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            known = _WAIVER_KEYS if len(loc) >= 3 else ("schema", "waivers")
            if len(loc) >= 4 and loc[2] == "citation":
                known = tuple(WaiverCitation.model_fields)
            hint, hint_zh = did_you_mean(key, known)
            en, zh = f"Unknown key {key!r}{hint}", f"未知的键 {key!r}{hint_zh}"
        elif err["type"] == "missing":
            en, zh = f"The required key {loc[-1]!r} is missing.", f"缺少必填项 {loc[-1]!r}。"
        else:
            m_en, m_zh = pydantic_message(err)
            en, zh = f"Invalid value: {m_en}.", f"取值无效：{m_zh}。"
        problems.append(UsageError(en, message_zh=zh, file=doc.path, line=line, column=col, field=where))
    return UsageError.gather(problems)


def load_waivers(path: str | Path) -> WaiverBook:
    """Read a waiver file: every problem is a :class:`~heshan_vetting.errors.UsageError` naming file, line and key.

    A missing ``[[waivers]]`` array is an error too (an empty file waives nothing, and says so loudly)."""
    doc = load_toml(path, UsageError)
    if "waivers" not in doc.data:
        raise UsageError(
            "The waiver file has no [[waivers]] table: write one [[waivers]] table per waiver (rule, project, "
            "justification, approver, granted, expires, citation).",
            message_zh="豁免文件中没有 [[waivers]] 表：每项豁免写一个 [[waivers]] 表（rule、project、justification、"
            "approver、granted、expires、citation）。",
            file=doc.path,
        )
    data = dict(doc.data)
    entries = data.get("waivers")
    if isinstance(entries, list):
        placed: list[Any] = []
        for i, entry in enumerate(entries):
            if isinstance(entry, dict):
                for key in ("file", "line"):
                    if key in entry:  # set by the reader, never written in the file
                        line, col = doc.locate(("waivers", i, key))
                        hint, hint_zh = did_you_mean(key, _WAIVER_KEYS)
                        raise UsageError(
                            f"Unknown key {key!r}{hint}",
                            message_zh=f"未知的键 {key!r}{hint_zh}",
                            file=doc.path,
                            line=line,
                            column=col,
                            field=f"waivers[{i}].{key}",
                        )
                line, _col = doc.locate(("waivers", i))
                entry = {**entry, "file": doc.path, "line": line}
            placed.append(entry)
        data["waivers"] = placed
    try:
        parsed = WaiverFile.model_validate(data)
    except ValidationError as exc:
        raise _error(doc, exc) from None
    book = WaiverBook(parsed.waivers, files=(doc.path,))
    book.check_overlaps()
    return book


@dataclass(frozen=True)
class WaiverBook:
    """The waivers a Vetter applies, indexed by project id (build one with :func:`load_waivers` or from a list).

    Immutable and picklable (batch workers rebuild the Vetter with it)."""

    waivers: tuple[Waiver, ...] = ()
    files: tuple[str, ...] = ()
    """The files they were read from."""
    _by_project: Mapping[str, tuple[Waiver, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, list[Waiver]] = {}
        for w in self.waivers:
            index.setdefault(w.project, []).append(w)
        object.__setattr__(self, "_by_project", {k: tuple(v) for k, v in index.items()})

    def __iter__(self) -> Iterator[Waiver]:
        return iter(self.waivers)

    def __len__(self) -> int:
        return len(self.waivers)

    def for_project(self, project_id: str) -> tuple[Waiver, ...]:
        """The waivers granted to ``project_id``, in file order."""
        return self._by_project.get(project_id, ())

    @classmethod
    def of(cls, waivers: WaiverBook | str | Path | Iterable[Waiver] | None) -> WaiverBook:
        """A book from what ``Vetter(waivers=...)`` accepts: a book, a waiver file's path, waivers, or ``None``."""
        if waivers is None:
            return cls()
        if isinstance(waivers, WaiverBook):
            return waivers
        if isinstance(waivers, (str, Path)):
            return load_waivers(waivers)
        items = tuple(waivers)
        for w in items:
            if not isinstance(w, Waiver):
                raise UsageError(
                    f"waivers must be a waiver file's path or Waiver objects, not {type(w).__name__}.",
                    message_zh=f"waivers 应为豁免文件路径或 Waiver 对象，而不是 {type(w).__name__}。",
                    field="waivers",
                )
        book = cls(items)
        book.check_overlaps()
        return book

    def check_overlaps(self) -> None:
        """Refuse two waivers of one rule for one project whose periods overlap (which one holds would be
        a guess); a renewal starts the day after the last one expires."""
        seen: dict[tuple[str, str], list[Waiver]] = {}
        for w in self.waivers:
            for other in seen.get((w.project, w.rule), []):
                if w.granted <= other.expires and other.granted <= w.expires:
                    raise UsageError(
                        f"Waivers {other.name} and {w.name} both waive rule {w.rule} for project {w.project} "
                        f"over overlapping periods ({other.granted}–{other.expires}, {w.granted}–{w.expires}); "
                        "a renewal must start after the earlier one expires.",
                        message_zh=f"豁免 {other.name} 与 {w.name} 对项目 {w.project} 的规则 {w.rule} 有效期重叠"
                        f"（{other.granted}至{other.expires}、{w.granted}至{w.expires}）；续期须在前一项失效后开始。",
                        file=w.file,
                        line=w.line,
                    )
            seen.setdefault((w.project, w.rule), []).append(w)

    def validate(self, rules: Mapping[str, tuple[bool, frozenset[str] | None]], packs: Sequence[str]) -> None:
        """Refuse a waiver of a rule the packs do not have, of a rule they do not mark waivable, or on a
        ground the rule does not name. ``rules`` maps rule id → (waivable, its waiver grounds or ``None``)."""
        problems: list[InputError] = []
        chain = " → ".join(packs)
        for w in self.waivers:
            known = rules.get(w.rule)
            if known is None:
                hint, hint_zh = did_you_mean(w.rule, rules)
                problems.append(
                    UsageError(
                        f"Waiver {w.name}: the packs ({chain}) have no rule {w.rule!r}{hint}",
                        message_zh=f"豁免 {w.name}：规则包（{chain}）中没有规则 {w.rule!r}{hint_zh}",
                        file=w.file,
                        line=w.line,
                        field="rule",
                    )
                )
                continue
            waivable, grounds = known
            if not waivable:
                waivable_ids = sorted(r for r, (ok, _g) in rules.items() if ok)
                problems.append(
                    UsageError(
                        f"Waiver {w.name}: rule {w.rule} is not waivable in the packs ({chain}), so no waiver "
                        "can lift it (a pack marks the rules it lets be waived with `waivable = true`; "
                        f"waivable here: {', '.join(waivable_ids) or 'none'}).",
                        message_zh=f"豁免 {w.name}：规则 {w.rule} 在规则包（{chain}）中不可豁免，任何豁免都不能解除"
                        "（规则包以 `waivable = true` 标明可豁免的规则；此处可豁免的有："
                        f"{'、'.join(waivable_ids) or '无'}）。",
                        file=w.file,
                        line=w.line,
                        field="rule",
                    )
                )
                continue
            if grounds is not None and w.ground not in grounds:
                names = ", ".join(sorted(grounds))
                got = "no ground" if w.ground is None else f"ground {w.ground!r}"
                got_zh = "未写明 ground" if w.ground is None else f"ground {w.ground!r}"
                problems.append(
                    UsageError(
                        f"Waiver {w.name}: rule {w.rule} may be waived only on one of its grounds ({names}); "
                        f"the waiver gives {got}.",
                        message_zh=f"豁免 {w.name}：规则 {w.rule} 只能依其所列情形之一豁免（{names}）；"
                        f"该豁免{got_zh}。",
                        file=w.file,
                        line=w.line,
                        field="ground",
                    )
                )
        if problems:
            raise UsageError.gather(problems)
