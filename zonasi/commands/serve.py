"""zonasi serve: the production web server (gunicorn)."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import click

from .. import server
from ..admission import BURST, Admission, Admit, PollClock
from ..offload import Gate, Lane, Offload
from ..options import layers_option, settings_from


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--workers", default=lambda: min(4, (os.cpu_count() or 1)), type=click.IntRange(1, 64),
              show_default="number of cores, at most 4", help="Worker processes.")
@click.option("--worker-class", type=click.Choice(server.WORKER_CLASSES), default="gevent", show_default=True,
              help="gevent: an event loop per worker; idle and slow connections cost nothing, short "
                   "requests are answered fastest, and the long routes (CSV validation, exports) run in "
                   "threads of their own. gthread: every request in one of --threads threads per worker.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Threads per worker (gthread only).")
@click.option("--upload-threads", default=1, show_default=True, type=click.IntRange(1, 64),
              help="CSV uploads (POST /api/validate) validated at once per worker; more wait in a queue "
                   "of --queue, the rest get 503 with Retry-After. The map's data routes have threads of "
                   "their own, so uploads never hold them up.")
@click.option("--data-threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Exports, OGC pages, exclusion zones and stats computed at once per worker.")
@click.option("--queue", default=8, show_default=True, type=click.IntRange(0, 10_000),
              help="Long requests of each kind that may wait for a thread, per worker.")
@layers_option
def serve(host, port, workers, worker_class, threads, upload_threads, data_threads, queue, layers_dir):
    """Serve the map and the API with gunicorn (not Flask's development server).

    The layers are loaded once and shared by the workers. The database comes from
    ZONASI_DATABASE_URL (default: a SQLite file in the instance folder).
    """
    from geo.store import parse_url

    settings = settings_from(layers_dir=layers_dir)
    parse_url(settings.effective_database_url)  # a bad URL: one line, exit 2 (zonasi.cli)
    if worker_class == "gevent":
        server.patch_for_gevent()  # before the app makes locks, sockets or database connections
    from gunicorn.app.base import BaseApplication

    from webmap import LONG_ROUTES, QUICK_ROUTES, create_app, warm

    app = create_app(settings)
    store = app.extensions["zonasi"].store
    store.migrate()  # once, here, before the workers fork
    store.dispose()      # no pooled connection may cross the fork
    warm(app)  # the engine's indexes and the static collections, shared by the forked workers
    server.freeze_heap()

    # A listening socket per worker slot (SO_REUSEPORT), made here and held by every worker.
    listeners = private = None
    if server.REUSE_PORT:
        try:
            listeners = server.Listeners(host, port, workers)
        except OSError as exc:
            raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        private = Path(tempfile.mkdtemp(prefix="zonasi-serve-"))
    lanes = (Lane("uploads", LONG_ROUTES["uploads"], upload_threads, queue, QUICK_ROUTES),
             Lane("data", LONG_ROUTES["data"], data_threads, queue, QUICK_ROUTES))

    def pre_fork(arbiter, worker):
        if listeners is not None:
            listeners.assign(arbiter, worker)

    def post_fork(_arbiter, worker):
        store.dispose()
        # Threads (gthread's, or gevent's for the long routes) hand the GIL to each other; by
        # default a thread that wants it may wait 5 ms, which shows in the latency of short requests.
        sys.setswitchinterval(0.001)
        if listeners is not None:
            listeners.install(worker)
        # The webhooks' sender and the overdue check (geo/webhooks): in one worker, after the
        # fork (its replacement takes it over); claims are safe, so other nodes may run it too.
        if getattr(worker, "zonasi_slot", 0) == 0:
            worker.zonasi_webhooks = server.start_webhooks(store, settings)

    def worker_exit(_arbiter, worker):
        server.stop_webhooks(getattr(worker, "zonasi_webhooks", None))

    class Server(BaseApplication):
        def load_config(self):
            bind = server.private_bind(private) if private is not None else f"{host}:{port}"
            for key, value in {"bind": bind, "workers": workers, "threads": threads,
                               "worker_class": server.worker_class(worker_class, listeners), "keepalive": 5,
                               "timeout": 120, "accesslog": None, "errorlog": "-", "loglevel": "warning",
                               "pre_fork": pre_fork, "post_fork": post_fork, "worker_exit": worker_exit,
                               "worker_tmp_dir": server.heartbeat_dir()}.items():
                self.cfg.set(key, value)

        def load(self):
            # Outermost, admission control (zonasi/admission.py): a request the worker cannot start
            # soon (ZONASI_QUEUE_WAIT_S), or one past ZONASI_MAX_IN_FLIGHT in progress, is refused at
            # once with a 503 + Retry-After (ZONASI_RETRY_AFTER_S).
            if worker_class == "gevent":
                return Admit(Offload(app, lanes, app.config["MAX_CONTENT_LENGTH"]),
                             Admission(settings.max_in_flight, settings.queue_wait_s, clock=time.time,
                                       min_ahead=BURST),
                             settings.retry_after_s, lambda: app.extensions["zonasi"], arrival=PollClock())
            return Admit(Gate(app, lanes), Admission(settings.max_in_flight, settings.queue_wait_s),
                         settings.retry_after_s, lambda: app.extensions["zonasi"])

    shape = f"{workers} gevent workers" if worker_class == "gevent" else f"{workers} workers x {threads} threads"
    click.echo(f"zonasi: serving http://{host}:{port} ({shape})", err=True)
    services = app.extensions["zonasi"]
    if not services.engine.layers.coverage.declared:  # said once, at start
        click.echo("zonasi: " + services.catalog.get("layers.coverage_nothing", settings.language,
                                                     directory=str(services.engine.layers.directory)), err=True)
    master = os.getpid()
    try:
        Server().run()
    finally:
        # A worker leaves through here too (gunicorn ends it with sys.exit, in this forked
        # stack): only the master may remove the directory of its socket.
        if private is not None and os.getpid() == master:
            shutil.rmtree(private, ignore_errors=True)
            listeners.close()

