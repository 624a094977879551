"""The hazards a form's hazard selector offers for what the user typed.

A district holds hundreds or thousands of hazards: instead of one drop-down of
all of them, the form asks ``GET /api/hazards/search?q=…`` as the user types a
code, part of one (``0238``) or a district, and offers the few that match,
each with its bounding box so that the form's map centres on it.

Every word typed must appear in the hazard's code, district or classification
(case-insensitive); a code that starts with what was typed comes first, then
the others by code. Closed hazards are not offered (an activity releases no
more land in them), except one named by its exact code (a correction of an
activity whose hazard closed since).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landrelease.web.labels import hectares

MAX_MATCHES = 50
"""The most a search answers, whatever limit is asked for."""


def _text(v: Any) -> str:
    return v if isinstance(v, str) else ""


def hazard_label(h: dict[str, Any]) -> str:
    """A hazard as the selector lists it: code — classification, status, area, district."""
    parts = [h["classification"], h["status"]]
    if h["area_ha"] is not None:
        parts.append(f"{h['area_ha']:.2f} ha")
    if h["district"]:
        parts.append(h["district"])
    return f"{h['hazard_id']} — " + ", ".join(p for p in parts if p)


def search_hazards(frame: gpd.GeoDataFrame, query: str, limit: int = 10) -> dict[str, Any]:
    """The hazards of ``frame`` (EPSG:4326) matching ``query``: at most ``limit`` of them
    (capped at :data:`MAX_MATCHES`) and how many matched in all."""
    limit = max(1, min(int(limit), MAX_MATCHES))
    words = query.casefold().split()
    if not len(frame) or not words:
        return {"query": query, "total": 0, "hazards": []}
    ids = frame["hazard_id"].astype(str)
    district = frame["district"].map(_text) if "district" in frame else pd.Series("", frame.index)
    hay = (ids + " " + district + " " + frame["classification"].map(_text)).str.casefold()
    hit = np.ones(len(frame), dtype=bool)
    for w in words:
        hit &= hay.str.contains(w, regex=False).to_numpy()
    exact = ids.str.casefold() == query.strip().casefold()
    closed = frame["status"].astype(object) == "closed"
    hit &= (~closed | exact).to_numpy()
    found = frame[hit]
    if not len(found):
        return {"query": query, "total": 0, "hazards": []}
    first = words[0]
    order = pd.DataFrame(
        {
            "exact": ~exact[hit],
            "prefix": ~ids[hit].str.casefold().str.startswith(first),
            "id": ids[hit],
        }
    ).sort_values(["exact", "prefix", "id"])
    top = found.loc[order.index[:limit]]
    bounds = top.geometry.bounds
    out = []
    for idx, r in top.iterrows():
        area = r["area_m2"] if "area_m2" in top else None
        h: dict[str, Any] = {
            "hazard_id": str(r["hazard_id"]),
            "classification": _text(r["classification"]),
            "status": _text(r["status"]),
            "area_ha": hectares(area) if area is not None and pd.notna(area) else None,
            "district": _text(r.get("district")),
        }
        box = bounds.loc[idx]
        h["bbox"] = (
            [round(float(box[c]), 6) for c in ("minx", "miny", "maxx", "maxy")]
            if r.geometry is not None and np.isfinite(box.to_numpy(dtype=float)).all()
            else None
        )
        h["label"] = hazard_label(h)
        out.append(h)
    return {"query": query, "total": int(hit.sum()), "hazards": out}
