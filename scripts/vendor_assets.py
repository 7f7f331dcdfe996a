#!/usr/bin/env python3
"""Vendor the web map's front-end assets into ``webmap/static/vendor/`` from the npm registry.

Folium's pages pull Leaflet, jQuery, Bootstrap, Font Awesome and the plugins' files from CDNs
(the map adds Leaflet.VectorGrid for its vector tiles);
zonasi serves them itself (field offices are often offline, tests have no internet). This script
runs ``npm pack`` for each pinned package into a temporary folder, copies the files the pages
use plus each package's licence, and writes ``MANIFEST.json``. It does nothing when the manifest
already matches the pins (run by ``make install``).

    python scripts/vendor_assets.py [--force] [--dest DIR]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "webmap" / "static" / "vendor"

# package@version -> (folder under vendor/, files or folders to copy from the package root)
PACKAGES: dict[str, tuple[str, list[str]]] = {
    "leaflet@1.9.4": ("leaflet", ["dist/leaflet.js", "dist/leaflet.css", "dist/images", "LICENSE"]),
    "jquery@3.7.1": ("jquery", ["dist/jquery.min.js", "LICENSE.txt"]),
    "bootstrap@5.2.2": ("bootstrap", ["dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css",
                                      "LICENSE"]),
    "@fortawesome/fontawesome-free@6.2.0": ("fontawesome", ["css/all.min.css", "webfonts", "LICENSE.txt"]),
    "leaflet.awesome-markers@2.0.5": ("awesome-markers", ["dist/leaflet.awesome-markers.js",
                                                          "dist/leaflet.awesome-markers.css",
                                                          "dist/images", "LICENSE"]),
    # the map's data layers as vector tiles (/ogc/collections/<id>/tiles); its licence is in package.json
    "leaflet.vectorgrid@1.3.0": ("vectorgrid", ["dist/Leaflet.VectorGrid.bundled.min.js", "package.json"]),
    "chart.js@4.4.1": ("chartjs", ["dist/chart.umd.js", "LICENSE.md"]),
    # the offline verdict in the browser (webmap/static/zonasi/offline/): geodesics to point sites,
    # UTM projections for lines and polygons (UMD files: a module import sets their global)
    "geographiclib-geodesic@2.2.0": ("geographiclib-geodesic", ["geographiclib-geodesic.min.js", "LICENSE.txt"]),
    "proj4@2.22.0": ("proj4", ["dist/proj4.js", "LICENSE.md"]),
    # accessibility checks in the browser tests only (zonasi.testing.browser.axe_violations); no page loads it
    "axe-core@4.14.1": ("axe-core", ["axe.min.js", "LICENSE"]),
}


def _flatten(source: str) -> str:
    """Where a file lands inside its package folder: the package path without ``dist/``."""
    return source.removeprefix("dist/")


def up_to_date(dest: Path) -> bool:
    manifest = dest / "MANIFEST.json"
    if not manifest.exists():
        return False
    try:
        recorded = json.loads(manifest.read_text("utf-8"))
    except ValueError:
        return False
    if recorded.get("packages") != sorted(PACKAGES):
        return False
    return all((dest / folder / _flatten(f)).exists() for folder, files in PACKAGES.values() for f in files)


def vendor(dest: Path = DEST, force: bool = False) -> bool:
    """Fetch and copy the assets; False when they were already there."""
    if not force and up_to_date(dest):
        return False
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("vendor_assets: npm is not installed; install Debian's 'npm' package (make system-deps)")
    with tempfile.TemporaryDirectory(prefix="zonasi-vendor-") as tmp:
        tmp_path = Path(tmp)
        result = subprocess.run([npm, "pack", "--silent", "--pack-destination", tmp, *PACKAGES],
                                capture_output=True, text=True, cwd=tmp)
        if result.returncode != 0:
            sys.exit(f"vendor_assets: npm pack failed:\n{result.stderr.strip()}")
        tarballs = [tmp_path / line.strip() for line in result.stdout.splitlines() if line.strip().endswith(".tgz")]
        if len(tarballs) != len(PACKAGES):
            sys.exit(f"vendor_assets: npm pack made {len(tarballs)} tarballs for {len(PACKAGES)} packages")
        staging = tmp_path / "vendor"
        for tarball, (spec, (folder, files)) in zip(tarballs, PACKAGES.items(), strict=True):
            unpacked = tmp_path / "unpacked" / folder
            with tarfile.open(tarball) as archive:
                archive.extractall(unpacked, filter="data")
            package = unpacked / "package"
            for name in files:
                source = package / name
                if not source.exists():
                    sys.exit(f"vendor_assets: {spec} has no {name}")
                target = staging / folder / _flatten(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(source, target)
                else:
                    shutil.copy2(source, target)
        (staging / "MANIFEST.json").write_text(
            json.dumps({"packages": sorted(PACKAGES), "source": "npm registry (npm pack)"}, indent=2) + "\n",
            "utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, dest)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="fetch again even when up to date")
    parser.add_argument("--dest", type=Path, default=DEST, help="target folder (default: %(default)s)")
    args = parser.parse_args(argv)
    changed = vendor(args.dest, force=args.force)
    print(f"vendor_assets: {'fetched' if changed else 'already up to date'} ({args.dest})")


if __name__ == "__main__":
    main()
