"""The web application from the command line: serve a workspace, and manage its users."""

from __future__ import annotations

from typing import Annotated

import typer

from landrelease.cli.common import (
    DbOpt,
    UserOpt,
    WorkspaceOpt,
    actor,
    handles_errors,
    open_workspace,
    target,
    whole_number,
)
from landrelease.cli.display.terminal import console

user_app = typer.Typer(help="Users of the web application and their roles.", no_args_is_help=True)


@user_app.command("add")
@handles_errors
def user_add(
    name: Annotated[str, typer.Argument(help="User name (one word).")],
    role: Annotated[
        str,
        typer.Option(
            help="administrator, information_manager, analyst, operator or donor.",
        ),
    ],
    organisation: Annotated[
        str | None,
        typer.Option(help="The operator's organisation (operators only see its drafts)."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Add a web user; the password is asked for (never a default) and stored as an argon2 hash."""
    import sys

    from landrelease.web.auth import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_workspace(workspace, db) as ws:
        added = add_user(
            ws, name, password=password, role=role, organisation=organisation, actor=actor(user)
        )
    console.print(f"user {added.username} added ({added.role})")


@user_app.command("set-password")
@handles_errors
def user_set_password(
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Give a user a new password (a forgotten one, a reset): every session of theirs ends."""
    import sys

    from landrelease.web.auth import set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with open_workspace(workspace, db) as ws:
        n = set_password(ws, name, password=password, actor=actor(user))
    console.print(f"password of {name} set; {n} session(s) of {name} ended")


@user_app.command("sign-out")
@handles_errors
def user_sign_out(
    name: Annotated[str, typer.Argument(help="User name.")],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """End every web session of a user (a lost laptop, a leaked token): they log in again."""
    from landrelease.web.auth import end_sessions

    with open_workspace(workspace, db) as ws:
        n = end_sessions(ws, name)
    console.print(f"{n} session(s) of {name} ended")


@user_app.command("list")
@handles_errors
def user_list(workspace: WorkspaceOpt = None, db: DbOpt = None) -> None:
    """List the web users and their roles (never their passwords)."""
    from landrelease.web.auth import list_users

    with open_workspace(workspace, db) as ws:
        for u in list_users(ws):
            console.print(f"{u.username}\t{u.role}\t{u.organisation or ''}", highlight=False)


@handles_errors
def serve(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(parser=whole_number(1, 65535, example=8000), help="Port to listen on.")
    ] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            parser=whole_number(1, example=4),
            help="Server processes: 1 on a laptop; about one per CPU core for a national "
            "centre (PostGIS recommended: GeoPackage writes are serialised).",
        ),
    ] = 1,
) -> None:
    """Serve the web application: OGC API – Features, the map, login (stop with Ctrl-C)."""
    from landrelease.web.server import serve as run_server

    run_server(target(workspace, db), host=host, port=port, workers=workers)
