"""zonasi's engine: layers, rules, CRS, exact metric checks. Knows nothing of the web.

The names below load on first use (PEP 562), so that ``geo.csvin`` alone loads with pyarrow
and no more: the process that reads a spreadsheet ahead (:mod:`geo.csvin.ahead`) starts at once.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "Batch": "batch", "Engine": "engine",
    "ConfigError": "errors", "Conflict": "errors", "InputError": "errors", "NotFound": "errors",
    "ZonasiError": "errors",
    "Layers": "layers", "bundled_layers_dir": "layers", "load_layers": "layers",
    "CATEGORIES": "rules", "Rules": "rules", "load_rules": "rules", "parse_rules": "rules",
    "STATUSES": "verdict", "Hit": "verdict", "Regency": "verdict", "Verdict": "verdict",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
