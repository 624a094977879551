"""The programme profile: the name, country, logo, currency, languages and official estimates
that reports, the web header and forecasts show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from landrelease.cli.common import (
    DbOpt,
    UserOpt,
    WorkspaceOpt,
    actor,
    handles_errors,
    number,
    target,
)

profile_app = typer.Typer(
    help=(
        "The programme profile: name, country, logo, currency, languages and the official "
        "estimates a forecast compares with. Reports and the web header show it."
    ),
    no_args_is_help=True,
)


@profile_app.command("show")
@handles_errors
def profile_show(workspace: WorkspaceOpt = None, db: DbOpt = None) -> None:
    """Show the programme profile of the workspace (empty fields say what fills them)."""
    from landrelease.cli.display.programme import show_programme
    from landrelease.store import Workspace
    from landrelease.store.programme import read_programme

    with Workspace.open(target(workspace, db)) as ws:
        show_programme(read_programme(ws))


@profile_app.command("set")
@handles_errors
def profile_set(
    name: Annotated[
        str | None,
        typer.Option(
            help="The programme's name, shown at the top of every report and web page.",
            show_default=False,
        ),
    ] = None,
    country: Annotated[
        str | None, typer.Option(help="The country (or territory) it works in.", show_default=False)
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            help="ISO 4217 code of the official estimates' currency (USD, EUR, AZN…). Amounts "
            "in the workspace stay in USD.",
            show_default=False,
        ),
    ] = None,
    languages: Annotated[
        str | None,
        typer.Option(
            help="Languages the programme works in, ISO 639 codes comma-separated, main one "
            "first (e.g. km,en). Empty text: none.",
            show_default=False,
        ),
    ] = None,
    logo: Annotated[
        Path | None,
        typer.Option(
            help="A PNG, JPEG or SVG file (at most 1 MB), kept in the workspace and drawn in "
            "report headers and the web header.",
            show_default=False,
        ),
    ] = None,
    no_logo: Annotated[bool, typer.Option("--no-logo", help="Remove the logo.")] = False,
    official_estimate: Annotated[
        float | None,
        typer.Option(
            parser=number(0, example=25e9),
            help="The official estimate of the whole programme's cost, in --currency (e.g. "
            "25e9). A forecast scales its share of saving to it. None by default: a forecast "
            "then states no national figure.",
            show_default=False,
        ),
    ] = None,
    official_estimate_years: Annotated[
        float | None,
        typer.Option(
            parser=number(0, example=10, above=True),
            help="The years the official estimate counts on.",
            show_default=False,
        ),
    ] = None,
    experts_saving: Annotated[
        float | None,
        typer.Option(
            parser=number(0, example=5e9),
            help="What experts say evidence-based survey could save on it, in --currency "
            "(shown beside the forecast's own figure).",
            show_default=False,
        ),
    ] = None,
    estimate_source: Annotated[
        str | None,
        typer.Option(
            help="Where the official figures come from (publication, date).", show_default=False
        ),
    ] = None,
    clear_estimates: Annotated[
        bool,
        typer.Option("--clear-estimates", help="Remove the official figures."),
    ] = False,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Change the fields given; the others stay. Every value is checked first: nothing is
    written when one is refused. The change is kept in the audit trail."""
    from landrelease.cli.display.programme import show_programme
    from landrelease.store import Workspace
    from landrelease.store.programme import set_programme

    with Workspace.open(target(workspace, db)) as ws:
        profile = set_programme(
            ws,
            actor=actor(user),
            logo=logo,
            no_logo=no_logo,
            name=name,
            country=country,
            currency=currency,
            languages=languages,
            estimate_total=official_estimate,
            estimate_years=official_estimate_years,
            experts_saving=experts_saving,
            estimate_source=estimate_source,
            clear_estimates=clear_estimates,
        )
    show_programme(profile)
