// The offline judge's libraries, from the vendored npm files (scripts/vendor_assets.py): proj4
// and geographiclib-geodesic ship UMD files. Imported as a module in a browser, such a file sets
// its global (globalThis.proj4, window.geodesic); under node (its tests) it is CommonJS and its
// exports are the module's default.
const vendor = new URL("../../vendor/", import.meta.url);

async function umd(path, name) {
  const module = await import(new URL(path, vendor).href);
  const found = module.default ?? globalThis[name];
  if (!found) throw new Error(`offline engine: ${path} did not load (run make vendor)`);
  return found;
}

export const proj4 = await umd("proj4/proj4.js", "proj4");
export const geodesic = await umd("geographiclib-geodesic/geographiclib-geodesic.min.js", "geodesic");
