"""Mapbox Vector Tiles (MVT 2.1) from GeoDataFrames: what the map draws, one tile at a time.

The map asks for ``/tiles/{layer}/{z}/{x}/{y}.mvt``. On PostGIS the database cuts the tile
(``ST_AsMVT``, :mod:`landrelease.store.tiles`); on a GeoPackage this module does:

* :class:`TileSource`: a layer's geometries once in Web Mercator's unit square, with a
  spatial index and the properties the map needs (built once per change of the layer);
* :meth:`TileSource.tile`: the features of one tile, clipped to the tile and a margin,
  snapped to its 4096 × 4096 grid, polygons' rings turned as the format wants;
* :func:`encode_tile`: the protocol-buffer bytes, written here (the format is four small
  messages; varints are encoded with numpy, a whole ring at a time).

Big point layers (findings, incidents) come as counts per cell below a zoom
(:func:`cluster_points`, the same cells as the PostGIS query), each point from that zoom.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from landrelease.domain import layer_by_name

EXTENT = 4096
"""Tile grid units per tile side (MVT's usual extent)."""
BUFFER = 64
"""Grid units kept beyond each tile side, so lines and outlines join across tiles."""
CLUSTER_CELLS = 16
"""Cells per tile side in which points are counted below the detail zoom (256 grid units,
32 px on the screen: a count's circle stays within its cell)."""
MAX_ZOOM = 22
MAX_LAT = 85.0511287798066
"""Web Mercator's latitude limit (the square's edge)."""

_POINT, _LINE, _POLYGON = 1, 2, 3


@dataclass(frozen=True)
class TileLayer:
    """One layer of a tile: its name, the properties sent (column and kind) and how points go."""

    name: str
    table: str
    """The workspace table (the OGC collection id)."""
    properties: tuple[tuple[str, str], ...]
    """(column, kind) with kind ``text``, ``int`` or ``float``: all a tile carries of a record."""
    clustered: bool = False
    """Points counted per cell below the detail zoom (findings, incidents)."""


def check_zxy(z: int, x: int, y: int) -> str | None:
    """What is wrong with a tile address, or ``None``."""
    if not 0 <= z <= MAX_ZOOM:
        return f"zoom {z}: tiles are served from 0 to {MAX_ZOOM}"
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        return f"tile {z}/{x}/{y}: at zoom {z}, x and y go from 0 to {n - 1}"
    return None


def unit_square(geoms: np.ndarray) -> np.ndarray:
    """Geometries in WGS84 degrees to Web Mercator's unit square (x east, y south, 0–1)."""

    def project(xy: np.ndarray) -> np.ndarray:
        lon = xy[:, 0]
        lat = np.radians(np.clip(xy[:, 1], -MAX_LAT, MAX_LAT))
        u = (lon + 180.0) / 360.0
        v = (1.0 - np.log(np.tan(lat) + 1.0 / np.cos(lat)) / math.pi) / 2.0
        return np.column_stack([u, v])

    return np.asarray(shapely.transform(geoms, project), dtype=object)


def tile_box(z: int, x: int, y: int, margin: float = 0.0) -> tuple[float, float, float, float]:
    """The tile in the unit square, widened by ``margin`` grid units on each side."""
    size = 1.0 / (1 << z)
    m = margin / EXTENT * size
    return x * size - m, y * size - m, (x + 1) * size + m, (y + 1) * size + m


class TileSource:
    """A layer ready to be cut into tiles: geometries in the unit square, indexed, with properties."""

    def __init__(self, frame: gpd.GeoDataFrame, layer: TileLayer) -> None:
        geoms = np.asarray(frame.geometry.values, dtype=object)
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        self.layer = layer
        self.geoms = unit_square(geoms[keep])
        self.tree = shapely.STRtree(self.geoms)
        self.values: dict[str, np.ndarray] = {
            col: frame[col].to_numpy(dtype=object)[keep] for col, _ in layer.properties
        }

    def tile(self, z: int, x: int, y: int, *, detail_zoom: int) -> bytes:
        """The MVT bytes of tile ``z/x/y`` (empty bytes: nothing in it)."""
        if self.layer.clustered and z < detail_zoom:
            return self._clusters(z, x, y)
        rows = np.sort(self.tree.query(shapely.box(*tile_box(z, x, y, BUFFER))))
        if not len(rows):
            return b""
        scale = EXTENT * (1 << z)
        ox, oy = x * EXTENT, y * EXTENT
        local = shapely.transform(self.geoms[rows], lambda xy: xy * scale - (ox, oy))
        clipped = shapely.clip_by_rect(local, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
        snapped = shapely.transform(clipped, np.round)  # rings left degenerate are dropped later
        good = ~shapely.is_empty(snapped)
        props = [
            {col: _value(self.values[col][i], kind) for col, kind in self.layer.properties}
            for i in rows[good]
        ]
        return encode_tile([(self.layer.name, list(snapped[good]), props)])

    def _clusters(self, z: int, x: int, y: int) -> bytes:
        rows = self.tree.query(shapely.box(*tile_box(z, x, y)))
        if not len(rows):
            return b""
        scale = EXTENT * (1 << z)
        centres = shapely.centroid(self.geoms[rows])  # a point itself; a multipoint's mean
        gx = (shapely.get_x(centres) * scale - x * EXTENT).astype(float)
        gy = (shapely.get_y(centres) * scale - y * EXTENT).astype(float)
        inside = (gx >= 0) & (gx <= EXTENT) & (gy >= 0) & (gy <= EXTENT)
        cx, cy, counts = cluster_points(gx[inside], gy[inside])
        points = list(shapely.points(np.round(cx), np.round(cy)))
        props: list[dict[str, Any]] = [{"count": int(n)} for n in counts]
        return encode_tile([(self.layer.name, points, props)])


def cluster_points(
    gx: np.ndarray, gy: np.ndarray, cells: int = CLUSTER_CELLS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points in tile grid units counted per cell of ``EXTENT / cells``: each cell's mean
    position and count, cells in row-major order (y, then x)."""
    if not len(gx):
        return np.array([]), np.array([]), np.array([], dtype=int)
    size = EXTENT / cells
    ix = np.clip(np.floor(gx / size), 0, cells - 1).astype(np.int64)
    iy = np.clip(np.floor(gy / size), 0, cells - 1).astype(np.int64)
    _, inverse, counts = np.unique(iy * cells + ix, return_inverse=True, return_counts=True)
    mx = np.bincount(inverse, weights=gx) / counts
    my = np.bincount(inverse, weights=gy) / counts
    return mx, my, counts


def _value(v: Any, kind: str) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if kind == "int":
        return int(v)
    if kind == "float":
        return float(v)
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


# -- the protocol-buffer encoding ------------------------------------------------------------


def uvarint(n: int) -> bytes:
    """One unsigned integer as a protocol-buffer varint."""
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def varints(values: np.ndarray) -> bytes:
    """Unsigned integers as protocol-buffer varints, all at once."""
    v = np.asarray(values, dtype=np.uint64)
    if len(v) < 24:
        return b"".join(uvarint(int(n)) for n in v.tolist())
    width = np.ones(len(v), dtype=np.int64)
    for b in range(1, 10):
        width += v >= np.uint64(1) << np.uint64(7 * b)
    shifts = np.arange(10, dtype=np.uint64) * np.uint64(7)
    groups = ((v[:, None] >> shifts[None, :]) & np.uint64(0x7F)).astype(np.uint8)
    k = np.arange(10)[None, :]
    groups[k < (width[:, None] - 1)] |= 0x80
    return groups[k < width[:, None]].tobytes()


def _key(field: int, wire: int) -> bytes:
    return uvarint((field << 3) | wire)


def _len_field(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + uvarint(len(payload)) + payload


def _zigzag(n: np.ndarray) -> np.ndarray:
    n = n.astype(np.int64)
    return ((n << 1) ^ (n >> 63)).astype(np.uint64)


def _command(cmd: int, count: int) -> int:
    return (cmd & 0x7) | (count << 3)


def _geometry(geom: Any) -> tuple[int, np.ndarray] | None:
    """The geometry's type and command integers (tile grid units, integer coordinates)."""
    kind = shapely.get_type_id(geom)
    parts = shapely.get_parts(geom)
    ints: list[np.ndarray] = []
    cursor = np.zeros(2, dtype=np.int64)

    def path(xy: np.ndarray, close: bool) -> None:
        nonlocal cursor
        xy = xy.astype(np.int64)
        deltas = np.diff(np.vstack([cursor, xy]), axis=0)
        zz = _zigzag(deltas).reshape(-1)
        ints.append(np.array([_command(1, 1)], dtype=np.uint64))
        ints.append(zz[:2])
        if len(xy) > 1:
            ints.append(np.array([_command(2, len(xy) - 1)], dtype=np.uint64))
            ints.append(zz[2:])
        if close:
            ints.append(np.array([_command(7, 1)], dtype=np.uint64))
        cursor = xy[-1]

    if kind in (0, 4):  # Point, MultiPoint: one MoveTo with every point
        xy = shapely.get_coordinates(parts).astype(np.int64)
        if not len(xy):
            return None
        deltas = np.diff(np.vstack([cursor, xy]), axis=0)
        head = np.array([_command(1, len(xy))], dtype=np.uint64)
        return _POINT, np.concatenate([head, _zigzag(deltas).reshape(-1)])
    if kind in (1, 2, 5):  # LineString, LinearRing, MultiLineString
        for line in parts:
            xy = _dedupe(shapely.get_coordinates(line))
            if len(xy) >= 2:
                path(xy, close=False)
        return (_LINE, np.concatenate(ints)) if ints else None
    if kind in (3, 6):  # Polygon, MultiPolygon: exterior rings of positive area in tile units
        for poly in shapely.orient_polygons(parts, exterior_cw=False):
            holes = shapely.get_num_interior_rings(poly)
            rings = [shapely.get_exterior_ring(poly)]
            rings += [shapely.get_interior_ring(poly, i) for i in range(holes)]
            for ring in rings:
                xy = _dedupe(shapely.get_coordinates(ring))[:-1]
                if len(xy) >= 3 and _area2(xy) != 0:
                    path(xy, close=True)
        return (_POLYGON, np.concatenate(ints)) if ints else None
    if kind == 7:  # a collection left by clipping: the parts of the highest dimension
        dims = shapely.get_dimensions(parts)
        best = parts[dims == dims.max()]
        return _geometry(shapely.union_all(best) if len(best) > 1 else best[0])
    return None


def _area2(xy: np.ndarray) -> float:
    """Twice the signed area of a ring (shoelace; zero for a ring collapsed by snapping)."""
    x, y = xy[:, 0], xy[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _dedupe(xy: np.ndarray) -> np.ndarray:
    """Coordinates without repeated consecutive points (they encode as zero-length moves)."""
    if len(xy) < 2:
        return xy
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
    return xy[keep]


def _value_message(v: Any) -> bytes:
    if isinstance(v, bool):
        return _key(7, 0) + uvarint(int(v))
    if isinstance(v, (int, np.integer)):
        n = int(v)
        return _key(6, 0) + uvarint((n << 1) ^ (n >> 63) if n < 0 else n << 1)
    if isinstance(v, (float, np.floating)):
        return _key(3, 1) + np.array([float(v)], dtype="<f8").tobytes()
    return _len_field(1, str(v).encode())


def encode_layer(name: str, geoms: Sequence[Any], properties: Sequence[Mapping[str, Any]]) -> bytes:
    """One MVT layer message (version 2, extent :data:`EXTENT`); ``None`` properties are left out."""
    keys: dict[str, int] = {}
    values: dict[tuple[type, Any], int] = {}
    features: list[bytes] = []
    for geom, props in zip(geoms, properties, strict=True):
        encoded = _geometry(geom)
        if encoded is None:
            continue
        kind, commands = encoded
        tags: list[int] = []
        for k, v in props.items():
            if v is None:
                continue
            tags.append(keys.setdefault(k, len(keys)))
            tags.append(values.setdefault((type(v), v), len(values)))
        body = b""
        if tags:
            body += _len_field(2, varints(np.array(tags)))
        body += _key(3, 0) + uvarint(kind)
        body += _len_field(4, varints(commands))
        features.append(_len_field(2, body))
    if not features:
        return b""
    out = _key(15, 0) + uvarint(2) + _len_field(1, name.encode())
    out += b"".join(features)
    out += b"".join(_len_field(3, k.encode()) for k in keys)
    out += b"".join(_len_field(4, _value_message(v)) for (_, v) in values)
    out += _key(5, 0) + uvarint(EXTENT)
    return out


def encode_tile(
    layers: Sequence[tuple[str, Sequence[Any], Sequence[Mapping[str, Any]]]],
) -> bytes:
    """A tile of the given (name, geometries in tile grid units, properties) layers."""
    return b"".join(
        _len_field(3, body) for body in (encode_layer(*layer) for layer in layers) if body
    )


# -- the layers the map draws from tiles -----------------------------------------------------

TILE_LAYERS: dict[str, TileLayer] = {
    t.name: t
    for t in (
        TileLayer(
            "hazards",
            "hazards",
            (("hazard_id", "text"), ("status", "text"), ("classification", "text")),
        ),
        TileLayer(
            "survey_parts",
            "survey_parts",
            (("part_id", "text"), ("hazard_id", "text"), ("decision", "text")),
        ),
        TileLayer(
            "settlements",
            "settlements",
            (("settlement_id", "text"), ("name", "text"), ("population_planned", "int")),
        ),
        TileLayer(
            "infrastructure",
            "infrastructure",
            (("asset_id", "text"), ("kind", "text"), ("name", "text")),
        ),
        TileLayer(
            "findings",
            "findings",
            (("finding_id", "text"), ("device", "text"), ("date", "text")),
            clustered=True,
        ),
        TileLayer(
            "incidents",
            "incidents",
            (("incident_id", "text"), ("date", "text"), ("killed", "int"), ("injured", "int")),
            clustered=True,
        ),
    )
}
"""What tiles carry: a few fields for drawing and labels; a click asks the API for the rest.
No personal field is ever among them (checked on import), and none of these layers hides
records by role (only activities do, and they are not tiled), so a tile is the same for
every user allowed to read its layer."""


def _check_no_personal_fields() -> None:
    for t in TILE_LAYERS.values():
        if t.table == "survey_parts":
            continue
        personal = set(layer_by_name(t.table).personal_fields) & {c for c, _ in t.properties}
        if personal:
            raise RuntimeError(f"tile layer {t.name} would carry personal fields {personal}")


_check_no_personal_fields()
