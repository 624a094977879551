"""Big point layers (findings, incidents) thinned for the map.

:func:`points_or_clusters` keeps a layer of tens of thousands of points usable in
a browser: within the map's view it returns the points themselves when there are
few enough, else counts on a grid of cells, each placed at the mean position of
its points. Vectorised with numpy; nothing per point in Python beyond the GeoJSON
of the points sent.
"""

from __future__ import annotations

import json

import numpy as np

from landrelease.web.api.geojson import FeatureIndex


def points_or_clusters(
    index: FeatureIndex,
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
