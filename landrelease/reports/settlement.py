"""The settlement report: what still blocks a town or village, and when its land may be ready.

Open hazards within ``settlement_radius_m`` block a settlement's return (the one rule of
:meth:`~landrelease.store.WorkspaceView.blocking_pairs`).
The readiness date and its uncertainty come from the operations plan when
one exists (``landrelease.planning.settlement_readiness``); otherwise the
report says that no plan exists rather than guessing.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landrelease.errors import UsageError
from landrelease.records.ledger import balance
from landrelease.reports import charts
from landrelease.reports.data import Records, load_records, radius_m, settlement_hazards
from landrelease.reports.model import Column, Figure, Report, Section, Table, items, tuples
from landrelease.reports.sections import M2_PER_HA, casualties, plural
from landrelease.store import Workspace, WorkspaceView
from landrelease.store.crs import project, unproject
from landrelease.store.sql import now_iso
from landrelease.store.view import OPEN_STATUSES

Readiness = Mapping[str, Any]
"""What the planning step says of a settlement: ``date`` (the plan's readiness date), ``low`` and
``high`` (the forecast's P10 and P90), ``expected`` (its P50), ``confidence`` of the interval
(0.8 for P10–P90), ``scenario`` (of the forecast) and ``status`` (ready now, planned, after the
horizon)."""


def planned_readiness(source: Workspace | WorkspaceView, settlement_id: str) -> Readiness | None:
    """The operations plan's readiness for a settlement, or ``None`` when no plan exists.

    Reads ``landrelease.planning.read_readiness`` (the latest plan beside the
    latest forecast) when the planning package is installed.
    """
    try:
        planning = importlib.import_module("landrelease.planning")
    except ImportError:
        return None
    read = getattr(planning, "read_readiness", None)
    if read is None:
        return None
    table = read(WorkspaceView.of(source).ws)
    row = table[table["settlement_id"].astype(str) == settlement_id] if len(table) else table
    if not len(row):
        return None
    r = row.iloc[0]

    def text(v: Any) -> str | None:
        return None if v is None or (isinstance(v, float) and v != v) or v is pd.NaT else str(v)

    def day(v: Any) -> str | None:
        t = text(v)
        return None if t is None else t[:10]  # a date, whatever its time of day

    low, high = day(r.get("p10")), day(r.get("p90"))
    return {
        "date": day(r.get("plan_date")),
        "expected": day(r.get("p50")),
        "low": low,
        "high": high,
        "confidence": 0.8 if low and high else None,
        "scenario": text(r.get("scenario")),
        "status": text(r.get("status")),
    }


def find_settlement(settlements: pd.DataFrame, name: str) -> pd.Series:
    """The settlement called ``name`` (or with that id), case-insensitive; a clear error otherwise."""
    key = name.strip().casefold()
    ids = settlements["settlement_id"].astype(str)
    names = settlements["name"].astype(str)
    hit = settlements[(ids.str.casefold() == key) | (names.str.casefold() == key)]
    if len(hit) == 1:
        return hit.iloc[0]
    if len(hit) > 1:
        listed = ", ".join(f"{r.settlement_id} ({r.district})" for r in tuples(hit))
        raise UsageError(f"{len(hit)} settlements are called {name!r}: {listed}; give the id")
    close = difflib.get_close_matches(name, names.tolist(), n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(f"no settlement called {name!r} in this workspace{hint}")


def settlement_report(
    source: Workspace | WorkspaceView,
    *,
    name: str,
    records: Records | None = None,
    readiness: Readiness | None = None,
    figures: bool = True,
) -> Report:
    """What blocks the settlement (hazards within the radius, what remains of them), its
    released surroundings, incidents and risk education there, and the plan's readiness date."""
    rec = records or load_records(source)
    s = find_settlement(rec.settlements, name)
    sid = str(s["settlement_id"])
    ready = readiness if readiness is not None else planned_readiness(source, sid)
    return build_settlement(rec, s, ready, figures=figures)


def build_settlement(
    rec: Records, s: pd.Series, ready: Readiness | None, *, figures: bool = True
) -> Report:
    sid, label = str(s["settlement_id"]), str(s["name"])
    r = radius_m()
    radius = f"{r:,.0f} m"
    near = _hazards_around(rec, sid, r)
    is_open = near["status"].isin(OPEN_STATUSES)
    open_h = near[is_open].sort_values("distance_m", kind="stable")
    closed_h = near[~is_open].sort_values("distance_m", kind="stable")
    headline = [
        _headline(s, open_h, closed_h, radius),
        _readiness_sentence(ready, blocked=bool(len(open_h))),
    ]
    blocking = Section("What still blocks it")
    if len(open_h):
        blocking.paragraphs.append(
            f"Hazards not yet closed within {radius} of {label}, nearest first. Remaining area is the "
            "hazard's area less the land released by approved activities (land-release ledger)."
        )
        blocking.tables.append(_blocking_table(open_h, _last_activity(rec), radius))
    else:
        blocking.paragraphs.append(f"Nothing: no open hazard lies within {radius}.")
    released = Section("Released around it")
    if len(closed_h):
        released.tables.append(_released_table(closed_h, radius))
    else:
        released.paragraphs.append(f"No hazard within {radius} has been closed yet.")
    plan = Section("Readiness")
    plan.paragraphs.append(headline[-1])
    people_sec, inc = _people(rec, s, r)
    if figures:
        blocking.figures.append(_map(rec, s, near, inc))
    return Report(
        kind="settlement",
        title=f"Settlement report: {label}",
        subtitle=f"{sid} · {s.get('district') or 'district not recorded'}",
        name=f"settlement-{_slug(sid)}",
        headline=headline,
        sections=[blocking, released, plan, people_sec],
        generated_at=now_iso(),
        workspace=rec.workspace,
        programme=rec.programme,
        footnotes=[
            f"A hazard blocks a settlement when it lies within {radius} of it (setting settlement_radius_m).",
            "Areas in hectares (1 ha = 10,000 m²).",
        ],
    )


def _hazards_around(rec: Records, sid: str, r: float) -> pd.DataFrame:
    """The hazards within ``r`` of the settlement (open or closed), with their ledger balance,
    distance and blockages, indexed by hazard id."""
    pairs = settlement_hazards(rec, r)
    pairs = pairs[pairs["settlement_id"] == sid]
    bal = balance(rec.hazards, rec.ledger, rec.completions).set_index("hazard_id")
    near = bal.loc[pairs["hazard_id"]].assign(distance_m=pairs["distance_m"].to_numpy())
    h = rec.hazards.set_index("hazard_id")
    near["blockages"] = h.loc[near.index, "blockages"].to_numpy()
    return near


def _headline(s: pd.Series, open_h: pd.DataFrame, closed_h: pd.DataFrame, radius: str) -> str:
    people = s.get("population_planned")
    head = f"{s['name']}" + (f" ({int(people):,} people planned to return)" if people else "")
    if len(open_h):
        remaining = float(open_h["remaining_m2"].sum())
        status_words = ", ".join(
            f"{hid} {st.replace('_', ' ')}"
            for hid, st in zip(open_h.index, open_h["status"], strict=True)
        )
        return (
            f"{head}: {plural(len(open_h), 'open hazard', 'open hazards')} within {radius} still "
            f"{'blocks' if len(open_h) == 1 else 'block'} its return, with {remaining / M2_PER_HA:,.1f} ha left to release ({status_words})."
        )
    if len(closed_h):
        last = closed_h["completed_on"].dropna()
        when = f" (the last completed on {last.max()})" if len(last) else ""
        return (
            f"{head}: no open hazard lies within {radius}; "
            f"{plural(len(closed_h), 'hazard nearby is', 'hazards nearby are')} closed{when}."
        )
    return f"{head}: no hazard is recorded within {radius}."


def _blocking_table(open_h: pd.DataFrame, last_act: Mapping[str, str], radius: str) -> Table:
    return Table(
        "blocking_hazards",
        f"Open hazards within {radius}",
        [
            Column("hazard"),
            Column("class"),
            Column("status"),
            Column("distance (m)", ",.0f"),
            Column("area (ha)", ",.2f"),
            Column("released (ha)", ",.2f"),
            Column("remaining (ha)", ",.2f"),
            Column("blocks"),
            Column("last approved activity"),
        ],
        [
            [
                hid,
                x["classification"],
                x["status"],
                x["distance_m"],
                x["area_m2"] / M2_PER_HA,
                x["released_m2"] / M2_PER_HA,
                x["remaining_m2"] / M2_PER_HA,
                ", ".join(x["blockages"] or []) or "—",
                last_act.get(hid, "none"),
            ]
            for hid, x in items(open_h)
        ],
        total=[
            "all",
            "",
            "",
            None,
            open_h["area_m2"].sum() / M2_PER_HA,
            open_h["released_m2"].sum() / M2_PER_HA,
            float(open_h["remaining_m2"].sum()) / M2_PER_HA,
            "",
            "",
        ],
    )


def _released_table(closed_h: pd.DataFrame, radius: str) -> Table:
    return Table(
        "released_hazards",
        f"Closed hazards within {radius}",
        [
            Column("hazard"),
            Column("distance (m)", ",.0f"),
            Column("cancelled (ha)", ",.2f"),
            Column("reduced (ha)", ",.2f"),
            Column("cleared (ha)", ",.2f"),
            Column("completed"),
        ],
        [
            [
                hid,
                x["distance_m"],
                x["cancelled_m2"] / M2_PER_HA,
                x["reduced_m2"] / M2_PER_HA,
                x["cleared_m2"] / M2_PER_HA,
                x["completed_on"] if isinstance(x["completed_on"], str) else "no completion record",
            ]
            for hid, x in items(closed_h)
        ],
    )


def _people(rec: Records, s: pd.Series, r: float) -> tuple[Section, pd.DataFrame]:
    """Incidents within ``r`` of the settlement and the risk education delivered there."""
    radius = f"{r:,.0f} m"
    sec = Section("Incidents and risk education")
    sp = project([s.geometry], rec.crs)[0]
    inc = rec.incidents
    if len(inc):
        d = shapely.distance(np.asarray(rec.view.metric("incidents").geometry.values), sp)
        inc = inc[d <= r]
    if len(inc):
        sec.paragraphs.append(
            f"{plural(len(inc), 'incident', 'incidents')} within {radius} since {inc['date'].min()}: "
            f"{casualties(int(inc['killed'].sum()), int(inc['injured'].sum()))} "
            f"(latest {inc['date'].max()})."
        )
    else:
        sec.paragraphs.append(f"No incident is recorded within {radius}.")
    e = rec.eore[rec.eore["settlement_id"].astype(str) == str(s["settlement_id"])]
    if len(e):
        sums = {
            c: int(pd.to_numeric(e[c], errors="coerce").fillna(0).sum())
            for c in ("women", "men", "girls", "boys")
        }
        sec.tables.append(
            Table(
                "eore_delivered",
                "Risk education delivered here",
                [
                    Column("sessions", ",d"),
                    *(Column(k, ",d") for k in sums),
                    Column("last session"),
                ],
                [[len(e), *sums.values(), e["date"].max()]],
            )
        )
    else:
        sec.paragraphs.append("No risk education session is recorded here.")
    return sec, inc


def _readiness_sentence(ready: Readiness | None, *, blocked: bool) -> str:
    if ready is None:
        return (
            "No operations plan exists in this workspace yet, so no readiness date can be given; "
            "the planning step gives one with its uncertainty."
            if blocked
            else "No operations plan is needed for the land around it: nothing within the radius is open."
        )
    status, date = ready.get("status"), ready.get("date")
    if status == "ready now":
        text = "The operations plan finds no task left that blocks it: ready now"
    elif date:
        text = f"The operations plan expects the land to be ready by {date}"
    else:
        text = "The operations plan does not make it ready before its horizon"
    low, high, conf = ready.get("low"), ready.get("high"), ready.get("confidence")
    if low and high:
        share = f"{100 * float(conf):.0f} % " if conf else ""
        scen = f" ({ready['scenario']} scenario)" if ready.get("scenario") else ""
        text += f"; the forecast{scen} puts it between {low} and {high} ({share}of runs)" + (
            f", {ready['expected']} at the median" if ready.get("expected") else ""
        )
    return text + "."


def _last_activity(rec: Records) -> dict[str, str]:
    a = rec.activities[rec.activities["status"] == "approved"]
    if not len(a):
        return {}
    last = a.sort_values("end").groupby("hazard_id").tail(1)
    return {
        str(h): f"{i} ({t}, ended {e})"
        for h, i, t, e in zip(
            last["hazard_id"], last["activity_id"], last["type"], last["end"], strict=True
        )
    }


def _map(rec: Records, s: pd.Series, near: pd.DataFrame, inc: pd.DataFrame) -> Figure:
    r = radius_m()
    sp = project([s.geometry], rec.crs)[0]
    disc = unproject([shapely.buffer(sp, r)], rec.crs)[0]
    window = shapely.buffer(sp, 2 * r)
    hp = np.asarray(rec.view.metric("hazards").geometry.values, dtype=object)
    around = rec.hazards[np.asarray(shapely.intersects(hp, window), dtype=bool)]
    open_ids = set(near.index[near["status"].isin(OPEN_STATUSES)])
    is_open = around["hazard_id"].isin(open_ids) | around["status"].isin(OPEN_STATUSES)
    layers = [
        charts.MapLayer(
            gpd.GeoDataFrame({"geometry": [disc]}, crs="EPSG:4326"),
            f"within {r:,.0f} m",
            {"facecolor": "none", "edgecolor": "#1d4ed8", "linestyle": "--", "linewidth": 1.0},
            kind="line",
        ),
        charts.MapLayer(
            gpd.GeoDataFrame(around[is_open], crs="EPSG:4326"),
            "open hazard",
            {"color": "#fecaca", "edgecolor": "#b91c1c", "linewidth": 0.6},
            annotate="hazard_id",
        ),
        charts.MapLayer(
            gpd.GeoDataFrame(around[~is_open], crs="EPSG:4326"),
            "closed hazard",
            {"color": "#dcfce7", "edgecolor": "#15803d", "linewidth": 0.5},
        ),
        charts.MapLayer(
            gpd.GeoDataFrame(
                rec.ledger[rec.ledger["hazard_id"].isin(around["hazard_id"])], crs="EPSG:4326"
            ),
            "released land",
            {"color": "#16a34a", "alpha": 0.5, "edgecolor": "none"},
        ),
        charts.MapLayer(
            gpd.GeoDataFrame(inc, crs="EPSG:4326"),
            "incident",
            {"color": "#111827", "marker": "x", "markersize": 24},
            kind="point",
        ),
        charts.MapLayer(
            gpd.GeoDataFrame([s], crs="EPSG:4326"),
            str(s["name"]),
            {"color": "#1d4ed8", "marker": "*", "markersize": 140},
            kind="point",
        ),
    ]
    focus = gpd.GeoSeries([disc], crs="EPSG:4326")
    png = charts.map_figure(layers, crs=rec.crs, focus=focus, pad_m=r * 0.4)
    return Figure(
        "map",
        f"{s['name']} and the hazards around it",
        png,
        f"Dashed: {r:,.0f} m around the settlement; hazard ids labelled.",
    )


def _slug(text: str) -> str:
    return "".join(ch.lower() if ch.isalnum() else "-" for ch in text).strip("-")
