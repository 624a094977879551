"""Hillshade tiles of the base map: nothing without elevation; with it, PNG tiles that are dark
on the slope turned from the sun, clear on flat ground and outside the raster, kept by the
browser under the elevation's version, and drawn in a real browser under the vector layers."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from pyproj import CRS

from landrelease.store import Workspace, WriteContext
from landrelease.store.covariates import CovariateRaster, write_covariate
from landrelease.web import create_app
from landrelease.web.hillshade import HALF_WORLD_M, TILE_PX, DemSource, png_grey_alpha
from landrelease.web.map_view import warm
from tests.helpers import LAT0, LON0

Z = 13
FIRST_VIEW_RELIEF_TILES = 6
"""512-pixel tiles: the small demo's elevation under a 1000 × 700 view lies in 2 × 3 of them
(a 256-pixel tile covers a quarter of one)."""


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    r = math.radians(lat)
    return int((lon + 180) / 360 * n), int(
        (1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n
    )


def ridge(cell_deg: float = 0.0005, n: int = 240) -> CovariateRaster:
    """A north–south ridge 600 m high through the test hazards (lon/lat cells)."""
    x0, y0 = LON0 - 0.02, LAT0 + 0.08
    cols = np.arange(n)
    lon = x0 + (cols + 0.5) * cell_deg
    height = 300 + 600 * np.exp(-(((lon - (LON0 + 0.03)) / 0.012) ** 2))
    values = np.tile(height, (n, 1)).astype(np.float32)
    return CovariateRaster(
        "elevation",
        "continuous",
        "m",
        CRS.from_epsg(4326).to_wkt(),
        (cell_deg, 0.0, x0, 0.0, -cell_deg, y0),
        values,
        None,
        "elevation.tif",
    )


def _add_elevation(ws: Workspace) -> None:
    with ws.begin() as conn:
        write_covariate(conn, ridge(), WriteContext("tester", None, "2026-12-05T00:00:00+00:00"))


def _rgba(body: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(body)).convert("LA")).astype(int)


def test_png_writer_gives_what_a_reader_decodes() -> None:
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    alpha = grey[::-1].copy()
    back = _rgba(png_grey_alpha(grey, alpha))
    np.testing.assert_array_equal(back[..., 0], grey)
    np.testing.assert_array_equal(back[..., 1], alpha)


def _utm(raster: CovariateRaster) -> CovariateRaster:
    """The same ridge's grid placed in UTM zone 38N (metres), as a programme's DEM often is."""
    return CovariateRaster(
        raster.name,
        raster.kind,
        raster.unit,
        CRS.from_epsg(32638).to_wkt(),
        (30.0, 0.0, 450_000.0, 0.0, -30.0, 4_450_000.0),
        raster.values,
        None,
        raster.source,
    )


def test_tiles_projected_between_knots_land_where_the_exact_projection_puts_them() -> None:
    """Tiles project a grid of knots and interpolate between them: at every zoom where that is
    used, no pixel moves by a hundredth of its size from where projecting it alone puts it."""
    for raster in (ridge(), _utm(ridge())):
        dem = DemSource.of(raster)
        lon = (dem.bounds_lonlat[0] + dem.bounds_lonlat[2]) / 2
        lat = (dem.bounds_lonlat[1] + dem.bounds_lonlat[3]) / 2
        for z in range(5, 17):
            x, y = _tile_of(lon, lat, z)
            size = 2 * HALF_WORLD_M / 2**z
            px = size / TILE_PX
            centres = (np.arange(-1, TILE_PX + 1) + 0.5) * px
            mx, my = -HALF_WORLD_M + x * size + centres, HALF_WORLD_M - y * size - centres
            exact = dem.to_raster.transform(*np.meshgrid(mx, my))
            fast = dem.projected(mx, my)
            # the pixel's size in the raster's own units (a degree of latitude: 111.32 km)
            unit = px / 111_320 if CRS.from_wkt(raster.crs).is_geographic else px
            worst = max(np.abs(exact[0] - fast[0]).max(), np.abs(exact[1] - fast[1]).max())
            assert worst < 0.01 * unit, (raster.crs[:20], z, worst, unit)


def test_no_hillshade_without_elevation_and_tiles_with_it(
    web_target: str, workspace: Workspace
) -> None:
    app = create_app(web_target)
    with TestClient(app, base_url="http://testserver") as c:
        assert c.get("/tiles/hillshade/13/0/0.png").status_code == 404
        page = c.get("/map").text
        assert '"hillshade": null' in page
    app.state.workspace.close()

    _add_elevation(workspace)
    app = create_app(web_target)
    with TestClient(app, base_url="http://testserver") as c:
        page = c.get("/map").text
        assert "/tiles/hillshade/{z}/{x}/{y}.png?v=" in page
        version = page.split("/tiles/hillshade/{z}/{x}/{y}.png?v=")[1][:16]
        x, y = _tile_of(LON0 + 0.03, LAT0 + 0.02, Z)
        r = c.get(f"/tiles/hillshade/{Z}/{x}/{y}.png?v={version}")
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        la = _rgba(r.content)
        assert la.shape == (512, 512, 2)  # one tile for four of the usual size
        # the ridge runs north–south: with the sun in the north-west, its west face is lit
        # (white) and its east face in shade (black); the pixels' columns say which side
        shaded = (la[..., 1] > 100) & (la[..., 0] == 0)
        lit = (la[..., 1] > 100) & (la[..., 0] == 255)
        assert shaded.sum() > 1000 and lit.sum() > 1000
        assert np.nonzero(lit)[1].mean() < np.nonzero(shaded)[1].mean()
        again = c.get(
            f"/tiles/hillshade/{Z}/{x}/{y}.png", headers={"If-None-Match": r.headers["etag"]}
        )
        assert again.status_code == 304
        assert (
            c.get(f"/tiles/hillshade/{Z}/{x}/{y}.png").headers["cache-control"]
            == "public, no-cache"
        )
        far = c.get(f"/tiles/hillshade/{Z}/0/0.png")
        assert far.status_code == 200 and _rgba(far.content)[..., 1].max() == 0
        # made ahead with the first view's tiles: then answered from memory
        web = app.state.web
        took = warm(web)
        assert any(k.endswith("hillshade tiles to zoom 10") for k in took), took
        misses = web.cache.misses
        x10, y10 = _tile_of(LON0 + 0.02, LAT0 + 0.005, 10)
        assert c.get(f"/tiles/hillshade/10/{x10}/{y10}.png").status_code == 200
        assert web.cache.misses == misses
    app.state.workspace.close()


def test_the_demo_map_draws_the_hillshade_under_the_layers_and_switches_it_off(
    tmp_path: Path,
) -> None:
    """The small demo scenario (its package holds elevation.tif): the map draws the relief
    under the hazards and the base map; switched off, those pixels change back."""
    from playwright.sync_api import sync_playwright

    from landrelease.io import import_package
    from landrelease.scenario import generate
    from landrelease.web.server import running
    from tests.web.browser import CHROMIUM, WEBGL_ARGS, need_chromium, watch

    need_chromium()
    generate(seed=7, scale="small", out=tmp_path / "demo")
    ws = Workspace.create(str(tmp_path / "demo.gpkg"), actor="tester")
    report = import_package(ws, tmp_path / "demo", actor="tester")
    assert report.committed and report.covariates["elevation"] == "inserted"
    ws.close()
    app = create_app(str(tmp_path / "demo.gpkg"))
    outside: list[str] = []
    errors: list[str] = []
    with running(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=WEBGL_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            watch(page, url, outside, errors)
            relief: list[str] = []
            page.on("request", lambda r: relief.append(r.url) if "/hillshade/" in r.url else None)
            page.goto(f"{url}/map")
            page.wait_for_selector(
                "body[data-layers-loaded=true]", timeout=60_000, state="attached"
            )
            # the relief is drawn once the first view and then the names are, from a handful
            # of tiles
            marks: list[float | None] = []
            for _ in range(150):
                marks = page.evaluate(
                    "() => ['map-drawn', 'map-labels-drawn', 'map-relief-drawn'].map("
                    "(n) => (performance.getEntriesByName(n)[0] || {}).startTime ?? null)"
                )
                if marks[-1] is not None:
                    break
                page.wait_for_timeout(100)
            assert None not in marks and marks[0] < marks[1] < marks[2], marks
            assert 1 <= len(relief) <= FIRST_VIEW_RELIEF_TILES, relief
            legend = page.inner_text("#map-panel")
            assert "Relief (hillshade of the elevation)" in legend, legend
            order = page.evaluate("() => window.landreleaseMap.getStyle().layers.map((l) => l.id)")
            assert order.index("hillshade") < min(
                order.index("hazards-fill"), order.index("base-areas")
            )
            _idle(page)
            on = _shot(page, tmp_path / "on.png")
            page.click("input[data-layer=hillshade]")
            _idle(page)
            off = _shot(page, tmp_path / "off.png")
            page.click("input[data-layer=hillshade]")
            _idle(page)
            on_again = _shot(page, tmp_path / "on-again.png")
        finally:
            browser.close()
    app.state.workspace.close()
    changed = np.abs(on - off).max(axis=2) > 12
    assert changed.mean() > 0.02, changed.mean()  # the relief shows on a share of the map
    assert np.abs(on - on_again).max(axis=2).mean() < 1.0  # and comes back the same
    assert not outside, outside
    assert not errors, errors


def _idle(page: Any) -> None:
    page.evaluate(
        "() => new Promise((done) => { const m = window.landreleaseMap;"
        " m.once('idle', done); m.triggerRepaint(); })"
    )


def _shot(page: Any, path: Path) -> np.ndarray:
    page.locator("#map").screenshot(path=str(path))
    return np.asarray(Image.open(path).convert("RGB")).astype(float)
