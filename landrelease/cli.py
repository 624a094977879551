"""The ``landrelease`` command line: parses arguments and calls the package. No logic lives here.

Exit codes: 0 done, 1 the data broke rules, 2 the command was used wrongly.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from landrelease import settings
from landrelease.console import console, err

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    help=(
        "Evidence-based land release and demining planning for a national mine action programme.\n\n"
        "Start with [bold]landrelease import PACKAGE[/] (creates workspace.gpkg), then "
        "[bold]landrelease status[/]. Every command has --help."
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
UserOpt = Annotated[
    str | None,
    typer.Option(
        "--user",
        "-u",
        help="Who makes the change, for the audit trail. Default: $LANDRELEASE_USER or your login.",
    ),
]


def _target(workspace: str | None, db: str | None) -> str:
    from landrelease.errors import UsageError

    if workspace and db:
        raise UsageError("give either --workspace or --db, not both")
    return db or workspace or str(settings.get("workspace"))


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


@app.command()
@handles_errors
def init(
    workspace: Annotated[
        str | None, typer.Argument(help="The workspace file to create (.gpkg).", show_default=False)
    ] = None,
    db: DbOpt = None,
    crs: Annotated[
        str | None,
        typer.Option(
            help="Metric CRS for areas, e.g. EPSG:32638 (UTM 38N). Default: the UTM zone of the first data imported."
        ),
    ] = None,
    user: UserOpt = None,
) -> None:
    """Create an empty workspace: a GeoPackage file (opens in QGIS) or a PostGIS database (--db)."""
    from landrelease.store import Workspace

    target = _target(workspace, db)
    Workspace.create(target, metric_crs=crs, actor=user).close()
    console.print(
        f"Created workspace [bold]{target if not db else 'in the database'}[/]. Next: landrelease import PACKAGE -w {target}"
    )


def _run_import(
    package: Path,
    target: str,
    *,
    user: str | None,
    keep_valid: bool,
    repair: bool,
    dry_run: bool,
    issues_csv: Path | None,
    create: bool,
) -> None:
    from landrelease.console import record_progress, show_import, write_issues_csv
    from landrelease.io import import_package
    from landrelease.store import Workspace

    with Workspace.open(target, create=create) as ws, record_progress("reading") as progress:
        report = import_package(
            ws,
            package,
            actor=user,
            keep_valid=keep_valid,
            repair=repair,
            dry_run=dry_run,
            progress=progress,
        )
    _conclude(
        report,
        issues_csv,
        verb="validation" if dry_run else "import",
        show=show_import,
        write_csv=write_issues_csv,
    )


def _conclude(
    report: Any, issues_csv: Path | None, *, verb: str, show: Any, write_csv: Any
) -> None:
    listed = int(settings.get("issues_listed_per_file"))
    show(report, listed_per_file=listed, verb=verb)
    if issues_csv:
        write_csv(report.log, issues_csv)
        console.print(f"Problems listed in {issues_csv}")
    errors = report.log.errors
    valid = sum(r.valid for r in report.layers)
    if report.dry_run:
        if errors:
            console.print(
                f"\n[red]{errors:,} problem(s)[/]: an import would write nothing (or, with --keep-valid, the {valid:,} valid records)."
            )
            raise typer.Exit(1)
        console.print(
            f"\n[green]Valid[/]: {report.records:,} records checked in {report.seconds:.1f} s; nothing was written."
        )
        return
    if report.committed and errors:
        console.print(
            f"\n[yellow]Imported the {valid:,} valid records[/] (--keep-valid); {errors:,} problem(s) left out, listed above."
        )
        raise typer.Exit(1)
    if errors:
        console.print(
            f"\n[red]Nothing was written[/]: {errors:,} problem(s). Fix them and import again, "
            f"or add --keep-valid to import the {valid:,} valid records."
        )
        raise typer.Exit(1)
    t = report.totals()
    console.print(
        f"\n[green]Imported[/] {report.records:,} records in {report.seconds:.1f} s: "
        f"{t.inserted:,} new, {t.updated:,} updated, {t.unchanged:,} unchanged, {t.stale:,} not applied."
    )


@app.command("import")
@handles_errors
def import_(
    package: Annotated[
        Path,
        typer.Argument(
            help="Evidence package: a folder, a .zip of one, a .gpkg or an .xlsx.",
            show_default=False,
        ),
    ],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    keep_valid: Annotated[
        bool,
        typer.Option(
            "--keep-valid",
            help="Write the valid records even if others break rules (they are listed).",
        ),
    ] = False,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Close unclosed rings and fix self-intersecting polygons; every repair is listed.",
        ),
    ] = False,
    issues_csv: Annotated[
        Path | None,
        typer.Option("--issues-csv", help="Also write every problem found to this CSV file."),
    ] = None,
    user: UserOpt = None,
) -> None:
    """Import an evidence package into the workspace, in one transaction.

    Every record is checked; if any breaks a rule, every problem is listed and
    nothing is written (unless --keep-valid). Records are matched by id: a
    re-import changes nothing, and a record updates a stored one only when its
    date_of_information is later. A missing workspace file is created.
    """
    _run_import(
        package,
        _target(workspace, db),
        user=user,
        keep_valid=keep_valid,
        repair=repair,
        dry_run=False,
        issues_csv=issues_csv,
        create=True,
    )


@app.command()
@handles_errors
def validate(
    package: Annotated[Path, typer.Argument(help="Evidence package to check.", show_default=False)],
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Also count what an import into this workspace would change.",
            show_default=False,
        ),
    ] = None,
    db: DbOpt = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="Check as if --repair were given to import.")
    ] = False,
    issues_csv: Annotated[
        Path | None,
        typer.Option("--issues-csv", help="Also write every problem found to this CSV file."),
    ] = None,
) -> None:
    """Check a package without writing anything (a dry run of import)."""
    if workspace or db:
        _run_import(
            package,
            _target(workspace, db),
            user=None,
            keep_valid=False,
            repair=repair,
            dry_run=True,
            issues_csv=issues_csv,
            create=False,
        )
        return
    from landrelease.console import record_progress, show_import, write_issues_csv
    from landrelease.io import validate_package

    with record_progress("checking") as progress:
        report = validate_package(package, repair=repair, progress=progress)
    _conclude(report, issues_csv, verb="validation", show=show_import, write_csv=write_issues_csv)


@app.command()
@handles_errors
def export(
    out: Annotated[
        Path,
        typer.Argument(help="Folder to write (geojson) or .gpkg file (gpkg).", show_default=False),
    ],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="geojson: the package folder layout; gpkg: one GeoPackage."
        ),
    ] = "geojson",
    no_personal_data: Annotated[
        bool,
        typer.Option("--no-personal-data", help="Leave victims' personal data out (for sharing)."),
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace OUT if it exists.")
    ] = False,
) -> None:
    """Write the workspace as an evidence package that import reads back unchanged."""
    from landrelease.console import show_export
    from landrelease.io import export_package
    from landrelease.store import Workspace

    with Workspace.open(_target(workspace, db)) as ws:
        report = export_package(
            ws, out, fmt=fmt, include_personal=not no_personal_data, overwrite=overwrite
        )
    show_export(report)


@app.command()
@handles_errors
def status(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Records per layer, hazard area by status and classification (ha), latest dates."""
    from landrelease.console import show_status
    from landrelease.store import Workspace
    from landrelease.store.summary import workspace_status

    with Workspace.open(_target(workspace, db)) as ws:
        st = workspace_status(ws)
    if as_json:
        console.print_json(json.dumps(asdict(st)))
    else:
        show_status(st)


@app.command("settings")
def list_settings() -> None:
    """List every setting with its value and unit (override one with LANDRELEASE_<NAME>)."""
    for s in settings.SETTINGS:
        console.print(f"[bold]{s.name}[/] = {s.value()} [dim]({s.unit}; {s.env})[/]")
        console.print(f"    {s.help}")


@app.command()
@handles_errors
def scenario(
    region: Annotated[
        str, typer.Argument(help="The world to generate; built in: karabakh.")
    ] = "karabakh",
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed and scale give byte-identical files.")
    ] = 1,
    scale: Annotated[
        str,
        typer.Option(
            help="small (≈20×20 km, seconds), district (≈60×60 km) or region (all regained districts)."
        ),
    ] = "small",
    out: Annotated[
        Path, typer.Option(help="Folder to write the evidence package and truth/ to.")
    ] = Path("scenario"),
) -> None:
    """Generate a synthetic region with ground truth: an evidence package plus truth/ (every device in the ground).

    Prints a calibration table: each generated figure beside the real one it imitates.
    """
    from landrelease.console import show_scenario, step_progress
    from landrelease.scenario import generate

    with step_progress("generating") as progress:
        result = generate(region=region, seed=seed, scale=scale, out=out, progress=progress)
    show_scenario(result)


@app.command()
@handles_errors
def demo(
    out: Annotated[
        Path, typer.Option(help="Folder for everything the demo writes (replaced).")
    ] = Path("demo-output"),
    scale: Annotated[
        str | None,
        typer.Option(help="Scenario scale (default: setting demo_scale).", show_default=False),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Scenario seed (default: setting demo_seed).", show_default=False),
    ] = None,
) -> None:
    """Run the main job on the built-in scenario: generate, import, summarise, export."""
    from landrelease.console import show_demo, step_progress
    from landrelease.demo import run_demo

    with step_progress("demo") as progress:
        result = run_demo(
            out,
            scale=scale or str(settings.get("demo_scale")),
            seed=seed if seed is not None else int(settings.get("demo_seed")),
            step=lambda text: console.print(f"[bold]→[/] {text}"),
            progress=progress,
        )
    show_demo(result)


@app.command()
@handles_errors
def risk(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    cell: Annotated[
        float | None,
        typer.Option(
            help="Cell size in m (default: setting risk_cell_m, 20 m).", show_default=False
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="boosted (LightGBM from the evidence model), evidence (weights of evidence) or distance (baseline).",
            show_default=False,
        ),
    ] = None,
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
    from landrelease.console import show_risk, step_progress
    from landrelease.risk.pipeline import compute_risk, store_risk, write_geotiff
    from landrelease.store import Workspace, default_actor

    with Workspace.open(_target(workspace, db)) as ws:
        with step_progress("risk map") as progress:
            run = compute_risk(ws, cell_m=cell, model=model, scheduler=scheduler, progress=progress)
            write_geotiff(run, out)
        run_id = store_risk(ws, run, actor=user or default_actor(), raster=out.resolve())
    show_risk(run, out, run_id)


@app.command()
@handles_errors
def survey(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    target_recall: Annotated[
        float | None,
        typer.Option(
            help="Share of expected devices to keep in surveyed/cleared parts (default: setting survey_target_recall, 0.99).",
            show_default=False,
        ),
    ] = None,
    max_residual: Annotated[
        float | None,
        typer.Option(
            help="Instead: per hazard, the largest probability that any device remains in cancelled land, e.g. 0.05.",
            show_default=False,
        ),
    ] = None,
    clearance_density: Annotated[
        float | None,
        typer.Option(
            "--clearance-density",
            help="Expected devices per ha from which land goes to full clearance (default: setting).",
            show_default=False,
        ),
    ] = None,
    cell: Annotated[
        float | None, typer.Option(help="Cell size of the risk map in m.", show_default=False)
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(help="Risk model (see landrelease risk --help).", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option(help="GeoPackage of the recommended parts.")] = Path(
        "decisions.gpkg"
    ),
    risk_out: Annotated[
        Path | None,
        typer.Option(
            help="Also keep the risk map here (default: beside OUT, .tif).", show_default=False
        ),
    ] = None,
    user: UserOpt = None,
) -> None:
    """Recommend, for every active hazard, which parts to cancel, survey technically or clear fully.

    Each part comes with expected devices, the probability that any device lies in it,
    the evidence that drove it in words, and a statement of confidence.
    """
    from landrelease.console import show_risk, show_survey, step_progress
    from landrelease.risk.pipeline import compute_risk, store_risk, write_geotiff
    from landrelease.store import Workspace, default_actor
    from landrelease.survey import SurveyRule, decide, store_survey, write_decisions

    rule = SurveyRule(
        target_recall=target_recall
        if target_recall is not None
        else float(settings.get("survey_target_recall")),
        max_residual=max_residual
        if max_residual is not None
        else float(settings.get("survey_max_residual")),
        clearance_devices_per_ha=clearance_density
        if clearance_density is not None
        else float(settings.get("survey_clearance_devices_per_ha")),
        min_part_m2=float(settings.get("survey_min_part_m2")),
        seed=int(settings.get("risk_seed")),
    )
    _check_rule(rule)
    raster = risk_out or out.with_suffix(".tif")
    actor = user or default_actor()
    with Workspace.open(_target(workspace, db)) as ws:
        with step_progress("survey") as progress:
            run = compute_risk(ws, cell_m=cell, model=model, progress=progress)
            write_geotiff(run, raster)
            result = decide(run, rule)
            write_decisions(result, out)
        run_id = store_risk(ws, run, actor=actor, raster=raster.resolve())
        survey_id = store_survey(ws, result, risk_run_id=run_id, actor=actor)
    show_risk(run, raster, run_id)
    show_survey(result, out, survey_id)


def _check_rule(rule: Any) -> None:
    from landrelease.errors import UsageError

    if not 0.5 <= rule.target_recall < 1:
        raise UsageError(
            f"--target-recall {rule.target_recall} must be at least 0.5 and below 1 (e.g. 0.99)"
        )
    if not 0 <= rule.max_residual < 1:
        raise UsageError(
            f"--max-residual {rule.max_residual} must be a probability from 0 to below 1 (e.g. 0.05)"
        )
    if rule.clearance_devices_per_ha <= 0:
        raise UsageError(
            f"--clearance-density {rule.clearance_devices_per_ha} must be above 0 devices/ha"
        )


@app.command()
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
    from landrelease.console import show_evaluation
    from landrelease.store import Workspace
    from landrelease.survey.evaluate import evaluate_latest

    with Workspace.open(_target(workspace, db)) as ws:
        result = evaluate_latest(ws, truth, out)
    show_evaluation(result)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
