"""Demining assets: who can work, how fast, at what cost, and where.

Assets come from an ``assets.csv`` (the evidence package's layout), else the
workspace's ``assets`` layer, else documented defaults (DOMAIN.md; settings
``asset_<kind>_*``) with a warning. Rows of one kind are pooled: their teams
add up month by month (``available_from``/``available_to``), productivity and
cost are the team-weighted means.

Which kind can do what (:data:`METHOD_KINDS`): non-technical survey is desk
and field interview work done by survey staff, counted here as manual teams at
``plan_nts_m2_per_team_day``; technical survey and clearance by any kind, a
technical survey processing ``plan_ts_sampled_share`` of its area. Battle-area
clearance (BAC), a detector sweep for unexploded ordnance, is done mostly by manual
teams with detectors and machines that cut the vegetation for them, but is planned
here on any kind, like clearance, at ``plan_bac_effort_share`` of a clearance's effort
per m²: a kind's ``m2_per_day`` is what its teams (with the deminers who work beside a
dog or a rat) clear in a day, and a sweep is never dearer than clearing the same land.
Leaving dogs out would make BAC cost more than full clearance wherever dog teams clear
cheaply (with the defaults a dog team clears at USD 0.35/m², a manual team would sweep
at 0.35 × 5.00 = 1.75).
Machines do not work on steep ground or next to houses (:func:`machine_allowed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from landrelease import settings
from landrelease.domain import vocab
from landrelease.errors import UsageError
from landrelease.planning.common import warn

KINDS: tuple[str, ...] = vocab.ASSETS
METHOD_KINDS: dict[str, tuple[str, ...]] = {
    "NTS": ("manual",),
    "TS": KINDS,
    "BAC": KINDS,
    "clearance": KINDS,
}
ASSET_COLUMNS = ("organisation", "asset", "count", "m2_per_day", "usd_per_day")


@dataclass(frozen=True)
class AssetPool:
    """Teams per kind and month, with pooled productivity and cost."""

    kinds: tuple[str, ...]
    teams: np.ndarray
    """(kinds, months) teams available."""
    m2_per_day: np.ndarray
    """(kinds,) m² a team processes in a working day."""
    usd_per_day: np.ndarray
    """(kinds,) USD a team costs per working day."""
    source: str
    """Where the assets came from: a file path, ``workspace`` or ``defaults``."""

    def index(self, kind: str) -> int:
        return self.kinds.index(kind)

    def scaled(self, factors: dict[str, float], *, ramp_months: int = 0) -> AssetPool:
        """More (or fewer) teams of some kinds, reached linearly over ``ramp_months``."""
        teams = self.teams.astype(float).copy()
        n = teams.shape[1]
        ramp = np.minimum(np.arange(1, n + 1) / max(ramp_months, 1), 1.0)
        for kind, f in factors.items():
            if kind not in self.kinds:
                raise UsageError(f"asset kind {kind!r}: accepted {', '.join(self.kinds)}")
            k = self.index(kind)
            teams[k] = teams[k] * (1 + (f - 1) * ramp)
        return AssetPool(
            self.kinds, np.floor(teams + 1e-9), self.m2_per_day, self.usd_per_day, self.source
        )


def default_asset_rows() -> pd.DataFrame:
    """The defaults of DOMAIN.md (settings ``asset_<kind>_teams``, ``_m2_per_day``, ``_usd_per_day``)."""
    return pd.DataFrame(
        [
            {
                "organisation": "default",
                "asset": k,
                "count": int(settings.get(f"asset_{k}_teams")),
                "m2_per_day": float(settings.get(f"asset_{k}_m2_per_day")),
                "usd_per_day": float(settings.get(f"asset_{k}_usd_per_day")),
                "available_from": None,
                "available_to": None,
            }
            for k in KINDS
        ]
    )


def read_assets_csv(path: Path) -> pd.DataFrame:
    """Asset rows from a CSV file; every problem is listed in one message."""
    if not path.exists():
        raise UsageError(f"assets file {path} does not exist")
    try:
        rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a readable CSV file ({exc})") from None
    missing = [c for c in ASSET_COLUMNS if c not in rows.columns]
    if missing:
        raise UsageError(
            f"{path.name}: missing column(s) {', '.join(missing)} (accepted: {', '.join(ASSET_COLUMNS)}, "
            "optional available_from, available_to)"
        )
    problems: list[tuple[int, str]] = []
    out = rows.copy()
    for col in ("count", "m2_per_day", "usd_per_day"):
        values = pd.to_numeric(rows[col], errors="coerce")
        for i in np.flatnonzero(~(values >= 0).to_numpy()):
            problems.append(
                (int(i), f"row {i + 2}: {col} = {rows[col].iloc[i]!r}: not a number ≥ 0")
            )
        out[col] = values
    for i in np.flatnonzero(~rows["asset"].isin(KINDS).to_numpy()):
        problems.append(
            (
                int(i),
                f"row {i + 2}: asset = {rows['asset'].iloc[i]!r}: not one of {', '.join(KINDS)}",
            )
        )
    for col in ("available_from", "available_to"):
        if col not in rows.columns:
            out[col] = None
            continue
        text = rows[col].replace("", None)
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
        for i in np.flatnonzero((parsed.isna() & text.notna()).to_numpy()):
            problems.append(
                (int(i), f"row {i + 2}: {col} = {rows[col].iloc[i]!r}: not a date (YYYY-MM-DD)")
            )
        out[col] = text
    if problems:
        listed = [text for _, text in sorted(problems, key=lambda p: p[0])]
        raise UsageError(f"{path.name}: " + "; ".join(listed[:20]))
    return out


def pool_assets(rows: pd.DataFrame, months: pd.PeriodIndex, *, source: str) -> AssetPool:
    """Teams per kind and month from asset rows; productivity and cost weighted by team count."""
    n = len(months)
    teams = np.zeros((len(KINDS), n))
    m2 = np.zeros(len(KINDS))
    usd = np.zeros(len(KINDS))
    start = months.start_time.to_numpy() if n else np.empty(0, "datetime64[ns]")
    end = months.end_time.to_numpy() if n else np.empty(0, "datetime64[ns]")
    for k, kind in enumerate(KINDS):
        sub = rows[rows["asset"] == kind]
        if not len(sub):
            continue
        count = pd.to_numeric(sub["count"], errors="coerce").fillna(0).to_numpy(float)
        rate = pd.to_numeric(sub["m2_per_day"], errors="coerce").fillna(0).to_numpy(float)
        cost = pd.to_numeric(sub["usd_per_day"], errors="coerce").fillna(0).to_numpy(float)
        frm = _dates(sub, "available_from", np.datetime64("1900-01-01"))
        to = _dates(sub, "available_to", np.datetime64("2200-12-31"))
        on = (frm[:, None] <= end[None, :]) & (to[:, None] >= start[None, :])
        teams[k] = (count[:, None] * on).sum(axis=0)
        if count.sum() > 0:
            m2[k] = float((count * rate).sum() / count.sum())
            usd[k] = float((count * cost).sum() / count.sum())
    return AssetPool(KINDS, teams, m2, usd, source)


def load_assets(
    months: pd.PeriodIndex, *, path: Path | None, workspace_rows: pd.DataFrame | None
) -> AssetPool:
    """The asset pool from a file, else the workspace, else the defaults (with a warning)."""
    if path is not None:
        return pool_assets(read_assets_csv(path), months, source=str(path))
    if workspace_rows is not None and len(workspace_rows):
        return pool_assets(workspace_rows, months, source="workspace")
    warn(
        "no assets file given and no assets in the workspace: planning with the defaults of "
        "DOMAIN.md (settings asset_<kind>_teams, _m2_per_day, _usd_per_day: "
        + ", ".join(
            f"{settings.get(f'asset_{k}_teams')} {k} at {settings.get(f'asset_{k}_m2_per_day'):g} m²/day"
            for k in KINDS
        )
        + ")"
    )
    return pool_assets(default_asset_rows(), months, source="defaults")


def machine_allowed(
    slope_deg: np.ndarray,
    distance_to_settlement_m: np.ndarray,
    *,
    max_slope_deg: float,
    builtup_m: float,
) -> np.ndarray:
    """Where machines may work: not steeper than ``max_slope_deg`` (unknown slope: allowed) and not
    within ``builtup_m`` of a settlement."""
    slope = np.asarray(slope_deg, float)
    steep = np.isfinite(slope) & (slope > max_slope_deg)
    return ~steep & (np.asarray(distance_to_settlement_m, float) > builtup_m)


def _dates(frame: pd.DataFrame, col: str, default: np.datetime64) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), default, dtype="datetime64[ns]")
    parsed = pd.to_datetime(frame[col].replace("", None), errors="coerce", format="ISO8601")
    return parsed.fillna(pd.Timestamp(default)).to_numpy("datetime64[ns]")
