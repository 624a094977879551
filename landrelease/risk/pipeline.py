"""From a workspace to a calibrated risk map: the orchestration of evidence, training and prediction.

:func:`compute_risk` reads the evidence, measures record reliability, builds
the training cells from searched land, cross-validates the chosen model and
the distance baseline over spatial blocks, calibrates, and predicts every
cell of the hazards and the searched land tile by tile — in this process or
on a Dask cluster (``scheduler``), with identical results. :func:`write_geotiff`
writes the map as a cloud-optimised GeoTIFF; :func:`store_risk` keeps the run
and the per-hazard figures in the workspace.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rasterio
import rasterio.features
import shapely

from landrelease import settings
from landrelease.errors import DataError, UsageError
from landrelease.evidence.features import (
    FEATURE_NAMES,
    CoarseLayers,
    TileComputer,
    coarse_layers,
    halo_cells,
)
from landrelease.evidence.grid import Grid, Tile, crop
from landrelease.evidence.sources import EvidenceSet, evidence_from_workspace
from landrelease.risk.metrics import Scores
from landrelease.risk.models import WeightsOfEvidence, make_model
from landrelease.risk.training import TrainingSet, training_set
from landrelease.risk.validation import calibrator, cross_validate
from landrelease.store import Workspace
from landrelease.store.sql import insert_rows, now_iso

Progress = Callable[[str, float], None]
MAX_EXPECTED_PER_CELL = 50.0


@dataclass
class HazardPartials:
    """Per-hazard sums over the cells of one tile."""

    cells: np.ndarray
    expected: np.ndarray
    sum_p: np.ndarray
    log_none: np.ndarray
    """Σ ln(1 − p): the probability of no device at all is its exponential."""
    max_p: np.ndarray


@dataclass
class TileResult:
    tile: Tile
    probability: np.ndarray
    expected: np.ndarray
    hazards: HazardPartials


@dataclass
class RiskRun:
    """A computed risk map and what went into it."""

    grid: Grid
    model: str
    fallback: bool
    probability: np.ndarray
    """P(at least one device) per cell; NaN outside the hazards and searched land."""
    expected: np.ndarray
    """Expected devices per cell, λ = −ln(1 − p) (Poisson)."""
    hazard_stats: pd.DataFrame
    scores: dict[str, Scores]
    training: dict[str, int]
    reliability: pd.DataFrame
    evidence: EvidenceSet
    fitted: Any
    """The fitted model (its ``contributions`` explain decisions)."""
    explainer: WeightsOfEvidence
    """A weights-of-evidence model fitted on the same cells, for explanations in words."""
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    computer: TileComputer | None = None


class _Calibrated:
    """A fitted model followed by its isotonic calibration."""

    def __init__(self, model: Any, iso: Any | None) -> None:
        self.model = model
        self.iso = iso

    def probability(self, X: np.ndarray) -> np.ndarray:
        p = self.model.predict_proba(X)[:, 1]
        return np.asarray(self.iso.predict(p) if self.iso is not None else p, dtype=np.float64)


def predict_tile(
    tile: Tile, *, computer: TileComputer, predictor: _Calibrated, n_hazards: int
) -> TileResult:
    """Risk of the tile's cells inside hazards or searched land, and per-hazard partial sums (pure)."""
    g = computer.grid
    core = Tile(tile.row0, tile.col0, tile.nrows, tile.ncols, 0)
    transform = g.window_transform(core)
    box = shapely.box(*g.window_bounds(core))
    ev = computer.evidence
    hz_geoms = ev.hazards.geometry.values.to_numpy()
    shape = (tile.nrows, tile.ncols)
    hz_idx = computer.hazard_tree.query(box) if len(hz_geoms) else np.array([], dtype=int)
    hid = (
        rasterio.features.rasterize(
            ((hz_geoms[i], int(i) + 1) for i in hz_idx),
            out_shape=shape,
            transform=transform,
            fill=0,
            dtype="int32",
        )
        if len(hz_idx)
        else np.zeros(shape, np.int32)
    )
    mask = hid > 0
    pr_geoms = ev.processed.geometry.values.to_numpy()
    pr_idx = computer.processed_tree.query(box) if len(pr_geoms) else np.array([], dtype=int)
    if len(pr_idx):
        mask |= (
            rasterio.features.rasterize(
                ((pr_geoms[i], 1) for i in pr_idx),
                out_shape=shape,
                transform=transform,
                fill=0,
                dtype="uint8",
            )
            > 0
        )
    p = np.full(shape, np.nan, dtype=np.float32)
    lam = np.full(shape, np.nan, dtype=np.float32)
    zeros = np.zeros(n_hazards + 1)
    partial = HazardPartials(zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy())
    cropped = crop(tile, mask)
    if cropped is not None:
        sub, (rs, cs) = cropped
        feats = np.zeros((len(FEATURE_NAMES), tile.nrows, tile.ncols), dtype=np.float32)
        feats[:, rs, cs] = computer.compute(sub)  # only the box around the cells to predict
        r, c = np.nonzero(mask)
        prob = np.clip(predictor.probability(feats[:, r, c].T), 0.0, 1 - 1e-9)
        expected = np.minimum(-np.log1p(-prob), MAX_EXPECTED_PER_CELL)
        p[r, c], lam[r, c] = prob, expected
        h = hid[r, c]
        partial.cells = np.bincount(h, minlength=n_hazards + 1).astype(float)
        partial.expected = np.bincount(h, weights=expected, minlength=n_hazards + 1)
        partial.sum_p = np.bincount(h, weights=prob, minlength=n_hazards + 1)
        partial.log_none = np.bincount(h, weights=np.log1p(-prob), minlength=n_hazards + 1)
        np.maximum.at(partial.max_p, h, prob)
    return TileResult(tile, p, lam, partial)


def compute_risk(
    ws: Workspace,
    *,
    cell_m: float | None = None,
    model: str | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> RiskRun:
    """Compute the risk map of the workspace's hazards and searched land."""
    say = progress or (lambda _s, _f: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cell_m = float(cell_m or settings.get("risk_cell_m"))
    name = model or str(settings.get("risk_model"))
    make_model(name)  # refuses an unknown name before any work
    seed = int(settings.get("risk_seed"))
    near_m = float(settings.get("risk_near_m"))
    prior = float(settings.get("risk_prior_contamination"))

    say("reading the evidence", 0.02)
    try:
        evidence = evidence_from_workspace(ws)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    warnings: list[str] = []
    if not len(evidence.hazards):
        raise DataError("the workspace has no active hazard: there is nothing to map")
    tiny = evidence.hazards.geometry.area < cell_m * cell_m
    if tiny.any():
        warnings.append(
            f"{int(tiny.sum())} hazard(s) smaller than one {cell_m:g} m cell "
            f"(e.g. {', '.join(evidence.hazards.loc[tiny, 'hazard_id'].head(3))}): they get the risk of the cell they touch"
        )
    invalid = ~evidence.hazards.geometry.is_valid
    if invalid.any():
        raise DataError(
            f"{int(invalid.sum())} hazard(s) have invalid geometry "
            f"(e.g. {', '.join(evidence.hazards.loc[invalid, 'hazard_id'].head(3))}); re-import them with --repair"
        )
    b = evidence.bounds
    pad = 2 * cell_m
    grid = Grid.covering(
        (b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad),
        crs=evidence.crs,
        cell_m=cell_m,
        max_cells=int(settings.get("risk_max_cells")),
    )
    warnings += _outside(evidence, grid, margin_m=float(settings.get("risk_evidence_margin_m")))
    timings["evidence"] = time.perf_counter() - t0

    t = time.perf_counter()
    say("evidence layers", 0.05)
    coarse = coarse_layers(evidence, grid, near_m=near_m)
    computer = TileComputer(evidence, grid, coarse, near_m=near_m)
    tiles = list(
        grid.tiles(size=int(settings.get("risk_tile_cells")), halo=halo_cells(grid, near_m=near_m))
    )
    ts = training_set(
        evidence,
        grid,
        computer,
        tiles=tiles,
        block_m=float(settings.get("risk_block_m")),
        max_negatives=int(settings.get("risk_max_training_cells")),
        seed=seed,
        progress=lambda f: say("learning from searched land", 0.05 + 0.25 * f),
    )
    timings["training cells"] = time.perf_counter() - t

    t = time.perf_counter()
    scores: dict[str, Scores] = {}
    explainer = WeightsOfEvidence(prior=prior)
    fallback = ts.positive_cells == 0 or ts.searched_cells == ts.positive_cells
    if fallback:
        warnings.append(
            "no searched land with and without findings to learn from: using the weights-of-evidence model "
            "with expert weights (uncalibrated); add approved technical survey and clearance results"
        )
        name = "evidence"
        fitted: Any = explainer.expert()
        predictor = _Calibrated(fitted, None)
    else:
        folds = int(settings.get("risk_folds"))
        if len(np.unique(ts.block)) < 2:
            warnings.append(
                "all searched land lies in one spatial block: too little to cross-validate or calibrate; "
                "the map is fitted but its scores are unknown"
            )
            fitted = make_model(name, seed=seed, prior=prior).fit(
                ts.X, ts.y, sample_weight=ts.weight
            )
            predictor = _Calibrated(fitted, None)
        else:
            say(f"cross-validating the {name} model over spatial blocks", 0.32)
            cv = cross_validate(name, ts, folds=folds, seed=seed, prior=prior)
            scores[name] = cv.scores
            if name != "distance":
                scores["distance"] = cross_validate(
                    "distance", ts, folds=folds, seed=seed, prior=prior
                ).scores
            fitted = make_model(name, seed=seed, prior=prior).fit(
                ts.X, ts.y, sample_weight=ts.weight
            )
            predictor = _Calibrated(fitted, calibrator(cv.oof, ts.y, ts.weight))
        explainer.fit(ts.X, ts.y, sample_weight=ts.weight)
    timings["model"] = time.perf_counter() - t

    t = time.perf_counter()
    n_h = len(evidence.hazards)
    probability = np.full(grid.shape, np.nan, dtype=np.float32)
    expected = np.full(grid.shape, np.nan, dtype=np.float32)
    totals = HazardPartials(*(np.zeros(n_h + 1) for _ in range(5)))
    for k, res in enumerate(
        _run_tiles(
            tiles, computer=computer, predictor=predictor, n_hazards=n_h, scheduler=scheduler
        )
    ):
        rows, cols = res.tile.window
        probability[rows, cols] = res.probability
        expected[rows, cols] = res.expected
        totals.cells += res.hazards.cells
        totals.expected += res.hazards.expected
        totals.sum_p += res.hazards.sum_p
        totals.log_none += res.hazards.log_none
        totals.max_p = np.maximum(totals.max_p, res.hazards.max_p)
        say("predicting", 0.4 + 0.6 * (k + 1) / len(tiles))
    timings["prediction"] = time.perf_counter() - t

    hazard_stats = pd.DataFrame(
        {
            "hazard_id": evidence.hazards["hazard_id"].to_numpy(),
            "area_m2": evidence.hazards.geometry.area.to_numpy(),
            "cells": totals.cells[1:],
            "expected_devices": totals.expected[1:],
            "mean_probability": totals.sum_p[1:] / np.maximum(totals.cells[1:], 1),
            "max_probability": totals.max_p[1:],
            "p_any_device": 1 - np.exp(totals.log_none[1:]),
        }
    )
    return RiskRun(
        grid=grid,
        model=name,
        fallback=fallback,
        probability=probability,
        expected=expected,
        hazard_stats=hazard_stats,
        scores=scores,
        training={
            "searched_cells": ts.searched_cells,
            "positive_cells": ts.positive_cells,
            "training_cells": len(ts),
        },
        reliability=evidence.reliability,
        evidence=evidence,
        fitted=fitted,
        explainer=explainer,
        warnings=warnings,
        seconds={**timings, "total": time.perf_counter() - t0},
        computer=computer,
    )


def _outside(evidence: EvidenceSet, grid: Grid, *, margin_m: float) -> list[str]:
    """Warn about evidence too far from the mapped hazards to matter (it is not used)."""
    minx, miny, maxx, maxy = grid.bounds
    region = shapely.box(minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m)
    out = []
    for name, shapes in evidence.groups.items():
        if not len(shapes) or name in ("sha", "cha"):
            continue
        far = ~shapely.intersects(shapes.geoms, region)
        if far.any():
            out.append(
                f"{int(far.sum())} of {len(shapes)} {name.replace('_', ' ')} lie more than {margin_m / 1000:g} km "
                "outside the mapped hazards and searched land: they do not change the map"
            )
    return out


def _run_tiles(
    tiles: list[Tile],
    *,
    computer: TileComputer,
    predictor: _Calibrated,
    n_hazards: int,
    scheduler: str | None,
) -> Any:
    """Yield tile results, in this process or on a Dask cluster."""
    if scheduler is None:
        for tile in tiles:
            yield predict_tile(tile, computer=computer, predictor=predictor, n_hazards=n_hazards)
        return
    from dask.distributed import Client, as_completed

    try:
        client = Client(scheduler, timeout=10) if isinstance(scheduler, str) else scheduler
    except OSError as exc:
        raise UsageError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    [c_fut] = client.scatter([computer], broadcast=True)
    [p_fut] = client.scatter([predictor], broadcast=True)
    futures = client.map(
        predict_tile, tiles, computer=c_fut, predictor=p_fut, n_hazards=n_hazards, pure=True
    )
    for fut in as_completed(futures):
        yield fut.result()


def write_geotiff(run: RiskRun, path: Path) -> Path:
    """Write the map as a cloud-optimised GeoTIFF: band 1 probability, band 2 expected devices per cell."""
    from rasterio.shutil import copy as rio_copy

    path = Path(path)
    if not path.parent.exists():
        raise UsageError(f"folder {path.parent} does not exist")
    tmp = path.with_suffix(".tmp.tif")
    g = run.grid
    profile = {
        "driver": "GTiff",
        "width": g.nx,
        "height": g.ny,
        "count": 2,
        "dtype": "float32",
        "crs": g.crs,
        "transform": g.transform,
        "nodata": math.nan,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
    }
    try:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(run.probability, 1)
            dst.write(run.expected, 2)
            dst.set_band_description(1, "probability of at least one device in the cell")
            dst.set_band_description(2, "expected devices in the cell")
            dst.update_tags(
                model=run.model,
                cell_m=str(g.cell_m),
                scores=json.dumps({k: v.as_dict() for k, v in run.scores.items()}),
            )
        rio_copy(tmp, path, driver="COG", COMPRESS="DEFLATE", PREDICTOR="3", OVERVIEWS="AUTO")
    finally:
        tmp.unlink(missing_ok=True)
    return path


def store_risk(ws: Workspace, run: RiskRun, *, actor: str, raster: Path | None) -> int:
    """Keep the run and its per-hazard figures in the workspace (earlier runs stay)."""
    summary = {
        "scores": {k: v.as_dict() for k, v in run.scores.items()},
        "training": run.training,
        "reliability": json.loads(run.reliability.to_json(orient="records")),
        "warnings": run.warnings,
        "seconds": run.seconds,
        "features": list(FEATURE_NAMES),
    }
    with ws.begin() as conn:
        insert_rows(
            conn,
            "risk_runs",
            ("run_at", "actor", "model", "fallback", "cell_m", "crs", "raster", "summary"),
            [
                (
                    now_iso(),
                    actor,
                    run.model,
                    run.fallback,
                    run.grid.cell_m,
                    run.grid.crs,
                    str(raster) if raster else None,
                    json.dumps(summary),
                )
            ],
        )
        run_id = int(conn.exec_driver_sql("SELECT max(fid) FROM risk_runs").scalar() or 0)
        hs = run.hazard_stats
        insert_rows(
            conn,
            "hazard_risk",
            (
                "run_id",
                "hazard_id",
                "area_m2",
                "expected_devices",
                "mean_probability",
                "max_probability",
                "p_any_device",
            ),
            [
                (run_id, h, float(a), float(e), float(m), float(x), float(p))
                for h, a, e, m, x, p in zip(
                    hs["hazard_id"],
                    hs["area_m2"],
                    hs["expected_devices"],
                    hs["mean_probability"],
                    hs["max_probability"],
                    hs["p_any_device"],
                    strict=True,
                )
            ],
        )
    return run_id


__all__ = [
    "CoarseLayers",
    "RiskRun",
    "TrainingSet",
    "compute_risk",
    "predict_tile",
    "store_risk",
    "write_geotiff",
]
