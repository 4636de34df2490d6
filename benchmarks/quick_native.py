"""Quick native-path timing: check(Project), check(dict), Report.to_json() and text rendering over the examples.

Interleaved rounds in one process (fair on a shared machine); prints per-project medians and ratios to a check.
``--profile WHAT`` (check, dict, json, text) prints a cProfile of that step instead. ``--cold`` times a cold
``check`` of one file against ``python -c "import pint"`` (best of 10, subprocess).

    python benchmarks/quick_native.py [--rounds 15] [--profile check] [--cold]
    python benchmarks/quick_native.py --compare /tmp/base/src   # before (that source tree) against after

``--compare SRC`` alternates subprocess runs of this script on ``SRC`` (e.g. ``git archive main src``
unpacked somewhere) and on this tree, and prints each step's time after/before (medians over the runs).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomllib

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "projects").glob("*.toml"))


def _dicts() -> list[dict[str, Any]]:
    out = []
    for path in EXAMPLES:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        out.append(data.get("project", data))
    return out


def _env(src: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    return env


def _compare(src: str, runs: int, rounds: int) -> None:
    here = str(ROOT / "src")
    got: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    for _ in range(runs):
        for side, tree in (("before", src), ("after", here)):
            cmd = [sys.executable, __file__, "--rounds", str(rounds), "--emit"]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=_env(tree)).stdout
            for name, value in json.loads(out.splitlines()[-1]).items():
                got[side].setdefault(name, []).append(value)
    print(f"{runs} alternating runs of {rounds} interleaved rounds; per-project medians")
    print(
        f"  {'step':6} {'before us':>10} {'after us':>10} {'after/before':>13} {'xchk before':>12} {'xchk after':>11}"
    )
    cb, ca = statistics.median(got["before"]["check"]), statistics.median(got["after"]["check"])
    for name in got["after"]:
        b, a = statistics.median(got["before"][name]), statistics.median(got["after"][name])
        print(f"  {name:6} {b * 1e6:10.0f} {a * 1e6:10.0f} {a / b:13.2f} {b / cb:12.2f} {a / ca:11.2f}")


def _cold(n: int = 15, src: str | None = None) -> None:
    """Best of ``n`` of each, run in turn (pint, after, before) so that all see the same load."""

    def once(cmd: list[str], tree: str | None = None) -> float:
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=_env(tree))  # a failed run times nothing
        return time.perf_counter() - t

    target = str(ROOT / "examples" / "projects" / "pv-module-plant.toml")
    pint = [sys.executable, "-c", "import pint"]
    check = [sys.executable, "-m", "heshan_vetting", "check", target]
    a = b = c = float("inf")
    for _ in range(n):
        a = min(a, once(pint))
        b = min(b, once(check, str(ROOT / "src")))
        if src:
            c = min(c, once(check, src))
    print(f"cold (best of {n}, in turn): import pint {a * 1000:.0f} ms, check {b * 1000:.0f} ms, ratio {b / a:.2f}x")
    if src:
        print(f"  before ({src}): check {c * 1000:.0f} ms, ratio {c / a:.2f}x")


def _text_cache_clearer() -> Callable[[], None]:
    """What forgets the text renderer's kept results (its ``clear_caches``; the wrap cache of older trees)."""
    text = importlib.import_module("heshan_vetting.builtins.render.text")
    clear = getattr(text, "clear_caches", None)
    if clear is not None:
        return clear  # type: ignore[no-any-return]
    wrapped = getattr(importlib.import_module("heshan_vetting.builtins.render.layout"), "_wrapped", None)
    return wrapped.cache_clear if wrapped is not None else (lambda: None)


def main() -> None:
    """Run the timing (or the profile)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--profile", choices=["check", "dict", "json", "text"])
    ap.add_argument("--cold", action="store_true")
    ap.add_argument("--compare", metavar="SRC")
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--emit", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cold:
        _cold(src=args.compare)
        return
    if args.compare:
        _compare(args.compare, args.runs, args.rounds)
        return
    from heshan_vetting import Vetter

    clear_text_caches = _text_cache_clearer()

    v = Vetter()
    projects = [p for path in EXAMPLES for p in v.load(path)]
    dicts = _dicts()
    reports = [v.check(p) for p in projects]
    for p, d in zip(projects, dicts, strict=True):
        assert v.check(d).verdict == v.check(p).verdict

    def do_check() -> None:
        for p in projects:
            v.check(p)

    def do_dict() -> None:
        for d in dicts:
            v.check(d)

    def do_json() -> None:
        for r in reports:
            r.to_json()

    def do_text() -> None:
        clear_text_caches()  # each round renders the 33 reports as a fresh process would (no earlier rounds)
        for r in reports:
            v.render(r, "text")

    steps = {"check": do_check, "dict": do_dict, "json": do_json, "text": do_text}
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(5):
            steps[args.profile]()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        return
    times: dict[str, list[float]] = {k: [] for k in steps}
    order = list(steps)
    rng = random.Random(1)
    for _ in range(args.rounds):
        rng.shuffle(order)  # no step always runs first (after the others' garbage)
        for name in order:
            fn = steps[name]
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) / len(projects))
    if args.emit:
        print(json.dumps({name: statistics.median(ts) for name, ts in times.items()}))
        return
    base = statistics.median(times["check"])
    print(f"{len(projects)} projects, {args.rounds} interleaved rounds (median per project)")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:6} {med * 1e6:9.0f} us   {med / base:5.2f}x check(Project)")


if __name__ == "__main__":
    main()
