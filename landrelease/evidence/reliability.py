"""How far each source of minefield records can be trusted, measured on land already searched.

For every record source, over the land that technical survey or clearance has
processed:

* **accuracy** — the share of the source's recorded area (inside processed land)
  where devices were found within ``tolerance_m``: does the map point at mines?
* **coverage** — the share of findings in processed land that lie within
  ``tolerance_m`` of one of the source's records: does the map show the mines?
* **offset** — the median distance (m) from the source's findings-near-records
  to the record, a hint of shifted maps.

Sources are compared by *family*: the source text without its numbers and
dates ("mine map handed over 2021-06-12, sheet 336-2213" belongs to "mine map
handed over, sheet"), so that sheets of one delivery are judged together.
Reliability is the family's accuracy shrunk towards a prior (a Beta prior worth
``prior_weight`` records), so a family with little processed land keeps the
programme's prior belief (the seeds: about a quarter of handed-over maps are
accurate). A record that was itself tested takes its own result instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def source_family(source: str) -> str:
    """The source text without numbers, dates and stray punctuation."""
    words = re.sub(r"[0-9]+", " ", str(source))
    words = re.sub(r"[\s\-/.:#]+", " ", words)
    return re.sub(r"\s*,\s*", ", ", words).strip(" ,") or str(source)


COLUMNS = (
    "source",
    "records",
    "tested",
    "accurate",
    "accuracy",
    "coverage",
    "offset_m",
    "reliability",
)
"""The columns of the table of source families."""


@dataclass
class Reliability:
    """How far minefield records can be trusted: per source family, and per record."""

    families: pd.DataFrame
    """One row per source family: records, tested, accurate, accuracy, coverage, offset_m, reliability."""
    per_record: np.ndarray
    """Each record's reliability: its own test result where tested, else its family's."""


def source_reliability(
    records: gpd.GeoDataFrame,
    processed: gpd.GeoDataFrame,
    findings: gpd.GeoDataFrame,
    *,
    tolerance_m: float,
    prior: float,
    prior_weight: float,
) -> Reliability:
    """Measure the reliability of each source family and each record.

    All inputs in the same metric CRS. A record is *tested* when at least half
    of it lies in processed land; it is *accurate* when a finding lies within
    ``tolerance_m`` of it.
    """
    if not len(records):
        return Reliability(pd.DataFrame(columns=list(COLUMNS)), np.array([], dtype=float))
    geoms = records.geometry.values.to_numpy()
    area_like = np.where(
        np.isin(shapely.get_type_id(geoms), (1, 5)), shapely.buffer(geoms, 25.0), geoms
    )
    if len(processed):
        searched = shapely.union_all(processed.geometry.values.to_numpy())
        inside = shapely.area(shapely.intersection(area_like, searched)) / np.maximum(
            shapely.area(area_like), 1e-9
        )
    else:
        inside = np.zeros(len(records))
    tested = inside >= 0.5
    near_count, offsets = _findings_near(area_like, findings, tolerance_m)
    processed_findings = (
        findings[findings["activity_id"].isin(processed["activity_id"])]
        if len(findings) and len(processed)
        else findings.iloc[:0]
    )
    pf_geoms = processed_findings.geometry.values.to_numpy()
    families = records["source"].map(source_family)
    rows = []
    for source, idx in records.groupby(families).indices.items():
        idx = np.asarray(idx)
        t = idx[tested[idx]]
        accurate = int((near_count[t] > 0).sum())
        if len(processed_findings):
            union = shapely.union_all(area_like[idx])
            cov = float(shapely.dwithin(pf_geoms, union, tolerance_m).mean())
        else:
            cov = np.nan
        offs = [o for i in t for o in offsets[i]]
        rows.append(
            {
                "source": source,
                "records": len(idx),
                "tested": len(t),
                "accurate": accurate,
                "accuracy": accurate / len(t) if len(t) else np.nan,
                "coverage": cov,
                "offset_m": float(np.median(offs)) if offs else np.nan,
                "reliability": (prior * prior_weight + accurate) / (prior_weight + len(t)),
            }
        )
    table = pd.DataFrame(rows, columns=list(COLUMNS)).sort_values("source").reset_index(drop=True)
    family_rel = (
        families.map(table.set_index("source")["reliability"]).fillna(prior).to_numpy(dtype=float)
    )
    # a record searched itself is judged on its own: accurate ones near-certain, the others barely
    own = np.where(near_count > 0, 0.9, 0.05)
    return Reliability(table, np.where(tested, own, family_rel))


def _findings_near(
    area_like: np.ndarray, findings: gpd.GeoDataFrame, tolerance_m: float
) -> tuple[np.ndarray, list[list[float]]]:
    """Per record: how many findings lie within ``tolerance_m``, and their distances."""
    near_count = np.zeros(len(area_like), dtype=int)
    offsets: list[list[float]] = [[] for _ in range(len(area_like))]
    if not len(findings):
        return near_count, offsets
    f_geoms = findings.geometry.values.to_numpy()
    rec_idx, f_idx = shapely.STRtree(f_geoms).query(
        area_like, predicate="dwithin", distance=tolerance_m
    )
    np.add.at(near_count, rec_idx, 1)
    d = shapely.distance(area_like[rec_idx], f_geoms[f_idx])
    for r, dist in zip(rec_idx, d, strict=True):
        offsets[r].append(float(dist))
    return near_count, offsets
