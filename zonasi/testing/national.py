"""A national-scale layers directory for tests and ``bench/national.py``: the bundled rules and all
514 bundled regencies, ``sites/national.parquet`` with any number of synthetic POINT sites spread
over every regency (each inside its regency's polygon), a coverage.toml declaring them complete,
and a CSV of reports near those sites and anywhere in the country.

    directory = write_national_layers(root / "layers", sites=2_000_000, seed=1)
    write_national_reports(root / "reports.csv", directory, rows=1_000_000, seed=2)

Sites per regency go roughly with population: 80% shared equally among the regencies (a city of
50 km2 has as many people as a vast regency of Papua, give or take), 20% by area; so central
Jakarta gets thousands of sites per city and Papua's highlands few per km2. Categories in proportions
like the real registers' (many places of worship and schools, fewer of the rest).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from geo.layers import bundled_layers_dir
from geo.rules import CATEGORIES
from zonasi.testing.layers import declare_complete

FORMAT = 1   # bump when what write_national_layers writes changes (bench/national.py caches by it)
SITES_FILE = "sites/national.parquet"
SHARES = {"place_of_worship": 0.46, "school": 0.30, "health_facility": 0.08, "government_office": 0.07,
          "public_facility": 0.05, "park": 0.03, "road": 0.01}
LABELS = {"place_of_worship": "Masjid", "school": "SD Negeri", "health_facility": "Puskesmas",
          "government_office": "Kantor Desa", "public_facility": "Pasar", "park": "Taman", "road": "Jalan"}


def write_national_layers(directory: Path, sites: int, seed: int) -> Path:
    """Write the national layers directory ``directory`` (created; see the module docstring) with
    ``sites`` synthetic sites; the same ``seed`` gives the same sites. Returns ``directory``."""
    directory = Path(directory)
    (directory / "sites").mkdir(parents=True, exist_ok=True)
    bundled = bundled_layers_dir()
    for name in ("rules.toml", "regencies.parquet"):
        shutil.copy(bundled / name, directory / name)
    regencies = pq.read_table(directory / "regencies.parquet", columns=["code", "geometry"])
    codes = np.asarray(regencies.column("code").to_pylist(), dtype=object)
    polygons = shapely.from_wkb(regencies.column("geometry").to_numpy(zero_copy_only=False))
    rng = np.random.default_rng(seed)
    area = shapely.area(polygons)
    weight = 0.8 / len(polygons) + 0.2 * area / area.sum()
    counts = rng.multinomial(sites, weight / weight.sum())
    owner = np.repeat(np.arange(len(polygons)), counts)
    xy = np.concatenate([points_in_polygon(polygon, n, rng) for polygon, n in zip(polygons, counts)])
    shuffle = rng.permutation(sites)           # the sites of one regency are not all together in the file
    xy, owner = xy[shuffle], owner[shuffle]
    category = rng.choice(np.array(list(SHARES), dtype=object), sites, p=list(SHARES.values()))
    number = np.arange(1, sites + 1).astype(str)
    labels = pd.Series(category).map(LABELS).to_numpy(dtype=str)
    table = pa.table({
        "site_id": pa.array(np.char.add("nat-", number)),
        "name": pa.array(np.char.add(np.char.add(labels, " "), number)),
        "category": pa.array(category.astype(str)),
        "regency_code": pa.array(codes[owner].astype(str)),
        "geometry": pa.array(shapely.to_wkb(shapely.points(xy)), type=pa.binary()),
    })
    geo = ('{"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": '
           '{"encoding": "WKB", "geometry_types": ["Point"], "crs": null}}}')   # null: OGC:CRS84
    pq.write_table(table.replace_schema_metadata({"geo": geo}), directory / SITES_FILE)
    (directory / "coverage.toml").unlink(missing_ok=True)
    declare_complete(directory, categories=CATEGORIES, source="synthetic national sites")
    return directory


def points_in_polygon(polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniformly random (x, y) points inside ``polygon``, as an (n, 2) array: candidates in
    its bounding box, kept when inside (vectorised), drawn again until there are enough."""
    if n == 0:
        return np.empty((0, 2))
    shapely.prepare(polygon)
    x0, y0, x1, y1 = shapely.bounds(polygon)
    share = max(shapely.area(polygon) / max((x1 - x0) * (y1 - y0), 1e-12), 1e-4)
    found, have = [], 0
    while have < n:
        draw = int(min(5_000_000, (n - have) / share * 1.2 + 64))
        x, y = rng.uniform(x0, x1, draw), rng.uniform(y0, y1, draw)
        inside = shapely.contains_xy(polygon, x, y)
        found.append(np.column_stack([x[inside], y[inside]]))
        have += int(inside.sum())
    return np.concatenate(found)[:n]


def site_coordinates(directory: Path) -> np.ndarray:
    """The (lon, lat) of every site of ``directory``'s national sites file, as an (n, 2) array."""
    column = pq.read_table(Path(directory) / SITES_FILE, columns=["geometry"]).column("geometry")
    return shapely.get_coordinates(shapely.from_wkb(column.to_numpy(zero_copy_only=False)))


def points_near(xy: np.ndarray, n: int, rng: np.random.Generator, spread=0.0004) -> np.ndarray:
    """``n`` (lon, lat) spots around random points of ``xy``, normally spread by ``spread`` degrees
    (one value, ~45 m by default, or one per spot): a mix of violations and allowed spots."""
    return xy[rng.integers(0, len(xy), n)] + rng.normal(0, 1, (n, 2)) * np.reshape(spread, (-1, 1))


def write_national_reports(path: Path, directory: Path, rows: int, seed: int) -> None:
    """A CSV of ``rows`` reports (``id,lat,lon,apk_type,tanggal``) for ``zonasi validate``: 80% near
    the national sites of ``directory`` (half within ~30 m, half within ~450 m), 20% anywhere within
    the country's bounds (some at sea: the rows outside every regency)."""
    rng = np.random.default_rng(seed)
    near = int(rows * 0.8)
    xy = site_coordinates(directory)
    close = points_near(xy, near, rng, np.where(rng.random(near) < 0.5, 0.0003, 0.004))
    anywhere = np.column_stack([rng.uniform(95.0, 141.0, rows - near), rng.uniform(-11.0, 6.0, rows - near)])
    spots = np.concatenate([close, anywhere])[rng.permutation(rows)]
    days = pd.Timestamp("2023-11-28") + pd.to_timedelta(rng.integers(0, 75, rows), unit="D")
    kinds = np.array(["baliho", "spanduk", "umbul-umbul", "poster", "bendera"])
    pd.DataFrame({
        "id": np.char.add("APK-", np.arange(1, rows + 1).astype(str)),
        "lat": np.round(spots[:, 1], 6), "lon": np.round(spots[:, 0], 6),
        "apk_type": kinds[rng.integers(0, len(kinds), rows)],
        "tanggal": days.strftime("%Y-%m-%d"),
    }).to_csv(path, index=False)
