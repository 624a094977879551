"""What releasing each hazard gives back: the raw criteria of priorities and of the plan.

All distances are in metres in the workspace's metric CRS.

**What blocks return** has one definition across the system — the reports, the
web and the plan: an open hazard within ``settlement_radius_m`` of the
settlement (:meth:`landrelease.store.WorkspaceView.blocking_pairs`). A
settlement is ready when every such hazard is released; the plan's readiness
dates and its ``blocking_hazards`` counts follow these pairs only.

For **priorities**, a hazard also holds up a settlement through access and
livelihoods. :func:`settlement_links` lists every link (hazard, settlement, via):

* ``homes``: it blocks return (the definition above);
* ``road``: its blockages include ``road``, it lies within ``plan_road_buffer_m``
  of a road, that road passes within ``settlement_radius_m`` of the settlement,
  and the settlement is within ``plan_access_radius_m`` of the hazard;
* ``farmland``: it lies within ``plan_road_buffer_m`` of a field or water
  asset that belongs to the settlement (each field and water asset belongs to
  the nearest settlement within ``plan_farmland_radius_m``); with no fields or
  water mapped, a hazard whose blockages include ``agriculture`` or ``water``
  is linked to the nearest settlement within that radius.

A hazard's share of a settlement's people (the ``people`` criterion) is the
Shapley value of the all-or-nothing game over the hazards linked to it: the
settlement's planned population divided by the number of those hazards.
Infrastructure blocked by several hazards is shared the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landrelease import settings
from landrelease.planning.common import M2_PER_HA, as_list
from landrelease.store.view import hazards_near

INFRASTRUCTURE_UNITS: dict[str, tuple[str, float]] = {
    "road": ("km", 1.0),
    "power_line": ("km", 1.0),
    "pipeline": ("km", 0.5),
    "water": ("each", 5.0),
    "school": ("each", 5.0),
    "hospital": ("each", 10.0),
    "cemetery": ("each", 1.0),
}
"""Infrastructure units per km of line or per asset: a road km is the unit; a school counts as
5 km of road, a hospital 10, a water source 5, a cemetery 1 (visits, burials of the missing)."""
UNMATCHED_BLOCKAGE_UNITS = 1.0
"""Units for a ``road``, ``infrastructure`` or ``water`` blockage with no such asset mapped nearby."""


@dataclass(frozen=True)
class Radii:
    """Distances that link hazards to what they block (m)."""

    settlement_m: float
    farmland_m: float
    access_m: float
    road_buffer_m: float
    incident_m: float

    @classmethod
    def from_settings(cls) -> Radii:
        return cls(
            settlement_m=float(settings.get("settlement_radius_m")),
            farmland_m=float(settings.get("plan_farmland_radius_m")),
            access_m=float(settings.get("plan_access_radius_m")),
            road_buffer_m=float(settings.get("plan_road_buffer_m")),
            incident_m=float(settings.get("plan_incident_radius_m")),
        )


LINK_COLUMNS = ("hazard_id", "settlement_id", "via")


def settlement_links(
    hazards: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    infrastructure: gpd.GeoDataFrame,
    *,
    radii: Radii,
    blocking: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """(hazard_id, settlement_id, via) for every settlement each hazard holds up; frames in metres.

    ``blocking``: the pairs that block return (settlement_id, hazard_id), as
    :meth:`~landrelease.store.WorkspaceView.blocking_pairs` gives them; when
    not given, the hazards within ``radii.settlement_m`` of a settlement.
    """
    if not len(hazards) or not len(settlements):
        return pd.DataFrame(columns=list(LINK_COLUMNS))
    if blocking is None:
        blocking = hazards_near(settlements, hazards, radii.settlement_m)
    parts = [
        p
        for p in (
            _blocking_links(hazards, settlements, blocking),
            _farmland_links(hazards, settlements, infrastructure, radii=radii),
            _road_links(hazards, settlements, infrastructure, radii=radii),
        )
        if len(p)
    ]
    if not parts:
        return pd.DataFrame(columns=list(LINK_COLUMNS))
    both = pd.concat(parts, ignore_index=True)
    links: pd.DataFrame = both.groupby(["h", "s"], as_index=False).agg(
        via=("via", lambda v: ",".join(sorted(set(v))))
    )
    return pd.DataFrame(
        {
            "hazard_id": hazards["hazard_id"].to_numpy()[links["h"].to_numpy(np.int64)],
            "settlement_id": settlements["settlement_id"].to_numpy()[links["s"].to_numpy(np.int64)],
            "via": links["via"].to_numpy(),
        }
    )


def _blockages(hazards: pd.DataFrame) -> list[set[str]]:
    return [set(as_list(b)) for b in hazards.get("blockages", pd.Series([None] * len(hazards)))]


def _blocking_links(
    hazards: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, blocking: pd.DataFrame
) -> pd.DataFrame:
    """The pairs that block return, as positions in ``hazards`` and ``settlements``."""
    h_index = {h: i for i, h in enumerate(hazards["hazard_id"])}
    s_index = {s: i for i, s in enumerate(settlements["settlement_id"])}
    pairs = blocking[blocking["hazard_id"].isin(h_index) & blocking["settlement_id"].isin(s_index)]
    return pd.DataFrame(
        {
            "h": pairs["hazard_id"].map(h_index).to_numpy(np.int64),
            "s": pairs["settlement_id"].map(s_index).to_numpy(np.int64),
            "via": "homes",
        }
    )


def _farmland_links(
    hazards: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    infrastructure: gpd.GeoDataFrame,
    *,
    radii: Radii,
) -> pd.DataFrame:
    """Hazards on a settlement's fields or water (or, none mapped, listing agriculture or water)."""
    hg = hazards.geometry.to_numpy()
    tree = shapely.STRtree(settlements.geometry.to_numpy())
    fields = (
        infrastructure[infrastructure["kind"].isin(["farmland", "water"])]
        if len(infrastructure)
        else infrastructure
    )
    if len(fields):
        fg = fields.geometry.to_numpy()
        owner = _nearest(fg, tree, radii.farmland_m)
        fi, hi = shapely.STRtree(hg).query(fg, predicate="dwithin", distance=radii.road_buffer_m)
        own = owner[fi] >= 0
        return pd.DataFrame({"h": hi[own], "s": owner[fi][own], "via": "farmland"})
    blocks = _blockages(hazards)
    idx = np.flatnonzero([("agriculture" in b) or ("water" in b) for b in blocks])
    owner = _nearest(hg[idx], tree, radii.farmland_m)
    own = owner >= 0
    return pd.DataFrame({"h": idx[own], "s": owner[own], "via": "farmland"})


def _road_links(
    hazards: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    infrastructure: gpd.GeoDataFrame,
    *,
    radii: Radii,
) -> pd.DataFrame:
    """Hazards listing ``road`` on a road that serves a settlement within the access radius."""
    empty = pd.DataFrame({"h": [], "s": [], "via": []})
    roads = (
        infrastructure[infrastructure["kind"] == "road"] if len(infrastructure) else infrastructure
    )
    road_h = np.flatnonzero(["road" in b for b in _blockages(hazards)])
    if not len(roads) or not len(road_h):
        return empty
    hg = hazards.geometry.to_numpy()
    sg = settlements.geometry.to_numpy()
    rg = roads.geometry.to_numpy()
    hi, ri = shapely.STRtree(rg).query(
        hg[road_h], predicate="dwithin", distance=radii.road_buffer_m
    )
    served_r, served_s = shapely.STRtree(sg).query(
        rg, predicate="dwithin", distance=radii.settlement_m
    )
    pairs = pd.DataFrame({"h": road_h[hi], "r": ri}).merge(
        pd.DataFrame({"r": served_r, "s": served_s}), on="r"
    )
    if not len(pairs):
        return empty
    d = shapely.distance(hg[pairs["h"].to_numpy()], sg[pairs["s"].to_numpy()])
    pairs = pairs[d <= radii.access_m]
    return pd.DataFrame({"h": pairs["h"], "s": pairs["s"], "via": "road"})


def _nearest(geoms: np.ndarray, tree: shapely.STRtree, limit_m: float) -> np.ndarray:
    """Index in ``tree`` of the nearest geometry within ``limit_m`` of each one (-1: none)."""
    out = np.full(len(geoms), -1, np.int64)
    if len(geoms):
        idx = tree.query_nearest(geoms, max_distance=limit_m, all_matches=False)
        out[idx[0]] = idx[1]
    return out


def people_shares(links: pd.DataFrame, settlements: pd.DataFrame) -> pd.DataFrame:
    """Per hazard: ``people`` (Shapley share), ``people_blocked`` (sum) and the settlement ids."""
    pop = _population(settlements)
    if not len(links):
        return pd.DataFrame(columns=["hazard_id", "people", "people_blocked", "settlements"])
    lk = links[["hazard_id", "settlement_id"]].drop_duplicates()
    n = lk.groupby("settlement_id")["hazard_id"].transform("size")
    p = lk["settlement_id"].map(pop).fillna(0.0)
    lk = lk.assign(share=p / n, pop=p)
    return (
        lk.groupby("hazard_id")
        .agg(
            people=("share", "sum"),
            people_blocked=("pop", "sum"),
            settlements=("settlement_id", lambda v: sorted(v)),
        )
        .reset_index()
    )


def infrastructure_units(
    hazards: gpd.GeoDataFrame, infrastructure: gpd.GeoDataFrame, *, road_buffer_m: float
) -> pd.Series:
    """Infrastructure units each hazard unblocks (:data:`INFRASTRUCTURE_UNITS`, shared among blockers)."""
    units = np.zeros(len(hazards))
    matched = {k: np.zeros(len(hazards), bool) for k in ("road", "infrastructure", "water")}
    assets = (
        infrastructure[infrastructure["kind"].isin(list(INFRASTRUCTURE_UNITS))]
        if len(infrastructure)
        else infrastructure
    )
    if len(assets) and len(hazards):
        ag = assets.geometry.to_numpy()
        hi, ai = shapely.STRtree(ag).query(
            hazards.geometry.to_numpy(), predicate="dwithin", distance=road_buffer_m
        )
        kinds = assets["kind"].to_numpy()
        per = np.array(
            [
                INFRASTRUCTURE_UNITS[k][1]
                * (shapely.length(g) / 1000.0 if INFRASTRUCTURE_UNITS[k][0] == "km" else 1.0)
                for k, g in zip(kinds, ag, strict=True)
            ]
        )
        blockers = np.bincount(ai, minlength=len(assets))
        np.add.at(units, hi, per[ai] / np.maximum(blockers[ai], 1))
        group = {"road": "road", "water": "water"}
        for h, a in zip(hi, ai, strict=True):
            matched[group.get(str(kinds[a]), "infrastructure")][h] = True
    blocks = [set(as_list(b)) for b in hazards.get("blockages", pd.Series([None] * len(hazards)))]
    for key, m in matched.items():
        listed = np.array([key in b for b in blocks], dtype=bool)
        units += UNMATCHED_BLOCKAGE_UNITS * (listed & ~m)
    return pd.Series(units, index=hazards["hazard_id"].to_numpy(), name="infrastructure")


def farmland_ha(hazards: gpd.GeoDataFrame, infrastructure: gpd.GeoDataFrame) -> pd.Series:
    """Farmland each hazard returns (ha): its overlap with mapped farmland, or, with no farmland
    mapped at all, the whole area of a hazard whose blockages include ``agriculture``."""
    out = np.zeros(len(hazards))
    fields = (
        infrastructure[infrastructure["kind"] == "farmland"]
        if len(infrastructure)
        else infrastructure
    )
    hg = hazards.geometry.to_numpy()
    if len(fields):
        fg = shapely.make_valid(fields.geometry.to_numpy())
        hi, fi = shapely.STRtree(fg).query(hg, predicate="intersects")
        if len(hi):
            area = shapely.area(shapely.intersection(hg[hi], fg[fi]))
            np.add.at(out, hi, area)
            out = np.minimum(out, shapely.area(hg))
    else:
        blocks = [
            set(as_list(b)) for b in hazards.get("blockages", pd.Series([None] * len(hazards)))
        ]
        agri = np.array([("agriculture" in b) for b in blocks], dtype=bool)
        out = np.where(agri, shapely.area(hg), 0.0) if len(hg) else out
    return pd.Series(out / M2_PER_HA, index=hazards["hazard_id"].to_numpy(), name="farmland_ha")


def casualty_risk(
    hazards: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    p_any_device: pd.Series,
    *,
    radii: Radii,
    exposure_per_person_year: float,
) -> pd.DataFrame:
    """Expected casualties a year that releasing each hazard prevents.

    ``history``: civilian casualties (killed + injured) within ``incident_m``
    per year of the incident record; ``exposure``: planned population within
    ``settlement_m`` × ``exposure_per_person_year`` × the hazard's chance of
    holding any device. Risk = history + exposure.
    """
    n = len(hazards)
    hg = hazards.geometry.to_numpy()
    history = np.zeros(n)
    if len(incidents) and n:
        inc = incidents
        if "civilian" in inc.columns:
            inc = inc[inc["civilian"].map(lambda v: v is not False)]
        if len(inc):
            dates = pd.to_datetime(inc["date"], errors="coerce")
            years = (
                max((dates.max() - dates.min()).days / 365.25, 1.0) if dates.notna().any() else 1.0
            )
            victims = (
                pd.to_numeric(inc["killed"], errors="coerce").fillna(0)
                + pd.to_numeric(inc["injured"], errors="coerce").fillna(0)
            ).to_numpy(float)
            hi, ii = shapely.STRtree(inc.geometry.to_numpy()).query(
                hg, predicate="dwithin", distance=radii.incident_m
            )
            np.add.at(history, hi, victims[ii] / years)
    people = np.zeros(n)
    if len(settlements) and n:
        pop = _population(settlements).reindex(settlements["settlement_id"]).to_numpy(float)
        hi, si = shapely.STRtree(settlements.geometry.to_numpy()).query(
            hg, predicate="dwithin", distance=radii.settlement_m
        )
        np.add.at(people, hi, pop[si])
    p = p_any_device.reindex(hazards["hazard_id"]).fillna(0.0).to_numpy(float)
    exposure = p * exposure_per_person_year * people
    return pd.DataFrame(
        {
            "hazard_id": hazards["hazard_id"].to_numpy(),
            "casualties_history_per_year": history,
            "people_nearby": people,
            "casualty_risk": history + exposure,
        }
    )


def distance_to_nearest(
    geoms: np.ndarray, settlements: gpd.GeoDataFrame, *, limit_m: float = 1e6
) -> np.ndarray:
    """Distance (m) from each geometry to the nearest settlement (``inf`` with none)."""
    if not len(settlements) or not len(geoms):
        return np.full(len(geoms), np.inf)
    tree = shapely.STRtree(settlements.geometry.to_numpy())
    idx, dist = tree.query_nearest(
        geoms, return_distance=True, all_matches=False, max_distance=limit_m
    )
    out = np.full(len(geoms), np.inf)
    out[idx[0]] = dist
    return out


def _population(settlements: pd.DataFrame) -> pd.Series:
    """Planned population per settlement id (0 where not given)."""
    if "population_planned" in settlements.columns:
        pop = pd.to_numeric(settlements["population_planned"], errors="coerce").to_numpy(float)
    else:
        pop = np.zeros(len(settlements))
    return pd.Series(np.nan_to_num(pop), index=settlements["settlement_id"].to_numpy())
