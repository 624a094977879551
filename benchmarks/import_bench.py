"""Import throughput with full validation, side by side with GDAL's ogr2ogr.

Generates 100,000 finding points and 20,000 hazard polygons (GeoJSON), then
times, in the same run:

* ``ogr2ogr`` (Debian's GDAL) loading both files into a new GeoPackage — no checks;
* ``landrelease import`` of the same files into a new workspace — every rule checked,
  areas computed, provenance and audit trail written, one transaction.

Prints records/s, peak memory and the ratio. Nothing is asserted.
Run: ``.venv/bin/python benchmarks/import_bench.py [--points N] [--polygons N]``
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = """
import resource, sys, time
from landrelease.io import import_package
from landrelease.store import Workspace
t = time.perf_counter()
ws = Workspace.create(sys.argv[2])
r = import_package(ws, sys.argv[1], actor="bench")
assert r.committed and r.ok, [str(i) for i in r.issues[:5]]
print(time.perf_counter() - t, r.records, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def make_package(folder: Path, n_points: int, n_polygons: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    lon = 46.5 + rng.random(n_points) * 0.8
    lat = 39.3 + rng.random(n_points) * 0.9
    devices = np.array(["AP", "AT", "UXO", "AXO", "IED"])[rng.integers(0, 5, n_points)]
    with (folder / "findings.geojson").open("w") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        for i in range(n_points):
            props = {
                "finding_id": f"F-{i:07d}",
                "device": devices[i],
                "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "depth_cm": float(i % 30),
                "destroyed": bool(i % 2),
            }
            sep = ",\n" if i else ""
            fh.write(
                f'{sep}{{"type": "Feature", "properties": {json.dumps(props)}, "geometry": {{"type": "Point", "coordinates": [{lon[i]:.6f}, {lat[i]:.6f}]}}}}'
            )
        fh.write("\n]}\n")
    cx = 46.5 + rng.random(n_polygons) * 0.8
    cy = 39.3 + rng.random(n_polygons) * 0.9
    with (folder / "hazards.geojson").open("w") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        for i in range(n_polygons):
            k = 12
            ang = np.linspace(0, 2 * np.pi, k, endpoint=False)
            r = 0.002 * (0.6 + 0.4 * rng.random(k))
            ring = [
                [round(cx[i] + r[j] * np.cos(ang[j]), 6), round(cy[i] + r[j] * np.sin(ang[j]), 6)]
                for j in range(k)
            ]
            ring.append(ring[0])
            props = {
                "hazard_id": f"H-{i:06d}",
                "classification": "SHA" if i % 3 else "CHA",
                "status": "active",
                "blockages": ["road"] if i % 2 else ["agriculture", "housing"],
            }
            sep = ",\n" if i else ""
            fh.write(
                f'{sep}{{"type": "Feature", "properties": {json.dumps(props)}, "geometry": {{"type": "Polygon", "coordinates": [{json.dumps(ring)}]}}}}'
            )
        fh.write("\n]}\n")


def time_ogr2ogr(folder: Path, out: Path) -> float | None:
    ogr2ogr = shutil.which("ogr2ogr")
    if not ogr2ogr:
        return None
    t = time.perf_counter()
    for name in ("hazards", "findings"):
        args = [ogr2ogr, "-f", "GPKG", str(out), str(folder / f"{name}.geojson"), "-nln", name]
        if out.exists():
            args.insert(1, "-update")
        subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--polygons", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each; the best is reported")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pkg = root / "pkg"
        make_package(pkg, args.points, args.polygons)
        n = args.points + args.polygons
        size_mb = sum(f.stat().st_size for f in pkg.iterdir()) / 1e6
        print(
            f"package: {args.points:,} finding points + {args.polygons:,} hazard polygons, {size_mb:.0f} MB of GeoJSON"
        )
        ogr = [time_ogr2ogr(pkg, root / f"ogr{i}.gpkg") for i in range(args.repeat)]
        ours = []
        for i in range(args.repeat):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(pkg), str(root / f"ws{i}.gpkg")],
                capture_output=True,
                text=True,
                check=True,
            )
            seconds, records, rss_kb = out.stdout.split()
            ours.append((float(seconds), int(records), int(rss_kb)))
        best = min(ours)
        print(f"{'':32}{'seconds':>10}{'records/s':>12}{'peak MB':>10}")
        print(
            f"{'landrelease import (validated)':32}{best[0]:>10.2f}{n / best[0]:>12,.0f}{best[2] / 1024:>10.0f}"
        )
        if ogr[0] is not None:
            o = min(t for t in ogr if t is not None)
            print(f"{'ogr2ogr GeoJSON -> GPKG':32}{o:>10.2f}{n / o:>12,.0f}{'':>10}")
            print(f"throughput ratio (landrelease / ogr2ogr): {o / best[0]:.2f}  (goal ≥ 0.5)")
        else:
            print("ogr2ogr not installed (apt-get install gdal-bin) — no reference time")
        print(
            f"this process's peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )


if __name__ == "__main__":
    main()
