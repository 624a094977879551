"""The workspace's evidence, projected to the metric CRS and grouped the way the risk model reads it.

Each group is a set of geometries with a weight: incidents weighted by severity
and recency, minefield records by the measured reliability of their source,
testimony by the informant's confidence. Nothing here reads ground truth.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landrelease import settings
from landrelease.evidence.depth import search_reach
from landrelease.evidence.reliability import source_reliability
from landrelease.store import Workspace, WorkspaceView

DEFENSIVE_KINDS = ("trench", "strongpoint", "firing_position")
PROCESSING_TYPES = ("TS", "clearance")
"""Activities whose area was physically searched: their findings (or their absence) teach the model."""
CONFIDENCE_WEIGHT = {"low": 0.5, "medium": 1.0, "high": 1.5, None: 1.0}
RECORD_LINE_BUFFER_M = 25.0
"""A mine row drawn as a line stands for a strip this wide on each side (m)."""


@dataclass
class Shapes:
    """Geometries in the metric CRS with one weight each."""

    geoms: np.ndarray
    weight: np.ndarray

    @classmethod
    def empty(cls) -> Shapes:
        return cls(np.array([], dtype=object), np.array([], dtype=float))

    def __len__(self) -> int:
        return len(self.geoms)

    def subset(self, mask: np.ndarray) -> Shapes:
        return Shapes(self.geoms[mask], self.weight[mask])

    @property
    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """A representative point per geometry (x, y)."""
        if not len(self.geoms):
            return np.array([]), np.array([])
        pts = shapely.point_on_surface(self.geoms)
        return shapely.get_x(pts), shapely.get_y(pts)


@dataclass
class EvidenceSet:
    """Everything the risk model may learn from, in one metric CRS."""

    crs: str
    as_of: dt.date | None
    """The data date incidents are weighed at (``None``: no dated record, none discounted)."""
    groups: dict[str, Shapes]
    hazards: gpd.GeoDataFrame
    """Active hazards in the metric CRS (hazard_id, classification, status, geometry)."""
    processed: gpd.GeoDataFrame
    """TS and clearance areas (activity_id, type, hazard_id, end, searched_share, depth_cm,
    geometry) in the metric CRS."""
    findings: gpd.GeoDataFrame
    """Findings in the metric CRS (finding_id, device, activity_id, date, depth_cm, geometry)."""
    records: gpd.GeoDataFrame
    """Minefield records in the metric CRS, with their reliability."""
    reliability: pd.DataFrame
    """Reliability of each source family, measured on searched land."""
    notes: list[str] = field(default_factory=list)
    stamp: dict[str, list[str]] = field(default_factory=dict)
    """What the records were when they were read (:func:`evidence_stamp`)."""
    land_use: gpd.GeoDataFrame | None = None
    """Land in use in the metric CRS (land_use_id, kind, years_in_use, confidence, geometry);
    ``None`` or empty when the package has none."""

    def group(self, name: str) -> Shapes:
        return self.groups.get(name, Shapes.empty())

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """The region the risk map covers: the hazards and the processed land."""
        parts = [g.total_bounds for g in (self.hazards, self.processed) if len(g)]
        if not parts:
            raise ValueError("no hazards and no processed land: nothing to map")
        b = np.array(parts)
        return (
            float(b[:, 0].min()),
            float(b[:, 1].min()),
            float(b[:, 2].max()),
            float(b[:, 3].max()),
        )


EVIDENCE_LAYERS = (
    "hazards",
    "activities",
    "findings",
    "incidents",
    "minefield_records",
    "military_positions",
    "front_lines",
    "testimony",
    "settlements",
    "infrastructure",
    "land_use",
)
"""The layers the risk map learns from."""

STAMPED_LAYERS = (*EVIDENCE_LAYERS, "funding")
"""The layers whose changes change the risk map: the evidence, and funding lines, whose dates
take part in the data date that incidents are weighed at."""


def evidence_stamp(source: Workspace | WorkspaceView) -> dict[str, list[str]]:
    """What the evidence is at this moment: per layer, its row count, last update and last
    retirement. A risk map keeps it, so that a survey can tell whether the records changed since."""
    view = WorkspaceView.of(source)
    return {name: list(view.stamp(name)) for name in STAMPED_LAYERS}


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="ISO8601", errors="coerce")


def evidence_from_workspace(
    source: Workspace | WorkspaceView, *, reliability: pd.DataFrame | None = None
) -> EvidenceSet:
    """Read every evidence layer through the read model into an :class:`EvidenceSet`.

    Layers are projected once by the view to its metric CRS (the view's rule, which also
    refuses a workspace without spatial records). Incidents are weighed by recency as of the
    view's data date; in a workspace without any dated record no incident has a date either,
    so none is discounted (``as_of`` is ``None``) — the map never depends on the day it is run.
    Minefield records are weighted by the reliability of their source, measured here on
    searched land (``reliability`` is not used; it stays for the callers that pass it).
    """
    view = WorkspaceView.of(source)
    stamp = evidence_stamp(view)
    crs = view.metric_crs
    layers = {name: view.metric(name) for name in EVIDENCE_LAYERS}
    as_of = view.data_date
    hazards, processed, findings = _hazards_processed_findings(layers)
    rec = layers["minefield_records"].reset_index(drop=True)
    measured = source_reliability(
        rec,
        processed,
        findings,
        tolerance_m=float(settings.get("risk_record_tolerance_m")),
        prior=float(settings.get("risk_record_reliability_prior")),
        prior_weight=float(settings.get("risk_record_prior_weight")),
    )
    groups: dict[str, Shapes] = {}
    groups.update(_incident_groups(layers["incidents"], as_of))
    if len(findings):
        groups["findings"] = Shapes(findings.geometry.values.to_numpy(), np.ones(len(findings)))
    if len(processed):
        # hectares searched count by the share of the devices the search reached (its depth)
        reach = search_reach(processed, findings)
        groups["searched"] = Shapes(processed.geometry.values.to_numpy(), reach)
    clean = searched_clean(processed, findings)
    if clean.any():
        groups["searched_clean"] = Shapes(
            processed.geometry.values.to_numpy()[clean], np.ones(int(clean.sum()))
        )
    if len(rec):
        rec = rec.assign(reliability=np.asarray(measured.per_record, dtype=float))
        groups["records"] = _record_shapes(rec)
    groups.update(_context_groups(layers, hazards))
    return EvidenceSet(
        crs=crs,
        as_of=as_of,
        groups=groups,
        hazards=hazards,
        processed=processed,
        findings=findings,
        records=rec,
        reliability=measured.families,
        stamp=stamp,
        land_use=_land_use(layers["land_use"]),
    )


def searched_clean(processed: gpd.GeoDataFrame, findings: gpd.GeoDataFrame) -> np.ndarray:
    """Which processed areas (technical survey or clearance) found nothing: negative evidence.

    Land searched to standard without a single find is the evidence that releases the land
    around it; a boolean per row of ``processed``."""
    if not len(processed):
        return np.zeros(0, dtype=bool)
    with_finds = set(findings["activity_id"].dropna()) if len(findings) else set()
    return ~processed["activity_id"].isin(with_finds).to_numpy()


def searched_share(processed: gpd.GeoDataFrame) -> np.ndarray:
    """The share of each processed area that was physically searched, in (0, 1].

    The activity's own ``searched_share`` where recorded; otherwise clearance searched all of
    its land and technical survey the share its standard operating procedure samples
    (``risk_ts_searched_share``, lanes)."""
    if not len(processed):
        return np.zeros(0)
    default = np.where(
        processed["type"].to_numpy() == "TS", float(settings.get("risk_ts_searched_share")), 1.0
    )
    if "searched_share" in processed.columns:
        given = pd.to_numeric(processed["searched_share"], errors="coerce").to_numpy(dtype=float)
        default = np.where(np.isfinite(given) & (given > 0), np.minimum(given, 1.0), default)
    return np.asarray(default, dtype=float)


def _hazards_processed_findings(
    layers: dict[str, gpd.GeoDataFrame],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Active hazards; approved TS and clearance areas; findings (metric CRS)."""
    hz = layers["hazards"]
    hazards = hz[hz["status"] != "closed"][
        ["hazard_id", "classification", "status", "geometry"]
    ].reset_index(drop=True)
    act = layers["activities"]
    approved = (
        act["status"].isna() | act["status"].isin(["approved"])
        if len(act)
        else pd.Series(dtype=bool)
    )
    processed = act[act["type"].isin(PROCESSING_TYPES) & approved] if len(act) else act
    keep = ["activity_id", "type", "hazard_id", "end", "searched_share", "depth_cm", "geometry"]
    processed = processed[[c for c in keep if c in processed.columns]].reset_index(drop=True)
    fd = layers["findings"]
    keep = ["finding_id", "device", "activity_id", "date", "depth_cm", "geometry"]
    findings = fd[[c for c in keep if c in fd.columns]].reset_index(drop=True)
    return hazards, processed, findings


def _land_use(lu: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Land in use with the columns the risk map reads."""
    keep = ["land_use_id", "kind", "years_in_use", "confidence", "geometry"]
    return lu[[c for c in keep if c in lu.columns]].reset_index(drop=True)


def _incident_groups(inc: gpd.GeoDataFrame, as_of: dt.date | None) -> dict[str, Shapes]:
    """Incidents weighted by casualties and recency (half-life as a setting) as of ``as_of``."""
    if not len(inc):
        return {}
    half_life = float(settings.get("risk_incident_half_life_years"))
    days = (
        (pd.Timestamp(as_of) - _dates(inc["date"])).dt.days
        if as_of is not None
        else pd.Series(np.nan, index=inc.index)
    )
    age_years = days.fillna(0).clip(lower=0) / 365.25
    casualties = inc["killed"].fillna(0).astype(float) + inc["injured"].fillna(0).astype(float)
    weight = (1.0 + casualties) * np.power(0.5, age_years / half_life)
    return {"incidents": Shapes(inc.geometry.values.to_numpy(), weight.to_numpy(dtype=float))}


def _record_shapes(rec: gpd.GeoDataFrame) -> Shapes:
    """Minefield records, a mine row drawn as a line standing for a strip, by reliability."""
    geoms = rec.geometry.values.to_numpy().copy()
    lines = np.isin(shapely.get_type_id(geoms), (1, 5))
    geoms[lines] = shapely.buffer(geoms[lines], RECORD_LINE_BUFFER_M)
    return Shapes(geoms, rec["reliability"].to_numpy(dtype=float))


def _context_groups(
    layers: dict[str, gpd.GeoDataFrame], hazards: gpd.GeoDataFrame
) -> dict[str, Shapes]:
    """Positions, front lines, testimony, roads, settlements and hazard classes."""
    groups: dict[str, Shapes] = {}
    mp = layers["military_positions"]
    if len(mp):
        defensive = mp["kind"].isin(DEFENSIVE_KINDS).to_numpy()
        geoms = mp.geometry.values.to_numpy()
        groups["positions_defensive"] = Shapes(geoms[defensive], np.ones(defensive.sum()))
        groups["positions_other"] = Shapes(geoms[~defensive], np.ones((~defensive).sum()))
    fl = layers["front_lines"]
    if len(fl):
        span_years = (_dates(fl["valid_to"]) - _dates(fl["valid_from"])).dt.days.fillna(0) / 365.25
        long = (span_years >= float(settings.get("risk_long_front_years"))).to_numpy()
        geoms = fl.geometry.values.to_numpy()
        groups["front_long"] = Shapes(geoms[long], np.ones(long.sum()))
        groups["front_recent"] = Shapes(geoms[~long], np.ones((~long).sum()))
    tm = layers["testimony"]
    if len(tm):
        conf = tm["confidence"].map(lambda c: CONFIDENCE_WEIGHT.get(c, 1.0)).to_numpy(dtype=float)
        suspected = tm["statement"].isin(["suspected", "incident_witnessed"]).to_numpy()
        geoms = tm.geometry.values.to_numpy()
        groups["testimony_suspected"] = Shapes(geoms[suspected], conf[suspected])
        groups["testimony_clear"] = Shapes(geoms[~suspected], conf[~suspected])
    infra = layers["infrastructure"]
    if len(infra):
        roads = (infra["kind"] == "road").to_numpy()
        groups["roads"] = Shapes(infra.geometry.values.to_numpy()[roads], np.ones(roads.sum()))
    st = layers["settlements"]
    if len(st):
        groups["settlements"] = Shapes(st.geometry.values.to_numpy(), np.ones(len(st)))
    if len(hazards):
        cha = (hazards["classification"] == "CHA").to_numpy()
        geoms = hazards.geometry.values.to_numpy()
        groups["cha"] = Shapes(geoms[cha], np.ones(cha.sum()))
        groups["sha"] = Shapes(geoms[~cha], np.ones((~cha).sum()))
    return groups
