// The map: the programme's own layers from this site's OGC API (no CDN, no base map by default).
"use strict";
(function () {
  const STATUS_COLOURS = { active: "#d7301f", worked_on: "#fc8d59", closed: "#1a9850", released: "#1a9850" };
  const DECISION_COLOURS = { clearance: "#7b3294", technical_survey: "#fdb863", cancel: "#5e9ed6" };
  const el = document.getElementById("map");
  const statusBox = document.getElementById("map-status");
  const map = L.map(el, { preferCanvas: false, zoomControl: true }).setView([39.8, 46.8], 9);
  const basemap = el.dataset.basemap;
  if (basemap) { L.tileLayer(basemap, { maxZoom: 19 }).addTo(map); }

  function esc(v) {
    return String(v === null || v === undefined ? "" : v)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  async function fetchAll(collection) {
    const features = [];
    let url = "/collections/" + collection + "/items?limit=5000";
    while (url) {
      const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
      if (!r.ok) { return null; }  // not readable by this user: the layer is left out
      const page = await r.json();
      features.push(...page.features);
      const next = (page.links || []).find((l) => l.rel === "next");
      url = next ? next.href : null;
    }
    return features;
  }

  function fc(features) { return { type: "FeatureCollection", features: features }; }

  async function fetchJson(url) {
    try {
      const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      return r.ok ? await r.json() : null;
    } catch (e) { return null; }
  }

  async function load() {
    const [hazards, parts, incidents, findings, settlements] = await Promise.all(
      ["hazards", "survey_parts", "incidents", "findings", "settlements"].map(fetchAll));
    const [readiness, risk] = await Promise.all([fetchJson("/api/readiness"), fetchJson("/api/risk.json")]);
    const overlays = {};
    if (risk && risk.bounds) {
      overlays["Risk surface (P of a device)"] = L.imageOverlay(risk.image + "?run=" + risk.run_id, risk.bounds,
        { opacity: 0.75, interactive: false, alt: "risk surface" }).addTo(map);
    }
    const byHazard = {};
    (parts || []).forEach((p) => {
      (byHazard[p.properties.hazard_id] = byHazard[p.properties.hazard_id] || []).push(p.properties);
    });
    if (hazards) {
      const layer = L.geoJSON(fc(hazards), {
        style: (f) => ({ color: "#333", weight: 1, fillColor: STATUS_COLOURS[f.properties.status] || "#999", fillOpacity: 0.6 }),
        onEachFeature: (f, lyr) => {
          const p = f.properties;
          const decisions = (byHazard[p.hazard_id] || []).map((d) =>
            "<li><b>" + esc(d.decision) + "</b> (" + esc((d.area_m2 / 10000).toFixed(2)) + " ha): " + esc(d.evidence) + "</li>").join("");
          lyr.bindPopup(
            "<div class='hazard-popup'><b>" + esc(p.hazard_id) + "</b><br>status: " + esc(p.status) +
            "<br>area: " + esc(p.area_ha === null ? "?" : Number(p.area_ha).toFixed(2)) + " ha" +
            "<br>decision:" + (decisions ? "<ul>" + decisions + "</ul>" : " none yet") + "</div>");
        },
      }).addTo(map);
      overlays["Hazards by status"] = layer;
      if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [20, 20] }); }
    }
    if (parts && parts.length) {
      overlays["Survey decisions"] = L.geoJSON(fc(parts), {
        style: (f) => ({ color: DECISION_COLOURS[f.properties.decision] || "#555", weight: 2, fill: false, dashArray: "4 3" }),
      }).addTo(map);
    }
    const points = (features, colour) => L.geoJSON(fc(features), {
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 5, color: "#000", weight: 1, fillColor: colour, fillOpacity: 0.9 }),
    });
    if (incidents) { overlays.Incidents = points(incidents, "#000000").addTo(map); }
    if (findings) { overlays.Findings = points(findings, "#ffd700").addTo(map); }
    if (settlements) {
      overlays.Settlements = points(settlements, "#2166ac").eachLayer((lyr) => {
        const p = lyr.feature.properties;
        const r = (readiness || {})[p.settlement_id];
        const when = r && (r.p50 || r.plan_date)
          ? "<br>ready (P10 / P50 / P90): " + esc(r.p10 || "?") + " / " + esc(r.p50 || "?") + " / " + esc(r.p90 || "?") +
            (r.plan_date ? "<br>plan: " + esc(r.plan_date) : "")
          : "<br>no readiness plan yet";
        lyr.bindPopup("<div class='settlement-popup'><b>" + esc(p.name) + "</b> (" + esc(p.settlement_id) + ")" +
          "<br>people planned: " + esc(p.population_planned) + when + "</div>");
      }).addTo(map);
    }
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    const legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      const div = L.DomUtil.create("div", "legend");
      div.innerHTML = Object.keys(STATUS_COLOURS).slice(0, 3).map((s) => "<i class='s-" + s + "'></i>" + s).join("<br>") +
        "<br>" + Object.keys(DECISION_COLOURS).map((d) => "<i class='d-" + d + "'></i>" + d).join("<br>");
      return div;
    };
    legend.addTo(map);
    const n = (a) => (a ? a.length : 0);
    statusBox.textContent = n(hazards) + " hazards, " + n(parts) + " survey parts, " + n(incidents) + " incidents, " +
      n(findings) + " findings, " + n(settlements) + " settlements";
    document.body.dataset.layersLoaded = "true";
  }
  load().catch((e) => { statusBox.textContent = "could not load the layers: " + e; document.body.dataset.layersLoaded = "error"; });
})();
