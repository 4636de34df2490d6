"""Finding project files: the paths given to a batch, with directories searched and glob patterns expanded."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from heshan_vetting.errors import ProjectError

__all__ = ["SKIPPED_NAMES", "find_project_files"]

#: Files a directory search never takes for project files (configuration that sits beside projects).
SKIPPED_NAMES = frozenset({"pyproject.toml", "heshan-vetting.toml"})
_GLOB_CHARS = frozenset("*?[")


def find_project_files(paths: Iterable[str | Path], suffixes: Iterable[str]) -> Iterator[Path | ProjectError]:
    """Each file ``paths`` name, in a stable order, or the error of a name that gives none.

    - A file (or a name that does not exist, which the loader then reports) is yielded as given.
    - A directory is searched recursively for files whose suffix is one of ``suffixes`` (case-insensitive),
      in sorted order; hidden files and directories, :data:`SKIPPED_NAMES` and Excel's lock files (``~$…``)
      are skipped. A directory without such files is an error.
    - A name with ``*``, ``?`` or ``[`` that is not itself a file is a glob pattern (``**`` spans directories;
      :data:`SKIPPED_NAMES` are left out); one that matches nothing is an error.
    """
    wanted = tuple(s.lower() for s in suffixes)
    for given in paths:
        path = Path(given)
        text = os.fspath(given)
        if path.is_dir():
            found = list(_search(path, wanted))
            if not found:
                yield ProjectError(
                    f"The directory holds no project files (searched for {', '.join(wanted) or 'none'}).",
                    message_zh=f"目录中没有项目文件（查找的扩展名：{'、'.join(wanted) or '无'}）。",
                    file=text,
                )
            yield from found
        elif not path.exists() and _GLOB_CHARS & set(text):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                yield ProjectError(
                    "The pattern matches no file.",
                    message_zh="该通配符模式没有匹配到任何文件。",
                    file=text,
                )
            for match in matches:
                m = Path(match)
                if m.is_dir():
                    yield from _search(m, wanted)
                elif m.name not in SKIPPED_NAMES:
                    yield m
        else:
            yield path


def _search(directory: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith((".", "~$")) or name in SKIPPED_NAMES:
                continue
            if os.path.splitext(name)[1].lower() in suffixes:
                yield Path(root) / name
