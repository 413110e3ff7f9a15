"""Benchmark HPC job-log ingest and the HPC indicators against pandas and a DuckDB floor.

Generates a Slurm ``sacct --parsable2`` log of ``--jobs`` jobs (default 1,000,000) over
2022, then runs, each in its own child process so that its peak RSS is its own:

- floor: DuckDB merely counting the lines of the same file (one VARCHAR per line);
- fields: DuckDB splitting the same file into its 26 ``|`` fields and counting them
  (what any parse of every field costs at least; for reference only);
- zhangjiang ingest: ``ingest_paths`` of the log into a fresh store (parse + load);
- zhangjiang compute: every ``hpc.*`` indicator for 2022;
- pandas: ``read_csv`` of the log, then the same figures computed with pandas. The read
  parses and converts the same 12 columns the ingest keeps (job id, user, account,
  partition, job name, submit/start/end, CPUs, nodes, state, node list) and applies the
  same skip rules; unlike the ingest it stores nothing.

Prints a markdown table with wall-clock and CPU seconds (user + system, all threads:
the fairer figure on a shared machine) and checks that pandas and Zhangjiang agree.
With ``--repeat N`` (default 3) every step runs N times, the steps taking turns so
that a change in the machine's load hits all of them alike; the table shows the
median times and the largest peak RSS.

    python benchmarks/hpc_ingest.py [--jobs 10000000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SYSTEM = "bench"
# Cores per job in the log: the capacity is sized for a utilisation near 65%.
CORES_PER_JOB = 0.2
USERS = 5000
ORGANIZATIONS = 800
YEAR = 2022


def write_slurm_log(path: Path, jobs: int) -> None:
    """Write ``jobs`` synthetic sacct lines (26 columns, UTC) over 2022 with DuckDB."""
    import duckdb

    # Starts spread over the year; durations up to 3 days, so some cross months and
    # the year end. hash() makes the file the same on every run.
    sql = f"""
        COPY (
            SELECT concat_ws('|', i, i, 'bench', 'cpu', 'normal', 'acct' || (i % 97), 'grp',
                '5000', 'u' || (i % {USERS}), '10000', strftime(s - INTERVAL 5 MINUTE, '%Y-%m-%dT%H:%M:%S'),
                strftime(s - INTERVAL 5 MINUTE, '%Y-%m-%dT%H:%M:%S'), strftime(s, '%Y-%m-%dT%H:%M:%S'),
                strftime(s + to_seconds(d), '%Y-%m-%dT%H:%M:%S'), '00:00:00', '0:0', 'COMPLETED',
                '1', CAST(c AS VARCHAR), CAST(c AS VARCHAR), '4000Mc', 'cpu=' || c, 'cpu=' || c,
                '3-00:00:00', 'cn0001', 'bench_job') AS line
            FROM (
                SELECT i,
                    TIMESTAMP '2022-01-01' + to_seconds(CAST(hash(i) % 31500000 AS BIGINT)) AS s,
                    CAST(60 + hash(i + 1) % 259200 AS BIGINT) AS d,
                    [1, 2, 4, 8, 16, 32, 64, 128][1 + CAST(hash(i + 2) % 8 AS INTEGER)] AS c
                FROM range(1, {jobs} + 1) AS t(i)
            )
        ) TO '{path}' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t')
    """
    con = duckdb.connect()
    con.execute(sql)
    con.close()


def write_registers(folder: Path, cores: int) -> tuple[Path, Path]:
    """Write the systems register and the user → organisation map (users u0.. mapped)."""
    systems = folder / "systems.csv"
    systems.write_text(
        f"system,cores,valid_from,valid_to\n{SYSTEM},{cores},2020-01-01,\n",
        encoding="utf-8",
    )
    orgs = folder / "orgs.csv"
    lines = ["user,organization"] + [
        f"u{i},org{i % ORGANIZATIONS}" for i in range(USERS - 10)
    ]
    orgs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return systems, orgs


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of every step")
    parser.add_argument("--keep", type=Path, help="folder to write into (kept)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.folder)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "bench.log"
        started = time.perf_counter()
        write_slurm_log(log, args.jobs)
        write_registers(folder, max(1, int(args.jobs * CORES_PER_JOB)))
        generated = time.perf_counter() - started
        runs: dict[str, list[dict[str, Any]]] = {}
        for _ in range(max(1, args.repeat)):
            for step in ("floor", "fields", "ingest", "compute", "pandas"):
                runs.setdefault(step, []).append(_run_child(step, folder))
        _print(args.jobs, log, generated, {k: _median(v) for k, v in runs.items()})
        print(f"\n(median of {max(1, args.repeat)} runs of every step)")


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the median of each timing over ``runs``, the largest RSS, and the rest."""
    out = dict(runs[-1])
    for key in ("seconds", "cpu_seconds", "read_cpu_seconds", "compute_seconds"):
        if key in out:
            out[key] = statistics.median(r[key] for r in runs)
    out["max_rss_mb"] = max(r["max_rss_mb"] for r in runs)
    return out


def _run_child(step: str, folder: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, "--folder", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _child(step: str, folder: Path) -> dict[str, Any]:
    """Run one measured step in this process; return its timings and peak RSS."""
    log, db = folder / "bench.log", folder / "bench.duckdb"
    result: dict[str, Any] = {}
    if step == "floor":
        import duckdb

        started, cpu_before = time.perf_counter(), _cpu_seconds()
        result["rows"] = duckdb.sql(
            f"SELECT count(*) FROM read_csv('{log}', columns = {{'line': 'VARCHAR'}}, header = false, "
            "auto_detect = false, delim = '\\0', quote = '', escape = '')"
        ).fetchall()[0][0]
        result["seconds"] = time.perf_counter() - started
        result["cpu_seconds"] = _cpu_seconds() - cpu_before
    elif step == "fields":
        import duckdb

        columns = ", ".join(f"'f{i}': 'VARCHAR'" for i in range(1, 27))
        started, cpu_before = time.perf_counter(), _cpu_seconds()
        # count(f26) rather than count(*), so that every line is really split.
        result["rows"] = duckdb.sql(
            f"SELECT count(f26) FROM read_csv('{log}', columns = {{{columns}}}, "
            "header = false, auto_detect = false, delim = '|', quote = '', escape = '')"
        ).fetchall()[0][0]
        result["seconds"] = time.perf_counter() - started
        result["cpu_seconds"] = _cpu_seconds() - cpu_before
    elif step == "ingest":
        from zhangjiang.config import Settings
        from zhangjiang.ingest.service import ingest_paths
        from zhangjiang.store import open_store

        for suffix in ("", ".wal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        store = open_store(db)
        settings = Settings(db=db, user="bench", max_file_mb=1e6)
        ingest_paths(store, "hpc-systems", [folder / "systems.csv"], settings)
        ingest_paths(store, "hpc-user-organizations", [folder / "orgs.csv"], settings)
        started, cpu_before = time.perf_counter(), _cpu_seconds()
        (res,) = ingest_paths(
            store, "hpc-jobs", [log], settings, system=SYSTEM, log_format="slurm"
        )
        result["seconds"] = time.perf_counter() - started
        result["cpu_seconds"] = _cpu_seconds() - cpu_before
        result["rows"] = res.rows
    elif step == "compute":
        from zhangjiang.indicators import compute, load_builtin
        from zhangjiang.store import open_store

        store = open_store(db)
        ids = [i for i in load_builtin() if i.startswith("hpc.")]
        started, cpu_before = time.perf_counter(), _cpu_seconds()
        values = compute(store, str(YEAR), ids)
        result["seconds"] = time.perf_counter() - started
        result["cpu_seconds"] = _cpu_seconds() - cpu_before
        result["figures"] = {
            v.indicator_id: float(v.value)
            for v in values
            if v.value is not None and not v.dimensions
        } | {v.indicator_id: float(v.value) for v in values if v.dimensions}
    else:
        result.update(_pandas(log, folder))
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _cpu_seconds() -> float:
    """Return the user + system CPU time of this process so far, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pandas(log: Path, folder: Path) -> dict[str, Any]:
    """Compute the same figures the straightforward pandas way."""
    import pandas as pd

    fields = ["jobid", "jobidraw", "cluster", "partition", "qos", "account", "group", "gid",
              "user", "uid", "submit", "eligible", "start", "end", "elapsed", "exitcode",
              "state", "nnodes", "ncpus", "reqcpus", "reqmem", "reqtres", "alloctres",
              "timelimit", "nodelist", "jobname"]  # fmt: skip
    started = time.perf_counter()
    cpu_before = _cpu_seconds()
    df = pd.read_csv(
        log,
        sep="|",
        header=None,
        names=fields,
        dtype=str,
        keep_default_na=False,
        usecols=["jobid", "user", "account", "partition", "jobname", "submit", "start",
                 "end", "ncpus", "nnodes", "state", "nodelist"],
    )  # fmt: skip
    state = df["state"].str.split(" ").str[0].str.upper()
    df = df[
        ~df["jobid"].str.contains(".", regex=False)
        & ~df["end"].isin(["Unknown", "None", ""])
        & ~df["start"].isin(["Unknown", "None", ""])
        & (df["nodelist"] != "None assigned")
        & ~state.isin(["PENDING", "RUNNING", "RESIZING", "SUSPENDED"])
    ].assign(state=state)
    submit = pd.to_datetime(df["submit"], format="%Y-%m-%dT%H:%M:%S", errors="coerce")
    start = pd.to_datetime(df["start"], format="%Y-%m-%dT%H:%M:%S")
    end = pd.to_datetime(df["end"], format="%Y-%m-%dT%H:%M:%S")
    cores = df["ncpus"].astype("int64")
    nodes = pd.to_numeric(df["nnodes"], errors="coerce")
    assert len(submit) == len(nodes)
    read = time.perf_counter() - started
    read_cpu = _cpu_seconds() - cpu_before

    started = time.perf_counter()
    lo, hi = pd.Timestamp(f"{YEAR}-01-01"), pd.Timestamp(f"{YEAR + 1}-01-01")
    systems = pd.read_csv(folder / "systems.csv")
    orgs = pd.read_csv(folder / "orgs.csv")
    monthly = []
    for month in range(1, 13):
        m0 = pd.Timestamp(YEAR, month, 1)
        m1 = m0 + pd.offsets.MonthBegin(1)
        seconds = (
            (end.clip(upper=m1) - start.clip(lower=m0)).dt.total_seconds().clip(lower=0)
        )
        used = float((cores * seconds).sum()) / 3600
        capacity = 0.0
        for row in systems.itertuples():
            v0 = max(m0, pd.Timestamp(row.valid_from))
            v1 = min(
                m1, pd.Timestamp(row.valid_to) if isinstance(row.valid_to, str) else m1
            )
            capacity += row.cores * max((v1 - v0).total_seconds(), 0) / 3600
        if capacity > 0:
            monthly.append(100 * used / capacity)
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
    figures = {
        "hpc.core_hours_total": float((cores * seconds).sum()) / 3600,
        "hpc.cpu_utilization": sum(monthly) / len(monthly),
        "hpc.jobs_total": float(df.loc[ended, "jobid"].nunique()),
        "hpc.users_total": float(users["user"].nunique()),
        "hpc.user_organizations": float(org.nunique()),
    }
    return {
        "seconds": read,
        "read_cpu_seconds": read_cpu,
        "compute_seconds": time.perf_counter() - started,
        "rows": len(df),
        "figures": figures,
    }


def _print(
    jobs: int, log: Path, generated: float, r: dict[str, dict[str, Any]]
) -> None:
    size = log.stat().st_size / 1e6 if log.exists() else 0.0
    print(f"\n{jobs:,} jobs, log {size:,.0f} MB (generated in {generated:.1f} s)\n")
    print("| step | seconds | CPU s | jobs/s | × floor | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    floor = r["floor"]["seconds"]

    def line(
        name: str, seconds: float, cpu: float | None, rss: float, rate: bool = True
    ) -> None:
        speed = f"{jobs / seconds:,.0f}" if rate and seconds else "—"
        times = f"{seconds / floor:.1f}" if rate and floor else "—"
        used = f"{cpu:.2f}" if cpu is not None else "—"
        print(f"| {name} | {seconds:.2f} | {used} | {speed} | {times} | {rss:,.0f} |")

    for step, name in (
        ("floor", "DuckDB count lines (floor)"),
        ("fields", "DuckDB split 26 fields + count (reference)"),
        ("ingest", "zhangjiang ingest (parse + load, 1 transaction)"),
    ):
        res = r[step]
        line(name, res["seconds"], res["cpu_seconds"], res["max_rss_mb"])
    line(
        "zhangjiang compute all hpc.* for 2022",
        r["compute"]["seconds"],
        r["compute"]["cpu_seconds"],
        r["compute"]["max_rss_mb"],
        False,
    )
    line(
        "pandas read_csv + clean",
        r["pandas"]["seconds"],
        r["pandas"]["read_cpu_seconds"],
        r["pandas"]["max_rss_mb"],
    )
    line(
        "pandas compute figures",
        r["pandas"]["compute_seconds"],
        None,
        r["pandas"]["max_rss_mb"],
        False,
    )
    ingest, pandas = r["ingest"], r["pandas"]
    print(
        f"\ningest vs pandas read + clean: {pandas['seconds'] / ingest['seconds']:.2f}× "
        f"faster (wall), {pandas['read_cpu_seconds'] / ingest['cpu_seconds']:.2f}× "
        f"less CPU; ingest = {ingest['seconds'] / floor:.2f}× the floor"
    )
    ours, theirs = r["compute"]["figures"], r["pandas"]["figures"]
    print()
    for key, value in theirs.items():
        mine = ours.get(key)
        same = mine is not None and abs(mine - value) <= 1e-6 * max(1.0, abs(value))
        print(
            f"- {key}: zhangjiang {mine} / pandas {value:.6f} {'✓' if same else '✗ MISMATCH'}"
        )


if __name__ == "__main__":
    main()
