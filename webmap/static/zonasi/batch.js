/* Batch CSV upload: POST /api/validate, then counts, a results table and downloads. */
(function () {
  "use strict";
  const {config, t, el, withParams, ApiError} = window.zonasi;
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

  async function post(file, format) {
    const data = new FormData();
    data.append("file", file, file.name);
    const sheet = document.getElementById("batch-sheet");
    if (sheet && isWorkbook(file) && sheet.value.trim()) data.append("sheet", sheet.value.trim());
    const response = await fetch(withParams(config.urls.validate, {lang: config.lang, format: format}),
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

  function reason(record) {
    if (record.status === "invalid") return record.error || "";
    if (!record.nearest_site) return "";
    const category = config.categories[record.nearest_category];
    if (record.status === "violation" && Number(record.violations) > 0) {
      return t("verdict.hit", {name: record.nearest_site, category: category ? category.label : record.nearest_category,
                               distance: record.nearest_distance_m, buffer: record.buffer_m, basis: record.legal_basis});
    }
    return t("verdict.nearest", {name: record.nearest_site, category: category ? category.label : record.nearest_category,
                                 distance: record.nearest_distance_m, buffer: record.buffer_m});
  }

  function showCounts(summary) {
    const box = document.getElementById("batch-counts");
    box.replaceChildren(el("div", {class: "zonasi-count", "data-status": "rows"},
      el("strong", {}, String(summary.rows)), t("ui.batch.rows", {n: ""}).trim()));
    for (const status of STATUSES) {
      const n = (summary.counts || {})[status] || 0;
      box.append(el("div", {class: "zonasi-count status-" + status, "data-status": status, "data-count": n},
        el("strong", {}, String(n)), statusLabel(status)));
    }
  }

  function showTable(text, delimiter) {
    const rows = parseCsv(text, delimiter || ",");
    const header = rows.shift() || [];
    const body = document.querySelector("#batch-table tbody");
    body.replaceChildren();
    const latColumn = header.find((h) => /^(lat|latitude|lintang|y)$/i.test(h));
    const lonColumn = header.find((h) => /^(lon|lng|long|longitude|bujur|x)$/i.test(h));
    rows.slice(0, MAX_TABLE_ROWS).forEach((values) => {
      const record = {};
      header.forEach((name, j) => { record[name] = values[j]; });
      body.append(el("tr", {"data-status": record.status},
        el("td", {}, record.line || ""),  // the row's own line in the uploaded file (blank lines count)
        el("td", {}, latColumn ? record[latColumn] : ""),
        el("td", {}, lonColumn ? record[lonColumn] : ""),
        el("td", {class: "text-nowrap status-" + record.status}, statusLabel(record.status)),
        el("td", {}, record.regency || ""),
        el("td", {}, reason(record))));
    });
    document.getElementById("batch-shown").textContent =
      t("ui.batch.shown", {shown: Math.min(rows.length, MAX_TABLE_ROWS), total: rows.length});
  }

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
      showTable(await answer.blob.text(), answer.summary.delimiter);
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

  document.getElementById("batch-download-geojson").addEventListener("click", async () => {
    const file = fileInput.files[0];
    if (!file) return;
    try {
      const answer = await post(file, "geojson");
      download(answer.blob, answer.filename);
    } catch (error) {
      statusBox.className = "small text-danger";
      statusBox.textContent = t("ui.error", {detail: error.message});
    }
  });
})();
