// MapLibre GL JS as every map of the site loads it (vendored, no CDN): its web worker is fetched
// from the versioned address the pages preload beside the library (so that it comes while the
// library is still arriving, and from the browser's cache on the next view), and started as
// soon as the page's head is read (static/map-worker.js): MapLibre is handed that worker when it
// asks for its first one, and starts its pool at once, before the map is made.
import * as maplibregl from "/static/vendor/maplibre/maplibre-gl.mjs";

const WORKER = new URL("/static/vendor/maplibre/maplibre-gl-worker.mjs", window.location.href).href;
const started = window.landreleaseMapWorker;
window.landreleaseMapWorker = null;  // handed over once; or, not started yet, never to be started
if (started) {
  const Native = window.Worker;
  // MapLibre makes its workers with `new Worker(url)`: the first one of the library's own address
  // is the worker already running; any other (or any later) is made as usual
  window.Worker = function Worker(url, options) {
    window.Worker = Native;
    return String(url) === WORKER ? started : new Native(url, options);
  };
}
maplibregl.setWorkerUrl(WORKER);
maplibregl.prewarm();

export default maplibregl;
