"""The operations plan and the forecast at national scale, beside the rules a planner might use.

Builds a seeded synthetic programme (default: 5,000 open hazards, 600
settlements, 100 teams, plan to 10 years ahead) as an evidence package,
imports it, and times:

* ``landrelease.planning.plan`` — greedy and LP-guided orders, the LP bound
  (HiGHS), local search; prints the objective as a share of the LP bound, the
  gap's causes (``landrelease.planning.gap``: travel, set-ups, the bound's
  partial credit and merged months) and,
  side by side with the simple rules (largest first, nearest to settlements
  first, least contaminated first, the pace so far), people-years of return by
  2030 and by the horizon and the month by which half the planned returnees can
  be home;
* ``landrelease.planning.forecast`` — 1,000 Monte Carlo runs per scenario: completion dates
  ("after <year>" for runs that do not finish), the saving of evidence-based cancellation with
  its P10–P90, and how many numpy warnings the forecast raised.

``--scenario district`` plans the built-in scenario generator's world instead.
Printed, never asserted. Run: ``.venv/bin/python benchmarks/plan_bench.py``
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import resource
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pyproj
import shapely

CRS = "EPSG:32638"
X0, Y0 = 560_000.0, 4_330_000.0
"""South-west corner of the synthetic region (UTM 38N, near Fuzuli)."""


def synthetic_package(
    folder: Path,
    *,
    seed: int = 5,
    hazards: int = 5000,
    settlements: int = 600,
    teams: int = 100,
    width_km: float = 110.0,
    height_km: float = 80.0,
) -> Path:
    """A seeded programme: towns and villages with roads and fields, hazards along an old front
    line and around settlements (blockages from what they touch), incidents, two years of land
    release, funding and ``teams`` teams."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    w, h = width_km * 1000, height_km * 1000
    # settlements: a few towns, many villages
    sx = X0 + rng.uniform(0.03, 0.97, settlements) * w
    sy = Y0 + rng.uniform(0.03, 0.97, settlements) * h
    pop = np.round(np.exp(rng.normal(6.6, 0.9, settlements))).astype(int)
    towns = rng.choice(settlements, 6, replace=False)
    pop[towns] = rng.integers(5_000, 30_000, 6)
    pop[towns[0]] = 66_000
    builtup = 120 + 4 * np.sqrt(pop)
    # roads: each settlement to its two nearest neighbours
    pts = np.column_stack([sx, sy])
    d = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    np.fill_diagonal(d, np.inf)
    roads = {tuple(sorted((i, int(j)))) for i in range(settlements) for j in np.argsort(d[i])[:2]}
    road_geoms = [shapely.LineString([pts[a], pts[b]]) for a, b in sorted(roads)]
    # farmland: one or two fields per settlement
    fields = []
    for i in range(settlements):
        for _ in range(rng.integers(1, 3)):
            ang, r = rng.uniform(0, 2 * np.pi), builtup[i] + rng.uniform(200, 1200)
            size = rng.uniform(300, 900)
            cx, cy = sx[i] + r * np.cos(ang), sy[i] + r * np.sin(ang)
            fields.append(shapely.box(cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2))
    # hazards: 60 % along the old front (a diagonal band), 40 % near settlements
    front = rng.random(hazards) < 0.6
    t = rng.random(hazards)
    hx = np.where(front, X0 + t * w, 0.0)
    hy = np.where(front, Y0 + 0.2 * h + t * 0.6 * h + rng.normal(0, 6000, hazards), 0.0)
    near = np.flatnonzero(~front)
    owner = rng.integers(0, settlements, len(near))
    ang = rng.uniform(0, 2 * np.pi, len(near))
    rad = builtup[owner] + rng.exponential(1500, len(near))
    hx[near] = sx[owner] + rad * np.cos(ang)
    hy[near] = sy[owner] + rad * np.sin(ang)
    area = np.clip(np.exp(rng.normal(11.3, 1.4, hazards)), 2_000, 8e6)
    side = np.sqrt(area) * rng.uniform(0.6, 1.4, hazards)
    polys = shapely.box(hx - side / 2, hy - area / side / 2, hx + side / 2, hy + area / side / 2)
    cha = rng.random(hazards) < np.where(front, 0.35, 0.6)
    # blockages from what each hazard touches
    blocks: list[list[str]] = [[] for _ in range(hazards)]
    for geoms, what, dist in (
        (np.asarray(road_geoms), "road", 50.0),
        (np.asarray(fields), "agriculture", 0.0),
        (shapely.buffer(shapely.points(pts), builtup), "housing", 0.0),
    ):
        hi, _ = shapely.STRtree(geoms).query(polys, predicate="dwithin", distance=dist)
        for i in np.unique(hi):
            blocks[i].append(what)
    to_ll = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)

    def ll(g: np.ndarray) -> np.ndarray:
        return shapely.transform(g, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))

    def write(name: str, geoms: np.ndarray, props: list[dict[str, object]]) -> None:
        feats = [
            {"type": "Feature", "properties": p, "geometry": json.loads(shapely.to_geojson(g))}
            for p, g in zip(props, ll(np.asarray(geoms)), strict=True)
        ]
        (folder / f"{name}.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": feats})
        )

    reported = np.datetime64("2021-01-01") + rng.integers(0, 1500, hazards).astype("timedelta64[D]")
    write(
        "hazards",
        polys,
        [
            {
                "hazard_id": f"HZ-{i:05d}",
                "classification": "CHA" if cha[i] else "SHA",
                "status": "active",
                "reported": str(reported[i]),
                "blockages": blocks[i],
            }
            for i in range(hazards)
        ],
    )
    write(
        "settlements",
        shapely.points(pts),
        [
            {
                "settlement_id": f"S-{i:04d}",
                "name": f"Settlement {i}",
                "population_planned": int(pop[i]),
            }
            for i in range(settlements)
        ],
    )
    infra = road_geoms + fields
    kinds = ["road"] * len(road_geoms) + ["farmland"] * len(fields)
    write(
        "infrastructure",
        np.asarray(infra),
        [{"asset_id": f"IN-{i:05d}", "kind": k} for i, k in enumerate(kinds)],
    )
    n_inc = hazards // 12
    pick = rng.integers(0, hazards, n_inc)
    write(
        "incidents",
        shapely.points(hx[pick] + rng.normal(0, 300, n_inc), hy[pick] + rng.normal(0, 300, n_inc)),
        [
            {
                "incident_id": f"INC-{i:05d}",
                "date": str(np.datetime64("2021-01-01") + int(rng.integers(0, 1800))),
                "killed": int(rng.random() < 0.2),
                "injured": 1,
                "civilian": True,
            }
            for i in range(n_inc)
        ],
    )
    # two years of approved land release on other (closed) ground, for the pace so far
    n_act = 600
    ax, ay = X0 + rng.random(n_act) * w, Y0 + rng.random(n_act) * h
    asz = np.sqrt(np.exp(rng.normal(11.0, 1.0, n_act)))
    outcome = rng.choice(["cancelled", "reduced", "cleared"], n_act, p=[0.45, 0.2, 0.35])
    kind = {"cancelled": "NTS", "reduced": "TS", "cleared": "clearance"}
    end = np.datetime64("2024-01-01") + rng.integers(0, 730, n_act).astype("timedelta64[D]")
    write(
        "activities",
        shapely.box(ax, ay, ax + asz, ay + asz),
        [
            {
                "activity_id": f"ACT-{i:05d}",
                "type": kind[str(outcome[i])],
                "hazard_id": f"HZ-OLD-{i:05d}",
                "start": str(end[i] - 30),
                "end": str(end[i]),
                "outcome": str(outcome[i]),
                "status": "approved",
            }
            for i in range(n_act)
        ],
    )
    mix = {"manual": 0.4, "dog": 0.35, "rat": 0.05, "machine": 0.2}
    spec = {"manual": (300, 1500), "dog": (1000, 350), "rat": (400, 120), "machine": (2500, 2200)}
    with (folder / "assets.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["organisation", "asset", "count", "m2_per_day", "usd_per_day"])
        for k, share in mix.items():
            out.writerow(["ANAMA", k, round(teams * share), *spec[k]])
    with (folder / "funding.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["date", "source", "amount_usd", "purpose"])
        for m in range(24):
            month = f"{2024 + m // 12}-{m % 12 + 1:02d}-01"
            out.writerow([month, "national", 1_900_000, "clearance"])
            if m % 6 == 0:
                out.writerow([month, "European Union", 600_000, "clearance"])
    return folder


BEFORE = {
    "synthetic": "before machines paid their own set-ups on large machine ground in the bound "
    "95.7 %, before machine ground was grouped by task size in the bound 94.3 %, before the "
    "machines' claim and the money rule 93.2 %, before the rules per kind 92.8 %, before the "
    "task-size rule 92.0 % (issue 16: 89.9 %); ",
    "district": "before machines paid their own set-ups on large machine ground in the bound "
    "95.5 %, before machine ground was grouped by task size in the bound 95.2 %, before the "
    "machines' claim and the money rule 93.9 %, before the rules per kind 93.2 %; ",
}
"""The plan's share of the bound on the same run before the latest changes (decisions 0026, 0033,
0043, 0045)."""


def scenario_package(folder: Path, scale: str, seed: int) -> Path:
    from landrelease.scenario import generate

    generate(region="karabakh", seed=seed, scale=scale, out=folder)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--hazards", type=int, default=5000)
    ap.add_argument("--settlements", type=int, default=600)
    ap.add_argument("--teams", type=int, default=100)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument(
        "--runs", type=int, default=1000, help="forecast runs per scenario (0: the plan only)"
    )
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--scenario", choices=["small", "district", "region"], default=None)
    args = ap.parse_args()

    from landrelease.io import import_package
    from landrelease.planning import forecast, plan
    from landrelease.planning.gap import gap_causes
    from landrelease.planning.schedule import simulate
    from landrelease.records import book_approved_activities
    from landrelease.store import Workspace, WorkspaceView

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        if args.scenario:
            pkg = scenario_package(root / "pkg", args.scenario, args.seed)
            what = f"scenario {args.scenario} (seed {args.seed})"
        else:
            pkg = synthetic_package(
                root / "pkg",
                seed=args.seed,
                hazards=args.hazards,
                settlements=args.settlements,
                teams=args.teams,
            )
            what = f"synthetic: {args.hazards:,} hazards, {args.settlements:,} settlements, {args.teams} teams (seed {args.seed})"
        ws = Workspace.create(str(root / "ws.gpkg"), actor="bench")
        rep = import_package(ws, pkg, actor="bench", repair=True)
        book_approved_activities(ws, actor="bench")  # the pace so far is measured on the ledger
        view = WorkspaceView(ws)  # one read of the workspace for the plan and the forecast
        print(
            f"{what}; package and import {time.perf_counter() - t:.1f} s ({rep.records:,} records)"
        )
        print(f"cores: {len(os.sched_getaffinity(0))}")

        t = time.perf_counter()
        start = "2026-01"
        horizon = f"{2026 + args.years - 1}-12"
        r = plan(view, horizon=horizon, start=start, out=root / "charts")
        wall = time.perf_counter() - t
        p = r.problem
        print(
            f"\nplan {start}–{horizon}: {p.n_tasks:,} tasks of {len(p.benefits.hazard_ids):,} hazards, "
            f"{int(p.pool.teams[:, 0].sum())} teams, {p.n_months} months: {wall:.1f} s "
            f"({', '.join(f'{k} {v:.1f}' for k, v in r.seconds.items())})"
        )
        b = r.bound
        if b is not None:
            print(
                f"LP bound {b.value:.4f} ({b.status}, {b.rows:,} rows × {b.columns:,} columns, "
                f"{b.periods} periods of which {b.month_periods} single months, {b.seconds:.1f} s, "
                f"{b.cpu_seconds:.1f} s of processor time); "
                f"plan {r.outcome.value:.4f} = {r.share_of_bound:.1%} of the bound (order: {r.strategy}); "
                f"{BEFORE.get(args.scenario or 'synthetic', '')}goal ≥ 97 %"
            )
            print("\n".join(gap_causes(p, r.schedule.order, b).lines()))
            free = dataclasses.replace(
                p, params=dataclasses.replace(p.params, travel_km_per_day=float("inf"))
            )
            free_schedule = simulate(free, r.schedule.order)
            joins = free_schedule.work["mobilisation_days"].sum() / p.params.setup_days
            begun = int((free_schedule.start_month >= 0).sum())
            print(
                f"set-ups paid (the same order, free travel): {joins:,.0f} team joins on "
                f"{begun:,} tasks begun ({joins / max(begun, 1):.2f} a task)"
            )
            work = r.schedule.work
            mob_usd = float((work["mobilisation_days"] * p.pool.usd_per_day[work["kind"]]).sum())
            print(
                f"mobilisation (set-ups and travel): {work['mobilisation_days'].sum():,.0f} of "
                f"{work['team_days'].sum():,.0f} team-days, USD {mob_usd / 1e6:.1f} M of "
                f"{work['cost_usd'].sum() / 1e6:.1f} M; rules: min_task_days "
                f"{p.params.min_task_days:g}, max_cost_ratio {p.params.max_cost_ratio:g}"
            )
            n_k = len(p.kinds)
            rules = zip(
                p.kinds,
                p.params.task_days(n_k),
                p.params.join_days(n_k),
                p.params.lookahead(n_k),
                p.params.claims(n_k),
                p.params.reserves(n_k),
                strict=True,
            )
            print(
                "rules per kind (task size, join, look-ahead, claims its tasks, leaves money "
                "to cheaper kinds): "
                + "; ".join(
                    f"{k} {d:g} d, {j:g} d, {a}, {'yes' if c else 'no'}, {'yes' if r else 'no'}"
                    for k, d, j, a, c, r in rules
                )
            )
            load = os.getloadavg()
            print(
                f"plan ÷ bound {r.share_of_bound:.1%}; bound {r.seconds.get('lp_bound', 0.0):.1f} s, "
                f"rules per kind {r.seconds.get('dispatch', 0.0):.1f} s, search {r.seconds.get('search', 0.0):.1f} s, plan in all {wall:.1f} s "
                f"(goal < 60 s on 2 cores); machine load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
                f"(1, 5, 15 min)"
            )
        cols = [
            "label",
            "benefit",
            "share_of_bound",
            "people_years_2030",
            "people_years_horizon",
            "half_home",
            "settlements_ready",
        ]
        print("\n" + r.comparison[cols].to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
        if args.runs < 1:
            print("\nforecast: not run (--runs 0)")
            ws.close()
            return

        t = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            f = forecast(view, runs=args.runs, start=start)
        wall = time.perf_counter() - t
        numpy_warnings = [w for w in caught if issubclass(w.category, RuntimeWarning)]
        print(
            f"\nforecast: {len(f.scenarios)} scenarios × {f.runs:,} runs in {wall:.1f} s ({wall / len(f.scenarios):.1f} s per scenario)"
        )
        after = f"after {f.window_end.year}"
        table = f.table[["scenario", "cost_usd_p50", "complete_share"]].copy()
        for q in ("p10", "p50", "p90"):
            table[f"completion_{q}"] = [
                d.strftime("%Y-%m") if d else after for d in f.table[f"completion_{q}"]
            ]
        print(table.to_string(index=False))
        s = f.saving
        if s:
            print(
                f"evidence-based cancellation saves {s['share_p50']:.1%} of the cost "
                f"(P10–P90 {s['share_p10']:.1%}–{s['share_p90']:.1%}; baseline: 14 %–14 %, zero width); "
                f"the survey's cancellations hold on {s['cancel_kept_p50']:.1%} of the area "
                f"(P10–P90 {s['cancel_kept_p10']:.1%}–{s['cancel_kept_p90']:.1%}); "
                f"runs not finishing: {s['runs_unfinished_with']} with, {s['runs_unfinished_without']} without "
                f"of {s['runs']}"
            )
        for note in f.notes:
            if "survey" in note:
                print(f"forecast note: {note}")
        print(f"numpy warnings during the forecast: {len(numpy_warnings)} (baseline: 1, inf − inf)")
        print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        ws.close()


if __name__ == "__main__":
    main()
