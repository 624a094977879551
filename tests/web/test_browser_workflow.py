"""The activity workflow in a real browser (Debian's chromium, headless).

An operator enters a new activity (the hazard picked by typing its code, the dates in
date pickers, the area in hectares), sees the importer's message for a negative area
while typing, corrects it, records the draft and submits it; an information
manager approves it on /activities; the hazard's status and the dashboard's
area released change. The page's script is polled from Python (the CSP
forbids ``wait_for_function``'s inline evaluation).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from landrelease.web import create_app
from landrelease.web.server import running
from tests.web.browser import CHROMIUM, WEBGL_ARGS, login, need_chromium, watch

MONTH = re.compile(r"\b\d{4}-\d{2}\b")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


@pytest.fixture
def base_url(web_target: str) -> Iterator[str]:
    need_chromium()
    app = create_app(web_target)
    with running(app) as url:
        yield url
    app.state.workspace.close()


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:  # the test's own server
        return json.loads(r.read())


def _poll(read: Callable[[], str], want: Callable[[str], bool], what: str, page: Any) -> str:
    """Read the page until ``want`` holds (5 s at most); the last text read."""
    deadline = time.monotonic() + 5
    text = read()
    while not want(text):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {text!r}")
        page.wait_for_timeout(100)
        text = read()
    return text


def _released(page: Any, base_url: str) -> tuple[float, str]:
    """The dashboard's area-released table: the sum of its figures and its text."""
    page.goto(f"{base_url}/dashboard")
    section = page.locator("section#released_by_month")
    if not section.count():
        section = page.locator("section.chart").filter(has_text=re.compile("released", re.I))
    # the chart's numbers are folded under it: unfold them to read them as a user would
    section.first.locator("details").evaluate_all("ds => ds.forEach(d => { d.open = true; })")
    table = section.first.locator("table")
    text = table.first.inner_text() if table.count() else section.first.inner_text()
    figures = [float(n.replace(",", "")) for n in NUMBER.findall(MONTH.sub(" ", text))]
    return sum(figures), text


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_an_activity_entered_submitted_and_approved_in_the_browser(
    base_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    hazard_before = _get_json(f"{base_url}/collections/hazards/items/HZ-2")["properties"]
    assert hazard_before["status"] == "active"
    outside: list[str] = []
    errors: list[str] = []
    shot = tmp_path / "activity_form.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=WEBGL_ARGS)
        try:
            # -- the operator ------------------------------------------------------------
            page = browser.new_context(viewport={"width": 1200, "height": 1000}).new_page()
            watch(page, base_url, outside, errors)
            released_before, table_before = _released(page, base_url)
            login(page, base_url, "opa", "/activities/new")
            page.wait_for_selector("form[data-live=ready]", timeout=10_000)
            assert page.inner_text("#f-organisation") == "OrgA"
            page.fill("input[name=activity_id]", "CL-WEB")
            page.select_option("select[name=type]", "clearance")
            page.locator("#f-hazard_id").press_sequentially("HZ-2", delay=30)
            # the list narrows as each letter arrives: wait for it to hold the hazard typed
            option = page.locator("#hazard-options [role=option]").filter(has_text="HZ-2")
            option.first.wait_for(timeout=10_000)
            option.first.click()
            assert page.input_value("#f-hazard_id") == "HZ-2"
            page.fill("input[name=start]", "2024-03-01")
            page.fill("input[name=end]", "2024-04-15")
            page.select_option("select[name=outcome]", "cleared")
            page.fill("input[name=area_cleared_ha]", "-5")
            area_msg = page.locator('.field-msg[data-msg-for="area_cleared_ha"]')
            text = _poll(area_msg.inner_text, lambda t: "not a number in range" in t, "area", page)
            assert "'-5'" in text and "a number ≥ 0 [ha]" in text
            assert page.get_attribute("input[name=area_cleared_ha]", "aria-invalid") == "true"
            summary = page.locator("#activity-form .live-summary")
            assert "1 error" in summary.inner_text()
            # a required field left blank is not shown as missing until touched
            assert page.locator('.field-msg[data-msg-for="depth_cm"]').inner_text() == ""
            page.screenshot(path=str(shot), full_page=True)
            page.fill("input[name=area_cleared_ha]", "5")
            _poll(area_msg.inner_text, lambda t: t == "", "area corrected", page)
            text = _poll(summary.inner_text, lambda t: "No error" in t, "summary", page)
            assert "OrgA is not in the register" in text  # a warning: the approval's override
            assert page.get_attribute("input[name=area_cleared_ha]", "aria-invalid") is None
            page.click("#activity-form button[type=submit]")
            page.wait_for_url(re.compile(r".*/activities\?done=.*"))
            assert "CL-WEB recorded as a draft" in page.inner_text("p.done")
            row = page.locator("#act-CL-WEB")
            assert row.get_attribute("data-status") == "draft"
            assert "5.00 ha cleared" in row.inner_text()
            row.locator("button", has_text="Submit").click()
            page.wait_for_url(re.compile(r".*/activities\?done=.*"))
            assert "CL-WEB submitted" in page.inner_text("p.done")
            assert page.locator("#act-CL-WEB").get_attribute("data-status") == "submitted"
            assert not page.locator("#act-CL-WEB button", has_text="Approve").count()

            # -- the information manager -------------------------------------------------
            page = browser.new_context(viewport={"width": 1200, "height": 1000}).new_page()
            watch(page, base_url, outside, errors)
            login(page, base_url, "im", "/activities")
            row = page.locator("#act-CL-WEB")
            assert "OrgA is not in the register" in row.inner_text()
            page.screenshot(path=str(tmp_path / "activities.png"), full_page=True)
            row.locator("input[name=accept_flags]").check()
            row.locator("button", has_text="Approve").click()
            page.wait_for_url(re.compile(r".*/activities\?done=.*"))
            done = page.inner_text("p.done")
            assert "CL-WEB approved: 5.00 ha released; hazard HZ-2 is now worked_on" in done
            assert page.locator("#act-CL-WEB").get_attribute("data-status") == "approved"
            released_after, table_after = _released(page, base_url)
        finally:
            browser.close()
    hazard_after = _get_json(f"{base_url}/collections/hazards/items/HZ-2")["properties"]
    assert hazard_after["status"] == "worked_on"
    assert "2024-04" not in table_before and "2024-04" in table_after
    assert released_after > released_before
    assert not outside, f"requests left the site: {outside}"
    assert not errors, errors
    keep = os.environ.get("LANDRELEASE_SCREENSHOTS")
    if keep:
        shutil.copy(shot, Path(keep) / "activity_form.png")
        shutil.copy(tmp_path / "activities.png", Path(keep) / "activities.png")
