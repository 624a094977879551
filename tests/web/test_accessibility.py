"""The main pages checked with axe-core in Chromium: no serious or critical violation.

axe-core is vendored from npm as a test asset (``tests/web/vendor/axe-core``, pinned with
its sha512 in ``scripts/vendor-js.sh``) and injected into each page; nothing is fetched
from the network. The pages are checked as the people who use them see them: the public
pages anonymously, the working pages logged in as an information manager (who sees every
page, the forms and the upload included).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from landrelease.store import Workspace
from landrelease.web import create_app
from landrelease.web.server import running
from tests.helpers import layer_features, write_package
from tests.web.browser import CHROMIUM, WEBGL_ARGS, login, need_chromium

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")
"""Impacts that fail the test; moderate and minor ones are printed only."""

LAYER_FILES = (*layer_features(), "funding", "assets", "organisations")
PUBLIC_PAGES = ("/", "/login", "/map", "/dashboard", "/settlements", "/settlements/ST-2")
WORKING_PAGES = (
    "/map",
    "/dashboard",
    "/activities",
    "/settlements/ST-2",
    "/records/new/findings",
    "/records/new/incidents",
    "/activities/new",
    "/qa",
    "/downloads",
    "/upload",
    "/account/password",
)


@pytest.fixture
def base_url(web_target: str, workspace: Workspace) -> Iterator[str]:
    need_chromium()
    app = create_app(web_target)
    with running(app) as url:
        yield url
    app.state.workspace.close()


def _axe(page: Any) -> list[dict[str, Any]]:
    """The violations axe-core finds on the page as it is now (WCAG 2.1 A and AA, best practice)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, { runOnly: { type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })"
    )
    return list(result["violations"])


def _describe(path: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:3]]
        lines.append(
            f"{path}: {v['impact']} {v['id']} ({len(v['nodes'])} elements): {v['help']}; "
            f"e.g. {', '.join(targets)}"
        )
    return "\n".join(lines)


def _check(page: Any, base_url: str, path: str, found: dict[str, list[dict[str, Any]]]) -> None:
    response = page.goto(f"{base_url}{path}")
    assert response is not None and response.status == 200, (path, response and response.status)
    if path == "/map":
        page.wait_for_selector("body[data-layers-loaded=true]", timeout=30_000, state="attached")
    else:
        page.wait_for_load_state("networkidle")
    found[path] = _axe(page)


def _open_a_hazard_popup(page: Any) -> None:
    """Click the middle of the first hazard MapLibre drew: its popup opens."""
    x, y = page.evaluate(
        "() => { const m = window.landreleaseMap;"
        " const f = m.queryRenderedFeatures({ layers: ['hazards-fill'] })[0];"
        " const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0]"
        " : f.geometry.coordinates[0][0];"
        " const lon = ring.reduce((a, c) => a + c[0], 0) / ring.length;"
        " const lat = ring.reduce((a, c) => a + c[1], 0) / ring.length;"
        " const p = m.project([lon, lat]); return [p.x, p.y]; }"
    )
    box = page.locator("#map canvas").first.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector(".hazard-popup h4", timeout=10_000)


def _package_with_a_mistake(tmp_path: Path) -> Path:
    """A zipped package whose one hazard has a classification not in the vocabulary."""
    folder = write_package(
        tmp_path / "mistake", skip=tuple(n for n in LAYER_FILES if n != "hazards")
    )
    path = folder / "hazards.geojson"
    path.write_text(path.read_text(encoding="utf-8").replace('"SHA"', '"bogus"'), encoding="utf-8")
    out = tmp_path / "mistake.zip"
    with zipfile.ZipFile(out, "w") as z:
        for f in folder.iterdir():
            z.write(f, f.name)
    return out


def _states(
    page: Any, base_url: str, tmp_path: Path, found: dict[str, list[dict[str, Any]]]
) -> None:
    """The pages in the states a user meets after acting: a popup, an error, a refusal."""
    page.goto(f"{base_url}/map")
    page.wait_for_selector("body[data-layers-loaded=true]", timeout=30_000, state="attached")
    _open_a_hazard_popup(page)
    found["/map with a hazard's popup"] = _axe(page)

    page.goto(f"{base_url}/activities/new")
    page.wait_for_selector("form[data-live=ready]", timeout=10_000)
    page.fill("input[name=area_cleared_ha]", "-5")
    page.locator(
        '.field-msg[data-msg-for="area_cleared_ha"]', has_text="not a number in range"
    ).wait_for()
    found["/activities/new with an error"] = _axe(page)

    bad = _package_with_a_mistake(tmp_path)
    page.goto(f"{base_url}/upload")
    page.set_input_files("input[type=file]", str(bad))
    page.click("form[action='/forms/upload'] button[type=submit]")
    page.wait_for_selector("p.refused", timeout=10_000)
    found["/upload refused"] = _axe(page)


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_the_main_pages_have_no_serious_accessibility_violation(
    base_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    assert AXE.stat().st_size > 100_000, "axe-core is missing: bash scripts/vendor-js.sh axe-core"
    anonymous: dict[str, list[dict[str, Any]]] = {}
    logged_in: dict[str, list[dict[str, Any]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=WEBGL_ARGS)
        try:
            # the pages' CSP allows no inline script: let the test inject axe-core's
            context = browser.new_context(viewport={"width": 1200, "height": 800}, bypass_csp=True)
            page = context.new_page()
            for path in PUBLIC_PAGES:
                _check(page, base_url, path, anonymous)
            login(page, base_url, "im", "/map")
            for path in WORKING_PAGES:
                _check(page, base_url, path, logged_in)
            _states(page, base_url, tmp_path, logged_in)
        finally:
            browser.close()
    report = {
        who: {
            k: [f"{v['impact']} {v['id']} ×{len(v['nodes'])}" for v in vs]
            for k, vs in found.items()
        }
        for who, found in (("anonymous", anonymous), ("information manager", logged_in))
    }
    print(json.dumps(report, indent=1, ensure_ascii=False))
    failing = [
        _describe(f"{who} {path}", [v for v in vs if v["impact"] in FAILING])
        for who, found in (("anonymous", anonymous), ("information manager", logged_in))
        for path, vs in found.items()
        if any(v["impact"] in FAILING for v in vs)
    ]
    assert not failing, "\n".join(failing)
