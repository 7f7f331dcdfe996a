"""The application factory: configuration flows in from one Settings object."""
from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from geo import Engine
from geo.config import Settings
from geo.i18n import Catalog
from geo.store import Store

from . import errors, health, ogc, openapi, pages, proxy, security, tiles
from .api import (
    check,
    coverage,
    letters,
    mapapi,
    mine,
    offline,
    public,
    reports,
    triage,
    validate,
    verdicts,
    worklist,
    zones,
)
from .services import Services, install

# Paths of the requests that may compute for a while, by kind: uploads to validate (seconds of
# CPU) and the data routes (exports of every violation, OGC pages of up to 10,000 features,
# exclusion zones, stats: 0.2-0.6 s). A production server runs each kind apart from the short
# requests and from the other kind (`zonasi serve`, zonasi/offload.py).
LONG_ROUTES = {
    "uploads": ("/api/validate",),
    "data": ("/api/violations.", "/api/zones.geojson", "/api/coverage.", "/api/stats", "/ogc/collections/",
             "/collections/", "/api/letters/", "/api/worklist"),
}
# Parts of a path under those prefixes that are answered at once, outside the lanes: the vector
# tiles built from indexes warmed before the fork (a map asks for dozens at a time, each built in
# milliseconds and kept; zones and violations tiles do real work and stay in the data lane), the
# tile matrix sets and the upload templates.
QUICK_ROUTES = ("/collections/sites/tiles", "/collections/regencies/tiles", "/collections/coverage/tiles",
                "/tileMatrixSets", "/api/validate/template")


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Flask:
    """The Flask app: the JSON API, the pages, OGC API - Features and /openapi.json over one engine."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_dir.resolve()))
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_mb * 1024 * 1024
    json = DefaultJSONProvider(app)  # Flask's default provider, made here to be typed as such
    json.sort_keys = False
    json.ensure_ascii = False
    app.json = json
    engine = engine or Engine.from_directory(settings.layers_dir)
    services = Services(settings=settings, engine=engine, catalog=Catalog(),
                        store=Store.from_settings(settings, engine))
    install(app, services)
    errors.register(app)
    security.register(app)
    # in this order: the url_map's and the OpenAPI document's
    for blueprint in (check.bp, validate.bp, mine.bp, reports.bp, pages.bp, mapapi.bp, ogc.bp, tiles.bp, ogc.root,
                      openapi.bp, zones.bp, coverage.bp, offline.bp, health.bp, letters.bp, worklist.bp, verdicts.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(public.bp)  # reports without an account, regency names (#19)
    app.register_blueprint(triage.bp)  # bulk moves, removal photos (#19)
    proxy.install(app, settings)  # X-Forwarded-* trusted only with ZONASI_PROXY_HOPS
    return app


def warm(app: Flask) -> None:
    """What a server builds before its workers fork, so that they share it and their first
    requests are as fast as the rest: the engine's indexes and tables (see :meth:`Engine.warm`),
    the message catalog, the static collections' (the sites' bounds, the regencies) and the
    vector tiles' indexes."""
    app.extensions["zonasi"].engine.warm()
    _ = app.extensions["zonasi"].catalog.messages   # every sentence, read from the catalog files once
    with app.app_context():
        found = ogc.collections()
        for cid in ("sites", "regencies"):
            found.get(cid)
    tiles.warm_tiles(app)
