/* "Laporkan tanpa akun" (#19): a report from the public, for a visitor with no token stored.
 * POST /api/public/reports stores it as unverified, without any identity, and answers with a
 * tracking code; "Cek laporan" looks a code up (GET /api/public/reports/<code>): status and verdict.
 * The spot is the last one checked on the map (tapped, searched, linked or located by GPS; else the
 * map's centre). Codes sent from this
 * browser are kept in it, to look them up again. Builds its own bar and dialogs; map.js is not touched. */
(function () {
  "use strict";
  const {config, t, el, auth} = window.zonasi;
  const page = window.zonasi.mapPage;
  const CODES_KEY = "zonasi.public_codes";
  const lang = config.lang || "id";

  /** The last spot checked on the map (the card's), else null. */
  function checked() {
    const spot = page && page.lastChecked ? page.lastChecked() : null;
    return spot ? [spot.lat, spot.lng] : null;
  }

  /** [lat, lon] of the report: the last spot checked, else the map's centre. */
  function where() {
    const spot = checked();
    if (spot) return spot;
    const centre = page && page.map ? page.map.getCenter() : {lat: 0, lng: 0};
    return [centre.lat, centre.lng];
  }

  function savedCodes() {
    try { return JSON.parse(localStorage.getItem(CODES_KEY) || "[]"); } catch (e) { return []; }
  }

  function saveCode(code) {
    const codes = [code, ...savedCodes().filter((c) => c !== code)].slice(0, 20);
    try { localStorage.setItem(CODES_KEY, JSON.stringify(codes)); } catch (e) { /* private mode */ }
  }

  function statusWords(status) {
    const key = "ui.report_status." + status;
    const text = t(key);
    return text === key ? status : text;
  }

  /** fetch() answering the body, or throwing the problem's detail (in the page's language). */
  async function call(url, options) {
    const response = await fetch(url + (url.includes("?") ? "&" : "?") + "lang=" + encodeURIComponent(lang),
                                 Object.assign({headers: {Accept: "application/json"}}, options || {}));
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error((body && (body.detail || body.title)) || String(response.status));
    return body;
  }

  // -- the bar: two buttons, shown only without a token -------------------------------------------
  const reportButton = el("button", {type: "button", class: "btn btn-sm btn-outline-danger text-nowrap",
                                     id: "zonasi-public-report"}, t("ui.public.report"));
  const lookupButton = el("button", {type: "button", class: "btn btn-sm btn-outline-secondary text-nowrap",
                                     id: "zonasi-public-lookup"}, t("ui.public.lookup"));
  // in the map's row of tools, before the offline status (on a phone, a row of their own under the others)
  const status = document.getElementById("zonasi-offline-status");
  const bar = el("div", {class: "zonasi-publicbar" + (status ? "" : " zonasi-toolbar"), id: "zonasi-public-bar",
                         hidden: true}, reportButton, lookupButton);
  if (status) status.before(bar); else document.body.prepend(bar);

  function showBar() { bar.hidden = Boolean(auth.token); }
  document.addEventListener("zonasi:user", showBar);
  showBar();

  // -- the report dialog ---------------------------------------------------------------------------
  const typeSelect = el("select", {class: "form-select", id: "public-type", name: "apk_type", required: true},
    (config.apk_types || []).map((type) => el("option", {value: type}, t("ui.apk_type." + type))));
  const pointText = el("p", {class: "small text-muted", id: "public-point"});
  const errorText = el("p", {class: "small mt-2 text-danger", id: "public-error", role: "alert"});
  const sendButton = el("button", {class: "btn btn-danger", type: "submit", id: "public-submit"}, t("ui.public.send"));
  const form = el("form", {id: "zonasi-public-form", method: "dialog"},
    el("h2", {class: "h5"}, t("ui.public.title")),
    el("p", {class: "small"}, t("ui.public.intro")),
    el("p", {class: "small"}, el("button", {type: "button", class: "btn btn-link btn-sm p-0 text-start",
                                            id: "public-officer"}, t("ui.public.officer"))),
    pointText,
    el("label", {class: "form-label", for: "public-type"}, t("map.report.type")), typeSelect,
    el("label", {class: "form-label mt-2", for: "public-participant"}, t("map.report.participant")),
    el("input", {class: "form-control", id: "public-participant", name: "participant", maxlength: 200}),
    el("label", {class: "form-label mt-2", for: "public-photo"}, t("map.report.photo")),
    el("input", {class: "form-control", id: "public-photo", name: "photo", type: "file", accept: "image/*",
                 capture: "environment"}),
    el("label", {class: "form-label mt-2", for: "public-note"}, t("map.report.note")),
    el("textarea", {class: "form-control", id: "public-note", name: "note", rows: 3, maxlength: 4000}),
    errorText,
    el("div", {class: "d-flex gap-2 justify-content-end"},
      el("button", {class: "btn btn-outline-secondary", type: "button", "data-public-close": true}, t("ui.close")),
      sendButton));
  const reportDialog = el("dialog", {id: "zonasi-public", class: "zonasi-dialog", "aria-labelledby": "public-title"},
                          form);
  form.querySelector("h2").id = "public-title";

  // -- the result / lookup dialog ------------------------------------------------------------------
  const codeInput = el("input", {class: "form-control text-uppercase", id: "public-code", name: "code",
                                 maxlength: 20, autocomplete: "off", spellcheck: "false", required: true});
  const lookupResult = el("div", {class: "small mt-2", id: "public-lookup-result", role: "status",
                                  "aria-live": "polite"});
  const savedList = el("ul", {class: "list-unstyled small mt-2", id: "public-saved"});
  const lookupForm = el("form", {id: "zonasi-public-lookup-form"},
    el("h2", {class: "h5", id: "public-lookup-title"}, t("ui.public.lookup_title")),
    el("label", {class: "form-label", for: "public-code"}, t("ui.public.code")),
    el("div", {class: "d-flex gap-2"}, codeInput,
       el("button", {class: "btn btn-primary", type: "submit", id: "public-lookup-submit"}, t("ui.public.check"))),
    lookupResult, savedList,
    el("div", {class: "d-flex gap-2 justify-content-end"},
       el("button", {class: "btn btn-outline-secondary", type: "button", "data-public-close": true}, t("ui.close"))));
  const lookupDialog = el("dialog", {id: "zonasi-public-lookup-dialog", class: "zonasi-dialog",
                                     "aria-labelledby": "public-lookup-title"}, lookupForm);
  document.body.append(reportDialog, lookupDialog);
  // an officer whose token is not stored yet: sign in, then the officer's own report form
  form.querySelector("#public-officer").addEventListener("click", async () => {
    reportDialog.close();
    if (await window.zonasi.requireLogin() && page && page.openReport && page.lastVerdict()) {
      page.openReport(page.lastVerdict());
    }
  });
  for (const dialog of [reportDialog, lookupDialog]) {
    dialog.querySelectorAll("[data-public-close]").forEach((b) => b.addEventListener("click", () => dialog.close()));
  }

  function fmt(value) { return window.zonasi.number ? window.zonasi.number(value, 5) : value.toFixed(5); }

  /** The report form, for the last spot checked (else the map's centre). */
  function open() {
    const [lat, lon] = where();
    pointText.textContent = t(checked() ? "ui.public.point_clicked" : "ui.public.point_centre",
                              {lat: fmt(lat), lon: fmt(lon)});
    errorText.textContent = "";
    form.dataset.key = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
    reportDialog.showModal();
  }
  reportButton.addEventListener("click", open);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const [lat, lon] = where();
    const data = new FormData(form);
    if (!data.get("photo") || !data.get("photo").size) data.delete("photo");
    data.set("lat", String(lat));
    data.set("lon", String(lon));
    sendButton.disabled = true;
    errorText.textContent = "";
    try {
      const answer = await call(config.urls.public_reports || "/api/public/reports",
                                {method: "POST", body: data,
                                 headers: {Accept: "application/json", "Idempotency-Key": form.dataset.key}});
      saveCode(answer.tracking_code);
      reportDialog.close();
      form.reset();
      showLookup(answer);
    } catch (error) {
      errorText.textContent = error.message;
    } finally {
      sendButton.disabled = false;
    }
  });

  function describe(answer, fresh) {
    const parts = [];
    if (fresh) parts.push(el("p", {class: "alert alert-success mb-2", id: "public-sent"}, t("ui.public.sent")));
    parts.push(el("p", {class: "mb-1"}, t("ui.public.code") + ": ",
                  el("strong", {class: "zonasi-tracking-code", id: "public-tracking-code"}, answer.tracking_code)));
    parts.push(el("p", {class: "mb-1"}, t("ui.public.status", {status: statusWords(answer.status)})));
    const lines = Array.isArray(answer.message) ? answer.message : (answer.message ? [answer.message] : []);
    if (lines.length) {
      parts.push(el("p", {class: "mb-1 fw-bold", id: "public-verdict", "data-status": answer.verdict_status},
                    lines[0]));
      parts.push(el("ul", {class: "small text-muted zonasi-public-message"},
                    lines.slice(1).map((line) => el("li", {}, line))));
    }
    return parts;
  }

  function drawSaved() {
    const codes = savedCodes();
    savedList.replaceChildren(...(codes.length ? [el("li", {class: "text-muted"}, t("ui.public.saved"))] : []),
      ...codes.map((code) => el("li", {}, el("button", {type: "button", class: "btn btn-link btn-sm p-0",
                                                          onclick: () => { codeInput.value = code; lookup(code); }},
                                            code))));
  }

  function showLookup(answer) {
    codeInput.value = answer ? answer.tracking_code : "";
    lookupResult.replaceChildren(...(answer ? describe(answer, true) : []));
    drawSaved();
    if (!lookupDialog.open) lookupDialog.showModal();
  }

  async function lookup(code) {
    lookupResult.replaceChildren(t("ui.public.checking"));
    try {
      const answer = await call("/api/public/reports/" + encodeURIComponent(code.trim()));
      lookupResult.replaceChildren(...describe(answer, false));
    } catch (error) {
      lookupResult.replaceChildren(el("span", {class: "text-danger"}, error.message));
    }
  }

  lookupButton.addEventListener("click", () => showLookup(null));
  lookupForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (codeInput.value.trim()) lookup(codeInput.value);
  });

  window.zonasi.publicIntake = {where, savedCodes, open};
})();
