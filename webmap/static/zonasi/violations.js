/* The violations list: filters, downloads (with the token), and the workflow buttons by role. */
(function () {
  "use strict";
  const {config, t, el, api, auth, withParams, openLogin, number} = window.zonasi;
  const MAX_ROWS = 500;  // more are in the downloads; a table of thousands helps nobody
  const form = document.getElementById("violations-filter");
  const body = document.querySelector("#violations-table tbody");
  const statusBox = document.getElementById("violations-status");
  const loginBox = document.getElementById("violations-login");
  const listSelect = document.getElementById("filter-list");
  const intro = document.getElementById("violations-intro");
  // The lists (violations; to check on site) come from the server with the query parameters that
  // select them and their counts: the page names no verdict status of its own.
  const LISTS_URL = config.urls.violations.replace(/\.geojson$/, "/lists");
  let lists = [];

  function label(prefix, key) {
    const text = t(prefix + key);
    return text === prefix + key ? key : text;
  }

  function fillSelect(id, options) {
    const select = document.getElementById(id);
    select.append(el("option", {value: ""}, t("ui.violations.all")));
    for (const [value, text] of options) select.append(el("option", {value: value}, text));
  }
  fillSelect("filter-status", config.report_statuses.map((s) => [s, label("ui.report_status.", s)]));
  fillSelect("filter-category", Object.entries(config.categories).map(([key, c]) => [key, c.label]));

  /** The filters of the form, without the list (the server's parameters for it: see params). */
  function others() {
    const data = new FormData(form);
    const out = {};
    for (const [key, value] of data.entries()) if (value && key !== "list") out[key] = String(value).trim();
    return out;
  }

  function chosenList() {
    return lists.find((l) => l.key === listSelect.value) || null;
  }

  function filters() {
    const list = chosenList();
    return Object.assign(others(), list ? list.params : {});
  }

  /** The list choices with their counts under the other filters (kept as chosen). */
  async function loadLists() {
    const body = await api(withParams(LISTS_URL, others()));
    const chosen = listSelect.value || (new URLSearchParams(location.search).get("list") || "");
    lists = body.lists || [];
    listSelect.replaceChildren(...lists.map((l) => el("option", {value: l.key, "data-count": l.count},
      t("ui.violations.list." + l.key, {n: number(l.count)}))));
    if (lists.some((l) => l.key === chosen)) listSelect.value = chosen;
  }

  /** The current verdicts that send a prop to a field check (the server's field_check list). */
  function toCheck() {
    const list = lists.find((l) => l.key === "field_check");
    return list ? String(list.params.current_verdict || "").split(",") : [];
  }

  function categoryLabels(keys) {
    // inside a sentence: "tidak ada data tempat ibadah, ..." (the labels start with a capital)
    const lower = (text) => text.charAt(0).toLocaleLowerCase(config.lang) + text.slice(1);
    return keys.map((key) => lower(config.categories[key] ? config.categories[key].label : key)).join(", ");
  }

  function say(text, kind) {
    statusBox.className = "small" + (kind ? " text-" + kind : "");
    statusBox.textContent = text || "";
  }

  /** The moves this user's role may make from a status (the server checks again). */
  function moves(status) {
    const role = auth.user && auth.user.role;
    if (!role) return [];
    return (config.transitions[status] || []).filter((to) =>
      role === "admin" || (config.status_roles[to] || []).includes(role));
  }

  function when(text) {
    if (!text) return "";
    const date = new Date(text);
    return isNaN(date) ? text : date.toLocaleString(config.lang === "en" ? "en-GB" : "id-ID",
      {dateStyle: "medium", timeStyle: "short"});
  }

  /** The reason: wide enough to read at 360 px (the table scrolls sideways instead of a column
   *  of one word per line); set through the CSSOM, which the page's CSP allows. */
  function reasonCell(text) {
    const cell = el("td", {class: "small zonasi-reason"}, text);
    cell.style.minWidth = "15rem";
    return cell;
  }

  function row(feature) {
    const p = feature.properties || {};
    const category = config.categories[p.category];
    const missing = (p.missing_categories || "").split(";").filter(Boolean);
    const reason = missing.length && toCheck().includes(p.current_verdict)
      ? t("ui.violations.missing", {categories: categoryLabels(missing)})
      : p.site_name ? t("ui.violations.reason", {
      distance: number(p.distance_m), name: p.site_name, category: category ? category.label : (p.category || ""),
      buffer: number(p.buffer_m)}) : label("status.", p.verdict_status || "");
    const status = el("td", {class: "text-nowrap"}, label("ui.report_status.", p.status));
    if (p.deadline) status.append(el("div", {class: "small " + (p.overdue ? "text-danger fw-semibold" : "text-muted")},
      t("ui.col.deadline") + ": " + when(p.deadline)));
    const actions = el("td", {class: "text-nowrap"});
    for (const to of moves(p.status)) {
      actions.append(el("button", {type: "button", class: "btn btn-sm btn-outline-dark me-1 mb-1",
                                   "data-report": p.id, "data-to": to,
                                   onclick: () => move(p.id, p.status, to)}, label("ui.action.", to)));
    }
    if (p.has_photo) {
      actions.append(el("button", {type: "button", class: "btn btn-sm btn-outline-secondary me-1 mb-1 zonasi-photo",
                                   onclick: () => showPhoto(p.id)}, t("map.report.photo")));
    }
    actions.append(el("a", {class: "btn btn-sm btn-link", href: withParams("/", {lat: p.lat, lon: p.lon})},
      t("ui.violations.map")));
    return el("tr", {"data-id": p.id, "data-status": p.status, "data-verdict": p.current_verdict || p.verdict_status,
                     "data-missing": missing.join(";")},
      el("td", {class: "text-nowrap small"}, when(p.reported_at)),
      el("td", {class: "text-nowrap"}, label("ui.apk_type.", p.apk_type || "")),
      el("td", {class: "zonasi-participant"}, p.participant || ""),
      status,
      el("td", {}, p.regency_name || ""),
      reasonCell(reason),
      el("td", {class: "zonasi-note small"}, p.note || ""),
      actions);
  }

  async function load() {
    if (!auth.token) { loginBox.hidden = false; body.replaceChildren(); return; }
    loginBox.hidden = true;
    say(t("ui.loading"));
    try {
      await loadLists();
      const list = chosenList();
      intro.hidden = !list || list.key !== "field_check";
      const collection = await api(withParams(config.urls.violations, filters()));
      const features = collection.features || [];
      body.replaceChildren(...features.slice(0, MAX_ROWS).map(row));
      document.getElementById("violations-count").textContent = t("ui.violations.count", {n: features.length});
      say(!features.length ? t("ui.none")
        : features.length > MAX_ROWS ? t("ui.batch.shown", {shown: MAX_ROWS, total: features.length}) : "");
    } catch (error) {
      body.replaceChildren();
      if (error.status === 401 || error.status === 403) loginBox.hidden = false;
      say(t("ui.error", {detail: error.message}), "danger");
    }
  }

  /** The report's photo (it needs the token, so it is fetched, then shown from a blob). */
  async function showPhoto(id) {
    try {
      const response = await fetch(config.urls.reports + "/" + encodeURIComponent(id) + "/photo",
                                   {headers: {Authorization: "Bearer " + auth.token}});
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      const url = URL.createObjectURL(await response.blob());
      const dialog = document.getElementById("violations-photo");
      dialog.querySelector("img").src = url;
      dialog.showModal();
      dialog.addEventListener("close", () => URL.revokeObjectURL(url), {once: true});
    } catch (error) {
      say(t("ui.error", {detail: error.message}), "danger");
    }
  }

  async function move(id, from, to) {
    try {
      await api(config.urls.reports + "/" + encodeURIComponent(id) + "/transitions", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({status: to, from: from})});
      await load();
      say(t("ui.violations.done", {id: id.slice(0, 8), status: label("ui.report_status.", to)}), "success");
    } catch (error) {
      say(t("ui.error", {detail: error.message}), "danger");
    }
  }

  async function download(format) {
    try {
      const headers = auth.token ? {Authorization: "Bearer " + auth.token} : {};
      const response = await fetch(withParams(config.urls.violations.replace(/\.geojson$/, "." + format), filters()),
                                   {headers: headers});
      if (!response.ok) {
        const problem = await response.json().catch(() => null);
        throw new Error((problem && (problem.detail || problem.title)) || response.statusText);
      }
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", {href: url, download: "violations." + format});
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      say(t("ui.error", {detail: error.message}), "danger");
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  listSelect.addEventListener("change", () => load());
  document.querySelectorAll("[data-format]").forEach((button) =>
    button.addEventListener("click", () => download(button.dataset.format)));
  document.getElementById("violations-login-button").addEventListener("click", openLogin);
  document.addEventListener("zonasi:user", load);
  // the token check may have finished before this script ran: then its event is gone
  if (!auth.token || auth.checked) load();
})();
