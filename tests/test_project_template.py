"""``init project`` writes a commented template that loads back; project files may use the Chinese field names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from heshan_vetting.errors import ProjectError
from heshan_vetting.fields import FIELD_SPECS, ZH_FIELD_NAMES
from heshan_vetting.inputs.toml import parse_toml
from heshan_vetting.model import Project, project_from_mapping
from heshan_vetting.plugins import ENV_NO_AUTOLOAD
from heshan_vetting.project_template import REQUIRED_FIELDS, project_template
from heshan_vetting.units import Units

LANGS = ("zh", "en")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, ENV_NO_AUTOLOAD: "1"}
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
    )


def _load(text: str, path: str = "project.toml") -> Project:
    doc = parse_toml(text, path, ProjectError)
    return project_from_mapping(doc.data, Units(), doc)


def _uncommented(text: str) -> str:
    """The template with every suggested value filled in: each commented ``key = value`` line uncommented."""
    keys = [*FIELD_SPECS, *(json.dumps(k, ensure_ascii=False) for k in ZH_FIELD_NAMES), "notes"]
    pattern = re.compile(r"^# (" + "|".join(re.escape(k) for k in keys) + r") = ")
    return "\n".join(line[2:] if pattern.match(line) else line for line in text.splitlines()) + "\n"


@pytest.mark.parametrize("lang", LANGS)
def test_template_names_every_field_with_its_unit_in_both_languages(lang: str) -> None:
    text = project_template(lang)
    for spec in FIELD_SPECS.values():
        key = json.dumps(spec.title_zh, ensure_ascii=False) if lang == "zh" else spec.name
        assert re.search(rf"^#? ?{re.escape(key)} = ", text, re.M), f"{spec.name} is missing"
        assert spec.title_zh in text
        assert spec.title_en in text
        if spec.unit and spec.unit != "%":
            assert f"unit: {spec.unit}" in text
    # the required fields come first, filled in; nothing else is
    filled = [line.split(" = ")[0] for line in text.splitlines() if " = " in line and not line.startswith("#")]
    want = [json.dumps(FIELD_SPECS[n].title_zh, ensure_ascii=False) if lang == "zh" else n for n in REQUIRED_FIELDS]
    assert filled == want


@pytest.mark.parametrize("lang", LANGS)
def test_template_loads_back_as_written_and_with_every_example_filled_in(lang: str) -> None:
    text = project_template(lang)
    bare = _load(text)
    assert (bare.id, bare.name) == ("HS-2024-017", "某光伏组件项目")
    assert bare.land_area is None
    full = _load(_uncommented(text))
    assert full.land_area == 180.0
    assert full.total_investment == 125000.0
    assert full.construction_type == "new"
    assert full.location.town == "址山镇"
    assert full.green_ratio == 12.0
    assert full.sources == {}  # [sources] stays commented: it is a table header, not a field
    assert full.notes == "…"


def test_the_two_languages_give_the_same_project() -> None:
    zh = _load(_uncommented(project_template("zh")))
    en = _load(_uncommented(project_template("en")))
    assert zh == en


def test_init_project_writes_a_file_check_gives_a_verdict(tmp_path: Path) -> None:
    listed = run(["init"], tmp_path)
    assert listed.returncode == 0
    assert re.search(r"^project\s+project\.toml", listed.stdout, re.M)
    made = run(["init", "project"], tmp_path)
    assert made.returncode == 0, made.stderr
    target = tmp_path / "project.toml"
    assert target.read_text(encoding="utf-8") == project_template("zh")
    again = run(["init", "project"], tmp_path)
    assert again.returncode == 2
    assert "exists" in again.stderr
    made_en = run(["init", "project", "--lang", "en", "-o", "en.toml"], tmp_path)
    assert made_en.returncode == 0
    (tmp_path / "full.toml").write_text(_uncommented(project_template("zh")), encoding="utf-8")
    for name in ("project.toml", "en.toml", "full.toml"):
        checked = run(["check", "--no-config", "--format", "json", name], tmp_path)
        assert checked.returncode in (0, 1), checked.stderr
        report = json.loads(checked.stdout)
        assert report["items"][0]["verdict"] in ("approve", "conditional", "deferred", "reject")


# --- Chinese keys in project files ---------------------------------------------------------------------------


def test_chinese_keys_load_like_english_ones() -> None:
    zh = _load(
        '"项目编号" = "P"\n"项目名称" = "N"\n"用地面积" = "180 亩"\n"建设性质" = "新建"\n'
        '[location]\n"所在镇街" = "址山镇"\n'
    )
    en = _load('id = "P"\nname = "N"\nland_area = "180 亩"\nconstruction_type = "new"\n[location]\ntown = "址山镇"\n')
    assert zh == en


def test_a_field_under_both_names_is_an_error_naming_both() -> None:
    with pytest.raises(ProjectError) as info:
        _load('id = "P"\nname = "N"\nland_area = "1 亩"\n"用地面积" = "180 亩"\n')
    err = info.value
    assert "'land_area'" in err.message_en
    assert "'用地面积'" in err.message_en
    assert "用地面积" in err.message_zh
    assert (err.line, err.column, err.field) == (4, 1, "用地面积")


def test_errors_point_at_the_chinese_key_as_written() -> None:
    with pytest.raises(ProjectError) as info:
        _load('id = "P"\nname = "N"\n\n"用地面积" = 180\n')
    assert (info.value.line, info.value.field) == (4, "用地面积")
    assert "no unit" in info.value.message_en
    with pytest.raises(ProjectError) as info:
        _load('id = "P"\nname = "N"\n[location]\n"所在园" = "x"\n')
    assert (info.value.line, info.value.field) == (4, "location.所在园")
    assert "did you mean '所在园区'" in info.value.message_en


def test_an_unknown_chinese_key_gets_a_did_you_mean() -> None:
    with pytest.raises(ProjectError) as info:
        _load('id = "P"\nname = "N"\n"年税收" = "6000 万元"\n')
    assert "Unknown key '年税收'" in info.value.message_en
    assert "did you mean '达产年税收'" in info.value.message_en
    assert info.value.line == 3


def test_a_bare_chinese_key_is_told_to_be_quoted() -> None:
    with pytest.raises(ProjectError) as info:
        _load('id = "P"\nname = "N"\n用地面积 = "180 亩"\n')
    assert info.value.line == 3
    assert '"用地面积" = …' in info.value.message_en
    assert "中文键名须加引号" in info.value.message_zh


def test_sources_may_name_fields_in_chinese() -> None:
    project = _load('id = "P"\nname = "N"\n[sources]\n"用地面积" = "可研报告"\n')
    assert project.sources == {"land_area": "可研报告"}


def test_json_lines_rows_take_chinese_keys_too(tmp_path: Path) -> None:
    rows = [{"项目编号": "J-1", "项目名称": "甲", "用地面积": "50 亩"}, {"id": "J-2", "name": "乙", "用地面": "1 亩"}]
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    done = run(["check", "--no-config", "--format", "json", "p.jsonl"], tmp_path)
    assert done.returncode == 2  # the second row is refused, the first is vetted
    items = json.loads(done.stdout)["items"]
    assert items[0]["project"]["id"] == "J-1"
    assert "did you mean '用地面积'" in json.dumps(items[1], ensure_ascii=False)
