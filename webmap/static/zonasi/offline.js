/* Saving a regency for offline use and the provisional verdicts computed from it (#17).
 *
 * "Simpan untuk luring" asks the server for the regency at the map's centre (the check of the
 * centre names it), shows the bundle's size (HEAD: Content-Length) and saves it after a second
 * press, refusing one above LIMIT_BYTES. The bundle is kept in IndexedDB (queue.js's database,
 * store "bundles"). The status line says what is saved, its versions and date, the reports
 * waiting and the last sync, and offers a refresh when the server's /health names other versions.
 * Offline, map.js asks judgeHere() for a verdict (engine.js, the engine's method). Without a tile
 * server the map draws a basemap of its own (offline/basemap.js): the app's vector tiles online,
 * the saved regency (land, roads, outline) offline. */
import {createBasemap} from "./offline/basemap.js";

// the engine (and its libraries) imported apart: if it cannot load, the rest of the page still works
// and an offline check says it cannot judge instead of waiting for ever
// (on the first offline check only: most visits never need it)
let engine = null;
function loadEngine() {
  engine = engine || import("./offline/engine.js").catch((error) => { console.warn("offline engine:", error); return null; });
  return engine;
}

const {config, t, el, api, number, withParams} = window.zonasi;
const {map, say} = window.zonasi.mapPage;
const queue = window.zonasi.queue;
const KEY = "saved";
const MAX_SITE_DOTS = 20000;
const DOTS_ZOOM = 14;
const LIMIT_BYTES = 20 * 1000 * 1000;  // as the server's default; Indramayu's bundle is about 0.25 MB
const saveButton = document.getElementById("zonasi-offline-save");
const statusBox = document.getElementById("zonasi-offline-status");
let saved = null;        // {name, code, area, bundle, size, saved_at}
let serverVersions = null;
let outlines = null;

function bundleUrl(code) { return `/api/offline/regency/${encodeURIComponent(code)}.json`; }

function size(bytes) {
  return bytes >= 1e6 ? number(bytes / 1e6, 1) + " MB" : number(bytes / 1e3, 0) + " kB";
}

function day(ms) { return new Date(ms).toLocaleString(config.lang === "en" ? "en-GB" : "id-ID"); }

/** The regency at the map's centre ({code, name}) from the server's check of that point. */
async function regencyInView() {
  const c = map.getCenter();
  const verdict = await api(withParams(config.urls.check, {lat: c.lat.toFixed(7), lon: c.lng.toFixed(7),
                                                           lang: config.lang}));
  return verdict.regency && verdict.regency.code ? verdict.regency : null;
}

/** Fetch and keep one regency's bundle. */
async function save(regency, bytes) {
  statusBox.textContent = t("map.offline.saving");
  const response = await fetch(bundleUrl(regency.code), {headers: {Accept: "application/json"}});
  if (!response.ok) throw new Error((await response.json().catch(() => ({}))).detail || String(response.status));
  const text = await response.text();
  const bundle = JSON.parse(text);
  const record = {name: KEY, code: regency.code, area: regency.name, bundle, size: bytes || text.length,
                  saved_at: Date.now()};
  await queue.db.put("bundles", record);
  saved = record;
  say(t("map.offline.saved", {area: regency.name, size: size(record.size)}), "success");
  drawOutlines();
  await showStatus();
}

/** First press: the size; a second press (the confirm button) saves. */
async function offerSave(regency) {
  say("");
  const head = await fetch(bundleUrl(regency.code), {method: "HEAD"});
  const bytes = Number(head.headers.get("Content-Length")) || 0;
  const values = {area: regency.name, size: size(bytes), limit: size(LIMIT_BYTES)};
  if (head.status === 413) {  // over the server's limit: its own words (a HEAD has no body)
    await api(withParams(bundleUrl(regency.code), {lang: config.lang})).catch((error) => say(error.message, "warning"));
    return;
  }
  if (bytes > LIMIT_BYTES) { say(t("map.offline.too_large", values), "warning"); return; }
  if (!head.ok) throw new Error(String(head.status));
  messageWithButton(t("map.offline.confirm", values), "zonasi-offline-confirm", t("map.offline.save"),
                    () => save(regency, bytes).catch(failed));
}

function messageWithButton(text, id, label, action) {
  say(text, "info");
  const box = document.getElementById("zonasi-message");
  box.append(" ", el("button", {type: "button", id, class: "btn btn-sm btn-primary ms-1",
                                onclick: () => { say(""); action(); }}, label));
}

function failed(error) {
  say(t("map.offline.failed", {detail: error.message || String(error)}), "danger");
  showStatus();
}

saveButton.addEventListener("click", async () => {
  try {
    const regency = await regencyInView();
    if (!regency) { say(t("map.offline.no_area"), "warning"); return; }
    await offerSave(regency);
  } catch (error) {
    failed(error);
  }
});

/** The status line: what is saved, stale or not, reports waiting, last sync. */
async function showStatus() {
  const parts = [];
  const [waiting, last] = await Promise.all([queue.waitingCount(), queue.lastSync()]);
  statusBox.replaceChildren();
  if (saved) {
    const b = saved.bundle;
    parts.push(t("map.offline.status", {area: saved.area, layers: b.layers_version, rules: b.rules_version,
                                        date: day(saved.saved_at)}));
  } else {
    parts.push(t("map.offline.none"));
  }
  if (waiting) parts.push(t("map.offline.waiting", {count: waiting}));
  parts.push(last ? t("map.offline.last_sync", {date: day(last)}) : t("map.offline.never_synced"));
  statusBox.append(el("span", {class: "zonasi-offline-summary"}, parts.join(" · ")));
  const stale = saved && serverVersions && (serverVersions.layers_version !== saved.bundle.layers_version
                                            || serverVersions.rules_version !== saved.bundle.rules_version);
  statusBox.dataset.stale = stale ? "true" : "false";
  statusBox.dataset.saved = saved ? saved.code : "";
  if (stale) {
    statusBox.append(" ", el("span", {class: "zonasi-offline-stale text-warning-emphasis fw-semibold"},
                             t("map.offline.stale")), " ",
      el("button", {type: "button", id: "zonasi-offline-refresh", class: "btn btn-link btn-sm p-0 align-baseline",
                    onclick: () => save({code: saved.code, name: saved.area}).catch(failed)},
         t("map.offline.refresh")));
  }
}

/** The server's layers and rules versions (GET /health), when it answers. */
async function checkServer() {
  if (navigator.onLine === false) return;
  try {
    const health = await fetch("/health", {headers: {Accept: "application/json"}}).then((r) => r.json());
    if (health.layers_version) serverVersions = health;
  } catch (error) { /* no answer: nothing to compare */ }
}

// -- the provisional verdict ---------------------------------------------------------------------

/** A verdict from the saved bundle for map.js, with its message lines, or null with nothing saved. */
async function judgeHere(latlng, extra) {
  if (!saved) return null;
  const loaded = await loadEngine();
  if (!saved || !loaded) return null;
  const {judge} = loaded;
  const options = {accuracy_m: extra && extra.accuracy !== undefined ? extra.accuracy : null};
  const dateInput = document.getElementById("zonasi-check-date");
  if (dateInput && /^\d{4}-\d{2}-\d{2}$/.test(dateInput.value)) options.at = dateInput.value;
  const started = performance.now();
  const verdict = judge({lon: latlng.lng, lat: latlng.lat}, saved.bundle, options);
  verdict.elapsed_ms = performance.now() - started;
  // in no saved regency: offline nothing tells another regency from the sea, so it cannot judge
  if (verdict.status === "outside_area" && (verdict.reason === "not_saved" || verdict.reason === "no_regency")) {
    verdict.saved_area = false;
  }
  verdict.message = messageLines(verdict);
  return verdict;
}

function hitLine(hit) {
  if (hit.kind === "outside_allowed_zone") {  // allowed-zones mode: beyond the nearest designated zone
    return t("verdict.outside_allowed", {distance: number(hit.distance_m - hit.buffer_m, 1),
                                         name: hit.name || t("verdict.unnamed"), basis: hit.legal_basis || "-"});
  }
  return t("verdict.hit", {distance: number(hit.distance_m, 1), name: hit.name || t("verdict.unnamed"),
                           category: hit.category_label, buffer: number(hit.buffer_m, 0),
                           basis: hit.legal_basis || ""});
}

function messageLines(v) {
  const mark = " (" + t("map.offline.provisional") + ")";
  if (!v.saved_area && v.reason !== "allowed_zones") {
    return [t("map.offline.outside")];
  }
  const lines = [t("status." + (v.uncertain ? "uncertain" : v.status)) + mark];
  if (v.status === "outside_area") { lines.push(t("verdict.outside_area")); return lines; }
  if (v.status === "outside_period") lines.push(t("verdict.outside_period", {date: v.at}));
  for (const hit of v.hits) lines.push(hitLine(hit));
  if (!v.hits.length && v.nearest) {
    lines.push(t("verdict.nearest", {name: v.nearest.name || t("verdict.unnamed"), category: v.nearest.category_label,
                                     distance: number(v.nearest.distance_m, 0), buffer: number(v.nearest.buffer_m, 0)}));
  }
  if (v.missing_categories.length) {
    const labels = v.missing_categories.map((c) => (config.categories[c] || {}).label || c);
    lines.push(t("verdict.incomplete", {categories: labels.join(t("verdict.list_and"))}));
  }
  if (v.uncertain) lines.push(t("verdict.uncertain", {accuracy: number(v.accuracy_m, 0), margin: number(v.margin_m, 1)}));
  if (v.regency) lines.push(t("verdict.regency", {name: v.regency.name, code: v.regency.code}));
  return lines;
}

// -- the basemap without tiles (offline/basemap.js) and the saved sites as dots -----------------

const basemap = createBasemap(map, {tilesUrl: config.urls.tiles, roadsZoom: config.zoom.sites});
let dots = null;

/** The saved bundle as the basemap (used when no tile server answers) and its point sites as
 *  small dots from zoom DOTS_ZOOM while the saved basemap is drawn (the vector tiles' pins are
 *  not there either). */
function drawOutlines() {
  outlines = basemap.setSaved(saved ? saved.bundle : null);
  if (dots) { dots.remove(); dots = null; }
  if (!outlines) return;
  dots = L.layerGroup();
  const sites = saved.bundle.sites;
  if (sites.site_id.length <= MAX_SITE_DOTS) {
    sites.geometry.forEach((g) => {
      if (!Array.isArray(g)) return;
      L.circleMarker([g[1], g[0]], {radius: 4, weight: 1, color: "#fff", fillOpacity: 0.9, interactive: false,
                                    fillColor: "#b02a37", className: "zonasi-offline-site"}).addTo(dots);
    });
  }
  showDots();
}

function showDots() {
  if (!dots) return;
  if (map.getZoom() >= DOTS_ZOOM && outlines && map.hasLayer(outlines)) dots.addTo(map); else dots.remove();
}
map.on("zoomend layeradd layerremove", (event) => { if (!event.layer || event.layer === outlines) showDots(); });

async function load() {
  try {
    saved = (await queue.db.get("bundles", KEY)) || null;
  } catch (error) { saved = null; }
  drawOutlines();
  await checkServer();
  await showStatus();
}

document.addEventListener("zonasi:queue", () => showStatus());
window.addEventListener("online", () => checkServer().then(showStatus));
window.zonasi.offline = {judgeHere, ready: load(), showStatus, saved: () => saved, basemap: () => basemap.state()};
window.zonasi.mapPage.offlineLoaded(window.zonasi.offline);
