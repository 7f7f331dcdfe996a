"""Benchmark: `zonasi validate` on a messy 1M-row export vs the naive pipeline, side by side.

    .venv/bin/python bench/validate.py                 # 1,000,000 rows (writes bench/out/)
    .venv/bin/python bench/validate.py --rows 20000    # a quick run

The CSV is what offices really get, but every row is valid: Indonesian Excel style (UTF-8 with
BOM, ';', CRLF, trailing empty columns), decimal commas and points, degrees-minutes-seconds in
two spellings, notes with quotes and line breaks in them, blank lines, dates as DD/MM/YYYY, an
APK id column, 1% of rows reported twice. Points lie around the bundled sites (a mix of
violations and allowed spots) over the bundled areas (``zonasi.testing.messy_csv`` writes it).

Each way runs ``--repeat`` times (3), the two in turns, each run in its own process, timed end
to end (start-up, reading, checking, writing), its peak memory from the kernel (``wait4`` rusage
of that child); the median runs are compared:

* zonasi: ``zonasi validate REPORTS.csv -o RESULTS.csv --at-column Tanggal``;
* naive: pandas ``read_csv``, regency by ``sjoin``, every site buffered by its category's
  distance in one metric CRS and ``sjoin``-ed with the points, the nearest site by
  ``sjoin_nearest``, ``to_csv``: the same columns, the way a notebook would do it. It cannot
  read the degrees-minutes-seconds rows at all (they get no verdict).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from zonasi.testing.messy_csv import write_messy_export

ROOT = Path(__file__).resolve().parent.parent

NAIVE = r'''
import sys
import geopandas as gpd, numpy as np, pandas as pd
from geo import load_layers
from geo.rules.model import CATEGORIES
source, target = sys.argv[1], sys.argv[2]
layers = load_layers()
frame = pd.read_csv(source, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
lat = pd.to_numeric(frame["Lintang"].str.replace(",", "."), errors="coerce")
lon = pd.to_numeric(frame["Bujur"].str.replace(",", "."), errors="coerce")
crs = 32749
points = gpd.GeoDataFrame({"row": np.arange(len(frame))}, geometry=gpd.points_from_xy(lon, lat), crs=4326)
points = points[lat.notna() & lon.notna()].to_crs(crs)
regencies = layers.regencies[["code", "name", "geometry"]].to_crs(crs)
located = gpd.sjoin(points, regencies, how="left", predicate="intersects").drop_duplicates("row")
sites = layers.sites[["name", "category", "geometry"]].to_crs(crs)
limit = {c: layers.rules.buffer_m(None, c) for c in CATEGORIES}
zones = sites.assign(geometry=sites.buffer(sites["category"].map(limit)))
hits = gpd.sjoin(points, zones, how="inner", predicate="intersects")
counts = hits.groupby("row").size()
nearest = gpd.sjoin_nearest(points, sites, how="left", distance_col="nearest_distance_m").drop_duplicates("row")
out = frame.copy()
out["regency_code"] = located.set_index("row")["code"].reindex(range(len(frame)))
out["regency"] = located.set_index("row")["name"].reindex(range(len(frame)))
out["violations"] = counts.reindex(range(len(frame))).fillna(0).astype(int)
out["status"] = np.where(out["violations"] > 0, "violation", "ok")
near = nearest.set_index("row")
out["nearest_site"] = near["name"].reindex(range(len(frame)))
out["nearest_category"] = near["category"].reindex(range(len(frame)))
out["nearest_distance_m"] = near["nearest_distance_m"].reindex(range(len(frame))).round(2)
out["buffer_m"] = out["nearest_category"].map(limit)
out.to_csv(target, sep=";", index=False)
print(int((out["status"] == "violation").sum()), int(points.shape[0]))
'''


RUNNER = r"""
import json, os, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], dict(os.environ))
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as handle:
    json.dump({"seconds": time.perf_counter() - start, "cpu_seconds": usage.ru_utime + usage.ru_stime,
               "peak_rss_mb": usage.ru_maxrss / 1024}, handle)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run(label: str, command: list[str], out: Path, result: Path) -> dict:
    """Run one way in its own process: wall time, CPU time and that process's peak RSS.

    A tiny launcher process starts it and reads its rusage: Linux carries the peak RSS of the
    process that starts a program over into it, so this (big) process must not be its parent.
    Each run starts from the same state: the previous ``result`` file is gone and everything
    written so far is on disk (otherwise the kernel writes hundreds of MB of earlier results
    back on one of the two cores during the run).
    """
    result.unlink(missing_ok=True)
    os.sync()
    figures = out / f"run_{label}.json"
    done = subprocess.run([sys.executable, "-S", "-c", RUNNER, str(figures), *command], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{label} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return {**json.loads(figures.read_text()), "stdout": done.stdout}


def main() -> None:
    """Write the export (once), time both ways in turns, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--regenerate", action="store_true", help="write the input CSV even if it exists")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each way, taken in turns; the medians are compared (this machine's "
                             "speed varies by +-20%% from one run to the next)")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    source = args.out / f"laporan_{args.rows}.csv"
    if args.generate_only:
        start = time.perf_counter()
        write_messy_export(source, args.rows, args.seed)
        print(f"generated {source} ({source.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - start:.1f} s")
        return
    if args.regenerate or not source.exists():  # in its own process: this one stays small
        subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--out", str(args.out),
                        "--seed", str(args.seed), "--generate-only"], check=True)
    python = sys.executable
    zonasi_runs, naive_runs = [], []
    for _ in range(max(1, args.repeat)):  # in turns: a slow spell of the machine hits both ways
        results = args.out / "hasil_zonasi.csv"
        zonasi_runs.append(run("zonasi", [python, "-c", "from zonasi.cli import main; main()", "validate",
                                          str(source), "-o", str(results), "--at-column", "Tanggal",
                                          "--no-progress", "--lang", "en"], args.out, results))
        results = args.out / "hasil_naive.csv"
        naive_runs.append(run("naive", [python, "-c", NAIVE, str(source), str(results)], args.out, results))
    zonasi, naive = _median(zonasi_runs), _median(naive_runs)
    naive_violations, naive_placed = (int(v) for v in naive["stdout"].split())
    ratio = naive["seconds"] / zonasi["seconds"]
    figures = {
        "rows": args.rows, "input_mb": round(source.stat().st_size / 1e6, 1), "runs_each": len(zonasi_runs),
        "zonasi_s": round(zonasi["seconds"], 2), "zonasi_cpu_s": round(zonasi["cpu_seconds"], 2),
        "zonasi_peak_rss_mb": round(max(r["peak_rss_mb"] for r in zonasi_runs)),
        "naive_s": round(naive["seconds"], 2), "naive_cpu_s": round(naive["cpu_seconds"], 2),
        "naive_peak_rss_mb": round(max(r["peak_rss_mb"] for r in naive_runs)),
        "zonasi_runs_s": [round(r["seconds"], 2) for r in zonasi_runs],
        "naive_runs_s": [round(r["seconds"], 2) for r in naive_runs],
        "load_average_1min": round(os.getloadavg()[0], 1),
        "speedup": round(ratio, 1), "naive_rows_placed": naive_placed, "naive_violations": naive_violations,
    }
    print(zonasi["stdout"].strip())
    print(f"{'way':<12}{'seconds':>10}{'CPU s':>10}{'peak RSS':>12}   (median of {len(zonasi_runs)} runs; all runs)")
    for name, median in (("zonasi", zonasi), ("naive", naive)):
        every = ", ".join(f"{r:.1f}" for r in figures[name + "_runs_s"])
        print(f"{name:<12}{median['seconds']:>10.1f}{median['cpu_seconds']:>10.1f}"
              f"{figures[name + '_peak_rss_mb']:>9.0f} MB   {every} s")
    print(f"naive placed {naive_placed:,} of {args.rows:,} rows; {naive_violations:,} violations")
    print(f"speed-up {ratio:.1f}x wall, {naive['cpu_seconds'] / zonasi['cpu_seconds']:.1f}x CPU (target >= 5x); "
          f"zonasi peak RSS {figures['zonasi_peak_rss_mb']} MB (target <= 2048 MB); "
          f"load average {os.getloadavg()[0]:.1f}")
    (args.out / f"validate_{args.rows}.json").write_text(json.dumps(figures, indent=2))


def _median(runs: list[dict]) -> dict:
    """The run of median wall time."""
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


if __name__ == "__main__":
    main()
