"""No text a programme imports becomes a live formula in a spreadsheet it publishes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from landrelease.io import import_package, spreadsheet_safe
from landrelease.reports import donor_report, monthly_report, write_report
from landrelease.store import Workspace
from landrelease.web import create_app
from landrelease.web.auth import add_user

ATTACK = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (ATTACK, "'" + ATTACK),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Japan", "Japan"),
        ("", ""),
        (-5, -5),
        (1.5, 1.5),
        (None, None),
    ],
)
def test_text_that_would_run_is_quoted_and_numbers_stay_numbers(
    value: object, written: object
) -> None:
    assert spreadsheet_safe(value) == written


@pytest.fixture(scope="module")
def attacked(programme: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    folder = tmp_path_factory.mktemp("attack")
    with (folder / "funding.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["funding_id", "date", "source", "amount_usd", "purpose"])
        w.writerow(["FU-ATTACK", "2026-01-12", ATTACK, 1000, "clearance"])
    report = import_package(programme, folder, actor="attacker")
    assert report.committed, [str(i) for i in report.issues]
    return programme


def _cells(path: Path) -> list[tuple[str, object]]:
    wb = load_workbook(path)
    return [(c.data_type, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_a_funding_source_is_text_in_the_xlsx_and_quoted_in_the_csv_reports(
    attacked: Workspace, tmp_path: Path
) -> None:
    for report in (
        monthly_report(attacked, month="2026-01", figures=False),
        donor_report(attacked, start="2026-01-01", end="2026-01-31", figures=False),
    ):
        written = write_report(report, tmp_path / report.name, ["xlsx", "csv"])
        cells = _cells(written["xlsx"])
        assert not [v for t, v in cells if t == "f"], report.name
        assert ("s", "'" + ATTACK) in cells, report.name
        assert any(t == "n" and v == 1000 for t, v in cells)  # numbers stay numbers
        found = [
            cell
            for table in written["csv"].glob("*.csv")
            for row in csv.reader(table.open(encoding="utf-8"))
            for cell in row
            if ATTACK in cell
        ]
        assert found and all(cell == "'" + ATTACK for cell in found), report.name


def test_the_funding_download_is_quoted_and_imports_back_unchanged(
    attacked: Workspace, tmp_path: Path
) -> None:
    add_user(
        attacked, "im-x", password="correct horse battery", role="information_manager", actor="t"
    )
    app = create_app(attacked.target)
    with TestClient(app) as client:
        r = client.post(
            "/api/token", json={"username": "im-x", "password": "correct horse battery"}
        )
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = client.get("/downloads/layers/funding.csv", headers=auth)
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(r.text.splitlines()))
    assert [x["source"] for x in rows if x["funding_id"] == "FU-ATTACK"] == ["'" + ATTACK]
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "funding.csv").write_bytes(r.content)
    again = import_package(attacked, tmp_path / "pkg", actor="t")
    assert again.committed and (again.totals().inserted, again.totals().updated) == (0, 0)
    funding = attacked.read_layer("funding")
    assert ATTACK in set(funding["source"])
