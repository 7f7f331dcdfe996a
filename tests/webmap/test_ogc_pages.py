"""The OGC API's documents as pages (conformance class html): what a browser gets at /ogc, in the
request's language, while GDAL, QGIS, curl and every JSON client keep getting JSON."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from geo.config import Settings
from webmap import create_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
GDAL = {"Accept": "application/geo+json, application/json"}
DOCUMENTS = ("/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/sites",
             "/ogc/collections/sites/items?limit=3", "/ogc/collections/sites/items/indramayu-6",
             "/collections/regencies/items/32.12")   # the same service at the site root


@pytest.fixture(scope="module")
def client(engine, tmp_path_factory):
    app = create_app(Settings(instance_dir=tmp_path_factory.mktemp("ogc-pages")), engine=engine)
    app.config["TESTING"] = True
    return app.test_client(use_cookies=False)   # a ?lang= of one test is not remembered for the next


def mimetype(client, path: str, headers: dict) -> str:
    """The media type of the answer (read whole: a page of features is streamed)."""
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
    response.get_data()
    return response.mimetype


def kind(response) -> str | None:
    found = re.search(r'id="ogc-page" data-kind="(\w+)"', response.text)
    return found and found.group(1)


def hrefs(response, pattern: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(rf'href="({pattern}[^"]*)"', response.text)]


def text(response) -> str:
    """What the page says (its scripts' JSON left out)."""
    shown = re.sub(r"<script.*?</script>", " ", response.text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", shown))


@pytest.mark.parametrize("path", DOCUMENTS)
def test_a_browser_gets_the_page_and_every_other_client_json(client, path):
    page = client.get(path, headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert kind(page) in ("landing", "conformance", "collections", "collection", "items", "item")
    for headers in ({}, {"Accept": "*/*"}, GDAL, {"Accept": "application/json"}):
        assert mimetype(client, path, headers) in ("application/json", "application/geo+json"), headers
    separator = "&" if "?" in path else "?"
    assert mimetype(client, f"{path}{separator}f=html", GDAL) == "text/html"   # f= decides
    assert mimetype(client, f"{path}{separator}f=json", BROWSER) in ("application/json", "application/geo+json")
    # the page links to itself as JSON
    json_link = hrefs(page, "http://localhost/[^\"]*f=json")
    assert json_link and mimetype(client, json_link[0], BROWSER).endswith("json")


def test_the_landing_page_says_how_to_connect_qgis_and_gdal_in_both_languages(client):
    page = client.get("/ogc", headers=BROWSER)
    words = text(page)
    assert "Sambungkan dari QGIS atau GDAL" in words
    assert "Add WFS / OGC API - Features Layer" in words
    assert "ogrinfo OAPIF:http://localhost/ogc" in words
    assert "ogr2ogr -f GPKG sites.gpkg OAPIF:http://localhost/ogc sites" in words
    # the national view: the vector tiles' XYZ URL, which answers a tile
    (tiles,) = re.findall(r'id="ogc-tiles-url">([^<]+)<', page.text)
    assert tiles == "http://localhost/ogc/collections/zones/tiles/WebMercatorQuad/{z}/{y}/{x}"
    tile = client.get(tiles.format(z=12, y=2120, x=3280))   # over Indramayu
    assert tile.status_code == 200 and tile.mimetype == "application/vnd.mapbox-vector-tile"
    assert "Add Vector Tile Layer" in words and "violations" not in words.split("Ganti zones")[1].split(".")[0]
    ids = [c["id"] for c in client.get("/ogc/collections").get_json()["collections"]]
    for collection_id, title in (("sites", "Lokasi terlarang"), ("regencies", "Kabupaten dan kota"),
                                 ("zones", "Zona larangan"), ("coverage", "Cakupan data per kabupaten/kota")):
        assert collection_id in ids and title in words
    # the service documents it lists are there
    for href in hrefs(page, "http://localhost/"):
        assert client.get(href).status_code == 200, href
    english = text(client.get("/ogc?lang=en", headers=BROWSER))
    assert "Connect from QGIS or GDAL" in english and "Forbidden sites" in english
    assert "Sambungkan" not in english


def test_a_page_of_features_is_the_same_page_as_the_json(client):
    query = "limit=5&category=school&bbox=108.2,-6.5,108.4,-6.3"
    page = client.get(f"/ogc/collections/sites/items?{query}", headers=BROWSER)
    data = client.get(f"/ogc/collections/sites/items?{query}").get_json()   # get_json reads it whole
    rows = re.findall(r'<th scope="row"><a href="/ogc/collections/sites/items/([^"?]+)\?f=html">', page.text)
    assert rows == [f["id"] for f in data["features"]] and len(rows) == 5
    words = text(page)
    matched = data["numberMatched"]
    assert matched > 5
    assert f"Fitur 1–5 dari {matched:,}.".replace(",", ".") in words
    assert "Disaring dengan:" in words and "category" in words and "bbox" in words
    for feature in data["features"]:   # a point links to its verdict on the map
        lon, lat = feature["geometry"]["coordinates"]
        assert f'/?lat={lat:.6f}&amp;lon={lon:.6f}"' in page.text
    # next, then back: the same filters, as pages, each feature once
    (following,) = hrefs(page, 'http://localhost/ogc/collections/sites/items[^"]*offset=5')
    args = parse_qs(urlsplit(following).query)
    assert args["f"] == ["html"] and args["category"] == ["school"] and args["limit"] == ["5"]
    second = client.get(following, headers=BROWSER)
    more = re.findall(r'<th scope="row"><a href="/ogc/collections/sites/items/([^"?]+)\?f=html">', second.text)
    assert more and not set(more) & set(rows)
    (back,) = hrefs(second, 'http://localhost/ogc/collections/sites/items[^"]*offset=0')
    assert 'rel="prev"' in second.text and kind(client.get(back, headers=BROWSER)) == "items"
    # the page's map draws the same features, from the JSON of the same query
    (source,) = [html.unescape(s) for s in re.findall(r'id="ogc-map"[^>]*data-source="([^"]+)"', page.text)]
    args = parse_qs(urlsplit(source).query)
    assert args["f"] == ["json"] and args["limit"] == ["5"] and args["category"] == ["school"]
    assert [f["id"] for f in client.get(source).get_json()["features"]] == rows
    # past the end: no features, no next, no map
    empty = client.get("/ogc/collections/sites/items?offset=100000000", headers=BROWSER)
    assert "Tidak ada fitur di halaman ini." in text(empty) and 'rel="next"' not in empty.text
    assert 'id="ogc-map"' not in empty.text


def test_a_feature_page_shows_every_property(client):
    feature = client.get("/ogc/collections/sites/items/indramayu-6").get_json()
    page = client.get("/ogc/collections/sites/items/indramayu-6?lang=en", headers=BROWSER)
    words = text(page)
    for name, value in feature["properties"].items():
        assert name in words and (value is None or str(value) in words), name
    lon, lat = feature["geometry"]["coordinates"]
    assert f'href="/?lat={lat:.6f}&amp;lon={lon:.6f}"' in page.text and "See on the map" in words
    regency = client.get("/ogc/collections/regencies/items/32.12", headers=BROWSER)
    assert "Kabupaten Indramayu" in text(regency) and "Lihat di peta" not in text(regency)  # a polygon
    assert client.get("/ogc/collections/regencies/items/32.12").get_json()["properties"]["own_rules"] is False
    assert re.search(r"own_rules</code></th><td>tidak</td>", regency.text)   # yes and no in words, not False


def test_a_collection_page_describes_extent_filters_and_properties(client):
    words = text(client.get("/ogc/collections/sites", headers=BROWSER))
    for part in ("Lokasi terlarang", "Batas wilayah", "category", "regency_code", "legal_basis", "Vector tiles",
                 "Lihat fitur", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"):
        assert part in words, part
    violations = text(client.get("/ogc/collections/violations", headers=BROWSER))
    assert "hanya terbuka dengan token" in violations


def test_errors_on_the_pages_are_pages_and_on_json_problem_json(client):
    page = client.get("/ogc/collections/nope", headers=BROWSER)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "nope" in text(page) and "Kembali ke peta" in text(page)
    assert client.get("/ogc/collections/nope").mimetype == "application/problem+json"
    assert client.get("/ogc/collections/nope?f=html").mimetype == "text/html"
    # a collection that needs a token: the page says so, in the browser's language
    private = client.get("/ogc/collections/violations/items?lang=en", headers=BROWSER)
    assert private.status_code == 401 and private.mimetype == "text/html" and "token" in text(private)
    # f= is json or html here, and json only where there is no page (the tiles)
    bad = client.get("/ogc/collections?f=xml", headers=BROWSER)
    assert bad.status_code == 400 and "f=json atau f=html" in bad.get_json()["detail"]
    tiles = client.get("/ogc/collections/sites/tiles?f=html")
    assert tiles.status_code == 400 and "HTML tidak disajikan" in text(tiles)   # said on a page, as asked
    assert "HTML tidak disajikan" in client.get("/ogc/collections/sites/tiles?f=html", headers=GDAL).data.decode()


def test_the_html_conformance_class_and_the_f_parameter_are_declared(client):
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html" in \
        client.get("/ogc/conformance").get_json()["conformsTo"]
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in ("/ogc", "/ogc/collections", "/ogc/collections/{collection_id}/items"):
        get = paths[path]["get"]
        (f,) = [p for p in get["parameters"] if p["name"] == "f"]
        assert f["schema"]["enum"] == ["json", "html"]
        assert "text/html" in get["responses"]["200"]["content"]
