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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
