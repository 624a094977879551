"""The world of one seed: land, relief, settlements, infrastructure, military works and
every device in the ground. The same at every scale; a scale keeps a window of it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from landrelease.scenario import contamination as con
from landrelease.scenario.contamination import Devices
from landrelease.scenario.geography import Districts, districts, world_land
from landrelease.scenario.geometry import F64, Frame, Grid, metric_coords
from landrelease.scenario.infrastructure import Infrastructure, build_infrastructure
from landrelease.scenario.military import (
    BeltLayout,
    Positions,
    layout_belts,
    layout_positions,
    loc_frame,
)
from landrelease.scenario.parameters import Parameters
from landrelease.scenario.settlements import Settlements, build_settlements
from landrelease.scenario.terrain import Relief, relief


@dataclass(frozen=True)
class World:
    seed: int
    params: Parameters
    land: BaseGeometry
    relief: Relief
    districts: Districts
    settlements: Settlements
    infrastructure: Infrastructure
    loc: F64
    """The line of contact's vertices (metric)."""
    war_lines: tuple[F64, ...]
    frame: Frame
    sign: int
    positions: Positions
    belts: BeltLayout
    models: tuple[str, ...]

    @property
    def n_groups(self) -> int:
        """Minefield groups: the belt minefields, then one per position."""
        return len(self.belts) + len(self.positions)

    def group_side(self) -> np.ndarray:
        return np.concatenate([self.belts.side, self.positions.side])

    def group_kind(self) -> np.ndarray:
        return np.concatenate([np.full(len(self.belts), "belt", dtype=object), self.positions.kind])


def build_world(seed: int, params: Parameters) -> World:
    """Everything above ground, for the whole world."""
    geo = params.geography
    land = world_land(geo)
    shapely.prepare(land)
    rel = relief(seed, geo, params.terrain)
    dist = districts(geo)
    sett = build_settlements(seed, land, rel, dist, geo, params.settlements)
    infra = build_infrastructure(seed, land, sett, rel, geo, params.infrastructure)
    frame, sign = loc_frame(geo, land)
    war = tuple(metric_coords(c) for _, _, _, c in geo.war_lines_2020)
    roads = infra.of_kind("road")
    pos = layout_positions(
        seed,
        frame,
        sign,
        land,
        np.column_stack([sett.x[sett.town], sett.y[sett.town]]),
        list(war),
        roads.geoms[roads.trunk],
        geo,
        params.positions,
    )
    belts = layout_belts(seed, frame, params.belts)
    return World(
        seed=seed,
        params=params,
        land=land,
        relief=rel,
        districts=dist,
        settlements=sett,
        infrastructure=infra,
        loc=metric_coords(geo.line_of_contact),
        war_lines=war,
        frame=frame,
        sign=sign,
        positions=pos,
        belts=belts,
        models=con.model_names(params),
    )


def world_devices(w: World, area: BaseGeometry | None = None) -> Devices:
    """Every device the five processes put in the world's ground, on its land — or only
    those in ``area`` (a window of the land: the same devices there, at any scale)."""
    p = w.params
    cat = con.Catalogue.of(p)
    belts = con.defensive_belts(w.seed, w.belts, w.frame, w.sign, p.belts, cat)
    positions = con.position_clusters(w.seed, w.positions, len(w.belts), p.positions, cat)
    roads = w.infrastructure.of_kind("road")
    nuisance = con.withdrawal_nuisance(
        w.seed, roads, w.settlements, w.districts, p.geography.withdrawal_districts, p.nuisance, cat
    )
    grid = Grid.over(tuple(shapely.bounds(w.land)), p.battle.raster_m)
    mask = grid.rasterize(np.array([w.land], dtype=object), all_touched=False).astype(bool)
    s = w.settlements
    fought = s.battle_2020
    other = s.town & ~fought
    intensity = con.battle_intensity(
        grid,
        mask,
        w.loc,
        list(w.war_lines),
        np.column_stack([s.x[fought], s.y[fought]]),
        np.column_stack([s.x[other], s.y[other]]),
        p.battle,
    )
    battle = con.battle_uxo(w.seed, grid, intensity, w.positions, p.battle, cat)
    b = shapely.bounds(w.land)
    bg = con.background(w.seed, (b[0], b[1], b[2], b[3]), p.background, p.battle, cat)
    keep = w.land if area is None else area
    x0, y0, x1, y1 = shapely.bounds(keep)
    parts = []
    for d in (belts, positions, nuisance, battle, bg):
        d = d.take((d.x >= x0) & (d.x <= x1) & (d.y >= y0) & (d.y <= y1))
        parts.append(d.take(shapely.contains_xy(keep, d.x, d.y)))
    return Devices.concat(parts)
