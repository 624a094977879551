"""How a written report is announced in a terminal."""

from __future__ import annotations

from pathlib import Path

from landrelease.console import console
from landrelease.reports.model import Report


def show_report(report: Report, written: dict[str, Path]) -> None:
    for line in report.headline:
        console.print(("" if report.has_data else "[yellow]") + line)
    console.print("")
    for fmt, path in written.items():
        console.print(f"  {fmt}: {path}")
