"""Hypothesis against the reports API on both backends, with the inputs the schema-driven fuzzing
does not make: any unicode in every text field (lone surrogates, NUL, right-to-left marks),
dates at the ends of the calendar with time-zone offsets, in the body and in the filters. The
answer is a stored report or a problem+json 4xx naming the field; never a 5xx, never a NaN."""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.config import Settings
from geo.store.inputs import TEXT_LIMITS
from webmap import create_app

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
OFFSETS = st.sampled_from([dt.timezone(dt.timedelta(hours=h, minutes=m)) for h, m in
                           ((-12, 0), (-1, 0), (0, 0), (1, 0), (5, 45), (14, 0))])
EXTREME_TIMES = st.one_of(
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(1, 1, 3), timezones=OFFSETS),
    st.datetimes(min_value=dt.datetime(9999, 12, 30), max_value=dt.datetime(9999, 12, 31, 23, 59, 59),
                 timezones=OFFSETS),
    st.datetimes(timezones=OFFSETS)).map(lambda t: t.isoformat())
TIME_TEXT = st.one_of(EXTREME_TIMES, ANY_TEXT, st.dates().map(str))


@pytest.fixture()
def api(tmp_path, store_url, engine):
    app = create_app(Settings(instance_dir=tmp_path / "instance", database_url=store_url), engine=engine)
    store = app.extensions["zonasi"].store
    token = store.tokens.create("admin", "fuzz")
    yield app.test_client(), {"Authorization": f"Bearer {token}"}
    store.dispose()


def _no_constant(name):
    raise AssertionError(f"{name} in a JSON answer (browsers cannot parse it)")


def _assert_answer(r):
    assert r.status_code < 500, r.get_data(as_text=True)[:500]
    body = json.loads(r.get_data(as_text=True), parse_constant=_no_constant)  # NaN/Infinity: invalid JSON
    if r.status_code >= 400:
        assert r.headers["Content-Type"] == "application/problem+json" and body["status"] == r.status_code
        return body
    return body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.fixed_dictionaries({}, optional={name: ANY_TEXT for name in TEXT_LIMITS}),
       reported_at=st.one_of(st.none(), TIME_TEXT))
def test_any_text_and_any_date_in_a_report(api, texts, reported_at):
    client, auth = api
    body = {"apk_type": "baliho", "lon": 108.32, "lat": -6.33, **texts}
    if reported_at is not None:
        body["reported_at"] = reported_at
    r = client.post("/api/reports", data=json.dumps(body, ensure_ascii=True),
                    headers={**auth, "Content-Type": "application/json"})
    answer = _assert_answer(r)
    if r.status_code >= 400:
        assert r.status_code in (400, 422) and answer.get("field") in (*TEXT_LIMITS, "reported_at"), answer
    else:
        assert client.get(f"/api/reports/{answer['id']}", headers=auth).status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(since=TIME_TEXT, until=TIME_TEXT)
def test_any_date_in_the_report_filters(api, since, until):
    client, auth = api
    for path in ("/api/reports", "/api/violations.geojson", "/ogc/collections/violations/items"):
        query = "&".join(f"{k}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in
                         (("since", since), ("until", until)))  # lone surrogates as invalid UTF-8
        r = client.get(f"{path}?{query}", headers=auth)
        _assert_answer(r)
