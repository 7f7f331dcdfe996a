"""How fast the host's CPU runs while a benchmark runs: the CPU time a fixed piece of pure-Python
work takes, sampled every ``--every`` seconds in a process of its own.

Why: on a shared virtual machine the same code runs up to 2x slower, for seconds or for many
minutes (neighbours on the same physical machine; the work took 1.05-1.1 ms of CPU on this 2-core
machine when it was quiet, and 2.0-2.1 ms with nothing of ours running at other times), and a
latency figure measured then says more about the neighbours than about zonasi. The CPU time (not
the wall time) of the work is what is sampled, so waiting for a core, which the benchmark's own
load causes, does not count.

    .venv/bin/python bench/hostspeed.py --seconds 10       # prints the samples' figures as JSON

:class:`HostSpeed` runs it beside a measurement: ``with HostSpeed() as speed: ...``, then
``speed.figures`` (``work_ms``: the median sample; ``slowest``: the slowest sample over the
fastest, ``slow_share``: the share of samples 1.3x the fastest or slower), in words by
``HostSpeed.describe(speed.figures)``.
"""
from __future__ import annotations

import argparse
import json
import select
import subprocess
import sys
import time

SLOW = 1.3   # a sample this much slower than the fastest counts as the host running slow


def work() -> int:
    """About a millisecond of pure-Python work (a fixed amount)."""
    total = 0
    for i in range(20_000):
        total += i * i % 7
    return total


def sample(go_on, every: float) -> list[float]:
    """CPU seconds of :func:`work`, once every ``every`` seconds for as long as ``go_on()``."""
    samples = []
    while go_on():
        start = time.thread_time()
        work()
        samples.append(time.thread_time() - start)
        time.sleep(every)
    return samples


def figures(samples: list[float]) -> dict:
    """The median sample (ms), the slowest over the fastest, and the share of slow samples."""
    if not samples:
        return {}
    ordered = sorted(samples)
    fastest = ordered[0]
    return {"work_ms": round(1000 * ordered[len(ordered) // 2], 3), "fastest_ms": round(1000 * fastest, 3),
            "slowest": round(ordered[-1] / fastest, 2),
            "slow_share": round(sum(s >= SLOW * fastest for s in samples) / len(samples), 3),
            "samples": len(samples)}


class HostSpeed:
    """:func:`sample` in a child process for as long as the ``with`` block runs."""

    def __init__(self, every: float = 0.1):
        self.every = every
        self.figures: dict = {}

    def __enter__(self) -> HostSpeed:
        self.process = subprocess.Popen([sys.executable, __file__, "--until-stdin-closes", "--every", str(self.every)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        return self

    def __exit__(self, *exc) -> None:
        out, _ = self.process.communicate("", timeout=30)
        self.figures = json.loads(out) if out.strip() else {}

    @staticmethod
    def describe(f: dict) -> str:
        """:attr:`figures` ``f`` in words."""
        if not f:
            return "host speed: not measured"
        return (f"host speed: reference work {f['work_ms']:.2f} ms CPU (median; fastest {f['fastest_ms']:.2f}), "
                f"slowest x{f['slowest']:.2f}, {100 * f['slow_share']:.0f}% of samples x{SLOW} or slower")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to sample")
    parser.add_argument("--every", type=float, default=0.1, help="seconds between samples")
    parser.add_argument("--until-stdin-closes", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.until_stdin_closes:   # HostSpeed's child: until the parent closes our stdin
        samples = sample(lambda: not select.select([sys.stdin], [], [], 0)[0], args.every)
    else:
        end = time.monotonic() + args.seconds
        samples = sample(lambda: time.monotonic() < end, args.every)
    print(json.dumps(figures(samples)))


if __name__ == "__main__":
    main()
