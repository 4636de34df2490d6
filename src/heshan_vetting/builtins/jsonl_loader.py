"""Built-in plugin: load projects from a JSON Lines file (``.jsonl``), one project object per line.

Each line is a project as a JSON object with the keys of a project file (quantities as strings such as
``"180 亩"``); blank lines are skipped. A line that is not valid JSON, or not a valid project, is an error
entry of its own (with every problem found in it) and the other lines are still vetted.
"""

from __future__ import annotations

import json
from pathlib import Path

from heshan_vetting.errors import ProjectError
from heshan_vetting.extension import LoadedItem
from heshan_vetting.hookspecs import hookimpl
from heshan_vetting.inputs.files import read_input_file
from heshan_vetting.model import Project, project_from_mapping
from heshan_vetting.units import Units

__all__ = ["MAX_JSONL_BYTES", "SUFFIXES", "heshan_load_project", "heshan_project_suffixes", "load_line"]

#: File name suffixes this loader reads.
SUFFIXES = (".jsonl",)
#: The largest JSON Lines file read (a register of some 100,000 projects fits).
MAX_JSONL_BYTES = 512 * 1024 * 1024


@hookimpl
def heshan_project_suffixes() -> list[str]:
    """``.jsonl``."""
    return list(SUFFIXES)


@hookimpl(trylast=True)
def heshan_load_project(path: Path, units: Units) -> list[Project | LoadedItem] | None:
    """Load a ``.jsonl`` file: one project per non-blank line, a bad line an error entry of its own."""
    if path.suffix.lower() not in SUFFIXES:
        return None
    raw = read_input_file(path, ProjectError, limit=MAX_JSONL_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProjectError(
            "The file is not UTF-8 text; save it as UTF-8.",
            message_zh="文件不是 UTF-8 编码的文本；请另存为 UTF-8。",
            file=str(path),
            line=line,
        ) from None
    items: list[Project | LoadedItem] = []
    for number, line_text in enumerate(text.splitlines(), start=1):
        if not line_text.strip():
            continue
        items.append(load_line(path, number, line_text, units))
    if not items:
        raise ProjectError(
            "The file holds no project; write one project object per line.",
            message_zh="文件中没有项目；请每行写一个项目对象。",
            file=str(path),
        )
    return items


def load_line(path: str | Path, number: int, text: str, units: Units) -> LoadedItem:
    """Line ``number`` (1-based) of the JSON Lines file ``path``: its project, or its error with every problem.

    What this loader gives for that line; a reader that splits a large register itself (a Dask partition of
    byte ranges) calls it, then :meth:`heshan_vetting.Vetter.check_loaded`, to get the results a whole-file
    check gives.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return LoadedItem(
            error=ProjectError(
                f"The line is not valid JSON: {exc.msg} (column {exc.colno}).",
                message_zh=f"该行不是有效的 JSON：{exc.msg}（第 {exc.colno} 列）。",
                file=str(path),
                line=number,
                column=exc.colno,
            ),
            line=number,
        )
    if not isinstance(data, dict):
        return LoadedItem(
            error=ProjectError(
                f"Each line must be one project object ({{...}}), not a JSON {type(data).__name__}.",
                message_zh="每行应为一个项目对象（{...}）。",
                file=str(path),
                line=number,
            ),
            line=number,
        )
    try:
        return LoadedItem(project=project_from_mapping(data, units), line=number)
    except ProjectError as exc:
        ident = data.get("id")
        located = [
            ProjectError(e.message_en, message_zh=e.message_zh, file=str(path), line=number, field=e.field)
            for e in exc.all
        ]
        return LoadedItem(
            error=ProjectError.gather(located),
            line=number,
            project_id=ident if isinstance(ident, str) else None,
        )
