"""A QGIS project beside an exported package: its layers listed, grouped and styled.

``landrelease export OUT --qgis`` writes ``OUT.qgs`` next to the package (a GeoPackage or
the folder of GeoJSON files). Opening it in QGIS shows every spatial layer of the export
in three groups (:data:`GROUPS`), drawn with the styles the workspace keeps in
``layer_styles`` (:data:`landrelease.domain.styles.LAYER_STYLES`; the same QML), in the
workspace's metric CRS, with each area layer's area in m² and in hectares as virtual fields
measured as the workspace measures them. Paths are relative, so the package and its
project move together.

A layer that holds several kinds of geometry (military positions: points, lines and
polygons) is listed once per kind its registry entry accepts, as the workspace's GIS views
split it and as QGIS shows such a layer (``geometrytype=`` in the data source), so each
draws with a symbol of its kind.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pyproj import CRS

from landrelease.domain import Layer, layer_by_name
from landrelease.domain.styles import LAYER_STYLES, style_qml, symbol_kind
from landrelease.errors import UsageError
from landrelease.store import gis_views

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Hazards & land release", ("hazards", "activities", "qa_visits")),
    (
        "Evidence",
        (
            "findings",
            "incidents",
            "minefield_records",
            "military_positions",
            "front_lines",
            "testimony",
            "land_use",
        ),
    ),
    ("Settlements & base", ("settlements", "infrastructure", "eore_sessions", "boundaries")),
)
"""The project's layer groups, top to bottom (QGIS draws the top layer over the others)."""

QGIS_VERSION = "3.28.0-Firenze"
"""The QGIS long-term release the project is written for (read by every later version)."""

_KINDS = {
    "POINT": ("Point", "Point"),
    "MULTIPOINT": ("Point", "Point"),
    "LINESTRING": ("Line", "LineString"),
    "MULTILINESTRING": ("Line", "LineString"),
    "POLYGON": ("Polygon", "Polygon"),
    "MULTIPOLYGON": ("Polygon", "Polygon"),
}
"""Declared type → QGIS's geometry kind and the ``geometrytype=`` filter of its OGR provider."""
_WKB_NAMES = {
    "POINT": "Point",
    "MULTIPOINT": "MultiPoint",
    "LINESTRING": "LineString",
    "MULTILINESTRING": "MultiLineString",
    "POLYGON": "Polygon",
    "MULTIPOLYGON": "MultiPolygon",
}


@dataclass(frozen=True)
class ProjectLayer:
    """One layer of the project: a layer of the package, or one kind of geometry of it."""

    id: str
    name: str
    """As the layers panel shows it."""
    datasource: str
    """Relative to the project file, as QGIS's OGR provider reads it."""
    layer: Layer
    geometry: str
    """``Point``, ``Line`` or ``Polygon`` (QGIS's geometry kind)."""
    wkb_type: str
    """``MultiPolygon``, ``Point``…: the declared type QGIS expects."""


@dataclass(frozen=True)
class RasterLayer:
    """A covariate GeoTIFF of a folder export, drawn under the vector layers."""

    file: str
    """``elevation.tif``…, in the package folder."""
    crs: str
    """The raster's own CRS (WKT)."""
    help: str = ""

    @property
    def id(self) -> str:
        return f"covariate_{Path(self.file).stem}"

    @property
    def name(self) -> str:
        return Path(self.file).stem.replace("_", " ")


RASTER_GROUP = "Terrain & people"
"""The group of the covariate rasters, below every vector group."""


def project_path(out: Path) -> Path:
    """Where the project of the package ``out`` goes: ``OUT.qgs`` beside it."""
    return (
        out.with_suffix(".qgs") if out.suffix.lower() == ".gpkg" else out.parent / f"{out.name}.qgs"
    )


def _source(out: Path, layer: Layer) -> str:
    if out.suffix.lower() == ".gpkg":
        return f"./{out.name}|layername={layer.name}"
    return f"./{out.name}/{layer.filename}"


def project_layers(out: Path, names: list[str]) -> list[ProjectLayer]:
    """The project's layers for the spatial layers ``names`` of the package at ``out``.

    Split by kind of geometry as the workspace's GIS views are (:mod:`landrelease.store.gis_views`).
    """
    wanted = set(names)
    found = []
    for view in gis_views.layer_views():
        layer = view.layer
        if layer.name not in wanted or view.geometry_type is None:
            continue
        kind, geometry_filter = _KINDS[view.geometry_type]
        source, title = _source(out, layer), layer.title
        if view.filtered:
            source += f"|geometrytype={geometry_filter}"
            title = f"{layer.title} ({view.name.rsplit('_', 1)[1]})"
        found.append(
            ProjectLayer(view.name, title, source, layer, kind, _WKB_NAMES[view.geometry_type])
        )
    return found


def _crs_xml(parent: ET.Element, crs_text: str) -> None:
    crs = CRS.from_user_input(crs_text)
    ref = ET.SubElement(parent, "spatialrefsys", nativeFormat="Wkt")
    authority = crs.to_authority() or ("EPSG", "4326")
    for tag, value in (
        ("wkt", crs.to_wkt()),
        ("srid", authority[1]),
        ("authid", f"{authority[0]}:{authority[1]}"),
        ("description", crs.name),
        ("geographicflag", "true" if crs.is_geographic else "false"),
    ):
        ET.SubElement(ref, tag).text = value


def layer_style(layer: Layer, geometry_type: str) -> ET.Element | None:
    """The renderer and labels of ``layer``'s default style drawing ``geometry_type`` (the QML
    the workspace's layer_styles holds for the GIS view of that kind)."""
    style = LAYER_STYLES.get(layer.name)
    if style is None:
        return None
    return ET.fromstring(style_qml(style, symbol_kind(geometry_type)).split("\n", 1)[1])


def area_expression(crs: str, unit_m2: float) -> str:
    """QGIS expression of a feature's area in ``unit_m2`` m² units, measured as the workspace
    measures ``area_m2``: planar, in its metric CRS."""
    return f"round(area(transform($geometry, 'EPSG:4326', '{crs}')) / {unit_m2:g}, 4)"


def _area_fields(maplayer: ET.Element, crs: str) -> None:
    """The area in m² and in hectares as virtual fields (the package keeps the data contract's
    fields only; QGIS computes these on the fly, as the workspace does)."""
    fields = ET.SubElement(maplayer, "expressionfields")
    for name, unit, comment in (
        ("area_m2", 1.0, "area in m²"),
        ("area_ha", 10_000.0, "area in hectares"),
    ):
        ET.SubElement(
            fields,
            "field",
            name=name,
            expression=area_expression(crs, unit),
            type="6",
            typeName="double precision",
            subType="0",
            length="0",
            precision="4",
            comment=f"{comment}, measured in {crs} as the workspace measures it",
        )


def _tree_group(tree: ET.Element, name: str) -> ET.Element:
    node = ET.SubElement(tree, "layer-tree-group", name=name, checked="Qt::Checked", expanded="1")
    ET.SubElement(node, "customproperties")
    return node


def _tree_layer(node: ET.Element, id_: str, name: str, source: str, provider: str) -> None:
    ET.SubElement(
        node,
        "layer-tree-layer",
        id=id_,
        name=name,
        source=source,
        providerKey=provider,
        checked="Qt::Checked",
        expanded="1",
    )


def project_xml(
    layers: list[ProjectLayer],
    *,
    title: str,
    crs: str,
    rasters: Sequence[RasterLayer] = (),
    folder: str = "",
) -> str:
    """The ``.qgs`` document: the layer tree in :data:`GROUPS` (then the ``rasters``, in
    :data:`RASTER_GROUP`, read from ``./folder/``), then each layer's definition."""
    root = ET.Element("qgis", projectname=title, version=QGIS_VERSION)
    ET.SubElement(root, "title").text = title
    _crs_xml(ET.SubElement(root, "projectCrs"), crs)
    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    by_layer: dict[str, list[ProjectLayer]] = {}
    for pl in layers:
        by_layer.setdefault(pl.layer.name, []).append(pl)
    grouped = {n for _, names in GROUPS for n in names}
    missing = sorted(set(by_layer) - grouped)
    if missing:  # a layer added to the registry without a group: a programming error
        raise UsageError(f"no project group for the layers {', '.join(missing)}")
    order: list[ProjectLayer] = []
    for group, names in GROUPS:
        members = [pl for n in names for pl in by_layer.get(n, [])]
        if not members:
            continue
        node = _tree_group(tree, group)
        for pl in members:
            _tree_layer(node, pl.id, pl.name, pl.datasource, "ogr")
            order.append(pl)
    if rasters:
        node = _tree_group(tree, RASTER_GROUP)
        for r in rasters:
            _tree_layer(node, r.id, r.name, f"./{folder}/{r.file}", "gdal")
    order_node = ET.SubElement(tree, "custom-order", enabled="0")
    for item in [pl.id for pl in order] + [r.id for r in rasters]:
        ET.SubElement(order_node, "item").text = item
    project_layers_node = ET.SubElement(root, "projectlayers")
    for pl in order:
        ml = ET.SubElement(
            project_layers_node,
            "maplayer",
            type="vector",
            geometry=pl.geometry,
            wkbType=pl.wkb_type,
            autoRefreshEnabled="0",
            readOnly="0",
        )
        ET.SubElement(ml, "id").text = pl.id
        ET.SubElement(ml, "datasource").text = pl.datasource
        ET.SubElement(ml, "layername").text = pl.name
        ET.SubElement(ml, "abstract").text = pl.layer.help
        _crs_xml(ET.SubElement(ml, "srs"), "EPSG:4326")
        ET.SubElement(ml, "provider", encoding="UTF-8").text = "ogr"
        if pl.layer.area:
            _area_fields(ml, crs)
        qml = layer_style(pl.layer, pl.wkb_type)
        if qml is not None:
            ml.extend(qml)  # renderer-v2, and labeling for a labelled layer
            if qml.get("labelsEnabled") == "1":
                ml.set("labelsEnabled", "1")
    for r in rasters:
        ml = ET.SubElement(project_layers_node, "maplayer", type="raster", autoRefreshEnabled="0")
        ET.SubElement(ml, "id").text = r.id
        ET.SubElement(ml, "datasource").text = f"./{folder}/{r.file}"
        ET.SubElement(ml, "layername").text = r.name
        ET.SubElement(ml, "abstract").text = r.help
        _crs_xml(ET.SubElement(ml, "srs"), r.crs)
        ET.SubElement(ml, "provider").text = "gdal"
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"


def write_project(
    out: Path,
    names: list[str],
    *,
    title: str,
    crs: str,
    rasters: Sequence[RasterLayer] = (),
) -> Path:
    """Write the project of the package at ``out`` (its spatial layers ``names``, and the
    covariate ``rasters`` of a folder package); its path."""
    path = project_path(out)
    spatial = [n for n in names if layer_by_name(n).spatial]
    xml = project_xml(
        project_layers(out, spatial), title=title, crs=crs, rasters=rasters, folder=out.name
    )
    path.write_text(xml, encoding="utf-8")
    return path
