"""zonasi serve: the production web server (gunicorn)."""
from __future__ import annotations

import os

import click

from geo import ZonasiError

from ..options import layers_option, settings_from


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--workers", default=lambda: min(4, (os.cpu_count() or 1)), type=click.IntRange(1, 64),
              show_default="number of cores, at most 4", help="Worker processes.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Threads per worker: slow clients do not block others.")
@layers_option
def serve(host, port, workers, threads, layers_dir):
    """Serve the map and the API with gunicorn (not Flask's development server).

    The layers are loaded once and shared by the workers. The database comes from
    ZONASI_DATABASE_URL (default: a SQLite file in the instance folder).
    """
    from gunicorn.app.base import BaseApplication

    from webmap import create_app

    settings = settings_from(layers_dir=layers_dir)
    app = create_app(settings)
    store = app.extensions["zonasi"].store
    try:
        store.migrate()  # once, here, before the workers fork
    except ZonasiError as exc:
        raise click.UsageError(exc.message) from exc
    store.dispose()      # no pooled connection may cross the fork
    warm(app.extensions["zonasi"].engine)

    class Server(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "worker_class": "gthread", "keepalive": 5, "timeout": 120,
                               "accesslog": None, "errorlog": "-", "loglevel": "warning",
                               "post_fork": lambda _server, _worker: store.dispose()}.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    click.echo(f"zonasi: serving http://{host}:{port} ({workers} workers x {threads} threads)", err=True)
    Server().run()


def warm(engine) -> None:
    """Check points on and around every site once, before the workers fork: the engine's lazily
    built indexes (per UTM zone, and the regency grid) are then built once, shared by all workers
    (copy-on-write), and the first requests are as fast as the rest."""
    import numpy as np
    import shapely

    sites = engine.layers.sites
    if not len(sites):
        return
    xy = shapely.get_coordinates(shapely.centroid(sites.geometry.values))
    step = 0.005  # degrees, about 550 m: the neighbourhood where reports of a site fall
    around = np.concatenate([xy + (dx, dy) for dx in (-step, 0, step) for dy in (-step, 0, step)])
    around = np.unique(np.round(around / step).astype("int64"), axis=0) * step
    around = around[(np.abs(around[:, 0]) <= 180) & (np.abs(around[:, 1]) <= 90)]
    engine.check_many(around[:, 0], around[:, 1])

