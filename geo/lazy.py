"""Package faces that load their modules on first use (PEP 562).

A subsystem package lists what it offers, by module; ``from geo.zones import render_map`` then
imports ``geo.zones.printmap`` (and matplotlib) only at that moment, so a process pays for the
parts it uses (the web map never loads matplotlib, ``zonasi check`` never loads GDAL)::

    __all__, __getattr__ = lazy_exports(__name__, {"printmap": ["render_map"], ...})
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, modules: dict[str, list[str]]) -> tuple[list[str], Callable[[str], Any]]:
    """The ``__all__`` and module ``__getattr__`` of ``package`` exporting ``modules``' names."""
    where = {name: f"{package}.{module}" for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(where[name]), name)
        setattr(sys.modules[package], name, value)  # next time without this function
        return value

    return sorted(where), __getattr__
