"""``evaluate --format html``: one self-contained, escaped page with the method, the local-defaults statement,
class shares, a distribution chart per group and indicator (benchmark marked), the low-efficiency list with its
land, the agreements and every enterprise."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from heshan_vetting.permu.command import evaluate
from heshan_vetting.permu.html import BINS, histogram, render_html
from heshan_vetting.permu.results import EvaluationResult

ROOT = Path(__file__).resolve().parents[1]
REGISTER = ROOT / "examples" / "registers" / "synthetic-2025.csv"
AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="module")
def result() -> EvaluationResult:
    found, _ = evaluate(REGISTER, as_of=AS_OF)
    return found


def test_histogram_bars_against_hand_counts() -> None:
    # 95th percentile of [0, 1, 2, 3, 100]: position 3.8 → 3 + 0.8 × 97 = 80.6; 4 bars of 20.15
    width, counts = histogram([0, 1, 2, 3, 100], bins=4)
    assert width == pytest.approx(20.15)
    assert counts == [4, 0, 0, 1]  # the outlier goes in the last bar, not off the chart
    assert histogram([], bins=3) == (0.0, [0, 0, 0])
    assert histogram([0.0, 0.0], bins=3) == (0.0, [2, 0, 0])
    width, counts = histogram([float(v) for v in range(1, 21)], bins=BINS)
    assert sum(counts) == 20


def test_the_page_has_every_part(result: EvaluationResult) -> None:
    page = render_html(result, "zh")
    assert page.startswith("<!DOCTYPE html>")
    assert "亩均效益评价" in page
    for note in result.notes:  # the local-defaults statement, word for word
        assert html.escape(note.zh, quote=True) in page
    assert "以下数值为地方默认值" in page
    charts = re.findall(r'<svg class="hist".*?</svg>', page, re.S)
    assert len(charts) == sum(len(g.benchmarks) for g in result.groups) == 8
    for g in result.groups:
        for b in g.benchmarks:
            assert b.benchmark is not None
            assert any(f"基准 {_num(b.benchmark)}<" in c and f"{b.title.zh} · {g.title.zh}" in c for c in charts)
    low = result.low_efficiency
    assert low is not None
    section = page[page.index('id="low-efficiency"') : page.index('id="agreements"')]
    assert all(eid in section for eid in low.enterprises)
    assert f"<b>{len(low.enterprises)}</b>" in section
    assert "213.5" in section  # the land involved, in 亩
    agreements = page[page.index('id="agreements"') : page.index('id="enterprises"')]
    assert agreements.count("<tr><td><code>") == sum(len(e.commitments) for e in result.enterprises) == 15
    assert "支持自我提升的企业与属地镇(街)、管委会签订监管协议。" in agreements
    table = page[page.index('id="enterprises"') :]
    assert table.count("<tr><td><code>") == len(result.enterprises) == 302
    for g in result.groups:  # class shares per group
        for c in g.classes:
            if c.count:
                assert f'title="{c.class_} {c.count}"' in page


def _num(value: float) -> str:
    text = f"{value:.4g}" if abs(value) < 1 else f"{value:.2f}".rstrip("0").rstrip(".")
    return text


def test_the_page_fetches_nothing_and_runs_nothing(result: EvaluationResult) -> None:
    for lang in ("zh", "en"):
        page = render_html(result, lang)
        assert re.search(r"<script|\bsrc=|\bhref=|url\(|@import|<link|<img|<iframe", page, re.I) is None


def test_user_text_is_escaped(tmp_path: Path) -> None:
    lines = REGISTER.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("示例企业001（虚构）", '"<script>alert(1)</script>&<b>"')
    path = tmp_path / "register.csv"
    path.write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    found, _ = evaluate(path, as_of=AS_OF)
    page = render_html(found, "en")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&lt;b&gt;" in page


def test_the_cli_writes_the_page_and_refuses_an_unknown_format(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    out = tmp_path / "evaluation.html"
    args = [sys.executable, "-m", "heshan_vetting", "evaluate", str(REGISTER), "--as-of", AS_OF.isoformat()]
    done = subprocess.run([*args, "--format", "html", "-o", str(out), "--lang", "en"], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith('<!DOCTYPE html>\n<html lang="en">')
    done = subprocess.run([*args, "--format", "pdf"], env=env, capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 2
    assert "pdf" in done.stderr
    assert "html" in done.stderr


SAMPLE = ROOT / "docs" / "evaluation-sample.html"
UPDATE = os.environ.get("HESHAN_UPDATE_GOLDEN", "") not in ("", "0")


def test_the_sample_page_in_the_docs_is_the_synthetic_registers(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/evaluation-sample.html is ``evaluate examples/registers/synthetic-2025.csv --as-of 2026-06-30 --format
    html`` run from the repository's root (regenerate: HESHAN_UPDATE_GOLDEN=1 pytest tests/test_permu_html.py)."""
    monkeypatch.chdir(ROOT)
    found, _ = evaluate(Path("examples/registers/synthetic-2025.csv"), as_of=AS_OF)
    page = render_html(found, "zh")
    if UPDATE:
        SAMPLE.write_text(page, encoding="utf-8", newline="\n")
    assert SAMPLE.read_text(encoding="utf-8") == page, (
        "docs/evaluation-sample.html is stale: HESHAN_UPDATE_GOLDEN=1 python -m pytest tests/test_permu_html.py"
    )
