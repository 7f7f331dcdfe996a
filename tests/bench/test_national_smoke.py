"""bench/national.py at a tiny size (2,000 sites, 2,000 rows, --quick: no held or full-throttle
run): it builds its layers, starts and stops `zonasi serve`, runs `zonasi check` and `zonasi
validate`, prints a line for every figure and exits 0. The full run is `bench/national.py`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.slow
def test_national_bench_prints_every_figure(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import national  # bench/national.py (imports bench/api.py and bench/validate.py beside it)

    done = subprocess.run([sys.executable, str(BENCH / "national.py"), "--sites", "2000", "--rows", "2000",
                           "--quick", "--out", str(tmp_path), "--timeout", "300"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = done.stdout.split("\nfigure ", 1)[1].splitlines()
    for key, label, *_ in national.figures_spec():
        line = next((row for row in table if row.startswith(label + "  ")), None)
        assert line is not None, f"no line for {label!r} in:\n{done.stdout}"
        value = line[len(label):].split()[0]
        if key.startswith(("held", "full")):
            assert "skipped (--quick)" in line
        elif not key.startswith("tile"):   # the tiles route may not exist yet: "n/a (no tiles yet)"
            float(value.replace(",", ""))   # a number, not "timeout", "failed" or "missing"
    run = json.loads((tmp_path / "national-2000-2000.json").read_text())["runs"][0]
    assert all(isinstance(run[k], float) for k in ("ready_s", "pss_ready_mb", "check_s", "validate_s"))
    assert run["pss_ready_mb"] > 0 and run["validate_rss_mb"] > 0
    assert "failed" not in done.stdout and "timeout" not in done.stdout
