"""zonasi's web service: Flask app factory, JSON API, OGC API - Features and the map.

It adapts HTTP to the engine in ``geo`` and holds no geometry logic of its own.
"""
from .app import LONG_ROUTES, QUICK_ROUTES, create_app, warm

__all__ = ["LONG_ROUTES", "QUICK_ROUTES", "create_app", "warm"]
