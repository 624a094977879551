"""Risk map and survey decisions on scenarios with seeds the models never saw, beside every baseline.

For each seed: generate the scenario, import it, and for each model (boosted,
evidence, distance) compute the risk map, decide, and score against ground
truth: ROC-AUC and PR-AUC over hazard cells, share of hazard area releasable at
99 % of true devices, the decisions' cancelled share and true recall, clean
land sent to survey/clearance per device (against the distance baseline:
goal half or less), time and peak memory. Then the time of one distance layer
beside Debian's ``gdal_proximity.py`` on the same grid.

Run: ``.venv/bin/python benchmarks/risk_bench.py --scale district --seeds 101 102 103``
Printed, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scale", default="district", choices=["small", "district", "region"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103])
    ap.add_argument("--cell", type=float, default=20.0)
    ap.add_argument("--models", nargs="+", default=["boosted", "evidence", "distance"])
    args = ap.parse_args()

    from landrelease.io import import_package
    from landrelease.risk.pipeline import compute_risk
    from landrelease.scenario import generate
    from landrelease.store import Workspace
    from landrelease.survey import SurveyRule, decide
    from landrelease.survey.evaluate import evaluate, load_truth

    header = f"{'seed':>5} {'model':9} {'sec':>6} {'peakGB':>7} {'cvAUC':>6} {'AUC':>6} {'PR-AUC':>7} {'rel@99':>7} {'cancel':>7} {'recall':>7} {'clean m²/dev':>13}"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            pkg = Path(tmp) / f"s{seed}"
            t = time.perf_counter()
            generate(region="karabakh", seed=seed, scale=args.scale, out=pkg)
            ws = Workspace.create(str(Path(tmp) / f"s{seed}.gpkg"))
            report = import_package(ws, pkg, repair=True)
            print(
                f"seed {seed}: scenario + import {time.perf_counter() - t:.1f} s, {report.records:,} records"
            )
            for model in args.models:
                t = time.perf_counter()
                run = compute_risk(ws, cell_m=args.cell, model=model)
                result = decide(run, SurveyRule())
                seconds = time.perf_counter() - t
                truth = load_truth(pkg / "truth", run.grid.crs)
                ev = evaluate(
                    grid=run.grid,
                    probability=run.probability,
                    hazards=run.evidence.hazards,
                    parts=result.parts,
                    truth_xy=truth,
                )
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
                cv = run.scores.get(model)
                clean = ev.decisions["clean_m2_worked_per_device"]
                rows.append(
                    (seed, model, seconds, peak, cv.roc_auc if cv else float("nan"), ev, clean)
                )
            ws.close()
    print()
    print(header)
    for seed, model, seconds, peak, cv_auc, ev, clean in rows:
        d = ev.decisions
        print(
            f"{seed:>5} {model:9} {seconds:>6.1f} {peak:>7.2f} {cv_auc:>6.3f} {ev.map.roc_auc:>6.3f} {ev.map.pr_auc:>7.3f} "
            f"{ev.map.released_at_99:>7.1%} {d['share_area_cancelled']:>7.1%} {d['true_recall']:>7.2%} {clean:>13,.0f}"
        )
    by_model: dict[str, list[float]] = {}
    for _, model, _, _, _, ev, _ in rows:
        by_model.setdefault(model, []).append(ev.map.released_at_99)
    print(
        "\nmean share of hazard area releasable at 99 % of true devices: "
        + ", ".join(f"{m} {np.mean(v):.1%}" for m, v in by_model.items())
    )
    clean = {(seed, model): c for seed, model, *_, c in rows}
    ratios = [
        clean[(s, m)] / clean[(s, "distance")]
        for (s, m) in clean
        if m != "distance" and (s, "distance") in clean
    ]
    if ratios:
        print(
            f"clean land worked per device, models / distance baseline: {np.mean(ratios):.2f} (goal ≤ 0.5)"
        )
    _proximity_side_by_side(args.cell)


def _proximity_side_by_side(cell: float) -> None:
    """One distance layer on a 4,000 × 4,000 grid: our tiled EDT against gdal_proximity.py."""
    import rasterio
    from affine import Affine
    from scipy import ndimage

    n = 4000
    rng = np.random.default_rng(0)
    src = np.zeros((n, n), dtype=np.uint8)
    src[rng.integers(0, n, 3000), rng.integers(0, n, 3000)] = 1
    t = time.perf_counter()
    for r in range(0, n, 1024):
        for c in range(0, n, 1024):
            r0, c0 = max(r - 25, 0), max(c - 25, 0)
            ndimage.distance_transform_edt(
                src[r0 : r + 1024 + 25, c0 : c + 1024 + 25] == 0, sampling=cell
            )
    ours = time.perf_counter() - t
    tool = shutil.which("gdal_proximity.py")
    if not tool:
        print(
            f"distance layer, {n}×{n} cells: landrelease {ours:.2f} s; gdal_proximity.py not installed"
        )
        return
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "src.tif", Path(tmp) / "dist.tif"
        with rasterio.open(
            a,
            "w",
            driver="GTiff",
            width=n,
            height=n,
            count=1,
            dtype="uint8",
            crs="EPSG:32638",
            transform=Affine(cell, 0, 500000, 0, -cell, 4500000),
        ) as dst:
            dst.write(src, 1)
        t = time.perf_counter()
        subprocess.run(
            [tool, str(a), str(b), "-values", "1", "-distunits", "GEO", "-ot", "Float32", "-q"],
            check=True,
        )
        theirs = time.perf_counter() - t
    print(
        f"distance layer, {n}×{n} cells: landrelease (tiled EDT) {ours:.2f} s, gdal_proximity.py {theirs:.2f} s (ratio {theirs / ours:.1f}×)"
    )


if __name__ == "__main__":
    main()
