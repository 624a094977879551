"""Mapbox Vector Tiles (MVT 2.1) from GeoDataFrames: what the map draws, one tile at a time.

The map asks for ``/tiles/{layer}/{z}/{x}/{y}.mvt``. On PostGIS the database cuts the tile
(``ST_AsMVT``, :mod:`landrelease.store.tiles`); on a GeoPackage this module does:

* :class:`TileSource`: a layer's geometries once in Web Mercator's unit square, with a
  spatial index and the properties the map needs (built once per change of the layer);
* :meth:`TileSource.tile`: the features of one tile, clipped to the tile and a margin,
  snapped to its 4096 × 4096 grid, polygons' rings turned as the format wants;
* :func:`encode_tile`: the protocol-buffer bytes, written here (the format is four small
  messages). The geometries of a tile are encoded together (:func:`geometry_commands`:
  shapely's and numpy's array functions over every ring and line at once, then one varint
  pass), which keeps a low-zoom tile of a thousand hazards near a tenth of a second.

Big point layers (findings, incidents) come as counts per cell below a zoom
(:func:`cluster_points`, the same cells as the PostGIS query), each point from that zoom; a
tile's points are found by bisection in the points sorted from west to east, so counting a
tile of 160,000 findings takes milliseconds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
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
    kinds: tuple[str, ...] = ()
    """Only the records whose ``kind`` is one of these (empty: every record)."""
    public: bool = False
    """Readable by everyone, anonymous visitors too, whoever may read its table."""
    label_points: bool = False
    """Besides each area, one point inside it (point on surface) with the same properties: the
    map writes the area's name there once, where a label of the polygon itself would be
    repeated in every tile the area crosses."""


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
        kept = geoms[keep]
        self.values: dict[str, np.ndarray] = {
            col: frame[col].to_numpy(dtype=object)[keep] for col, _ in layer.properties
        }
        if layer.label_points:  # each area's label point after the areas, with its properties
            kept = np.concatenate([kept, shapely.point_on_surface(kept)])
            self.values = {col: np.concatenate([v, v]) for col, v in self.values.items()}
        self.geoms = unit_square(kept)
        self.tree = shapely.STRtree(self.geoms)
        # counted layers: each record's point (a multipoint's mean) sorted from west to east,
        # so that a tile's points are a slice found by bisection, counted with numpy alone
        centres = shapely.centroid(self.geoms) if layer.clustered else np.array([])
        order: Any = np.argsort(shapely.get_x(centres), kind="stable") if len(centres) else []
        self.px = np.asarray(shapely.get_x(centres[order]) if len(centres) else [], dtype=float)
        self.py = np.asarray(shapely.get_y(centres[order]) if len(centres) else [], dtype=float)

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
        west, north, east, south = tile_box(z, x, y)
        i0 = int(np.searchsorted(self.px, west, side="left"))
        i1 = int(np.searchsorted(self.px, east, side="right"))
        py = self.py[i0:i1]
        rows = (py >= north) & (py <= south)
        if not rows.any():
            return b""
        scale = EXTENT * (1 << z)
        gx = self.px[i0:i1][rows] * scale - x * EXTENT
        gy = py[rows] * scale - y * EXTENT
        cx, cy, counts = cluster_points(gx, gy)
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
    width = varint_widths(v)
    shifts = np.arange(10, dtype=np.uint64) * np.uint64(7)
    groups = ((v[:, None] >> shifts[None, :]) & np.uint64(0x7F)).astype(np.uint8)
    k = np.arange(10)[None, :]
    groups[k < (width[:, None] - 1)] |= 0x80
    return groups[k < width[:, None]].tobytes()


def varint_widths(v: np.ndarray) -> np.ndarray:
    """The bytes each unsigned integer takes as a varint."""
    width = np.ones(len(v), dtype=np.int64)
    for b in range(1, 10):
        width += v >= np.uint64(1) << np.uint64(7 * b)
    return width


def _key(field: int, wire: int) -> bytes:
    return uvarint((field << 3) | wire)


def _len_field(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + uvarint(len(payload)) + payload


def _zigzag(n: np.ndarray) -> np.ndarray:
    n = n.astype(np.int64)
    return ((n << 1) ^ (n >> 63)).astype(np.uint64)


MOVE_TO, LINE_TO, CLOSE_PATH = 1, 2, 7


def _command(cmd: int, count: Any) -> Any:
    """A command integer (``count`` an int or an array of them)."""
    return (cmd & 0x7) | (count << 3)


def _paths(
    xy: np.ndarray, path_of: np.ndarray, feature_of_path: np.ndarray, closed: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The command integers of paths (lines or rings; points in order, ``path_of`` naming each
    point's path), all at once: each path a MoveTo, a LineTo of the rest and, for rings, a
    ClosePath; positions relative to the cursor, which starts at 0 for each feature. Returns the
    integers and each path's first and end offset in them."""
    n_paths = len(feature_of_path)
    k = np.bincount(path_of, minlength=n_paths)
    first = np.cumsum(k) - k
    feature = feature_of_path[path_of]
    prev = np.vstack([np.zeros((1, 2), dtype=np.int64), xy[:-1]])
    starts_feature = np.ones(len(xy), dtype=bool)
    starts_feature[1:] = feature[1:] != feature[:-1]
    prev[starts_feature] = 0
    zz = _zigzag(xy - prev)
    length = 2 * k + 2 + int(closed)
    offset = np.cumsum(length) - length
    out = np.zeros(int(length.sum()), dtype=np.uint64)
    out[offset] = _command(MOVE_TO, 1)
    out[offset + 3] = _command(LINE_TO, k - 1)
    if closed:
        out[offset + length - 1] = _command(CLOSE_PATH, 1)
    j = np.arange(len(xy)) - first[path_of]
    pos = offset[path_of] + np.where(j == 0, 1, 2 + 2 * j)
    out[pos] = zz[:, 0]
    out[pos + 1] = zz[:, 1]
    return out, offset, offset + length


def _last_of_path(path_of: np.ndarray) -> np.ndarray:
    last = np.ones(len(path_of), dtype=bool)
    last[:-1] = path_of[1:] != path_of[:-1]
    return last


def _kept(xy: np.ndarray, path_of: np.ndarray) -> np.ndarray:
    """Points that are not a repeat of the one before on their path (they would encode as
    zero-length moves)."""
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = ~((path_of[1:] == path_of[:-1]) & np.all(xy[1:] == xy[:-1], axis=1))
    return keep


def _ring_area2(xy: np.ndarray, path_of: np.ndarray, n_paths: int) -> np.ndarray:
    """Twice each ring's signed area (shoelace; zero for a ring collapsed by snapping)."""
    k = np.bincount(path_of, minlength=n_paths)
    first = np.cumsum(k) - k
    nxt = np.arange(1, len(xy) + 1)
    is_last = _last_of_path(path_of)
    nxt[is_last] = first[path_of[is_last]]
    x, y = xy[:, 0].astype(float), xy[:, 1].astype(float)
    cross = x * y[nxt] - x[nxt] * y
    return np.bincount(path_of, weights=cross, minlength=n_paths)


def _encode_paths(
    parts: np.ndarray, feature_of_part: np.ndarray, rings: bool
) -> dict[int, np.ndarray]:
    """Command integers per feature of line or polygon parts."""
    if rings:
        parts = shapely.orient_polygons(parts, exterior_cw=False)
        paths, part_of_path = shapely.get_rings(parts, return_index=True)
    else:
        paths, part_of_path = parts, np.arange(len(parts))
    xy, path_of = shapely.get_coordinates(paths, return_index=True)
    xy = xy.astype(np.int64)
    keep = _kept(xy, path_of)
    xy, path_of = xy[keep], path_of[keep]
    if rings:  # a ring's closing point is implied (ClosePath)
        keep = ~_last_of_path(path_of)
        xy, path_of = xy[keep], path_of[keep]
    counts = np.bincount(path_of, minlength=len(paths))
    good = counts >= (3 if rings else 2)
    if rings:
        good &= _ring_area2(xy, path_of, len(paths)) != 0
    on = good[path_of]
    xy, path_of = xy[on], path_of[on]
    kept_paths = np.flatnonzero(good)
    if not len(kept_paths):
        return {}
    renumber = np.full(len(paths), -1)
    renumber[kept_paths] = np.arange(len(kept_paths))
    feature_of_path = feature_of_part[part_of_path[kept_paths]]
    ints, begin, end = _paths(xy, renumber[path_of], feature_of_path, closed=rings)
    out: dict[int, np.ndarray] = {}
    bounds = np.flatnonzero(np.r_[True, feature_of_path[1:] != feature_of_path[:-1], True])
    for a, b in itertools.pairwise(bounds):
        out[int(feature_of_path[a])] = ints[begin[a] : end[b - 1]]
    return out


def geometry_commands(geoms: Sequence[Any]) -> list[tuple[int, np.ndarray] | None]:
    """Each geometry's MVT type and command integers (tile grid units, integer coordinates),
    or ``None`` when nothing of it is left at this zoom. Every geometry of a tile is done at
    once with shapely's and numpy's array functions, not one by one."""
    arr = np.array(geoms, dtype=object)  # a copy: collections are replaced below
    kinds = shapely.get_type_id(arr)
    for i in np.flatnonzero(kinds == 7):  # a collection left by clipping: its highest dimension
        parts = shapely.get_parts(arr[i])
        if not len(parts):
            continue
        dims = shapely.get_dimensions(parts)
        best = parts[dims == dims.max()]
        arr[i] = shapely.union_all(best) if len(best) > 1 else best[0]
    kinds = shapely.get_type_id(arr)
    out: list[tuple[int, np.ndarray] | None] = [None] * len(arr)
    for mvt_type, ids, rings in (
        (_LINE, np.flatnonzero(np.isin(kinds, (1, 2, 5))), False),
        (_POLYGON, np.flatnonzero(np.isin(kinds, (3, 6))), True),
    ):
        if not len(ids):
            continue
        parts, part_of = shapely.get_parts(arr[ids], return_index=True)
        for feature, ints in _encode_paths(parts, ids[part_of], rings).items():
            out[feature] = (mvt_type, ints)
    points = np.flatnonzero(np.isin(kinds, (0, 4)))
    if len(points):  # Point, MultiPoint: one MoveTo with every point of the feature
        xy, of = shapely.get_coordinates(arr[points], return_index=True)
        xy = xy.astype(np.int64)
        k = np.bincount(of, minlength=len(points))
        first = np.cumsum(k) - k
        prev = np.vstack([np.zeros((1, 2), dtype=np.int64), xy[:-1]])
        prev[first[k > 0]] = 0
        zz = _zigzag(xy - prev).reshape(-1)
        for n, (f, count) in enumerate(zip(points, k, strict=True)):
            if count:
                head = np.array([_command(MOVE_TO, int(count))], dtype=np.uint64)
                out[int(f)] = (
                    _POINT,
                    np.concatenate([head, zz[2 * first[n] : 2 * (first[n] + count)]]),
                )
    return out


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
    """One MVT layer message (version 2, extent :data:`EXTENT`); ``None`` properties are left out.

    Every feature message is a run of varints (its key, its length, its tags' key, length and
    indices, its type's key and type, its geometry's key, length and commands), so the whole
    layer's features are laid out as one array of integers, their lengths counted with numpy,
    and written as varints in one go: a tile of 19,000 findings in a tenth of the time it took
    feature by feature."""
    keys: dict[str, int] = {}
    values: dict[tuple[type, Any], int] = {}
    encoded_all = geometry_commands(geoms)
    kinds: list[int] = []
    geometry: list[np.ndarray] = []
    tags: list[int] = []
    n_tags: list[int] = []
    for encoded, props in zip(encoded_all, properties, strict=True):
        if encoded is None:
            continue
        kinds.append(encoded[0])
        geometry.append(encoded[1])
        before = len(tags)
        for k, v in props.items():
            if v is None:
                continue
            tags.append(keys.setdefault(k, len(keys)))
            tags.append(values.setdefault((type(v), v), len(values)))
        n_tags.append(len(tags) - before)
    if not kinds:
        return b""
    out = _key(15, 0) + uvarint(2) + _len_field(1, name.encode())
    out += _features(np.array(kinds), geometry, np.array(tags, dtype=np.uint64), np.array(n_tags))
    out += b"".join(_len_field(3, k.encode()) for k in keys)
    out += _values_table(v for (_, v) in values)
    out += _key(5, 0) + uvarint(EXTENT)
    return out


def _values_table(values: Iterable[Any]) -> bytes:
    """The layer's values (field 4), a string shorter than 126 bytes written at once (a tile of
    findings holds one per finding: their ids)."""
    out = []
    for v in values:
        if isinstance(v, str):
            b = v.encode()
            if len(b) < 126:  # its length and the message's fit in one byte each
                out.append(bytes((0x22, len(b) + 2, 0x0A, len(b))) + b)
                continue
        out.append(_len_field(4, _value_message(v)))
    return b"".join(out)


def _segment_sums(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The sums of consecutive runs of ``values``, ``counts[i]`` long each (runs may be empty)."""
    return np.bincount(
        np.repeat(np.arange(len(counts)), counts), weights=values, minlength=len(counts)
    )


def _features(
    kinds: np.ndarray, geometry: Sequence[np.ndarray], tags: np.ndarray, n_tags: np.ndarray
) -> bytes:
    """The feature messages of a layer (field 2 of the layer, in order): each its tags (field
    2, packed; left out when it has none), its type (field 3) and its geometry (field 4, packed)."""
    n_geom = np.array([len(g) for g in geometry])
    geom_ints = np.concatenate(geometry).astype(np.uint64)
    tag_len = _segment_sums(varint_widths(tags), n_tags).astype(np.int64)
    geom_len = _segment_sums(varint_widths(geom_ints), n_geom).astype(np.int64)
    has_tags = n_tags > 0
    body_len = (
        np.where(has_tags, 1 + varint_widths(tag_len.astype(np.uint64)) + tag_len, 0)
        + 1
        + varint_widths(kinds.astype(np.uint64))
        + 1
        + varint_widths(geom_len.astype(np.uint64))
        + geom_len
    )
    # each feature's integers: key, length, [key, length, tags…], key, type, key, length, commands…
    size = 2 + np.where(has_tags, 2 + n_tags, 0) + 4 + n_geom
    start = np.cumsum(size) - size
    ints = np.zeros(int(size.sum()), dtype=np.uint64)
    ints[start] = (2 << 3) | 2
    ints[start + 1] = body_len
    t0 = start + 2
    ints[t0[has_tags]] = (2 << 3) | 2
    ints[t0[has_tags] + 1] = tag_len[has_tags]
    first_tag = t0 + 2
    if len(tags):
        ints[_runs_at(first_tag, n_tags)] = tags
    g0 = start + 2 + np.where(has_tags, 2 + n_tags, 0)
    ints[g0] = (3 << 3) | 0
    ints[g0 + 1] = kinds
    ints[g0 + 2] = (4 << 3) | 2
    ints[g0 + 3] = geom_len
    ints[_runs_at(g0 + 4, n_geom)] = geom_ints
    return varints(ints)


def _runs_at(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The positions of runs ``counts[i]`` long starting at ``starts[i]``, concatenated."""
    first = np.cumsum(counts) - counts
    return np.repeat(starts - first, counts) + np.arange(int(counts.sum()))


def encode_tile(
    layers: Sequence[tuple[str, Sequence[Any], Sequence[Mapping[str, Any]]]],
) -> bytes:
    """A tile of the given (name, geometries in tile grid units, properties) layers."""
    return b"".join(
        _len_field(3, body) for body in (encode_layer(*layer) for layer in layers) if body
    )


# -- the layers the map draws from tiles -----------------------------------------------------

PUBLIC_BASE_KINDS = ("road", "water", "farmland")
"""What of the infrastructure layer every visitor's base map shows: roads, rivers and canals,
farmland — the geography any topographic map or OpenStreetMap shows, with no personal data
and nothing about the programme's work. Power lines, pipelines and public buildings stay
with the users who log in, as the whole infrastructure layer does in the OGC API."""

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
            "base",
            "infrastructure",
            (("kind", "text"), ("name", "text")),
            kinds=PUBLIC_BASE_KINDS,
            public=True,
        ),
        TileLayer(
            "boundaries",
            "boundaries",
            (("name", "text"), ("level", "text")),
            public=True,
            label_points=True,
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
        TileLayer(
            "land_use",
            "land_use",
            (
                ("land_use_id", "text"),
                ("kind", "text"),
                ("years_in_use", "float"),
                ("observed", "text"),
                ("source", "text"),
                ("confidence", "text"),
            ),
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
