"""zonasi validate: CliRunner for the output, a real process for the exit codes."""
from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from geo.validation import RESULT_COLUMNS
from zonasi.cli import cli

REPORTS = "No;Lintang;Bujur\n1;-6,327;108,325\n2;;108,3\n3;-6,327;108,325\n"


def test_validate_writes_results_and_a_summary(tmp_path):
    source = tmp_path / "laporan.csv"
    source.write_text(REPORTS, encoding="utf-8")
    out, geojson = tmp_path / "hasil.csv", tmp_path / "pelanggaran.geojson"
    result = CliRunner().invoke(cli, ["validate", str(source), "-o", str(out), "--geojson", str(geojson)])
    assert result.exit_code == 0, result.output
    assert "3 baris dibaca" in result.output and "pemisah ';'" in result.output
    assert "Tidak valid: 1" in result.output and "Belum dapat dipastikan: 2" in result.output
    assert "baris 3: lintang kosong" in result.output
    lines = out.read_text("utf-8").splitlines()
    assert lines[0].split(";") == ['"No"', '"Lintang"', '"Bujur"', *(f'"{c}"' for c in RESULT_COLUMNS)]
    assert len(lines) == 4
    assert json.loads(geojson.read_text())["features"] == []


def test_validate_in_english(tmp_path):
    source = tmp_path / "reports.csv"
    source.write_text(REPORTS, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(source), "-o", str(tmp_path / "r.csv"), "--lang", "en"])
    assert result.exit_code == 0
    assert "3 rows read" in result.output and "line 3: latitude is empty" in result.output
    assert "duplicates (within 2 m of an earlier row): 1" in result.output


def test_help_documents_the_command():
    result = CliRunner().invoke(cli, ["validate", "--help"])
    assert result.exit_code == 0
    assert "REPORTS.csv" in result.output and "--at-column" in result.output and "--geojson" in result.output


def _zonasi(*args, cwd):
    return subprocess.run([sys.executable, "-c", "from zonasi.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_exit_codes_in_a_real_process(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(REPORTS, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    done = _zonasi("validate", str(good), "-o", str(tmp_path / "out.csv"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").exists()
    failed = _zonasi("validate", str(bad), "-o", str(tmp_path / "bad_out.csv"), cwd=tmp_path)
    assert failed.returncode == 2
    # the reason in the command's language: Indonesian by default, English with --lang en (#18)
    assert failed.stderr.count("\n") == 1 and "Tidak ada kolom koordinat" in failed.stderr
    assert not (tmp_path / "bad_out.csv").exists()
    english = CliRunner().invoke(cli, ["validate", str(bad), "-o", str(tmp_path / "bad_out.csv"), "--lang", "en"])
    assert english.exit_code == 2 and "No coordinate columns among" in english.output


def test_missing_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "no such file" in result.output


def test_jobs_change_the_speed_not_the_results(tmp_path):
    source = tmp_path / "laporan.csv"
    source.write_text(REPORTS * 40, encoding="utf-8")  # the header again is an invalid row each time
    outputs = []
    for i, jobs in enumerate((["--jobs", "1"], ["--jobs", "2"], ["--jobs", "2", "--processes"])):
        out = tmp_path / f"hasil{i}.csv"
        result = CliRunner().invoke(cli, ["validate", str(source), "-o", str(out), *jobs, "--chunk-rows", "1000"])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2] and outputs[0].count(b"\n") == 4 * 40
