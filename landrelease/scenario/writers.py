"""Deterministic writers: the same inputs give the same bytes.

GeoJSON FeatureCollections with one Feature per record, properties in the
order the layer registry declares them (extras after), coordinates with 6
decimals of a degree (~0.1 m), exterior rings counter-clockwise (RFC 7946);
CSV with a fixed column order; GeoParquet through pyarrow without timestamps.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from landrelease.domain import layer_by_name
from landrelease.scenario.geometry import Geoms

Column = Sequence[Any] | NDArray[Any]
"""The values of one property, one per record."""
DECIMALS = 6
_SAFE = re.compile(r"[A-Za-z0-9 _.,:()/+-]*")
"""Text that needs no JSON escaping."""


def _num(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if not math.isfinite(f):
        return "null"
    r = round(f, 6)
    return str(int(r)) + ".0" if r.is_integer() and abs(r) < 1e15 else repr(r)


def value_json(v: Any) -> str:
    """A property value as JSON text, deterministically."""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return _num(v)
    if isinstance(v, np.datetime64):
        return json.dumps(str(v.astype("datetime64[D]")))
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(_plain(v), ensure_ascii=False, separators=(",", ":"))
    return json.dumps(str(v), ensure_ascii=False)


def _plain(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float):
        return round(v, 6)
    return v


def _ring(coords: np.ndarray) -> str:
    c = np.round(coords[:, :2], DECIMALS)
    keep = np.ones(len(c), bool)
    keep[1:] = np.any(c[1:] != c[:-1], axis=1)
    c = c[keep]
    return "[" + ",".join(f"[{x:.{DECIMALS}f},{y:.{DECIMALS}f}]" for x, y in c) + "]"


def geometry_json(g: shapely.Geometry) -> str:
    """GeoJSON geometry text with fixed precision."""
    t = g.geom_type
    if t == "Point":
        x, y = g.coords[0][:2]
        return f'{{"type":"Point","coordinates":[{x:.{DECIMALS}f},{y:.{DECIMALS}f}]}}'
    if t == "LineString":
        return f'{{"type":"LineString","coordinates":{_ring(np.asarray(g.coords))}}}'
    if t == "Polygon":
        rings = [g.exterior, *g.interiors]
        return (
            '{"type":"Polygon","coordinates":['
            + ",".join(_ring(np.asarray(r.coords)) for r in rings)
            + "]}"
        )
    if t == "MultiLineString":
        return (
            '{"type":"MultiLineString","coordinates":['
            + ",".join(_ring(np.asarray(p.coords)) for p in g.geoms)
            + "]}"
        )
    if t == "MultiPolygon":
        polys = []
        for p in g.geoms:
            polys.append(
                "["
                + ",".join(_ring(np.asarray(r.coords)) for r in [p.exterior, *p.interiors])
                + "]"
            )
        return '{"type":"MultiPolygon","coordinates":[' + ",".join(polys) + "]}"
    raise ValueError(f"cannot write geometry type {t}")


def _points_json(x: np.ndarray, y: np.ndarray) -> list[str]:
    return [
        f'{{"type":"Point","coordinates":[{a:.{DECIMALS}f},{b:.{DECIMALS}f}]}}'
        for a, b in zip(x.tolist(), y.tolist(), strict=True)
    ]


def _column_json(name: str, values: Column) -> list[str]:
    """``"name":value`` text per record ('' where the value is missing)."""
    key = json.dumps(name) + ":"
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf" and len(values):
        if values.dtype.kind == "b":
            table = [key + "false", key + "true"]
            return [table[v] for v in values.astype(np.int8).tolist()]
        if values.dtype.kind in "iu":
            return [key + str(v) for v in values.tolist()]
        return [key + repr(v) if v == v else "" for v in np.round(values.astype(float), 6).tolist()]
    if isinstance(values, np.ndarray) and values.dtype.kind in "OU" and len(values):
        present = (
            np.array([isinstance(v, str) for v in values], bool)
            if values.dtype.kind == "O"
            else np.ones(len(values), bool)
        )
        if present.all():
            inv, uniq = _factorize(values)
            if len(uniq) > len(values) // 2 and all(_SAFE.fullmatch(t) for t in uniq.tolist()):
                return [key + '"' + t + '"' for t in values.tolist()]
            table = [key + json.dumps(str(u), ensure_ascii=False) for u in uniq.tolist()]
            return [table[i] for i in inv.tolist()]
    cache: dict[Any, str] = {}
    out = []
    for v in values:
        if (
            v is None
            or (isinstance(v, float) and math.isnan(v))
            or (isinstance(v, np.datetime64) and np.isnat(v))
        ):
            out.append("")
            continue
        hashable = isinstance(v, (str, bool, int, np.bool_, np.integer))
        if hashable and v in cache:
            out.append(cache[v])
            continue
        text = key + value_json(v)
        if hashable:
            cache[v] = text
        out.append(text)
    return out


def features_text(geometries: list[str], columns: list[list[str]]) -> list[str]:
    """Feature text per record from pre-encoded geometries and properties ('' = absent)."""
    if not columns:
        props = [""] * len(geometries)
    elif all(all(c) for c in columns):
        props = [",".join(t) for t in zip(*columns, strict=True)]
    else:
        props = [",".join(t for t in row if t) for row in zip(*columns, strict=True)]
    head, mid = '{"type":"Feature","properties":{', '},"geometry":'
    return [head + p + mid + g + "}" for p, g in zip(props, geometries, strict=True)]


def write_features(path: Path, name: str, features: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write('{"type":"FeatureCollection","name":' + json.dumps(name) + ',"features":[\n')
        fh.write(",\n".join(features))
        fh.write("\n]}\n" if features else "]}\n")


def ordered_columns(layer: str, columns: Mapping[str, Column]) -> list[str]:
    """The registry's field order first, then any extra properties in the order given."""
    names = layer_by_name(layer).field_names
    return [n for n in names if n in columns] + [n for n in columns if n not in names]


def write_geojson(
    path: Path,
    layer: str,
    geoms_lonlat: Geoms | None,
    columns: Mapping[str, Column],
    *,
    points: tuple[np.ndarray, np.ndarray] | None = None,
) -> int:
    """Write a FeatureCollection of a registry layer; ``points`` (lon, lat) is a fast path
    for point layers. Properties follow the registry's order, extras after."""
    return write_collection(
        path,
        layer,
        geoms_lonlat,
        {c: columns[c] for c in ordered_columns(layer, columns)},
        points=points,
    )


def write_collection(
    path: Path,
    name: str,
    geoms_lonlat: Geoms | None,
    columns: Mapping[str, Column],
    *,
    points: tuple[np.ndarray, np.ndarray] | None = None,
) -> int:
    """Write a FeatureCollection with the properties in the order given."""
    n = (
        len(points[0])
        if points is not None
        else len(geoms_lonlat if geoms_lonlat is not None else [])
    )
    for c, v in columns.items():
        if len(v) != n:
            raise ValueError(f"{name}.{c}: {len(v)} values for {n} features")
    if points is not None:
        geo = _points_json(np.asarray(points[0]), np.asarray(points[1]))
    else:
        g = np.asarray(geoms_lonlat, dtype=object)
        if len(g):
            # snap to the written precision: GEOS keeps the result valid, so rounding the
            # coordinates to 6 decimals cannot make parts touch or rings cross
            snapped = shapely.set_precision(g, 10.0**-DECIMALS)
            if shapely.is_empty(snapped).any():
                raise ValueError(f"{name}: a geometry vanishes at {DECIMALS} decimals")
            g = np.asarray(shapely.orient_polygons(snapped, exterior_cw=False), dtype=object)
        geo = [geometry_json(x) for x in g]
    write_features(path, name, features_text(geo, [_column_json(c, v) for c, v in columns.items()]))
    return n


def write_csv(path: Path, layer: str, columns: Mapping[str, Column]) -> int:
    order = ordered_columns(layer, columns)
    n = len(columns[order[0]]) if order else 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(order)
        for i in range(n):
            w.writerow([_cell(columns[c][i]) for c in order])
    return n


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return json.dumps(_plain(v), separators=(",", ":"))
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return _num(float(v))
    return str(v)


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(_plain(obj), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_points_parquet(
    path: Path, lon: np.ndarray, lat: np.ndarray, columns: dict[str, np.ndarray]
) -> None:
    """GeoParquet of points (WKB, EPSG:4326), deterministic: no timestamps, fixed row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {k: _arrow(pa, v) for k, v in columns.items()}
    arrays["geometry"] = _point_wkb(pa, np.asarray(lon, float), np.asarray(lat, float))
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": ["Point"],
                "crs": _wgs84_projjson(),
                "bbox": [
                    round(float(lon.min()), 6),
                    round(float(lat.min()), 6),
                    round(float(lon.max()), 6),
                    round(float(lat.max()), 6),
                ]
                if len(lon)
                else [],
            }
        },
    }
    table = pa.table(arrays).replace_schema_metadata(
        {"geo": json.dumps(geo, separators=(",", ":"))}
    )
    pq.write_table(table, path, compression="zstd", row_group_size=1 << 20, write_statistics=True)


def _point_wkb(pa: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """A binary Arrow array of little-endian WKB points, built without geometry objects."""
    rec = np.zeros(len(x), dtype=[("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])
    rec["order"], rec["kind"], rec["x"], rec["y"] = 1, 1, x, y
    offsets = np.arange(0, 21 * len(x) + 1, 21, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.binary(), len(x), [None, pa.py_buffer(offsets), pa.py_buffer(rec.tobytes())]
    )


def _factorize(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and sorted distinct values of a text column (hashing, not sorting, the values)."""
    import pandas as pd

    codes, uniq = pd.factorize(pd.Series(v, dtype=object), sort=True)
    return np.asarray(codes), np.asarray(uniq, dtype=object)


def _arrow(pa: Any, v: np.ndarray) -> Any:
    """An Arrow array; text columns with few distinct values dictionary-encoded."""
    if v.dtype.kind == "U":
        return pa.array(v)
    if v.dtype.kind == "O":
        codes, uniq = _factorize(v)
        if len(uniq) < max(len(v) // 4, 1):
            return pa.DictionaryArray.from_arrays(
                pa.array(codes.astype(np.int32)), pa.array(uniq.tolist())
            )
        return pa.array(v.tolist())
    return pa.array(v)


def _wgs84_projjson() -> dict[str, Any]:
    from pyproj import CRS

    out: dict[str, Any] = CRS.from_epsg(4326).to_json_dict()
    return out
