"""A local PMTiles (version 3) archive of raster tiles as the map's base map, read here.

PMTiles is one file: a 127-byte header, a root directory, optional leaf directories, and
the tiles. A tile is found by its Hilbert id (:func:`tile_id`) in the directories, each a
list of entries (tile id, offset, length, run length) written as varints in columns, the
ids and offsets as differences; an entry with run length 0 points at a leaf directory.
:func:`open_pmtiles` checks the file once; :meth:`PMTiles.tile` reads one tile with two or
three small reads (directories are kept once read). Specification:
github.com/protomaps/PMTiles, ``spec/v3/spec.md``.
"""

from __future__ import annotations

import bisect
import functools
import gzip
import struct
from dataclasses import dataclass, field
from pathlib import Path

from landrelease.errors import UsageError

HEADER_BYTES = 127
TILE_TYPES = {2: ("png", "image/png"), 3: ("jpeg", "image/jpeg"), 4: ("webp", "image/webp")}
"""The raster tile types a base map may hold: PMTiles' code → (name, media type)."""
KIND_NAMES = {0: "unknown", 1: "mvt (vector)", 5: "avif"}
COMPRESSIONS = {1: "none", 2: "gzip"}
"""Compressions read here (PMTiles' codes); brotli and zstd need libraries the site lacks."""
MAX_DEPTH = 4
"""Directories nested deeper than this are refused (the format needs at most 3)."""


def tile_id(z: int, x: int, y: int) -> int:
    """The tile's PMTiles id: the tiles of every lower zoom, then its place on the zoom's
    Hilbert curve."""
    acc = ((1 << (2 * z)) - 1) // 3
    n = 1 << z
    d, tx, ty = 0, x, y
    s = n // 2
    while s > 0:
        rx = 1 if tx & s else 0
        ry = 1 if ty & s else 0
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:
            if rx == 1:
                tx, ty = n - 1 - tx, n - 1 - ty
            tx, ty = ty, tx
        s //= 2
    return acc + d


@dataclass(frozen=True)
class Entry:
    tile_id: int
    offset: int
    length: int
    run_length: int


def _uvarint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def parse_directory(buf: bytes) -> list[Entry]:
    """A directory's entries (its bytes already decompressed)."""
    n, pos = _uvarint(buf, 0)
    columns: list[list[int]] = []
    for _ in range(4):
        col = []
        for _ in range(n):
            v, pos = _uvarint(buf, pos)
            col.append(v)
        columns.append(col)
    deltas, runs, lengths, offsets = columns
    entries: list[Entry] = []
    last_id = 0
    for i in range(n):
        last_id += deltas[i]
        if i > 0 and offsets[i] == 0:
            offset = entries[-1].offset + entries[-1].length
        else:
            offset = offsets[i] - 1
        entries.append(Entry(last_id, offset, lengths[i], runs[i]))
    return entries


@dataclass(frozen=True)
class PMTiles:
    path: Path
    format: str
    media_type: str
    minzoom: int
    maxzoom: int
    internal_compression: int
    tile_compression: int
    root: tuple[Entry, ...]
    leaf_offset: int
    tile_offset: int
    _leaves: dict[int, tuple[Entry, ...]] = field(default_factory=dict, compare=False)

    def _read(self, offset: int, length: int) -> bytes:
        with open(self.path, "rb") as f:
            f.seek(offset)
            return f.read(length)

    def _leaf(self, offset: int, length: int) -> tuple[Entry, ...]:
        leaf = self._leaves.get(offset)
        if leaf is None:
            raw = self._read(self.leaf_offset + offset, length)
            leaf = tuple(parse_directory(_decompress(raw, self.internal_compression)))
            if len(self._leaves) < 256:
                self._leaves[offset] = leaf
        return leaf

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at web address ``z/x/y``, or ``None`` when the archive has none there."""
        if not self.minzoom <= z <= self.maxzoom:
            return None
        want = tile_id(z, x, y)
        entries = self.root
        for _ in range(MAX_DEPTH):
            i = bisect.bisect_right([e.tile_id for e in entries], want) - 1
            if i < 0:
                return None
            e = entries[i]
            if e.run_length == 0:  # a leaf directory holding this part of the curve
                entries = self._leaf(e.offset, e.length)
                continue
            if want >= e.tile_id + e.run_length:
                return None
            data = self._read(self.tile_offset + e.offset, e.length)
            return _decompress(data, self.tile_compression)
        return None


def _decompress(data: bytes, compression: int) -> bytes:
    return gzip.decompress(data) if compression == 2 else data


@functools.lru_cache(maxsize=4)
def open_pmtiles(path: str | Path) -> PMTiles:
    """The PMTiles archive at ``path``, checked: every problem named at once."""
    p = Path(path)
    where = f"base map {p}"
    if not p.is_file():
        raise UsageError(f"{where}: no such file (setting web_basemap_pmtiles)")
    with open(p, "rb") as f:
        head = f.read(HEADER_BYTES)
    if len(head) < HEADER_BYTES or head[:7] != b"PMTiles":
        raise UsageError(f"{where}: not a PMTiles archive (it does not start with 'PMTiles')")
    if head[7] != 3:
        raise UsageError(f"{where}: PMTiles version {head[7]}; version 3 is read")
    root_off, root_len, _meta_off, _meta_len, leaf_off, _leaf_len, data_off, _data_len = (
        struct.unpack_from("<8Q", head, 8)
    )
    internal, tiles_c, kind, minzoom, maxzoom = struct.unpack_from("<5B", head, 97)
    problems = []
    if kind not in TILE_TYPES:
        problems.append(
            f"tile type {KIND_NAMES.get(kind, kind)}: the map draws raster base maps only "
            f"({', '.join(name for name, _ in TILE_TYPES.values())}); vector tiles need a "
            "style of their own"
        )
    for what, code in (("directories", internal), ("tiles", tiles_c)):
        if code not in COMPRESSIONS:
            problems.append(
                f"{what} compressed with code {code}: read are "
                + ", ".join(f"{v} ({k})" for k, v in COMPRESSIONS.items())
            )
    if minzoom > maxzoom:
        problems.append(f"zooms {minzoom} to {maxzoom}: the lowest is above the highest")
    if problems:
        raise UsageError(f"{where}: " + "; ".join(problems))
    with open(p, "rb") as f:
        f.seek(root_off)
        raw = f.read(root_len)
    try:
        root = tuple(parse_directory(_decompress(raw, internal)))
    except (OSError, IndexError, EOFError) as e:
        raise UsageError(f"{where}: its root directory cannot be read ({e})") from None
    fmt, media = TILE_TYPES[kind]
    return PMTiles(p, fmt, media, minzoom, maxzoom, internal, tiles_c, root, leaf_off, data_off)
