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


def _target(workspace: str | None, db: str | None) -> str:
    from landrelease.errors import UsageError

    if workspace and db:
        raise UsageError("give either --workspace or --db, not both")
    return db or workspace or str(settings.get("workspace"))


def _open(workspace: str | None, db: str | None) -> Any:
    """The workspace named by --workspace or --db (a context manager that closes it)."""
    from landrelease.store import Workspace

    return Workspace.open(_target(workspace, db))


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

    with _open(workspace, db) as ws:
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
    from landrelease.store.summary import workspace_status

    with _open(workspace, db) as ws:
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
    serve_after: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve", help="End by serving the demo workspace in the browser."
        ),
    ] = True,
    port: Annotated[int, typer.Option(help="Port of the web application.")] = 8000,
) -> None:
    """Run the main job on the built-in scenario, then serve it.

    Generates the Karabakh-like scenario, imports it, maps the risk, recommends what to cancel, survey or clear, scores that against ground truth, writes the reports, exports the workspace, and serves it at http://127.0.0.1:8000/map.
    """
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
    if serve_after:
        from landrelease.web.server import serve as run_server

        user, password = result.web_login or ("", "")
        console.print(
            f"\n[bold]Serving the demo workspace at http://127.0.0.1:{port}/map[/] "
            f"(log in as [bold]{user}[/] with password [bold]{password}[/]; Ctrl-C stops)"
        )
        run_server(str(result.outputs["workspace (open in QGIS)"]), host="127.0.0.1", port=port)


@app.command()
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
    from landrelease.console import show_risk, step_progress
    from landrelease.risk.pipeline import compute_risk, store_risk, write_geotiff
    from landrelease.store import default_actor

    with _open(workspace, db) as ws:
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
    cell: CellOpt = None,
    model: ModelOpt = None,
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
    from landrelease.store import default_actor
    from landrelease.survey import SurveyRule, decide, store_survey, write_decisions

    rule = SurveyRule.from_settings(
        target_recall=target_recall,
        max_residual=max_residual,
        clearance_devices_per_ha=clearance_density,
    )
    raster = risk_out or out.with_suffix(".tif")
    actor = user or default_actor()
    with _open(workspace, db) as ws:
        with step_progress("survey") as progress:
            run = compute_risk(ws, cell_m=cell, model=model, progress=progress)
            write_geotiff(run, raster)
            result = decide(run, rule)
            write_decisions(result, out)
        run_id = store_risk(ws, run, actor=actor, raster=raster.resolve())
        survey_id = store_survey(ws, result, risk_run_id=run_id, actor=actor)
    show_risk(run, raster, run_id)
    show_survey(result, out, survey_id)


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
    from landrelease.survey.evaluate import evaluate_latest

    with _open(workspace, db) as ws:
        result = evaluate_latest(ws, truth, out)
    show_evaluation(result)


# --- records, quality management and reports (issue 7) ---------------------------------------

activity_app = typer.Typer(
    help="The activity workflow: submit, approve or reject; only approved activities change the hazard register.",
    no_args_is_help=True,
)
app.add_typer(activity_app, name="activity")
record_app = typer.Typer(
    help="Single records: retire with a reason, hand over land, spending, access to victims' personal data.",
    no_args_is_help=True,
)
app.add_typer(record_app, name="record")
qa_app = typer.Typer(
    help="Quality management: post-clearance inspection plans (limiting-quality sampling) and their results.",
    no_args_is_help=True,
)
app.add_typer(qa_app, name="qa")
report_app = typer.Typer(
    help="Reports in PDF, HTML, XLSX and CSV: monthly, donor, settlement, casualties.",
    no_args_is_help=True,
)
app.add_typer(report_app, name="report")

FormatOpt = Annotated[
    str,
    typer.Option(
        "--format", "-f", help="Comma-separated: pdf, html, xlsx, csv (a folder of CSV files)."
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report files to.")]


def _actor(user: str | None) -> str:
    from landrelease.store import default_actor

    return user or default_actor()


@activity_app.command("submit")
@handles_errors
def activity_submit(
    activity_id: Annotated[str, typer.Argument(help="The activity to submit.", show_default=False)],
    cancelled: Annotated[
        float | None, typer.Option(help="Area cancelled [m²].", show_default=False)
    ] = None,
    reduced: Annotated[
        float | None, typer.Option(help="Area reduced [m²].", show_default=False)
    ] = None,
    cleared: Annotated[
        float | None, typer.Option(help="Area cleared [m²].", show_default=False)
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Submit a draft or rejected activity for approval; accreditation and release problems are flagged now.

    Without areas, the whole polygon counts under the activity's outcome.
    """
    from landrelease.records import submit_activity
    from landrelease.records.console import show_review

    claims = {
        k: v
        for k, v in (("cancelled", cancelled), ("reduced", reduced), ("cleared", cleared))
        if v is not None
    }
    with _open(workspace, db) as ws:
        show_review(submit_activity(ws, activity_id, actor=_actor(user), claims=claims or None))


@activity_app.command("approve")
@handles_errors
def activity_approve(
    activity_id: Annotated[
        str, typer.Argument(help="The submitted activity to approve.", show_default=False)
    ],
    accept_flags: Annotated[
        bool,
        typer.Option(
            "--accept-flags", help="Approve although the organisation's accreditation is flagged."
        ),
    ] = False,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Approve an activity: book its release in the ledger and move its hazard on (refused, with the numbers, if its area breaks a rule)."""
    from landrelease.records import approve_activity
    from landrelease.records.console import show_approval

    with _open(workspace, db) as ws:
        show_approval(
            approve_activity(ws, activity_id, actor=_actor(user), accept_flags=accept_flags)
        )


@activity_app.command("reject")
@handles_errors
def activity_reject(
    activity_id: Annotated[
        str, typer.Argument(help="The submitted activity to reject.", show_default=False)
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="Why: sent to the operator.", show_default=False)
    ],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Send a submitted activity back to its operator, with the reason."""
    from landrelease.records import reject_activity
    from landrelease.records.console import show_review

    with _open(workspace, db) as ws:
        show_review(reject_activity(ws, activity_id, actor=_actor(user), reason=reason))


@activity_app.command("queue")
@handles_errors
def activity_queue(workspace: WorkspaceOpt = None, db: DbOpt = None) -> None:
    """Submitted activities awaiting a decision, with the flags raised at submission."""
    from landrelease.records import review_queue
    from landrelease.records.console import show_frame

    with _open(workspace, db) as ws:
        show_frame(review_queue(ws), "Awaiting approval")


@activity_app.command("history")
@handles_errors
def activity_history_cmd(
    activity_id: Annotated[str, typer.Argument(help="The activity.", show_default=False)],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Every workflow step of an activity: who, when, why."""
    from landrelease.records import activity_history
    from landrelease.records.console import show_frame

    with _open(workspace, db) as ws:
        h = activity_history(ws, activity_id)
    show_frame(
        h[["step", "status_before", "at", "actor", "reason", "flags"]], f"Workflow of {activity_id}"
    )


@activity_app.command("book-imported")
@handles_errors
def activity_book_imported(
    workspace: WorkspaceOpt = None, db: DbOpt = None, user: UserOpt = None
) -> None:
    """Book in the land-release ledger the activities imported as approved (trimmed where they break a rule; each trim listed)."""
    from landrelease.records import book_approved_activities
    from landrelease.records.console import show_backfill

    with _open(workspace, db) as ws:
        show_backfill(book_approved_activities(ws, actor=_actor(user)))


@record_app.command("retire")
@handles_errors
def record_retire(
    table: Annotated[
        str, typer.Argument(help="A layer (e.g. incidents) or records table.", show_default=False)
    ],
    record_id: Annotated[str, typer.Argument(help="The record's id.", show_default=False)],
    reason: Annotated[str, typer.Option("--reason", help="Why it is retired.", show_default=False)],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Retire a record with a reason: it is kept, out of view, and the audit trail says who and why."""
    from landrelease.records import retire_record

    with _open(workspace, db) as ws:
        retire_record(ws, table, record_id, actor=_actor(user), reason=reason)
    console.print(f"Retired {table} {record_id}: {reason}")


@record_app.command("handover")
@handles_errors
def record_handover(
    hazard_id: Annotated[
        str, typer.Argument(help="A closed hazard with a completion record.", show_default=False)
    ],
    to: Annotated[str, typer.Option("--to", help="Who receives the land.", show_default=False)],
    on: Annotated[str, typer.Option("--on", help="Handover date, YYYY-MM-DD.", show_default=False)],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Record the handover of a fully released hazard's land."""
    from landrelease.records import hand_over

    with _open(workspace, db) as ws:
        hand_over(ws, hazard_id, to=to, on=on, actor=_actor(user))
    console.print(f"Hazard {hazard_id} handed over to {to} on {on}.")


@record_app.command("spend")
@handles_errors
def record_spend(
    expenditure_id: Annotated[
        str, typer.Argument(help="An id for the expenditure.", show_default=False)
    ],
    date: Annotated[str, typer.Option(help="YYYY-MM-DD.", show_default=False)],
    source: Annotated[
        str, typer.Option(help="national, or the donor's name as in funding.", show_default=False)
    ],
    amount_usd: Annotated[float, typer.Option(help="Amount [USD].", show_default=False)],
    purpose: Annotated[str | None, typer.Option(help="What it paid for.")] = None,
    activity: Annotated[str | None, typer.Option(help="The activity it paid for.")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Record money spent, by source of funds."""
    from landrelease.records.money import record_spending

    with _open(workspace, db) as ws:
        record_spending(
            ws,
            expenditure_id=expenditure_id,
            date=date,
            source=source,
            amount_usd=amount_usd,
            purpose=purpose,
            activity_id=activity,
            actor=_actor(user),
        )
    console.print(f"Recorded USD {amount_usd:,.2f} spent from {source} on {date}.")


@record_app.command("grant-personal-data")
@handles_errors
def record_grant(
    grantee: Annotated[str, typer.Argument(help="The user to entitle.", show_default=False)],
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Take the entitlement away instead.")
    ] = False,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Entitle a user to victims' personal data in reports (only an entitled user may)."""
    from landrelease.records.victims import grant_personal_data

    with _open(workspace, db) as ws:
        users = grant_personal_data(ws, grantee, actor=_actor(user), revoke=revoke)
    console.print("Entitled to victims' personal data: " + (", ".join(users) or "nobody"))


@qa_app.command("plan")
@handles_errors
def qa_plan(
    activity: Annotated[
        str,
        typer.Option(
            "--activity",
            "-a",
            help="The approved activity whose released land is inspected.",
            show_default=False,
        ),
    ],
    limit_density: Annotated[
        float | None,
        typer.Option(
            "--limit-density",
            help="Limiting quality [devices/ha]. Default: setting qa_limiting_density_per_ha.",
            show_default=False,
        ),
    ] = None,
    confidence: Annotated[
        float | None,
        typer.Option(
            help="Confidence, e.g. 0.95. Default: setting qa_confidence.", show_default=False
        ),
    ] = None,
    acceptance_number: Annotated[
        int | None,
        typer.Option(
            help="Devices the lot may show and pass. Default: setting qa_acceptance_number.",
            show_default=False,
        ),
    ] = None,
    cell_m2: Annotated[
        float | None,
        typer.Option(help="Sampling cell [m²]. Default: setting qa_cell_m2.", show_default=False),
    ] = None,
    method: Annotated[
        str, typer.Option(help="hypergeometric (finite lot) or binomial.")
    ] = "hypergeometric",
    seed: Annotated[int, typer.Option(help="Random seed of the sample cells.")] = 0,
    geojson: Annotated[
        Path | None, typer.Option(help="Also write the sample cells to this GeoJSON file.")
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Plan the post-clearance inspection of released land: sample size from the lot, the limiting quality and the confidence; random cells as a map layer."""
    from landrelease.quality import plan_inspection
    from landrelease.quality.console import show_plan

    with _open(workspace, db) as ws:
        plan = plan_inspection(
            ws,
            activity_id=activity,
            actor=_actor(user),
            limiting_density_per_ha=limit_density,
            confidence=confidence,
            acceptance_number=acceptance_number,
            cell_m2=cell_m2,
            method=method,
            seed=seed,
        )
    if geojson:
        plan.samples.to_file(geojson, driver="GeoJSON")
    show_plan(plan, geojson=str(geojson) if geojson else None)


@qa_app.command("record")
@handles_errors
def qa_record(
    plan_id: Annotated[str, typer.Argument(help="The inspection plan.", show_default=False)],
    date: Annotated[str, typer.Option(help="Inspection date, YYYY-MM-DD.", show_default=False)],
    found: Annotated[
        int | None, typer.Option(help="Devices found in all the samples.", show_default=False)
    ] = None,
    sample: Annotated[
        list[str] | None,
        typer.Option(
            help="Devices found in one sample cell, as NO=N (repeat).", show_default=False
        ),
    ] = None,
    area_m2: Annotated[
        float | None,
        typer.Option(
            help="Area inspected [m²]. Default: the planned sample area.", show_default=False
        ),
    ] = None,
    organisation: Annotated[str | None, typer.Option(help="Who inspected.")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Record an inspection's results: the lot is accepted or rejected and the confidence stated in words."""
    from landrelease.errors import UsageError
    from landrelease.quality import record_inspection
    from landrelease.quality.console import show_result

    by_sample: dict[int, int] = {}
    for item in sample or []:
        no, _, n = item.partition("=")
        if not (no.strip().isdigit() and n.strip().lstrip("-").isdigit()):
            raise UsageError(f"--sample {item!r}: give it as NO=N, e.g. --sample 12=1")
        by_sample[int(no)] = int(n)
    with _open(workspace, db) as ws:
        result = record_inspection(
            ws,
            plan_id=plan_id,
            actor=_actor(user),
            date=date,
            devices_found=found,
            area_inspected_m2=area_m2,
            found_by_sample=by_sample or None,
            organisation=organisation,
        )
    show_result(result)


@qa_app.command("list")
@handles_errors
def qa_list(workspace: WorkspaceOpt = None, db: DbOpt = None) -> None:
    """Inspection plans and their decisions."""
    from landrelease.quality import read_plans
    from landrelease.records.console import show_frame

    with _open(workspace, db) as ws:
        plans = read_plans(ws)
    cols = [
        "plan_id",
        "activity_id",
        "method",
        "sample_cells",
        "lot_cells",
        "decision",
        "devices_found",
    ]
    show_frame(plans[cols] if len(plans) else plans, "Inspection plans")


def _write_report(build: Callable[[Any, bool], Any], target: str, out: Path, fmt: str) -> None:
    from landrelease.errors import UsageError
    from landrelease.reports import FORMATS, write_report
    from landrelease.reports.console import show_report
    from landrelease.store import Workspace

    formats = [f.strip().lower() for f in fmt.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS)) or ([] if formats else ["(none)"])
    if unknown:
        raise UsageError(f"unknown report format(s) {', '.join(unknown)}; use {', '.join(FORMATS)}")
    with Workspace.open(target) as ws:
        report = build(ws, bool({"pdf", "html"} & set(formats)))
    show_report(report, write_report(report, out, formats))


@report_app.command("monthly")
@handles_errors
def report_monthly(
    month: Annotated[
        str | None,
        typer.Option(
            help="YYYY-MM. Default: the last month with land released.", show_default=False
        ),
    ] = None,
    fmt: FormatOpt = "pdf,html,xlsx",
    out: OutOpt = Path("reports"),
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Monthly report: area released by method (ha), devices destroyed by type, hazards closed, returns enabled, casualties, QA, money by source."""
    from landrelease.errors import UsageError
    from landrelease.reports import last_month, load_records, monthly_report

    def build(ws: Any, figures: bool) -> Any:
        rec = load_records(ws)
        m = month or last_month(rec)
        if m is None:
            raise UsageError("the workspace holds no dated records; give --month YYYY-MM")
        return monthly_report(ws, month=m, records=rec, figures=figures)

    _write_report(build, _target(workspace, db), out, fmt)


@report_app.command("donor")
@handles_errors
def report_donor(
    start: Annotated[
        str, typer.Option("--from", help="First day, YYYY-MM-DD.", show_default=False)
    ],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.", show_default=False)],
    donor: Annotated[
        str | None, typer.Option(help="Name a donor to state its own funding beside the whole.")
    ] = None,
    fmt: FormatOpt = "pdf,html,xlsx",
    out: OutOpt = Path("reports"),
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Donor report: what the period achieved and the money by source; aggregated, no personal data."""
    from landrelease.reports import donor_report

    _write_report(
        lambda ws, figures: donor_report(ws, start=start, end=end, donor=donor, figures=figures),
        _target(workspace, db),
        out,
        fmt,
    )


@report_app.command("settlement")
@handles_errors
def report_settlement(
    name: Annotated[str, typer.Argument(help="The settlement's name or id.", show_default=False)],
    fmt: FormatOpt = "pdf,html,xlsx",
    out: OutOpt = Path("reports"),
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Settlement report: what still blocks it, what was released around it, and the plan's readiness date."""
    from landrelease.reports import settlement_report

    _write_report(
        lambda ws, figures: settlement_report(ws, name=name, figures=figures),
        _target(workspace, db),
        out,
        fmt,
    )


@report_app.command("casualties")
@handles_errors
def report_casualties(
    year: Annotated[int, typer.Option(help="The year.", show_default=False)],
    include_personal_data: Annotated[
        bool,
        typer.Option(
            "--include-personal-data",
            help="Add victims' names, exact ages, addresses (entitled users only).",
        ),
    ] = False,
    fmt: FormatOpt = "pdf,html,xlsx",
    out: OutOpt = Path("reports"),
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Casualty report: incidents and victims by month, device, activity, age group, gender; hotspots; risk-education priorities."""
    from landrelease.reports import casualty_report

    _write_report(
        lambda ws, figures: casualty_report(
            ws,
            year=year,
            user=_actor(user),
            include_personal_data=include_personal_data,
            figures=figures,
        ),
        _target(workspace, db),
        out,
        fmt,
    )


@app.command()
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
        int | None, typer.Option(help="Hazards listed (default: setting priority_top_n).")
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
    from landrelease.planning import prioritise as run
    from landrelease.planning.console import show_priorities

    with _open(workspace, db) as ws:
        result = run(ws, weights_file=weights, top_n=top, assets_file=assets)
    show_priorities(result)


@app.command()
@handles_errors
def plan(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    horizon: Annotated[str, typer.Option(help="Last month of the plan, YYYY-MM.")] = "2032-12",
    start: Annotated[
        str | None,
        typer.Option(
            help="First month, YYYY-MM (default: the month after the workspace's latest record)."
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
    """Plan every task (NTS, technical survey, clearance) onto the teams, month by month, to the horizon.

    Maximises people home × years before the horizon plus the other benefits, within the
    budget of each year; checks the plan against an LP bound (HiGHS); compares it with
    simple rules; writes the schedule, readiness dates per settlement and cost by year
    to the workspace, and a Gantt chart and a map by quarter to --out.
    """
    from landrelease.planning import plan as run
    from landrelease.planning.console import show_plan

    with _open(workspace, db) as ws:
        result = run(
            ws,
            horizon=horizon,
            start=start,
            assets_file=assets,
            budget=budget,
            weights_file=weights,
            out=out,
            solve_lp=not no_bound,
        )
    show_plan(result)


@app.command()
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
        typer.Option(help="Monte Carlo runs per scenario (default: setting forecast_runs)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: setting forecast_seed).")
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
    from landrelease.planning import forecast as run
    from landrelease.planning.console import show_forecast

    with _open(workspace, db) as ws:
        result = run(
            ws, scenarios_file=scenarios, runs=runs, seed=seed, assets_file=assets, out=out
        )
    show_forecast(result)


# --- web (issue 6) ---
user_app = typer.Typer(help="Users of the web application and their roles.", no_args_is_help=True)
app.add_typer(user_app, name="user")


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
    with _open(workspace, db) as ws:
        added = add_user(
            ws, name, password=password, role=role, organisation=organisation, actor=_actor(user)
        )
    console.print(f"user {added.username} added ({added.role})")


@user_app.command("list")
@handles_errors
def user_list(workspace: WorkspaceOpt = None, db: DbOpt = None) -> None:
    """List the web users and their roles (never their passwords)."""
    from landrelease.web.auth import list_users

    with _open(workspace, db) as ws:
        for u in list_users(ws):
            console.print(f"{u.username}\t{u.role}\t{u.organisation or ''}", highlight=False)


@app.command()
@handles_errors
def serve(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes: 1 on a laptop; about one per CPU core for a national "
            "centre (PostGIS recommended: GeoPackage writes are serialised)."
        ),
    ] = 1,
) -> None:
    """Serve the web application: OGC API – Features, the map, login (stop with Ctrl-C)."""
    from landrelease.web.server import serve as run_server

    run_server(_target(workspace, db), host=host, port=port, workers=workers)


# --- end of web (issue 6) ---


def main() -> None:
    app()


if __name__ == "__main__":
    main()
