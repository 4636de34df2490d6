"""Before/after of the JSON writing of two source trees in ONE process: ``Report.to_json()`` and the JSON Lines
line (``model_json_line``), each against ``check(Project)`` of the same tree, on the benchmark pack or the shipped
one.

Both trees are imported into the same interpreter (as ``compare_inprocess.py`` does), the same seeded projects
are checked by both, their JSON and JSON Lines texts are compared (a difference stops the run), then each step
runs in interleaved rounds (order shuffled each round), timed by CPU time (``time.process_time``). Medians per
project and the ratios of target 2b.

    python benchmarks/compare_json.py BEFORE_SRC [--after SRC] [--pack bench|heshan] [--n 150] [--rounds 9]
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
import workload  # noqa: E402


def _load(tree: str, dicts: list[dict[str, Any]], pack: str) -> tuple[Any, list[Any], list[Any], Any]:
    for name in [k for k in sys.modules if k == "heshan_vetting" or k.startswith("heshan_vetting.")]:
        del sys.modules[name]
    sys.path.insert(0, tree)
    try:
        hv = importlib.import_module("heshan_vetting")
        report = importlib.import_module("heshan_vetting.report")
    finally:
        sys.path.pop(0)
    vetter = hv.Vetter(str(HERE / "bench_pack.toml"), autoload=False) if pack == "bench" else hv.Vetter(autoload=False)
    projects = [vetter.project(d) for d in dicts]
    return vetter, projects, [vetter.check(p) for p in projects], report.model_json_line


def main() -> None:
    """Time both trees and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("before")
    ap.add_argument("--after", default=str(HERE.parent / "src"))
    ap.add_argument("--pack", choices=["bench", "heshan"], default="bench")
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    if args.pack == "bench":
        dicts = [workload.as_dict(p) for p in workload.projects(args.n, args.seed)]
    else:
        dicts = run.heshan_workload(args.n, args.seed)
    sides = {"before": _load(args.before, dicts, args.pack), "after": _load(args.after, dicts, args.pack)}
    (_, _, old, old_line), (_, _, new, new_line) = sides["before"], sides["after"]
    for a, b in zip(old, new, strict=True):
        if a.to_json() != b.to_json() or old_line(a) != new_line(b):
            raise SystemExit(f"JSON DIFFERS for {a.project.id}")
    steps: dict[tuple[str, str], Callable[[], object]] = {}
    for side, (vetter, projects, reports, line) in sides.items():
        steps[(side, "check")] = lambda v=vetter, ps=projects: [v.check(p) for p in ps]
        steps[(side, "to_json")] = lambda rs=reports: [r.to_json() for r in rs]
        steps[(side, "line")] = lambda rs=reports, f=line: [f(r) for r in rs]
    times: dict[tuple[str, str], list[float]] = {k: [] for k in steps}
    order = list(steps)
    rng = random.Random(1)
    for _ in range(args.rounds):
        rng.shuffle(order)
        for key in order:
            t = time.process_time()
            steps[key]()
            times[key].append((time.process_time() - t) / args.n)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.pack} pack, {args.n} projects, {args.rounds} interleaved rounds, CPU time (median µs a project)")
    print(f"  {'step':8} {'before':>8} {'after':>8} {'a/b':>6} {'xchk b':>7} {'xchk a':>7}")
    for k in ("check", "to_json", "line"):
        b, a = med[("before", k)], med[("after", k)]
        cb, ca = med[("before", "check")], med[("after", "check")]
        print(f"  {k:8} {b * 1e6:8.0f} {a * 1e6:8.0f} {a / b:6.2f} {b / cb:7.2f} {a / ca:7.2f}")


if __name__ == "__main__":
    main()
