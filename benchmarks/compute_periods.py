"""Benchmark: `compute` of every period against a single-period compute, on the demo store.

    .venv/bin/python benchmarks/compute_periods.py               # demo at --scale 10
    .venv/bin/python benchmarks/compute_periods.py --scale 1 --repeat 5

The demo store is built once (``zhangjiang demo``, synthetic data). Then the two
computes run in child processes, taking turns, ``--repeat`` times each; the table shows
the medians of wall-clock seconds, CPU seconds (user + system, all threads) and peak RSS
of each child, and how many values each stored.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from zhangjiang.store import open_store
from zhangjiang.indicators import compute
store = open_store(sys.argv[1])
period = sys.argv[2] or None
t0, c0 = time.perf_counter(), time.process_time()
values = compute(store, period)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall": wall, "cpu": cpu, "rss_mb": rss, "values": len(values),
                  "periods": len({v.period for v in values})}))
"""


def build(db: Path, scale: int) -> float:
    """Build the synthetic demo store at ``scale``; return the seconds it took."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "zhangjiang", "--db", str(db), "demo", "--out",
         str(db.parent / "demo-data"), "--scale", str(scale), "--period", "2022"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - start


def run(db: Path, period: str) -> dict[str, float]:
    """Compute in a child process and return its measurements."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), period],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        seconds = build(db, args.scale)
        print(f"demo store at --scale {args.scale} built in {seconds:.1f} s")
        cases = {
            "every period (compute)": "",
            "one period (compute --period 2022)": "2022",
        }
        results: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
        for _ in range(args.repeat):
            for name, period in cases.items():
                results[name].append(run(db, period))
        print(
            f"| compute, demo --scale {args.scale} | wall median s | CPU s | peak RSS MB | values | periods |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for name, rows in results.items():
            med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
            print(
                f"| {name} | {med['wall']:.2f} | {med['cpu']:.2f} | {med['rss_mb']:.0f} "
                f"| {med['values']:.0f} | {med['periods']:.0f} |"
            )


if __name__ == "__main__":
    main()
