"""What every command shares: the Typer application, the common options, opening the
workspace named by ``--workspace`` or ``--db``, and turning a user's mistake into a
one-line message and an exit code."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from landrelease import settings
from landrelease.cli.display.terminal import err

if TYPE_CHECKING:
    from landrelease.store import Workspace

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    help=(
        "Evidence-based land release and demining planning for a national mine action programme.\n\n"
        "Start with [bold]landrelease import PACKAGE[/] (creates workspace.gpkg), then "
        "[bold]landrelease status[/]. No package yet? [bold]landrelease template DIR[/] writes "
        "a blank one to fill in (an Excel workbook with an example per layer), "
        "[bold]landrelease forms DIR[/] the field forms for ODK Collect and KoboCollect, whose "
        "submission exports import as they are; [bold]landrelease demo[/] shows it all on a "
        "made-up region. Every command has --help."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

WorkspaceOpt = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace file (.gpkg). Default: $LANDRELEASE_WORKSPACE or ./workspace.gpkg.",
        show_default=False,
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="PostgreSQL/PostGIS URL instead of a file, e.g. postgresql://user@host/db.",
        show_default=False,
    ),
]
CellOpt = Annotated[
    float | None,
    typer.Option(
        help="Cell size of the risk map in m (default: setting risk_cell_m, 20 m).",
        show_default=False,
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        help="Risk model: evidence (weights of evidence, the default), boosted (LightGBM from it) or distance (baseline).",
        show_default=False,
    ),
]
UserOpt = Annotated[
    str | None,
    typer.Option(
        "--user",
        "-u",
        help="Who makes the change, for the audit trail. Default: $LANDRELEASE_USER or your login.",
    ),
]


def flowing_help(application: typer.Typer) -> None:
    """Let each command's help flow to the terminal's width: a docstring's paragraphs become one
    line each (the terminal wraps them), lists and indented lines kept as written. Typer's rich
    help keeps a docstring's line breaks, which broke sentences midway at any other width."""
    for info in application.registered_commands:
        doc = info.help or inspect.getdoc(info.callback)
        if doc:
            info.help = _flow(doc)
    for group in application.registered_groups:
        if group.typer_instance is not None:
            flowing_help(group.typer_instance)


def _flow(text: str) -> str:
    def kept(paragraph: str) -> bool:
        return any(
            line[:1].isspace() or line[:2] in ("- ", "* ", "• ") for line in paragraph.splitlines()
        )

    return "\n\n".join(
        p if kept(p) else " ".join(line.strip() for line in p.splitlines())
        for p in inspect.cleandoc(text).split("\n\n")
    )


def target(workspace: str | None, db: str | None) -> str:
    """The workspace file or database URL named by --workspace or --db (or the default)."""
    from landrelease.errors import UsageError

    if workspace and db:
        raise UsageError("give either --workspace or --db, not both")
    return db or workspace or str(settings.get("workspace"))


def open_workspace(workspace: str | None, db: str | None) -> Workspace:
    """The workspace named by --workspace or --db (a context manager that closes it)."""
    from landrelease.store import Workspace

    return Workspace.open(target(workspace, db))


def actor(user: str | None) -> str:
    """Who makes the change: --user, else $LANDRELEASE_USER or the login."""
    from landrelease.store import default_actor

    return user or default_actor()


def handles_errors(fn: F) -> F:
    """Turn a user's mistake into a one-line message and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from landrelease.errors import DataError, UsageError

        try:
            return fn(*args, **kwargs)
        except UsageError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
        except DataError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("interrupted: nothing was written by the step that was running")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]
