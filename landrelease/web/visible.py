"""Which layers and records each user may see: the OGC API collections, drafts, personal data.

* :data:`COLLECTIONS`: every layer of the registry — the spatial ones, the survey decisions,
  then the tables without geometry (funding, assets, organisations: features without a
  geometry, as OGC API – Features allows) — so a logged-in user's list is every layer the
  roles let them read; anonymous visitors read only :data:`PUBLIC_COLLECTIONS`;
* :func:`visible_frame`: a collection's records as one user may see them — operators see
  other organisations' approved work but not their drafts, and only roles that work with
  the full records see victims' personal data;
* :func:`layer_frame`: a layer read once per change of the workspace (the app's cache).

Frames come from the cache and are shared between requests: select, never change in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landrelease.domain import LAYERS, FieldKind, Layer, layer_by_name
from landrelease.store import Workspace
from landrelease.survey.store import read_parts, read_stored_sites
from landrelease.web.auth import User
from landrelease.web.cache import LayerCache
from landrelease.web.errors import NotFound, Unauthorized

SURVEY_PARTS = "survey_parts"
CONFIRMATION_SITES = "confirmation_sites"
RUN_COLLECTIONS: dict[str, Callable[[Workspace], gpd.GeoDataFrame]] = {
    SURVEY_PARTS: read_parts,
    CONFIRMATION_SITES: read_stored_sites,
}
"""Collections read from the latest survey run rather than from a layer of the registry (they
change with the runs, not with a layer's records)."""
PUBLIC_COLLECTIONS = ("hazards", "settlements", SURVEY_PARTS)
"""Collections anonymous visitors may read: the hazard register, places and the survey decisions."""
DRAFT_STATUSES = ("draft", "submitted", "rejected")


@dataclass(frozen=True)
class Collection:
    """An OGC API collection: a layer of the registry, or the survey decisions."""

    id: str
    title: str
    description: str
    id_field: str
    date_field: str | None
    """The main date ``datetime`` filters on (``None``: no temporal filter)."""
    date_is_day: bool = True
    spatial: bool = True
    """False for a table without geometry (its features' geometry is null)."""


def _date_field(layer: Layer) -> tuple[str | None, bool]:
    for f in layer.fields:
        if f.kind is FieldKind.DATE:
            return f.name, True
    for f in layer.fields:
        if f.kind is FieldKind.DATETIME:
            return f.name, False
    return None, True


def _collections() -> dict[str, Collection]:
    out: dict[str, Collection] = {}
    for layer in LAYERS:
        if not layer.spatial:
            continue
        name, is_day = _date_field(layer)
        out[layer.name] = Collection(
            layer.name, layer.title, layer.help, layer.id_field, name, is_day
        )
    out[SURVEY_PARTS] = Collection(
        SURVEY_PARTS,
        "Survey decisions",
        "Recommended land-release decision (cancel, technical_survey, clearance, "
        "battle_area_clearance) for each part "
        "of each active hazard, with the evidence that drove it (latest survey run).",
        "part_id",
        None,
    )
    out[CONFIRMATION_SITES] = Collection(
        CONFIRMATION_SITES,
        "Confirmation sites",
        "The random sites over the cancelled land of the latest survey run that teams search "
        "before the land is released, with what they found once confirmed (`landrelease "
        "confirm`).",
        "site_id",
        None,
    )
    for layer in LAYERS:
        if layer.spatial:
            continue
        name, is_day = _date_field(layer)
        out[layer.name] = Collection(
            layer.name, layer.title, layer.help, layer.id_field, name, is_day, spatial=False
        )
    return out


COLLECTIONS = _collections()


def collection(cid: str, user: User) -> Collection:
    """The collection, if it exists and the user may read it."""
    c = COLLECTIONS.get(cid)
    if c is None:
        raise NotFound(f"no collection {cid!r} (see /collections)")
    if not user.sees_details and cid not in PUBLIC_COLLECTIONS:
        raise Unauthorized(f"log in to read {cid}: public visitors see aggregated figures only")
    return c


def readable_collections(user: User) -> list[Collection]:
    return [c for c in COLLECTIONS.values() if user.sees_details or c.id in PUBLIC_COLLECTIONS]


def layer_frame(
    ws: Workspace, cid: str, *, personal: bool, cache: LayerCache | None = None
) -> gpd.GeoDataFrame:
    """Every record of layer ``cid``, with or without personal fields (cached when ``cache``)."""
    if cache is None:
        return ws.read_layer(cid, include_personal=personal)
    return cache.get(
        cid,
        "personal" if personal else "public",
        lambda: ws.read_layer(cid, include_personal=personal),
    )


def visibility(user: User) -> tuple[bool, bool, str | None]:
    """What decides which records and fields ``user`` sees: a cache key part for derived values."""
    return (user.sees_personal_data, user.sees_all_drafts, user.organisation)


def visible_frame(
    ws: Workspace, cid: str, user: User, cache: LayerCache | None = None
) -> gpd.GeoDataFrame:
    """The collection's records this user may see, EPSG:4326 (read through ``cache`` if given)."""
    if cid in RUN_COLLECTIONS:
        read = RUN_COLLECTIONS[cid]
        if cache is None:
            return read(ws)
        return cache.get(None, cid, lambda: read(ws))
    layer = layer_by_name(cid)
    frame = layer_frame(ws, cid, personal=user.sees_personal_data, cache=cache)
    if not layer.spatial:  # a table: features without geometry
        frame = gpd.GeoDataFrame(
            frame, geometry=gpd.GeoSeries([None] * len(frame), index=frame.index), crs="EPSG:4326"
        )
    if layer.personal_fields and not user.sees_personal_data:
        # unknown properties of a layer holding personal data may hold more of it
        frame = frame.drop(columns=["extra"])
    if cid == "activities" and not user.sees_all_drafts:
        frame = frame[_activities_visible(frame, user)]
    return frame


def _activities_visible(frame: pd.DataFrame, user: User) -> np.ndarray:
    status = frame["status"].astype(object)
    draft = status.isin(DRAFT_STATUSES).to_numpy()
    if user.organisation:
        own = frame["organisation"].astype(object).map(_norm).to_numpy() == _norm(user.organisation)
    else:
        own = np.zeros(len(frame), dtype=bool)
    return ~draft | own


def _norm(v: Any) -> str:
    return str(v).strip().casefold() if isinstance(v, str) else ""
