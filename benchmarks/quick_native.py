"""Quick native-path timing: check(Project), check(dict), Report.to_json() and text rendering over the examples.

Interleaved rounds in one process (fair on a shared machine); prints per-project medians and ratios to a check.
``--profile WHAT`` (check, dict, json, text) prints a cProfile of that step instead. ``--cold`` times a cold
``check`` of one file against ``python -c "import pint"`` (best of 10, subprocess).

    python benchmarks/quick_native.py [--rounds 15] [--profile check] [--cold]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import subprocess
import sys
import time
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


def _cold(n: int = 10) -> None:
    def best(cmd: list[str]) -> float:
        times = []
        for _ in range(n):
            t = time.perf_counter()
            subprocess.run(cmd, check=False, capture_output=True)
            times.append(time.perf_counter() - t)
        return min(times)

    target = str(ROOT / "examples" / "projects" / "pv-module-plant.toml")
    pint = [sys.executable, "-c", "import pint"]
    check = [sys.executable, "-m", "heshan_vetting", "check", target]
    a = b = float("inf")
    for _ in range(2):  # interleave the two
        a = min(a, best(pint))
        b = min(b, best(check))
    print(f"cold: import pint {a * 1000:.0f} ms, check {b * 1000:.0f} ms, ratio {b / a:.2f}x")


def main() -> None:
    """Run the timing (or the profile)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--profile", choices=["check", "dict", "json", "text"])
    ap.add_argument("--cold", action="store_true")
    args = ap.parse_args()
    if args.cold:
        _cold()
        return
    from heshan_vetting import Vetter

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
    for _ in range(args.rounds):
        for name, fn in steps.items():
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) / len(projects))
    base = statistics.median(times["check"])
    print(f"{len(projects)} projects, {args.rounds} interleaved rounds (median per project)")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:6} {med * 1e6:9.0f} us   {med / base:5.2f}x check(Project)")


if __name__ == "__main__":
    main()
