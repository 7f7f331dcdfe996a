/* The service worker of the zonasi map (#17): the app shell (the map page, its scripts, styles,
 * vendored libraries and icons) is cached at install, under the shell's version, so the map opens
 * without a connection. self.ZONASI_SHELL (version, page, files) is written above this file by
 * the server (webmap/pages/shell.py).
 *
 * - pages: the network first (a fresh page, with its own CSP nonce); offline, the cached map page
 *   (whatever its query string: /?lat=..&lon=.. opens it too);
 * - the shell's static files: the cache first (the version changes with their content);
 * - everything else (the API, tiles): the network only, never cached here (the saved offline data
 *   and the report queue live in IndexedDB, which a new version of this worker does not touch). */
"use strict";
const SHELL = self.ZONASI_SHELL;
const CACHE = "zonasi-shell-" + SHELL.version;
const FILES = new Set(SHELL.files);

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll([SHELL.page, ...SHELL.files].map((url) => new Request(url, {cache: "reload"})));
    await self.skipWaiting();  // a new version takes over at once: the queue is in IndexedDB, not here
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("zonasi-shell-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data === "zonasi:version" && event.source) event.source.postMessage({version: SHELL.version});
});

async function page(request) {
  try {
    const fresh = await fetch(request);
    const url = new URL(request.url);
    if (fresh.ok && url.pathname === SHELL.page) {
      const cache = await caches.open(CACHE);
      await cache.put(SHELL.page, fresh.clone());  // the newest page (its language, today's date)
    }
    return fresh;
  } catch (error) {
    const cached = await caches.match(SHELL.page, {cacheName: CACHE, ignoreSearch: true});
    if (cached) return cached;
    throw error;
  }
}

async function shellFile(request) {
  const cached = await caches.match(request, {cacheName: CACHE, ignoreSearch: true});
  return cached || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === SHELL.page) event.respondWith(page(request));
  else if (FILES.has(url.pathname)) event.respondWith(shellFile(request));
});
