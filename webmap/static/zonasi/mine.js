/* "Laporan saya" (#17): the officer's own reports, from the server (GET /api/reports/mine) and
 * from the device's queue (zonasi/queue.js), as a list in a dialog and as a layer on the map.
 * Uses what map.js exposes as window.zonasi.mapPage. */
(function () {
  "use strict";
  const {config, t, el, api, auth, number, withParams, requireLogin, formatDateTime, zoneOfRegency} = window.zonasi;
  const {map, label} = window.zonasi.mapPage;
  const dialog = document.getElementById("zonasi-mine");
  const list = document.getElementById("zonasi-mine-list");
  const queueList = document.getElementById("zonasi-queue-list");
  const queueTitle = document.getElementById("zonasi-queue-title");
  const note = document.getElementById("zonasi-mine-note");
  const layer = L.layerGroup().addTo(map);
  const QUEUE_COLOURS = {waiting: "#fd7e14", sending: "#fd7e14", failed: "#b02a37", sent: "#198754"};
  let serverReports = [];

  function verdictWords(report) {
    return window.zonasi.reports ? window.zonasi.reports.storedVerdictText(report) : "";
  }

  function marker(lat, lon, colour, text, extraClass) {
    return L.circleMarker([lat, lon], {radius: 7, weight: 2, color: "#fff", fillColor: colour, fillOpacity: 0.95,
                                       className: "zonasi-mine-marker " + (extraClass || ""),
                                       pane: "zonasiReports"}).bindTooltip(text);
  }

  function queueState(entry) {
    if (entry.state === "failed") return t("map.mine.failed", {reason: entry.reason || "?"});
    return t("map.mine." + entry.state);
  }

  /** Draw the list and the layer from the server's answer and the queue. */
  async function draw() {
    const queue = window.zonasi.queue ? await window.zonasi.queue.list() : [];
    layer.clearLayers();
    list.replaceChildren();
    queueList.replaceChildren();
    const sentIds = new Set();
    for (const entry of queue) {
      if (entry.state === "sent" && entry.report) sentIds.add(entry.report.id);
      const words = entry.report ? verdictWords(entry.report) : "";
      queueList.append(el("li", {"data-key": entry.key, "data-state": entry.state},
        el("strong", {}, label("ui.apk_type.", entry.apk_type)), " ", entry.participant || "", el("br"),
        queueState(entry), words ? " · " + words : "",
        el("span", {class: "text-muted"}, " · " + formatDateTime(entry.created))));  // the device's zone: no regency yet
      if (entry.state !== "sent") {
        layer.addLayer(marker(entry.lat, entry.lon, QUEUE_COLOURS[entry.state] || "#fd7e14",
                              queueState(entry), "zonasi-mine-queued"));
      }
    }
    queueTitle.hidden = queue.length === 0;
    const waiting = queue.filter((e) => e.state === "waiting" || e.state === "sending").length;
    const badge = document.getElementById("zonasi-queue-count");
    badge.hidden = waiting === 0;
    badge.textContent = String(waiting);
    for (const report of serverReports) {
      const words = verdictWords(report);
      list.append(el("li", {"data-id": report.id, "data-status": report.status},
        el("strong", {}, label("ui.apk_type.", report.apk_type)), " ", report.participant || "", el("br"),
        label("ui.report_status.", report.status), " · ", words,
        el("span", {class: "text-muted"}, " · " + formatDateTime(report.reported_at,
          (report.verdict && report.verdict.timezone) || zoneOfRegency(report.regency_code)))));
      layer.addLayer(marker(report.lat, report.lon, "#0d6efd",
                            label("ui.report_status.", report.status) + " · " + words));
    }
    if (!serverReports.length && !note.textContent) list.append(el("li", {class: "text-muted"}, t("map.mine.empty")));
  }

  /** Fetch the server's list (when signed in and reachable), then draw. */
  async function refresh() {
    note.textContent = "";
    if (!auth.token) {
      serverReports = [];
    } else {
      try {
        const answer = await api(withParams(config.urls.mine, {lang: config.lang, limit: 200}));
        serverReports = answer.reports || [];
      } catch (error) {
        if (error.status === 401 || error.status === 403) { serverReports = []; note.textContent = t("map.mine.login"); }
        else note.textContent = t("map.mine.server_unreachable");
      }
    }
    await draw();
  }

  document.getElementById("zonasi-mine-button").addEventListener("click", async () => {
    if (!auth.token && !(await requireLogin())) return;
    if (!dialog.open) dialog.showModal();
    await refresh();
  });
  document.getElementById("zonasi-sync-now").addEventListener("click", async () => {
    if (window.zonasi.queue) await window.zonasi.queue.sync();
    await refresh();
  });
  document.addEventListener("zonasi:user", refresh);
  document.addEventListener("zonasi:reported", refresh);
  document.addEventListener("zonasi:queue", draw);

  window.zonasi.mine = {refresh, draw, layer, number};
})();
