"""Benchmark: `zonasi validate` on the same rows as .xlsx and as CSV: wall time and peak RSS.

    .venv/bin/python bench/sheet.py [--rows 200000] [--dir bench/out/sheet]

Writes a workbook of ``--rows`` report rows (id, lat, lon as numbers, tanggal as an Excel date,
keterangan) with openpyxl's write-only mode and the same rows as CSV (once; kept in ``--dir``),
then runs ``zonasi validate`` on each in its own process (``--jobs 2``), measuring the child's
wall time and peak resident memory (getrusage). Figures, not targets: no exit status on them.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def write_inputs(rows: int, folder: Path) -> tuple[Path, Path]:
    from openpyxl import Workbook

    xlsx, text = folder / f"laporan-{rows}.xlsx", folder / f"laporan-{rows}.csv"
    if xlsx.exists() and text.exists():
        return xlsx, text
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(18)
    lat = np.round(rng.uniform(-6.45, -6.25, rows), 6)
    lon = np.round(rng.uniform(108.2, 108.45, rows), 6)
    days = rng.integers(0, 60, rows)
    start = dt.datetime(2024, 9, 25)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Laporan")
    with open(text, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        header = ["id", "lat", "lon", "tanggal", "keterangan"]
        sheet.append(header)
        writer.writerow(header)
        for i in range(rows):
            when = start + dt.timedelta(days=int(days[i]))
            note = f"titik {i}"
            sheet.append([f"APK-{i}", float(lat[i]), float(lon[i]), when, note])
            writer.writerow([f"APK-{i}", lat[i], lon[i], when.strftime("%d/%m/%Y"), note])
    book.save(xlsx)
    return xlsx, text


# zonasi's main() ends with os._exit: its peak RSS is read by a parent of its own (the largest child's)
PARENT = ("import resource, subprocess, sys\nsubprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
          "print('maxrss', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def measure(source: Path, out: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one `zonasi validate` in a child process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PARENT, sys.executable, "-c", "from zonasi.cli import main; main()",
                           "validate", str(source), "-o", str(out), "--jobs", "2", "--no-progress"],
                          check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_kb = int(done.stdout.rsplit("maxrss", 1)[1].split()[0])
    return seconds, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dir", type=Path, default=Path("bench/out/sheet"))
    args = parser.parse_args()
    xlsx, text = write_inputs(args.rows, args.dir)
    print(f"{args.rows:,} rows: {xlsx.name} {xlsx.stat().st_size / 2**20:.1f} MB, "
          f"{text.name} {text.stat().st_size / 2**20:.1f} MB")
    for source in (text, xlsx):
        seconds, peak = measure(source, args.dir / f"hasil-{source.suffix[1:]}.csv")
        print(f"{source.suffix[1:]:>5}: {seconds:6.1f} s, peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
