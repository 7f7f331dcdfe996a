"""Benchmark: the map page in Chromium, as a field officer and a supervisor see it.

    .venv/bin/python bench/map_page.py [--taps 20]

Serves the bundled layers on a loopback port (no tiles, no internet: every other host is
blocked) and measures:

1. the first load of the map (Indonesia at zoom 5): bytes transferred, time until the map is up;
2. the heaviest view: central Jakarta at zoom 15, where every layer is drawn (regency boundaries,
   about 2,000 clustered sites, exclusion zones): bytes of the page with its data (target
   <= 1.5 MB) and time until every layer is in;
3. taps in Indramayu: time from a tap to the verdict in its popup (median and worst).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from geo.config import Settings
from webmap import create_app
from zonasi.testing.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer, only_loopback, wait_js

TRANSFERRED = """(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return performance.getEntriesByType('resource').reduce((s, e) => s + e.transferSize, nav.transferSize);
})()"""
ALL_LAYERS = """(() => { const s = window.zonasi.mapPage.state;
    return s.sites && s.sites.shown > 0 && s.zones && s.zones.shown > 0 && s.regencies && s.regencies.shown > 0; })()"""


def main(argv=None) -> int:
    """Time the three views in Chromium; exit status 1 when the heaviest view is over 1.5 MB."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--taps", type=int, default=20, help="taps to time (default: %(default)s)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="zonasi-bench-") as tmp:
        app = create_app(Settings(instance_dir=Path(tmp) / "instance"))
        with LiveServer(app) as live, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            rows = []

            def page():
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.route("**/*", only_loopback)
                return context.new_page()

            first = page()
            start = time.perf_counter()
            first.goto(live.url + "/")
            wait_js(first, "window.zonasi && window.zonasi.mapPage")
            rows.append(("first load (Indonesia, zoom 5)", first.evaluate(TRANSFERRED), time.perf_counter() - start))
            first.context.close()

            heavy = page()
            start = time.perf_counter()
            heavy.goto(live.url + "/?lat=-6.2&lon=106.85")
            wait_js(heavy, "window.zonasi && window.zonasi.mapPage")
            heavy.evaluate("window.zonasiMap.setView([-6.2, 106.85], 15, {animate: false})")
            wait_js(heavy, ALL_LAYERS, timeout=60)
            heavy.wait_for_load_state("networkidle")
            rows.append(("central Jakarta, zoom 15, every layer", heavy.evaluate(TRANSFERRED),
                         time.perf_counter() - start))
            heavy.context.close()

            taps = page()
            taps.goto(live.url + "/")
            wait_js(taps, "window.zonasi && window.zonasi.mapPage")
            taps.evaluate("window.zonasiMap.setView([-6.33, 108.32], 16, {animate: false})")
            taps.wait_for_load_state("networkidle")
            box = taps.locator(".folium-map").bounding_box()
            times = []
            for i in range(args.taps):
                x = box["x"] + box["width"] * (0.2 + 0.6 * ((i * 7) % args.taps) / args.taps)
                y = box["y"] + box["height"] * (0.3 + 0.4 * ((i * 3) % args.taps) / args.taps)
                taps.evaluate("window.__verdicts = document.querySelectorAll('.zonasi-verdict').length")
                start = time.perf_counter()
                taps.mouse.click(x, y)
                wait_js(taps, "window.zonasi.mapPage.lastVerdict() && "
                                       "document.querySelector('.zonasi-check-popup .zonasi-verdict')")
                times.append(time.perf_counter() - start)
                taps.keyboard.press("Escape")
                taps.evaluate("window.zonasiMap.closePopup()")
            browser.close()

    print(f"{'view':45} {'transferred':>12} {'seconds':>8}")
    for name, size, seconds in rows:
        print(f"{name:45} {size / 1e6:10.2f} MB {seconds:8.2f}")
    print(f"tap -> verdict popup ({len(times)} taps): median {statistics.median(times) * 1000:.0f} ms, "
          f"worst {max(times) * 1000:.0f} ms")
    heavy_ok = rows[1][1] <= 1_500_000
    print("target page with data <= 1.5 MB:", "met" if heavy_ok else "MISSED")
    return 0 if heavy_ok else 1


if __name__ == "__main__":
    sys.exit(main())
