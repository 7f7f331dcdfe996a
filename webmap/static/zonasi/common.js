/* zonasi pages: messages, safe DOM building, the API with the stored token, the login dialog.
 *
 * Every string from data or users goes into the page as text (textContent / text nodes),
 * never as HTML. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("zonasi-config").textContent);
  const messages = config.messages || {};
  const TOKEN_KEY = "zonasi.token";

  /** A message from the catalog, with {placeholders} filled in. */
  function t(key, values) {
    const text = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key;
    if (!values) return text;
    return text.replace(/\{(\w+)\}/g, (all, name) =>
      Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all);
  }

  /** An element with attributes and children; strings become text nodes (never HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // -- one number format per language (geo/numformat.py is the same rule on the server; both are
  // tested on tests/data/number_format_cases.json): Indonesian "1.234,5", English "1,234.5", at
  // most `digits` decimals, rounded half away from zero on the shortest decimal form ("22,15" ->
  // "22,2" here and in the server's words alike), trailing zeros dropped.
  const LOCALES = {id: "id-ID", en: "en-GB"};
  const formatters = new Map();

  function formatNumber(value, digits, lang) {
    const places = digits === undefined || digits === null ? 1 : digits;
    const locale = LOCALES[lang || config.lang] || LOCALES.id;
    const key = locale + "/" + places;
    if (!formatters.has(key)) {
      formatters.set(key, new Intl.NumberFormat(locale, {maximumFractionDigits: places, useGrouping: true}));
    }
    const number = Number(value);
    // a string is formatted as the exact decimal it says (Number's shortest form, as Python's repr)
    return formatters.get(key).format(Number.isFinite(number) ? String(number) : number);
  }

  /** A length in metres without its unit: one decimal under 100 m, none from there on. */
  function formatMetres(metres, lang) {
    return formatNumber(metres, Math.abs(Number(metres)) < 100 ? 1 : 0, lang);
  }

  /** A distance with its unit: "22,1 m", "436 m", and from 1,000 m on in km: "436,8 km". */
  function formatDistance(metres, lang) {
    const m = Number(metres);
    if (Math.abs(m) >= 999.5) return formatNumber(m / 1000, 1, lang) + " km";
    return formatMetres(m, lang) + " m";
  }

  // Indonesia's three zones: WIB UTC+7, WITA UTC+8, WIT UTC+9 (geo/clock.py LABELS), by the
  // Kemendagri province code (geo/clock.py WITA_PROVINCES / WIT_PROVINCES; a browser test compares them)
  const ZONES = {WIB: 7, WITA: 8, WIT: 9};
  const ZONE_OF_OFFSET = {7: "WIB", 8: "WITA", 9: "WIT"};
  const WITA_PROVINCES = ["51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"];
  const WIT_PROVINCES = ["81", "82", "91", "92", "93", "94", "95", "96"];

  /** WIB, WITA or WIT for a regency code ("64.02" -> "WITA"); null without one. */
  function zoneOfRegency(code) {
    if (!code) return null;
    const province = String(code).slice(0, 2);
    return WITA_PROVINCES.includes(province) ? "WITA" : WIT_PROVINCES.includes(province) ? "WIT" : "WIB";
  }

  /** Hours east of UTC for a zone given as hours or a label; without one, this device's own zone. */
  function zoneHours(zone) {
    if (typeof zone === "string" && ZONES[zone.toUpperCase()]) return ZONES[zone.toUpperCase()];
    if (zone !== null && zone !== undefined && zone !== "" && Number.isFinite(Number(zone))) return Number(zone);
    return Math.round(-new Date().getTimezoneOffset() / 60);
  }

  /** An instant (ISO 8601 text or Date) as the local date and time of a regency: "6 Des 2026 14.05 WIB"
   * (en: "6 Dec 2026, 14:05 WIB"). The zone is an offset in hours or its label (WIB/WITA/WIT, see
   * zoneOfRegency); without one, this device's zone. */
  function formatDateTime(iso, zone, lang) {
    const instant = iso instanceof Date ? iso : new Date(iso);
    if (Number.isNaN(instant.getTime())) return iso === null || iso === undefined ? "" : String(iso);
    const hours = zoneHours(zone);
    const locale = LOCALES[lang || config.lang] || LOCALES.id;
    // Etc/GMT-8 is UTC+8 (POSIX signs); whole hours only, as Indonesia's zones are
    const text = new Intl.DateTimeFormat(locale, {timeZone: "Etc/GMT" + (hours >= 0 ? "-" : "+") + Math.abs(hours),
      day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23"})
      .format(instant);
    return text + " " + (ZONE_OF_OFFSET[hours] || ("UTC" + (hours >= 0 ? "+" : "") + hours));
  }

  /** A date only (no time), in the regency's zone: "6 Des 2026". */
  function formatDate(iso, zone, lang) {
    const instant = iso instanceof Date ? iso : new Date(iso);
    if (Number.isNaN(instant.getTime())) return iso === null || iso === undefined ? "" : String(iso);
    const hours = zoneHours(zone);
    const locale = LOCALES[lang || config.lang] || LOCALES.id;
    return new Intl.DateTimeFormat(locale, {timeZone: "Etc/GMT" + (hours >= 0 ? "-" : "+") + Math.abs(hours),
      day: "numeric", month: "short", year: "numeric"}).format(instant);
  }

  /** The old name: a number in the page's language (see formatNumber). */
  function number(value, digits) {
    return formatNumber(value, digits);
  }

  /** A role's name in the page's language ("field" -> "Petugas lapangan"). */
  function roleLabel(role) {
    const key = "ui.role." + role;
    const text = t(key);
    return text === key ? String(role) : text;
  }

  const auth = {
    get token() { try { return localStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; } },
    set token(value) {
      try { if (value) localStorage.setItem(TOKEN_KEY, value); else localStorage.removeItem(TOKEN_KEY); }
      catch (e) { /* private mode: the token lives for this page only */ }
    },
    user: null,
    checked: false,  // true once the stored token has been checked (after the first "zonasi:user")
    /** Whether the checked user's role has ``permission`` (GET /api/whoami's list; false when unknown). */
    can(permission) { return !!(this.user && (this.user.permissions || []).includes(permission)); },
  };

  class ApiError extends Error {
    constructor(message, status, body) { super(message); this.status = status; this.body = body; }
  }

  /** fetch() with the stored token; problem+json errors become ApiError with their detail. */
  async function api(url, options) {
    const opts = Object.assign({}, options || {});
    opts.headers = Object.assign({Accept: "application/json, application/geo+json"}, opts.headers || {});
    if (auth.token && !opts.headers.Authorization) opts.headers.Authorization = "Bearer " + auth.token;
    const response = await fetch(url, opts);
    const type = response.headers.get("Content-Type") || "";
    const body = type.includes("json") ? await response.json().catch(() => null) : await response.text();
    if (!response.ok) {
      const detail = body && typeof body === "object" ? (body.detail || body.title) : null;
      throw new ApiError(detail || (response.status + " " + response.statusText), response.status, body);
    }
    return body;
  }

  function withParams(url, params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== null && value !== undefined && value !== "") query.set(key, value);
    }
    const text = query.toString();
    return text ? url + (url.includes("?") ? "&" : "?") + text : url;
  }

  // -- the login dialog: the token is pasted once and kept in this browser -------------------
  const dialog = document.getElementById("zonasi-login");
  const userBox = document.getElementById("zonasi-user");
  let loginWaiters = [];

  async function whoami() {
    if (!auth.token) { auth.user = null; showUser(); return null; }
    try {
      auth.user = await api(config.urls.whoami);
    } catch (error) {
      if (error.status === 401 || error.status === 403) { auth.token = ""; }
      auth.user = null;
    }
    showUser();
    auth.checked = true;
    document.dispatchEvent(new CustomEvent("zonasi:user", {detail: auth.user}));
    return auth.user;
  }

  function showUser() {
    if (!userBox) return;
    const user = auth.user;
    userBox.textContent = user ? t("ui.login.signed_in", {name: user.name || user.id || "?",
                                                           role: user.role ? roleLabel(user.role) : "?"})
      : (auth.token ? t("ui.login.token_saved") : "");
  }

  function openLogin() {
    if (!dialog) return Promise.resolve(false);
    document.getElementById("zonasi-login-error").textContent = "";
    document.getElementById("zonasi-token").value = "";
    document.getElementById("zonasi-logout").hidden = !auth.token;   // no one to sign out
    if (!dialog.open) dialog.showModal();
    return new Promise((resolve) => loginWaiters.push(resolve));
  }

  function closeLogin(ok) {
    if (dialog.open) dialog.close();
    const waiters = loginWaiters;
    loginWaiters = [];
    waiters.forEach((resolve) => resolve(ok));
  }

  /** Resolves true once the browser holds a token (asking for it if needed). */
  function requireLogin() {
    return auth.token ? Promise.resolve(true) : openLogin();
  }

  if (dialog) {
    document.getElementById("zonasi-login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const token = document.getElementById("zonasi-token").value.trim();
      if (!token) return;
      auth.token = token;
      const user = await whoami();
      if (!user && !auth.token) {
        document.getElementById("zonasi-login-error").textContent = t("ui.login.rejected");
        return;
      }
      closeLogin(true);
    });
    document.getElementById("zonasi-logout").addEventListener("click", () => {
      auth.token = ""; auth.user = null; showUser(); closeLogin(false);
      document.dispatchEvent(new CustomEvent("zonasi:user", {detail: null}));
    });
    dialog.querySelectorAll("[data-close]").forEach((b) => b.addEventListener("click", () => closeLogin(false)));
    dialog.addEventListener("cancel", () => closeLogin(false));
    document.getElementById("zonasi-login-button").addEventListener("click", openLogin);
  }
  for (const other of document.querySelectorAll("dialog:not(#zonasi-login)")) {
    other.querySelectorAll("[data-close]").forEach((b) => b.addEventListener("click", () => other.close()));
  }

  window.zonasi = {config, t, el, api, ApiError, auth, number, withParams, requireLogin, whoami, openLogin,
                   formatNumber, formatMetres, formatDistance, formatDateTime, formatDate, zoneOfRegency, roleLabel};
  whoami();
})();
