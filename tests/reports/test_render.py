"""Reports as files: PDF pages rendered to PNG and read back, self-contained HTML, XLSX and CSV."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.reports import (
    Records,
    casualty_report,
    load_records,
    monthly_report,
    settlement_report,
    write_report,
)
from landrelease.reports.render import to_html
from landrelease.store import Workspace

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="poppler-utils not installed",
)
MONTHLY_HEADINGS = (
    "Monthly mine action report",
    "January 2026",
    "Land released",
    "Explosive ordnance destroyed",
    "Hazards closed",
    "Returns enabled",
    "Casualties",
    "Quality management",
    "Funding received and spent",
    "Risk education",
    "The last months",
)


def pages(pdf: Path, out: Path) -> list[np.ndarray]:
    """The PDF's pages as grey-level arrays (pdftoppm at 40 dpi)."""
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(out / "page")], check=True)
    files = sorted(out.glob("page-*.png"))
    return [np.asarray(Image.open(f).convert("L"), dtype=float) for f in files]


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def assert_pages_drawn(images: list[np.ndarray]) -> None:
    assert images
    for img in images:
        assert img.shape[0] > img.shape[1] > 200  # A4 portrait
        assert img.std() > 8  # not a blank page
        assert (img < 128).mean() > 0.005  # some ink


@needs_poppler
def test_the_monthly_pdf_has_drawn_pages_with_the_headings(
    programme: Workspace, records: Records, tmp_path: Path
) -> None:
    report = monthly_report(programme, month="2026-01", records=records)
    written = write_report(report, tmp_path, ["pdf", "html", "xlsx", "csv"])
    images = pages(written["pdf"], tmp_path)
    assert_pages_drawn(images)
    text = pdf_text(written["pdf"])
    for heading in MONTHLY_HEADINGS:
        assert heading in text, heading
    flat = " ".join(text.split())
    assert "Teams destroyed 37 anti-tank mines, 337 anti-personnel mines and 1,364 UXO." in flat
    assert "1,738.3 ha cleared" in flat and "page 1 of" in flat
    fonts = subprocess.run(["pdffonts", str(written["pdf"])], capture_output=True, text=True).stdout
    assert "LR-Sans" in fonts  # the bundled DejaVu, embedded

    html = written["html"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", html)
    assert not re.search(r"url\(\s*['\"]?(?!data:)(https?:|//)", html)
    assert "http://" not in html and "https://" not in html
    assert html.count("data:image/png;base64,") == len(report.figures()) >= 3

    wb = load_workbook(written["xlsx"])
    assert wb.sheetnames == ["summary", *[t.key for t in report.tables()], "about"]
    sheet = wb["released_by_method"]
    assert [c.value for c in sheet[2]] == ["method", "area (ha)", "activities"]
    assert sheet["B4"].value == pytest.approx(1738.3) and isinstance(sheet["B4"].value, float)
    with (written["csv"] / "devices_by_type.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["device", "destroyed", "found, not destroyed"]
    assert rows[1:4] == [["AT", "37", "0"], ["AP", "337", "0"], ["UXO", "1364", "5"]]
    summary = (written["csv"] / "summary.txt").read_text(encoding="utf-8").splitlines()
    assert summary[0] == "landrelease · monthly report"  # no programme profile: the software
    assert "Monthly mine action report" in summary and "amounts in: USD" in summary


@needs_poppler
def test_settlement_and_casualty_pdfs(
    programme: Workspace, records: Records, tmp_path: Path
) -> None:
    s = write_report(
        settlement_report(programme, name="Aghdam", records=records), tmp_path / "s", ["pdf"]
    )["pdf"]
    assert_pages_drawn(pages(s, tmp_path / "s"))
    text = pdf_text(s)
    for heading in (
        "Settlement report: Aghdam",
        "What still blocks it",
        "Released around it",
        "Readiness",
        "Incidents and risk education",
        "No operations plan exists",
    ):
        assert heading in " ".join(text.split()), heading
    c = write_report(
        casualty_report(programme, year=2025, user="x", records=records), tmp_path / "c", ["pdf"]
    )["pdf"]
    images = pages(c, tmp_path / "c")
    assert_pages_drawn(images)
    text = " ".join(pdf_text(c).split())
    for heading in (
        "Casualty report",
        "When",
        "Who and doing what",
        "Where: hotspots",
        "Where risk education is needed most",
        "national reference",
    ):
        assert heading in text, heading


def test_the_empty_report_renders_its_explanation(programme: Workspace, records: Records) -> None:
    html = to_html(monthly_report(programme, month="2023-05", records=records))
    assert "holds no records dated in May 2023" in html and "<table" not in html


runner = CliRunner()


def test_report_commands(programme: Workspace, tmp_path: Path) -> None:
    target = programme.target
    out = runner.invoke(
        app,
        [
            "report",
            "monthly",
            "--month",
            "2026-01",
            "-f",
            "xlsx,csv",
            "-o",
            str(tmp_path),
            "-w",
            target,
        ],
    )
    assert out.exit_code == 0, out.output
    assert "1,364 UXO" in out.output and (tmp_path / "monthly-2026-01.xlsx").exists()
    out = runner.invoke(app, ["report", "monthly", "-f", "xlsx", "-o", str(tmp_path), "-w", target])
    assert (
        out.exit_code == 0 and "In January 2026:" in out.output
    )  # the last month with land released
    out = runner.invoke(app, ["report", "monthly", "--month", "2026-1x", "-w", target])
    assert out.exit_code == 2 and "YYYY-MM" in out.output and "Traceback" not in out.output
    out = runner.invoke(
        app, ["report", "monthly", "--month", "2026-01", "-f", "docx", "-w", target]
    )
    assert out.exit_code == 2 and "unknown report format" in out.output
    out = runner.invoke(
        app,
        [
            "report",
            "donor",
            "--from",
            "2025-06-01",
            "--to",
            "2026-01-31",
            "-f",
            "html",
            "-o",
            str(tmp_path),
            "-w",
            target,
        ],
    )
    assert out.exit_code == 0 and (tmp_path / "donor-2025-06-01-2026-01-31.html").exists()
    out = runner.invoke(
        app, ["report", "donor", "--from", "2026-02-01", "--to", "2026-01-01", "-w", target]
    )
    assert out.exit_code == 2 and "ends (2026-01-01) before it starts" in out.output
    out = runner.invoke(app, ["report", "settlement", "Nowhere", "-w", target])
    assert out.exit_code == 2 and "no settlement called 'Nowhere'" in out.output
    out = runner.invoke(
        app,
        [
            "report",
            "casualties",
            "--year",
            "2026",
            "--include-personal-data",
            "-u",
            "intruder",
            "-w",
            target,
        ],
    )
    assert out.exit_code == 2 and "not entitled" in out.output
    out = runner.invoke(
        app,
        ["report", "casualties", "--year", "2026", "-f", "csv", "-o", str(tmp_path), "-w", target],
    )
    assert out.exit_code == 0
    assert not (tmp_path / "casualties-2026-csv" / "victims.csv").exists()


def test_the_standard_set_for_the_demo(programme: Workspace, tmp_path: Path) -> None:
    from landrelease.reports import standard_reports

    written = standard_reports(programme, tmp_path, user="builder", formats=["xlsx"])
    assert list(written) == [
        "monthly report 2026-01",
        "donor report 2025-02 to 2026-01",
        "settlement report Aghdam",
        "casualty report 2026",
    ]
    assert all(p.exists() and p.suffix == ".xlsx" for p in written.values())


def _red_share(pdf: Path, out: Path) -> float:
    """Share of the first page's top quarter drawn in the logo's red (pdftoppm, colour)."""
    out.mkdir()
    subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(pdf), str(out / "p")])
    img = np.asarray(Image.open(next(out.glob("p*.png"))).convert("RGB"), dtype=int)
    top = img[: img.shape[0] // 4]
    red = (top[..., 0] > 170) & (top[..., 1] < 80) & (top[..., 2] < 80)
    return float(red.mean())


@needs_poppler
def test_the_programme_profile_heads_the_pdf_with_its_logo(
    programme: Workspace, records: Records, tmp_path: Path
) -> None:
    from dataclasses import replace

    from landrelease.domain.programme import Programme, check_logo
    from landrelease.store.programme import read_programme, set_programme

    buf = io.BytesIO()
    Image.new("RGB", (300, 100), (210, 20, 20)).save(buf, "PNG")
    fresh = Workspace.create(str(tmp_path / "fresh.gpkg"), actor="im")
    (tmp_path / "logo.png").write_bytes(buf.getvalue())
    set_programme(
        fresh,
        actor="im",
        name="CMAC national programme",
        country="Cambodia",
        logo=tmp_path / "logo.png",
    )
    assert load_records(fresh).programme == read_programme(fresh)  # reports read the workspace's
    fresh.close()

    profile = Programme(
        name="CMAC national programme",
        country="Cambodia",
        logo=check_logo("logo.png", buf.getvalue()),
    )
    with_profile = replace(records, programme=profile)
    pdf = write_report(
        monthly_report(programme, month="2026-01", records=with_profile), tmp_path / "a", ["pdf"]
    )["pdf"]
    text = " ".join(pdf_text(pdf).split())
    assert "CMAC NATIONAL PROGRAMME · CAMBODIA · MONTHLY REPORT" in text  # the header, in capitals
    pages_n = int(re.findall(r"page \d+ of (\d+)", text)[0])
    assert len(re.findall(r"CMAC national programme page \d+ of", text)) == pages_n  # every foot
    assert "LANDRELEASE ·" not in text
    assert _red_share(pdf, tmp_path / "a-img") > 0.003  # the logo is drawn

    plain = write_report(
        monthly_report(programme, month="2026-01", records=records), tmp_path / "b", ["pdf"]
    )["pdf"]
    assert "LANDRELEASE · MONTHLY REPORT" in " ".join(pdf_text(plain).split())
    assert _red_share(plain, tmp_path / "b-img") < 0.0005


def test_spreadsheets_and_csv_folders_name_the_programme_and_keep_their_tables_plain(
    programme: Workspace, records: Records, tmp_path: Path
) -> None:
    from dataclasses import replace

    from landrelease.domain.programme import Programme

    profile = Programme(name="=CMAC national programme", country="Cambodia", currency="KHR")
    report = monthly_report(programme, month="2026-01", records=replace(records, programme=profile))
    # amounts stay in the currency they are recorded in, and the report says whose currency is what
    money = report.table("money_by_source")
    assert [c.label for c in money.columns][1::2] == ["received (USD)", "spent (USD)"]
    assert (
        "Amounts are in USD, the currency funding and expenditures are recorded in; the "
        "programme's currency, KHR, is that of its official estimates." in report.text()
    )
    assert "KHR" not in report.text().replace("currency, KHR,", "")
    usd = monthly_report(programme, month="2026-01", records=records)
    assert "Amounts are in USD" not in usd.text()  # said only where it could be misread
    written = write_report(report, tmp_path, ["xlsx", "csv"])
    wb = load_workbook(written["xlsx"])
    assert wb.sheetnames == ["summary", *[t.key for t in report.tables()], "about"]
    # the name is text, never a formula (it begins with '=' here)
    assert wb["summary"]["A1"].value == "'=CMAC national programme · Cambodia · monthly report"
    assert wb["summary"]["A2"].value == "Monthly mine action report"
    assert wb.properties.title == "=CMAC national programme: Monthly mine action report"
    about = {r[0]: r[1] for r in wb["about"].iter_rows(min_row=2, values_only=True)}
    assert about["programme"] == "'=CMAC national programme" and about["country"] == "Cambodia"
    assert about["period"] == "January 2026" and about["amounts in"] == "USD"
    assert about["report"] == "Monthly mine action report"
    # a table sheet is as before: its title, its header, its rows; nothing of the programme
    sheet = wb["released_by_method"]
    assert [c.value for c in sheet[2]] == ["method", "area (ha)", "activities"]
    assert all("CMAC" not in str(c.value) for row in sheet.iter_rows() for c in row)

    folder = written["csv"]
    summary = (folder / "summary.txt").read_text(encoding="utf-8").splitlines()
    assert summary[:4] == [
        "=CMAC national programme · Cambodia · monthly report",
        "programme: =CMAC national programme",
        "country: Cambodia",
        "report: Monthly mine action report",
    ]
    assert "amounts in: USD" in summary
    for table in folder.glob("*.csv"):  # plain tables: the header first, no programme line
        text = table.read_text(encoding="utf-8")
        assert "CMAC" not in text
    with (folder / "devices_by_type.csv").open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["device", "destroyed", "found, not destroyed"]
