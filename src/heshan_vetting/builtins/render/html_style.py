"""The HTML report's style sheet: screen and A4 print, inline in every report (no fonts or files fetched)."""

from __future__ import annotations

__all__ = ["CSS"]

# Colour only decorates: every verdict, outcome and mark is also a word or a symbol, so the report reads the
# same printed in black and white (browsers drop backgrounds when printing unless told otherwise).
CSS = """
:root {
  --ink: #1a1a1a; --muted: #555; --rule: #bbb; --soft: #f4f4f2;
  --approve: #1e6b34; --approve-bg: #e3f2e6;
  --conditional: #8a5a00; --conditional-bg: #fdf1d8;
  --deferred: #1f4e8c; --deferred-bg: #e3ecf8;
  --reject: #a01b1b; --reject-bg: #fbe4e4;
  --error: #5a1f6e; --error-bg: #efe3f4;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0 auto; max-width: 62rem; padding: 1.5rem 1.25rem 3rem; color: var(--ink); background: #fff;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei",
    "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.55;
}
h1 { font-size: 1.45rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: .2rem 0 .4rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; padding-bottom: .15rem; border-bottom: 1px solid var(--rule); }
p { margin: .35rem 0; }
ul { margin: .3rem 0; padding-left: 1.3rem; }
li { margin: .2rem 0; }
code, .id { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .86em; overflow-wrap: anywhere; }
.doc-head { border-bottom: 2px solid var(--ink); margin-bottom: 1rem; padding-bottom: .4rem; }
.doc-head p { color: var(--muted); margin: 0; }
main > section + section { break-before: page; page-break-before: always; margin-top: 2.5rem; }
.banner { border: 2px solid currentColor; border-left-width: .6rem; padding: .7rem 1rem; margin: 0 0 1rem; }
.banner .verdict { font-size: 1.5rem; font-weight: 700; margin: 0; }
.banner .name { color: var(--ink); }
.banner dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .4rem 0 0;
  color: var(--ink); }
.banner dt { color: var(--muted); }
.banner dd { margin: 0; overflow-wrap: anywhere; }
.v-approve .banner { color: var(--approve); background: var(--approve-bg); }
.v-conditional .banner { color: var(--conditional); background: var(--conditional-bg); }
.v-deferred .banner { color: var(--deferred); background: var(--deferred-bg); }
.v-reject .banner { color: var(--reject); background: var(--reject-bg); }
.v-error .banner { color: var(--error); background: var(--error-bg); }
.flag { display: inline-block; border: 1px solid currentColor; padding: 0 .35rem; font-size: .85rem;
  font-weight: 700; margin-left: .5rem; vertical-align: middle; }
.box { border: 1px solid var(--rule); padding: .5rem .9rem; margin: .6rem 0; background: var(--soft); }
.box.warn { border-color: var(--conditional); border-left-width: .35rem; }
.box h3 { border: 0; margin: .2rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .8rem; font-size: .9rem; }
th, td { border: 1px solid var(--rule); padding: .3rem .45rem; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
thead th { background: var(--soft); font-weight: 700; }
td.num, th.num { text-align: right; }
tr { break-inside: avoid; page-break-inside: avoid; }
table.findings, table.commitments { table-layout: fixed; }
td .mark { white-space: normal; }
.findings col.c-out { width: 6.2em; } .findings col.c-sev { width: 3.6em; } .findings col.c-rule { width: 8.5em; }
.findings col.c-src { width: 30%; }
.commitments col.c-fig { width: 24%; } .commitments col.c-val { width: 13%; } .commitments col.c-due { width: 15%; }
.o-fail { color: var(--reject); font-weight: 700; }
.o-error { color: var(--error); font-weight: 700; }
.o-insufficient_data { color: var(--deferred); font-weight: 700; }
.o-pass { color: var(--approve); }
.o-not_applicable { color: var(--muted); }
.na-list { color: var(--muted); font-size: .88rem; }
.title { font-weight: 700; }
.cmp { margin: .2rem 0 0; padding-left: 1rem; font-size: .92em; }
.cmp { list-style: none; padding-left: .2rem; }
.mark { display: inline-block; border: 1px dashed currentColor; padding: 0 .3rem; font-size: .82em;
  color: var(--conditional); font-weight: 700; white-space: nowrap; }
.cite { font-size: .92em; }
.muted { color: var(--muted); }
.chart { margin: .3rem 0 .6rem; }
.chart svg { width: 100%; max-width: 46rem; height: auto; display: block; }
.chart text { font-family: inherit; fill: #1a1a1a; }
.chart .track { fill: #fff; stroke: #333; stroke-width: 1; }
.chart .track.none { stroke-dasharray: 4 3; }
.chart .fill { fill: #3b6ea8; }
.chart .fill.total { fill: #1f4e8c; }
.chart .line { stroke: #1a1a1a; stroke-width: 2; stroke-dasharray: 5 3; }
.chart .small { font-size: 11px; fill: #444; }
.provenance { margin-top: 1.6rem; border-top: 1px solid var(--rule); padding-top: .4rem; font-size: .82rem;
  color: var(--muted); }
.provenance p { margin: .1rem 0; overflow-wrap: anywhere; }
.summary table { max-width: 40rem; }
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; color: #000; }
  .banner, .box, thead th, .v-approve .banner, .v-conditional .banner, .v-deferred .banner, .v-reject .banner,
  .v-error .banner { background: none; color: #000; }
  .o-fail, .o-error, .o-insufficient_data, .o-pass, .mark { color: #000; }
  main > section + section { margin-top: 0; }
  thead { display: table-header-group; }
  h3 { break-after: avoid; page-break-after: avoid; }
  .banner, .box, .chart, li { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  th, td { border-color: #777; }
}
"""
