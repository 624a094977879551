"""Clean GIS layers: the views QGIS users open, read through GDAL on both backends."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from landrelease.io import import_package
from landrelease.store import Workspace, gis_views, migrations, schema
from tests.helpers import write_package
from tests.store.test_indexes import HZ0_BBOX, V1_GPKG
from tests.store.test_workspace import _ogrinfo

SYSTEM = {"extra", "area_m2", *schema.PROVENANCE_COLUMNS}


def _gdal_source(ws: Workspace) -> str:
    if ws.dialect == "sqlite":
        return ws.target
    url = ws.engine.url
    return f"PG:host={url.host} port={url.port} user={url.username} dbname={url.database}"


def _ogr(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    every = [] if ws.dialect == "sqlite" else ["-oo", "LIST_ALL_TABLES=YES"]
    return subprocess.run(
        [_ogrinfo(), "-ro", *every, _gdal_source(ws), *args],
        capture_output=True,
        text=True,
        check=True,
    )


def _fields(summary: str) -> dict[str, str]:
    """Field name → OGR type from an ``ogrinfo -so`` layer summary."""
    out = {}
    for line in summary.split("Geometry Column", 1)[-1].splitlines()[1:]:
        if ": " in line and "(" in line:
            name, rest = line.split(": ", 1)
            out[name.strip()] = rest.split(" (")[0]
    return out


def _layer(ws: Workspace, view: gis_views.LayerView) -> str:
    return gis_views.view_name(ws.dialect, view)


def test_every_user_layer_has_a_view_with_its_kinds_split() -> None:
    views = {v.name: v for v in gis_views.layer_views()}
    assert views["hazards"].geometry_type == "MULTIPOLYGON"
    assert views["findings"].geometry_type == "POINT"
    assert {n for n in views if n.startswith("military_positions")} == {
        "military_positions_points",
        "military_positions_lines",
        "military_positions_polygons",
    }
    assert views["funding"].geometry_type is None
    assert "victims" not in views["incidents"].columns()  # personal data stays in the table


@pytest.mark.gdal
def test_views_open_in_gdal_clean_and_typed(workspace: Workspace, package: Path) -> None:
    import_package(workspace, package)
    listing = _ogr(workspace, "-so").stdout
    for view in gis_views.layer_views():
        name = _layer(workspace, view)
        kind = {"POINT": "Point", "MULTIPOLYGON": "Multi Polygon"}.get(view.geometry_type or "")
        assert f": {name}" + (f" ({kind})" if kind else "") in listing, name
    hazards = next(v for v in gis_views.layer_views() if v.name == "hazards")
    summary = _ogr(workspace, "-so", _layer(workspace, hazards)).stdout
    assert "Geometry: Multi Polygon" in summary and "Feature Count: 3" in summary
    fields = _fields(summary)
    fields.pop("fid", None)  # PostGIS views have no key: GDAL shows fid as a field too
    assert set(fields) == set(hazards.columns()) - {"fid", "geom"}
    assert not SYSTEM & set(fields)
    assert fields["area_ha"] == "Real" and fields["reported"] == "Date"
    assert fields["blockages"] == "String"
    rows = {
        r[0]: r[1:]
        for r in workspace.query(
            f"SELECT hazard_id, area_ha, blockages FROM {_layer(workspace, hazards)}"
        )
    }
    areas = workspace.read_layer("hazards").set_index("hazard_id")["area_m2"]
    for hid, (ha, _) in rows.items():
        assert ha == pytest.approx(areas[hid] / 10_000, abs=1e-5)
    assert rows["HZ-0"][1] == "road, agriculture"
    activities = next(v for v in gis_views.layer_views() if v.name == "activities")
    assets = dict(
        workspace.query(f"SELECT activity_id, asset FROM {_layer(workspace, activities)}")
    )
    assert assets == {"ACT-1": "manual, dog", "ACT-2": "machine"}


@pytest.mark.gdal
def test_views_answer_a_spatial_filter(workspace: Workspace, package: Path) -> None:
    import_package(workspace, package)
    spat = ["-spat", *(str(v) for v in HZ0_BBOX)]
    out = _ogr(
        workspace,
        "-q",
        "qgis.hazards" if workspace.dialect != "sqlite" else "qgis_hazards",
        *spat,
        "--debug",
        "on",
    )
    assert "hazard_id (String) = HZ-0" in out.stdout
    assert "HZ-1" not in out.stdout and "HZ-2" not in out.stdout
    assert "MULTIPOLYGON" in out.stdout or workspace.dialect == "sqlite"
    if workspace.dialect == "sqlite":  # GDAL goes through the table's R-tree
        assert 'JOIN "rtree_hazards_geom"' in out.stderr, out.stderr
    # a mixed layer's views keep their own kind of geometry only
    mixed = _layer(
        workspace, next(v for v in gis_views.layer_views() if v.name == "military_positions_points")
    )
    pts = _ogr(workspace, "-q", mixed).stdout
    assert "POINT" in pts and "LINESTRING" not in pts and "POLYGON" not in pts


def test_views_leave_out_retired_records(workspace: Workspace, package: Path) -> None:
    import_package(workspace, package)
    with workspace.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE hazards SET retired_at = created_at, retired_by = 'tester' "
            "WHERE hazard_id = 'HZ-2'"
        )
    name = gis_views.view_name(workspace.dialect, gis_views.layer_views()[0])
    assert sorted(r[0] for r in workspace.query(f"SELECT hazard_id FROM {name}")) == [
        "HZ-0",
        "HZ-1",
    ]


@pytest.mark.postgis
def test_postgis_view_bbox_queries_use_an_index(pg_url: str, tmp_path: Path) -> None:
    ws = Workspace.create(pg_url)
    import_package(ws, write_package(tmp_path / "pkg"))

    def plan(view: str) -> str:
        with ws.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")  # a few rows: the planner would scan
            return "\n".join(
                str(r[0])
                for r in conn.exec_driver_sql(
                    f"EXPLAIN SELECT * FROM qgis.{view} "
                    "WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
                    HZ0_BBOX,
                )
            )

    # the table's column has the view's type: its own GIST index answers, no second index
    assert "gix_hazards_geom" in plan("hazards"), plan("hazards")
    # a view of one kind of a mixed layer converts the geometry: an index on that expression
    assert "gix_testimony_polygons_typed" in plan("testimony_polygons")
    typed = {
        r[0]
        for r in ws.query("SELECT indexname FROM pg_indexes WHERE right(indexname, 6) = '_typed'")
    }
    assert "gix_hazards_typed" not in typed and "gix_testimony_polygons_typed" in typed
    ws.close()


def test_an_older_workspace_gets_area_in_hectares_and_views(tmp_path: Path) -> None:
    target = tmp_path / "old.gpkg"
    with gzip.open(V1_GPKG) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    ws = Workspace.open(str(target))
    assert ws.query("SELECT max(version) FROM schema_migrations")[0][0] == migrations.LATEST
    rows = ws.query("SELECT area_m2, area_ha FROM hazards")
    assert len(rows) == 3 and all(ha == pytest.approx(m2 / 10_000, abs=1e-5) for m2, ha in rows)
    assert len(ws.query("SELECT * FROM qgis_hazards")) == 3
    ws.close()


def test_area_in_hectares_follows_the_area(workspace: Workspace, package: Path) -> None:
    import_package(workspace, package)
    with workspace.begin() as conn:
        conn.exec_driver_sql("UPDATE hazards SET area_m2 = 25000 WHERE hazard_id = 'HZ-0'")
    assert workspace.query("SELECT area_ha FROM hazards WHERE hazard_id = 'HZ-0'")[0][0] == 2.5
