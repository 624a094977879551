"""Running the web application (``landrelease serve``) and, for tests and benchmarks, in a thread."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from landrelease.errors import UsageError
from landrelease.web.app import create_app
from landrelease.web.map_view import warm_in_background

UVICORN_OPTIONS: dict[str, Any] = {"server_header": False, "proxy_headers": False}
"""How every server of the app runs: no ``Server`` header, and X-Forwarded-* never believed by
uvicorn itself (it trusts them from 127.0.0.1 by default, so anyone on the machine could pose as
any client): the app believes them from the proxies ``web_trusted_proxies`` names only."""

TARGET_ENV = "LANDRELEASE_SERVE_TARGET"
"""How ``serve --workers N`` tells each worker process which workspace to open."""


def app_from_environment() -> FastAPI:
    """The app over the workspace named by :data:`TARGET_ENV` (uvicorn's factory per worker)."""
    app = create_app(os.environ[TARGET_ENV])
    warm_in_background(app.state.web)  # each worker keeps its own tiles
    return app


def serve(target: str, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the workspace at ``target`` until interrupted, in ``workers`` processes."""
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: a port is 1–65535")
    if not 1 <= workers <= 64:
        raise UsageError(f"--workers {workers}: from 1 to 64 server processes")
    app = create_app(target)  # opens (and upgrades) the workspace once, before any worker
    if workers == 1:
        warm_in_background(app.state.web)  # the map's first view made while the server starts
        try:
            uvicorn.run(app, host=host, port=port, log_level="info", **UVICORN_OPTIONS)
        finally:
            app.state.workspace.close()
        return
    app.state.workspace.close()
    os.environ[TARGET_ENV] = target
    uvicorn.run(
        "landrelease.web.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        **UVICORN_OPTIONS,
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def running(app: FastAPI, *, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Serve ``app`` on a loopback port in a thread; yields its base URL and stops it after."""
    port = port or free_port(host)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", **UVICORN_OPTIONS)
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the web server did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
