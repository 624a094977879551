"""Dashboard figures (aggregates only, no personal data): JSON for the page's charts, PNG for reports.

The page and every chart take the same :class:`Filters` (district, period, organisation;
query parameters ``district``, ``from``, ``to``, ``organisation``), applied on the server to
the records before any figure is made (:func:`filtered`), and :func:`headline` gives the
figures at the top of the page from the same filtered charts. A time axis is in months, then
quarters, then years as the span grows (:func:`time_axis`), so that no axis has more than
about two dozen bars.

Each chart is built from the records (:func:`landrelease.reports.data.load_records`,
so its figures reconcile with the reports) and the latest plan, as a
:class:`ChartData`: category labels (months, years, quarters, device types),
series of values with their colours, and notes that say what the figures
leave out. The page draws it with Chart.js (``static/dashboard.js``) from
``/api/dashboard/{chart}``; :func:`landrelease.web.api.chart_images.chart_png`
draws the same data with matplotlib for reports.

* ``released_by_month`` — area released [ha] per month (quarter, year) by method, from the
  land-release ledger (approved activities only);
* ``devices_by_type`` — devices found by type and whether they were
  destroyed (findings of approved activities, or of no activity);
* ``casualties_by_activity`` — people killed or injured per year by what they
  were doing (incidents);
* ``funding_by_source`` — USD received (funding) and spent (expenditures) per
  year by source, each source in a colour of its own (:func:`source_colours`);
* ``returns_against_plan`` — people able to return over time, a running total per quarter
  (year) as lines: what the latest plan makes ready (to its horizon), the latest forecast's
  P50 with its P10–P90 band, and the settlements whose every hazard within
  ``settlement_radius_m`` has closed (so far).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Annotated, Any
from urllib.parse import urlencode

import geopandas as gpd
import numpy as np
import pandas as pd
from fastapi import Depends, Query

from landrelease.analytics.casualties import ACTIVITY_LABELS
from landrelease.domain import vocab
from landrelease.domain.dates import day_problem
from landrelease.records import RELEASE_METHODS
from landrelease.reports.data import (
    Records,
    hazard_closed_on,
    load_records,
    radius_m,
    settlement_hazards,
    sources_order,
)
from landrelease.reports.sections import casualties, plural
from landrelease.store import Workspace, WorkspaceView
from landrelease.web.cache import LayerCache
from landrelease.web.context import WebDep
from landrelease.web.errors import BadRequest, NotFound
from landrelease.web.plans import PlanRun, latest_plan_run, readiness_rows

M2_PER_HA = 10_000
NOT_RECORDED = "not recorded"

METHOD_COLOURS = {"cancelled": "#5e9ed6", "reduced": "#fdb863", "cleared": "#1a9850"}
METHOD_LABELS = {
    "cancelled": "cancelled (non-technical survey)",
    "reduced": "reduced (technical survey)",
    "cleared": "cleared",
}
DEVICE_SERIES = (
    ("destroyed", "destroyed", "#b2182b"),
    ("not_recorded", "destruction not recorded", "#f4a582"),
    ("not_destroyed", "found, not destroyed", "#4393c3"),
)
ACTIVITY_COLOURS = {
    "agriculture": "#1b9e77",
    "unauthorised_travel": "#d95f02",
    "infrastructure_work": "#7570b3",
    "official_duty": "#e7298a",
    "demining": "#66a61e",
    "other": "#e6ab02",
    NOT_RECORDED: "#a6761d",
}
SOURCE_PALETTE = (
    "#0067a5",
    "#be0032",
    "#008856",
    "#f38400",
    "#875692",
    "#882d17",
    "#8db600",
    "#e68fac",
    "#604e97",
    "#f3c300",
    "#2b3d26",
    "#a1caf1",
    "#b3446c",
    "#654522",
    "#c2b280",
    "#e25822",
    "#848482",
    "#f99379",
    "#dcd300",
    "#1a1a1a",
)
"""Twenty colours of maximum contrast (Kenneth Kelly's sequence, white left out, black last):
one per funding source, received in the colour, spent in its lighter tint."""
SPENT_TINT = 0.45
"""How far a source's spent bar is mixed towards white from its received bar."""
RETURN_COLOURS = {
    "planned": "#2b8cbe",
    "forecast_p50": "#f16913",
    "forecast_band": "#fdae6b",
    "enabled": "#1a9850",
}
MOST_BARS = {"M": 24, "Q": 16}
"""A time axis is in months while the span holds at most 24 of them, then in quarters while
it holds at most 16, else in years."""
AXIS_WORDS = {"M": "month", "Q": "quarter", "Y": "year"}


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: Sequence[float | None]
    """One per label; ``None`` (a line only): no value there, the line stops."""
    colour: str
    stack: str | None = None
    """Series with the same stack are stacked on one bar; ``None``: a bar of its own."""
    kind: str = "bar"
    """``bar`` or ``line``."""
    fill_to: str | None = None
    """A line's band: the area between it and the line of this key is shaded in its colour."""
    band: str | None = None
    """The band's name in the legend (which names neither of its two edges)."""


@dataclass(frozen=True)
class ChartData:
    name: str
    title: str
    unit: str
    x_label: str
    labels: list[str]
    series: list[Series]
    notes: list[str] = field(default_factory=list)
    query: str = ""
    """The filters' query string (``?district=…``; empty without filters) of the links."""
    cumulative: bool = False
    """Each value is the running total up to its label: a series' total is its last value and
    the table has no total row."""

    @property
    def empty(self) -> bool:
        return not self.labels or not any(any(v for v in s.values) for s in self.series)

    @property
    def wide(self) -> bool:
        """Drawn across the page's width: an axis of more than two dozen points (decades of
        years) that half a screen would crowd."""
        return len(self.labels) > MOST_BARS["M"]

    def table(self) -> pd.DataFrame:
        """Rows are the labels, columns the series (by label)."""
        return pd.DataFrame(
            {s.label: s.values for s in self.series}, index=pd.Index(self.labels, name=self.x_label)
        )

    def fmt(self, v: float | None) -> str:
        """A value as the table shows it: ha with 2 decimals, USD and counts whole; no value:
        an en dash."""
        if v is None:
            return "–"
        return f"{v:,.2f}" if self.unit == "ha" else f"{v:,.0f}"

    def rows(self) -> list[tuple[str, list[str]]]:
        """The table below the chart, formatted: one row per label, then the totals (not for
        a cumulative chart: its last row is the total)."""
        out = [
            (label, [self.fmt(s.values[i]) for s in self.series])
            for i, label in enumerate(self.labels)
        ]
        if len(self.labels) > 1 and not self.cumulative:
            out.append(("total", [self.fmt(_total(s.values, False)) for s in self.series]))
        return out

    def total(self, key: str) -> float:
        """One series' total (0 when the chart has no such series): the sum of its values, or
        of a cumulative chart its last value."""
        return float(sum(_total(s.values, self.cumulative) for s in self.series if s.key == key))

    def as_json(self) -> dict[str, Any]:
        return {
            "chart": self.name,
            "title": self.title,
            "unit": self.unit,
            "x_label": self.x_label,
            "labels": self.labels,
            "series": [
                {
                    "key": s.key,
                    "label": s.label,
                    "values": s.values,
                    "colour": s.colour,
                    "stack": s.stack,
                    "kind": s.kind,
                    "fill_to": s.fill_to,
                    "band": s.band,
                }
                for s in self.series
            ],
            "cumulative": self.cumulative,
            "notes": self.notes,
            "png": f"/dashboard/{self.name}.png{self.query}",
        }


def _total(values: Sequence[float | None], cumulative: bool) -> float:
    """The sum of the values, or (cumulative) the last one given; 0 without any."""
    given = [v for v in values if v is not None]
    if cumulative:
        return float(given[-1]) if given else 0.0
    return float(sum(given))


# -- filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the page and every chart are restricted to; ``None``: no restriction."""

    district: str | None = None
    start: str | None = None
    """First day counted, YYYY-MM-DD (query parameter ``from``)."""
    end: str | None = None
    """Last day counted, YYYY-MM-DD (query parameter ``to``)."""
    organisation: str | None = None

    @property
    def active(self) -> bool:
        return any((self.district, self.start, self.end, self.organisation))

    @property
    def query(self) -> str:
        """``?district=…&from=…`` for the links and the charts' JSON; empty without filters."""
        pairs = [
            (k, v)
            for k, v in (
                ("district", self.district),
                ("from", self.start),
                ("to", self.end),
                ("organisation", self.organisation),
            )
            if v
        ]
        return "?" + urlencode(pairs) if pairs else ""

    @property
    def period(self) -> str:
        if self.start and self.end:
            return f"{self.start} to {self.end}"
        if self.start:
            return f"from {self.start}"
        if self.end:
            return f"up to {self.end}"
        return "every date recorded"

    def describe(self) -> str:
        """The filters in words, as the page's headline says them."""
        return (
            f"{self.district or 'all districts'} · {self.organisation or 'all organisations'}"
            f" · {self.period}"
        )

    def within(self, dates: pd.Series) -> np.ndarray:
        """Which ``dates`` (text or dates) fall in the period; undated rows only without one."""
        d = pd.Series(dates.astype(object).to_numpy(), dtype="string").str[:10]
        keep = np.ones(len(d), dtype=bool)
        if self.start:
            keep &= (d >= self.start).fillna(False).to_numpy(dtype=bool)
        if self.end:
            keep &= (d <= self.end).fillna(False).to_numpy(dtype=bool)
        return keep


@dataclass(frozen=True)
class Choices:
    """What the filters accept: the districts and organisations the records name."""

    districts: list[str]
    organisations: list[str]


def choices(inp: Inputs) -> Choices:
    rec = inp.records
    districts = pd.concat([rec.hazards["district"], rec.settlements["district"]]).dropna()
    organisations = pd.concat(
        [rec.activities["organisation"], rec.expenditures.get("organisation", pd.Series())]
    ).dropna()
    return Choices(
        sorted({str(d) for d in districts if str(d)}),
        sorted({str(o) for o in organisations if str(o)}),
    )


def _day(name: str, value: str) -> str:
    if problem := day_problem(value):
        raise BadRequest(f"{name}={problem}")
    return value.strip()


def parse_filters(
    known: Choices,
    *,
    district: str | None = None,
    start: str | None = None,
    end: str | None = None,
    organisation: str | None = None,
) -> Filters:
    """The query parameters as :class:`Filters`; an unknown district or organisation, a date
    that is not YYYY-MM-DD or a period that ends before it starts is refused (400) with what
    is accepted. Empty values mean no restriction."""
    district, organisation = (district or "").strip() or None, (organisation or "").strip() or None
    problems = []
    if district is not None and district not in known.districts:
        problems.append(
            f"district={district!r} is not a district of the records "
            f"(accepted: {', '.join(known.districts) or 'none recorded'})"
        )
    if organisation is not None and organisation not in known.organisations:
        problems.append(
            f"organisation={organisation!r} is not an organisation of the records "
            f"(accepted: {', '.join(known.organisations) or 'none recorded'})"
        )
    first = _day("from", start.strip()) if start and start.strip() else None
    last = _day("to", end.strip()) if end and end.strip() else None
    if first and last and last < first:
        problems.append(f"the period ends (to={last}) before it starts (from={first})")
    if problems:
        raise BadRequest("; ".join(problems))
    return Filters(district, first, last, organisation)


# -- what the charts are made of -----------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What the charts are made from: the records and the latest plan and forecast."""

    records: Records
    plan: PlanRun | None
    forecast: PlanRun | None
    readiness: pd.DataFrame
    finding_districts: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    """The district of each finding (same index): its activity's hazard's, else the hazard it
    lies in; NaN when neither is known."""
    incident_districts: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    """The district of each incident (same index): the hazard it lies in, else its nearest
    settlement's; NaN when neither is known."""
    settlement_pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Every (settlement, hazard) within ``settlement_radius_m`` and when the hazard closed
    (``closed_on``; NaN: open): what 'people able to return' is counted from."""
    filters: Filters = Filters()


def _settlement_pairs(rec: Records) -> pd.DataFrame:
    pairs = settlement_hazards(rec, radius_m())
    return pairs.assign(closed_on=pairs["hazard_id"].map(hazard_closed_on(rec)))


def _district_of_points(rec: Records, layer: str, *, nearest_settlement: bool) -> pd.Series:
    """The district of the hazard each point of ``layer`` lies in; else, when asked, of the
    nearest settlement that names one."""
    view = rec.view
    points = view.metric(layer)
    out = pd.Series(np.nan, index=points.index, dtype=object)
    if not len(points):
        return out
    hazards = view.metric("hazards")[["district", "geometry"]]
    hazards = hazards[hazards["district"].notna()]
    if len(hazards):
        hit = gpd.sjoin(points[["geometry"]], hazards, how="inner", predicate="within")
        hit = hit[~hit.index.duplicated(keep="first")]
        out.loc[hit.index] = hit["district"].astype(object)
    places = view.metric("settlements")[["district", "geometry"]]
    places = places[places["district"].notna()]
    missing = out.isna().to_numpy()
    if nearest_settlement and missing.any() and len(places):
        near = gpd.sjoin_nearest(points.loc[missing, ["geometry"]], places, how="inner")
        near = near[~near.index.duplicated(keep="first")]
        out.loc[near.index] = near["district"].astype(object)
    return out


def load_inputs(source: Workspace | WorkspaceView) -> Inputs:
    """The records, the latest plan and forecast and their readiness, from one read model;
    and the district of each finding and incident, for the district filter."""
    view = WorkspaceView.of(source)
    rec = load_records(view.ws)
    finding_districts = _district_of_points(rec, "findings", nearest_settlement=False)
    if len(rec.findings) and len(rec.activities):
        by_activity = rec.findings["activity_id"].map(
            rec.activities.set_index("activity_id")["hazard_id"].map(
                rec.hazards.set_index("hazard_id")["district"]
            )
        )
        finding_districts = by_activity.astype(object).where(
            by_activity.notna(), finding_districts.reindex(rec.findings.index)
        )
    return Inputs(
        records=rec,
        plan=latest_plan_run(view, "plan"),
        forecast=latest_plan_run(view, "forecast"),
        readiness=readiness_rows(view),
        finding_districts=finding_districts.reindex(rec.findings.index),
        incident_districts=_district_of_points(rec, "incidents", nearest_settlement=True).reindex(
            rec.incidents.index
        ),
        settlement_pairs=_settlement_pairs(rec),
    )


def filtered(inp: Inputs, f: Filters) -> Inputs:
    """The inputs restricted to the filters, before any chart is made.

    * ledger lines: released in the period, on a hazard of the district, by an activity of
      the organisation;
    * findings: dated in the period, in the district (:attr:`Inputs.finding_districts`),
      of an activity of the organisation (findings without an activity are left out then);
    * incidents: dated in the period, in the district; the organisation does not apply;
    * funding: received in the period (national: neither district nor organisation apply);
      expenditures: spent in the period, by the organisation;
    * settlements and their readiness: of the district (their hazards wherever they lie).
    """
    if not f.active:
        return inp
    rec = inp.records
    acts = rec.activities.drop_duplicates("activity_id").set_index("activity_id")
    district_of_hazard = rec.hazards.drop_duplicates("hazard_id").set_index("hazard_id")["district"]

    def org_of(activity_ids: pd.Series) -> pd.Series:
        return activity_ids.map(acts["organisation"]) if len(acts) else activity_ids.map({})

    led = rec.ledger
    keep = f.within(led["released_on"])
    if f.district:
        keep &= (led["hazard_id"].map(district_of_hazard) == f.district).to_numpy(dtype=bool)
    if f.organisation:
        keep &= (org_of(led["activity_id"]) == f.organisation).to_numpy(dtype=bool)
    ledger = led[keep]

    fd = rec.findings
    keep = f.within(fd["date"])
    if f.district:
        keep &= (inp.finding_districts == f.district).to_numpy(dtype=bool)
    if f.organisation:
        keep &= (org_of(fd["activity_id"]) == f.organisation).to_numpy(dtype=bool)
    findings = fd[keep]

    inc = rec.incidents
    keep = f.within(inc["date"])
    if f.district:
        keep &= (inp.incident_districts == f.district).to_numpy(dtype=bool)
    incidents = inc[keep]

    spent = rec.expenditures
    keep = f.within(spent["date"])
    if f.organisation:
        keep &= (spent["organisation"].astype(object) == f.organisation).to_numpy(dtype=bool)
    places = rec.settlements
    if f.district:
        places = places[(places["district"].astype(object) == f.district).to_numpy(dtype=bool)]
    readiness = inp.readiness
    if f.district and len(readiness):
        ids = set(places["settlement_id"].astype(str))
        readiness = readiness[readiness["settlement_id"].astype(str).isin(ids).to_numpy()]
    records = replace(
        rec,
        ledger=ledger,
        findings=findings,
        incidents=incidents,
        funding=rec.funding[f.within(rec.funding["date"])],
        expenditures=spent[keep],
        settlements=places,
    )
    return replace(
        inp,
        records=records,
        readiness=readiness,
        finding_districts=inp.finding_districts[findings.index],
        incident_districts=inp.incident_districts[incidents.index],
        filters=f,
    )


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    unit: str
    build: Callable[[Inputs], ChartData]


# -- helpers -------------------------------------------------------------------------------------


def _label(day: str, freq: str) -> str:
    """The label of the month (YYYY-MM), quarter (YYYY Qn) or year (YYYY) of a date."""
    if freq == "M":
        return day[:7]
    if freq == "Q":
        return f"{day[:4]} Q{(int(day[5:7]) - 1) // 3 + 1}"
    return day[:4]


def _dated(v: Any) -> str | None:
    """A date (or YYYY-MM) as YYYY-MM-DD text; ``None`` when empty or unknown."""
    if v is None or v != v:
        return None
    text = str(v)[:10]
    if len(text) == 7:
        text += "-01"
    if len(text) < 10 or not text[:4].isdigit() or text[:4] == "0000" or not text[5:7].isdigit():
        return None
    return text


@dataclass(frozen=True)
class TimeAxis:
    freq: str
    """``M``, ``Q`` or ``Y``."""
    labels: list[str]

    @property
    def word(self) -> str:
        return AXIS_WORDS[self.freq]

    def of(self, day: str) -> str:
        return _label(day, self.freq)


def time_axis(dates: Iterable[Any], f: Filters, *, finest: str = "M") -> TimeAxis:
    """Every month, quarter or year from the first date to the last (the filter's period where
    it sets one), no gaps: months while at most ``MOST_BARS['M']`` of them, then quarters
    while at most ``MOST_BARS['Q']``, else years; never finer than ``finest``."""
    days = sorted(d for d in (_dated(v) for v in dates) if d is not None)
    first = f.start or (days[0] if days else None)
    last = f.end or (days[-1] if days else None)
    if first is None or last is None or not days:
        return TimeAxis(finest, [])
    ladder = ["M", "Q", "Y"][["M", "Q", "Y"].index(finest) :]
    for freq in ladder:
        rng = pd.period_range(pd.Period(first[:10], freq=freq), pd.Period(last[:10], freq=freq))
        if freq == "Y" or len(rng) <= MOST_BARS[freq]:
            labels = [_label(p.start_time.strftime("%Y-%m-%d"), freq) for p in rng]
            return TimeAxis(freq, labels)
    raise AssertionError("unreachable: years always fit")


def _yearly(f: Filters) -> str:
    """The finest step of a yearly chart (casualties, money): months when the filters choose a
    period of two years or less (then quarters, years as :func:`time_axis` coarsens), else
    years."""
    if (
        f.start
        and f.end
        and (dt.date.fromisoformat(f.end) - dt.date.fromisoformat(f.start)).days <= 731
    ):
        return "M"
    return "Y"


def _round(values: Any, digits: int) -> list[float]:
    return [round(float(v), digits) for v in values]


def _approved_findings(rec: Records) -> tuple[pd.DataFrame, int]:
    """Findings counted (their activity approved, or no activity) and how many wait for approval."""
    f = rec.findings
    status = (
        rec.activities.set_index("activity_id")["status"] if len(rec.activities) else pd.Series()
    )
    counted = (f["activity_id"].isna() | (f["activity_id"].map(status) == "approved")).to_numpy(
        dtype=bool
    )
    return f[counted], int((~counted).sum())


def _tint(colour: str, share: float) -> str:
    """``colour`` (#rrggbb) mixed with white by ``share``."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in rgb)


def source_colours(sources: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Per funding source, in the order :func:`sources_order` gives for every source the
    records name (whatever the filters keep, so a source keeps its colour): (received, spent),
    from :data:`SOURCE_PALETTE`, distinct for up to its length of sources."""
    order = sources_order(pd.Series(list(sources), dtype=object))
    return {
        s: (
            SOURCE_PALETTE[i % len(SOURCE_PALETTE)],
            _tint(SOURCE_PALETTE[i % len(SOURCE_PALETTE)], SPENT_TINT),
        )
        for i, s in enumerate(order)
    }


def _not_applying(inp: Inputs, what: str, *, district: bool, organisation: bool) -> list[str]:
    """Notes saying which chosen filters do not apply to ``what``."""
    f = inp.filters
    out = []
    if district and f.district:
        out.append(f"The district filter does not apply to {what}.")
    if organisation and f.organisation:
        out.append(f"The organisation filter does not apply to {what}.")
    return out


# -- the charts ----------------------------------------------------------------------------------


def released_by_month(inp: Inputs) -> ChartData:
    """Area released [ha] per month (quarter, year) and method, from the land-release ledger."""
    led = inp.records.ledger
    axis = time_axis(led["released_on"], inp.filters)
    key = led["released_on"].map(lambda v: axis.of(_dated(v) or "0000-00-00"))
    series = []
    for m in RELEASE_METHODS:
        mine = (led["method"] == m).to_numpy(dtype=bool)
        sums = (
            (led["area_m2"][mine] / M2_PER_HA).groupby(key[mine]).sum()
            if len(led)
            else pd.Series(dtype=float)
        )
        series.append(
            Series(
                m,
                METHOD_LABELS[m],
                _round([sums.get(x, 0.0) for x in axis.labels], 4),
                METHOD_COLOURS[m],
                stack="released",
            )
        )
    total = sum(_total(s.values, False) for s in series)
    notes = [
        f"{total:,.2f} ha released in all, from the land-release ledger (approved activities only)."
        if len(led)
        else "Nothing released yet: the ledger fills as activities are approved."
        if not inp.filters.active
        else "Nothing released under these filters."
    ]
    return ChartData(
        "released_by_month",
        f"Area released per {axis.word} by method",
        "ha",
        axis.word,
        axis.labels,
        series,
        notes,
    )


def devices_by_type(inp: Inputs) -> ChartData:
    """Devices found by type, split by what the findings say of their destruction."""
    found, waiting = _approved_findings(inp.records)
    flag = found["destroyed"].map(
        lambda v: "not_recorded" if v is None or v != v else ("destroyed" if v else "not_destroyed")
    )
    present = set(found["device"].dropna().astype(str))
    labels = [d for d in vocab.DEVICES if d in present] + sorted(present - set(vocab.DEVICES))
    series = []
    for key, label, colour in DEVICE_SERIES:
        counts = found["device"][(flag == key).to_numpy(dtype=bool)].astype(str).value_counts()
        series.append(
            Series(key, label, [int(counts.get(d, 0)) for d in labels], colour, stack="devices")
        )
    notes = ["Findings of approved activities, or recorded without an activity."]
    if inp.filters.district:
        notes.append("A finding's district: its activity's hazard's, else the hazard it lies in.")
    if inp.filters.organisation:
        notes.append("Only findings of the organisation's activities.")
    if waiting:
        notes.append(f"{waiting} findings of activities not yet approved are left out.")
    undecided = int(_total(series[1].values, False))
    if undecided:
        notes.append(
            f"{undecided} findings do not say whether the device was destroyed "
            "(reports count them as destroyed)."
        )
    return ChartData(
        "devices_by_type",
        "Devices destroyed by type",
        "devices",
        "device type",
        labels,
        series,
        notes,
    )


def _casualty_frame(inc: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "date": inc["date"].map(lambda v: _dated(v) or "0000-00-00").to_numpy(dtype=object),
            "activity": inc["activity"].astype(object).where(inc["activity"].notna(), NOT_RECORDED),
            "killed": pd.to_numeric(inc["killed"], errors="coerce").fillna(0).to_numpy(),
            "injured": pd.to_numeric(inc["injured"], errors="coerce").fillna(0).to_numpy(),
        }
    )
    frame["people"] = frame["killed"] + frame["injured"]
    return frame


def casualties_by_activity(inp: Inputs) -> ChartData:
    """People killed or injured per year (per month in a chosen period of two years or less)
    by what they were doing."""
    frame = _casualty_frame(inp.records.incidents)
    axis = time_axis(frame["date"], inp.filters, finest=_yearly(inp.filters))
    frame["when"] = frame["date"].map(axis.of)
    present = set(frame["activity"])
    order = [a for a in (*vocab.INCIDENT_ACTIVITIES, NOT_RECORDED) if a in present]
    order += sorted(present - set(order))
    pivot = (
        frame.pivot_table(
            index="when", columns="activity", values="people", aggfunc="sum", fill_value=0
        )
        if len(frame)
        else pd.DataFrame()
    )
    series = [
        Series(
            a,
            ACTIVITY_LABELS.get(a, a),
            [int(pivot[a].get(y, 0)) for y in axis.labels],
            ACTIVITY_COLOURS.get(a, "#666666"),
            stack="people",
        )
        for a in order
    ]
    killed, injured = int(frame["killed"].sum()), int(frame["injured"].sum())
    notes = _not_applying(inp, "incidents", district=False, organisation=True)
    notes.append(
        f"{plural(len(frame), 'incident', 'incidents')}: {casualties(killed, injured)}."
        if len(frame)
        else "No incidents recorded."
    )
    if inp.filters.district:
        notes.append(
            "An incident's district: the hazard it lies in, else its nearest settlement's."
        )
    return ChartData(
        "casualties_by_activity",
        f"Casualties (killed + injured) per {axis.word} by activity",
        "people",
        axis.word,
        axis.labels,
        series,
        notes,
    )


def funding_by_source(inp: Inputs) -> ChartData:
    """USD received (funding) and spent (expenditures) per year (per month in a chosen period
    of two years or less) and source."""
    rec = inp.records
    f, e = rec.funding, rec.expenditures
    axis = time_axis(
        pd.concat([f["date"], e["date"]]).astype(object),
        inp.filters,
        finest=_yearly(inp.filters),
    )
    sources = pd.concat([f["source"], e["source"]]).astype(object)
    order = sources_order(sources)
    colours = _source_colours_of(inp)

    def sums(frame: pd.DataFrame) -> pd.Series:
        if not len(frame):
            return pd.Series(dtype=float)
        keyed = pd.DataFrame(
            {
                "when": frame["date"]
                .map(lambda v: axis.of(_dated(v) or "0000-00-00"))
                .to_numpy(dtype=object),
                "source": frame["source"].astype(str).to_numpy(dtype=object),
                "usd": pd.to_numeric(frame["amount_usd"], errors="coerce").fillna(0.0).to_numpy(),
            }
        )
        return keyed.groupby(["when", "source"])["usd"].sum()

    got, spent = sums(f), sums(e)
    series = []
    for what, table, shade in (("received", got, 0), ("spent", spent, 1)):
        for s in order:
            values = _round([table.get((y, s), 0.0) for y in axis.labels], 2)
            if any(values):
                series.append(
                    Series(f"{what}:{s}", f"{what}: {s}", values, colours[s][shade], stack=what)
                )
    notes = _not_applying(inp, "funding and spending (national)", district=True, organisation=False)
    if inp.filters.organisation:
        notes.append(
            "The organisation filter applies to spending (expenditures name who spent) and not "
            "to funding received."
        )
    notes += [
        f"Received (funding): {float(got.sum()) if len(got) else 0.0:,.0f} USD; "
        f"spent (expenditures): {float(spent.sum()) if len(spent) else 0.0:,.0f} USD.",
        f"Left bar of each {axis.word}: received; right bar: spent (the lighter tint of the "
        "source's colour).",
    ]
    if len(colours) > len(SOURCE_PALETTE):
        notes.append(
            f"{len(colours)} sources for {len(SOURCE_PALETTE)} colours: colours repeat after "
            f"the {len(SOURCE_PALETTE)}th source; the table names each."
        )
    return ChartData(
        "funding_by_source",
        f"Funding received and spent per {axis.word} by source",
        "USD",
        axis.word,
        axis.labels,
        series,
        notes,
    )


def _source_colours_of(inp: Inputs) -> dict[str, tuple[str, str]]:
    """The colours of every source the unfiltered records name (kept by the read model)."""
    every = inp.records.view.layer("funding")["source"]
    spent = inp.records.view.table("expenditures")
    names = pd.concat([every, spent["source"] if len(spent) else pd.Series(dtype=object)])
    return source_colours(names.dropna().astype(str))


def returns_enabled(inp: Inputs) -> tuple[list[tuple[str, int]], list[str]]:
    """People planned to return to settlements whose every hazard within ``settlement_radius_m``
    has closed, with the day the last one closed (one pair per settlement of the filtered
    records' settlements); and notes on what is left out."""
    rec = inp.records
    pairs = inp.settlement_pairs
    notes: list[str] = []
    if not len(pairs):
        return [], notes
    mine = set(rec.settlements["settlement_id"].astype(str))
    pairs = pairs[pairs["settlement_id"].astype(str).isin(mine).to_numpy()]
    g = pairs.groupby("settlement_id")["closed_on"]
    done = g.apply(lambda v: v.max() if v.notna().all() else None).dropna()
    people = pd.to_numeric(
        rec.settlements.set_index("settlement_id")["population_planned"], errors="coerce"
    ).fillna(0)
    out: list[tuple[str, int]] = []
    unknown = 0
    for sid, last in done.items():
        day = _dated(last)
        if day is None:
            unknown += int(people.get(sid, 0))
            continue
        out.append((day, int(people.get(sid, 0))))
    if unknown:
        notes.append(f"{unknown:,} people's settlements were cleared at a date not recorded.")
    return out, notes


def _month_day(value: Any, *, last: bool) -> str | None:
    """The first (or last) day of a YYYY-MM (or a date's month) as YYYY-MM-DD text."""
    day = _dated(value)
    if day is None:
        return None
    if not last:
        return day[:8] + "01"
    return pd.Period(day[:7], freq="M").end_time.strftime("%Y-%m-%d")


def _running(
    axis: TimeAxis, pairs: list[tuple[str, int]], first: str | None, last: str | None
) -> list[float | None]:
    """People counted by the end of each label (dates in ``pairs``), from the label of
    ``first`` to that of ``last`` (``None``: from the axis's start, to its end); no value
    outside, so that each line covers only what it speaks of."""
    sums: dict[str, int] = {}
    for d, n in pairs:
        sums[axis.of(d)] = sums.get(axis.of(d), 0) + n
    lo = axis.of(first) if first else None
    hi = axis.of(last) if last else None
    out: list[float | None] = []
    total = 0
    for label in axis.labels:
        total += sums.get(label, 0)
        inside = (lo is None or label >= lo) and (hi is None or label <= hi)
        out.append(float(total) if inside else None)
    return out


def returns_against_plan(inp: Inputs) -> ChartData:
    """People able to return over time, a running total per quarter (year): made ready by the
    latest plan, by the latest forecast (P50, with its P10–P90 band) and enabled so far."""
    f = inp.filters
    enabled, notes = returns_enabled(inp)
    planned: list[tuple[str, int]] = []
    dates: dict[str, list[tuple[str, int]]] = {"p10": [], "p50": [], "p90": []}
    r = inp.readiness
    ready_now = 0
    if len(r):
        people = pd.to_numeric(r["population_planned"], errors="coerce").fillna(0).astype(int)
        for row, n in zip(r.to_dict("records"), people, strict=True):
            if row["status"] == "ready now":
                ready_now += int(n)
                continue
            day = _dated(row["plan_date"]) if inp.plan is not None else None
            if day is not None:
                planned.append((day, int(n)))
            for q, kept in dates.items():
                day = _dated(row[q]) if inp.forecast is not None else None
                if day is not None:
                    kept.append((day, int(n)))

    def inside(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
        return [
            (d, n) for d, n in pairs if (not f.start or d >= f.start) and (not f.end or d <= f.end)
        ]

    planned, enabled = inside(planned), inside(enabled)
    dates = {q: inside(v) for q, v in dates.items()}
    # where each line starts and ends: the plan from its first month to its horizon, the
    # forecast from its first month, 'enabled' up to the last closure or the plan's start
    plan_params = inp.plan.parameters if inp.plan is not None else {}
    fc_params = inp.forecast.parameters if inp.forecast is not None else {}
    plan_from = _month_day(plan_params.get("start"), last=False)
    plan_to = _month_day(plan_params.get("horizon"), last=True)
    fc_from = _month_day(fc_params.get("start"), last=False)
    now = min((d for d in (plan_from, fc_from) if d), default=None)
    before_now = (dt.date.fromisoformat(now) - dt.timedelta(days=1)).isoformat() if now else None
    enabled_to = max([d for d, _ in enabled] + ([before_now] if before_now else []), default=None)
    ends = [d for d in (plan_from, plan_to, fc_from) if d]
    axis = time_axis(
        [d for d, _ in planned + enabled + [p for v in dates.values() for p in v]]
        + [d for d, _ in inside([(d, 0) for d in ends])],
        f,
        finest="Q",
    )

    def line(
        key: str, label: str, points: list[Any], start: str | None, end: str | None, **kw: Any
    ) -> Series:
        colour = RETURN_COLOURS["forecast_band" if key in ("forecast_p10", "forecast_p90") else key]
        return Series(key, label, _running(axis, points, start, end), colour, kind="line", **kw)

    # what has been done, then the plan, then the forecast (the page draws the first on top)
    series = [
        line(
            "enabled",
            f"enabled: every hazard within {radius_m():g} m closed",
            enabled,
            None,
            enabled_to,
        )
    ]
    if inp.plan is not None:
        series.append(
            line(
                "planned",
                f"planned: made ready by the plan of {inp.plan.made_on} (run {inp.plan.run_id})",
                planned,
                plan_from,
                plan_to,
            )
        )
    else:
        notes.insert(0, "No plan yet: run `landrelease plan`.")
    if inp.forecast is not None:
        scenario = inp.forecast.parameters.get("baseline") or "baseline"
        series.append(
            line(
                "forecast_p50",
                f"forecast P50 ({scenario}, {inp.forecast.made_on})",
                dates["p50"],
                fc_from,
                None,
            )
        )
        if dates["p10"] or dates["p90"]:
            series += [
                line("forecast_p10", "forecast P10 (early)", dates["p10"], fc_from, None),
                line(
                    "forecast_p90",
                    "forecast P90 (late)",
                    dates["p90"],
                    fc_from,
                    None,
                    fill_to="forecast_p10",
                    band="forecast P10–P90",
                ),
            ]
    else:
        notes.append("No forecast yet: run `landrelease forecast`.")
    totals = {s.key: int(_total(s.values, True)) for s in series}
    summary = f"{totals['enabled']:,} people able to return"
    summary += " in the period" if f.start or f.end else " so far"
    # each total says how far it reaches: a plan ends at its horizon, a forecast decades later
    horizon = plan_params.get("horizon")
    period = f.start or f.end
    reach = {
        "planned": "planned"
        + (" in the period" if period else f" by {horizon}" if horizon else ""),
        "forecast_p50": "by the forecast (P50)"
        + (" in the period" if period else "")
        + (f", the last in {max(d for d, _ in dates['p50'])[:4]}" if dates["p50"] else ""),
    }
    summary += "".join(f"; {totals[k]:,} {words}" for k, words in reach.items() if k in totals)
    at = 0 if inp.plan is not None else 1  # "No plan yet" stays first
    notes[at:at] = [
        *_not_applying(inp, "returns", district=False, organisation=True),
        summary + ".",
    ]
    if f.district:
        notes.append(
            f"Settlements of {f.district}; the hazards around them count wherever they lie."
        )
    notes.append(
        f"Each line is a running total: the people able to return by the end of each {axis.word}"
        + (" of the period" if f.start or f.end else "")
        + ". People = the settlements' people planned to return. The plan counts a settlement "
        f"ready when every open hazard within {radius_m():g} m of it (what blocks it) is "
        f"released, from the plan's first month to its horizon; the forecast from its first "
        "month, each settlement at its median (P50) date, the band between its early (P10) and "
        f"late (P90) dates; 'enabled' counts those whose every hazard within {radius_m():g} m "
        "has closed (ledger and hazard status), at the day the last one closed."
    )
    if ready_now:
        notes.append(f"{ready_now:,} people's settlements had nothing blocking them in the plan.")
    return ChartData(
        "returns_against_plan",
        f"People able to return, running total by {axis.word}, against the plan",
        "people",
        axis.word,
        axis.labels,
        series,
        notes,
        cumulative=True,
    )


CHARTS: dict[str, Chart] = {
    c.name: c
    for c in (
        Chart("released_by_month", "Area released by method", "ha", released_by_month),
        Chart("devices_by_type", "Devices destroyed by type", "devices", devices_by_type),
        Chart(
            "casualties_by_activity",
            "Casualties (killed + injured) by activity",
            "people",
            casualties_by_activity,
        ),
        Chart(
            "funding_by_source",
            "Funding received and spent by source",
            "USD",
            funding_by_source,
        ),
        Chart(
            "returns_against_plan",
            "People able to return, against the plan",
            "people",
            returns_against_plan,
        ),
    )
}


def chart_of(name: str) -> Chart:
    chart = CHARTS.get(name)
    if chart is None:
        raise NotFound(f"no chart {name!r} (charts: {', '.join(CHARTS)})")
    return chart


def chart_data(
    source: Workspace | WorkspaceView, name: str, filters: Filters = Filters()
) -> ChartData:
    """One chart's data, read from the workspace."""
    return _built(chart_of(name), filtered(load_inputs(source), filters))


def _built(chart: Chart, inp: Inputs) -> ChartData:
    return replace(chart.build(inp), query=inp.filters.query)


def cached_inputs(ws: Workspace, cache: LayerCache) -> Inputs:
    """The unfiltered inputs, once per change of the workspace and of the latest plan."""
    stamp = cache.planning_stamp()
    return cache.get(None, f"dashboard:inputs:{stamp}", lambda: load_inputs(ws))


FILTERED_KEPT = 16
"""Filtered views kept (the latest used), so that a page and its five charts' JSON filter once."""
_filtered: OrderedDict[Filters, tuple[Inputs, Inputs]] = OrderedDict()
_filtered_lock = threading.Lock()


def filtered_inputs(base: Inputs, filters: Filters) -> Inputs:
    """:func:`filtered`, kept for the last :data:`FILTERED_KEPT` filters while ``base`` (the
    cached unfiltered inputs) is the same object."""
    if not filters.active:
        return base
    with _filtered_lock:
        hit = _filtered.get(filters)
        if hit is not None and hit[0] is base:
            _filtered.move_to_end(filters)
            return hit[1]
    out = filtered(base, filters)
    with _filtered_lock:
        _filtered[filters] = (base, out)
        _filtered.move_to_end(filters)
        while len(_filtered) > FILTERED_KEPT:
            _filtered.popitem(last=False)
    return out


def cached_chart(
    ws: Workspace, cache: LayerCache, name: str, filters: Filters = Filters()
) -> ChartData:
    """One chart's data: once per change of the workspace and of the latest plan without
    filters; made for each filtered view from the filtered inputs (:func:`filtered_inputs`)."""
    chart = chart_of(name)
    if filters.active:
        return _built(chart, filtered_inputs(cached_inputs(ws, cache), filters))
    stamp = cache.planning_stamp()
    return cache.get(
        None, f"dashboard:{name}:{stamp}", lambda: _built(chart, cached_inputs(ws, cache))
    )


# -- the figures at the top ----------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The figures at the top of the page for the chosen filters, each the total of a chart's
    series (casualties: of the incidents the chart counts), so that they agree."""

    filters: Filters
    released_ha: dict[str, float]
    """Per release method (cancelled, reduced, cleared), ha (to 2 decimals)."""
    released_total_ha: float
    """Every method, ha: the sum before rounding, to 2 decimals (as the chart's note says)."""
    destroyed: dict[str, int]
    """Devices destroyed per type (approved findings that say so)."""
    destruction_not_recorded: int
    people_able_to_return: int
    """People of the settlements whose last hazard within the radius closed in the period."""
    killed: int
    injured: int
    incidents: int

    @property
    def destroyed_total(self) -> int:
        return sum(self.destroyed.values())

    @property
    def casualty_words(self) -> str:
        """'2 people killed and 1 injured', as every page and report says it."""
        return casualties(self.killed, self.injured)

    def as_json(self) -> dict[str, Any]:
        f = self.filters
        return {
            "filters": {
                "district": f.district,
                "from": f.start,
                "to": f.end,
                "organisation": f.organisation,
            },
            "released_ha": {**self.released_ha, "total": self.released_total_ha},
            "devices_destroyed": {**self.destroyed, "total": self.destroyed_total},
            "destruction_not_recorded": self.destruction_not_recorded,
            "people_able_to_return": self.people_able_to_return,
            "casualties": {
                "killed": self.killed,
                "injured": self.injured,
                "incidents": self.incidents,
            },
        }


def headline(charts: dict[str, ChartData], inp: Inputs) -> Headline:
    """The headline figures from the charts made for ``inp`` (filtered)."""
    released = charts["released_by_month"]
    devices = charts["devices_by_type"]
    destroyed = next(s for s in devices.series if s.key == "destroyed")
    cas = _casualty_frame(inp.records.incidents)
    return Headline(
        filters=inp.filters,
        released_ha={m: round(released.total(m), 2) for m in RELEASE_METHODS},
        released_total_ha=round(sum(released.total(m) for m in RELEASE_METHODS), 2),
        destroyed={d: int(n) for d, n in zip(devices.labels, destroyed.values, strict=True) if n},
        destruction_not_recorded=int(devices.total("not_recorded")),
        people_able_to_return=int(charts["returns_against_plan"].total("enabled")),
        killed=int(cas["killed"].sum()),
        injured=int(cas["injured"].sum()),
        incidents=len(cas),
    )


@dataclass(frozen=True)
class Dashboard:
    """Everything the page shows: the filters and what they accept, the headline, the charts."""

    filters: Filters
    choices: Choices
    headline: Headline
    charts: list[ChartData]


def dashboard(ws: Workspace, cache: LayerCache, filters: Filters = Filters()) -> Dashboard:
    """The page: unfiltered charts from the cache; filtered ones made from one filtering."""
    base = cached_inputs(ws, cache)
    inp = filtered_inputs(base, filters)
    charts = {
        name: _built(chart, inp) if filters.active else cached_chart(ws, cache, name)
        for name, chart in CHARTS.items()
    }
    return Dashboard(filters, choices(base), headline(charts, inp), list(charts.values()))


def filters_of(
    web: WebDep,
    district: Annotated[
        str | None, Query(description="only this district's records (hazards, settlements)")
    ] = None,
    start: Annotated[
        str | None, Query(alias="from", description="first day counted, YYYY-MM-DD")
    ] = None,
    end: Annotated[
        str | None, Query(alias="to", description="last day counted, YYYY-MM-DD")
    ] = None,
    organisation: Annotated[
        str | None, Query(description="only this organisation's activities and spending")
    ] = None,
) -> Filters:
    """The dashboard's filters from the query (a FastAPI dependency), checked against the
    districts and organisations of the records."""
    known = choices(cached_inputs(web.ws, web.cache))
    return parse_filters(known, district=district, start=start, end=end, organisation=organisation)


FiltersDep = Annotated[Filters, Depends(filters_of)]
