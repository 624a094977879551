"""What a workspace holds, in the figures an information manager asks for first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from landrelease.store.sql import quote
from landrelease.store.workspace import Workspace

M2_PER_HA = 10_000


@dataclass
class HazardAreaRow:
    status: str
    classification: str
    hazards: int
    area_ha: float


@dataclass
class WorkspaceStatus:
    workspace: str
    backend: str
    metric_crs: str | None
    counts: dict[str, int]
    hazard_area: list[HazardAreaRow]
    latest: dict[str, str | None] = field(default_factory=dict)
    imports: int = 0
    last_import: dict[str, Any] | None = None

    @property
    def total_hazard_area_ha(self) -> float:
        return sum(r.area_ha for r in self.hazard_area)


_LATEST = (
    ("activity ended", "activities", "end"),
    ("finding", "findings", "date"),
    ("incident", "incidents", "date"),
    ("funding received", "funding", "date"),
    ("hazard reported", "hazards", "reported"),
)


def workspace_status(ws: Workspace) -> WorkspaceStatus:
    """Counts per layer, hazard area by status and classification (ha), latest dates."""
    with ws.engine.connect() as c:
        rows = c.exec_driver_sql(
            "SELECT status, classification, count(*), coalesce(sum(area_m2), 0) FROM hazards "
            "WHERE retired_at IS NULL GROUP BY status, classification ORDER BY status, classification"
        ).fetchall()
        latest: dict[str, str | None] = {}
        for label, table, col in _LATEST:
            v = c.exec_driver_sql(
                f"SELECT max({quote(c, col)}) FROM {quote(c, table)} WHERE retired_at IS NULL"
            ).scalar()
            latest[label] = (
                None if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v))
            )
        n_imports = int(c.exec_driver_sql("SELECT count(*) FROM imports").scalar() or 0)
        last = c.exec_driver_sql(
            "SELECT finished_at, actor, source FROM imports ORDER BY fid DESC LIMIT 1"
        ).fetchone()
    return WorkspaceStatus(
        workspace=ws.display,
        backend="PostGIS" if ws.dialect == "postgresql" else "GeoPackage",
        metric_crs=ws.metric_crs(),
        counts=ws.counts(),
        hazard_area=[
            HazardAreaRow(str(s), str(k), int(n), float(a) / M2_PER_HA) for s, k, n, a in rows
        ],
        latest=latest,
        imports=n_imports,
        last_import=None
        if last is None
        else {
            "at": str(last[0].isoformat() if hasattr(last[0], "isoformat") else last[0]),
            "by": last[1],
            "source": last[2],
        },
    )
