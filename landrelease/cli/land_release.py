"""Land release commands: map the risk, recommend what to cancel, survey or clear, and score
both against a scenario's ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from landrelease.cli.common import (
    CellOpt,
    DbOpt,
    ModelOpt,
    UserOpt,
    WorkspaceOpt,
    handles_errors,
    iso_day,
    number,
    open_workspace,
)
from landrelease.cli.display.terminal import step_progress

NEW_MAP = "Map the risk again even when the stored risk map is current."
EXPERT_CANCELLATION = (
    "Recommend cancellation even where the map could not measure its errors (no or too little "
    "searched land): recorded with the run and said on every part."
)


@handles_errors
def risk(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    cell: CellOpt = None,
    model: ModelOpt = None,
    out: Annotated[
        Path,
        typer.Option(
            help="GeoTIFF to write (cloud-optimised; band 1 probability, band 2 expected devices)."
        ),
    ] = Path("risk.tif"),
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address (tcp://host:8786) to compute tiles on a cluster.",
            show_default=False,
        ),
    ] = None,
    user: UserOpt = None,
) -> None:
    """Map the probability that each cell of the hazards holds a device, learned from searched land.

    Cross-validates over spatial blocks beside the distance-only baseline, calibrates,
    writes the map and keeps per-hazard figures in the workspace.
    """
    from landrelease.cli.display.land_release import show_risk
    from landrelease.pipeline import map_risk

    with open_workspace(workspace, db) as ws, step_progress("risk map") as progress:
        run, run_id = map_risk(
            ws,
            raster=out,
            cell_m=cell,
            model=model,
            scheduler=scheduler,
            actor=user,
            progress=progress,
        )
    show_risk(run, out, run_id)


@handles_errors
def survey(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    target_recall: Annotated[
        float | None,
        typer.Option(
            parser=number(0.5, 1, 0.99, below=True),
            help="Share of expected devices to keep in surveyed/cleared parts (default: setting survey_target_recall, 0.99).",
            show_default=False,
        ),
    ] = None,
    max_residual: Annotated[
        float | None,
        typer.Option(
            parser=number(0, 1, 0.05, below=True),
            help="Instead: per hazard, the largest probability that any device remains in cancelled land, e.g. 0.05.",
            show_default=False,
        ),
    ] = None,
    clearance_density: Annotated[
        float | None,
        typer.Option(
            "--clearance-density",
            parser=number(0, example=2, above=True),
            help="Expected devices per ha from which land goes to full clearance (default: setting).",
            show_default=False,
        ),
    ] = None,
    cell: CellOpt = None,
    model: ModelOpt = None,
    out: Annotated[Path, typer.Option(help="GeoPackage of the recommended parts.")] = Path(
        "decisions.gpkg"
    ),
    risk_out: Annotated[
        Path | None,
        typer.Option(
            help="Where a new risk map goes when one is made (default: beside OUT, .tif).",
            show_default=False,
        ),
    ] = None,
    new_map: Annotated[bool, typer.Option("--new-map", help=NEW_MAP)] = False,
    allow_expert_cancellation: Annotated[
        bool, typer.Option("--allow-expert-cancellation", help=EXPERT_CANCELLATION)
    ] = False,
    user: UserOpt = None,
) -> None:
    """Recommend, for every active hazard, which parts to cancel, survey technically, clear fully
    or sweep for unexploded ordnance (battle-area clearance).

    Each part comes with expected devices, the probability that any device lies in it,
    the evidence that drove it in words, and a statement of confidence. Decides from the
    latest risk map kept by `landrelease risk` when no record changed since (and no other
    --cell or --model is asked); otherwise maps the risk first and says why.
    """
    from landrelease.cli.display.land_release import show_map_and_survey
    from landrelease.pipeline import map_and_survey
    from landrelease.survey import SurveyRule

    rule = SurveyRule.from_settings(
        target_recall=target_recall,
        max_residual=max_residual,
        clearance_devices_per_ha=clearance_density,
        allow_expert_cancellation=allow_expert_cancellation,
    )
    raster = risk_out or out.with_suffix(".tif")
    with open_workspace(workspace, db) as ws, step_progress("survey") as progress:
        done = map_and_survey(
            ws,
            rule,
            decisions_path=out,
            raster=raster,
            cell_m=cell,
            model=model,
            actor=user,
            progress=progress,
            reuse=not new_map,
        )
    show_map_and_survey(done, raster, out)


@handles_errors
def confirm(
    sites: Annotated[
        Path,
        typer.Argument(
            help="The decisions GeoPackage whose layer confirmation_sites the teams filled in "
            "(searched: 1 or 0; devices_found: a whole number)."
        ),
    ],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Rewrite the decisions GeoPackage here with the verdict (default: SITES itself).",
            show_default=False,
        ),
    ] = None,
    user: UserOpt = None,
) -> None:
    """Judge the cancelled land by what technical survey found at its confirmation sites.

    `landrelease survey` draws, with every cancellation, a random sample of sites over the
    cancelled land, sized so that land holding as many devices as its stated bound would show
    a few of them. Once the teams have searched the sites and set searched and devices_found
    on each, this command reads them: if they found more than the bound allows, the map is too
    low there and every cancelled part goes to technical survey; otherwise the cancellation
    stands (or waits for the sites not yet searched). The decisions that follow are kept as a
    new survey run, audited, and written back to the GeoPackage.
    """
    from landrelease.cli.display.land_release import show_confirmed
    from landrelease.pipeline import confirm_decisions

    with open_workspace(workspace, db) as ws:
        done = confirm_decisions(ws, sites, decisions_path=out or sites, actor=user)
    show_confirmed(done)


@handles_errors
def evaluate(
    truth: Annotated[
        Path, typer.Option(help="The scenario's truth/ folder (items.parquet or items.geojson).")
    ],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    out: Annotated[
        Path, typer.Option(help="Folder for the area–recall chart (PNG) and the table (CSV).")
    ] = Path("evaluation"),
) -> None:
    """Score the latest risk map and survey decisions against a scenario's ground truth."""
    from landrelease.cli.display.land_release import show_evaluation
    from landrelease.survey.evaluate import evaluate_latest

    with open_workspace(workspace, db) as ws:
        result = evaluate_latest(ws, truth, out)
    show_evaluation(result)


@handles_errors
def backtest(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            parser=iso_day,
            help="The day to fit on, YYYY-MM-DD (default: 12 months before the latest dated record).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for backtest.csv and calibration.png.")] = Path(
        "backtest"
    ),
    cell: CellOpt = None,
    model: ModelOpt = None,
    user: UserOpt = None,
) -> None:
    """Check the engine on the programme's own history: fit on what was known on --as-of,
    predict the technical surveys and clearances that ended after it.

    Activity by activity: the devices the map expected in its area beside the devices found;
    and the land the decisions would have cancelled, with what was found there later. The
    result is kept in the workspace: while the latest backtest of the model in use shows the
    map too low (more found than chance explains) or its bound broken, `landrelease survey`
    cancels no land and says why.
    """
    from landrelease.cli.display.land_release import show_backtest
    from landrelease.domain.dates import parse_day
    from landrelease.pipeline import check_engine
    from landrelease.survey.backtest import default_as_of

    with open_workspace(workspace, db) as ws, step_progress("backtest") as progress:
        day = parse_day(as_of, what="--as-of") if as_of else default_as_of(ws)
        result = check_engine(
            ws, day, out=out, cell_m=cell, model=model, actor=user, progress=progress
        )
    show_backtest(result)
