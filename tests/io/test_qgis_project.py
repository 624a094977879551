"""``export --qgis``: a QGIS project beside the package, its layers grouped, styled and readable.

No QGIS here: the project is checked as QGIS reads it — XML, the layer tree, each layer's
data source opened with GDAL (Debian's ``ogrinfo``), the style the same QML as the
package's ``layer_styles``.
"""

from __future__ import annotations

import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from landrelease.domain import LAYERS
from landrelease.domain.styles import STATUS_STYLE, categorized_fill_qml
from landrelease.errors import UsageError
from landrelease.io import export_package, import_package
from landrelease.io.qgis_project import GROUPS
from landrelease.store import Workspace, gis_views
from tests.helpers import layer_features
from tests.store.test_workspace import _ogrinfo


def _canonical(element: ET.Element) -> str:
    return ET.canonicalize(ET.tostring(element, encoding="unicode"), strip_text=True)


def _renderer(qml: str) -> ET.Element:
    found = ET.fromstring(qml.split("\n", 1)[1]).find("renderer-v2")
    assert found is not None
    return found


def _feature_count(source: str, folder: Path) -> int:
    """Open a QGIS OGR data source (``path|layername=x|geometrytype=y``) with GDAL."""
    parts = source.split("|")
    path = str(folder / parts[0])
    options = dict(p.split("=", 1) for p in parts[1:])
    args = [_ogrinfo(), "-ro", "-so", path]
    if "layername" in options:
        args.append(options["layername"])
    else:
        args.append("-al")
    out = subprocess.run(args, capture_output=True, text=True)
    assert out.returncode == 0 and "ERROR" not in out.stderr, (source, out.stderr)
    line = next(x for x in out.stdout.splitlines() if x.startswith("Feature Count:"))
    return int(line.split(":")[1])


@pytest.mark.gdal
@pytest.mark.parametrize("fmt", ["gpkg", "geojson"])
def test_the_project_names_groups_and_styles_every_layer(
    workspace: Workspace, package: Path, tmp_path: Path, fmt: str
) -> None:
    import_package(workspace, package)
    out = tmp_path / ("shared.gpkg" if fmt == "gpkg" else "shared")
    report = export_package(workspace, out, fmt=fmt, qgis=True)
    assert report.project == tmp_path / "shared.qgs"
    root = ET.parse(report.project).getroot()
    assert root.tag == "qgis"

    # the project CRS is the workspace's metric one (UTM 38N for the test package)
    assert root.findtext("projectCrs/spatialrefsys/authid") == "EPSG:32638"

    # every spatial layer of the package is in the tree, in its group; mixed layers per kind
    tree = root.find("layer-tree-group")
    assert tree is not None
    groups = {
        g.get("name"): [x.get("id") for x in g.findall("layer-tree-layer")]
        for g in tree.findall("layer-tree-group")
    }
    assert list(groups) == [name for name, _ in GROUPS]
    ids = [i for members in groups.values() for i in members]
    expected = {v.name for v in gis_views.layer_views() if v.geometry_type}
    assert "military_positions_points" in expected and "military_positions" not in expected
    assert set(ids) == expected and len(ids) == len(expected)
    assert "hazards" in groups["Hazards & land release"]
    assert "findings" in groups["Evidence"] and "settlements" in groups["Settlements & base"]

    # each layer's data source opens with GDAL and holds the exported records
    maplayers = {m.findtext("id"): m for m in root.iter("maplayer")}
    assert set(maplayers) == expected
    counts = {name: len(feats) for name, feats in layer_features().items()}
    for ident, ml in maplayers.items():
        source = ml.findtext("datasource") or ""
        assert ml.findtext("provider") == "ogr"
        n = _feature_count(source, tmp_path)
        if "geometrytype=" not in source:
            assert n == counts[ident], (ident, n)
    assert maplayers["hazards"].get("wkbType") == "MultiPolygon"
    assert maplayers["findings"].get("geometry") == "Point"

    # area layers carry their area in m² and hectares, measured in the metric CRS
    fields = {f.get("name"): f.get("expression") for f in maplayers["hazards"].iter("field")}
    assert set(fields) == {"area_m2", "area_ha"}
    assert "'EPSG:32638'" in (fields["area_ha"] or "") and "/ 10000" in (fields["area_ha"] or "")
    assert not list(maplayers["findings"].iter("expressionfields"))

    # every layer draws with a style of its kind of geometry, the same QML as the workspace's
    symbols = {"Point": "marker", "Line": "line", "Polygon": "fill"}
    for ident, ml in maplayers.items():
        found = ml.find("renderer-v2")
        assert found is not None, ident
        assert {s.get("type") for s in found.iter("symbol")} == {symbols[ml.get("geometry", "")]}
    assert maplayers["infrastructure_lines"].find("renderer-v2").get("attr") == "kind"  # type: ignore[union-attr]
    for labelled in ("settlements", "boundaries"):  # names written on the map
        assert maplayers[labelled].get("labelsEnabled") == "1"
        text = maplayers[labelled].find("labeling/settings/text-style")
        assert text is not None and text.get("fieldName") == "name"
    assert maplayers["boundaries"] in list(root.iter("maplayer"))
    assert "boundaries" in groups["Settlements & base"]

    # the hazards draw with the workspace's style: the same QML
    renderer = maplayers["hazards"].find("renderer-v2")
    assert renderer is not None
    assert _canonical(renderer) == _canonical(
        _renderer(categorized_fill_qml("status", STATUS_STYLE))
    )
    if fmt == "gpkg":  # the GeoPackage opened alone is styled the same
        with sqlite3.connect(out) as con:
            (qml,) = con.execute(
                "SELECT styleQML FROM layer_styles WHERE f_table_name = 'hazards'"
            ).fetchone()
        assert _canonical(renderer) == _canonical(_renderer(qml))
        with sqlite3.connect(out) as con:  # and so is every other layer of the package
            styled = {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")}
        assert styled == {layer.name for layer in LAYERS if layer.spatial}
        # and still imports back: the style table is not taken for a layer
        again = Workspace.create(str(tmp_path / "again.gpkg"))
        assert import_package(again, out).committed
        again.close()


def test_an_existing_project_is_not_replaced_silently(
    workspace: Workspace, package: Path, tmp_path: Path
) -> None:
    import_package(workspace, package)
    (tmp_path / "shared.qgs").write_text("<qgis/>")
    with pytest.raises(UsageError, match=r"shared\.qgs exists already"):
        export_package(workspace, tmp_path / "shared.gpkg", fmt="gpkg", qgis=True)
    assert not (tmp_path / "shared.gpkg").exists()
