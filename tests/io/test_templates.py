"""The blank evidence package: filled with one example row per layer it imports cleanly; its
headers explain each column and its vocabularies are drop-downs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.domain import LAYERS, FieldKind, layer_by_name, vocab
from landrelease.errors import UsageError
from landrelease.io import import_package, validate_package
from landrelease.io.templates import columns, example_row, write_template
from landrelease.store import Workspace


def test_the_workbook_filled_with_the_examples_imports_every_layer(tmp_path: Path) -> None:
    report = write_template(tmp_path / "tpl")
    book = load_workbook(report.workbook)
    for layer in LAYERS:
        row = example_row(layer)
        book[layer.name].append([row[c] for c in columns(layer)])
    book.save(report.workbook)
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    result = import_package(ws, report.workbook)
    assert result.committed, [str(i) for i in result.issues]
    assert result.log.issues() == []  # not even a warning: references resolve, values as written
    assert {r.layer: (r.records, r.written.inserted) for r in result.layers} == {
        layer.name: (1, 1) for layer in LAYERS
    }
    incident = ws.read_layer("incidents").iloc[0]
    assert incident["victims"] == [{"age": 34, "gender": "male", "outcome": "injured"}]
    hazard = ws.read_layer("hazards").iloc[0]
    assert hazard["blockages"] == ["road", "housing"]
    assert hazard["area_m2"] == pytest.approx(237_700, rel=0.01)  # 0.005° square at 39.95° N


def test_the_csv_files_filled_with_the_examples_import_every_layer(tmp_path: Path) -> None:
    report = write_template(tmp_path / "tpl")
    for layer in LAYERS:
        path = report.csv_folder / f"{layer.name}.csv"
        with path.open(encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == columns(layer)
        with path.open("a", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow(["" if v is None else v for v in example_row(layer).values()])
    result = validate_package(report.csv_folder)
    assert result.ok, [str(i) for i in result.issues]
    assert result.records == len(LAYERS)


def test_the_blank_template_imports_as_nothing_without_a_problem(tmp_path: Path) -> None:
    report = write_template(tmp_path / "tpl")
    for package in (report.workbook, report.csv_folder):
        result = validate_package(package)
        assert result.ok and result.records == 0, [str(i) for i in result.issues]


def test_headers_explain_and_vocabularies_are_drop_downs(tmp_path: Path) -> None:
    book = load_workbook(write_template(tmp_path / "tpl").workbook)
    assert book.sheetnames[0] == "instructions"
    assert book["lists"].sheet_state == "hidden"
    hazards = book["hazards"]
    header = {c.value: c for c in hazards[1]}
    assert list(header) == [
        "hazard_id",
        "wkt",
        "classification",
        *columns(layer_by_name("hazards"))[3:],
    ]
    note = header["classification"].comment.text
    assert "required" in note and "SHA = SHA – suspected hazardous area" in note
    assert header["classification"].fill.fgColor.rgb.endswith("FFE699")
    assert header["district"].fill.fgColor.rgb in (None, "00000000")
    assert "Several values" in header["blockages"].comment.text
    by_column = {str(dv.sqref).split(":")[0]: dv for dv in hazards.data_validations.dataValidation}
    status = by_column["D2"]  # status is the fourth column
    assert status.type == "list"
    lists = book["lists"]
    ref = status.formula1.split("!")[1].replace("$", "")
    start, end = ref.split(":")
    assert [c.value for row in lists[start:end] for c in row] == list(vocab.HAZARD_STATUSES)
    assets = book["assets"]
    count = next(
        dv for dv in assets.data_validations.dataValidation if str(dv.sqref).startswith("D2")
    )
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    enums = sum(
        1 for layer in LAYERS for f in layer.fields if f.kind in (FieldKind.ENUM, FieldKind.BOOL)
    )
    lists_used = sum(
        dv.type == "list"
        for layer in LAYERS
        for dv in book[layer.name].data_validations.dataValidation
    )
    assert lists_used == enums


def test_instructions_show_an_example_for_every_layer(tmp_path: Path) -> None:
    book = load_workbook(write_template(tmp_path / "tpl").workbook)
    text = [row[0] for row in book["instructions"].iter_rows(values_only=True)]
    for layer in LAYERS:
        assert any(isinstance(t, str) and t.startswith(f"{layer.name} — ") for t in text)


def test_template_command_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "tpl"
    runner = CliRunner()
    first = runner.invoke(app, ["template", str(out)], terminal_width=200)
    assert first.exit_code == 0, first.output
    assert (out / "evidence-package.xlsx").is_file() and (out / "csv" / "hazards.csv").is_file()
    again = runner.invoke(app, ["template", str(out)], terminal_width=200)
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert runner.invoke(app, ["template", str(out), "--overwrite"]).exit_code == 0
    with pytest.raises(UsageError, match="is a file"):
        write_template(out / "evidence-package.xlsx")


def test_the_geopackage_has_every_layer_with_qgis_value_maps(tmp_path: Path) -> None:
    import sqlite3
    import xml.etree.ElementTree as ET

    gpkg = write_template(tmp_path / "tpl").geopackage
    with sqlite3.connect(gpkg) as con:
        styles = dict(
            con.execute("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault")
        )
    assert set(styles) == {layer.name for layer in LAYERS}
    for layer in LAYERS:
        root = ET.fromstring(styles[layer.name].split("\n", 1)[1])
        maps = {
            field.attrib["name"]: [
                (o.attrib["name"], o.attrib["value"])
                for o in field.iter("Option")
                if o.attrib.get("type") == "QString"
            ]
            for field in root.iter("field")
            if field.find("editWidget").attrib["type"] == "ValueMap"  # type: ignore[union-attr]
        }
        enums = {f.name: f for f in layer.fields if f.kind in (FieldKind.ENUM, FieldKind.BOOL)}
        assert set(maps) == set(enums), layer.name
        for name, items in maps.items():
            f = enums[name]
            values = f.choices if f.kind is FieldKind.ENUM else ("true", "false")
            assert [v for _, v in items] == list(values)
        required = {c.attrib["field"] for c in root.iter("constraint")}
        assert required == {f.name for f in layer.fields if f.required}
    hazards = ET.fromstring(styles["hazards"].split("\n", 1)[1])
    status = next(f for f in hazards.iter("field") if f.attrib["name"] == "status")
    assert ("Worked on", "worked_on") in [
        (o.attrib["name"], o.attrib["value"]) for o in status.iter("Option") if "value" in o.attrib
    ]


def test_the_geopackage_digitised_with_the_examples_imports(tmp_path: Path) -> None:
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely

    gpkg = write_template(tmp_path / "tpl").geopackage
    for layer in LAYERS:
        row = example_row(layer)
        geometry = None
        if "lon" in row:
            geometry = shapely.Point(row.pop("lon"), row.pop("lat"))
            row.pop("wkt", None)
        elif "wkt" in row:
            geometry = shapely.from_wkt(row.pop("wkt"))
            if (
                "Point" not in layer.geometry
                and len({g.removeprefix("Multi") for g in layer.geometry}) == 1
            ):
                # QGIS digitises a multi-part layer's features as multi-part geometries
                geometry = (
                    shapely.multipolygons([geometry])
                    if geometry.geom_type == "Polygon"
                    else shapely.multilinestrings([geometry])
                )
        frame = pd.DataFrame([row])
        data = (
            gpd.GeoDataFrame(frame, geometry=[geometry], crs="EPSG:4326")
            if layer.spatial
            else frame
        )
        pyogrio.write_dataframe(data, gpkg, layer=layer.name, driver="GPKG", append=True)
    report = validate_package(gpkg)
    assert report.ok, [str(i) for i in report.issues]
    assert report.records == len(LAYERS)


def test_every_example_has_an_id_of_its_own_and_plausible_numbers() -> None:
    from landrelease.io.templates import example_id

    ids = [example_id(layer) for layer in LAYERS]
    assert len(set(ids)) == len(ids)  # no MI-0001 for both minefield records and positions
    assert example_id(layer_by_name("military_positions")) == "MP-0001"
    assert example_id(layer_by_name("infrastructure")) == "IE-0001"
    assert example_row(layer_by_name("findings"))["depth_cm"] == 10.0
