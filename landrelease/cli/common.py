"""What every command shares: the Typer application, the common options, opening the
workspace named by ``--workspace`` or ``--db``, and turning a user's mistake into a
one-line message and an exit code."""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from landrelease import settings
from landrelease.cli.display.terminal import err

if TYPE_CHECKING:
    from landrelease.store import Workspace

F = TypeVar("F", bound=Callable[..., Any])


class Refused(typer.BadParameter):
    """A value of an option refused in the project's words: the option, the value and what is
    accepted (``--runs 'ten': accepted a whole number ≥ 1``), not a parser's."""

    def format_message(self) -> str:
        if self.param is None:
            return self.message
        if self.param.param_type_name == "argument":
            name = (self.param.name or "value").upper()
        else:
            name = self.param.opts[0] if self.param.opts else str(self.param.name)
        return f"{name} {self.message}"


def whole_number(
    minimum: int | None = None, maximum: int | None = None, example: int = 1
) -> Callable[[str], int]:
    """A parser of a whole-number option, refusing a word or a number out of range by name."""
    accepted = _accepted("a whole number", minimum, maximum, example)

    def parse(text: str) -> int:
        try:
            value = int(str(text).strip().replace("_", ""))
        except ValueError:
            raise Refused(f"{text!r}: accepted {accepted}") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise Refused(f"{value}: accepted {accepted}")
        return value

    return parse


def number(
    minimum: float | None = None,
    maximum: float | None = None,
    example: float = 1.0,
    *,
    above: bool = False,
    below: bool = False,
) -> Callable[[str], float]:
    """A parser of a number option (``above``/``below``: the bound itself is refused)."""
    accepted = _accepted("a number", minimum, maximum, example, above=above, below=below)

    def parse(text: str) -> float:
        try:
            value = float(str(text).strip())
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise Refused(f"{text!r}: accepted {accepted}")
        low = minimum is not None and (value <= minimum if above else value < minimum)
        high = maximum is not None and (value >= maximum if below else value > maximum)
        if low or high:
            raise Refused(f"{value:g}: accepted {accepted}")
        return value

    return parse


def _accepted(
    kind: str,
    minimum: float | None,
    maximum: float | None,
    example: float,
    *,
    above: bool = False,
    below: bool = False,
) -> str:
    low, high = (">" if above else "≥"), ("<" if below else "≤")
    if minimum is not None and maximum is not None:
        if above or below:
            text = f"{kind} {low} {minimum:g} and {high} {maximum:g}"
        else:
            text = f"{kind} from {minimum:g} to {maximum:g}"
    elif minimum is not None:
        text = f"{kind} {low} {minimum:g}"
    elif maximum is not None:
        text = f"{kind} {high} {maximum:g}"
    else:
        text = kind
    return f"{text}, e.g. {example:g}"


def iso_day(text: str) -> str:
    """A parser of a day option: ``YYYY-MM-DD`` naming a day that exists, kept as text."""
    from landrelease.domain.dates import day_problem

    if problem := day_problem(str(text)):
        raise Refused(problem)
    return str(text).strip()


def iso_month(text: str) -> str:
    """A parser of a month option: ``YYYY-MM`` naming a month that exists, kept as text."""
    from landrelease.domain.dates import month_problem

    if problem := month_problem(str(text)):
        raise Refused(problem)
    return str(text).strip()


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
        parser=number(0, example=20, above=True),
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
            for warning in settings.check_environment():
                err.print(f"[yellow]warning:[/] {warning}")
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
