"""The workspace as a spatial database at national scale: import, index, bounding-box queries.

    .venv/bin/python benchmarks/db_bench.py                                # 5 % of national, GeoPackage
    .venv/bin/python benchmarks/db_bench.py --scale 1 --pg postgresql://…  # national, both backends

Generates a package of ``--scale`` × a national programme (11,000 hazard polygons
and 500,000 finding points — about three times the region scenario — spread over
a 150 × 180 km country, seeded), imports it into a new workspace (a child process:
time and peak memory), and measures:

* the size of the database and the time to build the spatial indexes on it (as
  the schema-2 migration does for an older workspace);
* bounding-box queries as QGIS and map servers send them: a random map view
  1–20 km across, the features in it (id and geometry) of findings (80 %) and
  hazards (20 %), by 1 and by 50 concurrent clients (threads, each with its own
  connection) for ``--seconds`` each: queries/s, p50/p95 latency, rows returned;
* on the GeoPackage: through SQL with the R-tree (what landrelease runs),
  through GDAL (pyogrio) with the R-tree, and through GDAL on a copy without
  it (the baseline: what QGIS did before);
* on PostGIS: through SQL with the GIST index, and the same SQL with index
  scans disabled (the baseline);
* with ``--api``: the same views through the web's OGC API
  (``/collections/<layer>/items?bbox=…&limit=100``, one server worker, logged
  in as an analyst) — it answers from its in-memory index, not from SQL.

The same views are asked of each variant, and the rows they return compared: GDAL
finds the same features with and without the R-tree, PostGIS the same with and
without the GIST index (SQL on the R-tree returns the candidates whose bounding box
meets the view, never fewer). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NATIONAL_HAZARDS = 11_000
NATIONAL_FINDINGS = 500_000
EXTENT = (46.0, 39.2, 47.75, 40.85)
"""lon/lat of the synthetic country: about 150 × 180 km."""
KM_PER_DEG = 111.0

IMPORT_CHILD = """
import resource, sys, time
from landrelease.io import import_package
from landrelease.store import Workspace
t = time.perf_counter()
ws = Workspace.create(sys.argv[2], metric_crs="EPSG:32638")
r = import_package(ws, sys.argv[1], actor="bench")
assert r.committed and r.ok, [str(i) for i in r.issues[:5]]
print(time.perf_counter() - t, r.records, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


# -- the package ---------------------------------------------------------------------------
def make_package(folder: Path, n_hazards: int, n_findings: int, seed: int = 17) -> None:
    """Hazard polygons (12-sided, ~100–400 m across) and finding points, clustered around them."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    x0, y0, x1, y1 = EXTENT
    cx = x0 + rng.random(n_hazards) * (x1 - x0)
    cy = y0 + rng.random(n_hazards) * (y1 - y0)
    with (folder / "hazards.geojson").open("w") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
        for i in range(n_hazards):
            r = 0.0015 * (0.4 + rng.random(12))
            ring = np.round(np.c_[cx[i] + r * np.cos(ang), cy[i] + r * np.sin(ang)], 6).tolist()
            ring.append(ring[0])
            props = {
                "hazard_id": f"HZ-{i:06d}",
                "classification": "SHA" if i % 3 else "CHA",
                "status": "active",
                "reported": f"20{18 + i % 6}-{1 + i % 12:02d}-01",
                "blockages": ["road"] if i % 2 else ["agriculture", "housing"],
            }
            geom = {"type": "Polygon", "coordinates": [ring]}
            sep = ",\n" if i else ""
            fh.write(
                f'{sep}{{"type": "Feature", "properties": {json.dumps(props)}, "geometry": {json.dumps(geom)}}}'
            )
        fh.write("\n]}\n")
    near = rng.integers(0, n_hazards, n_findings)
    lon = np.round(cx[near] + rng.normal(0, 0.001, n_findings), 6)
    lat = np.round(cy[near] + rng.normal(0, 0.001, n_findings), 6)
    devices = np.array(["AP", "AT", "UXO", "AXO", "IED"])[rng.integers(0, 5, n_findings)]
    with (folder / "findings.geojson").open("w") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        for i in range(n_findings):
            props = {
                "finding_id": f"FD-{i:07d}",
                "device": str(devices[i]),
                "date": f"20{19 + i % 5}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "depth_cm": float(i % 30),
                "destroyed": bool(i % 2),
            }
            sep = ",\n" if i else ""
            fh.write(
                f'{sep}{{"type": "Feature", "properties": {json.dumps(props)}, "geometry": '
                f'{{"type": "Point", "coordinates": [{lon[i]}, {lat[i]}]}}}}'
            )
        fh.write("\n]}\n")


def views(n: int, seed: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """``n`` random map views (layer, bbox): 1–20 km across, centre anywhere in the country."""
    rng = random.Random(seed)
    x0, y0, x1, y1 = EXTENT
    out = []
    for _ in range(n):
        layer = "findings" if rng.random() < 0.8 else "hazards"
        half = rng.uniform(1, 20) / KM_PER_DEG / 2
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        out.append((layer, (cx - half, cy - half, cx + half, cy + half)))
    return out


# -- running queries -----------------------------------------------------------------------
Query = Callable[[Any, str, tuple[float, float, float, float]], int]
"""(connection, layer, bbox) -> rows returned."""


def run_clients(
    connect: Callable[[], Any], query: Query, boxes: list[Any], clients: int, seconds: float
) -> dict[str, float]:
    """``clients`` threads, each with its own connection, asking views in turn for ``seconds``."""
    lat: list[float] = []
    rows: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        conn = connect()
        mine_lat, mine_rows = [], []
        start.wait()
        stop = time.monotonic() + seconds
        i = k
        while time.monotonic() < stop:
            layer, box = boxes[i % len(boxes)]
            t = time.perf_counter()
            n = query(conn, layer, box)
            mine_lat.append(time.perf_counter() - t)
            mine_rows.append(n)
            i += clients
        with lock:
            lat.extend(mine_lat)
            rows.extend(mine_rows)
        close = getattr(conn, "close", None)
        if close:
            close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    for t in threads:
        t.join()
    ms = np.array(lat) * 1000
    p50, p95 = np.percentile(ms, [50, 95]) if len(ms) else (0.0, 0.0)
    return {
        "queries": len(ms),
        "qps": len(ms) / seconds,
        "p50": float(p50),
        "p95": float(p95),
        "rows": float(np.mean(rows)) if rows else 0.0,
    }


# -- GeoPackage ------------------------------------------------------------------------------
def gpkg_sql(conn: sqlite3.Connection, layer: str, box: tuple[float, ...]) -> int:
    minx, miny, maxx, maxy = box
    key = "finding_id" if layer == "findings" else "hazard_id"
    sql = (
        f'SELECT t.fid, t.{key}, t.geom FROM "{layer}" t JOIN "rtree_{layer}_geom" r ON t.fid = r.id '
        "WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? AND t.retired_at IS NULL"
    )
    return len(conn.execute(sql, (maxx, minx, maxy, miny)).fetchall())


def gdal_reader(path: str) -> Query:
    import pyogrio

    def q(_: Any, layer: str, box: tuple[float, ...]) -> int:
        key = "finding_id" if layer == "findings" else "hazard_id"
        _, table = pyogrio.raw.read_arrow(path, layer=layer, columns=[key], bbox=box)
        return int(table.num_rows)

    return q


def drop_rtrees(path: Path) -> None:
    conn = sqlite3.connect(path)
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_%'"
        )
    ]
    for n in names:
        conn.execute(f'DROP TRIGGER "{n}"')
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rtree_%' AND sql LIKE 'CREATE VIRTUAL%'"
        )
    ]
    for t in tables:
        conn.execute(f'DROP TABLE "{t}"')
    conn.execute("DELETE FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'")
    conn.commit()
    conn.execute("VACUUM")
    conn.close()


def bench_gpkg(
    path: Path, boxes: list[Any], args: argparse.Namespace
) -> list[tuple[str, int, dict[str, float]]]:
    from landrelease.store import Workspace, indexes

    noidx = path.with_name("no-index.gpkg")
    shutil.copy(path, noidx)
    drop_rtrees(noidx)
    rebuilt = path.with_name("rebuilt.gpkg")
    shutil.copy(noidx, rebuilt)
    ws = Workspace(Workspace._engine(str(rebuilt)), str(rebuilt))
    t = time.perf_counter()
    with ws.begin() as conn:
        indexes.create_gpkg_rtrees(conn)
    build = time.perf_counter() - t
    ws.close()
    print(
        f"GeoPackage: {path.stat().st_size / 1e6:.0f} MB with R-trees, {noidx.stat().st_size / 1e6:.0f} MB "
        f"without; building every R-tree took {build:.1f} s"
    )

    def sql_conn() -> sqlite3.Connection:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    variants: list[tuple[str, Callable[[], Any], Query]] = [
        ("SQL + R-tree", sql_conn, gpkg_sql),
        ("GDAL + R-tree", lambda: None, gdal_reader(str(path))),
        ("GDAL, no index (baseline)", lambda: None, gdal_reader(str(noidx))),
    ]
    check = boxes[:40]
    sql, gdal, scan = ([q(c(), layer, box) for layer, box in check] for _, c, q in variants)
    # GDAL keeps the features whose geometry meets the view; SQL on the R-tree returns the
    # candidates whose (32-bit, rounded outwards) box meets it: never fewer
    print(
        f"  GDAL: same rows with and without the R-tree over {len(check)} views: {gdal == scan}; "
        f"SQL candidates cover them: {all(a >= b for a, b in zip(sql, gdal, strict=True))}"
    )
    out = []
    for label, connect, query in variants:
        for clients in (1, args.clients):
            out.append((label, clients, run_clients(connect, query, boxes, clients, args.seconds)))
    return out


# -- PostGIS ---------------------------------------------------------------------------------
def pg_query(indexed: bool) -> Query:
    def q(conn: Any, layer: str, box: tuple[float, ...]) -> int:
        key = "finding_id" if layer == "findings" else "hazard_id"
        return len(
            conn.execute(
                f"SELECT fid, {key}, ST_AsBinary(geom) FROM {layer} "
                "WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) AND retired_at IS NULL",
                box,
            ).fetchall()
        )

    return q


def bench_pg(
    url: str, boxes: list[Any], args: argparse.Namespace
) -> list[tuple[str, int, dict[str, float]]]:
    import psycopg

    from landrelease.store import indexes

    with psycopg.connect(url, autocommit=True) as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
        t = time.perf_counter()
        for table, column in (("findings", "geom"), ("hazards", "geom")):
            name = indexes.gist_name(table, column)
            conn.execute(f'DROP INDEX "{name}"')
            conn.execute(f'CREATE INDEX "{name}" ON {table} USING GIST ({column})')
        build = time.perf_counter() - t
        conn.execute("VACUUM ANALYZE findings")
        conn.execute("VACUUM ANALYZE hazards")
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN SELECT fid FROM findings WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
                boxes[0][1],
            ).fetchall()
        )
    print(
        f"PostGIS: database {size / 1e6:.0f} MB; building the GIST indexes of findings and hazards "
        f"took {build:.1f} s; plan of a view: {'index' if 'gix_findings_geom' in plan else 'SCAN'}"
    )

    def connect(indexed: bool) -> Callable[[], Any]:
        def c() -> Any:
            conn = psycopg.connect(url, autocommit=True)
            if not indexed:
                conn.execute("SET enable_indexscan = off")
                conn.execute("SET enable_bitmapscan = off")
            return conn

        return c

    check = boxes[:40]
    with connect(True)() as a, connect(False)() as b:
        same = [pg_query(True)(a, *v) for v in check] == [pg_query(False)(b, *v) for v in check]
    print(f"  same rows with and without the index over {len(check)} views: {same}")
    out = []
    for label, indexed in (("SQL + GIST", True), ("SQL, no index (baseline)", False)):
        for clients in (1, args.clients):
            r = run_clients(connect(indexed), pg_query(indexed), boxes, clients, args.seconds)
            out.append((label, clients, r))
    return out


# -- the web API -----------------------------------------------------------------------------
def bench_api(
    target: str, boxes: list[Any], args: argparse.Namespace
) -> list[tuple[str, int, dict[str, float]]]:
    """The views through ``landrelease serve`` (1 worker), as QGIS's OGC API client asks them."""
    import asyncio
    import signal

    import httpx

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from api_bench import PASSWORD, _client, _serve  # type: ignore[import-not-found]

    from landrelease.store import Workspace
    from landrelease.web.auth import add_user

    with Workspace.open(target) as ws:
        add_user(ws, "dbbench", password=PASSWORD, role="analyst", actor="bench")
    proc, port = _serve(target, 1)
    out = []
    try:
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(
            base + "/api/token", json={"username": "dbbench", "password": PASSWORD}
        ).json()["access_token"]
        t = time.perf_counter()
        for layer in ("findings", "hazards"):  # the server reads and indexes each layer once
            httpx.get(
                f"{base}/collections/{layer}/items?limit=1",
                headers={"Authorization": f"Bearer {token}"},
                timeout=600,
            )
        print(
            f"  API server: first read and index of findings and hazards {time.perf_counter() - t:.1f} s"
        )

        def paths(k: int, clients: int) -> Any:
            i = k
            while True:
                layer, (x0, y0, x1, y1) = boxes[i % len(boxes)]
                i += clients
                yield f"/collections/{layer}/items?limit=100&bbox={x0:.5f},{y0:.5f},{x1:.5f},{y1:.5f}"

        for clients in (1, args.clients):
            lat: list[float] = []
            errors: list[int] = []

            async def run(
                clients: int = clients, lat: list[float] = lat, errors: list[int] = errors
            ) -> None:
                stop = time.monotonic() + args.seconds
                await asyncio.gather(
                    *(
                        _client(port, paths(k, clients), stop, token, lat, errors)
                        for k in range(clients)
                    )
                )

            asyncio.run(run())
            ms = np.array(lat) * 1000
            p50, p95 = np.percentile(ms, [50, 95]) if len(ms) else (0.0, 0.0)
            r = {
                "queries": len(ms),
                "qps": len(ms) / args.seconds,
                "p50": float(p50),
                "p95": float(p95),
                "rows": float("nan"),
            }
            if errors:
                print(f"  API: {len(errors)} errors with {clients} clients")
            out.append(("OGC API (in-memory index)", clients, r))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return out


def import_into(pkg: Path, target: str) -> tuple[float, int, float]:
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_CHILD, str(pkg), target],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seconds, records, rss_kb = out.stdout.split()
    return float(seconds), int(records), int(rss_kb) / 1024


def _pg_database(url: str) -> str:
    import psycopg

    name = f"lr_dbbench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    target = url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return target


def _drop_pg(url: str, target: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {target.rsplit('/', 1)[1]} WITH (FORCE)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--scale",
        type=float,
        default=0.05,
        help="fraction of the national load (1 = 11,000 hazards, 500,000 findings)",
    )
    ap.add_argument("--seconds", type=float, default=5, help="seconds of queries per run")
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients of the second run")
    ap.add_argument("--pg", help="PostgreSQL server URL (a database is created and dropped)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--api", action="store_true", help="also query through the web's OGC API")
    args = ap.parse_args()
    n_h = max(10, round(NATIONAL_HAZARDS * args.scale))
    n_f = max(100, round(NATIONAL_FINDINGS * args.scale))
    boxes = views(2000, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pkg = root / "pkg"
        t = time.perf_counter()
        make_package(pkg, n_h, n_f, args.seed)
        mb = sum(f.stat().st_size for f in pkg.iterdir()) / 1e6
        print(
            f"package: {n_h:,} hazards + {n_f:,} findings ({args.scale:g} × national), {mb:.0f} MB "
            f"GeoJSON, written in {time.perf_counter() - t:.0f} s; {os.cpu_count()} CPUs shared by "
            f"database, clients and Python; {args.seconds:g} s per run"
        )
        targets = [("GeoPackage", str(root / "bench.gpkg"))]
        if args.pg:
            targets.append(("PostGIS", _pg_database(args.pg)))
        results: list[tuple[str, str, int, dict[str, float]]] = []
        try:
            for label, target in targets:
                seconds, records, rss = import_into(pkg, target)
                print(
                    f"{label}: imported {records:,} records in {seconds:.1f} s "
                    f"({records / seconds:,.0f}/s), peak memory {rss:.0f} MB"
                )
                rows = (
                    bench_gpkg(Path(target), boxes, args)
                    if label == "GeoPackage"
                    else bench_pg(target, boxes, args)
                )
                if args.api:
                    rows += bench_api(target, boxes, args)
                results += [(label, v, c, r) for v, c, r in rows]
        finally:
            if args.pg:
                _drop_pg(args.pg, targets[-1][1])
        print()
        print(
            f"{'backend':11s} {'query':28s} {'clients':>7s} {'queries':>8s} {'q/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'rows':>7s}"
        )
        for label, variant, clients, r in results:
            print(
                f"{label:11s} {variant:28s} {clients:7d} {r['queries']:8.0f} {r['qps']:8.1f} "
                f"{r['p50']:8.2f} {r['p95']:8.2f} {r['rows']:7.0f}".replace("nan", "  -")
            )
        print(
            f"\nthis process's peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )


if __name__ == "__main__":
    main()
