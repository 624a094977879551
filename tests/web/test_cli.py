"""`landrelease user add` and `serve`: passwords never defaulted, never stored in clear."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.store import Workspace
from landrelease.web.auth import authenticate


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
        (stored,) = ws.query("SELECT password_hash FROM web_users WHERE username = 'opa'")
        assert stored[0].startswith("$argon2id$") and "secret" not in stored[0]
        user = authenticate(ws, "opa", "a long enough secret")
        assert user is not None and user.organisation == "OrgA"
        assert authenticate(ws, "opa", "wrong") is None
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
