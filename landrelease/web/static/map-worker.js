// MapLibre's web worker started as soon as the page's head is read, while the library (1.1 MB)
// is still arriving and being compiled: the worker compiles its own half (0.56 MB) on the other
// core meanwhile, instead of only once the library has run. static/maplibre.js hands this
// worker to MapLibre when MapLibre asks for its first one.
// A classic script (async, in the head): the page names the worker's versioned address.
// An async script may run after the library's wrapper on a slow or busy machine: the wrapper
// then set this to null (MapLibre made its own worker), and a second one would only waste a core.
if (window.landreleaseMapWorker === undefined) {
  window.landreleaseMapWorker = new Worker(document.currentScript.dataset.worker, { type: "module" });
}
