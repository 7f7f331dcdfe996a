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

  // -- numbers: every figure on this page goes through here (#18: the shared formatter when present)
  const count = (n) => (window.zonasi.formatNumber ? window.zonasi.formatNumber(n, 0) : number(n, 0));

  /** Counts as horizontal bars: one bar per key, whole-number axis (a report is never halved), every
   *  label whole (wrapped onto lines, never skipped or cut), and the counts in words for screen readers. */
  function chart(id, counts, labelOf, colours) {
    const keys = Object.keys(counts);
    if (charts[id]) charts[id].destroy();
    const canvas = document.getElementById(id);
    canvas.setAttribute("data-counts", JSON.stringify(counts));
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", keys.map((k) => labelOf(k) + ": " + count(counts[k])).join("; ") || t("ui.none"));
    // room for every bar and its label: a chart of many keys grows instead of squeezing them
    canvas.parentElement.style.height = Math.max(180, 46 * keys.length + 40) + "px";
    charts[id] = new Chart(canvas, {
      type: "bar",
      data: {labels: keys.map((k) => wrap(labelOf(k))),
             datasets: [{data: keys.map((k) => counts[k]),
                         backgroundColor: keys.map((k, i) => (colours && colours[k]) || COLOURS[i % COLOURS.length])}]},
      options: {maintainAspectRatio: false, animation: false, indexAxis: "y",
                plugins: {legend: {display: false},
                          tooltip: {callbacks: {label: (item) => count(item.raw)}}},
                scales: {x: {beginAtZero: true, ticks: {precision: 0, callback: (value) => count(value)}},
                         y: {ticks: {autoSkip: false}}}},
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
      el("td", {}, r.name), el("td", {class: "text-muted small text-nowrap"}, r.code),
      el("td", {class: "text-end fw-semibold text-nowrap"}, count(r.count)))));
  }

  /** Notified reports past their deadline (/api/stats reports.overdue). */
  function showOverdue(reports) {
    const box = document.getElementById("dashboard-overdue");
    const n = Number(reports.overdue || 0);
    box.hidden = reports.overdue === undefined;
    box.dataset.count = n;
    box.classList.toggle("zonasi-count-alert", n > 0);
    document.getElementById("dashboard-overdue-count").textContent = count(n);
  }

  /** Per campaign participant: reports, removed, reinstalled, overdue (/api/stats participants). */
  function showParticipants(participants) {
    const section = document.getElementById("dashboard-participants");
    section.hidden = !Array.isArray(participants);
    if (!Array.isArray(participants)) return;
    const cell = (n, key, alert) => el("td", {class: "text-end" + (alert && n > 0 ? " text-danger fw-semibold" : ""),
                                             "data-label": t("dashpage.col." + key)}, count(n || 0));
    document.querySelector("#table-participants tbody").replaceChildren(...(participants.length
      ? participants.map((p) => el("tr", {"data-participant": p.participant},
        el("td", {}, p.participant), cell(p.reports, "reports"), cell(p.removed, "removed"),
        cell(p.reinstalled, "reinstalled"), cell(p.overdue, "overdue", true)))
      : [el("tr", {}, el("td", {colspan: 5, class: "text-muted"}, t("ui.none")))]));
  }

  const categoryLabel = (key) => (config.categories[key] ? config.categories[key].label : key);

  async function load() {
    try {
      const stats = await api(config.urls.stats);
      document.getElementById("dashboard-sites-total").textContent = count(stats.sites.total);
      chart("chart-site-category", stats.sites.by_category, categoryLabel);
      table("table-site-regency", stats.sites.by_regency);
      const reports = stats.reports;
      document.getElementById("dashboard-reports").hidden = !reports;
      document.getElementById("dashboard-login").hidden = !!reports;
      if (reports) {
        document.getElementById("dashboard-reports-total").textContent = count(reports.total);
        chart("chart-report-status", reports.by_status, (k) => label("ui.report_status.", k), STATUS_COLOURS);
        chart("chart-report-type", reports.by_apk_type, (k) => label("ui.apk_type.", k));
        chart("chart-report-category", reports.by_category, categoryLabel);
        showOverdue(reports);
        showParticipants(stats.participants || reports.participants);
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
      el("td", {class: "text-end text-nowrap"}, count(r.sites)),
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
  document.getElementById("dashboard-login-button").addEventListener("click", window.zonasi.openLogin);
  // the token check may have finished before this script ran: then its event is gone
  if (!auth.token || auth.checked) load();
})();
