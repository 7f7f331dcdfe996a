/* The map page: data layers from vector tiles, the point check on every tap, search, GPS, reports.
 *
 * Folium made the map and the empty layer groups (page-level variables named in
 * config.names); this script puts a vector tile layer (OGC API - Tiles) in each of them. */
(function () {
  "use strict";
  const {config, t, el, api, auth, formatMetres, withParams} = window.zonasi;
  const names = config.names;
  const map = window[names.map];
  const groups = {};
  for (const key of ["regencies", "sites", "roads", "zones", "violations", "coverage"]) groups[key] = window[names[key]];
  const POOR_ACCURACY_M = 50;
  const STATUS_COLOURS = {reported: "#d63384", verified: "#dc3545", notified: "#fd7e14",
                          dismissed: "#6c757d", removed: "#198754"};
  // incomplete: amber, never green; a verdict the GPS accuracy could overturn ("Belum pasti") likewise
  const VERDICT_CLASS = {ok: "success", violation: "danger", outside_area: "secondary",
                         outside_period: "danger", incomplete: "warning-emphasis"};   // yellow text: unreadable
  const messageBox = document.getElementById("zonasi-message");
  // Reports above boundaries, zones and site pins (a prop 10 m from a school is not hidden by its pin).
  const REPORTS_PANE = "zonasiReports";
  map.createPane(REPORTS_PANE).style.zIndex = 620;

  // -- coverage (#15): shading by the share of the required categories declared complete -------
  // Below the boundaries and the sites (overlayPane is 400): a shade, never a cover.
  const COVERAGE_PANE = "zonasiCoverage";
  map.createPane(COVERAGE_PANE).style.zIndex = 350;
  const COVERAGE_LEVELS = ["complete", "partial", "none"];
  const COVERAGE_COLOURS = {complete: "#1a9850", partial: "#f39c12", none: "#7f8c8d"};
  const COVERAGE_AREA = "#0b6b2f";
  function coverageStyle(feature) {
    const props = feature.properties || {};
    if (props.kind === "area") {
      return {pane: COVERAGE_PANE, className: "zonasi-coverage-area", color: COVERAGE_AREA, weight: 2,
              dashArray: "6 4", fillColor: COVERAGE_COLOURS.complete, fillOpacity: 0.35};
    }
    const level = COVERAGE_COLOURS[props.level] ? props.level : "none";
    return {pane: COVERAGE_PANE, className: "zonasi-coverage-" + level, color: "#ffffff", weight: 0.7,
            fillColor: COVERAGE_COLOURS[level], fillOpacity: level === "complete" ? 0.45 : 0.3};
  }
  // -- end of coverage ---------------------------------------------------------------------------

  /** A catalog text for prefix+key, or the key itself when the catalog has none. */
  function label(prefix, key) {
    const text = t(prefix + key);
    return text === prefix + key ? String(key) : text;
  }

  function say(text, kind) {
    delete messageBox.dataset.hint;
    if (!text) { messageBox.hidden = true; messageBox.textContent = ""; return; }
    messageBox.hidden = false;
    messageBox.className = "zonasi-message small alert alert-" + (kind || "info");
    messageBox.textContent = text;
  }

  // -- the point check: every tap on the map, markers included --------------------------------
  let checkSeq = 0;
  // The verdict card (#18): one for every check (a new tap replaces it, never two verdicts at once),
  // outside Leaflet's panes so no map control covers it: a bottom sheet on a phone, a panel beside
  // the zoom buttons on a desktop (zonasi.css). Its body is an aria-live region: a screen reader
  // says the verdict when it arrives. The checked spot keeps a ring on the map, and the map moves
  // when the card would cover it.
  const card = document.getElementById("zonasi-verdict-card");
  const cardBody = document.getElementById("zonasi-verdict-live");
  const spotRing = L.circleMarker([0, 0], {radius: 9, color: "#212529", weight: 3, fillColor: "#ffc107",
                                            fillOpacity: 0.9, interactive: false, className: "zonasi-check-spot"});
  let lastVerdict = null;
  let lastChecked = null;   // the last spot checked, however it was chosen (public.js reports there)
  let cardSpot = null;

  function cardOpen() { return !card.hidden; }

  /** The card is placed over the map (the map's box moves as the message lines show and hide). */
  function placeCard() {
    const box = map.getContainer().getBoundingClientRect();
    card.style.setProperty("--zonasi-map-top", box.top + "px");
    card.style.setProperty("--zonasi-map-left", box.left + "px");
    card.style.setProperty("--zonasi-map-height", box.height + "px");
  }

  function openCard(latlng, content, busy) {
    cardSpot = latlng;
    const opening = card.hidden;
    placeCard();
    card.hidden = false;
    cardBody.setAttribute("aria-busy", busy ? "true" : "false");
    cardBody.replaceChildren(content);
    spotRing.setLatLng(latlng);
    if (!map.hasLayer(spotRing)) spotRing.addTo(map);
    if (opening || !busy) keepSpotInView();
  }

  function closeCard() {
    checkSeq += 1;  // an answer still on its way is not shown
    card.hidden = true;
    cardBody.replaceChildren();
    cardSpot = null;
    spotRing.remove();
  }

  /** Moves the map when the card covers the checked spot: the spot to the middle of what is left. */
  function keepSpotInView() {
    if (!cardSpot || card.hidden) return;
    const box = map.getContainer().getBoundingClientRect();
    const cover = card.getBoundingClientRect();
    const spot = map.latLngToContainerPoint(cardSpot).add([box.left, box.top]);
    const margin = 24;
    const covered = spot.x > cover.left - margin && spot.x < cover.right + margin
      && spot.y > cover.top - margin && spot.y < cover.bottom + margin;
    if (!covered) return;
    if (cover.width >= box.width * 0.8) {  // a bottom sheet: the spot to the middle of the map above it
      const free = Math.max(cover.top - box.top, 60);
      map.panBy([0, Math.round(spot.y - box.top - free / 2)], {animate: false});
    } else {  // a side panel: the spot to the middle of the map beside it
      const left = cover.right - box.left;
      map.panBy([Math.round(spot.x - box.left - (left + (box.width - left) / 2)), 0], {animate: false});
    }
  }

  card.querySelector(".zonasi-card-close").addEventListener("click", () => {
    closeCard();
    map.getContainer().focus({preventScroll: true});
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && cardOpen() && !document.querySelector("dialog[open]")) closeCard();
  });
  // automation and bench/map_page.py closed the old popup with map.closePopup(): it closes the card too
  const closePopup = map.closePopup.bind(map);
  map.closePopup = function (popup) {
    if (popup === undefined) { closeCard(); return closePopup(); }
    return closePopup(popup);
  };

  /** "Laporkan APK di sini" is offered where a prop could break a rule: not outside the regencies
   * the service covers (nobody there to act on it). */
  function reportable(verdict) {
    // offline outside the saved area (#17) nothing is known: the report is still offered (queued, judged on arrival)
    return !verdict || verdict.status !== "outside_area" || (verdict.provisional === true && !verdict.saved_area);
  }

  function reportButton(point, extra, primary) {
    return el("button", {type: "button",
                         class: "btn " + (primary ? "btn-danger" : "btn-outline-danger") + " zonasi-report-here",
                         onclick: () => window.zonasi.mapPage.openReport(point, extra)},
      el("i", {class: "fa fa-bullhorn", "aria-hidden": "true"}), " ", t("map.report.here"));
  }

  function verdictNode(v, extra) {
    const lines = (v.message || []).slice();
    const head = lines.shift() || v.status;
    const uncertain = v.uncertain && (v.status === "ok" || v.status === "violation");
    const tone = uncertain ? "warning-emphasis" : (VERDICT_CLASS[v.status] || "body");
    const box = el("div", {class: "zonasi-verdict" + (v.provisional ? " zonasi-verdict-provisional" : ""),
                           "data-status": v.status, "data-at": v.at || "",
                           "data-uncertain": uncertain ? "true" : "false",
                           "data-provisional": v.provisional ? "true" : null,
                           "data-saved-area": v.provisional ? String(!!v.saved_area) : null,
                           "data-distance": v.provisional && v.hits && v.hits.length ? String(v.hits[0].distance_exact_m) : null},
      el("h2", {class: "zonasi-verdict-head text-" + tone}, head));
    // the action right under the headline (one tap, no scrolling), where a report makes sense
    if (reportable(v)) box.append(reportButton(v, extra, v.status !== "ok" || uncertain));
    const list = el("ul", {class: "zonasi-verdict-lines"});
    for (const line of lines) list.append(el("li", {}, line));
    if (extra && extra.accuracy !== undefined && extra.accuracy !== null) {
      list.append(el("li", {class: "zonasi-accuracy"}, t("map.locate.accuracy", {accuracy: formatMetres(extra.accuracy)})));
      if (extra.accuracy > POOR_ACCURACY_M || v.uncertain) {
        list.append(el("li", {class: "zonasi-accuracy-poor text-warning-emphasis fw-semibold"},
          t("map.locate.poor", {accuracy: formatMetres(extra.accuracy)})));
      }
    }
    box.append(list);
    if (extra && extra.report) box.append(reportNode(extra.report));
    box.append(el("div", {class: "zonasi-verdict-point small"},
      t("map.check.point", {lat: v.lat.toFixed(6), lon: v.lon.toFixed(6)})));
    return box;
  }

  function reportNode(props) {
    const rows = [
      [t("map.report.status"), label("ui.report_status.", props.status)],
      [t("map.report.type"), label("ui.apk_type.", props.apk_type)],
      [t("ui.col.participant"), props.participant],
      [t("map.report.note"), props.note],
    ];
    const box = el("dl", {class: "zonasi-report-info small"});
    for (const [label, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      box.append(el("dt", {}, label), el("dd", {}, String(value)));
    }
    return box;
  }

  // zonasi/offline.js (a module, run after this script) resolves this with its face
  let offlineLoaded;
  const offlineFace = new Promise((resolve) => { offlineLoaded = resolve; });
  /** The provisional verdict of the saved area, or null when nothing is saved. */
  async function offlineVerdict(latlng, extra) {
    const offline = await offlineFace;
    await offline.ready;
    return offline.judgeHere(latlng, extra);
  }

  async function checkAt(latlng, extra) {
    const seq = ++checkSeq;
    lastChecked = L.latLng(latlng.lat, latlng.lng);  // a tap, a search, a link, the GPS: the spot in question
    if (messageBox.dataset.hint) say("");
    openCard(latlng, el("div", {class: "zonasi-verdict-loading"}, t("map.check.checking")), true);
    const params = {lat: latlng.lat.toFixed(7), lon: latlng.lng.toFixed(7), lang: config.lang};
    if (extra && extra.accuracy !== undefined && extra.accuracy !== null) params.accuracy = Math.round(extra.accuracy);
    const day = checkDate();  // one clock (#15): the chosen date, else the server's now
    if (day) params.at = day;
    try {
      // offline (#17): the provisional verdict from the saved area (zonasi/offline.js), if any
      const verdict = navigator.onLine === false ? await offlineVerdict(latlng, extra)
        : await api(withParams(config.urls.check, params)).catch(async (error) => {
          if (error.status) throw error;  // the server answered: its refusal stands
          return (await offlineVerdict(latlng, extra)) || Promise.reject(error);
        });
      if (!verdict) throw new Error(t("map.offline.unavailable"));
      if (seq !== checkSeq) return verdict;
      lastVerdict = verdict;
      openCard(latlng, verdictNode(verdict, extra), false);
      return verdict;
    } catch (error) {
      if (seq === checkSeq) {
        // no answer (no signal): the report can still be made here and waits in the device's queue
        const point = {lat: latlng.lat, lon: latlng.lng};
        openCard(latlng, el("div", {class: "zonasi-verdict", "data-status": "unavailable"},
          el("h2", {class: "zonasi-verdict-head text-danger"},
            error.status ? t("ui.error", {detail: error.message}) : t("map.offline.unavailable")),
          reportButton(point, extra, true)), false);
      }
      return null;
    }
  }

  map.on("click", (event) => checkAt(event.latlng));
  // The map's box changes without a window resize (the message line above it shows and hides):
  // Leaflet is told (else its centre is off and the bottom controls are cut), and the map is moved
  // by as much as its top edge moved, so what is drawn stays where it was on the screen (a point
  // about to be tapped does not jump).
  if (window.ResizeObserver) {
    const box = map.getContainer();
    let top = box.getBoundingClientRect().top;
    new ResizeObserver(() => {
      const now = box.getBoundingClientRect().top;
      map.invalidateSize({pan: false});
      placeCard();
      if (now !== top) map.panBy([0, now - top], {animate: false});
      top = now;
    }).observe(box);
  }

  // -- the date checked on (#15): a local date (WIB/WITA/WIT of the spot); default today --------
  const dateInput = document.getElementById("zonasi-check-date");
  function checkDate() {
    if (!dateInput || !dateInput.value) return null;
    return /^\d{4}-\d{2}-\d{2}$/.test(dateInput.value) ? dateInput.value : null;
  }
  if (dateInput) {
    const recheck = () => {  // the open verdict again, on the new date
      if (lastVerdict && cardOpen()) checkAt(L.latLng(lastVerdict.lat, lastVerdict.lon));
    };
    dateInput.addEventListener("change", () => {
      if (!dateInput.value) dateInput.value = dateInput.dataset.today || "";
      recheck();
    });
    document.getElementById("zonasi-date-today").addEventListener("click", () => {
      dateInput.value = dateInput.dataset.today || "";
      recheck();
    });
  }
  // -- end of the date control ----------------------------------------------------------------

  // -- data layers: vector tiles (OGC API - Tiles, Mapbox Vector Tiles) --------------------------
  // One Leaflet.VectorGrid layer per overlay group (the layer control switches the group). Sites are
  // counts per area (layer sites_density) at low zooms and, from config.zoom.sites, the sites as they
  // are: points (sites), lines (site_lines) and areas (site_areas), in their category's colour.
  // The roads (the sites collection's road lines, layer roads) are their own group: "Jalan protokol"
  // switches them, and is listed only when the layers hold road sites (see roadsSwitch).
  function siteColour(category) {
    const style = config.categories[category];
    return cssColour(style ? style.color : "cadetblue");
  }

  function siteLabel(props) {
    const category = config.categories[props.category];
    return el("div", {class: "zonasi-site-label"},
      el("strong", {}, props.name || t("verdict.unnamed")), el("br"),
      category ? category.label : String(props.category || ""));
  }

  // Site counts per grid cell (8 px at every zoom): small dots that never overlap their neighbours
  // (at most 4 px radius), darker and fuller with more sites, so a dense island reads as a darker
  // patch, not a pile of discs.
  const DENSITY_RAMP = [[1000, "#67001f"], [100, "#b2182b"], [10, "#d6604d"], [0, "#f4a582"]];
  function densityStyle(props) {
    const count = Math.max(1, Number(props.count) || 1);
    const steps = Math.log10(count);
    return {radius: Math.min(4, 2 + 0.6 * steps), fill: true, stroke: false, weight: 0,
            fillColor: DENSITY_RAMP.find(([floor]) => count >= floor)[1],
            fillOpacity: Math.min(0.9, 0.55 + 0.12 * steps)};
  }

  const ROAD_STYLE = {color: "#6c757d", weight: 4, opacity: 0.7};
  const SITE_LAYERS = ["sites", "site_lines", "site_areas"];   // the sites group's layers of the sites tiles

  const layerSpecs = {
    regencies: {
      minZoom: config.zoom.regencies,
      // thin and solid over the whole country (dashes of 500 regencies read as noise), dashed up close
      styles: {regencies: (props, zoom) => ({color: "#5a5a8a", weight: zoom < 8 ? 0.8 : 1.5, fill: true,
                                             fillOpacity: 0.02, dashArray: zoom < 8 ? null : "4 3"})},
    },
    sites: {
      minZoom: 0, interactive: true, zIndex: 3,  // above boundaries and zones; hover: a tooltip, tap: a check
      styles: {
        sites_density: densityStyle,
        sites: (props) => ({radius: 6, fill: true, fillColor: siteColour(props.category), fillOpacity: 0.9,
                            color: "#ffffff", weight: 1.5}),
        site_lines: (props) => ({color: siteColour(props.category), weight: 3, opacity: 0.85}),
        site_areas: (props) => ({color: siteColour(props.category), weight: 1.5, fill: true,
                                 fillColor: siteColour(props.category), fillOpacity: 0.3}),
        roads: [],   // the roads group's
      },
      count: (summary) => SITE_LAYERS.reduce((n, name) => n + (summary.layers[name] || 0), 0),
    },
    roads: {
      collection: "sites", minZoom: config.zoom.sites, zIndex: 2, className: "zonasi-roads",
      styles: {sites_density: [], sites: [], site_lines: [], site_areas: [], roads: ROAD_STYLE},
      count: (summary) => summary.roads,
    },
    zones: {
      minZoom: config.zoom.zones,
      styles: {zones: (props) => ({color: siteColour(props.category), weight: 1, fill: true, fillOpacity: 0.15})},
    },
    // coverage (#15): every regency and the declared areas, simplified for the zoom
    coverage: {
      minZoom: 0, pane: COVERAGE_PANE,
      styles: {coverage: (props) => Object.assign(coverageStyle({properties: props}), {fill: true})},
    },
    violations: {
      minZoom: 0, needsToken: true, permission: "violations:read", interactive: true, pane: REPORTS_PANE,
      styles: {violations: (props) => ({radius: 7, weight: 2, color: "#fff", fill: true, fillOpacity: 0.9,
                                        fillColor: STATUS_COLOURS[props.status] || "#d63384"})},
    },
  };

  function cssColour(name) {
    return {blue: "#2a81cb", green: "#2aad27", red: "#cb2b3e", darkpurple: "#5b396b", gray: "#7b7b7b",
            orange: "#cb8427", darkgreen: "#006400", cadetblue: "#436978"}[name] || name;
  }

  // What each loaded tile holds (per layer: features, categories), to count what is in view.
  const ZonasiTiles = L.VectorGrid.Protobuf.extend({
    _getVectorTilePromise(coords, tileBounds) {
      return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords, tileBounds).then((json) => {
        const summary = {z: coords.z, x: coords.x, y: coords.y, layers: {}, categories: new Set(), density: 0,
                         roads: 0};
        for (const [name, layer] of Object.entries(json.layers || {})) {
          const features = layer.features || [];
          summary.layers[name] = features.length;
          for (const feature of features) {
            feature.zonasiTile = coords;  // for _createLayer: where the tile lies
            const props = feature.properties || {};
            if (props.category) summary.categories.add(props.category);
            if (name === "sites_density") summary.density += Number(props.count) || 0;
            if (name === "roads") summary.roads += 1;
          }
        }
        this._zonasiTiles[this._tileCoordsToKey(coords)] = summary;
        return json;
      }, (error) => {
        // no answer (offline, #17): an empty tile and the layer's error, not an unhandled rejection;
        // the tiles are fetched again when the connection returns
        this.fire("tileerror", {coords, error});
        return {layers: {}};
      });
    },
    // A point feature gets its own latlng: Leaflet reads it for the events of small circle markers
    // (VectorGrid's points are those), and without it every hover or tap on a point threw.
    _createLayer(feature, pxPerExtent, style) {
      const layer = L.VectorGrid.Protobuf.prototype._createLayer.call(this, feature, pxPerExtent, style);
      const coords = feature.zonasiTile;
      if (feature.type === 1 && coords && layer._point) {
        const size = this.getTileSize();  // the tile's pixels at its own zoom (over-zoom scales the level)
        layer._latlng = L.CRS.EPSG3857.pointToLatLng(
          L.point(coords.x * size.x, coords.y * size.y).add(layer._point), coords.z);
      }
      return layer;
    },
  });

  const state = {};
  const tileLayers = {};

  function tileOptions(key) {
    const spec = layerSpecs[key];
    const options = {vectorTileLayerStyles: spec.styles, interactive: !!spec.interactive, minZoom: spec.minZoom,
                     maxNativeZoom: 18, maxZoom: 22, rendererFactory: L.svg.tile, keepBuffer: 1,
                     fetchOptions: {credentials: "same-origin"}};
    if (spec.interactive) options.className = "zonasi-tiles-interactive";  // zonasi.css: taps reach its paths
    if (spec.className) options.className = spec.className;
    if (spec.zIndex) options.zIndex = spec.zIndex;
    if (spec.pane) options.pane = spec.pane;
    if (spec.needsToken) options.fetchOptions.headers = {Authorization: "Bearer " + auth.token};
    return options;
  }

  function makeTileLayer(key) {
    const layer = new ZonasiTiles(config.urls.tiles.replace("{collection}", layerSpecs[key].collection || key),
                                  tileOptions(key));
    layer._zonasiTiles = {};
    layer.zonasiToken = auth.token;  // the token its tiles were fetched with
    layer.on("tileunload", (event) => { delete layer._zonasiTiles[layer._tileCoordsToKey(event.coords)]; });
    layer.on("load", () => { tally(key); updateLegend(); });
    layer.on("tileerror", () => { state[key] = {error: t("map.layer." + key)}; updateLegend(); });
    if (key === "sites") {
      // the name (text nodes only: el() never parses markup) over the point, on hover and on a tap
      const tip = L.tooltip({direction: "top", offset: [0, -6]});
      const showName = (event) => {
        const props = (event.layer && event.layer.properties) || {};
        if (props.count !== undefined) return;  // a density cell: no name to show
        tip.setLatLng(eventLatLng(event)).setContent(siteLabel(props));
        map.openTooltip(tip);
      };
      layer.on("mouseover", showName);
      layer.on("mouseout", () => map.closeTooltip(tip));
      // a tap on a point is a check of the spot, as anywhere on the map (once: the map's click is stopped)
      layer.on("click", (event) => { L.DomEvent.stopPropagation(event); showName(event); checkAt(eventLatLng(event)); });
    }
    if (key === "violations") {
      // the report's info with the check of its place; stopped here, or the map's own click (a
      // check without the report) would follow and replace it
      // The check is of the report's stored place (GET /api/reports/<id>), not of the tile's point
      // (rounded to the tile's grid: 0.6 m at zoom 15), so the map says the same distance as the lists
      layer.on("click", (event) => {
        L.DomEvent.stopPropagation(event);
        const props = (event.layer && event.layer.properties) || {};
        const near = eventLatLng(event);
        const exact = props.id ? api(config.urls.reports + "/" + encodeURIComponent(props.id))
          .then((report) => (Number.isFinite(report.lat) && Number.isFinite(report.lon)
                             ? L.latLng(report.lat, report.lon) : near), () => near) : Promise.resolve(near);
        const seq = checkSeq;
        exact.then((latlng) => { if (seq === checkSeq) checkAt(latlng, {report: props}); });  // no newer tap
      });
    }
    return layer;
  }

  /** Where a pointer event on a tile feature happened: the point's place (see _createLayer), else
   * where the pointer is. */
  function eventLatLng(event) {
    return event.latlng || (event.layer && event.layer._latlng) || map.mouseEventToLatLng(event.originalEvent);
  }

  /** The features of the tiles in view (current zoom, inside the map's bounds) of one layer. */
  function tally(key) {
    const layer = tileLayers[key];
    if (!layer || !map.hasLayer(layer)) return;
    // past the tiles' deepest zoom (maxNativeZoom) that zoom's tiles are drawn larger: the view's
    // pixels are counted at the tiles' zoom
    const zoom = Math.min(Math.round(map.getZoom()), layer.options.maxNativeZoom);
    const size = layer.getTileSize();
    const pixels = map.getPixelBounds(map.getCenter(), zoom);
    const lo = pixels.min.unscaleBy(size).floor();
    const hi = pixels.max.unscaleBy(size).floor();
    const counted = {shown: 0, density: 0, tiles: 0, categories: new Set()};
    const count = layerSpecs[key].count;
    for (const summary of Object.values(layer._zonasiTiles)) {
      if (summary.z !== zoom || summary.x < lo.x || summary.x > hi.x || summary.y < lo.y || summary.y > hi.y) continue;
      counted.tiles += 1;
      if (count) counted.shown += count(summary);
      else for (const [name, n] of Object.entries(summary.layers)) if (name !== "sites_density") counted.shown += n;
      counted.density += summary.density;
      summary.categories.forEach((c) => counted.categories.add(c));
    }
    state[key] = {shown: counted.shown, matched: counted.shown, tiles: counted.tiles};
    if (key === "sites") Object.assign(state.sites, {categories: counted.categories, density: counted.density});
  }

  /** Whether the signed-in user may read a layer that needs a token: its permission (a field
   *  officer's token may not read the violations: no tile is asked for, none refused). */
  function mayRead(spec) {
    if (!spec.needsToken) return true;
    return !!(auth.token && auth.user && (!spec.permission || auth.can(spec.permission)));
  }

  /** A stored token not yet checked (GET /api/whoami): the layer waits for the answer ("zonasi:user"). */
  function checking(spec) {
    return !!(spec.needsToken && auth.token && !auth.checked);
  }

  /** (Re)draw the tiles of one layer: its group on, the zoom reached and, for violations, a token
   *  that may read them. */
  function loadLayer(key) {
    const spec = layerSpecs[key];
    const group = groups[key];
    const zoom = map.getZoom();
    const existing = tileLayers[key];
    if (!map.hasLayer(group) || zoom < spec.minZoom || !mayRead(spec)) {
      state[key] = map.hasLayer(group) && !mayRead(spec) && !checking(spec) ? {locked: true}
        : {hidden: zoom < spec.minZoom};
      if (key === "sites" && map.hasLayer(group)) state.sites = {hidden: false, shown: 0, density: 0};
      if (existing && spec.needsToken) { group.removeLayer(existing); delete tileLayers[key]; }
      updateLegend();
      return;
    }
    if (existing) {
      if (spec.needsToken) {  // a new token or new reports: fetch the tiles again
        existing.options.fetchOptions = tileOptions(key).fetchOptions;
        existing.zonasiToken = auth.token;
        existing._zonasiTiles = {};
        existing.redraw();
      } else {
        tally(key);
      }
    } else {
      tileLayers[key] = makeTileLayer(key);
      group.addLayer(tileLayers[key]);
    }
    updateLegend();
  }

  let refreshTimer = null;
  function refresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => Object.keys(layerSpecs).forEach((key) => {
      if (key === "violations" && tileLayers.violations && map.hasLayer(groups.violations)) { tally(key); updateLegend(); return; }
      loadLayer(key);
    }), 200);
  }
  map.on("moveend", refresh);
  window.addEventListener("online", () => Object.values(tileLayers).forEach((layer) => layer.redraw()));
  map.on("overlayadd overlayremove", refresh);
  // the signed-in user checked or changed: the violations again only if the token is another one
  // (the same token's tiles are drawn already; fetching them again would swap the points under a tap)
  document.addEventListener("zonasi:user", () => {
    const drawn = tileLayers.violations;
    if (!drawn || drawn.zonasiToken !== auth.token || !mayRead(layerSpecs.violations)) loadLayer("violations");
  });

  // -- legend -------------------------------------------------------------------------------
  const legend = L.control({position: "bottomright"});
  let legendBody = null;
  legend.onAdd = function () {
    const details = el("details", {class: "zonasi-legend leaflet-bar", open: window.innerWidth >= 600});
    details.append(el("summary", {}, t("map.legend.title")));
    legendBody = el("div", {class: "zonasi-legend-body"});
    details.append(legendBody);
    L.DomEvent.disableClickPropagation(details);
    L.DomEvent.disableScrollPropagation(details);
    return details;
  };
  legend.addTo(map);

  function updateLegend() {
    if (!legendBody) return;
    legendBody.replaceChildren();
    const notes = [];
    // the roads switched on but too far out to draw: said with the density's note (same zoom), else alone
    const roadsHidden = map.hasLayer(groups.roads) && state.roads && state.roads.hidden;
    const density = state.sites && state.sites.density > 0;
    if (density) notes.push(t(roadsHidden ? "map.legend.density_roads" : "map.legend.density", {zoom: config.zoom.sites}));
    if (state.regencies && state.regencies.hidden) {
      notes.push(t("map.legend.regencies_hint", {zoom: config.zoom.regencies}));
    }
    if (state.zones && state.zones.hidden) notes.push(t("map.legend.zones_hint", {zoom: config.zoom.zones}));
    // the roads switched on but none drawn: say why (too far out, or none in this area)
    if (roadsHidden && !density) notes.push(t("map.legend.roads_hint", {zoom: config.zoom.sites}));
    if (map.hasLayer(groups.roads) && state.roads && !state.roads.hidden && state.roads.shown === 0
        && state.roads.tiles) notes.push(t("map.legend.no_roads"));
    if (state.violations && state.violations.locked) notes.push(t("map.legend.violations_locked"));
    for (const key of Object.keys(layerSpecs)) {
      if (state[key] && state[key].error) notes.push(t("map.layer.failed", {layer: t("map.layer." + key), detail: state[key].error}));
    }
    for (const note of notes.reverse()) legendBody.prepend(el("div", {class: "zonasi-legend-note"}, note));
    // the categories of the sites drawn in view (none while the sites are hidden or off)
    const inView = state.sites && state.sites.categories ? state.sites.categories : new Set();
    // (the road lines are the roads layer's: their category only while it is on)
    const shownCategories = Object.entries(config.categories)
      .filter(([key]) => inView.has(key) && (key !== "road" || map.hasLayer(groups.roads)));
    if (shownCategories.length) {
      legendBody.append(el("div", {class: "zonasi-legend-section"}, t("map.layer.sites")));
    } else if (state.sites && state.sites.shown === 0 && !state.sites.density && state.sites.tiles) {
      legendBody.append(el("div", {class: "zonasi-legend-note"}, t("map.legend.no_sites")));
    }
    for (const [key, style] of shownCategories) {
      legendBody.append(el("div", {class: "zonasi-legend-row", "data-category": key},
        el("span", {class: "zonasi-legend-icon", style: "background:" + cssColour(style.color)},
          el("i", {class: "fa fa-" + style.icon, "aria-hidden": "true"})), style.label));
    }
    coverageLegend();
    if (state.violations && state.violations.locked) return;   // no report is drawn: no key to them
    legendBody.append(el("div", {class: "zonasi-legend-section"}, t("map.layer.violations")));
    for (const [status, colour] of Object.entries(STATUS_COLOURS)) {
      legendBody.append(el("div", {class: "zonasi-legend-row"},
        el("span", {class: "zonasi-legend-dot", style: "background:" + colour}),
        label("ui.report_status.", status)));
    }
  }

  // -- coverage (#15): its legend section, with a switch (the layer starts off) ----------------
  function coverageLegend() {
    const on = map.hasLayer(groups.coverage);
    const section = el("div", {class: "zonasi-legend-coverage", "data-on": on ? "1" : "0"},
      el("div", {class: "zonasi-legend-section"}, t("map.layer.coverage")));
    const toggle = el("button", {type: "button", class: "btn btn-link btn-sm p-0 zonasi-coverage-toggle",
                                 "aria-pressed": on ? "true" : "false",
                                 onclick: () => (on ? map.removeLayer(groups.coverage) : map.addLayer(groups.coverage))},
      on ? t("map.coverage.hide") : t("map.coverage.show"));
    if (on) {
      for (const level of COVERAGE_LEVELS) {
        section.append(el("div", {class: "zonasi-legend-row", "data-coverage": level},
          el("span", {class: "zonasi-legend-swatch", style: "background:" + COVERAGE_COLOURS[level]}),
          t("coverage.level." + level)));
      }
      section.append(el("div", {class: "zonasi-legend-row", "data-coverage": "area"},
        el("span", {class: "zonasi-legend-swatch zonasi-legend-swatch-area",
                    style: "border-color:" + COVERAGE_AREA + ";background:" + COVERAGE_COLOURS.complete}),
        t("map.coverage.area")));
      section.append(el("div", {class: "zonasi-legend-note"}, t("map.coverage.explain")));
    }
    section.append(toggle);
    legendBody.append(section);
  }
  // -- end of coverage ---------------------------------------------------------------------------

  // -- "Jalan protokol": a switch only when the layers hold road sites ---------------------------
  // The layer control (map.html keeps Folium's as window.zonasiLayerControl) lists the roads only
  // when the public site counts (GET /api/stats, no token) name some; without an answer (offline)
  // it stays out: the saved basemap draws the saved roads (offline/basemap.js).
  const layerControl = window.zonasiLayerControl;
  const AFTER_ROADS = ["zones", "violations"];  // the switches below the roads' (the control lists in order)
  /** The roads' switch listed (and the roads on) or not; ``known``: the answer came (tests wait for it). */
  function roadsSwitch(show, known = true) {
    if (!layerControl) return;
    layerControl.removeLayer(groups.roads);
    if (show) {
      AFTER_ROADS.forEach((key) => layerControl.removeLayer(groups[key]));
      for (const key of ["roads", ...AFTER_ROADS]) layerControl.addOverlay(groups[key], t("map.layer." + key));
      if (!map.hasLayer(groups.roads)) map.addLayer(groups.roads);
    } else if (map.hasLayer(groups.roads)) {
      map.removeLayer(groups.roads);
    }
    if (known) map.getContainer().dataset.roads = show ? "1" : "0";
  }
  roadsSwitch(false, false);
  fetch(config.urls.stats, {credentials: "omit"})
    .then((response) => (response.ok ? response.json() : null))
    .then((body) => roadsSwitch(Number((((body || {}).sites || {}).by_category || {}).road) > 0))
    .catch(() => roadsSwitch(false));

  // What tests and map-controls.js use.
  window.zonasiMap = map;
  window.zonasi.mapPage = {map, groups, checkAt, refresh, loadLayer, state, say, label, POOR_ACCURACY_M,
                           lastVerdict: () => lastVerdict, lastChecked: () => lastChecked, openReport: null, offlineLoaded, closeCard};
  updateLegend();
  refresh();
  say(t("map.hint"), "secondary");
  messageBox.dataset.hint = "1";
})();
