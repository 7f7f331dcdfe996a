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

  // -- coverage (#15): per regency with data, the status of each required category -------------
  const LEVEL_CLASS = {complete: "text-bg-success", partial: "text-bg-warning", none: "text-bg-secondary"};

  function levelBadge(level, title) {
    return el("span", {class: "badge zonasi-coverage-badge " + (LEVEL_CLASS[level] || "text-bg-light"),
                       "data-level": level, title: title || null}, label("coverage.level.", level));
  }

  function sourceText(source) {
    return source.source + " (" + (source.as_of || t("ui.dashboard.coverage_undated")) + ")";
  }

  function coverageTable(data) {
    const tableNode = document.getElementById("table-coverage");
    const columns = data.required || [];
    tableNode.querySelector("thead").replaceChildren(el("tr", {},
      el("th", {}, t("ui.dashboard.coverage_regency")),
      el("th", {class: "text-end"}, t("ui.dashboard.coverage_sites")),
      el("th", {}, t("ui.dashboard.coverage_fraction")),
      ...columns.map((key) => el("th", {"data-category": key}, categoryLabel(key))),
      el("th", {}, t("ui.dashboard.coverage_source"))));
    tableNode.querySelector("tbody").replaceChildren(...data.regencies.map((r) => el("tr", {"data-code": r.code, "data-level": r.level},
      el("td", {}, r.name, " ", el("span", {class: "text-muted small text-nowrap"}, r.code)),
      el("td", {class: "text-end"}, number(r.sites, 0)),
      el("td", {class: "text-nowrap"}, levelBadge(r.level),
        r.level === "partial" ? el("span", {class: "small text-muted ms-1"},
          number(100 * r.required_complete_fraction, 1) + " %") : null),
      ...columns.map((key) => el("td", {"data-category": key},
        r.status[key] ? levelBadge(r.status[key])
          : el("span", {class: "text-muted small"}, t("ui.dashboard.coverage_not_required")))),
      el("td", {class: "small"}, r.sources.length ? r.sources.map(sourceText).join("; ")
        : el("span", {class: "text-muted"}, t("ui.dashboard.coverage_no_source"))))));
    // the total line, under the table (not in it: on a phone the table scrolls sideways)
    document.getElementById("dashboard-coverage-total").textContent =
      t("ui.dashboard.coverage_without", {count: number(data.without_data, 0), total: number(data.total, 0)});
    document.getElementById("dashboard-coverage-nothing").hidden = data.declared;
  }

  async function loadCoverage() {
    try {
      coverageTable(await api(config.urls.coverage_table));
    } catch (error) {
      document.getElementById("dashboard-status").className = "small text-danger";
      document.getElementById("dashboard-status").textContent = t("ui.error", {detail: error.message});
    }
  }
  loadCoverage();  // public: needs no token
  // -- end of coverage ---------------------------------------------------------------------------

  document.addEventListener("zonasi:user", load);
  // the token check may have finished before this script ran: then its event is gone
  if (!auth.token || auth.checked) load();
})();
