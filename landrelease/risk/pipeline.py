"""From a workspace to a calibrated risk map: the orchestration of evidence, training and prediction.

:func:`compute_risk` reads the evidence through the read model, measures record
reliability, builds the training cells from searched land, cross-validates the
chosen model and the distance baseline over spatial blocks, calibrates, and
predicts every cell of the hazards and the searched land tile by tile — in
this process or on a Dask cluster (``scheduler``), with identical results.
:func:`write_geotiff` writes the map as a cloud-optimised GeoTIFF;
:func:`~landrelease.risk.store.store_risk` keeps the run and the per-hazard
figures in the workspace.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rasterio
import rasterio.features
import shapely

from landrelease import settings
from landrelease.errors import DataError, UsageError
from landrelease.evidence.depth import depth_statement
from landrelease.evidence.features import (
    FEATURE_NAMES,
    CoarseLayers,
    TileComputer,
    coarse_layers,
    halo_cells,
)
from landrelease.evidence.grid import Grid, Tile, crop
from landrelease.evidence.sources import EvidenceSet, evidence_from_workspace
from landrelease.risk.counts import DevicesPerFind, crossfit_counts, fit_counts
from landrelease.risk.errors import ResidualErrors, residual_errors
from landrelease.risk.landuse import (
    LandUseEffect,
    LandUseShares,
    apply,
    crossfit_shares,
    exposure_at,
    measure,
)
from landrelease.risk.metrics import Scores, score
from landrelease.risk.models import WeightsOfEvidence, make_model
from landrelease.risk.run import RiskRun
from landrelease.risk.shift import evidence_pieces, representativeness, sampled
from landrelease.risk.store import store_risk
from landrelease.risk.training import TrainingSet, training_set
from landrelease.risk.validation import calibrator, cross_validate, crossfit_calibrated
from landrelease.store import Workspace, WorkspaceView

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

    @classmethod
    def zeros(cls, n_hazards: int) -> HazardPartials:
        return cls(*(np.zeros(n_hazards + 1) for _ in range(5)))

    def add(self, other: HazardPartials) -> None:
        self.cells += other.cells
        self.expected += other.expected
        self.sum_p += other.sum_p
        self.log_none += other.log_none
        self.max_p = np.maximum(self.max_p, other.max_p)


@dataclass
class TileResult:
    tile: Tile
    probability: np.ndarray
    expected: np.ndarray
    hazards: HazardPartials
    pieces: np.ndarray | None = None
    """Evidence pieces of a fixed sample of the tile's active-hazard cells (:mod:`.shift`)."""


@dataclass(frozen=True)
class _Params:
    """The settings one computation uses, read once."""

    cell_m: float
    model: str
    seed: int
    near_m: float
    prior: float

    @classmethod
    def of(cls, cell_m: float | None, model: str | None) -> _Params:
        name = model or str(settings.get("risk_model"))
        make_model(name)  # refuses an unknown name before any work
        return cls(
            cell_m=float(cell_m or settings.get("risk_cell_m")),
            model=name,
            seed=int(settings.get("risk_seed")),
            near_m=float(settings.get("risk_near_m")),
            prior=float(settings.get("risk_prior_contamination")),
        )


@dataclass
class _Fit:
    model: str
    fallback: bool
    fitted: Any
    predictor: _Calibrated
    explainer: WeightsOfEvidence
    scores: dict[str, Scores]
    errors: ResidualErrors | None = None
    land_use: LandUseEffect | None = None


class _Calibrated:
    """A fitted model followed by its calibration: probabilities, and devices per cell scaled by
    how many devices held-out cells of the same risk held per device expected (``errors``)."""

    def __init__(
        self,
        model: Any,
        iso: Any | None,
        errors: ResidualErrors | None = None,
        counts: DevicesPerFind | None = None,
    ) -> None:
        self.model = model
        self.iso = iso
        self.errors = errors
        self.counts = counts
        self.land_use: LandUseShares | None = None
        """Land in use with its measured equivalent searched share (:mod:`.landuse`)."""

    def expected(self, p: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """Expected devices per cell: p × the devices per cell with a find that its evidence
        says (``counts``; λ = −ln(1 − p) without a count model), times the count scale at p,
        capped."""
        if self.counts is not None and X is not None:
            lam = p * self.counts.predict(X)
        else:
            lam = -np.log1p(-p)
        if self.errors is not None:
            lam = lam * self.errors.scale_at(p)
        return np.asarray(np.minimum(lam, MAX_EXPECTED_PER_CELL))

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
    shape = (tile.nrows, tile.ncols)
    hid = computer.hazard_cells.tile(tile)
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
    partial = HazardPartials.zeros(n_hazards)
    cropped = crop(tile, mask)
    if cropped is not None:
        sub, (rs, cs) = cropped
        feats = np.zeros((len(FEATURE_NAMES), tile.nrows, tile.ncols), dtype=np.float32)
        feats[:, rs, cs] = computer.compute(sub)  # only the box around the cells to predict
        r, c = np.nonzero(mask)
        X = feats[:, r, c].T
        prob = np.clip(predictor.probability(X), 0.0, 1 - 1e-9)
        if predictor.land_use is not None:
            in_use = predictor.land_use.burn(shape, transform, box)
            prob = apply(prob, in_use[r, c])
        expected = predictor.expected(prob, X)
        p[r, c], lam[r, c] = prob, expected
        h = hid[r, c]
        partial.cells = np.bincount(h, minlength=n_hazards + 1).astype(float)
        partial.expected = np.bincount(h, weights=expected, minlength=n_hazards + 1)
        partial.sum_p = np.bincount(h, weights=prob, minlength=n_hazards + 1)
        partial.log_none = np.bincount(h, weights=np.log1p(-prob), minlength=n_hazards + 1)
        np.maximum.at(partial.max_p, h, prob)
        keep = (h > 0) & sampled(r + tile.row0, c + tile.col0)
        return TileResult(tile, p, lam, partial, evidence_pieces(feats[:, r[keep], c[keep]].T))
    return TileResult(tile, p, lam, partial)


def compute_risk(
    source: Workspace | WorkspaceView,
    *,
    cell_m: float | None = None,
    model: str | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> RiskRun:
    """Compute the risk map of the workspace's hazards and searched land.

    Reads the workspace through the read model (a pipeline passes its view so that each
    layer is read once); the map is the same whichever day it is computed.
    """
    say = progress or (lambda _s, _f: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    params = _Params.of(cell_m, model)

    say("reading the evidence", 0.02)
    evidence, warnings = _evidence(WorkspaceView.of(source), params.cell_m)
    grid = _grid(evidence, params.cell_m)
    warnings += _outside(evidence, grid, margin_m=float(settings.get("risk_evidence_margin_m")))
    shallow = depth_statement(evidence.processed, evidence.findings)
    warnings += [shallow] if shallow else []
    timings["evidence"] = time.perf_counter() - t0

    t = time.perf_counter()
    say("evidence layers", 0.05)
    coarse = coarse_layers(evidence, grid, near_m=params.near_m)
    computer = TileComputer(evidence, grid, coarse, near_m=params.near_m)
    tiles = list(
        grid.tiles(
            size=int(settings.get("risk_tile_cells")),
            halo=halo_cells(grid, near_m=params.near_m),
        )
    )
    ts = training_set(
        evidence,
        grid,
        computer,
        tiles=tiles,
        block_m=float(settings.get("risk_block_m")),
        max_negatives=int(settings.get("risk_max_training_cells")),
        seed=params.seed,
        progress=lambda f: say("learning from searched land", 0.05 + 0.25 * f),
    )
    timings["training cells"] = time.perf_counter() - t

    t = time.perf_counter()
    fit = _fit(params, ts, warnings, say, exposed=_exposed(evidence, grid, ts))
    if fit.land_use is not None and evidence.land_use is not None:
        fit.predictor.land_use = LandUseShares.of(evidence.land_use, fit.land_use)
        warnings.append(fit.land_use.statement())
    timings["model"] = time.perf_counter() - t

    t = time.perf_counter()
    probability, expected, totals, active = _predict(
        tiles, computer=computer, predictor=fit.predictor, scheduler=scheduler, say=say
    )
    timings["prediction"] = time.perf_counter() - t
    alike = None
    if not fit.fallback:
        alike = representativeness(evidence_pieces(ts.X), ts.cell_weight, active, seed=params.seed)
        if alike is not None and alike.unlike:
            warnings.append(alike.statement())
    return RiskRun(
        grid=grid,
        model=fit.model,
        fallback=fit.fallback,
        probability=probability,
        expected=expected,
        hazard_stats=_hazard_stats(evidence, totals),
        scores=fit.scores,
        training={
            "searched_cells": ts.searched_cells,
            "positive_cells": ts.positive_cells,
            "training_cells": len(ts),
            "activities": ts.activities,
        },
        reliability=evidence.reliability,
        evidence=evidence,
        fitted=fit.fitted,
        explainer=fit.explainer,
        errors=fit.errors,
        representativeness=alike,
        land_use=fit.land_use,
        warnings=warnings,
        seconds={**timings, "total": time.perf_counter() - t0},
        computer=computer,
    )


def _evidence(view: WorkspaceView, cell_m: float) -> tuple[EvidenceSet, list[str]]:
    """The evidence, refused without an active hazard or with an invalid one."""
    try:
        evidence = evidence_from_workspace(view)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    warnings: list[str] = []
    hazards = evidence.hazards
    if not len(hazards):
        raise DataError("the workspace has no active hazard: there is nothing to map")
    tiny = hazards.geometry.area < cell_m * cell_m
    if tiny.any():
        warnings.append(
            f"{int(tiny.sum())} hazard(s) smaller than one {cell_m:g} m cell "
            f"(e.g. {', '.join(hazards.loc[tiny, 'hazard_id'].head(3))}): they get the risk of the cell they touch"
        )
    invalid = ~hazards.geometry.is_valid
    if invalid.any():
        raise DataError(
            f"{int(invalid.sum())} hazard(s) have invalid geometry "
            f"(e.g. {', '.join(hazards.loc[invalid, 'hazard_id'].head(3))}); re-import them with --repair"
        )
    return evidence, warnings


def _grid(evidence: EvidenceSet, cell_m: float) -> Grid:
    """The grid over the hazards and searched land, two cells of margin around them."""
    b = evidence.bounds
    pad = 2 * cell_m
    return Grid.covering(
        (b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad),
        crs=evidence.crs,
        cell_m=cell_m,
        max_cells=int(settings.get("risk_max_cells")),
    )


def _exposed(evidence: EvidenceSet, grid: Grid, ts: TrainingSet) -> np.ndarray:
    """Each training cell's exposure to each kind of land in use: (cells, kinds)."""
    lu = evidence.land_use
    if lu is None or not len(lu) or not len(ts):
        return np.zeros((len(ts), 0))
    x, y = grid.centres(ts.rows, ts.cols)
    return exposure_at(lu, x, y)


def _fit(
    params: _Params,
    ts: TrainingSet,
    warnings: list[str],
    say: Progress,
    *,
    exposed: np.ndarray | None = None,
) -> _Fit:
    """Fit, cross-validate and calibrate the chosen model (expert weights without searched land).

    ``exposed``: each training cell's exposure to land in use, by kind; the equivalent searched
    share of each kind is measured on the calibrated out-of-fold probabilities, and cross-fitted
    into the held-out errors (:mod:`.landuse`)."""
    name, seed, prior = params.model, params.seed, params.prior
    scores: dict[str, Scores] = {}
    explainer = WeightsOfEvidence(prior=prior)
    fallback = ts.positive_cells == 0 or ts.searched_cells == ts.positive_cells
    if fallback:
        warnings.append(
            "no searched land with and without findings to learn from: using the weights-of-evidence model "
            "with expert weights (uncalibrated); add approved technical survey and clearance results"
        )
        fitted: Any = explainer.expert()
        return _Fit("evidence", True, fitted, _Calibrated(fitted, None), explainer, scores)
    folds = int(settings.get("risk_folds"))
    errors: ResidualErrors | None = None
    land_use: LandUseEffect | None = None
    if len(np.unique(ts.block)) < 2:
        warnings.append(
            "all searched land lies in one spatial block: too little to cross-validate or calibrate; "
            "the map is fitted but its scores are unknown"
        )
        fitted = make_model(name, seed=seed, prior=prior).fit(ts.X, ts.y, sample_weight=ts.weight)
        predictor = _Calibrated(fitted, None)
    else:
        say(f"cross-validating the {name} model over spatial blocks", 0.32)
        cv = cross_validate(name, ts, folds=folds, seed=seed, prior=prior)
        fitted = make_model(name, seed=seed, prior=prior).fit(ts.X, ts.y, sample_weight=ts.weight)
        found = ts.found if ts.found is not None else ts.y.astype(float)
        per_find = crossfit_counts(ts.X, ts.y, found, ts.share, cv.fold, seed=seed)
        counts = (
            fit_counts(ts.X, ts.y, found, ts.share, seed=seed) if per_find is not None else None
        )
        predictor = _Calibrated(fitted, calibrator(cv.oof, ts.y, ts.weight), counts=counts)
        held_out = crossfit_calibrated(cv.oof, ts.y, ts.weight, cv.fold)
        max_share = float(np.clip(settings.get("risk_land_use_max_share"), 0.0, 1.0))
        if max_share > 0 and exposed is not None and exposed.size and (exposed > 0).any():
            level = float(settings.get("risk_bound_level"))
            share = ts.share if ts.share is not None else np.ones(len(ts))
            args = (held_out, found, share, ts.cell_weight, exposed)
            land_use = measure(*args, level=level, max_share=max_share, block=ts.block, seed=seed)
            in_use = crossfit_shares(
                *args, cv.fold, level=level, max_share=max_share, block=ts.block, seed=seed
            )
            held_out = apply(held_out, in_use)
        errors = residual_errors(
            held_out,
            ts.devices,
            ts.cell_weight,
            ts.block,
            level=float(settings.get("risk_bound_level")),
            seed=seed,
            per_find=per_find,
        )
        if errors is not None:
            predictor.errors = errors
        # the scores of the probabilities the map gives held-out land: calibrated on the other
        # folds (the Brier score of raw scores says nothing of the map), land in use counted
        scores[name] = score(held_out, ts.y, ts.weight)
        if name != "distance":
            base = cross_validate("distance", ts, folds=folds, seed=seed, prior=prior)
            scores["distance"] = score(
                crossfit_calibrated(base.oof, ts.y, ts.weight, base.fold), ts.y, ts.weight
            )
    explainer.fit(ts.X, ts.y, sample_weight=ts.weight)
    return _Fit(name, False, fitted, predictor, explainer, scores, errors, land_use)


def _predict(
    tiles: list[Tile],
    *,
    computer: TileComputer,
    predictor: _Calibrated,
    scheduler: str | None,
    say: Progress,
) -> tuple[np.ndarray, np.ndarray, HazardPartials, np.ndarray]:
    """Predict every tile; the map's two bands, the per-hazard sums and the evidence pieces of a
    sample of the active-hazard cells."""
    grid = computer.grid
    n_h = len(computer.evidence.hazards)
    probability = np.full(grid.shape, np.nan, dtype=np.float32)
    expected = np.full(grid.shape, np.nan, dtype=np.float32)
    totals = HazardPartials.zeros(n_h)
    pieces: list[np.ndarray] = []
    for k, res in enumerate(
        _run_tiles(
            tiles, computer=computer, predictor=predictor, n_hazards=n_h, scheduler=scheduler
        )
    ):
        rows, cols = res.tile.window
        probability[rows, cols] = res.probability
        expected[rows, cols] = res.expected
        totals.add(res.hazards)
        if res.pieces is not None:
            pieces.append(res.pieces)
        say("predicting", 0.4 + 0.6 * (k + 1) / len(tiles))
    sample = np.concatenate(pieces) if pieces else np.zeros((0, 0), dtype=bool)
    return probability, expected, totals, sample


def _hazard_stats(evidence: EvidenceSet, totals: HazardPartials) -> pd.DataFrame:
    return pd.DataFrame(
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
    """Write the map as a cloud-optimised GeoTIFF: band 1 probability, band 2 expected devices per
    cell; its tags name the model, the cell size, the scores and the records it was made from."""
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
                records=json.dumps(run.evidence.stamp, sort_keys=True),
            )
        rio_copy(tmp, path, driver="COG", COMPRESS="DEFLATE", PREDICTOR="3", OVERVIEWS="AUTO")
    finally:
        tmp.unlink(missing_ok=True)
    return path


__all__ = [
    "CoarseLayers",
    "RiskRun",
    "TrainingSet",
    "compute_risk",
    "predict_tile",
    "store_risk",
    "write_geotiff",
]
