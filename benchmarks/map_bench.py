"""The map's first view in Chromium: bytes, requests and time until it is drawn.

    .venv/bin/python benchmarks/map_bench.py WORKSPACE.gpkg             # a copy is served
    .venv/bin/python benchmarks/map_bench.py WORKSPACE.gpkg --runs 3 --screenshot map.png

Serves a **copy** of the workspace (an analyst account is added to the copy), logs in
through the form and opens ``/map`` in Debian's headless Chromium with an empty cache,
then reloads it (the browser's cache warm). For each view it prints the bytes sent over
the wire (response bodies as the server sent them, compressed, counted in the server: the
map's tiles are fetched by a web worker, out of the page's sight), the number of
requests (server side), and the time
from navigation to the map being drawn: the page sets
``body[data-layers-loaded=true]`` once its layers are loaded and drawn (MapLibre's first
``idle`` after the layers were added). Figures are printed, never asserted. Run it with
``PYTHONPATH`` on another checkout to measure that version of the map beside this one.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landrelease.store import Workspace
from landrelease.web import create_app
from landrelease.web.auth import add_user, ensure_users_table
from landrelease.web.server import running

PASSWORD = "benchmark-password"
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


class Sent:
    """Counts the requests and the body bytes the server sends (after compression)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.bytes = 0
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1

        async def counting(message: Message) -> None:
            if message["type"] == "http.response.body":
                self.bytes += len(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, counting)


def _view(page: Any, url: str, sent: Sent) -> dict[str, float]:
    """Open ``url``; bytes, requests and milliseconds until the map says it is drawn."""
    sent.bytes = sent.requests = 0
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("body[data-layers-loaded=true]", timeout=120_000, state="attached")
    drawn_ms = (time.perf_counter() - t0) * 1000
    page.wait_for_timeout(300)  # late responses of the same view
    return {
        "wire_bytes": float(sent.bytes),
        "requests": float(sent.requests),
        "drawn_ms": drawn_ms,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("workspace", type=Path, help="a workspace GeoPackage (copied, never changed)")
    ap.add_argument("--runs", type=int, default=3, help="cold views measured (median printed)")
    ap.add_argument("--screenshot", type=Path, help="save the first view as PNG here")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=800)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="map-bench-"))
    try:
        copy = tmp / "workspace.gpkg"
        shutil.copyfile(args.workspace, copy)
        ws = Workspace.open(str(copy))
        ensure_users_table(ws)
        add_user(ws, "bench", password=PASSWORD, role="analyst", actor="benchmark")
        ws.close()
        app = create_app(str(copy))
        sent = Sent(app.middleware_stack or app.build_middleware_stack())
        app.middleware_stack = sent
        cold: list[dict[str, float]] = []
        warm: list[dict[str, float]] = []
        with running(app) as base, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                headless=True,
                args=ARGS,
            )
            for run in range(args.runs):
                context = browser.new_context(viewport={"width": args.width, "height": args.height})
                page = context.new_page()
                page.goto(f"{base}/login?next=/dashboard")
                page.fill("input[name=username]", "bench")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/dashboard")
                page.goto(f"{base}/")  # a page without the map's files: the cache stays cold
                cold.append(_view(page, f"{base}/map", sent))
                if run == 0 and args.screenshot:
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(args.screenshot))
                warm.append(_view(page, f"{base}/map", sent))
                context.close()
            browser.close()
        app.state.workspace.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for name, views in (("first view (empty cache)", cold), ("again (cache warm)", warm)):
        med = {k: statistics.median(v[k] for v in views) for k in views[0]}
        each = ", ".join(f"{v['drawn_ms']:.0f}" for v in views)
        print(
            f"{name:26s} {med['wire_bytes'] / 1e6:6.2f} MB sent, {med['requests']:4.0f} requests, "
            f"drawn after {med['drawn_ms']:6.0f} ms (median of {len(views)}; "
            f"each: {each} ms)"
        )


if __name__ == "__main__":
    main()
