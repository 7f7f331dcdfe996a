"""What a server builds before its workers fork (Engine.warm) leaves nothing to build on a check's
path: every worker would otherwise pay it in the middle of its first requests (#16's held p99)."""
from __future__ import annotations

import numpy as np
import pyproj
import shapely

from geo.engine import Engine


def test_a_warmed_engine_makes_no_transformer_in_any_zone(monkeypatch):
    """The UTM zones' sites are read from arrays saved beside the layers, which need no pyproj
    transformer; warm makes each zone's, so a first check in a zone does not (1-20 ms each)."""
    engine = Engine.from_directory()
    engine.warm()
    made = []
    real = pyproj.Transformer.from_crs
    monkeypatch.setattr(pyproj.Transformer, "from_crs", lambda *a, **k: (made.append(a), real(*a, **k))[1])
    geometry = engine.layers.regency_features.geometry
    zones = np.unique(engine.regency_epsg)
    for epsg in zones:
        regency = int(np.flatnonzero(engine.regency_epsg == epsg)[0])
        spot = shapely.point_on_surface(geometry[regency])
        verdict = engine.check(shapely.get_x(spot), shapely.get_y(spot))
        assert verdict.crs == f"EPSG:{epsg}"
    assert len(zones) >= 5
    assert made == []
