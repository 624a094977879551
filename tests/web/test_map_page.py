"""The map page's own parts: its configuration per role, MapLibre served from the site, the
glyphs of its labels."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import brotli
import pytest
from fastapi.testclient import TestClient

from landrelease.domain.styles import DECISION_STYLE, STATUS_STYLE
from landrelease.web.assets import ASSETS
from landrelease.web.glyphs import BUFFER, glyph_range
from landrelease.web.map_view import risk_ramp
from tests.helpers import varint
from tests.web.conftest import token


def _config(client: TestClient, headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = client.get("/map", headers=headers or {})
    assert r.status_code == 200
    m = re.search(r'<script type="application/json" id="map-config">(.*?)</script>', r.text, re.S)
    assert m is not None, r.text
    config: dict[str, Any] = json.loads(m.group(1))
    return config


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_the_page_names_the_layers_each_role_may_read(client: TestClient) -> None:
    public = _config(client)
    # the public part of the base map (roads, rivers, farmland) and the boundaries for everyone
    assert public["layers"] == {
        "hazards": 3,
        "survey_parts": 3,
        "settlements": 2,
        "base": 2,
        "boundaries": 1,
    }
    assert public["boundary"] == "#6a3d9a"
    assert public["base_shown"] == ["road", "water", "farmland"]
    assert set(public["tile_versions"]) == set(public["layers"])
    analyst = _config(client, token(client, "ana"))
    assert analyst["layers"] == {
        "hazards": 3,
        "survey_parts": 3,
        "settlements": 2,
        "infrastructure": 2,
        "boundaries": 1,
        "findings": 3,
        "incidents": 1,
        "land_use": 1,
        "confirmation_sites": 2,
    }
    west, south, east, north = analyst["bounds"]
    assert 46.89 < west < east < 47.0 and 39.9 < south < north < 40.0
    # the legend's colours and words are the domain's, the ones QGIS styles use too
    assert [(r["value"], r["label"], r["colour"]) for r in analyst["status"]] == list(STATUS_STYLE)
    assert [(r["value"], r["label"], r["colour"]) for r in analyst["decision"]] == list(
        DECISION_STYLE
    )
    assert analyst["risk"] is False  # no risk run in this workspace: no risk entry
    assert analyst["detail_zoom"] == 12


def test_the_risk_ramp_runs_from_the_palest_to_certain() -> None:
    ramp = risk_ramp()
    assert [round(r["p"], 6) for r in ramp] == [0.0001, 0.001, 0.01, 0.1, 1.0]
    assert ramp[0]["colour"] == "#ffffcc" and ramp[-1]["colour"] == "#800026"  # YlOrRd's ends


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_maplibre_is_served_by_the_site(client: TestClient) -> None:
    page = client.get("/map").text
    assert re.search(r'src="/static/map.js\?v=[0-9a-f]{12}"', page)
    assert "https://" not in page  # nothing from a CDN
    # the library, the site's wrapper and the worker asked for at once, by their versions
    named = dict(re.findall(r'href="/static/([^"?]+)\?v=([0-9a-f]{12})"', page))
    for path in ("maplibre-gl.mjs", "maplibre-gl-worker.mjs", "maplibre-gl.css"):
        assert f"vendor/maplibre/{path}" in named, (path, named)
    # the worker's file prefetched: Chromium has no preload kind for a worker and would warn
    # on every map page that a preload went unused
    worker_v = named["vendor/maplibre/maplibre-gl-worker.mjs"]
    assert (
        f'<link rel="prefetch" href="/static/vendor/maplibre/maplibre-gl-worker.mjs?v={worker_v}">'
        in page
    )
    assert not re.search(r'rel="(module)?preload" href="[^"]+-worker\.mjs', page)
    # and the worker started by the page's head, from the same versioned address
    started = re.search(
        r'<script async src="/static/map-worker.js\?v=[0-9a-f]{12}" data-worker="([^"]+)"', page
    )
    assert started is not None, page
    assert started.group(1) == (
        f"/static/vendor/maplibre/maplibre-gl-worker.mjs?v={named['vendor/maplibre/maplibre-gl-worker.mjs']}"
    )
    for path in ("maplibre-gl.mjs", "maplibre-gl-worker.mjs"):
        name = f"vendor/maplibre/{path}"
        plain = client.get(f"/static/{name}", headers={"Accept-Encoding": "identity"})
        for accepted, sent in (("gzip, deflate, br, zstd", "br"), ("gzip", "gzip")):
            r = client.get(f"/static/{name}?v={named[name]}", headers={"Accept-Encoding": accepted})
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/javascript")  # module scripts
            assert r.headers["content-encoding"] == sent
            assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert r.content == plain.content  # the client decodes it: the same script
        # brotli: about a quarter of the script; stored beside it, not made per request
        stored = (ASSETS.root / f"{name}.br").read_bytes()
        assert brotli.decompress(stored) == plain.content
        assert len(stored) < len(plain.content) / 3.5
    # the wrapper names the library and its worker by their versions: fetched once each
    wrapper = client.get(f"/static/maplibre.js?v={named['maplibre.js']}").text
    assert (
        f"/static/vendor/maplibre/maplibre-gl.mjs?v={named['vendor/maplibre/maplibre-gl.mjs']}"
        in wrapper
    )
    worker = named["vendor/maplibre/maplibre-gl-worker.mjs"]
    assert f"/static/vendor/maplibre/maplibre-gl-worker.mjs?v={worker}" in wrapper
    assert "BSD" in client.get("/static/vendor/maplibre/LICENSE.txt").text
    # the workers come from the site too: the policy needs no blob: or unsafe-eval
    csp = client.get("/map").headers["content-security-policy"]
    assert "script-src 'self';" in csp and "blob:" not in csp and "unsafe" not in csp


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """The top-level fields of a protocol-buffer message (varints and length-delimited)."""
    out: list[tuple[int, int | bytes]] = []
    i = 0

    def read_varint() -> int:
        nonlocal i
        shift = value = 0
        while True:
            b = data[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value

    while i < len(data):
        key = read_varint()
        if key & 7 == 0:
            out.append((key >> 3, read_varint()))
        else:
            n = read_varint()
            out.append((key >> 3, data[i : i + n]))
            i += n
    return out


def test_glyphs_are_distance_fields_of_the_bundled_font() -> None:
    (stacks,) = _fields(glyph_range("DejaVu Sans", 0))
    assert stacks[0] == 1 and isinstance(stacks[1], bytes)
    fields = _fields(stacks[1])
    assert fields[0] == (1, b"DejaVu Sans") and fields[1] == (2, b"0-255")
    glyphs = {}
    for key, value in fields[2:]:
        assert key == 3 and isinstance(value, bytes)
        g = dict(_fields(value))
        glyphs[g[1]] = g
    assert 32 in glyphs and ord("A") in glyphs and ord("é") in glyphs and 31 not in glyphs
    a = glyphs[ord("A")]
    width, height = a[3], a[4]
    assert isinstance(width, int) and isinstance(height, int)
    assert 14 <= width <= 18 and 16 <= height <= 19  # DejaVu Sans' capital A at 24 px
    bitmap = a[2]
    assert isinstance(bitmap, bytes) and len(bitmap) == (width + 2 * BUFFER) * (height + 2 * BUFFER)
    assert a[7] == 16  # its advance: 0.684 em
    assert max(bitmap) > 191 > min(bitmap)  # inside and outside the outline's edge (191)
    assert 2 not in glyphs[32]  # a space has no bitmap, only an advance


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_glyph_requests_are_checked(client: TestClient) -> None:
    r = client.get("/fonts/DejaVu Sans/0-255.pbf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-protobuf"
    assert client.get("/fonts/DejaVu Sans/256-511.pbf").status_code == 200
    for bad in ("0-256", "1-256", "abc", "65536-65791"):
        r = client.get(f"/fonts/DejaVu Sans/{bad}.pbf")
        assert r.status_code == 400 and "256 characters" in r.json()["detail"], bad
    r = client.get("/fonts/Comic Sans/0-255.pbf")
    assert r.status_code == 404 and "DejaVu Sans" in r.json()["detail"]


def _mbtiles(path: Path, fmt: str = "png") -> Path:
    """A one-tile MBTiles file: tile 3/4/2 (row 5 counted from the south), a red square."""
    import io
    import sqlite3

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 30, 30)).save(buf, format="PNG")
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name text, value text)")
        conn.execute(
            "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, "
            "tile_data blob)"
        )
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", [("format", fmt), ("name", "t")])
        conn.execute("INSERT INTO tiles VALUES (3, 4, 5, ?)", (buf.getvalue(),))
    return path


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_a_local_mbtiles_file_is_the_base_map(
    web_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from landrelease.web import create_app

    monkeypatch.setenv("LANDRELEASE_WEB_BASEMAP_MBTILES", str(_mbtiles(tmp_path / "base.mbtiles")))
    app = create_app(web_target)
    try:
        with TestClient(app) as client:
            config = _config(client)
            assert config["basemap_local"] == {
                "tiles": "/basemap/{z}/{x}/{y}",
                "minzoom": 3,
                "maxzoom": 3,
            }
            r = client.get("/basemap/3/4/2")
            assert r.status_code == 200 and r.headers["content-type"] == "image/png"
            assert r.content.startswith(b"\x89PNG")
            assert client.get("/basemap/3/4/5").status_code == 404  # rows are flipped
            assert client.get("/basemap/3/9/2").status_code == 400
    finally:
        app.state.workspace.close()


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_a_base_map_file_that_cannot_be_drawn_stops_the_start(
    web_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from landrelease.errors import UsageError
    from landrelease.web import create_app

    vector = _mbtiles(tmp_path / "vector.mbtiles", fmt="pbf")
    monkeypatch.setenv("LANDRELEASE_WEB_BASEMAP_MBTILES", str(vector))
    with pytest.raises(UsageError, match=r"vector.mbtiles: format 'pbf': the map draws raster"):
        create_app(web_target)
    monkeypatch.setenv("LANDRELEASE_WEB_BASEMAP_MBTILES", str(tmp_path / "missing.mbtiles"))
    with pytest.raises(UsageError, match=r"missing\.mbtiles: no such file"):
        create_app(web_target)


def _png(colour: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(buf, format="PNG")
    return buf.getvalue()


def _directory(entries: list[tuple[int, int, int, int]]) -> bytes:
    """A PMTiles directory, gzipped: (tile id, offset, length, run length) as the spec writes
    them (ids as differences, an offset following the one before written as 0)."""
    import gzip

    out = varint(len(entries))
    last = 0
    for tid, _, _, _ in entries:
        out += varint(tid - last)
        last = tid
    out += b"".join(varint(e[3]) for e in entries)
    out += b"".join(varint(e[2]) for e in entries)
    for i, (_, offset, _, _) in enumerate(entries):
        follows = i > 0 and offset == entries[i - 1][1] + entries[i - 1][2]
        out += varint(0 if follows else offset + 1)
    return gzip.compress(out)


def _pmtiles(path: Path, tiles: list[bytes], kind: int = 2) -> Path:
    """A PMTiles v3 archive written by hand: tile 0/0/0; the four tiles of zoom 1 as one run
    of the same bytes; tile 3/4/2 behind a leaf directory."""
    import struct

    from landrelease.store.pmtiles import tile_id

    a, b, c = tiles
    deep = tile_id(3, 4, 2)
    leaf = _directory([(deep, len(a) + len(b), len(c), 1)])
    root = _directory([(0, 0, len(a), 1), (1, len(a), len(b), 4), (deep, 0, len(leaf), 0)])
    data = a + b + c
    root_off = 127
    leaf_off = root_off + len(root)
    data_off = leaf_off + len(leaf)
    head = b"PMTiles" + bytes([3])
    head += struct.pack(
        "<8Q3Q",
        *(root_off, len(root), leaf_off, 0, leaf_off, len(leaf), data_off, len(data)),
        *(6, 3, 3),
    )
    head += bytes([1, 2, 1, kind, 0, 3])  # clustered, gzip dirs, raw tiles, type, zooms 0-3
    head += struct.pack("<4i", 460_000_000, 390_000_000, 480_000_000, 410_000_000)
    head += bytes([2]) + struct.pack("<2i", 470_000_000, 400_000_000)
    assert len(head) == 127
    path.write_bytes(head + root + leaf + data)
    return path


def test_pmtiles_ids_follow_the_hilbert_curve_of_the_specification() -> None:
    from landrelease.store.pmtiles import tile_id

    # the examples of the PMTiles v3 specification
    assert [tile_id(0, 0, 0), tile_id(1, 0, 0), tile_id(1, 0, 1), tile_id(1, 1, 1)] == [0, 1, 2, 3]
    assert [tile_id(1, 1, 0), tile_id(2, 0, 0), tile_id(3, 0, 0)] == [4, 5, 21]
    assert tile_id(20, 0, 0) == (4**20 - 1) // 3


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_a_local_pmtiles_archive_is_the_base_map(
    web_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from landrelease.web import create_app

    red, green, blue = _png((200, 30, 30)), _png((30, 200, 30)), _png((30, 30, 200))
    archive = _pmtiles(tmp_path / "base.pmtiles", [red, green, blue])
    monkeypatch.setenv("LANDRELEASE_WEB_BASEMAP_PMTILES", str(archive))
    app = create_app(web_target)
    try:
        with TestClient(app) as client:
            config = _config(client)
            assert config["basemap_local"] == {
                "tiles": "/basemap/{z}/{x}/{y}",
                "minzoom": 0,
                "maxzoom": 3,
            }
            r = client.get("/basemap/0/0/0")
            assert r.status_code == 200 and r.headers["content-type"] == "image/png"
            assert r.content == red
            for x, y in ((0, 0), (0, 1), (1, 1), (1, 0)):  # one run of four tiles
                assert client.get(f"/basemap/1/{x}/{y}").content == green
            assert client.get("/basemap/3/4/2").content == blue  # through the leaf directory
            assert client.get("/basemap/2/0/0").status_code == 404  # after the run
            assert client.get("/basemap/3/4/3").status_code == 404
            assert client.get("/basemap/4/0/0").status_code == 404  # beyond its zooms
    finally:
        app.state.workspace.close()


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_a_pmtiles_archive_that_cannot_be_drawn_stops_the_start(
    web_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from landrelease.errors import UsageError
    from landrelease.store.pmtiles import open_pmtiles
    from landrelease.web import create_app

    open_pmtiles.cache_clear()
    tiles = [_png((0, 0, 0))] * 3
    vector = _pmtiles(tmp_path / "vector.pmtiles", tiles, kind=1)
    monkeypatch.setenv("LANDRELEASE_WEB_BASEMAP_PMTILES", str(vector))
    with pytest.raises(
        UsageError, match=r"vector.pmtiles: tile type mvt \(vector\): the map draws"
    ):
        create_app(web_target)
    text = tmp_path / "text.pmtiles"
    text.write_text("not an archive")
    monkeypatch.setenv("LANDRELEASE_WEB_BASEMAP_PMTILES", str(text))
    with pytest.raises(UsageError, match=r"text.pmtiles: not a PMTiles archive"):
        create_app(web_target)
    raster = _pmtiles(tmp_path / "raster.pmtiles", tiles)
    monkeypatch.setenv("LANDRELEASE_WEB_BASEMAP_PMTILES", str(raster))
    monkeypatch.setenv("LANDRELEASE_WEB_BASEMAP_MBTILES", str(_mbtiles(tmp_path / "b.mbtiles")))
    with pytest.raises(UsageError, match=r"are both set"):
        create_app(web_target)
