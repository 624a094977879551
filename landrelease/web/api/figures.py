"""Figures for everyone: the dashboard's charts (JSON and PNG) and a settlement's page as JSON.

Aggregates only: no record-level detail of incidents or victims, so every
role, anonymous included, gets the same answer. Each answer is cached per
change stamp of the workspace and the latest planning run.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from landrelease.web.api.chart_images import chart_png
from landrelease.web.context import WebDep
from landrelease.web.dashboard import CHARTS, FiltersDep, cached_chart, dashboard
from landrelease.web.settlement_view import cached_settlement

router = APIRouter()


class SeriesOut(BaseModel):
    key: str = Field(description="machine name of the series (a column of the chart's table)")
    label: str = Field(description="what the series counts, in words (the legend)")
    values: list[int | float | None] = Field(
        description="one value per label, in the chart's unit; null: none there (a line stops)"
    )
    colour: str = Field(description="CSS colour the page and the PNG draw it in")
    stack: str | None = Field(description="series with the same stack are stacked on one bar")
    kind: str = Field(description="bar or line")
    fill_to: str | None = Field(
        default=None,
        description="a band: the area between this line and the line of this key is shaded",
    )
    band: str | None = Field(default=None, description="the band's name in the legend")


class ChartOut(BaseModel):
    chart: str
    title: str
    unit: str = Field(description="unit of every value: ha, devices, people, USD")
    x_label: str = Field(description="what the labels are: month, year, quarter, device type")
    labels: list[str]
    series: list[SeriesOut]
    cumulative: bool = Field(
        default=False,
        description="each value is the running total up to its label (the last is the total)",
    )
    notes: list[str] = Field(description="what the figures include and leave out")
    png: str = Field(description="the same chart as a PNG")


class ChartListItem(BaseModel):
    chart: str
    title: str
    unit: str
    json_url: str = Field(alias="json")
    png: str


class PlanOut(BaseModel):
    run_id: int
    made_on: str | None
    start: str | None = None
    horizon: str | None = None
    scenario: str | None = None
    runs: int | None = None


class ReadinessOut(BaseModel):
    status: str | None = Field(description="ready now, planned, after the horizon, forecast")
    plan_date: str | None = Field(
        description="last day of the month the latest plan makes it ready"
    )
    scenario: str | None = Field(description="the forecast scenario of P10/P50/P90")
    p10: str | None
    p50: str | None
    p90: str | None
    blocking_hazards: int | None = Field(description="open hazards the plan links to it")


class PlannedOut(BaseModel):
    status: str = Field(description="planned, after the horizon, not in the plan")
    start_month: str | None = None
    end_month: str | None = None
    quarter: str | None = Field(description="the quarter its last task ends (YYYY Qn)")
    teams: list[str] = Field(
        description="asset kinds the plan puts on it: manual, dog, rat, machine"
    )
    team_days: float | None = None
    cost_usd: float | None = None


class DecisionOut(BaseModel):
    decision: str
    area_ha: float
    evidence: str | None


class HazardOut(BaseModel):
    hazard_id: str
    status: str
    classification: str | None
    area_ha: float | None
    released_ha: float | None = Field(description="released so far (land-release ledger)")
    remaining_ha: float | None
    closed_on: str | None
    distance_m: int
    blocking: bool = Field(
        description="open and within radius_m: it stands between people and home "
        "(false: closed, listed as released around it)"
    )
    decisions: list[DecisionOut] = Field(description="the latest survey run's decisions")
    planned: PlannedOut | None = Field(description="the latest plan's work on it (null: no plan)")


class TaskOut(BaseModel):
    task_id: str
    hazard_id: str
    method: str = Field(description="NTS, TS, BAC (battle-area clearance) or clearance")
    area_ha: float | None
    start_month: str | None
    end_month: str | None = Field(description="null: not done by the plan's horizon")
    quarter: str | None
    team_days: float | None
    cost_usd: float | None
    teams: list[str]


class BlockingOut(BaseModel):
    hazards: int
    remaining_ha: float


class SettlementOut(BaseModel):
    settlement: dict[str, Any]
    people_planned: int | None = Field(description="people planned to return")
    radius_m: float = Field(
        description="open hazards within this distance block it (settlement_radius_m, the "
        "distance the plan and the reports use); closed ones within it are listed as released"
    )
    blocking: BlockingOut
    hazards: list[HazardOut] = Field(
        description="within radius_m, nearest first: the blocking ones and those released"
    )
    plan: PlanOut | None = Field(description="the latest plan (null: none yet)")
    forecast: PlanOut | None = Field(description="the latest forecast (null: none yet)")
    readiness: ReadinessOut | None
    tasks: list[TaskOut] = Field(description="the latest plan's tasks on the blocking hazards")
    planned_cost_usd: float | None
    messages: list[str] = Field(description="what is missing and how to get it, in words")


@router.get(
    "/api/dashboard",
    summary="The dashboard's charts, with the URLs of their data and PNG",
    tags=["figures"],
    response_model=list[ChartListItem],
    response_model_by_alias=True,
)
def dashboard_list() -> list[dict[str, str]]:
    return [
        {
            "chart": c.name,
            "title": c.title,
            "unit": c.unit,
            "json": f"/api/dashboard/{c.name}",
            "png": f"/dashboard/{c.name}.png",
        }
        for c in CHARTS.values()
    ]


class FiltersOut(BaseModel):
    district: str | None
    from_: str | None = Field(alias="from", description="first day counted")
    to: str | None = Field(description="last day counted")
    organisation: str | None


class HeadlineOut(BaseModel):
    filters: FiltersOut
    released_ha: dict[str, float] = Field(
        description="area released per method (cancelled, reduced, cleared) and total, ha"
    )
    devices_destroyed: dict[str, int] = Field(description="devices destroyed per type and total")
    destruction_not_recorded: int = Field(
        description="approved findings that do not say whether the device was destroyed"
    )
    people_able_to_return: int = Field(
        description="people planned to return to the settlements whose last hazard within "
        "settlement_radius_m closed in the period"
    )
    casualties: dict[str, int] = Field(description="killed, injured and incidents")


@router.get(
    "/api/dashboard/headline",
    summary="The dashboard's headline figures for the filters (aggregates only)",
    description="The totals of the charts for the same filters: area released by method [ha], "
    "devices destroyed by type, people able to return, casualties. Filters: `district`, "
    "`from`, `to` (YYYY-MM-DD), `organisation`; an unknown value is refused (400) with what "
    "is accepted.",
    tags=["figures"],
    response_model=HeadlineOut,
    response_model_by_alias=True,
)
def dashboard_headline(web: WebDep, filters: FiltersDep) -> dict[str, Any]:
    return dashboard(web.ws, web.cache, filters).headline.as_json()


@router.get(
    "/api/dashboard/{chart}",
    summary="A dashboard chart's data (aggregates only): labels, series with colours, notes",
    description="Charts: "
    + ", ".join(f"`{c.name}` ({c.title}, {c.unit})" for c in CHARTS.values())
    + ". 404 for any other name. Filters as the page's: `district`, `from`, `to` "
    "(YYYY-MM-DD), `organisation`.",
    tags=["figures"],
    response_model=ChartOut,
)
def dashboard_json(chart: str, web: WebDep, filters: FiltersDep) -> dict[str, Any]:
    return cached_chart(web.ws, web.cache, chart, filters).as_json()


@router.get(
    "/dashboard/{chart}.png",
    summary="A dashboard chart as PNG (aggregates only)",
    tags=["figures"],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def dashboard_png(chart: str, web: WebDep, filters: FiltersDep) -> Response:
    data = cached_chart(web.ws, web.cache, chart, filters)
    if filters.active:  # a filtered chart is drawn for the asking, not kept
        return Response(chart_png(data), media_type="image/png")
    key = f"dashboard-png:{chart}:{web.cache.planning_stamp()}"
    return Response(web.cache.get(None, key, lambda: chart_png(data)), media_type="image/png")


@router.get(
    "/api/settlements/{settlement_id}",
    summary="A settlement: what blocks its return, when it can be ready (P10/P50/P90), what is planned",
    description="What blocks it: the open hazards within `settlement_radius_m` (nearest first; "
    "the one definition the plan and the reports use), with the latest plan's date and tasks "
    "for them, and the closed hazards within that distance as released; the latest "
    "forecast's P10/P50/P90; `messages` say what is missing (no plan yet: run "
    "`landrelease plan`). The same for every role: no personal data.",
    tags=["figures"],
    response_model=SettlementOut,
)
def settlement_json(settlement_id: str, web: WebDep) -> dict[str, Any]:
    return cached_settlement(web.ws, web.cache, settlement_id).as_json()
