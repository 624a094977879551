"""The priorities job: every hazard with work left, scored by transparent multi-criteria analysis."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import landrelease.planning.store as pstore
from landrelease import settings
from landrelease.planning.assets import load_assets
from landrelease.planning.basis import (
    always_available,
    basis,
    collect_notes,
    default_start,
    weights_from,
)
from landrelease.planning.common import MONTHS_PER_YEAR, month_range
from landrelease.planning.inputs import load_inputs
from landrelease.planning.priorities import Weights, score_hazards, sensitivity
from landrelease.planning.results import PriorityResult
from landrelease.store import Workspace, WorkspaceView


def prioritise(
    source: Workspace | WorkspaceView,
    *,
    weights: Weights | None = None,
    weights_file: Path | None = None,
    top_n: int | None = None,
    change: float | None = None,
    assets_file: Path | None = None,
    write: bool = True,
) -> PriorityResult:
    """Score every hazard with work left by multi-criteria analysis; show the weights' sensitivity."""
    view = WorkspaceView.of(source)
    notes: list[str] = []
    w = weights_from(weights, weights_file)
    normalised = w.normalised()
    top = int(top_n if top_n is not None else settings.get("priority_top_n"))
    step = float(change if change is not None else settings.get("priority_sensitivity_change"))
    with collect_notes(notes):
        inputs = load_inputs(view)
        first = default_start(inputs)
        months = month_range(first, first + 10 * MONTHS_PER_YEAR - 1)
        pool = always_available(load_assets(months, path=assets_file, workspace_rows=inputs.assets))
        b = basis(inputs, pool=pool)
    table = score_hazards(b.criteria, w)
    sens = sensitivity(b.criteria, w, top_n=top, change=step)
    result = PriorityResult(table, sens, normalised, b.task_source, top, notes)
    if write:
        with view.ws.begin() as conn:
            pstore.ensure_tables(conn)
            result.run_id = pstore.new_run(
                conn,
                "priorities",
                parameters={
                    "weights": normalised,
                    "task_source": b.task_source,
                    "sensitivity_change": step,
                },
                summary={
                    "hazards": len(table),
                    "top": table["hazard_id"].head(top).tolist(),
                    "notes": notes,
                },
            )
            pstore.write_frame(conn, "priorities", result.run_id, priority_rows(table))
    return result


def priority_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The ranked hazards as rows of the ``priorities`` table."""
    contrib = [c for c in table.columns if c.startswith("c_")]
    return pd.DataFrame(
        {
            "hazard_id": table["hazard_id"],
            "rank": table["rank"],
            "score": table["score"],
            "people": table["people"],
            "people_blocked": table["people_blocked"],
            "infrastructure": table["infrastructure"],
            "farmland_ha": table["farmland_ha"],
            "casualty_risk": table["casualty_risk"],
            "team_days": table["team_days"],
            "cost_usd": table["cost_usd"],
            "contributions": [
                {c[2:]: float(v) for c, v in zip(contrib, row, strict=True)}
                for row in table[contrib].itertuples(index=False, name=None)
            ],
            "settlements": table["settlements"],
        }
    )
