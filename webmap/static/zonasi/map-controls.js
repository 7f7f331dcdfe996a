/* The map page's tools: "Lokasi saya" (GPS), the search box, the report form, and /?lat=&lon=.
 * Uses what map.js exposes as window.zonasi.mapPage. */
(function () {
  "use strict";
  const {config, t, el, api, number, withParams, requireLogin} = window.zonasi;
  const {map, checkAt, loadLayer, say, label, POOR_ACCURACY_M} = window.zonasi.mapPage;

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
    say(accuracy > POOR_ACCURACY_M ? t("map.locate.poor", {accuracy: number(accuracy, 0)}) : "",
        "warning");
    return checkAt(latlng, {accuracy: accuracy});
  }

  document.getElementById("zonasi-locate").addEventListener("click", () => {
    if (!navigator.geolocation) { say(t("map.locate.unsupported"), "warning"); return; }
    say(t("map.locate.waiting"), "info");
    navigator.geolocation.getCurrentPosition(
      (position) => showPosition(position.coords.latitude, position.coords.longitude, position.coords.accuracy),
      (error) => say(t("map.locate.failed", {detail: error.message || error.code}), "warning"),
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
      say(t("ui.error", {detail: error.message}), "danger");
    }
  });

  // -- "Laporkan APK di sini": the report form -----------------------------------------------
  const reportDialog = document.getElementById("zonasi-report");
  const reportForm = document.getElementById("zonasi-report-form");
  const reportResult = document.getElementById("zonasi-report-result");
  const typeSelect = document.getElementById("report-type");
  for (const type of config.apk_types || []) {
    typeSelect.append(el("option", {value: type}, label("ui.apk_type.", type)));
  }
  let reportPoint = null;

  async function openReport(verdict, extra) {
    if (!(await requireLogin())) return;
    reportPoint = {lat: verdict.lat, lon: verdict.lon,
                   accuracy: extra && extra.accuracy !== undefined ? extra.accuracy : null};
    document.getElementById("zonasi-report-point").textContent =
      t("map.check.point", {lat: verdict.lat.toFixed(6), lon: verdict.lon.toFixed(6)});
    reportResult.textContent = "";
    reportResult.className = "small mt-2";
    reportDialog.showModal();
  }

  reportForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reportPoint) return;
    const data = new FormData(reportForm);
    data.set("lat", reportPoint.lat.toFixed(7));
    data.set("lon", reportPoint.lon.toFixed(7));
    if (reportPoint.accuracy !== null) data.set("accuracy_m", String(Math.round(reportPoint.accuracy)));
    const photo = data.get("photo");
    if (!photo || !photo.size) data.delete("photo");
    const submit = document.getElementById("report-submit");
    submit.disabled = true;
    try {
      const report = await api(config.urls.reports, {method: "POST", body: data});
      reportResult.className = "small mt-2 text-success";
      reportResult.textContent = t("map.report.sent", {id: report.id || ""});
      reportForm.reset();
      loadLayer("violations");
    } catch (error) {
      reportResult.className = "small mt-2 text-danger";
      reportResult.textContent = error.status === 401 ? t("map.report.login_needed")
        : t("ui.error", {detail: error.message});
    } finally {
      submit.disabled = false;
    }
  });

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
