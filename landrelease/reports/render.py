"""Writing a report: HTML (one self-contained file), PDF (WeasyPrint), XLSX (a sheet per table), CSV.

Nothing is fetched from the network: figures are embedded as data URIs, the
PDF uses the DejaVu fonts bundled in ``reports/fonts`` and the HTML names
them with local fallbacks. No external URL appears in the HTML or CSS.
"""

from __future__ import annotations

import base64
import csv
from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from landrelease.domain.programme import WORKSPACE_CURRENCY
from landrelease.errors import UsageError
from landrelease.io.cells import spreadsheet_safe
from landrelease.reports.model import Report

HERE = Path(__file__).resolve().parent
FONTS = HERE / "fonts"
TEMPLATES = HERE / "templates"
FORMATS = ("html", "pdf", "xlsx", "csv")


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    return env


def to_html(report: Report, *, for_pdf: bool = False) -> str:
    """The report as one HTML document (figures embedded)."""
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    font_face = ""
    if for_pdf:
        font_face = "\n".join(
            "@font-face { font-family: 'LR Sans'; "
            f"src: url('{(FONTS / file).as_uri()}'); font-weight: {weight}; }}"
            for file, weight in (("DejaVuSans.ttf", "normal"), ("DejaVuSans-Bold.ttf", "bold"))
        )
    else:
        font_face = "\n".join(
            f"@font-face {{ font-family: 'LR Sans'; src: local('{name}'); font-weight: {weight}; }}"
            for name, weight in (("DejaVu Sans", "normal"), ("DejaVu Sans Bold", "bold"))
        )
    return (
        _env()
        .get_template("report.html.j2")
        .render(report=report, css=css, font_face=font_face, for_pdf=for_pdf)
    )


def write_html(report: Report, path: Path) -> Path:
    path.write_text(to_html(report), encoding="utf-8")
    return path


def write_pdf(report: Report, path: Path) -> Path:
    """Render with WeasyPrint; only data URIs and the bundled font files may be read."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> object:
            if not url.startswith(("data:", FONTS.as_uri())):
                raise ValueError(f"a report may not read outside resources: {url[:80]}")
            return super().fetch(url, headers)

    fetcher = LocalOnly(allowed_protocols=("data", "file"), fail_on_errors=True)
    HTML(string=to_html(report, for_pdf=True), url_fetcher=fetcher, base_url=str(HERE)).write_pdf(
        str(path), font_config=FontConfiguration()
    )
    return path


def heading(report: Report) -> str:
    """Whose report it is, as the header of the PDF says it: programme · country · kind."""
    p = report.programme
    return " · ".join(x for x in (p.title, p.country, f"{report.kind} report") if x)


def about(report: Report) -> list[tuple[str, str]]:
    """What a spreadsheet or CSV folder says about itself: field, value (the ``about`` sheet)."""
    from landrelease import __version__

    p = report.programme
    return [
        ("programme", p.name),
        ("country", p.country),
        ("report", report.title),
        ("period", report.subtitle),
        ("amounts in", WORKSPACE_CURRENCY),
        ("generated at", report.generated_at),
        ("workspace", report.workspace),
        ("personal data", "yes" if report.personal_data else "no"),
        ("software", f"landrelease {__version__}"),
    ]


def write_xlsx(report: Report, path: Path) -> Path:
    """A summary sheet with the programme and the report's sentences, one sheet per table
    (row 1 the table's title, row 2 its header, then its rows: numbers as numbers), and an
    ``about`` sheet (field, value) naming the programme, country, period and currency; the
    workbook's title property names the programme too. No cell is a formula (:func:`_cell`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.properties.title = f"{report.programme.title}: {report.title}"
    wb.properties.subject = report.subtitle
    wb.properties.creator = "landrelease"
    summary = wb.active
    assert summary is not None
    summary.title = "summary"
    summary.append([_cell(heading(report))])
    summary["A1"].font = Font(bold=True)
    summary.append([_cell(report.title)])
    summary["A2"].font = Font(bold=True, size=14)
    summary.append([_cell(report.subtitle)])
    summary.append([])
    for line in report.headline:
        summary.append([_cell(line)])
    for s in report.sections:
        summary.append([])
        summary.append([_cell(s.heading)])
        summary.cell(row=summary.max_row, column=1).font = Font(bold=True)
        for p in s.paragraphs:
            summary.append([_cell(p)])
    for note in report.footnotes:
        summary.append([_cell(note)])
    summary.column_dimensions["A"].width = 120
    for t in report.tables():
        ws = wb.create_sheet(t.key)
        ws.append([_cell(t.title)])
        ws["A1"].font = Font(bold=True)
        ws.append([_cell(c.label) for c in t.columns])
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for r in t.rows:
            ws.append([_cell(v) for v in r])
        if t.total is not None:
            ws.append([_cell(v) for v in t.total])
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
        if t.note:
            ws.append([])
            ws.append([_cell(t.note)])
        for i, c in enumerate(t.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(c.label) + 4))
    meta = wb.create_sheet("about")
    meta.append(["field", "value"])
    for cell in meta[1]:
        cell.font = Font(bold=True)
    for key, value in about(report):
        meta.append([key, _cell(value)])
    meta.column_dimensions["A"].width = 16
    meta.column_dimensions["B"].width = 60
    wb.save(str(path))
    return path


def _cell(v: object) -> object:
    """A table's value as a spreadsheet cell: lists joined, numpy numbers as numbers, and text
    that a spreadsheet would run as a formula made inert (:func:`spreadsheet_safe`)."""
    if isinstance(v, (list, tuple, set)):
        v = ", ".join(str(x) for x in v)
    elif hasattr(v, "item"):
        v = v.item()
    return spreadsheet_safe(v)


def write_csv(report: Report, folder: Path) -> Path:
    """A folder with one CSV per table (UTF-8, header row with units, nothing above it) and
    ``summary.txt``: the programme, country and period first (what :func:`about` lists), then
    the report's sentences. The tables stay plain so that any program reads them as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    for t in report.tables():
        with (folder / f"{t.key}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([_cell(c.label) for c in t.columns])
            for r in t.rows:
                w.writerow([_cell(v) for v in r])
            if t.total is not None:
                w.writerow([_cell(v) for v in t.total])
    lines = [heading(report), *(f"{k}: {v}" for k, v in about(report) if v), ""]
    lines += [report.title, report.subtitle, "", *report.headline]
    for s in report.sections:
        lines += ["", s.heading, *s.paragraphs]
    (folder / "summary.txt").write_text("\n".join([*lines, "", *report.footnotes]) + "\n", "utf-8")
    return folder


def write_report(report: Report, out: Path, formats: Sequence[str]) -> dict[str, Path]:
    """Write the report in each format into folder ``out``; return format → path."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"unknown report format(s) {', '.join(unknown)}; use {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for f in formats:
        stem = out / report.name
        if f == "html":
            written[f] = write_html(report, stem.with_suffix(".html"))
        elif f == "pdf":
            written[f] = write_pdf(report, stem.with_suffix(".pdf"))
        elif f == "xlsx":
            written[f] = write_xlsx(report, stem.with_suffix(".xlsx"))
        else:
            written[f] = write_csv(report, out / f"{report.name}-csv")
    return written
