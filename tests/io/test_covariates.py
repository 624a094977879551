"""Covariate rasters of the evidence package: kept on both backends, re-imports change nothing,
every bad raster refused with a message naming the file, what is wrong and what is accepted,
and the kept raster exported back as the same GeoTIFF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine

from landrelease.errors import Severity
from landrelease.io import export_package, import_package
from landrelease.store import Workspace
from landrelease.store.covariates import read_covariates
from landrelease.store.tables import read_table
from tests.helpers import write_package


def _hazard_bounds(pkg: Path) -> tuple[float, float, float, float]:
    coords: list[list[float]] = []
    for f in json.loads((pkg / "hazards.geojson").read_text())["features"]:
        g = f["geometry"]
        rings = (
            g["coordinates"] if g["type"] == "Polygon" else [r for p in g["coordinates"] for r in p]
        )
        for ring in rings:
            coords.extend(ring)
    xy = np.asarray(coords)
    return (
        float(xy[:, 0].min()),
        float(xy[:, 1].min()),
        float(xy[:, 0].max()),
        float(xy[:, 1].max()),
    )


def write_raster(
    path: Path,
    values: np.ndarray,
    bounds: tuple[float, float, float, float],
    *,
    crs: str | None = "EPSG:4326",
    nodata: float | None = -9999.0,
    **extra: Any,
) -> Path:
    """A GeoTIFF of ``values`` (bands first when 3-D) spread over ``bounds``."""
    bands = values if values.ndim == 3 else values[None]
    h, w = bands.shape[1:]
    x0, y0, x1, y1 = bounds
    profile = {
        "driver": "GTiff",
        "width": w,
        "height": h,
        "count": bands.shape[0],
        "dtype": str(bands.dtype),
        "transform": Affine((x1 - x0) / w, 0, x0, 0, -(y1 - y0) / h, y1),
        "nodata": nodata,
        **extra,
    }
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(bands)
    return path


def dem(shape: tuple[int, int] = (40, 50)) -> np.ndarray:
    r, c = np.mgrid[0 : shape[0], 0 : shape[1]]
    return (300 + 5.0 * r + 2.0 * c).astype(np.float32)


def _padded(b: tuple[float, float, float, float], pad: float = 0.01) -> tuple[float, ...]:
    return (b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad)


def _errors(report: Any) -> list[str]:
    return [str(i) for i in report.log.issues(Severity.ERROR)]


def test_an_elevation_raster_is_kept_audited_and_a_reimport_changes_nothing(
    tmp_path: Path, workspace: Workspace
) -> None:
    pkg = write_package(tmp_path / "pkg")
    values = dem()
    write_raster(pkg / "elevation.tif", values, _padded(_hazard_bounds(pkg)))
    report = import_package(workspace, pkg, actor="tester")
    assert report.committed, _errors(report)
    assert report.covariates == {"elevation": "inserted"}
    with workspace.engine.connect() as conn:
        (kept,) = read_covariates(conn)
        audit = read_table(conn, "audit_log", where={"layer": "covariates"})
    assert kept.name == "elevation" and kept.unit == "m" and kept.kind == "continuous"
    np.testing.assert_array_equal(kept.values, values)
    assert kept.nodata == -9999.0 and "WGS 84" in kept.crs
    assert list(audit["action"]) == ["insert"] and list(audit["record_id"]) == ["elevation"]

    again = import_package(workspace, pkg, actor="tester")
    assert again.covariates == {"elevation": "unchanged"}
    values[0, 0] = 1234.5
    write_raster(pkg / "elevation.tif", values, _padded(_hazard_bounds(pkg)))
    changed = import_package(workspace, pkg, actor="tester")
    assert changed.covariates == {"elevation": "updated"}
    with workspace.engine.connect() as conn:
        (kept,) = read_covariates(conn)
        audit = read_table(conn, "audit_log", where={"layer": "covariates"})
    assert kept.values[0, 0] == pytest.approx(1234.5)
    assert list(audit["action"]) == ["insert", "update"]
    before, after = (
        json.loads(v) if isinstance(v, str) else v for v in audit.iloc[1][["before", "after"]]
    )
    assert before["content_hash"] != after["content_hash"] and after["width"] == 50


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        (
            "elevation.tif",
            lambda p, b: write_raster(p, dem(), b, crs=None),
            "has no coordinate reference system",
        ),
        (
            "elevation.tif",
            lambda p, b: write_raster(p, np.full((10, 10), -9999, np.float32), b),
            "holds no value: every cell is nodata",
        ),
        (
            "elevation.tif",
            lambda p, b: write_raster(p, dem() + 9000, b),
            "2,000 cell(s) outside the accepted range (lowest 9300, highest 9593 m) "
            "(accepted: -500..9,000 m; mark missing cells as nodata)",
        ),
        (
            "elevation.tif",
            lambda p, b: write_raster(p, dem(), (b[0] + 5, b[1], b[2] + 5, b[3])),
            "does not overlap the hazards",
        ),
        (
            "elevation.tif",
            lambda p, b: write_raster(p, np.stack([dem(), dem()]), b),
            "has 2 bands (accepted: a single-band GeoTIFF)",
        ),
        (
            "landcover.tif",
            lambda p, b: write_raster(
                p, np.array([[10, 40], [41, 50]], dtype=np.uint8), b, nodata=0
            ),
            "codes = 41: 1 cell(s) hold codes that are not land-cover classes (accepted: the land-cover codes 10, 20",
        ),
        (
            "population.tif",
            lambda p, b: write_raster(p, np.full((4, 4), -3.0, np.float32), b),
            "16 cell(s) outside the accepted range",
        ),
    ],
)
def test_a_bad_covariate_is_refused_naming_the_file_the_problem_and_what_is_accepted(
    tmp_path: Path, name: str, make: Any, expected: str
) -> None:
    ws = Workspace.create(str(tmp_path / "ws.gpkg"), actor="tester")
    pkg = write_package(tmp_path / "pkg")
    make(pkg / name, _padded(_hazard_bounds(pkg)))
    report = import_package(ws, pkg, actor="tester")
    errors = _errors(report)
    assert not report.committed
    assert any(e.startswith(f"{name}: ") and expected in e for e in errors), errors
    with ws.engine.connect() as conn:
        assert read_covariates(conn) == []
        assert read_table(conn, "hazards").empty  # the whole import was refused
    ws.close()


def test_an_unknown_raster_is_an_error_unless_ignored(tmp_path: Path) -> None:
    ws = Workspace.create(str(tmp_path / "ws.gpkg"), actor="tester")
    pkg = write_package(tmp_path / "pkg")
    write_raster(pkg / "slope.tif", dem(), _padded(_hazard_bounds(pkg)))
    refused = import_package(ws, pkg, actor="tester")
    (error,) = _errors(refused)
    assert "slope.tif" in error and "not a layer of the evidence package" in error
    assert "covariate rasters elevation.tif, landcover.tif, population.tif" in error
    kept = import_package(ws, pkg, actor="tester", ignore_unknown=True)
    assert kept.committed and kept.covariates == {}
    ws.close()


def test_export_writes_each_kept_covariate_as_a_geotiff_that_reads_back_the_same(
    tmp_path: Path,
) -> None:
    ws = Workspace.create(str(tmp_path / "ws.gpkg"), actor="tester")
    pkg = write_package(tmp_path / "pkg")
    bounds = _padded(_hazard_bounds(pkg))
    write_raster(pkg / "elevation.tif", dem(), bounds)
    assert import_package(ws, pkg, actor="tester").committed
    report = export_package(ws, tmp_path / "out")
    assert report.rasters == {"elevation.tif": 2000} and "elevation.tif" not in report.files
    with (
        rasterio.open(tmp_path / "out" / "elevation.tif") as src,
        rasterio.open(pkg / "elevation.tif") as orig,
    ):
        np.testing.assert_array_equal(src.read(1), orig.read(1))
        assert src.crs == orig.crs and src.transform.almost_equals(orig.transform)
        assert src.tags(1)["units"] == "m"
    # the exported package imports back with nothing to change
    again = import_package(ws, tmp_path / "out", actor="tester")
    assert again.committed and again.covariates == {"elevation": "unchanged"}
    ws.close()


def test_the_qgis_project_of_a_folder_export_lists_the_rasters_under_the_layers(
    tmp_path: Path,
) -> None:
    import xml.etree.ElementTree as ET

    ws = Workspace.create(str(tmp_path / "ws.gpkg"), actor="tester")
    pkg = write_package(tmp_path / "pkg")
    write_raster(pkg / "elevation.tif", dem(), _padded(_hazard_bounds(pkg)))
    assert import_package(ws, pkg, actor="tester").committed
    report = export_package(ws, tmp_path / "shared", qgis=True)
    ws.close()
    assert report.project is not None
    root = ET.parse(report.project).getroot()
    groups = [g.get("name") for g in root.findall("layer-tree-group/layer-tree-group")]
    assert groups[-1] == "Terrain & people"  # the last group: drawn under the others
    (node,) = root.findall(
        "layer-tree-group/layer-tree-group[@name='Terrain & people']/layer-tree-layer"
    )
    assert (node.get("name"), node.get("providerKey")) == ("elevation", "gdal")
    (layer,) = root.findall("projectlayers/maplayer[@type='raster']")
    source = layer.findtext("datasource")
    assert source == "./shared/elevation.tif"
    assert layer.findtext("srs/spatialrefsys/authid") == "EPSG:4326"
    assert "metres" in (layer.findtext("abstract") or "")
    with rasterio.open(report.project.parent / source) as src:  # the path QGIS resolves
        assert src.shape == (40, 50)


def test_a_zipped_package_brings_its_rasters_in_a_folder_or_at_the_root(tmp_path: Path) -> None:
    import shutil

    pkg = write_package(tmp_path / "pkg")
    write_raster(pkg / "Elevation.TIF", dem(), _padded(_hazard_bounds(pkg)))
    for root_dir, base_dir in ((tmp_path, "pkg"), (pkg, ".")):
        archive = shutil.make_archive(str(tmp_path / f"z-{base_dir}"), "zip", root_dir, base_dir)
        ws = Workspace.create(str(tmp_path / f"ws-{base_dir}.gpkg"), actor="tester")
        report = import_package(ws, archive, actor="tester")
        ws.close()
        assert report.committed, _errors(report)
        assert report.covariates == {"elevation": "inserted"}


def test_a_raster_too_large_or_rotated_is_refused_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import landrelease.io.covariates as covariates_io

    monkeypatch.setattr(covariates_io, "MAX_COVARIATE_CELLS", 1000)
    ws = Workspace.create(str(tmp_path / "ws.gpkg"), actor="tester")
    pkg = write_package(tmp_path / "pkg")
    b = _padded(_hazard_bounds(pkg))
    write_raster(pkg / "elevation.tif", dem(), b)  # 40 × 50 = 2,000 cells
    rotated = Affine((b[2] - b[0]) / 50, 0.001, b[0], 0.0, -(b[3] - b[1]) / 40, b[3])
    write_raster(pkg / "population.tif", dem(), b, transform=rotated)
    report = import_package(ws, pkg, actor="tester")
    ws.close()
    errors = _errors(report)
    assert (
        "elevation.tif: too large: 50 × 40 = 2,000 cells "
        "(accepted: at most 1,000 cells; resample it to a coarser cell first)"
    ) in errors
    assert any(
        e.startswith("population.tif: transform = (")
        and "is not a north-up grid (rotated, sheared or flipped)" in e
        for e in errors
    ), errors
    assert not report.committed
