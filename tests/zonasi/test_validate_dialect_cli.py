"""zonasi validate --dialect: the results CSV for Indonesian Excel; choices and help from the one list."""
from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from geo.exports import DIALECTS
from zonasi.cli import cli

REPORTS = "No,lat,lon\n1,-6.327,108.325\n2,,108.3\n"


def test_dialect_excel_id_writes_for_indonesian_excel(tmp_path):
    source, out = tmp_path / "laporan.csv", tmp_path / "hasil.csv"
    source.write_text(REPORTS, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(source), "-o", str(out), "--dialect", "excel-id"])
    assert result.exit_code == 0, result.output
    body = out.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert [r["Status"] for r in rows] == ["Belum dapat dipastikan", "Tidak valid"]
    assert rows[0]["lat"] == "-6,327" and "," in rows[0]["Jarak ke lokasi terdekat (m)"]
    assert rows[1]["Baris"] == "3" and rows[1]["Kesalahan"].startswith("baris 3")


def test_the_default_is_machine(tmp_path):
    source = tmp_path / "laporan.csv"
    source.write_text(REPORTS, encoding="utf-8")
    outs = []
    for extra in ([], ["--dialect", "machine"]):
        out = tmp_path / f"hasil{len(outs)}.csv"
        assert CliRunner().invoke(cli, ["validate", str(source), "-o", str(out), *extra]).exit_code == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0].startswith(b'"No","lat","lon","line","status"')


def test_help_explains_every_dialect_of_the_one_list():
    result = CliRunner().invoke(cli, ["validate", "--help"], terminal_width=400)
    assert result.exit_code == 0
    assert "[" + "|".join(DIALECTS) + "]" in result.output
    flat = " ".join(result.output.split())
    for dialect in DIALECTS.values():
        assert f"{dialect.name}: {dialect.help}" in flat


def test_an_unknown_dialect_is_a_usage_error(tmp_path):
    source = tmp_path / "laporan.csv"
    source.write_text(REPORTS, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(source), "-o", str(tmp_path / "h.csv"), "--dialect", "excel-fr"])
    assert result.exit_code == 2 and "excel-id" in result.output
    assert not (tmp_path / "h.csv").exists()
