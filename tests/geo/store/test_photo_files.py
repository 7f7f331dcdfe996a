"""One reader of a report's stored photos (geo.store.photofiles) behind Store.photo and removal_photo,
on both backends: each finds its own file, and each tells its own absence."""
from __future__ import annotations

import pytest

from geo.errors import NotFound
from geo.store import removal_photo
from zonasi.testing.reports import photo, report


def test_the_report_photo_and_the_after_photo_are_each_their_own_file(store):
    before, after = photo("JPEG"), photo("PNG", size=(20, 20))
    rid = store.submit(report(), photo=before).report["id"]
    store.transition(rid, "verified", actor="B", role="bawaslu")
    store.transition(rid, "removed", actor="S", role="satpolpp", storage_location="Gudang", photo=after)
    path, media_type = store.photo(rid)
    assert media_type == "image/jpeg" and path.read_bytes() == before
    path, media_type = removal_photo(store, rid.upper())   # any spelling of the id
    assert media_type == "image/png" and path.read_bytes() == after


def test_each_reader_tells_its_own_absence(store):
    rid = store.submit(report()).report["id"]
    with pytest.raises(NotFound, match="has no photo") as missing:
        store.photo(rid)
    assert missing.value.message_id == "reports.no_photo" and missing.value.message_values == {"id": rid}
    with pytest.raises(NotFound, match="has no removal photo") as missing:
        removal_photo(store, rid)
    assert missing.value.message_id == "removal.no_photo"


def test_an_unknown_report_has_no_photo_even_on_a_new_database(store):
    """The first request of a fresh store was an OperationalError (no table yet): a 500, not a 404."""
    unknown = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(NotFound, match="has no photo"):
        store.photo(unknown)
    with pytest.raises(NotFound, match="has no removal photo"):
        removal_photo(store, unknown)
