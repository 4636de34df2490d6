"""The HTML report: golden pages (zh and en), a well-formed self-contained document, escaping, A4 print layout.

The golden pages in ``tests/golden_html`` are rendered with the built-in plugins only (no entry points, so the
installed plugins do not change them) at a fixed as-of date; paths inside the repository are written relative to
it and the library version is replaced by ``VERSION``. After a deliberate change, rewrite them with
``HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_html.py`` and review the diff.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from heshan_vetting import ItemError, Problem, Report, ReportSet, Text, Vetter, __version__

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden_html"
EXAMPLES = ROOT / "examples" / "projects"
UPDATE = os.environ.get("HESHAN_UPDATE_GOLDEN", "") not in ("", "0")
AS_OF = "2024-06-01"

#: The examples of the golden pages, one per verdict kind (see their ``# Verdict:`` / ``# Expected:`` lines).
SINGLE = {
    "approve": "pv-module-plant.toml",
    "reject": "synthetic-chemical-outside-park.toml",
    "deferred": "xinyi-glass-heshan.toml",
}
BATCH = [EXAMPLES / SINGLE["approve"], EXAMPLES / SINGLE["reject"], GOLDEN / "ledger-rows.jsonl"]
VOID = {"meta", "br", "col", "hr", "img", "input", "link", "area", "base", "wbr", "source", "track", "embed"}


@cache
def _vetter() -> Vetter:
    return Vetter(autoload=False)


def _batch() -> ReportSet:
    return ReportSet.collect(_vetter().check_many([str(p) for p in BATCH], as_of=AS_OF))


def _single(kind: str) -> Report:
    return _vetter().check(EXAMPLES / SINGLE[kind], as_of=AS_OF)


def _normalised(text: str) -> str:
    text = text.replace(str(ROOT) + os.sep, "").replace(str(ROOT), ".")
    return text.replace(f"heshan-vetting {__version__}", "heshan-vetting VERSION")


def _compare(golden: Path, text: str) -> None:
    if UPDATE:
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert golden.exists(), f"{golden} is missing: HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_html.py"
    assert golden.read_bytes() == text.encode("utf-8"), (
        f"{golden}: the page changed; if on purpose, HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_html.py"
    )


class _Page(HTMLParser):
    """Checks the nesting of a page and collects its text, tags and attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)
        if tag == "html":
            self.html_lang = dict(attrs).get("lang")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"end tag of void element {tag}")
        elif not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] not in ("style", "title"):
            self.text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", sorted(SINGLE))
def test_the_page_of_an_example_is_byte_identical_to_the_golden_file(kind: str, lang: str) -> None:
    report = _single(kind)
    assert report.verdict.value == kind, "the example no longer has the verdict its golden page is named for"
    _compare(GOLDEN / f"{kind}.{lang}.html", _normalised(_vetter().render(report, "html", lang=lang)))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_of_a_batch_with_an_error_item_is_byte_identical_to_the_golden_file(lang: str) -> None:
    results = _batch()
    assert [type(i).__name__ for i in results.items] == ["Report", "Report", "Report", "ItemError"]
    _compare(GOLDEN / f"batch.{lang}.html", _normalised(_vetter().render(results, "html", lang=lang)))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", [*sorted(SINGLE), "batch"])
def test_the_page_is_well_formed_self_contained_and_shows_the_verdict(kind: str, lang: str) -> None:
    results = _batch() if kind == "batch" else ReportSet(items=(_single(kind),))
    page = _vetter().render(results, "html", lang=lang)
    parsed = _parse(page)
    assert parsed.problems == []
    assert parsed.stack == []
    assert page.startswith("<!DOCTYPE html>\n")
    assert parsed.html_lang == ("en" if lang == "en" else "zh-CN")
    assert '<meta charset="utf-8">' in page
    # nothing is fetched: no script, no linked file, no external address in any attribute or in the CSS
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(parsed.tags)
    external = [(k, v) for k, v in parsed.attrs if k in ("src", "href", "xlink:href", "action") and ":" in v]
    assert external == []
    assert all(v.startswith("#item-") for k, v in parsed.attrs if k == "href")
    assert "http://" not in page
    assert "https://" not in page
    assert "url(" not in page
    assert "@import" not in page
    text = "".join(parsed.text)
    for item in results.items:
        assert item.verdict_text.get(lang) in text
    # one bar per scored indicator, each with a title readable without colour
    for report in results.reports:
        assert report.score is not None
        shown = [i for i in report.score.indicators if i.outcome.value != "not_applicable"]
        for ind in shown:
            assert ind.title.get(lang) in text
    assert parsed.tags.count("svg") == len(results.reports)
    # every finding is on the page: decided ones in the table, the rules that do not apply named below it
    for report in results.reports:
        for finding in report.findings:
            assert finding.rule_id in text
            assert finding.title.get(lang) in text


def test_a_project_name_is_escaped() -> None:
    report = _single("approve")
    hostile = "<script>alert(1)</script>"
    project = report.project.model_copy(update={"name": hostile, "applicant": '"><img src=x onerror=alert(2)>'})
    page = _vetter().render(report.model_copy(update={"project": project}), "html")
    parsed = _parse(page)
    assert "script" not in parsed.tags
    assert "img" not in parsed.tags
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert hostile in "".join(parsed.text)


def test_every_problem_of_an_error_item_is_listed_with_its_place() -> None:
    error = ItemError(
        source="台账.xlsx",
        line=4,
        project_id="HS-2024-004",
        errors=(
            Problem(
                message=Text(zh="行业代码无效。", en="Invalid industry code."),
                file="台账.xlsx",
                line=4,
                field="行业代码",
            ),
            Problem(message=Text(zh="用地面积应为面积。", en="Land area must be an area."), line=4, column=7),
        ),
    )
    for lang in ("zh", "en"):
        page = _vetter().render(ReportSet(items=(error,)), "html", lang=lang)
        text = "".join(_parse(page).text)
        assert error.verdict_text.get(lang) in text
        for problem in error.errors:
            assert problem.message.get(lang) in text
        assert "台账.xlsx" in text
        assert "行业代码" in text
        assert "HS-2024-004" in text
        assert page.count("<tr><td>") == 2  # one row per problem


def test_notices_plugins_not_configured_and_unverified_figures_are_marked() -> None:
    report = _single("approve")
    assert report.unverified_basis, "the example's findings rest on figures not verified"
    extra = {
        "notices": (
            {"code": "pack_not_shipped", "message": {"zh": "规则包不是内置文件。", "en": "A pack is not shipped."}},
        ),
        "not_configured": ({"plugin": "credit", "message": {"zh": "未配置失信名单。", "en": "No list configured."}},),
    }
    marked = Report.model_validate({**report.to_dict(), **extra})
    for lang, words in (
        ("zh", ("规则包不是内置文件。", "未配置失信名单。")),
        ("en", ("A pack is not shipped.", "No list configured.")),
    ):
        text = "".join(_parse(_vetter().render(marked, "html", lang=lang)).text)
        for w in words:
            assert w in text
        # the weakest status of a finding's figures is shown beside its citation
        weak = {f.figure_status for f in report.findings if not f.figure_status.verified}
        for status in weak:
            assert f"⚠ {status.label(lang)}" in text


def test_the_page_is_laid_out_for_a4_printing() -> None:
    page = _vetter().render(_batch(), "html")
    assert "@page { size: A4;" in page
    assert "@media print" in page
    assert "main > section + section { break-before: page; page-break-before: always;" in page
    assert "tr { break-inside: avoid;" in page
    assert "thead { display: table-header-group; }" in page
    parsed = _parse(page)
    assert parsed.tags.count("section") == 1 + 4  # the summary, then one section per item
    assert parsed.tags.count("table") == parsed.tags.count("thead")  # every table repeats its header row


def test_the_summary_of_a_batch_counts_its_verdicts_and_errors() -> None:
    results = _batch()
    page = _vetter().render(results, "html")
    s = results.summary
    assert (s.items, s.reports, s.errors) == (4, 3, 1)
    assert '<section class="summary" id="summary">' in page
    assert f'<tr><td>输入有误</td><td class="num">{s.errors}</td></tr>' in page
    for rule in s.most_failed:
        assert f'<td class="id">{rule.rule_id}</td>' in page
    # a single report has no summary
    assert 'class="summary"' not in _vetter().render(results.reports[0], "html")


def test_check_writes_an_html_file(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    args = ["check", str(EXAMPLES / SINGLE["reject"]), "--format", "html", "--lang", "en", "--output", str(out)]
    done = subprocess.run([sys.executable, "-m", "heshan_vetting", *args], capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr  # a reject fails at the default --fail-on
    page = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "rejected" in "".join(_parse(page).text)


def test_a_failed_comparison_shows_value_threshold_and_gap_in_units() -> None:
    report = _vetter().check(EXAMPLES / "electronics-low-tax.toml", as_of=AS_OF)
    assert report.verdict.value == "conditional"
    zh = _vetter().render(report, "html")
    en = _vetter().render(report, "html", lang="en")
    assert "<li>✗ 需 ≥ 20 万元/亩（新增建设用地亩均年税收下限（鹤山）），现为 13 万元/亩，差 7 万元/亩</li>" in zh
    assert (
        "<li>✗ needs ≥ 20 万元/亩 (Minimum annual tax per mu on new construction land (Heshan)); "
        "has 13 万元/亩; short by 7 万元/亩</li>" in en
    )
    # the rule to fix is listed before the findings, with its explanation
    assert zh.index("需整改事项") < zh.index("JM-TAX-001") < zh.index("逐条评审结果")


def test_a_finding_named_in_unverified_basis_is_marked_even_when_its_status_reads_verified() -> None:
    report = _single("reject")
    verified = next(f for f in report.findings if f.figure_status.verified and f.outcome.value != "not_applicable")
    marked = report.model_copy(update={"unverified_basis": (verified.rule_id,)})
    row = next(r for r in _vetter().render(marked, "html").split("<tr>") if f'"id">{verified.rule_id}<' in r)
    assert "⚠" in row
    plain = next(r for r in _vetter().render(report, "html").split("<tr>") if f'"id">{verified.rule_id}<' in r)
    assert "⚠" not in plain
