"""Aggregated figures anyone may see: no record-level detail, no personal data."""

from __future__ import annotations

from typing import Any

from landrelease.store import Workspace, WorkspaceView
from landrelease.store.summary import workspace_status
from landrelease.survey.store import read_parts


def public_summary(source: Workspace | WorkspaceView) -> dict[str, Any]:
    """Hazards and area by status, survey decisions, devices found by type, casualties by year."""
    view = (
        source
        if isinstance(source, WorkspaceView)
        else WorkspaceView(source, include_personal=False)
    )
    status = workspace_status(view.ws)
    parts = read_parts(view.ws)
    findings = view.layer("findings")
    incidents = view.layer("incidents")
    by_year: dict[str, dict[str, int]] = {}
    for date, killed, injured in zip(
        incidents["date"], incidents["killed"], incidents["injured"], strict=True
    ):
        y = str(date)[:4]
        row = by_year.setdefault(y, {"incidents": 0, "killed": 0, "injured": 0})
        row["incidents"] += 1
        row["killed"] += int(killed or 0)
        row["injured"] += int(injured or 0)
    return {
        "records": status.counts,
        "hazard_area": [
            {
                "status": r.status,
                "classification": r.classification,
                "hazards": r.hazards,
                "area_ha": round(r.area_ha, 2),
            }
            for r in status.hazard_area
        ],
        "total_hazard_area_ha": round(status.total_hazard_area_ha, 2),
        "survey_decisions_ha": {
            str(k): round(float(v) / 10_000, 2)
            for k, v in parts.groupby("decision")["area_m2"].sum().items()
        }
        if len(parts)
        else {},
        "devices_found": {str(k): int(v) for k, v in findings["device"].value_counts().items()},
        "casualties_by_year": dict(sorted(by_year.items())),
    }
