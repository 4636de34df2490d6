"""``rules list``, ``rules show`` and ``rules check``, run in subprocesses: exit codes, JSON shape, zh/en, warnings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from heshan_vetting.builtins.render.layout import display_width

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "rules", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        check=False,
    )


FULL = 'citation = { title = "某市文件", number = "某府〔2020〕1号", date = 2020-01-01, status = "verified" }'

BASE = f"""
[pack]
id = "lintbase"
version = "1"
kind = "access"
title = {{ zh = "基础包", en = "Base pack" }}
jurisdiction = "CN"
covers_until = 2030-12-31

[derived.tax_per_mu]
title = {{ zh = "亩均税收", en = "Tax per mu" }}
expr = "annual_tax / land_area"
unit = "万元/亩"

[derived.output_per_mu]
title = {{ zh = "亩均产值", en = "Output per mu" }}
expr = "annual_output / land_area"
unit = "万元/亩"

[thresholds.min_tax]
title = {{ zh = "税收下限", en = "Minimum tax" }}
unit = "万元/亩"
value = "20 万元/亩"
{FULL}

[[rules]]
id = "B-TAX"
title = {{ zh = "税收达标", en = "Tax at least the floor" }}
severity = "required"
require = "tax_per_mu >= min_tax"
tags = ["tax"]
{FULL}
"""

CHILD = f"""
[pack]
id = "lintchild"
version = "2"
kind = "access"
title = {{ zh = "下级包", en = "Child pack" }}
jurisdiction = "CN-X"
extends = "lintbase"

# loosens_parent: a floor lower than the parent's 20
[thresholds.min_tax]
title = {{ zh = "税收下限（本地）", en = "Minimum tax (local)" }}
unit = "万元/亩"
value = "15 万元/亩"
{FULL}

# unverified
[thresholds.min_output]
title = {{ zh = "产值下限", en = "Minimum output" }}
unit = "万元/亩"
value = "100 万元/亩"
citation = {{ title = "某市文件", number = "某府〔2020〕1号", date = 2020-01-01, status = "unverified" }}

# expired: every value ended, and the rule C-STALE (in force) still uses it
[thresholds.old_floor]
title = {{ zh = "旧下限", en = "Old floor" }}
unit = "万元/亩"
{FULL}

[[thresholds.old_floor.values]]
value = "5 万元/亩"
effective_until = 2020-12-31

# no warning: every value ended, but only the ended rule C-OLD uses it
[thresholds.old_history]
title = {{ zh = "历史下限", en = "Historic floor" }}
unit = "万元/亩"
{FULL}

[[thresholds.old_history.values]]
value = "4 万元/亩"
effective_until = 2020-12-31

[[rules]]
id = "C-STALE"
title = {{ zh = "阈值已失效", en = "Threshold ended" }}
severity = "advisory"
require = "tax_per_mu >= old_floor"
{FULL}

[[rules]]
id = "C-NEVER"
title = {{ zh = "永不适用", en = "Never applies" }}
severity = "advisory"
applies_if = "land_area > 0[亩] and false"
require = "output_per_mu >= min_output"
{FULL}

[[rules]]
id = "C-OLD"
title = {{ zh = "已失效", en = "Ended" }}
severity = "advisory"
require = "tax_per_mu >= min_tax and tax_per_mu >= old_history"
effective_until = 2020-12-31
{FULL}

[[rules]]
id = "C-LATE"
title = {{ zh = "覆盖期后生效", en = "Starts after the covered period" }}
severity = "advisory"
require = "tax_per_mu >= min_tax"
effective_from = 2031-01-01
{FULL}

[[rules]]
id = "C-NOCITE"
title = {{ zh = "出处不全", en = "Citation without number" }}
severity = "advisory"
require = "tax_per_mu >= min_tax"
citation = {{ title = "某市会议报告", status = "partial" }}
"""


@pytest.fixture(scope="module")
def lint_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("lint")
    (d / "base.toml").write_text(textwrap.dedent(BASE), encoding="utf-8")
    (d / "child.toml").write_text(textwrap.dedent(CHILD), encoding="utf-8")
    return d / "child.toml"


# ------------------------------------------------------------------------------------------------------------ list


def test_list_json_every_rule_by_id_with_layer_and_source() -> None:
    r = run("list", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["pack"] == "heshan"
    assert data["layers"] == ["national", "guangdong", "jiangmen", "heshan"]
    ids = [row["id"] for row in data["rules"]]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids)) > 20
    rows = {row["id"]: row for row in data["rules"]}
    tax = rows["JM-TAX-001"]
    assert tax["layer"] == "jiangmen"
    assert tax["overrides"] == []
    assert tax["severity"] == "required"
    assert tax["status"] == "draft"
    assert tax["source"]["title"].startswith("江门市人民政府")
    assert set(tax) >= {"title", "title_zh", "title_en", "effective_from", "effective_until", "tags", "status_text"}
    assert rows["NAT-LAND-005"]["effective_until"] == "2023-06-24"


def test_list_filters_and_languages() -> None:
    veto = json.loads(run("list", "--severity", "veto", "--format", "json").stdout)["rules"]
    assert veto
    assert all(row["severity"] == "veto" for row in veto)
    layer = json.loads(run("list", "--layer", "heshan", "--format", "json", "--lang", "en").stdout)["rules"]
    assert layer
    assert all(row["layer"] == "heshan" for row in layer)
    assert all(row["title"] == row["title_en"] for row in layer)
    tagged = json.loads(run("list", "--tag", "tax", "--format", "json").stdout)["rules"]
    assert "JM-TAX-001" in [row["id"] for row in tagged]
    assert all("tax" in row["tags"] for row in tagged)


def test_list_text_fits_100_columns_in_both_languages() -> None:
    zh, en = run("list"), run("list", "--lang", "en")
    assert zh.returncode == en.returncode == 0
    assert "JM-TAX-001" in zh.stdout
    assert "亩均税收不低于下限" in zh.stdout
    assert "出处：" in zh.stdout
    assert "Tax per mu at least the minimum" in en.stdout
    assert "source: " in en.stdout
    for out in (zh.stdout, en.stdout):
        assert max(display_width(line) for line in out.splitlines()) <= 100


def test_list_unknown_layer_or_tag_is_a_usage_error() -> None:
    r = run("list", "--layer", "jiangmn")
    assert r.returncode == 2
    assert "did you mean 'jiangmen'" in r.stderr
    assert "是否应为" in r.stderr
    r = run("list", "--tag", "taxx")
    assert r.returncode == 2
    assert "'taxx'" in r.stderr


# ------------------------------------------------------------------------------------------------------------ show


def test_show_json_conditions_thresholds_per_layer_and_history() -> None:
    r = run("show", "JM-TAX-001", "--format", "json", "--lang", "en")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["id"] == "JM-TAX-001"
    assert d["layer"] == "jiangmen"
    req = d["conditions"]["require"]
    assert req["written"] == "tax_per_mu >= min_tax_per_mu"
    # the threshold name replaced by its (Heshan) title and the value in force from 2014-01-06
    assert req["with_values"] == [
        {
            "from": "2014-01-06",
            "until": None,
            "text": "tax_per_mu >= Minimum annual tax per mu on new construction land (Heshan)〔20 万元/亩〕",
        }
    ]
    assert "applies_if" in d["conditions"]
    layers = d["thresholds"]["min_tax_per_mu"]
    assert [layer["layer"] for layer in layers] == ["jiangmen", "heshan"]
    assert [layer["values"][0]["value"] for layer in layers] == ["15 万元/亩", "20 万元/亩"]
    assert layers[1]["values"][0]["citation"]["status"] == "draft"
    assert d["citation"]["title"].startswith("江门市人民政府")
    assert d["citation"]["status"] == "draft"
    assert [c["id"] for c in d["commitments"]] == ["HS-COM-TAX"]
    assert [h["layer"] for h in d["history"]] == ["jiangmen"]
    assert "tax_per_mu" in [x["name"] for x in d["reads"]]


def test_show_as_of_before_a_threshold_starts_says_not_in_force() -> None:
    d = json.loads(run("show", "JM-TAX-001", "--as-of", "2010-01-01", "--format", "json").stdout)
    (item,) = d["conditions"]["require"]["with_values"]
    assert item["from"] == item["until"] == "2010-01-01"
    assert "未生效" in item["text"]


def test_show_text_zh_and_en() -> None:
    zh = run("show", "JM-TAX-001")
    en = run("show", "JM-TAX-001", "--lang", "en")
    assert zh.returncode == en.returncode == 0
    assert "要求 require：" in zh.stdout
    assert "新增建设用地亩均年税收下限（鹤山）〔20 万元/亩〕" in zh.stdout
    assert "被覆盖" in zh.stdout
    assert "HS-COM-TAX" in zh.stdout
    assert "requires:" in en.stdout
    assert "(overridden;" in en.stdout
    assert "citation:" in en.stdout


def test_show_unknown_rule_exits_2_with_did_you_mean() -> None:
    r = run("show", "JM-TAX-01")
    assert r.returncode == 2
    assert "did you mean 'JM-TAX-001'" in r.stderr
    assert "是否应为 'JM-TAX-001'" in r.stderr
    assert r.stdout == ""


def test_show_overridden_rule_names_the_layers(lint_pack: Path) -> None:
    d = json.loads(run("show", "B-TAX", "--pack", str(lint_pack), "--format", "json").stdout)
    layers = d["thresholds"]["min_tax"]
    assert [(x["layer"], x["values"][0]["value"]) for x in layers] == [
        ("lintbase", "20 万元/亩"),
        ("lintchild", "15 万元/亩"),
    ]
    assert d["layer"] == "lintbase"


# ----------------------------------------------------------------------------------------------------------- check

EXPECTED = {
    ("loosens_parent", "threshold min_tax"),
    ("unverified", "threshold min_output"),
    ("never_applies", "rule C-NEVER"),
    ("expired", "rule C-OLD"),
    ("expired", "threshold old_floor"),
    ("never_starts", "rule C-LATE"),
    ("citation_incomplete", "rule C-NOCITE"),
}


def test_check_lint_pack_has_one_of_each_warning(lint_pack: Path) -> None:
    r = run("check", str(lint_pack), "--today", "2026-06-01", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["pack"] == "lintchild"
    assert d["errors"] == []
    assert d["today"] == "2026-06-01"
    assert d["covers"] == [None, "2030-12-31"]
    got = {(w["code"], w["element"]) for w in d["warnings"]}
    assert got == EXPECTED
    assert d["counts"] == {code: 2 if code == "expired" else 1 for code, _ in EXPECTED}
    stale = next(w for w in d["warnings"] if w["element"] == "threshold old_floor")
    assert "C-STALE" in stale["message_en"]
    for w in d["warnings"]:
        assert set(w) == {"code", "element", "file", "line", "message_en", "message_zh"}
        assert w["file"].endswith("child.toml")
        assert isinstance(w["line"], int)
        assert w["line"] > 0
    loose = next(w for w in d["warnings"] if w["code"] == "loosens_parent")
    assert "15 万元/亩" in loose["message_en"]
    assert "20 万元/亩" in loose["message_en"]
    lines = lint_pack.read_text(encoding="utf-8").splitlines()
    never = next(w for w in d["warnings"] if w["code"] == "never_applies")
    assert lines[never["line"] - 1].startswith("applies_if")


def test_check_strict_exits_1_on_warnings_and_texts_are_bilingual(lint_pack: Path) -> None:
    r = run("check", str(lint_pack), "--today", "2026-06-01", "--strict")
    assert r.returncode == 1
    assert "[loosens_parent] 阈值放宽了上级规则包的同名阈值" in r.stdout
    assert "7 条警告" in r.stdout
    en = run("check", str(lint_pack), "--today", "2026-06-01", "--lang", "en")
    assert en.returncode == 0
    assert "7 warning(s)" in en.stdout
    assert "[expired] dates have passed" in en.stdout
    assert max(display_width(line) for line in en.stdout.splitlines()) <= 100
    # before C-OLD ends it is no longer "expired"
    early = json.loads(run("check", str(lint_pack), "--today", "2020-06-01", "--format", "json").stdout)
    assert ("expired", "rule C-OLD") not in {(w["code"], w["element"]) for w in early["warnings"]}


def test_check_clean_pack_exits_0_even_strict(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(textwrap.dedent(BASE), encoding="utf-8")
    r = run("check", str(tmp_path / "base.toml"), "--strict", "--lang", "en")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "No warnings." in r.stdout


def test_check_load_error_exits_2_with_file_and_line(tmp_path: Path) -> None:
    bad = textwrap.dedent(BASE).replace('require = "tax_per_mu >= min_tax"', 'require = "tax_per_mu >= min_taxx"')
    (tmp_path / "bad.toml").write_text(bad, encoding="utf-8")
    r = run("check", str(tmp_path / "bad.toml"))
    assert r.returncode == 2
    assert r.stdout == ""
    line = bad.splitlines().index('require = "tax_per_mu >= min_taxx"') + 1
    assert f"bad.toml:{line}:" in r.stderr


def test_check_shipped_pack_warnings_do_not_fail_unless_strict() -> None:
    r = run("check", "heshan", "--today", "2026-12-01", "--format", "json")
    assert r.returncode == 0
    codes = {w["code"] for w in json.loads(r.stdout)["warnings"]}
    assert "loosens_parent" not in codes
    assert "never_applies" not in codes
    assert run("check", "heshan", "--today", "2026-12-01", "--strict").returncode == 1


def test_rules_without_a_command_is_a_usage_error() -> None:
    r = run()
    assert r.returncode == 2
    assert "list" in r.stderr


def test_show_lists_the_sets_and_tables_a_rule_reads() -> None:
    d = json.loads(run("show", "HS-2H-001", "--format", "json").stdout)
    lists = {e["name"]: e for e in d["lists"]}
    assert lists["gd_two_high_sectors"]["kind"] == "set"
    assert lists["gd_two_high_sectors"]["layer"] == "guangdong"
    assert lists["gd_two_high_sectors"]["size"] > 0
    assert "gd_two_high_energy" in d["thresholds"]
    assert "gd_two_high_sectors" not in [r["name"] for r in d["reads"]]
    assert d["waivable"] is True
