"""The same layers from GeoPackage, zipped Shapefile, KML, CSV and XLSX import to the same records."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from landrelease.domain import LAYERS
from landrelease.io import import_package
from landrelease.store import Workspace
from tests.helpers import write_package

SPATIAL = [layer for layer in LAYERS if layer.spatial]


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists and objects as JSON text, as flat formats carry them."""
    out = frame.copy()
    for col in out.columns:
        if col == "geometry":
            continue
        out[col] = out[col].map(
            lambda v: (
                json.dumps(list(v) if not isinstance(v, dict | str) else v)
                if hasattr(v, "__len__") and not isinstance(v, str)
                else v
            )
        )
    return out


def _frames(package: Path) -> dict[str, gpd.GeoDataFrame]:
    frames = {}
    for layer in SPATIAL:
        path = package / layer.filename
        if path.exists():
            frames[layer.name] = _as_text(pyogrio.read_dataframe(path, DATE_AS_STRING="YES"))
    return frames


def _import(tmp_path: Path, source: Path, name: str) -> Workspace:
    ws = Workspace.create(str(tmp_path / f"{name}.gpkg"))
    report = import_package(ws, source)
    assert report.ok, [str(i) for i in report.issues]
    return ws


@pytest.fixture
def reference(tmp_path: Path, package: Path) -> Workspace:
    return _import(tmp_path, package, "reference")


def _same_records(
    a: Workspace, b: Workspace, layers: list[str], fields: tuple[str, ...] = ()
) -> None:
    for name in layers:
        fa, fb = a.read_layer(name), b.read_layer(name)
        layer = next(x for x in LAYERS if x.name == name)
        assert sorted(fa[layer.id_field]) == sorted(fb[layer.id_field]), name
        fa, fb = (
            fa.set_index(layer.id_field).sort_index(),
            fb.set_index(layer.id_field).sort_index(),
        )
        for f in fields:
            if f in fa.columns:
                assert fa[f].tolist() == fb[f].tolist(), (name, f)
        if layer.spatial:
            same = shapely.equals_exact(
                shapely.normalize(fa.geometry.values),
                shapely.normalize(fb.geometry.values),
                tolerance=1e-9,
            )
            assert same.all(), name


def test_geopackage_package(tmp_path: Path, package: Path, reference: Workspace) -> None:
    gpkg = tmp_path / "package.gpkg"
    for name, frame in _frames(package).items():
        pyogrio.write_dataframe(frame, gpkg, layer=name, driver="GPKG")
    ws = _import(tmp_path, gpkg, "from_gpkg")
    _same_records(
        reference,
        ws,
        [layer.name for layer in SPATIAL],
        ("status", "device", "blockages", "victims", "asset"),
    )


def test_zipped_shapefiles(tmp_path: Path, package: Path, reference: Workspace) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    layers = ["hazards", "findings", "settlements", "activities"]
    for name in layers:
        frame = _frames(package)[name]
        shp_dir = tmp_path / f"shp_{name}"
        shp_dir.mkdir()
        pyogrio.write_dataframe(frame, shp_dir / f"{name}.shp", driver="ESRI Shapefile")
        with zipfile.ZipFile(folder / f"{name}.zip", "w") as z:
            for f in shp_dir.iterdir():
                z.write(f, f.name)
    ws = _import(tmp_path, folder, "from_shp")
    # 10-character Shapefile names (classifica, population) are mapped back to the layer's fields
    _same_records(
        reference,
        ws,
        layers,
        ("classification", "status", "device", "population_planned", "blockages"),
    )


def test_kml_layers(tmp_path: Path, package: Path, reference: Workspace) -> None:
    folder = tmp_path / "kml"
    folder.mkdir()
    for name in ("hazards", "findings"):
        pyogrio.write_dataframe(_frames(package)[name], folder / f"{name}.kml", driver="KML")
    ws = _import(tmp_path, folder, "from_kml")
    _same_records(reference, ws, ["hazards", "findings"], ("classification", "device", "date"))


def test_csv_with_lon_lat_and_wkt(tmp_path: Path, package: Path, reference: Workspace) -> None:
    folder = tmp_path / "csv"
    write_package(folder, skip=tuple(layer.name for layer in SPATIAL))
    frames = _frames(package)
    f = frames["findings"]
    pd.DataFrame(f.drop(columns="geometry")).assign(lon=f.geometry.x, lat=f.geometry.y).to_csv(
        folder / "findings.csv", index=False
    )
    h = frames["hazards"]
    pd.DataFrame(h.drop(columns="geometry")).assign(
        wkt=shapely.to_wkt(h.geometry.values, rounding_precision=-1)
    ).to_csv(folder / "hazards.csv", index=False)
    ws = _import(tmp_path, folder, "from_csv")
    _same_records(
        reference,
        ws,
        ["findings", "hazards", "funding", "assets"],
        ("device", "destroyed", "blockages", "amount_usd", "count"),
    )


def test_xlsx_workbook(tmp_path: Path, package: Path, reference: Workspace) -> None:
    frames = _frames(package)
    book = tmp_path / "package.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as xl:
        s = frames["settlements"]
        pd.DataFrame(s.drop(columns="geometry")).assign(
            lon=s.geometry.x, lat=s.geometry.y
        ).to_excel(xl, sheet_name="settlements", index=False)
        pd.read_csv(package / "funding.csv").to_excel(xl, sheet_name="funding", index=False)
    ws = _import(tmp_path, book, "from_xlsx")
    _same_records(
        reference, ws, ["settlements", "funding"], ("name", "population_planned", "amount_usd")
    )


def test_zipped_package_folder(tmp_path: Path, package: Path, reference: Workspace) -> None:
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in package.iterdir():
            z.write(f, f"delivery-2026-01/{f.name}")
    ws = _import(tmp_path, archive, "from_zip")
    _same_records(reference, ws, [layer.name for layer in LAYERS], ("status",))
