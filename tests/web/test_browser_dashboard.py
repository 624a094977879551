"""The dashboard in a real browser (Debian's chromium, headless): every chart drawn by Chart.js,
served by the app itself (no request leaves the site), in the colours its JSON names."""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from landrelease.store import Workspace
from landrelease.web import create_app
from landrelease.web.server import running
from tests.web.browser import ARGS, CHROMIUM, WEBGL_ARGS, login, need_chromium, watch
from tests.web.test_dashboard import (
    ALL_CHARTS,
    add_incidents,
    add_ledger,
    add_plan,
    add_spending,
    close_hazards,
)

SCREEN = {"width": 1366, "height": 768}
"""A field office's laptop screen."""
MOST_SCREENS = 2.3
"""The dashboard holds its headline and five charts in about two screens (tables folded)."""
MIN_PIXELS = 12
"""Pixels of a series' colour that show it was drawn (the smallest bar, 120,000 USD on an axis
to 12.9 M, is a few pixels high)."""


@pytest.fixture
def base_url(web_target: str, workspace: Workspace, tmp_path: Path) -> Iterator[str]:
    need_chromium()
    add_ledger(workspace)
    add_spending(workspace)
    add_incidents(workspace, tmp_path / "more")
    close_hazards(workspace)
    add_plan(workspace)
    app = create_app(web_target)
    with running(app) as url:
        yield url
    app.state.workspace.close()


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_dashboard_charts_are_drawn(base_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    charts = {}
    for name in ALL_CHARTS:
        with urllib.request.urlopen(f"{base_url}/api/dashboard/{name}") as r:
            charts[name] = json.load(r)
    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport=SCREEN)
            watch(page, base_url, outside, errors)
            page.goto(f"{base_url}/dashboard")
            page.wait_for_selector(f"body[data-charts-drawn='{len(ALL_CHARTS)}']", timeout=15_000)
            shots = {}
            for name in ALL_CHARTS:
                canvas = page.locator(f"canvas[data-chart='{name}']")
                assert canvas.get_attribute("data-drawn") == "true", name
                shots[name] = tmp_path / f"{name}.png"
                canvas.screenshot(path=str(shots[name]))
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
            height = page.evaluate("document.documentElement.scrollHeight")
            folded = page.evaluate("document.querySelectorAll('details:not([open]) table').length")
        finally:
            browser.close()
    assert height <= MOST_SCREENS * SCREEN["height"], f"the dashboard is {height} px tall"
    assert folded == len(ALL_CHARTS), "every chart's table folded under it"
    assert not outside, f"requests left the site: {outside}"
    assert not errors, errors
    keep = os.environ.get("LANDRELEASE_SCREENSHOTS")
    if keep:
        shutil.copy(tmp_path / "dashboard.png", Path(keep) / "dashboard.png")
    for name, data in charts.items():
        pixels = np.asarray(Image.open(shots[name]).convert("RGB")).astype(float)
        assert pixels.std() > 5, f"{name}: the canvas is blank"
        for s in data["series"]:
            if not any(s["values"]):
                continue
            near = (np.abs(pixels - _rgb(s["colour"])).max(axis=2) < 10).sum()
            assert near >= MIN_PIXELS, (
                f"{name}: series {s['key']} ({s['colour']}) drew {near} pixels"
            )


BOUNDARY_LAYERS = """() => window.MAP.getStyle().layers
  .filter((l) => l.source === "boundaries")
  .map((l) => ({ id: l.id, type: l.type, filter: l.filter, paint: l.paint, layout: l.layout,
    maxzoom: l.maxzoom }))"""
"""The boundary layers of a page's map as MapLibre holds them (MAP: the map's global name)."""


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_settlement_and_hazard_pages_draw_their_map(base_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=WEBGL_ARGS)
        try:
            page = browser.new_page(viewport=SCREEN)
            watch(page, base_url, outside, errors)
            page.goto(base_url + "/map")
            page.wait_for_selector(
                "body[data-layers-loaded=true]", timeout=60_000, state="attached"
            )
            on_the_map = page.evaluate(BOUNDARY_LAYERS.replace("MAP", "landreleaseMap"))
            assert [layer["id"] for layer in on_the_map] == ["boundaries", "boundary-labels"]
            # the settlement's dot (its hazards are closed here), the hazard's own outline
            for url, colour in (("/settlements/ST-2", "#2166ac"), ("/hazards/HZ-1", "#b2182b")):
                page.goto(base_url + url)
                page.wait_for_selector("#small-map[data-drawn='true']", timeout=30_000)
                # the district boundaries drawn as on the big map (one script: boundaries.js)
                drawn = page.evaluate(BOUNDARY_LAYERS.replace("MAP", "landreleaseSmallMap"))
                assert drawn == on_the_map, url
                shot = tmp_path / "map.png"
                page.locator("#small-map").screenshot(path=str(shot))
                pixels = np.asarray(Image.open(shot).convert("RGB")).astype(float)
                near = (np.abs(pixels - _rgb(colour)).max(axis=2) < 30).sum()
                assert near >= 30, f"{url}: {near} pixels of {colour}"
                height = page.evaluate("document.documentElement.scrollHeight")
                assert height <= 2 * SCREEN["height"], f"{url} is {height} px tall"
            # logged in: the land in use inside the hazard, filled by its kind
            login(page, base_url, "ana", "/hazards/HZ-0")
            page.wait_for_selector("#small-map[data-drawn='true']", timeout=30_000)
            kinds = page.evaluate(
                "() => window.landreleaseSmallMap.queryRenderedFeatures({ layers: ['land-use-fill'] })"
                ".map((f) => f.properties.kind)"
            )
            assert set(kinds) == {"cultivated"}, kinds
            assert "land in use: cultivated" in page.inner_text(".small-map figcaption")
        finally:
            browser.close()
    assert not outside, f"requests left the site: {outside}"
    assert not errors, errors
