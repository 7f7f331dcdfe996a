"""A small world for the casework tests (letters, worklists): two regencies with a school each,
rules giving 32.09 its own notice_hours, and verified reports next to the schools."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point

from geo.layers import bundled_layers_dir

from .layers import make_layers_dir
from .reports import IN_CAMPAIGN, photo

RULES = (bundled_layers_dir() / "rules.toml").read_text("utf-8")
NOTICE_RULES = RULES + '\n[regencies."32.09"]\nnotice_hours = 24   # 1 x 24 h\n'
SCHOOLS = {"32.12": ("SMA Negeri 1 Contoh", (108.32, -6.33)), "32.09": ("SD Negeri 2 Contoh", (108.4564, -6.7612))}
ROAD = ("Jalan Contoh", [(108.3300, -6.3450), (108.3400, -6.3450)])   # a road in 32.12


def casework_layers(root: Path, rules: str = NOTICE_RULES) -> Path:
    """A layers directory with 32.09 and 32.12 (and 63.10), a school in each and a road in 32.12."""
    directory = make_layers_dir(root, codes=("32.09", "32.12", "63.10"), rules=rules)  # 63.10: named by the rules
    names = [name for name, _ in SCHOOLS.values()] + [ROAD[0]]
    geoms = [Point(xy) for _, xy in SCHOOLS.values()] + [LineString(ROAD[1])]
    gpd.GeoDataFrame({"name": names, "category": ["school", "school", "road"]}, geometry=geoms,
                     crs=4326).to_parquet(directory / "sites" / "sites.parquet")
    return directory


def near(code: str, east_m: float = 10.0, north_m: float = 0.0) -> tuple[float, float]:
    """A spot ``east_m`` east and ``north_m`` north of the school of regency ``code`` (lon, lat)."""
    lon, lat = SCHOOLS[code][1]
    return (lon + east_m / (111_320 * np.cos(np.radians(lat))), lat + north_m / 110_574)


def verified(store, code: str = "32.12", n: int = 1, participant: str = "Partai Contoh", *,
             with_photo: bool = True, status: str = "verified") -> list[str]:
    """``n`` reports of ``participant`` near the school of ``code`` (10 m + 3 m apart), moved to ``status``."""
    ids = []
    for i in range(n):
        lon, lat = near(code, 10 + 3 * (i % 10), 3 * (i // 10))
        body = {"apk_type": "baliho", "participant": participant, "lon": lon, "lat": lat, "accuracy_m": 5,
                "reported_at": IN_CAMPAIGN}
        rid = store.submit(body, photo=photo(size=(160, 120)) if with_photo else None).report["id"]
        if status != "reported":
            store.transition(rid, "verified", actor="Bawaslu test", role="bawaslu")
        ids.append(rid)
    return ids
