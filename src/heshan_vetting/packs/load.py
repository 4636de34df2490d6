"""Finding and loading rule packs: by id or path, through their ``extends`` chain, into one merged pack.

A pack is data, never code (see ``docs/rule-packs.md``). This module finds pack files (the shipped
``rules/`` and the search paths), reads each against the schema of :mod:`.schema` (unknown keys are
errors), resolves ``extends`` chains (a city pack extends a provincial one which extends a national
one) and hands the chain to :mod:`.merge`, which keeps for every element the file and key path it came
from so later errors can name file:line:column. Type and unit checking of conditions happens when the
merged pack is compiled (:mod:`.compiler`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ValidationError,
)

from heshan_vetting.errors import RulePackError, did_you_mean
from heshan_vetting.inputs.messages import pydantic_message
from heshan_vetting.inputs.toml import TomlDocument, dotted, load_toml
from heshan_vetting.packs.evalschema import EvaluationDef
from heshan_vetting.packs.merge import LoadedPack, MergedPack, ShadowedPack, merge_chain
from heshan_vetting.packs.schema import (
    NAME,
    DerivedDef,
    GapDef,
    IndicatorDef,
    LabelCase,
    LabelDef,
    PackFile,
    PackMeta,
    ReferralDef,
    RuleDef,
    ScopeDef,
    SetDef,
    TableDef,
    ThresholdDef,
    ThresholdValue,
    VerdictDef,
)
from heshan_vetting.report import Citation, Text


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
            field=dotted(path) or None,
        )
    if kind == "missing":
        return RulePackError(
            f"The required key {loc[-1]!r} is missing.",
            message_zh=f"缺少必填项 {loc[-1]!r}。",
            file=doc.path,
            line=line,
            column=col,
            field=dotted(path) or None,
        )
    en, zh = pydantic_message(err)
    return RulePackError(
        f"Invalid value: {en}.",
        message_zh=f"取值无效：{zh}。",
        file=doc.path,
        line=line,
        column=col,
        field=dotted(path) or None,
    )


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
    "referrals": ReferralDef, "scope": ScopeDef, "evaluation": EvaluationDef,
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


def _read_toml(path: Path, docs: dict[str, TomlDocument | RulePackError] | None) -> TomlDocument:
    """``load_toml(path, RulePackError)``, each file parsed once for all who pass the same ``docs`` (the
    files of one :func:`load_pack` call: it indexes the same directories for each parent pack)."""
    if docs is None:
        return load_toml(path, RulePackError)
    key = str(path)
    hit = docs.get(key)
    if hit is None:
        try:
            hit = load_toml(path, RulePackError)
        except RulePackError as exc:
            hit = exc
        docs[key] = hit
    if isinstance(hit, RulePackError):
        raise hit
    return hit


# The parsed TOML of the pack files read in this process, by the sha256 of their text (so never stale), for
# readers that need a pack's raw data again (the text renderer's glossary of titles) without parsing it a
# second time. Read-only by contract: nothing may change the data. At most _PARSED_MAX files are kept.
_PARSED: dict[str, Mapping[str, Any]] = {}
_PARSED_MAX = 64


def parsed_pack_data(sha256: str) -> Mapping[str, Any] | None:
    """The parsed TOML (read-only) of a pack file this process has read, by the sha256 of its text; else ``None``."""
    return _PARSED.get(sha256)


def read_pack_file(path: Path, docs: dict[str, TomlDocument | RulePackError] | None = None) -> LoadedPack:
    """Parse and schema-check one pack file (no layering); ``docs`` as for :func:`index_packs`."""
    doc = _read_toml(path, docs)
    try:
        model = PackFile.model_validate(doc.data)
    except ValidationError as exc:
        raise _schema_error(doc, exc) from None
    _check_names(model, doc)
    sha = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    if sha not in _PARSED:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)), None)
        _PARSED[sha] = doc.data
    return LoadedPack(model=model, doc=doc, sha256=sha)


def _check_names(model: PackFile, doc: TomlDocument) -> None:
    for section in ("sets", "tables", "thresholds", "derived"):
        for name in getattr(model, section):
            if not NAME.match(name):
                line, col = doc.locate((section, name))
                raise RulePackError(
                    f"{name!r} is not a valid name (letters, digits and '_', starting with a letter).",
                    message_zh=f"{name!r} 不是有效名称（字母、数字和“_”，以字母开头）。",
                    file=doc.path,
                    line=line,
                    column=col,
                    field=f"{section}.{name}",
                )
    sections: list[tuple[str, Sequence[RuleDef | IndicatorDef | LabelDef | ReferralDef | GapDef]]] = [
        ("rules", model.rules),
        ("indicators", model.indicators),
        ("labels", model.labels),
        ("referrals", model.referrals),
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


def index_packs(
    search_paths: Iterable[Path],
    unreadable: list[RulePackError] | None = None,
    docs: dict[str, TomlDocument | RulePackError] | None = None,
) -> dict[str, list[Path]]:
    """Map pack id → every distinct file with that id in ``search_paths``, in search order.

    Files that are not valid TOML are skipped (other files, such as projects, may sit beside
    packs); their errors are appended to ``unreadable`` so a "not found" message can mention them.
    A directory listed twice, or one file reached by two paths, counts once. Two files with one id
    in the same directory are an error naming both (neither can be said to come first).

    ``docs``, when given, keeps each file's parse (or its error) by path, for the other calls that pass it.
    """
    found: dict[str, list[Path]] = {}
    for base in search_paths:
        if not base.is_dir():
            continue
        here: dict[str, Path] = {}
        for path in sorted(base.glob("*.toml")):
            try:
                doc = _read_toml(path, docs)
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
    docs: dict[str, TomlDocument | RulePackError] = {}  # each file parsed once in this call
    if _is_path_spec(spec):
        top = read_pack_file(Path(spec), docs)
    else:
        bad: list[RulePackError] = []
        index = index_packs(search_paths, bad, docs)
        if str(spec) not in index:
            known = ", ".join(sorted(index)) or "none"
            note_en, note_zh = _unreadable_note(bad)
            raise RulePackError(
                f"No rule pack has the id {str(spec)!r}; known packs: {known}{note_en}.",
                message_zh=f"找不到编号为 {str(spec)!r} 的规则包；已知规则包：{known}{note_zh}。",
                field="pack",
            )
        first, *others = index[str(spec)]
        top = read_pack_file(first, docs)
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
        candidates = list(index_packs([Path(child.doc.path).parent], bad, docs).get(parent_id, []))
        if index is None:
            index = index_packs(search_paths, bad, docs)
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
        chain.insert(0, read_pack_file(candidates[0], docs))
    merged = merge_chain(chain)
    merged.shadowed = shadowed
    return merged


def refuse_other_kind(merged: MergedPack, kind: str) -> None:
    """Raise :class:`RulePackError` unless every pack of the chain is of ``kind`` (``access`` or ``evaluation``)."""
    for lp in reversed(merged.chain):  # the pack asked for first: the message names it
        if lp.model.pack.kind == kind:
            continue
        line, col = lp.doc.locate(("pack", "kind"))
        pid = lp.model.pack.id
        if kind == "evaluation":
            en = (
                f'The pack {pid!r} is a vetting pack (kind = "{lp.model.pack.kind}"); `evaluate` needs an evaluation '
                'pack (kind = "evaluation"), e.g. --pack heshan-evaluation.'
            )
            zh = (
                f'规则包 {pid!r} 是准入评审规则包（kind = "{lp.model.pack.kind}"）；evaluate 需要亩均效益评价规则包'
                '（kind = "evaluation"），如 --pack heshan-evaluation。'
            )
        else:
            en = (
                f'The pack {pid!r} is an evaluation pack (kind = "evaluation") for the per-mu evaluation of '
                f"existing enterprises: run `python -m heshan_vetting evaluate REGISTER --pack {pid}`; vetting "
                'a project needs a vetting pack (kind = "access").'
            )
            zh = (
                f'规则包 {pid!r} 是现有企业亩均效益评价规则包（kind = "evaluation"）：请运行 python -m heshan_vetting '
                f'evaluate 台账文件 --pack {pid}；项目准入评审需要 kind = "access" 的规则包。'
            )
        raise RulePackError(en, message_zh=zh, file=lp.doc.path, line=line, column=col, field="pack.kind")
