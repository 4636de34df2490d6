"""A batch split into parts gives what one check_many gives: check_loaded per row, summaries merged, and the Dask
example (examples/dask_batch.py, run by ``nox -s dask``) over a directory and over a JSON Lines register."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from heshan_vetting import ItemError, Vetter
from heshan_vetting.builtins.jsonl_loader import load_line
from heshan_vetting.builtins.render.json import stream_jsonl
from heshan_vetting.results import Item, SummaryBuilder

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 6, 1)


def _module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # worker processes import it by name (its directory is put on sys.path)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vetter() -> Vetter:
    return Vetter(autoload=False)


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JSON Lines register of generated projects with a blank line, a line that is not JSON and a bad project."""
    bench = _module(ROOT / "benchmarks" / "batch.py", "heshan_bench_batch")
    import random

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    rng = random.Random(5)
    lines = [json.dumps(_jsonable(tomllib.loads(bench.project_text(i, rng))), ensure_ascii=False) for i in range(30)]
    lines[4] = ""
    lines[9] = '{"id": "BROKEN", '
    lines[17] = json.dumps({"id": "BAD-17", "name": "坏行", "industry_code": "X9", "land_area": "12 万元"})
    path = tmp_path_factory.mktemp("register") / "register.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _jsonable(data: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated project files in subdirectories, one broken file among them."""
    bench = _module(ROOT / "benchmarks" / "batch.py", "heshan_bench_batch")
    directory = tmp_path_factory.mktemp("projects")
    bench.generate(directory, 23, seed=3)
    (directory / "0000" / "p000007.toml").write_text('id = "BROKEN"\nland_area = "12 万元"\nzzz = 1\n', "utf-8")
    return directory


def _whole(vetter: Vetter, inputs: list[Path]) -> list[Item]:
    return list(vetter.check_many(inputs, as_of=AS_OF))


def test_check_loaded_line_by_line_equals_the_whole_file(vetter: Vetter, register: Path) -> None:
    whole = _whole(vetter, [register])
    text = register.read_text(encoding="utf-8").splitlines()
    parts = [
        vetter.check_loaded(load_line(str(register), n, raw, vetter.units), source=str(register), as_of=AS_OF)
        for n, raw in enumerate(text, start=1)
        if raw.strip()
    ]
    assert parts == whole
    errors = [item for item in whole if isinstance(item, ItemError)]
    assert [(e.line, e.project_id) for e in errors] == [(10, None), (18, "BAD-17")]
    assert len(errors[1].errors) >= 2  # every problem of the line, not only the first


def test_summaries_of_parts_merge_into_the_whole(vetter: Vetter, folder: Path) -> None:
    items = _whole(vetter, [p for p in vetter.project_files([folder]) if isinstance(p, Path)])
    whole = SummaryBuilder()
    merged = SummaryBuilder()
    for item in items:
        whole.add(item)
    for start in range(0, len(items), 5):
        part = SummaryBuilder()
        for item in items[start : start + 5]:
            part.add(item)
        merged.merge(part)
    assert merged.build() == whole.build()
    assert whole.build().errors == 1
    assert whole.build().most_failed  # the rules' counts are added up too


# -- the Dask example ---------------------------------------------------------------------------------------

if os.environ.get("HESHAN_REQUIRE_DASK") == "1":  # nox -s dask: a missing Dask is a failure, not a skip
    import dask.bag  # noqa: F401
needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("dask") is None, reason="dask is not installed (nox -s dask installs dask[bag])"
)


def _expected(vetter: Vetter, inputs: list[Path]) -> str:
    return "".join(stream_jsonl(vetter.check_many(inputs, as_of=AS_OF)))


@needs_dask
@pytest.mark.parametrize("scheduler", ["processes", "synchronous"])
def test_dask_over_a_directory_equals_check_many(vetter: Vetter, folder: Path, tmp_path: Path, scheduler: str) -> None:
    example = _module(ROOT / "examples" / "dask_batch.py", "dask_batch")
    sys.path.insert(0, str(ROOT / "examples"))  # spawned Dask workers import the example by name
    try:
        out = tmp_path / "out.jsonl"
        summary = example.vet_register(folder, out, as_of=AS_OF, partition_size=4, scheduler=scheduler)
    finally:
        sys.path.remove(str(ROOT / "examples"))
    files = [p for p in vetter.project_files([folder]) if isinstance(p, Path)]
    assert out.read_text(encoding="utf-8") == _expected(vetter, files)
    assert summary.build().items == 23


@needs_dask
def test_dask_over_a_jsonl_register_equals_check_many(vetter: Vetter, register: Path, tmp_path: Path) -> None:
    example = _module(ROOT / "examples" / "dask_batch.py", "dask_batch")
    assert [r[3] for r in example.jsonl_ranges(str(register), 7)] == [1, 8, 15, 22, 29]
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        out = tmp_path / "out.jsonl"
        example.vet_register(register, out, as_of=AS_OF, partition_size=7)
    finally:
        sys.path.remove(str(ROOT / "examples"))
    expected = _expected(vetter, [register])
    assert out.read_text(encoding="utf-8") == expected
    lines = [json.loads(line) for line in expected.splitlines()]
    assert [d.get("line") for d in lines if d.get("schema") == "heshan-vetting/error/v1"] == [10, 18]


@needs_dask
def test_dask_never_writes_over_an_input(register: Path) -> None:
    example = _module(ROOT / "examples" / "dask_batch.py", "dask_batch")
    before = register.read_bytes()
    with pytest.raises(Exception, match="Refusing"):
        example.vet_register(register, register, as_of=AS_OF, partition_size=7, scheduler="synchronous")
    assert register.read_bytes() == before
