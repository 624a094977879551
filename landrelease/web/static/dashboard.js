// The dashboard: each <canvas data-chart> drawn with Chart.js (vendored from npm) from its
// /api/dashboard/{chart} JSON. Series with the same `stack` are stacked on one bar, others side
// by side; lines are drawn over the bars, a line with `fill_to` shades the band between it and
// that line, and a line without a value somewhere (null) stops there. The colours come from
// the server, so the page and the PNG agree. The page's filters
// are in each canvas's data-src (the same query string), so the charts agree with the headline. When every chart is
// drawn, <body data-charts-drawn="N"> says how many (the browser test waits for it).
"use strict";
(function () {
  const canvases = Array.from(document.querySelectorAll("canvas[data-chart]"));

  function message(canvas, text, cls) {
    const p = document.createElement("p");
    p.className = cls;
    p.textContent = text;
    canvas.parentElement.replaceWith(p);
  }

  function numberFormat(unit) {
    const digits = unit === "ha" ? 2 : 0;
    return (v) => Number(v).toLocaleString("en", { maximumFractionDigits: digits });
  }

  function draw(canvas, data) {
    const fmt = numberFormat(data.unit);
    const many = data.series.length > 6;
    const keys = data.series.map((s) => s.key);
    // a band (fill_to): shaded between its line and the other edge's, named once in the legend
    const edges = new Set(data.series.filter((s) => s.fill_to).map((s) => keys.indexOf(s.fill_to)));
    const bars = data.series.some((s) => s.kind !== "line");
    const points = data.labels.length > 24 ? 0 : 2;
    const datasets = data.series.map((s, i) => {
      if (s.kind !== "line") {
        return {
          type: "bar",
          label: s.label,
          data: s.values,
          backgroundColor: s.colour,
          borderColor: s.colour,
          borderWidth: 0,
          stack: s.stack || s.key,
        };
      }
      const band = s.fill_to ? keys.indexOf(s.fill_to) : -1;
      const thin = band >= 0 || edges.has(i);
      return {
        type: "line",
        label: s.label,
        band: s.band,
        data: s.values,
        borderColor: s.colour,
        backgroundColor: band >= 0 ? `${s.colour}66` : s.colour,
        borderWidth: thin ? 1 : 2.5,
        pointRadius: thin ? 0 : points,
        pointHoverRadius: 3,
        fill: band >= 0 ? band : false,
        // the band under every line; of the lines, the first in the data on top
        order: thin ? data.series.length + i : i,
      };
    });
    // eslint-disable-next-line no-undef
    return new Chart(canvas, {
      type: bars ? "bar" : "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: {
            stacked: bars,
            title: { display: true, text: data.x_label },
            ticks: { autoSkip: true, maxRotation: 0 },
          },
          y: {
            stacked: bars,
            beginAtZero: true,
            title: { display: true, text: data.unit },
            // counts (devices, people) and USD in whole steps; ha to two decimals
            ticks: data.unit === "ha" ? { callback: fmt } : { callback: fmt, precision: 0 },
          },
        },
        plugins: {
          // many series (funding sources): a smaller legend, in rows under the bars, so that
          // every source is named and the bars keep most of the height
          legend: {
            position: "bottom",
            labels: {
              ...(many ? { boxWidth: 9, padding: 6, font: { size: 10 } } : { boxWidth: 12 }),
              filter: (item) => !edges.has(item.datasetIndex),
              // a band named as a band, not by its late edge (the tooltip names each edge)
              generateLabels: (chart) =>
                // eslint-disable-next-line no-undef
                Chart.defaults.plugins.legend.labels.generateLabels(chart).map((item) => {
                  const band = chart.data.datasets[item.datasetIndex].band;
                  return band ? { ...item, text: band } : item;
                }),
            },
          },
          tooltip: {
            filter: (item) => item.parsed.y !== null,
            callbacks: {
              label: (ctx) => `${ctx.dataset.label}: ${fmt(ctx.parsed.y)} ${data.unit}`,
            },
          },
        },
      },
    });
  }

  async function one(canvas) {
    try {
      const r = await fetch(canvas.dataset.src, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!r.ok) {
        message(canvas, `The chart could not be loaded (${r.status}); the table below has its numbers.`, "error");
        return false;
      }
      const data = await r.json();
      const empty = !data.labels.length || data.series.every((s) => s.values.every((v) => !v));
      if (empty) {
        const filtered = canvas.dataset.src.includes("?");
        message(canvas, filtered ? "Nothing to draw under these filters." : "No records yet.", "chart-empty");
        return true;
      }
      draw(canvas, data);
      canvas.dataset.drawn = "true";
      return true;
    } catch (e) {
      message(canvas, `The chart could not be drawn (${e}); the table below has its numbers.`, "error");
      return false;
    }
  }

  Promise.all(canvases.map(one)).then((done) => {
    document.body.dataset.chartsDrawn = String(done.filter(Boolean).length);
  });
})();
