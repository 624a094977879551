// The map: the programme's own layers from this site's API (no CDN, no base map by default).
// Hazards are coloured by status, by survey decision or by the plan at a quarter chosen on a
// slider; a click on a hazard asks the server for its history, evidence and next step. Point
// layers (findings, incidents) are fetched for the view only, as counts when too many.
"use strict";
(function () {
  const STATUS_COLOURS = { active: "#d7301f", worked_on: "#fc8d59", closed: "#1a9850", released: "#1a9850" };
  const DECISION_COLOURS = {
    clearance: "#7b3294", battle_area_clearance: "#d95f02", technical_survey: "#fdb863", cancel: "#5e9ed6",
  };
  const LABELS = { battle_area_clearance: "battle-area clearance" };
  // what a field officer reads instead of the stored codes
  const WORDS = {
    cancel: "cancel (non-technical survey)", technical_survey: "technical survey",
    battle_area_clearance: "battle-area clearance", clearance: "full clearance",
    NTS: "non-technical survey", TS: "technical survey", BAC: "battle-area clearance",
    active: "active", worked_on: "being worked on", closed: "closed", released: "released",
    SHA: "suspected hazardous area (SHA)", CHA: "confirmed hazardous area (CHA)",
  };
  const word = (code) => WORDS[code] || String(code || "").replace(/_/g, " ");
  const PLAN_COLOURS = {
    "done by then": "#1a9850", "in work": "#fdae61", "planned later": "#fee08b",
    "not in the plan": "#bdbdbd", "already released": "#006837",
  };
  const el = document.getElementById("map");
  const statusBox = document.getElementById("map-status");
  const map = L.map(el, { preferCanvas: true, zoomControl: true }).setView([39.8, 46.8], 9);
  const basemap = el.dataset.basemap;
  if (basemap) { L.tileLayer(basemap, { maxZoom: 19 }).addTo(map); }

  function esc(v) {
    return String(v === null || v === undefined ? "" : v)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function ha(v) { return v === null || v === undefined ? "?" : Number(v).toFixed(2); }

  async function fetchJson(url) {
    try {
      const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      return r.ok ? await r.json() : null;
    } catch (e) { return null; }
  }

  async function fetchAll(collection) {
    const features = [];
    let url = "/collections/" + collection + "/items?limit=5000";
    while (url) {
      const page = await fetchJson(url);
      if (!page) { return null; }  // not readable by this user: the layer is left out
      features.push(...page.features);
      const next = (page.links || []).find((l) => l.rel === "next");
      url = next ? next.href : null;
    }
    return features;
  }

  function fc(features) { return { type: "FeatureCollection", features: features }; }

  // -- hazards: colour modes -------------------------------------------------------------
  const state = { mode: "status", quarter: 0, plan: null, mainDecision: {}, riskShown: false };

  function planClass(p) {
    if (p.status === "closed" || p.status === "released") { return "already released"; }
    const h = state.plan && state.plan.hazards[p.hazard_id];
    if (!h) { return "not in the plan"; }
    const [start, done] = h;
    if (done >= 0 && done <= state.quarter) { return "done by then"; }
    if (start >= 0 && start <= state.quarter) { return "in work"; }
    return "planned later";
  }

  function hazardFill(p) {
    if (state.mode === "decision") { return DECISION_COLOURS[state.mainDecision[p.hazard_id]] || "#bdbdbd"; }
    if (state.mode === "plan") { return PLAN_COLOURS[planClass(p)]; }
    return STATUS_COLOURS[p.status] || "#999";
  }

  function hazardStyle(f) {
    // with the risk surface shown, hazards are outlines over a faint fill, so the surface shows
    const fillOpacity = state.riskShown ? 0.12 : 0.6;
    return { color: "#333", weight: 1, fillColor: hazardFill(f.properties), fillOpacity: fillOpacity };
  }

  // -- a hazard's story, asked for on click ------------------------------------------------
  function list(items) { return items.length ? "<ul>" + items.join("") + "</ul>" : ""; }

  function hazardHtml(v) {
    const h = v.hazard, e = v.evidence, n = v.next_step;
    const parts = (e.survey || []).map((d) =>
      "<li><b>" + esc(word(d.decision)) + "</b> (" + ha(d.area_ha) + " ha): " + esc(d.evidence) +
      (d.confidence ? ". <i>" + esc(d.confidence) + "</i>" : "") + "</li>");
    const facts = [];
    if (e.risk) {
      facts.push("<li>risk map: " + Number(e.risk.expected_devices || 0).toFixed(1) +
        " devices expected; chance of at least one: " +
        Math.round(100 * Number(e.risk.p_any_device || 0)) + " %</li>");
    }
    if (e.findings) {
      const kinds = Object.entries(e.findings.by_device).map(([k, c]) => c + " " + esc(k)).join(", ");
      facts.push("<li>found inside: " + (e.findings.total ? kinds : "nothing yet") + "</li>");
    }
    if (e.incidents && e.incidents.total) {
      facts.push("<li>incidents inside: " + e.incidents.total + " (" + e.incidents.killed + " killed, " +
        e.incidents.injured + " injured), last " + esc(e.incidents.dates[e.incidents.dates.length - 1]) + "</li>");
    }
    const plan = (n.plan || []).map((t) => "<li>" + esc(word(t.method)) + " " + ha(t.area_ha) + " ha, " +
      (t.start_month ? esc(t.start_month) + " → " + esc(t.end_month || "after the horizon")
        : "not scheduled by the horizon") + "</li>");
    const history = v.history.slice(-12).map((ev) => "<li>" + esc(ev.date || "?") + " · " + esc(ev.text) +
      (ev.actor ? " <span class='who'>(" + esc(ev.actor) + ")</span>" : "") + "</li>");
    return "<div class='hazard-popup'><b>" + esc(h.hazard_id) + "</b> · " + esc(word(h.classification)) +
      "<br>status: " + esc(word(h.status)) + " · area: " + ha(h.area_ha) + " ha" +
      "<h4>next step</h4>" + esc(n.text) + list(plan) +
      "<h4>evidence</h4>" + (list(facts) || "") + (parts.length ? "decision:" + list(parts) : "decision: none yet") +
      "<h4>history</h4>" + (list(history) || "nothing recorded") + "</div>";
  }

  async function openHazard(layer) {
    const id = layer.feature.properties.hazard_id;
    layer.bindPopup("<div class='hazard-popup'>" + esc(id) + ": loading…</div>", { maxWidth: 380 }).openPopup();
    const v = await fetchJson("/api/hazards/" + encodeURIComponent(id));
    layer.setPopupContent(v ? hazardHtml(v) : "<div class='hazard-popup'>could not load " + esc(id) + "</div>");
  }

  // -- point layers: only the view, counts when too many -----------------------------------
  function pointLayer(collection, colour, describe) {
    const group = L.layerGroup();
    let seq = 0;
    group.total = null;
    group.refresh = async function () {
      if (!map.hasLayer(group)) { return; }
      const mine = ++seq;
      const b = map.getBounds();
      const box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(5)).join(",");
      const data = await fetchJson("/api/points/" + collection + "?bbox=" + box);
      if (mine !== seq) { return; }  // the view moved on
      group.clearLayers();
      if (!data) { group.total = null; return; }
      group.total = data.numberMatched;
      group.mode = data.mode;
      L.geoJSON(data, {
        pointToLayer: (f, ll) => {
          if (data.mode === "clusters") {
            const n = f.properties.count;
            return L.circleMarker(ll, { radius: Math.min(12, 3 + 2.5 * Math.log10(n)), color: "#555", weight: 0.5,
              fillColor: colour, fillOpacity: 0.7 }).bindTooltip(n + " " + collection + " (click to zoom in)")
              .on("click", () => map.setView(ll, Math.min(map.getZoom() + 2, 18)));
          }
          return L.circleMarker(ll, { radius: 4, color: "#000", weight: 1, fillColor: colour, fillOpacity: 0.9 })
            .bindPopup(describe(f.properties));
        },
      }).addTo(group);
      showStatus();
    };
    return group;
  }

  const findings = pointLayer("findings", "#ffd700", (p) =>
    "<b>" + esc(p.finding_id) + "</b><br>" + esc(p.device) + " " + esc(p.model || "") + "<br>" + esc(p.date));
  const incidents = pointLayer("incidents", "#000000", (p) =>
    "<b>" + esc(p.incident_id) + "</b><br>" + esc(p.date) + ": " + esc(p.killed) + " killed, " + esc(p.injured) + " injured");

  // -- controls: colour mode and the plan's quarter slider ---------------------------------
  let hazardLayer = null;
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = function () { this.div = L.DomUtil.create("div", "legend"); return this.div; };

  function drawLegend() {
    const colours = state.mode === "decision" ? DECISION_COLOURS : state.mode === "plan" ? PLAN_COLOURS
      : { active: STATUS_COLOURS.active, worked_on: STATUS_COLOURS.worked_on, closed: STATUS_COLOURS.closed };
    legend.div.textContent = "";
    Object.entries(colours).forEach(([name, colour]) => {
      const row = L.DomUtil.create("div", "", legend.div);
      const swatch = L.DomUtil.create("i", "", row);
      swatch.style.background = colour;
      row.appendChild(document.createTextNode(LABELS[name] || name.replace(/_/g, " ")));
    });
  }

  function restyle() {
    if (hazardLayer) { hazardLayer.setStyle(hazardStyle); }
    drawLegend();
    showStatus();
  }

  function modeControl() {
    const ctl = L.control({ position: "topright" });
    ctl.onAdd = function () {
      const div = L.DomUtil.create("div", "map-mode");
      L.DomEvent.disableClickPropagation(div);
      const label = L.DomUtil.create("label", "", div);
      label.textContent = "Colour hazards by ";
      const select = L.DomUtil.create("select", "", label);
      select.id = "colour-mode";
      [["status", "status"], ["decision", "survey decision"], ["plan", "plan by quarter"]].forEach(([v, t]) => {
        if (v === "plan" && !(state.plan && state.plan.quarters.length)) { return; }
        const o = L.DomUtil.create("option", "", select); o.value = v; o.textContent = t;
      });
      const slider = L.DomUtil.create("div", "quarter hidden", div);
      const range = L.DomUtil.create("input", "", slider);
      range.type = "range"; range.id = "plan-quarter"; range.min = "0";
      range.max = String(state.plan ? Math.max(0, state.plan.quarters.length - 1) : 0); range.value = "0";
      const out = L.DomUtil.create("output", "", slider);
      out.id = "plan-quarter-label";
      function showQuarter() {
        state.quarter = Number(range.value);
        const t = state.plan.totals, i = state.quarter;
        out.textContent = state.plan.quarters[i] + ": " + t.hazards_done[i] + " hazards done, " +
          t.released_ha[i] + " ha released, " + t.people[i].toLocaleString() + " people can return";
        restyle();
      }
      select.addEventListener("change", () => {
        state.mode = select.value;
        slider.classList.toggle("hidden", state.mode !== "plan");
        if (state.mode === "plan") { showQuarter(); } else { restyle(); }
      });
      range.addEventListener("input", showQuarter);
      return div;
    };
    return ctl;
  }

  // -- status line ---------------------------------------------------------------------------
  const counts = {};
  function showStatus() {
    const n = (k) => (counts[k] === null || counts[k] === undefined ? 0 : counts[k]);
    const pts = (g, name) => (g.total === null ? "" : ", " + g.total + " " + name +
      (g.mode === "clusters" ? " in view (zoom in to see each)" : " in view"));
    statusBox.textContent = n("hazards") + " hazards, " + n("parts") + " survey parts, " + n("settlements") +
      " settlements" + pts(incidents, "incidents") + pts(findings, "findings");
  }

  async function load() {
    const [hazards, parts, settlements, readiness, risk, plan] = await Promise.all([
      fetchAll("hazards"), fetchAll("survey_parts"), fetchAll("settlements"),
      fetchJson("/api/readiness"), fetchJson("/api/risk.json"), fetchJson("/api/plan/quarters"),
    ]);
    state.plan = plan;
    counts.hazards = hazards ? hazards.length : 0;
    counts.parts = parts ? parts.length : 0;
    counts.settlements = settlements ? settlements.length : 0;
    const overlays = {};
    if (risk && risk.bounds) {
      const surface = L.imageOverlay(risk.image + "?run=" + risk.run_id, risk.bounds,
        { opacity: 0.85, interactive: false, alt: "risk surface" });
      surface.isRisk = true;  // off at first: switched on, the hazards fade to outlines over it
      overlays["Risk surface (P of a device per cell, 0.0001–1, log scale)"] = surface;
    }
    const largest = {};
    (parts || []).forEach((p) => {
      const q = p.properties, best = largest[q.hazard_id];
      if (!best || q.area_m2 > best.area_m2) { largest[q.hazard_id] = q; }
    });
    Object.entries(largest).forEach(([h, q]) => { state.mainDecision[h] = q.decision; });
    if (hazards) {
      hazardLayer = L.geoJSON(fc(hazards), { style: hazardStyle }).on("click", (ev) => openHazard(ev.layer)).addTo(map);
      overlays.Hazards = hazardLayer;
      if (hazardLayer.getBounds().isValid()) { map.fitBounds(hazardLayer.getBounds(), { padding: [20, 20] }); }
    }
    if (parts && parts.length) {
      overlays["Survey decisions"] = L.geoJSON(fc(parts), {
        style: (f) => ({ color: DECISION_COLOURS[f.properties.decision] || "#555", weight: 2, fill: false, dashArray: "4 3" }),
        interactive: false,
      }).addTo(map);
    }
    const readable = await fetchJson("/collections");
    const ids = new Set(((readable || {}).collections || []).map((c) => c.id));
    if (ids.has("incidents")) { overlays.Incidents = incidents.addTo(map); }
    if (ids.has("findings")) { overlays.Findings = findings.addTo(map); }
    if (settlements) {
      overlays.Settlements = L.geoJSON(fc(settlements), {
        pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, color: "#000", weight: 1, fillColor: "#2166ac", fillOpacity: 0.9 }),
        onEachFeature: (f, lyr) => {
          const p = f.properties;
          const r = (readiness || {})[p.settlement_id];
          const when = r && (r.p50 || r.plan_date)
            ? "<br>ready (P10 / P50 / P90): " + esc(r.p10 || "?") + " / " + esc(r.p50 || "?") + " / " + esc(r.p90 || "?") +
              (r.plan_date ? "<br>plan: " + esc(r.plan_date) : "")
            : "<br>no readiness plan yet";
          lyr.bindPopup("<div class='settlement-popup'><b>" + esc(p.name) + "</b> (" + esc(p.settlement_id) + ")" +
            "<br>people planned: " + esc(p.population_planned) + when +
            "<br><a href='/settlements/" + encodeURIComponent(p.settlement_id) + "'>what blocks it, what is planned</a></div>");
        },
      }).addTo(map);
    }
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    modeControl().addTo(map);
    legend.addTo(map);
    drawLegend();
    map.on("moveend", () => { findings.refresh(); incidents.refresh(); });
    map.on("overlayadd", (ev) => {
      if (ev.layer.refresh) { ev.layer.refresh(); }
      if (ev.layer.isRisk) { state.riskShown = true; ev.layer.bringToFront(); restyle(); }
    });
    map.on("overlayremove", (ev) => {
      if (ev.layer.refresh) { ev.layer.total = null; showStatus(); }
      if (ev.layer.isRisk) { state.riskShown = false; restyle(); }
    });
    await Promise.all([findings.refresh(), incidents.refresh()]);
    showStatus();
    document.body.dataset.layersLoaded = "true";
  }
  load().catch((e) => { statusBox.textContent = "could not load the layers: " + e; document.body.dataset.layersLoaded = "error"; });
})();
