// MapLibre GL JS as every map of the site loads it (vendored, no CDN): its web worker is fetched
// from the versioned address the pages preload beside the library (so that it comes while the
// library is still arriving, and from the browser's cache on the next view), and started as
// soon as the library is read, before the map is made.
import * as maplibregl from "/static/vendor/maplibre/maplibre-gl.mjs";

maplibregl.setWorkerUrl(new URL("/static/vendor/maplibre/maplibre-gl-worker.mjs", window.location.href).href);
maplibregl.prewarm();

export default maplibregl;
