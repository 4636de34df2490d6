"""Built-in plugin: load a project from a TOML file (``docs/project-file.md``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ._toml import TomlDocument, load_toml
from .errors import ProjectError, did_you_mean
from .hookspecs import hookimpl
from .model import FIELD_SPECS, Project
from .rulepack import pydantic_message
from .units import Units

__all__ = ["heshan_load_project", "project_from_mapping"]

_TOP_KEYS = sorted([*Project.model_fields])


def _describe_error(err: Mapping[str, Any], data: Mapping[str, Any]) -> tuple[str, str]:
    kind = err["type"]
    loc = err["loc"]
    key = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        known = _TOP_KEYS if len(loc) == 1 else ["town", "park"]
        hint_en, hint_zh = did_you_mean(key, known)
        hint_en = hint_en or f"; known keys: {', '.join(known)}"
        if len(loc) == 1 and key in ("town", "park"):
            hint_en, hint_zh = (
                f"; put it under [location] as location.{key}",
                f"；请写在 [location] 表下（location.{key}）",
            )
        return f"Unknown key {key!r}{hint_en}", f"未知的键 {key!r}{hint_zh}"
    if kind == "missing":
        return f"The required key {key!r} is missing.", f"缺少必填项 {key!r}。"
    spec = FIELD_SPECS.get(key)
    example = f" (e.g. {spec.example})" if spec and spec.example else ""
    if kind.startswith("date"):
        return "Expected a date such as 2024-03-01.", "应为日期，如 2024-03-01。"
    if kind in ("string_type", "string_too_short"):
        return f"Expected a non-empty text{example}.", "应为非空文本。"
    en, zh = pydantic_message(err)
    title = spec.title_zh if spec is not None else {"sources": "数据来源", "location": "位置"}.get(key, key)
    return _sentence(f"Invalid value: {en}", "."), _sentence(f"{title}取值无效：{zh}", "。")


def _sentence(text: str, stop: str) -> str:
    return text if text.endswith(("。", "？", "！", ".", "?", "!")) else text + stop


def project_from_mapping(data: Mapping[str, Any], units: Units, doc: TomlDocument | None = None) -> Project:
    """Validate a project dict, parsing quantities with ``units``; errors name the field (and line)."""
    try:
        return Project.model_validate(dict(data), context={"units": units})
    except ValidationError as exc:
        err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        loc = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
        en, zh = _describe_error(err, data)
        line = col = None
        if doc is not None:
            line, col = doc.locate(loc)
        field = ".".join(str(p) for p in loc) or None
        raise ProjectError(
            en, message_zh=zh, file=doc.path if doc else None, line=line, column=col, field=field
        ) from None


@hookimpl(trylast=True)
def heshan_load_project(path: Path, units: Units) -> list[Project] | None:
    """Load a ``.toml`` project file: one project per file."""
    if path.suffix.lower() != ".toml":
        return None
    doc = load_toml(path, ProjectError)
    if "pack" in doc.data and "id" not in doc.data:
        raise ProjectError(
            "This looks like a rule pack, not a project file; pass it with --pack.",
            message_zh="这是规则包文件，不是项目文件；请用 --pack 指定。",
            file=doc.path,
        )
    return [project_from_mapping(doc.data, units, doc)]
