"""The header in a real browser (Debian's chromium, headless): one line on a 1280 px screen
for a logged-in user of any role, wrapping gracefully only on narrower screens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from landrelease.scenario.programme import DEMO_LOGO, KARABAKH_PROGRAMME
from landrelease.store import Workspace
from landrelease.store.programme import set_programme
from landrelease.web import create_app
from landrelease.web.auth import add_user
from landrelease.web.server import running
from tests.web.browser import ARGS, CHROMIUM, login, need_chromium, watch
from tests.web.conftest import PASSWORD

LAPTOP = {"width": 1280, "height": 800}
"""A common laptop screen: the header must hold on one line there."""
LONG_NAME = "leyla.mammadova"


@pytest.fixture
def base_url(web_target: str, workspace: Workspace, tmp_path: Path) -> Iterator[str]:
    """The demo's programme profile (its long name and its logo) and a user with a long name."""
    need_chromium()
    logo = tmp_path / DEMO_LOGO.filename
    logo.write_bytes(DEMO_LOGO.data)
    set_programme(workspace, actor="tester", name=KARABAKH_PROGRAMME.name, logo=logo)
    add_user(
        workspace,
        LONG_NAME,
        password=PASSWORD,
        role="operator",
        organisation="ANAMA",
        actor="tester",
    )
    app = create_app(web_target)
    with running(app) as url:
        yield url
    app.state.workspace.close()


def _layout(page: Any) -> dict[str, Any]:
    """The header's height, the height of one line of it (its tallest item, the logo, and its
    padding), and the middle of each of its items."""
    return dict(
        page.evaluate(
            """() => {
              const h = document.querySelector("body > header");
              const items = [...h.querySelectorAll(
                ".brand .logo, .brand .name, nav > a, nav > details > summary, .who > details > summary, .who > a")];
              const box = (e) => e.getBoundingClientRect();
              const css = getComputedStyle(h);
              const padding = parseFloat(css.paddingTop) + parseFloat(css.paddingBottom);
              return {
                height: box(h).height,
                line: Math.max(...items.map((e) => box(e).height)) + padding,
                items: items.map((e) => [e.textContent.trim() || e.className,
                  Math.round(box(e).top + box(e).height / 2)]),
                overflow: h.scrollWidth > h.clientWidth,
                nameCut: h.querySelector(".brand .name").scrollWidth > h.querySelector(".brand .name").clientWidth,
              };
            }"""
        )
    )


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
@pytest.mark.parametrize("username", ["admin", "im", LONG_NAME])
def test_the_header_holds_on_one_line_at_1280_px_when_logged_in(
    base_url: str, username: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport=LAPTOP)
            watch(page, base_url, outside, errors)
            login(page, base_url, username, "/dashboard")
            got = _layout(page)
            middles = [middle for _, middle in got["items"]]
            assert max(middles) - min(middles) <= 2, got["items"]  # every item on one line
            assert got["height"] <= got["line"] + 1, got
            assert not got["overflow"], got
            assert not got["nameCut"], got  # the programme's whole name fits too
            names = [name for name, _ in got["items"]]
            assert "Log out" not in " ".join(names)  # folded into the user's menu
            page.screenshot(path=str(tmp_path / "header-1280.png"))
            # 1000 px wide still one line: the programme's name gives way first
            page.set_viewport_size({"width": 1000, "height": 800})
            got = _layout(page)
            middles = [middle for _, middle in got["items"]]
            assert max(middles) - min(middles) <= 2, got["items"]
            assert got["height"] <= got["line"] + 1 and not got["overflow"], got
            page.set_viewport_size(LAPTOP)
            # the user's menu holds who they are, the password page and logging out
            page.click("header .who summary")
            menu = page.inner_text("header .who details > div")
            assert "Password" in menu and "Log out" in menu, menu
            page.click("header .who button[type=submit]")
            page.wait_for_url(f"{base_url}/")
            assert page.inner_text("header .who") == "Log in"
            # narrower: the header wraps, and nothing leaves the screen
            page.set_viewport_size({"width": 700, "height": 800})
            login(page, base_url, username, "/dashboard")
            narrow = _layout(page)
            assert not narrow["overflow"], narrow
        finally:
            browser.close()
    assert not outside, outside
    assert not errors, errors
