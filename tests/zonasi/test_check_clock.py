"""One clock (#15) on the command line: `zonasi check` judges as of now (ZONASI_NOW, else the
clock) or --at, and `zonasi validate` says which date column (or which now) it used."""
from __future__ import annotations

import json
import os
import subprocess
import sys

ZONASI = [sys.executable, "-c", "from zonasi.cli import main; main()"]
SPOT = ("--lat", "-6.33", "--lon", "108.32")  # 11 m from SMAN 1 Sindang, Indramayu (WIB)


def run(*args, now: str | None = None):
    env = {**os.environ}
    env.pop("ZONASI_NOW", None)
    if now:
        env["ZONASI_NOW"] = now
    return subprocess.run([*ZONASI, *args], capture_output=True, text=True, timeout=120, env=env)


def test_check_judges_as_of_now_by_default():
    inside = json.loads(run("check", *SPOT, "--json", now="2024-01-15T10:00:00+07:00").stdout)
    assert (inside["status"], inside["at"], inside["timezone"]) == ("violation", "2024-01-15", "WIB")
    out = run("check", *SPOT, now="2026-12-06T09:00:00+07:00")
    assert out.returncode == 0 and out.stdout.startswith("Di luar masa kampanye")
    assert "Tidak ada masa kampanye yang berlaku pada 6 Desember 2026 (WIB)." in out.stdout


def test_check_at_a_date_or_an_instant():
    out = run("check", *SPOT, "--at", "2024-01-05", "--lang", "en", now="2026-12-06T09:00:00+07:00")
    assert out.stdout.startswith("Forbidden") and "Judged for 5 January 2024 (WIB)." in out.stdout
    assert "2024 general election campaign: 28 November 2023 to 10 February 2024." in out.stdout
    late = json.loads(run("check", *SPOT, "--at", "2024-02-10T17:30:00Z", "--json").stdout)
    assert (late["status"], late["at"]) == ("outside_period", "2024-02-11")  # 00:30 WIB on 11 February
    bad = run("check", *SPOT, "--at", "2024-13-01T00:00")
    assert bad.returncode == 2 and "does not match the formats" in bad.stderr
    wrong_now = run("check", *SPOT, now="2024-01-15")
    assert wrong_now.returncode == 2 and "ZONASI_NOW must be an ISO instant with its offset" in wrong_now.stderr


def test_validate_says_which_date_it_used(tmp_path):
    lat, lon = SPOT[1], SPOT[3]
    dated = tmp_path / "dated.csv"
    dated.write_text(f"lat,lon,tgl\n{lat},{lon},2024-01-05\n{lat},{lon},2025-06-01\n")
    out = run("validate", str(dated), "-o", str(tmp_path / "a.csv"), "--lang", "en",
              now="2026-12-06T09:00:00+07:00")
    assert out.returncode == 0, out.stderr
    assert 'Dates from the column "tgl" (the local date of each regency)' in out.stdout
    assert "Outside the campaign period: 1" in out.stdout
    undated = tmp_path / "undated.csv"
    undated.write_text(f"lat,lon\n{lat},{lon}\n")
    out = run("validate", str(undated), "-o", str(tmp_path / "b.csv"), now="2026-12-06T09:00:00+07:00")
    assert "Tanpa kolom tanggal: diperiksa per saat ini, 6 Desember 2026 (WIB)" in out.stdout
    assert "outside_period" in (tmp_path / "b.csv").read_text()
