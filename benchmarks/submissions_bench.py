"""Importing form submissions, side by side with the same records as an evidence package.

Generates N hazard reports as ODK Central exports them (CSV: geoshape text, select_multiple
answers separated by spaces, a submission id and time per row) and the same N hazards as a
GeoJSON evidence package (the baseline: the importer's own format), then times, in one run:

* ``import`` of the GeoJSON package into a new workspace;
* ``import`` of the ODK Central export into a new workspace (read, converted, checked,
  merged by id);
* the same export imported again (every record unchanged).

Prints records/s and the ratio. Nothing is asserted. ``--export-only`` imports only the
export, once, and prints the process's peak memory.
Run: ``.venv/bin/python benchmarks/submissions_bench.py [--n N] [--export-only]``
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from landrelease.io import import_package
from landrelease.io.forms import FORMS, xlsform
from landrelease.store import Workspace

HAZARD = next(f for f in FORMS if f.form_id == "hazard_report")


def make(folder: Path, n: int, seed: int = 0) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    lon = 46.5 + rng.random(n) * 0.8
    lat = 39.3 + rng.random(n) * 0.9
    d = 0.002
    version = xlsform(HAZARD).version
    export, package = folder / "odk", folder / "package"
    export.mkdir(parents=True)
    package.mkdir()
    ids = [uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i) for i in range(n)]
    header = [
        "SubmissionDate", "hazard_id", "geometry", "classification", "status", "district",
        "reported", "blockages", "device_types", "date_of_information", "lr_form",
        "lr_form_version", "meta-instanceID", "KEY", "ReviewState",
    ]  # fmt: skip
    features = []
    with (export / "hazard_report.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(n):
            ring = [(lon[i], lat[i]), (lon[i] + d, lat[i]), (lon[i] + d, lat[i] + d),
                    (lon[i], lat[i] + d), (lon[i], lat[i])]  # fmt: skip
            shape = ";".join(f"{y:.6f} {x:.6f} 0 5" for x, y in ring)
            cls = "SHA" if i % 3 else "CHA"
            w.writerow(
                [
                    "2024-06-11T09:30:00.000Z",
                    "",
                    shape,
                    cls,
                    "active",
                    "Aghdam",
                    "2024-06-10",
                    "road agriculture",
                    "AP",
                    "2024-06-11",
                    "hazard_report",
                    version,
                    f"uuid:{ids[i]}",
                    f"uuid:{ids[i]}",
                    "",
                ]
            )
            props = {
                "hazard_id": f"HZ-{ids[i].hex[:12]}",
                "classification": cls,
                "status": "active",
                "district": "Aghdam",
                "reported": "2024-06-10",
                "blockages": ["road", "agriculture"],
                "device_types": ["AP"],
                "date_of_information": "2024-06-11",
            }
            coords = [[round(x, 6), round(y, 6)] for x, y in ring]
            features.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {"type": "Polygon", "coordinates": [coords]},
                }
            )
    (package / "hazards.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return export, package


def timed(ws: Workspace, path: Path) -> tuple[float, int, int]:
    t = time.perf_counter()
    report = import_package(ws, path, actor="bench")
    assert report.committed, [str(i) for i in report.issues[:5]]
    totals = report.totals()
    return time.perf_counter() - t, totals.inserted, totals.unchanged


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="import only the export, once, and print the process's peak memory (the figure "
        "the streaming reader bounds; the GeoJSON baseline's own peak would hide it)",
    )
    args = parser.parse_args()
    n = args.n
    if args.export_only:
        import multiprocessing

        with tempfile.TemporaryDirectory() as tmp:
            # generated in a child process, so that its memory is not counted here
            child = multiprocessing.get_context("fork").Process(target=make, args=(Path(tmp), n))
            child.start()
            child.join()
            before = _peak_mib()
            export = Path(tmp) / "odk"
            first, inserted, _ = timed(Workspace.create(str(Path(tmp) / "odk.gpkg")), export)
        print(
            f"{n:,} hazard reports, ODK Central export: {first:6.2f} s, {inserted:,} new; "
            f"peak memory {_peak_mib():,.0f} MiB (before the import: {before:,.0f} MiB)"
        )
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        export, package = make(root, n)
        base_ws = Workspace.create(str(root / "base.gpkg"))
        base, _, _ = timed(base_ws, package)
        ws = Workspace.create(str(root / "odk.gpkg"))
        first, inserted, _ = timed(ws, export)
        again, _, unchanged = timed(ws, export)
    print(f"{n:,} hazard reports (geoshapes), one transaction each import")
    print(f"  GeoJSON package (baseline) : {base:6.2f} s  {n / base:8,.0f} records/s")
    print(
        f"  ODK Central export         : {first:6.2f} s  {n / first:8,.0f} records/s  "
        f"({first / base:.2f} × the baseline; {inserted:,} new)"
    )
    print(
        f"  the same export again      : {again:6.2f} s  {n / again:8,.0f} records/s  "
        f"({unchanged:,} unchanged)"
    )


def _peak_mib() -> float:
    """The process's peak resident memory so far [MiB] (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
