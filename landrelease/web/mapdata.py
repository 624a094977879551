"""What the map draws beyond plain features: the plan by quarter, and big point layers thinned.

* :func:`plan_quarters` turns the latest plan's tasks into one row per hazard
  (the quarter its work starts and the quarter it is done) and running totals
  per quarter (hazards done, hectares released, people able to return), so
  the map's time slider recolours hazards without asking the server again.
* :func:`points_or_clusters` keeps a layer of tens of thousands of points
  (findings, incidents) usable in a browser: within the map's view it returns
  the points themselves when there are few enough, else counts on a grid of
  cells, each placed at the mean position of its points. Vectorised with
  numpy; nothing per point in Python beyond the GeoJSON of the points sent.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from landrelease.planning.store import latest_run, read_table
from landrelease.store import Workspace
from landrelease.web import features as ft

M2_PER_HA = 10_000


def quarter(value: Any, *, sep: str = "-") -> str | None:
    """``YYYY-MM`` or a date → ``YYYY-Qn`` (``sep`` between year and quarter); ``None`` for
    an empty or unreadable value. The one quarter label of the map, dashboard and settlements."""
    text = ft.plain(value)
    text = str(text)[:10] if text else ""
    if len(text) < 7 or not text[:4].isdigit() or not text[5:7].isdigit() or text[:4] == "0000":
        return None
    return f"{text[:4]}{sep}Q{(int(text[5:7]) - 1) // 3 + 1}"


def _quarters(values: pd.Series) -> pd.Series:
    return pd.Series([quarter(v) for v in values], index=values.index, dtype=object)


def _quarter_range(first: str, last: str) -> list[str]:
    y, q = int(first[:4]), int(first[-1])
    out = []
    while (y, q) <= (int(last[:4]), int(last[-1])):
        out.append(f"{y}-Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def plan_quarters(ws: Workspace) -> dict[str, Any]:
    """The latest plan by quarter: per hazard ``[start, done]`` indices into ``quarters``
    (``done`` is -1 when the plan does not finish it by its horizon) and cumulative totals."""
    run = latest_run(ws, "plan")
    tasks = read_table(ws, "plan_tasks", run)
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
    ready = read_table(ws, "plan_readiness", run)
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


def points_or_clusters(
    index: ft.FeatureIndex,
    bbox: tuple[float, float, float, float] | None,
    *,
    max_points: int,
    cells: int,
) -> bytes:
    """The features of ``index`` within ``bbox`` as GeoJSON when at most ``max_points``,
    else a FeatureCollection of grid clusters (``count`` and the cell's mean position)."""
    rows = index.select(bbox, None)
    rows = rows[np.isfinite(index.x[rows])]
    head = f'{{"type":"FeatureCollection","numberMatched":{len(rows)},'
    if len(rows) <= max_points:
        return (head + '"mode":"points","features":[').encode() + index.page(rows) + b"]}"
    x, y = index.x[rows], index.y[rows]
    x0, y0, x1, y1 = bbox if bbox is not None else (x.min(), y.min(), x.max(), y.max())
    w = max((x1 - x0) / cells, 1e-9)
    h = max((y1 - y0) / cells, 1e-9)
    ix = np.clip(((x - x0) / w).astype(int), 0, cells - 1)
    iy = np.clip(((y - y0) / h).astype(int), 0, cells - 1)
    cell, inverse, counts = np.unique(iy * cells + ix, return_inverse=True, return_counts=True)
    mx = np.bincount(inverse, weights=x) / counts
    my = np.bincount(inverse, weights=y) / counts
    features = [
        {
            "type": "Feature",
            "id": f"cell-{int(k)}",
            "geometry": {"type": "Point", "coordinates": [round(float(a), 6), round(float(b), 6)]},
            "properties": {"count": int(n)},
        }
        for k, a, b, n in zip(cell, mx, my, counts, strict=True)
    ]
    body = json.dumps(features, separators=(",", ":"))
    return (head + f'"mode":"clusters","features":{body}}}').encode()
