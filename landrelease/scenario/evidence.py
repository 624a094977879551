"""How a programme comes to know, imperfectly: maps, imagery, testimony, incidents.

Each function draws one kind of evidence from the truth with documented error
rates (``parameters``): handed-over maps cover ~5 % of the land and ~25 % of
them are accurate; imagery sees most positions and invents a few; witnesses
are wrong at known rates; incidents happen where people go and devices lie.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from landrelease.domain import vocab
from landrelease.scenario.contamination import Devices, Minefields
from landrelease.scenario.geography import Districts, Window
from landrelease.scenario.geometry import (
    F64,
    I64,
    Bool,
    Frame,
    Geoms,
    Grid,
    choice_index,
    polyline_distance,
    rotate,
    wobbly_polygons,
)
from landrelease.scenario.infrastructure import Infrastructure
from landrelease.scenario.military import ARMENIAN, BeltLayout, Positions
from landrelease.scenario.parameters import (
    END_DATE,
    START_DATE,
    Geography,
    ImageryParams,
    IncidentParams,
    MapParams,
    StatementParams,
)
from landrelease.scenario.settlements import Settlements
from landrelease.scenario.timeline import Days, clip_days, day, uniform_days

ACTIVITIES = ("unauthorised_travel", "agriculture", "infrastructure_work", "official_duty")


# --- where people go ------------------------------------------------------------------


@dataclass(frozen=True)
class Exposure:
    """Distances that drive where people go, on the window's grid."""

    grid: Grid
    land: Bool
    d_settlement: F64
    d_road: F64
    d_farm: F64
    d_power: F64

    def weights(self, x_m: F64, y_m: F64, loc: F64, p: IncidentParams) -> dict[str, F64]:
        """Per point and activity: how much people doing it come there (0–1)."""
        g = self.grid
        ds = g.lookup(self.d_settlement, x_m, y_m, np.inf)
        dr = g.lookup(self.d_road, x_m, y_m, np.inf)
        df = g.lookup(self.d_farm, x_m, y_m, np.inf)
        dp = g.lookup(self.d_power, x_m, y_m, np.inf)
        dl = polyline_distance(x_m, y_m, loc)
        decay = np.exp
        return {
            "unauthorised_travel": p.travel_mix[0] * decay(-ds / p.travel_settlement_m)
            + p.travel_mix[1] * decay(-dr / p.travel_road_m),
            "agriculture": decay(-df / p.farm_m)
            * (p.farm_far_share + (1 - p.farm_far_share) * decay(-ds / p.farm_settlement_m)),
            "infrastructure_work": p.work_mix[0] * decay(-dr / p.work_road_m)
            + p.work_mix[1] * decay(-dp / p.work_power_m)
            + p.work_mix[2] * decay(-ds / p.work_settlement_m),
            "official_duty": p.duty_mix[0] * decay(-dr / p.duty_road_m)
            + p.duty_mix[1] * decay(-dl / p.duty_loc_m),
        }

    def presence(
        self, scales_m: tuple[float, float, float], weights: tuple[float, float, float]
    ) -> F64:
        """Where people are, per cell: decay from settlements, roads and fields."""
        dist = (self.d_settlement, self.d_road, self.d_farm)
        w = sum(wt * np.exp(-d / sc) for d, sc, wt in zip(dist, scales_m, weights, strict=True))
        return np.where(self.land, w, 0.0)


def exposure(grid: Grid, land: Bool, settlements: Settlements, infra: Infrastructure) -> Exposure:
    """Distance rasters to built-up areas, roads, fields and power lines."""
    builtup = shapely.buffer(shapely.points(settlements.x, settlements.y), settlements.builtup_m)
    return Exposure(
        grid=grid,
        land=land,
        d_settlement=grid.distance_m(grid.rasterize(builtup).astype(bool)),
        d_road=grid.distance_m(grid.rasterize(infra.of_kind("road").geoms).astype(bool)),
        d_farm=grid.distance_m(grid.rasterize(infra.of_kind("farmland").geoms).astype(bool)),
        d_power=grid.distance_m(
            grid.rasterize(infra.of_kind("power_line", "pipeline").geoms).astype(bool)
        ),
    )


def weighted_sample(
    rng: np.random.Generator, weights: F64, n: int, exclude: Bool | None = None
) -> I64:
    """``n`` distinct indices drawn with probability ∝ weight, without replacement
    (Efraimidis–Spirakis keys; vectorised)."""
    w = np.asarray(weights, float).copy()
    if exclude is not None:
        w[exclude] = 0
    n = min(n, int((w > 0).sum()))
    if n <= 0:
        return np.empty(0, np.int64)
    with np.errstate(divide="ignore"):
        keys = np.log(rng.random(len(w))) / w
    idx = np.argpartition(-keys, n - 1)[:n]
    return np.sort(idx).astype(np.int64)


# --- handed-over minefield maps ----------------------------------------------------------


@dataclass(frozen=True)
class MapRecords:
    ids: NDArray[np.object_]
    geoms: Geoms
    source: NDArray[np.object_]
    device: NDArray[np.object_]
    reported_count: I64
    laid: NDArray[np.object_]
    accuracy: NDArray[np.object_]
    """The truth about the record: accurate, shifted, rotated, wrong (never written to the package)."""
    group: I64
    row: Bool
    """A mine row (LineString) rather than a minefield outline."""
    handed_over: Days
    sheets: tuple[tuple[int, int], ...]
    sheet_area_m2: float
    """Land area of the window covered by handed-over sheets."""


def map_sheets(
    window: Window,
    mf: Minefields,
    group_side: I64,
    districts: Districts,
    geo: Geography,
    p: MapParams,
    rng: np.random.Generator,
) -> tuple[list[tuple[int, int]], list[str], float]:
    """Choose the handed-over sheets: sheets of the map districts that hold the Armenian
    side's minefields, in random order, until they cover ``coverage`` of the window's land.
    Returns the sheets (column, row of the sheet grid), their hand-over dates and the land
    area they cover."""
    s = p.sheet_m
    arm = group_side[mf.group] == ARMENIAN
    c = (
        shapely.get_coordinates(shapely.centroid(mf.outline[arm]))
        if arm.any()
        else np.zeros((0, 2))
    )
    held = np.unique(np.floor(c / s).astype(np.int64), axis=0)
    if not len(held):
        return [], [], 0.0
    cx, cy = (held[:, 0] + 0.5) * s, (held[:, 1] + 0.5) * s
    names = np.array(districts.names, dtype=object)[districts.of(cx, cy)]
    dates = dict(geo.map_districts)
    held = held[np.isin(names, list(dates))]
    names = names[np.isin(names, list(dates))]
    boxes = shapely.box(held[:, 0] * s, held[:, 1] * s, (held[:, 0] + 1) * s, (held[:, 1] + 1) * s)
    area = shapely.area(shapely.intersection(boxes, window.land)) if len(boxes) else np.zeros(0)
    target = p.coverage * window.land_area_m2
    chosen: list[int] = []
    covered = 0.0
    for i in rng.permutation(len(held)):
        # stop at the sheet that brings the coverage closest to the target
        if covered >= target or (covered > 0 and covered + area[i] - target > target - covered):
            break
        chosen.append(int(i))
        covered += float(area[i])
    return (
        [(int(held[i, 0]), int(held[i, 1])) for i in chosen],
        [dates[str(names[i])] for i in chosen],
        covered,
    )


def handed_over_maps(
    window: Window,
    mf: Minefields,
    group_side: I64,
    group_kind: NDArray[np.object_],
    layout: BeltLayout,
    frame: Frame,
    sign: int,
    districts: Districts,
    geo: Geography,
    p: MapParams,
    rng: np.random.Generator,
) -> MapRecords:
    """Minefield records of the handed-over sheets, each accurate, shifted, rotated or wrong."""
    sheets, dates, covered = map_sheets(window, mf, group_side, districts, geo, p, rng)
    sheet_date = dict(zip(sheets, dates, strict=True))
    arm = np.flatnonzero(
        (group_side[mf.group] == ARMENIAN)
        & np.isin(group_kind[mf.group], ["belt", "strongpoint", "trench", "base"])
    )
    cen = (
        shapely.get_coordinates(shapely.centroid(mf.outline[arm])) if len(arm) else np.empty((0, 2))
    )
    key = np.floor(cen / p.sheet_m).astype(np.int64)
    in_sheet = np.array([(int(a), int(b)) in sheet_date for a, b in key], bool)
    kept = rng.random(int(in_sheet.sum())) >= p.omission_probability
    pick = arm[in_sheet][kept]
    sheet_of = [(int(a), int(b)) for a, b in key[in_sheet][kept]]
    n = len(pick)
    klass = np.array([k for k, _ in p.accuracy], dtype=object)[
        choice_index(rng, [w for _, w in p.accuracy], n)
    ]
    geoms = np.empty(n, dtype=object)
    transforms: list[tuple[float, float, float, float, float]] = []
    for j, i in enumerate(pick):
        outline = mf.outline[i]
        c = np.asarray(outline.centroid.coords[0])
        k = klass[j]
        angle, cx, cy = 0.0, float(c[0]), float(c[1])
        if k == "accurate":
            dx, dy = rng.normal(0, p.accurate_error_m / np.sqrt(2), 2)
        elif k == "shifted":
            t, d = rng.uniform(0, 2 * np.pi), rng.uniform(*p.shift_m)
            dx, dy = d * np.cos(t), d * np.sin(t)
        elif k == "rotated":
            v = shapely.get_coordinates(outline)
            cx, cy = v[rng.integers(len(v))]
            angle = np.radians(rng.uniform(*p.rotation_deg)) * rng.choice([-1.0, 1.0])
            dx, dy = rng.normal(0, p.rotation_shift_m, 2)
        else:  # wrong: a minefield drawn where there is none
            for _ in range(8):
                t, d = rng.uniform(0, 2 * np.pi), rng.uniform(*p.wrong_distance_m)
                dx, dy = d * np.cos(t), d * np.sin(t)
                if window.land.contains(shapely.Point(c[0] + dx, c[1] + dy)):
                    break
        transforms.append((float(dx), float(dy), float(angle), float(cx), float(cy)))
        geoms[j] = _moved(outline, transforms[-1])
    count = mf.count[pick]
    err = np.where(klass == "accurate", p.count_error_accurate, p.count_error_other)
    reported = np.maximum(np.round(count * rng.uniform(1 - err, 1 + err)), 1).astype(np.int64)
    device = np.where(mf.n_at[pick] == 0, "AP", np.where(mf.n_ap[pick] == 0, "AT", "mixed")).astype(
        object
    )
    month = rng.integers(1, 13, n)
    laid = np.array(
        [f"{y}-{m:02d}-01" for y, m in zip(mf.laid_year[pick], month, strict=True)], dtype=object
    )
    source = np.array(
        [f"mine map handed over {sheet_date[sh]}, sheet {sh[0]}-{sh[1]}" for sh in sheet_of],
        dtype=object,
    )
    handed = np.array([day(sheet_date[sh]) for sh in sheet_of], dtype="datetime64[D]")
    ids = np.array([f"MR-{j + 1:05d}" for j in range(n)], dtype=object)
    # mine rows drawn on some belt records, moved like their outline
    row_geoms: list[shapely.Geometry] = []
    row_parent: list[int] = []
    row_count: list[int] = []
    row_device: list[str] = []
    nb = len(layout)
    for j, i in enumerate(pick):
        g = int(mf.group[i])
        if g >= nb or rng.random() >= p.rows_probability:
            continue
        n_rows = int(layout.n_ap_rows[g] + layout.n_at_rows[g])
        ss = np.linspace(layout.s0[g], layout.s1[g], 12)
        first = int(layout.at_first_row[g])
        for r in range(n_rows):
            lateral = layout.offset_at(np.full(len(ss), g), ss) + r * layout.row_spacing_m[g]
            x, y = frame.at(ss, layout.side[g] * sign * lateral)
            line = _moved(shapely.LineString(np.column_stack([x, y])), transforms[j])
            is_at = layout.n_ap_rows[g] == 0 or first <= r < first + layout.n_at_rows[g]
            spacing = layout.at_spacing_m[g] if is_at else layout.ap_spacing_m[g]
            row_geoms.append(line)
            row_parent.append(j)
            row_count.append(int(line.length / spacing) + 1)
            row_device.append("AT" if is_at else "AP")
    rp = np.array(row_parent, dtype=np.int64)
    return MapRecords(
        ids=np.concatenate([ids, [f"{ids[j]}-R{k + 1}" for k, j in enumerate(rp)]]).astype(object),
        geoms=np.concatenate([geoms, np.array(row_geoms, dtype=object)]),
        source=np.concatenate([source, source[rp]]),
        device=np.concatenate([device, np.array(row_device, dtype=object)]),
        reported_count=np.concatenate([reported, np.array(row_count, dtype=np.int64)]),
        laid=np.concatenate([laid, laid[rp]]),
        accuracy=np.concatenate([klass, klass[rp]]),
        group=np.concatenate([mf.group[pick], mf.group[pick][rp]]),
        row=np.concatenate([np.zeros(n, bool), np.ones(len(rp), bool)]),
        handed_over=np.concatenate([handed, handed[rp]]),
        sheets=tuple(sheets),
        sheet_area_m2=covered,
    )


def _moved(g: shapely.Geometry, t: tuple[float, float, float, float, float]) -> shapely.Geometry:
    dx, dy, angle, cx, cy = t

    def fn(xy: F64) -> F64:
        x, y = rotate(xy[:, 0], xy[:, 1], cx, cy, angle)
        return np.column_stack([x + dx, y + dy])

    return shapely.transform(g, fn)


def measured_accuracy(records: MapRecords, devices: Devices, min_share: float) -> Bool:
    """Whether each outline record is accurate as measured against the truth: it holds at
    least ``min_share`` of the devices of the minefield it describes."""
    out = np.zeros(len(records.ids), bool)
    order = np.argsort(devices.group, kind="stable")
    groups = devices.group[order]
    for i in np.flatnonzero(~records.row):
        a, b = np.searchsorted(groups, [records.group[i], records.group[i] + 1])
        mine = order[a:b]
        if len(mine):
            inside = shapely.contains_xy(records.geoms[i], devices.x[mine], devices.y[mine])
            out[i] = inside.mean() >= min_share
    return out


# --- positions seen on imagery -------------------------------------------------------


@dataclass(frozen=True)
class SeenPositions:
    ids: NDArray[np.object_]
    kind: NDArray[np.object_]
    source: NDArray[np.object_]
    period: NDArray[np.object_]
    geoms: Geoms
    truth: I64
    """Index of the true position, −1 for an imagery false positive."""


def seen_positions(
    window: Window, pos: Positions, on_sheet: Bool, p: ImageryParams, rng: np.random.Generator
) -> SeenPositions:
    """Positions detected on imagery (per-kind detection probability, small position error),
    plus those only known from records or witnesses, plus imagery false positives."""
    n = len(pos)
    prob = dict(p.detection)
    pdet = np.array([prob[k] for k in pos.kind])
    seen = rng.random(n) < pdet
    told = ~seen & (rng.random(n) < p.testimony_probability)
    record = ~seen & ~told & on_sheet
    keep = seen | told | record
    source = np.where(seen, "imagery", np.where(record, "record", "testimony")).astype(object)
    err = np.where(told, p.testimony_error_m, p.position_error_m)
    dx, dy = rng.normal(0, 1, (2, n)) * err
    moved = _translate(pos.geoms, dx, dy)
    idx = np.flatnonzero(keep)
    n_fp = int(rng.poisson(p.false_positive_share / (1 - p.false_positive_share) * seen.sum()))
    fx, fy = _random_land_points(window, n_fp, rng)
    fkind = np.array([k for k, _ in p.false_positive_kinds], dtype=object)[
        choice_index(rng, [w for _, w in p.false_positive_kinds], n_fp)
    ]
    allg = np.concatenate([moved[idx], np.asarray(shapely.points(fx, fy), dtype=object)])
    m = len(allg)
    return SeenPositions(
        ids=np.array([f"MP-{i + 1:05d}" for i in range(m)], dtype=object),
        kind=np.concatenate([pos.kind[idx], fkind]),
        source=np.concatenate([source[idx], np.full(n_fp, "imagery", dtype=object)]),
        period=np.concatenate([pos.period[idx], np.full(n_fp, "1994-2020", dtype=object)]),
        geoms=allg,
        truth=np.concatenate([idx, np.full(n_fp, -1)]).astype(np.int64),
    )


def _translate(geoms: Geoms, dx: F64, dy: F64) -> Geoms:
    """Move each geometry by its own offset (vectorised over all coordinates)."""
    if not len(geoms):
        return geoms
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    coords = coords + np.column_stack([dx[index], dy[index]])
    copies = shapely.transform(geoms, lambda xy: xy)  # set_coordinates works in place
    return np.asarray(shapely.set_coordinates(copies, coords), dtype=object)


def _random_land_points(window: Window, n: int, rng: np.random.Generator) -> tuple[F64, F64]:
    xmin, ymin, xmax, ymax = window.bounds
    xs: list[F64] = []
    ys: list[F64] = []
    have = 0
    while have < n:
        k = max(2 * (n - have), 16)
        x, y = rng.uniform(xmin, xmax, k), rng.uniform(ymin, ymax, k)
        ok = window.contains(x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        have += int(ok.sum())
    x, y = (
        np.concatenate(xs)[:n] if xs else np.empty(0),
        np.concatenate(ys)[:n] if ys else np.empty(0),
    )
    return x, y


# --- incidents -------------------------------------------------------------------------


@dataclass(frozen=True)
class Incidents:
    device_index: I64
    """The window device that went off (−1: none recorded)."""
    x: F64
    y: F64
    date: Days
    activity: NDArray[np.object_]
    civilian: Bool
    device: NDArray[np.object_]
    victims: list[list[dict[str, object]]]

    def __len__(self) -> int:
        return len(self.x)

    @property
    def killed(self) -> I64:
        return np.array(
            [sum(v["outcome"] == "killed" for v in vs) for vs in self.victims], np.int64
        )

    @property
    def injured(self) -> I64:
        return np.array(
            [sum(v["outcome"] == "injured" for v in vs) for vs in self.victims], np.int64
        )


def victims(
    rng: np.random.Generator,
    device: NDArray[np.object_],
    p: IncidentParams,
    *,
    adults_only: bool = False,
) -> list[list[dict[str, object]]]:
    """Who was hit: 1–3 people, killed or injured by the device's lethality, age and gender."""
    kill = dict(zip(vocab.DEVICES, p.killed_probability, strict=True))
    out: list[list[dict[str, object]]] = []
    counts = choice_index(rng, p.victims_count, len(device)) + 1
    for dev, k in zip(device, counts, strict=True):
        people: list[dict[str, object]] = []
        for _ in range(int(k)):
            child = not adults_only and rng.random() < p.child_share
            if child:
                age = int(rng.integers(p.child_age[0], p.child_age[1] + 1))
            else:
                age = int(np.clip(rng.normal(p.adult_age_mean, p.adult_age_sd), *p.adult_age))
            u = rng.random()
            if u < p.unknown_gender:
                gender = "unknown"
            else:
                female = rng.random() < (p.female_child if child else p.female_adult)
                gender = "female" if female else "male"
            outcome = "killed" if rng.random() < kill[str(dev)] else "injured"
            people.append({"age": age, "gender": gender, "outcome": outcome})
        out.append(people)
    return out


def civilian_incidents(
    devices: Devices, weights: dict[str, F64], p: IncidentParams, rng: np.random.Generator
) -> Incidents:
    """Civilian incidents: how many follows the exposure of the window's devices; the
    activity follows the published mix; the device hit is drawn by exposure × susceptibility."""
    mix = dict(p.activity_mix)
    sus = {a: np.asarray(v, float)[devices.device] for a, v in p.susceptibility}
    total = sum(mix[a] * float((weights[a] * sus[a]).sum()) for a in ACTIVITIES)
    n = int(rng.poisson(p.incidents_per_exposure * total))
    act = np.array(ACTIVITIES, dtype=object)[choice_index(rng, [mix[a] for a in ACTIVITIES], n)]
    used = np.zeros(len(devices), bool)
    chosen = np.full(n, -1, np.int64)
    for a in ACTIVITIES:
        slots = np.flatnonzero(act == a)
        pick = weighted_sample(rng, weights[a] * sus[a], len(slots), used)
        rng.shuffle(pick)
        chosen[slots[: len(pick)]] = pick
        used[pick] = True
    keep = chosen >= 0
    chosen, act = chosen[keep], act[keep]
    n = len(chosen)
    first = rng.random(n) < p.first_year_share
    start = day(START_DATE)
    d1 = uniform_days(rng, start, start + np.timedelta64(364, "D"), n)
    d2 = uniform_days(rng, start + np.timedelta64(365, "D"), END_DATE, n)
    dates = np.where(first, d1, d2)
    dev = np.array(vocab.DEVICES, dtype=object)[devices.device[chosen]]
    ex, ey = rng.normal(0, p.location_error_m, (2, n))
    return Incidents(
        device_index=chosen,
        x=devices.x[chosen] + ex,
        y=devices.y[chosen] + ey,
        date=dates,
        activity=act,
        civilian=np.ones(n, bool),
        device=dev,
        victims=victims(rng, dev, p),
    )


# --- testimony -----------------------------------------------------------------------


@dataclass(frozen=True)
class Statements:
    ids: NDArray[np.object_]
    geoms: Geoms
    x: F64
    y: F64
    date: Days
    statement: NDArray[np.object_]
    confidence: NDArray[np.object_]
    informant: NDArray[np.object_]
    contaminated: NDArray[np.object_]
    """Truth: whether the place holds a device (None for a witnessed incident)."""
    incident: I64
    """The incident a witness tells of (−1 for other statements)."""


def statements(
    window: Window,
    devices: Devices,
    people: F64,
    grid: Grid,
    travel_weight: F64,
    incidents: Incidents,
    p: StatementParams,
    rng: np.random.Generator,
) -> Statements:
    """What people say: about contaminated places (wrong at ``false_negative``), about clean
    places (wrong at ``false_positive``), and about incidents they saw."""
    n = int(rng.poisson(p.per_km2 * window.land_area_m2 / 1e6))
    n_c = int(rng.binomial(n, p.contaminated_share)) if len(devices) else 0
    pick = weighted_sample(rng, travel_weight, n_c)
    n_c = len(pick)
    r = p.contaminated_radius_m * np.sqrt(rng.random(n_c))
    t = rng.uniform(0, 2 * np.pi, n_c)
    cx, cy = devices.x[pick] + r * np.cos(t), devices.y[pick] + r * np.sin(t)
    kx, ky = _clean_places(n - n_c, devices, people, grid, window, p.clean_radius_m, rng)
    n_k = len(kx)
    x, y = np.concatenate([cx, kx]), np.concatenate([cy, ky])
    truth = np.concatenate([np.ones(n_c, bool), np.zeros(n_k, bool)])
    said = np.where(
        truth, rng.random(n_c + n_k) >= p.false_negative, rng.random(n_c + n_k) < p.false_positive
    )
    statement = np.where(said, "suspected", "not_suspected").astype(object)
    right = said == truth
    conf = np.where(
        right,
        np.array(vocab.CONFIDENCE_LEVELS, dtype=object)[
            choice_index(rng, p.confidence_correct, len(x))
        ],
        np.array(vocab.CONFIDENCE_LEVELS, dtype=object)[
            choice_index(rng, p.confidence_wrong, len(x))
        ],
    )
    informant = np.array([k for k, _ in p.informants], dtype=object)[
        choice_index(rng, [w for _, w in p.informants], len(x))
    ]
    dates = uniform_days(rng, p.first_statement, END_DATE, len(x))
    # witnessed incidents
    wi = np.flatnonzero(rng.random(len(incidents)) < p.witnessed_share)
    wx = incidents.x[wi] + rng.normal(0, p.witness_error_m, len(wi))
    wy = incidents.y[wi] + rng.normal(0, p.witness_error_m, len(wi))
    delay = rng.integers(0, p.witness_delay_days, len(wi)).astype("timedelta64[D]")
    wdate = clip_days(incidents.date[wi] + delay, START_DATE, END_DATE)
    wconf = np.array(vocab.CONFIDENCE_LEVELS, dtype=object)[
        choice_index(rng, p.witness_confidence, len(wi))
    ]
    winf = np.array([k for k, _ in p.witness_informants], dtype=object)[
        choice_index(rng, [w for _, w in p.witness_informants], len(wi))
    ]
    ax, ay = np.concatenate([x, wx]), np.concatenate([y, wy])
    m = len(ax)
    poly = np.zeros(m, bool)
    poly[: len(x)] = rng.random(len(x)) < p.polygon_share
    geoms = np.asarray(shapely.points(ax, ay), dtype=object)
    if poly.any():
        geoms[poly] = wobbly_polygons(
            ax[poly], ay[poly], rng.uniform(*p.polygon_radius_m, int(poly.sum())), rng, vertices=14
        )
    return Statements(
        ids=np.array([f"T-{i + 1:05d}" for i in range(m)], dtype=object),
        geoms=geoms,
        x=ax,
        y=ay,
        date=np.concatenate([dates, wdate]),
        statement=np.concatenate([statement, np.full(len(wi), "incident_witnessed", dtype=object)]),
        confidence=np.concatenate([conf, wconf]),
        informant=np.concatenate([informant, winf]),
        contaminated=np.concatenate([truth.astype(object), np.full(len(wi), None, dtype=object)]),
        incident=np.concatenate([np.full(len(x), -1, np.int64), wi.astype(np.int64)]),
    )


def _clean_places(
    n: int,
    devices: Devices,
    people: F64,
    grid: Grid,
    window: Window,
    radius_m: float,
    rng: np.random.Generator,
) -> tuple[F64, F64]:
    """Places people talk about that hold no device within ``radius_m``."""
    if n <= 0:
        return np.empty(0), np.empty(0)
    tree = cKDTree(np.column_stack([devices.x, devices.y])) if len(devices) else None
    flat = people.ravel()
    xs: list[F64] = []
    ys: list[F64] = []
    have = 0
    for _ in range(50):
        k = 3 * (n - have) + 16
        cell = rng.choice(len(flat), size=k, p=flat / flat.sum())
        x, y = grid.cell_xy(cell)
        x = x + rng.uniform(-0.5, 0.5, k) * grid.cell_m
        y = y + rng.uniform(-0.5, 0.5, k) * grid.cell_m
        ok = window.contains(x, y)
        if tree is not None:
            d, _ = tree.query(np.column_stack([x, y]), distance_upper_bound=radius_m)
            ok &= ~np.isfinite(d)
        xs.append(x[ok])
        ys.append(y[ok])
        have += int(ok.sum())
        if have >= n:
            break
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def device_name(code: NDArray[np.integer]) -> NDArray[np.object_]:
    return np.array(vocab.DEVICES, dtype=object)[np.asarray(code, np.int64)]
