"""Built-in plugin: load a project from a TOML file (``docs/project-file.md``); its template (``init project``)."""

from __future__ import annotations

from pathlib import Path

from heshan_vetting.errors import ProjectError
from heshan_vetting.extension import Template
from heshan_vetting.hookspecs import hookimpl
from heshan_vetting.inputs.toml import load_toml
from heshan_vetting.model import Project, project_from_mapping
from heshan_vetting.project_template import project_template
from heshan_vetting.terms import Text
from heshan_vetting.units import Units

__all__ = ["PROJECT_TEMPLATE", "heshan_load_project", "heshan_project_suffixes", "heshan_templates"]

#: ``python -m heshan_vetting init project``: a commented project file, every field with its unit and an example.
PROJECT_TEMPLATE = Template(
    "project",
    Text(zh="项目文件（带中英文注释的 TOML）", en="project file (TOML, commented in Chinese and English)"),
    "project.toml",
    lambda lang: project_template(lang).encode("utf-8"),
)


@hookimpl
def heshan_project_suffixes() -> list[str]:
    """``.toml``."""
    return [".toml"]


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


@hookimpl
def heshan_templates() -> list[Template]:
    """``project``: the commented project file this loader reads."""
    return [PROJECT_TEMPLATE]
