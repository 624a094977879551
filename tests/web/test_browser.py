"""The map in a real browser (Debian's chromium, headless): log in, layers drawn, hazards coloured."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from landrelease.store import Workspace
from landrelease.web import create_app
from landrelease.web.server import running
from tests.helpers import LAT0, LON0
from tests.web.browser import ARGS, CHROMIUM, WEBGL_ARGS, login, need_chromium, watch
from tests.web.plans import add_plan

BACKGROUND = np.array([244, 241, 234])
ACTIVE_FILL = np.array([215, 48, 31]) * 0.6 + BACKGROUND * 0.4
"""An active hazard's fill (#d7301f, opacity 0.6) over the map's background (#f4f1ea)."""
DONE_FILL = np.array([26, 152, 80]) * 0.6 + BACKGROUND * 0.4
"""A hazard the plan has done by the chosen quarter (#1a9850, opacity 0.6)."""
BOUNDARY_LINE = np.array([0x6A, 0x3D, 0x9A])
"""An administrative boundary (#6a3d9a, opaque)."""


SERVED: list[str] = []
"""The paths the app served to the browser test now running (its static files included)."""


@pytest.fixture
def base_url(web_target: str, workspace: Workspace) -> Iterator[str]:
    need_chromium()
    add_plan(workspace)
    app = create_app(web_target)
    inner = app.build_middleware_stack()

    async def counted(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            SERVED.append(scope["path"])
        await inner(scope, receive, send)

    app.middleware_stack = counted
    SERVED.clear()
    with running(app) as url:
        yield url
    app.state.workspace.close()


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB")).astype(float)


def _near(pixels: np.ndarray, colour: np.ndarray, tol: float = 14) -> np.ndarray:
    return np.abs(pixels - colour).max(axis=2) < tol


def _poll(page: Any, selector: str, attribute: str, want: str, timeout_s: float = 15) -> None:
    """Wait until ``selector``'s ``attribute`` is ``want`` (the CSP forbids wait_for_function)."""
    deadline = time.monotonic() + timeout_s
    while page.get_attribute(selector, attribute) != want:
        assert time.monotonic() < deadline, f"{selector} never had {attribute}={want!r}"
        page.wait_for_timeout(100)


def _idle(page: Any) -> None:
    """Wait until MapLibre has drawn everything asked for (its ``idle`` after a repaint)."""
    page.evaluate(
        "() => new Promise((done) => { const m = window.landreleaseMap;"
        " m.once('idle', done); m.triggerRepaint(); })"
    )


def _jump(page: Any, lon: float, lat: float, zoom: float) -> None:
    """Move the map to ``lon``, ``lat`` at ``zoom`` at once."""
    page.evaluate(
        "([lon, lat, zoom]) => window.landreleaseMap.jumpTo({ center: [lon, lat], zoom })",
        [lon, lat, zoom],
    )


def _rendered(page: Any, layer: str, prop: str) -> list[Any]:
    """A property of each feature MapLibre drew in ``layer`` in the current view."""
    return list(
        page.evaluate(
            "([layer, prop]) => window.landreleaseMap.queryRenderedFeatures({ layers: [layer] })"
            ".map((f) => f.properties[prop])",
            [layer, prop],
        )
    )


@pytest.mark.parametrize("ws_target", ["gpkg", "postgis"], indirect=True)
def test_map_shows_the_hazards_after_login(base_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=WEBGL_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            errors: list[str] = []
            watch(page, base_url, outside, errors)
            warnings: list[str] = []
            page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
            asked: list[str] = []
            page.on("request", lambda r: asked.append(r.url) if "/tiles/" in r.url else None)
            login(page, base_url, "ana", "/map")
            page.wait_for_selector(
                "body[data-layers-loaded=true]", timeout=30_000, state="attached"
            )
            status = page.inner_text("#map-status")
            assert "3 hazards, 3 survey parts, 2 confirmation sites, 2 settlements" in status, (
                status
            )
            # MapLibre took the worker the page's head started, and made none of its own
            assert page.evaluate("() => window.landreleaseMapWorker") is None
            assert len(page.workers) == 1, page.workers
            # the names come after the first draw, above everything else
            _idle(page)
            order = page.evaluate("() => window.landreleaseMap.getStyle().layers.map((l) => l.id)")
            assert order[-2:] == ["settlement-labels", "boundary-labels"], order
            assert "1 incidents (off)" in status and "3 findings (off)" in status, status
            # drawn from the vector tiles: every hazard, the settlements with their names
            assert sorted(set(_rendered(page, "hazards-fill", "hazard_id"))) == [
                "HZ-0",
                "HZ-1",
                "HZ-2",
            ]
            assert set(_rendered(page, "base-roads-casing", "name")) == {"M-7"}
            assert _rendered(page, "findings-points", "finding_id") == []  # off at first
            # layers that are off cost the first view nothing: not one tile asked for
            assert any("/tiles/hazards/" in u for u in asked), asked
            for off in ("findings", "incidents", "land_use", "confirmation_sites"):
                assert not [u for u in asked if f"/tiles/{off}/" in u], (off, asked)
            assert page.locator(".maplibregl-ctrl-scale").inner_text().strip().endswith("m")
            legend = page.inner_text("#map-panel")
            for words in (
                "Hazards",
                "active",
                "being worked on",
                "Settlements",
                "road",
                "farmland",
            ):
                assert words in legend, legend
            shot = tmp_path / "map.png"
            page.screenshot(path=str(shot))
            pixels = _pixels(shot)
            assert pixels.std() > 5, "the screenshot is blank"
            active = _near(pixels, ACTIVE_FILL)
            assert active.sum() > 500, f"the active hazards' fill covers only {active.sum()} pixels"
            # a hazard's story: click where an active hazard is drawn
            ys, xs = np.nonzero(active)
            i = len(xs) // 2
            page.mouse.click(float(xs[i]), float(ys[i]))
            popup = page.wait_for_selector(".hazard-popup h4", timeout=10_000)
            assert popup is not None
            text = page.inner_text(".hazard-popup")
            assert "status: active" in text and " ha" in text and "HZ-" in text, text
            assert "next step" in text and "history" in text and "reported as" in text, text
            # field words, not stored codes
            assert "P(any)" not in text and "technical_survey" not in text, text
            assert "hazardous area (" in text, text  # SHA/CHA spelled out
            link = page.get_attribute(".hazard-popup a[href^='/hazards/']", "href")
            assert link is not None and link.startswith("/hazards/HZ-"), link  # the hazard's page
            page.keyboard.press("Escape")
            # findings switched on: each one drawn once zoomed in, with its legend entry
            page.check("input[data-layer=findings]")
            assert "device found" in page.inner_text("#map-panel")
            _jump(page, LON0 + 0.002, LAT0 + 0.001, 15)
            _idle(page)
            assert sorted(_rendered(page, "findings-points", "finding_id")) == [
                "FD-0",
                "FD-1",
                "FD-2",
            ]
            # the confirmation sample switched on: both sites drawn, coloured by what was found
            page.check("input[data-layer=confirmation_sites]")
            assert "searched, nothing found" in page.inner_text("#map-panel")
            _jump(page, LON0 + 0.007, LAT0 + 0.0045, 15)
            _idle(page)
            assert sorted(_rendered(page, "confirmation-sites", "site_id")) == [1, 2]
            # land in use switched on: its tiles asked for now, its kinds in the legend, each
            # area drawn by kind and told in field words on a click
            page.check("input[data-layer=land_use]")
            legend = page.inner_text("#map-panel")
            for words in (
                "Land in use",
                "cultivated (fields, orchards)",
                "built on",
                "grazed",
                "track",
            ):
                assert words in legend, legend
            _jump(page, LON0 + 0.001, LAT0 + 0.001, 16)
            _idle(page)
            assert [u for u in asked if "/tiles/land_use/" in u]
            assert set(_rendered(page, "land-use-fill", "land_use_id")) == {"LU-1"}
            # a click inside LU-1 where no finding is drawn (FD-0 lies at its centre)
            x, y = page.evaluate(
                "([lon, lat]) => { const m = window.landreleaseMap, p = m.project([lon, lat]),"
                " r = m.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
                [LON0 + 0.0015, LAT0 + 0.0005],
            )
            page.mouse.click(x, y)
            said = page.wait_for_selector(".land-use-popup", timeout=10_000)
            assert said is not None
            text = page.inner_text(".land-use-popup")
            assert "Cultivated for 4 years (observed 2024-05-01, imagery, high confidence)" in text
            assert "LU-1" in text, text
            page.keyboard.press("Escape")
            # settlements with their names, drawn with the glyphs the site makes from its font
            page.evaluate(
                "() => window.landreleaseMap.jumpTo({ center: [46.93, 39.975], zoom: 12 })"
            )
            _idle(page)
            assert sorted(_rendered(page, "settlement-labels", "name")) == ["Aghdam", "Kahrizli"]
            page.evaluate(
                "() => window.landreleaseMap.jumpTo({ center: [46.92, 39.955], zoom: 12 })"
            )
            _idle(page)
            # the legend of survey decisions names each in words, battle-area clearance included
            page.select_option("#colour-mode", "decision")
            legend = page.inner_text("#map-panel")
            assert "battle-area clearance" in legend and "technical survey" in legend, legend
            # the plan by quarter: at the last quarter HZ-0 and HZ-1 are done (green)
            page.select_option("#colour-mode", "plan")
            page.locator("#plan-quarter").fill("3")
            label = page.inner_text("#plan-quarter-label")
            assert label.startswith("2027-Q4: 2 hazards done, 200 ha released"), label
            assert "1,200 people can return" in label, label
            _idle(page)
            planned = tmp_path / "plan.png"
            page.screenshot(path=str(planned))
            # Chromium tells of a preloaded file left unused a few seconds after the page's
            # load event: the console is read once that time has passed
            since_load = (
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " return n.loadEventEnd > 0 ? performance.now() - n.loadEventEnd : 0; }"
            )
            while page.evaluate(since_load) < 4000:
                page.wait_for_timeout(250)
        finally:
            browser.close()
    assert not outside, f"requests left the site: {outside}"
    assert not errors, errors
    assert not warnings, warnings  # the map page says nothing in the console
    # the worker's file asked for early (prefetched) and once: the worker took it from the cache
    assert SERVED.count("/static/vendor/maplibre/maplibre-gl-worker.mjs") == 1, SERVED
    keep = os.environ.get("LANDRELEASE_SCREENSHOTS")
    if keep:
        shutil.copy(shot, Path(keep) / "map.png")
        shutil.copy(planned, Path(keep) / "map-plan.png")
    done = _near(_pixels(planned), DONE_FILL).sum()
    assert done > 500, f"hazards done by the last quarter cover only {done} pixels"


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_without_webgl_the_map_says_why(base_url: str) -> None:
    """Graphics switched off (no software fallback either): a sentence, not a blank page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*ARGS, "--disable-webgl"]
        )
        try:
            page = browser.new_page()
            page.goto(f"{base_url}/map")
            page.wait_for_selector(
                "body[data-layers-loaded=error]", timeout=30_000, state="attached"
            )
            assert "This map needs WebGL" in page.inner_text("#map-status")
        finally:
            browser.close()


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_visitors_not_logged_in_see_roads_rivers_and_farmland(
    base_url: str, tmp_path: Path
) -> None:
    """The public part of the base map: drawn for anonymous visitors, with its legend, and no
    request for a layer they may not read."""
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=WEBGL_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            watch(page, base_url, outside, errors)
            page.goto(f"{base_url}/map")
            page.wait_for_selector(
                "body[data-layers-loaded=true]", timeout=30_000, state="attached"
            )
            assert set(_rendered(page, "base-roads-casing", "name")) == {"M-7"}
            assert set(_rendered(page, "base-areas", "kind")) == {"farmland"}
            legend = page.inner_text("#map-panel")
            assert "road" in legend and "farmland" in legend, legend
            assert "power line" not in legend and "school" not in legend, legend

            # the district's boundary: thin dashed lines in its colour, its name inside
            assert "Administrative boundaries" in legend, legend
            _jump(page, LON0 + 0.025, LAT0, 10)
            _idle(page)
            assert set(_rendered(page, "boundary-labels", "name")) == {"Aghdam"}
            shot = tmp_path / "boundaries.png"
            page.screenshot(path=str(shot))
            line = _near(_pixels(shot)[:, :700], BOUNDARY_LINE, tol=30)  # left of the legend
            rows, cols = np.nonzero(line)
            # the district (0.15° × 0.1° at 40° N) at zoom 10: a dashed outline of 218 × 190 px
            assert line.sum() > 250, f"the boundary line covers only {line.sum()} pixels"
            assert 210 < np.ptp(cols) < 230 and 180 < np.ptp(rows) < 200, (
                np.ptp(cols),
                np.ptp(rows),
            )
        finally:
            browser.close()
    assert not outside, f"requests left the site: {outside}"
    assert not errors, errors  # a 401 for a layer not readable would be listed here
