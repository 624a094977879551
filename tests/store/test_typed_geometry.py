"""Typed geometry columns: every spatial table declares what it holds, GDAL reads and copies it.

Schema version 6 made the raw tables typed (hazards MultiPolygon, findings Point, front lines
MultiLineString …), one-part geometries stored multi-part; workspaces written before are
migrated when opened. The schema-5 workspaces under ``data/`` were written by landrelease at
commit 2655bef from :func:`tests.helpers.write_package`.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest
import shapely

from landrelease.errors import UsageError
from landrelease.io import export_package, import_package
from landrelease.store import Workspace, gis_views, migrations, schema, tables
from landrelease.store import geometry as geo
from landrelease.store.backup import restore
from tests.helpers import LAT0, LON0, total_records, write_package
from tests.store.test_gis_views import _gdal_source
from tests.store.test_workspace import _ogrinfo

DATA = Path(__file__).parent / "data"
V5_GPKG = DATA / "workspace-v5.gpkg.gz"
V5_POSTGIS = DATA / "workspace-v5-postgis.lrbackup.gz"
OGR_NAMES = {
    "POINT": "Point",
    "MULTIPOLYGON": "Multi Polygon",
    "MULTILINESTRING": "Multi Line String",
}
UNTYPED = {"minefield_records", "military_positions", "testimony", "infrastructure", "qa_visits"}
"""The layers that take several kinds (points and polygons …): GEOMETRY, split by the GIS views."""


def _spatial_tables() -> dict[str, str]:
    return {
        name: declared
        for name in schema.METADATA.tables
        if (declared := schema.declared_geometry(name)) is not None
    }


def _every(ws: Workspace) -> list[str]:
    return [] if ws.dialect == "sqlite" else ["-oo", "LIST_ALL_TABLES=YES"]


def _listing(ws: Workspace) -> dict[str, str]:
    """Layer → geometry type in brackets (``""`` without) from ``ogrinfo -so``."""
    out = subprocess.run(
        [_ogrinfo(), "-ro", "-so", "-q", *_every(ws), _gdal_source(ws)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    layers = {}
    for line in out.splitlines():
        if ": " not in line:
            continue
        rest = line.split(": ", 1)[1]
        name, _, kind = rest.partition(" (")
        layers[name] = kind.rstrip(")")
    return layers


def _copy(ws: Workspace, dst: Path, *layers: str) -> str:
    """``ogr2ogr`` ``layers`` of the workspace into a new GeoPackage; its stderr."""
    ogr2ogr = str(Path(_ogrinfo()).with_name("ogr2ogr"))
    done = subprocess.run(
        [ogr2ogr, "-f", "GPKG", *_every(ws), str(dst), _gdal_source(ws), *layers],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def _summary(path: Path, layer: str) -> str:
    return subprocess.run(
        [_ogrinfo(), "-ro", "-so", str(path), layer], capture_output=True, text=True, check=True
    ).stdout


def _stored_kinds(ws: Workspace) -> dict[str, set[str]]:
    """Table → the geometry types stored in it, read back from the database."""
    out: dict[str, set[str]] = {}
    with ws.engine.connect() as conn:
        for name in _spatial_tables():
            col = "geom" if ws.dialect == "sqlite" else "ST_AsBinary(geom)"
            values = [r[0] for r in conn.exec_driver_sql(f'SELECT {col} FROM "{name}"')]
            geoms = tables.decode_geometries(conn, values)
            out[name] = {
                geo.type_name(k)
                for g, k in zip(geoms, shapely.get_type_id(geoms), strict=True)
                if g is not None
            }
    return out


def _assert_typed(ws: Workspace) -> None:
    """GDAL reads every spatial table with the type it declares, and the rows hold that type."""
    listing = _listing(ws)
    for name, declared in _spatial_tables().items():
        if declared == "GEOMETRY":
            assert name in UNTYPED and listing[name] == "", (name, listing[name])
        else:
            assert listing[name] == OGR_NAMES[declared], (name, listing[name])
    for name, found in _stored_kinds(ws).items():
        kinds = {schema.GEOMETRY_TYPES[k] for k in schema.stored_kinds(name) or ()}
        assert found <= kinds, (name, found, kinds)


# -- what each table declares ----------------------------------------------------------------
def test_each_spatial_table_declares_the_type_it_holds() -> None:
    declared = _spatial_tables()
    for name in ("hazards", "activities", "land_use", "boundaries", "survey_parts"):
        assert declared[name] == "MULTIPOLYGON"
    for name in ("findings", "incidents", "settlements", "eore_sessions"):
        assert declared[name] == "POINT"
    assert declared["front_lines"] == "MULTILINESTRING"
    assert {n for n, d in declared.items() if d == "GEOMETRY"} == UNTYPED
    # a layer of several kinds stores the multi-part form of each kind it takes it in
    assert schema.stored_kinds("military_positions") == ("POINT", "MULTILINESTRING", "MULTIPOLYGON")
    assert schema.stored_kinds("testimony") == ("POINT", "MULTIPOLYGON")


def test_one_part_geometries_are_made_multi_part_and_other_kinds_refused() -> None:
    square = shapely.box(0, 0, 1, 1)
    two = shapely.MultiPolygon([square, shapely.box(2, 0, 3, 1)])
    made = geo.conform(np.array([square, None, two], dtype=object), ("MULTIPOLYGON",), "hazards")
    assert made[0].geom_type == "MultiPolygon" and made[0].geoms[0].equals(square)
    assert made[0].area == square.area and made[1] is None and made[2] is two
    assert geo.conform(np.array([shapely.Polygon()], dtype=object), ("MULTIPOLYGON",), "x")[
        0
    ].wkt == ("MULTIPOLYGON EMPTY")
    with pytest.raises(
        UsageError,
        match=r"hazards takes MultiPolygon or Polygon geometries; "
        r"1 LineString, 1 Point refused \(record 1, 3 of the batch\)",
    ):
        geo.conform(
            np.array([shapely.Point(0, 0), square, shapely.LineString([(0, 0), (1, 1)])]),
            ("MULTIPOLYGON",),
            "hazards",
        )
    mixed = geo.conform(
        np.array([shapely.Point(0, 0), square], dtype=object), ("POINT", "MULTIPOLYGON"), "t"
    )
    assert [g.geom_type for g in mixed] == ["Point", "MultiPolygon"]


def test_a_writer_stores_a_polygon_as_a_multipolygon_and_refuses_a_line(
    workspace: Workspace,
) -> None:
    part = {
        "survey_id": 1,
        "part_id": "HZ-0/1",
        "hazard_id": "HZ-0",
        "decision": "cancel",
        "area_m2": 1.0,
        "geom": shapely.box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01),
    }
    with workspace.begin() as conn:
        tables.insert_records(conn, "survey_parts", [part])
    line = {**part, "part_id": "HZ-0/2", "geom": shapely.LineString([(0, 0), (1, 1)])}
    refused = pytest.raises(UsageError, match="survey_parts takes MultiPolygon or Polygon")
    with refused, workspace.begin() as conn:
        tables.insert_records(conn, "survey_parts", [line])
    assert _stored_kinds(workspace)["survey_parts"] == {"MultiPolygon"}
    assert workspace.query("SELECT count(*) FROM survey_parts")[0][0] == 1


# -- a new workspace ---------------------------------------------------------------------------
@pytest.mark.gdal
def test_gdal_reads_every_spatial_layer_of_a_new_workspace_typed(
    workspace: Workspace, package: Path
) -> None:
    import_package(workspace, package)
    _assert_typed(workspace)
    assert _stored_kinds(workspace)["hazards"] == {"MultiPolygon"}  # imported as Polygons
    assert _stored_kinds(workspace)["front_lines"] == {"MultiLineString"}
    # importing the same file again, or the workspace's own export, changes nothing
    assert import_package(workspace, package).totals().unchanged == total_records()


@pytest.mark.gdal
def test_ogr2ogr_copies_the_layers_without_a_warning(
    workspace: Workspace, package: Path, tmp_path: Path
) -> None:
    import_package(workspace, package)
    views = [gis_views.view_name(workspace.dialect, v) for v in gis_views.layer_views()]
    layers = [*_spatial_tables(), *views]
    if workspace.dialect == "sqlite":
        layers.append("layer_styles")
    stderr = _copy(workspace, tmp_path / "copy.gpkg", *layers)
    assert "Warning" not in stderr, stderr
    hazards = _summary(tmp_path / "copy.gpkg", "hazards")
    assert "Geometry: Multi Polygon" in hazards and "Feature Count: 3" in hazards


# -- a workspace of schema version 5 -----------------------------------------------------------
def _v5_gpkg(tmp_path: Path) -> Path:
    target = tmp_path / "v5.gpkg"
    with gzip.open(V5_GPKG) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return target


def _assert_migrated(ws: Workspace, package: Path, tmp_path: Path) -> None:
    assert ws.query("SELECT max(version) FROM schema_migrations")[0][0] == migrations.LATEST == 6
    _assert_typed(ws)
    note = ws.query("SELECT actor, note FROM audit_log WHERE action = 'migrate'")
    assert len(note) == 1
    assert note[0][1] == (
        "one-part geometries stored multi-part, as their layer declares: hazards 3, "
        "activities 2, minefield_records 2, military_positions 1, front_lines 1, testimony 1, "
        "infrastructure 2, land_use 1, qa_visits 1"
    )
    areas = ws.read_layer("hazards").to_crs(ws.metric_crs())
    assert np.allclose(areas.area, areas["area_m2"].astype(float), rtol=1e-6)  # same shape
    views = [gis_views.view_name(ws.dialect, v) for v in gis_views.layer_views()]
    stderr = _copy(ws, tmp_path / "copy.gpkg", *_spatial_tables(), *views)
    assert "Warning" not in stderr, stderr
    assert "Geometry: Multi Polygon" in _summary(tmp_path / "copy.gpkg", "hazards")
    # the records imported before keep their fingerprint: the same file, or an export, is no change
    assert import_package(ws, package).totals().unchanged == total_records()
    export_package(ws, tmp_path / "exported")
    again = import_package(ws, tmp_path / "exported").totals()
    assert again.unchanged == total_records() and again.updated == again.stale == 0


@pytest.mark.gdal
def test_a_schema_5_geopackage_is_migrated_to_typed_columns(tmp_path: Path) -> None:
    target = _v5_gpkg(tmp_path)
    with sqlite3.connect(target) as db:
        before = dict(
            db.execute("SELECT table_name, geometry_type_name FROM gpkg_geometry_columns")
        )
    assert before["hazards"] == "GEOMETRY" and before["findings"] == "POINT"
    with Workspace.open(str(target)) as ws:
        _assert_migrated(ws, write_package(tmp_path / "pkg"), tmp_path)


@pytest.mark.gdal
@pytest.mark.postgis
def test_a_schema_5_postgis_backup_is_restored_with_typed_columns(
    pg_url: str, tmp_path: Path
) -> None:
    backup = tmp_path / "v5.lrbackup"
    with gzip.open(V5_POSTGIS) as src, open(backup, "wb") as dst:
        shutil.copyfileobj(src, dst)
    target = pg_url.rsplit("/", 1)[0] + "/" + pg_url.rsplit("/", 1)[1] + "_restored"
    try:
        assert restore(backup, target).manifest.schema_version == 5
        with Workspace.open(target) as ws:
            _assert_migrated(ws, write_package(tmp_path / "pkg"), tmp_path)
            assert len(ws.query("SELECT * FROM qgis.hazards")) == 3
            kinds = dict(ws.query("SELECT f_table_name, type FROM geometry_columns"))
            assert kinds["hazards"] == "MULTIPOLYGON" and kinds["testimony"] == "GEOMETRY"
    finally:
        import psycopg

        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {target.rsplit('/', 1)[1]} WITH (FORCE)")


def test_a_geometry_of_another_kind_stops_the_migration_and_changes_nothing(
    tmp_path: Path,
) -> None:
    target = _v5_gpkg(tmp_path)
    line = geo.to_gpkg_blobs(
        np.array([shapely.LineString([(LON0, LAT0), (LON0, LAT0 + 0.01)])]), 4326
    )
    raw = Workspace(Workspace._engine(str(target)), str(target))  # not migrated: as written
    with raw.begin() as conn:  # (its R-tree triggers need the workspace's SQL functions)
        conn.exec_driver_sql("UPDATE hazards SET geom = ? WHERE hazard_id = 'HZ-1'", (line[0],))
    raw.close()
    with pytest.raises(
        UsageError,
        match=r"hazards takes MultiPolygon or Polygon geometries; "
        r"1 stored record\(s\) hold another kind: HZ-1 \(LineString\)",
    ):
        Workspace.open(str(target))
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == 5
        kinds = dict(db.execute("SELECT table_name, geometry_type_name FROM gpkg_geometry_columns"))
        assert kinds["hazards"] == "GEOMETRY"
        assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'migrate'").fetchone() == (
            0,
        )


@pytest.mark.postgis
def test_a_postgis_geometry_of_another_kind_stops_the_migration(
    pg_url: str, tmp_path: Path
) -> None:
    with Workspace.create(pg_url) as ws:
        import_package(ws, write_package(tmp_path / "pkg"))
        with ws.begin() as conn:  # the hazards as schema 5 left them, a line drawn in by hand
            conn.exec_driver_sql("DROP VIEW qgis.hazards")
            conn.exec_driver_sql(
                "ALTER TABLE hazards ALTER COLUMN geom TYPE geometry(Geometry,4326) "
                "USING ST_GeometryN(geom, 1)"
            )
            conn.exec_driver_sql(
                "UPDATE hazards SET geom = ST_GeomFromText('LINESTRING(46.9 39.95, 46.9 39.96)', "
                "4326) WHERE hazard_id = 'HZ-2'"
            )
            conn.exec_driver_sql("DELETE FROM schema_migrations WHERE version = 6")
    with pytest.raises(
        UsageError,
        match=r"hazards takes MultiPolygon or Polygon geometries; "
        r"1 stored record\(s\) hold another kind: HZ-2 \(LineString\)",
    ):
        Workspace.open(pg_url)
    raw = Workspace(Workspace._engine(pg_url), pg_url)
    assert raw.query("SELECT max(version) FROM schema_migrations")[0][0] == 5
    assert raw.query("SELECT type FROM geometry_columns WHERE f_table_name = 'hazards'") == [
        ("GEOMETRY",)
    ]
    assert raw.query("SELECT GeometryType(geom) FROM hazards WHERE hazard_id = 'HZ-0'") == [
        ("POLYGON",)
    ]
    raw.close()
