"""Benchmark: the whole country on one machine (issue #16): every figure at national scale.

    .venv/bin/python bench/national.py                         # 2,000,000 sites, 1,000,000 rows, 1 run
    .venv/bin/python bench/national.py --sites 100000 --rows 100000 --runs 3
    .venv/bin/python bench/national.py --sites 2000 --rows 2000 --quick    # the smoke test's size

Builds once (cached in ``--out``, keyed by the sizes, the seed and the builder's format) a layers
directory with the bundled rules and 514 regencies and ``--sites`` synthetic sites over all of them
(``zonasi.testing.national``), and a CSV of ``--rows`` reports. Then, each run in fresh processes:

* ``zonasi serve --layers DIR`` (2 gevent workers): seconds from spawn to the first 200 on
  GET /api/check, and the PSS of master and workers (their process group, /proc/PID/smaps_rollup);
* right after that the first (cold) and second (warm) OGC sites items page (a small bbox of central
  Jakarta, limit 100) and vector tile (WebMercatorQuad 15 of central Jakarta);
* GET /api/check near national sites held at 800 req/s over 50 connections (bench/api.py's client),
  with the server's CPU per request and the host's speed meanwhile (bench/hostspeed.py's reference
  work: ~1.1 ms of CPU on a quiet host; on a shared virtual machine the same code runs up to 2x
  slower, for seconds or for many minutes);
* full throttle at 50 and 200 connections (bench/api.py's ``full_throttle``);
* ``zonasi check`` cold and ``zonasi validate`` of the reports: wall time and peak RSS of the process.

Every figure is printed in one table (figure, value, target, met); with ``--runs N`` the median,
min and max of the runs. Every step has a ``--timeout`` (it prints "timeout" instead of hanging), and
every process started is killed with its process group on the way out, Ctrl-C included. Exit
status 0 when every step ran (missed targets are listed), 1 with ``--strict`` and a missed target,
2 when a step failed.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import api  # bench/api.py: the keep-alive GET /api/check client
import numpy as np
from validate import RUNNER  # bench/validate.py: the launcher that reads a child's peak RSS
from versions import worktree  # bench/versions.py: a worktree of an earlier commit

from zonasi.testing.national import FORMAT, points_near, site_coordinates, write_national_layers, write_national_reports
from zonasi.testing.server import ZONASI, ZonasiServer

ROOT = Path(__file__).resolve().parent.parent
NOW = "2024-01-15T10:00:00+07:00"        # inside the Pemilu 2024 campaign: the checks do all their work
JAKARTA = (106.8272, -6.1754)            # Monas, central Jakarta
ITEMS_BBOX = (106.815, -6.19, 106.84, -6.165)
TILE_ZOOM = 15
HELD_RATE, HELD_CONNECTIONS = 800.0, 50
THROTTLE_CONNECTIONS = (50, 200)
SKIPPED = "skipped (--quick)"


class StepTimeout(Exception):
    """A step ran past --timeout."""


class StepFailed(Exception):
    """A step could not give its figure (the message says why)."""


def figures_spec() -> list[tuple[str, str, str | None, object]]:
    """(key, label, target text, test of a value) of every figure, in the order printed."""
    spec = [
        ("ready_s", "serve: spawn to first 200 (s)", "<= 20", lambda v: v <= 20),
        ("pss_ready_mb", "serve: PSS master+workers at ready (MB)", "<= 2560", lambda v: v <= 2560),
        ("items_first_s", "OGC sites items page, first (s)", "<= 0.5", lambda v: v <= 0.5),
        ("items_second_s", "OGC sites items page, second (s)", None, None),
        ("tile_first_s", "vector tile z15, first (s)", "<= 0.5", lambda v: v <= 0.5),
        ("tile_second_s", "vector tile z15, second (s)", None, None),
        ("held_p50_ms", f"held {HELD_RATE:.0f} req/s x{HELD_CONNECTIONS}: p50 (ms)", None, None),
        ("held_p99_ms", f"held {HELD_RATE:.0f} req/s x{HELD_CONNECTIONS}: p99 (ms)", "<= 20", lambda v: v <= 20),
        ("held_errors", f"held {HELD_RATE:.0f} req/s x{HELD_CONNECTIONS}: errors", "0", lambda v: v == 0),
        ("held_cpu_ms", f"held {HELD_RATE:.0f} req/s x{HELD_CONNECTIONS}: server CPU per request (ms)", None, None),
        ("held_host_work_ms", f"held {HELD_RATE:.0f} req/s x{HELD_CONNECTIONS}: host's reference work (ms)",
         None, None),
    ]
    p99_targets = getattr(api, "OVERLOAD_P99_MS", {})
    shed_max = getattr(api, "MAX_SHED_SHARE", None)
    for c in THROTTLE_CONNECTIONS:
        p99 = p99_targets.get(c)
        spec += [
            (f"full{c}_rate", f"full throttle x{c}: req/s", ">= 800" if c == 50 else None,
             (lambda v: v >= 800) if c == 50 else None),
            (f"full{c}_p99_ms", f"full throttle x{c}: p99 (ms)", f"<= {p99:.0f}" if p99 else None,
             (lambda v, p=p99: v <= p) if p99 else None),
            (f"full{c}_max_ms", f"full throttle x{c}: max (ms)", None, None),
            (f"full{c}_past_2s", f"full throttle x{c}: answers past 2 s", "0", lambda v: v == 0),
            (f"full{c}_shed_pct", f"full throttle x{c}: 503 share (%)",
             f"<= {100 * shed_max:.0f}" if shed_max is not None else None,
             (lambda v, s=shed_max: v <= 100 * s) if shed_max is not None else None),
            (f"full{c}_errors", f"full throttle x{c}: errors", "0", lambda v: v == 0),
        ]
    return spec + [
        ("pss_after_mb", "serve: PSS master+workers after the load (MB)", None, None),
        ("check_s", "zonasi check, cold (s)", "<= 3", lambda v: v <= 3),
        ("check_rss_mb", "zonasi check: peak RSS (MB)", None, None),
        ("validate_s", "zonasi validate of the reports (s)", "<= 8", lambda v: v <= 8),
        ("validate_rss_mb", "zonasi validate: peak RSS (MB)", "<= 2048", lambda v: v <= 2048),
    ]


SERVER_KEYS = [key for key, *_ in figures_spec() if not key.startswith(("check", "validate"))]


# -- the data --------------------------------------------------------------------------------------

def build(args) -> tuple[Path, Path, dict]:
    """The layers directory and the reports CSV for these sizes, built unless already in --out."""
    args.out.mkdir(parents=True, exist_ok=True)
    layers = args.out / f"layers-{args.sites}-seed{args.seed}-f{FORMAT}"
    reports = args.out / f"reports-{args.rows}-of-{layers.name}.csv"
    took = {}
    if not layers.exists():
        start = time.perf_counter()
        partial = args.out / f".{layers.name}.{os.getpid()}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        write_national_layers(partial, args.sites, args.seed)
        partial.rename(layers)              # a build cut short leaves no directory that looks whole
        (args.out / f"{layers.name}.files.json").write_text(json.dumps(_files(layers)))
        took["layers"] = time.perf_counter() - start
    if not reports.exists():
        start = time.perf_counter()
        partial = reports.with_name(f".{reports.name}.{os.getpid()}.partial")
        write_national_reports(partial, layers, args.rows, args.seed + 1)
        partial.rename(reports)
        took["reports"] = time.perf_counter() - start
    return layers, reports, took


def _files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def extra_files(args, layers: Path) -> list[Path]:
    """Files in the layers directory that the build did not write (e.g. a cache the server made)."""
    manifest = args.out / f"{layers.name}.files.json"
    built = set(json.loads(manifest.read_text())) if manifest.exists() else set()
    return [layers / f for f in _files(layers) if f not in built]


def source_env(args) -> dict:
    """The environment of every zonasi process: the bench's clock, and with ``--rev`` the sources of
    that commit (a git worktree under --out, like bench/versions.py's) ahead of this tree's."""
    env = {"ZONASI_NOW": NOW}
    if args.rev:
        env["PYTHONPATH"] = str(worktree(args.rev, args.out)[1])
    return env


def check_paths(xy: np.ndarray, n: int, seed: int) -> list[bytes]:
    """``n`` raw GET /api/check requests within ~50 m of random national sites (bench/api.py's form)."""
    spots = points_near(xy, n, np.random.default_rng(seed))
    return [f"GET /api/check?lat={lat:.6f}&lon={lon:.6f} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
            for lon, lat in spots]


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """The WebMercatorQuad (x, y) of the tile holding (lon, lat) at ``zoom``."""
    n = 2 ** zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


# -- measuring ------------------------------------------------------------------------------------

@contextlib.contextmanager
def deadline(seconds: float):
    """Raise :class:`StepTimeout` in this (main) thread after ``seconds``."""
    def expire(*_):
        raise StepTimeout()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def group_pss_mb(pgid: int) -> float:
    """The PSS of every process in process group ``pgid`` (a server's master and workers), summed."""
    total_kb = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            rollup = (stat.parent / "smaps_rollup").read_text()
        except (OSError, IndexError, ValueError):
            continue   # gone meanwhile
        total_kb += sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return total_kb / 1024


def timed_get(url: str, timeout: float) -> tuple[int, float]:
    """GET ``url`` and read the whole answer: its status and the seconds it took."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - start


def launch(command: list[str], env: dict, out: Path, label: str, timeout: float) -> dict:
    """Run ``command`` through bench/validate.py's launcher in its own process group: its wall
    seconds and peak RSS (MB); the group is killed on a timeout or an interruption."""
    figures = out / f"run_{label}.json"
    figures.unlink(missing_ok=True)
    log = out / f"run_{label}.log"
    with open(log, "wb") as sink:
        child = subprocess.Popen([sys.executable, "-S", "-c", RUNNER, str(figures), *command], cwd=ROOT,
                                 env={**os.environ, **env}, stdout=sink, stderr=sink,
                                 start_new_session=True)
        try:
            code = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise StepTimeout() from None
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    if code != 0:
        raise StepFailed(f"{label} exited {code}: {log.read_text(errors='replace')[-1500:]}")
    return json.loads(figures.read_text())


def serve_figures(args, layers: Path, paths: list[bytes], run_dir: Path, figures: dict) -> None:
    """Start ``zonasi serve`` on ``layers`` and take every server figure into ``figures``."""
    server = ZonasiServer(run_dir / "instance", workers=2, args=("--layers", str(layers)), env=args.env)
    start = time.perf_counter()
    try:
        try:
            server.start(timeout=args.timeout)
        except RuntimeError as error:
            late = time.perf_counter() - start >= args.timeout
            if not late:
                print(str(error)[-2000:], file=sys.stderr)
            for key in SERVER_KEYS:
                figures.setdefault(key, "timeout" if late else "failed")
            return
        figures["ready_s"] = time.perf_counter() - start
        print(f"  ready: {figures['ready_s']:.1f} s", flush=True)
        pgid = server.process.pid
        figures["pss_ready_mb"] = group_pss_mb(pgid)
        items = f"{server.url}/ogc/collections/sites/items?bbox={','.join(map(str, ITEMS_BBOX))}&limit=100"
        _step(args, figures, "items", lambda: first_and_second(args, items, figures, "items", "n/a (no items route)"))
        x, y = tile_of(*JAKARTA, TILE_ZOOM)
        tile = f"{server.url}/ogc/collections/sites/tiles/WebMercatorQuad/{TILE_ZOOM}/{x}/{y}"
        _step(args, figures, "tile", lambda: first_and_second(args, tile, figures, "tile", "n/a (no tiles yet)"))
        host, port = server.url.split("//")[1].split(":")
        if args.quick:
            for key in SERVER_KEYS:
                if key.startswith(("held", "full")):
                    figures[key] = SKIPPED
        else:
            _step(args, figures, "held", lambda: held(args, host, int(port), paths, pgid, figures),
                  limit=args.seconds + args.warm_up + args.load_timeout)
            for c in THROTTLE_CONNECTIONS:
                _step(args, figures, f"full{c}", lambda c=c: throttle(args, server.url, c, paths, pgid, figures),
                      limit=args.seconds + args.warm_up + args.load_timeout)
        figures["pss_after_mb"] = group_pss_mb(pgid)
    finally:
        server.kill()   # the whole process group, also on Ctrl-C or a failure


def _step(args, figures: dict, prefix: str, measure, limit: float | None = None) -> None:
    """Run ``measure`` within the time limit; on a timeout or failure its figures say so."""
    start = time.perf_counter()
    try:
        with deadline(limit or args.timeout):
            measure()
    except StepTimeout:
        _fill(figures, prefix, "timeout")
    except (StepFailed, OSError) as error:
        print(f"  {prefix}: {error}", file=sys.stderr)
        _fill(figures, prefix, "failed")
    print(f"  {prefix}: {time.perf_counter() - start:.1f} s", flush=True)


def _fill(figures: dict, prefix: str, value: str) -> None:
    for key, *_ in figures_spec():
        if key.startswith(prefix) and key not in figures:
            figures[key] = value


def first_and_second(args, url: str, figures: dict, prefix: str, missing: str) -> None:
    """The first and the second GET of ``url``: seconds each (``missing`` when the route answers 404)."""
    for which in ("first", "second"):
        status, seconds = timed_get(url, args.timeout)
        if status == 404:
            figures[f"{prefix}_first_s"] = figures[f"{prefix}_second_s"] = missing
            return
        figures[f"{prefix}_{which}_s"] = seconds if status == 200 else f"HTTP {status}"


def held(args, host: str, port: int, paths: list[bytes], pgid: int, figures: dict) -> None:
    """GET /api/check at the held rate (after a short warm-up at that rate)."""
    if args.warm_up:
        asyncio.run(api.run("warm-up", host, port, paths, HELD_CONNECTIONS, args.warm_up, HELD_RATE))
    result = asyncio.run(api.run(f"held {HELD_RATE:.0f}/s", host, port, paths, HELD_CONNECTIONS,
                                 args.seconds, HELD_RATE, pgid))
    print("  " + result.line().replace("\n", "\n  "), flush=True)
    figures.update(held_p50_ms=result.percentile(50), held_p99_ms=result.percentile(99), held_errors=result.errors)
    if result.server_cpu is not None:
        figures["held_cpu_ms"] = 1000 * result.server_cpu / max(len(result.latencies), 1)
    if getattr(result, "host", None):   # bench/hostspeed.py: the median CPU ms of its fixed work
        figures["held_host_work_ms"] = result.host["work_ms"]


def throttle(args, url: str, connections: int, paths: list[bytes], pgid: int, figures: dict) -> None:
    """Full throttle at ``connections`` (bench/api.py's ``full_throttle``, when it has one)."""
    full_throttle = getattr(api, "full_throttle", None)
    if full_throttle is None:   # the hook: bench/api.py without its overload mode
        _fill(figures, f"full{connections}", "n/a (bench/api.py has no full_throttle)")
        return
    result = full_throttle(url, connections, args.seconds, paths, pgid, warm_up=args.warm_up)
    print("  " + result.line().replace("\n", "\n  "), flush=True)
    answers = max(len(result.latencies), 1)
    figures.update({f"full{connections}_rate": result.rate, f"full{connections}_p99_ms": result.percentile(99),
                    f"full{connections}_max_ms": result.percentile(100),
                    f"full{connections}_past_2s": sum(1 for s in result.latencies if s > 2.0),
                    f"full{connections}_shed_pct": 100 * getattr(result, "shed", 0) / answers,
                    f"full{connections}_errors": result.errors})


def cli_figures(args, layers: Path, reports: Path, spot: tuple[float, float], run_dir: Path, figures: dict) -> None:
    """``zonasi check`` cold and ``zonasi validate`` of the reports, each in a fresh process."""
    lon, lat = spot
    for prefix, command in (
        ("check", [str(ZONASI), "check", "--layers", str(layers), "--lat", f"{lat:.6f}", "--lon", f"{lon:.6f}",
                   "--lang", "en"]),
        ("validate", [str(ZONASI), "validate", str(reports), "-o", str(run_dir / "results.csv"),
                      "--at-column", "tanggal", "--no-progress", "--lang", "en", "--layers", str(layers)]),
    ):
        os.sync()   # what earlier steps wrote is on disk, not written back during this one

        def measure(prefix=prefix, command=command):
            done = launch(command, args.env, run_dir, prefix, args.timeout)
            figures[f"{prefix}_s"], figures[f"{prefix}_rss_mb"] = done["seconds"], done["peak_rss_mb"]
        _step(args, figures, prefix, measure, limit=args.timeout + 30)
        (run_dir / "results.csv").unlink(missing_ok=True)


# -- the table ------------------------------------------------------------------------------------

def summarise(runs: list[dict]) -> list[tuple[str, str, str, str]]:
    """(figure, value, target, met) rows: one value, or median [min - max] of the runs."""
    rows = []
    for key, label, target, test in figures_spec():
        values = [r.get(key, "missing") for r in runs]
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(numbers) == len(values) and all(math.isfinite(v) for v in numbers):
            median = statistics.median(numbers)
            text = _number(median) if len(numbers) == 1 else \
                f"{_number(median)} [{_number(min(numbers))} - {_number(max(numbers))}]"
            met = "-" if test is None else ("yes" if test(median) else "NO")
        else:
            text = ", ".join(dict.fromkeys(v if isinstance(v, str) else _number(v) for v in values))
            met = "-" if test is None else "n/a"
        rows.append((label, text, target or "-", met))
    return rows


def _number(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def print_table(rows, runs: int) -> None:
    """The table of every figure."""
    value_head = "value" if runs == 1 else f"median [min - max] of {runs} runs"
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(value_head), *(len(r[1]) for r in rows))
    print(f"\n{'figure':<{width}}  {value_head:<{vwidth}}  {'target':<8}  met?")
    for label, value, target, met in rows:
        print(f"{label:<{width}}  {value:<{vwidth}}  {target:<8}  {met}")


def _interrupt(*_) -> None:
    raise KeyboardInterrupt()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=2_000_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1, help="runs of every step (median, min and max printed)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "national")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the held and full-throttle runs")
    parser.add_argument("--warm-up", type=float, default=2.0, help="seconds of warm-up before each of those")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds any one step may take")
    parser.add_argument("--load-timeout", type=float, default=120.0,
                        help="seconds the held and full-throttle runs may take past their own duration (a server "
                             "far below the held rate leaves a backlog of requests that would take long to drain)")
    parser.add_argument("--quick", action="store_true", help="skip the held and the full-throttle runs")
    parser.add_argument("--drop-cache", action="store_true",
                        help="before each run, delete the files in the layers directory that the build did "
                             "not write (a cache a server made): every run starts cold")
    parser.add_argument("--rev", help="run the zonasi of this commit (a git worktree) instead of this tree's")
    parser.add_argument("--strict", action="store_true", help="exit status 1 when a target is missed")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)   # killed: clean up as on Ctrl-C

    start = time.perf_counter()
    layers, reports, took = build(args)
    args.env = source_env(args)
    # as `make install` does: the processes measured read bytecode, not sources to compile (a shell
    # with PYTHONDONTWRITEBYTECODE never writes it, and compiling cost `zonasi validate` 1.5 s)
    source = Path(args.env.get("PYTHONPATH", ROOT))
    subprocess.run([sys.executable, "-m", "compileall", "-q", "geo", "webmap", "zonasi"], cwd=source,
                   check=False, capture_output=True)
    for what, seconds in took.items():
        print(f"built {what} in {seconds:.1f} s", flush=True)
    print(f"zonasi from {args.env.get('PYTHONPATH', ROOT)}; layers {layers} ({args.sites:,} sites), "
          f"reports {reports.name} ({args.rows:,} rows) "
          f"ready after {time.perf_counter() - start:.1f} s", flush=True)
    xy = site_coordinates(layers)
    paths = check_paths(xy, 20_000, args.seed)
    spot = tuple(xy[np.argmin(np.hypot(*(xy - JAKARTA).T))] + 0.0001)   # ~15 m from the site nearest Monas

    runs: list[dict] = []
    for number in range(1, max(1, args.runs) + 1):
        extra = extra_files(args, layers)
        if extra:
            size = sum(p.stat().st_size for p in extra) / 1e6
            print(f"run {number}: the layers directory holds {len(extra)} files the build did not write "
                  f"({size:.0f} MB){'; deleted (--drop-cache)' if args.drop_cache else ''}", flush=True)
            for path in extra if args.drop_cache else ():
                path.unlink()
        print(f"run {number}:", flush=True)
        figures: dict = {}
        with tempfile.TemporaryDirectory(prefix="run-", dir=args.out) as tmp:
            serve_figures(args, layers, paths, Path(tmp), figures)
            cli_figures(args, layers, reports, spot, Path(tmp), figures)
        runs.append(figures)

    rows = summarise(runs)
    print_table(rows, len(runs))
    result = args.out / f"national-{args.sites}-{args.rows}.json"
    result.write_text(json.dumps({"sites": args.sites, "rows": args.rows, "load_average": os.getloadavg(),
                                  "runs": runs}, indent=1, default=str) + "\n")
    missed = [label for label, _, _, met in rows if met == "NO"]
    failed = [label for label, value, _, _ in rows if "failed" in value or "timeout" in value or "missing" in value]
    print(f"\nfigures in {result}; load average {os.getloadavg()[0]:.1f}")
    print("targets met" if not missed else "MISSED: " + "; ".join(missed))
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 2
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
