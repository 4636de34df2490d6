"""``diff OLD NEW --projects …``: the impact of a pack change on a portfolio, and the pack-to-pack diff.

Packs are built here, extending the shipped ``heshan``, so the flips they cause are known: the projects that flip,
old → new, and the rules and thresholds named. The portfolio is examples/projects (copied where a test writes).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from heshan_vetting.impact import run_impact
from heshan_vetting.impact_render import WIDTH, impact_html, impact_text
from heshan_vetting.impact_report import IMPACT_SCHEMA, ImpactReport
from heshan_vetting.report import Outcome, Severity, Verdict

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "projects"
WHAT_IF = ROOT / "examples" / "what-if" / "heshan-tax-floor-25.toml"
PV = EXAMPLES / "pv-module-plant.toml"  # approve; tax per mu 23.33 万元/亩, new land
CITE = 'citation = { title = "测试用文件", status = "local_default" }'


def write_pack(directory: Path, pack_id: str, body: str = "") -> Path:
    """A pack ``pack_id`` extending heshan, with ``body`` appended."""
    path = directory / f"{pack_id}.toml"
    path.write_text(
        f"""[pack]
id = "{pack_id}"
version = "1"
kind = "access"
title = {{ zh = "测试包 {pack_id}", en = "Test pack {pack_id}" }}
jurisdiction = "CN-GD-JM-HS"
extends = "heshan"
{body}""",
        encoding="utf-8",
    )
    return path


def tax_floor(value: str) -> str:
    return f"""
[thresholds.min_tax_per_mu]
title = {{ zh = "亩均税收下限", en = "Minimum tax per mu" }}
unit = "万元/亩"
value = "{value}"
{CITE}
"""


def hs_land_001_required() -> str:
    """Heshan's advisory HS-LAND-001 (Zhaiwu renovation forecast) made required, everything else as shipped."""
    text = (ROOT / "rules" / "heshan.toml").read_text(encoding="utf-8")
    start = text.index('id = "HS-LAND-001"')
    end = text.index("\n", text.index("tags = ", start))
    rule = text[start:end].replace('severity = "advisory"', 'severity = "required"')
    return f"\n[[rules]]\n{rule}\nreplaces = true\n"


def ids(changes: Any) -> list[tuple[str, str, str]]:
    return [(c.project.id, c.old_verdict.value, c.new_verdict.value) for c in changes]


# --- flips on two packs built here -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_packs(tmp_path_factory: pytest.TempPathFactory) -> ImpactReport:
    d = tmp_path_factory.mktemp("packs")
    old = write_pack(d, "t-old", tax_floor("25 万元/亩"))
    verdict = f"\n[verdict]\napprove_min = 50\nconditional_min = 40\nmin_indicators = 2\n{CITE}\n"
    new = write_pack(d, "t-new", verdict + hs_land_001_required())
    return run_impact(old, new, [str(EXAMPLES)])


def test_exactly_the_known_projects_flip(two_packs: ImpactReport) -> None:
    r = two_packs
    assert ids(r.flips) == [
        ("EX-2024-001", "conditional", "approve"),  # tax floor 25 → 20: its 23.33 万元/亩 passes again
        ("SYN-ZHAIWU-RENOV-LOW", "approve", "conditional"),  # HS-LAND-001 fails and is now required
    ]
    n = len(list(EXAMPLES.glob("*.toml")))
    assert (r.summary.items, r.summary.projects, r.summary.errors) == (n, n, 0)
    assert (r.summary.flipped, r.summary.unchanged) == (2, n - 2)
    assert r.unchanged == ()  # counted, not listed
    assert [(t.old, t.new, t.count) for t in r.summary.transitions] == [
        (Verdict.APPROVE, Verdict.CONDITIONAL, 1),
        (Verdict.CONDITIONAL, Verdict.APPROVE, 1),
    ]


def test_a_flip_names_the_rules_and_thresholds_responsible(two_packs: ImpactReport) -> None:
    pv, zhaiwu = two_packs.flips
    assert pv.project.source == str(PV)
    [rule] = pv.rules
    assert (rule.rule_id, rule.old_outcome, rule.new_outcome) == ("JM-TAX-001", Outcome.FAIL, Outcome.PASS)
    assert rule.old_severity is rule.new_severity is Severity.REQUIRED
    [th] = rule.thresholds
    assert (th.name, th.old, th.new, th.unit) == ("min_tax_per_mu", 25.0, 20.0, "万元/亩")
    assert th.actual == pytest.approx(23.33, abs=0.01)
    assert [(c.field, c.old, c.new) for c in pv.score_lines] == [("approve_min", 60.0, 50.0)]
    assert pv.old_score == pv.new_score == pytest.approx(93.33, abs=0.01)
    [rule] = zhaiwu.rules  # the severity changed, not the outcome: it is still named
    assert (rule.rule_id, rule.old_outcome, rule.new_outcome) == ("HS-LAND-001", Outcome.FAIL, Outcome.FAIL)
    assert (rule.old_severity, rule.new_severity) == (Severity.ADVISORY, Severity.REQUIRED)


def test_counts_per_rule(two_packs: ImpactReport) -> None:
    # every example on new land with 20 ≤ tax per mu < 25 passes JM-TAX-001 again, whatever its verdict
    [count] = two_packs.rules
    assert (count.rule_id, count.newly_fails, count.newly_passes, count.other_changes) == ("JM-TAX-001", 0, 6, 0)


def test_the_what_if_pack_in_examples(tmp_path: Path) -> None:
    r = run_impact("heshan", WHAT_IF, [str(EXAMPLES)], keep_unchanged=True)
    assert ids(r.flips) == [("EX-2024-001", "approve", "conditional")]
    assert len(r.unchanged) == r.summary.unchanged == r.summary.projects - 1
    failing = {c.project.id for c in (*r.flips, *r.unchanged) if any(x.rule_id == "JM-TAX-001" for x in c.rules)}
    assert len(failing) == 6  # the others are rejected or conditional for other reasons already
    assert r.scores.changed == 0  # the score's own tax indicator (15/25) is not the threshold
    [th] = r.pack_diff.thresholds
    assert th.name == "min_tax_per_mu"
    assert [(v.effective_from, v.old, v.new) for v in th.values] == [(date(2014, 1, 6), 20.0, 25.0)]
    assert {c.field for c in th.values[0].citation} >= {"citation.title", "citation.clause"}
    assert [n.code for n in r.notices] == ["pack_not_shipped"]


# --- one pack at two dates ---------------------------------------------------------------------------------------


def test_one_pack_at_two_dates(tmp_path: Path) -> None:
    body = f"""
[thresholds.min_tax_per_mu]
title = {{ zh = "亩均税收下限", en = "Minimum tax per mu" }}
unit = "万元/亩"
{CITE}

[[thresholds.min_tax_per_mu.values]]
value = "20 万元/亩"
effective_from = 2014-01-06
effective_until = 2025-12-31

[[thresholds.min_tax_per_mu.values]]
value = "25 万元/亩"
effective_from = 2026-01-01
"""
    pack = write_pack(tmp_path, "t-dated", body)
    r = run_impact(pack, pack, [str(PV)], old_as_of=date(2025, 6, 1), new_as_of=date(2026, 6, 1))
    assert ids(r.flips) == [("EX-2024-001", "approve", "conditional")]
    [rule] = r.flips[0].rules
    assert [(t.name, t.old, t.new) for t in rule.thresholds] == [("min_tax_per_mu", 20.0, 25.0)]
    d = r.pack_diff
    assert (d.rules, d.thresholds, d.tables, d.sets, d.sections) == ((), (), (), (), ())  # one pack
    assert d.in_force is not None
    assert (d.in_force.old_as_of, d.in_force.new_as_of) == (date(2025, 6, 1), date(2026, 6, 1))
    assert [(c.field, c.old, c.new) for c in d.in_force.thresholds] == [("min_tax_per_mu", 20.0, 25.0)]
    assert d.in_force.units == {"min_tax_per_mu": "万元/亩"}
    assert (d.old.as_of, d.new.as_of) == (date(2025, 6, 1), date(2026, 6, 1))


# --- the pack-to-pack diff ---------------------------------------------------------------------------------------

RULE = """
[[rules]]
id = "{id}"
title = {{ zh = "测试规则", en = "Test rule" }}
severity = "advisory"
applies_if = "land_area > 0[亩]"
require = "tax_per_mu >= 1[万元/亩]"
{cite}
"""


def test_pack_to_pack_diff(tmp_path: Path) -> None:
    jm_tax = (ROOT / "rules" / "jiangmen.toml").read_text(encoding="utf-8")
    start = jm_tax.index('id = "JM-TAX-001"')
    rule = jm_tax[start : jm_tax.index("\n", jm_tax.index("tags = ", start))]
    renumbered = rule.replace(
        'clause = "新增建设用地亩均年税收"', 'number = "测试〔2026〕1号", clause = "新增建设用地亩均年税收"'
    )
    assert renumbered != rule
    table = '\n[tables.t_fit]\nunit = ""\nrows = {{ {rows} }}\n{cite}\n'
    a_set = "\n[sets.t_set]\nmembers = [{members}]\n{cite}\n"
    old = write_pack(
        tmp_path,
        "t-a",
        RULE.format(id="T-GONE", cite=CITE)
        + table.format(rows="C3825 = 1, C39 = 1", cite=CITE)
        + a_set.format(members='"甲", "乙"', cite=CITE),
    )
    new_body = (
        RULE.format(id="T-ADDED", cite=CITE)
        + table.format(rows="C3825 = 0.5, C39 = 1, C34 = 1", cite=CITE)
        + a_set.format(members='"乙", "丙"', cite=CITE)
        + f"\n[[rules]]\n{renumbered}\nreplaces = true\n"
        + f"""
[thresholds.min_tax_per_mu]
title = {{ zh = "亩均年税收下限（鹤山）", en = "Minimum annual tax per mu (Heshan)" }}
unit = "万元/亩"

[[thresholds.min_tax_per_mu.values]]
value = "22 万元/亩"
effective_from = 2014-01-06
{CITE}
"""
    )
    new = write_pack(tmp_path, "t-b", new_body)
    r = run_impact(old, new, [str(PV)])
    d = r.pack_diff
    # T-ADDED passes for the project; T-GONE passed and is gone; JM-TAX-001 passes on both (23.33 ≥ 20, ≥ 22)
    assert [(c.rule_id, c.newly_fails, c.newly_passes, c.other_changes) for c in r.rules] == [
        ("T-ADDED", 0, 1, 0),
        ("T-GONE", 0, 0, 1),
    ]
    assert [(r.id, r.change) for r in d.rules] == [
        ("JM-TAX-001", "changed"),
        ("T-ADDED", "added"),
        ("T-GONE", "removed"),
    ]
    jm = d.rules[0]
    assert jm.fields == ()  # only its citation changed
    assert [(c.field, c.old, c.new) for c in jm.citation] == [("citation.number", None, "测试〔2026〕1号")]
    assert jm.pack_id == "t-b"
    [th] = d.thresholds
    assert (th.name, th.change, th.unit) == ("min_tax_per_mu", "changed", "万元/亩")
    [v] = th.values
    assert (v.effective_from, v.old, v.new) == (date(2014, 1, 6), 20.0, 22.0)
    assert ("citation.title", "江门市人民政府关于进一步提升节约集约用地水平的实施意见（征求意见稿）", "测试用文件") in [
        (c.field, c.old, c.new) for c in v.citation
    ]
    [t] = d.tables
    assert [(c.field, c.old, c.new) for c in t.rows] == [("C34", None, 1.0), ("C3825", 1.0, 0.5)]
    [s] = d.sets
    assert (s.added, s.removed) == (("丙",), ("甲",))
    assert not d.empty


def test_a_unit_rewritten_is_no_value_change(tmp_path: Path) -> None:
    heshan = (ROOT / "rules" / "heshan.toml").read_text(encoding="utf-8")
    title = heshan[heshan.index("title = ", heshan.index("[thresholds.min_tax_per_mu]")) :].split("\n")[0]
    body = f"""
[thresholds.min_tax_per_mu]
{title}
unit = "元/亩"

[[thresholds.min_tax_per_mu.values]]
value = "200000 元/亩"
effective_from = 2014-01-06
"""
    cite = heshan[heshan.index("citation = ", heshan.index("[[thresholds.min_tax_per_mu.values]]")) :].split("\n")[0]
    pack = write_pack(tmp_path, "t-yuan", body + cite + "\n")
    r = run_impact("heshan", pack, [str(PV)])
    assert r.flips == ()
    [th] = r.pack_diff.thresholds
    assert [(c.field, c.old, c.new) for c in th.fields] == [("unit", "万元/亩", "元/亩")]
    assert th.values == ()  # 20 万元/亩 == 200000 元/亩


def test_an_unchanged_portfolio_has_no_flips() -> None:
    r = run_impact("heshan", "heshan", [str(EXAMPLES)])
    assert r.flips == ()
    assert r.rules == ()
    assert r.errors == ()
    assert r.summary.unchanged == r.summary.projects == r.summary.items
    assert r.pack_diff.empty
    assert r.scores.changed == 0
    assert "没有项目的结论发生变化" in impact_text(r, "zh")
    assert "No decision flips." in impact_text(r, "en")


# --- bad items, outputs ------------------------------------------------------------------------------------------


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    d = tmp_path / "projects"
    d.mkdir()
    shutil.copy(PV, d / "pv.toml")
    (d / "broken.toml").write_text('id = "BAD-1"\nname = "坏项目"\nland_area = 180\n', encoding="utf-8")
    return d


def test_a_bad_item_is_reported_not_dropped(portfolio: Path) -> None:
    r = run_impact("heshan", WHAT_IF, [str(portfolio)])
    assert (r.summary.items, r.summary.projects, r.summary.errors) == (2, 1, 1)
    [err] = r.errors
    assert err.source == str(portfolio / "broken.toml")
    assert any(p.field == "land_area" for p in err.errors)
    assert ids(r.flips) == [("EX-2024-001", "approve", "conditional")]  # the good one is still compared
    assert "broken.toml" in impact_text(r, "en")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "heshan_vetting", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        check=False,
    )


def test_cli_bad_item_exits_2_after_the_report(portfolio: Path) -> None:
    p = run("diff", "heshan", str(WHAT_IF), "--projects", str(portfolio), "--format", "json", "-q")
    assert p.returncode == 2, p.stderr
    data = json.loads(p.stdout)
    assert data["summary"]["errors"] == 1
    assert data["summary"]["flipped"] == 1
    assert "error / 错误" in p.stderr
    assert "broken.toml" in p.stderr


def test_output_never_overwrites_an_input(portfolio: Path, tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "t-guard", tax_floor("25 万元/亩"))
    for target in (portfolio / "pv.toml", pack):
        before = target.read_bytes()
        p = run("diff", "heshan", str(pack), "--projects", str(portfolio), "-o", str(target))
        assert p.returncode == 2, p.stderr
        assert "--output" in p.stderr
        assert target.read_bytes() == before
    out = tmp_path / "impact.html"
    p = run("diff", "heshan", str(pack), "--projects", str(portfolio / "pv.toml"), "--format", "html", "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- formats -----------------------------------------------------------------------------------------------------


def test_json_validates_against_the_published_schema(two_packs: ImpactReport) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "schemas" / "impact.schema.json").read_text(encoding="utf-8"))
    data = json.loads(two_packs.to_json())
    assert data["schema"] == IMPACT_SCHEMA
    cls = jsonschema.Draft202012Validator
    errors = list(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(data))
    assert errors == []
    assert ImpactReport.model_validate(data) == two_packs  # the JSON reads back to the same report
    broken = {**data, "schema": "heshan-vetting/impact/v0"}
    assert list(cls(schema).iter_errors(broken)) != []


class _Tags(HTMLParser):
    VOID = frozenset({"meta", "br", "link", "img", "hr", "input", "col"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.extend(attrs)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def test_html_is_well_formed_escaped_and_self_contained(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.toml"
    hostile.write_text(
        PV.read_text(encoding="utf-8").replace('name = "示例光伏组件生产基地项目"', 'name = "<script>x</script>&甲"'),
        encoding="utf-8",
    )
    r = run_impact("heshan", WHAT_IF, [str(hostile)])
    assert ids(r.flips) == [("EX-2024-001", "approve", "conditional")]
    for lang in ("zh", "en"):
        page = impact_html(r, lang)
        parser = _Tags()
        parser.feed(page)
        parser.close()
        assert parser.problems == []
        assert parser.stack == []
        assert "script" not in parser.tags
        assert "&lt;script&gt;x&lt;/script&gt;&amp;甲" in page
        assert not [a for a in parser.attrs if a[0] in ("src", "href") and a[1] and "//" in a[1]]
        assert "@media print" in page
        assert "min_tax_per_mu" in page
        assert "JM-TAX-001" in page


def test_text_is_bilingual_and_within_the_width(two_packs: ImpactReport) -> None:
    from heshan_vetting.builtins.render.layout import display_width

    zh, en = impact_text(two_packs, "zh"), impact_text(two_packs, "en")
    assert "结论变化的项目：2" in zh
    assert "有条件准入 → ✓ 准予准入" in zh
    assert "Decisions that flip: 2" in en
    assert "conditional → ✓ approve" in en
    assert "25 万元/亩 → 20 万元/亩" in " ".join(en.split())
    for text in (zh, en):
        assert max(display_width(line) for line in text.splitlines()) <= WIDTH


# --- the command line, each exit code ----------------------------------------------------------------------------


def test_cli_exit_0_and_1() -> None:
    p = run("diff", "heshan", str(WHAT_IF), "--projects", str(EXAMPLES), "--lang", "en")
    assert p.returncode == 0, p.stderr
    assert "EX-2024-001" in p.stdout
    assert "min_tax_per_mu" in p.stdout
    assert "not shipped" in p.stderr  # the what-if pack is said to be a file of one's own
    p = run("diff", "heshan", str(WHAT_IF), "--projects", str(PV), "--fail-on-flip", "-q")
    assert p.returncode == 1, p.stderr
    assert p.stderr == ""
    p = run("diff", "heshan", "heshan", "--projects", str(PV), "--fail-on-flip", "--jobs", "2", "--format", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["summary"]["flipped"] == 0


def test_cli_jobs_give_the_same_report() -> None:
    one = run("diff", "heshan", str(WHAT_IF), "--projects", str(EXAMPLES), "--format", "json", "-q")
    two = run("diff", "heshan", str(WHAT_IF), "--projects", str(EXAMPLES), "--format", "json", "-q", "-j", "2")
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout


def test_cli_one_pack_needs_two_dates() -> None:
    p = run("diff", "heshan", "--projects", str(PV))
    assert p.returncode == 2
    assert "--old-as-of" in p.stderr
    p = run("diff", "heshan", "--projects", str(PV), "--old-as-of", "2024-01-01", "--new-as-of", "2026-06-01", "-q")
    assert p.returncode == 0, p.stderr


def test_cli_bad_pack_exits_2(tmp_path: Path) -> None:
    bad = write_pack(tmp_path, "t-bad", '\n[thresholds.min_tax_per_mu]\ntitle = { zh = "x", en = "x" }\nvalue = 5\n')
    p = run("diff", "heshan", str(bad), "--projects", str(PV))
    assert p.returncode == 2
    assert "t-bad.toml" in p.stderr
    assert "citation" in p.stderr
    p = run("diff", "heshan", "no-such-pack", "--projects", str(PV))
    assert p.returncode == 2
    assert p.stdout == ""


def test_cli_internal_error_exits_3() -> None:
    code = (
        "import sys\n"
        "import heshan_vetting.impact as impact\n"
        "def boom(item):\n    raise RuntimeError('boom')\n"
        "impact.outcomes = boom\n"
        "from heshan_vetting.cli import main\n"
        f"sys.exit(main(['diff', 'heshan', 'heshan', '--projects', {str(PV)!r}]))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", check=False)
    assert p.returncode == 3
    assert "internal error" in p.stderr
    assert "Traceback" not in p.stderr


def test_cli_schema_impact() -> None:
    p = run("schema", "impact")
    assert p.returncode == 0
    assert json.loads(p.stdout)["properties"]["schema"]["const"] == IMPACT_SCHEMA


def test_a_json_lines_portfolio_pairs_rows_and_keeps_bad_rows(tmp_path: Path) -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    row = tomllib.loads(PV.read_text(encoding="utf-8"))
    good = json.dumps(row, ensure_ascii=False, default=str)
    other = json.dumps({**row, "id": "EX-ROW-3", "annual_tax": "9000 万元"}, ensure_ascii=False, default=str)
    register = tmp_path / "register.jsonl"
    register.write_text(f'{good}\n{{"id": "BAD-2", "name": "坏行", "land_area": "x 亩"}}\n{other}\n', encoding="utf-8")
    r = run_impact("heshan", WHAT_IF, [str(register)], keep_unchanged=True, jobs=2)
    assert ids(r.flips) == [("EX-2024-001", "approve", "conditional")]
    assert r.flips[0].project.line == 1
    assert [(c.project.id, c.project.line) for c in r.unchanged] == [("EX-ROW-3", 3)]  # 9000/180 = 50 万元/亩
    [err] = r.errors
    assert (err.source, err.line, err.project_id) == (str(register), 2, "BAD-2")


def test_waivers_apply_on_both_sides_and_a_lapsed_waiver_is_named(tmp_path: Path) -> None:
    waivers = ROOT / "examples" / "waivers" / "heshan-waivers.toml"
    glass = EXAMPLES / "synthetic-pv-glass-with-hearing.toml"
    r = run_impact(
        "heshan",
        "heshan",
        [str(glass)],
        old_as_of=date(2026, 12, 1),
        new_as_of=date(2027, 6, 1),  # after the waiver's expiry (2027-02-28)
        waivers=waivers,
        keep_unchanged=True,
    )
    assert r.flips == ()  # the project's own cited ground keeps it conditional
    [change] = r.unchanged
    [rule] = change.rules
    assert (rule.rule_id, rule.old_outcome, rule.new_outcome) == ("HS-2H-001", Outcome.FAIL, Outcome.FAIL)
    assert (rule.old_waiver, rule.new_waiver) == ("applied", "claimed")
    assert "fail [waived] → fail [waiver claimed]" in impact_text(r, "en")
    before = waivers.read_bytes()
    p = run("diff", "heshan", "heshan", "--projects", str(glass), "--waivers", str(waivers), "-o", str(waivers))
    assert p.returncode == 2
    assert waivers.read_bytes() == before
