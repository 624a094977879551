"""Throughput and latency of the OGC API over loopback, GeoPackage and PostGIS.

    .venv/bin/python benchmarks/api_bench.py [--seconds 10] [--clients 8] [--pg postgresql://…]
    .venv/bin/python benchmarks/api_bench.py --clients 50 --seconds 20 --pg postgresql://…

Builds a workspace from the tests' small evidence package (tests/helpers.py;
run from the repository root), serves it with uvicorn on 127.0.0.1, and runs
concurrent httpx clients over a mix of requests for N seconds. Prints
requests/s, p50/p95/p99 latency and errors per backend. Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.helpers

from landrelease.io import import_package
from landrelease.store import Workspace
from landrelease.web import create_app
from landrelease.web.server import running

PATHS = (
    "/collections/hazards/items?limit=100",
    "/collections/hazards/items?limit=50&bbox=46.9,39.95,46.95,40.0",
    "/collections/settlements/items",
    "/collections/survey_parts/items?limit=100",
    "/collections/hazards/items?limit=10&offset=10",
    "/collections/hazards",
    "/api/summary",
)


def _package(folder: Path) -> Path:
    from tests.helpers import write_package

    return write_package(folder / "pkg")


def _pg_database(url: str) -> str:
    import psycopg

    name = f"lr_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


def _drop_pg(url: str, target: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {target.rsplit('/', 1)[1]} WITH (FORCE)")


def _load(base: str, seed: int, threads: int, seconds: float, out: Any) -> None:
    """One load process: ``threads`` httpx clients for ``seconds``; sends (latencies, errors)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(k: int) -> None:
        nonlocal errors
        rng = random.Random(seed * 1000 + k)
        with httpx.Client(base_url=base, timeout=30) as c:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    ok = c.get(rng.choice(PATHS)).status_code == 200
                except httpx.HTTPError:
                    ok = False
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    errors += not ok

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((latencies, errors))


def bench(target: str, *, seconds: float, clients: int, procs: int = 4) -> dict[str, float]:
    """The server runs in this process; the clients in ``procs`` other processes (no shared GIL)."""
    app = create_app(target)
    latencies: list[float] = []
    errors = 0
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = max(1, min(procs, clients))
    shares = [clients // procs + (i < clients % procs) for i in range(procs)]
    with running(app) as base:
        httpx.get(base + PATHS[0])  # warm the cache
        workers = [
            ctx.Process(target=_load, args=(base, i, n, seconds, queue))
            for i, n in enumerate(shares)
        ]
        for w in workers:
            w.start()
        for _ in workers:
            lat, err = queue.get()
            latencies += lat
            errors += err
        for w in workers:
            w.join()
    hits, misses = app.state.cache.hits, app.state.cache.misses
    app.state.workspace.close()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,  # each client process runs for `seconds`
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
        "errors": errors,
        "cache_hits": hits,
        "cache_misses": misses,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients")
    ap.add_argument(
        "--procs", type=int, default=4, help="client processes the clients are spread over"
    )
    ap.add_argument("--pg", help="PostgreSQL server URL (a database is created and dropped)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pkg = _package(Path(tmp))
        targets = [("GeoPackage", str(Path(tmp) / "bench.gpkg"))]
        if args.pg:
            targets.append(("PostGIS", _pg_database(args.pg)))
        try:
            for label, target in targets:
                with Workspace.create(target, actor="bench") as ws:
                    import_package(ws, pkg, actor="bench")
                r = bench(target, seconds=args.seconds, clients=args.clients, procs=args.procs)
                print(
                    f"{label:10s} {r['requests']:6.0f} requests  {r['rps']:7.1f} req/s  "
                    f"p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
                    f"p99 {r['p99_ms']:6.1f} ms  errors {r['errors']:.0f}  "
                    f"clients {args.clients}  cache {r['cache_hits']:.0f}/{r['cache_misses']:.0f} hit/miss"
                )
        finally:
            if args.pg:
                _drop_pg(args.pg, targets[-1][1])


if __name__ == "__main__":
    main()
