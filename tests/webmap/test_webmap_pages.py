"""The HTML pages and the small endpoints behind them (no browser): assets from the app itself,
language switch, geocoding, whoami, dashboard counts."""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from geo.catalog.stats import report_counts, site_counts
from geo.layers import Features
from geo.layers.places import RegencyNames

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("/", "/batch", "/violations", "/dashboard")


def config_of(html: str) -> dict:
    match = re.search(r'<script id="zonasi-config" type="application/json"[^>]*>(.*?)</script>', html, re.S)
    assert match, "the page carries its configuration as JSON"
    return json.loads(match.group(1))


@pytest.mark.parametrize("path", PAGES)
def test_pages_use_only_the_apps_own_assets(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the page links its scripts and styles"
    external = [u for u in urls if u.startswith(("http:", "https:", "//"))]
    assert external == []
    assert not re.search(r"cdn\.|cdnjs|jsdelivr|code\.jquery|bootstrapcdn", html)
    assert any(u.startswith("/static/zonasi/") for u in urls)


def test_the_map_page_is_whole_with_folium_pointed_at_the_vendor_folder(client):
    html = client.get("/").get_data(as_text=True)
    assert "<iframe" not in html
    for asset in ("vendor/leaflet/leaflet.js", "vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js",
                  "vendor/awesome-markers/leaflet.awesome-markers.js", "vendor/fontawesome/css/all.min.css"):
        assert f"/static/{asset}" in html
    config = config_of(html)
    assert re.fullmatch(r"map_[0-9a-f]+", config["names"]["map"])
    assert f"var {config['names']['map']} = L.map(" in html
    assert config["lang"] == "id" and config["messages"]["map.locate"] == "Lokasi saya"


def test_folium_defaults_stay_untouched_for_everyone_else(client):
    import folium
    import folium.plugins

    client.get("/")
    assert folium.Map.default_js[0][1].startswith("https://")
    assert folium.plugins.MarkerCluster.default_js[0][1].startswith("https://")


def test_every_message_the_pages_use_is_in_both_catalogs(app):
    catalog = app.extensions["zonasi"].catalog
    used = set()
    for path in [*(ROOT / "webmap" / "static" / "zonasi").glob("*.js"), *(ROOT / "webmap" / "templates").rglob("*.html"),
                 ROOT / "webmap" / "pages" / "mapview.py"]:
        text = path.read_text("utf-8")
        used |= set(re.findall(r"""\b(?:t\(|t\[)['"]((?:map|ui|status|verdict)\.[\w.]+)['"]""", text))
        used |= set(re.findall(r"""messages\["((?:map|ui)\.[\w.]+)"\]""", text))
    assert len(used) > 60
    for lang in ("id", "en"):
        missing = sorted(k for k in used if not k.endswith(".") and k not in catalog.messages[lang])
        assert missing == [], (lang, missing)


def test_language_switch_is_remembered_in_a_cookie(client):
    response = client.get("/batch?lang=en")
    assert config_of(response.get_data(as_text=True))["lang"] == "en"
    assert "zonasi_lang=en" in response.headers["Set-Cookie"]
    html = client.get("/violations").get_data(as_text=True)
    assert config_of(html)["lang"] == "en" and '<html lang="en">' in html


@pytest.mark.parametrize("q, expected", [
    ("-6.33, 108.32", (-6.33, 108.32)),
    ("-6,33; 108,32", (-6.33, 108.32)),
    ("6°19'48\"S 108°19'12\"E", (-6.33, 108.32)),
    ("6° 19' 48\" LS, 108° 19' 12\" BT", (-6.33, 108.32)),
])
def test_geocode_reads_coordinates_like_the_csv_parser(client, q, expected):
    body = client.get("/api/geocode", query_string={"q": q}).get_json()
    result = body["results"][0]
    assert result["type"] == "point"
    assert (round(result["lat"], 6), round(result["lon"], 6)) == expected


def test_geocode_finds_regencies_by_name_and_code(client):
    body = client.get("/api/geocode", query_string={"q": "Kab. Indramayu"}).get_json()
    assert [r["code"] for r in body["results"]] == ["32.12"]
    west, south, east, north = body["results"][0]["bbox"]
    assert west < 108.32 < east and south < -6.33 < north
    body = client.get("/api/geocode", query_string={"q": "bekasi"}).get_json()
    assert {r["name"] for r in body["results"]} == {"Kabupaten Bekasi", "Kota Bekasi"}
    assert client.get("/api/geocode?q=32.12").get_json()["results"][0]["name"] == "Kabupaten Indramayu"
    assert client.get("/api/geocode?q=zzzz").get_json()["results"] == []


def test_geocode_errors_say_what_to_send(client):
    response = client.get("/api/geocode?q=")
    assert response.status_code == 400 and "Indramayu" in response.get_json()["detail"]
    response = client.get("/api/geocode", query_string={"q": "108.32, -6.33"})
    assert response.status_code == 400 and response.get_json()["reason"] == "swapped"
    assert "-6.33" in response.get_json()["detail"]
    response = client.get("/api/geocode", query_string={"q": "x" * 201})
    assert response.status_code == 400 and "paling banyak 200" in response.get_json()["detail"]


def test_whoami_names_the_token_and_its_role(app, client):
    assert client.get("/api/whoami").status_code == 401
    secret = app.extensions["zonasi"].store.tokens.create("satpolpp", "Regu 3")
    body = client.get("/api/whoami", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert body["name"] == "Regu 3" and body["role"] == "satpolpp"
    assert "violations:read" in body["permissions"] and "reports:list" not in body["permissions"]


def test_stats_count_sites_for_everyone_and_reports_for_supervisors(app, client, layers):
    body = client.get("/api/stats").get_json()
    assert body["reports"] is None
    assert body["sites"]["total"] == len(layers.sites)
    assert sum(body["sites"]["by_category"].values()) == len(layers.sites)
    indramayu = next(r for r in body["sites"]["by_regency"] if r["code"] == "32.12")
    assert indramayu["count"] == int((layers.sites["layer"] == "indramayu").sum())
    store = app.extensions["zonasi"].store
    store.submit({"apk_type": "baliho", "lat": -6.33, "lon": 108.32})
    secret = store.tokens.create("bawaslu", "Budi")
    body = client.get("/api/stats", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert body["reports"]["total"] == 1 and body["reports"]["by_apk_type"] == {"baliho": 1}
    assert body["reports"]["by_regency"][0]["code"] == "32.12"


def test_regency_names_prefer_exact_names_and_respect_the_kind(layers):
    names = RegencyNames(layers.regency_features.column("code"), layers.regency_features.column("name"),
                         layers.regency_features.geometry)
    assert [m.name for m in names.find("kota bekasi")] == ["Kota Bekasi"]
    assert names.find("bandung")[0].name in ("Kabupaten Bandung", "Kota Bandung")
    assert all("Bandung" in m.name for m in names.find("bandung"))
    assert names.find("  ") == [] and names.code("99.99") is None


def test_report_counts_group_by_every_axis():
    rows = [{"status": "reported", "apk_type": "baliho", "category": "school", "regency_code": "32.12",
             "regency_name": "Kabupaten Indramayu"},
            {"status": "removed", "apk_type": "baliho", "category": None, "regency_code": None}]
    counts = report_counts(rows)
    assert counts["total"] == 2 and counts["by_status"] == {"removed": 1, "reported": 1}
    assert counts["by_category"] == {"school": 1}
    assert counts["by_regency"] == [{"code": "32.12", "name": "Kabupaten Indramayu", "count": 1}]


def test_site_counts_locate_sites_without_a_regency_code(layers):
    """Without a regency_code column, each site counts for the regency it lies in."""
    stripped = replace(layers, site_features=Features.from_frame(layers.sites.drop(columns=["regency_code"])))
    located = {r["code"]: r["count"] for r in site_counts(stripped)["by_regency"]}
    declared = {r["code"]: r["count"] for r in site_counts(layers)["by_regency"]}
    assert sum(located.values()) >= 0.99 * len(layers.sites)
    assert located.keys() >= {c for c, n in declared.items() if n > 100}
    assert abs(located["32.12"] - declared["32.12"]) <= 0.05 * declared["32.12"]


def test_vendor_script_is_a_no_op_when_the_assets_are_there(tmp_path):
    spec = importlib.util.spec_from_file_location("vendor_assets", ROOT / "scripts" / "vendor_assets.py")
    vendor_assets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor_assets)
    assert not vendor_assets.up_to_date(tmp_path)
    (tmp_path / "MANIFEST.json").write_text(json.dumps({"packages": sorted(vendor_assets.PACKAGES)}))
    assert not vendor_assets.up_to_date(tmp_path)  # files missing
    for folder, files in vendor_assets.PACKAGES.values():
        for name in files:
            target = tmp_path / folder / vendor_assets._flatten(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x")
    assert vendor_assets.up_to_date(tmp_path)
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "vendor_assets.py"), "--dest", str(tmp_path)],
                            capture_output=True, text=True, check=True)
    assert "already up to date" in result.stdout


BROWSER_ACCEPT = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize(("lang", "words"), [("id", ("Tidak ditemukan", "Kembali ke peta")),
                                              ("en", ("Not found", "Back to the map"))])
def test_a_mistyped_address_in_a_browser_is_a_page_in_its_language_and_json_elsewhere(client, lang, words):
    """A browser (HTML preferred) gets a 404 page with the way back to the map; curl (*/*), an API
    address, and a client asking for JSON get problem+json as before (the OGC API's documents are
    pages too, and so are its errors to a browser: tests/webmap/test_ogc_pages.py)."""
    page = client.get(f"/laporan-saya?lang={lang}", headers=BROWSER_ACCEPT)
    assert page.status_code == 404 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert all(w in text for w in words) and 'href="/"' in text and '{"type"' not in text
    for path, headers in (("/laporan-saya", {"Accept": "*/*"}), ("/laporan-saya", {"Accept": "application/json"}),
                          ("/api/nope", BROWSER_ACCEPT), ("/ogc/collections/nope", {"Accept": "*/*"}),
                          ("/static/zonasi/nope.js", BROWSER_ACCEPT)):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json", (path, headers)


@pytest.mark.parametrize(("lang", "words"), [("id", ("Kembali ke peta", "HTTP 500")),
                                              ("en", ("Back to the map", "HTTP 500"))])
def test_a_failing_page_in_a_browser_is_a_page_in_its_language_and_json_elsewhere(app, lang, words, caplog):
    """A page address that fails (a 500, or an error the app raises, such as an over-long report id)
    gave a browser raw problem+json; it is a page with the way back now, the failure still logged.
    The API's addresses answer problem+json to a browser too."""
    from geo import NotFound

    def fail():
        raise RuntimeError("a page that fails")

    def missing():
        raise NotFound("there is no such report", message_id="reports.not_found", message_values={"id": "x"})

    app.add_url_rule("/a-failing-page", "failing_page", fail)
    app.add_url_rule("/api/a-failing-call", "failing_call", fail)
    app.add_url_rule("/a-missing-report", "missing_report", missing)
    client = app.test_client()
    catalog = app.extensions["zonasi"].catalog
    page = client.get(f"/a-failing-page?lang={lang}", headers=BROWSER_ACCEPT)
    assert page.status_code == 500 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert all(w in text for w in words) and catalog.get("problem.unexpected", lang) in text and '{"type"' not in text
    assert "a page that fails" not in text and "a page that fails" in caplog.text   # logged, not shown
    page = client.get(f"/a-missing-report?lang={lang}", headers=BROWSER_ACCEPT)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert catalog.get("reports.not_found", lang, id="x") in page.get_data(as_text=True)
    for path, headers in (("/api/a-failing-call", BROWSER_ACCEPT), ("/a-failing-page", {"Accept": "*/*"}),
                          ("/a-missing-report", {"Accept": "application/json"})):
        answer = client.get(path, headers=headers)
        assert answer.mimetype == "application/problem+json" and answer.status_code in (404, 500), (path, headers)
