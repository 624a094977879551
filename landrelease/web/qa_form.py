"""The QA forms: plan a post-clearance inspection, and record what it found.

The values are checked by the importer's rules for ``qa_visits`` (the record
:func:`landrelease.quality.record_inspection` writes), then the inspection is
recorded through the same function as ``landrelease qa record`` (audited).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import shapely
import shapely.geometry

from landrelease import settings
from landrelease.domain import Field, FieldKind, layer_by_name
from landrelease.errors import DataError, UsageError
from landrelease.quality import plan_inspection, read_plan, read_plans, record_inspection
from landrelease.store import Workspace, WorkspaceView
from landrelease.web.auth import User
from landrelease.web.labels import m2_from_ha
from landrelease.web.records_form import (
    check_user,
    clean,
    field_view,
    issue,
    layer_properties,
    number,
    run_package,
    text_of,
)

QA_VISITS = layer_by_name("qa_visits")
AREA_HA = Field(
    "area_inspected_ha",
    FieldKind.FLOAT,
    minimum=0,
    unit="ha",
    label="Area inspected",
    help="The area the inspection searched; left blank, the planned sample area. "
    "Stored in m² (1 ha = 10,000 m²).",
)
"""The inspected area as the form takes it (hectares); stored as ``area_inspected_m2``."""


def qa_fields() -> dict[str, dict[str, Any]]:
    """The QA result's fields as the form shows them, by name."""
    fields = [QA_VISITS.field(n) for n in ("date", "devices_found", "organisation")]
    return {f["name"]: f for f in map(field_view, [*filter(None, fields), AREA_HA])}


def area_inspected_m2(form: Mapping[str, str], record: str, issues: list[dict[str, str]]) -> str:
    """The inspected area in m² as text: from the form's hectares (converted exactly) or, from
    the JSON API, in m²; blank when not given or refused (the refusal added to ``issues``)."""
    ha = text_of(form, AREA_HA.name)
    if not ha:
        return text_of(form, "area_inspected_m2")
    if text_of(form, "area_inspected_m2"):
        issues.append(
            issue(
                record,
                AREA_HA.name,
                f"{ha} ha and {text_of(form, 'area_inspected_m2')} m²",
                "the area is given twice",
                "either area_inspected_ha (ha) or area_inspected_m2 (m²)",
            )
        )
        return ""
    if number(form, AREA_HA, record, issues) is None:
        return ""
    return repr(m2_from_ha(ha))


def qa_plans(ws: Workspace) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Inspection plans awaiting their result, and those recorded (newest first)."""
    plans = read_plans(ws)
    if not len(plans):
        return [], []
    cols = [
        "plan_id",
        "activity_id",
        "sample_cells",
        "sample_area_m2",
        "lot_area_m2",
        "acceptance_number",
        "confidence",
        "limiting_density_per_ha",
        "decision",
        "devices_found",
        "decided_at",
        "statement",
    ]
    rows = pd.DataFrame(plans[cols]).astype(object).where(pd.notna(plans[cols]), None)
    records = [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")]
    waiting = [r for r in records if not r["decision"]]
    done = sorted(
        (r for r in records if r["decision"]), key=lambda r: str(r["decided_at"]), reverse=True
    )
    return waiting, done


def inspectable_activities(ws: Workspace) -> list[str]:
    """Activities whose released land is in the ledger: the lots an inspection can sample."""
    ledger = WorkspaceView(ws).ledger()
    return sorted({str(a) for a in ledger["activity_id"]}) if len(ledger) else []


def _samples(text: str, issues: list[dict[str, str]], record: str) -> dict[int, int] | None:
    """``12=1, 14=0``: devices found per sample cell, as ``qa record --sample`` takes them."""
    out: dict[int, int] = {}
    for item in (p.strip() for p in text.replace(";", ",").replace("\n", ",").split(",")):
        if not item:
            continue
        no, _, n = item.partition("=")
        if not (no.strip().isdigit() and n.strip().isdigit()):
            issues.append(
                issue(
                    record,
                    "samples",
                    repr(item),
                    "not a sample and a count",
                    "NO=N per sample cell, separated by commas, e.g. 12=1, 14=0",
                )
            )
            return None
        out[int(no)] = int(n)
    return out or None


def qa_record(
    ws: Workspace, form: Mapping[str, str], before: list[dict[str, str]]
) -> tuple[dict[str, Any], pd.Series | None]:
    """The QA visit the result would be recorded as (for the importer's check), and its plan."""
    plan_id = text_of(form, "plan_id")
    record = f"QA-{plan_id}" if plan_id else "#1"
    row = None
    if not plan_id:
        before.append(
            issue(
                record, "plan_id", "", "missing: choose the inspection plan", "a plan from the list"
            )
        )
    else:
        try:
            row, _ = read_plan(ws, plan_id)
        except UsageError as exc:
            before.append(issue(record, "plan_id", repr(plan_id), str(exc), "a plan from the list"))
        if row is not None and row["decision"]:
            before.append(
                issue(
                    record,
                    "plan_id",
                    repr(plan_id),
                    f"recorded already ({row['decision']} on {row['decided_at']})",
                    "a plan awaiting its result",
                )
            )
    entered = {k: form.get(k, "") for k in ("date", "organisation", "devices_found")}
    entered["area_inspected_m2"] = area_inspected_m2(form, record, before)
    props = layer_properties(QA_VISITS, entered)
    props.update(visit_id=record, kind="post_clearance_inspection")
    if row is not None:
        props["activity_id"] = str(row["activity_id"])
        props.setdefault("area_inspected_m2", float(row["sample_area_m2"]))
    found_by_sample = _samples(text_of(form, "samples"), before, record)
    if "devices_found" not in props and found_by_sample:
        props["devices_found"] = sum(found_by_sample.values())
    if "devices_found" not in props and found_by_sample is None and not text_of(form, "samples"):
        before.append(
            issue(
                record,
                "devices_found",
                "",
                "missing: give the devices found in all, or per sample cell",
                "a whole number ≥ 0 [devices]",
            )
        )
    return props, row


def check_qa(ws: Workspace, user: User, form: Mapping[str, str]) -> dict[str, Any]:
    """The QA result's values checked with the importer's rules for ``qa_visits``; nothing written."""
    check_user(user, "qa_visits")
    form, before = clean(form)
    props, row = qa_record(ws, form, before)
    geometry = dict(shapely.geometry.mapping(row["geometry"])) if row is not None else None
    return run_package(ws, user, QA_VISITS, props, geometry, before=before, commit=False)


def record_qa(ws: Workspace, user: User, form: Mapping[str, str]) -> dict[str, Any]:
    """Check the values, then record the inspection with :func:`record_inspection` (audited)."""
    result = check_qa(ws, user, form)
    result["committed"] = False
    if not result["ok"]:
        return result
    record = f"QA-{text_of(form, 'plan_id')}"
    issues: list[dict[str, str]] = []
    found_by_sample = _samples(text_of(form, "samples"), issues, record)
    found = text_of(form, "devices_found")
    area = area_inspected_m2(form, record, issues)
    try:
        r = record_inspection(
            ws,
            plan_id=text_of(form, "plan_id"),
            actor=user.username,
            date=text_of(form, "date"),
            devices_found=int(found) if found else None,
            area_inspected_m2=float(area) if area else None,
            found_by_sample=found_by_sample,
            organisation=text_of(form, "organisation") or None,
        )
    except UsageError as exc:
        result["issues"] = [issue(record, "", "", str(exc))]
        result["ok"], result["errors"] = False, 1
        return result
    except DataError as exc:
        result["issues"] = [
            issue(record, i.field, i.value, i.problem, i.accepted, str(i.severity))
            for i in exc.log.issues()
        ] or [issue(record, "", "", str(exc))]
        result["ok"], result["errors"] = False, max(exc.log.errors, 1)
        return result
    result["committed"] = True
    result["inspection"] = {
        "plan_id": r.plan_id,
        "activity_id": r.activity_id,
        "decision": r.decision,
        "devices_found": r.devices_found,
        "area_inspected_m2": r.area_inspected_m2,
        "density_bound_per_ha": None
        if not math.isfinite(r.density_bound_per_ha)
        else r.density_bound_per_ha,
        "statement": r.statement,
        "visit_id": r.visit_id,
        "nc_id": r.nc_id,
    }
    return result


def plan_qa(ws: Workspace, user: User, activity_id: str) -> dict[str, Any]:
    """Plan a post-clearance inspection with the settings' defaults (``qa plan``'s function)."""
    check_user(user, "qa_visits")
    try:
        p = plan_inspection(ws, activity_id=activity_id.strip(), actor=user.username)
    except UsageError as exc:
        return {"ok": False, "detail": str(exc)}
    return {
        "ok": True,
        "plan_id": p.plan_id,
        "detail": f"{p.describe()} {p.cost_line()}",
        "settings": {
            k: settings.get(k)
            for k in ("qa_limiting_density_per_ha", "qa_confidence", "qa_acceptance_number")
        },
    }
