// The small map of a settlement's or a hazard's page: MapLibre GL JS (vendored) over the tiles
// the site serves (/tiles/{layer}/{z}/{x}/{y}.mvt), fitted to what the page is about. Hazards
// are filled by status as on the big map; the page's own hazards (those that block the
// settlement, or the hazard itself) are outlined thick; the land in use inside a hazard (cut to it
// by the server, in the page's own data) is filled by kind, as on the big map; the district
// boundaries are drawn as on
// the big map (boundaries.js); the settlement and the circle within
// which open hazards block it come from the page (#small-map-config), no extra request.
// When drawn, <div id="small-map" data-drawn="true"> (the browser test waits for it).
import maplibregl from "/static/maplibre.js";
import { boundaryLabels, boundaryLines, boundarySource } from "/static/boundaries.js";

const box = document.getElementById("small-map");
const config = JSON.parse(document.getElementById("small-map-config").textContent);
const ORIGIN = window.location.origin;
const C = config.colours;
const colours = (rows) => rows.flatMap((r) => [r.value, r.colour]);
const BASE = Object.fromEntries(config.base.map((r) => [r.value, r.colour]));
const has = (name) => config.tiles.includes(name);
const tiles = (name) => ({
  type: "vector", tiles: [ORIGIN + "/tiles/" + name + "/{z}/{x}/{y}.mvt"], minzoom: 0, maxzoom: 16,
});

function style() {
  const sources = { focus: { type: "geojson", data: config.focus } };
  const layers = [{ id: "background", type: "background", paint: { "background-color": "#f4f1ea" } }];
  const kind = (k) => ["==", ["get", "kind"], k];
  if (has("infrastructure")) {
    sources.infrastructure = tiles("infrastructure");
    layers.push(
      { id: "base-farmland", type: "fill", source: "infrastructure", "source-layer": "infrastructure",
        filter: kind("farmland"), paint: { "fill-color": BASE.farmland, "fill-opacity": 0.8 } },
      { id: "base-water", type: "line", source: "infrastructure", "source-layer": "infrastructure",
        filter: kind("water"), paint: { "line-color": BASE.water, "line-width": 1.5 } },
      { id: "base-roads", type: "line", source: "infrastructure", "source-layer": "infrastructure",
        filter: kind("road"), paint: { "line-color": BASE.road, "line-width": 1.5 } },
    );
  }
  // the district boundaries as on the map page (boundaries.js): public, on every small map
  sources.boundaries = boundarySource(ORIGIN, null);
  layers.push(boundaryLines(config.boundary));
  layers.push(
    { id: "circle", type: "fill", source: "focus", filter: ["==", ["get", "role"], "circle"],
      paint: { "fill-color": C.place, "fill-opacity": 0.06 } },
    { id: "circle-line", type: "line", source: "focus", filter: ["==", ["get", "role"], "circle"],
      paint: { "line-color": C.place, "line-width": 1.5, "line-dasharray": [3, 2] } },
  );
  if (has("hazards")) {
    sources.hazards = tiles("hazards");
    const picked = ["in", ["get", "hazard_id"], ["literal", config.picked]];
    layers.push(
      { id: "hazards-fill", type: "fill", source: "hazards", "source-layer": "hazards",
        paint: { "fill-color": ["match", ["get", "status"], ...colours(config.status), C.other],
          "fill-opacity": ["case", picked, 0.7, 0.35] } },
      { id: "hazards-line", type: "line", source: "hazards", "source-layer": "hazards",
        paint: { "line-color": ["case", picked, C.picked, "#555555"], "line-width": ["case", picked, 2.5, 0.5] } },
    );
  }
  const landUse = ["match", ["get", "kind"], ...colours(config.land_use), "#9e9e9e"];
  const isLandUse = ["==", ["get", "role"], "land_use"];
  layers.push(
    { id: "land-use-fill", type: "fill", source: "focus", filter: isLandUse,
      paint: { "fill-color": landUse, "fill-opacity": 0.75 } },
    { id: "land-use-line", type: "line", source: "focus", filter: isLandUse,
      paint: { "line-color": landUse, "line-width": 1 } },
  );
  layers.push(
    { id: "focus-hazard", type: "line", source: "focus", filter: ["==", ["get", "role"], "hazard"],
      paint: { "line-color": C.picked, "line-width": 3 } },
    { id: "place", type: "circle", source: "focus", filter: ["==", ["get", "role"], "place"],
      paint: { "circle-color": C.place, "circle-radius": 7, "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } },
  );
  layers.push(boundaryLabels(config.boundary, config.font));
  return { version: 8, glyphs: ORIGIN + "/fonts/{fontstack}/{range}.pbf", sources, layers };
}

const map = new maplibregl.Map({
  container: box,
  style: style(),
  bounds: config.bounds,
  fitBoundsOptions: { padding: 20 },
  attributionControl: false,
  cooperativeGestures: false,
});
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
window.landreleaseSmallMap = map;
// the page's grid may settle after the map was made (the style sheet late): follow the box
new ResizeObserver(() => map.resize()).observe(box);
map.once("idle", () => { box.dataset.drawn = "true"; });
map.on("error", (e) => { box.dataset.error = String(e && e.error ? e.error.message : e); });

// the legend's swatches take their colour from data-colour (the CSP allows no style attribute)
for (const i of document.querySelectorAll(".small-map i.swatch[data-colour]")) {
  i.style.setProperty("--c", i.dataset.colour);
}
