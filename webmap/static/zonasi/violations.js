/* The violations list: filters, downloads (with the token), the workflow moves by role (each with a
 * note; a dismissal with its reason, a removal with its after-photo), a report's history, bulk moves,
 * warning letters, and Satpol PP's route of the day. A table on desktop, cards on phones (CSS). */
(function () {
  "use strict";
  const zonasi = window.zonasi;
  const {config, t, el, api, auth, withParams, openLogin} = zonasi;
  const MAX_ROWS = 500;  // more are in the downloads; a table of thousands helps nobody
  const DUPLICATE_CANDIDATE_M = 200;  // other listed reports this near are offered as the original
  const form = document.getElementById("violations-filter");
  const body = document.querySelector("#violations-table tbody");
  const statusBox = document.getElementById("violations-status");
  const countBox = document.getElementById("violations-count");
  const loginBox = document.getElementById("violations-login");
  const listParts = ["violations-downloads", "violations-table"].map((id) => document.getElementById(id));
  const listSelect = document.getElementById("filter-list");
  const regencyInput = document.getElementById("filter-regency");
  const intro = document.getElementById("violations-intro");
  const API = config.urls.reports.replace(/\/reports$/, "");   // "/api"
  const REPORT_PAGE = "/reports/";   // a report's own page: its history, photos and stored verdict
  const URLS = {
    lists: config.urls.violations.replace(/\.geojson$/, "/lists"),
    bulk: config.urls.reports + "/transitions",
    letters: API + "/letters",
    worklist: API + "/worklist",
    regencies: API + "/regencies",
  };
  // The lists (violations; to check on site) come from the server with the query parameters that
  // select them and their counts: the page names no verdict status of its own.
  let lists = [];
  let features = [];                  // every report of the last answer (the table shows MAX_ROWS)
  let shown = [];                     // the properties of the reports in the table
  const selected = new Set();         // ids picked by hand
  let regencySuggestions = [];        // [{code, name}] from /api/regencies?q=

  // -- numbers and dates: the shared formatters of common.js when present (one place to switch) --
  const format = {
    number: (value, digits) => (zonasi.formatNumber || zonasi.number)(value, digits),
    metres: (metres) => (zonasi.formatMetres || zonasi.number)(metres),   // before a catalog's " m"
    distance: (metres) => zonasi.formatDistance ? zonasi.formatDistance(metres)
      : zonasi.number(metres) + " m",
    /** An instant in the regency's own zone (WIB/WITA/WIT), else this device's. */
    dateTime: (text, regency) => {
      if (!text) return "";
      if (zonasi.formatDateTime) return zonasi.formatDateTime(text, zonasi.zoneOfRegency(regency));
      const date = new Date(text);
      return isNaN(date) ? text : date.toLocaleString(config.lang === "en" ? "en-GB" : "id-ID",
        {dateStyle: "medium", timeStyle: "short"});
    },
  };

  function label(prefix, key) {
    const text = t(prefix + key);
    return text === prefix + key ? key : text;
  }
  const statusLabel = (status) => label("ui.report_status.", status || "");
  const shortId = (id) => String(id || "").slice(0, 8);

  function fillSelect(id, options, all) {
    const select = document.getElementById(id);
    if (all !== false) select.append(el("option", {value: ""}, t("ui.violations.all")));
    for (const [value, text] of options) select.append(el("option", {value: value}, text));
  }
  fillSelect("filter-status", config.report_statuses.map((s) => [s, statusLabel(s)]));
  fillSelect("filter-category", Object.entries(config.categories).map(([key, c]) => [key, c.label]));

  /** The regency as the server takes it: a suggestion's code when the text is its name. */
  function regencyValue() {
    const text = regencyInput.value.trim();
    const hit = regencySuggestions.find((r) => r.name && r.name.toLowerCase() === text.toLowerCase());
    return hit && hit.code ? hit.code : text;
  }

  /** The filters of the form, without the list (the server's parameters for it: see filters). */
  function others() {
    const data = new FormData(form);
    const out = {};
    for (const [key, value] of data.entries()) if (value && key !== "list") out[key] = String(value).trim();
    if (out.regency) out.regency = regencyValue();
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
    const answer = await api(withParams(URLS.lists, others()));
    const chosen = listSelect.value || (new URLSearchParams(location.search).get("list") || "");
    lists = answer.lists || [];
    listSelect.replaceChildren(...lists.map((l) => el("option", {value: l.key, "data-count": l.count},
      t("ui.violations.list." + l.key, {n: format.number(l.count)}))));
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

  function sayIn(box, text, kind) {
    box.className = box.className.replace(/\btext-\w+\b/g, "").trim() + (kind ? " text-" + kind : "");
    box.textContent = text || "";
  }
  const say = (text, kind) => sayIn(statusBox, text, kind);
  const errorText = (error) => t("ui.error", {detail: error.message});

  function role() { return auth.user && auth.user.role; }

  /** The roles that may move a report from ``from`` to ``to`` (as geo.store.workflow.roles_for). */
  function rolesFor(from, to) {
    return (config.move_roles || {})[from + ">" + to] || config.status_roles[to] || [];
  }

  /** The moves this user's role may make from a status (the server checks again). */
  function moves(status) {
    const r = role();
    if (!r) return [];
    return (config.transitions[status] || []).filter((to) => r === "admin" || rolesFor(status, to).includes(r));
  }
  /** A move's button: "Buka lagi" for a dismissal reopened, else the target's action. */
  const moveLabel = (from, to) => from === "dismissed" ? t("ui.violations.reopen") : label("ui.action.", to);
  const mayMove = (to) => role() === "admin" || (config.status_roles[to] || []).includes(role());

  // -- the rows ---------------------------------------------------------------------------------

  /** The reason (zonasi.css keeps it wide enough to read: no column of one word per line). */
  function reasonCell(text) {
    return el("td", {class: "small zonasi-reason", "data-label": t("ui.col.reason")}, text);
  }

  function reasonText(p) {
    const category = config.categories[p.category];
    const missing = (p.missing_categories || "").split(";").filter(Boolean);
    if (missing.length && toCheck().includes(p.current_verdict)) {
      return t("ui.violations.missing", {categories: categoryLabels(missing)});
    }
    return p.site_name ? t("ui.violations.reason", {
      distance: format.metres(p.distance_m), name: p.site_name,
      category: category ? category.label : (p.category || ""), buffer: format.metres(p.buffer_m)})
      : label("status.", p.verdict_status || "");
  }

  const OPEN = (p) => p.status !== "dismissed" && p.status !== "removed";
  const sameParticipant = (a, b) => !a.participant || !b.participant
    || a.participant.trim().toLowerCase() === b.participant.trim().toLowerCase();

  /** Listed open reports of the same prop type (and participant, when both name one) within the
   *  rules' duplicate_radius_m of ``p``: the intake's rule for ``nearby_open_reports``, which the
   *  list's rows do not carry. */
  function nearbyOpen(p) {
    if (Array.isArray(p.nearby_open_reports)) return p.nearby_open_reports;
    if (!OPEN(p) || !(config.duplicate_radius_m > 0)) return [];
    return shown.filter((o) => o.id !== p.id && OPEN(o) && o.apk_type === p.apk_type && sameParticipant(p, o)
      && metres(p, o) <= config.duplicate_radius_m);
  }

  /** The duplicate marks of a report: near an open one, dismissed as a duplicate, put back. */
  function duplicateMarks(p) {
    const marks = [];
    const nearby = nearbyOpen(p);
    if (p.duplicate_of) marks.push(["of", t("ui.violations.dup_of", {id: shortId(p.duplicate_of)})]);
    else if (nearby.length) marks.push(["nearby", t("ui.violations.dup_nearby", {n: nearby.length})]);
    if (p.reinstalled_of) marks.push(["reinstalled", t("ui.violations.reinstalled", {id: shortId(p.reinstalled_of)})]);
    return marks.map(([kind, text]) => el("span", {class: "badge zonasi-v-dup", "data-dup": kind}, text));
  }

  function statusCell(p) {
    const cell = el("td", {class: "zonasi-v-status", "data-label": t("ui.col.report_status")},
      el("span", {class: "badge zonasi-vstatus zonasi-vstatus-" + p.status}, statusLabel(p.status)),
      ...duplicateMarks(p));
    if (p.deadline && p.status === "notified") {   // once taken down the deadline is history
      cell.append(el("div", {class: "small zonasi-v-deadline" + (p.overdue ? " zonasi-v-overdue" : "")},
        t("ui.col.deadline") + ": " + format.dateTime(p.deadline, p.regency_code)));
    }
    return cell;
  }

  function actionsCell(p) {
    const actions = el("td", {class: "zonasi-v-actions", "data-label": t("ui.col.actions")});
    const button = (cls, attrs, text) => el("button", Object.assign({type: "button", class: "btn btn-sm " + cls},
      attrs), text);
    for (const to of moves(p.status)) {
      actions.append(button("btn-outline-dark", {"data-report": p.id, "data-to": to,
        onclick: () => openMove(p, to)}, moveLabel(p.status, to)));
    }
    actions.append(button("btn-outline-primary zonasi-v-history-button", {onclick: () => showHistory(p.id, p.regency_code)},
      t("ui.violations.history")));
    if (p.has_photo) {
      actions.append(button("btn-outline-secondary zonasi-photo", {onclick: () => showPhoto(p.id)},
        t("map.report.photo")));
    }
    // the report's own page: its stored verdict and its spot, not a fresh check under today's rules (#19)
    actions.append(el("a", {class: "btn btn-sm btn-link zonasi-report-link", href: "/reports/" + encodeURIComponent(p.id)},
      t("ui.violations.map")));
    return actions;
  }

  function row(feature) {
    const p = feature.properties || {};
    const missing = (p.missing_categories || "").split(";").filter(Boolean);
    const pick = el("input", {type: "checkbox", class: "form-check-input zonasi-v-pick-box", value: p.id,
                              "aria-label": t("ui.violations.select_row", {id: shortId(p.id)})});
    pick.checked = selected.has(p.id);
    pick.addEventListener("change", () => { if (pick.checked) selected.add(p.id); else selected.delete(p.id);
                                            matching.checked = false; showSelection(); });
    return el("tr", {"data-id": p.id, "data-status": p.status, "data-verdict": p.current_verdict || p.verdict_status,
                     "data-missing": missing.join(";")},
      el("td", {class: "zonasi-v-pick"}, el("label", {class: "zonasi-v-pick-label"}, pick)),
      el("td", {class: "text-nowrap small", "data-label": t("ui.col.reported_at")},
        format.dateTime(p.reported_at, p.regency_code)),
      el("td", {class: "text-nowrap", "data-label": t("ui.col.type")}, label("ui.apk_type.", p.apk_type || "")),
      el("td", {class: "zonasi-participant", "data-label": t("ui.col.participant")}, p.participant || ""),
      statusCell(p),
      el("td", {class: "zonasi-v-place", "data-label": t("ui.col.regency")}, p.regency_name || ""),
      reasonCell(reasonText(p)),
      el("td", {class: "zonasi-note small", "data-label": t("ui.col.note")}, p.note || ""),
      actionsCell(p));
  }

  let loading = 0;   // the latest load: an earlier one's late answer must not overwrite it

  /** The list is not for this visitor: say why (no token; a role that may not read it), and
   *  offer no filter, list or download that would only be refused. */
  function lock(message) {
    loginBox.hidden = false;
    document.getElementById("violations-login-text").textContent = message;
    showList(false);
    body.replaceChildren();
    countBox.textContent = "";
    say("");
  }

  /** The filters, the downloads and the table, shown or not. */
  function showList(shown) {
    for (const part of [form, ...listParts]) part.hidden = !shown;
  }

  function roleLocked() {
    return t("ui.violations.role_cannot", {role: label("ui.role.", role() || "")});
  }

  async function load() {
    if (!auth.token) { lock(t("ui.violations.login_needed")); return; }
    if (auth.user && !auth.can("violations:read")) { lock(roleLocked()); return; }
    const mine = ++loading;
    loginBox.hidden = true;
    showList(true);
    say(t("ui.loading"));
    showPanels();
    try {
      const params = others();   // the form as it is now, before any await
      await loadLists();
      if (mine !== loading) return;
      const list = chosenList();
      intro.hidden = !list || list.key !== "field_check";
      const collection = await api(withParams(config.urls.violations, Object.assign(params, list ? list.params : {})));
      if (mine !== loading) return;
      features = collection.features || [];
      const ids = new Set(features.map((f) => f.properties.id));
      for (const id of [...selected]) if (!ids.has(id)) selected.delete(id);
      shown = features.slice(0, MAX_ROWS).map((f) => f.properties || {});
      body.replaceChildren(...features.slice(0, MAX_ROWS).map(row));
      countBox.textContent = t("ui.violations.count", {n: format.number(features.length)});
      say(!features.length ? t("ui.none")
        : features.length > MAX_ROWS ? t("ui.batch.shown", {shown: MAX_ROWS, total: features.length}) : "");
    } catch (error) {
      if (mine !== loading) return;
      // a typo in the regency is the server's problem+json, never an empty list that looks real
      features = [];
      body.replaceChildren();
      countBox.textContent = "";
      if (error.status === 401) { lock(t("ui.violations.login_needed")); return; }
      if (error.status === 403) { lock(roleLocked()); return; }
      say(errorText(error), "danger");
    }
    showSelection();
  }

  // -- downloads (they need the token, so they are fetched, then saved from a blob) -------------

  async function save(url, filename, box) {
    try {
      const headers = auth.token ? {Authorization: "Bearer " + auth.token} : {};
      const response = await fetch(url, {headers: headers});
      if (!response.ok) {
        const problem = await response.json().catch(() => null);
        throw new Error((problem && (problem.detail || problem.title)) || response.statusText);
      }
      const blobUrl = URL.createObjectURL(await response.blob());
      const link = el("a", {href: blobUrl, download: filename});
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(blobUrl), 10000);
    } catch (error) {
      sayIn(box || statusBox, errorText(error), "danger");
    }
  }

  function download(ext, params) {
    const url = config.urls.violations.replace(/\.geojson$/, "." + ext);
    return save(withParams(url, Object.assign(filters(), params || {})), "violations." + ext);
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
      say(errorText(error), "danger");
    }
  }

  // -- one report's move: a note always; a dismissal's reason (confirmed); a removal's proof -----

  const moveDialog = document.getElementById("violations-move");
  const moveForm = document.getElementById("violations-move-form");
  const moveError = document.getElementById("violations-move-error");
  const moveConfirm = document.getElementById("violations-move-confirm");
  const moveFields = document.getElementById("violations-move-fields");
  const duplicateSelect = document.getElementById("violations-duplicate-of");
  const backButton = document.getElementById("violations-move-back");
  const submitButton = document.getElementById("violations-move-submit");
  let moving = null;   // {report, to, confirming}

  function metres(a, b) {
    const rad = Math.PI / 180;
    const dLat = (b.lat - a.lat) * rad;
    const dLon = (b.lon - a.lon) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
  }

  /** The reports a duplicate may be of: the server's nearby open reports, else the listed reports
   *  of the same prop type nearest to it. */
  function duplicateCandidates(p) {
    if (Array.isArray(p.nearby_open_reports) && p.nearby_open_reports.length) return p.nearby_open_reports;
    return features.map((f) => f.properties)
      .filter((o) => o.id !== p.id && o.status !== "dismissed" && o.apk_type === p.apk_type)
      .map((o) => Object.assign({}, o, {distance_m: metres(p, o)}))
      .filter((o) => o.distance_m <= DUPLICATE_CANDIDATE_M)
      .sort((a, b) => a.distance_m - b.distance_m).slice(0, 10);
  }

  function reasonChosen() {
    const checked = moveForm.querySelector("input[name=reason]:checked");
    return checked ? checked.value : "";
  }

  function showReasonFields() {
    const duplicate = reasonChosen() === "duplicate";
    document.getElementById("violations-move-duplicate").hidden = !duplicate;
    document.getElementById("violations-duplicate-none").hidden = !duplicate || duplicateSelect.options.length > 0;
  }

  function confirming(on) {
    moving.confirming = on;
    moveFields.hidden = on;
    moveConfirm.hidden = !on;
    backButton.hidden = !on;
    submitButton.textContent = on ? t("ui.violations.confirm_yes") : t("ui.violations.save");
  }

  function openMove(report, to) {
    moving = {report: report, to: to, confirming: false};
    moveForm.reset();
    moveError.textContent = "";
    document.getElementById("violations-move-title").textContent =
      t("ui.violations.move_title", {action: moveLabel(report.status, to), id: shortId(report.id)});
    document.getElementById("violations-move-dismiss").hidden = to !== "dismissed";
    document.getElementById("violations-move-removal").hidden = to !== "removed";
    document.getElementById("violations-removal-photo").required = to === "removed" && config.removal_photo_required;
    duplicateSelect.replaceChildren(...duplicateCandidates(report).map((o) => el("option", {value: o.id},
      t("ui.violations.duplicate_option", {id: shortId(o.id), type: label("ui.apk_type.", o.apk_type || ""),
        participant: o.participant || "-", status: statusLabel(o.status), distance: format.distance(o.distance_m)}))));
    showReasonFields();
    confirming(false);
    moveDialog.showModal();
  }

  /** What the form says, or an error message (the reason, a duplicate's original, the photo). */
  function moveRequest() {
    const note = document.getElementById("violations-move-note").value.trim();
    const out = {status: moving.to, from: moving.report.status};
    if (note) out.note = note;
    if (moving.to === "dismissed") {
      out.reason = reasonChosen();
      if (!out.reason) return {error: t("ui.violations.reason_needed")};
      if (out.reason === "other" && !note) return {error: t("ui.violations.note_required")};
      if (out.reason === "duplicate") {
        if (!duplicateSelect.value) return {error: t("ui.violations.duplicate_needed")};
        out.duplicate_of = duplicateSelect.value;
      }
    }
    if (moving.to === "removed") {
      const photo = document.getElementById("violations-removal-photo").files[0];
      if (!photo && config.removal_photo_required) return {error: t("ui.violations.photo_required")};
      const storage = document.getElementById("violations-storage").value.trim();
      if (storage) out.storage_location = storage;
      if (photo) out.photo = photo;
    }
    return out;
  }

  async function sendMove(request) {
    const url = config.urls.reports + "/" + encodeURIComponent(moving.report.id) + "/transitions";
    if (request.photo) {   // the removal's proof: multipart, the photo as "photo"
      const data = new FormData();
      for (const [key, value] of Object.entries(request)) data.append(key, value);
      return api(url, {method: "POST", body: data});
    }
    return api(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(request)});
  }

  moveForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const request = moveRequest();
    moveError.textContent = request.error || "";
    if (request.error) return;
    if (moving.to === "dismissed" && !moving.confirming) {
      moveConfirm.textContent = t("ui.violations.confirm_dismiss", {id: shortId(moving.report.id),
        reason: t("ui.dismiss_reason." + request.reason)});
      confirming(true);
      return;
    }
    submitButton.disabled = true;
    try {
      await sendMove(request);
      const done = moving;
      moveDialog.close();
      await load();
      say(t("ui.violations.done", {id: shortId(done.report.id), status: statusLabel(done.to)}), "success");
    } catch (error) {
      moveError.textContent = errorText(error);
      if (moving.confirming) confirming(false);
    } finally {
      submitButton.disabled = false;
    }
  });
  moveForm.addEventListener("change", (event) => {
    moveError.textContent = "";   // what was missing may just have been given
    if (event.target.name === "reason") showReasonFields();
  });
  backButton.addEventListener("click", () => confirming(false));
  document.getElementById("violations-move-cancel").addEventListener("click", () => moveDialog.close());

  // -- a report's history -----------------------------------------------------------------------

  function eventLine(e, regency) {
    const details = e.details || {};
    const head = [format.dateTime(e.at, regency), (e.from ? statusLabel(e.from) + " → " : "") + statusLabel(e.to)];
    const item = el("li", {"data-to": e.to || ""}, el("strong", {}, head.join(" · ")));
    if (e.actor || e.role) {
      item.append(" ", t("ui.violations.history_by", {actor: e.actor || "-", role: label("ui.role.", e.role || "-")}));
    }
    if (details.reason) item.append(el("div", {}, t("ui.violations.history_reason",
      {reason: label("ui.dismiss_reason.", details.reason)})));
    if (details.duplicate_of) item.append(el("div", {}, t("ui.violations.dup_of", {id: shortId(details.duplicate_of)})));
    if (details.letter) item.append(el("div", {}, t("ui.violations.history_letter", {number: details.letter})));
    if (details.storage_location) item.append(el("div", {}, t("ui.violations.storage_location") + ": "
      + details.storage_location));
    if (e.note) item.append(el("div", {class: "zonasi-note"}, e.note));
    return item;
  }

  async function showHistory(id, regency) {
    const dialog = document.getElementById("violations-history");
    const list = document.getElementById("violations-history-list");
    document.getElementById("violations-history-title").textContent = t("ui.violations.history_title", {id: shortId(id)});
    list.replaceChildren(el("li", {}, t("ui.loading")));
    document.getElementById("violations-history-page").href = REPORT_PAGE + encodeURIComponent(id);
    if (!dialog.open) dialog.showModal();
    try {
      const report = await api(config.urls.reports + "/" + encodeURIComponent(id));
      const history = report.history || [];
      list.replaceChildren(...(history.length ? history.map((e) => eventLine(e, regency)) : [el("li", {}, t("ui.violations.history_empty"))]));
    } catch (error) {
      list.replaceChildren(el("li", {class: "text-danger"}, errorText(error)));
    }
  }

  // -- bulk: rows by hand or all matching the filter, then a move or a warning letter -----------

  const bulkPanel = document.getElementById("violations-bulk");
  const bulkStatus = document.getElementById("violations-bulk-status");
  const bulkLine = document.getElementById("violations-bulk-status-line");
  const bulkResults = document.getElementById("violations-bulk-results");
  const letterBox = document.getElementById("violations-letter-result");
  const matching = document.getElementById("violations-select-matching");
  const pagePick = document.getElementById("violations-select-page");
  const bulkReason = document.getElementById("violations-bulk-reason");
  const bulkDetails = document.getElementById("violations-bulk-details");
  if (window.matchMedia("(max-width: 600px)").matches) bulkDetails.open = false;
  // a dismissal in bulk names its reason; "duplicate" needs each report's original: one at a time
  const BULK_MOVES = ["verified", "notified", "dismissed", "reported"];   // the usual move first
  fillSelect("violations-bulk-reason", config.dismiss_reasons.filter((r) => r !== "duplicate")
    .map((r) => [r, t("ui.dismiss_reason." + r)]), false);
  bulkStatus.addEventListener("change", () => {
    document.getElementById("violations-bulk-reason-box").hidden = bulkStatus.value !== "dismissed";
  });

  function chosenIds() {
    return matching.checked ? features.map((f) => f.properties.id) : [...selected];
  }

  function showSelection() {
    document.getElementById("violations-select-matching-label").textContent =
      t("ui.violations.select_matching", {n: format.number(features.length)});
    document.getElementById("violations-selected").textContent =
      t("ui.violations.selected", {n: format.number(chosenIds().length)});
    if (chosenIds().length) bulkDetails.open = true;
    const boxes = body.querySelectorAll(".zonasi-v-pick-box");
    pagePick.checked = boxes.length > 0 && [...boxes].every((b) => b.checked);
  }

  function showPanels() {
    const r = role();
    const moving = BULK_MOVES.filter(mayMove);
    bulkPanel.hidden = !moving.length;
    if (bulkStatus.options.length !== moving.length) {
      bulkStatus.replaceChildren(...moving.map((s) => el("option", {value: s}, label("ui.action.", s))));
      bulkStatus.dispatchEvent(new Event("change"));
    }
    document.getElementById("violations-letter").hidden = !mayMove("notified");
    document.getElementById("violations-route").hidden = !(r === "satpolpp" || r === "admin");
    // nothing to do with a pick (Satpol PP takes props down one by one, each with its photo): no boxes
    document.getElementById("violations-table").classList.toggle("zonasi-v-nopick", !moving.length);
  }

  pagePick.addEventListener("change", () => {
    for (const box of body.querySelectorAll(".zonasi-v-pick-box")) {
      box.checked = pagePick.checked;
      if (box.checked) selected.add(box.value); else selected.delete(box.value);
    }
    matching.checked = false;
    showSelection();
  });
  matching.addEventListener("change", showSelection);

  function resultText(result) {
    if (result.ok) return shortId(result.id) + ": " + statusLabel(result.status);
    const error = result.error;
    const text = error && typeof error === "object" ? (error.detail || error.title || JSON.stringify(error)) : error;
    return shortId(result.id) + ": " + (text || t("ui.violations.failed"));
  }

  async function bulkMove() {
    const ids = chosenIds();
    bulkResults.replaceChildren();
    if (!ids.length) { sayIn(bulkLine, t("ui.violations.bulk_none"), "danger"); return; }
    const note = document.getElementById("violations-bulk-note").value.trim();
    const request = Object.assign({ids: ids, status: bulkStatus.value}, note ? {note: note} : {});
    if (request.status === "dismissed") {
      request.reason = bulkReason.value;
      if (request.reason === "other" && !note) { sayIn(bulkLine, t("ui.violations.note_required"), "danger"); return; }
    }
    sayIn(bulkLine, t("ui.loading"));
    try {
      const answer = await api(URLS.bulk, {method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify(request)});
      const results = answer.results || [];
      const ok = results.filter((r) => r.ok).length;
      await load();
      bulkResults.replaceChildren(...results.map((r) => el("li", {"data-id": r.id, "data-ok": r.ok ? "true" : "false",
        class: r.ok ? "zonasi-v-ok" : "zonasi-v-failed"}, resultText(r))));
      sayIn(bulkLine, t("ui.violations.bulk_summary", {ok: ok, failed: results.length - ok}),
        ok === results.length ? "success" : "danger");
    } catch (error) {
      sayIn(bulkLine, errorText(error), "danger");
    }
  }

  /** A warning letter for the chosen reports: verified, one participant, one regency. */
  async function issueLetter() {
    letterBox.hidden = true;
    bulkResults.replaceChildren();
    const ids = new Set(chosenIds());
    const chosen = features.map((f) => f.properties).filter((p) => ids.has(p.id));
    const participants = new Set(chosen.map((p) => (p.participant || "").trim()));
    const regencies = new Set(chosen.map((p) => p.regency_code));
    if (!chosen.length || chosen.some((p) => p.status !== "verified") || participants.size !== 1
        || regencies.size !== 1 || participants.has("") || regencies.has(null)) {
      sayIn(bulkLine, t("ui.violations.letter_needs"), "danger");
      return;
    }
    sayIn(bulkLine, t("ui.loading"));
    try {
      const letter = await api(URLS.letters, {method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({participant: [...participants][0], regency: [...regencies][0],
                              ids: chosen.map((p) => p.id)})});
      const pdf = el("a", {href: letter.pdf, id: "violations-letter-pdf", class: "ms-1"}, t("ui.violations.letter_pdf"));
      pdf.addEventListener("click", (event) => {
        event.preventDefault();
        save(letter.pdf, String(letter.number).replace(/[^\w.-]+/g, "-") + ".pdf", bulkLine);
      });
      letterBox.replaceChildren(el("span", {id: "violations-letter-text"}, t("ui.violations.letter_done",
        {number: letter.number, n: (letter.ids || []).length,
         deadline: format.dateTime(letter.deadline, [...regencies][0])})), " ", pdf);
      letterBox.dataset.number = letter.number;
      letterBox.hidden = false;
      selected.clear();
      matching.checked = false;
      sayIn(bulkLine, "");
      await load();
    } catch (error) {
      sayIn(bulkLine, errorText(error), "danger");
    }
  }

  document.getElementById("violations-bulk-apply").addEventListener("click", bulkMove);
  document.getElementById("violations-letter").addEventListener("click", issueLetter);

  // -- Satpol PP's route of the day -------------------------------------------------------------

  const routeLine = document.getElementById("violations-route-status");
  const routeList = document.getElementById("violations-route-list");

  function routeParams() {
    const regency = others().regency;
    return regency ? {regency: regency, status: "notified"} : null;
  }

  function routeLinks() {
    const params = routeParams();
    for (const link of document.querySelectorAll("[data-route]")) {
      link.href = params ? withParams(URLS.worklist + "." + link.dataset.route, params) : "#";
      link.classList.toggle("disabled", !params);
      link.setAttribute("aria-disabled", params ? "false" : "true");
    }
  }

  function stopText(p) {
    const where = p.place || p.site_name || p.regency_name || "";
    return [label("ui.apk_type.", p.apk_type || ""), p.participant, where,
            p.deadline ? t("ui.col.deadline") + ": " + format.dateTime(p.deadline, p.regency_code) : ""].filter(Boolean).join(" · ");
  }

  async function showRoute() {
    routeList.replaceChildren();
    const params = routeParams();
    if (!params) { sayIn(routeLine, t("ui.violations.route_needs_regency"), "danger"); return; }
    sayIn(routeLine, t("ui.loading"));
    try {
      const route = await api(withParams(URLS.worklist, params));
      const items = (route.items || []).map((item) => item.properties || item);
      routeList.replaceChildren(...items.map((p) => el("li", {"data-id": p.id}, stopText(p),
        " ", el("a", {class: "zonasi-report-link", href: "/reports/" + encodeURIComponent(p.id)}, t("ui.violations.map")))));
      sayIn(routeLine, items.length ? t("ui.violations.route_length",
        {n: format.number(items.length), distance: format.distance(route.length_m || 0)}) : t("ui.violations.route_empty"));
    } catch (error) {
      sayIn(routeLine, errorText(error), "danger");
    }
  }

  document.getElementById("violations-route-show").addEventListener("click", showRoute);
  for (const link of document.querySelectorAll("[data-route]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const params = routeParams();
      if (!params) { sayIn(routeLine, t("ui.violations.route_needs_regency"), "danger"); return; }
      save(link.href, "rute." + link.dataset.route, routeLine);
    });
  }

  // -- the regency's suggestions (names, from the server) ----------------------------------------

  let suggestTimer = 0;
  function regencyList(answer) {
    const items = Array.isArray(answer) ? answer : (answer.regencies || answer.items || answer.features || []);
    return items.map((r) => typeof r === "string" ? {name: r} : (r.properties || r))
      .map((r) => ({code: r.code || r.regency_code || r.id, name: r.name || r.regency_name}));
  }
  regencyInput.addEventListener("input", () => {
    clearTimeout(suggestTimer);
    routeLinks();
    const text = regencyInput.value.trim();
    if (text.length < 2) return;
    suggestTimer = setTimeout(async () => {
      try {
        regencySuggestions = regencyList(await api(withParams(URLS.regencies, {q: text})));
        document.getElementById("filter-regency-options").replaceChildren(...regencySuggestions
          .filter((r) => r.name).map((r) => el("option", {value: r.name}, r.code || "")));
      } catch (error) {
        regencySuggestions = [];  // no suggestions: the filter still takes what is typed
      }
    }, 200);
  });

  form.addEventListener("submit", (event) => { event.preventDefault(); routeLinks(); load(); });
  listSelect.addEventListener("change", () => load());
  document.querySelectorAll("[data-format]").forEach((button) =>
    button.addEventListener("click", () => download(button.dataset.format)));
  document.getElementById("violations-csv-excel").addEventListener("click",
    () => download("csv", {dialect: "excel-id"}));
  document.getElementById("violations-login-button").addEventListener("click", openLogin);
  document.addEventListener("zonasi:user", load);
  routeLinks();
  window.zonasi.violationsPage = {format: format};
  // the token check may have finished before this script ran: then its event is gone
  if (!auth.token || auth.checked) load();
})();
