"""Before/after of two source trees in ONE process, on the benchmark pack, against zen-engine.

Both trees are imported into the same interpreter (the ``heshan_vetting`` modules of the first are dropped from
``sys.modules`` before the second is imported; each Vetter keeps its own), the same seeded projects are checked by
both, their reports' JSON is compared (a difference stops the run), and then ``check(Project)``, ``check(dict)``,
``Report.to_json()``, text rendering and ``zen-engine``'s ``evaluate`` run in interleaved rounds (order shuffled
each round). Medians per project, with the ratios the issue's targets use. ``--cpu`` times CPU
(``time.process_time``) instead of the wall clock: steadier on a shared machine.

    python benchmarks/compare_inprocess.py BEFORE_SRC [--after SRC] [--n 150] [--rounds 9] [--cpu]

``BEFORE_SRC`` is a copy of another tree's ``src`` (e.g. ``git archive main src | tar -x -C /tmp/base``).
Needs zen-engine (``pip install "zen-engine>=2.1"``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import workload  # noqa: E402


def _load(tree: str, dicts: list[dict[str, Any]]) -> tuple[Any, list[Any], list[Any], Any]:
    for name in [k for k in sys.modules if k == "heshan_vetting" or k.startswith("heshan_vetting.")]:
        del sys.modules[name]
    sys.path.insert(0, tree)
    try:
        hv = importlib.import_module("heshan_vetting")
        # what forgets the text renderer's kept results: its clear_caches (the wrap cache of older trees)
        clear = getattr(importlib.import_module("heshan_vetting.builtins.render.text"), "clear_caches", None)
        if clear is None:
            wrapped = getattr(importlib.import_module("heshan_vetting.builtins.render.layout"), "_wrapped", None)
            clear = wrapped.cache_clear if wrapped is not None else None
    finally:
        sys.path.pop(0)
    vetter = hv.Vetter(str(HERE / "bench_pack.toml"), autoload=False)
    projects = [vetter.project(d) for d in dicts]
    return vetter, projects, [vetter.check(p) for p in projects], clear


def main() -> None:
    """Time both trees and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("before")
    ap.add_argument("--after", default=str(HERE.parent / "src"))
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--cpu", action="store_true")
    args = ap.parse_args()
    import zen

    clock = time.process_time if args.cpu else time.perf_counter
    plain = workload.projects(args.n, args.seed)
    dicts = [workload.as_dict(p) for p in plain]
    decision = zen.ZenEngine().create_decision(zen.ZenDecisionContent(json.dumps(workload.zen_graph())))
    sides = {"before": _load(args.before, dicts), "after": _load(args.after, dicts)}
    for a, b in zip(sides["before"][2], sides["after"][2], strict=True):
        if a.to_json() != b.to_json():
            raise SystemExit(f"REPORTS DIFFER for {a.project.id}")
    steps: dict[tuple[str, str], Any] = {}
    for side, (vetter, projects, reports, wrapped) in sides.items():

        def check(v: Any = vetter, ps: list[Any] = projects) -> None:
            for p in ps:
                v.check(p)

        def from_dict(v: Any = vetter) -> None:
            for d in dicts:
                v.check(d)

        def to_json(rs: list[Any] = reports) -> None:
            for r in rs:
                r.to_json()

        def text(v: Any = vetter, rs: list[Any] = reports, w: Any = wrapped) -> None:
            if w is not None:
                w()  # each round renders as a fresh process would
            for r in rs:
                v.render(r, "text")

        steps.update({(side, "check"): check, (side, "dict"): from_dict, (side, "json"): to_json,
                      (side, "text"): text})  # fmt: skip

    def zen_step() -> None:
        for p in plain:
            decision.evaluate(p)

    steps[("zen", "zen")] = zen_step
    times: dict[tuple[str, str], list[float]] = {k: [] for k in steps}
    order = list(steps)
    rng = random.Random(1)
    for _ in range(args.rounds):
        rng.shuffle(order)
        for key in order:
            t = clock()
            steps[key]()
            times[key].append((clock() - t) / args.n)
    med = {k: statistics.median(v) for k, v in times.items()}
    z = med[("zen", "zen")]
    how = "CPU" if args.cpu else "wall"
    print(f"{args.n} projects, {args.rounds} interleaved rounds, {how} time; zen-engine {z * 1e6:.0f} us/project")
    print(f"  {'step':6} {'before':>8} {'after':>8} {'a/b':>6} {'xZEN b':>7} {'xZEN a':>7} {'xchk b':>7} {'xchk a':>7}")
    for k in ("check", "dict", "json", "text"):
        b, a = med[("before", k)], med[("after", k)]
        cb, ca = med[("before", "check")], med[("after", "check")]
        cells = f"{b * 1e6:8.0f} {a * 1e6:8.0f} {a / b:6.2f} {b / z:7.2f} {a / z:7.2f} {b / cb:7.2f} {a / ca:7.2f}"
        print(f"  {k:6} {cells}")


if __name__ == "__main__":
    main()
