"""How a written report is announced in a terminal: its headline and the files written."""

from __future__ import annotations

from pathlib import Path

from landrelease.cli.display.terminal import console
from landrelease.reports import Report


def show_report(report: Report, written: dict[str, Path]) -> None:
    for line in report.headline:
        console.print(("" if report.has_data else "[yellow]") + line)
    console.print("")
    for fmt, path in written.items():
        console.print(f"  {fmt}: {path}")
