"""The casualty report for a year: who was hurt, doing what, where; hotspots; where risk
education would reach most people at most risk.

Casualties are aggregated (age groups, never exact ages). Victims' personal
data appears only with ``include_personal_data`` and for a user entitled to
it (:func:`landrelease.records.victims.require_entitlement`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from landrelease import settings
from landrelease.analytics.casualties import (
    AGE_GROUPS,
    GROUPS,
    UNKNOWN,
    breakdown,
    by_month,
    eore_priorities,
    hotspots,
    kernel_density,
    victims_frame,
)
from landrelease.records.victims import assistance_summary, require_entitlement
from landrelease.reports import charts
from landrelease.reports.data import Period, Records, coverage, load_records, radius_m
from landrelease.reports.model import Column, Figure, Report, Section, Table, items, tuples
from landrelease.reports.sections import (
    ACTIVITY_REFERENCE_PCT,
    casualty_toll,
    join_words,
    plural,
)
from landrelease.store import Workspace, WorkspaceView
from landrelease.store.crs import project
from landrelease.store.sql import now_iso

TOP_SETTLEMENTS = 15
_PLURAL = {
    "civilian": "civilians",
    "deminer": "deminers",
    "other non-civilian": "other non-civilians",
}


def casualty_report(
    source: Workspace | WorkspaceView,
    *,
    year: int,
    user: str,
    include_personal_data: bool = False,
    records: Records | None = None,
    figures: bool = True,
) -> Report:
    """Incidents and casualties of ``year`` by month, device, activity, age group, gender,
    civilian or deminer; hotspots; risk-education priorities."""
    if include_personal_data:
        require_entitlement(WorkspaceView.of(source).ws, user)
    rec = records or load_records(source, include_personal=include_personal_data)
    return build_casualties(rec, year, include_personal_data=include_personal_data, figures=figures)


def _counts_table(key: str, title: str, by: str, t: pd.DataFrame, label: str) -> Table:
    return Table(
        key,
        title,
        [
            Column(label),
            Column("killed", ",d"),
            Column("injured", ",d"),
            Column("total", ",d"),
            Column("share (%)", ".1f"),
        ],
        [
            [r[by], int(r.killed), int(r.injured), int(r.total), float(r.share_pct)]
            for _, r in items(t)
        ],
    )


def build_casualties(
    rec: Records, year: int, *, include_personal_data: bool, figures: bool = True
) -> Report:
    period = Period(f"{year:04d}-01-01", f"{year:04d}-12-31", str(year))
    inc = rec.incidents[period.contains(rec.incidents["date"])]
    name = f"casualties-{year}" + ("-personal" if include_personal_data else "")
    if not len(inc):
        return _no_incidents(rec, year, name)
    v = victims_frame(inc)
    killed, injured = int(inc["killed"].sum()), int(inc["injured"].sum())
    groups = v["group"].value_counts()
    children = int((v["age_group"] == AGE_GROUPS[0][0]).sum())
    who = join_words(
        [plural(int(n), str(g), _PLURAL.get(str(g), str(g))) for g, n in groups.items()]
    ) + (f"; {plural(children, 'child', 'children')} among them" if children else "")
    headline = [f"In {year}, {casualty_toll(len(inc), killed, injured, who=who)}."]
    sections = [
        _when(inc, year, figures=figures),
        _who(v),
        _where(rec, inc, year, figures=figures),
        _eore(rec, inc, year),
    ]
    assist = _assistance(rec, inc, period)
    if assist is not None:
        sections.append(assist)
    if include_personal_data:
        sections.append(_personal(rec, v))
    return Report(
        kind="casualties",
        title="Casualty report",
        subtitle=str(year),
        name=name,
        headline=headline,
        sections=sections,
        generated_at=now_iso(),
        workspace=rec.workspace,
        programme=rec.programme,
        personal_data=include_personal_data,
        footnotes=[
            "Counts follow each incident's killed and injured figures; victims' details (age, gender) fill in what is known, the rest is 'not recorded'.",
            "Age groups: child 0–17, adult 18–59, older 60+.",
            f"Hotspots: Gaussian kernel density of casualties (bandwidth {float(settings.get('casualty_kde_bandwidth_m')):,.0f} m); "
            "a hotspot is a connected area of the densest cells that together hold half the density.",
        ]
        + (
            []
            if include_personal_data
            else ["No victim's personal data is shown (names, exact ages, addresses)."]
        ),
    )


def _no_incidents(rec: Records, year: int, name: str) -> Report:
    first, last = coverage(rec)
    n_all = len(rec.incidents)
    span = (
        f"the {n_all} incidents recorded run from {rec.incidents['date'].min()} to {rec.incidents['date'].max()}"
        if n_all
        else f"no incident is recorded at all (records run from {first} to {last})"
        if first
        else "the workspace holds no records"
    )
    return Report(
        kind="casualties",
        title="Casualty report",
        subtitle=str(year),
        name=name,
        headline=[
            f"No incident is recorded in {year}: {span}.",
            "Nothing is reported for the year: no figure here would be a fact, so none is shown as zero.",
        ],
        sections=[],
        generated_at=now_iso(),
        workspace=rec.workspace,
        programme=rec.programme,
        has_data=False,
    )


def _when(inc: pd.DataFrame, year: int, *, figures: bool) -> Section:
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    bm = by_month(inc, months)
    killed, injured = int(inc["killed"].sum()), int(inc["injured"].sum())
    when = Section("When")
    if figures:
        when.figures.append(
            Figure(
                "by_month",
                "Casualties per month",
                charts.stacked_bars(
                    months,
                    {"killed": bm["killed"].tolist(), "injured": bm["injured"].tolist()},
                    ylabel="people",
                ),
            )
        )
    when.tables.append(
        Table(
            "by_month",
            "Incidents and casualties per month",
            [
                Column("month"),
                Column("incidents", ",d"),
                Column("killed", ",d"),
                Column("injured", ",d"),
                Column("casualties", ",d"),
            ],
            [
                [r.month, int(r.incidents), int(r.killed), int(r.injured), int(r.casualties)]
                for r in tuples(bm)
            ],
            total=["year", len(inc), killed, injured, killed + injured],
        )
    )
    return when


def _who(v: pd.DataFrame) -> Section:
    who = Section("Who and doing what")
    ages = (*[a[0] for a in AGE_GROUPS], UNKNOWN)
    who.tables += [
        _counts_table(
            "by_group",
            "Civilians and deminers",
            "group",
            breakdown(v, "group", order=GROUPS),
            "group",
        ),
        _counts_table(
            "by_age_group",
            "By age group",
            "age_group",
            breakdown(v, "age_group", order=ages),
            "age group",
        ),
        _counts_table("by_gender", "By gender", "gender", breakdown(v, "gender"), "gender"),
        _counts_table("by_device", "By device", "device", breakdown(v, "device"), "device"),
    ]
    civ = v[v["group"] == "civilian"]
    act = breakdown(civ, "activity", order=tuple(ACTIVITY_REFERENCE_PCT))
    who.tables.append(
        Table(
            "civilian_activity",
            "Civilian casualties by activity at the time",
            [
                Column("activity"),
                Column("killed", ",d"),
                Column("injured", ",d"),
                Column("total", ",d"),
                Column("share (%)", ".1f"),
                Column("national reference (%)", ".0f"),
            ],
            [
                [
                    r["activity"],
                    int(r.killed),
                    int(r.injured),
                    int(r.total),
                    float(r.share_pct),
                    ACTIVITY_REFERENCE_PCT.get(str(r["activity"])),
                ]
                for _, r in items(act)
            ],
            note="National reference: civilian incidents in Azerbaijan, November 2020 – April 2025 "
            "(38 % unauthorised travel, 22 % agriculture, 20 % infrastructure work, 20 % official duty).",
        )
    )
    return who


def _where(rec: Records, inc: pd.DataFrame, year: int, *, figures: bool) -> Section:
    sec = Section("Where: hotspots")
    xy = project(inc.geometry.values, rec.crs)
    x = np.array([g.x for g in xy])
    y = np.array([g.y for g in xy])
    w = (inc["killed"].astype(int) + inc["injured"].astype(int)).to_numpy(dtype=float)
    bw = float(settings.get("casualty_kde_bandwidth_m"))
    dens = kernel_density(
        x, y, w, bandwidth_m=bw, cell_m=float(settings.get("casualty_kde_cell_m"))
    )
    hs = hotspots(dens, x, y, w, crs=rec.crs)
    sec.paragraphs.append(
        f"{plural(len(hs), 'hotspot holds', 'hotspots hold')} half of {year}'s casualty density; "
        f"the densest peaks at {hs['peak_per_km2'].max():.2f} casualties per km²."
        if len(hs)
        else "No hotspot."
    )
    if figures:
        ny, nx = dens.values.shape
        extent = (dens.x0, dens.x0 + nx * dens.cell_m, dens.y0, dens.y0 + ny * dens.cell_m)
        layers = [
            charts.MapLayer(
                gpd.GeoDataFrame(hs, crs="EPSG:4326"),
                "hotspot",
                {"facecolor": "none", "edgecolor": "#7f1d1d", "linewidth": 1.2},
                annotate="hotspot",
            ),
            charts.MapLayer(
                gpd.GeoDataFrame(rec.settlements, crs="EPSG:4326"),
                "settlement",
                {"color": "#1d4ed8", "markersize": 8},
                kind="point",
            ),
            charts.MapLayer(
                gpd.GeoDataFrame(inc, crs="EPSG:4326"),
                "incident",
                {"color": "#111827", "marker": "x", "markersize": 18},
                kind="point",
            ),
        ]
        png = charts.map_figure(
            layers,
            crs=rec.crs,
            focus=inc.geometry,
            pad_m=2 * bw,
            raster=(dens.values, extent, "casualties per km²"),
        )
        sec.figures.append(Figure("hotspots", f"Casualty density and hotspots, {year}", png))
    sec.tables.append(
        Table(
            "hotspots",
            "Hotspots",
            [
                Column("hotspot", "d"),
                Column("peak (casualties/km²)", ".2f"),
                Column("area (km²)", ",.1f"),
                Column("casualties", ",.0f"),
            ],
            [[int(r.hotspot), r.peak_per_km2, r.area_km2, r.casualties] for r in tuples(hs)],
        )
    )
    return sec


def _eore(rec: Records, inc: pd.DataFrame, year: int) -> Section:
    sec = Section("Where risk education is needed most")
    s = rec.settlements
    if not len(s):
        sec.paragraphs.append("No settlement is recorded.")
        return sec
    sxy = project(s.geometry.values, rec.crs)
    ixy = project(inc.geometry.values, rec.crs)
    w = (inc["killed"].astype(int) + inc["injured"].astype(int)).to_numpy(dtype=float)
    sx, sy = np.array([g.x for g in sxy]), np.array([g.y for g in sxy])
    pad = 3 * float(settings.get("casualty_kde_bandwidth_m"))
    allx = np.r_[sx, [g.x for g in ixy]]
    ally = np.r_[sy, [g.y for g in ixy]]
    dens = kernel_density(
        np.array([g.x for g in ixy]),
        np.array([g.y for g in ixy]),
        w,
        bandwidth_m=float(settings.get("casualty_kde_bandwidth_m")),
        cell_m=float(settings.get("casualty_kde_cell_m")),
        bounds=(allx.min() - pad, ally.min() - pad, allx.max() + pad, ally.max() + pad),
    )
    open_h = rec.hazards[rec.hazards["status"] != "closed"]
    end = f"{year:04d}-12-31"
    sessions = rec.eore[rec.eore["date"].astype(str) <= end]
    pri = eore_priorities(
        s,
        (sx, sy),
        density=dens,
        open_hazards_metric=project(open_h.geometry.values, rec.crs),
        sessions=sessions,
        radius_m=radius_m(),
    )
    top = pri.head(TOP_SETTLEMENTS)
    sec.paragraphs.append(
        f"Settlements ranked by people × risk, less the share already reached by risk education. Risk "
        f"combines {year}'s casualty density at the settlement and the open hazard area within "
        f"{radius_m():,.0f} m, each scaled to the highest; people are the planned returnees."
    )
    sec.tables.append(
        Table(
            "eore_priorities",
            f"Risk education priorities (top {len(top)} of {len(pri)})",
            [
                Column("rank", "d"),
                Column("settlement"),
                Column("people", ",.0f"),
                Column("casualties/km²", ".2f"),
                Column("open hazard (ha)", ",.1f"),
                Column("sessions so far", ",.0f"),
                Column("reached (women/men/girls/boys)"),
                Column("coverage (%)", ".1f"),
                Column("priority score", ",.0f"),
            ],
            [
                [
                    int(r.rank),
                    r.name,
                    r.people,
                    r.casualty_density_per_km2,
                    r.open_hazard_ha,
                    r.sessions,
                    f"{int(r.women)}/{int(r.men)}/{int(r.girls)}/{int(r.boys)}",
                    r.coverage_pct,
                    r.need,
                ]
                for r in tuples(top)
            ],
        )
    )
    return sec


def _assistance(rec: Records, inc: pd.DataFrame, period: Period) -> Section | None:
    va = rec.victim_assistance
    va = va[va["incident_id"].isin(inc["incident_id"])] if len(va) else va
    if not len(va):
        return None
    summary = assistance_summary(va, as_of=period.end)
    sec = Section("Victim assistance")
    sec.paragraphs.append(
        f"{plural(len(va), 'victim has', 'victims have')} an assistance record; "
        f"{summary.attrs['follow_ups_overdue']} follow-up(s) were due by {period.end}."
    )
    sec.tables.append(
        Table(
            "assistance",
            "Needs and services received",
            [
                Column("assistance"),
                Column("needed", ",d"),
                Column("received", ",d"),
                Column("needed, not received", ",d"),
            ],
            summary.to_numpy().tolist(),
        )
    )
    return sec


def _personal(rec: Records, v: pd.DataFrame) -> Section:
    sec = Section("Victims (personal data: restricted)")
    sec.paragraphs.append(
        "This section holds personal data. Do not share it beyond those entitled to it."
    )
    va = rec.victim_assistance
    key = va.set_index(["incident_id", "victim_no"]) if len(va) else None
    rows = []
    for r in tuples(v):
        extra = (
            key.loc[(r.incident_id, r.victim_no)]
            if key is not None
            and r.victim_no is not None
            and (r.incident_id, r.victim_no) in key.index
            else None
        )
        if isinstance(extra, pd.DataFrame):
            extra = extra.iloc[-1]
        rows.append(
            [
                r.incident_id,
                r.date,
                r.outcome,
                r.age if r.age is not None else None,
                r.gender,
                None if extra is None else extra.get("name"),
                None if extra is None else extra.get("address"),
                None if extra is None else ", ".join(extra.get("services") or []),
            ]
        )
    sec.tables.append(
        Table(
            "victims",
            "Victims",
            [
                Column("incident"),
                Column("date"),
                Column("outcome"),
                Column("age", "d"),
                Column("gender"),
                Column("name"),
                Column("address"),
                Column("services received"),
            ],
            rows,
        )
    )
    return sec
