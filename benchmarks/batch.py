"""Batch throughput and memory of the ``check`` command; prints the figures docs/scale.md quotes.

    python benchmarks/batch.py                       # N = 1,000 and 10,000; jobs 1 and 2 (about 10 minutes on 2 cores)
    python benchmarks/batch.py --sizes 1000          # shorter
    python benchmarks/batch.py --large               # and N = 100,000 (generates 100,000 files; about an hour)
    python benchmarks/batch.py --json results.json   # also write the figures and the targets as JSON

For each N it writes N seeded synthetic project files (industry codes, land, investment, output, tax and energy
varied around the examples in examples/projects/) into a temporary directory, then times, for each number of
jobs, ``python -m heshan_vetting check DIR --format jsonl -o OUT --no-config --quiet`` in a fresh process:
wall time, files a second, and peak resident memory (RSS). Memory is measured two ways: the peak of the whole
process tree's RSS (the check and its workers, sampled from /proc every 50 ms; Linux only) and the largest
single process's peak (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` read by a wrapper process that runs only that
one command, so no earlier run counts). A run of one file gives the fixed start-up cost (imports, plugins, the
pack compiled once), which the "net" rate leaves out. "CPU s" is the CPU time (user + system) of the check and its
workers: on a machine shared with other work, wall time depends on the others and CPU time much less.

The targets (issue 12): "jsonl peak RSS flat" — the tree's peak at N = 10,000 over its peak at N = 1,000 is at
most 1.3, and under 300 MB; "jobs=2 ≥ 1.7× jobs=1" — files a second at N = 10,000 (the largest N run). The
same N projects are also checked as one JSON Lines register (``register-N.jsonl``, one process: a single input
is never split across workers), with the same memory target (``--no-register`` skips these runs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# (industry code, products, catalogue class, typical land in 亩, typical energy in tce) — as in examples/projects/
PROFILES: list[tuple[str, list[str], str, float, float]] = [
    ("C3825", ["光伏组件"], "encouraged", 100, 5000),
    ("C3825", ["光伏组件", "光伏电池片"], "encouraged", 180, 4500),
    ("C3982", ["印制电路板"], "encouraged", 60, 2600),
    ("C3982", ["印制电路板"], "permitted", 200, 3000),
    ("C3484", ["机械零部件"], "permitted", 30, 600),
    ("C3252", ["铝合金建筑型材", "工业铝型材"], "permitted", 100, 3000),
    ("C3073", ["氧化锆结构陶瓷", "氮化硅陶瓷基板"], "permitted", 60, 2500),
    ("C3051", ["光伏玻璃钢化镀膜加工"], "permitted", 150, 6000),
    ("C3041", ["光伏压延玻璃"], "permitted", 400, 90000),
    ("C3011", ["水泥熟料", "水泥"], "permitted", 300, 320000),
    ("C3399", ["金属制品"], "restricted", 50, 800),
    ("C2614", ["有机化学原料"], "permitted", 150, 20000),
]
TOWNS = ["址山镇", "鹤城镇", "共和镇", "宅梧镇", "雅瑶镇", "桃源镇"]
CONSTRUCTION = ["new", "new", "new", "expansion", "renovation"]


def project_text(i: int, rng: random.Random) -> str:
    """One synthetic project file (TOML): a profile from the examples with its figures varied."""
    code, products, catalogue, land, energy = rng.choice(PROFILES)
    land_mu = max(5.0, land * rng.uniform(0.5, 1.6))
    invest_wan_per_mu = rng.uniform(150, 900)  # 万元/亩: both sides of the per-mu thresholds
    fixed = land_mu * invest_wan_per_mu
    total = fixed * rng.uniform(1.05, 1.4)
    output = fixed * rng.uniform(0.8, 2.5)
    tax_wan_per_mu = rng.uniform(10, 60)
    return "\n".join(
        [
            f'id = "BENCH-{i:06d}"',
            f'name = "合成基准项目 {i}"',
            f'applicant = "合成企业{i % 997}有限公司"',
            f'industry_code = "{code}"',
            f"products = {json.dumps(products, ensure_ascii=False)}",
            f'construction_type = "{rng.choice(CONSTRUCTION)}"',
            f'catalogue_class = "{catalogue}"',
            f"application_date = 2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f'total_investment = "{total:.0f} 万元"',
            f'fixed_asset_investment = "{fixed:.0f} 万元"',
            f'land_area = "{land_mu:.1f} 亩"',
            f'annual_output = "{output:.0f} 万元"',
            f'annual_tax = "{land_mu * tax_wan_per_mu:.0f} 万元"',
            f'energy_consumption = "{energy * rng.uniform(0.5, 1.5):.0f} 吨标准煤"',
            f"plot_ratio = {rng.uniform(0.8, 2.2):.2f}",
            f'building_coefficient = "{rng.uniform(30, 60):.0f}%"',
            f'green_ratio = "{rng.uniform(5, 20):.0f}%"',
            f'admin_living_share = "{rng.uniform(2, 9):.1f}%"',
            f"employees = {rng.randint(20, 3000)}",
            "",
            "[location]",
            f'town = "{rng.choice(TOWNS)}"',
            "",
        ]
    )


def generate(directory: Path, n: int, seed: int) -> None:
    """``n`` project files in ``directory`` (100 to a subdirectory), the same for the same seed."""
    rng = random.Random(seed)
    for i in range(n):
        sub = directory / f"{i // 100:04d}"
        if i % 100 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"p{i:06d}.toml").write_text(project_text(i, rng), encoding="utf-8")


def write_register(path: Path, n: int, seed: int) -> None:
    """The same ``n`` projects as :func:`generate`, as one JSON Lines register (one project a line)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib

    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            data = tomllib.loads(project_text(i, rng))
            data["application_date"] = data["application_date"].isoformat()
            out.write(json.dumps(data, ensure_ascii=False) + "\n")


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        pass
    return found


def _tree_rss_kb(root: int) -> int:
    """Total RSS (KiB) of ``root``'s descendants (not ``root``: the wrapper), from /proc (0 without /proc)."""
    total, todo = 0, _children(root)
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(_children(pid))
    return total


# Runs one command; prints the largest RSS (KiB on Linux) of the processes it waited for (the check and, through
# it, its workers), the exit code, and their CPU seconds (user + system).
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.run(sys.argv[1:]).returncode\n"
    "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(use.ru_maxrss, rc, use.ru_utime + use.ru_stime)\n"
)


def measure(command: list[str]) -> dict[str, Any]:
    """Run ``command`` in a fresh wrapper process: wall seconds, exit code, peak tree RSS and largest process RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, *command], stdout=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    fields = out.split()
    maxrss, rc, cpu = int(fields[0]), int(fields[1]), float(fields[2])
    if sys.platform == "darwin":
        maxrss //= 1024  # bytes there, KiB on Linux
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "exit": rc, "tree_peak_mb": round(peak / 1024, 1),
            "process_peak_mb": round(maxrss / 1024, 1)}  # fmt: skip


def check_command(directory: Path, out: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "heshan_vetting", "check", str(directory), "--format", "jsonl", "-o", str(out),
            "--jobs", str(jobs), "--no-config", "--quiet"]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="numbers of files (1000 10000)")
    parser.add_argument("--large", action="store_true", help="also N = 100,000")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="worker processes to try (1 2)")
    parser.add_argument("--seed", type=int, default=12, help="seed of the synthetic projects (12)")
    parser.add_argument("--json", metavar="FILE", help="write the figures and the targets as JSON")
    parser.add_argument("--no-register", action="store_true", help="skip the runs over one JSON Lines register")
    args = parser.parse_args()
    sizes = sorted({*args.sizes, *([100_000] if args.large else [])})

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {load:.2f} before the runs")  # fmt: skip
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="heshan-batch-") as tmp:
        base = Path(tmp)
        one = base / "one"
        generate(one, 1, args.seed)
        startup = measure(check_command(one, base / "one.jsonl", 1))
        print(f"start-up (one file, jobs=1): {startup['wall_s']:.2f} s, {startup['process_peak_mb']:.0f} MB")
        header = f"{'input':>8} {'items':>8} {'jobs':>4} {'wall s':>8} {'items/s':>8} {'net/s':>8} {'tree MB':>8} "
        print(header + f"{'proc MB':>8} {'CPU s':>8} exit")
        for n in sizes:
            directory = base / f"n{n}"
            generate(directory, n, args.seed)
            plan = [("files", directory, jobs) for jobs in args.jobs]
            if not args.no_register:
                register = base / f"register-{n}.jsonl"
                write_register(register, n, args.seed)
                plan.append(("register", register, 1))  # one input: one process checks it, whatever --jobs says
            for kind, source, jobs in plan:
                out = base / f"out-{n}-{jobs}.jsonl"
                result = measure(check_command(source, out, jobs))
                lines = sum(1 for _ in out.open("rb")) if out.exists() else 0
                net = max(result["wall_s"] - startup["wall_s"], 1e-9)
                row = {"input": kind, "files": n, "jobs": jobs, **result,
                       "files_per_s": round(n / result["wall_s"], 1), "net_files_per_s": round(n / net, 1),
                       "output_lines": lines}  # fmt: skip
                runs.append(row)
                print(f"{kind:>8} {n:>8} {jobs:>4} {row['wall_s']:>8.2f} {row['files_per_s']:>8.1f} "
                      f"{row['net_files_per_s']:>8.1f} {row['tree_peak_mb']:>8.1f} {row['process_peak_mb']:>8.1f} "
                      f"{row['cpu_s']:>8.1f} {row['exit']}")  # fmt: skip
                out.unlink(missing_ok=True)
            for path in sorted(base.rglob("*"), reverse=True):
                if path != one and one not in path.parents:
                    path.unlink() if path.is_file() else path.rmdir()

    targets = _targets(runs)
    for t in targets:
        print(
            f"target {t['name']}: measured {t['measured']} (target {t['target']}) → {'met' if t['met'] else 'NOT met'}"
        )
    if args.json:
        data = {"python": platform.python_version(), "cpus": os.cpu_count(), "load_before": round(load, 2),
                "seed": args.seed, "startup": startup, "runs": runs, "targets": targets}  # fmt: skip
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


def _targets(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def run(n: int, jobs: int, kind: str = "files") -> dict[str, Any] | None:
        return next((r for r in runs if (r["input"], r["files"], r["jobs"]) == (kind, n, jobs)), None)

    targets: list[dict[str, Any]] = []
    small, big = run(1000, 1), run(10000, 1)
    if small and big:
        ratio = big["tree_peak_mb"] / small["tree_peak_mb"]
        biggest = max(r["tree_peak_mb"] for r in runs if r["jobs"] == 1 and r["input"] == "files")
        targets.append({
            "name": "jsonl peak RSS flat: rss(10k)/rss(1k) ≤ 1.3 (and under 300 MB)",
            "measured": f"{ratio:.2f} ({small['tree_peak_mb']:.0f} → {big['tree_peak_mb']:.0f} MB; "
                        f"largest {biggest:.0f} MB)",
            "target": "≤ 1.3 and < 300 MB",
            "met": ratio <= 1.3 and biggest < 300,
        })  # fmt: skip
    small, big = run(1000, 1, "register"), run(10000, 1, "register")
    if small and big:
        ratio = big["tree_peak_mb"] / small["tree_peak_mb"]
        targets.append({
            "name": "one JSONL register, peak RSS flat: rss(10k lines)/rss(1k lines) ≤ 1.3 (and under 300 MB)",
            "measured": f"{ratio:.2f} ({small['tree_peak_mb']:.0f} → {big['tree_peak_mb']:.0f} MB)",
            "target": "≤ 1.3 and < 300 MB",
            "met": ratio <= 1.3 and big["tree_peak_mb"] < 300,
        })  # fmt: skip
    n = max((r["files"] for r in runs if r["input"] == "files"), default=0)
    one, two = run(n, 1), run(n, 2)
    if one and two:
        speedup = two["files_per_s"] / one["files_per_s"]
        targets.append({
            "name": "jobs=2 ≥ 1.7× jobs=1",
            "measured": f"{speedup:.2f}× at {n} files ({one['files_per_s']:.0f} → {two['files_per_s']:.0f} files/s)",
            "target": "≥ 1.7×",
            "met": speedup >= 1.7,
        })  # fmt: skip
    return targets


if __name__ == "__main__":
    sys.exit(main())
