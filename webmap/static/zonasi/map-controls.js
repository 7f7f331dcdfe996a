/* The map page's tools: "Lokasi saya" (GPS), the search box, the report form, and /?lat=&lon=.
 * Uses what map.js exposes as window.zonasi.mapPage. */
(function () {
  "use strict";
  const {config, t, el, api, auth, formatMetres, formatDistance, withParams, requireLogin} = window.zonasi;
  const {map, checkAt, loadLayer, say, label, POOR_ACCURACY_M} = window.zonasi.mapPage;

  // -- Leaflet's own controls in the page's language (#18): zoom, layers, attribution -----------
  function retitle(node, text) {
    if (!node) return;
    node.title = text;
    node.setAttribute("aria-label", text);
  }
  if (map.zoomControl) {
    map.zoomControl.options.zoomInTitle = t("map.zoom_in");
    map.zoomControl.options.zoomOutTitle = t("map.zoom_out");
    retitle(map.zoomControl._zoomInButton, t("map.zoom_in"));
    retitle(map.zoomControl._zoomOutButton, t("map.zoom_out"));
  }
  const layersToggle = map.getContainer().querySelector(".leaflet-control-layers-toggle");
  retitle(layersToggle, t("map.layers"));
  if (layersToggle) layersToggle.setAttribute("role", "button");
  const layersList = map.getContainer().querySelector(".leaflet-control-layers-list");
  if (layersList) layersList.setAttribute("aria-label", t("map.layers"));
  if (map.attributionControl) {
    // Leaflet's prefix (an English tooltip and a flag) as one plain link; the OpenStreetMap credit in words
    map.attributionControl.setPrefix(el("a", {href: "https://leafletjs.com", rel: "noopener"}, t("map.attribution")).outerHTML);
    map.eachLayer((layer) => {
      const credit = layer instanceof L.TileLayer && layer.getAttribution && layer.getAttribution();
      if (!credit || !/OpenStreetMap/.test(credit)) return;
      map.attributionControl.removeAttribution(credit);
      layer.options.attribution = el("span", {}, "© ",
        el("a", {href: "https://www.openstreetmap.org/copyright", rel: "noopener"}, t("map.attribution.osm"))).innerHTML;
      map.attributionControl.addAttribution(layer.options.attribution);
    });
  }

  // -- "Lokasi saya": the device's position, its accuracy circle, and a check ------------------
  let accuracyCircle = null;
  let positionMarker = null;

  function showPosition(lat, lon, accuracy) {
    const latlng = L.latLng(lat, lon);
    if (accuracyCircle) accuracyCircle.remove();
    if (positionMarker) positionMarker.remove();
    accuracyCircle = L.circle(latlng, {radius: accuracy, color: "#0d6efd", weight: 1, fillOpacity: 0.12,
                                       interactive: false}).addTo(map);
    positionMarker = L.circleMarker(latlng, {radius: 6, color: "#fff", weight: 2, fillColor: "#0d6efd",
                                             fillOpacity: 1, interactive: false}).addTo(map);
    map.setView(latlng, Math.max(map.getZoom(), 17));
    say(accuracy > POOR_ACCURACY_M ? t("map.locate.poor", {accuracy: formatMetres(accuracy)}) : "",
        "warning");
    return checkAt(latlng, {accuracy: accuracy});
  }

  /** A geolocation failure in the catalog's words (the browser's own text is English: "User denied
   * Geolocation"), by its code: 1 denied (or an insecure page), 2 no position, 3 too slow. */
  function locateFailure(error) {
    const key = {1: "map.locate.denied", 2: "map.locate.unavailable", 3: "map.locate.timeout"}[error && error.code];
    return key ? t(key) : t("map.locate.failed", {detail: t("map.locate.unavailable")});
  }

  document.getElementById("zonasi-locate").addEventListener("click", () => {
    if (!navigator.geolocation) { say(t("map.locate.unsupported"), "warning"); return; }
    say(t("map.locate.waiting"), "info");
    navigator.geolocation.getCurrentPosition(
      (position) => showPosition(position.coords.latitude, position.coords.longitude, position.coords.accuracy),
      (error) => say(locateFailure(error), "warning"),
      {enableHighAccuracy: true, timeout: 20000, maximumAge: 0});
  });

  // -- search: coordinates in any form the CSV parser takes, or a regency name ----------------
  document.getElementById("zonasi-search").addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = document.getElementById("zonasi-search-input").value.trim();
    if (!q) return;
    try {
      const answer = await api(withParams(config.urls.geocode, {q: q, lang: config.lang}));
      const results = answer.results || [];
      if (!results.length) { say(t("map.search.none", {q: q}), "warning"); return; }
      const first = results[0];
      if (first.type === "regency") {
        const [w, s, e, n] = first.bbox;
        map.fitBounds([[s, w], [n, e]]);
        say(results.length > 1 ? t("map.search.regencies", {names: results.map((r) => r.name).join(", ")})
                               : first.name, "info");
      } else {
        say("", "info");
        const latlng = L.latLng(first.lat, first.lon);
        map.setView(latlng, Math.max(map.getZoom(), 17));
        await checkAt(latlng);
      }
    } catch (error) {
      if (error.status) { say(t("ui.error", {detail: error.message}), "danger"); return; }
      // no answer (offline, #17): "lat, lon" is still checked (from the saved area); names need the server
      const match = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(q);
      const lat = match ? Number(match[1]) : NaN, lon = match ? Number(match[2]) : NaN;
      if (!(Math.abs(lat) <= 90 && Math.abs(lon) <= 180)) { say(t("map.offline.search"), "warning"); return; }
      say("", "info");
      const latlng = L.latLng(lat, lon);
      map.setView(latlng, Math.max(map.getZoom(), 17));
      await checkAt(latlng);
    }
  });

  // -- "Laporkan APK di sini": the report form -----------------------------------------------
  // Every submission carries an Idempotency-Key made when the officer first presses send and kept
  // for the retries of the same report (the server stores it once whatever the number of taps or
  // retries); the form is disabled until the answer. After success the form closes and the page
  // says the stored verdict in words. Without a connection the report goes to the device's queue
  // (zonasi/queue.js, when loaded).
  const reportDialog = document.getElementById("zonasi-report");
  const reportForm = document.getElementById("zonasi-report-form");
  const reportResult = document.getElementById("zonasi-report-result");
  const reportError = document.getElementById("zonasi-report-error");
  const typeSelect = document.getElementById("report-type");
  for (const type of config.apk_types || []) {
    typeSelect.append(el("option", {value: type}, label("ui.apk_type.", type)));
  }
  let reportPoint = null;
  let pending = null;  // {key, signature}: the key of the report being sent, kept across retries
  let sending = false;

  async function openReport(verdict, extra) {
    // without a token: the public's report form for this spot (it offers the officers' sign-in)
    if (!auth.token && window.zonasi.publicIntake) { window.zonasi.publicIntake.open(); return; }
    if (!(await requireLogin())) return;
    reportPoint = {lat: verdict.lat, lon: verdict.lon,
                   accuracy: extra && extra.accuracy !== undefined ? extra.accuracy : null};
    document.getElementById("zonasi-report-point").textContent =
      t("map.check.point", {lat: verdict.lat.toFixed(6), lon: verdict.lon.toFixed(6)});
    reportError.textContent = "";
    pending = null;
    reportDialog.showModal();
  }

  /** What the officer is sending (a changed form after a failure is another report: a new key). */
  function signature(entry) {
    const photo = entry.photo;
    return JSON.stringify([entry.lat, entry.lon, entry.accuracy_m, entry.apk_type, entry.participant, entry.note,
                           photo ? [photo.name, photo.size, photo.lastModified] : null]);
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));  // a version 4 UUID by hand (old browsers)
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** The form's content as a queue entry (the photo a File, i.e. a Blob). */
  function formEntry() {
    const data = new FormData(reportForm);
    const photo = data.get("photo");
    return {lat: Number(reportPoint.lat.toFixed(7)), lon: Number(reportPoint.lon.toFixed(7)),
            accuracy_m: reportPoint.accuracy !== null ? Math.round(reportPoint.accuracy) : null,
            apk_type: data.get("apk_type") || "", participant: data.get("participant") || "",
            note: data.get("note") || "", photo: photo && photo.size ? photo : null};
  }

  /** The body of POST /api/reports for a queue entry. */
  function entryBody(entry) {
    const data = new FormData();
    data.set("lat", String(entry.lat));
    data.set("lon", String(entry.lon));
    if (entry.accuracy_m !== null && entry.accuracy_m !== undefined) data.set("accuracy_m", String(entry.accuracy_m));
    for (const name of ["apk_type", "participant", "note"]) if (entry[name]) data.set(name, entry[name]);
    if (entry.photo) data.set("photo", entry.photo, entry.photo.name || "photo");
    return data;
  }

  /** POST one report with its key; resolves to the stored report (a replay answers the first one). */
  function postReport(entry) {
    return api(config.urls.reports, {method: "POST", body: entryBody(entry),
                                     headers: {"Idempotency-Key": entry.key}});
  }

  /** The stored verdict of an answered report, in words: its headline, the site and the distance. */
  function storedVerdictText(report) {
    const head = (report.message && report.message[0]) || label("verdict.status.", (report.verdict || {}).status || "");
    const parts = [head];
    if (report.site_name && report.distance_m !== null && report.distance_m !== undefined) {
      parts.push(t("map.report.stored_site_at", {site: report.site_name, distance: formatDistance(report.distance_m)}));
    }
    return parts.join(" — ");
  }

  function showStored(report) {
    reportResult.hidden = false;
    reportResult.className = "small alert alert-success zonasi-report-result text-success";
    reportResult.dataset.id = report.id || "";
    reportResult.dataset.status = (report.verdict && report.verdict.status) || "";
    reportResult.textContent = t("map.report.stored", {verdict: storedVerdictText(report)});
  }

  function showQueued() {
    reportResult.hidden = false;
    reportResult.className = "small alert alert-warning zonasi-report-result text-warning-emphasis";
    reportResult.dataset.id = "";
    reportResult.dataset.status = "queued";
    reportResult.textContent = t("map.report.queued");
  }

  function setBusy(busy) {
    sending = busy;
    for (const field of reportForm.elements) field.disabled = busy;
    document.getElementById("report-submit").textContent = busy ? t("map.report.sending") : t("map.report.submit");
  }

  reportForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reportPoint || sending) return;
    const entry = formEntry();
    const sig = signature(entry);
    if (!pending || pending.signature !== sig) pending = {key: newKey(), signature: sig};
    entry.key = pending.key;
    setBusy(true);
    reportError.textContent = "";
    const queue = window.zonasi.queue;
    try {
      let report;
      if (queue) {
        const outcome = await queue.submit(entry);  // stored on the device first, then sent under a lock
        if (outcome.state === "waiting") {
          reportDialog.close(); reportForm.reset(); pending = null; showQueued();
          return;
        }
        if (outcome.state === "failed") throw outcome.error;
        report = outcome.report;
      } else {
        report = await postReport(entry);
      }
      pending = null;
      reportDialog.close();
      reportForm.reset();
      showStored(report);
      loadLayer("violations");
      document.dispatchEvent(new CustomEvent("zonasi:reported", {detail: report}));
    } catch (error) {
      reportError.textContent = error.status === 401 ? t("map.report.login_needed")
        : t("ui.error", {detail: error.message});
      if (error.status && error.status !== 409) pending = null;  // refused: a corrected form is a new report
    } finally {
      setBusy(false);
    }
  });

  window.zonasi.reports = {postReport, storedVerdictText, showStored, newKey, locateFailure};
  window.zonasi.mapPage.openReport = openReport;
  window.zonasi.mapPage.showPosition = showPosition;
  // /?lat=..&lon=.. (links from the violations list): go there and check.
  const here = new URLSearchParams(location.search);
  const startLat = parseFloat(here.get("lat")), startLon = parseFloat(here.get("lon"));
  if (isFinite(startLat) && isFinite(startLon) && Math.abs(startLat) <= 90 && Math.abs(startLon) <= 180) {
    map.setView([startLat, startLon], 17, {animate: false});
    checkAt(L.latLng(startLat, startLon));
  }
})();
