"""Writing a generated scenario as an evidence package, plus ``truth/`` and ``scenario.json``.

One function per layer; each turns the scenario's arrays into the columns the
layer registry declares and hands them to the deterministic writers. Records
are written in a fixed order (by date where they have one) with ids numbered
in that order.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from landrelease.domain import vocab
from landrelease.scenario import writers as wr
from landrelease.scenario.covariates import write_covariates
from landrelease.scenario.generated import Scenario
from landrelease.scenario.geography import SCALES
from landrelease.scenario.geometry import (
    F64,
    LINEAL,
    POLYGONAL,
    Grid,
    geoms_to_lonlat,
    keep_types,
    metric_coords,
    to_lonlat,
)
from landrelease.scenario.land_use import LandUse
from landrelease.scenario.military import ARMENIAN
from landrelease.scenario.parameters import (
    END_DATE,
    GENERATOR_VERSION,
    METRIC_CRS,
    PROCESSES,
    Parameters,
)
from landrelease.scenario.timeline import iso


def _points(x: F64, y: F64) -> tuple[F64, F64]:
    """Longitude and latitude rounded as written (6 decimals, ~0.1 m)."""
    lon, lat = to_lonlat(x, y)
    return np.round(lon, 6), np.round(lat, 6)


def write_package(
    sc: Scenario, folder: Path, *, seed: int, scale: str, params: Parameters
) -> dict[str, int]:
    """Write the evidence package, ``truth/`` and ``scenario.json`` into ``folder``;
    return the records written per layer."""
    counts = {
        "hazards": _hazards(sc, folder),
        "activities": _activities(sc, folder),
        "findings": _findings(sc, folder),
        "incidents": _incidents(sc, folder),
        "minefield_records": _records(sc, folder),
        "military_positions": _positions(sc, folder),
        "front_lines": _front_lines(sc, folder, params),
        "testimony": _testimony(sc, folder),
        "land_use": _land_use(sc, folder),
        "settlements": _settlements(sc, folder),
        "infrastructure": _infrastructure(sc, folder),
        "eore_sessions": _eore(sc, folder),
        "boundaries": _boundaries(sc, folder),
        "funding": wr.write_csv(folder / "funding.csv", "funding", sc.funding.columns),
        "assets": wr.write_csv(folder / "assets.csv", "assets", sc.assets.columns),
        "organisations": wr.write_csv(
            folder / "organisations.csv", "organisations", sc.organisations.columns
        ),
    }
    write_covariates(sc, folder)  # rasters, not records: not among the counts
    counts["truth"] = _truth(sc, folder / "truth", scale)
    wr.write_json(
        folder / "scenario.json", manifest(sc, seed=seed, scale=scale, params=params, counts=counts)
    )
    return counts


def _hazards(sc: Scenario, folder: Path) -> int:
    h, hist = sc.hazards, sc.history
    sh = hist.spot_hazards
    return wr.write_geojson(
        folder / "hazards.geojson",
        "hazards",
        geoms_to_lonlat(np.concatenate([h.geoms, sh.geoms])),
        {
            "hazard_id": [*h.ids, *sh.ids],
            "classification": [*hist.hazard_classification, *sh.classification],
            "status": [*hist.hazard_status, *(["closed"] * len(sh))],
            "district": [*h.district, *sh.district],
            "reported": iso(np.concatenate([h.reported, sh.reported])),
            "blockages": [b or None for b in h.blockages + sh.blockages],
            "device_types": [t or None for t in h.device_types + sh.device_types],
            "date_of_information": iso(
                np.concatenate([hist.hazard_updated, sh.reported + np.timedelta64(1, "D")])
            ),
        },
    )


def _activities(sc: Scenario, folder: Path) -> int:
    a = sc.history.activities
    end = np.asarray(a.end, dtype="datetime64[D]")
    return wr.write_geojson(
        folder / "activities.geojson",
        "activities",
        geoms_to_lonlat(np.asarray(a.geoms, dtype=object)),
        {
            "activity_id": a.ids,
            "type": a.type,
            "hazard_id": a.hazard_id,
            "start": iso(np.asarray(a.start, dtype="datetime64[D]")),
            "end": iso(end),
            "outcome": a.outcome,
            "organisation": a.organisation,
            "asset": a.asset,
            "depth_cm": a.depth_cm,
            "searched_share": a.searched_share,
            "status": a.status,
            "date_of_information": iso(end),
        },
    )


def _findings(sc: Scenario, folder: Path) -> int:
    """Findings at the true positions of the devices found, in date order."""
    f, dev = sc.history.findings, sc.devices
    order = np.lexsort((f.device_index, f.date))
    fi = f.device_index[order]
    lon, lat = _points(dev.x[fi], dev.y[fi])
    return wr.write_geojson(
        folder / "findings.geojson",
        "findings",
        None,
        {
            "finding_id": [f"FD-{i + 1:07d}" for i in range(len(fi))],
            "device": np.array(vocab.DEVICES, dtype=object)[dev.device[fi]],
            "date": iso(f.date[order]),
            "activity_id": np.asarray(sc.history.activities.ids, dtype=object)[f.activity[order]],
            "model": np.array(sc.world.models, dtype=object)[dev.model[fi]],
            "depth_cm": np.round(dev.depth_cm[fi].astype(float), 1),
            "condition": f.condition[order],
            "destroyed": f.destroyed[order],
            "date_of_information": iso(f.date[order]),
        },
        points=(lon, lat),
    )


def _incidents(sc: Scenario, folder: Path) -> int:
    """Civilians' and deminers' incidents, in date order."""
    a, b = sc.incidents, sc.history.deminer_incidents
    x, y = np.concatenate([a.x, b.x]), np.concatenate([a.y, b.y])
    date = np.concatenate([a.date, b.date])
    order = np.lexsort((x, date))
    victims = a.victims + b.victims
    lon, lat = _points(x[order], y[order])
    return wr.write_geojson(
        folder / "incidents.geojson",
        "incidents",
        None,
        {
            "incident_id": [f"INC-{i + 1:05d}" for i in range(len(order))],
            "date": iso(date[order]),
            "killed": np.concatenate([a.killed, b.killed])[order],
            "injured": np.concatenate([a.injured, b.injured])[order],
            "device": np.concatenate([a.device, b.device])[order],
            "activity": np.concatenate([a.activity, b.activity])[order],
            "civilian": np.concatenate([a.civilian, b.civilian])[order],
            "victims": [victims[i] for i in order],
            "date_of_information": iso(date[order]),
        },
        points=(lon, lat),
    )


def _records(sc: Scenario, folder: Path) -> int:
    r = sc.records
    return wr.write_geojson(
        folder / "minefield_records.geojson",
        "minefield_records",
        geoms_to_lonlat(r.geoms),
        {
            "record_id": r.ids,
            "source": r.source,
            "device": r.device,
            "reported_count": r.reported_count,
            "laid": r.laid,
            "date_of_information": iso(r.handed_over),
        },
    )


def _positions(sc: Scenario, folder: Path) -> int:
    s = sc.seen
    geoms = keep_types(
        sc.window.clip(s.geoms),
        ("Point", *LINEAL, *POLYGONAL),
    )
    keep = ~shapely.is_empty(geoms)
    return wr.write_geojson(
        folder / "military_positions.geojson",
        "military_positions",
        geoms_to_lonlat(geoms[keep]),
        {
            "position_id": s.ids[keep],
            "kind": s.kind[keep],
            "source": s.source[keep],
            "period": s.period[keep],
        },
    )


def _front_lines(sc: Scenario, folder: Path, params: Parameters) -> int:
    """The line of contact, the 2020 fronts and the 2020 ceasefire line, cut to the window."""
    geo, w = params.geography, sc.world
    rows: list[tuple[str, str, str, shapely.Geometry]] = [
        (
            geo.loc_valid_from,
            geo.loc_valid_to,
            "Line of contact 1994–2020",
            shapely.LineString(w.loc),
        )
    ]
    for k, (name, a, b, _) in enumerate(geo.war_lines_2020):
        rows.append((a, b, name, shapely.LineString(w.war_lines[k])))
    ring = metric_coords(geo.excluded_zone)
    rows.append(
        (
            "2020-11-10",
            geo.ceasefire_valid_to,
            "2020 ceasefire line",
            shapely.LineString(np.vstack([ring, ring[:1]])),
        )
    )
    lines = np.array([r[3] for r in rows], dtype=object)
    cut = keep_types(shapely.intersection(lines, sc.window.land.buffer(50.0)), LINEAL)
    keep = np.flatnonzero(~shapely.is_empty(cut))
    return wr.write_geojson(
        folder / "front_lines.geojson",
        "front_lines",
        geoms_to_lonlat(cut[keep]),
        {
            "line_id": [f"FL-{k + 1:04d}" for k in keep],
            "valid_from": [rows[k][0] for k in keep],
            "valid_to": [rows[k][1] for k in keep],
            "name": [rows[k][2] for k in keep],
        },
    )


def _testimony(sc: Scenario, folder: Path) -> int:
    t = sc.statements
    order = np.lexsort((t.x, t.date))
    return wr.write_geojson(
        folder / "testimony.geojson",
        "testimony",
        geoms_to_lonlat(t.geoms[order]),
        {
            "testimony_id": [f"T-{i + 1:05d}" for i in range(len(order))],
            "date": iso(t.date[order]),
            "statement": t.statement[order],
            "confidence": t.confidence[order],
            "informant_type": t.informant[order],
        },
    )


def _land_use(sc: Scenario, folder: Path) -> int:
    """Land in use, by date observed; how many devices each square really held goes to ``truth/``."""
    lu = sc.land_use
    if lu is None or not len(lu):
        return 0
    order, ids = _land_use_order(lu)
    return wr.write_geojson(
        folder / "land_use.geojson",
        "land_use",
        geoms_to_lonlat(lu.geoms[order]),
        {
            "land_use_id": ids,
            "kind": lu.kind[order],
            "years_in_use": lu.years[order].astype(float),
            "observed": iso(lu.observed[order]),
            "source": lu.source[order],
            "confidence": lu.confidence[order],
        },
    )


def _land_use_order(lu: LandUse) -> tuple[np.ndarray, list[str]]:
    """The order land in use is written in (by date observed, then west to east) and its ids."""
    cx = shapely.get_x(shapely.centroid(lu.geoms))
    order = np.lexsort((cx, lu.observed))
    return order, [f"LU-{i + 1:05d}" for i in range(len(order))]


def _truth_land_use(sc: Scenario, path: Path) -> None:
    """How many devices each square of land in use really held when its use began."""
    lu = sc.land_use
    if lu is None or not len(lu):
        return
    order, ids = _land_use_order(lu)
    wr.write_collection(
        path,
        "land_use",
        geoms_to_lonlat(lu.geoms[order]),
        {"land_use_id": ids, "kind": lu.kind[order], "devices": lu.devices[order]},
    )


def _settlements(sc: Scenario, folder: Path) -> int:
    """Settlements with the extra property ``population_returned`` (people back by the end date)."""
    s = sc.settlements
    lon, lat = _points(s.x, s.y)
    priority = np.where(s.pilot, "pilot", np.where(sc.programme | s.town, "high", "normal"))
    return wr.write_geojson(
        folder / "settlements.geojson",
        "settlements",
        None,
        {
            "settlement_id": s.ids,
            "name": s.names,
            "population_planned": s.population_planned,
            "population_before": s.population_before,
            "district": np.array(sc.world.districts.names, dtype=object)[s.district],
            "priority": priority.astype(object),
            "population_returned": sc.returned,
        },
        points=(lon, lat),
    )


def _infrastructure(sc: Scenario, folder: Path) -> int:
    i = sc.infrastructure
    return wr.write_geojson(
        folder / "infrastructure.geojson",
        "infrastructure",
        geoms_to_lonlat(i.geoms),
        {
            "asset_id": i.ids,
            "kind": i.kind,
            "name": i.names,
            "planned_year": [int(v) if v else None for v in i.planned_year],
        },
    )


def district_areas(sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """The districts on this window's land (metric MultiPolygons) and their indices: the
    Voronoi cell of each district's seed point, as :meth:`Districts.of` assigns places
    (the scenario's districts are nearest-seed areas, not the legal boundaries), cut to the
    land. Districts with no land in the window are left out."""
    d = sc.world.districts
    seeds = shapely.points(d.x, d.y)
    xmin, ymin, xmax, ymax = shapely.bounds(sc.world.land)
    frame = shapely.box(
        min(xmin, d.x.min()) - 1e5,
        min(ymin, d.y.min()) - 1e5,
        max(xmax, d.x.max()) + 1e5,
        max(ymax, d.y.max()) + 1e5,
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame))
    owner = [int(np.flatnonzero(shapely.contains(c, seeds))[0]) for c in cells]
    areas = np.empty(len(seeds), dtype=object)
    for cell, i in zip(cells, owner, strict=True):
        areas[i] = shapely.intersection(shapely.intersection(cell, frame), sc.window.land)
    areas = keep_types(areas, POLYGONAL)
    keep = np.flatnonzero(~shapely.is_empty(areas) & (shapely.area(areas) > 0))
    multi = np.array(
        [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in areas[keep]],
        dtype=object,
    )
    return multi, keep


def _boundaries(sc: Scenario, folder: Path) -> int:
    """The districts the hazards and settlements name, as administrative boundaries."""
    areas, index = district_areas(sc)
    d = sc.world.districts
    return wr.write_geojson(
        folder / "boundaries.geojson",
        "boundaries",
        geoms_to_lonlat(areas),
        {
            "boundary_id": np.array([d.codes[i] for i in index], dtype=object),
            "name": np.array([d.names[i] for i in index], dtype=object),
            "level": np.full(len(index), "district", dtype=object),
        },
    )


def _eore(sc: Scenario, folder: Path) -> int:
    e = sc.sessions
    order = np.lexsort((e.x, e.date))
    lon, lat = _points(e.x[order], e.y[order])
    return wr.write_geojson(
        folder / "eore_sessions.geojson",
        "eore_sessions",
        None,
        {
            "session_id": [f"EORE-{i + 1:05d}" for i in range(len(order))],
            "date": iso(e.date[order]),
            "settlement_id": sc.settlements.ids[e.settlement[order]],
            "organisation": e.organisation[order],
            "women": e.people[order, 0],
            "men": e.people[order, 1],
            "girls": e.people[order, 2],
            "boys": e.people[order, 3],
        },
        points=(lon, lat),
    )


# --- truth -------------------------------------------------------------------------------


def _truth(sc: Scenario, folder: Path, scale: str) -> int:
    """Every device that was in the ground in November 2020 (GeoParquet; GeoJSON too at small
    scale), the true minefields and positions."""
    folder.mkdir()
    dev, removed = sc.devices, sc.history.removed_by
    lon, lat = _points(dev.x, dev.y)
    items = {
        "item_id": np.arange(1, len(dev) + 1, dtype=np.int64),
        "device": np.array(vocab.DEVICES, dtype=object)[dev.device],
        "process": np.array(PROCESSES, dtype=object)[dev.process],
        "cleared": removed != "",
        "removed_by": removed.astype(object),
        "model": np.array(sc.world.models, dtype=object)[dev.model],
        "depth_cm": np.round(dev.depth_cm.astype(float), 1),
        "laid_year": dev.laid_year.astype(np.int64),
    }
    wr.write_points_parquet(folder / "items.parquet", lon, lat, items)
    if scale == "small":
        wr.write_collection(folder / "items.geojson", "items", None, items, points=(lon, lat))
    _truth_minefields(sc, folder / "minefields.geojson")
    _truth_positions(sc, folder / "positions.geojson")
    _truth_land_use(sc, folder / "land_use.geojson")
    return len(dev)


def _truth_minefields(sc: Scenario, path: Path) -> None:
    """True minefield outlines, with how the handed-over map drew them (if it did)."""
    w, mf = sc.world, sc.minefields
    nb = len(w.belts)
    mapped = {
        int(g): str(a)
        for g, a, row in zip(sc.records.group, sc.records.accuracy, sc.records.row, strict=True)
        if not row
    }
    wr.write_collection(
        path,
        "minefields",
        geoms_to_lonlat(mf.outline),
        {
            "minefield_id": [
                f"MF-B{g + 1:05d}" if g < nb else f"MF-{w.positions.ids[g - nb]}" for g in mf.group
            ],
            "kind": w.group_kind()[mf.group],
            "side": np.where(
                w.group_side()[mf.group] == ARMENIAN, "armenian", "azerbaijani"
            ).astype(object),
            "devices": mf.count,
            "map": [mapped.get(int(g)) for g in mf.group],
        },
    )


def _truth_positions(sc: Scenario, path: Path) -> None:
    """True positions, with how the programme knows of each (None: not at all)."""
    pw = sc.positions
    known = {int(t): str(s) for t, s in zip(sc.seen.truth, sc.seen.source, strict=True) if t >= 0}
    geoms = keep_types(
        sc.window.clip(pw.geoms),
        ("Point", *LINEAL, *POLYGONAL),
    )
    keep = np.flatnonzero(~shapely.is_empty(geoms))
    wr.write_collection(
        path,
        "positions",
        geoms_to_lonlat(geoms[keep]),
        {
            "position_id": pw.ids[keep],
            "kind": pw.kind[keep],
            "side": np.where(pw.side[keep] == ARMENIAN, "armenian", "azerbaijani").astype(object),
            "period": pw.period[keep],
            "known_from": [known.get(int(i)) for i in keep],
        },
    )


def manifest(
    sc: Scenario, *, seed: int, scale: str, params: Parameters, counts: dict[str, int]
) -> dict[str, Any]:
    """``scenario.json``: what was generated, how, and the coarse relief (no timestamps)."""
    win = sc.window
    xmin, ymin, xmax, ymax = (float(v) for v in shapely.bounds(win.land))
    lon, lat = to_lonlat(np.array([xmin, xmax]), np.array([ymin, ymax]))
    cell = 2000.0 if scale == "region" else 1000.0
    g = Grid.over((xmin, ymin, xmax, ymax), cell)
    gx, gy = g.centres()
    elev = sc.world.relief.elevation_m(gx.ravel(), gy.ravel()).reshape(g.shape)
    dev = sc.devices
    return {
        "generator": "landrelease.scenario",
        "version": GENERATOR_VERSION,
        "region": "karabakh",
        "seed": seed,
        "scale": scale,
        "scale_description": SCALES[scale].description,
        "end_date": END_DATE,
        "metric_crs": METRIC_CRS,
        "bbox": [round(float(v), 6) for v in (lon[0], lat[0], lon[1], lat[1])],
        "window_m": [round(v, 1) for v in win.bounds],
        "land_area_km2": round(win.land_area_m2 / 1e6, 3),
        "counts": counts,
        "devices_by_process": {p: int((dev.process == i).sum()) for i, p in enumerate(PROCESSES)},
        "devices_by_type": {d: int((dev.device == i).sum()) for i, d in enumerate(vocab.DEVICES)},
        "map_sheets": [list(s) for s in sc.records.sheets],
        "map_sheet_m": params.maps.sheet_m,
        "elevation": {
            "cell_m": cell,
            "origin_m": [g.xmin, g.ymax],
            "shape": [g.ny, g.nx],
            "note": "cell centres from the north-west corner, row by row; metres (synthetic)",
            "elevation_m": np.round(elev).astype(int).tolist(),
        },
        "calibration": [asdict(r) for r in sc.calibration],
        "parameters": asdict(params),
    }
