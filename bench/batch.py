"""Benchmark: `zonasi validate` on a messy 1M-row export vs the naive pipeline, side by side.

    .venv/bin/python bench/batch.py                 # 1,000,000 rows (writes bench/out/)
    .venv/bin/python bench/batch.py --rows 20000    # a quick run

The CSV is what offices really get, but every row is valid: Indonesian Excel style (UTF-8 with
BOM, ';', CRLF, trailing empty columns), decimal commas and points, degrees-minutes-seconds in
two spellings, notes with quotes and line breaks in them, blank lines, dates as DD/MM/YYYY, an
APK id column, 1% of rows reported twice. Points lie around the bundled sites (a mix of
violations and allowed spots) over the bundled areas.

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

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from geo import load_layers  # noqa: E402

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


def generate(path: Path, rows: int, seed: int) -> None:
    """The messy-but-valid export (see the module docstring)."""
    rng = np.random.default_rng(seed)
    sites = load_layers().sites
    anchor = sites.geometry.representative_point()
    pick = rng.integers(0, len(sites), rows)
    spread = np.where(rng.random(rows) < 0.5, 0.0003, 0.004)  # ~30 m or ~450 m around a site
    lat = anchor.y.to_numpy()[pick] + rng.normal(0, 1, rows) * spread
    lon = anchor.x.to_numpy()[pick] + rng.normal(0, 1, rows) * spread
    ids = np.array([f"APK-{i:07d}" for i in range(1, rows + 1)], dtype=object)
    again = np.flatnonzero(rng.random(rows) < 0.01)
    again = again[again > 0]
    source = (again * rng.random(len(again))).astype(int)
    lat[again], lon[again], ids[again] = lat[source], lon[source], ids[source]

    form = rng.choice(5, rows, p=[0.45, 0.2, 0.15, 0.1, 0.1])
    lat_text = _format(lat, form, "lat")
    lon_text = _format(lon, form, "lon")
    days = pd.Timestamp("2023-11-28") + pd.to_timedelta(rng.integers(0, 75, rows), unit="D")
    dates = pd.Series(days).dt.strftime("%d/%m/%Y").to_numpy(dtype=object)
    kinds = np.array(["Baliho", "Spanduk", "Umbul-umbul", "Poster", "Bendera"], dtype=object)[rng.integers(0, 5, rows)]
    parties = np.array(["Partai Merah", "Partai Biru", "Paslon 01", "Paslon 02", "Caleg DPRD"], dtype=object)
    notes = np.array(["", "", "", "dekat pertigaan", '"ditempel di pohon; ""besar"""',
                      '"di pagar sekolah\r\nsebelah kiri"', "tiang listrik"], dtype=object)
    table = pd.DataFrame({
        "No": np.arange(1, rows + 1).astype(str), "ID APK": ids, "Peserta": parties[rng.integers(0, 5, rows)],
        "Jenis APK": kinds, "Lintang": lat_text, "Bujur": lon_text, "Tanggal": dates,
        "Keterangan": notes[rng.integers(0, len(notes), rows)],
    })
    lines = table["No"].str.cat([table[c] for c in table.columns[1:]], sep=";") + ";;"
    blank = rng.random(rows) < 0.001
    lines = lines.where(~blank, "\r\n" + lines)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write(";".join(table.columns) + ";;\r\n")
        for start in range(0, rows, 200_000):
            handle.write("\r\n".join(lines.iloc[start:start + 200_000]) + "\r\n")


def _format(values: np.ndarray, form: np.ndarray, axis: str) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    dec = pd.Series(np.round(values, 6)).map("{:.6f}".format).to_numpy(dtype=object)
    comma = np.char.replace(dec.astype(str), ".", ",").astype(object)
    out[form == 0] = comma[form == 0]
    out[form == 1] = dec[form == 1]
    letter = np.where(values < 0, "S" if axis == "lat" else "W", "N" if axis == "lat" else "E")
    a = np.abs(values)
    d = np.floor(a).astype(int)
    m = np.floor((a - d) * 60).astype(int)
    s = np.round(((a - d) * 60 - m) * 60, 1)
    s = np.minimum(s, 59.9)
    for code, fmt in ((2, "{d}°{m}'{s:.1f}\"{h}"), (3, "{h} {d} {m} {s:.1f}"), (4, " {c} ")):
        idx = np.flatnonzero(form == code)
        out[idx] = [fmt.format(d=d[i], m=m[i], s=s[i], h=letter[i], c=comma[i]) for i in idx]
    # a field with a double quote is quoted, its quotes doubled (as Excel writes it)
    dms = form == 2
    out[dms] = ['"' + v.replace('"', '""') + '"' for v in out[dms]]
    return out


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
        generate(source, args.rows, args.seed)
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
    for name, median, runs in (("zonasi", zonasi, zonasi_runs), ("naive", naive, naive_runs)):
        print(f"{name:<12}{median['seconds']:>10.1f}{median['cpu_seconds']:>10.1f}"
              f"{figures[name + '_peak_rss_mb']:>9.0f} MB   {', '.join(f'{r:.1f}' for r in figures[name + '_runs_s'])} s")
    print(f"naive placed {naive_placed:,} of {args.rows:,} rows; {naive_violations:,} violations")
    print(f"speed-up {ratio:.1f}x wall, {naive['cpu_seconds'] / zonasi['cpu_seconds']:.1f}x CPU (target >= 5x); "
          f"zonasi peak RSS {figures['zonasi_peak_rss_mb']} MB (target <= 2048 MB); "
          f"load average {os.getloadavg()[0]:.1f}")
    (args.out / f"batch_{args.rows}.json").write_text(json.dumps(figures, indent=2))


def _median(runs: list[dict]) -> dict:
    """The run of median wall time."""
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


if __name__ == "__main__":
    main()
