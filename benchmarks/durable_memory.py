"""Memory, threads and speed of the durable engine, measured; prints the figures docs/engines.md quotes.

    python benchmarks/durable_memory.py                 # the full run: 100,000 checks, 8 threads x 2,000, ...
    python benchmarks/durable_memory.py --checks 10000  # shorter

Resident memory (RSS) is read from /proc/self/status, so the memory figures need Linux. Every phase warms up first,
so that what is measured is growth, not the first allocation of pools.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPS_PACK = ROOT / "tests" / "cases" / "18-ops-passing-values" / "pack.toml"


def rss_kb() -> int:
    """Resident set size of this process in KiB (0 where /proc is not available)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def mib(kb: int) -> str:
    return f"{kb / 1024:+.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checks", type=int, default=100_000, help="checks in the memory run (default 100,000)")
    parser.add_argument("--per-thread", type=int, default=2_000, help="checks per thread, 8 threads (default 2,000)")
    parser.add_argument("--vetters", type=int, default=200, help="Vetters built from the same pack (default 200)")
    parser.add_argument("--packs", type=int, default=50, help="packs of distinct content registered (default 50)")
    args = parser.parse_args()

    from heshan_vetting import Vetter
    from heshan_vetting.engines.durable import host as _durable

    reason = _durable.unavailable_reason()
    if reason is not None:
        print(f"durable engine not available: {reason}")
        return 2
    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}; "
          f"durable-rules {_durable.require()}")  # fmt: skip

    durable = Vetter(engine="durable")
    native = Vetter()
    projects = [durable.load(p)[0] for p in sorted((ROOT / "examples" / "projects").glob("*.toml"))]
    plan = durable._decider.plan
    print(f"pack heshan: {len(durable.pack.rules)} rules → {len(plan.definition)} Rete rules on "
          f"{len(plan.buckets)} facts a check; {len(projects)} example projects in turn")  # fmt: skip

    # 1. speed
    for name, v in (("native", native), ("durable", durable)):
        for p in projects:
            v.check(p)
        n = 5_000
        start = time.perf_counter()
        for i in range(n):
            v.check(projects[i % len(projects)])
        print(f"speed   {name:8s}: {(time.perf_counter() - start) / n * 1e6:7.0f} µs a check (full report)")

    # 2. memory over many checks
    for i in range(2_000):
        durable.check(projects[i % len(projects)])
    gc.collect()
    base = rss_kb()
    marks = []
    step = max(1, args.checks // 4)
    start = time.perf_counter()
    for i in range(1, args.checks + 1):
        durable.check(projects[i % len(projects)])
        if i % step == 0:
            marks.append((i, rss_kb() - base))
    took = time.perf_counter() - start
    shown = ", ".join(f"{i:,}: {mib(kb)}" for i, kb in marks)
    print(f"memory  {args.checks:,} checks on one durable Vetter ({took:.0f} s): RSS after {shown}")

    # 3. threads
    def in_threads(v: Vetter) -> tuple[int, float]:
        serial = [v.check(p).to_json() for p in projects]

        def work(k: int) -> int:
            same = 0
            for j in range(args.per_thread):
                i = (k + j) % len(projects)
                same += v.check(projects[i]).to_json() == serial[i]
            return same

        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            same = sum(pool.map(work, range(8)))
        return same, time.perf_counter() - start

    threads_before = threading.active_count()
    same, took = in_threads(durable)
    total = 8 * args.per_thread
    print(f"threads 8 x {args.per_thread:,} checks on one durable Vetter: {same:,} of {total:,} reports identical "
          f"to serial runs, no crash, {took:.1f} s ({took / total * 1e6:.0f} µs a check); durable-rules started "
          f"{threading.active_count() - threads_before} threads")  # fmt: skip
    same, took = in_threads(native)
    print(f"        (the same with the native engine: {same:,} identical, {took:.1f} s, "
          f"{took / total * 1e6:.0f} µs a check)")  # fmt: skip

    # 4. many Vetters of the same pack
    backend = _durable._backend()
    for name, engine in (("native", "native"), ("durable", "durable")):
        for _ in range(20):
            Vetter(engine=engine).check(projects[0])
        gc.collect()
        base, rulesets = rss_kb(), backend.live_rulesets()
        for _ in range(args.vetters):
            Vetter(engine=engine).check(projects[0])
        gc.collect()
        print(
            f"reload  {args.vetters} {name} Vetters of the same pack: RSS {mib(rss_kb() - base)}"
            + (f", registered rulesets {rulesets} → {backend.live_rulesets()}" if engine == "durable" else "")
        )

    # 5. distinct pack content: the one thing that grows
    text = OPS_PACK.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.toml"
        warm.write_text(text.replace('"Solar Cell"', '"Solar Cell warm"'), encoding="utf-8")
        Vetter(warm, engine="durable")
        gc.collect()
        base, rulesets = rss_kb(), backend.live_rulesets()
        for i in range(args.packs):
            pack = Path(tmp) / f"p{i}.toml"
            # a set member is part of the network: each of these packs has a network of its own
            pack.write_text(text.replace('"Solar Cell"', f'"Solar Cell {i}"'), encoding="utf-8")
            Vetter(pack, engine="durable")
        gc.collect()
        grown = rss_kb() - base
        added = backend.live_rulesets() - rulesets
        ops = Vetter(warm, engine="durable")._decider.plan
        print(f"packs   {args.packs} packs of distinct content ({len(ops.definition)} Rete rules each): "
              f"{added} rulesets registered, RSS {mib(grown)} (≈ {grown / max(added, 1):.0f} KiB a pack, "
              "never freed)")  # fmt: skip
        base = rss_kb()
        for i in range(args.packs):
            pack = Path(tmp) / f"q{i}.toml"
            figures = text.replace('"Solar Cell"', '"Solar Cell warm"')
            figures = figures.replace("employees > 100", f"employees > {100 + i}")
            pack.write_text(figures, encoding="utf-8")
            Vetter(pack, engine="durable")
        gc.collect()
        print(f"        {args.packs} packs differing only in figures: {backend.live_rulesets() - rulesets - added} "
              f"more rulesets, RSS {mib(rss_kb() - base)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
