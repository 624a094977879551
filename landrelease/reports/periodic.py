"""The monthly report and the donor report: what a period's work achieved, and with whose money.

Both are built from the same sections (:mod:`landrelease.reports.sections`)
over a period; every area comes from the land-release ledger. A period with
no records says so instead of printing zeros.
"""

from __future__ import annotations

from landrelease import settings
from landrelease.reports import sections as sec
from landrelease.reports.data import (
    Period,
    Records,
    coverage,
    date_period,
    load_records,
    month_period,
    months_back,
    trend,
)
from landrelease.reports.model import Report, Section
from landrelease.store import Workspace, WorkspaceView
from landrelease.store.sql import now_iso


def _has_data(rec: Records, period: Period) -> bool:
    dated = (
        (rec.ledger, "released_on"),
        (rec.findings, "date"),
        (rec.incidents, "date"),
        (rec.eore, "date"),
        (rec.qa_visits, "date"),
        (rec.funding, "date"),
        (rec.expenditures, "date"),
        (rec.completions, "completed_on"),
        (rec.non_conformities, "raised_on"),
    )
    return any(len(f) and period.contains(f[c]).any() for f, c in dated)


def _empty(rec: Records, period: Period, kind: str, title: str, name: str) -> Report:
    first, last = coverage(rec)
    span = (
        f"its records run from {first} to {last}"
        if first
        else "it holds no dated records at all (import an evidence package first)"
    )
    return Report(
        kind=kind,
        title=title,
        subtitle=period.label,
        name=name,
        headline=[
            f"This workspace holds no records dated {period.during}: {span}.",
            "Nothing is reported for the period: no figure here would be a fact, so none is shown as zero.",
        ],
        sections=[],
        generated_at=now_iso(),
        workspace=rec.workspace,
        programme=rec.programme,
        has_data=False,
    )


def monthly_report(
    source: Workspace | WorkspaceView,
    *,
    month: str,
    records: Records | None = None,
    figures: bool = True,
) -> Report:
    """The monthly report (``YYYY-MM``): area released by method, devices destroyed by type,
    hazards closed, returns enabled, casualties, quality management, money by source."""
    period = month_period(month)
    rec = records or load_records(source)
    return build_monthly(rec, period, figures=figures)


def build_monthly(rec: Records, period: Period, *, figures: bool = True) -> Report:
    name = f"monthly-{period.start[:7]}"
    title = "Monthly mine action report"
    if not _has_data(rec, period):
        return _empty(rec, period, "monthly", title, name)
    land, land_line = sec.land_released(rec, period)
    dev, dev_line = sec.devices_section(rec, period)
    closed, closed_line = sec.hazards_closed_section(rec, period)
    ret, ret_line = sec.returns_section(rec, period)
    cas, cas_line = sec.casualties_section(rec, period)
    qa, qa_line = sec.qa_section(rec, period)
    money, money_line = sec.money_section(rec, period)
    eore, eore_line = sec.eore_section(rec, period)
    advice, _ = sec.recommendations_section(rec)
    months = months_back(period.start, int(settings.get("report_trend_months")))
    area, devs = trend(rec, months)
    trends = Section(
        "The last months", figures=sec.trend_figures(area, devs, highlight=period.start[:7])
    )
    if figures:
        land.figures.append(sec.overview_map(rec, period, title=f"Land released in {period.label}"))
    else:
        trends.figures = []
    headline = [f"In {period.label}:"] + [
        line
        for line in (
            dev_line,
            land_line,
            closed_line,
            ret_line,
            cas_line,
            qa_line,
            money_line,
            eore_line,
        )
        if line
    ]
    if cas_line is None:
        headline.append("No casualty was recorded.")
    return Report(
        kind="monthly",
        title=title,
        subtitle=period.label,
        name=name,
        headline=headline,
        sections=[
            land,
            dev,
            closed,
            ret,
            cas,
            qa,
            money,
            eore,
            advice,
            *([trends] if trends.figures else []),
        ],
        generated_at=now_iso(),
        workspace=rec.workspace,
        programme=rec.programme,
        footnotes=[
            "Areas are computed in m² in the workspace's metric CRS and shown in hectares (1 ha = 10,000 m²).",
            "Only approved activities count; land released is booked in the land-release ledger on the day the activity ended.",
            "Casualty figures are aggregated; no victim's personal data is shown.",
        ],
    )


def donor_report(
    source: Workspace | WorkspaceView,
    *,
    start: str,
    end: str,
    donor: str | None = None,
    records: Records | None = None,
    figures: bool = True,
) -> Report:
    """What the programme achieved in a period and the money behind it, aggregated (no personal data)."""
    period = date_period(start, end)
    rec = records or load_records(source)
    name = f"donor-{start}-{end}" + (f"-{_slug(donor)}" if donor else "")
    title = "Donor report" + (f" for {donor}" if donor else "")
    if not _has_data(rec, period):
        return _empty(rec, period, "donor", title, name)
    money, money_line = sec.money_section(rec, period, highlight=donor)
    land, land_line = sec.land_released(rec, period, by_activity=False)
    dev, dev_line = sec.devices_section(rec, period)
    closed, closed_line = sec.hazards_closed_section(rec, period)
    ret, ret_line = sec.returns_section(rec, period)
    eore, eore_line = sec.eore_section(rec, period)
    qa, qa_line = sec.qa_section(rec, period)
    cas, cas_line = sec.casualties_section(rec, period)
    months = months_back(period.end, 1 + _months_between(period.start, period.end))
    area, devs = trend(rec, months)
    trends = Section("Month by month", figures=sec.trend_figures(area, devs, highlight=None))
    if figures:
        land.figures.append(sec.overview_map(rec, period, title=f"Land released, {period.label}"))
    else:
        trends.figures = []
    headline = [f"From {period.start} to {period.end}:"] + [
        line
        for line in (
            land_line,
            dev_line,
            closed_line,
            ret_line,
            eore_line,
            money_line,
            qa_line,
            cas_line,
        )
        if line
    ]
    return Report(
        kind="donor",
        title=title,
        subtitle=period.label,
        name=name,
        headline=headline,
        sections=[
            money,
            land,
            dev,
            closed,
            ret,
            eore,
            qa,
            cas,
            *([trends] if trends.figures else []),
        ],
        generated_at=now_iso(),
        workspace=rec.workspace,
        programme=rec.programme,
        footnotes=[
            "All figures are aggregated; the report holds no personal data.",
            "Areas in hectares (1 ha = 10,000 m²) from the land-release ledger of approved activities.",
        ],
    )


def _months_between(start: str, end: str) -> int:
    return (int(end[:4]) - int(start[:4])) * 12 + int(end[5:7]) - int(start[5:7])


def _slug(text: str) -> str:
    return "".join(ch.lower() if ch.isalnum() else "-" for ch in text).strip("-")
