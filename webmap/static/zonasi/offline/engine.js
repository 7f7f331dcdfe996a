// The provisional verdict computed in the browser, offline, by the method of the server's engine
// (geo/engine/engine.py) on a bundle saved from GET /api/offline/regency/{code}.json or
// /api/offline/bbox.json (geo/catalog/offline.py):
//
// 1. the point's regency: the lowest-indexed regency polygon holding it (a second one is
//    "also_in", whose stricter rules apply too); in none, the nearest regency outline within
//    border_snap_m metres (measured in the point's UTM zone, densified every 0.0005 degrees,
//    divided by the UTM point scale factor), marked snapped. A point whose regency is not one
//    the bundle was saved for (or outside the saved box) cannot be judged: outside_area with
//    saved_area false;
// 2. the exact distance to each site within reach (the regency's largest distance plus the GPS
//    accuracy): a geodesic (GeographicLib) to point sites; to lines and polygons, the planar
//    distance in the regency's UTM zone (proj4) divided by the UTM scale factor k at the point,
//    0 inside a polygon. A hit is a distance at most the regency's metres for the category;
//    equally close sites keep the layers' order;
// 3. never "ok" from absence: a required category whose data are not declared complete within
//    its distance (plus the accuracy) of the point makes the verdict "incomplete";
// 4. a date outside every campaign period of the regency: outside_period;
// 5. in a regency in allowed-zones mode (its designated zones in the bundle), a point outside
//    every zone (its distance to a zone's edge minus the zone's radius, in the regency's UTM
//    zone) is a violation by itself; inside one the forbidden sites still apply.
//
// Every verdict is provisional: the server re-judges a report when it arrives.
import { geodesic, proj4 } from "./deps.js";

const WGS84 = geodesic.Geodesic.WGS84;
const K0 = 0.9996;
const FALSE_EASTING = 500000;
const A = 6378137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const M_PER_DEG_LAT = 110574;
const M_PER_DEG_LON = 111320;
const SNAP_SEGMENT_DEG = 0.0005;
const CELL_DEG = 0.01;

/** Point scale factor k of transverse Mercator at a UTM easting and a latitude (geo/crs.py). */
export function utmScale(easting, lat) {
  const phi = (lat * Math.PI) / 180;
  const s2 = Math.sin(phi) ** 2;
  const n = A / Math.sqrt(1 - E2 * s2);
  const m = (A * (1 - E2)) / (1 - E2 * s2) ** 1.5;
  const x2 = ((easting - FALSE_EASTING) / K0) ** 2 / (m * n);
  return K0 * (1 + x2 / 2 + (x2 * x2) / 24);
}

/** EPSG code of the WGS 84 / UTM zone holding a lon/lat (326xx north, 327xx south). */
export function utmEpsg(lon, lat) {
  const zone = Math.min(Math.max(Math.floor((lon + 180) / 6) + 1, 1), 60);
  return (lat >= 0 ? 32600 : 32700) + zone;
}

/** Geodesic distance in metres between two lon/lat points (WGS 84). */
export function geodesicDistance(lon1, lat1, lon2, lat2) {
  return WGS84.Inverse(lat1, lon1, lat2, lon2, geodesic.Geodesic.DISTANCE).s12;
}

const converters = new Map();
/** lon/lat -> [x, y] in an EPSG:326xx/327xx UTM zone, or in a local azimuthal equidistant
 *  projection ("aeqd:lon,lat"). */
function projector(key) {
  let found = converters.get(key);
  if (!found) {
    let def;
    if (typeof key === "string" && key.startsWith("aeqd:")) {
      const [lon, lat] = key.slice(5).split(",");
      def = `+proj=aeqd +lat_0=${lat} +lon_0=${lon} +datum=WGS84 +units=m +no_defs`;
    } else {
      const zone = key % 100;
      def = `+proj=utm +zone=${zone}${key >= 32700 ? " +south" : ""} +datum=WGS84 +units=m +no_defs`;
    }
    const converter = proj4("EPSG:4326", def);
    found = (xy) => converter.forward([xy[0], xy[1]]);
    converters.set(key, found);
  }
  return found;
}

// -- geometry ----------------------------------------------------------------------------------

/** A GeoJSON geometry as {lines: [[xy...]...], polygons: [[ring...]...], bbox}. */
function parseGeometry(g) {
  const out = { lines: [], polygons: [], points: [], bbox: [Infinity, Infinity, -Infinity, -Infinity] };
  const add = (geom) => {
    if (!geom) return;
    switch (geom.type) {
      case "Point": out.points.push(geom.coordinates); break;
      case "MultiPoint": out.points.push(...geom.coordinates); break;
      case "LineString": out.lines.push(geom.coordinates); break;
      case "MultiLineString": out.lines.push(...geom.coordinates); break;
      case "Polygon": out.polygons.push(geom.coordinates); break;
      case "MultiPolygon": out.polygons.push(...geom.coordinates); break;
      case "GeometryCollection": geom.geometries.forEach(add); break;
      default: throw new Error(`offline engine: unknown geometry ${geom.type}`);
    }
  };
  add(g);
  const grow = ([x, y]) => {
    const b = out.bbox;
    if (x < b[0]) b[0] = x;
    if (y < b[1]) b[1] = y;
    if (x > b[2]) b[2] = x;
    if (y > b[3]) b[3] = y;
  };
  out.points.forEach(grow);
  out.lines.forEach((l) => l.forEach(grow));
  out.polygons.forEach((p) => p.forEach((r) => r.forEach(grow)));
  return out;
}

function projectGeometry(geom, project) {
  return {
    points: geom.points.map(project),
    lines: geom.lines.map((l) => l.map(project)),
    polygons: geom.polygons.map((p) => p.map((r) => r.map(project))),
  };
}

function ringContains(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function polygonContains(rings, x, y) {
  if (!rings.length || !ringContains(rings[0], x, y)) return false;
  for (let h = 1; h < rings.length; h++) if (ringContains(rings[h], x, y)) return false;
  return true;
}

function segmentDistance(x, y, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
}

function pathDistance(x, y, path) {
  let best = Infinity;
  if (path.length === 1) return Math.hypot(x - path[0][0], y - path[0][1]);
  for (let i = 1; i < path.length; i++) best = Math.min(best, segmentDistance(x, y, path[i - 1], path[i]));
  return best;
}

/** Planar distance from (x, y) to a projected geometry: 0 inside a polygon. */
function planarDistance(x, y, geom) {
  let best = Infinity;
  for (const rings of geom.polygons) {
    if (polygonContains(rings, x, y)) return 0;
    for (const ring of rings) best = Math.min(best, pathDistance(x, y, ring));
  }
  for (const line of geom.lines) best = Math.min(best, pathDistance(x, y, line));
  for (const [px, py] of geom.points) best = Math.min(best, Math.hypot(x - px, y - py));
  return best;
}

/** A lon/lat path split as shapely.segmentize splits it: each segment into ceil(length / max)
 *  equal parts (length in degrees). */
function densify(path, max) {
  const out = [path[0]];
  for (let i = 1; i < path.length; i++) {
    const [ax, ay] = path[i - 1];
    const [bx, by] = path[i];
    const parts = Math.ceil(Math.hypot(bx - ax, by - ay) / max);
    for (let p = 1; p < parts; p++) out.push([ax + ((bx - ax) * p) / parts, ay + ((by - ay) * p) / parts]);
    out.push(path[i]);
  }
  return out;
}

function degreeBox(lon, lat, metres) {
  const dLat = (metres * 1.01) / M_PER_DEG_LAT + 1e-9;
  const far = Math.min(Math.abs(lat) + dLat, 89.9);
  const dLon = (metres * 1.01) / (M_PER_DEG_LON * Math.cos((far * Math.PI) / 180)) + 1e-9;
  return [lon - dLon, lat - dLat, lon + dLon, lat + dLat];
}

const meets = (a, b) => a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];

// -- the prepared bundle -------------------------------------------------------------------------

const prepared = new WeakMap();

/** Index a bundle for judging (done once per bundle object, on its first judge()). */
export function prepare(bundle) {
  let ready = prepared.get(bundle);
  if (ready) return ready;
  if (bundle.format !== 1) throw new Error(`offline engine: unknown bundle format ${bundle.format}`);
  const regencies = bundle.regencies.map((r, index) => ({
    ...r, index, shape: parseGeometry(r.geometry),
    zones: r.allowed ? r.allowed.geometry.map((g) => ({ shape: parseGeometry(g), projected: null })) : null,
  }));
  const byCode = new Map(regencies.map((r) => [r.code, r]));
  const s = bundle.sites;
  const sites = s.site_id.map((id, i) => {
    const g = s.geometry[i];
    if (Array.isArray(g)) return { i, point: true, lon: g[0], lat: g[1], bbox: [g[0], g[1], g[0], g[1]] };
    const shape = parseGeometry(g);
    return { i, point: false, shape, bbox: shape.bbox, projected: new Map() };
  });
  const grid = new Map();
  for (const site of sites) {
    const [w, so, e, n] = site.bbox;
    for (let cx = Math.floor(w / CELL_DEG); cx <= Math.floor(e / CELL_DEG); cx++) {
      for (let cy = Math.floor(so / CELL_DEG); cy <= Math.floor(n / CELL_DEG); cy++) {
        const key = `${cx},${cy}`;
        if (!grid.has(key)) grid.set(key, []);
        grid.get(key).push(site.i);
      }
    }
  }
  const cuts = new Map();
  for (const cut of bundle.coverage.cuts) {
    const shape = cut.geometry ? parseGeometry(cut.geometry) : null;
    for (const j of cut.categories) cuts.set(`${j}|${cut.regency}|${cut.epsg}`, { shape, projected: null });
  }
  ready = { bundle, regencies, byCode, sites, grid, cuts, outlines: new Map() };
  prepared.set(bundle, ready);
  return ready;
}

function projectedShape(holder, key) {
  if (!holder.projected) holder.projected = new Map();
  let found = holder.projected.get(key);
  if (!found) {
    found = projectGeometry(holder.shape, projector(key));
    holder.projected.set(key, found);
  }
  return found;
}

// -- the steps -----------------------------------------------------------------------------------

/** The regency of a point: {regency, other, snapped} (indices into bundle.regencies, -1 none). */
function locate(ready, lon, lat) {
  const inside = [];
  for (const r of ready.regencies) {
    const b = r.shape.bbox;
    if (lon < b[0] || lon > b[2] || lat < b[1] || lat > b[3]) continue;
    if (r.shape.polygons.some((rings) => polygonContains(rings, lon, lat))) inside.push(r.index);
  }
  if (inside.length) return { regency: inside[0], other: inside.length > 1 ? inside[1] : -1, snapped: false };
  const snap = ready.bundle.border_snap_m;
  if (!(snap > 0)) return { regency: -1, other: -1, snapped: false };
  const epsg = utmEpsg(lon, lat);
  const project = projector(epsg);
  const [x, y] = project([lon, lat]);
  const k = utmScale(x, lat);
  const box = degreeBox(lon, lat, snap);
  let best = -1;
  let bestM = Infinity;
  for (const r of ready.regencies) {
    if (!meets(r.shape.bbox, box)) continue;
    for (const rings of r.shape.polygons) {
      for (const ring of rings) {
        for (let i = 1; i < ring.length; i++) {
          const a = ring[i - 1];
          const b = ring[i];
          if (!meets([Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])], box)) {
            continue;
          }
          const d = pathDistance(x, y, densify([a, b], SNAP_SEGMENT_DEG).map(project)) / k;
          if (d <= snap && (d < bestM || (d === bestM && r.index < best))) {
            best = r.index;
            bestM = d;
          }
        }
      }
    }
  }
  return { regency: best, other: -1, snapped: best >= 0 };
}

function siteDistance(ready, site, lon, lat, epsg, x, y, k, method) {
  if (site.point) return geodesicDistance(lon, lat, site.lon, site.lat);
  if (method === "aeqd") {
    const key = `aeqd:${lon},${lat}`;
    return planarDistance(0, 0, projectGeometry(site.shape, projector(key)));
  }
  return planarDistance(x, y, projectedShape(site, epsg)) / k;
}

function candidates(ready, lon, lat, reach) {
  const [w, s, e, n] = degreeBox(lon, lat, reach);
  const seen = new Set();
  for (let cx = Math.floor(w / CELL_DEG); cx <= Math.floor(e / CELL_DEG); cx++) {
    for (let cy = Math.floor(s / CELL_DEG); cy <= Math.floor(n / CELL_DEG); cy++) {
      for (const i of ready.grid.get(`${cx},${cy}`) ?? []) {
        if (!seen.has(i) && meets(ready.sites[i].bbox, [w, s, e, n])) seen.add(i);
      }
    }
  }
  return [...seen].sort((a, b) => a - b);
}

/** The nearest site of the whole bundle: sites in order of a lower bound of their distance. */
function nearestSite(ready, lon, lat, measure) {
  const cos = Math.cos((Math.min(Math.abs(lat) + 1, 89.9) * Math.PI) / 180);
  const bound = ready.sites.map((site) => {
    const [w, s, e, n] = site.bbox;
    const dx = Math.max(w - lon, 0, lon - e) * M_PER_DEG_LON * cos;
    const dy = Math.max(s - lat, 0, lat - n) * M_PER_DEG_LAT;
    return [Math.hypot(dx, dy) * 0.99, site.i];
  });
  bound.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let best = -1;
  let bestM = Infinity;
  for (const [low, i] of bound) {
    if (low > bestM) break;
    const d = measure(ready.sites[i]);
    if (d < bestM || (d === bestM && i < best)) {
      best = i;
      bestM = d;
    }
  }
  return [best, bestM];
}

/** Whether category j is declared complete within radius metres of the point (coverage.py). */
function complete(ready, j, radius, lon, lat, regency, epsg, x, y, k) {
  const bundle = ready.bundle;
  if (bundle.coverage.everywhere[j]) return true;
  if (!regency.declared[j]) return false; // inside a regency where nothing of it is declared
  const box = degreeBox(lon, lat, radius);
  for (const q of ready.regencies) {
    if (q.complete_whole[j]) continue;
    const cut = ready.cuts.get(`${j}|${q.code}|${epsg}`);
    const holder = cut ?? q;
    if (!holder.shape || !meets(holder.shape.bbox, box)) continue;
    if (planarDistance(x, y, projectedShape(holder, epsg)) <= radius * k) return false;
  }
  return true;
}

/** Distance from (x, y) to the boundary of a projected geometry (shapely.boundary: a polygon's
 *  rings, a line's end points; a point has none: 0). */
function boundaryDistance(x, y, geom) {
  let best = Infinity;
  for (const rings of geom.polygons) for (const ring of rings) best = Math.min(best, pathDistance(x, y, ring));
  for (const line of geom.lines) {
    for (const [px, py] of [line[0], line[line.length - 1]]) best = Math.min(best, Math.hypot(x - px, y - py));
  }
  return Number.isFinite(best) ? best : 0;
}

/** Allowed-zones mode (geo/engine/allowed.py, AllowedIndex.check): whether the point is outside
 *  every designated zone of its regency, the zone judged by (index) and how far the point is
 *  beyond that zone's edge in metres (negative inside). Among the zones within reach (the
 *  largest radius), the one whose edge is nearest; none within reach: the nearest zone. */
function allowedAt(regency, x, y, k) {
  const radius = regency.allowed.radius_m;
  const reach = Math.max(...radius) * k * (1 + 1e-9) + 1e-6;
  let best = Infinity;
  let chosen = -1;
  let nearest = -1;
  let nearestM = Infinity;
  regency.zones.forEach((zone, i) => {
    const geom = projectedShape(zone, regency.epsg);
    const d = planarDistance(x, y, geom);
    if (d < nearestM) { nearest = i; nearestM = d; }
    if (d > reach) return;
    const signed = d === 0 ? -boundaryDistance(x, y, geom) : d;  // inside: the distance to its edge
    const edge = signed / k - radius[i];
    if (edge <= best) { best = edge; chosen = i; }
  });
  if (chosen < 0 && nearest >= 0) {
    chosen = nearest;
    best = nearestM / k - radius[nearest];
  }
  return { outside: best > 0, zone: chosen, beyond: best };
}

/** The local date judged: "YYYY-MM-DD" as given, or an instant's date in the regency's zone. */
function localDate(at, offsetH) {
  if (at === undefined || at === null || at === "") return null;
  if (typeof at === "string" && /^\d{4}-\d{2}-\d{2}$/.test(at)) return at;
  if (typeof at === "string" && !/(Z|[+-]\d{2}:?\d{2})$/i.test(at)) return at.slice(0, 10); // naive: local
  const ms = at instanceof Date ? at.getTime() : Date.parse(at);
  if (!Number.isFinite(ms)) throw new Error(`offline engine: not a date: ${at}`);
  return new Date(ms + offsetH * 3600e3).toISOString().slice(0, 10);
}

const inPeriods = (periods, day) => periods.some((p) => day >= p.start && day <= p.end);

/**
 * The provisional verdict on one point, from a saved bundle.
 *
 * point: {lon, lat} (or [lon, lat]); options: {at: "YYYY-MM-DD" local date, or a Date / ISO
 * instant (judged on the regency's local date), or none for no date check; accuracy_m: GPS
 * accuracy in metres; method: "utm" (default, the engine's) or "aeqd" (lines and polygons in a
 * local azimuthal equidistant projection centred on the point)}.
 *
 * Returns {status, provisional: true, saved_area, reason, regency, also_in, hits, nearest,
 * nearest_exact, missing_categories, complete_categories, margin_m, uncertain, accuracy_m, at,
 * period, timezone, crs, layers_version, rules_version}: the fields of the server's verdict.
 */
export function judge(point, bundle, options = {}) {
  const ready = prepare(bundle);
  const lon = Number(Array.isArray(point) ? point[0] : point.lon);
  const lat = Number(Array.isArray(point) ? point[1] : point.lat);
  if (!Number.isFinite(lon) || Math.abs(lon) > 180 || !Number.isFinite(lat) || Math.abs(lat) > 90) {
    throw new RangeError(`offline engine: not a lon/lat: ${lon}, ${lat}`);
  }
  const accuracy = options.accuracy_m === undefined || options.accuracy_m === null ? null : Number(options.accuracy_m);
  if (accuracy !== null && !(accuracy >= 0)) throw new RangeError("offline engine: GPS accuracy must be 0 or more metres");
  const extra = accuracy ?? 0;
  const base = {
    provisional: true, lon, lat, hits: [], nearest: null, nearest_exact: true, missing_categories: [],
    complete_categories: [], margin_m: null, uncertain: false, accuracy_m: accuracy, at: null, period: null,
    regency: null, also_in: null, timezone: null, crs: null,
    layers_version: bundle.layers_version, rules_version: bundle.rules_version,
  };
  const where = locate(ready, lon, lat);
  const box = bundle.area.bbox;
  const regency = where.regency >= 0 ? ready.regencies[where.regency] : null;
  const inBox = !box || (lon >= box[0] && lon <= box[2] && lat >= box[1] && lat <= box[3]);
  if (!regency || !regency.judged || !inBox) {
    // in no regency (the engine says outside_area too), or in one this bundle was not saved for
    return { ...base, status: "outside_area", saved_area: !regency, reason: regency ? "not_saved" : "no_regency" };
  }
  const other = where.other >= 0 ? ready.regencies[where.other] : null;
  const verdictBase = {
    ...base, saved_area: true, reason: null,
    regency: { code: regency.code, name: regency.name, snapped: where.snapped },
    also_in: other ? { code: other.code, name: other.name } : null,
    crs: `EPSG:${regency.epsg}`, timezone: regency.timezone,
  };
  if (regency.allowed_zones && !regency.zones) {  // a bundle saved without its designated zones
    return { ...verdictBase, status: "outside_area", saved_area: false, reason: "allowed_zones" };
  }
  const categories = bundle.categories;
  const buffer = categories.map((_, j) => Math.max(regency.buffer_m[j], other ? other.buffer_m[j] : -Infinity));
  const epsg = regency.epsg;
  const [x, y] = projector(epsg)([lon, lat]);
  const k = utmScale(x, lat);
  const method = options.method ?? "utm";
  const measure = (site) => siteDistance(ready, site, lon, lat, epsg, x, y, k, method);
  const reach = Math.max(...buffer) + extra;

  // sites within reach, their distances; hits within the rule
  const pairs = [];
  for (const i of candidates(ready, lon, lat, reach)) {
    const d = measure(ready.sites[i]);
    if (d <= reach) pairs.push([d, i]);
  }
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const hit = (i, d, limit) => {
    const j = bundle.sites.category[i];
    const rule = bundle.category_rules[categories[j]];
    return {
      site_id: bundle.sites.site_id[i], name: bundle.sites.name[i], category: categories[j],
      category_label: rule.label, distance_m: Math.round(d * 100) / 100, distance_exact_m: d, buffer_m: limit,
      legal_basis: rule.legal_basis, kind: "forbidden_site",
    };
  };
  const hits = [];
  let margin = null;
  for (const [d, i] of pairs) {
    const limit = buffer[bundle.sites.category[i]];
    if (d <= limit) hits.push(hit(i, d, limit));
    margin = margin === null ? Math.abs(d - limit) : Math.min(margin, Math.abs(d - limit));
  }
  // allowed-zones mode: outside every designated zone is a violation by itself (first of the hits)
  if (regency.zones) {
    const zoned = allowedAt(regency, x, y, k);
    if (zoned.outside) {
      const a = regency.allowed;
      const r = a.radius_m[zoned.zone];
      const d = zoned.beyond + r;
      hits.unshift({
        site_id: a.zone_id[zoned.zone], name: a.name[zoned.zone], category: "allowed_zone", category_label: a.label,
        distance_m: Math.round(d * 100) / 100, distance_exact_m: d, buffer_m: r, legal_basis: a.legal_basis,
        kind: "outside_allowed_zone",
      });
    }
    if (Number.isFinite(zoned.beyond)) {
      margin = margin === null ? Math.abs(zoned.beyond) : Math.min(margin, Math.abs(zoned.beyond));
    }
  }
  let nearest = null;
  let nearestExact = true;
  if (pairs.length) {
    const [d, i] = pairs[0];
    nearest = hit(i, d, regency.buffer_m[bundle.sites.category[i]]);
  } else if (ready.sites.length) {
    const [i, d] = nearestSite(ready, lon, lat, measure);
    nearest = hit(i, d, regency.buffer_m[bundle.sites.category[i]]);
    nearestExact = d <= bundle.reach_m; // farther, a site outside the saved data could be nearer
  }

  // coverage: required categories declared complete within their distance (plus the accuracy)
  const missing = [];
  const completeCats = [];
  categories.forEach((c, j) => {
    const done = complete(ready, j, buffer[j] + extra, lon, lat, regency, epsg, x, y, k);
    if (done) completeCats.push(c);
    else if (regency.required[j] || (other && other.required[j])) missing.push(c);
  });
  let beyond = false;
  if (extra > bundle.max_accuracy_m) {  // the saved margins do not reach that far: never "ok"
    beyond = true;
    categories.forEach((c, j) => {
      if ((regency.required[j] || (other && other.required[j])) && !missing.includes(c)) missing.push(c);
    });
  }

  // the date: inside a campaign period of the regency (and of the overlapping one)
  const day = localDate(options.at, regency.utc_offset_h);
  let inPeriod = true;
  let period = null;
  if (day) {
    inPeriod = inPeriods(regency.periods, day) && (!other || inPeriods(other.periods, day));
    period = regency.periods.find((p) => day >= p.start && day <= p.end)?.key ?? null;
  }
  let status = hits.length ? "violation" : missing.length ? "incomplete" : "ok";
  if (!inPeriod) status = "outside_period";
  return {
    ...verdictBase, status, hits, nearest, nearest_exact: nearestExact,
    missing_categories: missing, complete_categories: completeCats,
    margin_m: margin === null ? null : Math.round(margin * 100) / 100,
    uncertain: accuracy !== null && margin !== null && accuracy > margin,
    at: day, period, reason: beyond ? "accuracy_beyond_saved_margin" : null,
  };
}

/** Verdicts for many points ({lon, lat, at?, accuracy_m?} each; options as judge()). */
export function judgeMany(points, bundle, options = {}) {
  return points.map((p) => judge(p, bundle, { ...options, ...(p.at !== undefined ? { at: p.at } : {}),
    ...(p.accuracy_m !== undefined ? { accuracy_m: p.accuracy_m } : {}) }));
}

/** What a saved bundle holds, for the status line: area, versions, counts. */
export function describeBundle(bundle) {
  return {
    area: bundle.area, layers_version: bundle.layers_version, rules_version: bundle.rules_version,
    regencies: bundle.regencies.filter((r) => r.judged).map((r) => ({ code: r.code, name: r.name })),
    sites: bundle.sites.site_id.length,
  };
}
