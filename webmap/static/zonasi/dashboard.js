/* The dashboard: counts per regency, category and status, as charts and tables. */
(function () {
  "use strict";
  const {config, t, el, api, auth, number} = window.zonasi;
  const COLOURS = ["#2a81cb", "#cb2b3e", "#2aad27", "#cb8427", "#5b396b", "#7b7b7b", "#006400", "#d63384"];
  const STATUS_COLOURS = {reported: "#d63384", verified: "#dc3545", notified: "#fd7e14", dismissed: "#6c757d",
                          removed: "#198754"};
  const charts = {};

  function label(prefix, key) {
    const text = t(prefix + key);
    return text === prefix + key ? String(key) : text;
  }

  function chart(id, type, counts, labelOf, colours) {
    const keys = Object.keys(counts);
    if (charts[id]) charts[id].destroy();
    const canvas = document.getElementById(id);
    canvas.setAttribute("data-counts", JSON.stringify(counts));
    charts[id] = new Chart(canvas, {
      type: type,
      data: {labels: keys.map((k) => wrap(labelOf(k))),
             datasets: [{data: keys.map((k) => counts[k]),
                         backgroundColor: keys.map((k, i) => (colours && colours[k]) || COLOURS[i % COLOURS.length])}]},
      options: {maintainAspectRatio: false, animation: false, indexAxis: type === "bar" ? "y" : "x",
                plugins: {legend: {display: type !== "bar", position: "bottom"}}},
    });
  }

  /** A long label as lines of at most 18 characters (Chart.js draws an array as lines). */
  function wrap(text) {
    const lines = [];
    for (const word of String(text).split(" ")) {
      const last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + word).length <= 18) lines[last] += " " + word;
      else lines.push(word);
    }
    return lines.length > 1 ? lines : text;
  }

  function table(id, rows) {
    const body = document.querySelector("#" + id + " tbody");
    body.replaceChildren(...rows.map((r) => el("tr", {"data-code": r.code},
      el("td", {}, r.name), el("td", {class: "text-muted small"}, r.code),
      el("td", {class: "text-end fw-semibold"}, number(r.count, 0)))));
  }

  const categoryLabel = (key) => (config.categories[key] ? config.categories[key].label : key);

  async function load() {
    try {
      const stats = await api(config.urls.stats);
      document.getElementById("dashboard-sites-total").textContent = number(stats.sites.total, 0);
      chart("chart-site-category", "bar", stats.sites.by_category, categoryLabel);
      table("table-site-regency", stats.sites.by_regency);
      const reports = stats.reports;
      document.getElementById("dashboard-reports").hidden = !reports;
      document.getElementById("dashboard-login").hidden = !!reports;
      if (reports) {
        document.getElementById("dashboard-reports-total").textContent = number(reports.total, 0);
        chart("chart-report-status", "doughnut", reports.by_status, (k) => label("ui.report_status.", k), STATUS_COLOURS);
        chart("chart-report-type", "bar", reports.by_apk_type, (k) => label("ui.apk_type.", k));
        chart("chart-report-category", "bar", reports.by_category, categoryLabel);
        table("table-report-regency", reports.by_regency);
      }
      document.getElementById("dashboard-status").textContent = "";
    } catch (error) {
      document.getElementById("dashboard-status").className = "small text-danger";
      document.getElementById("dashboard-status").textContent = t("ui.error", {detail: error.message});
    }
  }

  document.addEventListener("zonasi:user", load);
  // the token check may have finished before this script ran: then its event is gone
  if (!auth.token || auth.checked) load();
})();
