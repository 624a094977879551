"""Reports: monthly, donor, settlement and casualty reports in HTML, PDF, XLSX and CSV.

Build a :class:`Report` with one of the builders, then write it::

    from landrelease.reports import monthly_report, write_report
    report = monthly_report(ws, month="2026-01")
    write_report(report, Path("reports"), ["pdf", "html", "xlsx"])
"""

from landrelease.reports.casualty import casualty_report
from landrelease.reports.data import Records, last_month, load_records
from landrelease.reports.model import Column, Figure, Report, Section, Table
from landrelease.reports.periodic import donor_report, monthly_report
from landrelease.reports.render import FORMATS, write_report
from landrelease.reports.settlement import planned_readiness, settlement_report
from landrelease.reports.standard import standard_reports

__all__ = [
    "FORMATS",
    "Column",
    "Figure",
    "Records",
    "Report",
    "Section",
    "Table",
    "casualty_report",
    "donor_report",
    "last_month",
    "load_records",
    "monthly_report",
    "planned_readiness",
    "settlement_report",
    "standard_reports",
    "write_report",
]
