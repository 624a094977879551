"""Where people go: distances to settlements, roads, fields and power lines, and the
weight each activity gives a place (incidents and testimony are drawn by them)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from landrelease.scenario.geometry import F64, I64, Bool, Grid, polyline_distance
from landrelease.scenario.infrastructure import Infrastructure
from landrelease.scenario.parameters import IncidentParams
from landrelease.scenario.settlements import Settlements

ACTIVITIES = ("unauthorised_travel", "agriculture", "infrastructure_work", "official_duty")


# --- where people go ------------------------------------------------------------------


@dataclass(frozen=True)
class Exposure:
    """Distances that drive where people go, on the window's grid."""

    grid: Grid
    land: Bool
    d_settlement: F64
    d_road: F64
    d_farm: F64
    d_power: F64

    def weights(self, x_m: F64, y_m: F64, loc: F64, p: IncidentParams) -> dict[str, F64]:
        """Per point and activity: how much people doing it come there (0–1)."""
        g = self.grid
        ds = g.lookup(self.d_settlement, x_m, y_m, np.inf)
        dr = g.lookup(self.d_road, x_m, y_m, np.inf)
        df = g.lookup(self.d_farm, x_m, y_m, np.inf)
        dp = g.lookup(self.d_power, x_m, y_m, np.inf)
        dl = polyline_distance(x_m, y_m, loc)
        decay = np.exp
        return {
            "unauthorised_travel": p.travel_mix[0] * decay(-ds / p.travel_settlement_m)
            + p.travel_mix[1] * decay(-dr / p.travel_road_m),
            "agriculture": decay(-df / p.farm_m)
            * (p.farm_far_share + (1 - p.farm_far_share) * decay(-ds / p.farm_settlement_m)),
            "infrastructure_work": p.work_mix[0] * decay(-dr / p.work_road_m)
            + p.work_mix[1] * decay(-dp / p.work_power_m)
            + p.work_mix[2] * decay(-ds / p.work_settlement_m),
            "official_duty": p.duty_mix[0] * decay(-dr / p.duty_road_m)
            + p.duty_mix[1] * decay(-dl / p.duty_loc_m),
        }

    def presence(
        self, scales_m: tuple[float, float, float], weights: tuple[float, float, float]
    ) -> F64:
        """Where people are, per cell: decay from settlements, roads and fields."""
        dist = (self.d_settlement, self.d_road, self.d_farm)
        w = sum(wt * np.exp(-d / sc) for d, sc, wt in zip(dist, scales_m, weights, strict=True))
        return np.where(self.land, w, 0.0)


def exposure(grid: Grid, land: Bool, settlements: Settlements, infra: Infrastructure) -> Exposure:
    """Distance rasters to built-up areas, roads, fields and power lines."""
    builtup = shapely.buffer(shapely.points(settlements.x, settlements.y), settlements.builtup_m)
    return Exposure(
        grid=grid,
        land=land,
        d_settlement=grid.distance_m(grid.rasterize(builtup).astype(bool)),
        d_road=grid.distance_m(grid.rasterize(infra.of_kind("road").geoms).astype(bool)),
        d_farm=grid.distance_m(grid.rasterize(infra.of_kind("farmland").geoms).astype(bool)),
        d_power=grid.distance_m(
            grid.rasterize(infra.of_kind("power_line", "pipeline").geoms).astype(bool)
        ),
    )


def weighted_sample(
    rng: np.random.Generator, weights: F64, n: int, exclude: Bool | None = None
) -> I64:
    """``n`` distinct indices drawn with probability ∝ weight, without replacement
    (Efraimidis–Spirakis keys; vectorised)."""
    w = np.asarray(weights, float).copy()
    if exclude is not None:
        w[exclude] = 0
    n = min(n, int((w > 0).sum()))
    if n <= 0:
        return np.empty(0, np.int64)
    with np.errstate(divide="ignore"):
        keys = np.log(rng.random(len(w))) / w
    idx = np.argpartition(-keys, n - 1)[:n]
    return np.sort(idx).astype(np.int64)
