"""Every message the server returns comes from the catalog, in Indonesian and English (issue #18).

- every key of the catalog is in both languages, with the same placeholders;
- every ZonasiError the code raises in geo/, webmap/ and zonasi/ names its catalog key (an AST scan);
- problem+json answers (``detail`` and ``title``) come in the request's language: ``?lang=``, then
  the pages' language cookie, then Accept-Language, then Indonesian.
"""
from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from geo.errors import ConfigError, ZonasiError
from geo.i18n import LANGUAGES, Catalog
from geo.store import APK_TYPES

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("geo", "webmap", "zonasi")
PLACEHOLDER = re.compile(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}")
BASE_ERRORS = {"ZonasiError"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog()


# -- (a), (b): the catalog itself -----------------------------------------------------------------

def test_every_key_is_in_both_languages(catalog):
    keys = {lang: set(catalog.messages[lang]) for lang in LANGUAGES}
    assert keys["id"] - keys["en"] == set(), "keys only in Indonesian"
    assert keys["en"] - keys["id"] == set(), "keys only in English"


def test_both_languages_fill_the_same_placeholders(catalog):
    differ = {}
    for key, english in catalog.messages["en"].items():
        indonesian = catalog.messages["id"].get(key, "")
        if set(PLACEHOLDER.findall(english)) != set(PLACEHOLDER.findall(indonesian)):
            differ[key] = (sorted(set(PLACEHOLDER.findall(indonesian))), sorted(set(PLACEHOLDER.findall(english))))
    assert differ == {}


def test_the_placeholder_check_sees_a_missing_value():
    """The check above can fail: a value named in one text only is found."""
    assert set(PLACEHOLDER.findall("{n} baris dari {path}")) != set(PLACEHOLDER.findall("{n} rows"))
    assert set(PLACEHOLDER.findall("{name!r} in {limit:,}")) == {"name", "limit"}
    assert PLACEHOLDER.findall('send {"status": ...} as JSON') == []


# -- (c): every raise names its key -------------------------------------------------------------

def _sources() -> dict[Path, ast.Module]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out[path] = ast.parse(path.read_text("utf-8"), str(path))
    return out


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def error_classes(trees) -> tuple[set[str], set[str]]:
    """The names of ZonasiError and its subclasses in ``trees``, and those whose class body sets a
    default ``message_id``."""
    classes = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    errors, keyed = set(BASE_ERRORS), set()
    grown = True
    while grown:
        grown = False
        for node in classes:
            if node.name not in errors and any(_name(b) in errors for b in node.bases):
                errors.add(node.name)
                grown = True
    for node in classes:
        if node.name in errors and any(isinstance(s, ast.Assign) and any(_name(t) == "message_id" for t in s.targets)
                                       for s in node.body):
            keyed.add(node.name)
    return errors, keyed


def unkeyed_errors(trees: dict[Path, ast.Module]) -> list[str]:
    """Every call that makes a ZonasiError (a raise, or a helper returning one) without a
    ``message_id`` keyword, as ``path:line``."""
    errors, keyed = error_classes(trees.values())
    missing = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node.func) not in errors or _name(node.func) in keyed:
                continue
            if not any(k.arg == "message_id" for k in node.keywords):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return missing


def message_ids(trees: dict[Path, ast.Module]) -> dict[str, str]:
    """Every key a call names literally (``message_id="a.b"``, or either branch of a conditional),
    with where."""
    out = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "message_id" and not isinstance(keyword.value, ast.JoinedStr):
                        for const in ast.walk(keyword.value):
                            if isinstance(const, ast.Constant) and isinstance(const.value, str):
                                out[const.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return out


def test_every_error_raised_names_its_catalog_key():
    assert unkeyed_errors(_sources()) == []


def test_every_key_named_in_the_code_is_in_the_catalog(catalog):
    named = message_ids(_sources())
    assert len(named) > 150
    assert {key: where for key, where in named.items() if key not in catalog.messages["en"]} == {}


def test_keys_made_from_names_are_in_the_catalog(catalog):
    """The keys the code builds with an f-string: one per latitude/longitude and bbox edge."""
    for key in ("check.latitude_range", "check.longitude_range", "bbox.west_range", "bbox.east_range",
                "bbox.south_range", "bbox.north_range"):
        assert catalog.get(key, "id", value="1", limit=90) != catalog.get(key, "en", value="1", limit=90)


def test_the_scan_finds_a_raise_without_a_key():
    """The scan above can fail: an InputError subclass raised bare, or through a helper, is found; a
    class with its own default key and a call naming its key are not."""
    code = ast.parse(
        "class Odd(InputError):\n    pass\n"
        "class Keyed(InputError):\n    message_id = 'x.y'\n"
        "def f():\n    raise Odd('english only')\n"
        "def g():\n    return errors.NotFound('no such thing')\n"
        "def h():\n    raise Keyed('fine')\n"
        "def i():\n    raise InputError('fine', message_id='a.b')\n")
    tree = {ROOT / "geo" / "example.py": code}
    code_classes = {"InputError": "ZonasiError", "NotFound": "ZonasiError"}
    stub = ast.parse("".join(f"class {c}({b}):\n    pass\n" for c, b in code_classes.items()))
    assert unkeyed_errors({**tree, ROOT / "geo" / "errors_stub.py": stub}) == ["geo/example.py:6", "geo/example.py:8"]


def test_a_configuration_error_names_the_file_line_and_key_in_the_callers_language(catalog):
    error = ConfigError("regency 99.99 is not in the loaded regencies layer", path="rules.toml", line=7,
                        key="regencies.99.99", message_id="config.unknown_regency", message_values={"code": "99.99"})
    assert error.message.startswith("rules.toml:7 [regencies.99.99]: regency 99.99")
    assert error.text(catalog, "id") == ("rules.toml:7 [regencies.99.99]: kabupaten/kota 99.99 tidak ada di "
                                         "lapisan kabupaten/kota yang dimuat")
    assert error.text(catalog, "en") == "rules.toml:7 [regencies.99.99]: regency 99.99 is not in the loaded regencies layer"


def test_a_bad_rules_file_is_said_in_indonesian(catalog):
    from geo.rules import parse_rules

    with pytest.raises(ZonasiError) as refused:
        parse_rules("[settings]\nno_such_key = 1\n", "rules.toml")
    assert "no_such_key" in refused.value.text(catalog, "id") and "tidak dikenal" in refused.value.text(catalog, "id")
    assert "unknown key" in refused.value.message


# -- (d): problem+json in the request's language ------------------------------------------------

def _csv(text: str):
    return {"file": (io.BytesIO(text.encode()), "laporan.csv")}


def _garbage_photo():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return out.getvalue()[:200]   # a JPEG cut short


# (method, path, request kwargs, catalog key, its values): each a request a user can make by mistake
BAD_REQUESTS = [
    ("get", "/api/check?lat=abc&lon=108.3", {}, "params.not_number", {"name": "lat", "value": "abc"}),
    ("get", "/api/check?lat=95&lon=108.3", {}, "params.out_of_range",
     {"name": "lat", "value": "95", "low": "-90", "high": "90"}),
    ("get", "/api/check?lon=108.3", {}, "params.required", {"name": "lat"}),
    ("get", "/ogc/collections/sites/items?bbox=1,2,3", {}, "bbox.four_numbers", {"value": "'1,2,3'"}),
    ("get", "/ogc/collections/sites/items?bbox=108,-6,200,-5", {}, "bbox.east_range", {"value": "200", "limit": 180}),
    ("get", "/ogc/collections/sites/items?bbox=108,-5,109,-6", {}, "bbox.south_north", {"south": "-5", "north": "-6"}),
    ("get", "/ogc/collections/sekolah/items", {}, "ogc.no_collection", None),
    ("get", "/ogc/collections/sites/items?limit=x", {}, "params.not_integer", {"name": "limit", "value": "x"}),
    ("get", "/ogc/collections/sites/items?warna=merah", {}, "ogc.unknown_parameter", None),
    ("get", "/ogc/collections/sites/items?datetime=kemarin", {}, "ogc.datetime_invalid", {"value": "kemarin"}),
    ("get", "/ogc/collections/zones/items/99.99-school", {}, "zones.no_feature", {"feature": "99.99-school"}),
    ("get", "/api/geocode", {}, "geocode.required", {}),
    ("get", "/api/geocode?q=" + "x" * 201, {}, "geocode.too_long", {"length": 201, "limit": 200}),
    ("get", "/api/zones.geojson", {}, "zones.regency_or_bbox", {}),
    ("get", "/api/zones.geojson?regency=32.12&category=pasar", {}, "category.unknown", None),
    ("post", "/api/validate", {"data": _csv("nama,alamat\nA,Jalan 1\n"), "content_type": "multipart/form-data"},
     "batch.no_coordinate_columns", {"columns": '"nama", "alamat"'}),
    ("post", "/api/validate", {"data": _csv(""), "content_type": "multipart/form-data"}, "batch.file_empty", {}),
    ("post", "/api/validate", {"data": {}, "content_type": "multipart/form-data"}, None, None),
]


def _ask(client, method, path, kwargs, *, lang=None, headers=None):
    if lang:
        path += ("&" if "?" in path else "?") + f"lang={lang}"
    kwargs = dict(kwargs)
    if "data" in kwargs and isinstance(kwargs["data"], dict):  # the upload's bytes are read once per request
        kwargs["data"] = {k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v
                          for k, v in kwargs["data"].items()}
    response = getattr(client, method)(path, headers=headers or {}, **kwargs)
    assert response.mimetype == "application/problem+json", (path, response.status_code, response.data[:300])
    assert 400 <= response.status_code < 500, (path, response.get_json())
    return response.get_json()


@pytest.mark.parametrize(("method", "path", "kwargs", "key", "values"), BAD_REQUESTS,
                         ids=[f"{r[0]} {r[1][:60]}" for r in BAD_REQUESTS])
def test_a_bad_request_is_answered_in_indonesian_or_english(client, catalog, method, path, kwargs, key, values):
    indonesian = _ask(client, method, path, kwargs, headers={"Accept-Language": "id"})
    english = _ask(client, method, path, kwargs, lang="en", headers={"Accept-Language": "id"})
    assert indonesian["detail"] != english["detail"] and indonesian["title"] != english["title"]
    assert indonesian["status"] == english["status"] and indonesian["type"] == english["type"]
    if key is not None and values is not None:
        assert indonesian["detail"] == catalog.get(key, "id", **values)
        assert english["detail"] == catalog.get(key, "en", **values)
    elif key is not None:   # values that list what exists: the text's longest fixed part
        for lang, got in (("id", indonesian), ("en", english)):
            fixed = max(PLACEHOLDER.split(catalog.messages[lang][key])[::2], key=len)
            assert fixed.strip() and fixed in got["detail"], (lang, fixed, got["detail"])
    assert indonesian["title"] == catalog.get(f"problem.title.{indonesian['type'].split('#')[-1]}", "id")


def test_a_bad_photo_is_answered_in_indonesian_or_english(reports_app, catalog):
    client, tokens, _ = reports_app

    def post(**headers):
        data = {"apk_type": "baliho", "lon": "108.32", "lat": "-6.33",
                "photo": (io.BytesIO(_garbage_photo()), "apk.jpg")}
        return client.post("/api/reports" + headers.pop("query", ""), data=data, content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {tokens['field']}", **headers})
    indonesian = post(**{"Accept-Language": "id"})
    english = post(**{"Accept-Language": "id", "query": "?lang=en"})
    assert indonesian.status_code == english.status_code == 400
    assert indonesian.get_json()["detail"] == catalog.get("reports.photo_unreadable", "id")
    assert english.get_json()["detail"] == catalog.get("reports.photo_unreadable", "en")
    assert indonesian.get_json()["title"] == "Masukan tidak valid" and english.get_json()["title"] == "Invalid input"


def test_a_bad_report_field_is_answered_in_indonesian(reports_app, catalog):
    client, tokens, _ = reports_app
    headers = {"Authorization": f"Bearer {tokens['field']}", "Accept-Language": "id-ID,id;q=0.9"}
    got = client.post("/api/reports", json={"apk_type": "spanduk raksasa", "lon": 108.3, "lat": -6.3}, headers=headers)
    assert got.status_code == 400
    values = {"value": "spanduk raksasa", "types": ", ".join(APK_TYPES)}
    assert got.get_json()["detail"] == catalog.get("reports.apk_type_unknown", "id", **values)


def test_a_bad_token_is_answered_in_indonesian_or_english(client, catalog):
    headers = {"Authorization": "Bearer zns_tidak_ada", "Accept-Language": "id"}
    indonesian = client.get("/api/reports", headers=headers)
    english = client.get("/api/reports?lang=en", headers=headers)
    assert indonesian.status_code == english.status_code == 401
    assert indonesian.get_json()["detail"] == catalog.get("reports.auth_invalid", "id")
    assert english.get_json()["detail"] == catalog.get("reports.auth_invalid", "en")
    assert (indonesian.get_json()["title"], english.get_json()["title"]) == ("Perlu autentikasi", "Unauthorized")


def test_an_unknown_address_is_answered_in_indonesian_or_english(client, catalog):
    indonesian = client.get("/api/tidak-ada", headers={"Accept-Language": "id"})
    english = client.get("/api/tidak-ada", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert indonesian.status_code == english.status_code == 404
    assert indonesian.get_json()["detail"] == catalog.get("problem.http.404", "id")
    assert english.get_json()["detail"] == catalog.get("problem.http.404", "en")
    assert (indonesian.get_json()["title"], english.get_json()["title"]) == ("Tidak ditemukan", "Not found")


@pytest.mark.parametrize(("query", "cookie", "accept", "expected"), [
    ("", None, None, "id"),                           # nothing said: Indonesian
    ("", None, "en-US,en;q=0.9", "en"),               # the browser's language
    ("", None, "fr-FR,fr;q=0.9", "id"),               # a language zonasi does not speak: Indonesian
    ("", None, "fr;q=0.9, en;q=0.5", "en"),           # the best one it speaks
    ("", "en", "id", "en"),                           # the pages' cookie beats the browser
    ("?lang=id", "en", "en", "id"),                   # ?lang= beats both
    ("?lang=xx", "en", "id", "en"),                   # an unknown ?lang= is passed over
])
def test_the_language_is_lang_then_cookie_then_accept_language(client, catalog, query, cookie, accept, expected):
    from webmap.language import LANG_COOKIE

    if cookie:
        client.set_cookie(LANG_COOKIE, cookie)
    headers = {"Accept-Language": accept} if accept else {}
    sep = "&" if query else "?"
    got = client.get(f"/api/check{query}{sep}lat=abc&lon=108.3", headers=headers).get_json()
    assert got["detail"] == catalog.get("params.not_number", expected, name="lat", value="abc")


def test_the_language_cookie_is_the_one_the_pages_set():
    from webmap.language import LANG_COOKIE
    from webmap.pages.views import LANG_COOKIE as PAGES_COOKIE

    assert LANG_COOKIE == PAGES_COOKIE


def test_a_refusal_before_flask_takes_the_browsers_language():
    """The overload and busy answers (zonasi serve's middleware) read the same three sources."""
    from webmap.language import LANG_COOKIE, environ_language

    assert environ_language({"QUERY_STRING": "", "HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, "id") == "en"
    assert environ_language({"QUERY_STRING": "lang=id", "HTTP_ACCEPT_LANGUAGE": "en"}, "en") == "id"
    assert environ_language({"QUERY_STRING": "", "HTTP_COOKIE": f"{LANG_COOKIE}=en"}, "id") == "en"
    assert environ_language({"QUERY_STRING": ""}, "id") == "id"


def test_measurements_are_written_with_the_languages_decimal_mark():
    """A float value fills a message in the language's marks (as the pages' zonasi.formatNumber);
    texts and whole numbers are left as given (a row number or a year is no measurement)."""
    from geo.i18n import Catalog

    catalog = Catalog()
    assert catalog.get("reports.photo_too_big", "id", size=12.5, limit=10.0) == "Ukuran foto 12,5 MB; batasnya 10 MB."
    assert catalog.get("reports.photo_too_big", "en", size=12.5, limit=10.0) == "The photo is 12.5 MB; the limit is 10 MB."
    assert catalog.get("reports.photo_too_big", "id", size="12.5", limit=10000) == "Ukuran foto 12.5 MB; batasnya 10000 MB."

