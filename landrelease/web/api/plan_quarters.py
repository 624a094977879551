"""The latest plan by quarter, for the map's time slider.

:func:`plan_quarters` turns the latest plan's tasks into one row per hazard (the
quarter its work starts and the quarter it is done) and running totals per
quarter (hazards done, hectares released, people able to return), so the map's
time slider recolours hazards without asking the server again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from landrelease.store import Workspace, WorkspaceView
from landrelease.web.labels import M2_PER_HA, quarter
from landrelease.web.plans import plan_rows


def _quarters(values: pd.Series) -> pd.Series:
    return pd.Series([quarter(v) for v in values], index=values.index, dtype=object)


def _quarter_range(first: str, last: str) -> list[str]:
    y, q = int(first[:4]), int(first[-1])
    out = []
    while (y, q) <= (int(last[:4]), int(last[-1])):
        out.append(f"{y}-Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def plan_quarters(source: Workspace | WorkspaceView) -> dict[str, Any]:
    """The latest plan by quarter: per hazard ``[start, done]`` indices into ``quarters``
    (``done`` is -1 when the plan does not finish it by its horizon) and cumulative totals."""
    view = WorkspaceView.of(source)
    run = view.latest_run("plan")
    tasks = plan_rows(view, "plan_tasks", run)
    empty: dict[str, Any] = {"run_id": run, "quarters": [], "hazards": {}, "totals": {}}
    if not len(tasks):
        return empty
    t = pd.DataFrame(
        {
            "hazard_id": tasks["hazard_id"].astype(object),
            "start": _quarters(tasks["start_month"]),
            "end": _quarters(tasks["end_month"]),
            "ha": pd.to_numeric(tasks["area_m2"]).fillna(0.0) / M2_PER_HA,
        }
    )
    ready = plan_rows(view, "plan_readiness", run)
    ready_q = _quarters(ready["plan_date"])
    known = [q for q in [*t["start"], *t["end"], *ready_q] if q]
    if not known:
        return empty
    quarters = _quarter_range(min(known), max(known))
    index = {q: i for i, q in enumerate(quarters)}
    per = t.groupby("hazard_id").agg(
        start=("start", lambda s: min((x for x in s if x), default=None)),
        done=("end", lambda s: max(s) if all(isinstance(x, str) for x in s) else None),
    )
    hazards = {str(h): [index.get(r.start, -1), index.get(r.done, -1)] for h, r in per.iterrows()}
    n = len(quarters)
    ha = np.zeros(n)
    ended = t[t["end"].notna()]
    np.add.at(ha, ended["end"].map(index).to_numpy(dtype=int), ended["ha"].to_numpy())
    done = np.zeros(n)
    done_idx = np.array([d for _, d in hazards.values() if d >= 0], dtype=int)
    np.add.at(done, done_idx, 1)
    people = np.zeros(n)
    if len(ready):
        has = ready_q.notna().to_numpy()
        pop = pd.to_numeric(ready["population_planned"]).fillna(0).to_numpy()[has]
        np.add.at(people, ready_q[has].map(index).to_numpy(dtype=int), pop)
    return {
        "run_id": run,
        "quarters": quarters,
        "hazards": hazards,
        "totals": {
            "hazards_done": np.cumsum(done).astype(int).tolist(),
            "released_ha": np.round(np.cumsum(ha), 1).tolist(),
            "people": np.cumsum(people).astype(int).tolist(),
        },
        "hazards_planned": len(hazards),
    }
