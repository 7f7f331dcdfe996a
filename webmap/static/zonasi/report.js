/* One report's page (#19): the verdict stored when it was reported (never a fresh check under
 * today's rules), its later re-judgements, its history, its photos and its own spot on a map.
 * Everything comes from the API with the browser's token; every string goes in as text.
 * A module: without a tile server the map draws the app's own basemap (land, roads, outlines:
 * offline/basemap.js, the map page's code). */
import {createBasemap} from "./offline/basemap.js";

(function () {
  "use strict";
  const zonasi = window.zonasi;
  const {config, t, el, api, auth, withParams, openLogin} = zonasi;
  const urls = config.report_urls;
  const statusBox = document.getElementById("report-status");
  const body = document.getElementById("report-body");
  const loginBox = document.getElementById("report-login");
  let map = null;
  let basemap = null;    // the app's own basemap, drawn when the raster tiles fail (offline/basemap.js)
  let overlays = null;   // the report's marker and circles
  let photoUrls = [];

  // -- numbers and times: every figure on this page goes through here (#18: one format per
  //    language; the shared formatter of common.js when it is there) ----------------------------
  const fmt = {
    number(value, digits) {
      return zonasi.formatNumber ? zonasi.formatNumber(value, digits) : zonasi.number(value, digits);
    },
    distance(metres) {
      if (metres === null || metres === undefined || metres === "") return "";
      if (zonasi.formatDistance) return zonasi.formatDistance(metres);
      const m = Number(metres);
      return Math.abs(m) >= 999.5 ? fmt.number(m / 1000, 1) + " km" : fmt.number(m, Math.abs(m) < 100 ? 1 : 0) + " m";
    },
    /** A local date ("2024-01-10", the regency's own day) in words. */
    date(day) {
      const date = new Date(String(day) + "T12:00:00Z");
      return isNaN(date) ? String(day) : date.toLocaleDateString(config.lang === "en" ? "en-GB" : "id-ID",
        {day: "numeric", month: "long", year: "numeric", timeZone: "UTC"});
    },
    dateTime(iso, zone) {
      if (!iso) return "";
      if (zonasi.formatDateTime) return zonasi.formatDateTime(iso, zone || "WIB");
      const date = new Date(iso);
      return isNaN(date) ? String(iso) : date.toLocaleString(config.lang === "en" ? "en-GB" : "id-ID",
        {dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Jakarta"}) + " WIB";
    },
  };

  function label(prefix, key) {
    const text = t(prefix + key);
    return text === prefix + key ? String(key) : text;
  }

  function say(text, kind) {
    statusBox.className = "small" + (kind ? " text-" + kind : "");
    statusBox.textContent = text || "";
  }

  function badge(status, prefix) {
    return el("span", {class: "zonasi-status-badge", "data-status": status}, label(prefix || "status.", status));
  }

  function reportLink(id) {
    return el("a", {href: "/reports/" + encodeURIComponent(id)}, String(id).slice(0, 8));
  }

  /** dt/dd pairs, leaving out the empty ones. */
  function facts(node, pairs) {
    node.replaceChildren();
    for (const [key, value, attrs] of pairs) {
      if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) continue;
      node.append(el("dt", {}, t(key)), el("dd", attrs || {}, value));
    }
  }

  function categoryLabel(key) {
    return config.categories[key] ? config.categories[key].label : key;
  }

  // -- the report itself -----------------------------------------------------------------------
  function showFacts(report, zone) {
    const deadline = report.deadline ? el("span", {class: report.overdue ? "text-danger fw-semibold" : ""},
      fmt.dateTime(report.deadline, zone), report.overdue ? " (" + t("reportpage.overdue") + ")" : "") : null;
    const spot = fmt.number(report.lat, 6) + ", " + fmt.number(report.lon, 6) +
      (report.accuracy_m ? " (± " + fmt.distance(report.accuracy_m) + ")" : "");
    const flags = (report.removal_flags || []).map((flag) => label("reportpage.flag.", flag)).join("; ");
    facts(document.getElementById("report-facts"), [
      ["reportpage.id", report.id],
      ["ui.col.type", label("ui.apk_type.", report.apk_type || "")],
      ["ui.col.participant", report.participant],
      ["reportpage.reported_at", fmt.dateTime(report.reported_at, zone)],
      ["reportpage.received_at", fmt.dateTime(report.received_at, zone)],
      ["ui.col.regency", report.regency_name ? report.regency_name + " (" + report.regency_code + ")" : ""],
      ["reportpage.spot", spot],
      ["reportpage.reporter", report.reporter],
      ["ui.col.note", report.note],
      ["ui.col.report_status", label("ui.report_status.", report.status)],
      ["ui.col.deadline", deadline, {"data-overdue": report.overdue ? "true" : null}],
      ["reportpage.letter", report.letter_number],
      ["reportpage.dismiss_reason", report.dismiss_reason ? label("ui.dismiss_reason.", report.dismiss_reason) : ""],
      ["reportpage.duplicate_of", report.duplicate_of ? reportLink(report.duplicate_of) : null],
      ["reportpage.reinstalled_of", report.reinstalled_of ? reportLink(report.reinstalled_of) : null],
      ["reportpage.storage_location", report.storage_location],
      ["reportpage.removal_flags", flags],
    ]);
    document.getElementById("report-workflow").replaceChildren(
      el("span", {class: "badge text-bg-dark", id: "report-workflow-status", "data-status": report.status},
        label("ui.report_status.", report.status)));
    document.getElementById("report-title").textContent = t("reportpage.title_id", {id: String(report.id).slice(0, 8)});
  }

  /** The verdict stored when the prop was reported: in the server's words, then its parts. */
  function showVerdict(report) {
    const verdict = report.verdict || {};
    const lines = report.message || [];
    const box = document.getElementById("report-verdict");
    const within = (verdict.hits || [])[0] || null;   // a site in range: the forbidden one
    const hit = within || verdict.nearest || null;     // else the nearest, named as such
    const rule = hit ? t("reportpage.rule_text", {category: categoryLabel(hit.category),
                                                  buffer: fmt.distance(hit.buffer_m)}) : "";
    const category = report.category || (hit && hit.category);
    const parts = el("dl", {class: "zonasi-facts", id: "report-verdict-facts"});
    facts(parts, [
      [within ? "reportpage.site" : "reportpage.nearest_site",
       report.site_name ? report.site_name + (category ? " (" + categoryLabel(category) + ")" : "") : ""],
      ["reportpage.distance", report.distance_m === null || report.distance_m === undefined ? ""
        : fmt.distance(report.distance_m)],
      ["reportpage.rule", rule],
      ["reportpage.legal_basis", report.legal_basis || (hit && hit.legal_basis)],
      ["reportpage.judged_for", verdict.at ? fmt.date(verdict.at) + (verdict.timezone ? " (" + verdict.timezone + ")" : "") : ""],
      ["reportpage.rules_version", report.rules_version],
      ["reportpage.layers_version", report.layers_version],
    ]);
    box.replaceChildren(
      el("p", {class: "mb-1"}, badge(report.verdict_status), " ",
        report.uncertain ? el("span", {class: "small fw-semibold"}, t("reportpage.uncertain")) : null),
      lines.length ? el("ul", {class: "zonasi-verdict-lines small", id: "report-verdict-lines"},
        ...lines.slice(1).map((line) => el("li", {}, line))) : null,
      parts);
  }

  async function showLater() {
    const box = document.getElementById("report-later");
    let answer;
    try {
      answer = await api(withParams(urls.verdicts, {lang: config.lang}));
    } catch (error) {
      box.replaceChildren(el("p", {class: "small text-danger"}, t("ui.error", {detail: error.message})));
      return;
    }
    const verdicts = answer.verdicts || [];
    if (!verdicts.length) {
      box.replaceChildren(el("p", {class: "small text-muted", id: "report-later-none"}, t("reportpage.later_none")));
      return;
    }
    box.replaceChildren(el("ol", {class: "zonasi-history", id: "report-later-list"}, ...verdicts.map((v) =>
      el("li", {"data-status": v.verdict_status, "data-changed": v.changed ? "true" : "false"},
        el("div", {}, el("strong", {}, fmt.dateTime(v.judged_at)), " ", badge(v.verdict_status), " ",
          el("span", {class: "small"}, t(v.changed ? "reportpage.later_changed" : "reportpage.later_same"))),
        el("div", {class: "small text-muted"}, t("reportpage.versions", {rules: v.rules_version, layers: v.layers_version})),
        el("ul", {class: "zonasi-verdict-lines small"}, ...(v.message || []).slice(1).map((line) => el("li", {}, line)))))));
  }

  function showHistory(report, zone) {
    const list = document.getElementById("report-history");
    const events = report.history || [];
    if (!events.length) {
      list.replaceChildren(el("li", {class: "text-muted"}, t("ui.violations.history_empty")));
      return;
    }
    list.replaceChildren(...events.map((event) => {
      const details = event.details || {};
      const move = event.from ? t("reportpage.move", {from: label("ui.report_status.", event.from),
                                                       to: label("ui.report_status.", event.to)})
        : label("ui.report_status.", event.to);
      const who = event.actor ? t("reportpage.by", {actor: event.actor,
        role: zonasi.roleLabel ? zonasi.roleLabel(event.role) : label("ui.role.", event.role || "")}) : "";
      return el("li", {"data-to": event.to},
        el("div", {}, el("strong", {}, fmt.dateTime(event.at, zone)), " · ", move),
        who ? el("div", {class: "small"}, who) : null,
        event.actor_note ? el("div", {class: "small text-muted"}, t("reportpage.actor_note", {note: event.actor_note})) : null,
        event.note ? el("div", {class: "small zonasi-history-note"}, t("reportpage.note", {note: event.note})) : null,
        details.reason ? el("div", {class: "small"},
          t("reportpage.reason", {reason: label("ui.dismiss_reason.", details.reason)})) : null,
        details.duplicate_of ? el("div", {class: "small"}, t("reportpage.duplicate_of"), ": ",
          reportLink(details.duplicate_of)) : null,
        details.storage_location ? el("div", {class: "small"},
          t("reportpage.storage_location") + ": " + details.storage_location) : null,
        (details.letter || details.letter_number) ? el("div", {class: "small"},
          t("reportpage.letter_number", {number: details.letter || details.letter_number})) : null);
    }));
  }

  // -- photos: they need the token, so they are fetched and shown from blobs -------------------
  async function photo(url, alt, id) {
    const response = await fetch(url, {headers: {Authorization: "Bearer " + auth.token}});
    if (!response.ok) throw new Error(response.status + " " + response.statusText);
    const blobUrl = URL.createObjectURL(await response.blob());
    photoUrls.push(blobUrl);
    return el("figure", {class: "zonasi-photo-figure", id: id},
      el("img", {src: blobUrl, alt: alt, class: "img-fluid rounded"}), el("figcaption", {class: "small"}, alt));
  }

  async function showPhotos(report) {
    const box = document.getElementById("report-photos");
    photoUrls.forEach((url) => URL.revokeObjectURL(url));
    photoUrls = [];
    const wanted = [];
    if (report.has_photo) wanted.push([urls.photo, t("reportpage.photo_report"), "report-photo"]);
    const removal = report.removal_photo_url || (report.has_removal_photo ? urls.removal_photo : null);
    if (removal) wanted.push([removal, t("reportpage.photo_removal"), "report-removal-photo"]);
    if (!wanted.length) {
      box.replaceChildren(el("p", {class: "small text-muted", id: "report-photos-none"}, t("reportpage.photos_none")));
      return;
    }
    const shown = [];
    for (const [url, alt, id] of wanted) {
      try {
        shown.push(await photo(url, alt, id));
      } catch (error) {
        shown.push(el("p", {class: "small text-danger"}, t("ui.error", {detail: error.message})));
      }
    }
    box.replaceChildren(...shown);
  }

  // -- the report's own spot: a marker where it was reported and its GPS accuracy ----------------
  function showMap(report) {
    const node = document.getElementById("report-map");
    const spot = [report.lat, report.lon];
    if (!map) {
      map = L.map(node, {zoomControl: false, attributionControl: true});
      L.control.zoom({zoomInTitle: t("map.zoom_in"), zoomOutTitle: t("map.zoom_out")}).addTo(map);
      map.attributionControl.setPrefix(false);
      L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
        maxZoom: 19, attribution: "© OpenStreetMap"}).addTo(map);
      // as the map page: the app's vector tiles (land, regency outlines, roads) under failed tiles
      basemap = createBasemap(map, {tilesUrl: config.urls.tiles, roadsZoom: config.zoom.sites});
    }
    map.setView(spot, 17);  // a view first: circles are measured on the map
    if (overlays) overlays.remove();
    overlays = L.featureGroup().addTo(map);
    const marker = L.circleMarker(spot, {radius: 9, color: "#fff", weight: 2, fillColor: "#b02a37", fillOpacity: 1});
    marker.bindTooltip(label("ui.apk_type.", report.apk_type || "") + (report.participant ? ": " + report.participant : ""));
    marker.addTo(overlays);
    if (report.accuracy_m) {
      L.circle(spot, {radius: report.accuracy_m, color: "#b02a37", weight: 1, fillOpacity: 0.1}).addTo(overlays);
    }
    if (report.buffer_m && report.verdict_status === "violation" && report.distance_m !== null) {
      // the forbidden distance around the report: the site it names lies within this circle
      L.circle(spot, {radius: report.distance_m, color: "#5a32a3", weight: 1, dashArray: "4 4",
                      fill: false}).addTo(overlays);
    }
    map.fitBounds(overlays.getBounds(), {maxZoom: 18, padding: [20, 20]});
    document.getElementById("report-map-note").textContent = t("reportpage.map_note", {
      distance: report.site_name && report.distance_m !== null ? fmt.distance(report.distance_m) : "-",
      site: report.site_name || "-"});
    node.dataset.lat = report.lat;
    node.dataset.lon = report.lon;
  }

  async function load() {
    if (!auth.token) { loginBox.hidden = false; body.hidden = true; say(""); return; }
    loginBox.hidden = true;
    say(t("ui.loading"));
    try {
      const report = await api(withParams(urls.report, {lang: config.lang}));
      const zone = (report.verdict && report.verdict.timezone) || "WIB";
      showFacts(report, zone);
      showVerdict(report);
      showHistory(report, zone);
      body.hidden = false;
      showMap(report);
      say("");
      await Promise.all([showLater(), showPhotos(report)]);
      body.dataset.loaded = "true";
    } catch (error) {
      body.hidden = true;
      if (error.status === 401 || error.status === 403) loginBox.hidden = false;
      say(t("ui.error", {detail: error.message}), "danger");
    }
  }

  // what the browser tests read: the map and what its basemap draws
  zonasi.reportPage = {map: () => map, basemap: () => (basemap ? basemap.state() : null)};
  document.getElementById("report-login-button").addEventListener("click", openLogin);
  document.addEventListener("zonasi:user", load);
  // the token check may have finished before this script ran: then its event is gone
  if (!auth.token || auth.checked) load();
})();
