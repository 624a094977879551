"""Risk maps kept in the workspace: the run, its per-hazard figures, and the map read back.

:func:`store_risk` keeps a computed map as a run (``risk_runs``) with its
per-hazard figures (``hazard_risk``); earlier runs stay. With the run go what
the survey needs to decide from it later without computing the map again:
the weights of the evidence patterns (for explanations in words), the
distance up to which features are exact, and **what the records were** when
the map was made (:func:`~landrelease.evidence.sources.evidence_stamp`).

:func:`latest_risk_run` reads a run back as a :class:`StoredRiskRun`;
:func:`load_risk_map` reads its GeoTIFF and rebuilds the evidence from the
read model, and refuses a map older than the records (:class:`StaleRiskMapError`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rasterio

from landrelease import settings
from landrelease.errors import UsageError
from landrelease.evidence.features import FEATURE_NAMES, TileComputer, coarse_layers, feature
from landrelease.evidence.grid import Grid
from landrelease.evidence.sources import EvidenceSet, evidence_from_workspace, evidence_stamp
from landrelease.risk.errors import ResidualErrors
from landrelease.risk.landuse import LandUseEffect
from landrelease.risk.models import WeightsOfEvidence
from landrelease.risk.run import RiskRun
from landrelease.risk.shift import Representativeness
from landrelease.store import Workspace, WorkspaceView, runs, tables

HAZARD_COLUMNS = (
    "hazard_id",
    "area_m2",
    "expected_devices",
    "mean_probability",
    "max_probability",
    "p_any_device",
)
"""The per-hazard figures a risk run keeps."""

RUN_AGAIN = "run `landrelease risk` again"


class StaleRiskMapError(UsageError):
    """The stored risk map was made from other records than the workspace holds now."""


def store_risk(
    source: Workspace | WorkspaceView, run: RiskRun, *, actor: str, raster: Path | None
) -> int:
    """Keep the run and its per-hazard figures in the workspace (earlier runs stay); its id."""
    ws = WorkspaceView.of(source).ws
    near_m = run.computer.near_m if run.computer is not None else settings.get("risk_near_m")
    summary = {
        "scores": {k: v.as_dict() for k, v in run.scores.items()},
        "training": run.training,
        "reliability": json.loads(run.reliability.to_json(orient="records")),
        "warnings": run.warnings,
        "seconds": run.seconds,
        "features": list(FEATURE_NAMES),
        "explainer": run.explainer.state(),
        "residual_errors": run.errors.state() if run.errors is not None else None,
        "representativeness": (
            run.representativeness.state() if run.representativeness is not None else None
        ),
        "land_use": run.land_use.state() if run.land_use is not None else None,
        "near_m": float(near_m),
        "rate_scale": (
            run.computer.coarse.rate_scale.state()
            if run.computer is not None and run.computer.coarse.rate_scale is not None
            else None
        ),
        "records": run.evidence.stamp,
    }
    with ws.begin() as conn:
        run_id = runs.add_run(
            conn,
            "risk",
            {
                "actor": actor,
                "model": run.model,
                "fallback": bool(run.fallback),
                "cell_m": float(run.grid.cell_m),
                "crs": run.grid.crs,
                "raster": str(raster) if raster else None,
                "summary": _finite(summary),
            },
        )
        tables.insert_frame(
            conn, "hazard_risk", run.hazard_stats[list(HAZARD_COLUMNS)], run_id=run_id
        )
    return run_id


def _finite(value: Any) -> Any:
    """JSON values with NaN and infinities as null (PostgreSQL's JSON refuses them)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class StoredRiskRun:
    """A risk run as the workspace keeps it."""

    run_id: int
    run_at: str | None
    actor: str | None
    model: str
    fallback: bool
    cell_m: float
    crs: str
    raster: Path | None
    """The GeoTIFF written (band 1 probability, band 2 expected devices), if one was."""
    summary: dict[str, Any]
    """Cross-validated scores, training cells, reliability, warnings, timings, the explainer's
    weights, and the records the map was made from (``records``)."""
    hazards: pd.DataFrame
    """Per-hazard figures: hazard_id, area_m2, expected_devices, mean_probability,
    max_probability, p_any_device."""

    @property
    def records(self) -> dict[str, list[str]] | None:
        """What the records were when the map was made (``None`` for maps kept before this)."""
        value = self.summary.get("records")
        return value if isinstance(value, dict) else None


def latest_risk_run(
    source: Workspace | WorkspaceView, *, run_id: int | None = None, with_raster: bool = False
) -> StoredRiskRun | None:
    """The latest risk run (or run ``run_id``; or the latest that wrote a GeoTIFF), ``None``
    when there is none."""
    ws = WorkspaceView.of(source).ws
    with ws.engine.connect() as conn:
        if run_id is None and with_raster:
            if not tables.has_table(conn, "risk_runs"):
                return None
            frame = tables.read_table(conn, "risk_runs", columns=["raster"])
            written = frame[frame["raster"].notna()]
            if not len(written):
                return None
            run_id = int(written["fid"].iloc[-1])
        row = runs.read_run(conn, "risk", run_id)
        if row is None:
            return None
        rid = int(row["fid"])
        figures = tables.read_table(conn, "hazard_risk", where={"run_id": rid})
    raster = row.get("raster")
    summary = row.get("summary")
    return StoredRiskRun(
        run_id=rid,
        run_at=row.get("run_at"),
        actor=row.get("actor"),
        model=str(row.get("model")),
        fallback=bool(row.get("fallback")),
        cell_m=float(row.get("cell_m") or 0.0),
        crs=str(row.get("crs")),
        raster=Path(raster) if isinstance(raster, str) and raster else None,
        summary=summary if isinstance(summary, dict) else {},
        hazards=figures[[c for c in HAZARD_COLUMNS if c in figures]].reset_index(drop=True),
    )


def read_geotiff(path: Path) -> tuple[Grid, np.ndarray, np.ndarray]:
    """A risk map's grid, probability (band 1) and expected devices (band 2)."""
    with rasterio.open(path) as src:
        t = src.transform
        grid = Grid(str(src.crs), t.c, t.f, t.a, src.width, src.height)
        return grid, src.read(1), src.read(2)


def _raster_records(path: Path) -> dict[str, Any] | None:
    """The records a GeoTIFF says it was made from (``None`` when it does not say)."""
    with rasterio.open(path) as src:
        text = src.tags().get("records")
    return json.loads(text) if text else None


def stale_layers(source: Workspace | WorkspaceView, stored: StoredRiskRun) -> list[str]:
    """The evidence layers changed since the map was made (empty: the map is current).

    A map kept before risk runs recorded their records is reported as changed
    (``records not recorded``), and so is a map in another metric CRS than the workspace's.
    """
    view = WorkspaceView.of(source)
    if stored.records is None:
        return ["records not recorded"]
    if stored.crs != view.metric_crs:
        return [f"metric CRS ({stored.crs} then, {view.metric_crs} now)"]
    now = evidence_stamp(view)
    return [name for name, stamp in now.items() if stored.records.get(name) != stamp]


@dataclass
class RiskMap:
    """A stored risk map read back with what the survey needs to decide from it: the grid and the
    two bands, the evidence rebuilt from the read model (for the hazards and the explanations)
    and the explainer's weights as kept with the run. The map itself is not recomputed."""

    run_id: int
    model: str
    fallback: bool
    grid: Grid
    probability: np.ndarray
    expected: np.ndarray
    evidence: EvidenceSet
    explainer: WeightsOfEvidence
    computer: TileComputer
    """Features at points and the hazards' cells (densities only: it predicts no tile)."""
    training: dict[str, int] = field(default_factory=dict)
    """Searched cells, those with a finding, and training cells, as the run learned from them."""
    cross_validated: bool = False
    """Whether the run measured its errors on spatial blocks it did not learn from."""
    errors: ResidualErrors | None = None
    """Those errors, behind every bound (``None``: not measured, or a run kept before bounds)."""
    representativeness: Representativeness | None = None
    """How unlike the searched land the active hazards were (``None``: not measured)."""
    land_use: LandUseEffect | None = None
    """The equivalent searched share of each kind of land in use, as the run measured it."""


def load_risk_map(source: Workspace | WorkspaceView, *, run_id: int | None = None) -> RiskMap:
    """The latest stored risk map (or run ``run_id``), ready for the survey.

    Refused (:class:`StaleRiskMapError`, "the risk map is older than the records: run
    `landrelease risk` again", naming the layers that changed) when any evidence layer
    changed since the map was made, or when its GeoTIFF now holds another map; refused
    (:class:`UsageError`) when there is no map or its GeoTIFF is missing.
    """
    view = WorkspaceView.of(source)
    stored = latest_risk_run(view, run_id=run_id)
    if stored is None:
        which = "no risk map yet" if run_id is None else f"no risk run {run_id}"
        raise UsageError(f"the workspace has {which}: run `landrelease risk` first")
    raster = stored.raster
    if raster is None or not raster.exists():
        where = f" ({raster})" if raster else ""
        raise UsageError(f"the GeoTIFF of risk run {stored.run_id}{where} is missing: {RUN_AGAIN}")
    changed = stale_layers(view, stored)
    if not changed and _raster_records(raster) not in (None, stored.records):
        changed = [f"{raster} now holds another map"]
    if changed:
        raise StaleRiskMapError(
            f"the risk map is older than the records: {RUN_AGAIN} "
            f"(risk run {stored.run_id}; changed since: {', '.join(changed)})"
        )
    evidence = evidence_from_workspace(view)
    if evidence.stamp != stored.records:
        raise StaleRiskMapError(
            f"the records changed while the risk map was read: {RUN_AGAIN} "
            f"(risk run {stored.run_id})"
        )
    grid, probability, expected = read_geotiff(raster)
    near_m = float(stored.summary.get("near_m") or settings.get("risk_near_m"))
    coarse = coarse_layers(
        evidence, grid, near_m=near_m, distances=False, rate_sigma_m=_rate_sigma(stored.summary)
    )
    try:
        explainer = WeightsOfEvidence.from_state(stored.summary["explainer"])
    except (KeyError, TypeError, ValueError):
        raise StaleRiskMapError(
            f"risk run {stored.run_id} was kept without the weights that explain it: {RUN_AGAIN}"
        ) from None
    return RiskMap(
        run_id=stored.run_id,
        model=stored.model,
        fallback=stored.fallback,
        grid=grid,
        probability=probability,
        expected=expected,
        evidence=evidence,
        explainer=explainer,
        computer=TileComputer(evidence, grid, coarse, near_m=near_m),
        training={k: int(v) for k, v in (stored.summary.get("training") or {}).items()},
        cross_validated=bool(stored.summary.get("scores")),
        errors=_errors(stored.summary.get("residual_errors")),
        representativeness=_alike(stored.summary.get("representativeness")),
        land_use=_land_use(stored.summary.get("land_use")),
    )


def _rate_sigma(summary: dict[str, Any]) -> float:
    """The σ of the local finding rate the stored map was made with (a map kept before the σ was
    chosen was made at the feature's fixed σ)."""
    try:
        return float(summary["rate_scale"]["sigma_m"])
    except (KeyError, TypeError, ValueError):
        return feature("rate_found").scale_m


def _land_use(state: Any) -> LandUseEffect | None:
    try:
        return LandUseEffect.from_state(state) if state else None
    except (KeyError, TypeError, ValueError):
        return None


def _alike(state: Any) -> Representativeness | None:
    try:
        return Representativeness.from_state(state)
    except (KeyError, TypeError, ValueError):
        return None


def _errors(state: Any) -> ResidualErrors | None:
    try:
        return ResidualErrors.from_state(state) if state else None
    except (KeyError, TypeError, ValueError):
        return None
