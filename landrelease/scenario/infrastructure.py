"""Roads, power lines, rivers, fields and public buildings of the world.

Trunk roads follow the real links between towns; local roads join villages
along a minimum spanning tree of the settlements (with a few loops), cheaper
on gentle ground. Power lines follow trunk roads; fields surround villages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay
from shapely.geometry.base import BaseGeometry

from landrelease.scenario.geometry import (
    F64,
    LINEAL,
    POLYGONAL,
    Bool,
    Geoms,
    keep_types,
    metric_coords,
    rectangles,
    rng_for,
    wobbly_polygons,
)
from landrelease.scenario.parameters import Geography, InfrastructureParams
from landrelease.scenario.settlements import Settlements
from landrelease.scenario.terrain import Relief

SHAPES = POLYGONAL + LINEAL
"""Geometry types the infrastructure layer accepts."""


@dataclass(frozen=True)
class Infrastructure:
    """Columns of the world's infrastructure assets."""

    ids: NDArray[np.object_]
    geoms: Geoms
    kind: NDArray[np.object_]
    names: NDArray[np.object_]
    planned_year: NDArray[np.int64]
    """0 where no reconstruction year is planned."""
    trunk: Bool

    def __len__(self) -> int:
        return len(self.geoms)

    def take(self, idx: NDArray[np.integer] | Bool) -> Infrastructure:
        return Infrastructure(**{k: v[idx] for k, v in self.__dict__.items()})

    def of_kind(self, *kinds: str) -> Infrastructure:
        return self.take(np.isin(self.kind, kinds))

    def within(self, area: BaseGeometry) -> Infrastructure:
        """The assets cut to ``area`` (those left outside dropped)."""
        cut = keep_types(np.asarray(shapely.intersection(self.geoms, area), dtype=object), SHAPES)
        keep = ~shapely.is_empty(cut)
        return replace(self.take(keep), geoms=cut[keep])


def _wiggle(coords: F64, amplitude_m: float, rng: np.random.Generator, levels: int = 2) -> F64:
    """Insert laterally displaced midpoints, ``levels`` times (roads are not straight)."""
    c = np.asarray(coords, float)
    for level in range(levels):
        a, b = c[:-1], c[1:]
        mid = (a + b) / 2
        d = b - a
        n = (
            np.column_stack([-d[:, 1], d[:, 0]])
            / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
        )
        seg = np.hypot(d[:, 0], d[:, 1])
        amp = np.minimum(amplitude_m / (level + 1), 0.15 * seg)
        mid = mid + n * (rng.normal(0, 1, len(mid)) * amp)[:, None]
        out = np.empty((len(c) + len(mid), 2))
        out[0::2] = c
        out[1::2] = mid
        c = out
    return c


def local_road_edges(
    s: Settlements, relief: Relief, params: InfrastructureParams, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Pairs of settlements joined by a local road: a spanning tree plus a few loops."""
    pts = np.column_stack([s.x, s.y])
    tri = Delaunay(pts)
    e = np.concatenate(
        [tri.simplices[:, [0, 1]], tri.simplices[:, [1, 2]], tri.simplices[:, [0, 2]]]
    )
    e = np.unique(np.sort(e, axis=1), axis=0)
    length = np.hypot(*(pts[e[:, 0]] - pts[e[:, 1]]).T)
    mx, my = (pts[e[:, 0]] + pts[e[:, 1]]).T / 2
    cost = length * (1 + params.road_slope_penalty * relief.slope_deg(mx, my, step_m=300.0))
    keep = length < params.max_local_road_m
    e, cost, length = e[keep], cost[keep], length[keep]
    n = len(pts)
    mst = minimum_spanning_tree(coo_matrix((cost, (e[:, 0], e[:, 1])), shape=(n, n))).tocoo()
    tree = np.sort(np.column_stack([mst.row, mst.col]), axis=1)
    in_tree = (e[:, None, 0] == tree[None, :, 0]) & (e[:, None, 1] == tree[None, :, 1])
    rest = np.flatnonzero(~in_tree.any(axis=1))
    n_extra = int(params.extra_road_share * len(tree))
    extra = e[rest[np.argsort(cost[rest], kind="stable")[:n_extra]]]
    edges = np.concatenate([tree, extra]).astype(np.int64)
    return edges[np.lexsort((edges[:, 1], edges[:, 0]))]


def build_infrastructure(
    seed: int,
    land: BaseGeometry,
    s: Settlements,
    relief: Relief,
    geo: Geography,
    params: InfrastructureParams,
) -> Infrastructure:
    """The world's infrastructure, clipped to its land."""
    rng = rng_for(seed, "infrastructure")
    assets = _Assets()
    trunk_lines = _roads(assets, rng, s, relief, geo, params)
    _power_lines(assets, rng, trunk_lines, params)
    assets.add(shapely.LineString(metric_coords(geo.araz)), "water", "Araz river")
    for name, coords in geo.rivers:
        assets.add(shapely.LineString(metric_coords(coords)), "water", f"{name} river")
    _fields(assets, rng, s, params)
    _public_buildings(assets, rng, s, params)
    return assets.on(land)


class _Assets:
    """Infrastructure assets collected kind by kind, in the order they are made."""

    def __init__(self) -> None:
        self.geoms: list[BaseGeometry] = []
        self.kinds: list[str] = []
        self.names: list[str] = []
        self.years: list[int] = []
        self.trunk: list[bool] = []

    def add(
        self, g: BaseGeometry, kind: str, name: str, year: int = 0, is_trunk: bool = False
    ) -> None:
        """Add one asset; ``year`` is its planned reconstruction year (0: none)."""
        self.geoms.append(g)
        self.kinds.append(kind)
        self.names.append(name)
        self.years.append(year)
        self.trunk.append(is_trunk)

    def on(self, land: BaseGeometry) -> Infrastructure:
        """The assets cut to ``land``, numbered per kind in the order made (those left
        outside keep their number)."""
        g = np.asarray(shapely.intersection(np.array(self.geoms, dtype=object), land), dtype=object)
        keep = ~shapely.is_empty(g)
        kind = np.array(self.kinds, dtype=object)
        ids = np.empty(len(kind), dtype=object)
        counters: dict[str, int] = {}
        for i, k in enumerate(kind):
            counters[k] = counters.get(k, 0) + 1
            ids[i] = f"INF-{k.upper().replace('_', '')[:5]}-{counters[k]:04d}"
        return Infrastructure(
            ids=ids[keep],
            geoms=keep_types(g[keep], SHAPES),
            kind=kind[keep],
            names=np.array(self.names, dtype=object)[keep],
            planned_year=np.array(self.years, dtype=np.int64)[keep],
            trunk=np.array(self.trunk)[keep],
        )


def _roads(
    assets: _Assets,
    rng: np.random.Generator,
    s: Settlements,
    relief: Relief,
    geo: Geography,
    params: InfrastructureParams,
) -> list[tuple[str, shapely.LineString]]:
    """Trunk roads along the real links between towns, then local roads between
    settlements; returns the trunk roads by name."""
    y0, y1 = params.planned_year_range
    trunk_lines = []
    for name, waypoints in geo.main_roads:
        line = shapely.LineString(_wiggle(metric_coords(waypoints), params.road_wiggle_m, rng, 3))
        trunk_lines.append((name, line))
        assets.add(line, "road", name, int(rng.integers(y0, y1 + 1)), True)
    for a, b in local_road_edges(s, relief, params, rng):
        line = shapely.LineString(
            _wiggle(
                np.array([[s.x[a], s.y[a]], [s.x[b], s.y[b]]]), params.road_wiggle_m / 2, rng, 1
            )
        )
        year = int(rng.integers(y0, y1 + 1)) if rng.random() < params.local_planned_share else 0
        assets.add(line, "road", f"{s.names[a]}–{s.names[b]} road", year)
    return trunk_lines


def _power_lines(
    assets: _Assets,
    rng: np.random.Generator,
    trunk_lines: list[tuple[str, shapely.LineString]],
    params: InfrastructureParams,
) -> None:
    """A power line along each trunk road, on a random side."""
    y0, y1 = params.planned_year_range
    for name, line in trunk_lines:
        side = 1.0 if rng.random() < 0.5 else -1.0
        power = shapely.offset_curve(line, side * params.power_offset_m)
        assets.add(power, "power_line", f"Power line along {name}", int(rng.integers(y0, y1 + 1)))


def _fields(
    assets: _Assets, rng: np.random.Generator, s: Settlements, params: InfrastructureParams
) -> None:
    """Fields beside each settlement, bigger for bigger places and on the plain."""
    radius = np.maximum(
        params.farmland_min_radius_m,
        params.farmland_radius_per_sqrt_person_m * np.sqrt(s.population_before),
    )
    radius = np.where(s.elevation_m < 600, radius * params.farmland_lowland_factor, radius)
    ang = rng.uniform(0, 2 * np.pi, len(s))
    off = s.builtup_m + rng.uniform(0.2, 0.6, len(s)) * radius
    fields = wobbly_polygons(
        s.x + off * np.cos(ang), s.y + off * np.sin(ang), radius, rng, vertices=18, wobble=0.3
    )
    for i, g in enumerate(fields):
        assets.add(g, "farmland", f"Fields of {s.names[i]}")


def _public_buildings(
    assets: _Assets, rng: np.random.Generator, s: Settlements, params: InfrastructureParams
) -> None:
    """Schools in settlements big enough, hospitals in towns, cemeteries outside some."""
    y0, y1 = params.planned_year_range
    n = len(s)
    a1, r1 = rng.uniform(0, 2 * np.pi, n), rng.uniform(0.1, 0.5, n) * s.builtup_m
    schools = rectangles(
        s.x + r1 * np.cos(a1), s.y + r1 * np.sin(a1), 40.0, 25.0, rng.uniform(0, np.pi, n)
    )
    a2, r2 = rng.uniform(0, 2 * np.pi, n), rng.uniform(0.1, 0.6, n) * s.builtup_m
    hospitals = rectangles(
        s.x + r2 * np.cos(a2), s.y + r2 * np.sin(a2), 60.0, 35.0, rng.uniform(0, np.pi, n)
    )
    a3, r3 = rng.uniform(0, 2 * np.pi, n), s.builtup_m + rng.uniform(100, 300, n)
    cemeteries = rectangles(
        s.x + r3 * np.cos(a3), s.y + r3 * np.sin(a3), 40.0, 30.0, rng.uniform(0, np.pi, n)
    )
    has_cemetery = rng.random(n) < params.cemetery_probability
    for i in range(n):
        if s.population_before[i] >= params.school_min_population:
            assets.add(
                schools[i], "school", f"School of {s.names[i]}", int(rng.integers(y0, y1 + 1))
            )
        if s.town[i]:
            assets.add(
                hospitals[i], "hospital", f"Hospital of {s.names[i]}", int(rng.integers(y0, y1 + 1))
            )
        if has_cemetery[i]:
            assets.add(cemeteries[i], "cemetery", f"Cemetery of {s.names[i]}")
