"""The decisions GeoPackage opens in QGIS drawn as on the web map: its style travels inside it."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from landrelease.domain.styles import DECISION_STYLE, categorized_fill_qml
from landrelease.store import Workspace
from landrelease.survey.decisions import SurveyResult, SurveyRule
from landrelease.survey.store import write_decisions
from tests.store.test_workspace import _ogrinfo


def test_the_qml_names_every_decision_with_the_web_colours() -> None:
    root = ET.fromstring(categorized_fill_qml("decision", DECISION_STYLE).split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("attr") == "decision"
    values = [c.get("value") for c in renderer.iter("category")]
    assert values == ["cancel", "technical_survey", "battle_area_clearance", "clearance"]
    colours = [o.get("value") for o in root.iter("Option") if o.get("name") == "color"]
    assert colours[0] == "94,158,214,255"  # #5e9ed6, the web legend's cancel


def test_the_decisions_file_carries_its_style_and_gdal_reads_it(tmp_path: Path) -> None:
    parts = gpd.GeoDataFrame(
        {
            "part_id": ["HZ-1/CA", "HZ-1/TE"],
            "hazard_id": ["HZ-1", "HZ-1"],
            "decision": ["cancel", "technical_survey"],
            "area_m2": [100.0, 100.0],
        },
        geometry=[shapely.box(44, 40, 44.001, 40.001), shapely.box(44.001, 40, 44.002, 40.001)],
        crs="EPSG:4326",
    )
    gpkg = write_decisions(SurveyResult(parts, SurveyRule()), tmp_path / "decisions.gpkg")
    with sqlite3.connect(gpkg) as con:
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles"
        ).fetchall()
    assert len(rows) == 1
    table, column, default, qml = rows[0]
    assert (table, column, default) == ("survey_parts", "geom", 1)
    assert 'attr="decision"' in qml
    out = subprocess.run(
        [_ogrinfo(), "-q", str(gpkg)], capture_output=True, text=True, check=True
    ).stdout
    assert "survey_parts (Multi Polygon)" in out and "layer_styles" in out
    area = subprocess.run(
        [_ogrinfo(), "-q", str(gpkg), "-sql", "SELECT area_m2, area_ha FROM survey_parts"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "area_ha (Real) = 0.01" in area


def _gdal_source(ws: Workspace) -> str:
    if ws.dialect == "sqlite":
        return ws.target
    url = ws.engine.url
    return f"PG:host={url.host} port={url.port} user={url.username} dbname={url.database}"


def _styles_read_by_gdal(ws: Workspace) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(schema, table) → (catalogue, geometry column, QML) of the default styles, read by GDAL."""
    catalog = "''" if ws.dialect == "sqlite" else "f_table_catalog"
    sql = (
        f"SELECT {catalog} AS cat, f_table_schema AS sch, f_table_name AS tab, "
        "f_geometry_column AS col, styleQML AS qml FROM layer_styles WHERE useAsDefault"
    )
    ogr2ogr = str(Path(_ogrinfo()).with_name("ogr2ogr"))
    out = subprocess.run(
        [ogr2ogr, "-f", "CSV", "/vsistdout/", _gdal_source(ws), "-sql", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "ERROR" not in out.stderr, out.stderr
    return {
        (row["sch"] or "", row["tab"]): (row["cat"] or "", row["col"], row["qml"])
        for row in csv.DictReader(io.StringIO(out.stdout))
    }


@pytest.mark.gdal
def test_a_new_workspace_opens_its_layers_and_views_styled(workspace: Workspace) -> None:
    styles = _styles_read_by_gdal(workspace)
    if workspace.dialect == "sqlite":
        assert set(styles) == {("", "hazards"), ("", "qgis_hazards"), ("", "survey_parts")}
    else:  # QGIS matches the database, the schema, the table and the geometry column
        database = workspace.engine.url.database
        assert set(styles) == {
            ("public", "hazards"),
            ("qgis", "hazards"),
            ("public", "survey_parts"),
        }
        assert {cat for cat, _, _ in styles.values()} == {database}
    assert {col for _, col, _ in styles.values()} == {"geom"}
    for table in ("hazards", "qgis_hazards"):
        qml = next(q for (_, t), (_, _, q) in styles.items() if t in (table, "hazards"))
        assert 'attr="status"' in qml and 'value="worked_on"' in qml
    decisions = next(q for (_, t), (_, _, q) in styles.items() if t == "survey_parts")
    assert decisions.strip() == categorized_fill_qml("decision", DECISION_STYLE).strip()


def test_an_older_workspace_gets_its_styles_when_opened_and_keeps_edited_ones(
    tmp_path: Path,
) -> None:
    from tests.store.test_indexes import V1_GPKG

    target = tmp_path / "old.gpkg"
    with gzip.open(V1_GPKG) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    with sqlite3.connect(target) as con:  # written before the GIS views: their style is missing
        names = {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")}
        assert names == {"hazards", "survey_parts"}
        # someone restyles the hazards in QGIS and saves the style over the default
        con.execute("UPDATE layer_styles SET styleQML = '<qgis/>' WHERE f_table_name = 'hazards'")
    Workspace.open(str(target)).close()
    with sqlite3.connect(target) as con:
        names = {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")}
        assert names == {"hazards", "qgis_hazards", "survey_parts"}
    Workspace.open(str(target)).close()  # opened again: nothing added twice
    with sqlite3.connect(target) as con:
        rows = con.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = 'hazards'")
        assert [r[0] for r in rows] == ["<qgis/>"]
        assert con.execute("SELECT count(*) FROM layer_styles").fetchone()[0] == 3
    out = subprocess.run([_ogrinfo(), "-ro", "-q", str(target)], capture_output=True, text=True)
    assert out.returncode == 0 and "layer_styles" in out.stdout, out.stderr
