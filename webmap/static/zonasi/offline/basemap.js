// The basemap drawn from the app's own data when no tile server answers (#17): a phone without
// the tile server (offline, or online with the tile server unreachable) sees land, regency
// outlines and, where the layers have them, roads, never a blank grey square.
//
// - online: the app's own vector tiles (OGC API - Tiles): the regencies collection as land with
//   its outlines, the sites collection's "roads" layer (road line sites, from the zoom where the tiles
//   carry them) as light roads;
// - offline (or when the app's tiles do not answer either): the saved bundle: the saved regency
//   and its neighbours as land, the bundle's road line sites (category "road"), and the saved
//   regency's outline over them, labelled.
//
// Everything is drawn in its own pane BELOW the tile pane: wherever raster tiles do load they
// cover it, so it never hides a working basemap. The base tile layers are watched for failed
// tiles (also those that failed before this module ran).
export const PANE = "zonasiBasemap";
export const STYLE = {
  land: {color: "#cfc8ba", weight: 0.8, fill: true, fillColor: "#f2efe9", fillOpacity: 1},
  road: {color: "#b3aa99", weight: 3, opacity: 1, lineCap: "round", lineJoin: "round"},
  outline: {color: "#3d3d7a", weight: 2, fill: false},
};
const LINE_TYPES = new Set(["LineString", "MultiLineString"]);

/** The road line sites of a saved bundle as GeoJSON features (category "road", lines only). */
export function bundleRoads(bundle) {
  const road = bundle.categories.indexOf("road");
  const sites = bundle.sites;
  const out = [];
  sites.geometry.forEach((g, i) => {
    if (road < 0 || sites.category[i] !== road || Array.isArray(g) || !g || !LINE_TYPES.has(g.type)) return;
    out.push({type: "Feature", properties: {site_id: sites.site_id[i], name: sites.name[i]}, geometry: g});
  });
  return out;
}

function regencyFeatures(bundle, judged) {
  return bundle.regencies.filter((r) => r.geometry && r.judged === judged).map((r) => ({
    type: "Feature", properties: {code: r.code, name: r.name}, geometry: r.geometry}));
}

/** The saved bundle's basemap: land, roads, the saved regencies' outlines (a featureGroup).
 *  Land and roads are drawn on one canvas: a regency holds thousands of road lines, and as SVG
 *  paths every pan and zoom moves and redraws each of them (seconds on a cheap phone); the
 *  outlines (a few, labelled) stay SVG, above the canvas (``canvas``: the basemap's one canvas
 *  renderer, kept from one saved bundle to the next). */
function savedLayer(bundle, canvas) {
  const group = L.featureGroup();
  const land = [...regencyFeatures(bundle, false), ...regencyFeatures(bundle, true)];
  L.geoJSON({type: "FeatureCollection", features: land}, {
    pane: PANE, renderer: canvas, interactive: false, style: {...STYLE.land, stroke: false},
  }).addTo(group);
  const roads = bundleRoads(bundle);
  L.geoJSON({type: "FeatureCollection", features: roads}, {
    pane: PANE, renderer: canvas, interactive: false, style: STYLE.road,
  }).addTo(group);
  L.geoJSON({type: "FeatureCollection", features: regencyFeatures(bundle, true)}, {
    pane: PANE, interactive: false, className: "zonasi-offline-outline", style: STYLE.outline,
    onEachFeature: (feature, layer) => layer.bindTooltip(feature.properties.name, {
      permanent: true, direction: "center", className: "zonasi-offline-label"}),
  }).addTo(group);
  group.zonasiRoads = roads.length;
  return group;
}

/** A vector tile layer of the app's own tiles in the basemap pane; a failed tile is an empty one.
 *  onError(error) after each tile: the error, or null when the tile came. */
function ownTiles(url, styles, options, onError) {
  const Tiles = L.VectorGrid.Protobuf.extend({
    _getVectorTilePromise(coords, bounds) {
      return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords, bounds)
        .then((json) => { onError(null); return json; }, (error) => { onError(error); return {layers: {}}; });
    },
  });
  return new Tiles(url, {vectorTileLayerStyles: styles, interactive: false, pane: PANE,
                         rendererFactory: L.svg.tile, maxNativeZoom: 18, maxZoom: 22, keepBuffer: 1,
                         fetchOptions: {credentials: "same-origin"}, ...options});
}

/** The online basemap: the regencies tiles as land, the sites tiles' roads (a layerGroup). */
function tiledLayer(tilesUrl, roadsZoom, onError) {
  const at = (collection) => tilesUrl.replace("{collection}", collection);
  const land = ownTiles(at("regencies"), {regencies: STYLE.land}, {className: "zonasi-basemap-land"}, onError);
  const roads = ownTiles(at("sites"), {roads: STYLE.road, sites: [], sites_density: [], site_lines: [], site_areas: []},
                         {className: "zonasi-basemap-roads", minZoom: roadsZoom}, onError);
  return L.layerGroup([land, roads]);
}

/** Whether a raster tile layer has a tile that failed (Leaflet marks a tile done without the
 *  "loaded" class when its image did not load). */
function hasFailedTile(layer) {
  return Object.values(layer._tiles || {}).some((tile) => tile.loaded && tile.el
    && !tile.el.classList.contains("leaflet-tile-loaded"));
}

/**
 * Watch the map's raster tile layers and draw the basemap when they fail.
 *
 * map: the Leaflet map; tilesUrl: the app's vector tile template (with {collection});
 * roadsZoom: the zoom from which the sites tiles carry the roads. Returns {setSaved(bundle or
 * null), state()}: state() says what is drawn ({missing, source: "tiles" | "saved" | null, roads}).
 */
export function createBasemap(map, {tilesUrl, roadsZoom}) {
  if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = 150;  // below the tile pane (200)
  let missing = false;     // the raster tiles failed (no tile server answers)
  let ownDown = false;     // the app's own tiles did not answer either
  let saved = null;        // the saved bundle's layer
  const canvas = L.canvas({pane: PANE});   // the saved land and roads (see savedLayer)
  const tiled = tilesUrl ? tiledLayer(tilesUrl, roadsZoom, (error) => {
    const down = !!error;
    if (down !== ownDown) { ownDown = down; update(); }
  }) : null;

  function show(layer, on) {
    if (!layer) return;
    if (on && !map.hasLayer(layer)) layer.addTo(map);
    else if (!on && map.hasLayer(layer)) layer.remove();
  }

  function update() {
    const offline = navigator.onLine === false;
    const useSaved = (missing || offline) && (offline || ownDown || !tiled) && !!saved;
    show(tiled, missing && !offline && !useSaved);
    show(saved, useSaved);
  }

  const failed = () => { if (!missing) { missing = true; update(); } };
  map.eachLayer((layer) => {
    if (!(layer instanceof L.TileLayer)) return;   // the raster basemap (the vector grids are not TileLayers)
    layer.on("tileerror", failed);
    if (hasFailedTile(layer)) missing = true;      // failed before this module ran
  });
  window.addEventListener("offline", update);
  window.addEventListener("online", () => { ownDown = false; update(); });
  update();

  return {
    setSaved(bundle) {
      if (saved) saved.remove();
      saved = bundle ? savedLayer(bundle, canvas) : null;
      update();
      return saved;
    },
    state() {
      const source = saved && map.hasLayer(saved) ? "saved" : tiled && map.hasLayer(tiled) ? "tiles" : null;
      return {missing, ownDown, source, roads: source === "saved" ? saved.zonasiRoads : null};
    },
  };
}
