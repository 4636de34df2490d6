"""Time and peak memory of loading intake workbooks with heshan-vetting-xlsx; prints one line per workbook.

    python plugins/heshan-vetting-xlsx/benchmarks/load_memory.py                 # 5,000 rows and stray far cells
    python plugins/heshan-vetting-xlsx/benchmarks/load_memory.py --rows 20000 --timeout 120

Each workbook is loaded in a fresh Python process (``python -c``), so its peak resident memory (``VmHWM`` on
Linux, else ``ru_maxrss``) is that of the load alone, interpreter and imports included. The workbooks are
built in a temporary directory:

- ``ledger``: ``--rows`` projects of 23 columns (the columns of the README's example, and more);
- ``stray-A1048576`` / ``stray-XFD1048576``: a two-project form with one space in that far cell (the cell that
  made the loader take 17 s and 525 MB, or run past 600 s and 20 GB, before the loader streamed the sheet).

A load that runs past ``--timeout`` seconds is killed and reported as such; one that needs more than
``--max-memory`` MiB of address space fails with a ``MemoryError`` (Linux), instead of exhausting the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

HEADERS = [
    "项目编号", "项目名称", "申请单位", "行业代码", "主要产品", "建设性质", "catalogue_class", "申请日期",
    "总投资（亿元）", "固定资产投资（亿元）", "用地面积（亩）", "达产年产值(亿元)", "达产年税收（万元）",
    "年综合能耗", "electricity_consumption（万千瓦时）", "容积率", "建筑系数（%）", "绿地率（%）",
    "admin_living_share", "从业人数（人）", "研发投入占比", "所在镇街", "park",
]  # fmt: skip


def row(i: int) -> list[Any]:
    """Project ``i`` of a ledger: every column filled, values varying with ``i``."""
    return [
        f"HS-{i:06d}", f"测试项目{i}", f"测试有限公司{i}", "C3825", "光伏组件、电池片", "新建", "encouraged",
        datetime(2024, 1 + i % 12, 1 + i % 28), 10 + i % 7, 5 + i % 5, 100 + i % 90, 20 + i % 9, 3000 + i % 1000,
        f"{1 + i % 3} 万吨标准煤", 9000 + i % 800, 1.2 + (i % 5) / 10, 45 + i % 10, 10 + i % 5, "5%",
        500 + i % 700, "3.5%", "址山镇", "示例产业园",
    ]  # fmt: skip


def build_ledger(path: Path, rows: int) -> Path:
    """A workbook of ``rows`` projects, written in openpyxl's write-only (streaming) mode."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("项目")
    ws.append(HEADERS)
    for i in range(1, rows + 1):
        ws.append(row(i))
    wb.save(path)
    return path


def build_stray(path: Path, cell: str) -> Path:
    """A two-project form with a single space in ``cell``."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "项目"
    ws.append(HEADERS)
    ws.append(row(1))
    ws.append(row(2))
    ws[cell] = " "
    wb.save(path)
    return path


CHILD = """
import json, resource, sys, time
from pathlib import Path
if len(sys.argv) > 2:  # cap the address space, so that a regression fails here instead of exhausting the machine
    cap = int(sys.argv[2]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from heshan_vetting.units import Units
from heshan_vetting_xlsx import read_projects
units = Units()
t0 = time.perf_counter()
try:
    result = f"{len(read_projects(Path(sys.argv[1]), units))} projects"
except Exception as exc:  # a located error is a result too
    result = f"{type(exc).__name__}: {exc}".splitlines()[0]
load = time.perf_counter() - t0
# VmHWM: the peak resident memory of this process's own address space. ru_maxrss would do, but on Linux it
# keeps the parent's peak across fork and exec, so a large parent (a test run) would be measured instead.
try:
    hwm = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:")]
    peak = int(hwm[0].split()[1]) / 1024
except (OSError, IndexError, ValueError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
print(json.dumps({"load_s": load, "peak_rss_mib": peak, "result": result}))
"""


def measure(path: Path, timeout: float, max_memory_mib: int | None = None) -> dict[str, Any]:
    """Load ``path`` in a fresh process: ``load_s`` (the load alone), ``peak_rss_mib`` (the whole process).

    ``result`` is ``"N projects"``, or the first line of the error. ``max_memory_mib`` caps the child's address
    space (Linux), so that a load gone wrong ends in a ``MemoryError`` instead of exhausting the machine.
    """
    start = time.perf_counter()
    args = [sys.executable, "-c", CHILD, str(path)] + ([str(max_memory_mib)] if max_memory_mib else [])
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"load_s": None, "peak_rss_mib": None, "result": f"killed after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"load_s": None, "peak_rss_mib": None, "result": f"exit {proc.returncode}: {proc.stderr[-300:]}"}
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - start
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000, help="projects in the ledger (default 5,000)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a load is killed (default 120)")
    parser.add_argument("--max-memory", type=int, default=4096, help="address-space cap of a load, MiB (default 4096)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases = {
            f"ledger-{args.rows}": build_ledger(work / "ledger.xlsx", args.rows),
            "stray-A1048576": build_stray(work / "a.xlsx", "A1048576"),
            "stray-XFD1048576": build_stray(work / "xfd.xlsx", "XFD1048576"),
        }
        print(f"Python {sys.version.split()[0]}; each load in a fresh process; peak RSS includes the interpreter")
        for name, path in cases.items():
            m = measure(path, args.timeout, args.max_memory)
            load = f"{m['load_s']:.2f} s" if m["load_s"] is not None else "-"
            peak = f"{m['peak_rss_mib']:.0f} MiB" if m["peak_rss_mib"] is not None else "-"
            size = path.stat().st_size / 1024
            print(f"{name:<18} {size:8.1f} KiB  load {load:>9}  peak RSS {peak:>9}  {m['result']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
