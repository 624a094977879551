"""The covariate rasters a workspace keeps (elevation, land cover, population), both backends.

One row per covariate in ``covariates``: its grid (CRS as WKT, affine transform, shape), its
cells as zlib-compressed bytes in row order, and a hash of all of that. Writing the same raster
again changes nothing; a different one replaces it, with an audit entry that gives the grid
before and after (never the cells). Decoding needs numpy only, so every layer above can read a
covariate without GDAL (docs/decisions/0021-covariate-storage.md).
"""

from __future__ import annotations

import functools
import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa

from landrelease.store.sql import insert_rows, placeholder, quote, update_rows
from landrelease.store.workspace import WriteContext

TABLE = "covariates"


@dataclass(frozen=True)
class CovariateRaster:
    """One covariate on its own grid: cells ``values`` (rows from the north), ``nodata`` masked
    by value, georeferenced by ``transform`` (affine a, b, c, d, e, f) in ``crs`` (WKT)."""

    name: str
    kind: str
    unit: str
    crs: str
    transform: tuple[float, float, float, float, float, float]
    values: np.ndarray
    nodata: float | None
    source: str = ""

    @functools.cached_property
    def content_hash(self) -> str:
        """SHA-256 of the grid and the cells (computed once: a map tile names it)."""
        h = hashlib.sha256()
        h.update(
            json.dumps(
                [
                    self.crs,
                    list(self.transform),
                    self.nodata,
                    str(self.values.dtype),
                    list(self.values.shape),
                ]
            ).encode()
        )
        h.update(np.ascontiguousarray(self.values).tobytes())
        return h.hexdigest()

    def rowcol(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fractional row and column (cell centres at whole numbers) of points given in the
        raster's own CRS, and whether each point lies on the raster."""
        a, _, c, _, e, f = self.transform
        rows = (np.asarray(y, dtype=np.float64) - f) / e - 0.5
        cols = (np.asarray(x, dtype=np.float64) - c) / a - 0.5
        h, w = self.values.shape
        inside = (rows > -0.5) & (rows < h - 0.5) & (cols > -0.5) & (cols < w - 0.5)
        return rows, cols, inside

    def valid(self) -> np.ndarray:
        """True where a cell holds a value (not nodata, not NaN)."""
        v = self.values
        ok = np.ones(v.shape, dtype=bool)
        if np.issubdtype(v.dtype, np.floating):
            ok &= ~np.isnan(v)
        if self.nodata is not None and not np.isnan(self.nodata):
            ok &= v != self.nodata
        return ok

    def grid(self) -> dict[str, Any]:
        """The raster's grid as the audit trail shows it."""
        return {
            "crs": self.crs,
            "transform": list(self.transform),
            "width": int(self.values.shape[1]),
            "height": int(self.values.shape[0]),
            "dtype": str(self.values.dtype),
            "nodata": self.nodata,
            "content_hash": self.content_hash,
            "source": self.source,
        }


def write_covariate(conn: sa.Connection, raster: CovariateRaster, ctx: WriteContext) -> str:
    """Keep ``raster`` in the workspace: ``inserted``, ``updated`` (replaced, audited) or
    ``unchanged`` (the same cells, grid and CRS are stored already)."""
    digest = raster.content_hash
    ph = placeholder(conn)
    row = conn.exec_driver_sql(
        f"SELECT fid, content_hash, crs, transform, width, height, dtype, nodata, source "
        f"FROM {quote(conn, TABLE)} WHERE name = {ph}",
        (raster.name,),
    ).fetchone()
    if row is not None and row[1] == digest:
        return "unchanged"
    values = {
        "kind": raster.kind,
        "unit": raster.unit,
        "crs": raster.crs,
        "transform": json.dumps(list(raster.transform)),
        "width": int(raster.values.shape[1]),
        "height": int(raster.values.shape[0]),
        "dtype": str(raster.values.dtype),
        "nodata": raster.nodata,
        "data": zlib.compress(np.ascontiguousarray(raster.values).tobytes(), 6),
        "content_hash": digest,
        "source": raster.source,
        "import_id": ctx.import_id,
        "imported_at": ctx.now,
        "actor": ctx.actor,
    }
    before = None
    if row is None:
        insert_rows(conn, TABLE, ["name", *values], [(raster.name, *values.values())])
        action = "insert"
    else:
        update_rows(conn, TABLE, list(values), "name", [(*values.values(), raster.name)])
        transform = json.loads(row[3]) if isinstance(row[3], str) else row[3]
        before = json.dumps(
            {
                "crs": row[2],
                "transform": transform,
                "width": row[4],
                "height": row[5],
                "dtype": row[6],
                "nodata": row[7],
                "content_hash": row[1],
                "source": row[8],
            }
        )
        action = "update"
    insert_rows(
        conn,
        "audit_log",
        ("at", "actor", "action", "layer", "record_id", "import_id", "before", "after", "note"),
        [
            (
                ctx.now,
                ctx.actor,
                action,
                TABLE,
                raster.name,
                ctx.import_id,
                before,
                json.dumps(raster.grid()),
                ctx.note,
            )
        ],
    )
    return "inserted" if action == "insert" else "updated"


def read_covariates(
    conn: sa.Connection, names: tuple[str, ...] | None = None
) -> list[CovariateRaster]:
    """The covariates the workspace keeps (all, or those named), in name order."""
    if not sa.inspect(conn).has_table(TABLE):
        return []
    sql = (
        "SELECT name, kind, unit, crs, transform, width, height, dtype, nodata, data, source "
        f"FROM {quote(conn, TABLE)}"
    )
    params: tuple[str, ...] = ()
    if names is not None:
        if not names:
            return []
        sql += f" WHERE name IN ({', '.join([placeholder(conn)] * len(names))})"
        params = tuple(names)
    rows = conn.exec_driver_sql(sql + " ORDER BY name", params).fetchall()
    out = []
    for name, kind, unit, crs, transform, width, height, dtype, nodata, data, source in rows:
        t = json.loads(transform) if isinstance(transform, str) else transform
        cells = np.frombuffer(zlib.decompress(bytes(data)), dtype=np.dtype(dtype))
        out.append(
            CovariateRaster(
                name=name,
                kind=kind,
                unit=unit,
                crs=crs,
                transform=tuple(float(v) for v in t),  # type: ignore[arg-type]
                values=cells.reshape(int(height), int(width)),
                nodata=None if nodata is None else float(nodata),
                source=source or "",
            )
        )
    return out


def covariate_stamp(conn: sa.Connection) -> tuple[str, ...]:
    """Names and hashes of the kept covariates: changes whenever one does (for caches)."""
    if not sa.inspect(conn).has_table(TABLE):
        return ()
    rows = conn.exec_driver_sql(
        f"SELECT name, content_hash FROM {quote(conn, TABLE)} ORDER BY name"
    ).fetchall()
    return tuple(f"{n}:{h}" for n, h in rows)
