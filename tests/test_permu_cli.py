"""``python -m heshan_vetting evaluate`` in a subprocess: exit codes, outputs, the JSON against its schema, and the
synthetic example registers (reproduced byte for byte by their generator)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from heshan_vetting.permu.results import EVALUATION_SCHEMA
from heshan_vetting.schemas import json_schema

ROOT = Path(__file__).resolve().parents[1]
REGISTERS = ROOT / "examples" / "registers"
REGISTER_2025 = REGISTERS / "synthetic-2025.csv"
AS_OF = "2026-06-30"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def _validate(data: object) -> None:
    schema = json_schema("evaluation")
    cls = jsonschema.Draft202012Validator
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(data)


def test_evaluate_the_synthetic_register_as_json() -> None:
    done = run("evaluate", str(REGISTER_2025), "--format", "json", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    _validate(data)
    assert data["schema"] == EVALUATION_SCHEMA
    assert data["pack"] == "heshan-evaluation"
    assert data["complete"] is True
    assert len(data["enterprises"]) == 302
    assert {g["id"] for g in data["groups"]} == {"above", "below"}
    assert any("local_default" in n["en"] for n in data["notes"])
    classes = {c["class"]: c["count"] for c in data["summary"]}
    assert sum(classes.values()) == 302
    assert classes["D"] == len(data["low_efficiency"]["enterprises"])
    every = data["enterprises"][0]
    assert {"class", "rank", "group", "score", "indicators", "policy"} <= set(every)


def test_the_jsonl_register_gives_the_same_classes_as_the_csv() -> None:
    by_format = {}
    for suffix in ("csv", "jsonl"):
        done = run("evaluate", str(REGISTERS / f"synthetic-2025.{suffix}"), "--format", "json", "--as-of", AS_OF)
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        by_format[suffix] = [(e["id"], e["class"], e["rank"], e["score"]) for e in data["enterprises"]]
    assert by_format["csv"] == by_format["jsonl"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_text_output(lang: str) -> None:
    done = run("evaluate", str(REGISTER_2025), "--lang", lang, "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    assert ("低效工业用地企业名单" if lang == "zh" else "Low-efficiency industrial land list") in done.stdout
    assert "local_default" in done.stdout


def test_bad_rows_exit_2_and_the_output_names_them(tmp_path: Path) -> None:
    reg = tmp_path / "r.csv"
    reg.write_text("统一社会信用代码,企业名称,企业规模,用地面积 (亩),实缴税收 (万元)\na,甲,规上,10,x\nb,乙,规上,10,5\n")
    out = tmp_path / "out.json"
    done = run("evaluate", str(reg), "--format", "json", "-o", str(out))
    assert done.returncode == 2, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    _validate(data)
    assert data["complete"] is False
    assert [e["row"] for e in data["errors"]] == [2]
    assert [e["id"] for e in data["enterprises"]] == ["b"]


def test_an_unreadable_register_exits_2_without_a_traceback(tmp_path: Path) -> None:
    reg = tmp_path / "r.csv"
    reg.write_text("统一社会信用代码,企业名称,亩产\n")
    done = run("evaluate", str(reg))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "亩产" in done.stderr
    missing = run("evaluate", str(tmp_path / "none.csv"))
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr


def test_the_output_may_not_be_the_register(tmp_path: Path) -> None:
    reg = tmp_path / "r.csv"
    text = "统一社会信用代码,企业名称\na,甲\n"
    reg.write_text(text, encoding="utf-8")
    done = run("evaluate", str(reg), "-o", str(reg))
    assert done.returncode == 2
    assert reg.read_text(encoding="utf-8") == text


def test_a_vetting_pack_is_refused_and_check_refuses_an_evaluation_pack() -> None:
    done = run("evaluate", str(REGISTER_2025), "--pack", "heshan")
    assert done.returncode == 2
    assert "vetting pack" in done.stderr
    check = run(
        "check",
        "--no-config",
        str(ROOT / "examples" / "projects" / "pv-module-plant.toml"),
        "--pack",
        "heshan-evaluation",
    )
    assert check.returncode == 2
    assert "evaluate" in check.stderr


def test_a_pack_not_in_force_is_a_usage_error(tmp_path: Path) -> None:
    pack = tmp_path / "dated.toml"
    text = (ROOT / "rules" / "heshan-evaluation.toml").read_text(encoding="utf-8")
    pack.write_text(
        text.replace('id = "heshan-evaluation"', 'id = "dated"\neffective_from = 2030-01-01'), encoding="utf-8"
    )
    done = run("evaluate", str(REGISTER_2025), "--pack", str(pack), "--as-of", AS_OF)
    assert done.returncode == 2
    assert "not in force" in done.stderr


def test_the_schema_command_prints_the_evaluation_schema() -> None:
    done = run("schema", "evaluation")
    assert done.returncode == 0
    assert json.loads(done.stdout)["properties"]["schema"]["const"] == EVALUATION_SCHEMA


def test_the_generator_reproduces_the_example_registers(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REGISTERS / "generate.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["synthetic-2024.csv", "synthetic-2024.jsonl", "synthetic-2025.csv", "synthetic-2025.jsonl"]
    for name in names:
        assert (tmp_path / name).read_bytes() == (REGISTERS / name).read_bytes(), name


def test_the_example_registers_are_marked_synthetic() -> None:
    for path in sorted(REGISTERS.glob("synthetic-*.*")):
        lines = path.read_text(encoding="utf-8").splitlines()[1:] if path.suffix == ".csv" else []
        lines = lines or path.read_text(encoding="utf-8").splitlines()
        assert all("SYNTHETIC" in line and "（虚构）" in line for line in lines), path


def test_previous_year_in_text_and_bad_previous_rows_exit_2(tmp_path: Path) -> None:
    done = run("evaluate", str(REGISTER_2025), "--previous", str(REGISTERS / "synthetic-2024.csv"), "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    assert "与上年度比较" in done.stdout
    assert "下一年度目标（建议）" in done.stdout
    bad = tmp_path / "2024.csv"
    lines = (REGISTERS / "synthetic-2024.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",规上,", ",大型,").replace(",规下,", ",大型,")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.json"
    done = run("evaluate", str(REGISTER_2025), "--previous", str(bad), "--format", "json", "-o", str(out))
    assert done.returncode == 2
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [e["row"] for e in data["movement"]["previous_errors"]] == [2]
    assert data["complete"] is True  # this year's register was read whole
    refused = run("evaluate", str(REGISTER_2025), "--previous", str(bad), "-o", str(bad))
    assert refused.returncode == 2
    assert bad.read_text(encoding="utf-8").startswith("统一社会信用代码")
