"""Throughput and latency of the web API under concurrent clients, GeoPackage and PostGIS.

    .venv/bin/python benchmarks/api_bench.py                       # 100 clients, 60 s, GeoPackage
    .venv/bin/python benchmarks/api_bench.py --pg postgresql://…   # and PostGIS
    .venv/bin/python benchmarks/api_bench.py --clients 100 --seconds 20 --scale small

Generates the built-in scenario (district scale by default: ~1,500 hazards,
~58,000 findings), imports it, adds an analyst, and serves it with
``landrelease serve --workers W`` in its own processes, first with one worker
(the baseline: what a laptop runs) and then with ``--workers`` processes. The
clients are plain asyncio HTTP/1.1 keep-alive connections spread over
``--procs`` processes (cheap per request, so the figures measure the server,
not the client library), half of them logged in with a bearer token. Each
request is one of what QGIS and the map ask for:

* 50 % hazards in a random map view (``bbox``, up to 100 features),
* 15 % settlements in a random view,
* 15 % one hazard by id (``/collections/hazards/items/{id}``),
* 10 % a hazard's story as the map's click shows it (``/api/hazards/{id}``),
* 10 % the findings in a random view, thinned (``/api/points/findings``; logged-in clients).

Views are random (centre anywhere in the hazards' extent, 1–20 km across), so
most responses are not in the server's response cache. Prints requests/s,
p50/p95/p99 latency and errors per backend and worker count, side by side.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from landrelease.io import import_package
from landrelease.store import Workspace
from landrelease.web.auth import add_user
from landrelease.web.server import free_port

PASSWORD = "benchmark-password"
KM_PER_DEG = 111.0


def _pg_database(url: str) -> str:
    import psycopg

    name = f"lr_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
        with psycopg.connect(url.rsplit("/", 1)[0] + "/" + name, autocommit=True) as db:
            db.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return url.rsplit("/", 1)[0] + "/" + name


def _drop_pg(url: str, target: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {target.rsplit('/', 1)[1]} WITH (FORCE)")


def _requests(seed: int, ids: list[str], box: list[float], logged_in: bool):  # type: ignore[no-untyped-def]
    """An endless stream of request paths in the benchmark's mix."""
    rng = random.Random(seed)
    x0, y0, x1, y1 = box

    def view() -> str:
        km = rng.uniform(1, 20)
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        dx = km / KM_PER_DEG / max(np.cos(np.radians(cy)), 0.2) / 2
        dy = km / KM_PER_DEG / 2
        return f"{cx - dx:.5f},{cy - dy:.5f},{cx + dx:.5f},{cy + dy:.5f}"

    while True:
        r = rng.random()
        if r < 0.50:
            yield f"/collections/hazards/items?limit=100&bbox={view()}"
        elif r < 0.65:
            yield f"/collections/settlements/items?limit=100&bbox={view()}"
        elif r < 0.80:
            yield f"/collections/hazards/items/{rng.choice(ids)}"
        elif r < 0.90 or not logged_in:
            yield f"/api/hazards/{rng.choice(ids)}"
        else:
            yield f"/api/points/findings?bbox={view()}"


async def _client(
    port: int, paths: Any, stop: float, token: str | None, out: list[float], errors: list[int]
) -> None:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    reader = writer = None
    while time.monotonic() < stop:
        path = next(paths)
        t0 = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Accept: application/json\r\n\r\n".encode()
            )
            status = int((await reader.readline()).split()[1])
            length = None
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length is None:
                raise ConnectionError("a response without content-length")
            await reader.readexactly(length)
            ok = status == 200
        except (OSError, ConnectionError, ValueError, IndexError, asyncio.IncompleteReadError):
            ok = False
            if writer is not None:
                writer.close()
            reader = writer = None
        out.append(time.perf_counter() - t0)
        if not ok:
            errors.append(1)
    if writer is not None:
        writer.close()


def _load(args: tuple[Any, ...]) -> tuple[list[float], int]:
    """One client process: ``n`` connections for ``seconds``; returns latencies and errors."""
    port, n, first, seconds, ids, box, token = args

    async def run() -> tuple[list[float], int]:
        lat: list[float] = []
        errors: list[int] = []
        stop = time.monotonic() + seconds
        tasks = []
        for k in range(n):
            logged_in = (first + k) % 2 == 0
            paths = _requests(first + k, ids, box, logged_in)
            tasks.append(_client(port, paths, stop, token if logged_in else None, lat, errors))
        await asyncio.gather(*tasks)
        return lat, len(errors)

    return asyncio.run(run())


def _serve(target: str, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "landrelease", "serve", "--port", str(port),
         "--workers", str(workers), *(["--db", target] if "://" in target else ["-w", target])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/summary", timeout=2).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.3)


def bench(
    target: str, *, seconds: float, clients: int, procs: int, workers: int
) -> dict[str, float]:
    with Workspace.open(target) as ws:
        hazards = ws.read_layer("hazards")
    ids = [str(x) for x in hazards["hazard_id"]]
    box = [float(v) for v in hazards.total_bounds]
    proc, port = _serve(target, workers)
    try:
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(
            base + "/api/token", json={"username": "bench", "password": PASSWORD}
        ).json()["access_token"]
        for path in ("/collections/hazards/items?limit=1", "/api/hazards/" + ids[0]):
            for _ in range(workers * 2):  # every worker reads and indexes its layers once
                httpx.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        procs = max(1, min(procs, clients))
        shares = [clients // procs + (i < clients % procs) for i in range(procs)]
        firsts = [sum(shares[:i]) for i in range(procs)]
        jobs = [(port, n, f, seconds, ids, box, token) for n, f in zip(shares, firsts, strict=True)]
        with mp.get_context("spawn").Pool(procs) as pool:
            results = pool.map(_load, jobs)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    lat = np.array([x for r in results for x in r[0]]) * 1000
    errors = sum(r[1] for r in results)
    p50, p95, p99 = np.percentile(lat, [50, 95, 99]) if len(lat) else (0.0, 0.0, 0.0)
    return {
        "requests": len(lat),
        "rps": len(lat) / seconds,
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
        "errors": errors,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60, help="seconds of load per run")
    ap.add_argument("--clients", type=int, default=100, help="concurrent connections")
    ap.add_argument("--procs", type=int, default=2, help="client processes")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="server processes")
    ap.add_argument("--scale", default="district", choices=["small", "district"])
    ap.add_argument("--pg", help="PostgreSQL server URL (a database is created and dropped)")
    args = ap.parse_args()
    from landrelease.scenario import generate

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        pkg = Path(tmp) / "pkg"
        generate(region="karabakh", seed=2020, scale=args.scale, out=pkg)
        targets = [("GeoPackage", str(Path(tmp) / "bench.gpkg"))]
        if args.pg:
            targets.append(("PostGIS", _pg_database(args.pg)))
        try:
            for _, target in targets:
                with Workspace.create(target, actor="bench") as ws:
                    import_package(ws, pkg, actor="bench")
                    add_user(ws, "bench", password=PASSWORD, role="analyst", actor="bench")
            print(
                f"{args.scale} scenario generated and imported in {time.perf_counter() - t:.0f} s; "
                f"{args.clients} clients, {args.seconds:.0f} s per run, {os.cpu_count()} CPUs "
                "shared by the server and the clients"
            )
            print(
                f"{'backend':10s} {'workers':>7s} {'requests':>9s} {'req/s':>8s} "
                f"{'p50 ms':>7s} {'p95 ms':>7s} {'p99 ms':>7s} {'errors':>6s}"
            )
            for label, target in targets:
                for workers in dict.fromkeys([1, args.workers]):
                    r = bench(
                        target,
                        seconds=args.seconds,
                        clients=args.clients,
                        procs=args.procs,
                        workers=workers,
                    )
                    print(
                        f"{label:10s} {workers:7d} {r['requests']:9.0f} {r['rps']:8.1f} "
                        f"{r['p50_ms']:7.1f} {r['p95_ms']:7.1f} {r['p99_ms']:7.1f} "
                        f"{r['errors']:6.0f}",
                        flush=True,
                    )
            print("goal: p95 under 100 ms and no errors at 100 clients")
        finally:
            if args.pg:
                _drop_pg(args.pg, targets[-1][1])


if __name__ == "__main__":
    main()
