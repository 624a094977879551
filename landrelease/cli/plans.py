"""Planning commands: rank the hazards, plan the teams month by month, forecast completion."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from landrelease.cli.common import (
    DbOpt,
    WorkspaceOpt,
    handles_errors,
    iso_month,
    open_workspace,
    whole_number,
)


@handles_errors
def prioritise(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    weights: Annotated[
        Path | None,
        typer.Option(
            "--weights",
            help="TOML file with [weights] people, infrastructure, farmland, casualty_risk, cost (default: settings).",
        ),
    ] = None,
    top: Annotated[
        int | None,
        typer.Option(
            parser=whole_number(1, example=20),
            help="Hazards listed (default: setting priority_top_n).",
        ),
    ] = None,
    assets: Annotated[
        Path | None,
        typer.Option(
            "--assets",
            help="assets.csv for the effort and cost estimates (default: the workspace's).",
        ),
    ] = None,
) -> None:
    """Rank open hazards by transparent multi-criteria analysis, each criterion's contribution shown.

    Criteria: people able to return, infrastructure unblocked, farmland returned,
    casualties prevented, and expected cost (against). Shows how the top of the list
    moves when a weight moves by ±25 %. Results go to the workspace (table priorities).
    """
    from landrelease.cli.display.plans import show_priorities
    from landrelease.planning import prioritise as run

    with open_workspace(workspace, db) as ws:
        result = run(ws, weights_file=weights, top_n=top, assets_file=assets)
    show_priorities(result)


@handles_errors
def plan(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    horizon: Annotated[
        str, typer.Option(parser=iso_month, help="Last month of the plan, YYYY-MM.")
    ] = "2032-12",
    start: Annotated[
        str | None,
        typer.Option(
            parser=iso_month,
            help="First month, YYYY-MM (default: the month after the workspace's latest record).",
        ),
    ] = None,
    assets: Annotated[
        Path | None,
        typer.Option(
            "--assets",
            help="assets.csv (default: the workspace's assets, else DOMAIN.md defaults).",
        ),
    ] = None,
    budget: Annotated[
        str | None,
        typer.Option(
            help="USD a year (30e6), or per year (2027=30e6,2028=35e6). Default: the last 12 months' funding."
        ),
    ] = None,
    weights: Annotated[
        Path | None,
        typer.Option("--weights", help="TOML file of priority weights (default: settings)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the charts (PNG).")] = Path("plan-output"),
    no_bound: Annotated[
        bool, typer.Option("--no-bound", help="Skip the LP bound (faster; no optimality check).")
    ] = False,
) -> None:
    """Plan every task (NTS, technical survey, battle-area clearance, clearance) onto the teams,
    month by month, to the horizon.

    Maximises people home × years before the horizon plus the other benefits, within the
    budget of each year; checks the plan against an LP bound (HiGHS); compares it with
    simple rules; writes the schedule, readiness dates per settlement and cost by year
    to the workspace, and a Gantt chart and a map by quarter to --out.
    """
    from landrelease.cli.display.plans import show_plan
    from landrelease.cli.display.terminal import step_progress
    from landrelease.planning import plan as run

    with open_workspace(workspace, db) as ws, step_progress("plan") as progress:
        result = run(
            ws,
            horizon=horizon,
            start=start,
            assets_file=assets,
            budget=budget,
            weights_file=weights,
            out=out,
            solve_lp=not no_bound,
            progress=progress,
        )
    show_plan(result)


@handles_errors
def forecast(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            help="Scenarios TOML (default: the example shipped, landrelease/planning/scenarios.toml)."
        ),
    ] = None,
    runs: Annotated[
        int | None,
        typer.Option(
            parser=whole_number(1, example=1000),
            help="Monte Carlo runs per scenario (default: setting forecast_runs).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            parser=whole_number(0, example=2026),
            help="Random seed (default: setting forecast_seed).",
        ),
    ] = None,
    assets: Annotated[
        Path | None, typer.Option("--assets", help="assets.csv (default: the workspace's).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the chart (PNG).")] = Path("plan-output"),
) -> None:
    """When will each settlement and the programme be done? P10/P50/P90 dates and cost per scenario.

    Monte Carlo over productivity, true contamination, funding and asset growth, with
    the pace so far (ha a month from approved activities) beside it and what
    evidence-based cancellation saves. Dates per settlement go to the workspace.
    """
    from landrelease.cli.display.plans import show_forecast
    from landrelease.planning import forecast as run

    with open_workspace(workspace, db) as ws:
        result = run(
            ws, scenarios_file=scenarios, runs=runs, seed=seed, assets_file=assets, out=out
        )
    show_forecast(result)
