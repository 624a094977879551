"""A blank evidence package to fill in: an XLSX workbook and CSV files, generated from the contract.

:func:`write_template` writes

- ``evidence-package.xlsx``: an ``instructions`` sheet (how to fill it in, and one example
  row per layer), then one sheet per layer with the layer's columns — ``lon``/``lat`` for
  points, ``wkt`` for other shapes — each header carrying a note with the field's meaning,
  unit and accepted values, required columns shaded, drop-downs for every vocabulary and
  for true/false, whole-number and number checks with the field's range; the vocabularies
  sit on a hidden ``lists`` sheet. On import these two sheets are skipped; any other sheet
  whose name is no layer is an error unless ``--ignore-unknown``.
- ``csv/LAYER.csv``: the same columns as header-only CSV files, for those who prefer them;
- ``evidence-package.gpkg``: an empty GeoPackage layer per layer, for digitising in QGIS,
  each with a default QGIS style (``layer_styles``) whose value maps show every vocabulary
  as a drop-down of readable labels, with aliases and not-null constraints on required
  fields.

Filled in, either imports with ``landrelease import`` (the workbook, or the ``csv`` folder).
:func:`example_row` gives the example the instructions show; the tests fill the template
with it and import it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landrelease.domain import LAYERS, Field, FieldKind, Layer
from landrelease.errors import UsageError
from landrelease.io.forms import choice_label

WORKBOOK = "evidence-package.xlsx"
GEOPACKAGE = "evidence-package.gpkg"
CSV_FOLDER = "csv"
INSTRUCTIONS_SHEET = "instructions"
LISTS_SHEET = "lists"
MAX_ROWS = 10_000
"""Rows of each sheet that carry the drop-downs and checks."""

EXAMPLE_LON, EXAMPLE_LAT = 46.90, 39.95
"""Where the examples lie (near Aghdam); any WGS84 longitude/latitude will do."""
_REFERENCES = {"hazard_id": "hazards", "activity_id": "activities", "settlement_id": "settlements"}
_EXAMPLE_NUMBERS = {"depth_cm": 10.0}
"""Examples other than the general 1500.5 where that would be no plausible value."""
_EXAMPLE_TEXT = {
    "district": "Aghdam",
    "organisation": "National demining agency",
    "name": "Example name",
    "source": "national",
    "kind": "NGO",
    "statement": "suspected",
    "informant_type": "farmer",
    "period": "1993-1994",
    "priority": "high",
    "purpose": "clearance of farmland",
    "model": "PMN-2",
    "condition": "corroded",
    "notes": "",
    "device_types": "AP, AT",
}


def geometry_columns(layer: Layer) -> tuple[str, ...]:
    """The columns a table of ``layer`` carries its geometry in (none for a plain table)."""
    if not layer.spatial:
        return ()
    points = "Point" in layer.geometry
    shapes = any(g != "Point" for g in layer.geometry)
    return (("lon", "lat") if points else ()) + (("wkt",) if shapes else ())


def columns(layer: Layer) -> list[str]:
    """The template's columns for ``layer``: its id, the geometry columns, then its fields."""
    rest = [f.name for f in layer.fields if f.name != layer.id_field]
    return [layer.id_field, *geometry_columns(layer), *rest]


def _prefix(layer: Layer) -> str:
    """Two letters naming the layer in its example's id, different for every layer: the
    name's first two (``HA``), else its words' initials (``MP`` for military positions),
    else its first and last (``IE`` for infrastructure, as incidents has ``IN``)."""
    return _PREFIXES[layer.name]


def _prefixes() -> dict[str, str]:
    out: dict[str, str] = {}
    for layer in LAYERS:
        words = layer.name.split("_")
        for candidate in (
            layer.name[:2],
            "".join(w[0] for w in words)[:2],
            layer.name[0] + layer.name[-1],
        ):
            if len(candidate) == 2 and candidate.upper() not in out.values():
                out[layer.name] = candidate.upper()
                break
        else:
            raise AssertionError(f"no example prefix left for layer {layer.name}")
    return out


_PREFIXES = _prefixes()


def example_id(layer: Layer) -> str:
    return f"{_prefix(layer)}-0001"


def _example_value(layer: Layer, f: Field) -> Any:
    if f.name == layer.id_field:
        return example_id(layer)
    if f.name in _REFERENCES and f.kind is FieldKind.TEXT:
        return example_id(next(x for x in LAYERS if x.name == _REFERENCES[f.name]))
    k = f.kind
    if k is FieldKind.ENUM:
        return f.choices[0]
    if k in (FieldKind.ENUM_LIST, FieldKind.ENUM_OR_LIST):
        return ", ".join(f.choices[:2]) if k is FieldKind.ENUM_LIST else f.choices[0]
    if k in (FieldKind.DATE, FieldKind.DATETIME):
        return "2024-06-11"
    if k is FieldKind.BOOL:
        return "true"
    if k in (FieldKind.INT, FieldKind.FLOAT):
        if f.unit == "year":
            return 2026
        value = 2 if k is FieldKind.INT else _EXAMPLE_NUMBERS.get(f.name, 1500.5)
        if f.maximum is not None and value > f.maximum:  # a share: within its range
            return (f.maximum + (f.minimum or 0)) / 2
        return value
    if k is FieldKind.VICTIMS:
        return json.dumps([{"age": 34, "gender": "male", "outcome": "injured"}])
    return _EXAMPLE_TEXT.get(f.name, f"example {f.name.replace('_', ' ')}")


def _example_geometry(layer: Layer) -> dict[str, Any]:
    x, y, d = EXAMPLE_LON, EXAMPLE_LAT, 0.005
    if "Point" in layer.geometry:
        return {"lon": x, "lat": y}
    if "Polygon" in layer.geometry:
        return {"wkt": f"POLYGON (({x} {y}, {x + d} {y}, {x + d} {y + d}, {x} {y + d}, {x} {y}))"}
    return {"wkt": f"LINESTRING ({x} {y}, {x + d} {y + d}, {x + 2 * d} {y})"}


def example_row(layer: Layer) -> dict[str, Any]:
    """One valid record of ``layer`` as a row of the template (the instructions' example)."""
    row = {f.name: _example_value(layer, f) for f in layer.fields}
    if layer.spatial:
        row |= _example_geometry(layer)
    return {c: row.get(c) for c in columns(layer)}


def header_note(f: Field) -> str:
    """What a column's header note says: meaning, unit, accepted values, required or not."""
    parts = [f"{f.name}{' (required)' if f.required else ''}"]
    if f.help:
        parts.append(f.help.replace("`", ""))
    if f.choices:
        parts.append("Values: " + "; ".join(f"{c} = {choice_label(c)}" for c in f.choices))
        if f.kind is FieldKind.ENUM_LIST:
            parts.append("Several values: separate them with commas.")
    else:
        parts.append(f"Accepted: {f.accepted()}.")
    if f.kind is FieldKind.TEXT_LIST:
        parts.append("Separate several with commas.")
    if f.unit:
        parts.append(f"Unit: {f.unit}.")
    if f.personal:
        parts.append("Personal data: only users entitled to it see it.")
    return "\n".join(parts)


GEOMETRY_NOTES = {
    "lon": "lon: longitude in decimal degrees (WGS84), e.g. 46.9012",
    "lat": "lat: latitude in decimal degrees (WGS84), e.g. 39.9512",
    "wkt": "wkt: the shape as WKT text in WGS84 longitude latitude, e.g. "
    "POLYGON ((46.90 39.95, 46.91 39.95, 46.91 39.96, 46.90 39.95))",
}


@dataclass
class TemplateReport:
    out: Path
    workbook: Path
    csv_folder: Path
    geopackage: Path
    layers: list[str] = field(default_factory=list)
    drop_downs: int = 0


def write_template(out: Path | str, *, overwrite: bool = False) -> TemplateReport:
    """Write the blank package (workbook and CSV files) to the folder ``out``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; give a folder to write the template in")
    book_path, csv_dir, gpkg = out / WORKBOOK, out / CSV_FOLDER, out / GEOPACKAGE
    if not overwrite and (book_path.exists() or csv_dir.exists() or gpkg.exists()):
        raise UsageError(
            f"{out} holds a template already; choose another folder or pass --overwrite"
        )
    report = TemplateReport(out, book_path, csv_dir, gpkg, [layer.name for layer in LAYERS])
    out.mkdir(parents=True, exist_ok=True)
    csv_dir.mkdir(exist_ok=True)
    report.drop_downs = _write_workbook(book_path)
    gpkg.unlink(missing_ok=True)
    _write_geopackage(gpkg)
    import csv

    for layer in LAYERS:
        with (csv_dir / f"{layer.name}.csv").open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow(columns(layer))
    return report


def _write_workbook(path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    intro = book.active
    assert intro is not None
    intro.title = INSTRUCTIONS_SHEET
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    list_ranges: dict[tuple[str, ...], str] = {}

    def list_range(values: tuple[str, ...]) -> str:
        if values not in list_ranges:
            col = get_column_letter(len(list_ranges) + 1)
            for i, v in enumerate(values, 1):
                lists[f"{col}{i}"] = v
            list_ranges[values] = f"{quote_sheetname(LISTS_SHEET)}!${col}$1:${col}${len(values)}"
        return list_ranges[values]

    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFE699")
    drop_downs = 0
    for layer in LAYERS:
        ws = book.create_sheet(layer.name)
        names = columns(layer)
        ws.append(names)
        for j, name in enumerate(names, 1):
            cell = ws.cell(row=1, column=j)
            cell.font = bold
            f = layer.field(name)
            note = header_note(f) if f else GEOMETRY_NOTES[name]
            cell.comment = Comment(note, "landrelease", width=320, height=160)
            if f is None or f.required:  # the geometry is required too
                cell.fill = required_fill
            ws.column_dimensions[get_column_letter(j)].width = max(12, len(name) + 4)
            rows = f"{get_column_letter(j)}2:{get_column_letter(j)}{MAX_ROWS + 1}"
            dv = _validation(f, list_range, DataValidation) if f else None
            if dv is not None:
                ws.add_data_validation(dv)
                dv.add(rows)
                drop_downs += dv.type == "list"
        ws.freeze_panes = "B2"
    _write_instructions(intro, bold, Alignment)
    book.save(path)
    return drop_downs


def _validation(f: Field, list_range: Any, data_validation: Any) -> Any:
    k = f.kind
    if k is FieldKind.ENUM or k is FieldKind.BOOL:
        values = f.choices if k is FieldKind.ENUM else ("true", "false")
        return data_validation(
            type="list",
            formula1=list_range(values),
            allow_blank=not f.required,
            showErrorMessage=True,
            errorTitle=f.name,
            error=f"Choose one of: {', '.join(values)}",
        )
    if k in (FieldKind.INT, FieldKind.FLOAT) and f.minimum is not None:
        kind = "whole" if k is FieldKind.INT else "decimal"
        if f.maximum is not None:
            return data_validation(
                type=kind,
                operator="between",
                formula1=f"{f.minimum:g}",
                formula2=f"{f.maximum:g}",
                showErrorMessage=True,
                error=f"{f.accepted()}",
            )
        return data_validation(
            type=kind,
            operator="greaterThanOrEqual",
            formula1=f"{f.minimum:g}",
            showErrorMessage=True,
            error=f"{f.accepted()}",
        )
    return None


INSTRUCTIONS = (
    "How to fill in this evidence package",
    "",
    "Each sheet named after a layer (hazards, activities, …) takes one record per row; "
    "leave the sheets you have nothing for empty.",
    "Keep the header row as it is. Shaded columns are required. Each header has a note: "
    "what the column means, its unit and the accepted values.",
    "Columns with a drop-down take one value of the list; a column of several values "
    "(blockages, device types) takes them separated by commas.",
    "Dates as YYYY-MM-DD (Excel date cells are read too). Coordinates in WGS84 decimal "
    "degrees: lon/lat for points, WKT text for areas and lines.",
    "Ids must be unique within a sheet; the same id imported again updates the record "
    "only when its date_of_information is later.",
    "Then: landrelease validate evidence-package.xlsx (checks, writes nothing), and "
    "landrelease import evidence-package.xlsx -w WORKSPACE.gpkg.",
    "",
    "One example record per layer (copy a row to the layer's sheet to try it):",
)


def _write_instructions(ws: Any, bold: Any, alignment: Any) -> None:
    for line in INSTRUCTIONS:
        ws.append([line])
    ws["A1"].font = bold
    for layer in LAYERS:
        ws.append([])
        ws.append([f"{layer.name} — {layer.title}: {layer.help}"])
        ws.cell(row=ws.max_row, column=1).font = bold
        row = example_row(layer)
        ws.append(list(row))
        ws.append(["" if v is None else v for v in row.values()])
    ws.column_dimensions["A"].width = 40
    ws.cell(row=1, column=1).alignment = alignment(wrap_text=False)


# --- the GeoPackage, for QGIS ---------------------------------------------------------


def _geometry_type(layer: Layer) -> str:
    kinds = {g.removeprefix("Multi") for g in layer.geometry}
    if len(kinds) > 1:
        return "Unknown"
    kind = kinds.pop()
    return kind if kind == "Point" else f"Multi{kind}"


def _empty_frame(layer: Layer) -> Any:
    import pandas as pd

    dtypes = {FieldKind.INT: "Int64", FieldKind.FLOAT: "float64"}
    return pd.DataFrame(
        {f.name: pd.Series(dtype=dtypes.get(f.kind, "object")) for f in layer.fields}
    )


def _write_geopackage(path: Path) -> None:
    import geopandas as gpd
    import pyogrio

    from landrelease.store.styles import add_layer_style

    for i, layer in enumerate(LAYERS):
        frame = _empty_frame(layer)
        options: dict[str, Any] = {"dataset_options": {"VERSION": "1.3"}} if i == 0 else {}
        if layer.spatial:
            data = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
            pyogrio.write_dataframe(
                data,
                path,
                layer=layer.name,
                driver="GPKG",
                geometry_type=_geometry_type(layer),
                **options,
            )
        else:
            pyogrio.write_dataframe(frame, path, layer=layer.name, driver="GPKG", **options)
        add_layer_style(
            path,
            layer.name,
            fields_qml(layer),
            name=f"{layer.name} form",
            description="drop-downs for the vocabulary, labels and required fields",
        )


def fields_qml(layer: Layer) -> str:
    """A QGIS style of the attribute form: a value map (drop-down of readable labels storing
    the vocabulary's codes) for every vocabulary and true/false field, an alias per field,
    and a not-null constraint on each required field."""
    from xml.sax.saxutils import quoteattr

    from landrelease.io.forms import question_label

    fields = []
    for f in layer.fields:
        values: tuple[str, ...] = ()
        if f.kind is FieldKind.ENUM:
            values = f.choices
        elif f.kind is FieldKind.BOOL:
            values = ("true", "false")
        if values:
            labels = {"true": "Yes", "false": "No"} if f.kind is FieldKind.BOOL else {}
            items = "\n".join(
                f'        <Option type="Map"><Option type="QString" '
                f"name={quoteattr(labels.get(v) or choice_label(v))} value={quoteattr(v)}/></Option>"
                for v in values
            )
            widget = (
                '   <editWidget type="ValueMap">\n    <config>\n     <Option type="Map">\n'
                f'      <Option type="List" name="map">\n{items}\n      </Option>\n'
                "     </Option>\n    </config>\n   </editWidget>"
            )
        else:
            widget = (
                '   <editWidget type="TextEdit">\n    <config><Option/></config>\n   </editWidget>'
            )
        fields.append(
            f'  <field name={quoteattr(f.name)} configurationFlags="None">\n{widget}\n  </field>'
        )
    aliases = "\n".join(
        f'  <alias field={quoteattr(f.name)} index="{i}" name={quoteattr(question_label(f))}/>'
        for i, f in enumerate(layer.fields)
    )
    constraints = "\n".join(
        f'  <constraint field={quoteattr(f.name)} constraints="1" notnull_strength="1" '
        'unique_strength="0" exp_strength="0"/>'
        for f in layer.fields
        if f.required
    )
    body = "\n".join(fields)
    return f"""<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.28.0" styleCategories="Fields|Forms">
 <fieldConfiguration>
{body}
 </fieldConfiguration>
 <aliases>
{aliases}
 </aliases>
 <constraints>
{constraints}
 </constraints>
</qgis>
"""
