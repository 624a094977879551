"""The covariates table: added to an older workspace on open, kept out of what GIS users see
as layers, and round-tripping a raster's cells, grid and CRS exactly on both backends."""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from landrelease.store import Workspace, WriteContext
from landrelease.store.covariates import (
    CovariateRaster,
    covariate_stamp,
    read_covariates,
    write_covariate,
)


def _raster(values: np.ndarray) -> CovariateRaster:
    return CovariateRaster(
        name="population",
        kind="count",
        unit="people per cell",
        crs='GEOGCS["WGS 84",AUTHORITY["EPSG","4326"]]',
        transform=(0.01, 0.0, 46.5, 0.0, -0.01, 39.9),
        values=values,
        nodata=None,
        source="population.tif",
    )


def test_cells_grid_and_crs_round_trip_and_the_stamp_follows_changes(workspace: Workspace) -> None:
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    ctx = WriteContext("tester", None, "2026-12-05T00:00:00+00:00")
    with workspace.begin() as conn:
        assert covariate_stamp(conn) == ()
        assert write_covariate(conn, _raster(values), ctx) == "inserted"
    with workspace.engine.connect() as conn:
        (kept,) = read_covariates(conn)
        first = covariate_stamp(conn)
    np.testing.assert_array_equal(kept.values, values)
    assert kept.values.dtype == np.float32 and kept.transform == _raster(values).transform
    assert kept.crs == _raster(values).crs and kept.nodata is None
    with workspace.begin() as conn:
        assert write_covariate(conn, _raster(values), ctx) == "unchanged"
        assert write_covariate(conn, _raster(values * 2), ctx) == "updated"
        assert covariate_stamp(conn) != first


def test_an_older_workspace_gets_the_table_on_open_and_gis_software_does_not_list_it(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    path = str(tmp_path / "old.gpkg")
    Workspace.create(path, actor="tester").close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql('DROP TABLE "covariates"')
        conn.exec_driver_sql("DELETE FROM gpkg_contents WHERE table_name = 'covariates'")
    engine.dispose()
    ws = Workspace.open(path)
    with ws.engine.connect() as conn:
        assert sa.inspect(conn).has_table("covariates")
        assert read_covariates(conn) == []
        listed = {r[0] for r in conn.exec_driver_sql("SELECT table_name FROM gpkg_contents")}
    assert "covariates" not in listed and "hazards" in listed
    ws.close()
