"""The standard set of reports for a workspace, in one call (used by the demo)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from landrelease.reports.casualty import casualty_report
from landrelease.reports.data import last_month as last_data_month
from landrelease.reports.data import load_records, month_period, months_back
from landrelease.reports.periodic import donor_report, monthly_report
from landrelease.reports.render import write_report
from landrelease.reports.settlement import settlement_report
from landrelease.store import Workspace, WorkspaceView


def standard_reports(
    source: Workspace | WorkspaceView,
    out: Path,
    *,
    user: str,
    formats: Sequence[str] = ("pdf", "html", "xlsx"),
) -> dict[str, Path]:
    """Write the monthly report of the last month with land released, the donor report of the
    twelve months to its end, the settlement report of the settlement most people plan to
    return to, and the casualty report of the last year with incidents. Returns label → file
    (the PDF when written, else the first format). Give the pipeline's read model
    (:class:`~landrelease.store.WorkspaceView`) to reuse the layers it read already."""
    view = WorkspaceView.of(source)
    rec = load_records(view)
    figures = bool({"pdf", "html"} & set(formats))
    written: dict[str, Path] = {}

    def keep(label: str, paths: dict[str, Path]) -> None:
        written[label] = paths.get("pdf") or next(iter(paths.values()))

    month = last_data_month(rec)
    if month is not None:
        keep(
            f"monthly report {month}",
            write_report(
                monthly_report(view, month=month, records=rec, figures=figures), out, formats
            ),
        )
        first = months_back(f"{month}-01", 12)[0]
        end = month_period(month).end
        keep(
            f"donor report {first} to {month}",
            write_report(
                donor_report(view, start=f"{first}-01", end=end, records=rec, figures=figures),
                out,
                formats,
            ),
        )
    if len(rec.settlements):
        people = pd.to_numeric(rec.settlements["population_planned"], errors="coerce").fillna(0)
        top = rec.settlements.loc[people.idxmax()]
        keep(
            f"settlement report {top['name']}",
            write_report(
                settlement_report(
                    view, name=str(top["settlement_id"]), records=rec, figures=figures
                ),
                out,
                formats,
            ),
        )
    if len(rec.incidents):
        year = int(str(rec.incidents["date"].astype(str).max())[:4])
        keep(
            f"casualty report {year}",
            write_report(
                casualty_report(view, year=year, user=user, records=rec, figures=figures),
                out,
                formats,
            ),
        )
    return written
