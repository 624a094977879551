"""The records a report is made from, read once, and the figures for a period as pure functions.

:func:`load_records` takes the read model (:class:`~landrelease.store.WorkspaceView`) into a
:class:`Records` bundle, so a pipeline's reports reuse the layers its earlier steps read;
everything else here works on that bundle (DataFrames) and is tested without a database.
Every area comes from the land-release ledger, so a report's figures reconcile with it by
construction; what blocks a settlement is the shared rule (open hazards within the setting
``settlement_radius_m``, :func:`~landrelease.store.view.hazards_near`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landrelease import settings
from landrelease.domain import vocab
from landrelease.domain.dates import month_problem, parse_day
from landrelease.domain.programme import Programme
from landrelease.errors import UsageError
from landrelease.records.ledger import area_by_method
from landrelease.records.rules import RELEASE_METHODS
from landrelease.store import Workspace, WorkspaceView, runs
from landrelease.store.programme import read_programme
from landrelease.store.view import hazards_near

M2_PER_HA = 10_000.0


@dataclass
class Records:
    """Everything reports read, current records only (retired ones left out)."""

    workspace: str
    view: WorkspaceView = field(repr=False)
    """The read model the records come from (its metric CRS, its layers projected once)."""
    hazards: gpd.GeoDataFrame
    activities: gpd.GeoDataFrame
    findings: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    eore: gpd.GeoDataFrame
    qa_visits: gpd.GeoDataFrame
    funding: pd.DataFrame
    organisations: pd.DataFrame
    ledger: gpd.GeoDataFrame
    completions: pd.DataFrame
    plans: pd.DataFrame
    non_conformities: pd.DataFrame
    expenditures: pd.DataFrame
    victim_assistance: pd.DataFrame
    survey: dict[str, Any] | None = None
    """The latest survey run (its id, time, rule and summary), ``None`` without one."""
    programme: Programme = field(default_factory=Programme)
    """The programme profile: its name and logo head every report."""

    @property
    def crs(self) -> str:
        """The metric CRS maps and distances use (the read model's one rule)."""
        return self.view.metric_crs


def load_records(source: Workspace | WorkspaceView, *, include_personal: bool = False) -> Records:
    """What the reports need, from the read model (each layer read once per view).

    Incidents keep their victims' details (age, gender) so that reports can
    count by age group; only aggregates reach a report unless personal data is
    asked for (a view made without personal fields is not used for that reason:
    the workspace is read again with them). Names and addresses from victim
    assistance are kept only with ``include_personal``.
    """
    view = WorkspaceView.of(source)
    if not view.include_personal:
        view = WorkspaceView(view.ws)
    va = view.table("victim_assistance")
    if not include_personal:
        va = va.drop(columns=["name", "address"])
    return Records(
        workspace=view.display,
        view=view,
        hazards=view.layer("hazards"),
        activities=view.layer("activities"),
        findings=view.layer("findings"),
        incidents=view.layer("incidents"),
        settlements=view.layer("settlements"),
        eore=view.layer("eore_sessions"),
        qa_visits=view.layer("qa_visits"),
        funding=view.layer("funding"),
        organisations=view.layer("organisations"),
        ledger=view.ledger(),
        completions=view.table("hazard_completions"),
        plans=view.table("qa_sampling_plans"),
        non_conformities=view.table("non_conformities"),
        expenditures=view.table("expenditures"),
        victim_assistance=va,
        survey=_latest_survey(view),
        programme=read_programme(view.ws),
    )


def _latest_survey(view: WorkspaceView) -> dict[str, Any] | None:
    with view.ws.begin() as conn:
        row = runs.read_run(conn, "survey")
    return row if row and isinstance(row.get("summary"), dict) else None


# -- periods -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: str
    end: str
    label: str

    @property
    def during(self) -> str:
        """The period as it follows a verb: 'in October 2026', 'in 2026', or 'from 2025-11-01 to
        2026-10-31' for a period given by its dates."""
        if self.label == f"{self.start} to {self.end}":
            return f"from {self.label}"
        return f"in {self.label}"

    def contains(self, dates: pd.Series) -> np.ndarray:
        d = dates.astype(str).str[:10]
        return np.asarray((d >= self.start) & (d <= self.end) & dates.notna(), dtype=bool)


def month_period(month: str) -> Period:
    """``YYYY-MM`` as a period from its first to its last day; a month that is not one (2026-13,
    May) is refused saying why."""
    if problem := month_problem(month):
        raise UsageError(f"month {problem}")
    y, mo = int(month.strip()[:4]), int(month.strip()[5:7])
    last = calendar.monthrange(y, mo)[1]
    label = dt.date(y, mo, 1).strftime("%B %Y")
    return Period(f"{y:04d}-{mo:02d}-01", f"{y:04d}-{mo:02d}-{last:02d}", label)


def date_period(start: str, end: str) -> Period:
    """The days from ``start`` to ``end`` (``YYYY-MM-DD``); a day that is not one (2026-02-30)
    is refused saying why."""
    start, end = (
        parse_day(start, what="first day").isoformat(),
        parse_day(end, what="last day").isoformat(),
    )
    if end < start:
        raise UsageError(f"the period ends ({end}) before it starts ({start})")
    return Period(start, end, f"{start} to {end}")


def months_back(month_start: str, n: int) -> list[str]:
    """The ``n`` months ending with the month of ``month_start``, as YYYY-MM."""
    p = pd.Period(month_start[:7], freq="M")
    return [str(p - k) for k in range(n - 1, -1, -1)]


def coverage(rec: Records) -> tuple[str | None, str | None]:
    """First and last month (YYYY-MM) holding any dated record."""
    dates = (
        pd.concat(
            [
                rec.ledger["released_on"],
                rec.findings["date"],
                rec.incidents["date"],
                rec.eore["date"],
                rec.qa_visits["date"],
                rec.funding["date"],
                rec.expenditures["date"],
            ]
        )
        .dropna()
        .astype(str)
        .str[:7]
    )
    if not len(dates):
        return None, None
    return str(dates.min()), str(dates.max())


def last_month(rec: Records) -> str | None:
    """The last month with land released in the ledger, else with any dated record."""
    if len(rec.ledger):
        return str(rec.ledger["released_on"].astype(str).max())[:7]
    return coverage(rec)[1]


# -- figures -----------------------------------------------------------------------------------


def released(rec: Records, period: Period) -> pd.DataFrame:
    """Ledger lines released in the period, with the activity's type and organisation."""
    led = rec.ledger[period.contains(rec.ledger["released_on"])]
    acts = rec.activities.set_index("activity_id")
    out = pd.DataFrame(
        {
            "activity_id": led["activity_id"].to_numpy(),
            "hazard_id": led["hazard_id"].to_numpy(),
            "method": led["method"].to_numpy(),
            "area_m2": led["area_m2"].to_numpy(dtype=float),
            "released_on": led["released_on"].to_numpy(),
        }
    )
    out["type"] = out["activity_id"].map(acts["type"]) if len(acts) else None
    out["organisation"] = out["activity_id"].map(acts["organisation"]) if len(acts) else None
    return out


def devices(rec: Records, period: Period) -> tuple[dict[str, int], dict[str, int], int]:
    """Devices destroyed and found-not-destroyed by type, and those awaiting approval.

    A finding counts once its activity is approved (or when it belongs to no
    activity); findings of activities not yet approved are counted apart.
    """
    f = rec.findings[period.contains(rec.findings["date"])]
    status = (
        rec.activities.set_index("activity_id")["status"] if len(rec.activities) else pd.Series()
    )
    act_status = f["activity_id"].map(status)
    counted = f["activity_id"].isna() | (act_status == "approved")
    ok = f[counted.to_numpy(dtype=bool)]
    destroyed = ok["destroyed"].map(lambda v: v is not False).to_numpy(dtype=bool)
    d = ok[destroyed]["device"].value_counts()
    nd = ok[~destroyed]["device"].value_counts()
    return (
        {k: int(d.get(k, 0)) for k in vocab.DEVICES},
        {k: int(nd.get(k, 0)) for k in vocab.DEVICES},
        int((~counted).sum()),
    )


def hazard_closed_on(rec: Records) -> pd.Series:
    """When each hazard closed: its completion date, else (closed in the register) its date of
    information, else '0000-00-00' (closed at an unknown date); open hazards: NaN."""
    h = rec.hazards
    closed = h["status"] == "closed"
    done = (
        rec.completions.groupby("hazard_id")["completed_on"].max()
        if len(rec.completions)
        else pd.Series(dtype=object)
    )
    on = h["hazard_id"].map(done)
    doi = h["date_of_information"].astype(str).str[:10].where(h["date_of_information"].notna())
    on = on.where(on.notna(), doi.where(closed))
    on = on.where(on.notna() | ~closed, "0000-00-00")
    on = on.where(closed | h["hazard_id"].isin(done.index))
    return pd.Series(on.to_numpy(), index=h["hazard_id"].to_numpy())


def settlement_hazards(rec: Records, radius_m: float) -> pd.DataFrame:
    """Pairs (settlement, hazard) within ``radius_m``, open or closed, nearest first per
    settlement, with the distance in m (:func:`~landrelease.store.view.hazards_near`)."""
    if not len(rec.settlements) or not len(rec.hazards):
        return pd.DataFrame(columns=["settlement_id", "hazard_id", "distance_m"])
    return hazards_near(rec.view.metric("settlements"), rec.view.metric("hazards"), radius_m)


def returns_enabled(rec: Records, period: Period, radius_m: float) -> pd.DataFrame:
    """Settlements whose last hazard within ``radius_m`` closed in the period.

    Columns: settlement_id, name, district, people (planned returnees),
    hazards (how many were within the radius), last_closed_on.
    """
    pairs = settlement_hazards(rec, radius_m)
    cols = ["settlement_id", "name", "district", "people", "hazards", "last_closed_on"]
    if not len(pairs):
        return pd.DataFrame(columns=cols)
    pairs["closed_on"] = pairs["hazard_id"].map(hazard_closed_on(rec))
    g = pairs.groupby("settlement_id").agg(
        hazards=("hazard_id", "count"),
        open=("closed_on", lambda v: int(v.isna().sum())),
        last_closed_on=("closed_on", lambda v: v.dropna().max() if v.notna().any() else None),
    )
    g = g[
        g["open"] == 0
    ]  # only settlements whose every hazard closed; then by when the last one did
    g = g[g["last_closed_on"].between(period.start, period.end)]
    s = rec.settlements.set_index("settlement_id")
    out = pd.DataFrame(
        {
            "settlement_id": g.index.to_numpy(),
            "name": s.loc[g.index, "name"].to_numpy(),
            "district": s.loc[g.index, "district"].to_numpy(),
            "people": pd.to_numeric(s.loc[g.index, "population_planned"], errors="coerce")
            .fillna(0)
            .astype(int)
            .to_numpy(),
            "hazards": g["hazards"].to_numpy(),
            "last_closed_on": g["last_closed_on"].to_numpy(),
        },
        columns=cols,
    )
    return out.sort_values(["people", "name"], ascending=[False, True]).reset_index(drop=True)


def sources_order(sources: pd.Series) -> list[str]:
    """National first, then donors alphabetically."""
    names = sorted(set(sources.dropna().astype(str)))
    return (["national"] if "national" in names else []) + [n for n in names if n != "national"]


def money(rec: Records, period: Period) -> pd.DataFrame:
    """Received (funding) and spent (expenditures) in the period by source, USD."""
    f = rec.funding[period.contains(rec.funding["date"])]
    e = rec.expenditures[period.contains(rec.expenditures["date"])]
    recv = f.groupby("source")["amount_usd"].sum() if len(f) else pd.Series(dtype=float)
    spent = e.groupby("source")["amount_usd"].sum() if len(e) else pd.Series(dtype=float)
    order = sources_order(pd.concat([f["source"], e["source"]]))
    return pd.DataFrame(
        {
            "source": order,
            "received_usd": [float(recv.get(s, 0.0)) for s in order],
            "spent_usd": [float(spent.get(s, 0.0)) for s in order],
        }
    )


def trend(rec: Records, months: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Area released per month and method (ha), and devices destroyed per month and type."""
    led = rec.ledger.assign(month=rec.ledger["released_on"].astype(str).str[:7])
    area = (
        led.pivot_table(
            index="month", columns="method", values="area_m2", aggfunc="sum", fill_value=0.0
        )
        if len(led)
        else pd.DataFrame()
    )
    area = area.reindex(index=months, columns=list(RELEASE_METHODS), fill_value=0.0).fillna(0.0)
    area = area / M2_PER_HA
    first = Period(f"{months[0]}-01", month_period(months[-1]).end, "")
    f = rec.findings[first.contains(rec.findings["date"])]
    status = (
        rec.activities.set_index("activity_id")["status"] if len(rec.activities) else pd.Series()
    )
    ok = f[
        (f["activity_id"].isna() | (f["activity_id"].map(status) == "approved")).to_numpy(
            dtype=bool
        )
    ]
    ok = ok[ok["destroyed"].map(lambda v: v is not False).to_numpy(dtype=bool)]
    ok = ok.assign(month=ok["date"].astype(str).str[:7])
    dev = (
        (pd.crosstab(ok["month"], ok["device"]) if len(ok) else pd.DataFrame())
        .reindex(index=months, columns=list(vocab.DEVICES), fill_value=0)
        .fillna(0)
        .astype(int)
    )
    return area, dev


def released_total(rec: Records, period: Period) -> dict[str, float]:
    """Area released by method in the period, m² (from the ledger)."""
    return area_by_method(rec.ledger[period.contains(rec.ledger["released_on"])])


def radius_m() -> float:
    return float(settings.get("settlement_radius_m"))
