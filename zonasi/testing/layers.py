"""Layers for tests and benchmarks: small layers directories (the bundled rules and a few real
regencies, no sites) and random points near the bundled sites."""
from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo.layers import bundled_layers_dir, load_layers


@lru_cache(maxsize=1)
def _regencies() -> gpd.GeoDataFrame:
    return gpd.read_parquet(bundled_layers_dir() / "regencies.parquet")


def make_layers_dir(root: Path, codes=("32.09", "32.12", "63.10"), rules: str | None = None) -> Path:
    """``root/layers`` with rules.toml (bundled or ``rules``), the regencies ``codes`` (63.10 is named
    by the bundled rules), empty sites/."""
    directory = root / "layers"
    (directory / "sites").mkdir(parents=True)
    if rules is None:
        shutil.copy(bundled_layers_dir() / "rules.toml", directory / "rules.toml")
    else:
        (directory / "rules.toml").write_text(rules, "utf-8")
    regencies = _regencies()
    regencies[regencies["code"].isin(codes)].to_parquet(directory / "regencies.parquet")
    return directory


def points_near_sites(n: int, seed: int) -> np.ndarray:
    """``n`` random (lon, lat) spots within ~150 m of random bundled sites (a mix of violations and
    allowed spots), as an (n, 2) array; the same ``seed`` gives the same points."""
    sites = load_layers(None).sites
    xy = shapely.get_coordinates(shapely.centroid(sites.geometry.values))
    rng = np.random.default_rng(seed)
    return xy[rng.integers(0, len(xy), n)] + rng.normal(0, 0.0012, (n, 2))
