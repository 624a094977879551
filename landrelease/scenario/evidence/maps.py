"""Handed-over minefield maps: the sheets handed over, and on them records of the Armenian
side's minefields, each accurate, shifted, rotated or wrong (``parameters.MapParams``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from landrelease.scenario.contamination import Devices, Minefields
from landrelease.scenario.geography import Districts, Window
from landrelease.scenario.geometry import F64, I64, Bool, Frame, Geoms, choice_index, rotate
from landrelease.scenario.military import ARMENIAN, BeltLayout
from landrelease.scenario.parameters import Geography, MapParams
from landrelease.scenario.timeline import Days, day


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


Transform = tuple[float, float, float, float, float]
"""How a record misdraws its minefield: rotate by ``angle`` (radians) about (``cx``, ``cy``),
then shift by (``dx``, ``dy``); stored as (dx, dy, angle, cx, cy)."""


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
    pick, sheet_of = _recorded_minefields(mf, group_side, group_kind, sheet_date, p, rng)
    n = len(pick)
    klass = np.array([k for k, _ in p.accuracy], dtype=object)[
        choice_index(rng, [w for _, w in p.accuracy], n)
    ]
    geoms = np.empty(n, dtype=object)
    transforms: list[Transform] = []
    for j, i in enumerate(pick):
        transforms.append(_misdrawing(window, mf.outline[i], klass[j], p, rng))
        geoms[j] = _moved(mf.outline[i], transforms[-1])
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
    row_geoms, rp, row_count, row_device = _mine_rows(
        mf, pick, transforms, layout, frame, sign, p, rng
    )
    return MapRecords(
        ids=np.concatenate([ids, [f"{ids[j]}-R{k + 1}" for k, j in enumerate(rp)]]).astype(object),
        geoms=np.concatenate([geoms, row_geoms]),
        source=np.concatenate([source, source[rp]]),
        device=np.concatenate([device, row_device]),
        reported_count=np.concatenate([reported, row_count]),
        laid=np.concatenate([laid, laid[rp]]),
        accuracy=np.concatenate([klass, klass[rp]]),
        group=np.concatenate([mf.group[pick], mf.group[pick][rp]]),
        row=np.concatenate([np.zeros(n, bool), np.ones(len(rp), bool)]),
        handed_over=np.concatenate([handed, handed[rp]]),
        sheets=tuple(sheets),
        sheet_area_m2=covered,
    )


def _recorded_minefields(
    mf: Minefields,
    group_side: I64,
    group_kind: NDArray[np.object_],
    sheet_date: dict[tuple[int, int], str],
    p: MapParams,
    rng: np.random.Generator,
) -> tuple[I64, list[tuple[int, int]]]:
    """The Armenian side's belt and position minefields whose centre lies on a handed-over
    sheet, less those the maps omit; with the sheet each one is on."""
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
    return pick, sheet_of


def _misdrawing(
    window: Window,
    outline: shapely.Geometry,
    klass: str,
    p: MapParams,
    rng: np.random.Generator,
) -> Transform:
    """How one record of class ``klass`` misdraws its minefield's ``outline``."""
    c = np.asarray(outline.centroid.coords[0])
    angle, cx, cy = 0.0, float(c[0]), float(c[1])
    if klass == "accurate":
        dx, dy = rng.normal(0, p.accurate_error_m / np.sqrt(2), 2)
    elif klass == "shifted":
        t, d = rng.uniform(0, 2 * np.pi), rng.uniform(*p.shift_m)
        dx, dy = d * np.cos(t), d * np.sin(t)
    elif klass == "rotated":
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
    return (float(dx), float(dy), float(angle), float(cx), float(cy))


def _mine_rows(
    mf: Minefields,
    pick: I64,
    transforms: list[Transform],
    layout: BeltLayout,
    frame: Frame,
    sign: int,
    p: MapParams,
    rng: np.random.Generator,
) -> tuple[Geoms, I64, I64, NDArray[np.object_]]:
    """Mine rows drawn on some belt records, misdrawn like their outline: the row lines,
    the record each belongs to (index into ``pick``), its mine count and device type."""
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
    return (
        np.array(row_geoms, dtype=object),
        np.array(row_parent, dtype=np.int64),
        np.array(row_count, dtype=np.int64),
        np.array(row_device, dtype=object),
    )


def _moved(g: shapely.Geometry, t: Transform) -> shapely.Geometry:
    """``g`` misdrawn by ``t``."""
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
