"""The application factory: configuration flows in from one Settings object."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from geo import Engine
from geo.config import Settings
from geo.i18n import Catalog
from geo.store import Store
from geo.zones.exclusion import ExclusionZoneCache

from . import batch, mapapi, pages
from . import api, errors, ogc, openapi, reports, security, zones


# Paths of the requests that may compute for a while, by kind: uploads to validate (seconds of
# CPU) and the data routes (exports of every violation, OGC pages of up to 10,000 features,
# exclusion zones, stats: 0.2-0.6 s). A production server runs each kind apart from the short
# requests and from the other kind (`zonasi serve`, zonasi/offload.py).
LONG_ROUTES = {
    "uploads": ("/api/validate",),
    "data": ("/api/violations.", "/api/zones.geojson", "/api/stats", "/ogc/collections/", "/collections/"),
}


@dataclass
class Services:
    """What the request handlers use, built once per app (no module-level state)."""

    settings: Settings
    engine: Engine
    catalog: Catalog
    store: Store | None = None   # reports and tokens (connects and migrates on first use)
    zones: ExclusionZoneCache | None = None  # exclusion zones per regency, for drawing (made on first request)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_dir.resolve()))
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_mb * 1024 * 1024
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    services = Services(settings=settings, engine=engine or Engine.from_directory(settings.layers_dir),
                        catalog=Catalog())
    services.store = Store.from_settings(settings, services.engine)
    app.extensions["zonasi"] = services
    errors.register(app)
    security.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(batch.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(mapapi.bp)
    app.register_blueprint(ogc.bp)
    app.register_blueprint(ogc.root)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(zones.bp)
    return app
