"""One clock (#15) over HTTP: /api/check, stored reports and the batch upload judge as of the same
time (the app's clock, Settings.now) on the regency's local date, and say which date they used."""
from __future__ import annotations

import json

import pytest

from geo.config import Settings
from zonasi.testing.reports import VIOLATION, report

CHECK = f"/api/check?lat={VIOLATION[1]}&lon={VIOLATION[0]}"
OUT_OF_CAMPAIGN = "2026-12-06T09:00:00+07:00"


def app_at(tmp_path, engine, now: str | None, **values):
    from webmap import create_app

    app = create_app(Settings.from_env({"ZONASI_NOW": now} if now else {}, instance_dir=tmp_path / "i", **values),
                     engine=engine)
    app.config["TESTING"] = True
    return app


def test_check_without_at_uses_the_apps_clock(tmp_path, engine):
    inside = app_at(tmp_path, engine, "2024-01-15T10:00:00+07:00").test_client().get(CHECK).json
    assert inside["status"] == "violation" and inside["at"] == "2024-01-15" and inside["timezone"] == "WIB"
    assert inside["period"] == "pemilu_2024"
    assert "Masa kampanye Pemilu 2024: 28 November 2023 s.d. 10 Februari 2024." in inside["message"]
    outside = app_at(tmp_path, engine, OUT_OF_CAMPAIGN).test_client().get(CHECK).json
    assert outside["status"] == "outside_period" and outside["at"] == "2026-12-06" and outside["period"] is None
    assert outside["message"][0] == "Di luar masa kampanye"
    assert "Tidak ada masa kampanye yang berlaku pada 6 Desember 2026 (WIB)." in outside["message"]


def test_check_without_settings_now_is_the_system_clock(tmp_path, engine):
    import datetime as dt

    before = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    body = app_at(tmp_path, engine, None).test_client().get(CHECK).json
    after = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    assert body["at"] in (before.isoformat(), after.isoformat())


def test_check_with_at_as_given(tmp_path, engine):
    client = app_at(tmp_path, engine, OUT_OF_CAMPAIGN).test_client()
    assert client.get(CHECK + "&at=2024-01-05").json["status"] == "violation"
    # an instant: 2024-02-10T17:30Z is 00:30 on 11 February in WIB, after the campaign
    late = client.get(CHECK + "&at=2024-02-10T17:30:00Z").json
    assert late["status"] == "outside_period" and late["at"] == "2024-02-11"
    assert client.get(CHECK + "&at=2024-02-10T16:30:00Z").json["at"] == "2024-02-10"
    bad = client.get(CHECK + "&at=besok&lang=en")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert "besok" in bad.json["detail"] and "YYYY-MM-DD" in bad.json["detail"]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_stored_report_is_judged_at_its_report_time(tmp_path, engine, store_url):
    app = app_at(tmp_path, engine, "2024-01-15T10:00:00+07:00", database_url=store_url)
    store = app.extensions["zonasi"].store
    try:
        token = store.tokens.create("field", "field test")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        # 23:30 WIB on the campaign's last day: inside it; 00:30 WIB the next day (17:30Z, still
        # 10 February in UTC, which judged it before) is after it
        last = client.post("/api/reports", json=report(reported_at="2024-02-10T23:30:00+07:00"), headers=headers)
        after = client.post("/api/reports", json=report(reported_at="2024-02-10T17:30:00Z"), headers=headers)
        undated = client.post("/api/reports", json=report(reported_at=""), headers=headers)  # the app's clock
        assert last.json["verdict_status"] == "violation" and last.json["verdict"]["at"] == "2024-02-10"
        assert after.json["verdict_status"] == "outside_period" and after.json["verdict"]["at"] == "2024-02-11"
        assert "Tidak ada masa kampanye yang berlaku pada 11 Februari 2024 (WIB)." in after.json["message"]
        assert undated.json["verdict_status"] == "violation" and undated.json["verdict"]["at"] == "2024-01-15"
        assert undated.json["reported_at"].startswith("2024-01-15T03:00:00")
        # the map judges the same spot at the same time the same way
        assert client.get(CHECK + "&at=2024-02-10T17:30:00Z").json["status"] == "outside_period"
    finally:
        store.dispose()


def summary_of(response) -> dict:
    return json.loads(response.headers["X-Zonasi-Summary"])


def test_batch_uses_the_date_column_it_finds_and_says_so(tmp_path, engine):
    from io import BytesIO

    client = app_at(tmp_path, engine, "2024-01-15T10:00:00+07:00").test_client()
    lon, lat = VIOLATION
    dated = f"lat,lon,Tanggal Pasang\n{lat},{lon},2024-01-05\n{lat},{lon},2025-06-01\n".encode()
    response = client.post("/api/validate", data={"file": (BytesIO(dated), "a.csv")})
    summary = summary_of(response)
    assert summary["at_column"] == "Tanggal Pasang" and summary["counts"]["outside_period"] == 1
    assert summary["dates"] == 'Tanggal tiap baris diambil dari kolom "Tanggal Pasang" (tanggal setempat: WIB/WITA/WIT).'
    undated = f"lat,lon\n{lat},{lon}\n".encode()
    for now, status in (("2024-01-15T10:00:00+07:00", "violation"), (OUT_OF_CAMPAIGN, "outside_period")):
        client = app_at(tmp_path, engine, now).test_client()
        summary = summary_of(client.post("/api/validate?lang=en", data={"file": (BytesIO(undated), "b.csv")}))
        assert summary["at_column"] == "" and summary["counts"][status] == 1
        assert summary["now"] == now.replace("+07:00", "+00:00").replace("T10:", "T03:").replace("T09:", "T02:")
    assert summary["dates"] == "No date column: every row was judged as of now, 6 December 2026 (WIB)."
