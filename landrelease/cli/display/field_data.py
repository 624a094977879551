"""How written field forms and blank templates look in a terminal."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from landrelease.cli.display.terminal import console, escape
from landrelease.io.forms import WrittenForm
from landrelease.io.templates import TemplateReport


def show_forms(written: list[WrittenForm], outdir: Path) -> None:
    table = Table(title=f"Field forms in {escape(str(outdir))}", title_justify="left")
    for col in ("file", "form", "version", "questions"):
        table.add_column(col, justify="right" if col == "questions" else "left")
    for w in written:
        table.add_row(w.path.name, escape(w.title), w.version, str(w.questions))
    console.print(table)
    if written and written[0].untranslated:
        first = written[0]
        others = ", ".join(first.untranslated)
        console.print(
            f"Languages: {escape(', '.join(first.languages))}. The columns for "
            f"{escape(others)} hold the English text until you translate them (label::…, "
            "hint::…, constraint_message::… in the survey sheet, label::… in the choices "
            "sheet); the forms open in English (default_language), and a phone set to "
            f"{escape(others)} shows the English text where no translation is written yet."
        )
    console.print(
        "Each form converts to an XForm (checked with pyxform). Upload them to ODK Central or "
        "KoboToolbox; export the submissions as CSV or XLSX and run "
        "[bold]landrelease import EXPORT[/]."
    )


def show_template(report: TemplateReport) -> None:
    console.print(
        f"Wrote [bold]{escape(str(report.workbook))}[/] (an instructions sheet, then one sheet "
        f"per layer: {len(report.layers)} layers, {report.drop_downs} drop-down columns) and "
        f"[bold]{escape(str(report.csv_folder))}/[/] (the same columns as CSV files) and "
        f"[bold]{escape(str(report.geopackage))}[/] (empty layers to digitise in QGIS, with "
        "drop-downs for the vocabulary)."
    )
    console.print(
        "Fill in the sheets you have records for, then: "
        f"[bold]landrelease validate {escape(str(report.workbook))}[/] and "
        f"[bold]landrelease import {escape(str(report.workbook))} -w WORKSPACE.gpkg[/]."
    )
