"""The world's land, its districts and the windows the three scales cut out of it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from landrelease.scenario.geometry import F64, I64, Bool, metric_coords, to_metric
from landrelease.scenario.parameters import Geography, LonLat


@dataclass(frozen=True)
class Scale:
    """A window of the world: its centre and size, or the whole world."""

    name: str
    centre: LonLat | None
    size_km: tuple[float, float] | None
    description: str


SCALES: dict[str, Scale] = {
    "small": Scale(
        "small",
        (46.98, 39.98),
        (20.0, 20.0),
        "20 × 20 km on Aghdam's front-line sector: the town, the line of contact, both sides' belts",
    ),
    "district": Scale(
        "district",
        (47.00, 39.81),
        (60.0, 60.0),
        "60 × 60 km: Aghdam, Khojavand and Fuzuli districts along the line of contact",
    ),
    "region": Scale("region", None, None, "all the land regained in 2020 (~8,000 km²)"),
}
"""The three scales; small and district are sub-windows of the same world."""


def world_land(geo: Geography) -> BaseGeometry:
    """The regained land (metric): inside the border, west of the line of contact plus the
    front strip east of it, north of the Araz, minus the excluded interior."""
    border = list(geo.border)
    loc = list(geo.line_of_contact)
    lon_lo, lon_hi = border[0][0], loc[-1][0]
    araz_back = [p for p in reversed(geo.araz) if lon_lo < p[0] < lon_hi]
    outer = shapely.Polygon(metric_coords(border + loc[1:] + araz_back))
    north_of_araz = shapely.Polygon(
        metric_coords([*geo.araz, (geo.araz[-1][0], 41.5), (geo.araz[0][0], 41.5)])
    )
    strip = shapely.intersection(
        shapely.LineString(metric_coords(loc)).buffer(geo.front_strip_m), north_of_araz
    )
    hole = shapely.Polygon(metric_coords(geo.excluded_zone))
    land = shapely.difference(shapely.union(outer, strip), hole)
    return shapely.normalize(shapely.make_valid(land))


@dataclass(frozen=True)
class Window:
    """The part of the world one scenario covers."""

    scale: str
    bounds: tuple[float, float, float, float]
    """(xmin, ymin, xmax, ymax) in metres."""
    land: BaseGeometry
    land_area_m2: float
    world_land_area_m2: float
    loc_length_m: float
    world_loc_length_m: float

    @property
    def land_share(self) -> float:
        """This window's share of the world's land."""
        return self.land_area_m2 / self.world_land_area_m2

    @property
    def front_factor(self) -> float:
        """Line of contact per km² here relative to the whole world (≥ 1)."""
        here = self.loc_length_m / self.land_area_m2
        world = self.world_loc_length_m / self.world_land_area_m2
        return max(1.0, here / world)

    def contains(self, x_m: F64, y_m: F64) -> Bool:
        """Whether points lie on this window's land."""
        x, y = np.asarray(x_m, float), np.asarray(y_m, float)
        xmin, ymin, xmax, ymax = self.bounds
        box = (x >= xmin) & (x < xmax) & (y >= ymin) & (y < ymax)
        out = np.zeros(len(x), bool)
        if box.any():
            out[box] = shapely.contains_xy(self.land, x[box], y[box])
        return out

    def clip(self, geoms: np.ndarray) -> np.ndarray:
        """Geometries cut to this window's land (empty where nothing is left)."""
        g = np.asarray(geoms, dtype=object)
        if not len(g):
            return g
        return np.asarray(shapely.intersection(g, self.land), dtype=object)


def window_for(scale: Scale, land: BaseGeometry, geo: Geography) -> Window:
    """Cut the window of ``scale`` out of the world's land."""
    if scale.centre is None or scale.size_km is None:
        bounds = tuple(float(v) for v in shapely.bounds(land))
    else:
        cx, cy = to_metric(np.array([scale.centre[0]]), np.array([scale.centre[1]]))
        hw, hh = scale.size_km[0] * 500.0, scale.size_km[1] * 500.0
        bounds = (float(cx[0] - hw), float(cy[0] - hh), float(cx[0] + hw), float(cy[0] + hh))
    here = shapely.intersection(land, shapely.box(*bounds))
    shapely.prepare(here)
    loc = shapely.LineString(metric_coords(geo.line_of_contact))
    return Window(
        scale=scale.name,
        bounds=(bounds[0], bounds[1], bounds[2], bounds[3]),
        land=here,
        land_area_m2=float(here.area),
        world_land_area_m2=float(land.area),
        loc_length_m=float(shapely.intersection(loc, here.buffer(1.0)).length),
        world_loc_length_m=float(loc.length),
    )


@dataclass(frozen=True)
class Districts:
    names: tuple[str, ...]
    codes: tuple[str, ...]
    x: F64
    y: F64

    def of(self, x_m: F64, y_m: F64) -> I64:
        """Index of the district of each point (nearest seed point)."""
        x, y = np.asarray(x_m, float), np.asarray(y_m, float)
        d2 = (x[:, None] - self.x) ** 2 + (y[:, None] - self.y) ** 2
        return np.asarray(d2.argmin(axis=1), dtype=np.int64)

    def index(self, name: str) -> int:
        return self.names.index(name)


def districts(geo: Geography) -> Districts:
    xy = metric_coords([d[2] for d in geo.districts])
    return Districts(
        tuple(d[0] for d in geo.districts), tuple(d[1] for d in geo.districts), xy[:, 0], xy[:, 1]
    )
