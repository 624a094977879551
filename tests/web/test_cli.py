"""`landrelease user add` and `serve`: passwords never defaulted, never stored in clear."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.store import Workspace, accounts, tables
from landrelease.web.auth import authenticate
from tests.web.conftest import PASSWORD


def test_user_add_hashes_the_password_read_from_stdin(tmp_path: Path) -> None:
    target = str(tmp_path / "w.gpkg")
    Workspace.create(target).close()
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "user",
            "add",
            "opa",
            "--role",
            "operator",
            "--organisation",
            "OrgA",
            "--password-stdin",
            "-w",
            target,
        ],
        input="a long enough secret\n",
    )
    assert r.exit_code == 0, r.output
    with Workspace.open(target) as ws:
        with ws.engine.connect() as conn:
            stored = accounts.find_account(conn, "opa")
            (row,) = tables.read_table(
                conn, "audit_log", where={"layer": "web_users", "record_id": "opa"}
            ).to_dict("records")
        assert stored is not None
        assert (
            stored.password_hash.startswith("$argon2id$") and "secret" not in stored.password_hash
        )
        user = authenticate(ws, "opa", "a long enough secret")
        assert user is not None and user.organisation == "OrgA"
        assert authenticate(ws, "opa", "wrong") is None
        # the audit trail records who added whom, with the role, never the password or its hash
        assert row["action"] == "insert" and row["actor"]
        after = str(row["after"])
        assert '"role": "operator"' in after and "argon2" not in after and "secret" not in after
    # refused: short password, unknown role, operator without organisation, duplicate
    for args, stdin in (
        (["user", "add", "x", "--role", "donor", "--password-stdin"], "short\n"),
        (["user", "add", "x", "--role", "king", "--password-stdin"], "a long enough secret\n"),
        (["user", "add", "x", "--role", "operator", "--password-stdin"], "a long enough secret\n"),
        (["user", "add", "opa", "--role", "donor", "--password-stdin"], "a long enough secret\n"),
    ):
        r = runner.invoke(app, [*args, "-w", target], input=stdin)
        assert r.exit_code == 2, (args, r.output)
    r = runner.invoke(app, ["user", "list", "-w", target])
    assert "opa" in r.output and "argon2" not in r.output


def test_serve_refuses_a_missing_workspace(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["serve", "-w", str(tmp_path / "none.gpkg"), "--port", "1"])
    assert r.exit_code == 2 and "no workspace" in r.output


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_serve_with_workers_shares_the_login_limit(web_target: str) -> None:
    """Two server processes answer, and count failed logins in one place (the workspace)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from landrelease.web.server import free_port

    port = free_port()
    env = {**os.environ, "LANDRELEASE_WEB_LOGIN_ATTEMPTS": "3"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "landrelease", "serve", "-w", web_target, "--port", str(port),
         "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/api/summary", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        codes = []
        for _ in range(8):  # new connections: the kernel spreads them over both workers
            r = httpx.post(base + "/api/token", json={"username": "im", "password": "wrong"})
            codes.append(r.status_code)
        assert codes[:3] == [401, 401, 401] and set(codes[3:]) == {429}, codes
        r = httpx.post(base + "/api/token", json={"username": "ana", "password": PASSWORD})
        assert r.status_code == 200  # another user is not held back
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    out = proc.stdout.read().decode() if proc.stdout else ""
    assert "Started parent process" in out or "Uvicorn running" in out, out
