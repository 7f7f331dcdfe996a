"""Benchmark: the map without a signal (#17), the figures of the README's "In the field without a
signal", each beside its online alternative.

    .venv/bin/python bench/offline.py [--taps 20] [--reports 20] [--url http://host:port --token T]

Against the app on a loopback port (the bundled layers, a throw-away instance; every other host
blocked), or a running ``zonasi serve`` (``--url``, with a field officer's ``--token``):

1. the size of a saved regency (GET /api/offline/regency/{code}.json): Jakarta's regencies and
   Indramayu, JSON and gzip (what a phone stores and what a gzip-ing proxy would send);
2. in Chromium (360 px, a phone): a regency saved with "Simpan untuk luring"; taps judged online
   (the server's /api/check) and then offline (the in-browser judge, after an offline reload):
   the median and worst time from a tap to its verdict on screen, and the judge alone;
3. ``--reports`` reports with a photo queued offline, then the time from the connection's return
   until the queue is empty (each stored once); beside it the same number sent online one by
   one, as the form does with a signal.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from zonasi.testing.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer, wait_js

ROOT = Path(__file__).resolve().parents[1]

# Jakarta's five cities, Indramayu, Kutai Kartanegara (the bundled road lines)
REGENCIES = ("31.71", "31.72", "31.73", "31.74", "31.75", "32.12", "64.02")
SAVED = "32.12"
SAVE_AT = (-6.33, 108.32)
LOCK = "zonasi-report-queue"

CHECK = """async ([lat, lon]) => {
    window.zonasiMap.closePopup();
    const started = performance.now();
    const verdict = await window.zonasi.mapPage.checkAt(L.latLng(lat, lon));
    return {ms: performance.now() - started, judge_ms: verdict && verdict.elapsed_ms,
            status: verdict && verdict.status, provisional: !!(verdict && verdict.provisional)};
}"""
QUEUE = """async ([count, photo, label]) => {
    const bytes = Uint8Array.from(atob(photo), (c) => c.charCodeAt(0));
    for (let i = 0; i < count; i++) {
        await window.zonasi.queue.submit({key: crypto.randomUUID(), lat: -6.33 + i * 1e-4, lon: 108.32,
            accuracy_m: 5, apk_type: "spanduk", participant: label, note: `bench ${i}`,
            photo: new File([bytes], `apk-${i}.jpg`, {type: "image/jpeg"})});
    }
    window.__back = null;
    window.addEventListener("online", () => { window.__back = performance.now(); }, {once: true});
    return window.zonasi.queue.waitingCount();
}"""
DRAINED = """async (lock) => {
    for (;;) {
        await navigator.locks.request(lock, () => null);       // the sync the "online" event started
        if ((await window.zonasi.queue.waitingCount()) === 0) break;
        await window.zonasi.queue.sync();
    }
    return performance.now() - window.__back;
}"""
ONE_BY_ONE = """async ([count, photo, label]) => {
    const bytes = Uint8Array.from(atob(photo), (c) => c.charCodeAt(0));
    const started = performance.now();
    for (let i = 0; i < count; i++) {
        await window.zonasi.reports.postReport({key: crypto.randomUUID(), lat: -6.33 + i * 1e-4, lon: 108.321,
            accuracy_m: 5, apk_type: "spanduk", participant: label, note: `bench ${i}`,
            photo: new File([bytes], `apk-${i}.jpg`, {type: "image/jpeg"})});
    }
    return performance.now() - started;
}"""


def fetch_json(url: str, token: str | None = None) -> tuple[bytes, dict]:
    """The body and JSON of a GET."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=120) as answer:
        body = answer.read()
    return body, json.loads(body)


def bundle_sizes(url: str, codes) -> list[dict]:
    """Bytes of each regency's offline bundle, plain and gzipped, with its sites and road lines."""
    rows = []
    for code in codes:
        body, bundle = fetch_json(f"{url}/api/offline/regency/{code}.json")
        road = bundle["categories"].index("road")
        judged = [r["name"] for r in bundle["regencies"] if r["judged"]]
        rows.append({"code": code, "name": judged[0] if judged else code, "json": len(body),
                     "gzip": len(gzip.compress(body, 6)), "sites": len(bundle["sites"]["site_id"]),
                     "roads": sum(1 for c, g in zip(bundle["sites"]["category"], bundle["sites"]["geometry"])
                                  if c == road and isinstance(g, dict))})
    return rows


def tap_points(url: str, n: int) -> list[tuple[float, float]]:
    """``n`` spots in the saved regency: 10-60 m from its point sites, and a few clean ones."""
    import numpy as np
    import shapely

    _, bundle = fetch_json(f"{url}/api/offline/regency/{SAVED}.json")
    [polygon] = [shapely.geometry.shape(r["geometry"]) for r in bundle["regencies"] if r["judged"]]
    rng = np.random.default_rng(17)
    sites = [g for g in bundle["sites"]["geometry"] if isinstance(g, list)]
    out: list[tuple[float, float]] = []
    while len(out) < n:
        lon, lat = sites[int(rng.integers(len(sites)))]
        lon, lat = lon + rng.uniform(-6e-4, 6e-4), lat + rng.uniform(-6e-4, 6e-4)
        if shapely.contains_xy(polygon, lon, lat):
            out.append((lat, lon))
    return out


def photo(size: str) -> str:
    """A JPEG of noise (``WxH``, about 0.8 bytes a pixel), base64."""
    import base64

    from PIL import Image

    width, height = (int(v) for v in size.split("x"))
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "JPEG", quality=80)
    return base64.b64encode(out.getvalue()).decode()


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} ms, worst {max(values):.1f} ms (n={len(values)})"


def browser_figures(url: str, token: str, args) -> dict:
    """Taps online and offline, the queue's sync and the one-by-one alternative, in Chromium."""
    from playwright.sync_api import sync_playwright

    host = urlsplit(url).hostname
    points = tap_points(url, args.taps)
    picture = photo(args.photo)
    label = f"bench-offline-{int(time.time())}"
    out: dict = {"photo_bytes": len(picture) * 3 // 4}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
        context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname == host
                      else route.abort())
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(f"{url}/?lat={SAVE_AT[0]}&lon={SAVE_AT[1]}")
        page.evaluate("(t) => localStorage.setItem('zonasi.token', t)", token)
        wait_js(page, "window.zonasi && window.zonasi.swReady", 60)
        page.evaluate("window.zonasi.swReady")
        page.reload()
        wait_js(page, "!!navigator.serviceWorker.controller && window.zonasi.offline && window.zonasi.auth.checked", 60)
        page.evaluate("window.zonasiMap.closePopup()")
        page.evaluate(f"window.zonasiMap.setView({list(SAVE_AT)}, 15, {{animate: false}})")
        page.click("#zonasi-offline-save")
        page.locator("#zonasi-offline-confirm").click()
        wait_js(page, f"document.getElementById('zonasi-offline-status').dataset.saved === {SAVED!r}", 120)

        online = [page.evaluate(CHECK, list(p)) for p in points]
        context.set_offline(True)
        page.reload()
        wait_js(page, "window.zonasi.offline && document.getElementById('zonasi-offline-status').dataset.saved", 60)
        first = page.evaluate(CHECK, list(points[0]))       # loads the in-browser engine (four files)
        offline = [page.evaluate(CHECK, list(p)) for p in points]
        assert all(v["provisional"] for v in offline), "an offline tap was not judged on the device"
        out["online_ms"] = [v["ms"] for v in online]
        out["offline_first_ms"] = first["ms"]
        out["offline_ms"] = [v["ms"] for v in offline]
        out["judge_ms"] = [v["judge_ms"] for v in offline]
        agree = sum(a["status"] == b["status"] for a, b in zip(online, offline))
        out["agree"] = (agree, len(points))

        waiting = page.evaluate(QUEUE, [args.reports, picture, label + "-queued"])
        assert waiting == args.reports, waiting
        context.set_offline(False)
        out["sync_ms"] = page.evaluate(DRAINED, LOCK)
        out["one_by_one_ms"] = page.evaluate(ONE_BY_ONE, [args.reports, picture, label + "-online"])
        page.evaluate("window.zonasi.queue.sync()")          # once more: nothing is stored twice
        _, mine = fetch_json(f"{url}/api/reports/mine?limit=500", token)
        items = mine.get("reports") or mine.get("items") or mine.get("features") or []
        participants = [(r.get("properties") or r).get("participant") for r in items]
        out["stored_queued"] = participants.count(label + "-queued")
        out["stored_online"] = participants.count(label + "-online")
        context.close()
        browser.close()
    return out


def report(sizes: list[dict], figures: dict, args) -> None:
    print("saved regency (GET /api/offline/regency/{code}.json)")
    print(f"  {'code':6} {'regency':36} {'JSON':>9} {'gzip':>9} {'sites':>6} {'roads':>6}")
    for r in sizes:
        print(f"  {r['code']:6} {r['name'][:36]:36} {r['json'] / 1e3:7.0f} kB {r['gzip'] / 1e3:7.0f} kB"
              f" {r['sites']:6} {r['roads']:6}")
    print(f"\ntap to verdict, {SAVED} saved, Chromium 360 px     online (server)            offline (on the device)")
    print(f"  tap -> verdict on screen                       {summary(figures['online_ms']):26} "
          f"{summary(figures['offline_ms'])}")
    print(f"  the in-browser judge alone                     {'-':26} {summary(figures['judge_ms'])}")
    print(f"  first offline tap (loads the judge)            {'-':26} {figures['offline_first_ms']:.1f} ms")
    print(f"  same status online and offline: {figures['agree'][0]} of {figures['agree'][1]}")
    print(f"\n{args.reports} reports with a {figures['photo_bytes'] / 1e3:.0f} kB photo each"
          f"     queued offline, synced on reconnect     sent online one by one")
    print(f"  total                                          {figures['sync_ms'] / 1e3:8.2f} s"
          f"{'':24} {figures['one_by_one_ms'] / 1e3:8.2f} s")
    print(f"  stored (once each)                             {figures['stored_queued']:8}"
          f"{'':26} {figures['stored_online']:8}")


def main(argv=None) -> int:
    """Measure and print; exit status 1 when a report was not stored exactly once."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--taps", type=int, default=20, help="taps timed online and offline (default: %(default)s)")
    parser.add_argument("--reports", type=int, default=20, help="reports queued and synced (default: %(default)s)")
    parser.add_argument("--photo", default="640x480", help="each report's photo, WxH of JPEG noise "
                                                           "(default: %(default)s, about 250 kB)")
    parser.add_argument("--regencies", default=",".join(REGENCIES),
                        help="regency codes whose saved size is measured (default: %(default)s)")
    parser.add_argument("--url", help="a running zonasi serve (default: the app on a loopback port)")
    parser.add_argument("--token", help="a field officer's token for --url (zonasi token create field NAME)")
    args = parser.parse_args(argv)
    codes = [c.strip() for c in args.regencies.split(",") if c.strip()]
    if args.url:
        if not args.token:
            parser.error("--url needs --token (a field officer's token)")
        url = args.url.rstrip("/")
        sizes = bundle_sizes(url, codes)
        figures = browser_figures(url, args.token, args)
    else:
        from geo.config import Settings
        from webmap import create_app

        with tempfile.TemporaryDirectory(prefix="zonasi-bench-") as tmp:
            app = create_app(Settings(instance_dir=Path(tmp) / "instance"))
            token = app.extensions["zonasi"].store.tokens.create("field", "bench")
            with LiveServer(app) as live:
                sizes = bundle_sizes(live.url, codes)
                figures = browser_figures(live.url, token, args)
    report(sizes, figures, args)
    return 0 if figures["stored_queued"] == figures["stored_online"] == args.reports else 1


if __name__ == "__main__":
    sys.exit(main())
