"""Benchmark: Engine.check_many vs the naive way (geopandas buffer + sjoin) vs the bare STRtree query.

    .venv/bin/python bench/engine.py [--points 200000] [--copies 12]

Sites: the bundled real sites replicated with ~300 m jitter (12 copies: > 200k sites).
Points: random spots around the sites (a mix of violations and allowed spots).
All three ways answer "which sites is each point within the distance of"; the engine also finds
each point's regency, its rules, the exact distance, and the nearest site.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo import Engine, load_layers
from geo.layers import Features
from geo.rules.model import CATEGORIES


def replicate(layers, copies: int, rng) -> gpd.GeoDataFrame:
    """The sites plus ``copies - 1`` copies moved by ~300 m at random, each geometry as a whole."""
    sites = layers.sites
    geoms = sites.geometry.to_numpy()
    _, owner = shapely.get_coordinates(geoms, return_index=True)
    frames = [sites]
    for c in range(1, copies):
        shift = rng.normal(0, 0.003, (len(sites), 2))
        moved = shapely.set_coordinates(geoms.copy(), shapely.get_coordinates(geoms) + shift[owner])
        frames.append(sites.assign(site_id=sites.site_id + f"~{c}", geometry=moved))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)


def timed(label, fn, repeat=3):
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(42)

    base = load_layers()
    sites = replicate(base, args.copies, rng)
    layers = replace(base, site_features=Features.from_frame(sites))
    anchor = sites.geometry.representative_point()
    pick = rng.integers(0, len(sites), args.points)
    lons = anchor.x.to_numpy()[pick] + rng.normal(0, 0.0008, args.points)
    lats = anchor.y.to_numpy()[pick] + rng.normal(0, 0.0008, args.points)
    print(f"{args.points:,} points, {len(sites):,} sites ({args.copies} jittered copies of the bundled sites)")

    start = time.perf_counter()
    engine = Engine(layers)
    engine.check_many(lons, lats)
    cold_s = time.perf_counter() - start
    warm_s, batch = timed("engine", lambda: engine.check_many(lons, lats), args.repeat)
    hits_engine = len(batch.hit_point)

    # The naive way: one metric CRS for everything, buffer every site by its category's
    # distance, then a spatial join of the points with the buffers.
    buffers = np.array([base.rules.buffer_m(None, c) for c in CATEGORIES])
    cat_index = {c: i for i, c in enumerate(CATEGORIES)}
    site_buffer = buffers[sites.category.map(cat_index).to_numpy()]

    def naive():
        metric = sites.to_crs(32749)
        zones = gpd.GeoDataFrame({"site_id": sites.site_id}, geometry=metric.buffer(site_buffer), crs=32749)
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lons, lats), crs=4326).to_crs(32749)
        return gpd.sjoin(points, zones, predicate="intersects", how="inner")

    naive_s, joined = timed("naive", naive, args.repeat)

    # The bare STRtree query: what any exact-distance check must do at the least. Project the
    # points, one dwithin query at the largest distance, the distance of each pair in metres.
    transformer = pyproj.Transformer.from_crs(4326, 32749, always_xy=True)
    metric_sites = sites.to_crs(32749).geometry.to_numpy()
    tree = shapely.STRtree(metric_sites)

    def bare():
        points = shapely.points(*transformer.transform(lons, lats))
        pi, si = tree.query(points, predicate="dwithin", distance=float(buffers.max()))
        return pi, shapely.distance(points[pi], metric_sites[si])

    bare_s, (pi, _) = timed("bare", bare, args.repeat)

    print(f"{'way':<44}{'seconds':>9}{'pairs':>11}")
    print(f"{'zonasi Engine.check_many (warm)':<44}{warm_s:>9.3f}{hits_engine:>11,}")
    print(f"{'zonasi Engine.check_many (cold: + load, index)':<44}{cold_s:>9.3f}")
    print(f"{'naive: geopandas buffer + sjoin':<44}{naive_s:>9.3f}{len(joined):>11,}")
    print(f"{'bare STRtree query + pair distances':<44}{bare_s:>9.3f}{len(pi):>11,}")
    print(f"speed-up vs naive: {naive_s / warm_s:.1f}x (target >= 3x); "
          f"vs bare query: {warm_s / bare_s:.2f}x the time (target <= 1.5x)")
    print(f"statuses: {pd.Series(batch.status).value_counts().to_dict()}")


if __name__ == "__main__":
    main()
