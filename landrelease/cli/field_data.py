"""Commands that prepare data collection: field forms for ODK Collect and KoboCollect, and a
blank evidence package to fill in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from landrelease.cli.common import handles_errors, open_workspace

OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="Replace files of the same name in OUTDIR.")
]


@handles_errors
def forms(
    outdir: Annotated[
        Path, typer.Argument(help="Folder to write the forms in (created).", show_default=False)
    ],
    overwrite: OverwriteOpt = False,
    languages: Annotated[
        str | None,
        typer.Option(
            help="Languages to give the forms columns for, ISO 639 codes comma-separated "
            "(e.g. km,en). Default: the programme profile's languages when --workspace or "
            "--db is given; else English only.",
            show_default=False,
        ),
    ] = None,
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace (.gpkg) whose programme profile gives the languages.",
            show_default=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help="PostGIS workspace (URL) whose programme profile gives the languages.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write the field forms (XLSForm .xlsx) for ODK Central or KoboToolbox.

    One form per kind of field report: hazard report (non-technical survey), technical
    survey and clearance completion, finding / EOD spot task, accident with victims, risk
    education session, QA visit. With languages other than English each label, hint and
    message has a column per language (label::Khmer (km)); those columns hold the English
    text until you translate them, and the forms open in English. Upload the forms to the
    server; then import the server's export of the submissions (CSV or XLSX) with
    `landrelease import EXPORT -w WORKSPACE.gpkg`.
    """
    from landrelease.cli.display.field_data import show_forms
    from landrelease.domain.programme import parse_languages
    from landrelease.io.forms import write_forms

    if languages is not None:
        codes = parse_languages(languages)
    elif workspace or db:
        from landrelease.store.programme import read_programme

        with open_workspace(workspace, db) as ws:
            codes = read_programme(ws).languages
    else:
        codes = ()
    show_forms(write_forms(outdir, overwrite=overwrite, languages=codes), outdir)


@handles_errors
def template(
    outdir: Annotated[
        Path,
        typer.Argument(help="Folder to write the blank package in (created).", show_default=False),
    ],
    overwrite: OverwriteOpt = False,
) -> None:
    """Write a blank evidence package to fill in: an XLSX workbook, CSV files and a GeoPackage.

    The workbook has an instructions sheet with an example record per layer, then one
    sheet per layer whose headers explain each column (meaning, unit, accepted values)
    with drop-downs for every vocabulary. The GeoPackage's empty layers open in QGIS with
    the same drop-downs when digitising. Fill either in, then `landrelease validate` and
    `landrelease import` it.
    """
    from landrelease.cli.display.field_data import show_template
    from landrelease.io.templates import write_template

    show_template(write_template(outdir, overwrite=overwrite))
