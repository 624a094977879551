"""Casualty analytics: who was hurt, doing what, where; and where risk education is most needed.

Everything here is a pure function of DataFrames (incidents, settlements,
hazards, EORE sessions as :meth:`Workspace.read_layer` gives them) and
metric coordinates:

* :func:`victims_frame` — one row per casualty, with age group, gender,
  outcome, civilian or deminer, device and activity at the time; the
  incident's killed/injured counts are authoritative, victims' details fill
  in what is known;
* :func:`breakdown` — casualties by any of those;
* :func:`kernel_density` and :func:`hotspots` — a Gaussian kernel density of
  casualties on a grid (separable, so vectorised as two small matrix
  products) and its highest-density regions as polygons;
* :func:`eore_priorities` — settlements ranked by people times risk, less
  the risk education already delivered there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

AGE_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("child (0–17)", 0, 17),
    ("adult (18–59)", 18, 59),
    ("older (60+)", 60, 200),
)
UNKNOWN = "not recorded"
ACTIVITY_LABELS = {
    "unauthorised_travel": "unauthorised travel",
    "agriculture": "agriculture",
    "infrastructure_work": "infrastructure work",
    "official_duty": "official duty",
    "demining": "demining",
    "other": "other",
}
"""What the victims were doing, in words; the seeds' civilian split uses the first four."""
GROUPS = ("civilian", "deminer", "other non-civilian", UNKNOWN)
M2_PER_KM2 = 1_000_000.0


def age_group(age: Any) -> str:
    """The age group of an exact age (personal data), or "not recorded"."""
    if age is None or (isinstance(age, float) and math.isnan(age)):
        return UNKNOWN
    a = int(age)
    for label, lo, hi in AGE_GROUPS:
        if lo <= a <= hi:
            return label
    return UNKNOWN


def _group(civilian: Any, activity: Any) -> str:
    if activity == "demining":
        return "deminer"
    if civilian is True:
        return "civilian"
    if civilian is False:
        return "other non-civilian"
    return UNKNOWN


def victims_frame(incidents: pd.DataFrame) -> pd.DataFrame:
    """One row per casualty of the incidents given.

    Columns: incident_id, date, month (YYYY-MM), device, activity (in words),
    group, outcome (killed/injured), age_group, gender, age (exact: personal
    data), victim_no (position in the incident's victims, from 1).
    """
    rows: list[dict[str, Any]] = []
    for rec in incidents.to_dict("records"):
        details = rec.get("victims") if isinstance(rec.get("victims"), list) else []
        by_outcome: dict[str, list[tuple[int, dict[str, Any]]]] = {"killed": [], "injured": []}
        for i, v in enumerate(details or []):
            if isinstance(v, dict) and v.get("outcome") in by_outcome:
                by_outcome[v["outcome"]].append((i + 1, v))
        base = {
            "incident_id": rec["incident_id"],
            "date": str(rec["date"]),
            "month": str(rec["date"])[:7],
            "device": rec.get("device") or UNKNOWN,
            "activity": ACTIVITY_LABELS.get(rec.get("activity") or "", UNKNOWN),
            "group": _group(rec.get("civilian"), rec.get("activity")),
        }
        for outcome in ("killed", "injured"):
            count = int(rec.get(outcome) or 0)
            known = by_outcome[outcome]
            for k in range(count):
                no, v = known[k] if k < len(known) else (None, {})
                rows.append(
                    {
                        **base,
                        "outcome": outcome,
                        "age": v.get("age"),
                        "age_group": age_group(v.get("age")),
                        "gender": v.get("gender") or UNKNOWN,
                        "victim_no": no,
                    }
                )
    columns = [
        "incident_id",
        "date",
        "month",
        "device",
        "activity",
        "group",
        "outcome",
        "age",
        "age_group",
        "gender",
        "victim_no",
    ]
    return pd.DataFrame(rows, columns=columns)


def breakdown(victims: pd.DataFrame, by: str, *, order: tuple[str, ...] = ()) -> pd.DataFrame:
    """Casualties (killed, injured, total, share %) per value of ``by``, in ``order`` then by count."""
    if not len(victims):
        return pd.DataFrame(columns=[by, "killed", "injured", "total", "share_pct"])
    t = pd.crosstab(victims[by], victims["outcome"])
    for col in ("killed", "injured"):
        if col not in t:
            t[col] = 0
    t = t[["killed", "injured"]].astype(int)
    t["total"] = t["killed"] + t["injured"]
    t["share_pct"] = 100.0 * t["total"] / t["total"].sum()
    known = [k for k in order if k in t.index]
    rest = t.drop(index=known).sort_values("total", ascending=False)
    t = pd.concat([t.loc[known], rest])
    return t.reset_index().rename(columns={"index": by})


def by_month(incidents: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Incidents, killed and injured per month (YYYY-MM), every month listed (0 where none)."""
    m = incidents.assign(month=incidents["date"].astype(str).str[:7])
    g = m.groupby("month").agg(
        incidents=("incident_id", "count"), killed=("killed", "sum"), injured=("injured", "sum")
    )
    g = g.reindex(months, fill_value=0).astype(int)
    g["casualties"] = g["killed"] + g["injured"]
    return g.reset_index().rename(columns={"index": "month"})


@dataclass(frozen=True)
class Density:
    """A density grid in a metric CRS: ``values[row, col]`` per km², row 0 at the south."""

    values: np.ndarray
    x0: float
    y0: float
    cell_m: float

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        ny, nx = self.values.shape
        return (
            self.x0 + self.cell_m * (np.arange(nx) + 0.5),
            self.y0 + self.cell_m * (np.arange(ny) + 0.5),
        )

    def at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The density at points (nearest cell; 0 outside the grid)."""
        ny, nx = self.values.shape
        col = np.floor((np.asarray(x) - self.x0) / self.cell_m).astype(int)
        row = np.floor((np.asarray(y) - self.y0) / self.cell_m).astype(int)
        ok = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
        out = np.zeros(len(col))
        out[ok] = self.values[row[ok], col[ok]]
        return out


def kernel_density(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    bandwidth_m: float,
    cell_m: float,
    bounds: tuple[float, float, float, float] | None = None,
) -> Density:
    """Gaussian kernel density of weighted points (e.g. casualties), per km².

    The 2-D Gaussian is separable: K(x, y) = k(x) k(y), so the grid is
    ``Ky · diag(w) · Kxᵀ`` — two matrices of (grid side × points) instead
    of one of (grid cells × points). The grid covers ``bounds`` (default: the
    points' extent plus three bandwidths).
    """
    x, y, w = (np.asarray(a, dtype=float) for a in (x, y, weights))
    if bounds is None:
        if not len(x):
            raise ValueError("no points and no bounds: nothing to grid")
        pad = 3 * bandwidth_m
        bounds = (x.min() - pad, y.min() - pad, x.max() + pad, y.max() + pad)
    minx, miny, maxx, maxy = bounds
    x0 = math.floor(minx / cell_m) * cell_m
    y0 = math.floor(miny / cell_m) * cell_m
    nx = max(1, math.ceil((maxx - x0) / cell_m))
    ny = max(1, math.ceil((maxy - y0) / cell_m))
    xs = x0 + cell_m * (np.arange(nx) + 0.5)
    ys = y0 + cell_m * (np.arange(ny) + 0.5)
    kx = np.exp(-0.5 * ((xs[:, None] - x[None, :]) / bandwidth_m) ** 2)
    ky = np.exp(-0.5 * ((ys[:, None] - y[None, :]) / bandwidth_m) ** 2)
    per_m2 = (ky * w[None, :]) @ kx.T / (2.0 * math.pi * bandwidth_m**2)
    return Density(per_m2 * M2_PER_KM2, x0, y0, cell_m)


def hotspots(
    density: Density,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    mass_share: float = 0.5,
    crs: str,
) -> gpd.GeoDataFrame:
    """The highest-density regions holding ``mass_share`` of the density, as polygons (EPSG:4326).

    Cells are taken from the densest down until they hold that share of the
    total; touching cells form one hotspot. Columns: hotspot (1 = densest),
    peak_per_km2, area_km2, casualties (weights of the points inside).
    """
    v = density.values
    total = float(v.sum())
    columns = ["hotspot", "peak_per_km2", "area_km2", "casualties", "geometry"]
    if total <= 0:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs="EPSG:4326")
    flat = np.sort(v.ravel())[::-1]
    k = int(np.searchsorted(np.cumsum(flat), mass_share * total)) + 1
    threshold = flat[min(k, len(flat)) - 1]
    labels, count = ndimage.label(v >= threshold)
    xs, ys = density.centres()
    h = density.cell_m / 2
    rows = []
    px = np.floor((np.asarray(x) - density.x0) / density.cell_m).astype(int)
    py = np.floor((np.asarray(y) - density.y0) / density.cell_m).astype(int)
    ok = (px >= 0) & (px < v.shape[1]) & (py >= 0) & (py < v.shape[0])
    point_label = np.zeros(len(px), dtype=int)
    point_label[ok] = labels[py[ok], px[ok]]
    for lab in range(1, count + 1):
        r, c = np.nonzero(labels == lab)
        boxes = shapely.box(xs[c] - h, ys[r] - h, xs[c] + h, ys[r] + h)
        rows.append(
            {
                "peak_per_km2": float(v[r, c].max()),
                "area_km2": len(r) * density.cell_m**2 / M2_PER_KM2,
                "casualties": float(np.asarray(weights)[point_label == lab].sum()),
                "geometry": shapely.union_all(boxes),
            }
        )
    frame = pd.DataFrame(rows).sort_values("peak_per_km2", ascending=False)
    frame.insert(0, "hotspot", np.arange(1, len(frame) + 1))
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=crs).to_crs("EPSG:4326")
    return out.reset_index(drop=True)


def eore_priorities(
    settlements: pd.DataFrame,
    settlement_xy: tuple[np.ndarray, np.ndarray],
    *,
    density: Density | None,
    open_hazards_metric: np.ndarray,
    sessions: pd.DataFrame,
    radius_m: float,
) -> pd.DataFrame:
    """Settlements ranked by where risk education reaches most people at most risk.

    risk = ½ · (casualty density at the settlement / the highest) + ½ · (open
    hazard area within ``radius_m`` / the highest); need = people × risk ×
    (1 − share of them already reached by EORE, capped at 1). People are the
    planned returnees, else the population before.
    """
    sx, sy = (np.asarray(a, dtype=float) for a in settlement_xy)
    people = (
        pd.to_numeric(settlements["population_planned"], errors="coerce")
        .fillna(pd.to_numeric(settlements["population_before"], errors="coerce"))
        .fillna(0)
        .to_numpy(dtype=float)
    )
    cas = density.at(sx, sy) if density is not None else np.zeros(len(sx))
    discs = shapely.buffer(shapely.points(sx, sy), radius_m)
    if len(open_hazards_metric):
        tree = shapely.STRtree(open_hazards_metric)
        si, hi = tree.query(discs, predicate="intersects")
        parts = shapely.area(shapely.intersection(discs[si], open_hazards_metric[hi]))
        hazard_m2: np.ndarray = np.bincount(si, weights=parts, minlength=len(sx))
    else:
        hazard_m2 = np.zeros(len(sx))
    risk = 0.5 * _norm(cas) + 0.5 * _norm(hazard_m2)
    reach = sessions.assign(
        reached=sum(pd.to_numeric(sessions[c], errors="coerce").fillna(0) for c in _SEXES)
        if len(sessions)
        else 0
    )
    per = (
        reach.groupby("settlement_id").agg(
            sessions=("session_id", "count"),
            reached=("reached", "sum"),
            **{c: (c, "sum") for c in _SEXES},
            last_session=("date", "max"),
        )
        if len(reach)
        else pd.DataFrame(columns=["sessions", "reached", *_SEXES, "last_session"])
    )
    ids = settlements["settlement_id"].astype(str)
    out = pd.DataFrame(
        {
            "settlement_id": ids.to_numpy(),
            "name": settlements["name"].to_numpy(),
            "district": settlements["district"].to_numpy() if "district" in settlements else None,
            "people": people,
            "casualty_density_per_km2": cas,
            "open_hazard_ha": hazard_m2 / 10_000.0,
            "risk": risk,
        }
    )
    for c in ("sessions", "reached", *_SEXES):
        out[c] = ids.map(per[c]).fillna(0).astype(float).to_numpy() if len(per) else 0.0
    out["last_session"] = ids.map(per["last_session"]).to_numpy() if len(per) else None
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(people > 0, out["reached"] / people, 1.0)
    out["coverage_pct"] = 100.0 * np.minimum(coverage, 1.0)
    out["need"] = people * risk * (1.0 - np.minimum(coverage, 1.0))
    out = out.sort_values(["need", "people"], ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


_SEXES = ("women", "men", "girls", "boys")


def _norm(v: np.ndarray) -> np.ndarray:
    top = float(np.max(v)) if len(v) else 0.0
    return v / top if top > 0 else np.zeros_like(v, dtype=float)
