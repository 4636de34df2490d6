"""Render the example reports as HTML and check them in a real headless Chromium (``nox -s browser``).

Not a pytest module (its name does not start with ``test_``): it needs a Chromium, which the nox session
installs from the distribution's packages. Run it by hand with::

    python tests/browser/check_html.py --out build/browser [--chromium /usr/bin/chromium]

For every ``examples/projects/*.toml`` it writes ``NAME.html`` (Chinese), and a batch of all of them in
``batch.zh.html`` and ``batch.en.html``, then, for each page, with Chromium's command line only (no extra
Python package):

- ``--screenshot``: ``NAME.png`` at 1240×1754 (A4 at 150 dpi); the PNG must have that size and not be blank;
- ``--dump-dom`` with ``--enable-logging=stderr``: the page must log nothing to the console (the page has no
  script, so any console message is a failure: a blocked or missing resource, a parse error). The check first
  loads a page that does log an error, to prove it would see one;
- ``--dump-dom`` of a probe copy (the page with a short script added at the end; the report itself has none):
  every verdict banner's text must be the report's verdict in words, displayed, not hidden, with a size on the
  page; and the page must have fetched no resource and refer to no other file or address;
- ``--print-to-pdf`` of the batch: a PDF of A4 pages, more than one page.

The per-mu evaluation page of the synthetic register (``evaluate examples/registers/synthetic-2025.csv
--format html``, ``evaluation.zh.html`` and ``evaluation.en.html``) gets the same checks (it has no verdict
banner; its charts must be drawn, one per group and indicator), and a PDF of A4 pages.

It prints one line per page and exits 1 if any check failed (0 when all passed).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from datetime import date
from pathlib import Path

from heshan_vetting import ReportSet, Vetter
from heshan_vetting.permu.command import evaluate
from heshan_vetting.permu.html import render_html as render_evaluation

ROOT = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT = 1240, 1754
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
A4_POINTS = (595.28, 841.89)

# Reads the rendered page: each verdict banner's text and whether it is shown, the resources fetched and every
# reference to another file or address (only links inside the page, ``#...``, are allowed).
PROBE = """<script>
(function () {
  var out = {verdicts: [], resources: performance.getEntriesByType("resource").map(function (e) { return e.name; })};
  document.querySelectorAll("[src], [href], [srcset], [data], [poster]").forEach(function (el) {
    var ref = el.getAttribute("src") || el.getAttribute("href") || el.getAttribute("srcset") || el.getAttribute("data")
      || el.getAttribute("poster");
    if (ref.charAt(0) !== "#") { out.resources.push(ref); }
  });
  out.charts = Array.prototype.filter.call(document.querySelectorAll("svg.hist"), function (el) {
    var box = el.getBoundingClientRect();
    return box.width > 100 && box.height > 40 && el.querySelectorAll("rect.bar").length > 0;
  }).length;
  document.querySelectorAll(".banner .verdict").forEach(function (el) {
    var style = getComputedStyle(el), box = el.getBoundingClientRect();
    out.verdicts.push({
      text: el.textContent,
      shown: style.display !== "none" && style.visibility === "visible" && parseFloat(style.opacity) > 0
        && box.width > 0 && box.height > 0 && box.right > 0 && box.bottom + window.scrollY > 0,
      color: style.color, background: getComputedStyle(el.parentElement).backgroundColor
    });
  });
  var pre = document.createElement("pre");
  pre.id = "heshan-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""
_PROBE_OUT = re.compile(r'<pre id="heshan-probe">(.*?)</pre>', re.S)
_CONSOLE = re.compile(r"CONSOLE[^\]]*\]\s*(.*)")


def find_chromium(given: str | None) -> str | None:
    """The Chromium to drive: ``given``, else the first of :data:`BROWSERS` on PATH."""
    if given:
        return shutil.which(given) or (given if Path(given).is_file() else None)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """Headless Chromium driven through its command line, one process per call."""

    def __init__(self, binary: str, scratch: Path) -> None:
        self.binary = binary
        self.scratch = scratch

    def run(self, url: str, *flags: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
        """Run Chromium on ``url`` with ``flags`` (a fresh profile each time, so no state carries over)."""
        profile = tempfile.mkdtemp(dir=self.scratch)
        args = [
            self.binary,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *flags,
            url,
        ]
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)

    def screenshot(self, page: Path, png: Path) -> None:
        """A screenshot of ``page`` at :data:`WIDTH` × :data:`HEIGHT`."""
        self.run(page.as_uri(), f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}")

    def console(self, page: Path) -> list[str]:
        """What ``page`` logged to the console while loading (Chromium's log, page messages only)."""
        done = self.run(page.as_uri(), "--enable-logging=stderr", "--v=0", "--dump-dom")
        return [m.group(1) for line in done.stderr.splitlines() if (m := _CONSOLE.search(line))]

    def dom(self, page: Path) -> str:
        """The DOM of ``page`` after it loaded."""
        return self.run(page.as_uri(), "--dump-dom").stdout

    def pdf(self, page: Path, out: Path) -> None:
        """``page`` printed to PDF, without the browser's header and footer."""
        self.run(page.as_uri(), f"--print-to-pdf={out}", "--no-pdf-header-footer")


def png_problems(png: Path) -> list[str]:
    """Why ``png`` is not a screenshot of a loaded page: missing, the wrong size, or one flat colour."""
    if not png.is_file() or png.stat().st_size == 0:
        return [f"no screenshot {png.name}"]
    data = png.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return [f"{png.name} is not a PNG"]
    width, height = struct.unpack(">II", data[16:24])
    if (width, height) != (WIDTH, HEIGHT):
        return [f"{png.name} is {width}×{height}, not {WIDTH}×{HEIGHT}"]
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"IDAT":
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    # a blank page is one colour: its filtered rows hold a handful of distinct bytes; text and anti-aliased
    # edges give nearly all 256
    if len(set(pixels)) < 32:
        return [f"{png.name} is blank (one colour)"]
    return []


def pdf_problems(pdf: Path, min_pages: int) -> list[str]:
    """Why ``pdf`` is not a printout of A4 pages, at least ``min_pages`` of them."""
    if not pdf.is_file() or pdf.stat().st_size == 0:
        return [f"no PDF {pdf.name}"]
    data = pdf.read_bytes()
    if not data.startswith(b"%PDF-"):
        return [f"{pdf.name} is not a PDF"]
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    problems = [] if pages >= min_pages else [f"{pdf.name} has {pages} page(s), expected at least {min_pages}"]
    for box in set(re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)):
        w, h = float(box[0]), float(box[1])
        if abs(w - A4_POINTS[0]) > 2 or abs(h - A4_POINTS[1]) > 2:
            problems.append(f"{pdf.name}: a page is {w:.0f}×{h:.0f} pt, not A4")
    return problems


def page_problems(browser: Browser, page: Path, expected: list[str], png: Path, charts: int = 0) -> list[str]:
    """Every check of one page: screenshot, console, verdicts shown, nothing fetched."""
    browser.screenshot(page, png)
    problems = png_problems(png)
    problems += [f"console: {m}" for m in browser.console(page)]
    probe = page.with_name(page.stem + ".probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "\n</body>"), encoding="utf-8")
    try:
        found = _PROBE_OUT.search(browser.dom(probe))
    finally:
        probe.unlink()
    if found is None:
        return [*problems, "the page did not load (no probe result in the DOM)"]
    result = json.loads(html.unescape(found.group(1)))
    if result["resources"]:
        problems.append(f"the page fetched or refers to {result['resources']}")
    texts = [v["text"] for v in result["verdicts"]]
    if len(texts) != len(expected) or any(want not in got for want, got in zip(expected, texts, strict=False)):
        problems.append(f"verdicts shown {texts}, expected {expected}")
    problems += [f"verdict {v['text']!r} is not visible" for v in result["verdicts"] if not v["shown"]]
    if result["charts"] != charts:
        problems.append(f"{result['charts']} distribution charts drawn, expected {charts}")
    return problems


def render(vetter: Vetter, out: Path) -> list[tuple[Path, list[str]]]:
    """Write each example's page and the batch pages; return each page with the verdict texts it must show."""
    projects = sorted((ROOT / "examples" / "projects").glob("*.toml"))
    pages: list[tuple[Path, list[str]]] = []
    results = ReportSet.collect(vetter.check_many([str(p) for p in projects]))
    for path, item in zip(projects, results.items, strict=True):
        page = out / f"{path.stem}.html"
        page.write_text(vetter.render(ReportSet(items=(item,)), "html"), encoding="utf-8")
        pages.append((page, [item.verdict_text.zh]))
    for lang in ("zh", "en"):
        page = out / f"batch.{lang}.html"
        page.write_text(vetter.render(results, "html", lang=lang), encoding="utf-8")
        pages.append((page, [i.verdict_text.get(lang) for i in results.items]))
    return pages


EVALUATION_REGISTER = ROOT / "examples" / "registers" / "synthetic-2025.csv"


def render_evaluations(out: Path) -> list[tuple[Path, int]]:
    """Write the evaluation page of the synthetic register in both languages; each with the charts it must draw."""
    result, _inputs = evaluate(EVALUATION_REGISTER, as_of=date(2026, 6, 30))
    charts = sum(len(g.benchmarks) for g in result.groups)
    pages = []
    for lang in ("zh", "en"):
        page = out / f"evaluation.{lang}.html"
        page.write_text(render_evaluation(result, lang), encoding="utf-8")
        pages.append((page, charts))
    return pages


def main(argv: list[str] | None = None) -> int:
    """Render, screenshot and check; 0 when every check passed, 1 otherwise, 2 without a Chromium."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "browser", help="folder for pages and PNGs")
    parser.add_argument("--chromium", help="the browser binary (default: chromium or google-chrome on PATH)")
    args = parser.parse_args(argv)
    binary = find_chromium(args.chromium)
    if binary is None:
        print("no Chromium found (chromium, chromium-browser, google-chrome)", file=sys.stderr)
        return 2
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"browser: {binary} ({version}); pages and screenshots in {out}")
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        browser = Browser(binary, Path(scratch))
        canary = out / "console-canary.html"
        canary.write_text('<!DOCTYPE html><script>console.error("heshan canary")</script>', encoding="utf-8")
        if not any("heshan canary" in m for m in browser.console(canary)):
            print("FAIL the console check cannot see a console error (Chromium's logging changed?)")
            failures += 1
        canary.unlink()
        for page, expected in render(Vetter(), out):
            problems = page_problems(browser, page, expected, page.with_suffix(".png"))
            failures += bool(problems)
            shown = ", ".join(expected) if len(expected) == 1 else f"{len(expected)} verdicts shown"
            print(f"{'FAIL' if problems else 'ok  '} {page.name}: {shown}")
            for p in problems:
                print(f"       {p}")
        for page, charts in render_evaluations(out):
            problems = page_problems(browser, page, [], page.with_suffix(".png"), charts)
            failures += bool(problems)
            print(f"{'FAIL' if problems else 'ok  '} {page.name}: {charts} distribution charts")
            for p in problems:
                print(f"       {p}")
        for name in ("batch.zh", "evaluation.zh"):
            pdf = out / f"{name}.pdf"
            browser.pdf(out / f"{name}.html", pdf)
            problems = pdf_problems(pdf, min_pages=2)
            pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes())) if pdf.is_file() else 0
            print(f"{'FAIL' if problems else 'ok  '} {pdf.name}: {pages} A4 pages")
            for p in problems:
                print(f"       {p}")
            failures += bool(problems)
    print(f"{failures} failure(s)" if failures else "all pages passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
