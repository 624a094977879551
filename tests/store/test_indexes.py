"""Spatial and attribute indexes: made with the workspace, added to older ones, used by bbox reads."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import shapely

from landrelease.io import import_package
from landrelease.store import Workspace, indexes, migrations, schema
from landrelease.store import geometry as geo
from tests.helpers import LAT0, LON0, feature, square, write_fc, write_package
from tests.store.test_workspace import _ogrinfo

V1_GPKG = Path(__file__).parent / "data" / "workspace-v1.gpkg.gz"
"""A workspace written by landrelease at schema version 1 (before indexes), holding
tests.helpers.write_package: 3 hazards, findings, incidents… (commit 3a355e2)."""

HZ0_BBOX = (LON0 + 0.002, LAT0 + 0.002, LON0 + 0.004, LAT0 + 0.004)
"""Inside hazard HZ-0 (the square at LON0, LAT0) and no other."""


def _attribute_indexes() -> dict[str, set[str]]:
    return {name: {str(ix.name) for ix in t.indexes} for name, t in schema.METADATA.tables.items()}


def _present_indexes(ws: Workspace) -> tuple[dict[str, set[str]], set[str]]:
    """(attribute indexes by table, spatial indexes) the workspace holds."""
    import sqlalchemy as sa

    with ws.engine.connect() as conn:
        insp = sa.inspect(conn)
        attrs = {
            name: {str(ix["name"]) for ix in insp.get_indexes(name)}
            for name in schema.METADATA.tables
        }
        if ws.dialect == "sqlite":
            spatial = {
                f"{r[0]}.{r[1]}"
                for r in conn.exec_driver_sql(
                    "SELECT e.table_name, e.column_name FROM gpkg_extensions e "
                    "JOIN sqlite_master m ON m.name = 'rtree_' || e.table_name || '_' || e.column_name "
                    "WHERE e.extension_name = 'gpkg_rtree_index'"
                )
            }
        else:
            spatial = {
                f"{r[0]}.{schema.GEOMETRY_COLUMN}"
                for r in conn.exec_driver_sql(
                    "SELECT tablename FROM pg_indexes WHERE indexdef ILIKE %s",
                    ("%USING gist (geom)%",),
                )
            }
    return attrs, spatial


def _assert_every_index(ws: Workspace) -> None:
    attrs, spatial = _present_indexes(ws)
    for table, wanted in _attribute_indexes().items():
        assert wanted <= attrs[table], (table, wanted - attrs[table])
    assert spatial == {f"{t}.{c}" for t, c in indexes.spatial_tables()}
    assert len(spatial) >= 15  # 12 spatial layers, the ledger, QA plans and samples, survey parts


def _rtree_matches_geometries(ws: Workspace, table: str) -> int:
    """Check the R-tree holds exactly each feature's bounding box; return how many it holds."""
    rows = [tuple(r) for r in ws.query(f'SELECT fid, geom FROM "{table}" WHERE geom IS NOT NULL')]
    boxes = {r[0]: r[1:] for r in map(tuple, ws.query(f'SELECT * FROM "rtree_{table}_geom"'))}
    geoms = geo.from_gpkg_blobs([r[1] for r in rows])
    expected = {
        r[0]: np.asarray(shapely.bounds(g))[[0, 2, 1, 3]]
        for r, g in zip(rows, geoms, strict=True)
        if not g.is_empty
    }
    assert set(boxes) == set(expected), table
    for fid, box in expected.items():
        # the R-tree stores 32-bit floats rounded outwards
        assert np.allclose(boxes[fid], box, atol=1e-5), (table, fid)
    return len(boxes)


def test_a_new_workspace_has_every_index(workspace: Workspace) -> None:
    _assert_every_index(workspace)


def test_a_workspace_of_schema_version_1_gets_its_indexes_filled(tmp_path: Path) -> None:
    target = tmp_path / "old.gpkg"
    with gzip.open(V1_GPKG) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    before = Workspace(Workspace._engine(str(target)), str(target))  # no upgrade
    assert before.query("SELECT max(version) FROM schema_migrations")[0][0] == 1
    assert not before.query("SELECT name FROM sqlite_master WHERE name LIKE 'rtree_%'")
    before.close()
    ws = Workspace.open(str(target))
    assert ws.query("SELECT max(version) FROM schema_migrations")[0][0] == migrations.LATEST
    _assert_every_index(ws)
    assert _rtree_matches_geometries(ws, "hazards") == 3
    assert _rtree_matches_geometries(ws, "findings") > 0
    found = ws.read_layer("hazards", bbox=HZ0_BBOX)
    assert found["hazard_id"].tolist() == ["HZ-0"]
    ws.close()


@pytest.mark.postgis
def test_a_postgis_workspace_without_indexes_gets_them(pg_url: str, tmp_path: Path) -> None:
    ws = Workspace.create(pg_url)
    import_package(ws, write_package(tmp_path / "pkg"))
    with ws.begin() as conn:  # back to what schema version 1 made: no index beyond the keys
        for wanted in _attribute_indexes().values():
            for name in wanted:
                conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')
        for table, column in indexes.spatial_tables():
            conn.exec_driver_sql(f'DROP INDEX "{indexes.gist_name(table, column)}"')
        conn.exec_driver_sql("DELETE FROM schema_migrations WHERE version > 1")
    ws.close()
    ws = Workspace(Workspace._engine(pg_url), pg_url)
    assert _present_indexes(ws)[1] == set()
    ws.close()
    ws = Workspace.open(pg_url)
    _assert_every_index(ws)
    ws.close()


def test_bbox_reads_find_what_the_geometry_says(workspace: Workspace, package: Path) -> None:
    import_package(workspace, package)
    assert workspace.read_layer("hazards", bbox=HZ0_BBOX)["hazard_id"].tolist() == ["HZ-0"]
    everything = (LON0 - 1, LAT0 - 1, LON0 + 1, LAT0 + 1)
    all_hazards = workspace.read_layer("hazards")
    assert len(workspace.read_layer("hazards", bbox=everything)) == len(all_hazards) == 3
    assert workspace.read_layer("hazards", bbox=(0.0, 0.0, 1.0, 1.0)).empty
    findings = workspace.read_layer("findings")
    box = shapely.box(*HZ0_BBOX).buffer(0.01).bounds
    inside = findings.geometry.intersects(shapely.box(*box))
    expected = sorted(findings.loc[inside, "finding_id"])
    assert expected and sorted(workspace.read_layer("findings", bbox=box)["finding_id"]) == expected


def test_bbox_reads_refuse_a_layer_without_geometry(workspace: Workspace) -> None:
    from landrelease.errors import UsageError

    with pytest.raises(UsageError, match="funding has no geometry"):
        workspace.read_layer("funding", bbox=(0.0, 0.0, 1.0, 1.0))


def test_the_rtree_follows_inserts_updates_and_deletes(tmp_path: Path) -> None:
    ws = Workspace.create(str(tmp_path / "w.gpkg"))
    import_package(ws, write_package(tmp_path / "pkg"))
    assert _rtree_matches_geometries(ws, "hazards") == 3
    moved = tmp_path / "moved"
    moved.mkdir()
    write_fc(
        moved / "hazards.geojson",
        [
            feature(
                {
                    "hazard_id": "HZ-0",
                    "classification": "SHA",
                    "status": "active",
                    "date_of_information": "2030-01-01",
                },
                square(LON0 + 0.5, LAT0 + 0.5),
            )
        ],
    )
    assert import_package(ws, moved).totals().updated == 1
    _rtree_matches_geometries(ws, "hazards")
    assert ws.read_layer("hazards", bbox=HZ0_BBOX).empty
    far = (LON0 + 0.501, LAT0 + 0.501, LON0 + 0.502, LAT0 + 0.502)
    assert ws.read_layer("hazards", bbox=far)["hazard_id"].tolist() == ["HZ-0"]
    with ws.begin() as conn:
        conn.exec_driver_sql("UPDATE hazards SET geom = NULL WHERE hazard_id = 'HZ-1'")
        conn.exec_driver_sql("DELETE FROM hazards WHERE hazard_id = 'HZ-2'")
    assert _rtree_matches_geometries(ws, "hazards") == 1
    ws.close()


@pytest.mark.gdal
def test_gdal_uses_the_rtree_and_keeps_it_current(tmp_path: Path) -> None:
    """QGIS-style access: ogrinfo with a spatial filter goes through the R-tree, finds HZ-0 only."""
    ogrinfo = _ogrinfo()
    path = str(tmp_path / "w.gpkg")
    ws = Workspace.create(path)
    import_package(ws, write_package(tmp_path / "pkg"))
    ws.close()
    spat = [str(v) for v in HZ0_BBOX]
    out = subprocess.run(
        [ogrinfo, "-ro", "-q", path, "hazards", "-spat", *spat, "--debug", "on"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert 'JOIN "rtree_hazards_geom"' in out.stderr or '"rtree_hazards_geom"' in out.stderr
    assert "hazard_id (String) = HZ-0" in out.stdout
    assert "HZ-1" not in out.stdout and "HZ-2" not in out.stdout
    # an edit made in GDAL (as in QGIS) moves HZ-1 into the box; the app then reads it there
    subprocess.run(
        [
            ogrinfo,
            path,
            "-sql",
            "UPDATE hazards SET geom = (SELECT geom FROM hazards WHERE hazard_id = 'HZ-0') "
            "WHERE hazard_id = 'HZ-1'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    ws = Workspace.open(path)
    assert sorted(ws.read_layer("hazards", bbox=HZ0_BBOX)["hazard_id"]) == ["HZ-0", "HZ-1"]
    _rtree_matches_geometries(ws, "hazards")
    ws.close()


@pytest.mark.postgis
def test_postgis_answers_bbox_queries_from_the_gist_index(pg_url: str, tmp_path: Path) -> None:
    ws = Workspace.create(pg_url)
    import_package(ws, write_package(tmp_path / "pkg"))
    with ws.engine.connect() as conn:
        cond, params = indexes.bbox_condition(conn, "findings", HZ0_BBOX)
        conn.exec_driver_sql("SET enable_seqscan = off")  # a few rows: the planner would scan
        plan = "\n".join(
            r[0]
            for r in conn.exec_driver_sql(f"EXPLAIN SELECT fid FROM findings WHERE {cond}", params)
        )
    assert "gix_findings_geom" in plan, plan
    ws.close()


def test_envelopes_of_blobs_written_by_landrelease_and_by_gdal() -> None:
    """The R-tree triggers' functions read the header envelope, or the WKB where GDAL writes none."""
    import struct

    poly = shapely.box(1.0, 2.0, 3.0, 5.0)
    ours = geo.to_gpkg_blobs(np.array([poly, shapely.Polygon()], dtype=object), 4326)
    assert geo.gpkg_envelope(ours[0]) == (1.0, 3.0, 2.0, 5.0)
    assert geo.gpkg_envelope(ours[1]) is None  # empty: not indexed
    gdal_point = b"GP\x00\x01" + struct.pack("<i", 4326) + shapely.to_wkb(shapely.Point(7, 8))
    assert geo.gpkg_envelope(gdal_point) == (7.0, 7.0, 8.0, 8.0)
    big_endian = b"GP\x00\x02" + struct.pack(">i4d", 4326, 1, 3, 2, 5) + shapely.to_wkb(poly)
    assert geo.gpkg_envelope(big_endian) == (1.0, 3.0, 2.0, 5.0)
    assert geo.gpkg_envelope(None) is None and geo.gpkg_envelope(b"not a geometry") is None
