"""Publishing: the monthly, donor, settlement and casualty reports in PDF, HTML, XLSX and CSV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from landrelease.cli.common import (
    DbOpt,
    UserOpt,
    WorkspaceOpt,
    actor,
    handles_errors,
    iso_day,
    iso_month,
    target,
    whole_number,
)

if TYPE_CHECKING:
    from landrelease.reports import Report
    from landrelease.store import Workspace

report_app = typer.Typer(
    help="Reports in PDF, HTML, XLSX and CSV: monthly, donor, settlement, casualties.",
    no_args_is_help=True,
)

FormatOpt = Annotated[
    str,
    typer.Option(
        "--format", "-f", help="Comma-separated: pdf, html, xlsx, csv (a folder of CSV files)."
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report files to.")]

Build = Callable[["Workspace", bool], "Report"]


def _publish(build: Build, workspace: str | None, db: str | None, out: Path, fmt: str) -> None:
    """Check the formats, build the report from the workspace, write and announce it."""
    from landrelease.cli.display.publishing import show_report
    from landrelease.pipeline import publish_report, report_formats
    from landrelease.store import Workspace

    where = target(workspace, db)
    formats = report_formats(fmt)
    with Workspace.open(where) as ws:
        report, written = publish_report(ws, build, out, formats)
    show_report(report, written)


@report_app.command("monthly")
@handles_errors
def report_monthly(
    month: Annotated[
        str | None,
        typer.Option(
            parser=iso_month,
            help="YYYY-MM. Default: the last month with land released.",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = "pdf,html,xlsx",
    out: OutOpt = Path("reports"),
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Monthly report: area released by method (ha), devices destroyed by type, hazards closed, returns enabled, casualties, QA, money by source."""
    from landrelease.pipeline import monthly_report_for

    _publish(
        lambda ws, figures: monthly_report_for(ws, month, figures=figures), workspace, db, out, fmt
    )


@report_app.command("donor")
@handles_errors
def report_donor(
    start: Annotated[
        str,
        typer.Option("--from", parser=iso_day, help="First day, YYYY-MM-DD.", show_default=False),
    ],
    end: Annotated[
        str, typer.Option("--to", parser=iso_day, help="Last day, YYYY-MM-DD.", show_default=False)
    ],
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

    _publish(
        lambda ws, figures: donor_report(ws, start=start, end=end, donor=donor, figures=figures),
        workspace,
        db,
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

    _publish(
        lambda ws, figures: settlement_report(ws, name=name, figures=figures),
        workspace,
        db,
        out,
        fmt,
    )


@report_app.command("casualties")
@handles_errors
def report_casualties(
    year: Annotated[
        int,
        typer.Option(
            parser=whole_number(1, 9999, example=2025), help="The year.", show_default=False
        ),
    ],
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

    _publish(
        lambda ws, figures: casualty_report(
            ws,
            year=year,
            user=actor(user),
            include_personal_data=include_personal_data,
            figures=figures,
        ),
        workspace,
        db,
        out,
        fmt,
    )
