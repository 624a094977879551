"""Commands on the workspace's data: create it, import and check evidence packages, export,
status, settings, generate a synthetic scenario, and database logins (``db role``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from landrelease import settings
from landrelease.cli.common import (
    DbOpt,
    UserOpt,
    WorkspaceOpt,
    handles_errors,
    open_workspace,
    whole_number,
)
from landrelease.cli.common import target as workspace_target
from landrelease.cli.display.terminal import console, record_progress, step_progress

if TYPE_CHECKING:
    from landrelease.io.package import ImportReport

ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        help="Read another system's export through a crosswalk profile: imsma_core, or a .toml file.",
        show_default=False,
    ),
]
IgnoreUnknownOpt = Annotated[
    bool,
    typer.Option(
        "--ignore-unknown",
        help="List files of the package, and sheets of a workbook, that are not layers as not "
        "read, instead of refusing the package (the blank template's instructions and lists "
        "sheets are never an error). A layer file that cannot be read (a directory, a FIFO, a link outside "
        "the package) is refused all the same.",
    ),
]
IssuesCsvOpt = Annotated[
    Path | None,
    typer.Option("--issues-csv", help="Also write every problem found to this CSV file."),
]


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

    target = workspace_target(workspace, db)
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
    profile: str | None = None,
    ignore_unknown: bool = False,
) -> None:
    from landrelease.io.crosswalk import load_profile
    from landrelease.io.package import import_into

    with record_progress("reading") as progress:
        report = import_into(
            target,
            package,
            create=create,
            actor=user,
            keep_valid=keep_valid,
            repair=repair,
            dry_run=dry_run,
            progress=progress,
            profile=load_profile(profile) if profile else None,
            ignore_unknown=ignore_unknown,
        )
    _conclude(report, issues_csv, verb="validation" if dry_run else "import")


def _conclude(report: ImportReport, issues_csv: Path | None, *, verb: str) -> None:
    """Show the outcome; exit 1 if a record broke a rule."""
    from landrelease.cli.display.workspace_data import conclude_import

    listed = int(settings.get("issues_listed_per_file"))
    if not conclude_import(report, issues_csv=issues_csv, verb=verb, listed_per_file=listed):
        raise typer.Exit(1)


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
    issues_csv: IssuesCsvOpt = None,
    profile: ProfileOpt = None,
    ignore_unknown: IgnoreUnknownOpt = False,
    user: UserOpt = None,
) -> None:
    """Import an evidence package into the workspace, in one transaction.

    Every record is checked; if any breaks a rule, every problem is listed and
    nothing is written (unless --keep-valid). Records are matched by id: a
    re-import changes nothing, and a record updates a stored one only when its
    date_of_information is later. A missing workspace file is created (and not left
    behind if the import is refused).

    PACKAGE may also be a KoboToolbox or ODK Central export of the submissions of the
    forms `landrelease forms` writes (CSV, XLSX or ODK's zip).
    """
    _run_import(
        package,
        workspace_target(workspace, db),
        user=user,
        keep_valid=keep_valid,
        repair=repair,
        dry_run=False,
        issues_csv=issues_csv,
        create=True,
        profile=profile,
        ignore_unknown=ignore_unknown,
    )


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
    issues_csv: IssuesCsvOpt = None,
    profile: ProfileOpt = None,
    ignore_unknown: IgnoreUnknownOpt = False,
) -> None:
    """Check a package without writing anything (a dry run of import)."""
    if workspace or db:
        _run_import(
            package,
            workspace_target(workspace, db),
            user=None,
            keep_valid=False,
            repair=repair,
            dry_run=True,
            issues_csv=issues_csv,
            create=False,
            profile=profile,
            ignore_unknown=ignore_unknown,
        )
        return
    from landrelease.io import validate_package
    from landrelease.io.crosswalk import load_profile

    with record_progress("checking") as progress:
        report = validate_package(
            package,
            repair=repair,
            progress=progress,
            profile=load_profile(profile) if profile else None,
            ignore_unknown=ignore_unknown,
        )
    _conclude(report, issues_csv, verb="validation")


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
    profile: ProfileOpt = None,
    qgis: Annotated[
        bool,
        typer.Option(
            "--qgis",
            help="Also write OUT.qgs beside the package: a QGIS project with the layers "
            "grouped and styled, in the workspace's metric CRS.",
        ),
    ] = False,
) -> None:
    """Write the workspace as an evidence package that import reads back unchanged.

    With --profile, CSV tables in another system's names (e.g. imsma_core), which import
    back through the same profile. With --qgis, a QGIS project beside it.
    """
    from landrelease.cli.display.workspace_data import show_export
    from landrelease.io import export_package
    from landrelease.io.crosswalk import load_profile

    with open_workspace(workspace, db) as ws:
        report = export_package(
            ws,
            out,
            fmt=fmt,
            include_personal=not no_personal_data,
            overwrite=overwrite,
            profile=load_profile(profile) if profile else None,
            qgis=qgis,
        )
    show_export(report)


@handles_errors
def status(
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Records per layer, hazard area by status and classification (ha), latest dates."""
    from landrelease.cli.display.workspace_data import show_status
    from landrelease.store.summary import workspace_status

    with open_workspace(workspace, db) as ws:
        st = workspace_status(ws)
    if as_json:
        console.print_json(json.dumps(asdict(st)))
    else:
        show_status(st)


@handles_errors
def list_settings() -> None:
    """List every setting with its value and unit (override one with LANDRELEASE_<NAME>)."""
    from landrelease.cli.display.workspace_data import show_settings

    show_settings()


@handles_errors
def scenario(
    region: Annotated[
        str, typer.Argument(help="The world to generate; built in: karabakh.")
    ] = "karabakh",
    seed: Annotated[
        int,
        typer.Option(
            parser=whole_number(0, example=1),
            help="Random seed: the same seed and scale give byte-identical files.",
        ),
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
    from landrelease.cli.display.workspace_data import show_scenario
    from landrelease.scenario import generate

    with step_progress("generating") as progress:
        result = generate(region=region, seed=seed, scale=scale, out=out, progress=progress)
    show_scenario(result)


@handles_errors
def backup(
    out: Annotated[
        Path,
        typer.Argument(
            help="The backup file to write: a .gpkg for a GeoPackage workspace, a .tar for PostGIS.",
            show_default=False,
        ),
    ],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace OUT if it exists.")
    ] = False,
    user: UserOpt = None,
) -> None:
    """Write a consistent backup of the workspace, safe while the server is running.

    A GeoPackage workspace is copied page by page with SQLite's backup API into a
    new GeoPackage (it opens in QGIS); a PostGIS one is dumped with pg_dump into a
    tar file. Either carries a manifest: version, schema, time and the records of
    every table. The backup is recorded in the workspace's audit trail.
    """
    from landrelease.cli.display.workspace_data import show_backup
    from landrelease.store.backup import backup as write_backup

    with open_workspace(workspace, db) as ws, step_progress("backup") as progress:
        report = write_backup(ws, out, overwrite=overwrite, actor=user, progress=progress)
    show_backup(report)


@handles_errors
def restore(
    backup_file: Annotated[
        Path, typer.Argument(help="A file written by `landrelease backup`.", show_default=False)
    ],
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace",
            "-w",
            help="The new workspace file (.gpkg) to restore a GeoPackage backup into.",
            show_default=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="The PostGIS database to restore into: a new one (it is created) or one without tables.",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Replace an existing workspace file (stop the server that uses it first).",
        ),
    ] = False,
    user: UserOpt = None,
) -> None:
    """Restore a backup into a new workspace, checking it against its manifest.

    The file must be one `landrelease backup` wrote; its records are counted and
    compared with the manifest before the workspace is put in place. A GeoPackage
    backup becomes a new .gpkg (an existing file is replaced only with --overwrite).
    A PostGIS backup is restored with pg_restore in one transaction into a database
    that holds no tables — a new one is created — so a restore never writes over
    existing data. The restore is recorded in the new workspace's audit trail.
    """
    from landrelease.cli.display.workspace_data import show_restore
    from landrelease.store.backup import restore as restore_backup

    with step_progress("restore") as progress:
        report = restore_backup(
            backup_file,
            workspace_target(workspace, db),
            overwrite=overwrite,
            actor=user,
            progress=progress,
        )
    show_restore(report)


db_app = typer.Typer(help="The PostGIS workspace as a database: logins for direct access.")
role_app = typer.Typer(
    help="Database logins with the rights of a web role (row-level security, column privileges).",
    no_args_is_help=True,
)
db_app.add_typer(role_app, name="role")


@role_app.command("create")
@handles_errors
def db_role_create(
    login: Annotated[str, typer.Argument(help="The login to create (lower-case, one word).")],
    role: Annotated[
        str,
        typer.Option(help="administrator, information_manager, analyst, operator or donor."),
    ],
    organisation: Annotated[
        str | None,
        typer.Option(help="The operator's organisation (operators read its drafts only)."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Create a PostgreSQL login that reads what the web shows ROLE, and no more."""
    import sys

    from landrelease.cli.common import actor
    from landrelease.store import db_roles

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_workspace(None, _database(db)) as ws:
        made = db_roles.create_login(
            ws, login, role=role, password=password, organisation=organisation, actor=actor(user)
        )
    org = f", organisation {made.organisation}" if made.organisation else ""
    console.print(f"login {made.login} created with the rights of {made.role}{org}")


@role_app.command("list")
@handles_errors
def db_role_list(db: DbOpt = None) -> None:
    """List the database logins of the workspace, their role and organisation."""
    from landrelease.store import db_roles

    with open_workspace(None, _database(db)) as ws:
        for x in db_roles.list_logins(ws):
            console.print(f"{x.login}\t{x.role}\t{x.organisation or ''}", highlight=False)


@role_app.command("drop")
@handles_errors
def db_role_drop(
    login: Annotated[str, typer.Argument(help="The login to remove.")], db: DbOpt = None
) -> None:
    """Remove a database login made by `landrelease db role create`."""
    from landrelease.store import db_roles

    with open_workspace(None, _database(db)) as ws:
        db_roles.drop_login(ws, login)
    console.print(f"login {login} removed")


@role_app.command("grant")
@handles_errors
def db_role_grant(db: DbOpt = None) -> None:
    """Apply the roles' grants and row-level security again (after a manual schema change)."""
    from landrelease.store import db_roles

    with open_workspace(None, _database(db)) as ws:
        groups = db_roles.grant(ws)
    console.print("grants applied to " + ", ".join(groups))


def _database(db: str | None) -> str:
    from landrelease.errors import UsageError

    if not db:
        raise UsageError("database logins exist on PostGIS workspaces only: give --db URL")
    return db
