// The administrative boundaries as every map of the site draws them: thin dashed lines from the
// public tiles (/tiles/boundaries/{z}/{x}/{y}.mvt), each area's name written once, at the point
// inside it the tiles carry (not along the polygon, whose label would repeat in every tile the
// area crosses), until zoomed in to the villages.
//   boundarySource(origin, version)  the tile source (version: the page's tile version, if any)
//   boundaryLines(colour)            the lines: add them over the base map
//   boundaryLabels(colour, font)     the names: add them last (MapLibre places the top layer's
//                                    labels first, so a district's name is not crowded out)
const FROM = { source: "boundaries", "source-layer": "boundaries" };

export function boundarySource(origin, version) {
  return {
    type: "vector", minzoom: 0, maxzoom: 16,
    tiles: [origin + "/tiles/boundaries/{z}/{x}/{y}.mvt" + (version ? "?v=" + encodeURIComponent(version) : "")],
  };
}

export function boundaryLines(colour) {
  return { id: "boundaries", type: "line", ...FROM, filter: ["!=", ["geometry-type"], "Point"],
    paint: { "line-color": colour, "line-width": ["interpolate", ["linear"], ["zoom"], 6, 0.8, 12, 1.6],
      "line-dasharray": [3, 2] } };
}

export function boundaryLabels(colour, font) {
  return { id: "boundary-labels", type: "symbol", ...FROM, maxzoom: 11, filter: ["==", ["geometry-type"], "Point"],
    layout: { "text-field": ["get", "name"], "text-font": [font], "text-size": 13, "text-transform": "uppercase",
      "text-letter-spacing": 0.1 },
    paint: { "text-color": colour, "text-halo-color": "#ffffff", "text-halo-width": 2 } };
}
