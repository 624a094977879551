"""Dashboard figures (aggregates only, no personal data): JSON for the page's charts, PNG for reports.

Each chart is built from the records (:func:`landrelease.reports.data.load_records`,
so its figures reconcile with the reports) and the latest plan, as a
:class:`ChartData`: category labels (months, years, quarters, device types),
series of values with their colours, and notes that say what the figures
leave out. The page draws it with Chart.js (``static/dashboard.js``) from
``/api/dashboard/{chart}``; :func:`landrelease.web.api.chart_images.chart_png`
draws the same data with matplotlib for reports.

* ``released_by_month`` — area released [ha] per month by method, from the
  land-release ledger (approved activities only);
* ``devices_by_type`` — devices found by type and whether they were
  destroyed (findings of approved activities, or of no activity);
* ``casualties_by_activity`` — people killed or injured per year by what they
  were doing (incidents);
* ``funding_by_source`` — USD received (funding) and spent (expenditures) per
  year by source;
* ``returns_against_plan`` — people able to return per quarter: what the
  latest plan makes ready, the latest forecast's P50, and the settlements whose
  every hazard within ``settlement_radius_m`` has closed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from landrelease.analytics.casualties import ACTIVITY_LABELS
from landrelease.domain import vocab
from landrelease.records import RELEASE_METHODS
from landrelease.reports.data import (
    Records,
    hazard_closed_on,
    load_records,
    radius_m,
    settlement_hazards,
    sources_order,
)
from landrelease.store import Workspace, WorkspaceView
from landrelease.web.cache import LayerCache
from landrelease.web.errors import NotFound
from landrelease.web.labels import quarter
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
SOURCE_COLOURS = (
    ("#1f78b4", "#a6cee3"),
    ("#33a02c", "#b2df8a"),
    ("#e31a1c", "#fb9a99"),
    ("#ff7f00", "#fdbf6f"),
    ("#6a3d9a", "#cab2d6"),
    ("#b15928", "#e5c494"),
)
"""Per source: (received, spent); more sources than pairs reuse them in turn."""
RETURN_COLOURS = {"planned": "#2b8cbe", "forecast_p50": "#f16913", "enabled": "#1a9850"}


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: list[float]
    colour: str
    stack: str | None = None
    """Series with the same stack are stacked on one bar; ``None``: a bar of its own."""
    kind: str = "bar"
    """``bar`` or ``line``."""


@dataclass(frozen=True)
class ChartData:
    name: str
    title: str
    unit: str
    x_label: str
    labels: list[str]
    series: list[Series]
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.labels or not any(any(v for v in s.values) for s in self.series)

    def table(self) -> pd.DataFrame:
        """Rows are the labels, columns the series (by label)."""
        return pd.DataFrame(
            {s.label: s.values for s in self.series}, index=pd.Index(self.labels, name=self.x_label)
        )

    def fmt(self, v: float) -> str:
        """A value as the table shows it: ha with 2 decimals, USD and counts whole."""
        return f"{v:,.2f}" if self.unit == "ha" else f"{v:,.0f}"

    def rows(self) -> list[tuple[str, list[str]]]:
        """The table below the chart, formatted: one row per label, then the totals."""
        out = [
            (label, [self.fmt(s.values[i]) for s in self.series])
            for i, label in enumerate(self.labels)
        ]
        if len(self.labels) > 1:
            out.append(("total", [self.fmt(sum(s.values)) for s in self.series]))
        return out

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
                }
                for s in self.series
            ],
            "notes": self.notes,
            "png": f"/dashboard/{self.name}.png",
        }


@dataclass(frozen=True)
class Inputs:
    """What the charts are made from: the records and the latest plan and forecast."""

    records: Records
    plan: PlanRun | None
    forecast: PlanRun | None
    readiness: pd.DataFrame


def load_inputs(source: Workspace | WorkspaceView) -> Inputs:
    """The records, the latest plan and forecast and their readiness, from one read model."""
    view = WorkspaceView.of(source)
    return Inputs(
        records=load_records(view.ws),
        plan=latest_plan_run(view, "plan"),
        forecast=latest_plan_run(view, "forecast"),
        readiness=readiness_rows(view),
    )


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    unit: str
    build: Callable[[Inputs], ChartData]


# -- helpers -------------------------------------------------------------------------------------


def _periods(values: Sequence[str], freq: str) -> list[str]:
    """Every period from the first to the last of ``values`` (``M``: YYYY-MM, ``Y``: YYYY,
    ``Q``: YYYY Qn), so that a time axis has no gaps."""
    if not len(values):
        return []
    if freq == "Q":
        ps = [pd.Period(f"{v[:4]}Q{v[-1]}", freq="Q") for v in values]
    else:
        ps = [pd.Period(v, freq=freq) for v in values]
    rng = pd.period_range(min(ps), max(ps), freq=freq)
    if freq == "Q":
        return [f"{p.year} Q{p.quarter}" for p in rng]
    return [str(p) for p in rng]


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


# -- the charts ----------------------------------------------------------------------------------


def released_by_month(inp: Inputs) -> ChartData:
    """Area released [ha] per month and method, from the land-release ledger."""
    led = inp.records.ledger
    month = led["released_on"].astype(str).str[:7]
    labels = _periods(sorted(set(month)), "M")
    series = []
    for m in RELEASE_METHODS:
        sums = (
            (led["area_m2"][(led["method"] == m).to_numpy(dtype=bool)] / M2_PER_HA)
            .groupby(month[(led["method"] == m).to_numpy(dtype=bool)])
            .sum()
            if len(led)
            else pd.Series(dtype=float)
        )
        series.append(
            Series(
                m,
                METHOD_LABELS[m],
                _round([sums.get(x, 0.0) for x in labels], 4),
                METHOD_COLOURS[m],
                stack="released",
            )
        )
    total = sum(sum(s.values) for s in series)
    notes = [
        f"{total:,.2f} ha released in all, from the land-release ledger (approved activities only)."
        if len(led)
        else "Nothing released yet: the ledger fills as activities are approved."
    ]
    return ChartData(
        "released_by_month",
        "Area released per month by method",
        "ha",
        "month",
        labels,
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
    if waiting:
        notes.append(f"{waiting} findings of activities not yet approved are left out.")
    undecided = sum(series[1].values)
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


def casualties_by_activity(inp: Inputs) -> ChartData:
    """People killed or injured per year by what they were doing."""
    inc = inp.records.incidents
    frame = pd.DataFrame(
        {
            "year": inc["date"].astype(str).str[:4].to_numpy(dtype=object),
            "activity": inc["activity"].astype(object).where(inc["activity"].notna(), NOT_RECORDED),
            "killed": pd.to_numeric(inc["killed"], errors="coerce").fillna(0).to_numpy(),
            "injured": pd.to_numeric(inc["injured"], errors="coerce").fillna(0).to_numpy(),
        }
    )
    frame["people"] = frame["killed"] + frame["injured"]
    labels = _periods(sorted(set(frame["year"])), "Y")
    present = set(frame["activity"])
    order = [a for a in (*vocab.INCIDENT_ACTIVITIES, NOT_RECORDED) if a in present]
    order += sorted(present - set(order))
    pivot = (
        frame.pivot_table(
            index="year", columns="activity", values="people", aggfunc="sum", fill_value=0
        )
        if len(frame)
        else pd.DataFrame()
    )
    series = [
        Series(
            a,
            ACTIVITY_LABELS.get(a, a),
            [int(pivot[a].get(y, 0)) for y in labels],
            ACTIVITY_COLOURS.get(a, "#666666"),
            stack="people",
        )
        for a in order
    ]
    killed, injured = int(frame["killed"].sum()), int(frame["injured"].sum())
    notes = [
        f"{killed + injured} people in {len(frame)} incidents: {killed} killed, {injured} injured."
        if len(frame)
        else "No incidents recorded."
    ]
    return ChartData(
        "casualties_by_activity",
        "Casualties (killed + injured) per year by activity",
        "people",
        "year",
        labels,
        series,
        notes,
    )


def funding_by_source(inp: Inputs) -> ChartData:
    """USD received (funding) and spent (expenditures) per year and source."""
    rec = inp.records
    f, e = rec.funding, rec.expenditures
    years = sorted(
        set(f["date"].dropna().astype(str).str[:4]) | set(e["date"].dropna().astype(str).str[:4])
    )
    labels = _periods(years, "Y")
    order = sources_order(pd.concat([f["source"], e["source"]]).astype(object))

    def sums(frame: pd.DataFrame) -> pd.Series:
        if not len(frame):
            return pd.Series(dtype=float)
        keyed = pd.DataFrame(
            {
                "year": frame["date"].astype(str).str[:4].to_numpy(dtype=object),
                "source": frame["source"].astype(str).to_numpy(dtype=object),
                "usd": pd.to_numeric(frame["amount_usd"], errors="coerce").fillna(0.0).to_numpy(),
            }
        )
        return keyed.groupby(["year", "source"])["usd"].sum()

    got, spent = sums(f), sums(e)
    series = []
    for what, table, shade in (("received", got, 0), ("spent", spent, 1)):
        for i, s in enumerate(order):
            values = _round([table.get((y, s), 0.0) for y in labels], 2)
            if any(values):
                series.append(
                    Series(
                        f"{what}:{s}",
                        f"{what}: {s}",
                        values,
                        SOURCE_COLOURS[i % len(SOURCE_COLOURS)][shade],
                        stack=what,
                    )
                )
    notes = [
        f"Received (funding): {float(got.sum()) if len(got) else 0.0:,.0f} USD; "
        f"spent (expenditures): {float(spent.sum()) if len(spent) else 0.0:,.0f} USD.",
        "Left bar of each year: received; right bar: spent.",
    ]
    return ChartData(
        "funding_by_source",
        "Funding received and spent per year by source",
        "USD",
        "year",
        labels,
        series,
        notes,
    )


def returns_enabled_by_quarter(rec: Records) -> tuple[dict[str, int], list[str]]:
    """People planned to return to settlements whose every hazard within ``settlement_radius_m``
    has closed, by the quarter the last one closed; and notes on what is left out."""
    pairs = settlement_hazards(rec, radius_m())
    notes: list[str] = []
    if not len(pairs):
        return {}, notes
    closed_on = pairs["hazard_id"].map(hazard_closed_on(rec))
    g = pd.DataFrame({"settlement_id": pairs["settlement_id"], "closed_on": closed_on}).groupby(
        "settlement_id"
    )["closed_on"]
    done = g.apply(lambda v: v.max() if v.notna().all() else None).dropna()
    people = pd.to_numeric(
        rec.settlements.set_index("settlement_id")["population_planned"], errors="coerce"
    ).fillna(0)
    out: dict[str, int] = {}
    unknown = 0
    for sid, last in done.items():
        q = quarter(last, sep=" ")
        if q is None:
            unknown += int(people.get(sid, 0))
            continue
        out[q] = out.get(q, 0) + int(people.get(sid, 0))
    if unknown:
        notes.append(f"{unknown} people's settlements were cleared at a date not recorded.")
    return out, notes


def returns_against_plan(inp: Inputs) -> ChartData:
    """People able to return per quarter: planned, forecast (P50) and enabled so far."""
    rec = inp.records
    enabled, notes = returns_enabled_by_quarter(rec)
    planned: dict[str, int] = {}
    p50: dict[str, int] = {}
    r = inp.readiness
    ready_now = 0
    if len(r):
        people = pd.to_numeric(r["population_planned"], errors="coerce").fillna(0).astype(int)
        for status, pdate, p, n in zip(r["status"], r["plan_date"], r["p50"], people, strict=True):
            if status == "ready now":
                ready_now += int(n)
                continue
            q = quarter(pdate, sep=" ") if inp.plan is not None and pdate is not None else None
            if q is not None:
                planned[q] = planned.get(q, 0) + int(n)
            q = quarter(p, sep=" ") if inp.forecast is not None and p is not None else None
            if q is not None:
                p50[q] = p50.get(q, 0) + int(n)
    labels = _periods(sorted(set(planned) | set(p50) | set(enabled)), "Q")
    series = []
    if inp.plan is not None:
        series.append(
            Series(
                "planned",
                f"planned: made ready by the plan of {inp.plan.made_on} (run {inp.plan.run_id})",
                [planned.get(q, 0) for q in labels],
                RETURN_COLOURS["planned"],
            )
        )
    else:
        notes.insert(0, "No plan yet: run `landrelease plan`.")
    if inp.forecast is not None:
        scenario = inp.forecast.parameters.get("baseline") or "baseline"
        series.append(
            Series(
                "forecast_p50",
                f"forecast P50 ({scenario}, {inp.forecast.made_on})",
                [p50.get(q, 0) for q in labels],
                RETURN_COLOURS["forecast_p50"],
            )
        )
    else:
        notes.append("No forecast yet: run `landrelease forecast`.")
    series.append(
        Series(
            "enabled",
            f"enabled: every hazard within {radius_m():g} m closed",
            [enabled.get(q, 0) for q in labels],
            RETURN_COLOURS["enabled"],
        )
    )
    notes.append(
        "People = the settlements' people planned to return. The plan counts a settlement ready "
        f"when every open hazard within {radius_m():g} m of it (what blocks it) is released; "
        f"'enabled' counts those whose every hazard within {radius_m():g} m has closed (ledger and "
        "hazard status), in the quarter the last one closed."
    )
    if ready_now:
        notes.append(f"{ready_now} people's settlements had nothing blocking them in the plan.")
    return ChartData(
        "returns_against_plan",
        "People able to return per quarter, against the plan",
        "people",
        "quarter",
        labels,
        series,
        notes,
    )


CHARTS: dict[str, Chart] = {
    c.name: c
    for c in (
        Chart("released_by_month", "Area released per month by method", "ha", released_by_month),
        Chart("devices_by_type", "Devices destroyed by type", "devices", devices_by_type),
        Chart(
            "casualties_by_activity",
            "Casualties (killed + injured) per year by activity",
            "people",
            casualties_by_activity,
        ),
        Chart(
            "funding_by_source",
            "Funding received and spent per year by source",
            "USD",
            funding_by_source,
        ),
        Chart(
            "returns_against_plan",
            "People able to return per quarter, against the plan",
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


def chart_data(source: Workspace | WorkspaceView, name: str) -> ChartData:
    """One chart's data, read from the workspace."""
    return chart_of(name).build(load_inputs(source))


def cached_chart(ws: Workspace, cache: LayerCache, name: str) -> ChartData:
    """One chart's data, once per change of the workspace and of the latest plan."""
    chart = chart_of(name)
    stamp = cache.planning_stamp()

    def build() -> ChartData:
        inputs = cache.get(None, f"dashboard:inputs:{stamp}", lambda: load_inputs(ws))
        return chart.build(inputs)

    return cache.get(None, f"dashboard:{name}:{stamp}", build)
