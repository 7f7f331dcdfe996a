"""zonasi validate with .xlsx and .ods (#18): --sheet by name or number, refusals with exit 2."""
from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from tests.geo.validation.sheets import csv_text, ods_bytes, rows, verdicts, xlsx_bytes
from zonasi.cli import cli


@pytest.fixture(scope="module")
def school(layers):
    return layers.sites[layers.sites["category"] == "school"].iloc[0].geometry.representative_point()


def validate(*args):
    return CliRunner().invoke(cli, ["validate", *map(str, args), "--lang", "en", "--at-column", "tanggal"])


@pytest.mark.parametrize("writer,suffix", [(xlsx_bytes, "xlsx"), (ods_bytes, "ods")], ids=["xlsx", "ods"])
def test_a_workbook_gets_the_verdicts_of_the_same_rows_as_csv(tmp_path, school, writer, suffix):
    cells = rows(school)
    book, text = tmp_path / f"laporan.{suffix}", tmp_path / "laporan.csv"
    book.write_bytes(writer({"Laporan": cells}))
    text.write_text(csv_text(cells), encoding="utf-8")
    from_book = validate(book, "-o", tmp_path / "a.csv")
    from_text = validate(text, "-o", tmp_path / "b.csv")
    assert from_book.exit_code == from_text.exit_code == 0, from_book.output
    assert verdicts((tmp_path / "a.csv").read_bytes()) == verdicts((tmp_path / "b.csv").read_bytes())
    assert f'10 rows read from sheet "Laporan" of {book}' in from_book.output
    assert "line 9: latitude is empty" in from_book.output


def test_the_sheet_by_name_or_number(tmp_path, school):
    book = tmp_path / "laporan.xlsx"
    book.write_bytes(xlsx_bytes({"Januari": rows(school)[:2], "Februari": rows(school)[:4]}))
    for sheet in ("Februari", "2"):
        result = validate(book, "-o", tmp_path / "out.csv", "--sheet", sheet)
        assert result.exit_code == 0, result.output
        assert '4 rows read from sheet "Februari"' in result.output
    assert '2 rows read from sheet "Januari"' in validate(book, "-o", tmp_path / "out.csv").output


def test_a_missing_sheet_and_a_damaged_workbook_exit_2_in_a_real_process(tmp_path, school):
    data = xlsx_bytes({"Januari": rows(school)[:2]})
    (tmp_path / "laporan.xlsx").write_bytes(data)
    (tmp_path / "rusak.xlsx").write_bytes(data[:len(data) // 2])
    command = [sys.executable, "-c", "from zonasi.cli import main; main()", "validate"]
    missing = subprocess.run([*command, "laporan.xlsx", "-o", "out.csv", "--sheet", "Maret"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and 'tidak memuat lembar "Maret"' in missing.stderr and '"Januari"' in missing.stderr
    damaged = subprocess.run([*command, "rusak.xlsx", "-o", "out.csv"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
    assert damaged.returncode == 2 and "rusak atau terpotong" in damaged.stderr  # Indonesian by default (#18)
    assert not (tmp_path / "out.csv").exists()


def test_help_names_the_sheet_option():
    result = CliRunner().invoke(cli, ["validate", "--help"])
    assert result.exit_code == 0 and "--sheet" in result.output and ".xlsx" in result.output
