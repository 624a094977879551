"""Glyphs for the map's labels, made here from the font the reports ship (no download).

MapLibre draws text from signed-distance-field glyphs, asked for in ranges of 256
characters (``/fonts/{fontstack}/{start}-{end}.pbf``). :func:`glyph_range` renders each
character of a range with the bundled DejaVu Sans at 24 px (Pillow), turns its coverage
into a signed distance field (the distance to the outline, scipy's Euclidean distance
transform; 8 px either side of the edge, the edge at 192 of 255, as MapLibre reads it) and
writes the range's protocol-buffer message (MapLibre's ``glyphs.proto``).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import numpy as np

from landrelease.web.tiles import uvarint

FONT_SIZE = 24
"""MapLibre's glyphs are 24 px high (its ``ONE_EM``)."""
BUFFER = 3
"""Pixels of distance field around each glyph's box."""
RADIUS = 8.0
CUTOFF = 0.25
ASCENT_SHIFT = 24
"""Glyph tops are given from 24 px above the baseline, as MapLibre's server glyphs are."""
FONT_STACKS = {"DejaVu Sans": "DejaVuSans.ttf", "DejaVu Sans Bold": "DejaVuSans-Bold.ttf"}
"""The font stacks served: name → file of :mod:`landrelease.reports`' fonts."""


def font_path(stack: str) -> Path | None:
    """The file of the first font of ``stack`` (comma-separated names) that is served."""
    for name in stack.split(","):
        file = FONT_STACKS.get(name.strip())
        if file is not None:
            return Path(str(resources.files("landrelease.reports") / "fonts" / file))
    return None


def _field(key: int, wire: int) -> bytes:
    return uvarint((key << 3) | wire)


def _bytes(key: int, payload: bytes) -> bytes:
    return _field(key, 2) + uvarint(len(payload)) + payload


def _uint(key: int, v: int) -> bytes:
    return _field(key, 0) + uvarint(v)


def _sint(key: int, v: int) -> bytes:
    return _field(key, 0) + uvarint((v << 1) ^ (v >> 63) if v < 0 else v << 1)


def sdf(coverage: np.ndarray) -> np.ndarray:
    """A glyph's coverage (0–255, already padded by :data:`BUFFER`) as a distance field."""
    from scipy.ndimage import distance_transform_edt

    inside = coverage >= 128
    if not inside.any():
        return np.zeros(coverage.shape, dtype=np.uint8)
    outer = distance_transform_edt(~inside)
    inner = distance_transform_edt(inside)
    signed = np.where(inside, -(inner - 0.5), outer - 0.5)
    value = 255.0 - 255.0 * (signed / RADIUS + CUTOFF)
    return np.clip(np.round(value), 0, 255).astype(np.uint8)


@functools.lru_cache(maxsize=32)
def glyph_range(stack: str, start: int) -> bytes:
    """The glyphs of characters ``start`` to ``start + 255`` of the font stack, as MapLibre
    asks for them (characters the font lacks are left out)."""
    from PIL import ImageFont

    path = font_path(stack)
    if path is None:
        return b""
    font = ImageFont.truetype(str(path), FONT_SIZE)
    glyphs = []
    drawn = _charmap(str(path))
    for code in range(start, start + 256):
        ch = chr(code)
        if code < 32 or code not in drawn:
            continue
        advance = round(font.getlength(ch))
        box = font.getbbox(ch, anchor="ls")  # from the baseline, y down
        left, top, right, bottom = (int(v) for v in box)
        width, height = max(0, right - left), max(0, bottom - top)
        msg = _uint(1, code)
        if width and height:
            mask, offset = font.getmask2(ch, mode="L", anchor="ls")
            cover = np.zeros((height, width), dtype=np.uint8)
            bitmap = np.asarray(mask, dtype=np.uint8).reshape(mask.size[1], mask.size[0])
            oy, ox = int(offset[1]) - top, int(offset[0]) - left
            h = min(bitmap.shape[0], height - oy)
            w = min(bitmap.shape[1], width - ox)
            cover[oy : oy + h, ox : ox + w] = bitmap[:h, :w]
            padded = np.pad(cover, BUFFER)
            msg += _bytes(2, sdf(padded).tobytes())
        msg += _uint(3, width) + _uint(4, height)
        msg += _sint(5, left) + _sint(6, -top - ASCENT_SHIFT) + _uint(7, advance)
        glyphs.append(_bytes(3, msg))
    stack_msg = _bytes(1, stack.encode()) + _bytes(2, f"{start}-{start + 255}".encode())
    return _bytes(1, stack_msg + b"".join(glyphs))


@functools.lru_cache(maxsize=4)
def _charmap(path: str) -> frozenset[int]:
    """The characters the font file draws itself (its character map)."""
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())
