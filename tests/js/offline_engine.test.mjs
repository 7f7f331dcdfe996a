// The in-browser offline judge (webmap/static/zonasi/offline/engine.js) against the server's engine.
// Run by tests/webmap/test_offline_engine.py, which writes bundles and the engine's verdicts to
// ZONASI_OFFLINE_FIXTURES (without it, only the self-contained tests run).
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { geodesicDistance, judge, utmEpsg, utmScale } from "../../webmap/static/zonasi/offline/engine.js";

const TOLERANCE_M = 0.5;

test("UTM scale factor: k0 on the central meridian, larger off it", () => {
  assert.equal(utmScale(500000, -6), 0.9996);
  assert.ok(utmScale(700000, -6) > 1.0000);
  assert.equal(utmEpsg(108.3, -6.3), 32749);
  assert.equal(utmEpsg(95.3, 5.5), 32646);
});

test("geodesic: one degree of latitude at the equator", () => {
  assert.ok(Math.abs(geodesicDistance(0, 0, 0, 1) - 110574.389) < 0.01);
});

// a hand-made bundle: one regency (a 0.1 degree square), a point, a line and a polygon site
function tinyBundle() {
  const square = [[[108, -6.1], [108.1, -6.1], [108.1, -6], [108, -6], [108, -6.1]]];
  return {
    format: 1, area: { kind: "regency", codes: ["99.01"], bbox: null }, layers_version: "l", rules_version: "r",
    categories: ["school", "road"],
    category_rules: { school: { label: "Sekolah", legal_basis: "x" }, road: { label: "Jalan", legal_basis: "y" } },
    border_snap_m: 0, max_accuracy_m: 100, reach_m: 150, site_margin_m: 150,
    regencies: [{
      code: "99.01", name: "Test", judged: true, epsg: 32749, utc_offset_h: 7, timezone: "WIB",
      buffer_m: [50, 5], required: [true, false], periods: [{ key: "p", label: "P", start: "2024-01-01", end: "2024-01-31" }],
      declared: [true, true], complete_whole: [true, true], allowed_zones: false,
      geometry: { type: "Polygon", coordinates: square },
    }],
    coverage: { everywhere: [false, false], cuts: [], sources: [] },
    sites: {
      site_id: ["s1", "r1", "p1"], name: ["SD 1", "Jalan 1", "SMP 1"], category: [0, 1, 0],
      geometry: [[108.05, -6.05], { type: "LineString", coordinates: [[108.02, -6.09], [108.02, -6.01]] },
        { type: "Polygon", coordinates: [[[108.08, -6.02], [108.09, -6.02], [108.09, -6.01], [108.08, -6.01], [108.08, -6.02]]] }],
    },
  };
}

test("tiny bundle: hits, inside a polygon is 0 m, outside the saved area, periods", () => {
  const b = tinyBundle();
  const atSchool = judge({ lon: 108.0502, lat: -6.05 }, b);
  assert.equal(atSchool.status, "violation");
  assert.equal(atSchool.hits[0].site_id, "s1");
  assert.ok(Math.abs(atSchool.hits[0].distance_m - geodesicDistance(108.0502, -6.05, 108.05, -6.05)) < 0.01);
  const inPolygon = judge({ lon: 108.085, lat: -6.015 }, b);
  assert.equal(inPolygon.hits[0].distance_m, 0);
  assert.equal(judge({ lon: 108.06, lat: -6.08 }, b).status, "ok");
  const off = judge({ lon: 109, lat: -6 }, b);
  assert.equal(off.status, "outside_area");
  assert.equal(off.provisional, true);
  assert.equal(judge({ lon: 108.06, lat: -6.08 }, b, { at: "2024-03-01" }).status, "outside_period");
  assert.equal(judge({ lon: 108.06, lat: -6.08 }, b, { at: "2024-01-31T20:00:00Z" }).status, "outside_period"); // Feb 1 WIB
  assert.equal(judge({ lon: 108.06, lat: -6.08 }, b, { at: "2024-01-31T16:00:00Z" }).status, "ok");
  // never ok from absence: a required category not complete makes it incomplete
  const undeclared = tinyBundle(); // a bundle is indexed once, on its first judge(): a new one
  undeclared.regencies[0].complete_whole = [false, true];
  undeclared.regencies[0].declared = [false, true];
  const unsure = judge({ lon: 108.06, lat: -6.08 }, undeclared);
  assert.equal(unsure.status, "incomplete");
  assert.deepEqual(unsure.missing_categories, ["school"]);
});

const dir = process.env.ZONASI_OFFLINE_FIXTURES;
const names = dir ? readdirSync(dir).filter((f) => f.endsWith(".cases.json")).map((f) => f.slice(0, -11)) : [];
const summary = {};

for (const name of names) {
  test(`against the engine: ${name}`, () => {
    const bundle = JSON.parse(readFileSync(join(dir, `${name}.bundle.json`), "utf8"));
    const cases = JSON.parse(readFileSync(join(dir, `${name}.cases.json`), "utf8"));
    let maxDiff = 0;
    let maxDiffAeqd = 0;
    let compared = 0;
    const failures = [];
    const started = performance.now();
    const verdicts = cases.map((c) => judge([c.lon, c.lat], bundle, { at: c.at, accuracy_m: c.accuracy_m }));
    const perPoint = (performance.now() - started) / cases.length;
    cases.forEach((c, n) => {
      const v = verdicts[n];
      const where = `${name} #${n} (${c.lon}, ${c.lat}, ${c.kind})`;
      if (v.status !== c.status) failures.push(`${where}: status ${v.status}, engine ${c.status}`);
      if (c.status === "outside_area") return;
      if (v.regency?.code !== c.regency) failures.push(`${where}: regency ${v.regency?.code}, engine ${c.regency}`);
      const got = new Map(v.hits.map((h) => [h.site_id, h.distance_exact_m]));
      if (got.size !== c.hits.length) failures.push(`${where}: ${got.size} hits, engine ${c.hits.length}`);
      for (const [id, d] of c.hits) {
        if (!got.has(id)) { failures.push(`${where}: no hit ${id}`); continue; }
        maxDiff = Math.max(maxDiff, Math.abs(got.get(id) - d));
        compared++;
      }
      if (c.nearest && v.nearest_exact) {
        if (v.nearest.site_id === c.nearest[0]) {
          maxDiff = Math.max(maxDiff, Math.abs(v.nearest.distance_exact_m - c.nearest[1]));
          compared++;
        } else if (Math.abs(v.nearest.distance_m - c.nearest[1]) > TOLERANCE_M) {
          failures.push(`${where}: nearest ${v.nearest.site_id} ${v.nearest.distance_m}, engine ${c.nearest}`);
        }
      }
      if (JSON.stringify(v.missing_categories) !== JSON.stringify(c.missing)) {
        failures.push(`${where}: missing ${v.missing_categories}, engine ${c.missing}`);
      }
      if (c.hits.length) {   // the other method: lines and polygons in a local azimuthal equidistant projection
        const a = judge([c.lon, c.lat], bundle, { at: c.at, accuracy_m: c.accuracy_m, method: "aeqd" });
        const byId = new Map(a.hits.map((h) => [h.site_id, h.distance_exact_m]));
        for (const [id, d] of c.hits) if (byId.has(id)) maxDiffAeqd = Math.max(maxDiffAeqd, Math.abs(byId.get(id) - d));
      }
    });
    summary[name] = { cases: cases.length, compared, max_diff_m: maxDiff, max_diff_aeqd_m: maxDiffAeqd,
      ms_per_point: perPoint, statuses: cases.reduce((acc, c) => ({ ...acc, [c.status]: (acc[c.status] ?? 0) + 1 }), {}) };
    writeFileSync(join(dir, "summary.json"), JSON.stringify(summary, null, 2));
    assert.deepEqual(failures.slice(0, 20), []);
    assert.ok(maxDiff <= TOLERANCE_M, `largest distance difference ${maxDiff} m`);
    assert.ok(compared > 0);
  });
}
