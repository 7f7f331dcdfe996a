"""The production server (`zonasi serve`, gunicorn) as a child process in its own process group.

Used by bench/killtest.py, bench/load.py, bench/api.py and the reliability tests:

    with ZonasiServer(instance_dir, database_url=None, workers=2, worker_class="gevent") as server:
        token = server.token("field", "killtest")
        ... httpx against server.url ...
        server.kill()      # SIGKILL to the whole group: master and workers, no clean-up
        server.start()     # again, on the same port
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ZONASI = Path(sys.executable).parent / "zonasi"   # the console script beside this Python


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ZonasiServer:
    """``zonasi serve`` on a loopback port for one instance directory (and database), started,
    SIGKILLed and started again at will; a context manager that starts it and stops it cleanly."""

    def __init__(self, instance_dir: Path, *, database_url: str | None = None, workers: int = 2,
                 worker_class: str = "gevent", threads: int = 8, port: int | None = None,
                 env: dict | None = None, args: tuple[str, ...] = ()):
        self.instance_dir = Path(instance_dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers, self.worker_class, self.threads = workers, worker_class, threads
        self.args = tuple(args)  # more `zonasi serve` options
        self.env = {**os.environ, **(env or {}), "ZONASI_INSTANCE": str(self.instance_dir)}
        self.env.pop("ZONASI_DATABASE_URL", None)
        if database_url:
            self.env["ZONASI_DATABASE_URL"] = database_url
        self.process: subprocess.Popen | None = None
        self.log = self.instance_dir.parent / f"serve-{self.port}.log"
        self.starts = 0

    def zonasi(self, *args: str) -> str:
        """Run a zonasi command against the same instance and database; its stdout."""
        done = subprocess.run([str(ZONASI), *args], env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"zonasi {' '.join(args)} failed: {done.stderr}")
        return done.stdout.strip()

    def token(self, role: str, name: str) -> str:
        """A new API token of ``role`` (``zonasi token create``)."""
        return self.zonasi("token", "create", "--role", role, "--name", name)

    def start(self, timeout: float = 120) -> None:
        """Start the server (again, on the same port) and wait until it answers a point check."""
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log, "a")
        self.process = subprocess.Popen(
            [str(ZONASI), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers), "--worker-class", self.worker_class, "--threads", str(self.threads),
             *self.args],
            env=self.env, stdout=log, stderr=log, start_new_session=True)
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/check?lat=-6.33&lon=108.32", timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"zonasi serve did not come up; log:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole process group (gunicorn master and workers) and reap it."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self._wait_group_gone(self.process.pid)
        self.process = None

    def stop(self) -> None:
        """A clean shutdown (SIGTERM: gunicorn finishes the requests in flight)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    @staticmethod
    def _wait_group_gone(pgid: int, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def log_text(self) -> str:
        """What the server has written to its log so far (stdout and stderr of every start)."""
        return self.log.read_text() if self.log.exists() else ""

    def __enter__(self) -> ZonasiServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def worker_pids(master: int) -> list[int]:
    """The processes whose parent is ``master`` (a server's workers), from Linux's /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return pids


def connections_per_worker(master: int, port: int) -> list[int]:
    """How many established TCP connections to ``port`` each worker of ``master`` holds (Linux /proc:
    the sockets of the port's connections in /proc/net/tcp*, matched with each worker's descriptors)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "01":   # local port, ESTABLISHED
                inodes.add(cols[9])
    counts = []
    for pid in worker_pids(master):
        try:
            links = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:
            continue   # gone meanwhile
        counts.append(len({link[8:-1] for link in links if link.startswith("socket:")} & inodes))
    return counts
