"""The map in Chromium: bytes, requests and time until the first view is drawn; where that
time goes; frame times while panning and zooming.

    .venv/bin/python benchmarks/map_bench.py WORKSPACE.gpkg                 # a copy is served
    .venv/bin/python benchmarks/map_bench.py district.gpkg region.gpkg --runs 3 --pan
    .venv/bin/python benchmarks/map_bench.py WORKSPACE.gpkg --timeline --screenshot map.png

Serves a **copy** of each workspace (an analyst account is added to the copy), logs in
through the form and opens ``/map`` in Debian's headless Chromium (software WebGL, as on a
server without a GPU) with an empty cache, then reloads it (the browser's cache warm).

For each view it prints the bytes sent over the wire (response bodies as the server sent
them, compressed, counted in the server: the map's tiles are fetched by a web worker, out
of the page's sight), the number of requests (server side), and the time from navigation to
the map being drawn: the page sets ``body[data-layers-loaded=true]`` at MapLibre's first
``idle`` (every tile of the view loaded and drawn; the page's own mark ``map-drawn`` is printed
beside it, and ``map-labels-drawn``, when the names added after the first draw are drawn).
Bytes and requests are counted once the view's names and relief are drawn too.

``--timeline`` prints where the first cold view's time went: the page's performance marks
(``map-*`` in static/map.js), the time the software renderer spent compiling and linking
WebGL shader programs (every compile and link call of the page timed, and their count), and
the server's requests in the order they came (start, duration, bytes).

``--pan`` then runs a scripted walk with findings and incidents switched on (zoom in twice,
pan, zoom to the detail zoom on the hazards, back out to the first view) and prints the
frame times of the walk (requestAnimationFrame deltas: p50, p95, max, frames over 50 ms),
the time each step took until the map was idle again, and the server's tile times (p50,
p95, max) with the slowest tiles named.

Figures are printed, never asserted. Run it with ``PYTHONPATH`` on another checkout to
measure that version of the map beside this one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parent.parent))  # PYTHONPATH comes first

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landrelease.store import Workspace
from landrelease.web import create_app
from landrelease.web.auth import add_user, ensure_users_table

try:
    from landrelease.web.map_view import warm
except ImportError:  # a version of the map that makes nothing ahead
    warm = None  # type: ignore[assignment]
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

GL_TIMER = """
(() => {
  const stats = { programs: 0, ms: 0, firstMs: null, lastMs: null };
  window.__glStats = stats;
  const names = ["createShader", "shaderSource", "compileShader", "getShaderParameter",
    "attachShader", "linkProgram", "getProgramParameter"];
  for (const C of [window.WebGLRenderingContext, window.WebGL2RenderingContext]) {
    if (!C) { continue; }
    for (const name of names) {
      const f = C.prototype[name];
      C.prototype[name] = function (...a) {
        const t = performance.now();
        try { return f.apply(this, a); } finally {
          const end = performance.now();
          stats.ms += end - t;
          if (name === "linkProgram") { stats.programs += 1; }
          if (stats.firstMs === null) { stats.firstMs = t; }
          stats.lastMs = end;
        }
      };
    }
  }
})();
"""
"""Times every shader compile and link of the page (MapLibre asks for their status at once,
so the software renderer's work is done inside these calls)."""

WALK = """
async ([detailZoom]) => {
  const map = window.landreleaseMap;
  const idle = () => new Promise((done) => map.once("idle", done));
  const frames = [];
  let last = performance.now(), running = true;
  const tick = (t) => { frames.push(t - last); last = t; if (running) { requestAnimationFrame(tick); } };
  requestAnimationFrame(tick);
  const steps = [];
  const step = async (name, move) => {
    const t = performance.now();
    const waiting = idle();
    move();
    await waiting;
    steps.push([name, performance.now() - t]);
  };
  const start = map.getCenter(), startZoom = map.getZoom();
  const hazards = map.queryRenderedFeatures({ layers: ["hazards-fill"] });
  const box = hazards.length ? hazards[Math.floor(hazards.length / 2)].geometry.coordinates.flat(3) : null;
  const focus = box && box.length >= 2 ? [box[0], box[1]] : [start.lng, start.lat];
  for (const id of ["findings", "incidents"]) {
    const input = document.querySelector("input[data-layer=" + id + "]");
    if (input && !input.checked) { await step(id + " on", () => input.click()); }
  }
  await step("zoom in", () => map.easeTo({ zoom: startZoom + 1, duration: 500 }));
  await step("pan east", () => map.panBy([400, 0], { duration: 500 }));
  await step("pan south", () => map.panBy([0, 300], { duration: 500 }));
  await step("zoom in", () => map.easeTo({ zoom: startZoom + 2, duration: 500 }));
  await step("to detail zoom", () => map.easeTo({ center: focus, zoom: detailZoom + 0.5, duration: 800 }));
  await step("pan at detail", () => map.panBy([-300, 200], { duration: 500 }));
  await step("back out", () => map.easeTo({ center: start, zoom: startZoom, duration: 800 }));
  running = false;
  return { frames: frames.slice(1), steps };
}
"""
"""The scripted walk: each step a camera move, waited for until the map is idle again."""


@dataclass
class Request:
    path: str
    start_s: float
    end_s: float = 0.0
    bytes: int = 0
    status: int = 0


@dataclass
class Sent:
    """Counts the requests and the body bytes the server sends (after compression), and keeps
    each request's path, start, end and size."""

    app: ASGIApp
    log: list[Request] = field(default_factory=list)

    def reset(self) -> None:
        self.log = []

    @property
    def bytes(self) -> int:
        return sum(r.bytes for r in self.log)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        req = Request(scope.get("path", ""), time.perf_counter())
        self.log.append(req)

        async def counting(message: Message) -> None:
            if message["type"] == "http.response.start":
                req.status = int(message["status"])
            if message["type"] == "http.response.body":
                req.bytes += len(message.get("body", b""))
                if not message.get("more_body"):
                    req.end_s = time.perf_counter()
            await send(message)

        await self.app(scope, receive, counting)


def _cpu_s() -> tuple[float, float]:
    """CPU seconds used so far by the browser (every process this one started: Chromium's
    renderer, GPU and network processes, Playwright's driver) and by this process (the server,
    and the benchmark's own small part). Wall-clock times depend on what else the machine
    runs; these do not."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    browser, todo = 0.0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        browser += used.get(pid, 0.0)
        todo += children.get(pid, [])
    return browser, time.process_time()


def _view(page: Any, url: str, sent: Sent) -> dict[str, Any]:
    """Open ``url``; bytes, requests and milliseconds until the map says it is drawn."""
    sent.reset()
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("body[data-layers-loaded=true]", timeout=120_000, state="attached")
    drawn_ms = (time.perf_counter() - t0) * 1000
    has_relief = page.evaluate(
        "() => Boolean(JSON.parse(document.getElementById('map-config').textContent).hillshade)"
    )
    cpu1 = _cpu_s()
    # what follows the first draw is part of the same view (the names, then the relief): its
    # bytes and requests are counted once it is drawn too
    for _ in range(200):
        marks = page.evaluate("() => performance.getEntriesByType('mark').map((m) => m.name)")
        if "map-relief-drawn" in marks or ("map-labels-drawn" in marks and not has_relief):
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)  # late responses of the same view
    timeline = page.evaluate(
        """() => ({
          nav: performance.getEntriesByType("navigation").map((n) => ({
            response: n.responseEnd, dom: n.domContentLoadedEventEnd }))[0],
          marks: performance.getEntriesByType("mark").map((m) => [m.name, m.startTime]),
          gl: window.__glStats || null,
          programs: (() => {  // MapLibre's cache of programs: name → variant → program
            const seen = new Set(), found = [], walk = (o, depth) => {
              if (!o || typeof o !== "object" || seen.has(o) || depth > 3) { return; }
              seen.add(o);
              if (o.programs instanceof Map) { found.push(o); return; }
              Object.values(o).forEach((v) => walk(v, depth + 1));
            };
            walk(window.landreleaseMap.painter, 0);
            const out = [];
            found.forEach((c) => c.programs.forEach((byKey, name) => byKey.forEach((_, key) =>
              out.push(name + (key ? " [" + key.replace(/[/].*?[/]/g, "").slice(0, 60) + "]" : "")))));
            return out;
          })(),
        })"""
    )
    return {
        "wire_bytes": float(sent.bytes),
        "requests": float(len(sent.log)),
        "drawn_ms": drawn_ms,
        "mark_ms": dict(timeline["marks"]).get("map-drawn", float("nan")),
        "labels_ms": dict(timeline["marks"]).get("map-labels-drawn", float("nan")),
        "browser_cpu_s": cpu1[0] - cpu0[0],
        "server_cpu_s": cpu1[1] - cpu0[1],
        "timeline": timeline,
        "log": list(sent.log),
        "t0": t0,
    }


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


SLOWEST_TILES = 5
"""The walk's slowest tile requests printed (path, time, bytes): where a stall comes from."""


def _walk(page: Any, sent: Sent, detail_zoom: int) -> dict[str, Any]:
    sent.reset()
    out = page.evaluate(WALK, [detail_zoom])
    timed = [r for r in sent.log if r.path.startswith("/tiles/") and r.end_s]
    tiles = [(r.end_s - r.start_s) * 1000 for r in timed]
    frames = [float(f) for f in out["frames"]]
    slowest = sorted(timed, key=lambda r: r.start_s - r.end_s)[:SLOWEST_TILES]
    return {
        "frames": frames,
        "steps": out["steps"],
        "tiles": tiles,
        "slowest": [(r.path, (r.end_s - r.start_s) * 1000, r.bytes) for r in slowest],
        "tile_bytes": sum(r.bytes for r in sent.log if r.path.startswith("/tiles/")),
    }


def _print_timeline(view: dict[str, Any]) -> None:
    tl = view["timeline"]
    print("  timeline of the first cold view (ms from navigation):")
    if tl["nav"]:
        print(f"    {tl['nav']['response']:7.0f}  page received")
        print(f"    {tl['nav']['dom']:7.0f}  page parsed (DOMContentLoaded)")
    for name, at in tl["marks"]:
        print(f"    {at:7.0f}  {name}")
    gl = tl["gl"]
    if gl and gl["programs"]:
        print(
            f"    shader programs: {gl['programs']} compiled and linked in {gl['ms']:.0f} ms "
            f"(main thread, between {gl['firstMs']:.0f} and {gl['lastMs']:.0f} ms)"
        )
    print(f"    programs: {', '.join(tl['programs'])}")
    print("  requests (server: start → end ms after navigation, bytes sent):")
    for r in view["log"]:
        start = (r.start_s - view["t0"]) * 1000
        end = (r.end_s - view["t0"]) * 1000 if r.end_s else float("nan")
        print(f"    {start:7.0f} → {end:7.0f}  {r.status}  {r.bytes:8d}  {r.path}")


def measure(workspace: Path, args: argparse.Namespace, browser: Any) -> dict[str, Any]:
    """The views (and the walk) on a copy of ``workspace``."""
    tmp = Path(tempfile.mkdtemp(prefix="map-bench-"))
    try:
        copy = tmp / "workspace.gpkg"
        shutil.copyfile(workspace, copy)
        ws = Workspace.open(str(copy))
        ensure_users_table(ws)
        add_user(ws, "bench", password=PASSWORD, role="analyst", actor="benchmark")
        ws.close()
        app = create_app(str(copy))
        if args.warm and warm is not None:  # as `landrelease serve` does at its start (waited for)
            took = warm(app.state.web)
            print(
                f"{workspace.stem}: made at the server's start: "
                + ", ".join(f"{k} {v:.2f} s" for k, v in took.items())
            )
        sent = Sent(app.middleware_stack or app.build_middleware_stack())
        app.middleware_stack = sent
        cold: list[dict[str, Any]] = []
        again: list[dict[str, Any]] = []
        walk: dict[str, Any] | None = None
        from landrelease import settings

        detail_zoom = int(settings.get("web_tiles_detail_zoom"))
        with running(app) as base:
            for run in range(args.runs):
                context = browser.new_context(viewport={"width": args.width, "height": args.height})
                context.add_init_script(GL_TIMER)
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
                    page.screenshot(path=str(args.screenshot.with_suffix(f".{workspace.stem}.png")))
                again.append(_view(page, f"{base}/map", sent))
                if run == args.runs - 1 and args.pan:
                    walk = _walk(page, sent, detail_zoom)
                context.close()
        app.state.workspace.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"cold": cold, "warm": again, "walk": walk}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "workspaces", type=Path, nargs="+", help="workspace GeoPackages (copied, never changed)"
    )
    ap.add_argument("--runs", type=int, default=3, help="cold views measured (median printed)")
    ap.add_argument("--pan", action="store_true", help="then pan and zoom: frame and tile times")
    ap.add_argument("--timeline", action="store_true", help="where the first view's time went")
    ap.add_argument(
        "--no-warm",
        dest="warm",
        action="store_false",
        help="skip what `landrelease serve` makes at its start (the first view's tiles)",
    )
    ap.add_argument(
        "--screenshot", type=Path, help="save the first view as PNG (one per workspace)"
    )
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=800)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, Any]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            headless=True,
            args=ARGS,
        )
        for workspace in args.workspaces:
            results[workspace.stem] = measure(workspace, args, browser)
        browser.close()

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"machine load average at the end: {load} ({os.cpu_count()} cores)")
    for name, res in results.items():
        print(f"== {name}")
        for label, views in (
            ("first view (empty cache)", res["cold"]),
            ("again (cache warm)", res["warm"]),
        ):
            med = {
                k: statistics.median(v[k] for v in views)
                for k in (
                    "wire_bytes",
                    "requests",
                    "drawn_ms",
                    "mark_ms",
                    "labels_ms",
                    "browser_cpu_s",
                    "server_cpu_s",
                )
            }
            each = ", ".join(f"{v['drawn_ms']:.0f}" for v in views)
            gl = [v["timeline"]["gl"]["ms"] for v in views if v["timeline"]["gl"]]
            shaders = f", shaders {statistics.median(gl):.0f} ms" if gl else ""
            print(
                f"  {label:26s} {med['wire_bytes'] / 1e6:6.2f} MB sent, {med['requests']:4.0f} requests, "
                f"drawn after {med['drawn_ms']:6.0f} ms (page's mark {med['mark_ms']:.0f} ms, "
                f"names {med['labels_ms']:.0f} ms; median of {len(views)}; each: {each} ms{shaders}); "
                f"CPU: browser {med['browser_cpu_s']:.2f} s, server {med['server_cpu_s']:.2f} s"
            )
        if args.timeline:
            _print_timeline(res["cold"][0])
    if args.pan:
        print()
        print(
            f"{'scale':12s} {'first view':>11s} {'again':>7s} | {'frames':>6s} {'p50':>5s} {'p95':>5s} "
            f"{'max':>6s} {'>50ms':>6s} | {'tiles':>5s} {'p50':>5s} {'p95':>6s} {'max':>6s} {'MB':>5s} | steps to idle (ms)"
        )
        for name, res in results.items():
            w = res["walk"]
            if w is None:
                continue
            f, t = w["frames"], w["tiles"]
            cold = statistics.median(v["drawn_ms"] for v in res["cold"])
            again = statistics.median(v["drawn_ms"] for v in res["warm"])
            steps = ", ".join(f"{s}: {ms:.0f}" for s, ms in w["steps"])
            print(
                f"{name:12s} {cold:9.0f}ms {again:5.0f}ms | {len(f):6d} {_pct(f, 0.5):5.0f} {_pct(f, 0.95):5.0f} "
                f"{max(f, default=0):6.0f} {sum(x > 50 for x in f):6d} | {len(t):5d} {_pct(t, 0.5):5.0f} "
                f"{_pct(t, 0.95):6.0f} {max(t, default=0):6.0f} {w['tile_bytes'] / 1e6:5.2f} | {steps}"
            )
        for name, res in results.items():
            if res["walk"] is not None and res["walk"]["slowest"]:
                print(f"{name}: slowest tiles of the walk (ms, bytes sent):")
                for path, ms, size in res["walk"]["slowest"]:
                    print(f"    {ms:7.0f}  {size:8d}  {path}")


if __name__ == "__main__":
    main()
