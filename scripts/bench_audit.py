"""Benchmark: ``audit_plan`` on plans of 1 000 to 8 000 figures (restatements of a few quantities).

Each plan restates the red line's and the protected areas' area and the red line's share
with random values (fixed seed), as a hostile or machine-drafted plan would.  Before
issue 15 the restatement check compared every pair (4 000 figures: 253 s, 10 GB, 8 million
findings); it must now grow with the figures, not their square.  Prints a Markdown table
and writes it between the ``bench_audit`` markers of BENCHMARKS.md.

Usage::

    .venv/bin/python scripts/bench_audit.py [--sizes 1000 2000 4000 8000] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from pathlib import Path

import numpy as np

from ecospace.plan import validate_plan_data
from ecospace.plan.audit import audit_plan

ROOT = Path(__file__).resolve().parent.parent


def plan_data(n: int) -> dict:
    rng = np.random.default_rng(n)
    figs = []
    for i in range(n):
        k = i % 4
        role = "protected_area" if k == 2 else "red_line"
        share = k == 1
        value = rng.uniform(30, 31) if share else rng.uniform(2.0e5, 2.1e5)
        figs.append({"id": f"f{i}", "measure": "share" if share else "area", "role": role,
                     "op": ">=", "value": round(float(value), 2), "unit": "%" if share else "ha",
                     "year": 2025, "line": i // 2 + 1})  # fmt: skip
    return {"plan": "bench", "total_area": {"value": 7512, "unit": "km2"}, "figures": figs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000])
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows = []
    for n in args.sizes:
        plan = validate_plan_data(plan_data(n))
        t = time.perf_counter()
        findings = audit_plan(plan)
        rows.append((n, time.perf_counter() - t, len(findings)))
    cpu = platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"model name\s*:\s*(.*)", cpuinfo.read_text(encoding="utf-8"))
        cpu = names[0].strip() if names else cpu
    table = "\n".join(f"| {n:,} | {s:.2f} | {k:,} |" for n, s, k in rows)
    text = f"""<!-- bench_audit -->
## Plan audit of many figures (`scripts/bench_audit.py`)

Command: `.venv/bin/python scripts/bench_audit.py` — {cpu}, {os.cpu_count()} cores (shared);
Python {platform.python_version()}.  Plans of n figures restating three quantities with random
values (fixed seed); `audit_plan` time only (the plan is validated before timing).

| figures | audit (s) | findings |
|---:|---:|---:|
{table}

Before issue 15: 4 000 figures took 253 s and 10 GB and gave 8 million findings (pairs).
<!-- /bench_audit -->"""
    print(text)
    if not args.no_write:
        path = ROOT / "BENCHMARKS.md"
        old = path.read_text(encoding="utf-8")
        pattern = re.compile(r"<!-- bench_audit -->.*?<!-- /bench_audit -->", re.S)
        new = pattern.sub(text, old) if pattern.search(old) else old.rstrip() + "\n\n" + text + "\n"
        path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
