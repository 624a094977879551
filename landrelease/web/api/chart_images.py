"""The dashboard's charts as PNG images for reports, drawn with matplotlib from the same data
the page draws with Chart.js (:mod:`landrelease.web.dashboard`)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from landrelease.web.dashboard import ChartData


def _line(values: Sequence[float | None]) -> np.ndarray:
    """A line's values, ``None`` (no value there) as NaN: the line stops."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def chart_png(data: ChartData) -> bytes:
    """The chart as a PNG (a Figure of its own: thread-safe, no pyplot): bars stacked by their
    series' stack, side by side across stacks; lines over them, a band (``fill_to``) shaded
    between its two lines and named once."""
    fig = Figure(figsize=(6, 3.2), dpi=100, layout="constrained")
    ax = fig.subplots()
    is_ha = data.unit == "ha"
    if data.empty:
        ax.text(0.5, 0.5, "no records yet", ha="center", va="center", transform=ax.transAxes)
    else:
        x = np.arange(len(data.labels))
        bars = [s for s in data.series if s.kind == "bar"]
        groups = list(dict.fromkeys(s.stack or s.key for s in bars))
        width = 0.8 / max(len(groups), 1)
        bottoms = {g: np.zeros(len(x)) for g in groups}
        for s in bars:
            g = s.stack or s.key
            k = groups.index(g)
            offset = (k - (len(groups) - 1) / 2) * width
            values = np.nan_to_num(_line(s.values))
            ax.bar(x + offset, values, width, bottom=bottoms[g], color=s.colour, label=s.label)
            bottoms[g] = bottoms[g] + values
        lines = {s.key: s for s in data.series if s.kind == "line"}
        edges = {s.fill_to for s in lines.values() if s.fill_to}
        marker = "o" if len(x) <= 24 else None
        for i, s in enumerate(lines.values()):
            z = 2 + len(lines) - i  # the first in the data on top
            other = lines.get(s.fill_to) if s.fill_to else None
            if other is not None:
                lo, hi = _line(other.values), _line(s.values)
                ax.fill_between(
                    x,
                    lo,
                    hi,
                    where=~(np.isnan(lo) | np.isnan(hi)),
                    color=s.colour,
                    alpha=0.4,
                    linewidth=0,
                    label=s.band or s.label,
                    zorder=z,
                )
            elif s.key not in edges:
                ax.plot(
                    x,
                    _line(s.values),
                    color=s.colour,
                    marker=marker,
                    markersize=3,
                    label=s.label,
                    zorder=z,
                )
        step = max(1, len(x) // 12)
        ax.set_xticks(x[::step], [data.labels[i] for i in range(0, len(x), step)], fontsize=7)
        ax.yaxis.set_major_formatter(
            FuncFormatter(
                lambda v, _: f"{v:,.2f}".rstrip("0").rstrip(".") if is_ha else f"{v:,.0f}"
            )
        )
        ax.yaxis.set_major_locator(MaxNLocator(integer=not is_ha))
        named = len(data.series) - len(edges)
        long = max(len(s.label) for s in data.series) > 35
        fig.legend(loc="outside lower center", ncols=1 if long else min(3, named), fontsize=6)
    ax.set_title(f"{data.title} [{data.unit}]", fontsize=9)
    ax.set_ylabel(data.unit, fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
