"""The workspace on both backends: same schema, same behaviour."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from landrelease.domain import LAYERS
from landrelease.errors import UsageError
from landrelease.io import export_package, import_package
from landrelease.store import Workspace, area_m2, gis_views, migrations
from tests.helpers import (
    LAT0,
    LON0,
    feature,
    layer_features,
    square,
    total_records,
    write_fc,
    write_package,
)


def test_new_workspace_has_every_layer_and_latest_schema(workspace: Workspace) -> None:
    assert set(workspace.counts()) == {layer.name for layer in LAYERS}
    assert all(n == 0 for n in workspace.counts().values())
    with workspace.begin() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
    assert workspace.meta()["created_by"] == "tester"


def test_open_refuses_a_workspace_from_a_newer_version(ws_target: str) -> None:
    Workspace.create(ws_target).close()
    ws = Workspace.open(ws_target)
    with ws.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO schema_migrations (version, description) VALUES (999, 'future')"
        )
    ws.close()
    with pytest.raises(UsageError, match="newer than this landrelease"):
        Workspace.open(ws_target)


def test_import_counts_every_record_and_reimport_changes_nothing(
    workspace: Workspace, package: Path
) -> None:
    first = import_package(workspace, package, actor="im")
    assert first.ok, first.issues
    assert first.committed
    assert first.totals().inserted == total_records()
    counts = workspace.counts()
    assert counts["hazards"] == 3 and counts["findings"] == 3 and counts["funding"] == 3
    second = import_package(workspace, package, actor="im")
    assert second.totals().as_dict() == {
        "inserted": 0,
        "updated": 0,
        "unchanged": total_records(),
        "stale": 0,
    }
    assert workspace.counts() == counts


def test_values_come_back_as_imported(workspace: Workspace, package: Path) -> None:
    import_package(workspace, package)
    hz = workspace.read_layer("hazards").set_index("hazard_id")
    assert hz.loc["HZ-0", "blockages"] == ["road", "agriculture"]
    assert hz.loc["HZ-0", "reported"] == "2021-03-01"
    assert hz.loc["HZ-0", "extra"] == {"local_name": "field 0"}
    act = workspace.read_layer("activities").set_index("activity_id")
    assert act.loc["ACT-1", "asset"] == ["manual", "dog"]
    assert act.loc["ACT-2", "asset"] == "machine"
    assert act.loc["ACT-1", "depth_cm"] == 15.0
    inc = workspace.read_layer("incidents")
    assert inc.loc[0, "victims"][1] == {"age": 12, "gender": "female", "outcome": "injured"}
    assert bool(inc.loc[0, "civilian"]) and isinstance(inc.loc[0, "civilian"], bool | np.bool_)
    assert "victims" not in workspace.read_layer("incidents", include_personal=False).columns
    org = workspace.read_layer("organisations").set_index("organisation_id")
    assert org.loc["ANAMA", "accredited_methods"] == ["NTS", "TS", "clearance"]
    assert org.loc["HALO", "accredited_methods"] == ["TS", "clearance"]


def test_areas_are_computed_in_the_metric_crs(workspace: Workspace, package: Path) -> None:
    import_package(workspace, package)
    assert workspace.metric_crs() == "EPSG:32638"
    hz = workspace.read_layer("hazards")
    # independent check: geodesic area on the WGS84 ellipsoid, within 0.1 % of UTM's
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    for geom, a in zip(hz.geometry, hz["area_m2"], strict=True):
        expected = abs(geod.geometry_area_perimeter(geom)[0])
        assert a == pytest.approx(expected, rel=1e-3)
    assert 900_000 < hz["area_m2"].iloc[0] < 960_000  # 0.01° × 0.01° at 40° N ≈ 0.95 km²


def test_area_helper_on_a_known_square() -> None:
    # a 1 km square built in UTM 38N, taken to degrees and measured back
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:32638", "EPSG:4326", always_xy=True)
    x0, y0 = 500_000.0, 4_420_000.0
    xs, ys = tr.transform([x0, x0 + 1000, x0 + 1000, x0, x0], [y0, y0, y0 + 1000, y0 + 1000, y0])
    poly = shapely.Polygon(list(zip(xs, ys, strict=True)))
    assert area_m2(shapely.from_wkb([shapely.to_wkb(poly)]), "EPSG:32638")[0] == pytest.approx(
        1e6, rel=1e-9
    )


def _modified_hazard(tmp_path: Path, doi: str | None, status: str) -> Path:
    folder = tmp_path / f"upd-{doi}-{status}"
    folder.mkdir()
    props = {"hazard_id": "HZ-9", "classification": "SHA", "status": status}
    if doi:
        props["date_of_information"] = doi
    write_fc(folder / "hazards.geojson", [feature(props, square(LON0, LAT0))])
    return folder


def test_date_of_information_rule(workspace: Workspace, tmp_path: Path) -> None:
    def status() -> str:
        return str(workspace.read_layer("hazards").set_index("hazard_id").loc["HZ-9", "status"])

    assert import_package(workspace, _modified_hazard(tmp_path, "2024-01-10", "active")).committed
    earlier = import_package(workspace, _modified_hazard(tmp_path, "2023-12-31", "closed"))
    assert earlier.totals().stale == 1 and status() == "active"
    equal = import_package(workspace, _modified_hazard(tmp_path, "2024-01-10", "worked_on"))
    assert equal.totals().stale == 1 and status() == "active"
    none = import_package(workspace, _modified_hazard(tmp_path, None, "closed"))
    assert none.totals().stale == 1 and status() == "active"
    later = import_package(
        workspace, _modified_hazard(tmp_path, "2024-01-10T08:00:00Z", "worked_on")
    )
    assert later.totals().updated == 1 and status() == "worked_on"


def test_every_change_is_audited_with_before_and_after(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_package(workspace, _modified_hazard(tmp_path, "2024-01-10", "active"), actor="alice")
    import_package(workspace, _modified_hazard(tmp_path, "2024-02-01", "closed"), actor="bob")
    rows = workspace.query(
        "SELECT actor, action, record_id, before, after FROM audit_log ORDER BY fid"
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("alice", "insert", "HZ-9"),
        ("bob", "update", "HZ-9"),
    ]
    before, after = (json.loads(v) if isinstance(v, str) else v for v in rows[1][3:5])
    assert before["status"] == "active" and after["status"] == "closed"
    assert after["updated_by"] == "bob" and after["created_by"] == "alice"
    # imported as a Polygon, recorded as stored: hazards are MultiPolygon (schema version 6)
    assert before["geometry"]["type"] == "MultiPolygon"
    assert len(before["geometry"]["coordinates"]) == 1


def test_export_then_import_is_lossless(
    workspace: Workspace, package: Path, tmp_path: Path
) -> None:
    import_package(workspace, package)
    out = tmp_path / "exported"
    export_package(workspace, out)
    again = Workspace.create(str(tmp_path / "again.gpkg"))
    assert import_package(again, out).ok
    for layer in LAYERS:
        a = workspace.read_layer(layer.name)
        b = again.read_layer(layer.name)
        pd.testing.assert_frame_equal(
            a.drop(columns="geometry", errors="ignore"),
            b.drop(columns="geometry", errors="ignore"),
            check_dtype=False,
        )
        if layer.spatial:
            assert shapely.equals_exact(a.geometry.values, b.geometry.values, tolerance=0).all()
    # and importing the export into the source workspace changes nothing
    assert import_package(workspace, out).totals().as_dict()["unchanged"] == total_records()


def test_gpkg_export_round_trip(workspace: Workspace, package: Path, tmp_path: Path) -> None:
    import_package(workspace, package)
    out = tmp_path / "exported.gpkg"
    export_package(workspace, out, fmt="gpkg")
    report = import_package(workspace, out)
    assert report.ok, report.issues
    assert report.totals().unchanged == total_records()


def test_export_without_personal_data(workspace: Workspace, package: Path, tmp_path: Path) -> None:
    import_package(workspace, package)
    export_package(workspace, tmp_path / "shared", include_personal=False)
    text = (tmp_path / "shared" / "incidents.geojson").read_text()
    assert "victims" not in text and "female" not in text
    assert '"killed": 1' in text


def test_export_refuses_to_overwrite(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(UsageError, match="exists already"):
        export_package(workspace, tmp_path / "out")


@pytest.mark.gdal
def test_workspace_file_opens_in_gdal(tmp_path: Path) -> None:
    """The embedded workspace is a GeoPackage that Debian's GDAL (as QGIS uses) opens with every layer."""
    ogrinfo = _ogrinfo()
    ws = Workspace.create(str(tmp_path / "w.gpkg"))
    import_package(ws, write_package(tmp_path / "pkg"))
    ws.close()
    out = subprocess.run(
        [ogrinfo, "-ro", "-so", str(tmp_path / "w.gpkg")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Warning" not in out.stderr and "ERROR" not in out.stderr, out.stderr
    for layer in LAYERS:
        assert f": {layer.name}" in out.stdout
    detail = subprocess.run(
        [ogrinfo, "-ro", "-al", "-so", str(tmp_path / "w.gpkg"), "hazards"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Feature Count: 3" in detail and "EPSG" in detail and "4326" in detail
    feats = subprocess.run(
        [
            ogrinfo,
            "-ro",
            "-q",
            str(tmp_path / "w.gpkg"),
            "-sql",
            "SELECT hazard_id, area_m2, geom FROM hazards WHERE hazard_id = 'HZ-0'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "HZ-0" in feats and "POLYGON" in feats


@pytest.mark.gdal
def test_exports_open_in_gdal(tmp_path: Path) -> None:
    ogrinfo = _ogrinfo()
    ws = Workspace.create(str(tmp_path / "w.gpkg"))
    import_package(ws, write_package(tmp_path / "pkg"))
    export_package(ws, tmp_path / "out")
    export_package(ws, tmp_path / "out.gpkg", fmt="gpkg")
    for f in sorted((tmp_path / "out").glob("*.geojson")):
        res = subprocess.run([ogrinfo, "-ro", "-so", "-al", str(f)], capture_output=True, text=True)
        assert res.returncode == 0 and "Feature Count" in res.stdout, (f, res.stderr)
    res = subprocess.run(
        [ogrinfo, "-ro", "-so", str(tmp_path / "out.gpkg")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "may only be partially supported" not in res.stderr
    for name in ("hazards", "findings", "funding", "assets"):
        assert f": {name}" in res.stdout


def _ogrinfo() -> str:
    import os
    import shutil

    path = shutil.which("ogrinfo")
    if path:
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("Debian's gdal-bin (ogrinfo) is missing: scripts/system-deps.sh installs it")
    pytest.skip("Debian's gdal-bin (ogrinfo) not installed")


def test_layer_features_cover_every_spatial_layer() -> None:
    spatial = {layer.name for layer in LAYERS if layer.spatial}
    assert spatial == set(layer_features())


def test_opening_an_older_workspace_applies_the_new_migrations(
    ws_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Workspace.create(ws_target).close()

    def add_column(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("ALTER TABLE hazards ADD COLUMN survey_note TEXT")

    newer = (
        *migrations.MIGRATIONS,
        migrations.Migration(migrations.LATEST + 1, "hazard survey note", add_column),
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", newer)
    monkeypatch.setattr(migrations, "LATEST", migrations.LATEST + 1)
    ws = Workspace.open(ws_target)
    with ws.begin() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
    assert ws.query("SELECT count(survey_note) FROM hazards")[0][0] == 0
    ws.close()
    Workspace.open(ws_target).close()  # applied once only


def test_tables_added_to_the_schema_appear_in_older_workspaces(ws_target: str) -> None:
    ws = Workspace.create(ws_target)
    with ws.begin() as conn:
        conn.exec_driver_sql("DROP TABLE audit_log")
    ws.close()
    ws = Workspace.open(ws_target)
    assert ws.query("SELECT count(*) FROM audit_log")[0][0] == 0
    ws.close()


def test_optional_fields_added_to_the_contract_appear_in_older_workspaces(
    ws_target: str, package: Path
) -> None:
    """A workspace made before an optional field existed gets its column when opened, keeps
    its records, and imports the field."""
    from landrelease.store import gis_views

    ws = Workspace.create(ws_target)
    view = next(v for v in gis_views.layer_views() if v.layer.name == "activities")
    name = gis_views.view_name(ws.engine.dialect.name, view)
    with ws.begin() as conn:
        conn.exec_driver_sql(f"DROP VIEW {name}")  # as it was before the field existed
        conn.exec_driver_sql('ALTER TABLE activities DROP COLUMN "searched_share"')
        conn.exec_driver_sql(f"CREATE VIEW {name} AS SELECT activity_id FROM activities")
    ws.close()
    ws = Workspace.open(ws_target)
    assert import_package(ws, package).committed
    rows = ws.query("SELECT count(*), count(searched_share) FROM activities")[0]
    assert rows[0] > 0
    # the clean GIS view shows the new field too
    assert ws.query(f"SELECT count(searched_share) FROM {name}")[0][0] == rows[1]
    ws.close()


@pytest.mark.gdal
def test_every_table_but_the_private_ones_is_a_layer_in_gdal(tmp_path: Path) -> None:
    from landrelease.store.schema import METADATA

    Workspace.create(str(tmp_path / "w.gpkg")).close()
    out = subprocess.run(
        [_ogrinfo(), "-ro", "-so", str(tmp_path / "w.gpkg")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    listed = {
        line.split(": ", 1)[1].split(" (")[0]
        for line in out.splitlines()
        if ": " in line and line.split(":")[0].strip().isdigit()
    }
    # and QGIS's own table of layer styles, so that the layers open styled, and the clean views
    views = {gis_views.view_name("sqlite", v) for v in gis_views.layer_views()}
    assert listed == (set(METADATA.tables) - migrations.PRIVATE_TABLES) | {"layer_styles"} | views
    assert "web_users" not in listed
