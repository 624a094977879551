"""The data-entry forms in a real browser (Debian's chromium, headless, software WebGL).

An operator picks a hazard by typing part of its code, picks the dates, gives the area
cleared in hectares and draws the activity's polygon on the form's map by clicking its
corners and double-clicking the last; the draft stored has that polygon, its area, and
the hectares as m². An information manager places a finding on the map with one click.
Clicks are real mouse clicks at the pixels where the map draws the wanted coordinates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import shapely
import shapely.geometry
from pyproj import Geod

from landrelease.web import create_app
from landrelease.web.server import running
from tests.helpers import LAT0, LON0
from tests.web.browser import CHROMIUM, WEBGL_ARGS, login, need_chromium, watch

# well inside hazard HZ-2 (the square from LON0 + 0.04, LAT0, 0.01° a side)
CORNERS = [
    (LON0 + 0.042, LAT0 + 0.002),
    (LON0 + 0.048, LAT0 + 0.002),
    (LON0 + 0.048, LAT0 + 0.008),
    (LON0 + 0.042, LAT0 + 0.008),
]
PIXEL_DEG = 2e-4
"""How far a click may land from the wanted coordinates: a few pixels at the map's zoom."""


@pytest.fixture
def base_url(web_target: str) -> Iterator[str]:
    need_chromium()
    app = create_app(web_target)
    with running(app) as url:
        yield url
    app.state.workspace.close()


def _wait_attr(page: Any, selector: str, name: str, want: str) -> None:
    """Poll an attribute from Python (the CSP forbids wait_for_function's inline script)."""
    for _ in range(100):
        if page.get_attribute(selector, name) == want:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector}[{name}] is {page.get_attribute(selector, name)!r}")


def _pixel(page: Any, lon: float, lat: float) -> tuple[float, float]:
    """Where on the page the form's map draws ``lon, lat``."""
    page.locator(".form-map-canvas").scroll_into_view_if_needed()
    box = page.locator(".form-map-canvas").bounding_box()
    x, y = page.evaluate(
        "([lon, lat]) => { const p = window.landreleaseFormMap.project([lon, lat]);"
        " return [p.x, p.y]; }",
        [lon, lat],
    )
    return box["x"] + x, box["y"] + y


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_an_operator_draws_an_activity_and_an_information_manager_places_a_finding(
    base_url: str,
) -> None:
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=WEBGL_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            watch(page, base_url, outside, errors)
            login(page, base_url, "opa", "/activities/new")
            page.wait_for_selector("form[data-live=ready]", timeout=10_000)
            page.wait_for_selector(".form-map[data-map-ready]", timeout=20_000)
            page.fill("input[name=activity_id]", "CL-DRAWN")
            page.select_option("select[name=type]", "clearance")
            page.select_option("select[name=outcome]", "cleared")
            # the hazard: typed, listed, chosen with the keyboard; the map centres on it
            page.locator("#f-hazard_id").press_sequentially("hz-2", delay=30)
            page.wait_for_selector("#hazard-options [role=option]", timeout=5_000)
            # the list narrows as each letter arrives: give the last one its time under load
            page.wait_for_function(
                "() => [...document.querySelectorAll('#hazard-options [role=option]')]"
                ".every((o) => o.textContent.startsWith('HZ-2'))",
                timeout=10_000,
            )
            options = page.locator("#hazard-options [role=option]").all_inner_texts()
            assert len(options) == 1, options
            assert re.fullmatch(r"HZ-2 — CHA, active, \d+\.\d\d ha, Aghdam", options[0])
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            assert page.input_value("#f-hazard_id") == "HZ-2"
            assert page.inner_text("#hazard-chosen").startswith("HZ-2 — ")
            _wait_attr(page, ".form-map", "data-hazard", "HZ-2")
            centre = page.evaluate("() => window.landreleaseFormMap.getCenter().toArray()")
            # the district boundaries drawn as on the big map (static/boundaries.js)
            ids = page.evaluate(
                "() => window.landreleaseFormMap.getStyle().layers"
                ".filter((l) => l.source === 'boundaries').map((l) => l.id)"
            )
            assert ids == ["boundaries", "boundary-labels"]
            assert centre == pytest.approx([LON0 + 0.045, LAT0 + 0.005], abs=1e-3)
            # the dates, picked in the date inputs
            assert page.get_attribute("input[name=start]", "type") == "date"
            page.fill("input[name=start]", "2024-03-01")
            page.fill("input[name=end]", "2024-04-15")
            page.fill("input[name=area_cleared_ha]", "0.035")
            # the polygon: drawn by clicking its corners, closed with a double-click
            page.check("input[name=geometry_source][value=geojson]")
            _wait_attr(page, ".form-map", "data-draw-mode", "polygon")
            for lon, lat in CORNERS[:-1]:
                page.mouse.click(*_pixel(page, lon, lat))
            _wait_attr(page, ".form-map", "data-draw-state", "3 corners")
            page.mouse.dblclick(*_pixel(page, *CORNERS[-1]))
            _wait_attr(page, ".form-map", "data-draw-state", "closed")
            drawn = json.loads(page.input_value("#f-geojson"))
            assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5
            assert drawn["coordinates"][0][:4] == [
                pytest.approx(list(c), abs=PIXEL_DEG) for c in CORNERS
            ]
            # undo takes the closing back, the polygon is closed again by its first corner
            page.click("[data-draw-action=undo]")
            _wait_attr(page, ".form-map", "data-draw-state", "4 corners")
            assert page.input_value("#f-geojson") == ""
            page.mouse.click(*_pixel(page, *CORNERS[0]))
            _wait_attr(page, ".form-map", "data-draw-state", "closed")
            assert json.loads(page.input_value("#f-geojson")) == drawn
            summary = page.locator("#activity-form .live-summary")
            for _ in range(50):
                if "No error" in summary.inner_text():
                    break
                page.wait_for_timeout(100)
            assert "No error" in summary.inner_text(), summary.inner_text()
            page.click("#activity-form button[type=submit]")
            page.wait_for_url(re.compile(r".*/activities\?done=.*"))
            assert "CL-DRAWN recorded as a draft" in page.inner_text("p.done")
            assert "0.04 ha cleared" in page.locator("#act-CL-DRAWN").inner_text()

            # -- an information manager places a finding -----------------------------------
            page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            watch(page, base_url, outside, errors)
            login(page, base_url, "im", "/records/new/findings")
            page.wait_for_selector(".form-map[data-map-ready]", timeout=20_000)
            page.fill("input[name=finding_id]", "FD-CLICKED")
            page.select_option("select[name=device]", "AP")
            page.fill("input[name=date]", "2024-03-10")
            where = (LON0 + 0.045, LAT0 + 0.005)
            page.evaluate(
                "([lon, lat]) => window.landreleaseFormMap.jumpTo({ center: [lon, lat], zoom: 14 })",
                list(where),
            )
            page.mouse.click(*_pixel(page, *where))
            _wait_attr(page, ".form-map", "data-draw-state", "placed")
            typed = (float(page.input_value("#f-lon")), float(page.input_value("#f-lat")))
            assert typed == pytest.approx(where, abs=PIXEL_DEG)
            page.click("#record-form button[type=submit]")
            page.wait_for_selector("p.done", timeout=10_000)
            # read back as the information manager (drafts are not public)
            stored = page.request.get(f"{base_url}/collections/activities/items/CL-DRAWN").json()
            finding = page.request.get(f"{base_url}/collections/findings/items/FD-CLICKED").json()
        finally:
            browser.close()

    props = stored["properties"]
    assert props["status"] == "draft" and props["hazard_id"] == "HZ-2"
    assert (props["start"], props["end"]) == ("2024-03-01", "2024-04-15")
    assert props["area_cleared_m2"] == 350.0  # 0.035 ha, exactly
    polygon = shapely.geometry.shape(stored["geometry"])
    ring = list(shapely.get_coordinates(polygon))[:4]
    assert [tuple(c) for c in ring] == [pytest.approx(c, abs=PIXEL_DEG) for c in CORNERS]
    assert [list(c) for c in ring] == [list(c) for c in drawn["coordinates"][0][:4]]
    geodesic_m2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(polygon)[0])
    assert props["area_m2"] == pytest.approx(geodesic_m2, rel=2e-3)
    assert finding["geometry"]["coordinates"] == [pytest.approx(v) for v in typed]
    assert not outside, f"requests left the site: {outside}"
    assert not errors, errors
