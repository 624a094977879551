"""The field forms: each converts to an XForm with pyxform, asks every field of its layer with
the right type and choices, and a submission generated from the XForm imports."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pyxform.xls2xform import convert
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.domain import FieldKind, vocab
from landrelease.errors import UsageError
from landrelease.io import import_package
from landrelease.io.forms import FORMS, FormSpec, choice_label, workbook_bytes, write_forms, xlsform
from landrelease.store import Workspace

runner = CliRunner()
NS = {"x": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml"}


def xform(spec: FormSpec) -> ET.Element:
    warnings: list[str] = []
    result = convert(
        xlsform=io.BytesIO(workbook_bytes(xlsform(spec))), warnings=warnings, file_type=".xlsx"
    )
    assert warnings == []
    return ET.fromstring(result.xform)


def binds(root: ET.Element) -> dict[str, dict[str, str]]:
    return {
        b.attrib["nodeset"].removeprefix("/data/"): b.attrib
        for b in root.iter("{http://www.w3.org/2002/xforms}bind")
    }


def choices(root: ET.Element, list_name: str) -> dict[str, str]:
    for inst in root.iter("{http://www.w3.org/2002/xforms}instance"):
        if inst.attrib.get("id") == list_name:
            return {
                item.find("x:name", NS).text: item.find("x:label", NS).text  # type: ignore[union-attr]
                for item in inst.iter("{http://www.w3.org/2002/xforms}item")
            }
    raise AssertionError(f"no choice list {list_name}")


XFORM_TYPES = {
    FieldKind.TEXT: "string",
    FieldKind.TEXT_LIST: "string",
    FieldKind.INT: "int",
    FieldKind.FLOAT: "decimal",
    FieldKind.DATE: "date",
    FieldKind.DATETIME: "date",
    FieldKind.ENUM: "string",
    FieldKind.ENUM_LIST: "string",
    FieldKind.ENUM_OR_LIST: "string",
    FieldKind.BOOL: "string",
}


@pytest.mark.parametrize("spec", FORMS, ids=[f.form_id for f in FORMS])
def test_each_form_converts_and_asks_every_field_of_its_layer(spec: FormSpec) -> None:
    root = xform(spec)
    b = binds(root)
    data = root.find(".//x:instance/x:data", NS)
    assert data is not None and data.attrib["id"] == spec.form_id
    assert data.attrib["version"] == xlsform(spec).version
    assert b["geometry"]["type"] == spec.geometry and b["geometry"]["required"] == "true()"
    for f in spec.fields:
        if f.kind is FieldKind.VICTIMS:
            assert b["victims/outcome"]["required"] == "true()"
            assert choices(root, "gender") == {g: g.capitalize() for g in vocab.GENDERS}
            assert b["victims/age"]["constraint"] == ". >= 0 and . <= 120"
            continue
        if f.unit == "m²":  # asked in hectares, turned into m²
            ha = f.name.removesuffix("_m2") + "_ha"
            assert b[ha]["type"] == "decimal"
            assert b[f.name]["calculate"].strip() == f"/data/{ha}  * 10000".strip()
            continue
        assert b[f.name]["type"] == XFORM_TYPES[f.kind], f.name
        if f.required and f.name != spec.target.id_field:
            assert b[f.name].get("required") == "true()", f.name
        if f.minimum is not None:
            assert f">= {f.minimum:g}" in b[f.name]["constraint"]
        if f.choices:
            listed = choices(root, "yes_no" if f.kind is FieldKind.BOOL else f.name)
            assert list(listed) == list(spec.choices.get(f.name, f.choices))
            assert all(label == choice_label(v) for v, label in listed.items())
    for omitted in spec.omit:
        assert omitted not in b
    assert b["lr_form"]["calculate"] == f"'{spec.form_id}'"


def test_choice_labels_are_readable_and_values_stay_the_vocabulary() -> None:
    root = xform(FORMS[0])
    assert choices(root, "classification") == {
        "SHA": "SHA – suspected hazardous area",
        "CHA": "CHA – confirmed hazardous area",
    }
    assert choices(root, "status") == {
        "active": "Active",
        "worked_on": "Worked on",
        "closed": "Closed",
    }


def test_the_survey_form_narrows_the_activity_types_and_leaves_the_workflow_out() -> None:
    spec = next(f for f in FORMS if f.layer == "activities")
    root = xform(spec)
    assert list(choices(root, "type")) == ["TS", "clearance"]
    assert "status" not in binds(root)


def test_the_form_version_changes_with_the_form_only() -> None:
    a, b = xlsform(FORMS[0]), xlsform(FORMS[0])
    assert a.version == b.version
    assert len({xlsform(f).version for f in FORMS}) == len(FORMS)


def test_forms_command_writes_every_form_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "forms"
    result = CliRunner().invoke(app, ["forms", str(out)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{f.form_id}.xlsx" for f in FORMS)
    for f in FORMS:  # what was written is what converts
        convert(xlsform=str(out / f"{f.form_id}.xlsx"))
    again = CliRunner().invoke(app, ["forms", str(out)], terminal_width=200)
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert CliRunner().invoke(app, ["forms", str(out), "--overwrite"]).exit_code == 0
    with pytest.raises(UsageError, match="is a file"):
        write_forms(out / "hazard_report.xlsx")


# --- a submission generated from each XForm, exported as ODK Central does, imports ---

ANSWERS = {"int": "3", "decimal": "1.5", "date": "2024-06-11", "string": "text"}
LAT, LON = 39.95, 46.90
SHAPE = ";".join(
    f"{LAT + dy} {LON + dx} 0 5" for dx, dy in ((0, 0), (0.01, 0), (0.01, 0.01), (0, 0.01), (0, 0))
)


def _submission(spec: FormSpec, root: ET.Element) -> tuple[dict[str, str], list[dict[str, str]]]:
    """One answer per question of the XForm, as ODK Central's CSV export holds it."""
    row: dict[str, str] = {}
    victims: list[dict[str, str]] = []
    for name, bind in binds(root).items():
        if name.startswith("meta/"):
            continue
        if "calculate" in bind:
            continue
        kind = bind.get("type", "string")
        selects = [
            el
            for el in root.iter()
            if el.attrib.get("ref") == f"/data/{name}" and el.tag.endswith(("select1", "select"))
        ]
        if selects:
            itemset = selects[0].find("x:itemset", NS)
            assert itemset is not None
            listed = list(choices(root, itemset.attrib["nodeset"].split("'")[1]))
            answer = " ".join(listed[:2]) if selects[0].tag.endswith("}select") else listed[0]
        elif kind == "geopoint":
            answer = f"{LAT} {LON} 0 5"
        elif kind == "geoshape":
            answer = SHAPE
        else:
            answer = ANSWERS.get(kind, "text")
            top = re.search(r"<= ([0-9.]+)", bind.get("constraint", ""))
            if kind == "decimal" and top and float(top.group(1)) < float(answer):
                answer = f"{float(top.group(1)) / 2:g}"  # a share: within its range
        if name.startswith("victims/"):
            if not victims:
                victims.append({})
            victims[0][name.split("/")[1]] = answer
        else:
            row[name] = answer
    for name, bind in binds(root).items():
        calc = bind.get("calculate", "")
        if calc.startswith("'"):
            row[name] = calc.strip("'")
        elif calc.endswith("* 10000"):
            row[name] = str(float(row[name.removesuffix("_m2") + "_ha"]) * 10000)
    return row, victims


@pytest.mark.parametrize("spec", FORMS, ids=[f.form_id for f in FORMS])
def test_a_generated_submission_imports_with_its_answers(spec: FormSpec, tmp_path: Path) -> None:
    root = xform(spec)
    row, victims = _submission(spec, root)
    key = "uuid:0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d"
    row |= {"SubmissionDate": "2024-06-12T08:00:00.000Z", "meta-instanceID": key, "KEY": key}
    row[spec.target.id_field] = ""
    export = tmp_path / "export"
    export.mkdir()
    _write_csv(export / f"{spec.form_id}.csv", [row])
    if victims:
        _write_csv(
            export / f"{spec.form_id}-victims.csv",
            [victims[0] | {"PARENT_KEY": key, "KEY": f"{key}/victims[1]"}],
        )
    ws = Workspace.create(str(tmp_path / "ws.gpkg"))
    report = import_package(ws, export)
    assert report.committed, [str(i) for i in report.issues]
    stored = ws.read_layer(spec.layer)
    assert len(stored) == 1
    rec = stored.iloc[0]
    assert rec[spec.target.id_field] == f"{spec.id_prefix}-0a1b2c3d4e5f"
    for f in spec.fields:
        if f.name == spec.target.id_field:
            continue
        value = rec[f.name]
        if f.kind is FieldKind.VICTIMS:
            assert value == [{"age": 3, "gender": "female", "outcome": "killed"}]
        elif f.kind is FieldKind.DATE:
            assert value == "2024-06-11"
        elif f.kind is FieldKind.ENUM:
            assert value == spec.choices.get(f.name, f.choices)[0]
        elif f.kind is FieldKind.ENUM_LIST:
            assert value == list(f.choices[:2])
        elif f.unit == "m²":
            assert value == pytest.approx(15_000)
        elif f.kind is FieldKind.INT:
            assert value == 3
        elif f.kind is FieldKind.FLOAT:
            within = f.maximum is None or f.maximum >= 1.5
            assert value == pytest.approx(1.5 if within else f.maximum / 2)
        elif f.kind is FieldKind.BOOL:
            assert value is True or value == 1
    assert rec["extra"]["form_id"] == spec.form_id
    assert rec["extra"]["form_version"] == xlsform(spec).version
    assert rec["extra"]["submission_id"] == key.removeprefix("uuid:")
    # a one-part polygon is stored as a one-part MultiPolygon, the type the layer declares
    assert rec.geometry.geom_type == ("Point" if spec.geometry == "geopoint" else "MultiPolygon")
    assert rec.geometry.bounds[:2] == pytest.approx((LON, LAT))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("spec", FORMS, ids=lambda s: s.form_id)
def test_a_form_in_the_programme_languages_converts_with_a_translation_per_language(
    spec: FormSpec,
) -> None:
    from openpyxl import load_workbook

    form = xlsform(spec, ("km", "en", "fr"))
    assert form.languages == ("en", "km", "fr") and form.untranslated == ("km", "fr")
    assert form.version != xlsform(spec).version  # another form, another version
    data = workbook_bytes(form)
    book = load_workbook(io.BytesIO(data))
    survey = [list(r) for r in book["survey"].iter_rows(values_only=True)]
    header = survey[0]
    for column in ("label", "hint", "constraint_message"):
        assert column not in header  # no language-less column: it would make a "default" one
        cols = [header.index(f"{column}::{lang}") for lang in ("English (en)", "Khmer (km)")]
        assert header.index(f"{column}::French (fr)") == cols[1] + 1
        for row in survey[1:]:  # the English text, copied until translated
            assert row[cols[0]] == row[cols[1]] == row[cols[1] + 1]
    labels = [r[header.index("label::English (en)")] for r in survey[1:]]
    assert "Victim" in labels or "Location" in labels or "Outline of the area" in labels
    choices_header = next(book["choices"].iter_rows(values_only=True))
    assert [c for c in choices_header if str(c).startswith("label")] == [
        "label::English (en)",
        "label::Khmer (km)",
        "label::French (fr)",
    ]
    settings = dict(zip(*book["settings"].iter_rows(values_only=True), strict=True))
    assert settings["default_language"] == "English (en)"

    warnings: list[str] = []
    result = convert(xlsform=io.BytesIO(data), warnings=warnings, file_type=".xlsx")
    assert warnings == []  # no missing translation
    root = ET.fromstring(result.xform)
    itext = root.find(".//x:itext", NS)
    assert itext is not None
    translations = {t.attrib["lang"]: t for t in itext.findall("x:translation", NS)}
    assert set(translations) == {"English (en)", "Khmer (km)", "French (fr)"}
    assert translations["English (en)"].attrib.get("default") == "true()"
    texts = {
        lang: {t.attrib["id"]: ET.tostring(t) for t in tr.findall("x:text", NS)}
        for lang, tr in translations.items()
    }
    assert texts["Khmer (km)"] == texts["English (en)"] == texts["French (fr)"]
    assert len(texts["English (en)"]) > len(spec.fields)  # every question, hint and choice


def test_english_alone_keeps_the_plain_columns() -> None:
    for languages in ((), ("en",), ("en-GB",)):
        form = xlsform(FORMS[0], languages)
        assert form.languages == () and form.version == xlsform(FORMS[0]).version
        assert "default_language" not in form.settings


def test_the_forms_command_takes_the_profile_languages_and_says_what_is_untranslated(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    ws = str(tmp_path / "w.gpkg")
    assert runner.invoke(app, ["init", ws]).exit_code == 0
    res = runner.invoke(app, ["profile", "set", "-w", ws, "--languages", "km,en"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["forms", str(tmp_path / "f"), "-w", ws])
    text = " ".join(res.output.split())
    assert res.exit_code == 0, res.output
    assert "Languages: English (en), Khmer (km)." in text
    assert "The columns for Khmer (km) hold the English text until you translate them" in text
    assert "the forms open in English (default_language)" in text
    book = load_workbook(tmp_path / "f" / "hazard_report.xlsx")
    assert "label::Khmer (km)" in next(book["survey"].iter_rows(values_only=True))
    # --languages wins over the profile; a bad code is refused by name
    res = runner.invoke(app, ["forms", str(tmp_path / "g"), "-w", ws, "--languages", "en"])
    assert res.exit_code == 0 and "Languages:" not in res.output
    res = runner.invoke(app, ["forms", str(tmp_path / "h"), "--languages", "km,Khmer"])
    assert res.exit_code != 0 and "languages Khmer: accepted ISO 639 codes" in res.output
    assert not (tmp_path / "h").exists()
