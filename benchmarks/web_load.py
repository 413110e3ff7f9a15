"""Load the dashboard: 50 concurrent clients on loopback against `zhangjiang serve`.

Builds the demo store (or uses --db), starts the server in its own process, then for each
endpoint runs a bounded number of requests (and at most --duration seconds) from concurrent
keep-alive clients and prints a markdown table of latency percentiles and throughput.
Target: p95 < 100 ms for the overview.

    .venv/bin/python benchmarks/web_load.py [--requests 2000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

ENDPOINTS = [
    "/",
    "/api/v1/overview",
    "/facility/supercomputing",
    "/explore?indicator=hpc.core_hours&group_by=system&freq=month",
    "/api/v1/indicators?period=2022",
]
TARGET_P95_MS = {"/": 100.0}


def main() -> int:
    """Run the benchmark and print its table; exit 1 when a request fails."""
    args = _arguments()
    if args.url:  # an already running server
        rows = [asyncio.run(_load(args.url, path, args)) for path in ENDPOINTS]
        _print_table(rows, args)
        return 1 if any(r["errors"] for r in rows) else 0
    with tempfile.TemporaryDirectory(prefix="zj-bench-") as tmp:
        db = Path(args.db) if args.db else _demo_store(Path(tmp))
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zhangjiang",
                "--db",
                str(db),
                "serve",
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, server)
            rows = [asyncio.run(_load(base, path, args)) for path in ENDPOINTS]
        finally:
            server.terminate()
            server.wait(timeout=15)
    _print_table(rows, args)
    return 1 if any(r["errors"] for r in rows) else 0


async def _load(
    base: str, path: str, args: argparse.Namespace
) -> dict[str, float | str | int]:
    latencies: list[float] = []
    errors = 0
    remaining = args.requests
    deadline = time.monotonic() + args.duration

    async def one_client(exchange: Exchange) -> None:
        nonlocal remaining, errors
        while remaining > 0 and time.monotonic() < deadline:
            remaining -= 1
            started = time.perf_counter()
            status = await exchange()
            latencies.append((time.perf_counter() - started) * 1000)
            errors += status != 200

    async with contextlib.AsyncExitStack() as stack:
        warm = await stack.enter_async_context(_client(base))
        for _ in range(5):  # render and cache the page first
            (await warm.get(path)).raise_for_status()
        if args.client == "httpx":  # an AsyncClient (one connection) per client
            clients = [
                await stack.enter_async_context(_client(base))
                for _ in range(args.concurrency)
            ]
            exchanges = [_httpx_exchange(http, path) for http in clients]
        else:
            exchanges = [
                await _raw_exchange(base, path) for _ in range(args.concurrency)
            ]
        started = time.perf_counter()
        await asyncio.gather(*(one_client(e) for e in exchanges))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "path": path,
        "requests": len(latencies),
        "errors": errors,
        "p50": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
        "p99": latencies[int(0.99 * (len(latencies) - 1))],
        "rps": len(latencies) / elapsed,
    }


Exchange = Callable[[], Awaitable[int]]


def _client(base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base, timeout=60, limits=httpx.Limits(max_connections=1)
    )


def _httpx_exchange(http: httpx.AsyncClient, path: str) -> Exchange:
    async def exchange() -> int:
        return (await http.get(path)).status_code

    return exchange


async def _raw_exchange(base: str, path: str) -> Exchange:
    # One keep-alive connection and a minimal HTTP/1.1 exchange, as a browser sends it:
    # the load generator's own CPU use stays small next to the server's on a small machine.
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Accept-Encoding: gzip\r\nAccept: text/html,application/json\r\n\r\n"
    ).encode()

    async def exchange() -> int:
        writer.write(request)
        status, length = _head(await reader.readuntil(b"\r\n\r\n"))
        await reader.readexactly(length)
        return status

    return exchange


def _head(head: bytes) -> tuple[int, int]:
    lines = head.split(b"\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in lines
        if line.lower().startswith(b"content-length:")
    )
    return int(lines[0].split()[1]), length


def _print_table(
    rows: list[dict[str, float | str | int]], args: argparse.Namespace
) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"Web load: {args.concurrency} concurrent clients ({args.client}) on loopback, "
        f"one uvicorn worker; {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs ({platform.machine()}), load average {load}.\n"
    )
    print(
        "| Endpoint | Requests | Errors | p50 (ms) | p95 (ms) | p99 (ms) | Requests/s | Target |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        target = TARGET_P95_MS.get(str(r["path"]))
        verdict = (
            "—"
            if target is None
            else (
                f"p95 < {target:.0f} ms: {'met' if float(r['p95']) < target else 'MISSED'}"
            )
        )
        print(
            f"| `{r['path']}` | {r['requests']} | {r['errors']} | {float(r['p50']):.1f} | "
            f"{float(r['p95']):.1f} | {float(r['p99']):.1f} | {float(r['rps']):.0f} | {verdict} |"
        )


def _demo_store(folder: Path) -> Path:
    db = folder / "bench.duckdb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "zhangjiang",
            "--db",
            str(db),
            "demo",
            "--out",
            str(folder / "demo"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"server exited: {server.stderr.read() if server.stderr else ''}"
            )
        try:
            if httpx.get(base + "/", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("server did not start within 60 s")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=5000, help="requests per endpoint"
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="raw: a keep-alive socket per client (default); httpx: an AsyncClient each",
    )
    parser.add_argument(
        "--concurrency", type=int, default=50, help="concurrent clients"
    )
    parser.add_argument(
        "--duration", type=float, default=60.0, help="seconds per endpoint, at most"
    )
    parser.add_argument("--db", help="serve this store instead of a fresh demo store")
    parser.add_argument(
        "--url", help="load this running server instead of starting one"
    )
    return parser.parse_args()


if __name__ == "__main__":
    raise SystemExit(main())
