"""The read model: the workspace as one run of the pipeline sees it, each layer read once.

Evidence, risk, survey, planning, reports and the web all read the workspace
through a :class:`WorkspaceView`. A view reads a layer or a table the first
time it is asked for and keeps it, projects it to the metric CRS once, and
answers the questions every part of the system must answer the same way:

* **the metric CRS** (:attr:`WorkspaceView.metric_crs`): the workspace's
  stored one, else the UTM zone of its data (:mod:`landrelease.store.crs`);
* **the data date** (:attr:`WorkspaceView.data_date`): the latest date of any
  dated record (an activity's end, a finding, an incident, a funding line);
* **released land** (:meth:`WorkspaceView.released_by_hazard`): summed from
  the land-release ledger only, never from the activities' own areas;
* **what blocks a settlement** (:meth:`WorkspaceView.blocking_pairs`): an open
  hazard within the setting ``settlement_radius_m`` of it.

A view is a snapshot: make a new one after writing records (an import, an
approval). Frames it returns are shared copies — add columns freely, but do
not change values in place.

A view **as of a date** (``WorkspaceView(ws, as_of=date)``) shows what was known
then: records dated later are left out (activities that ended later, findings,
incidents, testimony, funding, sessions and visits after it, hazards reported
after it, ledger lines and completions after it), and a hazard closed later is
open again. It is how a backtest fits the engine on the past and checks it on
what came after.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landrelease import settings
from landrelease.domain import layer_by_name, vocab
from landrelease.errors import UsageError
from landrelease.store import runs, tables
from landrelease.store.covariates import CovariateRaster, read_covariates
from landrelease.store.crs import metric_crs_rule, to_metric
from landrelease.store.workspace import Workspace

DATED = (("activities", "end"), ("findings", "date"), ("incidents", "date"), ("funding", "date"))
"""The records whose dates tell how recent the workspace's information is."""

OPEN_STATUSES = tuple(s for s in vocab.HAZARD_STATUSES if s != "closed")
"""Hazard statuses that still hold land to release."""

KNOWN_FROM: dict[str, str] = {
    "hazards": "reported",
    "activities": "end",
    "findings": "date",
    "incidents": "date",
    "testimony": "date",
    "front_lines": "valid_from",
    "funding": "date",
    "eore_sessions": "date",
    "qa_visits": "date",
    "land_use": "observed",
    "land_release": "released_on",
    "hazard_completions": "completed_on",
}
"""The date from which each layer's or table's record was known (records without it are kept)."""


class WorkspaceView:
    """One consistent read of a workspace (see the module's description)."""

    def __init__(
        self, ws: Workspace, *, include_personal: bool = True, as_of: dt.date | None = None
    ) -> None:
        self.ws = ws
        self.include_personal = include_personal
        self.as_of = as_of
        """Show only what was known on this day (``None``: everything)."""
        self._parent: WorkspaceView | None = None
        self._layers: dict[str, pd.DataFrame] = {}
        self._metric: dict[str, gpd.GeoDataFrame] = {}
        self._tables: dict[str, pd.DataFrame] = {}
        self._crs: str | None = None
        self._stamps: dict[str, tuple[str, ...]] = {}
        self._covariates: dict[str, CovariateRaster] | None = None
        self.reads: Counter[str] = Counter()
        """How often each layer or table was read from the database (each at most once)."""

    def known_on(self, day: dt.date) -> WorkspaceView:
        """This view as of ``day``: what was known then, from the records this view reads
        (nothing is read from the database twice)."""
        past = WorkspaceView(self.ws, include_personal=self.include_personal, as_of=day)
        past._parent = self
        return past

    @classmethod
    def of(cls, source: Workspace | WorkspaceView) -> WorkspaceView:
        """``source`` itself when it is a view, else a new view of the workspace."""
        return source if isinstance(source, WorkspaceView) else cls(source)

    @property
    def display(self) -> str:
        return self.ws.display

    # -- layers and tables ------------------------------------------------------------------
    def layer(self, name: str) -> pd.DataFrame:
        """A layer's current records (EPSG:4326, retired ones left out), read once."""
        if name not in self._layers:
            if self._parent is not None:
                frame = self._parent.layer(name)
            else:
                frame = self.ws.read_layer(name, include_personal=self.include_personal)
                self.reads[name] += 1
            self._layers[name] = self._known(name, frame)
        return self._layers[name].copy(deep=False)

    def metric(self, name: str) -> gpd.GeoDataFrame:
        """A spatial layer projected to :attr:`metric_crs` (distances and areas in metres)."""
        if name not in self._metric:
            if not layer_by_name(name).spatial:
                raise ValueError(f"{name} has no geometry to project")
            frame = self.layer(name)
            assert isinstance(frame, gpd.GeoDataFrame)
            self._metric[name] = to_metric(frame, self.metric_crs)
        return self._metric[name].copy(deep=False)

    def table(self, name: str) -> pd.DataFrame:
        """A plain table's current rows (the ledger, completions, QA, expenditures…), read once."""
        if name not in self._tables:
            if self._parent is not None:
                frame = self._parent.table(name)
            else:
                with self.ws.engine.connect() as conn:
                    frame = tables.read_table(conn, name)
                self.reads[name] += 1
            self._tables[name] = self._known(name, frame)
        return self._tables[name].copy(deep=False)

    def _known(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The records known on :attr:`as_of` (all of them without a date)."""
        if self.as_of is None:
            return frame
        col = KNOWN_FROM.get(name)
        if col is not None and col in frame and len(frame):
            day = frame[col].astype(str).str[:10].where(frame[col].notna())
            frame = frame[(day.isna() | (day <= self.as_of.isoformat())).to_numpy(dtype=bool)]
            frame = frame.reset_index(drop=True)
        if name == "hazards" and len(frame):
            frame = self._reopened(frame)
        return frame

    def _reopened(self, hazards: pd.DataFrame) -> pd.DataFrame:
        """Hazards closed after :attr:`as_of` were open on that day (``active``, or
        ``worked_on`` when land of theirs had been released by then)."""
        assert self.as_of is not None
        done = self.table("hazard_completions")
        closed_by_then = set(done["hazard_id"]) if len(done) else set()
        released = set(self.ledger()["hazard_id"]) if len(self.ledger()) else set()
        doi = hazards["date_of_information"].astype(str).str[:10]
        later = (hazards["status"] == "closed") & ~hazards["hazard_id"].isin(closed_by_then)
        later &= ~(hazards["date_of_information"].notna() & (doi <= self.as_of.isoformat()))
        if not later.any():
            return hazards
        out = hazards.copy()
        worked = out["hazard_id"].isin(released)
        out.loc[later & worked, "status"] = "worked_on"
        out.loc[later & ~worked, "status"] = "active"
        return out

    def stamp(self, name: str) -> tuple[str, ...]:
        """What ``name``'s records were when this view first asked (row count, last update,
        last retirement): a result made from the view keeps it, so that a later reader can
        tell whether the records changed since."""
        if self._parent is not None:
            return self._parent.stamp(name)
        if name not in self._stamps:
            with self.ws.engine.connect() as conn:
                self._stamps[name] = runs.layer_stamp(conn, name)
        return self._stamps[name]

    def covariates(self) -> dict[str, CovariateRaster]:
        """The covariate rasters the workspace keeps, by name (read once per view)."""
        if self._parent is not None:
            return self._parent.covariates()
        if self._covariates is None:
            with self.ws.engine.connect() as conn:
                self._covariates = {c.name: c for c in read_covariates(conn)}
            self.reads["covariates"] += 1
        return self._covariates

    def latest_run(self, kind: str) -> int | None:
        """The id of the latest run of ``kind`` (risk, survey, priorities, plan, forecast)."""
        with self.ws.engine.connect() as conn:
            return runs.latest_run(conn, kind)

    # -- the shared rules -------------------------------------------------------------------
    @property
    def metric_crs(self) -> str:
        """The CRS in metres every measure uses: the workspace's, else its data's UTM zone."""
        if self._crs is None:
            stored = self.ws.metric_crs()
            crs = stored or metric_crs_rule(None, self._data_bounds())
            if crs is None:
                raise UsageError(
                    f"{self.display} holds no spatial records yet, so there is nothing to measure; "
                    "import an evidence package first"
                )
            self._crs = crs
        return self._crs

    def _data_bounds(self) -> Any:
        for name in ("hazards", "settlements", "activities", "findings", "incidents"):
            frame = self.layer(name)
            if len(frame):
                return shapely.total_bounds(np.asarray(frame.geometry.values, dtype=object))
        return None

    @property
    def data_date(self) -> dt.date | None:
        """The latest date of any dated record (activities' end, findings, incidents, funding)."""
        latest: pd.Timestamp | None = None
        for name, col in DATED:
            frame = self.layer(name)
            if not len(frame) or col not in frame:
                continue
            d = pd.to_datetime(
                frame[col].astype(str).str[:10], format="ISO8601", errors="coerce"
            ).max()
            if pd.notna(d) and (latest is None or d > latest):
                latest = d
        return None if latest is None else latest.date()

    @property
    def data_month(self) -> pd.Period | None:
        """The month of :attr:`data_date`."""
        d = self.data_date
        return None if d is None else pd.Period(d, freq="M")

    def ledger(self) -> gpd.GeoDataFrame:
        """The land-release ledger: every line of land cancelled, reduced or cleared."""
        frame = self.table("land_release")
        assert isinstance(frame, gpd.GeoDataFrame)
        return frame

    def released_by_hazard(self) -> dict[str, float]:
        """Area released per hazard (m²), from the ledger only."""
        led = self.ledger()
        if not len(led):
            return {}
        area = pd.to_numeric(led["area_m2"], errors="coerce").fillna(0.0)
        return {str(k): float(v) for k, v in area.groupby(led["hazard_id"]).sum().items()}

    def blocking_pairs(self, *, radius_m: float | None = None) -> pd.DataFrame:
        """Which open hazards block which settlement: those within ``radius_m`` (default: the
        setting ``settlement_radius_m``). Columns: settlement_id, hazard_id, distance_m."""
        radius = float(settings.get("settlement_radius_m")) if radius_m is None else radius_m
        hz = self.layer("hazards")
        open_ = hz["status"].isin(OPEN_STATUSES).to_numpy(dtype=bool)
        return hazards_near(self.metric("settlements"), self.metric("hazards")[open_], radius)


def hazards_near(
    settlements: gpd.GeoDataFrame, hazards: gpd.GeoDataFrame, radius_m: float
) -> pd.DataFrame:
    """Pairs (settlement, hazard) closer than ``radius_m`` (metric frames), nearest first per
    settlement. Columns: settlement_id, hazard_id, distance_m."""
    cols = ["settlement_id", "hazard_id", "distance_m"]
    if not len(settlements) or not len(hazards):
        return pd.DataFrame(columns=cols)
    sg = np.asarray(settlements.geometry.values, dtype=object)
    hg = np.asarray(hazards.geometry.values, dtype=object)
    si, hi = shapely.STRtree(hg).query(sg, predicate="dwithin", distance=radius_m)
    out = pd.DataFrame(
        {
            "settlement_id": settlements["settlement_id"].to_numpy()[si],
            "hazard_id": hazards["hazard_id"].to_numpy()[hi],
            "distance_m": shapely.distance(sg[si], hg[hi]),
        },
        columns=cols,
    )
    return out.sort_values(["settlement_id", "distance_m"], kind="stable").reset_index(drop=True)
