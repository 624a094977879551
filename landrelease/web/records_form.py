"""One finding or incident entered in a browser form, checked with the importer's own rules.

The form's values become a one-record evidence package (a GeoJSON file in a
temporary folder) imported with :func:`landrelease.io.import_package`: a dry
run first, so a record with any problem is refused whole with the same
messages an imported file gets (field, value, what is accepted), then the
import, audited with the web user as actor. Only roles that import packages
enter records (information managers, administrators).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from landrelease.domain import FieldKind, Layer, layer_by_name
from landrelease.io import import_package
from landrelease.store import Workspace
from landrelease.web.auth import User
from landrelease.web.errors import Forbidden, NotFound
from landrelease.web.upload import may_import, outcome

FORM_LAYERS = ("findings", "incidents")


def form_layer(name: str) -> Layer:
    if name not in FORM_LAYERS:
        raise NotFound(f"no form for {name!r}; forms exist for {', '.join(FORM_LAYERS)}")
    return layer_by_name(name)


def form_fields(layer: Layer) -> list[dict[str, Any]]:
    """The fields the form shows: every field of the layer except personal data."""
    return [
        {
            "name": f.name,
            "kind": str(f.kind),
            "required": f.required,
            "choices": list(f.choices),
            "unit": f.unit,
            "help": f.help,
        }
        for f in layer.fields
        if not f.personal and f.kind is not FieldKind.VICTIMS
    ]


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


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def enter_record(
    ws: Workspace, user: User, layer_name: str, form: Mapping[str, str]
) -> dict[str, Any]:
    """Check the record with the importer's rules; import it if it has no error."""
    if not may_import(user):
        raise Forbidden("only information managers and administrators enter records")
    layer = form_layer(layer_name)
    props: dict[str, Any] = {}
    for f in layer.fields:
        text = (form.get(f.name) or "").strip()
        if text and not f.personal:
            props[f.name] = _value(f.kind, text)
    lon, lat = _number((form.get("lon") or "").strip()), _number((form.get("lat") or "").strip())
    geometry = (
        {"type": "Point", "coordinates": [lon, lat]}
        if isinstance(lon, float) and isinstance(lat, float)
        else None
    )
    fc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": props, "geometry": geometry}],
    }
    with tempfile.TemporaryDirectory(prefix="lr_record_") as tmp:
        folder = Path(tmp) / "record"
        folder.mkdir()
        (folder / layer.filename).write_text(json.dumps(fc), encoding="utf-8")
        report = import_package(ws, folder, actor=user.username, dry_run=True)
        if report.ok:
            report = import_package(ws, folder, actor=user.username)
    result = outcome(layer.filename, report)
    if geometry is None:
        result["issues"].insert(
            0,
            {
                "file": layer.filename,
                "record": str(props.get(layer.id_field, "#1")),
                "field": "lon, lat",
                "value": f"{form.get('lon', '')}, {form.get('lat', '')}",
                "problem": "the position is missing or not a number",
                "accepted": "longitude and latitude in WGS84 degrees",
                "severity": "error",
            },
        )
    return result
