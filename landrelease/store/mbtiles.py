"""A local MBTiles file of raster tiles as the map's base map (no network needed).

:func:`open_mbtiles` checks the file once (an SQLite database with the MBTiles ``metadata``
and ``tiles`` tables, raster format) and :meth:`MBTiles.tile` reads one tile by its web
address (MBTiles rows count from the south: the row is flipped here).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from landrelease.errors import UsageError

MEDIA = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
"""The raster formats a base map may hold, with their media types."""


@dataclass(frozen=True)
class MBTiles:
    path: Path
    format: str
    minzoom: int
    maxzoom: int

    @property
    def media_type(self) -> str:
        return MEDIA[self.format]

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at web address ``z/x/y``, or ``None`` when the file has none there."""
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as conn:
            row = conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                "AND tile_row = ?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
        return None if row is None else bytes(row[0])


def open_mbtiles(path: str | Path) -> MBTiles:
    """The MBTiles file at ``path``, checked: every problem named at once."""
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"base map {p}: no such file (setting web_basemap_mbtiles)")
    try:
        with sqlite3.connect(f"file:{p}?mode=ro", uri=True) as conn:
            meta = dict(conn.execute("SELECT name, value FROM metadata").fetchall())
            zooms = conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
    except sqlite3.DatabaseError as e:
        raise UsageError(
            f"base map {p}: not an MBTiles file ({e}); expected an SQLite file with the "
            "tables metadata and tiles"
        ) from None
    problems = []
    fmt = str(meta.get("format", "")).lower()
    if fmt not in MEDIA:
        problems.append(
            f"format {fmt or '(none)'!r}: the map draws raster base maps only "
            f"({', '.join(MEDIA)}); vector MBTiles need a style of their own"
        )
    if zooms is None or zooms[0] is None:
        problems.append("no tiles in the file")
    if problems:
        raise UsageError(f"base map {p}: " + "; ".join(problems))
    return MBTiles(p, fmt, int(zooms[0]), int(zooms[1]))
