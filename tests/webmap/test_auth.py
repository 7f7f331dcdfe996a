"""Access: Bearer tokens with roles; 401 without a token, 403 for the wrong role (problem+json);
checking a point needs no token; `zonasi token create` prints only the token."""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from webmap import create_app
from zonasi.cli import cli
from zonasi.testing.reports import photo, report

ROLES = ("field", "bawaslu", "satpolpp", "admin")


@pytest.fixture()
def world(store_settings, engine):
    app = create_app(store_settings, engine=engine)
    store = app.extensions["zonasi"].store
    tokens = {role: store.tokens.create(role, f"{role} token") for role in ROLES}
    client = app.test_client()
    rid = client.post("/api/reports", json=report(), headers=_h(tokens["field"])).json["id"]
    yield client, tokens, rid, store
    store.dispose()


def _h(token):
    return {"Authorization": f"Bearer {token}"}


def _requests(rid):
    """(name, method, path, json) for every endpoint that needs a token."""
    return [
        ("submit", "post", "/api/reports", report(lonlat=(108.33, -6.40))),
        ("list", "get", "/api/reports", None),
        ("read", "get", f"/api/reports/{rid}", None),
        ("verify", "post", f"/api/reports/{rid}/transitions", {"status": "verified"}),
        ("dismiss", "post", f"/api/reports/{rid}/transitions", {"status": "dismissed", "reason": "permitted"}),
        ("violations", "get", "/api/violations.geojson", None),
        ("violations_csv", "get", "/api/violations.csv", None),
    ]


ALLOWED = {
    "field": {"submit", "read"},
    "bawaslu": {"list", "read", "verify", "dismiss", "violations", "violations_csv"},
    "satpolpp": {"read", "violations", "violations_csv"},
    "admin": {"submit", "list", "read", "verify", "dismiss", "violations", "violations_csv"},
}


def _assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["title"] and body["detail"]


def test_no_token_is_401_with_a_bearer_challenge(world):
    client, _, rid, _ = world
    for name, method, path, body in _requests(rid):
        response = getattr(client, method)(path, json=body)
        _assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer"), name
        assert "Authorization: Bearer" in response.json["detail"]


@pytest.mark.parametrize("header", ["Bearer zns_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer "])
def test_bad_tokens_are_401(world, header):
    client, _, rid, _ = world
    _assert_problem(client.get(f"/api/reports/{rid}", headers={"Authorization": header}), 401)


@pytest.mark.parametrize("role", ROLES)
def test_roles(world, role):
    client, tokens, rid, _ = world
    for name, method, path, body in _requests(rid):
        # each move on a fresh report, so that workflow order does not decide the outcome
        if name in ("verify", "dismiss"):
            path = f"/api/reports/{client.post('/api/reports', json=report(), headers=_h(tokens['field'])).json['id']}/transitions"
        response = getattr(client, method)(path, json=body, headers=_h(tokens[role]))
        if name in ALLOWED[role]:
            assert response.status_code in (200, 201), (role, name, response.get_data(as_text=True))
        else:
            _assert_problem(response, 403)
            assert role in response.json["detail"], (role, name)


def test_only_satpolpp_and_admin_mark_removed(world):
    client, tokens, rid, _ = world
    for status in ("verified", "notified"):
        assert client.post(f"/api/reports/{rid}/transitions", json={"status": status},
                           headers=_h(tokens["bawaslu"])).status_code == 200
    for role in ("field", "bawaslu"):
        _assert_problem(client.post(f"/api/reports/{rid}/transitions", json={"status": "removed"},
                                    headers=_h(tokens[role])), 403)
    proof = {"status": "removed", "storage_location": "Kantor Kecamatan",   # a removal's proof (#19)
             "photo": (io.BytesIO(photo()), "after.jpg", "image/jpeg")}
    assert client.post(f"/api/reports/{rid}/transitions", data=proof, content_type="multipart/form-data",
                       headers=_h(tokens["satpolpp"])).status_code == 200


def test_checking_a_point_and_the_public_map_need_no_token(world):
    client, *_ = world
    response = client.get("/api/check?lat=-6.33&lon=108.32")
    assert response.status_code == 200 and response.json["status"] in ("violation", "outside_period")
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"


def test_english_messages(world):
    client, *_ = world
    response = client.get("/api/violations.geojson?lang=en")
    _assert_problem(response, 401)
    assert response.json["detail"].startswith("This needs an API token")


def test_revoked_token_is_refused(world):
    client, tokens, rid, store = world
    who = store.tokens.authenticate(tokens["satpolpp"])
    store.tokens.revoke(who.id)
    _assert_problem(client.get("/api/violations.geojson", headers=_h(tokens["satpolpp"])), 401)


def test_a_field_token_reads_only_the_reports_it_submitted(world):
    """Another field token's report, its photo and the public's report answer 404 to a field token,
    exactly as a report that does not exist: a field token learns nothing of reports not its own."""
    client, tokens, rid, store = world
    other = store.tokens.create("field", "another team")
    mine = client.get(f"/api/reports/{rid}", headers=_h(tokens["field"]))
    assert mine.status_code == 200 and mine.json["id"] == rid and "reporter" not in mine.json
    form = {"apk_type": "spanduk", "lon": "108.33", "lat": "-6.40", "photo": (io.BytesIO(photo()), "a.jpg", "image/jpeg")}
    theirs = client.post("/api/reports", data=form, content_type="multipart/form-data", headers=_h(other)).json["id"]
    with client.get(f"/api/reports/{theirs}/photo", headers=_h(other)) as own_photo:
        assert own_photo.status_code == 200 and own_photo.mimetype == "image/jpeg"
    absent = "00000000-0000-4000-8000-000000000000"
    for path in (f"/api/reports/{theirs}", f"/api/reports/{theirs}/photo", f"/api/reports/{theirs}/removal-photo",
                 f"/api/reports/{absent}"):
        refused = client.get(path + "?lang=en", headers=_h(tokens["field"]))
        _assert_problem(refused, 404)
        assert refused.json["detail"] == client.get(f"/api/reports/{absent}?lang=en",
                                                    headers=_h(tokens["field"])).json["detail"].replace(absent, path.split("/")[3])
    for role in ("satpolpp", "bawaslu", "admin"):   # the roles that read every report
        assert client.get(f"/api/reports/{theirs}", headers=_h(tokens[role])).status_code == 200, role


def test_token_create_prints_only_the_token(store_settings, store_url, engine):
    env = {"ZONASI_DATABASE_URL": store_url, "ZONASI_INSTANCE": str(store_settings.instance_dir)}
    runner = CliRunner()
    result = runner.invoke(cli, ["token", "create", "--role", "bawaslu", "--name", "Bawaslu Indramayu"], env=env)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and token.startswith("zns_") and len(token) > 40
    app = create_app(store_settings, engine=engine)
    store = app.extensions["zonasi"].store
    try:
        assert store.tokens.authenticate(token).role == "bawaslu"
        listed = runner.invoke(cli, ["token", "list"], env=env)
        assert "Bawaslu Indramayu" in listed.stdout and token not in listed.stdout
        bad = runner.invoke(cli, ["token", "create", "--role", "mayor", "--name", "x"], env=env)
        assert bad.exit_code == 2 and "mayor" in bad.output
    finally:
        store.dispose()


def test_identity_never_outlives_its_request(world):
    """A response still open (the OGC items page below, streamed, is not closed) keeps its application context
    pushed, and the next request reuses that context: an identity cached in ``g`` answered for
    the next caller (satpolpp got admin's view, reporter included). It is kept per request."""
    client, tokens, rid, _ = world
    held = [client.get("/ogc/collections/violations/items", headers=_h(tokens["admin"])),
            client.get("/api/whoami", headers=_h(tokens["admin"]))]
    assert all(r.status_code == 200 for r in held)
    assert client.get("/api/whoami", headers=_h(tokens["satpolpp"])).json["role"] == "satpolpp"
    seen = client.get(f"/api/reports/{rid}", headers=_h(tokens["satpolpp"]))
    assert seen.status_code == 200 and "reporter" not in seen.json
    assert client.get("/api/reports", headers=_h(tokens["satpolpp"])).status_code == 403
    for response in held:
        response.close()
