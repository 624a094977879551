"""Activities and QA visits entered in browser forms, and the check that runs while the user types.

An **activity** is entered as a draft by an operator (for the organisation of
the operator's account, whatever the form says) or by an information manager
or administrator. Its values become a one-record package checked by the
importer's own rules (:func:`landrelease.web.records_form.run_package`: a dry
run, then the import, audited with the web user as actor); the operator then
submits it on ``/activities``. The area it reports per method travels in the
properties ``area_cancelled_m2``, ``area_reduced_m2``, ``area_cleared_m2``
(as in an imported package) and the devices it found in ``devices_found``.
Its geometry is a polygon (the data contract accepts nothing else for
activities): its hazard's polygon, a GeoJSON polygon pasted in, or a circle
of a given radius round a point (an EOD spot task). Once the importer accepts
the record, the approval's own release check and the accreditation check run
on it too and their findings are shown as warnings (they do not stop a draft;
the approval refuses them).

An activity sent back (``rejected``) or still a ``draft`` is **corrected** in
the same form (:func:`editable_activity` says who may, :func:`activity_values`
fills the form): the corrected record goes through the importer again, which
updates the stored one by its id (audited with before and after), as a
``draft`` dated now so that the date-of-information rule lets it replace the
stored one; a post that changes nothing writes nothing. The operator then
submits it again.

A **QA visit** is the result of a post-clearance inspection, recorded with
:func:`landrelease.quality.record_inspection` (the function behind
``landrelease qa record``); while typing, its values are checked with the
importer's rules for ``qa_visits``, the record that function writes.

:func:`validate` answers ``POST /api/validate/{layer}``: the same checks,
nothing written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import shapely
import shapely.geometry

from landrelease.domain import Field, FieldKind, layer_by_name
from landrelease.records import RELEASE_METHODS, preview_approval
from landrelease.records.rules import CLAIM_KEYS
from landrelease.records.workflow import activity_history
from landrelease.store import Workspace, WorkspaceView
from landrelease.store.crs import project, unproject
from landrelease.store.sql import now_iso
from landrelease.web.auth import User
from landrelease.web.errors import Conflict, Forbidden, NotFound
from landrelease.web.labels import ha_text, m2_from_ha
from landrelease.web.qa_form import check_qa
from landrelease.web.records_form import (
    FORM_LAYERS,
    check_user,
    clean,
    enter_record,
    existing_id,
    field_view,
    form_fields,
    issue,
    layer_properties,
    number,
    point_geometry,
    run_package,
    text_of,
)
from landrelease.web.visible import DRAFT_STATUSES

ACTIVITIES = layer_by_name("activities")


def _declared(name: str) -> Field:
    f = ACTIVITIES.field(name)
    assert f is not None, name
    return f


HAZARD_FIELD = _declared("hazard_id")
ORGANISATION_FIELD = _declared("organisation")
ASSET_FIELD = _declared("asset")
VALIDATE_LAYERS = ("activities", *FORM_LAYERS, "qa_visits")

CLAIM_WORDS = {
    "cancelled": ("Area cancelled", "Land cancelled by non-technical survey."),
    "reduced": ("Area reduced", "Land reduced by technical survey."),
    "cleared": ("Area cleared", "Land cleared (technical survey, clearance, EOD spot task)."),
}
CLAIM_M2_FIELDS = tuple(
    Field(
        CLAIM_KEYS[m],
        FieldKind.FLOAT,
        minimum=0,
        unit="m²",
        label=CLAIM_WORDS[m][0],
        help=f"area reported {m}",
    )
    for m in RELEASE_METHODS
)
"""The reported areas as an activity stores them and the JSON API takes them, in m²."""
CLAIM_FIELDS = tuple(
    Field(
        f"area_{m}_ha",
        FieldKind.FLOAT,
        minimum=0,
        unit="ha",
        label=CLAIM_WORDS[m][0],
        help=CLAIM_WORDS[m][1],
    )
    for m in RELEASE_METHODS
)
"""The reported areas as the form takes them, in hectares like the reports."""
HA_TO_M2 = {ha.name: m2.name for ha, m2 in zip(CLAIM_FIELDS, CLAIM_M2_FIELDS, strict=True)}
M2_TO_HA = {m2: ha for ha, m2 in HA_TO_M2.items()}
DEVICES_FOUND = Field(
    "devices_found", FieldKind.INT, minimum=0, unit="devices", label="Devices found"
)
RADIUS = Field(
    "radius_m",
    FieldKind.FLOAT,
    minimum=1,
    maximum=2000,
    unit="m",
    label="Radius",
    help="The circle round the point that the spot task cleared.",
)
KEEP = "keep"
"""The geometry source of a correction that keeps the activity's stored polygon."""
KEPT_GEOMETRY = "the activity's polygon as recorded"
GEOMETRY_SOURCES = {
    "hazard": "the hazard's polygon",
    "geojson": "a polygon drawn on the map (or GeoJSON)",
    "point": "a circle round a point",
}
GEOJSON_ACCEPTED = "a GeoJSON Polygon or MultiPolygon (geometry or one Feature), WGS84 lon/lat"


# -- activities ----------------------------------------------------------------------------


def activity_fields(*, editing: bool = False) -> list[dict[str, Any]]:
    """The activity's fields the form shows as plain inputs (hazard, organisation, asset apart;
    the id too when a record is corrected: it names the record, it is not changed)."""
    leave_out = ("status", "hazard_id", "organisation", "asset")
    return form_fields(ACTIVITIES, leave_out=(*leave_out, "activity_id") if editing else leave_out)


def extra_fields() -> list[dict[str, Any]]:
    """Reported areas per method and devices found: extra properties, as a package carries them."""
    return [field_view(f) for f in (*CLAIM_FIELDS, DEVICES_FOUND)]


def hazard_choice(r: pd.Series) -> dict[str, Any]:
    """A hazard as the form's list shows it."""
    return {
        "hazard_id": str(r["hazard_id"]),
        "status": str(r["status"]),
        "classification": str(r["classification"]),
        "area_ha": round(float(r["area_m2"]) / 10_000, 2) if pd.notna(r["area_m2"]) else None,
        "district": r["district"] if isinstance(r["district"], str) else "",
    }


def hazard_choices(hazards: pd.DataFrame) -> list[dict[str, Any]]:
    """Hazards an activity can still release land of (not closed), by id."""
    if not len(hazards):
        return []
    open_ = hazards[hazards["status"].astype(object) != "closed"].sort_values("hazard_id")
    return [hazard_choice(r) for _, r in open_.iterrows()]


# -- correcting a draft or a rejected activity ----------------------------------------------

EDITABLE = ("draft", "rejected")


def _locked(activity_id: str, status: str) -> str:
    if status == "submitted":
        why = "submitted activities are locked until reviewed (approved, or rejected with a reason)"
    elif status == "approved":
        why = "an approved activity's release is booked; it is no longer corrected in a form"
    else:
        why = f"a {status} activity is not corrected in a form"
    return f"activity {activity_id} is {status}: {why}; only a draft or a rejected activity can be corrected"


def editable_activity(ws: Workspace, user: User, activity_id: str) -> pd.Series:
    """The activity ``user`` may correct, as stored; refused otherwise.

    401/403 for roles that do not enter activities; 404 when there is no such
    activity, or when it is another organisation's draft (submitted, rejected)
    that an operator must not learn of; 403 for an operator and another
    organisation's activity it may see; 409 when it is neither a draft nor rejected.
    """
    check_user(user, "activities")
    frame = ws.read_layer("activities", ids=[activity_id])
    if not len(frame):
        raise NotFound(f"no activity {activity_id!r}")
    row = frame.iloc[0]
    status = row["status"] if isinstance(row["status"], str) else "draft"
    org = row["organisation"]
    own = isinstance(org, str) and org.strip().casefold() == (
        (user.organisation or "").strip().casefold()
    )
    if not user.may_approve and not own:
        if not user.sees_all_drafts and status in DRAFT_STATUSES:
            raise NotFound(f"no activity {activity_id!r}")
        raise Forbidden(f"activity {activity_id} belongs to another organisation")
    if status not in EDITABLE:
        raise Conflict(_locked(activity_id, status))
    return row


def _text(v: Any) -> str:
    """A stored value as the form's text (a list comma-separated, a whole number without .0)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, list | tuple):
        return ",".join(str(x) for x in v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _extra(row: pd.Series) -> dict[str, Any]:
    extra = row.get("extra")
    return extra if isinstance(extra, dict) else {}


def activity_values(row: pd.Series) -> dict[str, str]:
    """A stored activity as the form's values: its fields, its reported areas and devices found
    (extra properties), and its polygon kept as recorded."""
    values = {
        f.name: _text(row.get(f.name))
        for f in ACTIVITIES.fields
        if f.name not in ("status", "date_of_information")
    }
    extra = _extra(row)
    for ha, m2 in HA_TO_M2.items():
        values[ha] = ha_text(extra.get(m2))
    values[DEVICES_FOUND.name] = _text(extra.get(DEVICES_FOUND.name))
    values["geometry_source"] = KEEP
    return values


def rejections(ws: Workspace, activity_id: str) -> list[dict[str, str]]:
    """Why the activity was sent back: every rejection, newest first (when, by whom, why)."""
    steps = activity_history(ws, activity_id)
    if not len(steps):
        return []
    sent_back = steps[steps["step"].astype(object) == "rejected"]
    out = [
        {"at": _text(r["at"]), "actor": _text(r["actor"]), "reason": _text(r["reason"])}
        for _, r in sent_back.iterrows()
    ]
    return sorted(out, key=lambda r: r["at"], reverse=True)


def _geojson(text: str, record: str, issues: list[dict[str, str]]) -> dict[str, Any] | None:
    def refuse(why: str) -> None:
        shown = text if len(text) <= 60 else text[:59] + "…"
        issues.append(issue(record, "geojson", repr(shown), why, GEOJSON_ACCEPTED))

    if not text:
        refuse("missing: paste the activity's polygon")
        return None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        refuse(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        return None
    if isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        feats = obj.get("features") or []
        if len(feats) != 1:
            refuse(f"a FeatureCollection of {len(feats)} features; one activity has one polygon")
            return None
        obj = feats[0]
    if isinstance(obj, dict) and obj.get("type") == "Feature":
        obj = obj.get("geometry")
    if not isinstance(obj, dict) or "type" not in obj or "coordinates" not in obj:
        refuse("not a GeoJSON geometry (no type and coordinates)")
        return None
    return obj


def _circle(
    form: Mapping[str, str], record: str, issues: list[dict[str, str]], *, crs: str
) -> dict[str, Any] | None:
    """A polygon of ``radius_m`` round the form's point, drawn in the workspace's metric CRS
    (``crs``), where its area is measured."""
    point = point_geometry(form, record, issues)
    radius = number(form, RADIUS, record, issues)
    if radius is None and not text_of(form, RADIUS.name):
        issues.append(
            issue(record, RADIUS.name, "", "missing: the circle needs a radius", RADIUS.accepted())
        )
    if point is None or radius is None:
        return None
    lon, lat = point["coordinates"]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return point  # the importer says what is wrong with it
    centre = project([shapely.Point(lon, lat)], crs)[0]
    back = unproject([shapely.buffer(centre, radius, quad_segs=16)], crs)[0]
    return dict(shapely.geometry.mapping(back))


def _activity_geometry(
    ws: Workspace,
    form: Mapping[str, str],
    record: str,
    issues: list[dict[str, str]],
    current: pd.Series | None = None,
) -> dict[str, Any] | None:
    source = text_of(form, "geometry_source") or (KEEP if current is not None else "hazard")
    if source == KEEP and current is not None:
        geom = current.geometry
        return None if geom is None else dict(shapely.geometry.mapping(geom))
    if source not in GEOMETRY_SOURCES:
        accepted = [*GEOMETRY_SOURCES, KEEP] if current is not None else list(GEOMETRY_SOURCES)
        why = (
            "keeps the recorded polygon only when an activity is corrected"
            if source == KEEP
            else "not an accepted value"
        )
        issues.append(
            issue(record, "geometry_source", repr(source), why, "one of " + ", ".join(accepted))
        )
        return None
    if source == "geojson":
        return _geojson(text_of(form, "geojson"), record, issues)
    if source == "point":
        return _circle(form, record, issues, crs=WorkspaceView.of(ws).metric_crs)
    hid = text_of(form, "hazard_id")
    if not hid:
        return None  # the importer says hazard_id is missing
    hazard = ws.read_layer("hazards", ids=[hid])
    if not len(hazard) or hazard.geometry.iloc[0] is None:
        issues.append(
            issue(
                record,
                "hazard_id",
                repr(hid),
                "refers to no current hazard, so its polygon cannot be the activity's area",
                "a hazard from the list, or another geometry",
            )
        )
        return None
    return dict(shapely.geometry.mapping(hazard.geometry.iloc[0]))


def activity_record(
    ws: Workspace, user: User, form: Mapping[str, str], current: pd.Series | None = None
) -> tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, str]]]:
    """The draft's properties and geometry as a package carries them, and the form's own problems.

    The status is always ``draft``; an operator's organisation is the one of
    the account, never the form's. ``current`` is the stored activity a
    correction replaces: its id is the record's whatever the form says, its
    other extra properties are kept, and its polygon when the form keeps it.
    """
    form, before = clean(form)
    if current is not None:
        form = {**form, "activity_id": str(current["activity_id"])}
    props = layer_properties(ACTIVITIES, form)
    props["status"] = "draft"
    props.pop("date_of_information", None)
    org = text_of(form, "organisation") if user.may_approve else (user.organisation or "")
    props.pop("organisation", None)
    if org:
        props["organisation"] = org
    record = str(props.get("activity_id") or "#1")
    if current is None:
        existing_id(ws, ACTIVITIES, props.get("activity_id"), before)
    else:
        extra = _extra(current)
        entered = {*M2_TO_HA, DEVICES_FOUND.name}
        props.update({k: v for k, v in extra.items() if k not in entered and k not in props})
    props.update(claimed_areas(form, record, before))
    found = number(form, DEVICES_FOUND, record, before)
    if found is not None:
        props[DEVICES_FOUND.name] = int(found)
    start, end = props.get("start"), props.get("end")
    if isinstance(start, str) and isinstance(end, str) and end < start:
        before.append(
            issue(
                record,
                "end",
                repr(end),
                f"before the start ({start})",
                "a date on or after the start",
                "warning",
            )
        )
    geometry = _activity_geometry(ws, form, record, before, current)
    return props, geometry, before


def claimed_areas(
    form: Mapping[str, str], record: str, issues: list[dict[str, str]]
) -> dict[str, float]:
    """The areas the activity reports per method, in m² as stored: from hectares (the form's
    ``area_cleared_ha``, converted exactly) or from m² (``area_cleared_m2``, the JSON API's);
    both for one method is refused, as they could disagree."""
    out: dict[str, float] = {}
    for ha, m2 in zip(CLAIM_FIELDS, CLAIM_M2_FIELDS, strict=True):
        if text_of(form, ha.name):
            if text_of(form, m2.name):
                issues.append(
                    issue(
                        record,
                        ha.name,
                        f"{text_of(form, ha.name)} ha and {text_of(form, m2.name)} m²",
                        "the area is given twice",
                        f"either {ha.name} (ha) or {m2.name} (m²)",
                    )
                )
                continue
            if number(form, ha, record, issues) is not None:
                out[m2.name] = m2_from_ha(text_of(form, ha.name))
        else:
            v = number(form, m2, record, issues)
            if v is not None:
                out[m2.name] = v
    return out


def _release_warnings(
    ws: Workspace, props: Mapping[str, Any], geometry: Mapping[str, Any] | None
) -> list[dict[str, str]]:
    """What the approval would refuse or flag (:func:`landrelease.records.preview_approval`),
    found now: warnings, a draft may still be saved."""
    record = str(props.get("activity_id", "#1"))
    act = {
        "activity_id": record,
        "type": props.get("type"),
        "hazard_id": props.get("hazard_id"),
        "outcome": props.get("outcome"),
        "organisation": props.get("organisation"),
        "asset": props.get("asset"),
        "start": props.get("start"),
        "end": props.get("end"),
        "extra": {k: props[k] for k in CLAIM_KEYS.values() if k in props},
        "geometry": shapely.geometry.shape(geometry) if geometry else None,
    }
    preview = preview_approval(ws, act)
    out = [
        issue(
            record,
            "organisation",
            repr(props.get("organisation", "")),
            f"flagged at submission (the approval needs the reviewer's override): {flag}",
            "an organisation accredited for this work",
            "warning",
        )
        for flag in preview.flags
    ]
    out += [
        issue(
            record,
            M2_TO_HA.get(i.field, i.field),
            i.value,
            f"the approval refuses it: {i.problem}",
            i.accepted,
            "warning",
        )
        for i in preview.refusals
    ]
    return out


def _unchanged(
    ws: Workspace,
    user: User,
    props: Mapping[str, Any],
    geometry: Mapping[str, Any] | None,
    current: pd.Series,
) -> bool:
    """Whether the corrected record is the stored one: with the stored status and date of
    information, a dry run of the importer finds it unchanged (its fingerprint is the same)."""
    same = {
        **props,
        "status": current["status"],
        "date_of_information": current["date_of_information"],
    }
    probe = run_package(ws, user, ACTIVITIES, same, geometry, commit=False)
    return bool(probe["ok"]) and probe["totals"].get("unchanged") == 1


def _date_of_information(current: pd.Series, record: str, issues: list[dict[str, str]]) -> str:
    """Now, the correction's date of information: later than the stored one, or a problem."""
    now = now_iso()
    stored = current["date_of_information"]
    if isinstance(stored, str) and stored:
        then = pd.to_datetime(stored.replace(" ", "T"), format="ISO8601", utc=True)
        if then >= pd.Timestamp(now):
            issues.append(
                issue(
                    record,
                    "date_of_information",
                    repr(stored),
                    "the stored record's date of information is not before now, so a "
                    "correction made now would not replace it (the date-of-information rule)",
                    f"a stored date before {now}; import a later record instead",
                )
            )
    return now


def enter_activity(
    ws: Workspace,
    user: User,
    form: Mapping[str, str],
    *,
    commit: bool = True,
    editing: str | None = None,
) -> dict[str, Any]:
    """Check an activity with the importer's rules; record it as a draft if it has no error.

    ``editing`` names the draft or rejected activity this one corrects
    (:func:`editable_activity` refuses the others): the importer updates it
    by its id, as a draft dated now, audited with before and after; when the
    values are the stored ones nothing is written (``unchanged``).
    """
    check_user(user, "activities")
    current = editable_activity(ws, user, editing) if editing else None
    props, geometry, before = activity_record(ws, user, form, current)
    unchanged = False
    if current is not None:
        record = str(props["activity_id"])
        props["date_of_information"] = _date_of_information(current, record, before)
        if commit and not any(i["severity"] == "error" for i in before):
            unchanged = _unchanged(ws, user, props, geometry, current)
    result = run_package(
        ws, user, ACTIVITIES, props, geometry, before=before, commit=commit and not unchanged
    )
    if result["ok"]:
        result["issues"] += _release_warnings(ws, props, geometry)
    result["activity_id"] = props.get("activity_id")
    result["organisation"] = props.get("organisation")
    result["unchanged"] = unchanged
    result["editing"] = editing
    return result


# -- checking while the user types -----------------------------------------------------------


def validate(ws: Workspace, user: User, layer: str, values: Mapping[str, str]) -> dict[str, Any]:
    """The issues of one record entered in a form, found by the importer's rules; nothing written."""
    if layer not in VALIDATE_LAYERS:
        raise NotFound(f"no form checks {layer!r}; checked: {', '.join(VALIDATE_LAYERS)}")
    check_user(user, layer)
    if layer == "activities":
        editing = (values.get("editing") or "").strip() or None
        result = enter_activity(ws, user, values, commit=False, editing=editing)
    elif layer == "qa_visits":
        result = check_qa(ws, user, values)
    else:
        result = enter_record(ws, user, layer, values, commit=False)
    issues = result["issues"]
    return {
        "layer": layer,
        "ok": result["ok"],
        "errors": result["errors"],
        "warnings": sum(1 for i in issues if i["severity"] != "error"),
        "issues": issues,
    }
