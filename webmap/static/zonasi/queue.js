/* The device's report queue (#17): a report is kept in IndexedDB (photo as a Blob, its
 * Idempotency-Key made when the officer pressed send) and sent when a connection answers: at
 * once, on the "online" event, on load and on demand. One tab sends at a time (navigator.locks);
 * the server's Idempotency-Key makes a repeated send (a lost answer, a reload mid-send) store
 * the report once. States: waiting, sending, sent (with the stored report), failed (with the
 * server's reason; a refused report is not sent again). */
(function () {
  "use strict";
  const DB = "zonasi";
  const STORE = "queue";
  const LOCK = "zonasi-report-queue";

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, {keyPath: "key"});
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", {keyPath: "name"});
        if (!db.objectStoreNames.contains("bundles")) db.createObjectStore("bundles", {keyPath: "name"});
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  /** One IndexedDB request in its own transaction; resolves to its result. */
  async function run(store, mode, make) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(store, mode);
        const request = make(tx.objectStore(store));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  const db = {
    get: (store, key) => run(store, "readonly", (s) => s.get(key)),
    all: (store) => run(store, "readonly", (s) => s.getAll()),
    put: (store, value) => run(store, "readwrite", (s) => s.put(value)),
  };

  function changed() { document.dispatchEvent(new CustomEvent("zonasi:queue")); }

  async function list() {
    const entries = await db.all(STORE);
    return entries.sort((a, b) => a.created - b.created);
  }

  /** Send one entry; its new state is stored before this resolves. */
  async function sendOne(entry) {
    entry.state = "sending"; await db.put(STORE, entry); changed();
    try {
      entry.report = await window.zonasi.reports.postReport(entry);
      entry.state = "sent"; entry.reason = null; entry.sent = Date.now();
    } catch (error) {
      const retry = !error.status || error.status >= 500 || error.status === 408 || error.status === 429
        || error.status === 401;  // no answer, the server busy, or no token yet: later
      entry.state = retry ? "waiting" : "failed";
      entry.reason = error.message || String(error);
      entry.status = error.status || null;
    }
    await db.put(STORE, entry);
    changed();
    return entry;
  }

  /** Send every waiting report, one tab at a time; resolves when done. */
  async function sync() {
    const work = async () => {
      let reached = false;
      for (const entry of await list()) {
        // "sending" left by a closed tab is sent again: the key makes it the same report
        if (entry.state !== "waiting" && entry.state !== "sending") continue;
        const done = await sendOne(entry);
        if (done.state !== "waiting") reached = true;
        else if (!done.status) break;  // no connection: the rest waits too
      }
      if (reached) await db.put("meta", {name: "last_sync", at: Date.now()});
    };
    if (navigator.locks) await navigator.locks.request(LOCK, work);
    else await work();
    changed();
  }

  /** Keep a report from the form, then try to send it: {state, report, error}. */
  async function submit(entry) {
    const kept = Object.assign({}, entry, {state: "waiting", created: Date.now(), reason: null});
    const existing = await db.get(STORE, kept.key);  // a retry of the same press: the same entry
    await db.put(STORE, existing ? Object.assign(existing, {state: existing.state === "sent" ? "sent" : "waiting"})
                                 : kept);
    changed();
    if (navigator.onLine !== false) await sync();
    const after = await db.get(STORE, kept.key);
    if (after.state === "failed") {
      const error = new Error(after.reason); error.status = after.status;
      return {state: "failed", error};
    }
    return {state: after.state === "sent" ? "sent" : "waiting", report: after.report};
  }

  async function waitingCount() {
    return (await list()).filter((e) => e.state === "waiting" || e.state === "sending").length;
  }

  async function lastSync() {
    const row = await db.get("meta", "last_sync");
    return row ? row.at : null;
  }

  window.zonasi.queue = {submit, sync, list, waitingCount, lastSync, db};
  window.addEventListener("online", () => sync());
  if (navigator.onLine !== false) sync();
})();
