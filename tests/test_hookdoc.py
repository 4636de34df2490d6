"""The hook reference and the plugin guide stay true to the hook specs."""

from __future__ import annotations

import inspect
import re
import types
from pathlib import Path

from heshan_vetting import Outcome, Verdict, Vetter, hookspecs
from heshan_vetting.hookdoc import hook_docs, hook_reference
from heshan_vetting.plugins import HOOK_NAMES

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_hooks_md_is_generated_from_the_specs() -> None:
    assert (DOCS / "hooks.md").read_text(encoding="utf-8") == hook_reference(), (
        "docs/hooks.md is stale: python -m heshan_vetting.hookdoc > docs/hooks.md"
    )


def test_every_hook_is_documented_with_its_exact_arguments() -> None:
    docs = {d.name: d for d in hook_docs()}
    assert set(docs) == set(HOOK_NAMES)
    for d in docs.values():
        assert d.summary, f"{d.name}: no summary"
        assert d.when, f"{d.name}: no 'When:' paragraph"
        assert d.results, f"{d.name}: no 'Results:' paragraph"
        assert tuple(d.params) == d.spec_params, f"{d.name}: documents {tuple(d.params)}, spec has {d.spec_params}"
        returns_none = inspect.signature(getattr(hookspecs, d.name)).return_annotation in ("None", None)
        assert bool(d.returns) != returns_none, f"{d.name}: ':return:' must be documented unless it returns None"


def test_firstresult_hooks_say_so() -> None:
    for d in hook_docs():
        assert d.firstresult == ("first non-" in d.results), d.name


def test_the_plugin_guide_names_every_hook() -> None:
    guide = (DOCS / "plugins.md").read_text(encoding="utf-8")
    for name in HOOK_NAMES:
        assert f"`{name}`" in guide, f"docs/plugins.md does not mention {name}"


def _smallest_plugin() -> types.ModuleType:
    guide = (DOCS / "plugins.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- example: smallest-plugin.*?-->\n```python\n(.*?)```", guide, re.S)
    assert m, "the smallest-plugin example block is missing from docs/plugins.md"
    module = types.ModuleType("heshan_vetting_applicant")
    exec(compile(m.group(1), "docs/plugins.md", "exec"), module.__dict__)
    return module


def test_the_smallest_plugin_in_the_guide_works() -> None:
    plugin = _smallest_plugin()
    vetter = Vetter(plugins=[plugin], autoload=False)
    report = vetter.check({"id": "P1", "name": "测试项目"})
    finding = next(f for f in report.findings if f.rule_id == "applicant.named")
    assert finding.outcome is Outcome.INSUFFICIENT_DATA
    assert finding.pack_id == "plugin:applicant"
    assert "applicant" in report.missing_fields
    assert report.verdict is not Verdict.APPROVE
    named = vetter.check({"id": "P1", "name": "测试项目", "applicant": "某公司"})
    assert next(f for f in named.findings if f.rule_id == "applicant.named").outcome is Outcome.PASS
    assert "applicant" in {p.name for p in report.provenance.plugins}
