"""Land people use again: squares of the hazard register's land cultivated, built on, grazed or
travelled since the war, drawn from the truth with a tunable error rate.

People use land near their settlements, and mostly land that holds no device: land holding
devices is used ``contaminated_ratio`` times as often as clean land at the same distance (a
farmer who knows the mine ploughs round it; one who does not, has not met it yet). So land in
use is strong but imperfect negative evidence, and the truth keeps which squares held devices.
Drawn from its own random stream: no other layer changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from landrelease.scenario.contamination import Devices
from landrelease.scenario.geometry import F64, Geoms
from landrelease.scenario.parameters import END_DATE, LandUseParams
from landrelease.scenario.settlements import Settlements
from landrelease.scenario.timeline import day

SOURCES = ("imagery", "field_visit", "testimony")
SOURCE_WEIGHTS = (0.5, 0.3, 0.2)
CONFIDENCES = ("low", "medium", "high")
CONFIDENCE_WEIGHTS = (0.2, 0.5, 0.3)


@dataclass(frozen=True)
class LandUse:
    """Squares of land in use, one entry each."""

    geoms: Geoms
    kind: NDArray[np.object_]
    years: NDArray[np.int64]
    observed: NDArray[np.datetime64]
    source: NDArray[np.object_]
    confidence: NDArray[np.object_]
    devices: NDArray[np.int64]
    """Truth: devices that lay in the square when the use began (none where the evidence holds)."""

    def __len__(self) -> int:
        return len(self.kind)


def land_in_use(
    hazards: Geoms,
    devices: Devices,
    settlements: Settlements,
    roads: Geoms,
    p: LandUseParams,
    rng: np.random.Generator,
) -> LandUse:
    """Squares of ``p.cell_m`` whose centre lies in a hazard, each in use with a chance that falls
    with the distance to the nearest settlement, times ``p.contaminated_ratio`` where it holds a
    device. Vectorised; one draw per square, in a fixed order."""
    empty = LandUse(
        np.array([], dtype=object),
        np.array([], dtype=object),
        np.array([], dtype=np.int64),
        np.array([], dtype="datetime64[D]"),
        np.array([], dtype=object),
        np.array([], dtype=object),
        np.array([], dtype=np.int64),
    )
    if not len(hazards) or not len(settlements):
        return empty
    c = p.cell_m
    minx, miny, maxx, maxy = shapely.total_bounds(hazards)
    col = np.arange(np.floor(minx / c), np.ceil(maxx / c))
    row = np.arange(np.floor(miny / c), np.ceil(maxy / c))
    gc, gr = (a.ravel() for a in np.meshgrid(col, row))
    cx, cy = (gc + 0.5) * c, (gr + 0.5) * c
    inside = np.unique(
        shapely.STRtree(hazards).query(shapely.points(cx, cy), predicate="within")[0]
    )
    gc, gr, cx, cy = gc[inside], gr[inside], cx[inside], cy[inside]
    if not len(gc):
        return empty
    key = gc.astype(np.int64) * 10_000_000 + gr.astype(np.int64)
    dkey = np.floor(devices.x / c).astype(np.int64) * 10_000_000 + np.floor(devices.y / c).astype(
        np.int64
    )
    held_keys, held_count = np.unique(dkey, return_counts=True)
    pos = np.clip(np.searchsorted(held_keys, key), 0, max(len(held_keys) - 1, 0))
    count = (
        np.where(held_keys[pos] == key, held_count[pos], 0)
        if len(held_keys)
        else np.zeros(len(key), np.int64)
    )
    d_settlement, _ = cKDTree(np.column_stack([settlements.x, settlements.y])).query(
        np.column_stack([cx, cy]), k=1
    )
    chance = p.use_share * np.exp(-d_settlement / p.reach_m)
    chance = np.where(count > 0, chance * p.contaminated_ratio, chance)
    draw = rng.random((len(gc), 6))
    used = draw[:, 0] < chance
    near_road = np.zeros(len(gc), bool)
    if len(roads):
        near_road[
            shapely.STRtree(roads).query(
                shapely.points(cx, cy), predicate="dwithin", distance=p.road_m
            )[0]
        ] = True
    kind = np.where(draw[:, 1] < 0.65, "cultivated", "grazed").astype(object)
    kind[(d_settlement < p.built_m) & (draw[:, 1] < 0.5)] = "built"
    kind[near_road] = np.where(draw[near_road, 1] < 0.5, "road", "track")
    years = 1 + np.floor(draw[:, 2] * p.max_years).astype(np.int64)
    observed = day(END_DATE) - np.floor(draw[:, 3] * 365).astype("timedelta64[D]")
    source = np.array(SOURCES, dtype=object)[_pick(draw[:, 4], SOURCE_WEIGHTS)]
    confidence = np.array(CONFIDENCES, dtype=object)[_pick(draw[:, 5], CONFIDENCE_WEIGHTS)]
    x0, y0 = cx[used] - c / 2, cy[used] - c / 2
    return LandUse(
        shapely.box(x0, y0, x0 + c, y0 + c),
        kind[used],
        years[used],
        observed[used],
        source[used],
        confidence[used],
        count[used].astype(np.int64),
    )


def _pick(u: F64, weights: tuple[float, ...]) -> NDArray[np.int64]:
    """The category of each uniform draw ``u`` by cumulative ``weights``."""
    edges = np.cumsum(weights) / np.sum(weights)
    return np.minimum(np.searchsorted(edges, u, side="right"), len(weights) - 1).astype(np.int64)
