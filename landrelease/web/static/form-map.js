// The map inside a data-entry form (landrelease): a point or a polygon drawn by clicking.
//
// Each .form-map[data-draw] gets a MapLibre map (vendored, no CDN) over the same offline
// base map as the map page (the workspace's farmland, rivers, roads and settlements from
// this site's vector tiles) with the hazards outlined. The drawing writes the inputs a
// keyboard user types, and reads them back when they are typed:
//   point    a click places the point (lon/lat fields); drag it to move it;
//   polygon  a click adds a corner; a double-click, or a click on the first corner, closes
//            the polygon, written as GeoJSON into the form's "geojson" box; drag a corner
//            to move it. Undo takes back the last step, Clear starts again.
// data-draw="activity" follows the activity's geometry source: a polygon when "drawn on the
// map" is chosen, a point for a circle round a point, nothing to draw for the hazard's polygon.
// A hazard chosen in the form ("hazard-chosen") is outlined and the map centres on it.
// Writing a field fires "input" on it, so the form's check-as-you-type runs as for typing.
import maplibregl from "/static/maplibre.js";
import { boundaryLabels, boundaryLines, boundarySource } from "/static/boundaries.js";

const ORIGIN = window.location.origin;
const CLOSE_PX = 10;  // a click this near the first corner closes the polygon
const DIGITS = 7;     // ~1 cm: what the lon/lat and GeoJSON fields are given

const round = (v) => Number(v.toFixed(DIGITS));
const HINTS = {
  point: "Click the map to place the point; drag it to move it. Or type the position below.",
  polygon: "Click each corner of the polygon; double-click, or click the first corner, to close it; " +
    "drag a corner to move it. Or paste the polygon as GeoJSON below.",
  none: "The activity's area is its hazard's polygon (outlined). To draw another, choose " +
    "“a polygon drawn on the map” above.",
};

function baseStyle(config) {
  const readable = (name) => Object.prototype.hasOwnProperty.call(config.layers, name);
  const tiles = (name) => ({
    type: "vector", tiles: [ORIGIN + "/tiles/" + name + "/{z}/{x}/{y}.mvt"], minzoom: 0, maxzoom: 16,
  });
  const base = Object.fromEntries(config.base.map((r) => [r.value, r.colour]));
  const status = Object.fromEntries(config.status.map((r) => [r.value, r.colour]));
  const sources = {
    drawn: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
  };
  const layers = [{ id: "background", type: "background", paint: { "background-color": "#f4f1ea" } }];
  const kind = (k) => ["==", ["get", "kind"], k];
  if (readable("infrastructure")) {
    sources.infrastructure = tiles("infrastructure");
    layers.push({ id: "base-farmland", type: "fill", source: "infrastructure", "source-layer": "infrastructure",
      filter: kind("farmland"), paint: { "fill-color": base.farmland, "fill-opacity": 0.8 } });
  }
  if (readable("hazards")) {
    sources.hazards = tiles("hazards");
    layers.push(
      { id: "hazards-fill", type: "fill", source: "hazards", "source-layer": "hazards",
        paint: { "fill-color": ["match", ["get", "status"], ...Object.entries(status).flat(), "#999999"],
          "fill-opacity": 0.25 } },
      { id: "hazards-line", type: "line", source: "hazards", "source-layer": "hazards",
        paint: { "line-color": "#555555", "line-width": 0.8 } },
      { id: "hazard-chosen", type: "line", source: "hazards", "source-layer": "hazards",
        filter: ["==", ["get", "hazard_id"], ""],
        paint: { "line-color": "#6a1b9a", "line-width": 3 } },
    );
  }
  if (readable("infrastructure")) {
    layers.push(
      { id: "base-water", type: "line", source: "infrastructure", "source-layer": "infrastructure",
        filter: kind("water"), paint: { "line-color": base.water, "line-width": 1.5 } },
      { id: "base-roads", type: "line", source: "infrastructure", "source-layer": "infrastructure",
        filter: kind("road"), layout: { "line-cap": "round", "line-join": "round" },
        paint: { "line-color": base.road, "line-width": ["interpolate", ["linear"], ["zoom"], 8, 1, 14, 4] } },
    );
  }
  if (readable("boundaries")) {  // the district boundaries as on the map page (boundaries.js)
    sources.boundaries = boundarySource(ORIGIN, config.tile_versions.boundaries);
    layers.push(boundaryLines(config.boundary));
  }
  if (readable("settlements")) {
    sources.settlements = tiles("settlements");
    layers.push({ id: "settlement-labels", type: "symbol", source: "settlements", "source-layer": "settlements",
      layout: { "text-field": ["get", "name"], "text-font": [config.font], "text-size": 12, "text-optional": true },
      paint: { "text-color": "#1b2a38", "text-halo-color": "#ffffff", "text-halo-width": 1.5 } });
  }
  if (readable("boundaries")) { layers.push(boundaryLabels(config.boundary, config.font)); }
  layers.push(
    { id: "drawn-fill", type: "fill", source: "drawn", filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": "#0050b3", "fill-opacity": 0.25 } },
    { id: "drawn-line", type: "line", source: "drawn", filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": "#0050b3", "line-width": 2.5 } },
    { id: "drawn-vertices", type: "circle", source: "drawn", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": ["case", ["get", "first"], 7, 5], "circle-color": "#ffffff",
        "circle-stroke-color": "#0050b3", "circle-stroke-width": 2.5 } },
  );
  return { version: 8, glyphs: ORIGIN + "/fonts/{fontstack}/{range}.pbf", sources, layers };
}

function setup(box) {
  const config = JSON.parse(box.querySelector(".form-map-config").textContent);
  const form = box.closest("form");
  const field = (name) => form.querySelector('[name="' + name + '"]');
  const hint = box.querySelector(".form-map-hint");
  const undoButton = box.querySelector('[data-draw-action="undo"]');
  const clearButton = box.querySelector('[data-draw-action="clear"]');
  const b = config.bounds;
  let map;
  try {
    map = new maplibregl.Map({
      container: box.querySelector(".form-map-canvas"),
      style: baseStyle(config),
      bounds: b ? [[b[0], b[1]], [b[2], b[3]]] : undefined,
      center: b ? undefined : [46.8, 39.8],
      zoom: b ? undefined : 8,
      attributionControl: false,
      doubleClickZoom: false,  // a double-click closes the polygon
      dragRotate: false,
      pitchWithRotate: false,
      fadeDuration: 0,
    });
  } catch (e) {  // no WebGL: the typed fields remain
    hint.textContent = "This browser cannot draw the map (" + e.message + "); type the position below.";
    box.dataset.drawState = "no-map";
    return;
  }
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric", maxWidth: 120 }), "bottom-left");
  box.landreleaseMap = map;  // for the browser tests
  window.landreleaseFormMap = map;

  // what is drawn: the point, or the polygon's corners and whether it is closed
  let state = { point: null, corners: [], closed: false };
  const history = [];
  let dragging = -1;  // the corner (or -2: the point) being dragged
  let dragged = false;

  function mode() {
    const kind = box.dataset.draw;
    if (kind !== "activity") { return kind; }
    const source = form.querySelector('[name="geometry_source"]:checked');
    const value = source ? source.value : "";
    return value === "geojson" ? "polygon" : value === "point" ? "point" : "none";
  }

  function features() {
    const out = [];
    const m = mode();
    if (m === "point" && state.point) {
      out.push({ type: "Feature", properties: { first: false }, geometry: { type: "Point", coordinates: state.point } });
    }
    if (m === "polygon" && state.corners.length) {
      const c = state.corners;
      if (state.closed) {
        out.push({ type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [[...c, c[0]]] } });
      } else if (c.length > 1) {
        out.push({ type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: c } });
      }
      c.forEach((p, i) => out.push({ type: "Feature", properties: { first: i === 0 && !state.closed, corner: i },
        geometry: { type: "Point", coordinates: p } }));
    }
    return out;
  }

  function render() {
    const source = map.getSource("drawn");
    if (source) { source.setData({ type: "FeatureCollection", features: features() }); }
    const m = mode();
    hint.textContent = HINTS[m] || "";
    undoButton.disabled = m === "none" || !history.length;
    clearButton.disabled = m === "none" || (!state.point && !state.corners.length);
    box.dataset.drawMode = m;
    box.dataset.drawState = m === "polygon" ? (state.closed ? "closed" : state.corners.length + " corners")
      : (state.point ? "placed" : "empty");
    map.getCanvas().style.cursor = m === "none" ? "" : "crosshair";
  }

  function set(name, value) {
    const input = field(name);
    if (input && input.value !== value) {
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function write() {
    const m = mode();
    if (m === "point") {
      set("lon", state.point ? String(round(state.point[0])) : "");
      set("lat", state.point ? String(round(state.point[1])) : "");
    } else if (m === "polygon") {
      const c = state.corners.map((p) => [round(p[0]), round(p[1])]);
      set("geojson", state.closed ? JSON.stringify({ type: "Polygon", coordinates: [[...c, c[0]]] }) : "");
    }
  }

  function remember() {
    history.push(JSON.stringify(state));
  }

  function change(next) {
    remember();
    state = next;
    write();
    render();
  }

  function nearFirst(point) {
    if (!state.corners.length) { return false; }
    const first = map.project(state.corners[0]);
    return Math.hypot(first.x - point.x, first.y - point.y) <= CLOSE_PX;
  }

  function cornerAt(point) {
    const hits = map.queryRenderedFeatures(
      [[point.x - 6, point.y - 6], [point.x + 6, point.y + 6]], { layers: ["drawn-vertices"] });
    if (!hits.length) { return -1; }
    const corner = hits[0].properties.corner;
    return corner === undefined ? -2 : Number(corner);
  }

  map.on("click", (e) => {
    if (dragged) { dragged = false; return; }
    const m = mode();
    const at = [e.lngLat.lng, e.lngLat.lat];
    if (m === "point") {
      change({ ...state, point: at });
    } else if (m === "polygon" && !state.closed) {
      if (state.corners.length >= 3 && nearFirst(e.point)) {
        change({ ...state, closed: true });
      } else {
        change({ ...state, corners: [...state.corners, at] });
      }
    }
  });

  map.on("dblclick", (e) => {
    if (mode() !== "polygon" || state.closed) { return; }
    e.preventDefault();
    // the double-click's two clicks each added a corner at the same place: keep one
    const c = state.corners.slice();
    while (c.length > 1) {
      const a = map.project(c[c.length - 1]);
      const p = map.project(c[c.length - 2]);
      if (Math.hypot(a.x - p.x, a.y - p.y) > 3) { break; }
      c.pop();
      history.pop();
    }
    if (c.length >= 3) {
      state = { ...state, corners: c };
      change({ ...state, closed: true });
    } else {
      state = { ...state, corners: c };
      render();
    }
  });

  map.on("mousedown", (e) => {
    const m = mode();
    if (m === "none") { return; }
    const i = cornerAt(e.point);
    if (i === -1 || (m === "polygon" && i === -2)) { return; }
    e.preventDefault();  // no panning while a corner is dragged
    remember();
    dragging = i;
    dragged = false;
  });
  map.on("mousemove", (e) => {
    if (dragging === -1) {
      const over = mode() !== "none" && cornerAt(e.point) !== -1;
      map.getCanvas().style.cursor = over ? "move" : mode() === "none" ? "" : "crosshair";
      return;
    }
    dragged = true;
    const at = [e.lngLat.lng, e.lngLat.lat];
    if (dragging === -2) {
      state = { ...state, point: at };
    } else {
      const corners = state.corners.slice();
      corners[dragging] = at;
      state = { ...state, corners };
    }
    render();
  });
  map.on("mouseup", () => {
    if (dragging === -1) { return; }
    dragging = -1;
    if (dragged) { write(); } else { history.pop(); }
    render();
  });

  undoButton.addEventListener("click", () => {
    if (!history.length) { return; }
    state = JSON.parse(history.pop());
    write();
    render();
  });
  clearButton.addEventListener("click", () => change({ point: null, corners: [], closed: false }));

  // typed by hand (keyboard users, a pasted polygon): drawn as typed
  function readTyped(event) {
    const name = event.target.name;
    if (name === "lon" || name === "lat") {
      const lon = parseFloat((field("lon") || {}).value);
      const lat = parseFloat((field("lat") || {}).value);
      state = { ...state, point: Number.isFinite(lon) && Number.isFinite(lat) ? [lon, lat] : null };
      render();
    } else if (name === "geojson") {
      readPolygon(event.target.value);
      render();
    } else if (name === "geometry_source") {
      render();
    }
  }
  function readPolygon(text) {
    try {
      let g = JSON.parse(text);
      if (g.type === "Feature") { g = g.geometry; }
      if (g && g.type === "Polygon" && Array.isArray(g.coordinates[0]) && g.coordinates[0].length >= 4) {
        state = { ...state, corners: g.coordinates[0].slice(0, -1), closed: true };
      }
    } catch (e) { /* the form's check says what is wrong with it */ }
  }
  form.addEventListener("input", (e) => { if (e.isTrusted) { readTyped(e); } });
  form.addEventListener("change", readTyped);

  // the hazard chosen in the form: outlined, and the map centred on it
  function showHazard(id, bbox) {
    if (map.getLayer("hazard-chosen")) {
      map.setFilter("hazard-chosen", ["==", ["get", "hazard_id"], id || ""]);
    }
    if (bbox) {
      map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: 40, maxZoom: 16, duration: 0 });
    }
    box.dataset.hazard = id || "";
  }
  form.addEventListener("hazard-chosen", (e) => showHazard(e.detail.hazard_id, e.detail.bbox));

  map.on("load", () => {
    const kept = form.querySelector(".hazard-bbox");
    const hazardInput = field("hazard_id");
    if (kept && hazardInput) {
      showHazard(hazardInput.value, kept.dataset.bbox.split(",").map(Number));
    }
    const lon = parseFloat((field("lon") || {}).value);
    const lat = parseFloat((field("lat") || {}).value);
    if (Number.isFinite(lon) && Number.isFinite(lat)) { state.point = [lon, lat]; }
    if (field("geojson") && field("geojson").value) { readPolygon(field("geojson").value); }
    render();
    box.dataset.mapReady = "1";
  });
  render();
}

document.querySelectorAll(".form-map[data-draw]").forEach(setup);
