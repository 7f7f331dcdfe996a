"""Benchmark: `zonasi validate` of this tree against an earlier commit, side by side, in one run.

    .venv/bin/python bench/versions.py --rev 1a40bf6                  # 300,000 rows, 3 runs each
    .venv/bin/python bench/versions.py --rev HEAD~5 --rows 1000000

The earlier commit is checked out as a git worktree under ``bench/out/`` (with its own bundled
layers and rules) and run with the same Python environment. Both validate the same messy export
(``zonasi.testing.messy_csv``, with its date column) in turns, each run in its own process, timed
end to end, its peak memory from the kernel (``wait4`` rusage of that child); the medians are
compared. Useful to check that a change keeps the batch within a given share of its speed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from zonasi.testing.messy_csv import write_messy_export

ROOT = Path(__file__).resolve().parents[1]


def run(tree: Path, source: Path, out: Path) -> tuple[float, float, float]:
    """Wall seconds, peak MB and CPU seconds of one ``zonasi validate`` from the sources in ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    command = [sys.executable, "-c", "from zonasi.cli import main; main()", "validate", str(source),
               "-o", str(out), "--at-column", "Tanggal"]
    errors = out.with_suffix(".log")
    with open(errors, "wb") as log:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=tree, stdout=subprocess.DEVNULL, stderr=log)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{tree}: zonasi validate failed: {errors.read_text()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def worktree(rev: str, out: Path) -> tuple[str, Path]:
    """(short hash, directory) of a git worktree of commit ``rev`` under ``out``, made once."""
    short = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.strip()
    tree = out / f"rev-{short}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", "-f", str(tree), short], cwd=ROOT, check=True,
                       capture_output=True)
    return short, tree


def main() -> None:
    """Run both trees in turns and print their medians side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", required=True, help="the earlier commit to compare against")
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rev, before = worktree(args.rev, args.out)
    source = args.out / f"versions-{args.rows}.csv"
    if not source.exists():
        write_messy_export(source, args.rows, 7)
    results: dict[str, list[tuple[float, float, float]]] = {rev: [], "this tree": []}
    for _ in range(args.repeat):
        for name, tree in ((rev, before), ("this tree", ROOT)):
            results[name].append(run(tree, source, args.out / f"versions-{name.replace(' ', '-')}.csv"))
    print(f"zonasi validate, {args.rows:,} rows, {args.repeat} runs each (median; all runs):")
    medians, cpu = {}, {}
    for name, runs in results.items():
        medians[name] = statistics.median(s for s, _, _ in runs)
        cpu[name] = statistics.median(c for _, _, c in runs)
        print(f"  {name:>10}: {medians[name]:6.2f} s ({', '.join(f'{s:.2f}' for s, _, _ in runs)}), "
              f"CPU {cpu[name]:.2f} s, peak {max(m for _, m, _ in runs):.0f} MB")
    print(f"  this tree / {rev}: wall {medians['this tree'] / medians[rev]:.3f}, "
          f"CPU {cpu['this tree'] / cpu[rev]:.3f}")


if __name__ == "__main__":
    main()
