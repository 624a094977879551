"""The hazard register as a programme draws it: blunt areas around every piece of evidence.

Every kind of evidence marks a zone on a raster (the old line of contact, the
2020 fronts, towns fought over, positions seen, map records, witnesses who
suspect, incidents, roads and villages of the withdrawal); the zones are
closed into blunt shapes, cut into parcels of a few km² and traced into
polygons. Around incidents the areas are confirmed (CHA); the rest suspected
(SHA). Most of that area holds nothing, as in every programme.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import ndimage
from scipy.spatial import cKDTree

from landrelease.domain import vocab
from landrelease.scenario.evidence import Incidents, MapRecords, SeenPositions, Statements
from landrelease.scenario.geography import Districts
from landrelease.scenario.geometry import (
    F64,
    I64,
    POLYGONAL,
    Bool,
    Geoms,
    Grid,
    keep_types,
    locate,
    polyline_distance,
)
from landrelease.scenario.infrastructure import Infrastructure
from landrelease.scenario.parameters import HazardParams
from landrelease.scenario.settlements import Settlements
from landrelease.scenario.timeline import Days, day, uniform_days

MINE_EVIDENCE = ("front", "position", "record", "withdrawal", "incident")
"""Evidence that points to mines: the hazard needs technical survey before clearance."""
UXO_EVIDENCE = ("war", "town", "village", "testimony")
"""Evidence that points to UXO only: battle area clearance."""


@dataclass(frozen=True)
class Hazards:
    ids: NDArray[np.object_]
    geoms: Geoms
    classification: NDArray[np.object_]
    reported: Days
    district: NDArray[np.object_]
    blockages: list[list[str]]
    device_types: list[list[str]]
    evidence: dict[str, Bool]
    """Which kinds of evidence each hazard rests on."""
    area_m2: F64

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class EvidenceZones:
    """Boolean rasters, one per kind of evidence, on the window's grid."""

    grid: Grid
    land: Bool
    zones: dict[str, Bool]
    cha: Bool


def evidence_zones(
    grid: Grid,
    land: Bool,
    loc: F64,
    war_lines: list[F64],
    towns_xy: F64,
    seen: SeenPositions,
    records: MapRecords,
    said: Statements,
    incidents: Incidents,
    villages_xy: F64,
    withdrawal_settlements_xy: F64,
    withdrawal_roads: Geoms,
    p: HazardParams,
) -> EvidenceZones:
    """Mark the zone each kind of evidence makes suspect: the old front, the 2020 fronts,
    the towns (fought over or garrisoned), the villages, positions seen, map records,
    witnesses who suspect, incidents, and the withdrawal districts' villages and roads."""
    gx, gy = grid.centres()
    lx, ly = gx[land], gy[land]

    def near_lines(lines: list[F64], r: float) -> Bool:
        out = np.zeros(grid.shape, bool)
        if lines:
            d = np.min([polyline_distance(lx, ly, c) for c in lines], axis=0)
            out[land] = d <= r
        return out

    def burn(geoms: Geoms) -> Bool:
        return grid.rasterize(np.asarray(geoms, dtype=object)).astype(bool) & land

    radius = dict(p.position_radius_m)
    pos_buf = shapely.buffer(seen.geoms, np.array([radius[k] for k in seen.kind]))
    sus = said.statement == "suspected"
    conf = np.array([vocab.CONFIDENCE_LEVELS.index(c) for c in said.confidence[sus]], np.int64)
    said_buf = shapely.buffer(said.geoms[sus], np.asarray(p.testimony_radius_m)[conf])
    inc_pts = shapely.points(incidents.x, incidents.y)
    wd = (
        shapely.buffer(shapely.points(withdrawal_settlements_xy), p.withdrawal_settlement_radius_m)
        if len(withdrawal_settlements_xy)
        else np.empty(0, dtype=object)
    )
    wr = (
        shapely.buffer(withdrawal_roads, p.withdrawal_road_buffer_m)
        if len(withdrawal_roads)
        else np.empty(0, dtype=object)
    )
    town = np.zeros(grid.shape, bool)
    if len(towns_xy):
        d, _ = cKDTree(towns_xy).query(np.column_stack([lx, ly]))
        town[land] = d <= p.town_radius_m
    zones = {
        "front": near_lines([loc], p.loc_corridor_m),
        "war": near_lines(list(war_lines), p.war_line_corridor_m),
        "town": town,
        "village": burn(shapely.buffer(shapely.points(villages_xy), p.village_radius_m))
        if len(villages_xy)
        else np.zeros(grid.shape, bool),
        "position": burn(pos_buf),
        "record": burn(shapely.buffer(records.geoms, p.record_buffer_m)),
        "testimony": burn(said_buf),
        "incident": burn(shapely.buffer(inc_pts, p.incident_radius_m)),
        "withdrawal": burn(
            np.concatenate([np.asarray(wd, dtype=object), np.asarray(wr, dtype=object)])
        ),
    }
    cha = burn(shapely.buffer(inc_pts, p.incident_cha_radius_m))
    return EvidenceZones(grid, land, zones, cha)


def trace_hazards(
    z: EvidenceZones, p: HazardParams, rng: np.random.Generator
) -> tuple[Geoms, Bool]:
    """Blunt polygons from the zones: closed, specks dropped, cut into Voronoi parcels,
    traced and simplified as a coverage. Returns the polygons and whether each is a CHA."""
    from rasterio import features
    from rasterio.transform import Affine

    g = z.grid
    s = np.zeros(g.shape, bool)
    for zone in z.zones.values():
        s |= zone
    s = ndimage.binary_closing(s, iterations=p.closing_cells) & z.land
    lab, n = ndimage.label(s)
    if n:
        sizes = np.bincount(lab.ravel(), minlength=n + 1) * g.cell_area_m2
        s &= sizes[lab] >= p.min_area_m2
    cells = np.flatnonzero(s.ravel())
    if not len(cells):
        return np.empty(0, dtype=object), np.empty(0, bool)
    n_parcels = max(int(len(cells) * g.cell_area_m2 / p.parcel_area_m2), 1)
    seeds = cells[np.sort(rng.choice(len(cells), size=min(n_parcels, len(cells)), replace=False))]
    sx, sy = g.cell_xy(seeds)
    cx, cy = g.cell_xy(cells)
    _, parcel = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([cx, cy]))
    cha = z.cha.ravel()[cells]
    label = np.zeros(g.ny * g.nx, np.int32)
    label[cells] = 1 + 2 * parcel.astype(np.int32) + cha.astype(np.int32)
    label = label.reshape(g.shape)
    transform = Affine(g.cell_m, 0.0, g.xmin, 0.0, -g.cell_m, g.ymax)
    polys, values = [], []
    for geom, value in features.shapes(label, mask=label > 0, transform=transform, connectivity=4):
        polys.append(shapely.geometry.shape(geom))
        values.append(int(value))
    polys_a = np.asarray(polys, dtype=object)
    vals = np.asarray(values, np.int64)
    big = shapely.area(polys_a) >= p.min_area_m2 / 4
    polys_a, vals = polys_a[big], vals[big]
    simple = np.asarray(shapely.coverage_simplify(polys_a, p.simplify_m), dtype=object)
    simple = keep_types(np.asarray(shapely.make_valid(simple), dtype=object), POLYGONAL)
    ok = ~shapely.is_empty(simple) & (shapely.area(simple) >= p.min_area_m2 / 4)
    return simple[ok], ((vals[ok] - 1) % 2 == 1)


def blockages(polys: Geoms, infra: Infrastructure, settlements: Settlements) -> list[list[str]]:
    """What each hazard blocks: roads, houses, fields, other infrastructure, water."""
    kind_to = {
        "road": "road",
        "farmland": "agriculture",
        "water": "water",
        "power_line": "infrastructure",
        "pipeline": "infrastructure",
        "school": "infrastructure",
        "hospital": "infrastructure",
        "cemetery": "infrastructure",
    }
    found: list[set[str]] = [set() for _ in range(len(polys))]
    if len(infra) and len(polys):
        hi, ii = shapely.STRtree(infra.geoms).query(polys, predicate="intersects")
        for h, i in zip(hi, ii, strict=True):
            found[h].add(kind_to[str(infra.kind[i])])
    if len(settlements) and len(polys):
        builtup = shapely.buffer(
            shapely.points(settlements.x, settlements.y), settlements.builtup_m
        )
        hi, _ = shapely.STRtree(builtup).query(polys, predicate="intersects")
        for h in hi:
            found[h].add("housing")
    return [[b for b in vocab.BLOCKAGES if b in f] for f in found]


def build_hazards(
    z: EvidenceZones,
    records: MapRecords,
    said: Statements,
    incidents: Incidents,
    districts: Districts,
    infra: Infrastructure,
    settlements: Settlements,
    p: HazardParams,
    rng: np.random.Generator,
) -> Hazards:
    """The hazard register at the end of the initial survey, with what each hazard rests on."""
    polys, cha = trace_hazards(z, p, rng)
    n = len(polys)
    c = shapely.get_coordinates(shapely.point_on_surface(polys)) if n else np.empty((0, 2))
    order = np.lexsort((c[:, 0], -c[:, 1])) if n else np.empty(0, np.int64)
    polys, cha, c = polys[order], cha[order], c[order]
    dist = districts.of(c[:, 0], c[:, 1]) if n else np.empty(0, np.int64)
    g = z.grid
    hraster = g.rasterize(polys, np.arange(1, n + 1), all_touched=False, dtype="int32").ravel()
    evidence = {
        k: np.bincount(hraster[zone.ravel()], minlength=n + 1)[1:] > 0
        for k, zone in z.zones.items()
    }
    return Hazards(
        ids=_hazard_ids(dist, districts),
        geoms=polys,
        classification=np.where(cha, "CHA", "SHA").astype(object),
        reported=_reported(g, hraster, n, evidence, records, said, incidents, p, rng),
        district=np.array(districts.names, dtype=object)[dist],
        blockages=blockages(polys, infra, settlements),
        device_types=_device_types(evidence, n),
        evidence=evidence,
        area_m2=shapely.area(polys) if n else np.empty(0),
    )


def _hazard_ids(dist: I64, districts: Districts) -> NDArray[np.object_]:
    """``HZ-<district code>-<number>``, numbered per district in register order."""
    counters: dict[int, int] = {}
    ids = np.empty(len(dist), dtype=object)
    for i, d in enumerate(dist):
        counters[int(d)] = counters.get(int(d), 0) + 1
        ids[i] = f"HZ-{districts.codes[int(d)]}-{counters[int(d)]:04d}"
    return ids


def _reported(
    g: Grid,
    hraster: NDArray[np.generic],
    n: int,
    evidence: dict[str, Bool],
    records: MapRecords,
    said: Statements,
    incidents: Incidents,
    p: HazardParams,
    rng: np.random.Generator,
) -> Days:
    """When each of the ``n`` hazards (numbered 1…n in ``hraster``) was recorded: during
    the initial survey where desk evidence (fronts, towns, villages, positions, the
    withdrawal) drew it; otherwise with the first map record (handed over, then a delay),
    statement or incident (a week later) that lies in it."""
    start, end = p.initial_survey
    reported = uniform_days(rng, start, end, n)
    desk = np.zeros(n, bool)
    for k in ("front", "war", "town", "village", "position", "withdrawal"):
        desk |= evidence[k]
    late = np.full(n, day("2100-01-01"))

    def earliest(x: F64, y: F64, dates: Days) -> Days:
        h = g.lookup(hraster.reshape(g.shape), x, y, 0).astype(np.int64)
        out = late.copy()
        inside = h > 0
        np.minimum.at(out, h[inside] - 1, dates[inside])
        return out

    rc = (
        shapely.get_coordinates(shapely.centroid(records.geoms))
        if len(records.ids)
        else np.empty((0, 2))
    )
    rec_date = records.handed_over
    from_rec = earliest(
        rc[:, 0],
        rc[:, 1],
        rec_date + rng.integers(0, p.record_delay_days, len(rec_date)).astype("timedelta64[D]"),
    )
    from_said = earliest(said.x, said.y, said.date)
    from_inc = earliest(incidents.x, incidents.y, incidents.date + np.timedelta64(7, "D"))
    other = np.minimum(np.minimum(from_rec, from_said), from_inc)
    return np.where(desk | (other == late), reported, other)


def _device_types(evidence: dict[str, Bool], n: int) -> list[list[str]]:
    """The device types each hazard is suspected to hold, from the evidence it rests on."""
    types = []
    for i in range(n):
        t: set[str] = set()
        if any(evidence[k][i] for k in MINE_EVIDENCE if k != "incident"):
            t |= {"AP", "AT"}
        if evidence["incident"][i]:
            t.add("AP")
        if any(evidence[k][i] for k in UXO_EVIDENCE):
            t.add("UXO")
        if evidence["withdrawal"][i]:
            t.add("IED")
        types.append([d for d in vocab.DEVICES if d in t])
    return types


def truly_contaminated_share(
    hazard_geoms: Geoms, x_m: F64, y_m: F64, cell_m: float
) -> tuple[float, float]:
    """Share of the hazard area that truly holds devices, at the grain of ``cell_m`` cells:
    (contaminated cells inside hazards × cell area) / hazard area; also that area in m²."""
    if not len(hazard_geoms) or not len(x_m):
        return 0.0, 0.0
    cx = np.floor(np.asarray(x_m) / cell_m).astype(np.int64)
    cy = np.floor(np.asarray(y_m) / cell_m).astype(np.int64)
    key = np.unique(cx * 10_000_000 + cy)
    ux = (key // 10_000_000 + 0.5) * cell_m
    uy = (key % 10_000_000 + 0.5) * cell_m
    union = shapely.union_all(hazard_geoms)
    shapely.prepare(union)
    inside = shapely.contains_xy(union, ux, uy)
    area = float(inside.sum()) * cell_m * cell_m
    return area / float(union.area), area


def hazard_of(x_m: F64, y_m: F64, hazards: Hazards, grid: Grid) -> I64:
    """Index of the hazard holding each point, −1 outside the register."""
    return locate(x_m, y_m, hazards.geoms, grid)
