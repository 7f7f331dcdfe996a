/* The OGC API's pages (webmap/templates/zonasi/ogc.html): a map of the features a page shows (a
 * page of features, or one feature), drawn from the page's own JSON over the map page's basemap
 * (the app's vector tiles when no tile server answers: offline/basemap.js). A feature's tooltip
 * names it; on a page of features a tap opens the feature's page. */
import {createBasemap} from "./offline/basemap.js";

(function () {
  "use strict";
  const {config, t} = window.zonasi;
  const node = document.getElementById("ogc-map");
  if (!node || !window.L) return;
  const note = document.getElementById("ogc-map-note");
  const map = L.map(node, {zoomControl: false, attributionControl: true}).setView([-2.5, 118], 4);
  L.control.zoom({zoomInTitle: t("map.zoom_in"), zoomOutTitle: t("map.zoom_out")}).addTo(map);
  map.attributionControl.setPrefix(false);
  L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {maxZoom: 19, attribution: "© OpenStreetMap"}).addTo(map);
  createBasemap(map, {tilesUrl: config.urls.tiles, roadsZoom: config.zoom.sites});

  const PANE = "ogcFeatures";   // the page's features, above the basemap (and what the tests count)
  map.createPane(PANE).style.zIndex = 450;
  const area = {color: "#5a32a3", weight: 2, fillColor: "#5a32a3", fillOpacity: 0.15};
  const point = {radius: 7, color: "#fff", weight: 2, fillColor: "#b02a37", fillOpacity: 1, pane: PANE};
  function name(feature) {
    const p = feature.properties || {};
    return String(p.name || p.label || p.name_short || feature.id);
  }

  fetch(node.dataset.source, {headers: {Accept: "application/geo+json"}})
    .then((response) => {
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      return response.json();
    })
    .then((data) => {
      const layer = L.geoJSON(data, {
        pane: PANE,
        style: (feature) => (/Point$/.test(feature.geometry.type) ? point : area),
        pointToLayer: (feature, latlng) => L.circleMarker(latlng, point),
        onEachFeature: (feature, shape) => {
          shape.bindTooltip(name(feature));
          if (node.dataset.item) {
            shape.on("click", () => { location.href = node.dataset.item.replace("FEATURE", encodeURIComponent(feature.id)); });
          }
        },
      }).addTo(map);
      const drawn = layer.getLayers().length;
      if (drawn) map.fitBounds(layer.getBounds(), {maxZoom: 16, padding: [16, 16]});
      node.dataset.drawn = String(drawn);
    })
    .catch((error) => {
      note.textContent = t("ogc.page.map_failed", {detail: error.message});
      node.dataset.drawn = "0";
    });
})();
