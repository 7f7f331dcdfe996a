"""What the request handlers use, built once per app and kept in ``app.extensions["zonasi"]``.

    services().engine, services().catalog, services().store, services().settings
    services().clock  the one clock every check judges by (Settings.now, else the system clock)
    zone_cache()      the exclusion zones per regency, shared by /api/zones.geojson and OGC
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from geo import Engine
from geo.clock import Clock
from geo.config import Settings
from geo.i18n import Catalog
from geo.store import Store
from geo.zones import ExclusionZoneCache

KEY = "zonasi"


@dataclass
class Services:
    """What the request handlers use, built once per app (no module-level state)."""

    settings: Settings
    engine: Engine
    catalog: Catalog
    store: Store   # reports and tokens (connects and migrates on first use)
    zones: ExclusionZoneCache | None = None  # exclusion zones per regency, for drawing (made on first request)

    @property
    def clock(self) -> Clock:
        """The clock every interface judges by: ``settings.now`` when set, else the system clock."""
        return Clock.from_settings(self.settings)


def install(app: Flask, services: Services) -> None:
    """Keep ``services`` in the app for its handlers."""
    app.extensions[KEY] = services


def services(app: Flask | None = None) -> Services:
    """The services of ``app`` (default: the current app)."""
    return (app or current_app).extensions[KEY]


def zone_cache() -> ExclusionZoneCache:
    """The app's exclusion-zone cache, made on first use and again when new layers are loaded."""
    s = services()
    if s.zones is None or s.zones.engine is not s.engine:
        s.zones = ExclusionZoneCache(s.engine)
    return s.zones
