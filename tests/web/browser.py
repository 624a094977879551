"""Shared by the browser tests: Debian's chromium, headless, watched for requests that leave
the site and for errors (see docs/STACK.md: playwright cannot download browsers here)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() == "true"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

WEBGL_ARGS = [a for a in ARGS if a != "--disable-gpu"] + [
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
"""For the map (WebGL): Chromium's software renderer, as there is no GPU on a server."""


def need_chromium() -> None:
    """Skip without chromium; under CI=true its absence is a failure."""
    if Path(CHROMIUM).exists() and shutil.which("chromium") is not None:
        return
    if IN_CI:
        pytest.fail(
            "chromium missing: under CI=true the browser test must run (apt-get install chromium)"
        )
    pytest.skip("chromium missing (apt-get install chromium)")


def watch(page: Any, base_url: str, outside: list[str], errors: list[str]) -> None:
    """Collect requests to other origins, page errors, console errors and HTTP errors."""
    page.on("request", lambda r: None if r.url.startswith(base_url) else outside.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)


def login(page: Any, base_url: str, username: str, then: str) -> None:
    """Log in through the form and land on ``then``."""
    page.goto(f"{base_url}/login?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{then}")
