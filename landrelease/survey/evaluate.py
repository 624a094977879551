"""Score a risk map and its decisions against the ground truth a scenario ships (never used for fitting).

Over the cells of the active hazards, with the devices still in the ground:

* the map: ROC-AUC, PR-AUC, Brier score, and the share of hazard area that could
  be released while the rest keeps 99 % of the true devices (its area–recall curve);
* the decisions: the share of hazard area cancelled, the share of true devices
  inside technical-survey or clearance parts (recall), and the clean land (cells
  with no device) sent to survey or clearance per device found there;
* the map's total, when its expected devices are given: expected ÷ true devices in the
  hazards, split in two factors whose product it is — cells holding any device (Σ p ÷ true
  cells with a device) and devices per such cell (Σ λ ÷ Σ p against the truth's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely

from landrelease import settings
from landrelease.errors import UsageError
from landrelease.evidence.grid import Grid, HazardCells
from landrelease.risk.metrics import Scores, area_recall_curve, score
from landrelease.risk.store import latest_risk_run, read_geotiff
from landrelease.store import Workspace, WorkspaceView
from landrelease.survey.decisions import DECISIONS


@dataclass
class Evaluation:
    map: Scores
    decisions: dict[str, float]
    curve: tuple[np.ndarray, np.ndarray]
    devices_in_hazards: int
    devices_outside_hazards: int
    totals: dict[str, float] = field(default_factory=dict)
    """With the map's expected devices: ``expected_in_hazards``, ``total_ratio`` (expected ÷
    true), ``hits_ratio`` and ``per_find_ratio`` (its two factors; NaN without a true device)."""

    def table(self) -> pd.DataFrame:
        rows = [("map", k, v) for k, v in self.map.as_dict().items()] + [
            ("decisions", k, v) for k, v in self.decisions.items()
        ]
        rows += [("map", k, v) for k, v in self.totals.items()]
        rows += [
            ("truth", "devices_in_hazards", self.devices_in_hazards),
            ("truth", "devices_outside_hazards", self.devices_outside_hazards),
        ]
        return pd.DataFrame(rows, columns=["what", "measure", "value"])


def load_truth(folder: Path, crs: str) -> np.ndarray:
    """Devices still in the ground (x, y in ``crs``) from ``truth/items.parquet`` or ``items.geojson``."""
    folder = Path(folder)
    for name in ("items.parquet", "items.geojson", "items.gpkg"):
        path = folder / name
        if path.exists():
            items = gpd.read_parquet(path) if name.endswith(".parquet") else gpd.read_file(path)
            break
    else:
        raise UsageError(f"no truth/items.parquet, items.geojson or items.gpkg in {folder}")
    if "cleared" in items.columns:
        items = items[~items["cleared"].astype(bool)]
    pts = items.to_crs(crs).geometry.values.to_numpy()
    return np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])


def read_raster(path: Path) -> tuple[Grid, np.ndarray, np.ndarray]:
    """A risk map's grid, probability (band 1) and expected devices (band 2)."""
    return read_geotiff(path)


def evaluate(
    *,
    grid: Grid,
    probability: np.ndarray,
    hazards: gpd.GeoDataFrame,
    parts: gpd.GeoDataFrame,
    truth_xy: np.ndarray,
    expected: np.ndarray | None = None,
) -> Evaluation:
    """Scores of the map and the decisions against true device positions (all in ``grid.crs``);
    with ``expected`` (the map's expected devices per cell) its total against the truth too."""
    hz = hazards.to_crs(grid.crs)
    cells = HazardCells(hz.geometry.values.to_numpy(), grid).cells(
        tile_cells=int(settings.get("risk_tile_cells"))
    )[:2]
    row, col = grid.cell_of(truth_xy[:, 0], truth_xy[:, 1])
    on_grid = (row >= 0) & (row < grid.ny) & (col >= 0) & (col < grid.nx)
    counts = np.zeros(grid.shape, dtype=np.int64)
    np.add.at(counts, (row[on_grid], col[on_grid]), 1)
    in_hz = int(counts[cells].sum())
    p = np.nan_to_num(probability[cells].astype(np.float64), nan=0.0)
    dev = counts[cells].astype(np.float64)
    map_scores = score(p, (dev > 0).astype(np.int8), devices=dev)
    curve = area_recall_curve(p, dev)

    parts_m = parts.to_crs(grid.crs)
    code = np.full(grid.shape, -1, dtype=np.int8)
    if len(parts_m):
        levels = parts_m["decision"].map({d: i for i, d in enumerate(DECISIONS)}).to_numpy()
        burnt = rasterio.features.rasterize(
            ((g, int(v) + 1) for g, v in zip(parts_m.geometry.values, levels, strict=True)),
            out_shape=grid.shape,
            transform=grid.transform,
            fill=0,
            dtype="int16",
        )
        code = (burnt - 1).astype(np.int8)
    c = code[cells]
    worked = c >= 1
    cancelled = c == 0
    devices_worked = float(dev[worked].sum())
    clean_worked_m2 = float(((dev == 0) & worked).sum() * grid.cell_area_m2)
    decided = c >= 0
    decisions = {
        "share_area_cancelled": float(cancelled.sum() / max(decided.sum(), 1)),
        "true_recall": devices_worked / max(float(dev[decided].sum()), 1e-12),
        "devices_in_cancelled_land": float(dev[cancelled].sum()),
        "clean_m2_worked_per_device": clean_worked_m2 / max(devices_worked, 1e-12),
    }
    totals = {} if expected is None else total_factors(p, expected[cells], dev)
    # outside any hazard: every other device still in the ground, beyond the map's grid too
    return Evaluation(map_scores, decisions, curve, in_hz, len(truth_xy) - in_hz, totals)


def total_factors(p: np.ndarray, expected: np.ndarray, devices: np.ndarray) -> dict[str, float]:
    """The map's total over some cells against their true ``devices``, and its two factors:
    cells holding any device (Σ p ÷ true cells with a device) and devices per such cell
    (Σ expected ÷ Σ p against the true devices per cell with a device). Their product is the
    total's ratio; NaN where the truth or the map holds nothing."""
    lam = np.nan_to_num(np.asarray(expected, dtype=np.float64), nan=0.0)
    p = np.nan_to_num(np.asarray(p, dtype=np.float64), nan=0.0)
    hits, true = float((devices > 0).sum()), float(devices.sum())
    nan = float("nan")
    return {
        "expected_in_hazards": float(lam.sum()),
        "total_ratio": float(lam.sum()) / true if true else nan,
        "hits_ratio": float(p.sum()) / hits if hits else nan,
        "per_find_ratio": (float(lam.sum()) / float(p.sum())) / (true / hits)
        if hits and p.sum() > 0
        else nan,
    }


def plot_curve(
    evaluation: Evaluation, path: Path, *, title: str, others: dict[str, Evaluation] | None = None
) -> Path:
    """The area–recall curve as a PNG, with the decision taken marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5), dpi=110)
    for label, ev in {"this map": evaluation, **(others or {})}.items():
        released, kept = ev.curve
        step = max(1, len(released) // 2000)
        ax.plot(
            released[::step] * 100,
            kept[::step] * 100,
            label=f"{label} (released at 99 %: {ev.map.released_at_99:.0%})",
        )
    d = evaluation.decisions
    ax.scatter(
        [d["share_area_cancelled"] * 100],
        [d["true_recall"] * 100],
        color="black",
        zorder=5,
        label="decisions taken",
    )
    ax.axhline(99, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("hazard area released without physical work (%)")
    ax.set_ylabel("true devices left in land sent to survey or clearance (%)")
    ax.set_ylim(0, 101)
    ax.set_xlim(0, 100)
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def summary_line(ev: Evaluation) -> dict[str, Any]:
    return {
        **{k: round(v, 4) for k, v in ev.map.as_dict().items()},
        **{k: round(v, 4) for k, v in ev.decisions.items()},
    }


@dataclass
class EvaluationRun:
    evaluation: Evaluation
    chart: Path
    table: Path
    raster: Path
    model: str


def evaluate_latest(source: Workspace | WorkspaceView, truth: Path, out: Path) -> EvaluationRun:
    """Evaluate the workspace's latest risk map and survey decisions against ``truth``; write chart and table."""
    from landrelease.survey.store import read_parts

    view = WorkspaceView.of(source)
    truth = Path(truth)
    if not truth.exists():
        raise UsageError(f"no truth folder at {truth}")
    stored = latest_risk_run(view, with_raster=True)
    if stored is None or stored.raster is None:
        raise UsageError("the workspace has no risk map yet: run `landrelease survey` first")
    raster, model = stored.raster, stored.model
    if not raster.exists():
        raise UsageError(f"the latest risk map {raster} is missing; run `landrelease survey` again")
    parts = read_parts(view)
    if not len(parts):
        raise UsageError(
            "the workspace has no survey decisions yet: run `landrelease survey` first"
        )
    grid, probability, expected = read_raster(raster)
    hazards = view.layer("hazards")
    hazards = hazards[hazards["status"] != "closed"]
    ev = evaluate(
        grid=grid,
        probability=probability,
        hazards=hazards,
        parts=parts,
        truth_xy=load_truth(truth, grid.crs),
        expected=expected,
    )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    chart = plot_curve(
        ev, out / "area_recall.png", title=f"{model} model: area released vs devices kept"
    )
    table = out / "evaluation.csv"
    ev.table().to_csv(table, index=False)
    return EvaluationRun(ev, chart, table, raster, model)
