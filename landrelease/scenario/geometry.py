"""Metric geometry helpers: projection, seeded randomness, polylines, rasters, shapes.

Everything is computed in EPSG:32638 (UTM 38N) metres and vectorised over
arrays; only the writers go back to longitude/latitude.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from scipy import ndimage

from landrelease.scenario.parameters import METRIC_CRS, LonLat

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Floats = float | F64
"""A scalar or one value per item."""
Bool = NDArray[np.bool_]
Geoms = NDArray[np.object_]


# --- projection -----------------------------------------------------------------


@lru_cache(maxsize=1)
def _transformers() -> tuple[Transformer, Transformer]:
    forward = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    back = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    return forward, back


def to_metric(lon: F64, lat: F64) -> tuple[F64, F64]:
    """Longitude/latitude in degrees to UTM 38N metres."""
    x, y = _transformers()[0].transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def to_lonlat(x_m: F64, y_m: F64) -> tuple[F64, F64]:
    """UTM 38N metres to longitude/latitude in degrees."""
    lon, lat = _transformers()[1].transform(np.asarray(x_m, float), np.asarray(y_m, float))
    return np.asarray(lon, float), np.asarray(lat, float)


def metric_coords(points: Sequence[LonLat]) -> F64:
    """An (n, 2) array of metric coordinates from (lon, lat) pairs."""
    a = np.asarray(points, dtype=float).reshape(-1, 2)
    x, y = to_metric(a[:, 0], a[:, 1])
    return np.column_stack([x, y])


def geoms_to_lonlat(geoms: Geoms) -> Geoms:
    """Transform metric geometries to lon/lat in one vectorised call."""

    def fn(xy: F64) -> F64:
        lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return np.asarray(shapely.transform(np.asarray(geoms, dtype=object), fn), dtype=object)


# --- seeded randomness ------------------------------------------------------------


def rng_for(seed: int, *keys: str | int) -> np.random.Generator:
    """An independent random stream for one process: the seed plus stable keys.

    Adding a process or drawing more numbers in one stream never changes another.
    """
    words = [int(seed) & 0xFFFFFFFF]
    words += [zlib.crc32(k.encode()) if isinstance(k, str) else int(k) & 0xFFFFFFFF for k in keys]
    return np.random.default_rng(words)


def choice_index(rng: np.random.Generator, weights: Sequence[float], size: int) -> I64:
    """Indices drawn with the given (unnormalised) weights."""
    p = np.asarray(weights, float)
    return np.asarray(rng.choice(len(p), size=size, p=p / p.sum()), dtype=np.int64)


# --- polylines --------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """A polyline resampled every ``step_m`` metres with unit tangents and left normals."""

    step_m: float
    x: F64
    y: F64
    nx: F64
    ny: F64

    @property
    def length_m(self) -> float:
        return float((len(self.x) - 1) * self.step_m)

    def at(self, s_m: F64, offset_m: F64 | float = 0.0) -> tuple[F64, F64]:
        """Points at arc length ``s_m``, ``offset_m`` along the left normal."""
        u = np.clip(np.asarray(s_m, float) / self.step_m, 0, len(self.x) - 1.000001)
        i = u.astype(np.int64)
        f = u - i
        x = self.x[i] * (1 - f) + self.x[i + 1] * f
        y = self.y[i] * (1 - f) + self.y[i + 1] * f
        nx = self.nx[i] * (1 - f) + self.nx[i + 1] * f
        ny = self.ny[i] * (1 - f) + self.ny[i + 1] * f
        norm = np.hypot(nx, ny)
        off = np.asarray(offset_m, float)
        return x + nx / norm * off, y + ny / norm * off


def resample(coords: F64, *, step_m: float, smooth_m: float = 0.0) -> Frame:
    """Resample a polyline at a fixed step; normals smoothed over ``smooth_m`` metres."""
    c = np.asarray(coords, float)
    seg = np.hypot(*np.diff(c, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    st = np.arange(0.0, s[-1] + 1e-9, step_m)
    x = np.interp(st, s, c[:, 0])
    y = np.interp(st, s, c[:, 1])
    tx, ty = np.gradient(x), np.gradient(y)
    if smooth_m > 0:
        w = max(int(smooth_m / step_m), 1)
        tx = ndimage.uniform_filter1d(tx, w, mode="nearest")
        ty = ndimage.uniform_filter1d(ty, w, mode="nearest")
    n = np.hypot(tx, ty)
    return Frame(step_m, x, y, -ty / n, tx / n)


def polyline_distance(x_m: F64, y_m: F64, coords: F64, *, chunk: int = 200_000) -> F64:
    """Distance in metres from each point to a polyline (numpy, no geometry objects)."""
    c = np.asarray(coords, float)
    ax, ay = c[:-1, 0], c[:-1, 1]
    dx, dy = np.diff(c[:, 0]), np.diff(c[:, 1])
    len2 = np.maximum(dx * dx + dy * dy, 1e-12)
    x, y = np.asarray(x_m, float), np.asarray(y_m, float)
    out = np.empty(len(x))
    for a in range(0, len(x), chunk):
        px, py = x[a : a + chunk, None], y[a : a + chunk, None]
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / len2, 0, 1)
        d2 = (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2
        out[a : a + chunk] = np.sqrt(d2.min(axis=1))
    return out


def sample_along(
    lines: Geoms, spacing_rate_per_m: F64, rng: np.random.Generator
) -> tuple[F64, F64, I64]:
    """A Poisson process along each line: (x, y, index of the line) of the points."""
    lines = np.asarray(lines, dtype=object)
    length = shapely.length(lines)
    n = rng.poisson(length * np.asarray(spacing_rate_per_m, float))
    idx = np.repeat(np.arange(len(lines)), n)
    if not len(idx):
        return np.empty(0), np.empty(0), idx.astype(np.int64)
    dist = rng.uniform(0, 1, len(idx)) * length[idx]
    pts = shapely.line_interpolate_point(lines[idx], dist)
    xy = shapely.get_coordinates(pts)
    return xy[:, 0], xy[:, 1], idx.astype(np.int64)


# --- shapes ---------------------------------------------------------------------


def wobbly_polygons(
    cx_m: F64,
    cy_m: F64,
    radius_m: Floats,
    rng: np.random.Generator,
    *,
    vertices: int = 20,
    wobble: float = 0.25,
) -> Geoms:
    """Irregular, star-convex polygons around centres (fields, hand-drawn areas)."""
    cx, cy = np.atleast_1d(cx_m).astype(float), np.atleast_1d(cy_m).astype(float)
    n = len(cx)
    r = np.broadcast_to(np.asarray(radius_m, float), (n,))
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    k = rng.integers(2, 5, n)[:, None]
    phase = rng.uniform(0, 2 * np.pi, (n, 2))
    rr = r[:, None] * (
        1
        + wobble * 0.6 * np.sin(k * theta + phase[:, :1])
        + wobble * 0.4 * np.sin((k + 2) * theta + phase[:, 1:])
    )
    xs = cx[:, None] + rr * np.cos(theta)
    ys = cy[:, None] + rr * np.sin(theta)
    ring = np.stack([xs, ys], axis=-1)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    return np.asarray(shapely.polygons(ring), dtype=object)


def rectangles(
    cx_m: F64, cy_m: F64, half_w_m: Floats, half_h_m: Floats, angle_rad: Floats
) -> Geoms:
    """Rotated rectangles (buildings, bases)."""
    cx, cy = np.atleast_1d(cx_m).astype(float), np.atleast_1d(cy_m).astype(float)
    n = len(cx)
    hw = np.broadcast_to(np.asarray(half_w_m, float), (n,))
    hh = np.broadcast_to(np.asarray(half_h_m, float), (n,))
    a = np.broadcast_to(np.asarray(angle_rad, float), (n,))
    ux = np.array([-1, 1, 1, -1, -1], float)
    uy = np.array([-1, -1, 1, 1, -1], float)
    lx, ly = ux * hw[:, None], uy * hh[:, None]
    ca, sa = np.cos(a)[:, None], np.sin(a)[:, None]
    xs = cx[:, None] + lx * ca - ly * sa
    ys = cy[:, None] + lx * sa + ly * ca
    return np.asarray(shapely.polygons(np.stack([xs, ys], axis=-1)), dtype=object)


def rotate(x_m: F64, y_m: F64, cx_m: Floats, cy_m: Floats, angle_rad: Floats) -> tuple[F64, F64]:
    """Rotate points about centres by angles (radians, counter-clockwise)."""
    ca, sa = np.cos(angle_rad), np.sin(angle_rad)
    dx, dy = np.asarray(x_m) - cx_m, np.asarray(y_m) - cy_m
    return cx_m + dx * ca - dy * sa, cy_m + dx * sa + dy * ca


POLYGONAL = ("Polygon", "MultiPolygon")
LINEAL = ("LineString", "MultiLineString")


def keep_types(geoms: Geoms, types: tuple[str, ...]) -> Geoms:
    """Overlay results reduced to the parts of the accepted types (lines beside polygons,
    stray points...), as a single or multi geometry; empty where nothing is left.
    ``types`` lists the single types first (``Polygon``, ``LineString``, ``Point``)."""
    out = np.asarray(geoms, dtype=object).copy()
    for i, g in enumerate(out):
        if g.is_empty or g.geom_type in types:
            continue
        for single in ("Polygon", "LineString", "Point"):
            parts = [q for q in shapely.get_parts(g) if q.geom_type == single and single in types]
            if parts:
                break
        if not parts:
            out[i] = shapely.Polygon()
        elif len(parts) == 1:
            out[i] = parts[0]
        else:
            out[i] = {
                "Polygon": shapely.multipolygons,
                "LineString": shapely.multilinestrings,
                "Point": shapely.multipoints,
            }[single](parts)
    return out


def polygonal(g: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of one overlay result."""
    return keep_types(np.array([g], dtype=object), POLYGONAL)[0]


def containing(x_m: F64, y_m: F64, polygons: Geoms) -> I64:
    """Index of the first polygon holding each point, or −1."""
    out = np.full(len(x_m), -1, dtype=np.int64)
    if not len(x_m) or not len(polygons):
        return out
    tree = shapely.STRtree(np.asarray(polygons, dtype=object))
    pts = shapely.points(np.asarray(x_m, float), np.asarray(y_m, float))
    pi, gi = tree.query(pts, predicate="within")
    order = np.lexsort((gi, pi))
    pi, gi = pi[order], gi[order]
    first = np.ones(len(pi), bool)
    first[1:] = pi[1:] != pi[:-1]
    out[pi[first]] = gi[first]
    return out


def locate(x_m: F64, y_m: F64, polygons: Geoms, grid: Grid) -> I64:
    """Index of the polygon holding each point (−1: none) for non-overlapping polygons.

    Exact and fast: a cell no polygon boundary touches lies wholly inside one polygon or
    outside all, so its points take the cell's label; only points in boundary cells are
    tested against the geometries.
    """
    x, y = np.asarray(x_m, float), np.asarray(y_m, float)
    out = np.full(len(x), -1, dtype=np.int64)
    if not len(x) or not len(polygons):
        return out
    polys = np.asarray(polygons, dtype=object)
    label = grid.rasterize(polys, np.arange(1, len(polys) + 1), all_touched=False, dtype="int32")
    edge = grid.rasterize(shapely.boundary(polys), all_touched=True).astype(bool)
    idx, on = grid.index(x, y)
    near = ~on | edge.reshape(-1)[idx]
    inner = ~near
    out[inner] = label.reshape(-1)[idx[inner]].astype(np.int64) - 1
    hard = np.flatnonzero(near)
    out[hard] = containing(x[hard], y[hard], polys)
    return out


# --- rasters ----------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """A north-up raster over a metric box: row 0 at the top (``ymax``)."""

    xmin: float
    ymax: float
    cell_m: float
    nx: int
    ny: int

    @classmethod
    def over(cls, bounds: tuple[float, float, float, float], cell_m: float) -> Grid:
        """The grid of ``cell_m`` cells covering ``bounds``, snapped to multiples of the cell."""
        x0 = np.floor(bounds[0] / cell_m) * cell_m
        y0 = np.floor(bounds[1] / cell_m) * cell_m
        x1 = np.ceil(bounds[2] / cell_m) * cell_m
        y1 = np.ceil(bounds[3] / cell_m) * cell_m
        return cls(
            float(x0),
            float(y1),
            float(cell_m),
            round((x1 - x0) / cell_m),
            round((y1 - y0) / cell_m),
        )

    @property
    def shape(self) -> tuple[int, int]:
        return (self.ny, self.nx)

    @property
    def ymin(self) -> float:
        return self.ymax - self.ny * self.cell_m

    @property
    def xmax(self) -> float:
        return self.xmin + self.nx * self.cell_m

    @property
    def cell_area_m2(self) -> float:
        return self.cell_m * self.cell_m

    def centres(self) -> tuple[F64, F64]:
        """Centre coordinates of every cell, as 2-D arrays of the grid's shape."""
        xs = self.xmin + (np.arange(self.nx) + 0.5) * self.cell_m
        ys = self.ymax - (np.arange(self.ny) + 0.5) * self.cell_m
        return np.meshgrid(xs, ys)

    def cell_xy(self, flat_index: I64) -> tuple[F64, F64]:
        r, c = np.divmod(np.asarray(flat_index, np.int64), self.nx)
        return self.xmin + (c + 0.5) * self.cell_m, self.ymax - (r + 0.5) * self.cell_m

    def index(self, x_m: F64, y_m: F64) -> tuple[I64, Bool]:
        """Flat cell index of each point and whether it falls on the grid."""
        c = np.floor((np.asarray(x_m) - self.xmin) / self.cell_m).astype(np.int64)
        r = np.floor((self.ymax - np.asarray(y_m)) / self.cell_m).astype(np.int64)
        inside = (c >= 0) & (c < self.nx) & (r >= 0) & (r < self.ny)
        return np.where(inside, r * self.nx + c, 0), inside

    def lookup(self, raster: NDArray[Any], x_m: F64, y_m: F64, fill: float = 0) -> NDArray[Any]:
        """Values of the raster at the points (``fill`` off the grid)."""
        idx, inside = self.index(x_m, y_m)
        vals = raster.reshape(-1)[idx]
        return np.where(inside, vals, np.asarray(fill, dtype=raster.dtype))

    def rasterize(
        self,
        geoms: Geoms,
        values: NDArray[np.generic] | None = None,
        *,
        all_touched: bool = True,
        dtype: str = "uint8",
    ) -> NDArray[np.generic]:
        """Burn geometries (points, lines, polygons) into a new raster; later ones win."""
        from rasterio import features
        from rasterio.transform import Affine

        out = np.zeros(self.shape, dtype=dtype)
        geoms = np.asarray(geoms, dtype=object)
        keep = (
            ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
            if len(geoms)
            else np.zeros(0, bool)
        )
        if not keep.any():
            return out
        vals = np.ones(len(geoms)) if values is None else np.asarray(values)
        shapes = [
            (g, v.item() if hasattr(v, "item") else v)
            for g, v in zip(geoms[keep], vals[keep], strict=True)
        ]
        transform = Affine(self.cell_m, 0.0, self.xmin, 0.0, -self.cell_m, self.ymax)
        features.rasterize(shapes, out=out, transform=transform, all_touched=all_touched)
        return out

    def burn_points(self, x_m: F64, y_m: F64) -> Bool:
        out = np.zeros(self.ny * self.nx, dtype=bool)
        idx, inside = self.index(x_m, y_m)
        out[idx[inside]] = True
        return out.reshape(self.shape)

    def distance_m(self, mask: Bool) -> F64:
        """Distance from every cell to the nearest True cell (infinite where there is none)."""
        if not mask.any():
            return np.full(self.shape, np.inf)
        return np.asarray(ndimage.distance_transform_edt(~mask, sampling=self.cell_m), dtype=float)

    def nearest(self, mask: Bool) -> tuple[F64, I64]:
        """Distance to, and flat index of, the nearest True cell."""
        if not mask.any():
            return np.full(self.shape, np.inf), np.zeros(self.shape, np.int64)
        d, (r, c) = ndimage.distance_transform_edt(~mask, sampling=self.cell_m, return_indices=True)
        return np.asarray(d, float), (r.astype(np.int64) * self.nx + c)
