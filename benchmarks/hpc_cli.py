"""Benchmark the HPC path end to end through the CLI against baselines a skeptic accepts.

Generates the Slurm log of ``hpc_ingest.py`` (``--jobs``, default 2,000,000), then runs,
each step in its own child process, the steps taking turns ``--repeat`` times (default
3), and prints the medians of wall seconds and CPU seconds (user + system of the child
and everything it waited for) and the largest peak RSS:

- ``zhangjiang`` through its CLI: ``ingest hpc-systems``, ``ingest
  hpc-user-organizations``, ``ingest hpc-jobs``, ``compute --period 2022``, and
  ``compute`` of every period, into a fresh store each round; with ``--base DIR`` the
  same for another checkout (its ``src`` on PYTHONPATH), e.g. the code before a change;
- pandas with ``engine="pyarrow"`` reading only the 8 needed columns, then the same
  figures; and the earlier baseline (C engine, 12 columns as strings), kept for
  comparison (``hpc_ingest._pandas``);
- DuckDB's bare ``SELECT count(*) FROM read_csv(log, delim='|', header=false)``;
- ``wc -l``;
- start-up: ``python -c "import typer"`` and ``zhangjiang --help``.

It also reports the archive's size beside the log's, and checks that pandas and
zhangjiang give the same five figures.

    python benchmarks/hpc_cli.py [--jobs 10000000] [--repeat 3] [--base ../wt-base]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from hpc_ingest import SYSTEM, YEAR, write_registers, write_slurm_log

ROOT = Path(__file__).resolve().parent.parent
NEEDED = {0: "jobid", 5: "account", 8: "user", 12: "start", 13: "end", 16: "state",
          18: "ncpus", 24: "nodelist"}  # fmt: skip


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--base", type=Path, help="checkout to compare with")
    parser.add_argument("--keep", type=Path, help="folder to write into (kept)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_pandas_pyarrow(Path(args.child))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "bench.log"
        write_slurm_log(log, args.jobs)
        write_registers(folder, max(1, int(args.jobs * 0.2)))
        checkouts = {"zhangjiang": ROOT}
        if args.base:
            checkouts["zhangjiang (base)"] = args.base.resolve()
        # Byte-compile each checkout as an installed package would be: with
        # PYTHONDONTWRITEBYTECODE set (as on this machine) every call would otherwise
        # compile the package's modules from source.
        for src in checkouts.values():
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", str(src / "src")], check=True
            )
        runs: dict[str, list[dict[str, Any]]] = {}
        for _ in range(max(1, args.repeat)):
            runs.setdefault("typer", []).append(
                _measure([sys.executable, "-c", "import typer"])
            )
            for name, src in checkouts.items():
                runs.setdefault(f"{name} --help", []).append(
                    _measure([*_cli(src), "--help"])
                )
            for name, src in checkouts.items():
                for step, result in _zhangjiang(src, folder, log).items():
                    runs.setdefault(f"{name} {step}", []).append(result)
            runs.setdefault("pandas pyarrow", []).append(
                _measure([sys.executable, __file__, "--child", str(folder)])
            )
            runs.setdefault("pandas C engine (earlier baseline)", []).append(
                _measure([sys.executable, str(ROOT / "benchmarks/hpc_ingest.py"),
                          "--child", "pandas", "--folder", str(folder)])
            )  # fmt: skip
            runs.setdefault("duckdb count", []).append(_measure(
                [sys.executable, "-c", "import duckdb,sys; print(duckdb.sql("
                 "f\"SELECT count(*) FROM read_csv('{sys.argv[1]}', delim='|', "
                 "header=false)\").fetchall()[0][0])", str(log)]
            ))  # fmt: skip
            runs.setdefault("wc -l", []).append(_measure(["wc", "-l", str(log)]))
            # The table so far after every round: a long run is never wholly lost.
            _print(args, log, checkouts, runs)
            sys.stdout.flush()


def _cli(src: Path) -> list[str]:
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(src / 'src')!r}); "
            "from zhangjiang.cli import main; main(sys.argv[1:])"]  # fmt: skip


def _zhangjiang(src: Path, folder: Path, log: Path) -> dict[str, dict[str, Any]]:
    """Run the CLI chain into a fresh store; return each step's measurements."""
    db = folder / f"store-{abs(hash(src))}.duckdb"
    for leftover in folder.glob(f"{db.name}*"):
        if leftover.is_dir():
            import shutil

            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    env = {"ZHANGJIANG_MAX_FILE_MB": "1000000", "ZHANGJIANG_DB": str(db)}
    cli = _cli(src)
    steps = {
        "ingest hpc-systems": ["ingest", "hpc-systems", str(folder / "systems.csv")],
        "ingest hpc-user-organizations": [
            "ingest", "hpc-user-organizations", str(folder / "orgs.csv")],
        "ingest hpc-jobs": ["ingest", "hpc-jobs", str(log), "--system", SYSTEM,
                            "--format", "slurm"],
        "compute --period 2022": ["compute", "--period", str(YEAR)],
        "compute (every period)": ["compute"],
    }  # fmt: skip
    out = {name: _measure([*cli, *argv], env) for name, argv in steps.items()}
    # The compute itself, every HPC indicator for every period, timed in-process
    # (no start-up, no other indicators, no web snapshot).
    timed = _measure([sys.executable, "-c", _IN_PROCESS, str(src / "src"), str(db)])
    out["compute every period, hpc.* only (in-process)"] = json.loads(timed["json"]) | {
        "rss_mb": timed["rss_mb"]}  # fmt: skip
    chain = [v for k, v in out.items() if k in steps and k != "compute (every period)"]
    out["ingest + compute"] = {
        "wall": sum(r["wall"] for r in chain),
        "cpu": sum(r["cpu"] for r in chain),
        "rss_mb": max(r["rss_mb"] for r in chain),
    }
    archive = db.with_name(db.name + ".files")
    files = [p for p in archive.rglob("*") if p.is_file() and "incoming" not in p.parts]
    out["ingest hpc-jobs"]["archive_mb"] = sum(p.stat().st_size for p in files) / 1e6
    out["ingest hpc-jobs"]["db_mb"] = db.stat().st_size / 1e6
    out["ingest hpc-jobs"]["figures"] = _figures(src, db)
    return out


_IN_PROCESS = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from zhangjiang.indicators import compute, load_builtin
from zhangjiang.store import open_store
store = open_store(sys.argv[2])
ids = [i for i in load_builtin() if i.startswith("hpc.")]
t0, c0 = time.perf_counter(), time.process_time()
values = compute(store, None, ids)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "values": len(values)}))
"""


def _figures(src: Path, db: Path) -> dict[str, float]:
    code = (
        f"import sys, json; sys.path.insert(0, {str(src / 'src')!r});"
        "from zhangjiang.store import open_store;"
        f'rows = open_store({str(db)!r}).query("SELECT indicator_id, value FROM '
        f"indicator_values WHERE period = '{YEAR}' AND (dimensions = '{{}}' OR "
        "indicator_id = 'hpc.cpu_utilization')\");"
        "print(json.dumps({r['indicator_id']: float(r['value']) for r in rows}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else {}


def _measure(argv: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``argv``; return wall and CPU seconds, peak RSS and its last output line."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    # wait4 gives this child's own usage (with what it waited for), not the sum of all.
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed: {err.decode()[-2000:]}")
    lines = out.decode().strip().splitlines()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "last": lines[-1] if lines else "",
        # The last JSON line: a library may print after it (seen once at 10M jobs).
        "json": next((x for x in reversed(lines) if x.startswith("{")), "{}"),
    }


def _pandas_pyarrow(folder: Path) -> dict[str, Any]:
    """Read only the needed columns with pyarrow and compute the five figures."""
    import pandas as pd

    df = pd.read_csv(
        folder / "bench.log", sep="|", header=None, engine="pyarrow",
        usecols=sorted(NEEDED),
    )  # fmt: skip
    df.columns = [NEEDED[i] for i in sorted(NEEDED)]  # pyarrow numbers them 0..7
    df["jobid"] = df["jobid"].astype("string")  # ids such as 123_4 are text
    state = df["state"].str.split(" ").str[0].str.upper()
    df = df[
        ~df["jobid"].str.contains(".", regex=False)
        & ~df["end"].isin(["Unknown", "None", ""])
        & ~df["start"].isin(["Unknown", "None", ""])
        & (df["nodelist"] != "None assigned")
        & ~state.isin(["PENDING", "RUNNING", "RESIZING", "SUSPENDED"])
    ]
    start = pd.to_datetime(df["start"], format="%Y-%m-%dT%H:%M:%S")
    end = pd.to_datetime(df["end"], format="%Y-%m-%dT%H:%M:%S")
    cores = df["ncpus"].astype("int64")
    lo, hi = pd.Timestamp(f"{YEAR}-01-01"), pd.Timestamp(f"{YEAR + 1}-01-01")
    systems = pd.read_csv(folder / "systems.csv")
    orgs = pd.read_csv(folder / "orgs.csv")
    monthly = []
    for month in range(1, 13):
        m0 = pd.Timestamp(YEAR, month, 1)
        m1 = m0 + pd.offsets.MonthBegin(1)
        seconds = (end.clip(upper=m1) - start.clip(lower=m0)).dt.total_seconds()
        used = float((cores * seconds.clip(lower=0)).sum()) / 3600
        row = systems.iloc[0]
        capacity = (
            row.cores * (m1 - max(m0, pd.Timestamp(row.valid_from))).total_seconds()
        )
        monthly.append(100 * used / (capacity / 3600))
    seconds = (
        (end.clip(upper=hi) - start.clip(lower=lo)).dt.total_seconds().clip(lower=0)
    )
    active = (start < hi) & ((end > lo) | (start >= lo))
    ended = (end >= lo) & (end < hi)
    users = df.loc[active, ["user", "account"]]
    org = (
        users["user"]
        .map(orgs.set_index("user")["organization"])
        .fillna(users["account"])
    )
    return {
        "hpc.core_hours_total": float((cores * seconds).sum()) / 3600,
        "hpc.cpu_utilization": sum(monthly) / len(monthly),
        "hpc.jobs_total": float(df.loc[ended, "jobid"].nunique()),
        "hpc.users_total": float(users["user"].nunique()),
        "hpc.user_organizations": float(org.nunique()),
    }


def _print(
    args: Any, log: Path, checkouts: dict[str, Path],
    runs: dict[str, list[dict[str, Any]]],
) -> None:  # fmt: skip
    size = log.stat().st_size / 1e6
    rounds = len(runs["typer"])
    print(f"\n{args.jobs:,} jobs, log {size:,.0f} MB; medians of {rounds} "
          "interleaved runs; CPU = user + system of the child and its children\n")  # fmt: skip
    med = {
        name: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu")}
        | {"rss_mb": max(r["rss_mb"] for r in rs), "min": min(r["wall"] for r in rs)}
        for name, rs in runs.items()
    }
    print("| step | wall median s | (min) | CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for name, m in med.items():
        print(f"| {name} | {m['wall']:.2f} | {m['min']:.2f} | {m['cpu']:.2f} "
              f"| {m['rss_mb']:,.0f} |")  # fmt: skip
    pandas, duck = med["pandas pyarrow"], med["duckdb count"]
    print()
    for name in checkouts:
        total = med[f"{name} ingest + compute"]
        jobs = runs[f"{name} ingest hpc-jobs"][-1]
        print(f"- {name}: ingest + compute = {pandas['wall'] / total['wall']:.2f}× "
              f"faster than pandas pyarrow (target ≥ 3), {total['wall'] / duck['wall']:.2f}× "
              f"DuckDB's count (target ≤ 3), peak RSS {total['rss_mb']:,.0f} MB "
              "(target < 1,500); compute of every hpc.* indicator for every period "
              f"{med[f'{name} compute every period, hpc.* only (in-process)']['wall']:.2f}"
              " s (target ≤ 2); "
              f"--help {med[f'{name} --help']['wall'] / med['typer']['wall']:.2f}× "
              f"import typer (target ≤ 3); archive {jobs['archive_mb']:,.0f} MB = "
              f"{jobs['archive_mb'] / size:.2f}× the log (target ≤ 0.4), database "
              f"{jobs['db_mb']:,.0f} MB")  # fmt: skip
        theirs = json.loads(runs["pandas pyarrow"][-1]["json"])
        ours = jobs["figures"]
        for key, value in theirs.items():
            mine = ours.get(key)
            same = mine is not None and abs(mine - value) <= 1e-6 * max(1.0, abs(value))
            print(
                f"  - {key}: {mine} / pandas {value:.6f} {'✓' if same else '✗ MISMATCH'}"
            )


if __name__ == "__main__":
    main()
