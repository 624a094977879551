"""Throughput and latency of the OGC API over loopback, GeoPackage and PostGIS.

    .venv/bin/python benchmarks/api_bench.py [--seconds 10] [--clients 8] [--pg postgresql://…]

Builds a workspace from the tests' small evidence package (tests/helpers.py;
run from the repository root), serves it with uvicorn on 127.0.0.1, and runs
concurrent httpx clients over a mix of requests for N seconds. Prints
requests/s, p50/p95/p99 latency and errors per backend. Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from landrelease.io import import_package
from landrelease.store import Workspace
from landrelease.web import create_app
from landrelease.web.server import running

PATHS = (
    "/collections/hazards/items?limit=100",
    "/collections/hazards/items?limit=50&bbox=46.9,39.95,46.95,40.0",
    "/collections/settlements/items",
    "/collections/survey_parts/items?limit=100",
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


def bench(target: str, *, seconds: float, clients: int) -> dict[str, float]:
    app = create_app(target)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    with running(app) as base:
        stop = time.monotonic() + seconds

        def worker(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
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

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
    app.state.workspace.close()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
        "errors": errors,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=8)
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
                r = bench(target, seconds=args.seconds, clients=args.clients)
                print(
                    f"{label:10s} {r['requests']:6.0f} requests  {r['rps']:7.1f} req/s  "
                    f"p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
                    f"p99 {r['p99_ms']:6.1f} ms  errors {r['errors']:.0f}"
                )
        finally:
            if args.pg:
                _drop_pg(args.pg, targets[-1][1])


if __name__ == "__main__":
    main()
