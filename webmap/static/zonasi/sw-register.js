/* Registers the service worker (/sw.js, scope: the whole app) that keeps the map's shell for
 * offline use (#17). A new version of the worker takes over by itself; nothing here reloads the
 * page (a report being typed is never lost). */
(function () {
  "use strict";
  const script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) return;
  const url = script.dataset.sw;
  window.zonasi.swReady = navigator.serviceWorker.register(url, {scope: "/"})
    .then(() => navigator.serviceWorker.ready)
    .catch((error) => { console.warn("service worker:", error); return null; });
})();
