"""Small layers directories for tests: the bundled rules and a few real regencies, no sites."""
from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

import geopandas as gpd

from geo.layers.directory import bundled_layers_dir


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
