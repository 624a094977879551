"""One record entered in a browser form, checked with the importer's own rules.

The form's values become a one-record evidence package (a GeoJSON file in a
temporary folder) imported with :func:`landrelease.io.import_package`: a dry
run first, so a record with any problem is refused whole with the same
messages an imported file gets (field, value, what is accepted), then the
import, audited with the web user as actor. The same check, without the
import, answers ``POST /api/validate/{layer}`` while the user types.

Findings and incidents are entered here by the roles that import packages
(information managers, administrators); activities and QA visits have their
own builders in :mod:`landrelease.web.entry` on top of :func:`run_package`.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from landrelease.domain import Field, FieldKind, Layer, layer_by_name
from landrelease.domain.vocab import choice_label
from landrelease.io import import_package
from landrelease.store import Workspace
from landrelease.web.auth import User
from landrelease.web.errors import Forbidden, NotFound, Unauthorized
from landrelease.web.upload import may_import, outcome

FORM_LAYERS = ("findings", "incidents")
ENTERED = "(entered in a form)"
"""What a form-level issue names as its file: the form's values, not a file of a package."""


def form_layer(name: str) -> Layer:
    if name not in FORM_LAYERS:
        raise NotFound(f"no form for {name!r}; forms exist for {', '.join(FORM_LAYERS)}")
    return layer_by_name(name)


INPUT_TYPES = {FieldKind.DATE: "date"}
"""The HTML input of a field kind: a date picker for dates; text for the others, numbers
included (a browser's number input sends nothing for what it cannot read, so the importer
could not say what was typed)."""


def field_view(f: Field) -> dict[str, Any]:
    """A field as a form shows it: its label in words with the unit, the help under it, the
    input (a date picker for a date) and what it accepts (the importer's words)."""
    unit = "" if f.unit in ("share", "devices", "people") else f.unit
    return {
        "name": f.name,
        "label": f.title,
        "kind": str(f.kind),
        "input": INPUT_TYPES.get(f.kind, "text"),
        "required": f.required,
        "choices": list(f.choices),
        "choice_labels": {c: choice_label(c) for c in f.choices},
        "unit": unit,
        "help": f.help.replace("`", ""),
        "accepted": f.accepted(),
    }


def form_fields(layer: Layer, leave_out: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The fields the form shows: every field of the layer except personal data."""
    return [
        field_view(f)
        for f in layer.fields
        if not f.personal
        and f.kind is not FieldKind.VICTIMS
        and f.name not in leave_out
        and f.name != "date_of_information"
    ]


def issue(
    record: str,
    field: str,
    value: str,
    problem: str,
    accepted: str = "",
    severity: str = "error",
) -> dict[str, str]:
    """A problem of the form itself (a value the package cannot even carry), shaped as the importer's."""
    return {
        "file": ENTERED,
        "record": record,
        "field": field,
        "value": value,
        "problem": problem,
        "accepted": accepted,
        "severity": severity,
    }


def form_values(form: Any) -> dict[str, str]:
    """A posted form's text values; a name sent more than once (checkboxes) joined with commas,
    as a list is written in a table of a package."""
    out: dict[str, str] = {}
    for key in form:
        texts = [v for v in form.getlist(key) if isinstance(v, str)]
        if texts:
            out[key] = ",".join(t for t in texts if t.strip()) if len(texts) > 1 else texts[0]
    return out


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def clean(form: Mapping[str, str]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The form's values a package can carry; a value with a NUL or an unpaired surrogate
    (possible in a JSON body, never typed) is left out with a problem naming its field."""
    out: dict[str, str] = {}
    issues: list[dict[str, str]] = []
    for key, value in form.items():
        if not _encodable(key):
            continue
        if not _encodable(value):
            issues.append(
                issue(
                    "#1",
                    key,
                    "",
                    "holds a NUL or an unpaired surrogate character",
                    "text (UTF-8) without NUL characters",
                )
            )
            continue
        out[key] = value
    return out, issues


def text_of(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "").strip()


def _value(kind: FieldKind, text: str) -> Any:
    """The form's text as the JSON type the field takes; left as text when it does not parse,
    so the importer reports it with its own message."""
    try:
        if kind is FieldKind.INT:
            return int(text)
        if kind is FieldKind.FLOAT:
            return float(text)
    except ValueError:
        return text
    if kind is FieldKind.BOOL:
        return {"true": True, "false": False}.get(text.lower(), text)
    return text


def layer_properties(layer: Layer, form: Mapping[str, str]) -> dict[str, Any]:
    """The layer's fields filled in the form (never personal data), as the importer reads JSON."""
    props: dict[str, Any] = {}
    for f in layer.fields:
        text = text_of(form, f.name)
        if text and not f.personal:
            props[f.name] = _value(f.kind, text)
        elif f.required:
            props[f.name] = None  # "missing: this property is required", named on its field
    return props


def number(
    form: Mapping[str, str], f: Field, record: str, issues: list[dict[str, str]]
) -> float | None:
    """A number the layer does not declare (an extra property), checked with the importer's
    words for a declared one; ``None`` when blank or refused (the refusal added to ``issues``)."""
    text = text_of(form, f.name)
    if not text:
        return None
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    ok = math.isfinite(v) and (f.minimum is None or v >= f.minimum)
    ok = ok and (f.maximum is None or v <= f.maximum)
    if ok and f.kind is FieldKind.INT and not v.is_integer():
        ok = False
    if not ok:
        what = "not a whole number in range" if f.kind is FieldKind.INT else "not a number in range"
        issues.append(issue(record, f.name, repr(text), what, f.accepted()))
        return None
    return v


def point_geometry(
    form: Mapping[str, str], record: str, issues: list[dict[str, str]]
) -> dict[str, Any] | None:
    """A GeoJSON point from the form's ``lon`` and ``lat``; a problem added when not numbers."""
    lon_t, lat_t = text_of(form, "lon"), text_of(form, "lat")
    try:
        lon, lat = float(lon_t), float(lat_t)
    except ValueError:
        lon = lat = math.nan
    if not (math.isfinite(lon) and math.isfinite(lat)):
        issues.append(
            issue(
                record,
                "lon, lat",
                f"{lon_t}, {lat_t}",
                "the position is missing or not a number",
                "longitude and latitude in WGS84 degrees",
            )
        )
        return None
    return {"type": "Point", "coordinates": [lon, lat]}


def existing_id(ws: Workspace, layer: Layer, rid: Any, issues: list[dict[str, str]]) -> None:
    """A form enters new records: an id in use (retired ones too) would update another record."""
    if not isinstance(rid, str) or not rid:
        return
    if len(ws.read_layer(layer.name, ids=[rid], include_retired=True)):
        issues.append(
            issue(
                rid,
                layer.id_field,
                repr(rid),
                f"{layer.name} record {rid} exists already; this form enters new records",
                "an id not used yet",
            )
        )


def run_package(
    ws: Workspace,
    user: User,
    layer: Layer,
    props: Mapping[str, Any],
    geometry: Mapping[str, Any] | None,
    *,
    before: list[dict[str, str]] | None = None,
    commit: bool,
) -> dict[str, Any]:
    """Check one record as a one-record package (dry run); import it when ``commit`` and no error.

    ``before`` holds the form's own problems (values the package could not
    carry); any error among them stops the import too. The result is the
    upload's outcome with ``ok`` and every issue, the form's first.
    """
    fc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": dict(props), "geometry": geometry}],
    }
    pre = list(before or [])
    pre_errors = sum(1 for i in pre if i["severity"] == "error")
    with tempfile.TemporaryDirectory(prefix="lr_record_") as tmp:
        folder = Path(tmp) / "record"
        folder.mkdir()
        (folder / layer.filename).write_text(json.dumps(fc), encoding="utf-8")
        report = import_package(ws, folder, actor=user.username, dry_run=True)
        if commit and report.ok and not pre_errors:
            report = import_package(ws, folder, actor=user.username)
    result = outcome(layer.filename, report)
    result["issues"] = pre + result["issues"]
    result["errors"] = int(result["errors"]) + pre_errors
    result["ok"] = result["errors"] == 0
    result["layer"] = layer.name
    return result


def check_user(user: User, layer_name: str) -> None:
    """Who may enter (or check) a record of this layer; 401 or 403 otherwise."""
    if not user.authenticated:
        raise Unauthorized("log in to enter records")
    if layer_name == "activities":
        if not user.may_submit:
            raise Forbidden(f"a {user.role} does not enter activities")
    elif not may_import(user):
        raise Forbidden("only information managers and administrators enter these records")


def enter_record(
    ws: Workspace, user: User, layer_name: str, form: Mapping[str, str], *, commit: bool = True
) -> dict[str, Any]:
    """Check a finding or incident with the importer's rules; import it if it has no error."""
    layer = form_layer(layer_name)
    check_user(user, layer_name)
    if not may_import(user):
        raise Forbidden("only information managers and administrators enter records")
    form, before = clean(form)
    props = layer_properties(layer, form)
    record = str(props.get(layer.id_field) or "#1")
    existing_id(ws, layer, props.get(layer.id_field), before)
    geometry = point_geometry(form, record, before)
    return run_package(ws, user, layer, props, geometry, before=before, commit=commit)
