"""The decisions GeoPackage opens in QGIS drawn as on the web map: its style travels inside it."""

from __future__ import annotations

import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import shapely

from landrelease.domain.styles import DECISION_STYLE, categorized_fill_qml
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
    assert "survey_parts" in out and "layer_styles" in out


def test_a_new_workspace_opens_its_hazards_and_decisions_styled(tmp_path: Path) -> None:
    from landrelease.store import Workspace

    ws = Workspace.create(str(tmp_path / "w.gpkg"))
    ws.close()
    with sqlite3.connect(tmp_path / "w.gpkg") as con:
        styles = dict(
            con.execute(
                "SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault"
            ).fetchall()
        )
    assert set(styles) == {"hazards", "survey_parts"}
    assert 'attr="status"' in styles["hazards"] and 'value="worked_on"' in styles["hazards"]
    out = subprocess.run(
        [_ogrinfo(), "-ro", "-q", str(tmp_path / "w.gpkg")], capture_output=True, text=True
    )
    assert out.returncode == 0 and "ERROR" not in out.stderr, out.stderr
