"""The orchestrator: world → window → truth → evidence → hazards → history → package.

:func:`generate` wires the pure functions of the other modules (:func:`build`)
and writes the evidence package (``DATA_CONTRACT.md``) plus ``truth/`` and
``scenario.json`` (:mod:`.package`) through a temporary folder, renamed into
place only when everything is written.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import shapely

from landrelease.domain import vocab
from landrelease.errors import UsageError
from landrelease.scenario import evidence as ev
from landrelease.scenario.calibration import CalibrationRow, Figures, calibrate, markdown
from landrelease.scenario.contamination import Devices, Minefields, minefields
from landrelease.scenario.generated import Scenario
from landrelease.scenario.geography import SCALES, Window, window_for
from landrelease.scenario.geometry import Grid, polyline_distance, rng_for
from landrelease.scenario.hazards import (
    Hazards,
    build_hazards,
    evidence_zones,
    hazard_of,
    truly_contaminated_share,
)
from landrelease.scenario.history import (
    History,
    redate_incidents,
    release_history,
    return_programme,
    returns_so_far,
)
from landrelease.scenario.infrastructure import Infrastructure
from landrelease.scenario.land_use import land_in_use
from landrelease.scenario.military import ARMENIAN, Positions
from landrelease.scenario.package import write_package
from landrelease.scenario.parameters import DEFAULT, Parameters
from landrelease.scenario.resources import (
    Table,
    assets,
    eore_sessions,
    funding,
    organisations,
)
from landrelease.scenario.settlements import Settlements
from landrelease.scenario.spending import expenditures
from landrelease.scenario.timeline import day
from landrelease.scenario.world import World, build_world, world_devices

Progress = Callable[[str, float], None]
"""Called with (step name, fraction of the whole run done, 0–1)."""

REGIONS = ("karabakh",)
STEPS = ("world", "truth", "evidence", "hazards", "history", "programme", "writing")


@dataclass(frozen=True)
class ScenarioResult:
    """What :func:`generate` made."""

    out: Path
    seed: int
    scale: str
    counts: dict[str, int]
    """Records written per layer (and ``truth``: every device placed, as ``truth/`` lists them)."""
    n_devices: int
    """Every device placed in the ground (the items of ``truth/``), found since or not."""
    calibration: tuple[CalibrationRow, ...]
    seconds: float
    devices_found: int = 0
    """Devices of ``truth/`` removed after a finding by the scenario's last date."""
    devices_set_off: int = 0
    """Devices of ``truth/`` set off in an incident by the scenario's last date."""
    expenditures: Table | None = None
    """Money spent on the approved activities: not a layer of the package (the data contract
    has none for it), recorded into a workspace as a user records it —
    :func:`landrelease.records.money.record_expenditures`, as ``landrelease record spend``
    does."""

    @property
    def devices_left(self) -> int:
        """Devices still in the ground at the scenario's last date."""
        return self.n_devices - self.devices_found - self.devices_set_off

    def summary(self) -> str:
        """The devices placed, found and left in the ground, then the records of each layer:
        '493,737 devices placed (truth/): 58,330 since found and 211 set off in incidents,
        435,196 still in the ground; records: hazards 1,507, …'."""
        records = ", ".join(f"{k} {v:,}" for k, v in self.counts.items() if v and k != "truth")
        return (
            f"{self.n_devices:,} devices placed (truth/): {self.devices_found:,} since found and "
            f"{self.devices_set_off:,} set off in incidents, {self.devices_left:,} still in "
            f"the ground; records: {records}"
        )

    def calibration_markdown(self) -> str:
        """The calibration table as Markdown: figure | generated | real reference | range | ok."""
        return markdown(self.calibration)


def generate(
    *,
    region: str = "karabakh",
    seed: int = 7,
    scale: str = "small",
    out: Path,
    progress: Progress | None = None,
    params: Parameters = DEFAULT,
) -> ScenarioResult:
    """Generate the synthetic region ``region`` at ``scale`` with ``seed`` into folder ``out``.

    Same seed and scale give byte-identical files. ``out`` is replaced only once
    everything is written; on failure nothing is left behind.
    """
    if region not in REGIONS:
        raise UsageError(
            f"unknown region {region!r}: the built-in regions are {', '.join(REGIONS)} "
            "(the folder to write to is given with --out)"
        )
    if scale not in SCALES:
        raise UsageError(f"unknown scale {scale!r}: give one of {', '.join(SCALES)}")
    started = time.perf_counter()
    sc = build(seed=seed, scale=scale, params=params, progress=progress)
    if progress:
        progress("writing", STEPS.index("writing") / len(STEPS))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)
    try:
        counts = write_package(sc, tmp, seed=seed, scale=scale, params=params)
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if progress:
        progress("done", 1.0)
    return ScenarioResult(
        out=out,
        seed=seed,
        scale=scale,
        counts=counts,
        n_devices=len(sc.devices),
        calibration=sc.calibration,
        seconds=time.perf_counter() - started,
        devices_found=int((sc.history.removed_by == "finding").sum()),
        devices_set_off=int((sc.history.removed_by == "incident").sum()),
        expenditures=sc.expenditures,
    )


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Rename the finished folder to ``out``, replacing an older one."""
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{tmp.name}"
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build(
    *, seed: int, scale: str, params: Parameters = DEFAULT, progress: Progress | None = None
) -> Scenario:
    """Generate one window of the world in memory (no files).

    The phases follow the world's history: the world and its war, the window's
    truth, the evidence a programme gathers, its hazard register, six years of
    land release, then the programme's money, assets and risk education. Each
    phase draws from its own named random streams (``rng_for(seed, name, scale)``).
    """

    def step(name: str) -> None:
        if progress:
            progress(name, STEPS.index(name) / len(STEPS))

    step("world")
    world = build_world(seed, params)
    window = window_for(SCALES[scale], world.land, params.geography)
    step("truth")
    truth = _window_truth(world, window)
    step("evidence")
    found = _gather_evidence(world, window, truth, params, seed, scale)
    step("hazards")
    hazards = _hazard_register(world, truth, found, params, seed, scale)
    step("history")
    released = _land_release(world, truth, found, hazards, params, seed, scale)
    step("programme")
    return _programme(world, window, truth, found, hazards, released, params, seed, scale)


@dataclass(frozen=True)
class _Truth:
    """What really lies in the window: devices, settlements, infrastructure, positions."""

    devices: Devices
    settlements: Settlements
    infrastructure: Infrastructure
    positions: Positions


@dataclass(frozen=True)
class _Evidence:
    """What the programme comes to know, and the grid and exposure it was drawn on."""

    grid: Grid
    land: np.ndarray
    """Cells of the grid on the window's land."""
    exposure: ev.Exposure
    minefields: Minefields
    records: ev.MapRecords
    seen: ev.SeenPositions
    incidents: ev.Incidents
    statements: ev.Statements


@dataclass(frozen=True)
class _Release:
    """Six years of land release, with the incidents and testimony redated to fit it."""

    history: History
    programme: np.ndarray
    """Settlements in the return programme."""
    incidents: ev.Incidents
    statements: ev.Statements


def _window_truth(world: World, window: Window) -> _Truth:
    """The world's devices, settlements, infrastructure and positions inside the window."""
    sw = world.settlements
    pw = world.positions
    return _Truth(
        devices=world_devices(world, window.land),
        settlements=sw.take(window.contains(sw.x, sw.y)),
        infrastructure=world.infrastructure.within(window.land),
        positions=pw.take(window.contains(pw.x, pw.y)),
    )


def _gather_evidence(
    world: World, window: Window, truth: _Truth, p: Parameters, seed: int, scale: str
) -> _Evidence:
    """Handed-over maps, positions seen on imagery, civilian incidents and testimony."""
    dev, sw, iw, pw = truth.devices, truth.settlements, truth.infrastructure, truth.positions
    grid = Grid.over(window.bounds, p.hazards.raster_m)
    land = grid.rasterize(np.array([window.land], dtype=object), all_touched=False).astype(bool)
    expo = ev.exposure(grid, land, sw, iw)
    weights = expo.weights(dev.x, dev.y, world.loc, p.incidents)
    mf = minefields(dev, p.maps.outline_margin_m)
    records = ev.handed_over_maps(
        window,
        mf,
        world.group_side(),
        world.group_kind(),
        world.belts,
        world.frame,
        world.sign,
        world.districts,
        p.geography,
        p.maps,
        rng_for(seed, "maps", scale),
    )
    sheets = set(records.sheets)
    keys = np.floor(np.column_stack([pw.x, pw.y]) / p.maps.sheet_m).astype(np.int64)
    on_sheet = np.array([(int(a), int(b)) in sheets for a, b in keys], bool) & (pw.side == ARMENIAN)
    seen = ev.seen_positions(window, pw, on_sheet, p.imagery, rng_for(seed, "imagery", scale))
    incidents = ev.civilian_incidents(dev, weights, p.incidents, rng_for(seed, "incidents", scale))
    people_at = expo.presence(p.testimony.presence_scales_m, p.testimony.presence_weights)
    said = ev.statements(
        window,
        dev,
        people_at,
        grid,
        weights["unauthorised_travel"],
        incidents,
        p.testimony,
        rng_for(seed, "testimony", scale),
    )
    return _Evidence(grid, land, expo, mf, records, seen, incidents, said)


def _hazard_register(
    world: World, truth: _Truth, found: _Evidence, p: Parameters, seed: int, scale: str
) -> Hazards:
    """The register drawn around the evidence: fronts, towns fought over, the withdrawal's
    villages and roads, positions seen, maps, witnesses and incidents."""
    sw, iw = truth.settlements, truth.infrastructure
    wd = np.array([world.districts.index(d) for d in p.geography.withdrawal_districts])
    roads = iw.of_kind("road")
    road_mid = shapely.get_coordinates(shapely.point_on_surface(roads.geoms)).reshape(-1, 2)
    road_wd = np.isin(world.districts.of(road_mid[:, 0], road_mid[:, 1]), wd)
    towns, villages, wd_s = sw.battle_2020 | sw.town, ~sw.town, np.isin(sw.district, wd)
    zones = evidence_zones(
        found.grid,
        found.land,
        world.loc,
        list(world.war_lines),
        np.column_stack([sw.x[towns], sw.y[towns]]),
        found.seen,
        found.records,
        found.statements,
        found.incidents,
        np.column_stack([sw.x[villages], sw.y[villages]]),
        np.column_stack([sw.x[wd_s], sw.y[wd_s]]),
        roads.geoms[road_wd],
        p.hazards,
    )
    return build_hazards(
        zones,
        found.records,
        found.statements,
        found.incidents,
        world.districts,
        iw,
        sw,
        p.hazards,
        rng_for(seed, "hazards", scale),
    )


def _land_release(
    world: World,
    truth: _Truth,
    found: _Evidence,
    hazards: Hazards,
    p: Parameters,
    seed: int,
    scale: str,
) -> _Release:
    """The return programme and the release of the register; incidents on land released
    before them are moved earlier, and their witnesses keep their delay."""
    dev, sw, iw, grid = truth.devices, truth.settlements, truth.infrastructure, found.grid
    incidents, said = found.incidents, found.statements
    in_hazard = hazard_of(dev.x, dev.y, hazards, grid)
    exploded = np.zeros(len(dev), bool)
    exploded[incidents.device_index] = True
    far_from_front = polyline_distance(sw.x, sw.y, world.loc) / p.returns.front_distance_scale_m
    programme = return_programme(sw, np.log1p(sw.population_planned) + far_from_front, p.returns)
    trunk = iw.take(iw.trunk & (iw.kind == "road"))
    on_trunk = np.zeros(len(hazards), bool)
    on_trunk[shapely.STRtree(hazards.geoms).query(trunk.geoms, predicate="intersects")[1]] = True
    hist = release_history(
        hazards,
        dev,
        in_hazard,
        exploded,
        sw,
        programme,
        on_trunk,
        world.relief,
        world.frame,
        world.districts,
        grid.lookup(found.exposure.d_settlement, dev.x, dev.y, np.inf),
        grid.lookup(found.exposure.d_road, dev.x, dev.y, np.inf),
        p.terrain.machine_max_slope_deg,
        p.history,
        p.incidents,
        p.resources,
        rng_for(seed, "history", scale),
    )
    told = said.incident >= 0
    delay = said.date[told] - incidents.date[said.incident[told]]
    incidents = redate_incidents(
        incidents, in_hazard, hist.released_on, rng_for(seed, "redate", scale)
    )
    dates = said.date.copy()
    dates[told] = incidents.date[said.incident[told]] + delay
    return _Release(hist, programme, incidents, replace(said, date=dates))


def _programme(
    world: World,
    window: Window,
    truth: _Truth,
    found: _Evidence,
    hazards: Hazards,
    released: _Release,
    p: Parameters,
    seed: int,
    scale: str,
) -> Scenario:
    """Returns so far, money, assets and risk education; then the calibration table."""
    sw, hist, programme = truth.settlements, released.history, released.programme
    ret = returns_so_far(sw, hazards, hist.closed_on, programme, p.returns)
    fund = funding(window.land_share, p.resources, p.history, rng_for(seed, "funding", scale))
    ast, people = assets(window.land_share, p.resources)
    sc = Scenario(
        world=world,
        window=window,
        devices=truth.devices,
        settlements=sw,
        infrastructure=truth.infrastructure,
        positions=truth.positions,
        minefields=found.minefields,
        records=found.records,
        seen=found.seen,
        incidents=released.incidents,
        statements=released.statements,
        hazards=hazards,
        history=hist,
        programme=programme,
        returned=ret.returned,
        funding=fund,
        organisations=organisations(p.resources),
        assets=ast,
        people=people,
        sessions=eore_sessions(sw, p.resources, rng_for(seed, "eore", scale)),
        calibration=(),
        land_use=land_in_use(
            hazards.geoms,
            truth.devices,
            sw,
            truth.infrastructure.of_kind("road").geoms,
            p.land_use,
            rng_for(seed, "land_use", scale),
        ),
    )
    spent = expenditures(hist.activities, fund, p.resources, rng_for(seed, "spending", scale))
    return replace(sc, calibration=calibrate(figures(sc, scale, p)), expenditures=spent)


def figures(sc: Scenario, scale: str, p: Parameters) -> Figures:
    """The scenario's figures that the calibration compares with the real ones."""
    dev, hist, inc, rec = sc.devices, sc.history, sc.incidents, sc.records
    all_h = np.concatenate([sc.hazards.geoms, hist.spot_hazards.geoms])
    share, _ = truly_contaminated_share(all_h, dev.x, dev.y, p.hazards.truth_cell_m)
    found = hist.findings.device_index
    tasks, task_of = np.unique(hist.findings.activity, return_inverse=True)
    per_task = {"all": tuple(np.bincount(task_of, minlength=len(tasks)).tolist())}
    for i, d in enumerate(vocab.DEVICES):
        hits = np.bincount(task_of, weights=dev.device[found] == i, minlength=len(tasks))
        per_task[d] = tuple(hits.astype(int).tolist())
    civ = inc.civilian
    by_2025 = (inc.date <= day("2025-04-03")) & civ
    accurate = ev.measured_accuracy(rec, dev, p.maps.accurate_min_share)
    outline = ~rec.row
    planned = sc.settlements.population_planned.astype(float)
    fund = sc.funding.columns
    source = np.asarray(fund["source"], dtype=object)
    amount = np.asarray(fund["amount_usd"], float)
    until = np.asarray(fund["date"], dtype=object) <= p.resources.funding_until
    return Figures(
        scale=scale,
        land_km2=sc.window.land_area_m2 / 1e6,
        land_share=sc.window.land_share,
        front_factor=sc.window.front_factor,
        devices=len(dev),
        hazard_km2=float(shapely.area(all_h).sum()) / 1e6,
        truly_contaminated_share=share,
        findings_by_device={
            d: int((dev.device[found] == i).sum()) for i, d in enumerate(vocab.DEVICES)
        },
        findings_per_task=per_task,
        incidents_by_activity={a: int((inc.activity[civ] == a).sum()) for a in ev.ACTIVITIES},
        civilian_victims_to_2025_04=sum(
            len(v) for v, u in zip(inc.victims, by_2025, strict=True) if u
        ),
        map_sheet_km2=rec.sheet_area_m2 / 1e6,
        sheet_km2=p.maps.sheet_m**2 / 1e6,
        map_records=int(outline.sum()),
        map_records_accurate=int(accurate[outline].sum()),
        released_km2=hist.activities.released_m2() / 1e6,
        released_km2_2023_04=hist.activities.released_m2("2023-04-30") / 1e6,
        devices_found=len(found),
        returned=int(sc.returned.sum()),
        planned=int(planned.sum()),
        planned_prewar_share=float(
            sc.settlements.population_before.sum() / sc.world.settlements.population_before.sum()
        ),
        effective_settlements=float(planned.sum() ** 2 / (planned**2).sum())
        if planned.sum()
        else 0.0,
        national_usd=float(amount[(source == "national") & until].sum()),
        foreign_usd=float(amount[(source != "national") & until].sum()),
        people=sc.people,
    )
