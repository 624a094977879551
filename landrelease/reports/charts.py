"""Charts and maps for reports, drawn with matplotlib (Agg) into PNG bytes.

Maps use the project's own layers only (no tiles, no network): hazards,
released land, settlements, incidents, in the workspace's metric CRS, with
a scale bar and a north arrow.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure as MplFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

DPI = 150
WIDTH_IN = 7.0
PALETTE = {
    "cancelled": "#60a5fa",
    "reduced": "#fbbf24",
    "cleared": "#16a34a",
    "AP": "#dc2626",
    "AT": "#7c3aed",
    "UXO": "#f59e0b",
    "AXO": "#0891b2",
    "IED": "#4b5563",
    "killed": "#991b1b",
    "injured": "#f97316",
    "open hazard": "#ef4444",
    "closed hazard": "#86efac",
    "settlement": "#1d4ed8",
    "incident": "#111827",
}
plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 8.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 9.5,
        "axes.titleweight": "bold",
        "svg.fonttype": "path",
    }
)


def _png(fig: MplFigure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def bar_chart(
    categories: Sequence[str],
    values: Sequence[float],
    *,
    ylabel: str,
    colors: Sequence[str] | None = None,
    label_fmt: str = ",.0f",
) -> bytes:
    """Vertical bars with their values written on top."""
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.4))
    cols = list(colors) if colors else [PALETTE.get(c, "#b45309") for c in categories]
    bars = ax.bar(list(categories), list(values), color=cols)
    ax.set_ylabel(ylabel)
    for b, v in zip(bars, values, strict=True):
        ax.annotate(
            format(v, label_fmt),
            (b.get_x() + b.get_width() / 2, b.get_height()),
            ha="center",
            va="bottom",
            fontsize=7.5,
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.margins(y=0.18)
    return _png(fig)


def stacked_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    ylabel: str,
    highlight: str | None = None,
) -> bytes:
    """Stacked bars per label (e.g. months), one colour per series; ``highlight`` is outlined."""
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.6))
    bottom = np.zeros(len(labels))
    x = np.arange(len(labels))
    for name, vals in series.items():
        v = np.asarray(vals, dtype=float)
        if not v.any():
            continue
        ax.bar(x, v, bottom=bottom, label=name, color=PALETTE.get(name), width=0.75)
        bottom += v
    if highlight in labels:
        i = list(labels).index(str(highlight))
        ax.bar([i], [bottom[i]], fill=False, edgecolor="#111827", linewidth=1.4, width=0.8)
    ax.set_xticks(x, list(labels), rotation=45, ha="right")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, ncols=min(5, len(series)), loc="upper left", fontsize=7.5)
    ax.margins(y=0.2)
    return _png(fig)


@dataclass
class MapLayer:
    """One layer of a map, in EPSG:4326."""

    frame: gpd.GeoDataFrame
    label: str
    style: dict[str, Any] = field(default_factory=dict)
    kind: str = "polygon"
    """polygon, point or line: how it appears in the legend."""
    annotate: str | None = None
    """Column whose values are written beside the features."""


def map_figure(
    layers: Sequence[MapLayer],
    *,
    crs: str,
    focus: gpd.GeoSeries | None = None,
    pad_m: float = 1500.0,
    raster: tuple[np.ndarray, tuple[float, float, float, float], str] | None = None,
    height_in: float = 5.0,
) -> bytes:
    """A map of the layers in the metric CRS; ``focus`` sets the extent (padded by ``pad_m``).

    ``raster``: (values, (xmin, xmax, ymin, ymax) in the metric CRS, colour-bar label),
    drawn beneath the layers.
    """
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height_in))
    handles: list[Any] = []
    if raster is not None:
        values, extent, label = raster
        shown = np.ma.masked_less_equal(values, values.max() * 0.02 if values.size else 0)
        im = ax.imshow(shown, origin="lower", extent=extent, cmap="OrRd", alpha=0.85, zorder=0)
        fig.colorbar(im, ax=ax, shrink=0.7, label=label)
    for layer in layers:
        if not len(layer.frame):
            continue
        g = layer.frame.to_crs(crs)
        g.plot(ax=ax, zorder=2 if layer.kind == "polygon" else 3, **layer.style)
        if layer.annotate:
            for geom, text in zip(g.geometry, g[layer.annotate], strict=True):
                p = geom.representative_point()
                ax.annotate(
                    str(text),
                    (p.x, p.y),
                    fontsize=6.5,
                    xytext=(3, 3),
                    textcoords="offset points",
                    zorder=4,
                )
        handles.append(_legend_handle(layer))
    ext = _extent(layers, crs, focus, pad_m, raster)
    if ext is not None:
        ax.set_xlim(ext[0], ext[2])
        ax.set_ylim(ext[1], ext[3])
    ax.set_aspect("equal")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(True)
        s.set_color("#9ca3af")
    _scale_bar(ax)
    ax.annotate(
        "N ↑", xy=(0.97, 0.95), xycoords="axes fraction", ha="right", fontsize=9, fontweight="bold"
    )
    if handles:
        ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9)
    ax.text(
        1.0,
        -0.02,
        f"coordinates in {crs}; no base map",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=6.5,
        color="#6b7280",
    )
    return _png(fig)


def _legend_handle(layer: MapLayer) -> Any:
    st = layer.style
    if layer.kind == "point":
        return Line2D(
            [],
            [],
            marker=st.get("marker", "o"),
            linestyle="",
            color=st.get("color", "#111827"),
            markersize=6,
            label=layer.label,
        )
    if layer.kind == "line":
        return Line2D(
            [], [], color=st.get("edgecolor", st.get("color", "#111827")), label=layer.label
        )
    return Patch(
        facecolor=st.get("color", st.get("facecolor", "none")),
        edgecolor=st.get("edgecolor", "#374151"),
        label=layer.label,
    )


def _extent(
    layers: Sequence[MapLayer],
    crs: str,
    focus: gpd.GeoSeries | None,
    pad_m: float,
    raster: tuple[np.ndarray, tuple[float, float, float, float], str] | None,
) -> tuple[float, float, float, float] | None:
    if focus is not None and len(focus):
        b = focus.to_crs(crs).total_bounds
    else:
        frames = [layer.frame.to_crs(crs) for layer in layers if len(layer.frame)]
        if not frames:
            if raster is None:
                return None
            x0, x1, y0, y1 = raster[1]
            return (x0, y0, x1, y1)
        b = np.array(
            [
                min(f.total_bounds[0] for f in frames),
                min(f.total_bounds[1] for f in frames),
                max(f.total_bounds[2] for f in frames),
                max(f.total_bounds[3] for f in frames),
            ]
        )
    return (b[0] - pad_m, b[1] - pad_m, b[2] + pad_m, b[3] + pad_m)


def _scale_bar(ax: Any) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    span = (x1 - x0) / 4
    if span <= 0:
        return
    mag = 10 ** math.floor(math.log10(span))
    length = max(m * mag for m in (1, 2, 5) if m * mag <= span)
    bx, by = x1 - (x1 - x0) * 0.05 - length, y0 + (y1 - y0) * 0.05
    ax.plot(
        [bx, bx + length], [by, by], color="#111827", linewidth=2.5, solid_capstyle="butt", zorder=5
    )
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.annotate(
        text,
        (bx + length / 2, by),
        ha="center",
        va="bottom",
        fontsize=7,
        xytext=(0, 3),
        textcoords="offset points",
    )
