"""Vector tiles cut by PostGIS (``ST_AsMVT``): the map's tiles on a PostgreSQL workspace.

:func:`mvt_tile` answers one tile of one table with the columns asked for, records
that are not retired only, clipped to the tile and a margin
(``ST_AsMVTGeom``); big point layers as counts per cell (the same cells as
:func:`landrelease.web.tiles.cluster_points`). A GeoPackage has no such function:
the web layer encodes its tiles in Python (:mod:`landrelease.web.tiles`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from landrelease.store import schema
from landrelease.store.sql import placeholder, quote
from landrelease.store.tables import _where

_CASTS = {"text": "text", "int": "integer", "float": "double precision"}


def supports_mvt(conn: sa.Connection) -> bool:
    """Whether the database cuts tiles itself (PostGIS)."""
    return conn.dialect.name == "postgresql"


def mvt_tile(
    conn: sa.Connection,
    table: str,
    z: int,
    x: int,
    y: int,
    *,
    layer: str,
    properties: Sequence[tuple[str, str]],
    where: Mapping[str, Any] | None = None,
    cluster_cells: int | None = None,
    label_points: bool = False,
    extent: int = 4096,
    buffer: int = 64,
) -> bytes:
    """Tile ``z/x/y`` of ``table`` as MVT bytes, layer named ``layer``.

    ``properties`` are (column, kind) pairs, kind ``text``, ``int`` or ``float``; with
    ``cluster_cells`` the points inside the tile are counted per cell instead
    (``count``, at the mean position of the cell's points); with ``label_points`` each area
    also comes as one point inside it (``ST_PointOnSurface``), with the same properties."""
    if not supports_mvt(conn):
        raise ValueError("ST_AsMVT needs PostGIS; a GeoPackage's tiles are encoded in Python")
    ph = placeholder(conn)
    geom = quote(conn, schema.GEOMETRY_COLUMN)
    clauses, params = _where(conn, where or {})
    tab = schema.table(table)
    if "retired_at" in tab.columns:
        clauses.insert(0, "retired_at IS NULL")
    filters = "".join(f" AND {c}" for c in clauses)
    margin = 0 if cluster_cells else buffer / extent
    bounds = (
        f"SELECT ST_TileEnvelope({ph}, {ph}, {ph}) AS env, "
        f"ST_Transform(ST_TileEnvelope({ph}, {ph}, {ph}, margin => {ph}), 4326) AS box"
    )
    head: list[Any] = [z, x, y, z, x, y, margin]
    if cluster_cells:
        sql = f"""
            WITH b AS ({bounds}),
            p AS (
                SELECT ST_Centroid(ST_Transform(t.{geom}, 3857)) AS g, b.env
                FROM {quote(conn, table)} t, b
                WHERE t.{geom} && b.box AND ST_Intersects(t.{geom}, b.box){filters}
            ),
            q AS (
                SELECT g,
                    least(greatest(floor((ST_X(g) - ST_XMin(env)) / (ST_XMax(env) - ST_XMin(env))
                          * {cluster_cells}), 0), {cluster_cells - 1}) AS ix,
                    least(greatest(floor((ST_YMax(env) - ST_Y(g)) / (ST_YMax(env) - ST_YMin(env))
                          * {cluster_cells}), 0), {cluster_cells - 1}) AS iy
                FROM p
            ),
            c AS (
                SELECT count(*)::integer AS count,
                       ST_AsMVTGeom(ST_Centroid(ST_Collect(g)), (SELECT env FROM b), {extent}, 0, true)
                           AS geom
                FROM q GROUP BY iy, ix ORDER BY iy, ix
            )
            SELECT ST_AsMVT(c, {ph}, {extent}, 'geom') FROM c WHERE geom IS NOT NULL
        """
    else:
        cols = ", ".join(
            f"CAST(t.{quote(conn, col)} AS {_CASTS[kind]}) AS {quote(conn, col)}"
            for col, kind in properties
        )
        labels = "ORDER BY t.fid"
        if label_points:  # the areas first, then a point inside each, in record order
            labels = f"""
                UNION ALL
                SELECT {cols},
                       ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(t.{geom}), 3857), b.env,
                                    {extent}, {buffer}, true) AS geom
                FROM {quote(conn, table)} t, b
                WHERE t.{geom} && b.box{filters}"""
        sql = f"""
            WITH b AS ({bounds}),
            f AS (
                SELECT {cols},
                       ST_AsMVTGeom(ST_Transform(t.{geom}, 3857), b.env, {extent}, {buffer}, true)
                           AS geom
                FROM {quote(conn, table)} t, b
                WHERE t.{geom} && b.box{filters}
                {labels}
            )
            SELECT ST_AsMVT(f, {ph}, {extent}, 'geom') FROM f WHERE geom IS NOT NULL
        """
    row = conn.exec_driver_sql(sql, (*head, *params, layer)).scalar()
    return bytes(row) if row is not None else b""
