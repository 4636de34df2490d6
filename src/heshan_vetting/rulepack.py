"""Rule packs: the TOML schema, loading, layering (``extends``) and schema-level validation.

A pack is data, never code (see ``docs/rule-packs.md``). This module reads pack files, checks them
against the schema (unknown keys are errors), resolves ``extends`` chains (a city pack extends a
provincial one which extends a national one) and merges them into one :class:`MergedPack`, keeping
for every element the file and key path it came from so later errors can name file:line:column.
Type and unit checking of conditions happens when the merged pack is compiled
(:mod:`heshan_vetting.engine`).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ._toml import TomlDocument, load_toml
from .errors import BilingualValueError, RulePackError, did_you_mean
from .limits import MAX_PACK_NUMBER, number_text
from .report import Citation, Severity, Text

__all__ = [
    "GapDef",
    "IndicatorDef",
    "LabelCase",
    "LabelDef",
    "MergedPack",
    "PackFile",
    "PackMeta",
    "RuleDef",
    "SetDef",
    "ShadowedPack",
    "Sourced",
    "TableDef",
    "ThresholdDef",
    "ThresholdValue",
    "VerdictDef",
    "find_packs",
    "index_packs",
    "is_shipped",
    "load_pack",
    "shipped_pack_dir",
]

_ID = re.compile(r"^[a-z][a-z0-9_.-]*$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RULE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


def check_pack_number(value: Any) -> Any:
    """Refuse a bare number (int or float) that is not finite or exceeds :data:`~heshan_vetting.limits.MAX_PACK_NUMBER`
    in magnitude; anything else passes unchanged to the field's own type check."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    try:
        magnitude = abs(float(value))
    except OverflowError:  # an int beyond the range of a float
        magnitude = math.inf
    if math.isnan(magnitude):
        raise BilingualValueError("nan is not a number a pack may use", "nan 不是规则包可用的数值")
    if magnitude > MAX_PACK_NUMBER:
        if isinstance(value, int) and math.isinf(magnitude):
            shown = "an integer of more than 308 digits"
        else:
            shown = f"{value:.6g}"
        raise BilingualValueError(
            f"{shown} is out of range: numbers in a rule pack are at most {number_text(MAX_PACK_NUMBER)} in magnitude",
            f"{shown} 超出范围：规则包中的数值绝对值最大为 {number_text(MAX_PACK_NUMBER)}",
        )
    return value


Number = Annotated[float | str, BeforeValidator(check_pack_number)]
"""A number in the unit of its field, or a quantity text such as ``"20 万元/亩"``."""
Weight = Annotated[float, BeforeValidator(check_pack_number), Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Dated(_Strict):
    effective_from: date | None = None
    effective_until: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> _Dated:
        if self.effective_from and self.effective_until and self.effective_until < self.effective_from:
            raise BilingualValueError(
                f"effective_until ({self.effective_until}) is before effective_from ({self.effective_from})",
                f"effective_until（{self.effective_until}）早于 effective_from（{self.effective_from}）",
            )
        return self


class PackMeta(_Dated):
    """The ``[pack]`` table: identity and layering."""

    id: str
    version: str
    kind: Literal["access"]
    title: Text
    jurisdiction: str
    extends: str | None = None
    description: Text | None = None
    covers_from: date | None = None
    """The first date for which the pack's authors vouch that its rules (with its parents') are complete."""
    covers_until: date | None = None
    """The last such date (e.g. the date by which yearly targets must be reviewed)."""
    covers_note: Text | None = None
    """Why the covered period starts or ends where it does (shown when a check falls outside it)."""

    @model_validator(mode="after")
    def _covers_in_order(self) -> PackMeta:
        if self.covers_from and self.covers_until and self.covers_until < self.covers_from:
            raise BilingualValueError(
                f"covers_until ({self.covers_until}) is before covers_from ({self.covers_from})",
                f"covers_until（{self.covers_until}）早于 covers_from（{self.covers_from}）",
            )
        return self

    @field_validator("id", "extends")
    @classmethod
    def _check_id(cls, value: str | None) -> str | None:
        if value is not None and not _ID.match(value):
            raise BilingualValueError(
                f"{value!r} is not a valid pack id (lower-case letters, digits, '_', '-', '.')",
                f"{value!r} 不是有效的规则包编号（小写字母、数字、“_”“-”“.”）",
            )
        return value


class SetDef(_Strict):
    """A named set of strings. ``match = "prefix"`` makes ``x in set`` a prefix match."""

    title: Text | None = None
    type: Literal["industry_code", "text"] = "text"
    match: Literal["exact", "prefix"] = "exact"
    members: list[str] = Field(min_length=1)
    citation: Citation | None = None


class TableDef(_Strict):
    """A lookup table keyed by industry-code prefix (longest prefix wins)."""

    title: Text | None = None
    unit: str = ""
    rows: dict[str, Number] = Field(min_length=1)
    default: Number | None = None
    citation: Citation | None = None


class ThresholdValue(_Dated):
    """One effective-dated value of a threshold."""

    value: Number
    citation: Citation | None = None


class ThresholdDef(_Strict):
    """A named threshold; ``value`` for one value or ``values`` for effective-dated ones."""

    title: Text
    unit: str = ""
    value: Number | None = None
    values: list[ThresholdValue] | None = None
    citation: Citation | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ThresholdDef:
        if (self.value is None) == (self.values is None):
            raise BilingualValueError("give exactly one of 'value' or 'values'", "value 与 values 须且只能给出一个")
        if self.values is not None and not self.values:
            raise BilingualValueError("'values' is empty", "values 为空")
        if self.value is not None and self.citation is None:
            raise BilingualValueError("a threshold needs a citation", "阈值须注明出处（citation）")
        if self.values is not None:
            for i, v in enumerate(self.values):
                if v.citation is None and self.citation is None:
                    raise BilingualValueError(
                        f"values[{i}] needs a citation (or give one for the whole threshold)",
                        f"values[{i}] 须注明出处（或为整个阈值注明出处）",
                    )
        return self

    def dated_values(self) -> list[ThresholdValue]:
        """The values as a list, whichever form was written."""
        if self.values is not None:
            return list(self.values)
        assert self.value is not None
        return [ThresholdValue(value=self.value, citation=self.citation)]


class DerivedDef(_Strict):
    """A derived metric computed once per project from facts and other derived metrics."""

    title: Text
    expr: str
    unit: str = ""


class RuleDef(_Dated):
    """A rule: when ``applies_if`` holds, ``require`` must hold."""

    id: str
    title: Text
    message: Text | None = None
    severity: Severity
    applies_if: str | None = None
    require: str
    unit: str | None = None
    precision: int = Field(default=4, ge=0, le=10)
    citation: Citation
    tags: list[str] = Field(default_factory=list)
    replaces: bool = False

    @field_validator("id")
    @classmethod
    def _check_rule_id(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise BilingualValueError(
                f"{value!r} is not a valid rule id (letters, digits, '_', '-', '.')",
                f"{value!r} 不是有效的规则编号（字母、数字、“_”“-”“.”）",
            )
        return value


class IndicatorDef(_Dated):
    """A scoring indicator: ``weight × clamp((value − floor) / (target − floor), 0, 1)`` points."""

    id: str
    title: Text
    applies_if: str | None = None
    """When false the indicator is not applicable and its weight leaves the total (e.g. no land of its own)."""
    value: str
    unit: str = ""
    weight: Weight
    floor: Number
    target: Number
    citation: Citation
    replaces: bool = False


class LabelCase(_Strict):
    """One case of a label: when ``when`` holds (and no earlier case did), the label reads ``value``."""

    when: str
    value: Text


class LabelDef(_Dated):
    """A label on the report (e.g. which authority does the energy review): a classification, not a pass or fail.

    Cases are tried in order; the first whose condition holds gives the value. A case that cannot be
    decided for lack of data before any case holds makes the label ``insufficient_data``.
    """

    id: str
    title: Text
    cases: list[LabelCase] = Field(min_length=1)
    otherwise: Text | None = None
    citation: Citation
    replaces: bool = False


class GapDef(_Strict):
    """A policy element the pack knows of but does not encode, and why (shown on the coverage page)."""

    id: str
    title: Text
    reason: Text
    citation: Citation | None = None


class VerdictDef(_Strict):
    """Score thresholds: ``approve`` at or above ``approve_min``, ``conditional`` at or above ``conditional_min``."""

    approve_min: Annotated[float, BeforeValidator(check_pack_number), Field(ge=0, le=100)]
    conditional_min: Annotated[float, BeforeValidator(check_pack_number), Field(ge=0, le=100)]
    citation: Citation

    @model_validator(mode="after")
    def _ordered(self) -> VerdictDef:
        if self.conditional_min > self.approve_min:
            raise BilingualValueError(
                "conditional_min must not exceed approve_min", "conditional_min 不能大于 approve_min"
            )
        return self


class PackFile(_Strict):
    """One rule-pack TOML file."""

    pack: PackMeta
    sets: dict[str, SetDef] = Field(default_factory=dict)
    tables: dict[str, TableDef] = Field(default_factory=dict)
    thresholds: dict[str, ThresholdDef] = Field(default_factory=dict)
    derived: dict[str, DerivedDef] = Field(default_factory=dict)
    rules: list[RuleDef] = Field(default_factory=list)
    indicators: list[IndicatorDef] = Field(default_factory=list)
    labels: list[LabelDef] = Field(default_factory=list)
    gaps: list[GapDef] = Field(default_factory=list)
    verdict: VerdictDef | None = None


T = TypeVar("T")


@dataclass(frozen=True)
class Sourced(Generic[T]):
    """A pack element with the pack, file and key path it came from."""

    item: T
    pack_id: str
    doc: TomlDocument
    path: tuple[str | int, ...]

    def error(self, en: str, zh: str, *, key: str | None = None, offset: int | None = None) -> RulePackError:
        """A :class:`RulePackError` at this element (or its ``key``; ``offset`` into a one-line string)."""
        path = (*self.path, key) if key is not None else self.path
        line, col = self.doc.locate(path)
        if offset is not None and key is not None:
            at = self.doc.string_column(path, offset)
            if at is not None:
                col = at
        return RulePackError(en, message_zh=zh, file=self.doc.path, line=line, column=col, field=_dotted(path))


@dataclass(frozen=True)
class LoadedPack:
    """One parsed and schema-checked pack file."""

    model: PackFile
    doc: TomlDocument
    sha256: str


@dataclass(frozen=True)
class ShadowedPack:
    """A pack id found in more than one file: ``used`` was taken, ``ignored`` were not."""

    pack_id: str
    used: str
    ignored: tuple[str, ...]


@dataclass
class MergedPack:
    """A pack chain merged into one set of definitions (child definitions win)."""

    chain: list[LoadedPack]
    sets: dict[str, Sourced[SetDef]] = field(default_factory=dict)
    tables: dict[str, Sourced[TableDef]] = field(default_factory=dict)
    thresholds: dict[str, Sourced[ThresholdDef]] = field(default_factory=dict)
    overridden_thresholds: dict[str, list[Sourced[ThresholdDef]]] = field(default_factory=dict)
    derived: dict[str, Sourced[DerivedDef]] = field(default_factory=dict)
    rules: dict[str, Sourced[RuleDef]] = field(default_factory=dict)
    indicators: dict[str, Sourced[IndicatorDef]] = field(default_factory=dict)
    labels: dict[str, Sourced[LabelDef]] = field(default_factory=dict)
    verdict: Sourced[VerdictDef] | None = None
    shadowed: list[ShadowedPack] = field(default_factory=list)
    """Pack ids found in several files on the search path, and which file was used."""

    @property
    def top(self) -> LoadedPack:
        """The pack that was asked for (the last of the chain)."""
        return self.chain[-1]

    @property
    def files(self) -> tuple[Path, ...]:
        """The file of each pack in the chain, parents first, as it was opened."""
        return tuple(Path(lp.doc.path) for lp in self.chain)


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _schema_error(doc: TomlDocument, exc: ValidationError) -> RulePackError:
    # an unknown key explains a "missing" one (``requires`` for ``require``): report it first
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc = tuple(err["loc"])
    # pydantic reports union members and model-validator positions in loc; keep only real keys
    path = tuple(p for p in loc if isinstance(p, int) or p in _keys_at(doc.data, loc))
    line, col = doc.locate(path)
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        parent = _value_at(doc.data, path[:-1])
        known = _allowed_keys(loc[:-1])
        hint, hint_zh = did_you_mean(key, known)
        del parent
        return RulePackError(
            f"Unknown key {key!r}{hint}",
            message_zh=f"未知的键 {key!r}{hint_zh}",
            file=doc.path,
            line=line,
            column=col,
            field=_dotted(path) or None,
        )
    if kind == "missing":
        return RulePackError(
            f"The required key {loc[-1]!r} is missing.",
            message_zh=f"缺少必填项 {loc[-1]!r}。",
            file=doc.path,
            line=line,
            column=col,
            field=_dotted(path) or None,
        )
    en, zh = pydantic_message(err)
    return RulePackError(
        f"Invalid value: {en}.",
        message_zh=f"取值无效：{zh}。",
        file=doc.path,
        line=line,
        column=col,
        field=_dotted(path) or None,
    )


def pydantic_message(err: Any) -> tuple[str, str]:
    """English and Chinese text for one pydantic error (our own validators carry both)."""
    exc = (err.get("ctx") or {}).get("error")
    if isinstance(exc, BilingualValueError):
        return exc.en, exc.zh
    kind, ctx = err["type"], err.get("ctx") or {}
    en = str(err["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
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


def _keys_at(data: Any, loc: tuple[Any, ...]) -> set[Any]:
    keys: set[Any] = set()
    cur = data
    for p in loc:
        if isinstance(cur, dict) and p in cur:
            keys.add(p)
            cur = cur[p]
        elif isinstance(cur, list) and isinstance(p, int) and p < len(cur):
            cur = cur[p]
    return keys


def _value_at(data: Any, path: Sequence[Any]) -> Any:
    cur = data
    for p in path:
        try:
            cur = cur[p]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


_SECTION_MODELS: dict[str, type[BaseModel]] = {
    "pack": PackMeta, "sets": SetDef, "tables": TableDef, "thresholds": ThresholdDef, "derived": DerivedDef,
    "rules": RuleDef, "indicators": IndicatorDef, "verdict": VerdictDef, "labels": LabelDef, "gaps": GapDef,
}  # fmt: skip


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    if not loc:
        return list(PackFile.model_fields)
    model = _SECTION_MODELS.get(str(loc[0]))
    if model is None:
        return []
    rest = [p for p in loc[1:] if not isinstance(p, int)]
    if loc[0] in ("sets", "tables", "thresholds", "derived") and rest:
        rest = rest[1:]
    for key in rest:
        info = model.model_fields.get(str(key))
        ann = getattr(info, "annotation", None) if info else None
        nested = next(
            (m for m in (Citation, Text, ThresholdValue, LabelCase) if ann is not None and m.__name__ in str(ann)), None
        )
        if nested is None:
            break
        model = nested
    return list(model.model_fields)


def read_pack_file(path: Path) -> LoadedPack:
    """Parse and schema-check one pack file (no layering)."""
    doc = load_toml(path, RulePackError)
    try:
        model = PackFile.model_validate(doc.data)
    except ValidationError as exc:
        raise _schema_error(doc, exc) from None
    _check_names(model, doc)
    sha = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    return LoadedPack(model=model, doc=doc, sha256=sha)


def _check_names(model: PackFile, doc: TomlDocument) -> None:
    for section in ("sets", "tables", "thresholds", "derived"):
        for name in getattr(model, section):
            if not _NAME.match(name):
                line, col = doc.locate((section, name))
                raise RulePackError(
                    f"{name!r} is not a valid name (letters, digits and '_', starting with a letter).",
                    message_zh=f"{name!r} 不是有效名称（字母、数字和“_”，以字母开头）。",
                    file=doc.path,
                    line=line,
                    column=col,
                    field=f"{section}.{name}",
                )
    sections: list[tuple[str, Sequence[RuleDef | IndicatorDef | LabelDef | GapDef]]] = [
        ("rules", model.rules),
        ("indicators", model.indicators),
        ("labels", model.labels),
        ("gaps", model.gaps),
    ]
    for section, items in sections:
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.id in seen:
                line, col = doc.locate((section, i, "id"))
                raise RulePackError(
                    f"Duplicate id {item.id!r}: {section}[{seen[item.id]}] already uses it.",
                    message_zh=f"重复的编号 {item.id!r}：{section}[{seen[item.id]}] 已使用。",
                    file=doc.path,
                    line=line,
                    column=col,
                    field=f"{section}[{i}].id",
                )
            seen[item.id] = i


def shipped_pack_dir() -> Path:
    """The directory of the packs shipped with the library (``rules/`` in the repository)."""
    return Path(str(resources.files("heshan_vetting.rules"))).resolve()


def is_shipped(path: str | Path) -> bool:
    """Whether the pack file ``path`` is one of the packs shipped with the library."""
    try:
        return Path(path).resolve().parent == shipped_pack_dir()
    except OSError:
        return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:
        return False


def index_packs(search_paths: Iterable[Path], unreadable: list[RulePackError] | None = None) -> dict[str, list[Path]]:
    """Map pack id → every distinct file with that id in ``search_paths``, in search order.

    Files that are not valid TOML are skipped (other files, such as projects, may sit beside
    packs); their errors are appended to ``unreadable`` so a "not found" message can mention them.
    A directory listed twice, or one file reached by two paths, counts once. Two files with one id
    in the same directory are an error naming both (neither can be said to come first).
    """
    found: dict[str, list[Path]] = {}
    for base in search_paths:
        if not base.is_dir():
            continue
        here: dict[str, Path] = {}
        for path in sorted(base.glob("*.toml")):
            try:
                doc = load_toml(path, RulePackError)
            except RulePackError as exc:
                if unreadable is not None:
                    unreadable.append(exc)
                continue
            meta = doc.data.get("pack")
            pid = meta.get("id") if isinstance(meta, dict) else None
            if not isinstance(pid, str):
                continue
            if pid in here and not _same_file(here[pid], path):
                line, col = doc.locate(("pack", "id"))
                raise RulePackError(
                    f"Two rule packs in one directory have the id {pid!r}: {here[pid]} and {path}. "
                    "Give one of them another id (its [pack] id), or move it elsewhere.",
                    message_zh=f"同一目录中有两个规则包的编号都是 {pid!r}：{here[pid]} 与 {path}。"
                    "请修改其中一个的 [pack] id，或将其移走。",
                    file=str(path),
                    line=line,
                    column=col,
                    field="pack.id",
                )
            here[pid] = path
            paths = found.setdefault(pid, [])
            if not any(_same_file(p, path) for p in paths):
                paths.append(path)
    return found


def find_packs(search_paths: Iterable[Path], unreadable: list[RulePackError] | None = None) -> dict[str, Path]:
    """Map pack id → the file that wins for it in ``search_paths`` (the first directory that has it)."""
    return {pid: paths[0] for pid, paths in index_packs(search_paths, unreadable).items()}


def _unreadable_note(errors: list[RulePackError]) -> tuple[str, str]:
    if not errors:
        return "", ""
    names = ", ".join(sorted({Path(e.file or "?").name for e in errors}))
    return f" (could not read: {names})", f"（无法读取：{names}）"


def _is_path_spec(spec: str | Path) -> bool:
    text = str(spec)
    return isinstance(spec, Path) or text.endswith(".toml") or "/" in text or "\\" in text


def load_pack(spec: str | Path, search_paths: Sequence[Path]) -> MergedPack:
    """Load the pack ``spec`` (an id found in ``search_paths``, or a file path) with its parents.

    A pack id is looked up in order: for a parent, first the child's own directory, then each of
    ``search_paths`` (the Vetter's ``pack_paths``, the plugins' directories, the shipped packs). The
    first file wins; every other file with that id is recorded in :attr:`MergedPack.shadowed`, so the
    report can say which pack was used instead of which.
    """
    index: dict[str, list[Path]] | None = None
    shadowed: list[ShadowedPack] = []
    if _is_path_spec(spec):
        top = read_pack_file(Path(spec))
    else:
        bad: list[RulePackError] = []
        index = index_packs(search_paths, bad)
        if str(spec) not in index:
            known = ", ".join(sorted(index)) or "none"
            note_en, note_zh = _unreadable_note(bad)
            raise RulePackError(
                f"No rule pack has the id {str(spec)!r}; known packs: {known}{note_en}.",
                message_zh=f"找不到编号为 {str(spec)!r} 的规则包；已知规则包：{known}{note_zh}。",
                field="pack",
            )
        first, *others = index[str(spec)]
        top = read_pack_file(first)
        if others:
            shadowed.append(ShadowedPack(str(spec), str(first), tuple(str(o) for o in others)))
    chain = [top]
    while chain[0].model.pack.extends:
        child = chain[0]
        parent_id = child.model.pack.extends
        assert parent_id is not None
        if any(lp.model.pack.id == parent_id for lp in chain):
            line, col = child.doc.locate(("pack", "extends"))
            raise RulePackError(
                f"The packs extend each other in a cycle through {parent_id!r}.",
                message_zh=f"规则包之间的 extends 形成循环（经过 {parent_id!r}）。",
                file=child.doc.path,
                line=line,
                column=col,
                field="pack.extends",
            )
        bad = []
        candidates = list(index_packs([Path(child.doc.path).parent], bad).get(parent_id, []))
        if index is None:
            index = index_packs(search_paths, bad)
        for path in index.get(parent_id, []):
            if not any(_same_file(path, c) for c in candidates):
                candidates.append(path)
        if not candidates:
            line, col = child.doc.locate(("pack", "extends"))
            note_en, note_zh = _unreadable_note(bad)
            raise RulePackError(
                f"The pack extends {parent_id!r}, which is not found next to it or in the pack paths{note_en}.",
                message_zh=f"该规则包继承的 {parent_id!r} 在同目录和规则包路径中均未找到{note_zh}。",
                file=child.doc.path,
                line=line,
                column=col,
                field="pack.extends",
            )
        if len(candidates) > 1:
            shadowed.append(ShadowedPack(parent_id, str(candidates[0]), tuple(str(c) for c in candidates[1:])))
        chain.insert(0, read_pack_file(candidates[0]))
    merged = _merge(chain)
    merged.shadowed = shadowed
    return merged


_R = TypeVar("_R", RuleDef, IndicatorDef, LabelDef)


def _merge_by_id(
    target: dict[str, Sourced[_R]], items: Sequence[_R], lp: LoadedPack, section: str, noun: tuple[str, str]
) -> None:
    """Add rules or indicators; overriding a parent's needs ``replaces = true``, and only then."""
    en, zh = noun
    for i, item in enumerate(items):
        src = Sourced(item, lp.model.pack.id, lp.doc, (section, i))
        if item.id in target and not item.replaces:
            prev = target[item.id]
            raise src.error(
                f"Duplicate {en} id {item.id!r}: pack {prev.pack_id!r} already defines it; "
                "set 'replaces = true' to override it on purpose.",
                f"重复的{zh}编号 {item.id!r}：规则包 {prev.pack_id!r} 已定义；如需覆盖请写 replaces = true。",
                key="id",
            )
        if item.replaces and item.id not in target:
            raise src.error(
                f"{en.capitalize()} {item.id!r} says 'replaces = true' but no parent pack defines it.",
                f"{zh} {item.id!r} 声明 replaces = true，但上级规则包没有该{zh}。",
                key="replaces",
            )
        target[item.id] = src


def _merge(chain: list[LoadedPack]) -> MergedPack:
    merged = MergedPack(chain=chain)
    for lp in chain:
        m, doc, pid = lp.model, lp.doc, lp.model.pack.id
        for name, s in m.sets.items():
            merged.sets[name] = Sourced(s, pid, doc, ("sets", name))
        for name, t in m.tables.items():
            merged.tables[name] = Sourced(t, pid, doc, ("tables", name))
        for name, th in m.thresholds.items():
            if name in merged.thresholds:
                merged.overridden_thresholds.setdefault(name, []).append(merged.thresholds[name])
            merged.thresholds[name] = Sourced(th, pid, doc, ("thresholds", name))
        for name, d in m.derived.items():
            merged.derived[name] = Sourced(d, pid, doc, ("derived", name))
        _merge_by_id(merged.rules, m.rules, lp, "rules", ("rule", "规则"))
        _merge_by_id(merged.indicators, m.indicators, lp, "indicators", ("indicator", "指标"))
        _merge_by_id(merged.labels, m.labels, lp, "labels", ("label", "标签"))
        if m.verdict is not None:
            merged.verdict = Sourced(m.verdict, pid, doc, ("verdict",))
    return merged
