"""Towns and villages: real towns at their places, villages in valleys, populations.

Built once for the whole world (the same at every scale), so a window's
settlements are a subset of the region's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from landrelease.scenario.geography import Districts
from landrelease.scenario.geometry import F64, I64, Bool, Grid, metric_coords, rng_for
from landrelease.scenario.parameters import Geography, SettlementParams
from landrelease.scenario.terrain import Relief


@dataclass(frozen=True)
class Settlements:
    """Columns of the world's settlements (towns first, then villages)."""

    ids: NDArray[np.object_]
    names: NDArray[np.object_]
    x: F64
    y: F64
    district: I64
    town: Bool
    pilot: Bool
    battle_2020: Bool
    population_before: I64
    population_planned: I64
    elevation_m: F64
    builtup_m: F64
    """Radius of the built-up area."""

    def __len__(self) -> int:
        return len(self.x)

    def take(self, idx: NDArray[np.integer] | Bool) -> Settlements:
        return Settlements(**{k: v[idx] for k, v in self.__dict__.items()})


def village_sites(
    land: BaseGeometry,
    relief: Relief,
    avoid_xy: F64,
    params: SettlementParams,
    rng: np.random.Generator,
) -> tuple[F64, F64]:
    """Village positions: favour low, gentle ground; keep apart and away from the towns."""
    cell = params.candidate_cell_m
    grid = Grid.over(tuple(shapely.bounds(land)), cell)
    gx, gy = grid.centres()
    elev = relief.elevation_m(gx.ravel(), gy.ravel()).reshape(grid.shape)
    dz_dy, dz_dx = np.gradient(elev, cell)
    slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
    on_land = shapely.contains_xy(land, gx, gy)
    gx, gy = gx[on_land], gy[on_land]
    weight = np.exp(
        -elev[on_land] / params.elevation_scale_m - slope[on_land] / params.slope_scale_deg
    )
    n_target = round(params.villages_per_km2 * land.area / 1e6)
    n_cand = min(len(gx), 4 * n_target)
    pick = rng.choice(len(gx), size=n_cand, replace=False, p=weight / weight.sum())
    x = gx[pick] + rng.uniform(-cell / 2, cell / 2, n_cand)
    y = gy[pick] + rng.uniform(-cell / 2, cell / 2, n_cand)
    keep = shapely.contains_xy(land, x, y)
    if len(avoid_xy):
        d, _ = cKDTree(avoid_xy).query(np.column_stack([x, y]))
        keep &= d > params.town_clearance_m
    x, y = x[keep], y[keep]
    # greedy thinning in draw order: drop the later of any pair closer than the spacing
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(
        params.min_spacing_m, output_type="ndarray"
    )
    dropped = np.zeros(len(x), bool)
    for i, j in pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]:
        if not dropped[i]:
            dropped[j] = True
    x, y = x[~dropped][:n_target], y[~dropped][:n_target]
    return x, y


def village_names(
    n: int, taken: set[str], params: SettlementParams, rng: np.random.Generator
) -> list[str]:
    """Plausible, unique Azerbaijani-style village names (invented)."""
    out: list[str] = []
    seen = set(taken)
    while len(out) < n:
        root = params.names_root[rng.integers(len(params.names_root))]
        suffix = params.names_suffix[rng.integers(len(params.names_suffix))]
        name = root + suffix
        if rng.random() < 0.3:
            name = params.names_prefix[rng.integers(len(params.names_prefix))] + " " + name
        if name in seen:
            continue
        seen.add(name)
        out.append(name)
    return out


def build_settlements(
    seed: int,
    land: BaseGeometry,
    relief: Relief,
    districts: Districts,
    geo: Geography,
    params: SettlementParams,
) -> Settlements:
    """The world's settlements with pre-war and planned populations."""
    rng = rng_for(seed, "settlements")
    towns = geo.towns
    txy = metric_coords([(t.lon, t.lat) for t in towns])
    vx, vy = village_sites(land, relief, txy, params, rng)
    nv = len(vx)
    x = np.concatenate([txy[:, 0], vx])
    y = np.concatenate([txy[:, 1], vy])
    names = [t.name for t in towns] + village_names(nv, {t.name for t in towns}, params, rng)
    before_v = np.round(
        rng.lognormal(
            np.log(params.village_population_median), params.village_population_sigma, nv
        ),
        -1,
    )
    before = np.concatenate(
        [[t.population_before for t in towns], np.maximum(before_v, 30)]
    ).astype(np.int64)
    fixed = np.array([t.population_planned is not None for t in towns] + [False] * nv)
    fixed_val = np.array([t.population_planned or 0 for t in towns] + [0] * nv, float)
    ratio = np.exp(rng.normal(0.0, params.planned_growth_sigma, len(x)))
    raw = before * ratio
    free_total = params.planned_total - fixed_val.sum()
    planned = np.where(fixed, fixed_val, raw * free_total / raw[~fixed].sum())
    district = districts.of(x, y)
    for i, t in enumerate(towns):
        district[i] = districts.index(t.district)
    # ids numbered within each district, north to south
    order = np.lexsort((x, -y, district))
    counters: dict[int, int] = {}
    ids = np.empty(len(x), dtype=object)
    for i in order:
        d = int(district[i])
        counters[d] = counters.get(d, 0) + 1
        ids[i] = f"S-{districts.codes[d]}-{counters[d]:03d}"
    town = np.arange(len(x)) < len(towns)
    return Settlements(
        ids=ids,
        names=np.array(names, dtype=object),
        x=x,
        y=y,
        district=district,
        town=town,
        pilot=np.array([t.pilot for t in towns] + [False] * nv),
        battle_2020=np.array([t.battle_2020 for t in towns] + [False] * nv),
        population_before=before,
        population_planned=np.round(planned).astype(np.int64),
        elevation_m=relief.elevation_m(x, y),
        builtup_m=params.builtup_base_m + params.builtup_per_sqrt_person_m * np.sqrt(before),
    )
