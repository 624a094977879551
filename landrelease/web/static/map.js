// The map: MapLibre GL JS (vendored, no CDN) drawing the programme's own layers from vector
// tiles this site serves (/tiles/{layer}/{z}/{x}/{y}.mvt), over a base map made of the
// workspace's roads, rivers, farmland, settlements and administrative boundaries, shaded by its
// elevation where it keeps one (/tiles/hillshade/{z}/{x}/{y}.png, added once the first view
// and then the names are drawn). Hazards are coloured by
// status, by survey decision or by the plan at a quarter chosen on a slider; a click on a hazard
// asks the server for its history, evidence and next step. Findings and incidents come as counts
// per cell until zoomed in; they, the survey decisions, the land in use (land cultivated, built
// on, grazed or travelled: negative evidence) and the risk surface are off at first: a layer
// that is off has its tiles asked for only once switched on.
// The page gives the layers this user may read, the colours and the legend (#map-config).
import maplibregl from "/static/maplibre.js";
import { boundaryLabels, boundaryLines, boundarySource } from "/static/boundaries.js";
import { casualtyWords } from "/static/casualties.js";

const config = JSON.parse(document.getElementById("map-config").textContent);
const statusBox = document.getElementById("map-status");
const panel = document.getElementById("map-panel");
const ORIGIN = window.location.origin;

// the header wraps to two lines on a narrow screen or under a long programme name: the map and
// its panel start below it, whatever its height (MapLibre follows its container's size)
const header = document.querySelector("body > header");
function fitBelowHeader() {
  const h = header ? Math.ceil(header.getBoundingClientRect().height) : 0;
  document.getElementById("map").style.top = `${h}px`;
  panel.style.top = `${h + 9}px`;
}
fitBelowHeader();
window.addEventListener("resize", fitBelowHeader);

// what a field officer reads instead of the stored codes
const WORDS = {
  cancel: "cancel (non-technical survey)", technical_survey: "technical survey",
  battle_area_clearance: "battle-area clearance", clearance: "full clearance",
  NTS: "non-technical survey", TS: "technical survey", BAC: "battle-area clearance",
  active: "active", worked_on: "being worked on", closed: "closed", released: "released",
  SHA: "suspected hazardous area (SHA)", CHA: "confirmed hazardous area (CHA)",
  AP: "anti-personnel mine", AT: "anti-tank mine", UXO: "unexploded ordnance",
  AXO: "abandoned explosive ordnance", IED: "improvised explosive device",
};
const word = (code) => WORDS[code] || String(code === null || code === undefined ? "" : code).replace(/_/g, " ");
const colours = (rows) => Object.fromEntries(rows.map((r) => [r.value, r.colour]));
const STATUS = colours(config.status);
const DECISION = colours(config.decision);
const PLAN = colours(config.plan);
const BASE = colours(config.base);
const LAND_USE = colours(config.land_use);
const SITE = colours(config.site);
const SITE_COLOUR = ["case", ["!=", ["get", "searched"], 1], SITE.to_search,
  [">", ["get", "devices_found"], 0], SITE.found, SITE.clear];
const NO_CLASS = PLAN.not_planned;
const FONT = [config.font];

function esc(v) {
  return String(v === null || v === undefined ? "" : v)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
function ha(v) { return v === null || v === undefined ? "?" : Number(v).toFixed(2); }
function people(n) { return Number(n || 0).toLocaleString("en"); }

async function fetchJson(url) {
  try {
    const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    return r.ok ? await r.json() : null;
  } catch (e) { return null; }
}

const readable = (name) => Object.prototype.hasOwnProperty.call(config.layers, name);
// each layer's tiles named with the version of its records: the browser keeps them without
// asking again until the records change (the page then names a new version)
const tiles = (name) => ({
  type: "vector", minzoom: 0, maxzoom: 16,
  tiles: [ORIGIN + "/tiles/" + name + "/{z}/{x}/{y}.mvt?v=" + encodeURIComponent(config.tile_versions[name] || "")],
});

// -- the style: base map first, then the programme's layers ---------------------------------
// Few kinds of drawing, each written the same way: every distinct one is a shader program the
// browser compiles before the first draw, which a computer without a graphics card does slowly
// (about a tenth of a second each). So: no background layer (the page's own colour shows
// through), fills without antialiased outlines (the hazards have an outline layer of their
// own), and one fill layer for the base map's areas coloured by kind, as the hazards are.
// The names (villages', districts') are added once the first view is drawn (addLabels): text is
// one more shader program and waits for the glyphs, and the hazards and the base map need
// neither. The count labels of findings and incidents stay in the style: off at first, they
// cost the first view nothing.
const LABELS = [];
function style() {
  const sources = {};
  const layers = [];
  if (config.basemap_local) {  // a local MBTiles file the site serves
    const b = config.basemap_local;
    sources.basemap = { type: "raster", tiles: [ORIGIN + b.tiles], tileSize: 256, minzoom: b.minzoom, maxzoom: b.maxzoom };
    layers.push({ id: "basemap", type: "raster", source: "basemap" });
  } else if (config.basemap_url) {
    sources.basemap = { type: "raster", tiles: [config.basemap_url.replace("{s}", "a")], tileSize: 256 };
    layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  // the base map: the whole infrastructure layer for those who may read it; for everyone
  // else its public part (roads, rivers, farmland: "base")
  const base = readable("infrastructure") ? "infrastructure" : readable("base") ? "base" : null;
  const from = { source: base, "source-layer": base };
  if (base) {
    sources[base] = tiles(base);
    const areas = ["farmland", "school", "hospital", "cemetery"];
    layers.push(
      { id: "base-areas", type: "fill", ...from,
        filter: ["in", ["get", "kind"], ["literal", areas]],
        paint: { "fill-color": ["match", ["get", "kind"], "farmland", BASE.farmland, BASE.building],
          "fill-opacity": 0.8, "fill-antialias": false } },
    );
  }
  if (readable("hazards")) {
    sources.hazards = { ...tiles("hazards"), promoteId: "hazard_id" };
    layers.push(
      { id: "hazards-fill", type: "fill", source: "hazards", "source-layer": "hazards",
        paint: { "fill-color": statusColour(), "fill-opacity": 0.6, "fill-antialias": false } },
      { id: "hazards-line", type: "line", source: "hazards", "source-layer": "hazards",
        paint: { "line-color": "#333333", "line-width": ["interpolate", ["linear"], ["zoom"], 9, 0.3, 14, 1.2] } },
    );
  }
  if (base) {
    // roads, rivers and power lines over the hazards: where a hazard lies is read from the
    // roads and rivers that cross it
    const kind = (k) => ["==", ["get", "kind"], k];
    layers.push(
      { id: "base-water", type: "line", ...from,
        filter: kind("water"), paint: { "line-color": BASE.water,
          "line-width": ["interpolate", ["linear"], ["zoom"], 8, 1.2, 14, 4] } },
      { id: "base-power", type: "line", ...from,
        filter: kind("power_line"), minzoom: 11,
        paint: { "line-color": BASE.power_line, "line-width": 1, "line-dasharray": [4, 2] } },
      { id: "base-roads-casing", type: "line", ...from,
        filter: kind("road"), layout: { "line-cap": "round", "line-join": "round" },
        paint: { "line-color": BASE.road, "line-width": ["interpolate", ["linear"], ["zoom"], 8, 2, 14, 7] } },
      // the same filter and layout as the casing (no minzoom of its own): the browser lays the
      // roads out once for both
      { id: "base-roads", type: "line", ...from,
        filter: kind("road"), layout: { "line-cap": "round", "line-join": "round" },
        paint: { "line-color": "#fff7e0", "line-width": ["interpolate", ["linear"], ["zoom"], 8.5, 0, 9, 0.7, 14, 4.5] } },
    );
  }
  if (readable("land_use")) {
    // land in use over the hazards (it is evidence about them), in muted colours by kind; hidden
    // at first, so MapLibre asks for none of its tiles until it is switched on
    sources.land_use = tiles("land_use");
    const byKind = ["match", ["get", "kind"], ...Object.entries(LAND_USE).flat(), "#9e9e9e"];
    layers.push(
      { id: "land-use-fill", type: "fill", source: "land_use", "source-layer": "land_use",
        layout: { visibility: "none" },
        paint: { "fill-color": byKind, "fill-opacity": 0.55, "fill-antialias": false } },
      { id: "land-use-line", type: "line", source: "land_use", "source-layer": "land_use",
        layout: { visibility: "none" }, paint: { "line-color": byKind, "line-width": 1.2 } },
    );
  }
  if (readable("boundaries")) {  // administrative boundaries over the base map (boundaries.js)
    sources.boundaries = boundarySource(ORIGIN, config.tile_versions.boundaries);
    layers.push(boundaryLines(config.boundary));
  }
  if (readable("survey_parts")) {
    sources.survey_parts = tiles("survey_parts");
    layers.push({ id: "survey-parts", type: "line", source: "survey_parts", "source-layer": "survey_parts",
      layout: { visibility: "none" },
      paint: { "line-color": ["match", ["get", "decision"], ...Object.entries(DECISION).flat(), "#555555"],
        "line-width": 2, "line-dasharray": [2, 1.5] } });
  }
  if (readable("confirmation_sites")) {
    // the confirmation sample over the cancelled land: to search (white), searched and clear
    // (green), devices found (red); hidden at first
    sources.confirmation_sites = tiles("confirmation_sites");
    layers.push({ id: "confirmation-sites", type: "circle", source: "confirmation_sites",
      "source-layer": "confirmation_sites", layout: { visibility: "none" },
      paint: { "circle-color": SITE_COLOUR, "circle-stroke-color": "#3f007d", "circle-stroke-width": 1.2,
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 9, 2.5, 15, 6] } });
  }
  for (const [name, colour, stroke] of [["findings", "#ffd700", "#6b5a00"], ["incidents", "#111111", "#ffffff"]]) {
    if (!readable(name)) { continue; }
    sources[name] = tiles(name);
    layers.push(
      { id: name + "-counts", type: "circle", source: name, "source-layer": name, layout: { visibility: "none" },
        filter: ["has", "count"],
        paint: { "circle-color": colour, "circle-opacity": 0.75, "circle-stroke-color": stroke, "circle-stroke-width": 0.8,
          "circle-radius": ["interpolate", ["linear"], ["ln", ["get", "count"]], 0, 3, 7, 16] } },
      { id: name + "-count-labels", type: "symbol", source: name, "source-layer": name,
        filter: ["all", ["has", "count"], [">", ["get", "count"], 9]], layout: { visibility: "none", "text-field": ["to-string", ["get", "count"]],
          "text-font": FONT, "text-size": 10 },
        paint: { "text-color": name === "incidents" ? "#ffffff" : "#222222" } },
      { id: name + "-points", type: "circle", source: name, "source-layer": name, layout: { visibility: "none" },
        filter: ["!", ["has", "count"]],
        paint: { "circle-color": colour, "circle-radius": 4, "circle-stroke-color": stroke, "circle-stroke-width": 1 } },
    );
  }
  if (readable("settlements")) {
    sources.settlements = tiles("settlements");
    layers.push(
      { id: "settlements", type: "circle", source: "settlements", "source-layer": "settlements",
        paint: { "circle-color": "#2166ac", "circle-radius": ["interpolate", ["linear"], ["zoom"], 8, 3, 13, 6],
          "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.2 } },
    );
    LABELS.push(
      { id: "settlement-labels", type: "symbol", source: "settlements", "source-layer": "settlements",
        layout: { "text-field": ["get", "name"], "text-font": FONT,
          "text-size": ["interpolate", ["linear"], ["zoom"], 8, 10, 13, 14],
          "text-offset": [0, 0.9], "text-anchor": "top", "text-optional": true },
        paint: { "text-color": "#1b2a38", "text-halo-color": "#ffffff", "text-halo-width": 1.5 } },
    );
  }
  if (readable("boundaries")) {
    // the areas' names last, over the villages' (whose labels are optional, their dots stay)
    LABELS.push(boundaryLabels(config.boundary, config.font));
  }
  return { version: 8, glyphs: ORIGIN + "/fonts/{fontstack}/{range}.pbf", sources, layers };
}

// the names over everything, in the style's order (the districts' last: placed first), each
// shown or hidden as its entry in the panel is by now
function addLabels() {
  LABELS.forEach((layer) => {
    if (map.getLayer(layer.id)) { return; }
    const owner = ENTRIES.find((e) => e.layers.includes(layer.id));
    // hidden ones say so; shown ones keep the style's own layout, as on the small maps
    const hidden = owner && !owner.on;
    map.addLayer(hidden ? { ...layer, layout: { ...layer.layout, visibility: "none" } } : layer);
  });
}

// the hillshade of the workspace's elevation covariate, under everything drawn from vectors
// (shade and light only, flat ground left clear): added once the first view and then the names
// are drawn, so that its images and its own shader program hold back neither
function addRelief() {
  if (!config.hillshade || map.getLayer("hillshade")) { return; }
  const h = config.hillshade;
  map.addSource("hillshade", { type: "raster", tiles: [ORIGIN + h.tiles], tileSize: h.tile_px, bounds: h.bounds, maxzoom: h.maxzoom });
  const above = map.getStyle().layers.find((l) => l.id !== "basemap");
  map.addLayer({ id: "hillshade", type: "raster", source: "hillshade",
    paint: { "raster-opacity": 0.45, "raster-fade-duration": 0 } }, above ? above.id : undefined);
  entry("hillshade", "Relief (hillshade of the elevation)", ["hillshade"], true,
    () => "<div class='note'>shaded from the north-west; flat ground stays clear</div>");
  map.once("idle", () => { performance.mark("map-relief-drawn"); });
}

function statusColour() {
  return ["match", ["get", "status"], ...Object.entries(STATUS).flat(), "released", STATUS.closed, "#999999"];
}

// -- the map ----------------------------------------------------------------------------------
const b = config.bounds;
function createMap() {
  try {
    return new maplibregl.Map({
      container: "map",
      style: style(),
      bounds: b ? [[b[0], b[1]], [b[2], b[3]]] : undefined,
      // the panel covers the right of the map: keep the hazards clear of it
      fitBoundsOptions: { padding: { top: 20, bottom: 30, left: 50, right: Math.min(300, window.innerWidth / 3) } },
      center: b ? undefined : [46.8, 39.8],
      zoom: b ? undefined : 8,
      attributionControl: false,
      fadeDuration: 0,  // labels appear at once: the map is "drawn" as soon as its tiles are
      dragRotate: false,
      pitchWithRotate: false,
    });
  } catch (e) {  // no WebGL (an old browser, or graphics switched off): say so instead of a blank page
    statusBox.textContent = "This map needs WebGL, which this browser does not offer (" + e.message +
      "). The layers can be downloaded from the Downloads page.";
    document.body.dataset.layersLoaded = "error";
    throw e;
  }
}
const map = createMap();
map.touchZoomRotate.disableRotation();
performance.mark("map-created");
window.landreleaseMap = map;  // for scripts and the browser tests
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
map.addControl(new maplibregl.ScaleControl({ unit: "metric", maxWidth: 140 }), "bottom-left");

// -- colour modes: status, survey decision, plan by quarter -------------------------------------
const state = { mode: "status", quarter: 0, plan: null, decisions: null, riskShown: false };

function setHazardColours() {
  if (!map.getLayer("hazards-fill")) { return; }
  let fill = statusColour();
  if (state.mode === "decision") {
    fill = ["coalesce", ["feature-state", "decision"], NO_CLASS];
  } else if (state.mode === "plan") {
    fill = ["case", ["in", ["get", "status"], ["literal", ["closed", "released"]]], PLAN.released,
      ["coalesce", ["feature-state", "plan"], PLAN.not_planned]];
  }
  map.setPaintProperty("hazards-fill", "fill-color", fill);
  map.setPaintProperty("hazards-fill", "fill-opacity", state.riskShown ? 0.12 : 0.6);
}

function setFeatureStates(key, colourOf) {
  Object.keys(state.decisions || {}).concat(Object.keys((state.plan || {}).hazards || {})).forEach((id) => {
    map.setFeatureState({ source: "hazards", sourceLayer: "hazards", id }, { [key]: colourOf(id) });
  });
}

function planColour(id) {
  const h = state.plan && state.plan.hazards[id];
  if (!h) { return PLAN.not_planned; }
  const [start, done] = h;
  if (done >= 0 && done <= state.quarter) { return PLAN.done; }
  if (start >= 0 && start <= state.quarter) { return PLAN.in_work; }
  return PLAN.later;
}

// -- the panel: layers on and off, each visible layer's legend ------------------------------------
const ENTRIES = [];
function entry(id, title, layers, on, legend) {
  if (!layers.some((l) => map.getLayer(l))) { return; }
  ENTRIES.push({ id, title, layers, on, legend });
}

function swatches(rows, shape) {
  return rows.map((r) => "<div class='row'><i class='" + shape + "' data-colour='" + esc(r.colour) + "'></i>" +
    esc(r.label) + "</div>").join("");
}

function hazardLegend() {
  if (state.mode === "decision") { return swatches(config.decision, "box") + swatches([{ label: "no decision yet", colour: NO_CLASS }], "box"); }
  if (state.mode === "plan") { return swatches(config.plan, "box"); }
  return swatches(config.status, "box") +
    (state.riskShown ? "<div class='note'>faded over the risk surface</div>" : "");
}

function riskLegend() {
  const ramp = config.risk_ramp;
  const stops = ramp.map((r, i) => r.colour + " " + Math.round((100 * i) / (ramp.length - 1)) + "%").join(", ");
  const labels = ramp.map((r) => "<span>" + (r.p >= 0.01 ? r.p.toFixed(2) : r.p.toExponential(0)) + "</span>").join("");
  return "<div class='ramp' data-stops='" + esc(stops) + "'></div><div class='ramp-labels'>" + labels + "</div>" +
    "<div class='note'>chance of a device per cell (log scale); hazards fade to outlines</div>";
}

function drawPanel() {
  panel.textContent = "";
  const mode = document.createElement("div");
  mode.className = "map-mode";
  mode.innerHTML = "<label>Colour hazards by <select id='colour-mode'><option value='status'>status</option>" +
    "<option value='decision'>survey decision</option>" +
    (state.plan && state.plan.quarters.length ? "<option value='plan'>plan by quarter</option>" : "") +
    "</select></label><div class='quarter" + (state.mode === "plan" ? "" : " hidden") + "'>" +
    "<input type='range' id='plan-quarter' min='0' max='" + (state.plan ? Math.max(0, state.plan.quarters.length - 1) : 0) +
    "' value='" + state.quarter + "' aria-label='quarter of the plan'><output id='plan-quarter-label'></output></div>";
  panel.appendChild(mode);
  const select = mode.querySelector("select");
  select.value = state.mode;
  select.addEventListener("change", () => { setMode(select.value); });
  const range = mode.querySelector("input");
  range.addEventListener("input", () => { state.quarter = Number(range.value); showQuarter(); });
  if (state.mode === "plan") { showQuarter(); }
  const list = document.createElement("div");
  list.className = "legend";
  ENTRIES.forEach((e) => {
    const box = document.createElement("section");
    box.className = "layer";
    box.innerHTML = "<label><input type='checkbox' data-layer='" + e.id + "'" + (e.on ? " checked" : "") + "> " +
      esc(e.title) + "</label>" + (e.on ? "<div class='items'>" + e.legend() + "</div>" : "");
    box.querySelector("input").addEventListener("change", (ev) => { toggle(e, ev.target.checked); });
    list.appendChild(box);
  });
  panel.appendChild(list);
  panel.querySelectorAll(".ramp").forEach((r) => { r.style.background = "linear-gradient(to right, " + r.dataset.stops + ")"; });
  // colours set through the DOM: the Content-Security-Policy refuses style attributes in markup
  panel.querySelectorAll("i[data-colour]").forEach((i) => { i.style.setProperty("--c", i.dataset.colour); });
}

// the risk surface is an image of a few hundred kB, drawn by the server: asked for when switched on
async function addRisk() {
  if (map.getLayer("risk")) { return true; }
  const risk = await fetchJson("/api/risk.json");
  if (!risk || !risk.bounds) { return false; }
  const [[s, w], [n, e]] = risk.bounds;
  map.addSource("risk", { type: "image", url: risk.image + "?run=" + risk.run_id,
    coordinates: [[w, n], [e, n], [e, s], [w, s]] });
  map.addLayer({ id: "risk", type: "raster", source: "risk", layout: { visibility: "none" },
    paint: { "raster-opacity": 0.85, "raster-fade-duration": 0 } }, map.getLayer("hazards-fill") ? "hazards-fill" : undefined);
  return true;
}

async function toggle(e, on) {
  if (e.id === "risk" && on && !(await addRisk())) { return; }
  e.on = on;
  e.layers.forEach((l) => { if (map.getLayer(l)) { map.setLayoutProperty(l, "visibility", on ? "visible" : "none"); } });
  if (e.id === "risk") { state.riskShown = on; setHazardColours(); }
  drawPanel();
  showStatus();
}

function setMode(mode) {
  state.mode = mode;
  if (mode === "decision") { setFeatureStates("decision", (id) => DECISION[(state.decisions || {})[id]] || NO_CLASS); }
  if (mode === "plan") { setFeatureStates("plan", planColour); }
  setHazardColours();
  drawPanel();
}

function showQuarter() {
  const t = state.plan.totals, i = state.quarter;
  setFeatureStates("plan", planColour);
  const out = document.getElementById("plan-quarter-label");
  if (out) {
    out.textContent = state.plan.quarters[i] + ": " + t.hazards_done[i] + " hazards done, " +
      t.released_ha[i] + " ha released, " + people(t.people[i]) + " people can return";
  }
}

function showStatus() {
  const n = (k) => (readable(k) ? people(config.layers[k]) + " " : "");
  const parts = [];
  if (readable("hazards")) { parts.push(n("hazards") + "hazards"); }
  if (readable("survey_parts")) { parts.push(n("survey_parts") + "survey parts"); }
  if (readable("confirmation_sites") && config.layers.confirmation_sites) {
    parts.push(n("confirmation_sites") + "confirmation sites");
  }
  if (readable("settlements")) { parts.push(n("settlements") + "settlements"); }
  let counted = false;
  ["incidents", "findings"].forEach((k) => {
    if (!readable(k)) { return; }
    const on = ENTRIES.find((e) => e.id === k);
    counted = counted || Boolean(on && on.on);
    parts.push(n(k) + k + (on && on.on ? "" : " (off)"));
  });
  statusBox.textContent = parts.join(", ") + (counted && map.getZoom() < config.detail_zoom
    ? "; points counted per cell: zoom in to see each" : "");
}

// -- popups ------------------------------------------------------------------------------------
function list(items) { return items.length ? "<ul>" + items.join("") + "</ul>" : ""; }

function hazardHtml(v) {
  const h = v.hazard, e = v.evidence, n = v.next_step;
  const parts = (e.survey || []).map((d) =>
    "<li><b>" + esc(word(d.decision)) + "</b> (" + ha(d.area_ha) + " ha): " + esc(d.evidence) +
    (d.confidence ? ". <i>" + esc(d.confidence) + " confidence</i>" : "") + "</li>");
  const facts = [];
  if (e.risk) {
    const p = Math.round(100 * Number(e.risk.p_any_device || 0));
    facts.push("<li>risk map: about " + Number(e.risk.expected_devices || 0).toFixed(1) +
      " devices expected; " + (p >= 99 ? "almost certainly at least one" : "a " + p + " % chance of at least one") + "</li>");
  }
  if (e.findings) {
    const kinds = Object.entries(e.findings.by_device).map(([k, c]) => c + " × " + esc(word(k))).join(", ");
    facts.push("<li>found inside: " + (e.findings.total ? kinds : "nothing yet") + "</li>");
  }
  if (e.confirmation) { facts.push("<li>confirmation sample: " + esc(e.confirmation.text) + "</li>"); }
  if (e.incidents && e.incidents.total) {
    facts.push("<li>incidents inside: " + e.incidents.total + " (" + esc(e.incidents.casualties) +
      "), the last on " + esc(e.incidents.dates[e.incidents.dates.length - 1]) + "</li>");
  }
  const plan = (n.plan || []).map((t) => "<li>" + esc(word(t.method)) + " " + ha(t.area_ha) + " ha, " +
    (t.start_month ? esc(t.start_month) + " → " + esc(t.end_month || "after the horizon")
      : "not scheduled by the horizon") + "</li>");
  const history = v.history.slice(-12).map((ev) => "<li>" + esc(ev.date || "?") + " · " + esc(ev.text) +
    (ev.actor ? " <span class='who'>(" + esc(ev.actor) + ")</span>" : "") + "</li>");
  return "<div class='hazard-popup' tabindex='0' role='region' aria-label=\"hazard " + esc(h.hazard_id) + "\"><b>" + esc(h.hazard_id) + "</b> · " + esc(word(h.classification)) +
    "<br>status: " + esc(word(h.status)) + " · area: " + ha(h.area_ha) + " ha" +
    "<h4>next step</h4>" + esc(n.text) + list(plan) +
    "<h4>evidence</h4>" + (list(facts) || "") + (parts.length ? "decision:" + list(parts) : "decision: none yet") +
    "<h4>history</h4>" + (list(history) || "nothing recorded") +
    (v.page ? "<p><a href='" + esc(v.page) + "'>the hazard's page: its story, decisions, activities</a></p>" : "") + "</div>";
}

let popup = null;
function openPopup(lngLat, html) {
  if (popup) { popup.remove(); }
  popup = new maplibregl.Popup({ maxWidth: "380px" }).setLngLat(lngLat).setHTML(html).addTo(map);
  return popup;
}

async function openHazard(ev, id) {
  const p = openPopup(ev.lngLat, "<div class='hazard-popup'>" + esc(id) + ": loading…</div>");
  const v = await fetchJson("/api/hazards/" + encodeURIComponent(id));
  if (popup === p) { p.setHTML(v ? hazardHtml(v) : "<div class='hazard-popup'>could not load " + esc(id) + "</div>"); }
}

async function openSettlement(ev, f) {
  const q = f.properties;
  const readiness = (await fetchJson("/api/readiness")) || {};
  const r = readiness[q.settlement_id];
  const when = r && (r.p50 || r.plan_date)
    ? "<br>ready (P10 / P50 / P90): " + esc(r.p10 || "?") + " / " + esc(r.p50 || "?") + " / " + esc(r.p90 || "?") +
      (r.plan_date ? "<br>plan: " + esc(r.plan_date) : "")
    : "<br>no readiness plan yet";
  openPopup(ev.lngLat, "<div class='settlement-popup'><b>" + esc(q.name) + "</b> (" + esc(q.settlement_id) + ")" +
    "<br>people planned to return: " + people(q.population_planned) + when +
    "<br><a href='/settlements/" + encodeURIComponent(q.settlement_id) + "'>what blocks it, what is planned</a></div>");
}

document.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && popup) { popup.remove(); popup = null; } });

function siteHtml(p) {
  const found = Number(p.devices_found || 0);
  const state = !Number(p.searched) ? "not searched yet"
    : found ? "searched: " + found + " device" + (found === 1 ? "" : "s") + " found" : "searched: nothing found";
  return "<div class='site-popup'><b>confirmation site " + esc(p.site_id) + "</b> in cancelled part " +
    esc(p.part_id) + "<br>" + esc(state) +
    "<div class='note'>teams search every site of the sample before the land is released</div></div>";
}

function pointHtml(name, p) {
  if (name === "findings") {
    return "<b>" + esc(p.finding_id) + "</b><br>" + esc(word(p.device)) + "<br>found " + esc(p.date);
  }
  return "<b>" + esc(p.incident_id) + "</b><br>" + esc(p.date) + ": " + esc(casualtyWords(p.killed, p.injured));
}

// land in use in field words: "Cultivated for 4 years (observed 2025-06-01, imagery, high confidence)"
// (the words are the server's, as the hazard page writes them: config.land_use_words)
const LAND_USE_WORDS = config.land_use_words.kinds;
const SOURCE_WORDS = config.land_use_words.sources;
function landUseText(p) {
  const years = Number(p.years_in_use);
  const how = [p.observed ? "observed " + String(p.observed).slice(0, 10) : null,
    p.source ? SOURCE_WORDS[p.source] || word(p.source) : null,
    p.confidence ? p.confidence + " confidence" : null].filter(Boolean);
  return (LAND_USE_WORDS[p.kind] || word(p.kind)) + " for " + years + " year" + (years === 1 ? "" : "s") +
    (how.length ? " (" + how.join(", ") + ")" : "");
}
function landUseHtml(p) {
  return "<div class='land-use-popup'><b>" + esc(p.land_use_id) + "</b> · land in use<br>" + esc(landUseText(p)) +
    "<div class='note'>counted as evidence of no devices only as far as searched land in that use shows it to hold</div></div>";
}

function wireClicks() {
  const clickable = ["settlements", "findings-points", "incidents-points", "findings-counts", "incidents-counts",
    "land-use-fill", "confirmation-sites", "hazards-fill"]
    .filter((l) => map.getLayer(l));
  map.on("click", (ev) => {
    const hits = map.queryRenderedFeatures(ev.point, { layers: clickable });
    if (!hits.length) { return; }
    const f = hits[0], layer = f.layer.id;
    if (layer === "hazards-fill") { openHazard(ev, f.properties.hazard_id); return; }
    if (layer === "settlements") { openSettlement(ev, f); return; }
    if (layer === "land-use-fill") { openPopup(ev.lngLat, landUseHtml(f.properties)); return; }
    if (layer === "confirmation-sites") { openPopup(ev.lngLat, siteHtml(f.properties)); return; }
    if (layer.endsWith("-counts")) {
      map.easeTo({ center: ev.lngLat, zoom: Math.min(map.getZoom() + 2, config.detail_zoom + 1) });
      return;
    }
    openPopup(ev.lngLat, pointHtml(layer.split("-")[0], f.properties));
  });
  map.on("mousemove", (ev) => {
    const hit = map.queryRenderedFeatures(ev.point, { layers: clickable }).length > 0;
    map.getCanvas().style.cursor = hit ? "pointer" : "";
  });
}

// -- start ---------------------------------------------------------------------------------------
// The map draws from its tiles alone; what only the colour modes need (the plan by quarter, each
// hazard's survey decision) is asked for once the first view is drawn, so that it does not
// compete with the tiles for the server.
async function loadModes() {
  const [plan, decisions] = await Promise.all([
    fetchJson("/api/plan/quarters"),
    readable("survey_parts") ? fetchJson("/api/map/decisions") : null,
  ]);
  state.plan = plan;
  state.decisions = decisions || {};
  performance.mark("map-modes-loaded");
  if (state.mode === "status") { drawPanel(); } else { setMode(state.mode); }
}

async function start() {
  await new Promise((resolve) => { if (map.isStyleLoaded()) { resolve(); } else { map.once("style.load", resolve); } });
  performance.mark("map-style-loaded");
  entry("hazards", "Hazards", ["hazards-fill", "hazards-line"], true, hazardLegend);
  entry("survey_parts", "Survey decisions (dashed outlines)", ["survey-parts"], false, () => swatches(config.decision, "dash"));
  entry("confirmation_sites", "Confirmation sites (search before release)", ["confirmation-sites"], false,
    () => swatches(config.site, "dot") + "<div class='note'>click a site: its part, what was found</div>");
  if (config.risk) { ENTRIES.push({ id: "risk", title: "Risk surface", layers: ["risk"], on: false, legend: riskLegend }); }
  entry("settlements", "Settlements", ["settlements", "settlement-labels"], true,
    () => swatches([{ label: "settlement (click: when it can be ready)", colour: "#2166ac" }], "dot"));
  entry("incidents", "Incidents", ["incidents-counts", "incidents-count-labels", "incidents-points"], false,
    () => swatches([{ label: "incident; larger: several in one place (click to zoom in)", colour: "#111111" }], "dot"));
  entry("findings", "Findings (devices found)", ["findings-counts", "findings-count-labels", "findings-points"], false,
    () => swatches([{ label: "device found; larger: several in one place (click to zoom in)", colour: "#ffd700" }], "dot"));
  entry("land_use", "Land in use (negative evidence)", ["land-use-fill", "land-use-line"], false,
    () => swatches(config.land_use, "box") + "<div class='note'>click an area: how long, how it is known</div>");
  entry("boundaries", "Administrative boundaries", ["boundaries", "boundary-labels"], true,
    () => swatches([{ label: "boundary (name inside until zoomed in)", colour: config.boundary }], "dash"));
  entry("base", "Base map (the workspace's own layers)",
    ["basemap", "base-areas", "base-water", "base-power", "base-roads-casing", "base-roads"], true,
    () => {
      const shown = config.base.filter((r) => config.base_shown.includes(r.value));
      return swatches(shown.filter((r) => r.value !== "building" && r.value !== "farmland"), "line") +
        swatches(shown.filter((r) => r.value === "building" || r.value === "farmland"), "box");
    });
  wireClicks();
  drawPanel();
  showStatus();
  map.on("zoomend", showStatus);
  map.once("idle", () => {
    performance.mark("map-drawn");
    addLabels();
    map.once("idle", () => { performance.mark("map-labels-drawn"); addRelief(); drawPanel(); });
    drawPanel();
    document.body.dataset.layersLoaded = "true";
    loadModes().catch(() => {});
  });
  map.triggerRepaint();
}

start().catch((e) => { statusBox.textContent = "could not load the layers: " + e; document.body.dataset.layersLoaded = "error"; });
