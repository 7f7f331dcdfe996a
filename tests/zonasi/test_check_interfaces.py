"""`zonasi check` and `GET /api/check`: the verdict, its words, and clear errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

ZONASI = [sys.executable, "-c", "from zonasi.cli import main; main()"]


def run(*args):
    return subprocess.run([*ZONASI, *args], capture_output=True, text=True, timeout=120)


def test_cli_check_json():
    out = run("check", "--lat", "-6.33", "--lon", "108.32", "--at", "2024-01-05", "--json")
    assert out.returncode == 0, out.stderr
    verdict = json.loads(out.stdout)
    assert verdict["status"] == "violation"
    assert verdict["regency"] == {"code": "32.12", "name": "Kabupaten Indramayu", "snapped": False}
    assert verdict["coverage"]["missing"] == ["place_of_worship", "health_facility", "school", "government_office"]
    assert {"site_id", "name", "category", "distance_m", "buffer_m", "legal_basis"} <= set(verdict["hits"][0])
    assert verdict["nearest"]["name"] == "SMAN 1 SINDANG"
    assert verdict["period"] == "pemilu_2024"


def test_cli_check_words_in_indonesian_and_english():
    out = run("check", "--lat", "-6.33", "--lon", "108.32")
    assert out.returncode == 0
    assert out.stdout.startswith("Terlarang") and "m dari SMAN 1 SINDANG" in out.stdout and "batas 50 m" in out.stdout
    out = run("check", "--lat", "-6.45", "--lon", "108.20", "--lang", "en")
    assert out.stdout.startswith("Cannot be confirmed") and "Nearest:" in out.stdout and "check on site" in out.stdout


@pytest.mark.parametrize("args,needle", [
    (("--lat", "95", "--lon", "108"), "latitude 95.0 is outside -90..90"),
    (("--lat", "x", "--lon", "108"), "latitude 'x' is not a number"),
    (("--lat", "-6.3",), "Missing option '--lon'"),
    (("--lat", "-6.3", "--lon", "108.3", "--at", "besok"), "'besok' does not match the formats"),
    (("--lat", "-6.3", "--lon", "108.3", "--layers", "/nonexistent"), "direktori lapisan tidak ditemukan"),  # Indonesian by default (#18)
])
def test_cli_bad_input_is_one_line_and_exit_2(args, needle):
    out = run("check", *args)
    assert out.returncode == 2
    assert needle in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_cli_help_teaches():
    out = run("check", "--help")
    assert out.returncode == 0 and "Examples:" in out.stdout and "--at" in out.stdout
    top = run("--help")
    assert "check" in top.stdout and "serve" in top.stdout


def test_api_check(client):
    response = client.get("/api/check?lat=-6.33&lon=108.32&accuracy=5")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "violation" and body["hits"][0]["name"] == "SMAN 1 SINDANG"
    assert body["message"][0] == "Terlarang" and body["uncertain"] is False
    english = client.get("/api/check?lat=-6.33&lon=108.32&lang=en").get_json()
    assert english["message"][0] == "Forbidden"


@pytest.mark.parametrize("query,needle", [
    ("lon=108.32", "'lat' is required"),
    ("lat=abc&lon=108.32", "lat='abc' is not a number"),
    ("lat=-95&lon=108.32", "lat=-95 is outside -90..90"),
    ("lat=-6.3&lon=108.32&at=kemarin", "use YYYY-MM-DD"),
])
def test_api_check_errors_are_problem_json(client, query, needle):
    response = client.get(f"/api/check?{query}&lang=en")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert needle in body["detail"] and body["status"] == 400 and body["title"]
