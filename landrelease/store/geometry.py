"""Geometry encoding for the two backends, vectorised over arrays of shapely geometries.

GeoPackage stores a geometry as a small header (magic ``GP``, flags, SRS id,
envelope) followed by standard WKB; PostGIS takes WKB through
``ST_GeomFromWKB``. See OGC 12-128r18 §2.1.3 for the GeoPackage blob.
"""

from __future__ import annotations

import struct

import numpy as np
import shapely

_HEADER = np.dtype(
    [("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs_id", "<i4"), ("env", "<f8", (4,))]
)
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_EMPTY_FLAG = 0b0001_0000


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
