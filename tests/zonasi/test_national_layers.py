"""zonasi.testing.national: the synthetic national layers of bench/national.py are what they say:
every site inside its own regency, every regency with sites, the categories of the rules, declared
complete, read by load_layers without a warning; the reports CSV is readable by zonasi validate's
reader and the same seed gives the same files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

from geo.layers import load_layers
from geo.rules import CATEGORIES
from zonasi.testing.national import SITES_FILE, points_in_polygon, write_national_layers, write_national_reports


def test_every_site_lies_in_its_own_regency_and_the_layers_load(tmp_path):
    directory = write_national_layers(tmp_path / "layers", sites=10_000, seed=5)
    layers = load_layers(directory)
    assert layers.warnings == [] and len(layers.site_features) == 10_000
    regencies = layers.regency_features
    codes = regencies.column("code")
    sites = layers.site_features
    owner = np.searchsorted(codes, sites.column("regency_code"))
    assert (codes[owner] == sites.column("regency_code")).all()
    xy = shapely.get_coordinates(sites.geometry)
    inside = shapely.contains_xy(regencies.geometry[owner], xy[:, 0], xy[:, 1])
    assert inside.all()
    assert len(np.unique(owner)) == len(codes) == 514     # 80% shared equally: every regency has sites
    assert set(sites.column("category")) <= set(CATEGORIES)
    assert len(set(sites.column("site_id"))) == 10_000
    for category in CATEGORIES:
        assert layers.coverage.complete_regencies(category) == set(codes)


def test_the_same_seed_gives_the_same_files(tmp_path):
    one = write_national_layers(tmp_path / "a", sites=500, seed=3)
    two = write_national_layers(tmp_path / "b", sites=500, seed=3)
    assert pq.read_table(one / SITES_FILE).equals(pq.read_table(two / SITES_FILE))
    write_national_reports(tmp_path / "a.csv", one, rows=400, seed=4)
    write_national_reports(tmp_path / "b.csv", two, rows=400, seed=4)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    reports = pd.read_csv(tmp_path / "a.csv")
    assert list(reports.columns) == ["id", "lat", "lon", "apk_type", "tanggal"] and len(reports) == 400


def test_points_in_a_thin_polygon_are_all_inside():
    sliver = shapely.Polygon([(0, 0), (10, 10), (10, 10.001), (0, 0.001)])   # 0.01% of its bounding box
    xy = points_in_polygon(sliver, 200, np.random.default_rng(0))
    assert xy.shape == (200, 2) and shapely.contains_xy(sliver, xy[:, 0], xy[:, 1]).all()
