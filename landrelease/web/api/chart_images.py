"""The dashboard's charts as PNG images for reports, drawn with matplotlib from the same data
the page draws with Chart.js (:mod:`landrelease.web.dashboard`)."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from landrelease.web.dashboard import ChartData


def chart_png(data: ChartData) -> bytes:
    """The chart as a PNG (a Figure of its own: thread-safe, no pyplot): bars stacked by their
    series' stack, side by side across stacks; lines over them."""
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
            values = np.asarray(s.values, dtype=float)
            ax.bar(x + offset, values, width, bottom=bottoms[g], color=s.colour, label=s.label)
            bottoms[g] = bottoms[g] + values
        for s in data.series:
            if s.kind == "line":
                ax.plot(x, s.values, color=s.colour, marker="o", label=s.label)
        step = max(1, len(x) // 12)
        ax.set_xticks(x[::step], [data.labels[i] for i in range(0, len(x), step)], fontsize=7)
        ax.yaxis.set_major_formatter(
            FuncFormatter(
                lambda v, _: f"{v:,.2f}".rstrip("0").rstrip(".") if is_ha else f"{v:,.0f}"
            )
        )
        ax.yaxis.set_major_locator(MaxNLocator(integer=not is_ha))
        long = max(len(s.label) for s in data.series) > 35
        fig.legend(
            loc="outside lower center", ncols=1 if long else min(3, len(data.series)), fontsize=6
        )
    ax.set_title(f"{data.title} [{data.unit}]", fontsize=9)
    ax.set_ylabel(data.unit, fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
