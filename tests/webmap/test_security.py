"""Access and headers: every write endpoint (found from the url_map, so new ones are covered) wants
a token and the right role; tokens are stored hashed; public outputs carry no reporter identity;
no endpoint authenticates by cookie (CSRF); security headers on every response."""
from __future__ import annotations

import re
import sqlite3

import pytest

from geo.store.tokens import hash_token
from webmap import create_app
from zonasi.testing.reports import VIOLATION, report

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# POST endpoints that change nothing (a computation like GET /api/check, public by design)
PUBLIC_POSTS = {"batch.validate", "public.submit_public"}  # the public intake: no token by design (rate-limited)
ROLES = ("field", "bawaslu", "satpolpp", "admin")
SECRET_REPORTER = "Ani Rahasia Pelapor"
SECRET_TOKEN_NAME = "HP Panwascam Rahasia"


@pytest.fixture()
def secured(store_settings, engine):
    app = create_app(store_settings, engine=engine)
    app.config["TESTING"] = True
    store = app.extensions["zonasi"].store
    tokens = {role: store.tokens.create(role, f"{role} {SECRET_TOKEN_NAME}") for role in ROLES}
    yield app, app.test_client(), tokens, store
    store.dispose()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def write_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & WRITE_METHODS):
            yield rule, method


def concrete(rule) -> str:
    """The rule's path with a plausible value for each variable."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "0f8c1c9e-2b4d-4c1a-9d6e-3b2a1f0e9d8c", rule.rule)


def test_every_write_endpoint_wants_a_token_and_the_right_role(secured):
    app, client, tokens, store = secured
    seen = []
    for rule, method in write_routes(app):
        if rule.endpoint in PUBLIC_POSTS:
            continue
        path = concrete(rule)
        seen.append(f"{method} {rule.rule}")
        body = {"status": "verified", **report()}
        missing = client.open(path, method=method, json=body)
        assert missing.status_code == 401, (method, path, missing.json)
        assert missing.mimetype == "application/problem+json" and "Bearer" in missing.headers["WWW-Authenticate"]
        bogus = client.open(path, method=method, json=body, headers=bearer("zns_not-a-real-token"))
        assert bogus.status_code == 401, (method, path)
        basic = client.open(path, method=method, json=body, headers={"Authorization": "Basic YTpi"})
        assert basic.status_code == 401, (method, path)
        by_role = {role: client.open(path, method=method, json=body, headers=bearer(tokens[role])).status_code
                   for role in ROLES}
        forbidden = {role for role, status in by_role.items() if status == 403}
        assert forbidden, f"{method} {path}: no role is refused ({by_role})"
        assert "admin" not in forbidden and all(status != 401 for status in by_role.values()), by_role
    assert {"POST /api/reports", "POST /api/reports/<report_id>/transitions"} <= set(seen)
    assert store.counts() == {}  # nothing refused was stored


def test_revoked_token_is_refused(secured):
    app, client, tokens, store = secured
    token_id = next(t["id"] for t in store.tokens.list() if t["role"] == "field")
    store.tokens.revoke(token_id)
    r = client.post("/api/reports", json=report(), headers=bearer(tokens["field"]))
    assert r.status_code == 401


def test_public_post_endpoints_write_nothing(secured):
    """The exemptions above really are computations: /api/validate stores no report."""
    app, client, _, store = secured
    import io

    r = client.post("/api/validate", data={"file": (io.BytesIO(b"lat,lon\n-6.33,108.32\n"), "a.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and store.counts() == {}


def test_tokens_are_stored_only_as_hashes(tmp_path, engine):
    from geo.config import Settings
    from geo.store import Store

    settings = Settings(instance_dir=tmp_path / "instance")
    with Store.from_settings(settings, engine) as store:
        secret = store.tokens.create("admin", "hash check")
        assert store.tokens.authenticate(secret).role == "admin"
    raw = b"".join(p.read_bytes() for p in settings.instance_dir.glob("zonasi.db*"))
    assert secret.encode() not in raw and secret[4:].encode() not in raw
    with sqlite3.connect(settings.sqlite_path) as db:
        hashes = [row[0] for row in db.execute("SELECT token_hash FROM api_tokens")]
    assert hashes == [hash_token(secret)] and len(hashes[0]) == 64


def test_public_outputs_carry_no_reporter_identity(secured):
    app, client, tokens, store = secured
    sent = client.post("/api/reports", json=report(reporter=SECRET_REPORTER),
                       headers={**bearer(tokens["field"]), "Idempotency-Key": "identity-1"})
    assert sent.status_code == 201 and "reporter" not in sent.json
    rid = sent.json["id"]
    # bawaslu may see who reported (that is its job) ...
    private = client.get(f"/api/reports/{rid}", headers=bearer(tokens["bawaslu"]))
    assert private.json["reporter"] == SECRET_REPORTER
    # ... nothing else shows it: not the public endpoints, not the violations exports, not other roles
    outputs = {
        "violations.geojson": client.get("/api/violations.geojson", headers=bearer(tokens["bawaslu"])),
        "violations.csv": client.get("/api/violations.csv", headers=bearer(tokens["bawaslu"])),
        "violations.kml": client.get("/api/violations.kml", headers=bearer(tokens["satpolpp"])),
        "violations.gpkg": client.get("/api/violations.gpkg", headers=bearer(tokens["admin"])),
        "ogc violations": client.get("/ogc/collections/violations/items", headers=bearer(tokens["admin"])),
        "ogc violation": client.get(f"/ogc/collections/violations/items/{rid}", headers=bearer(tokens["admin"])),
        "report for satpolpp": client.get(f"/api/reports/{rid}", headers=bearer(tokens["satpolpp"])),
        "report for field": client.get(f"/api/reports/{rid}", headers=bearer(tokens["field"])),
        "stats": client.get("/api/stats", headers=bearer(tokens["bawaslu"])),
        "stats public": client.get("/api/stats"),
        "map page": client.get("/"),
        "violations page": client.get("/violations"),
    }
    for name, response in outputs.items():
        assert response.status_code == 200, (name, response.status_code, response.data[:300])
        body = response.get_data()
        assert SECRET_REPORTER.encode() not in body, name
        assert SECRET_TOKEN_NAME.encode() not in body, name
    assert rid.encode() in outputs["violations.geojson"].get_data()  # the report is in them


def test_no_endpoint_authenticates_by_cookie(secured):
    """CSRF: a cross-site form post carries cookies but never the Bearer header, so it is refused."""
    app, client, tokens, store = secured
    client.set_cookie("session", tokens["admin"])
    client.set_cookie("token", tokens["admin"])
    client.set_cookie("zonasi_token", tokens["admin"])
    r = client.post("/api/reports", data={"apk_type": "baliho", "lon": VIOLATION[0], "lat": VIOLATION[1]},
                    content_type="application/x-www-form-urlencoded",
                    headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"})
    assert r.status_code == 401 and store.counts() == {}
    # the only cookie the app sets is the page language
    page = client.get("/?lang=en")
    cookies = page.headers.getlist("Set-Cookie")
    assert cookies and all(c.startswith("zonasi_lang=") and "SameSite=Lax" in c for c in cookies)
    assert app.secret_key is None  # no signed session cookie exists to forge or steal


@pytest.mark.parametrize("path", ["/", "/batch", "/violations", "/dashboard", "/api/check?lat=-6.33&lon=108.32",
                                  "/api/check", "/api/reports", "/openapi.json", "/ogc/collections",
                                  "/static/zonasi/common.js", "/no/such/page"])
def test_security_headers_on_every_response(client, path):
    r = client.get(path)
    r.close()
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "'unsafe-eval'" not in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "geolocation=(self)" in r.headers["Permissions-Policy"]


def test_inline_scripts_of_the_map_page_carry_this_responses_nonce(client):
    first, second = client.get("/"), client.get("/")
    html = first.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", first.headers["Content-Security-Policy"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    executable = [attrs for attrs in inline if "application/json" not in attrs]
    assert len(executable) >= 2 and all(f'nonce="{nonce}"' in attrs for attrs in executable)
    assert nonce not in second.headers["Content-Security-Policy"]  # a fresh nonce per response
