"""Batches that keep going: every input kind, bad files and bad rows as error entries, workers, one JSON shape."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting import ItemError, Project, ProjectError, Report, ReportSet, Vetter
from heshan_vetting.results import SummaryBuilder

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "projects"
PV = EXAMPLES / "pv-module-plant.toml"  # approve
CEMENT = EXAMPLES / "cement-clinker-line.toml"  # reject
ELECTRONICS = EXAMPLES / "electronics-low-tax.toml"  # conditional
GOOD = {"id": "J-1", "name": "光伏组件", "industry_code": "C3825", "land_area": "100 亩", "total_investment": "5 亿元"}


@pytest.fixture(scope="module")
def vetter() -> Vetter:
    return Vetter(disable_plugins=["credit", "xlsx"], autoload=False)


def run(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "HESHAN_VETTING_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def jsonl(path: Path, *lines: Any) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in lines))
    return path


def kinds(items: list[Any]) -> list[str]:
    return [f"{type(i).__name__}:{i.verdict.value if isinstance(i, Report) else i.source}" for i in items]


# -- the library ------------------------------------------------------------------------------------


def test_check_many_yields_one_result_per_item_as_it_goes(vetter: Vetter) -> None:
    results = vetter.check_many([PV, CEMENT])
    assert not isinstance(results, (list, tuple, ReportSet))  # a stream, not a collected list
    first = next(iter(results))
    assert isinstance(first, Report)
    assert first.verdict.value == "approve"


def test_every_input_kind_in_one_batch(vetter: Vetter, tmp_path: Path) -> None:
    project = vetter.project({**GOOD, "id": "OBJ"})
    lines = jsonl(tmp_path / "register.jsonl", {**GOOD, "id": "L1"}, {**GOOD, "id": "L2"})
    items = list(vetter.check_many([project, {**GOOD, "id": "DICT"}, str(PV), CEMENT, lines]))
    assert [i.project.id for i in items if isinstance(i, Report)] == [
        "OBJ",
        "DICT",
        "EX-2024-001",
        "EX-2024-002",
        "L1",
        "L2",
    ]
    assert all(isinstance(i, Report) for i in items)
    assert [(i.project.source, i.project.line) for i in items[-2:]] == [(str(lines), 1), (str(lines), 2)]
    assert items[2].project.source == str(PV)
    assert items[2].project.line is None


def test_bad_files_rows_and_mappings_are_error_entries_and_the_rest_are_vetted(vetter: Vetter, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('id = "X"\nname = \n', encoding="utf-8")
    rows = jsonl(
        tmp_path / "rows.jsonl",
        {**GOOD, "id": "R1"},
        "{not json",
        {**GOOD, "id": "R3", "land_area": "abc", "total_investment": "-1 亿元", "colour": "red"},
        "",
        [1, 2],
        {**GOOD, "id": "R6"},
    )
    inputs: list[Any] = [PV, broken, tmp_path / "missing.toml", rows, {"id": "M", "name": "n", "land_area": 3}, CEMENT]
    items = list(vetter.check_many(inputs))
    assert kinds(items) == [
        "Report:approve",
        f"ItemError:{broken}",
        f"ItemError:{tmp_path / 'missing.toml'}",
        "Report:deferred",  # GOOD lacks data an official needs: deferred, with what to supply
        f"ItemError:{rows}",
        f"ItemError:{rows}",
        f"ItemError:{rows}",
        "Report:deferred",
        "ItemError:None",
        "Report:reject",
    ]
    errors = [i for i in items if isinstance(i, ItemError)]
    assert errors[0].errors[0].line == 2  # the TOML file's line
    assert [e.line for e in errors[2:5]] == [2, 3, 5]  # the JSONL rows; the blank line 4 is no item
    bad_row = errors[3]
    assert bad_row.project_id == "R3"
    assert {p.field for p in bad_row.errors} == {"colour", "land_area", "total_investment"}  # every problem
    assert all(p.line == 3 and p.file == str(rows) for p in bad_row.errors)
    assert errors[-1].index == 4
    assert errors[-1].project_id == "M"
    summary = ReportSet.collect(items).summary
    assert (summary.items, summary.reports, summary.errors) == (10, 4, 6)
    assert (summary.verdicts.approve, summary.verdicts.deferred, summary.verdicts.reject) == (1, 2, 1)


def test_a_project_error_lists_every_invalid_field(vetter: Vetter) -> None:
    with pytest.raises(ProjectError) as err:
        vetter.project({"id": "X", "name": "n", "land_area": "abc", "total_investment": "-3 亿元", "foo": 1})
    assert [e.field for e in err.value.all] == ["foo", "total_investment", "land_area"]  # unknown key first


def test_load_still_raises_the_first_bad_row(vetter: Vetter, tmp_path: Path) -> None:
    rows = jsonl(tmp_path / "rows.jsonl", {**GOOD, "id": "A"}, {**GOOD, "id": "B", "land_area": "x"})
    with pytest.raises(ProjectError) as err:
        vetter.load(rows)
    assert (err.value.line, err.value.field) == (2, "land_area")
    assert [i.line for i in vetter.load_items(rows)] == [1, 2]


def test_jobs_2_gives_the_same_results_in_the_same_order(vetter: Vetter, tmp_path: Path) -> None:
    rows = jsonl(tmp_path / "rows.jsonl", *({**GOOD, "id": f"R{n}", "land_area": f"{50 + n} 亩"} for n in range(40)))
    inputs: list[Any] = [
        *sorted(EXAMPLES.glob("*.toml")),
        rows,
        tmp_path / "missing.toml",
        {**GOOD, "land_area": "q"},
        vetter.project(GOOD),
    ]
    serial = list(vetter.check_many(inputs, as_of="2024-06-01"))
    parallel = list(vetter.check_many(inputs, as_of="2024-06-01", jobs=2))
    assert len(serial) > 70
    assert parallel == serial


def test_jobs_must_be_a_positive_whole_number(vetter: Vetter) -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(Exception, match="jobs"):
            list(vetter.check_many([PV], jobs=bad))  # type: ignore[arg-type]


def test_input_errors_survive_pickling_with_every_detail() -> None:
    detail = ProjectError("second", message_zh="第二", file="a.toml", line=3, field="land_area")
    error = ProjectError("first", message_zh="第一", file="a.toml", line=2, column=5, field="id", details=[detail])
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is ProjectError
    assert (back.message_en, back.message_zh, back.file, back.line, back.column, back.field) == (
        "first",
        "第一",
        "a.toml",
        2,
        5,
        "id",
    )
    assert [e.field for e in back.all] == ["id", "land_area"]
    assert str(back) == str(error)


def test_project_files_searches_directories_and_expands_globs(vetter: Vetter, tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for name in ("a/one.toml", "a/b/two.TOML", "a/b/rows.jsonl", "a/README.md", "a/pyproject.toml", ".hidden/x.toml"):
        (tmp_path / name).write_text("", encoding="utf-8")
    found = list(vetter.project_files([tmp_path]))
    # a directory's own files (sorted), then its subdirectories'; hidden entries and pyproject.toml skipped
    assert found == [tmp_path / "a/one.toml", tmp_path / "a/b/rows.jsonl", tmp_path / "a/b/two.TOML"]
    assert list(vetter.project_files([str(tmp_path / "a" / "*.toml")])) == [tmp_path / "a/one.toml"]
    empty = tmp_path / "empty"
    empty.mkdir()
    [nothing] = vetter.project_files([empty])
    assert isinstance(nothing, ProjectError)
    assert "no project files" in nothing.message_en
    [no_match] = vetter.project_files([str(tmp_path / "*.xyz")])
    assert isinstance(no_match, ProjectError)
    assert "matches no file" in no_match.message_en


def test_summary_counts_stream_in_constant_memory(vetter: Vetter) -> None:
    builder = SummaryBuilder()
    report = vetter.check(CEMENT)
    for _ in range(1000):
        builder.add(report)
    summary = builder.build()
    assert summary.verdicts.reject == 1000
    assert summary.most_failed[0].failed == 1000
    assert len(builder.__dict__["_titles"]) == len({f.rule_id for f in report.findings if f.outcome.value == "fail"})


def test_a_project_object_is_vetted_like_its_file(vetter: Vetter) -> None:
    [from_file] = [i for i in vetter.check_many([PV]) if isinstance(i, Report)]
    project: Project = vetter.load(PV)[0]
    [from_object] = [i for i in vetter.check_many([project]) if isinstance(i, Report)]
    assert from_object.findings == from_file.findings


# -- the command line -------------------------------------------------------------------------------


def test_cli_batch_keeps_going_and_exits_2_at_the_end(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('id = "X"\nname = \n', encoding="utf-8")
    proc = run("check", str(PV), str(broken), str(ELECTRONICS), "--format", "json")
    assert proc.returncode == 2, proc.stderr
    data = json.loads(proc.stdout)
    assert [i.get("verdict", i["schema"]) for i in data["items"]] == [
        "approve",
        "heshan-vetting/error/v1",
        "conditional",
    ]
    assert f"{broken}:2" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_takes_a_directory_a_glob_and_stdin(tmp_path: Path) -> None:
    folder = tmp_path / "projects"
    folder.mkdir()
    shutil.copy(PV, folder / "pv.toml")
    shutil.copy(CEMENT, folder / "sub-cement.toml")
    proc = run(
        "check",
        str(folder),
        str(EXAMPLES / "electronics-*.toml"),
        "-",
        "--format",
        "jsonl",
        "--fail-on",
        "never",
        stdin=PV.read_text(encoding="utf-8"),
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [x["project"]["source"] for x in lines[:-1]] == [
        str(folder / "pv.toml"),
        str(folder / "sub-cement.toml"),
        str(ELECTRONICS),
        "<stdin>",
    ]
    assert lines[-1]["schema"] == "heshan-vetting/summary/v1"
    assert lines[-1]["verdicts"] == {"approve": 2, "conditional": 1, "deferred": 0, "reject": 1}


def test_cli_reads_json_lines_from_stdin(tmp_path: Path) -> None:
    text = json.dumps(GOOD, ensure_ascii=False) + "\n" + json.dumps({**GOOD, "id": "J-2", "land_area": "x"}) + "\n"
    proc = run("check", "-", "--stdin-format", "jsonl", "--format", "json", stdin=text)
    assert proc.returncode == 2, proc.stderr
    items = json.loads(proc.stdout)["items"]
    assert items[0]["project"]["source"] == "<stdin>"
    assert items[0]["project"]["line"] == 1
    assert items[1]["source"] == "<stdin>"
    assert items[1]["line"] == 2
    assert items[1]["project_id"] == "J-2"
    assert "<stdin>:2" in proc.stderr
    assert str(tmp_path) not in proc.stderr  # the temporary copy is never named


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_cli_streamed_output_to_a_file_and_jobs_2_match(tmp_path: Path, fmt: str) -> None:
    one, two = tmp_path / "one.out", tmp_path / "two.out"
    base = ("check", str(EXAMPLES), "--format", fmt, "--fail-on", "never", "--as-of", "2024-06-01", "-q")
    first = run(*base, "-o", str(one))
    second = run(*base, "-o", str(two), "--jobs", "2")
    assert first.returncode == second.returncode == 0, (first.stderr, second.stderr)
    assert first.stdout == second.stdout == ""
    assert one.read_bytes() == two.read_bytes()
    examples = len(list(EXAMPLES.glob("*.toml")))
    if fmt == "jsonl":
        assert len(one.read_text(encoding="utf-8").splitlines()) == examples + 1
    else:
        assert json.loads(one.read_text(encoding="utf-8"))["summary"]["items"] == examples


def test_cli_verbose_names_each_item_and_quiet_is_silent(tmp_path: Path) -> None:
    loud = run("check", str(PV), str(CEMENT), "-v", "--format", "json")
    assert f"{PV}  EX-2024-001  approve" in loud.stderr
    assert f"{CEMENT}  EX-2024-002  reject" in loud.stderr
    quiet = run("check", str(PV), "-q", "--as-of", "2001-01-01")
    assert quiet.stderr == ""  # no warning about the date outside the pack's period, no progress bar
    noisy = run("check", str(PV), "--as-of", "2001-01-01")
    assert "warning" in noisy.stderr
    assert "\r" not in loud.stderr + noisy.stderr  # stderr is not a terminal: no progress bar


def test_cli_rejects_a_bad_jobs_value_and_an_unknown_stdin_format() -> None:
    proc = run("check", str(PV), "--jobs", "0")
    assert proc.returncode == 2
    assert "--jobs" in proc.stderr
    proc = run("check", "-", "--stdin-format", "docx", stdin="")
    assert proc.returncode == 2
    assert "--stdin-format" in proc.stderr
    assert "toml" in proc.stderr


def test_a_failed_jsonl_run_leaves_no_half_written_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    proc = run("check", str(PV), "--format", "jsonl", "-o", str(out), "--strict", "--as-of", "2001-01-01")
    assert proc.returncode == 2, proc.stderr
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_check_many_searches_a_directory_like_the_command(vetter: Vetter, tmp_path: Path) -> None:
    shutil.copy(PV, tmp_path / "a.toml")
    shutil.copy(CEMENT, tmp_path / "b.toml")
    items = list(vetter.check_many([tmp_path, str(tmp_path / "*.toml"), tmp_path / "nothing-*.toml"]))
    assert kinds(items) == [
        "Report:approve",
        "Report:reject",
        "Report:approve",
        "Report:reject",
        f"ItemError:{tmp_path / 'nothing-*.toml'}",
    ]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_streamed_json_is_byte_identical_to_the_renderer(vetter: Vetter, count: int) -> None:
    from heshan_vetting.builtins.render.json import render_json, render_jsonl, stream_json, stream_jsonl

    inputs: list[Any] = [PV, "missing.toml", CEMENT][:count]
    items = list(vetter.check_many(inputs))
    results = ReportSet.collect(items)
    assert "".join(stream_json(items)) == render_json(results) == results.to_json()
    assert json.loads("".join(stream_json(items)))["summary"]["items"] == count
    assert "".join(stream_jsonl(items)) == render_jsonl(results)


def test_the_progress_bar_draws_on_a_terminal_and_clears_its_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from heshan_vetting.runner import Progress

    clock = iter(float(t) for t in range(100))
    monkeypatch.setattr("heshan_vetting.runner.time.monotonic", lambda: next(clock))
    bar = Progress(4, enabled=True)
    for n in range(4):
        bar.advance(f"f{n}")
    bar.close()
    err = capsys.readouterr().err
    assert "4/4 files · 4 items" in err
    assert err.endswith("\r" + " " * bar.__dict__["_columns"] + "\r")
    assert all(len(part) <= 80 for part in err.split("\r"))
    silent = Progress(4, enabled=False)
    silent.advance("f0")
    silent.close()
    assert capsys.readouterr().err == ""


def test_check_of_a_one_line_register_keeps_the_line(vetter: Vetter, tmp_path: Path) -> None:
    register = jsonl(tmp_path / "one.jsonl", "", {**GOOD, "id": "ONLY"})
    report = vetter.check(register)
    assert (report.project.source, report.project.line) == (str(register), 2)
    bad = jsonl(tmp_path / "bad.jsonl", {**GOOD, "land_area": "x"})
    with pytest.raises(ProjectError) as err:
        vetter.check(bad)
    assert (err.value.line, err.value.field) == (1, "land_area")


@pytest.mark.parametrize("given", ["dir", "pattern"])
def test_the_output_is_never_a_file_a_directory_or_pattern_names(tmp_path: Path, given: str) -> None:
    folder = tmp_path / "projects"
    folder.mkdir()
    target = folder / "a.toml"
    shutil.copy(PV, target)
    before = target.read_bytes()
    arg = str(folder) if given == "dir" else str(folder / "*.toml")
    proc = run("check", arg, "--format", "json", "-o", str(target))
    assert proc.returncode == 2, proc.stderr
    assert "Refusing to write the output over" in proc.stderr
    assert target.read_bytes() == before
