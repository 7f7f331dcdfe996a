/* Checking a spreadsheet (CSV, .xlsx, .ods): POST /api/validate, then counts (duplicates too), the results
 * (a table on a desktop, cards on a phone) and downloads. */
(function () {
  "use strict";
  const zonasi = window.zonasi;
  const {config, t, el, withParams, ApiError, number} = zonasi;
  const MAX_TABLE_ROWS = 500;
  const STATUSES = config.row_statuses;  // geo.validation.ROW_STATUSES, the one list
  const form = document.getElementById("batch-form");
  const fileInput = document.getElementById("batch-file");
  const statusBox = document.getElementById("batch-status");
  const results = document.getElementById("batch-results");
  let csvUrl = null;

  /** RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes. */
  function parseCsv(text, delimiter) {
    const rows = [];
    let row = [], field = "", quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
        } else field += c;
      } else if (c === '"') quoted = true;
      else if (c === delimiter) { row.push(field); field = ""; }
      else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i++;
        row.push(field); rows.push(row); row = []; field = "";
      } else field += c;
    }
    if (field !== "" || row.length) { row.push(field); rows.push(row); }
    return rows.filter((r) => r.length > 1 || r[0] !== "");
  }

  /** An Excel or OpenDocument workbook (#18): the server reads its first sheet, or the one named. */
  function isWorkbook(file) {
    return /\.(xlsx|xlsm|ods)$/i.test(file.name);
  }
  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    document.getElementById("batch-sheet-field").hidden = !(file && isWorkbook(file));
  });

  /** POST the file; ``params``: more of the query (e.g. {dialect: "excel-id"}). */
  async function post(file, format, params) {
    const data = new FormData();
    data.append("file", file, file.name);
    const sheet = document.getElementById("batch-sheet");
    if (sheet && isWorkbook(file) && sheet.value.trim()) data.append("sheet", sheet.value.trim());
    const response = await fetch(withParams(config.urls.validate, Object.assign({lang: config.lang, format: format}, params || {})),
                                 {method: "POST", body: data});
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      throw new ApiError((body && (body.detail || body.title)) || response.statusText, response.status, body);
    }
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = /filename="([^"]+)"/.exec(disposition);
    return {blob: await response.blob(), filename: match ? match[1] : "zonasi." + format,
            summary: JSON.parse(response.headers.get("X-Zonasi-Summary") || "{}")};
  }

  function statusLabel(status) {
    const key = "status." + status;
    return t(key) === key ? status : t(key);
  }

  // -- numbers: every figure on this page goes through here (#18: one format per language; the
  //    shared formatter of common.js when it is there) --------------------------------------------
  const fmt = {
    number(value, digits) {
      if (value === "" || value === null || value === undefined || isNaN(Number(value))) return String(value || "");
      return zonasi.formatNumber ? zonasi.formatNumber(Number(value), digits) : number(Number(value), digits);
    },
    /** A distance with its unit, in km from 1,000 m on ("436,8 km"). */
    distance(metres) {
      if (metres === "" || metres === null || metres === undefined || isNaN(Number(metres))) return "";
      if (zonasi.formatDistance) return zonasi.formatDistance(Number(metres));
      const m = Number(metres);
      return Math.abs(m) >= 999.5 ? fmt.number(m / 1000, 1) + " km" : fmt.number(m, Math.abs(m) < 100 ? 1 : 0) + " m";
    },
    /** Metres without their unit (a message says "m" itself). */
    metres(value) {
      if (value === "" || value === null || value === undefined || isNaN(Number(value))) return String(value || "");
      return zonasi.formatMetres ? zonasi.formatMetres(Number(value)) : fmt.number(value, 1);
    },
  };

  function categoryLabel(key) {
    const category = config.categories[key];
    return category ? category.label : key;
  }

  function reason(record) {
    if (record.status === "invalid") return record.error || "";
    const missing = String(record.missing_categories || "").split(";").filter(Boolean);
    if (record.status === "incomplete" && missing.length) {
      const lower = (text) => text.charAt(0).toLocaleLowerCase(config.lang) + text.slice(1);
      return t("ui.violations.missing", {categories: missing.map((k) => lower(categoryLabel(k))).join(", ")});
    }
    if (!record.nearest_site) return "";
    const values = {name: record.nearest_site, category: categoryLabel(record.nearest_category),
                    distance: fmt.distance(record.nearest_distance_m), buffer: fmt.metres(record.buffer_m)};
    if (record.status === "violation" && Number(record.violations) > 0) {
      return t("verdict.hit_at", Object.assign(values, {basis: record.legal_basis}));
    }
    return t("verdict.nearest_at", values);
  }

  /** A coloured badge with the status in words: colour and words together, on any row (striped or not). */
  function badge(status) {
    return el("span", {class: "zonasi-status-badge", "data-status": status}, statusLabel(status));
  }

  function showCounts(summary) {
    const box = document.getElementById("batch-counts");
    box.replaceChildren(el("div", {class: "zonasi-count", "data-status": "rows"},
      el("strong", {}, fmt.number(summary.rows, 0)), t("ui.batch.rows", {n: ""}).trim()));
    for (const status of STATUSES) {
      const n = (summary.counts || {})[status] || 0;
      box.append(el("div", {class: "zonasi-count status-" + status, "data-status": status, "data-count": n},
        el("strong", {}, fmt.number(n, 0)), statusLabel(status)));
    }
    // duplicates (#18): rows that repeat an earlier row; counted beside the statuses, not among them
    const duplicates = Number(summary.duplicates || 0);
    box.append(el("div", {class: "zonasi-count zonasi-count-duplicates", id: "batch-duplicates",
                          "data-duplicates": duplicates},
      el("strong", {}, fmt.number(duplicates, 0)), t("batchpage.duplicates")));
    const note = document.getElementById("batch-duplicates-note");
    note.hidden = !duplicates;
    note.textContent = duplicates ? t("batchpage.duplicates_note", {n: fmt.number(duplicates, 0)}) : "";
  }

  /** The input's coordinate columns, as the server read them ("lat, lon" or one pair column). */
  function coordinateColumns(header, summary) {
    const named = String(summary.coordinate_columns || "").split(",").map((s) => s.trim()).filter(Boolean)
      .filter((name) => header.includes(name));
    if (named.length === 2) return named;
    if (named.length === 1) return [named[0], null];
    return [header.find((h) => /^(lat|latitude|lintang|y)$/i.test(h)) || null,
            header.find((h) => /^(lon|lng|long|longitude|bujur|x)$/i.test(h)) || null];
  }

  /** One result row: a table row on a desktop, a card on a phone (zonasi.css, <= 600 px). */
  function resultRow(record, latColumn, lonColumn) {
    const duplicateOf = record.duplicate_of || "";
    const status = el("td", {class: "zonasi-batch-status", "data-label": t("ui.col.status")}, badge(record.status));
    if (duplicateOf) {
      status.append(" ", el("span", {class: "zonasi-status-badge", "data-status": "duplicate"},
        t("batchpage.duplicate_of", {line: duplicateOf})));
    }
    return el("tr", {"data-status": record.status, "data-duplicate-of": duplicateOf || null},
      // the row's own line in the uploaded file (blank lines count)
      el("td", {class: "zonasi-batch-line", "data-label": t("ui.col.row")}, record.line || ""),
      el("td", {class: "zonasi-batch-lat", "data-label": t("ui.col.lat")}, latColumn ? record[latColumn] : ""),
      el("td", {class: "zonasi-batch-lon", "data-label": t("ui.col.lon")}, lonColumn ? record[lonColumn] : ""),
      status,
      el("td", {class: "zonasi-batch-regency", "data-label": t("ui.col.regency")}, record.regency || ""),
      el("td", {class: "zonasi-batch-reason", "data-label": t("ui.col.reason")}, reason(record)));
  }

  function showTable(text, summary) {
    const rows = parseCsv(text, summary.delimiter || ",");
    const header = rows.shift() || [];
    const body = document.querySelector("#batch-table tbody");
    const [latColumn, lonColumn] = coordinateColumns(header, summary);
    body.replaceChildren(...rows.slice(0, MAX_TABLE_ROWS).map((values) => {
      const record = {};
      header.forEach((name, j) => { record[name] = values[j]; });
      return resultRow(record, latColumn, lonColumn);
    }));
    total = rows.length;
    fillShow(summary);
    applyShow();
  }

  // -- which rows to show: all, one status, or the duplicates --------------------------------------
  const showSelect = document.getElementById("batch-show");
  let total = 0;

  function fillShow(summary) {
    const options = [el("option", {value: ""}, t("batchpage.show_all", {n: fmt.number(summary.rows, 0)}))];
    for (const status of STATUSES) {
      const n = (summary.counts || {})[status] || 0;
      if (n) options.push(el("option", {value: status}, statusLabel(status) + " (" + fmt.number(n, 0) + ")"));
    }
    if (summary.duplicates) {
      options.push(el("option", {value: "duplicate"},
        t("batchpage.duplicates") + " (" + fmt.number(summary.duplicates, 0) + ")"));
    }
    showSelect.replaceChildren(...options);
  }

  function applyShow() {
    const wanted = showSelect.value;
    let shown = 0;
    for (const tr of document.querySelectorAll("#batch-table tbody tr")) {
      const match = !wanted || (wanted === "duplicate" ? tr.hasAttribute("data-duplicate-of")
        : tr.dataset.status === wanted);
      tr.hidden = !match;
      if (match) shown += 1;
    }
    const listed = Math.min(total, MAX_TABLE_ROWS);
    document.getElementById("batch-shown").textContent = wanted
      ? t("batchpage.shown_filtered", {shown: fmt.number(shown, 0), total: fmt.number(listed, 0)})
      : t("ui.batch.shown", {shown: fmt.number(listed, 0), total: fmt.number(total, 0)});
  }
  showSelect.addEventListener("change", applyShow);

  function download(blob, filename) {
    const url = URL.createObjectURL(blob);
    const link = el("a", {href: url, download: filename});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) return;
    statusBox.className = "small text-muted";
    statusBox.textContent = t("ui.batch.checking", {name: file.name});
    document.getElementById("batch-submit").disabled = true;
    try {
      const answer = await post(file, "csv");
      showCounts(answer.summary);
      // one clock (#15): which date the rows were judged on (the server's words)
      const dates = document.getElementById("batch-dates");
      dates.textContent = answer.summary.dates || "";
      dates.dataset.atColumn = answer.summary.at_column || "";
      showTable(await answer.blob.text(), answer.summary);
      if (csvUrl) URL.revokeObjectURL(csvUrl);
      csvUrl = URL.createObjectURL(answer.blob);
      const link = document.getElementById("batch-download-csv");
      link.href = csvUrl;
      link.download = answer.filename;
      results.hidden = false;
      statusBox.textContent = "";
    } catch (error) {
      results.hidden = true;
      statusBox.className = "small text-danger";
      statusBox.textContent = t("ui.error", {detail: error.message});
    } finally {
      document.getElementById("batch-submit").disabled = false;
    }
  });

  /** A download checked again by the server in another form: the violations as GeoJSON, or the
   *  results CSV in a dialect (excel-id: ";", decimal commas, Indonesian headers and labels). */
  async function downloadAgain(button, format, params) {
    const file = fileInput.files[0];
    if (!file) return;
    button.disabled = true;
    try {
      const answer = await post(file, format, params);
      download(answer.blob, answer.filename);
    } catch (error) {
      statusBox.className = "small text-danger";
      statusBox.textContent = t("ui.error", {detail: error.message});
    } finally {
      button.disabled = false;
    }
  }
  const geojsonButton = document.getElementById("batch-download-geojson");
  geojsonButton.addEventListener("click", () => downloadAgain(geojsonButton, "geojson"));
  const excelButton = document.getElementById("batch-download-excel");
  excelButton.addEventListener("click", () => downloadAgain(excelButton, "csv", {dialect: excelButton.dataset.dialect}));
})();
