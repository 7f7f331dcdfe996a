"""The letters API on both backends: issue (201 with the number, deadline, ids and the PDF's URL),
refusals as problem+json naming the ids, the list, and the PDF: read back with pdftotext, the
same bytes at a later download and after the rules file changed."""
from __future__ import annotations

import subprocess

import pytest

from geo import Engine, load_layers
from tests.conftest import settings_for_tests
from webmap import create_app
from zonasi.testing.casework import NOTICE_RULES, SCHOOLS, casework_layers, verified


@pytest.fixture()
def world(tmp_path, store_url):
    directory = casework_layers(tmp_path)
    settings = settings_for_tests(instance_dir=tmp_path / "instance", layers_dir=directory, database_url=store_url)
    app = create_app(settings, engine=Engine(load_layers(directory)))
    store = app.extensions["zonasi"].store
    tokens = {role: store.tokens.create(role, f"{role} test") for role in ("field", "bawaslu", "satpolpp", "admin")}
    yield app.test_client(), tokens, store, settings, directory
    store.dispose()


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "got.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def test_issue_list_and_download(world, tmp_path):
    client, tokens, store, settings, directory = world
    ids = verified(store, n=2)
    body = {"participant": "Partai Contoh", "regency": "32.12", "ids": ids}
    r = client.post("/api/letters", json=body, headers=auth(tokens["bawaslu"]))
    assert r.status_code == 201, r.json
    number = "001/PP.01/32.12/I/2024"
    assert r.json["number"] == number and r.json["ids"] == ids
    assert r.json["deadline"] == "2024-01-18T03:00:00Z"          # the test clock (10:00 WIB) + 72 h
    assert r.json["pdf"] == f"/api/letters/{number}.pdf" and r.headers["Location"] == r.json["pdf"]
    report = client.get(f"/api/reports/{ids[0]}", headers=auth(tokens["bawaslu"])).json
    assert report["status"] == "notified" and report["letter_number"] == number
    assert report["history"][-1]["to"] == "notified"

    listed = client.get("/api/letters?regency=32.12", headers=auth(tokens["satpolpp"])).json
    assert listed["numberMatched"] == 1 and listed["letters"][0]["number"] == number
    assert listed["letters"][0]["pdf"] == r.json["pdf"] and listed["letters"][0]["ids"] == ids
    assert client.get("/api/letters?regency=32.09", headers=auth(tokens["admin"])).json["numberMatched"] == 0
    assert client.get("/api/letters?regency=indramayu", headers=auth(tokens["admin"])).json["numberMatched"] == 1
    unknown = client.get("/api/letters?regency=Atlantis", headers=auth(tokens["admin"]))
    assert unknown.status_code == 400 and unknown.json["field"] == "regency"

    first = client.get(r.json["pdf"], headers=auth(tokens["satpolpp"]))
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    again = client.get(r.json["pdf"], headers=auth(tokens["bawaslu"]))
    assert again.data == first.data
    text = pdf_text(first.data, tmp_path)
    basis = " ".join(store.engine.rules.category("school").legal_basis.split())
    assert number in text and "Partai Contoh" in text and SCHOOLS["32.12"][0] in text and basis in text

    # The rules change (another legal basis, other notice hours) and the server restarts on them:
    # the letter is still the one that was sent, byte for byte.
    (directory / "rules.toml").write_text(
        NOTICE_RULES.replace(basis.split(";")[0], "Perbup Contoh 1/2025") + '\n[regencies."32.12"]\nnotice_hours = 12\n',
        "utf-8")
    kept = list((settings.instance_dir / "letters").glob("*.pdf"))
    assert len(kept) == 1 and kept[0].read_bytes() == first.data
    kept[0].unlink()                       # drawn again (a new node): from the letter's snapshot
    later = create_app(settings, engine=Engine(load_layers(directory)))
    try:
        assert later.extensions["zonasi"].engine.rules.version != store.engine.rules.version
        redo = later.test_client().get(r.json["pdf"], headers=auth(tokens["admin"]))
        assert redo.status_code == 200 and redo.data == first.data and kept[0].is_file()
    finally:
        later.extensions["zonasi"].store.dispose()


def test_refusals_are_problems_naming_the_ids(world):
    client, tokens, store, *_ = world
    good = verified(store)
    elsewhere = verified(store, "32.09")
    reported = verified(store, status="reported")
    post = lambda body, role="bawaslu", q="": client.post(f"/api/letters{q}", json=body,  # noqa: E731
                                                          headers=auth(tokens[role]))
    body = {"participant": "Partai Contoh", "regency": "32.12"}
    wrong = post({**body, "ids": good + elsewhere})
    assert wrong.status_code == 400 and wrong.mimetype == "application/problem+json"
    assert wrong.json["ids"] == elsewhere and elsewhere[0] in wrong.json["detail"]
    assert "tidak berada di kabupaten/kota 32.12" in wrong.json["detail"]
    english = post({**body, "ids": good + elsewhere}, q="?lang=en")
    assert "are not in regency 32.12" in english.json["detail"]
    conflict = post({**body, "ids": good + reported})
    assert conflict.status_code == 409 and conflict.json["ids"] == reported and "belum diverifikasi" in conflict.json["detail"]
    for bad in ({"ids": good}, {**body, "ids": "x"}, {**body, "regency": "Atlantis", "ids": good}, [1, 2]):
        answer = post(bad)
        assert answer.status_code == 400 and answer.mimetype == "application/problem+json", bad
    assert post({**body, "ids": good}, role="satpolpp").status_code == 403
    assert post({**body, "ids": good}, role="field").status_code == 403
    assert client.post("/api/letters", json={**body, "ids": good}).status_code == 401
    assert client.get("/api/letters").status_code == 401
    assert client.get("/api/letters", headers=auth(tokens["field"])).status_code == 403
    missing = client.get("/api/letters/001/PP.01/32.12/I/2030.pdf", headers=auth(tokens["bawaslu"]))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert "Tidak ada surat bernomor 001/PP.01/32.12/I/2030" in missing.json["detail"]
    assert store.get_report(good[0])["status"] == "verified"      # nothing was issued
