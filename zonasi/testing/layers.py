"""Layers for tests and benchmarks: small layers directories (the bundled rules and a few real
regencies, no sites) and random points near the bundled sites."""
from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import shapely

from geo.layers import bundled_layers_dir, load_layers
from geo.rules import CATEGORIES


@lru_cache(maxsize=1)
def _regencies() -> gpd.GeoDataFrame:
    return gpd.read_parquet(bundled_layers_dir() / "regencies.parquet")


def make_layers_dir(root: Path, codes=("32.09", "32.12", "63.10"), rules: str | None = None,
                    complete: bool = True) -> Path:
    """``root/layers`` with rules.toml (bundled or ``rules``), the regencies ``codes`` (63.10 is named
    by the bundled rules), empty sites/; ``complete``: a coverage.toml declaring every category
    complete in those regencies (the test writes every site it means to be there), so a spot with
    none in reach is ``ok`` rather than ``incomplete``."""
    directory = root / "layers"
    (directory / "sites").mkdir(parents=True)
    if rules is None:
        shutil.copy(bundled_layers_dir() / "rules.toml", directory / "rules.toml")
    else:
        (directory / "rules.toml").write_text(rules, "utf-8")
    regencies = _regencies()
    regencies[regencies["code"].isin(codes)].to_parquet(directory / "regencies.parquet")
    if complete:
        declare_complete(directory, codes)
    return directory


def declare_complete(directory: Path, codes=None, categories=CATEGORIES, source: str = "test fixture") -> None:
    """Append a ``[[complete]]`` entry for ``categories`` in the regencies ``codes`` (default: every
    regency of the directory) to the coverage.toml of ``directory``."""
    if codes is None:
        codes = pq.read_table(Path(directory) / "regencies.parquet", columns=["code"]).column("code").to_pylist()
    entry = (f"\n[[complete]]\ncategories = {list(categories)!r}\nregencies = {list(codes)!r}\n"
             f"source = {source!r}\n").replace("'", '"')
    with open(Path(directory) / "coverage.toml", "a", encoding="utf-8") as out:
        out.write(entry)


def points_near_sites(n: int, seed: int) -> np.ndarray:
    """``n`` random (lon, lat) spots within ~150 m of random bundled sites (a mix of violations and
    allowed spots), as an (n, 2) array; the same ``seed`` gives the same points."""
    sites = load_layers(None).sites
    xy = shapely.get_coordinates(shapely.centroid(sites.geometry.values))
    rng = np.random.default_rng(seed)
    return xy[rng.integers(0, len(xy), n)] + rng.normal(0, 0.0012, (n, 2))
