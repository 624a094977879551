"""Geometry encoding for the two backends, vectorised over arrays of shapely geometries.

GeoPackage stores a geometry as a small header (magic ``GP``, flags, SRS id,
envelope) followed by standard WKB; PostGIS takes WKB through
``ST_GeomFromWKB``. See OGC 12-128r18 §2.1.3 for the GeoPackage blob.
"""

from __future__ import annotations

import struct
from collections import Counter

import numpy as np
import shapely

from landrelease.errors import UsageError

_HEADER = np.dtype(
    [("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs_id", "<i4"), ("env", "<f8", (4,))]
)
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_EMPTY_FLAG = 0b0001_0000


_TYPE_IDS = {
    "POINT": 0,
    "LINESTRING": 1,
    "POLYGON": 3,
    "MULTIPOINT": 4,
    "MULTILINESTRING": 5,
    "MULTIPOLYGON": 6,
}
_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}
_SINGLE_OF = {4: 0, 5: 1, 6: 3}
_MAKE_MULTI = {4: shapely.multipoints, 5: shapely.multilinestrings, 6: shapely.multipolygons}


def type_name(type_id: int) -> str:
    """The name of a shapely geometry type id (``Polygon``)."""
    return _NAMES.get(int(type_id), "no geometry")


def single_part_of(declared: str) -> str | None:
    """The one-part type a multi-part declared type takes in (``MULTIPOLYGON`` → ``POLYGON``)."""
    single = _SINGLE_OF.get(_TYPE_IDS.get(declared, -1))
    return None if single is None else _NAMES[single].upper()


def conform(geoms: np.ndarray, kinds: tuple[str, ...] | None, table: str) -> np.ndarray:
    """The geometries in the kinds ``table`` stores (:func:`schema.stored_kinds`): a one-part
    geometry where the multi-part kind is stored (a Polygon where MultiPolygon is) becomes a
    one-part multi-part geometry, same shape, same area.

    Any other kind is refused (:class:`UsageError`), never stored under a type it is not:
    GDAL and QGIS trust the declared type. ``None``: the table takes any kind.
    """
    arr = np.asarray(geoms, dtype=object)
    if kinds is None or not len(arr):
        return arr
    want = {_TYPE_IDS[k] for k in kinds}
    lift = {_SINGLE_OF[m]: m for m in want if m in _SINGLE_OF and _SINGLE_OF[m] not in want}
    present = ~shapely.is_missing(arr)
    found = np.full(len(arr), -1)
    found[present] = shapely.get_type_id(arr[present])
    promote = np.isin(found, list(lift))
    wrong = present & ~np.isin(found, list(want)) & ~promote
    if wrong.any():
        counts = Counter(type_name(k) for k in found[wrong])
        where = ", ".join(str(i + 1) for i in np.flatnonzero(wrong)[:5])
        takes = " or ".join([_NAMES[k] for k in sorted(want)] + [_NAMES[k] for k in sorted(lift)])
        raise UsageError(
            f"{table} takes {takes} geometries; "
            + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
            + f" refused (record {where}{' …' if wrong.sum() > 5 else ''} of the batch)"
        )
    if not promote.any():
        return arr
    out = arr.copy()
    for single, multi in lift.items():
        idx = np.flatnonzero(found == single)
        if not len(idx):
            continue
        parts = arr[idx]
        empty = shapely.is_empty(parts)
        made = np.empty(len(idx), dtype=object)
        if (~empty).any():
            made[~empty] = _MAKE_MULTI[multi](parts[~empty].reshape(-1, 1))
        for i in np.flatnonzero(empty):
            made[i] = shapely.from_wkt(f"{_NAMES[multi].upper()} EMPTY")
        out[idx] = made
    return out


def to_gpkg_blobs(geoms: np.ndarray, srs_id: int) -> list[bytes | None]:
    """GeoPackage geometry blobs (little-endian, with an XY envelope) for each geometry."""
    out: list[bytes | None] = [None] * len(geoms)
    present = ~shapely.is_missing(geoms)
    if not present.any():
        return out
    g = geoms[present]
    wkb = shapely.to_wkb(g, byte_order=1, flavor="iso")
    bounds = shapely.bounds(g)
    empty = shapely.is_empty(g)
    head = np.zeros(len(g), dtype=_HEADER)
    head["magic"] = b"GP"
    head["flags"] = np.where(
        empty, 0b0001_0001, 0b0000_0011
    )  # little-endian; envelope [minx,maxx,miny,maxy]
    head["srs_id"] = srs_id
    head["env"] = bounds[:, [0, 2, 1, 3]]
    raw = head.tobytes()
    size = _HEADER.itemsize
    idx = np.flatnonzero(present)
    for k, (i, w) in enumerate(zip(idx, wkb, strict=True)):
        out[i] = raw[k * size : (k + 1) * size] + w
    return out


def from_gpkg_blobs(blobs: list[bytes | None]) -> np.ndarray:
    """Shapely geometries from GeoPackage geometry blobs (``None`` stays ``None``)."""
    wkb = np.full(len(blobs), None, dtype=object)
    for i, b in enumerate(blobs):
        if b is None:
            continue
        flags = b[3]
        wkb[i] = bytes(b[8 + _ENVELOPE_BYTES[(flags >> 1) & 0b111] :])
    return shapely.from_wkb(wkb)


def to_wkb(geoms: np.ndarray) -> list[bytes | None]:
    """ISO WKB for each geometry, ``None`` where missing."""
    out = shapely.to_wkb(geoms, byte_order=1, flavor="iso")
    return [None if w is None else bytes(w) for w in out]


def gpkg_envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a GeoPackage geometry blob; ``None`` when missing or empty.

    Read from the blob's header envelope when it has one; else (GDAL writes points
    without) from the WKB, through shapely.
    """
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & _EMPTY_FLAG:
        return None
    env = (flags >> 1) & 0b111
    order = "<" if flags & 1 else ">"
    if env:
        minx, maxx, miny, maxy = struct.unpack_from(f"{order}4d", blob, 8)
        return (minx, maxx, miny, maxy)
    geom = shapely.from_wkb(bytes(blob[8:]))  # no envelope: the WKB follows the 8 bytes
    if geom is None or geom.is_empty:
        return None
    x0, y0, x1, y1 = geom.bounds
    return (x0, x1, y0, y1)
