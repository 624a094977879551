"""A settlement's page: the people expected back and the hazards around it, with their decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd

from landrelease import settings
from landrelease.store import Workspace
from landrelease.store.workspace import utm_crs_for
from landrelease.survey.store import read_parts
from landrelease.web.errors import NotFound
from landrelease.web.features import plain


@dataclass
class SettlementView:
    settlement: dict[str, Any]
    radius_m: float
    hazards: list[dict[str, Any]] = field(default_factory=list)
    """Hazards within the radius, nearest first: id, status, area_ha, distance_m, decisions."""

    @property
    def hazard_area_ha(self) -> float:
        return sum(h["area_ha"] or 0.0 for h in self.hazards)


def settlement_view(ws: Workspace, settlement_id: str) -> SettlementView:
    """The settlement and every hazard within ``web_settlement_radius_m`` of it."""
    radius = float(settings.get("web_settlement_radius_m"))
    places = ws.read_layer("settlements", ids=[settlement_id])
    if not len(places):
        raise NotFound(f"no settlement {settlement_id!r}")
    place = places.iloc[0]
    point = place.geometry
    crs = ws.metric_crs() or utm_crs_for(point.x, point.y)
    hazards = cast(gpd.GeoDataFrame, ws.read_layer("hazards"))
    out = SettlementView(
        {str(k): plain(v) for k, v in place.items() if k not in ("geometry", "extra")}, radius
    )
    if len(hazards) and point is not None:
        metric = hazards.to_crs(crs)
        here = gpd.GeoSeries([point], crs="EPSG:4326").to_crs(crs).iloc[0]
        dist = metric.geometry.distance(here)
        near = hazards.assign(distance_m=dist)[dist <= radius].sort_values("distance_m")
        parts = read_parts(ws)
        by_hazard = parts.groupby("hazard_id") if len(parts) else None
        for _, h in near.iterrows():
            decisions = []
            if by_hazard is not None and h["hazard_id"] in by_hazard.groups:
                g = by_hazard.get_group(h["hazard_id"])
                decisions = [
                    {"decision": d, "area_ha": round(float(a) / 10_000, 2), "evidence": e}
                    for d, a, e in zip(g["decision"], g["area_m2"], g["evidence"], strict=True)
                ]
            area = plain(h.get("area_m2"))
            out.hazards.append(
                {
                    "hazard_id": h["hazard_id"],
                    "status": h["status"],
                    "classification": h["classification"],
                    "area_ha": None if area is None else round(area / 10_000, 2),
                    "distance_m": round(float(h["distance_m"])),
                    "decisions": decisions,
                }
            )
    return out
