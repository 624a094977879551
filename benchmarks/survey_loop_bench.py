"""The land-release loop: does technical survey where the bound binds let more land be cancelled?

When the decisions stop cancelling because of the map's errors on held-out land, they say
that technical survey of land at the risk of the next land in line is what would let more be
cancelled. This benchmark checks that statement on generated worlds the engine never saw, the
way a programme would act on it:

1. **Round 1**: the world is generated and imported; the risk map and the decisions are made
   as ``landrelease risk`` and ``landrelease survey`` make them; the confirmation sample they
   draw is searched in the world (``scenario.field.search_sites``) and judged.
2. **Technical survey of the band**: of the hazard cells the decisions did not cancel whose
   probability of a device is at most ``--band`` times that of the next land in line (the
   risk where the bound binds), a random ``--share`` (seeded) is searched in full, each device
   there found with the scenario's technical-survey detection for its kind. The searched
   cells are recorded as approved technical-survey activities (one per hazard, its 20 m
   squares), their finds as findings, and imported into the same workspace.
3. **Round 2**: the map and the decisions again, their confirmation sample searched and
   judged; scored against the devices still in the ground (less those the survey found).

Printed per world, round 1 beside round 2: the hazard area cancelled, what the map's ranking
allows at 99 % true recall, the true recall, the devices left stated and bounded against the
true ones. Printed, never asserted. The parameters are fixed before any world is run (a fifth
of the band up to five times the next land's risk); seeds 1201, 1202, … by default, never used
while developing the engine.

Run::

    .venv/bin/python benchmarks/survey_loop_bench.py --worlds 5
    .venv/bin/python benchmarks/survey_loop_bench.py --seeds 1009 --share 0.05 --band 3
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from decisions_bench import Column, Doctrine, _num, _pct, print_table, run_each, say, write_csv

from landrelease.survey.limit import SURVEY_BAND, SURVEY_SHARE

FIRST_SEED = 1201
"""Seeds of the worlds (1201, 1202, …): never used while the engine was developed."""
SITE_M = 20.0
"""Side of a surveyed square, m (the map's cell)."""


@dataclass(frozen=True)
class LoopJob:
    seed: int
    scale: str
    share: float
    band: float


def band_cells(p: np.ndarray, cancelled: np.ndarray, next_p: float, band: float) -> np.ndarray:
    """Indices of the hazard cells not cancelled whose probability lies in
    (``next_p``, ``band`` × ``next_p``]: the land at the risk where the bound binds."""
    p = np.asarray(p, float)
    return np.flatnonzero(~np.asarray(cancelled, bool) & (p > next_p) & (p <= band * next_p))


def _round(
    ws: Any, pkg: Path, seed: int, history: Any, found: np.ndarray | None = None
) -> dict[str, Any]:
    """Map and decide, search the confirmation sample in the world, and score against the
    devices still in the ground (``found``: indices of those the survey took out, in the order
    of ``load_truth``)."""
    from landrelease.risk.pipeline import compute_risk
    from landrelease.scenario.field import search_sites
    from landrelease.survey import SurveyRule, decide
    from landrelease.survey.confirm import confirmation_verdict
    from landrelease.survey.decisions import confirmed_parts
    from landrelease.survey.evaluate import evaluate, load_truth

    t = time.perf_counter()
    rule = SurveyRule()
    run = compute_risk(ws)
    result = decide(run, rule)
    seconds = time.perf_counter() - t
    parts, verdict = result.parts, None
    terms = result.summary.get("confirmation")
    if terms is not None and result.sites is not None:
        sites = search_sites(
            result.sites, pkg / "truth", site_m=rule.confirmation.site_m, seed=seed, history=history
        )
        verdict = confirmation_verdict(
            terms, searched=len(sites), found=int(sites["devices_found"].sum())
        )
        parts = confirmed_parts(parts, verdict)
    truth = load_truth(pkg / "truth", run.grid.crs)
    if found is not None:
        truth = np.delete(truth, found, axis=0)
    ev = evaluate(
        grid=run.grid,
        hazards=run.evidence.hazards,
        truth_xy=truth,
        probability=run.probability,
        parts=parts,
        expected=run.expected,
    )
    cancel = parts[parts["decision"] == "cancel"] if len(parts) else parts
    limit = result.summary.get("cancellation_limit") or {}
    return {
        "run": run,
        "result": result,
        "seconds": seconds,
        "allowed": ev.map.released_at_99,
        "cancelled": ev.decisions["share_area_cancelled"],
        "recall": ev.decisions["true_recall"],
        "stated": float(cancel["expected_devices"].sum()) if len(cancel) else 0.0,
        "bound": float(cancel["devices_bound"].sum()) if len(cancel) else 0.0,
        "true": ev.decisions["devices_in_cancelled_land"],
        "confirm": verdict["verdict"] if verdict else "–",
        "next_p": limit.get("next_probability"),
        "cause": limit.get("cause"),
    }


def run_loop(job: LoopJob) -> dict[str, Any]:
    """Both rounds of one world (in its own process); one table row."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from landrelease import settings
    from landrelease.domain import layer_by_name
    from landrelease.io import import_package, write_geojson_layer
    from landrelease.scenario import generate
    from landrelease.scenario.field import devices_in_ground, search_squares
    from landrelease.store import Workspace

    doctrine = Doctrine.of(job.seed)
    history = doctrine.parameters().history
    with tempfile.TemporaryDirectory(prefix="survey-loop-") as tmp:
        pkg = Path(tmp) / "package"
        say(f"world {job.seed}: generating")
        generate(
            region="karabakh",
            seed=job.seed,
            scale=job.scale,
            out=pkg,
            params=doctrine.parameters(),
        )
        ws = Workspace.create(str(Path(tmp) / "world.gpkg"))
        import_package(ws, pkg, repair=True)
        ends = pd.to_datetime(gpd.read_file(pkg / "activities.geojson")["end"])
        day = (ends.max() + pd.Timedelta(days=30)).date().isoformat()
        say(f"world {job.seed}: round 1")
        items = devices_in_ground(pkg / "truth")  # the order of load_truth
        one = _round(ws, pkg, job.seed, history)
        run = one["run"]
        crs = run.grid.crs
        row: dict[str, Any] = {"seed": job.seed, "scale": job.scale}
        for k in ("allowed", "cancelled", "recall", "stated", "bound", "true", "confirm"):
            row[f"{k}1"] = one[k]
        row["map1_s"] = one["seconds"]
        if one["next_p"] is None:
            row["note"] = "nothing held the rule back: no band to survey"
            ws.close()
            return row
        rows_, cols_, hid = run.computer.hazard_cells.cells(
            tile_cells=int(settings.get("risk_tile_cells"))
        )
        p = np.nan_to_num(run.probability[rows_, cols_].astype(float))
        x, y = run.grid.centres(rows_, cols_)
        cancel_parts = one["result"].parts
        cancel_parts = cancel_parts[cancel_parts["decision"] == "cancel"]
        cancelled = np.zeros(len(p), bool)
        if len(cancel_parts):
            union = shapely.union_all(cancel_parts.to_crs(crs).geometry.values)
            shapely.prepare(union)
            cancelled = shapely.contains_xy(union, x, y)
        band = band_cells(p, cancelled, float(one["next_p"]), job.band)
        rng = np.random.default_rng(job.seed)
        pick = np.sort(rng.choice(band, size=max(1, int(job.share * len(band))), replace=False))
        half = SITE_M / 2
        boxes = shapely.box(x[pick] - half, y[pick] - half, x[pick] + half, y[pick] + half)
        items = items.to_crs(crs)
        site, item = search_squares(
            x[pick], y[pick], items, site_m=SITE_M, rng=rng, history=history
        )
        hazard_ids = run.evidence.hazards["hazard_id"].to_numpy()[hid[pick] - 1]
        names = {h: f"LOOP-TS-{i + 1}" for i, h in enumerate(np.unique(hazard_ids))}
        found_at = np.bincount(site, minlength=len(pick))
        activities = gpd.GeoDataFrame(
            [
                {
                    "activity_id": names[h],
                    "type": "TS",
                    "hazard_id": h,
                    "start": day,
                    "end": day,
                    "outcome": "confirmed" if found_at[hazard_ids == h].any() else "reduced",
                    "searched_share": 1.0,
                    "status": "approved",
                    "geometry": shapely.multipolygons(list(boxes[hazard_ids == h])),
                }
                for h in names
            ],
            geometry="geometry",
            crs=crs,
        ).to_crs(4326)
        findings = gpd.GeoDataFrame(
            {
                "finding_id": [f"LOOP-F-{i + 1}" for i in range(len(item))],
                "device": items["device"].to_numpy()[item],
                "date": day,
                "activity_id": [names[hazard_ids[s]] for s in site],
            },
            geometry=items.geometry.values[item],
            crs=crs,
        ).to_crs(4326)
        folder = Path(tmp) / "band"
        folder.mkdir()
        write_geojson_layer(
            layer_by_name("activities"),
            activities.assign(extra=None),
            folder / "activities.geojson",
        )
        if len(findings):
            write_geojson_layer(
                layer_by_name("findings"), findings.assign(extra=None), folder / "findings.geojson"
            )
        report = import_package(ws, folder, repair=True)
        if not report.ok:
            raise RuntimeError(f"the survey's records did not import: {report.issues[:3]}")
        hazard_m2 = float(run.hazard_stats["area_m2"].sum())
        row.update(
            {
                "band_cells": len(band),
                "surveyed_ha": len(pick) * SITE_M**2 / 1e4,
                "surveyed_share": len(pick) * SITE_M**2 / hazard_m2,
                "found": len(item),
                "expected": float(np.nan_to_num(run.expected[rows_[pick], cols_[pick]]).sum()),
            }
        )
        say(f"world {job.seed}: round 2")
        two = _round(ws, pkg, job.seed + 1, history, found=item)
        for k in ("allowed", "cancelled", "recall", "stated", "bound", "true", "confirm"):
            row[f"{k}2"] = two[k]
        row["map2_s"] = two["seconds"]
        row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ws.close()
    return row


COLUMNS = (
    Column("seed", "seed", str, "the world's seed (never used while developing the engine)"),
    Column("surveyed_ha", "TS ha", _num(",.1f"), "hazard land searched by the band's survey (ha)"),
    Column("surveyed_share", "TS %", _pct(1), "the same, as a share of the active hazard area"),
    Column("found", "found", _num(",.0f"), "devices the survey found there"),
    Column("expected", "exp", _num(",.1f"), "devices round 1's map expected there"),
    Column("allowed1", "allow1", _pct(1), "round 1: hazard area the map's ranking allows at 99 %"),
    Column("cancelled1", "cancel1", _pct(1), "round 1: hazard area the decisions cancel"),
    Column("recall1", "recall1", _pct(2), "round 1: true devices NOT in cancelled land"),
    Column("bound1", "bound1", _num(",.1f"), "round 1: devices left, the bound stated"),
    Column("true1", "true1", _num(",.0f"), "round 1: devices left, true"),
    Column("allowed2", "allow2", _pct(1), "round 2 (after the survey): the ranking allows"),
    Column("cancelled2", "cancel2", _pct(1), "round 2: cancelled"),
    Column("recall2", "recall2", _pct(2), "round 2: true recall"),
    Column("bound2", "bound2", _num(",.1f"), "round 2: devices left, the bound stated"),
    Column("true2", "true2", _num(",.0f"), "round 2: devices left, true"),
    Column("confirm2", "sample2", str, "round 2: the confirmation sample's verdict"),
    Column("note", "note", lambda v: v or "", "why a world has no round 2"),
)


def report(rows: list[dict[str, Any]], out: Path | None, *, share: float, band: float) -> None:
    print_table(
        f"The land-release loop: technical survey of {share:.0%} of the hazard land at up to "
        f"{band:g} × the risk where the bound binds, then the map and decisions again",
        COLUMNS,
        rows,
    )
    done = [r for r in rows if "cancelled2" in r]
    if done:
        c1 = np.array([r["cancelled1"] for r in done])
        c2 = np.array([r["cancelled2"] for r in done])
        ts = np.array([r["surveyed_share"] for r in done])
        kept = sum(r["recall2"] >= 0.99 for r in done)
        held = sum(r["true2"] <= r["bound2"] + 1e-9 for r in done)
        bold = sum(r["cancelled2"] >= 0.8 * r["allowed2"] for r in done)
        print(
            f"\ncancelled: round 1 {c1.mean():.1%} of the hazard area on average, round 2 "
            f"{c2.mean():.1%} (× {c2.sum() / max(c1.sum(), 1e-12):.1f}), after surveying "
            f"{ts.mean():.1%} of it; promise kept in round 2: {kept} of {len(done)}; bound held: "
            f"{held} of {len(done)}; cancelled ≥ 80 % of what the ranking allows: {bold} of "
            f"{len(done)} (round 1: "
            f"{sum(r['cancelled1'] >= 0.8 * r['allowed1'] for r in done)})"
        )
    if out is not None:
        write_csv(out / "survey_loop.csv", [c.key for c in COLUMNS], rows)
        print(f"wrote {out / 'survey_loop.csv'}")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--worlds", type=int, default=5, help="worlds (seeds 1201, 1202, …)")
    ap.add_argument("--seeds", type=int, nargs="+", help="explicit seeds (overrides --worlds)")
    ap.add_argument("--scale", default="small", choices=["small", "district"])
    ap.add_argument(
        "--share",
        type=float,
        default=SURVEY_SHARE,
        help="share of the band's cells surveyed (0–1; default: what the decisions' text quotes)",
    )
    ap.add_argument(
        "--band",
        type=float,
        default=SURVEY_BAND,
        help="the band: cells up to this many times the next land's probability of a device",
    )
    ap.add_argument("--out", type=Path, help="also write the table as CSV into this folder")
    args = ap.parse_args()
    if not 0 < args.share <= 1 or args.band <= 1:
        raise SystemExit("--share must lie in (0, 1] and --band above 1")
    started = time.perf_counter()
    seeds = args.seeds or [FIRST_SEED + i for i in range(args.worlds)]
    rows = run_each(
        run_loop,
        [LoopJob(s, args.scale, args.share, args.band) for s in seeds],
        label=lambda job: f"world {job.seed}",
        failed=lambda job, exc: {"seed": job.seed, "scale": job.scale, "note": exc},
    )
    report(rows, args.out, share=args.share, band=args.band)
    print(f"\n{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
