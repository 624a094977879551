"""The read model, the run store and the plain tables, on both backends."""

from __future__ import annotations

import threading
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from landrelease.errors import UsageError
from landrelease.io import import_package
from landrelease.store import Workspace, WorkspaceView, runs, tables
from landrelease.store.crs import metric_crs_rule, utm_crs_for


def test_the_metric_crs_rule_is_the_stored_one_else_the_data_s_utm_zone() -> None:
    assert metric_crs_rule("EPSG:32612", (46.9, 39.9, 47.1, 40.1)) == "EPSG:32612"
    assert metric_crs_rule(None, (46.9, 39.9, 47.1, 40.1)) == "EPSG:32638"  # Karabakh
    assert metric_crs_rule(None, (104.8, 11.5, 105.0, 11.6)) == "EPSG:32648"  # Cambodia
    assert metric_crs_rule(None, (-75.6, 6.2, -75.5, 6.3)) == "EPSG:32618"  # Antioquia
    assert metric_crs_rule(None, (30.4, -1.9, 30.5, -1.8)) == "EPSG:32736"  # south
    assert metric_crs_rule(None, None) is None
    assert metric_crs_rule(None, (float("nan"),) * 4) is None
    assert utm_crs_for(-180.0, 0.0) == "EPSG:32601"


def test_a_view_reads_each_layer_once_and_projects_it_once(
    workspace: Workspace, package: Path
) -> None:
    import_package(workspace, package, actor="im")
    view = WorkspaceView(workspace)
    a = view.metric("hazards")
    b = view.metric("hazards")
    view.layer("hazards")
    assert view.reads["hazards"] == 1
    assert a.crs == b.crs == view.metric_crs == workspace.metric_crs()
    a["extra_column"] = 1  # a caller's column stays in its own copy
    assert "extra_column" not in view.metric("hazards")
    assert view.data_date is not None
    assert str(view.data_month) == view.data_date.isoformat()[:7]


def test_the_metric_crs_of_a_workspace_without_a_stored_one_comes_from_its_data(
    tmp_path: Path, package: Path
) -> None:
    ws = Workspace.create(str(tmp_path / "w.gpkg"), actor="t")
    with pytest.raises(UsageError, match="no spatial records"):
        _ = WorkspaceView(ws).metric_crs
    import_package(ws, package, actor="im")
    stored = ws.metric_crs()
    with ws.begin() as conn:
        ws.set_meta(conn, "metric_crs", "")
    assert WorkspaceView(ws).metric_crs == stored
    ws.close()


def test_released_land_comes_from_the_ledger_only(workspace: Workspace, package: Path) -> None:
    import_package(workspace, package, actor="im")
    view = WorkspaceView(workspace)
    assert view.released_by_hazard() == {}  # approved activities not booked yet: nothing
    square = shapely.MultiPolygon([shapely.box(46.90, 39.90, 46.901, 39.901)])
    with workspace.begin() as conn:
        tables.insert_records(
            conn,
            "land_release",
            [
                {
                    "activity_id": "ACT-1",
                    "hazard_id": "HZ-0",
                    "method": "reduced",
                    "area_m2": 1200.5,
                    "released_on": "2022-05-15",
                    "geom": square,
                },
                {
                    "activity_id": "ACT-1",
                    "hazard_id": "HZ-0",
                    "method": "cancelled",
                    "area_m2": 99.5,
                    "released_on": "2022-05-15",
                    "geom": square,
                },
            ],
        )
    assert WorkspaceView(workspace).released_by_hazard() == {"HZ-0": 1300.0}


def test_blocking_pairs_are_open_hazards_within_the_setting(
    workspace: Workspace, package: Path
) -> None:
    import_package(workspace, package, actor="im")
    view = WorkspaceView(workspace)
    pairs = view.blocking_pairs(radius_m=1e6)
    hz = view.layer("hazards")
    st = view.layer("settlements")
    open_ids = set(hz.loc[hz["status"] != "closed", "hazard_id"])
    assert set(pairs["hazard_id"]) == open_ids
    assert len(pairs) == len(open_ids) * len(st)
    assert (pairs["distance_m"] <= 1e6).all()
    assert (
        view.blocking_pairs(radius_m=0.0001).empty
        or (view.blocking_pairs(radius_m=0.0001)["distance_m"] <= 0.0001).all()
    )


def test_a_run_gets_the_id_the_database_gave_it_even_with_two_writers(
    workspace: Workspace,
) -> None:
    """Two writers add runs at once: each id read back names the writer's own run."""
    ids: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def write(actor: str) -> None:
        try:
            for _ in range(15):
                with workspace.begin() as conn:
                    run_id = runs.add_run(
                        conn,
                        "plan",
                        {"created_by": actor, "parameters": {"who": actor}, "summary": {}},
                    )
                    ids[actor].append(run_id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(a,)) for a in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(ids["a"]) | set(ids["b"])) == 30
    with workspace.engine.connect() as conn:
        for actor, own in ids.items():
            for run_id in own:
                row = runs.read_run(conn, "plan", run_id)
                assert row is not None
                assert row["created_by"] == actor
                assert row["parameters"] == {"who": actor}
        assert runs.latest_run(conn, "plan") == max(ids["a"] + ids["b"])
        assert runs.latest_run(conn, "forecast") is None
        assert runs.read_run(conn, "forecast") is None


def test_tables_filter_by_value_list_range_and_empty(workspace: Workspace) -> None:
    rows = [
        {
            "activity_id": f"ACT-{i}",
            "hazard_id": f"HZ-{i % 3}",
            "method": "cleared",
            "area_m2": float(i),
            "released_on": f"2024-0{1 + i % 9}-01",
            "geom": shapely.MultiPolygon([shapely.box(46.9, 39.9, 46.9 + 0.001 * (i + 1), 39.91)]),
        }
        for i in range(1000)
    ]
    with workspace.begin() as conn:
        assert tables.insert_records(conn, "land_release", rows) == 1000
        hz0 = tables.read_table(conn, "land_release", where={"hazard_id": "HZ-0"})
        assert len(hz0) == 334
        many = tables.read_table(
            conn, "land_release", where={"activity_id": [f"ACT-{i}" for i in range(950)]}
        )
        assert len(many) == 950  # more than one statement's bound values
        assert list(many["fid"]) == sorted(many["fid"])
        spring = tables.read_table(
            conn, "land_release", where={"released_on": tables.Between("2024-03-01", "2024-04-30")}
        )
        assert set(spring["released_on"]) == {"2024-03-01", "2024-04-01"}
        assert tables.read_table(conn, "land_release", where={"activity_id": []}).empty
        assert isinstance(hz0, gpd.GeoDataFrame)
        assert tables.count_where(conn, "land_release", {"hazard_id": ["HZ-1", "HZ-2"]}) == 666
        n = tables.update_where(conn, "land_release", {"area_m2": 5.0}, {"hazard_id": "HZ-2"})
        assert n == 333
        with pytest.raises(ValueError, match="retire"):
            tables.delete_where(conn, "land_release", {"hazard_id": "HZ-2"})


def test_json_columns_keep_dicts_lists_and_text_alike(workspace: Workspace) -> None:
    with workspace.begin() as conn:
        a = runs.add_run(conn, "plan", {"parameters": {"horizon": "2032-12"}, "summary": [1, 2]})
        b = runs.add_run(conn, "plan", {"parameters": '{"horizon": "2030-12"}', "summary": "[3]"})
        assert runs.read_run(conn, "plan", a)["parameters"] == {"horizon": "2032-12"}  # type: ignore[index]
        assert runs.read_run(conn, "plan", a)["summary"] == [1, 2]  # type: ignore[index]
        assert runs.read_run(conn, "plan", b)["parameters"] == {"horizon": "2030-12"}  # type: ignore[index]
        assert runs.read_run(conn, "plan", b)["summary"] == [3]  # type: ignore[index]


def test_the_stored_metric_crs_is_read_without_reading_any_layer(
    workspace: Workspace, package: Path
) -> None:
    import_package(workspace, package, actor="im")
    view = WorkspaceView(workspace)
    assert view.metric_crs == workspace.metric_crs()
    assert not view.reads


def test_a_view_as_of_a_day_reads_nothing_again(workspace: Workspace, package: Path) -> None:
    import datetime as dt

    import_package(workspace, package, actor="im")
    view = WorkspaceView(workspace)
    everything = view.layer("findings")
    past = view.known_on(dt.date(2022, 5, 2))
    then = past.layer("findings")
    assert sorted(then["date"]) == ["2022-05-01", "2022-05-02"] and len(everything) == 3
    past.layer("hazards")
    view.layer("hazards")
    assert view.reads["findings"] == 1 and view.reads["hazards"] == 1 and not past.reads
    assert WorkspaceView(workspace, as_of=dt.date(2022, 5, 2)).layer("findings").equals(then)
