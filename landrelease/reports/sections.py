"""The sections reports share: land released, devices, hazards closed, returns, casualties,
quality management, money, risk education. Each takes the records and a period and says
"nothing recorded" rather than printing zeros as facts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from landrelease.analytics.casualties import ACTIVITY_LABELS, breakdown, victims_frame
from landrelease.domain.programme import WORKSPACE_CURRENCY
from landrelease.records.rules import RELEASE_METHODS
from landrelease.reports import charts
from landrelease.reports.data import (
    M2_PER_HA,
    Period,
    Records,
    devices,
    money,
    radius_m,
    released,
    returns_enabled,
)
from landrelease.reports.model import Column, Figure, Section, Table, items, tuples
from landrelease.survey.confirm import confirmation_status

DEVICE_WORDS = {
    "AT": ("anti-tank mine", "anti-tank mines"),
    "AP": ("anti-personnel mine", "anti-personnel mines"),
    "UXO": ("UXO", "UXO"),
    "AXO": ("item of abandoned ordnance", "items of abandoned ordnance"),
    "IED": ("improvised explosive device", "improvised explosive devices"),
}
DEVICE_ORDER = ("AT", "AP", "UXO", "AXO", "IED")
"""The order of the national monthly statement: anti-tank, anti-personnel, UXO."""
METHOD_WORDS = {
    "cancelled": "cancelled by non-technical survey",
    "reduced": "reduced by technical survey",
    "cleared": "cleared",
}
HA = Column("area (ha)", ",.1f")


def ha(m2: float) -> float:
    return m2 / M2_PER_HA


def ha_text(m2: float) -> str:
    """An area in words, in hectares with enough decimals to not show a small area as 0."""
    h = m2 / M2_PER_HA
    return f"{h:,.1f} ha" if h >= 10 or h == 0 else f"{h:,.2f} ha" if h >= 0.01 else f"{h:.4f} ha"


def plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def casualties(killed: int, injured: int) -> str:
    """People killed and injured, in words, without a zero stated as a toll: '1 person killed',
    '3 people injured', '2 people killed and 1 injured', 'no one killed or injured'. Every page,
    report and API text that names a casualty count says it this way (the map's own copy is
    ``casualtyWords`` in static/casualties.js, tested to agree)."""

    def people(n: int) -> str:
        return f"{n:,} {'person' if n == 1 else 'people'}"

    if killed and injured:
        return f"{people(killed)} killed and {injured:,} injured"
    if killed:
        return f"{people(killed)} killed"
    if injured:
        return f"{people(injured)} injured"
    return "no one killed or injured"


def casualty_toll(incidents: int, killed: int, injured: int, *, who: str = "") -> str:
    """What ``incidents`` did to people, in words, without a zero stated as a toll: '2 incidents
    killed 1 and injured 2 people', '2 incidents injured 2 people; none was killed', '1 incident
    was recorded; no one was killed or injured'. ``who`` (the people, by group) follows their
    count after a colon."""
    events = plural(incidents, "incident", "incidents")
    detail = f": {who}" if who else ""

    def people(n: int) -> str:
        return "person" if n == 1 else "people"

    if killed and injured:
        return (
            f"{events} killed {killed:,} and injured {injured:,} {people(killed + injured)}{detail}"
        )
    if injured:
        return f"{events} injured {injured:,} {people(injured)}{detail}; none was killed"
    if killed:
        return f"{events} killed {killed:,} {people(killed)}{detail}; none was injured"
    return f"{events} {'was' if incidents == 1 else 'were'} recorded; no one was killed or injured"


def join_words(parts: Sequence[str]) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


# -- land released ---------------------------------------------------------------------------


def land_released(
    rec: Records, period: Period, *, by_activity: bool = True
) -> tuple[Section, str | None]:
    """Area released by method (ha) from the ledger; the sentence for the headline."""
    lines = released(rec, period)
    sec = Section("Land released")
    if not len(lines):
        sec.paragraphs.append(
            f"No land release was booked for approved activities that ended {period.during}."
        )
        return sec, None
    by = lines.groupby("method").agg(
        area_m2=("area_m2", "sum"), activities=("activity_id", "nunique")
    )
    area: dict[Any, float] = by["area_m2"].to_dict()
    count: dict[Any, int] = by["activities"].to_dict()
    rows = [[m, ha(float(area[m])), int(count[m])] for m in RELEASE_METHODS if m in area]
    total_m2 = float(lines["area_m2"].sum())
    sec.tables.append(
        Table(
            "released_by_method",
            "Land released by method",
            [Column("method"), HA, Column("activities", ",d")],
            rows,
            total=["all methods", ha(total_m2), int(lines["activity_id"].nunique())],
            note="From the land-release ledger: approved activities, dated by the day they ended.",
        )
    )
    if by_activity:
        detail = lines.sort_values(["released_on", "activity_id", "method"])
        sec.tables.append(
            Table(
                "released_by_activity",
                "Land released by activity",
                [
                    Column("activity"),
                    Column("type"),
                    Column("organisation"),
                    Column("hazard"),
                    Column("method"),
                    Column("area (ha)", ",.2f"),
                    Column("ended"),
                ],
                [
                    [
                        r.activity_id,
                        r.type,
                        r.organisation,
                        r.hazard_id,
                        r.method,
                        ha(r.area_m2),
                        r.released_on,
                    ]
                    for r in tuples(detail)
                ],
            )
        )
    parts = [f"{ha_text(float(area[m]))} {METHOD_WORDS[m]}" for m in RELEASE_METHODS if m in area]
    sentence = f"{ha_text(total_m2)} of land were released: {join_words(parts)}."
    sec.paragraphs.append(sentence)
    if rec.programme.currency != WORKSPACE_CURRENCY:
        sec.paragraphs.append(
            f"Amounts are in {WORKSPACE_CURRENCY}, the currency funding and expenditures are "
            f"recorded in; the programme's currency, {rec.programme.currency}, is that of its "
            "official estimates."
        )
    return sec, sentence


# -- devices -----------------------------------------------------------------------------------


def devices_section(rec: Records, period: Period) -> tuple[Section, str | None]:
    destroyed, not_destroyed, awaiting = devices(rec, period)
    sec = Section("Explosive ordnance destroyed")
    total = sum(destroyed.values()) + sum(not_destroyed.values())
    note = (
        f"{plural(awaiting, 'device was', 'devices were')} found by activities not yet approved; "
        "they are counted once the activity is approved."
        if awaiting
        else ""
    )
    if total == 0:
        sec.paragraphs.append(
            f"No device found {period.during} is recorded"
            + (" for approved activities." if awaiting else ".")
        )
        if note:
            sec.paragraphs.append(note)
        return sec, None
    sec.tables.append(
        Table(
            "devices_by_type",
            "Devices by type",
            [Column("device"), Column("destroyed", ",d"), Column("found, not destroyed", ",d")],
            [
                [k, destroyed[k], not_destroyed[k]]
                for k in DEVICE_ORDER
                if destroyed[k] or not_destroyed[k]
            ],
            total=["all", sum(destroyed.values()), sum(not_destroyed.values())],
            note=note,
        )
    )
    said = [plural(destroyed[k], *DEVICE_WORDS[k]) for k in DEVICE_ORDER if destroyed[k]]
    sentence = f"Teams destroyed {join_words(said)}." if said else None
    if sentence:
        sec.paragraphs.append(sentence)
    if rec.programme.currency != WORKSPACE_CURRENCY:
        sec.paragraphs.append(
            f"Amounts are in {WORKSPACE_CURRENCY}, the currency funding and expenditures are "
            f"recorded in; the programme's currency, {rec.programme.currency}, is that of its "
            "official estimates."
        )
    return sec, sentence


# -- hazards closed and returns ------------------------------------------------------------------


def hazards_closed_section(rec: Records, period: Period) -> tuple[Section, str | None]:
    c = rec.completions
    c = c[period.contains(c["completed_on"])] if len(c) else c
    sec = Section("Hazards closed")
    if not len(c):
        sec.paragraphs.append(f"No hazard was fully released and closed {period.during}.")
        return sec, None
    h = rec.hazards.set_index("hazard_id")
    rows = [
        [
            r.hazard_id,
            h["district"].get(r.hazard_id),
            h["classification"].get(r.hazard_id),
            ha(float(r.hazard_area_m2 or 0)),
            ha(float(r.cancelled_m2 or 0)),
            ha(float(r.reduced_m2 or 0)),
            ha(float(r.cleared_m2 or 0)),
            r.completed_on,
            r.handed_over_to or "not yet",
        ]
        for r in tuples(c.sort_values(["completed_on", "hazard_id"]))
    ]
    sec.tables.append(
        Table(
            "hazards_closed",
            "Hazards fully released (completion records)",
            [
                Column("hazard"),
                Column("district"),
                Column("class"),
                Column("hazard area (ha)", ",.2f"),
                Column("cancelled (ha)", ",.2f"),
                Column("reduced (ha)", ",.2f"),
                Column("cleared (ha)", ",.2f"),
                Column("completed"),
                Column("handed over to"),
            ],
            rows,
        )
    )
    sentence = f"{plural(len(c), 'hazard was', 'hazards were')} fully released and closed."
    sec.paragraphs.append(sentence)
    if rec.programme.currency != WORKSPACE_CURRENCY:
        sec.paragraphs.append(
            f"Amounts are in {WORKSPACE_CURRENCY}, the currency funding and expenditures are "
            f"recorded in; the programme's currency, {rec.programme.currency}, is that of its "
            "official estimates."
        )
    return sec, sentence


def returns_section(rec: Records, period: Period) -> tuple[Section, str | None]:
    r = returns_enabled(rec, period, radius_m())
    sec = Section("Returns enabled")
    radius = f"{radius_m():,.0f} m"
    if not len(r):
        sec.paragraphs.append(
            f"No settlement saw its last open hazard within {radius} close {period.during}."
        )
        return sec, None
    people = int(r["people"].sum())
    sec.tables.append(
        Table(
            "returns_enabled",
            f"Settlements with no open hazard within {radius} any more",
            [
                Column("settlement"),
                Column("district"),
                Column("people planned to return", ",d"),
                Column(f"hazards within {radius}", ",d"),
                Column("last closed"),
            ],
            [
                [x.name, x.district, int(x.people), int(x.hazards), x.last_closed_on]
                for x in tuples(r)
            ],
            total=["all", "", people, int(r["hazards"].sum()), ""],
        )
    )
    sentence = (
        f"{plural(len(r), 'settlement', 'settlements')} ({people:,} people planned to return) "
        f"no longer {'has' if len(r) == 1 else 'have'} an open hazard within {radius}."
    )
    sec.paragraphs.append(sentence)
    if rec.programme.currency != WORKSPACE_CURRENCY:
        sec.paragraphs.append(
            f"Amounts are in {WORKSPACE_CURRENCY}, the currency funding and expenditures are "
            f"recorded in; the programme's currency, {rec.programme.currency}, is that of its "
            "official estimates."
        )
    return sec, sentence


# -- casualties (aggregated) -----------------------------------------------------------------------


def casualties_section(rec: Records, period: Period) -> tuple[Section, str | None]:
    inc = rec.incidents[period.contains(rec.incidents["date"])]
    sec = Section("Casualties")
    if not len(inc):
        sec.paragraphs.append(
            f"No mine or explosive ordnance incident was recorded {period.during}."
        )
        return sec, None
    v = victims_frame(inc)
    killed, injured = int(inc["killed"].sum()), int(inc["injured"].sum())
    sentence = f"{casualty_toll(len(inc), killed, injured)}."
    sec.paragraphs.append(sentence)
    for key, by, title in (
        ("casualties_by_group", "group", "Casualties: civilians and deminers"),
        ("casualties_by_activity", "activity", "Casualties by activity at the time"),
        ("casualties_by_device", "device", "Casualties by device"),
    ):
        t = breakdown(v, by)
        sec.tables.append(
            Table(
                key,
                title,
                [
                    Column(by),
                    Column("killed", ",d"),
                    Column("injured", ",d"),
                    Column("total", ",d"),
                ],
                [[r[by], int(r.killed), int(r.injured), int(r.total)] for _, r in items(t)],
            )
        )
    return sec, sentence


# -- quality management ----------------------------------------------------------------------------


def qa_section(rec: Records, period: Period) -> tuple[Section, str | None]:
    visits = rec.qa_visits[period.contains(rec.qa_visits["date"])]
    plans = rec.plans
    decided = plans[plans["decision"].notna()] if len(plans) else plans
    if len(decided):
        vdate = rec.qa_visits.set_index("visit_id")["date"] if len(rec.qa_visits) else pd.Series()
        decided = decided[period.contains(decided["visit_id"].map(vdate))]
    ncs = rec.non_conformities
    raised = ncs[period.contains(ncs["raised_on"])] if len(ncs) else ncs
    closed = ncs[period.contains(ncs["closed_on"])] if len(ncs) else ncs
    open_end = (
        ncs[
            (ncs["raised_on"].astype(str) <= period.end)
            & ~(ncs["closed_on"].astype(str) <= period.end)
        ]
        if len(ncs)
        else ncs
    )
    sec = Section("Quality management")
    if not len(visits) and not len(raised) and not len(closed):
        sec.paragraphs.append(
            f"No quality assurance or quality control visit was recorded {period.during}."
        )
        if len(open_end):
            sec.paragraphs.append(
                f"{plural(len(open_end), 'non-conformity remains', 'non-conformities remain')} open."
            )
        return sec, None
    if len(visits):
        g = (
            visits.groupby(["kind", visits["result"].fillna("not recorded")])
            .size()
            .reset_index(name="n")
        )
        sec.tables.append(
            Table(
                "qa_visits",
                "Quality management visits",
                [Column("kind"), Column("result"), Column("visits", ",d")],
                [[r.kind, r.result, int(r.n)] for r in tuples(g)],
                total=["all", "", len(visits)],
            )
        )
    sentence_parts = [plural(len(visits), "QA/QC visit", "QA/QC visits")]
    if len(decided):
        sec.tables.append(
            Table(
                "inspections",
                "Post-clearance inspections",
                [
                    Column("plan"),
                    Column("activity"),
                    Column("lot (ha)", ",.2f"),
                    Column("inspected (ha)", ",.2f"),
                    Column("devices found", ",d"),
                    Column("decision"),
                ],
                [
                    [
                        r.plan_id,
                        r.activity_id,
                        ha(r.lot_area_m2),
                        ha(r.area_inspected_m2),
                        int(r.devices_found),
                        r.decision,
                    ]
                    for r in tuples(decided)
                ],
            )
        )
        for r in tuples(decided):
            sec.paragraphs.append(str(r.statement))
        acc = int((decided["decision"] == "accepted").sum())
        sentence_parts.append(
            f"{acc} of {plural(len(decided), 'inspected lot', 'inspected lots')} accepted"
        )
    nc = (
        f"non-conformities: {len(raised)} raised, {len(closed)} closed, {len(open_end)} open at the end"
        if len(raised) or len(closed) or len(open_end)
        else "no non-conformity open"
    )
    sec.paragraphs.insert(0, f"{'; '.join(sentence_parts)}; {nc}.")
    return sec, sec.paragraphs[0]


# -- money -------------------------------------------------------------------------------------------


def money_section(
    rec: Records, period: Period, *, highlight: str | None = None
) -> tuple[Section, str | None]:
    m = money(rec, period)
    sec = Section("Funding received and spent")
    if not len(m):
        sec.paragraphs.append(f"No funding received or spent is recorded {period.during}.")
        return sec, None
    recv, spent = float(m["received_usd"].sum()), float(m["spent_usd"].sum())
    sec.tables.append(
        Table(
            "money_by_source",
            "Funding by source",
            [
                Column("source"),
                Column("received (USD)", ",.0f"),
                Column("share received (%)", ".1f"),
                Column("spent (USD)", ",.0f"),
            ],
            [
                [
                    r.source,
                    r.received_usd,
                    100 * r.received_usd / recv if recv else None,
                    r.spent_usd,
                ]
                for r in tuples(m)
            ],
            total=["all sources", recv, 100.0 if recv else None, spent],
            note="Received: funding records (date received). Spent: expenditure records."
            + (
                ""
                if len(rec.expenditures)
                else " No expenditure is recorded in this workspace yet."
            ),
        )
    )
    nat = float(m.loc[m["source"] == "national", "received_usd"].sum())
    parts = [f"USD {recv:,.0f} was received"]
    if recv:
        parts[0] += f" ({100 * nat / recv:.0f} % national)"
    parts.append(f"USD {spent:,.0f} spent" if spent else "no spending recorded")
    sentence = "; ".join(parts) + "."
    if highlight:
        row = m[m["source"].str.casefold() == highlight.casefold()]
        if len(row):
            r = row.iloc[0]
            sentence += f" {r['source']}: USD {r['received_usd']:,.0f} received, USD {r['spent_usd']:,.0f} spent."
        else:
            sentence += f" No funding from {highlight} is recorded in the period."
    sec.paragraphs.append(sentence)
    if rec.programme.currency != WORKSPACE_CURRENCY:
        sec.paragraphs.append(
            f"Amounts are in {WORKSPACE_CURRENCY}, the currency funding and expenditures are "
            f"recorded in; the programme's currency, {rec.programme.currency}, is that of its "
            "official estimates."
        )
    return sec, sentence


# -- land-release recommendations ------------------------------------------------------------------


DECISION_WORDS = {
    "cancel": "cancel (non-technical survey)",
    "technical_survey": "technical survey",
    "battle_area_clearance": "battle-area clearance",
    "clearance": "full clearance",
}


def recommendations_section(rec: Records) -> tuple[Section, str | None]:
    """What the latest survey run recommends, with the devices left in cancelled land and their
    bound, or why no land is recommended for cancellation, and where the run drew a confirmation
    sample of its cancelled land, the sample's status."""
    sec = Section("Land-release recommendations")
    run = rec.survey
    if run is None:
        sec.paragraphs.append(
            "No survey recommendation yet: run `landrelease risk` and `landrelease survey`."
        )
        return sec, None
    s = run["summary"]
    by = s.get("by_decision", {})
    total = max(float(s.get("hazard_area_ha", 0.0)), 1e-9)
    rows = [
        [
            DECISION_WORDS.get(d, d.replace("_", " ")),
            int(v.get("parts", 0)),
            float(v.get("area_ha", 0.0)),
            float(v.get("area_ha", 0.0)) / total,
            float(v.get("expected_devices", 0.0)),
        ]
        for d, v in by.items()
    ]
    sec.tables.append(
        Table(
            "recommendations",
            f"Recommendation of survey run {run.get('fid', '')} ({str(run.get('run_at', ''))[:10]})",
            [
                Column("decision"),
                Column("parts", ",d"),
                Column("area (ha)", ",.1f"),
                Column("share of area", ".1%"),
                Column("expected devices", ",.1f"),
            ],
            rows,
        )
    )
    cancel = by.get("cancel", {})
    withheld = s.get("cancellation_withheld")
    if withheld:
        sentence = (
            f"No land is recommended for cancellation: {withheld}. Non-technical and technical "
            "survey first."
        )
    elif float(cancel.get("area_ha", 0.0)) > 0:
        bound = cancel.get("devices_bound")
        level = s.get("bound_level") or 0.9
        sentence = (
            f"{ha_text(float(cancel['area_ha']) * M2_PER_HA)} ({s.get('share_cancelled', 0.0):.1%} "
            f"of the hazard area) can be cancelled; {float(cancel.get('expected_devices', 0.0)):,.1f} "
            "devices are expected to remain there"
            + (
                f", at most {float(bound):,.1f} at {float(level):.0%} confidence from the map's "
                "errors on searched land it did not learn from"
                if bound is not None
                else ""
            )
            + "."
        )
    else:
        sentence = "No land can be cancelled while the target recall is kept."
    limit = s.get("cancellation_limit")
    why = ""
    if not withheld and limit:
        text = str(limit["text"])
        why = f" {text[:1].upper()}{text[1:]}."
    status = confirmation_status(s)
    result = s.get("confirmation_result") or {}
    sample = f" {status}" if status and not (withheld and withheld == result.get("text")) else ""
    sec.paragraphs.append(
        f"{sentence}{sample}{why}{land_use_sentence(s)} Rule: {s.get('rule', '')}."
    )
    return sec, sentence


def land_use_sentence(summary: dict[str, Any]) -> str:
    """How many parts land in use lowered and how many of those were cancelled (the survey
    summary's ``land_use_parts``), with a leading space; empty when the run measured no land in
    use (``land_use`` unset) or when it lowered no part."""
    if not summary.get("land_use"):
        return ""
    named = summary.get("land_use_parts") or {}
    lowered = sum(int(v) for v in named.values())
    if not lowered:
        return " Land in use lowered the risk of no part."
    cancelled = int(named.get("cancel", 0))
    parts = "part" if lowered == 1 else "parts"
    return (
        f" Land in use (cultivated, built, grazed or travelled land, counted only as far as "
        f"searched land in that use shows it to hold) lowered the risk of {lowered:,} {parts}, "
        f"{cancelled:,} of them cancelled."
    )


# -- risk education ------------------------------------------------------------------------------------


def eore_section(rec: Records, period: Period) -> tuple[Section, str | None]:
    e = rec.eore[period.contains(rec.eore["date"])]
    sec = Section("Risk education")
    if not len(e):
        sec.paragraphs.append(
            f"No explosive ordnance risk education session was recorded {period.during}."
        )
        return sec, None
    sums = {
        c: int(pd.to_numeric(e[c], errors="coerce").fillna(0).sum())
        for c in ("women", "men", "girls", "boys")
    }
    total = sum(sums.values())
    sec.tables.append(
        Table(
            "eore_reached",
            "People reached by risk education",
            [Column("sessions", ",d"), *(Column(k, ",d") for k in sums), Column("all", ",d")],
            [[len(e), *sums.values(), total]],
        )
    )
    sentence = (
        f"{plural(len(e), 'risk education session', 'risk education sessions')} reached {total:,} people "
        f"({sums['women']:,} women, {sums['men']:,} men, {sums['girls']:,} girls, {sums['boys']:,} boys)."
    )
    sec.paragraphs.append(sentence)
    if rec.programme.currency != WORKSPACE_CURRENCY:
        sec.paragraphs.append(
            f"Amounts are in {WORKSPACE_CURRENCY}, the currency funding and expenditures are "
            f"recorded in; the programme's currency, {rec.programme.currency}, is that of its "
            "official estimates."
        )
    return sec, sentence


# -- map ---------------------------------------------------------------------------------------------------


def overview_map(rec: Records, period: Period, *, title: str) -> Figure:
    """Open and closed hazards, land released in the period by method, settlements, incidents."""
    led = rec.ledger[period.contains(rec.ledger["released_on"])]
    h = rec.hazards
    closed = h["status"] == "closed"
    layers = [
        charts.MapLayer(
            gpd.GeoDataFrame(h[~closed], crs="EPSG:4326"),
            "open hazard",
            {"color": "#fecaca", "edgecolor": "#b91c1c", "linewidth": 0.5},
        ),
        charts.MapLayer(
            gpd.GeoDataFrame(h[closed], crs="EPSG:4326"),
            "closed hazard",
            {"color": "#dcfce7", "edgecolor": "#15803d", "linewidth": 0.4},
        ),
    ]
    for m in RELEASE_METHODS:
        part = led[led["method"] == m]
        layers.append(
            charts.MapLayer(
                gpd.GeoDataFrame(part, crs="EPSG:4326"),
                f"{m} in the period",
                {"color": charts.PALETTE[m], "edgecolor": "#111827", "linewidth": 0.3},
            )
        )
    inc = rec.incidents[period.contains(rec.incidents["date"])]
    layers += [
        charts.MapLayer(
            gpd.GeoDataFrame(rec.settlements, crs="EPSG:4326"),
            "settlement",
            {"color": charts.PALETTE["settlement"], "markersize": 10, "marker": "o"},
            kind="point",
        ),
        charts.MapLayer(
            gpd.GeoDataFrame(inc, crs="EPSG:4326"),
            "incident in the period",
            {"color": "#111827", "markersize": 22, "marker": "x"},
            kind="point",
        ),
    ]
    focus = led.geometry if len(led) else (h[~closed].geometry if (~closed).any() else None)
    png = charts.map_figure(layers, crs=rec.crs, focus=focus, pad_m=2000.0)
    return Figure(
        "map", title, png, "Land released in the period over the hazard register; no base map."
    )


def trend_figures(area: pd.DataFrame, dev: pd.DataFrame, *, highlight: str | None) -> list[Figure]:
    figs = []
    if area.to_numpy().sum() > 0:
        figs.append(
            Figure(
                "trend_area",
                "Land released per month by method (ha)",
                charts.stacked_bars(
                    list(area.index),
                    {m: area[m].tolist() for m in area.columns},
                    ylabel="ha",
                    highlight=highlight,
                ),
            )
        )
    if dev.to_numpy().sum() > 0:
        figs.append(
            Figure(
                "trend_devices",
                "Devices destroyed per month by type",
                charts.stacked_bars(
                    list(dev.index),
                    {d: dev[d].tolist() for d in DEVICE_ORDER if dev[d].sum() > 0},
                    ylabel="devices",
                    highlight=highlight,
                ),
            )
        )
    return figs


ACTIVITY_REFERENCE_PCT = {
    ACTIVITY_LABELS["unauthorised_travel"]: 38.0,
    ACTIVITY_LABELS["agriculture"]: 22.0,
    ACTIVITY_LABELS["infrastructure_work"]: 20.0,
    ACTIVITY_LABELS["official_duty"]: 20.0,
}
"""Activity at the time of civilian incidents in Azerbaijan, Nov 2020 – Apr 2025 (national figures)."""

__all__ = [
    "DEVICE_ORDER",
    "casualties_section",
    "devices_section",
    "eore_section",
    "hazards_closed_section",
    "land_released",
    "money_section",
    "overview_map",
    "qa_section",
    "returns_section",
    "trend_figures",
]
