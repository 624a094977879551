"""Small planning problems built by hand (pure arrays, no workspace) and seeded random ones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from landrelease.planning.assets import KINDS, AssetPool
from landrelease.planning.common import month_range
from landrelease.planning.model import Benefits, PlanParams, PlanProblem, build_problem
from landrelease.planning.tasks import TASK_COLUMNS

PARAMS = PlanParams(
    working_days_per_month=20.0,
    setup_days=1.0,
    travel_km_per_day=100.0,
    m2_per_team=20_000.0,
    machine_max_slope_deg=15.0,
    builtup_radius_m=500.0,
    nts_m2_per_team_day=250_000.0,
    ts_sampled_share=0.2,
    ts_followup_share=0.3,
    bac_effort_share=0.35,
)
RATES = {
    "manual": (300.0, 1500.0),
    "dog": (1000.0, 350.0),
    "rat": (400.0, 120.0),
    "machine": (2500.0, 2200.0),
}


def pool(n_months: int, teams: dict[str, float]) -> AssetPool:
    """Teams of each kind every month, at the DOMAIN.md productivity and cost."""
    return AssetPool(
        KINDS,
        np.array([[float(teams.get(k, 0))] * n_months for k in KINDS]),
        np.array([RATES[k][0] for k in KINDS]),
        np.array([RATES[k][1] for k in KINDS]),
        "test",
    )


def task_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Tasks with defaults for the columns not given."""
    base = {
        "part_id": None,
        "decision": "clearance",
        "method": "clearance",
        "expected_devices": 0.0,
        "p_any_device": 0.0,
        "slope_deg": np.nan,
        "x_m": 0.0,
        "y_m": 0.0,
        "settlement_distance_m": 5000.0,
        "reported": "2021-01-01",
    }
    out = pd.DataFrame([{**base, **r} for r in rows])
    if "task_id" not in out:
        out["task_id"] = [f"T{i}" for i in range(len(out))]
    cols = [c for c in TASK_COLUMNS if c != "geometry"]
    return out[[*cols, "settlement_distance_m", "reported"]]


def problem(
    tasks: list[dict[str, object]],
    *,
    population: list[float],
    pairs: list[tuple[int, str]],
    hazard_value: dict[str, float] | None = None,
    months: int = 24,
    teams: dict[str, float] | None = None,
    budget: float | dict[int, float] | None = None,
    params: PlanParams = PARAMS,
    start: str = "2027-01",
) -> PlanProblem:
    """A problem from tasks, settlement populations and (settlement, hazard id) blocking pairs.

    Settlement values are their share of the population (weight 1 on people).
    """
    frame = task_frame(tasks)
    hazard_ids = np.array(sorted(set(frame["hazard_id"])), dtype=object)
    h_index = {h: i for i, h in enumerate(hazard_ids)}
    pop = np.asarray(population, float)
    ps = np.array([s for s, _ in pairs], np.int64)
    ph = np.array([h_index[h] for _, h in pairs], np.int64)
    blocked = np.zeros(len(pop), bool)
    blocked[ps] = True
    value = np.where(blocked, pop / max(pop[blocked].sum(), 1.0), 0.0)
    hv = np.array([(hazard_value or {}).get(h, 0.0) for h in hazard_ids])
    benefits = Benefits(
        hazard_ids=hazard_ids,
        hazard_value=hv,
        settlement_ids=np.array([f"S{i}" for i in range(len(pop))], dtype=object),
        settlement_names=np.array([f"Settlement {i}" for i in range(len(pop))], dtype=object),
        population=pop,
        settlement_value=value,
        pair_settlement=ps,
        pair_hazard=ph,
    )
    mr = month_range(pd.Period(start, "M"), pd.Period(start, "M") + months - 1)
    return build_problem(
        tasks=frame,
        months=mr,
        pool=pool(months, teams or {"manual": 2, "dog": 4, "machine": 1}),
        benefits=benefits,
        budget_usd_per_year=budget,
        params=params,
    )


def random_problem(
    seed: int,
    *,
    hazards: int = 40,
    settlements: int = 10,
    months: int = 36,
    budget: float | None = 1.5e6,
    teams: dict[str, float] | None = None,
    certain: bool = False,
) -> PlanProblem:
    """A seeded problem: hazards with one to three tasks, each settlement blocked by a few of them.

    ``certain``: every part holds devices or surely none (p_any_device 0 or 1; cancelled parts
    surely none).
    """
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for h in range(hazards):
        hid = f"H{h:03d}"
        x, y = rng.uniform(0, 40_000, 2)
        for method in rng.choice(["NTS", "TS", "clearance"], rng.integers(1, 4), replace=False):
            rows.append(
                {
                    "task_id": f"{hid}/{method}",
                    "hazard_id": hid,
                    "method": str(method),
                    "decision": {
                        "NTS": "cancel",
                        "TS": "technical_survey",
                        "clearance": "clearance",
                    }[str(method)],
                    "area_m2": float(np.exp(rng.normal(10.5, 1.0))),
                    "p_any_device": float(
                        (0.0 if method == "NTS" else np.round(rng.uniform(0, 1)))
                        if certain
                        else rng.uniform(0, 1)
                    ),
                    "expected_devices": float(rng.uniform(0, 30)),
                    "slope_deg": float(rng.uniform(0, 25)),
                    "settlement_distance_m": float(rng.uniform(0, 3000)),
                    "x_m": float(x),
                    "y_m": float(y),
                }
            )
    pairs = sorted(
        {
            (int(s), f"H{int(h):03d}")
            for s in range(settlements)
            for h in rng.choice(hazards, rng.integers(1, 5), replace=False)
        }
    )
    pop = rng.integers(100, 5000, settlements).astype(float).tolist()
    hv = {f"H{h:03d}": float(rng.uniform(0, 0.01)) for h in range(hazards)}
    return problem(
        rows,
        population=pop,
        pairs=pairs,
        hazard_value=hv,
        months=months,
        teams=teams or {"manual": 3, "dog": 4, "rat": 1, "machine": 2},
        budget=budget,
    )
