"""Search depth as evidence: how much of the devices a search to some depth would have reached.

Land searched to 13 cm and found clean says nothing about a shell at 60 cm. The
**depth profile** is how deep the devices that the programme's technical surveys
and clearances found lay, per device kind (their findings' ``depth_cm``), each
kind's recorded depths joined by ``risk_depth_prior_finds`` pseudo-findings of
the **prior**: devices spread evenly from the surface down to the national
clearance depth (``risk_national_depth_cm``). A kind whose findings carry no
depth has the prior alone. The kinds are mixed in the proportions the searches
found them (every finding counts for the mix, with or without a depth).

The **reach** of a search to depth *d* is the share of that profile at or above
*d*; an activity without a ``depth_cm`` searched to the national depth. A
clean search counts as negative evidence in proportion to its reach (the
training cells' searched share and the hectares behind the local finding rate
are multiplied by it: ``risk/training.py``, ``evidence/sources.py``). With
every activity at or below the depth of every device found, every reach is
exactly 1 and nothing changes.

Devices found by EOD spot tasks or reported by people are not in the profile:
they were not found by searching land to a depth. What the profile cannot see:
devices deeper than any search went (nobody found them); a programme that
searched only to 13 cm learns that its searches reach everything. Vectorised
over activities and depths; the loop runs over the few device kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landrelease import settings
from landrelease.errors import UsageError

MIN_REACH = 0.01
"""The smallest reach a search is given: a search that reaches almost none of the devices
still says a little, and a found device is never divided by zero."""
MATTERS = 0.05
"""A clean search is called shallow in the decisions' words when at least this share of the
devices found lay deeper than it went."""


@dataclass(frozen=True)
class DepthProfile:
    """How deep the devices that technical surveys and clearances found lay, per device kind."""

    kinds: tuple[str, ...]
    mix: np.ndarray
    """Share of each kind among the devices found (all findings, with or without a depth)."""
    depths: tuple[np.ndarray, ...]
    """Recorded depths of each kind (cm), sorted."""
    national_cm: float
    prior_finds: float
    found: int
    """Devices found by technical survey and clearance."""
    recorded: int
    """Of those, with a recorded depth."""

    def deeper(self, depth_cm: np.ndarray | float) -> np.ndarray:
        """Share of the devices lying deeper than each depth (cm), in [0, 1]."""
        d = np.asarray(depth_cm, dtype=float)
        prior = np.clip(1.0 - d / self.national_cm, 0.0, 1.0)
        if not self.kinds:
            return prior
        out = np.zeros(d.shape)
        for share, found in zip(self.mix, self.depths, strict=True):
            n = len(found) + self.prior_finds
            if n <= 0:
                out += share * prior
                continue
            below = len(found) - np.searchsorted(found, d, side="right")
            out += share * (below + self.prior_finds * prior) / n
        return np.clip(out, 0.0, 1.0)

    def reach(self, depth_cm: np.ndarray | float) -> np.ndarray:
        """Share of the devices at or above each depth: what a search to it would reach (exactly
        1 where no device found and no part of the prior lies deeper)."""
        return np.maximum(1.0 - self.deeper(depth_cm), MIN_REACH)


def national_depth_cm() -> float:
    value = float(settings.get("risk_national_depth_cm"))
    if not value > 0:
        raise UsageError(
            f"risk_national_depth_cm = {value:g}: the national clearance depth must be more than 0 cm"
        )
    return value


def depth_profile(processed: gpd.GeoDataFrame, findings: gpd.GeoDataFrame) -> DepthProfile:
    """The depth profile of the devices found by the ``processed`` activities (technical survey
    and clearance) among ``findings``."""
    national = national_depth_cm()
    prior_finds = max(float(settings.get("risk_depth_prior_finds")), 0.0)
    if not len(findings) or not len(processed):
        return DepthProfile((), np.zeros(0), (), national, prior_finds, 0, 0)
    mine = findings["activity_id"].isin(set(processed["activity_id"])).to_numpy()
    device = findings["device"].to_numpy()[mine].astype(str)
    depth = _numbers(findings, "depth_cm")[mine]
    kinds, counts = np.unique(device, return_counts=True)
    if not len(kinds):
        return DepthProfile((), np.zeros(0), (), national, prior_finds, 0, 0)
    ok = np.isfinite(depth) & (depth >= 0)
    depths = tuple(np.sort(depth[ok & (device == k)]) for k in kinds)
    return DepthProfile(
        tuple(str(k) for k in kinds),
        counts / counts.sum(),
        depths,
        national,
        prior_finds,
        int(mine.sum()),
        int(ok.sum()),
    )


def search_depth_cm(processed: gpd.GeoDataFrame) -> np.ndarray:
    """The depth each activity searched to (cm): its ``depth_cm``, else the national depth."""
    depth = _numbers(processed, "depth_cm")
    return np.where(np.isfinite(depth) & (depth >= 0), depth, national_depth_cm())


def search_reach(processed: gpd.GeoDataFrame, findings: gpd.GeoDataFrame) -> np.ndarray:
    """The share of the devices each activity's search would have reached, in (0, 1]."""
    if not len(processed):
        return np.zeros(0)
    return depth_profile(processed, findings).reach(search_depth_cm(processed))


def depth_statement(processed: gpd.GeoDataFrame, findings: gpd.GeoDataFrame) -> str | None:
    """What the risk run says when searches left a share of the devices that matters deeper than
    they went (``None`` when none did)."""
    if not len(processed):
        return None
    reach = search_reach(processed, findings)
    short = 1.0 - reach >= MATTERS
    if not short.any():
        return None
    k = int(np.argmin(reach))
    depth = search_depth_cm(processed)[k]
    return (
        f"{int(short.sum())} of the {len(processed)} technical surveys and clearances searched "
        f"less deep than {100 * MATTERS:.0f} % or more of the devices found lay (the shallowest: "
        f"{processed['activity_id'].iloc[k]}, to {depth:g} cm, reached {100 * reach[k]:.0f} % "
        "of them): their land counts as searched clean only in that proportion"
    )


def shallow_searches(
    processed: gpd.GeoDataFrame, findings: gpd.GeoDataFrame, clean: np.ndarray
) -> pd.DataFrame:
    """The searches that left at least :data:`MATTERS` of the devices deeper than they went:
    ``activity_id``, ``depth_cm``, ``deeper`` (share), ``clean`` (found nothing), with the row of
    ``processed`` as index."""
    if not len(processed):
        return pd.DataFrame({"activity_id": [], "depth_cm": [], "deeper": [], "clean": []})
    depth = search_depth_cm(processed)
    deeper = 1.0 - search_reach(processed, findings)
    keep = deeper >= MATTERS
    return pd.DataFrame(
        {
            "activity_id": processed["activity_id"].to_numpy()[keep],
            "depth_cm": depth[keep],
            "deeper": deeper[keep],
            "clean": np.asarray(clean, dtype=bool)[keep],
        },
        index=np.flatnonzero(keep),
    )


def shallow_words(
    parts: np.ndarray,
    processed: gpd.GeoDataFrame,
    findings: gpd.GeoDataFrame,
    clean: np.ndarray,
    *,
    within_m: float,
) -> list[str]:
    """For each part (geometries in the metric CRS of ``processed``), the shallowest search over it
    or within ``within_m`` of it, in words ("" where none left :data:`MATTERS` of the devices
    deeper): "searched clean only to 13 cm (TS-0042); 40 % of the devices found by technical
    survey and clearance lay deeper", with "320 m away" for a search beside the part and "searched
    only to" for a search that found devices (the land between them is clean only to that depth
    too). Of equally shallow searches, the nearest."""
    out = [""] * len(parts)
    shallow = shallow_searches(processed, findings, clean)
    if not len(parts) or not len(shallow):
        return out
    geoms = processed.geometry.values.to_numpy()[shallow.index.to_numpy()]
    part_idx, act_idx = shapely.STRtree(geoms).query(parts, predicate="dwithin", distance=within_m)
    if not len(part_idx):
        return out
    dist = shapely.distance(parts[part_idx], geoms[act_idx])
    over = shapely.area(shapely.intersection(parts[part_idx], geoms[act_idx])) > 0
    deeper = shallow["deeper"].to_numpy()
    # per part, the search that left the most devices deeper, then the nearest, then the first
    order = np.lexsort((act_idx, dist, -deeper[act_idx], part_idx))
    first = order[np.r_[True, part_idx[order][1:] != part_idx[order][:-1]]]
    ids, depth = shallow["activity_id"].to_numpy(), shallow["depth_cm"].to_numpy()
    was_clean = shallow["clean"].to_numpy()
    for k in first:
        a = act_idx[k]
        searched = "searched clean only" if was_clean[a] else "searched only"
        where = "" if over[k] else f", {dist[k]:,.0f} m away"
        out[int(part_idx[k])] = (
            f"{searched} to {depth[a]:g} cm ({ids[a]}{where}); {100 * deeper[a]:.0f} % of the "
            "devices found by technical survey and clearance lay deeper"
        )
    return out


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
