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

from landrelease.domain import layer_by_name, vocab
from landrelease.domain.styles import (
    DECISION_STYLE,
    LAYER_STYLES,
    QA_PLAN_DECISIONS,
    RELEASE_METHODS,
    STATUS_STYLE,
    categorized_fill_qml,
)
from landrelease.records.rules import RELEASE_METHODS as LEDGER_METHODS
from landrelease.store import Workspace, gis_views, migrations, schema
from landrelease.store.styles import workspace_styles
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


def _expected_styled(ws: Workspace) -> dict[tuple[str, str], str]:
    """(schema, table or view) → the declared geometry of every layer a user opens in QGIS."""
    out: dict[tuple[str, str], str] = {}
    home = "" if ws.dialect == "sqlite" else "public"
    for name, table in schema.METADATA.tables.items():
        geom = table.columns.get(schema.GEOMETRY_COLUMN)
        if geom is not None:
            declared = geom.type.geometry_type
            out[(home, name)] = (
                layer_by_name(name).geometry[0] if declared == "GEOMETRY" else declared
            )
    for view in gis_views.layer_views():
        if view.geometry_type is None:
            continue
        key = (
            ("", gis_views.view_name("sqlite", view))
            if ws.dialect == "sqlite"
            else (
                gis_views.VIEW_SCHEMA,
                view.name,
            )
        )
        out[key] = view.geometry_type
    return out


def _layer_of(table: str) -> str:
    """The layer a table or GIS view shows (``qgis_infrastructure_lines`` → ``infrastructure``)."""
    name = table.removeprefix(gis_views.GPKG_PREFIX)
    for view in gis_views.layer_views():
        if view.name == name:
            return view.layer.name
    return name


SYMBOLS = {"POINT": "marker", "LINESTRING": "line", "POLYGON": "fill"}


@pytest.mark.gdal
def test_a_new_workspace_opens_every_layer_and_view_styled(workspace: Workspace) -> None:
    styles = _styles_read_by_gdal(workspace)
    expected = _expected_styled(workspace)
    assert set(styles) == set(expected)
    assert len(styles) == 39  # 19 tables with a geometry and 20 GIS views, one kind each
    if workspace.dialect != "sqlite":  # QGIS matches the database, schema, table and column
        assert {cat for cat, _, _ in styles.values()} == {workspace.engine.url.database}
    assert {col for _, col, _ in styles.values()} == {"geom"}
    for (where, table), (_, _, qml) in styles.items():
        root = ET.fromstring(qml.split("\n", 1)[1])  # each QML is an XML document
        renderer = root.find("renderer-v2")
        assert renderer is not None, table
        kinds = {s.get("type") for s in renderer.iter("symbol")}
        declared = expected[(where, table)].upper().removeprefix("MULTI")
        assert kinds == {SYMBOLS[declared]}, (table, kinds)
        style = LAYER_STYLES[_layer_of(table)]
        if style.field is not None:
            assert renderer.get("attr") == style.field
            values = [c.get("value") for c in renderer.iter("category")]
            assert values == [v for v, _, _ in style.categories]
        if style.label is not None:
            assert root.get("labelsEnabled") == "1"
            text = root.find("labeling/settings/text-style")
            assert text is not None and text.get("fieldName") == style.label
    hazards = styles[("", "qgis_hazards") if workspace.dialect == "sqlite" else ("qgis", "hazards")]
    assert 'attr="status"' in hazards[2] and 'value="worked_on"' in hazards[2]
    decisions = next(q for (_, t), (_, _, q) in styles.items() if t == "survey_parts")
    assert decisions.strip() == categorized_fill_qml("decision", DECISION_STYLE).strip()
    roads = styles[
        ("", "qgis_infrastructure_lines")
        if workspace.dialect == "sqlite"
        else ("qgis", "infrastructure_lines")
    ][2]
    assert 'label="Road"' in roads and 'value="111,99,84,255"' in roads  # the base map's #6f6354


def test_categories_are_the_vocabulary_in_field_words() -> None:
    """A categorised style names every value its field accepts, in the words of the forms
    (hazard status and survey decision: the web legend's words)."""
    web_legend = {"hazards": STATUS_STYLE, "survey_parts": DECISION_STYLE}
    for name, style in LAYER_STYLES.items():
        if style.field is None:
            continue
        values = tuple(v for v, _, _ in style.categories)
        labels = [label for _, label, _ in style.categories]
        if name in web_legend:
            assert style.categories == web_legend[name]
            continue
        if name == "land_release":
            assert values == RELEASE_METHODS == LEDGER_METHODS
        elif name == "qa_sampling_plans":
            assert values == QA_PLAN_DECISIONS
        else:
            field = layer_by_name(name).field(style.field)
            assert field is not None and values == field.choices, name
        assert labels == [vocab.choice_label(v) for v in values], name
        assert len({c for _, _, c in style.categories}) >= min(len(values), 3), name
    assert LAYER_STYLES["findings"].categories[0][1:] == ("Anti-personnel mine (AP)", "#ffd700")
    # every table with a geometry has a style
    spatial = {n for n, t in schema.METADATA.tables.items() if schema.GEOMETRY_COLUMN in t.columns}
    # and a layer of the decisions GeoPackage that is not a table of the workspace
    assert spatial | {"confirmation_sites"} == set(LAYER_STYLES)


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
    every = {s.table for s in workspace_styles("sqlite")}
    assert {"boundaries", "qgis_findings", "qgis_infrastructure_lines", "land_release"} <= every
    with sqlite3.connect(target) as con:
        names = {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")}
        assert names == every
        assert (
            con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
            == migrations.LATEST
        )
    Workspace.open(str(target)).close()  # opened again: nothing added twice
    with sqlite3.connect(target) as con:
        rows = con.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = 'hazards'")
        assert [r[0] for r in rows] == ["<qgis/>"]
        assert con.execute("SELECT count(*) FROM layer_styles").fetchone()[0] == len(every)
    out = subprocess.run([_ogrinfo(), "-ro", "-q", str(target)], capture_output=True, text=True)
    assert out.returncode == 0 and "layer_styles" in out.stdout, out.stderr
    assert "boundaries (Unknown (any))" in out.stdout or "boundaries" in out.stdout
