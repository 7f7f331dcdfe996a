"""The offline judge (webmap/static/zonasi/offline/engine.js) agrees with the engine: bundles of a
few regencies (Jakarta, Indramayu, Kutai Kartanegara with its roads, test polygons, a declared
area that cuts a regency) and a few hundred points judged by :meth:`Engine.check` are written to a
folder, and node's test runner judges the same points in JavaScript (tests/js/). And the
/api/offline endpoints: ETag, 304, 404, 400, 413."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from geo import Engine, load_layers
from geo.catalog.offline import bbox_bundle, bundle_bytes, regency_bundle
from geo.crs import utm_scale
from geo.layers.directory import bundled_layers_dir
from geo.rules.model import CATEGORIES
from tests.conftest import settings_for_tests

ROOT = Path(__file__).resolve().parents[2]
JS_TEST = ROOT / "tests" / "js" / "offline_engine.test.mjs"
GEOD = Geod(ellps="WGS84")
JAKARTA_BOX = (106.80, -6.22, 106.86, -6.16)     # Jakarta Pusat and its borders

# declared complete for the test: whole regencies (so spots can be "ok"), and a box in Jakarta
# Selatan for schools only (a polygon that cuts a regency: the engine's incomplete shape)
COVERAGE = """
[[complete]]
categories = ["place_of_worship", "health_facility", "school", "government_office"]
regencies = ["32.12", "31.71", "31.73"]
source = "test"

[[complete]]
categories = ["school"]
area = "coverage/selatan_box.geojson"
source = "test box"
"""
POLYGONS = [  # test polygon sites (one with a hole), in Indramayu and Jakarta Pusat
    ("health_facility", "RS uji", [[(108.3300, -6.3300), (108.3320, -6.3300), (108.3320, -6.3285),
                                    (108.3300, -6.3285), (108.3300, -6.3300)]]),
    ("school", "Kampus uji", [[(106.8300, -6.1900), (106.8330, -6.1900), (106.8330, -6.1870), (106.8300, -6.1870),
                               (106.8300, -6.1900)],
                              [(106.8310, -6.1890), (106.8320, -6.1890), (106.8320, -6.1880), (106.8310, -6.1880),
                               (106.8310, -6.1890)]]),
]


def _feature(geometry, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


@pytest.fixture(scope="module")
def offline_engine(tmp_path_factory) -> Engine:
    source = bundled_layers_dir()
    directory = tmp_path_factory.mktemp("offline") / "layers"
    (directory / "coverage").mkdir(parents=True)
    shutil.copy(source / "rules.toml", directory / "rules.toml")
    shutil.copy(source / "regencies.parquet", directory / "regencies.parquet")
    shutil.copytree(source / "sites", directory / "sites")
    shutil.copy(source / "coverage" / "sanga_sanga.geojson", directory / "coverage" / "sanga_sanga.geojson")
    box = shapely.box(106.80, -6.30, 106.84, -6.26)
    (directory / "coverage" / "selatan_box.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": [_feature(shapely.geometry.mapping(box), name="box")]}))
    (directory / "coverage.toml").write_text((source / "coverage.toml").read_text("utf-8") + COVERAGE, "utf-8")
    (directory / "sites" / "test_polygons.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        _feature({"type": "Polygon", "coordinates": rings}, category=category, name=name)
        for category, name, rings in POLYGONS]}))
    return Engine(load_layers(directory))


def _site_geometries(bundle: dict):
    for k, g in enumerate(bundle["sites"]["geometry"]):
        yield k, shapely.Point(g) if isinstance(g, list) else shapely.geometry.shape(g)


def _points(engine: Engine, bundle: dict, rng: np.random.Generator, n_random: int = 120):
    """(lon, lat, kind) near sites, at buffer edges +- 0.3 m, inside polygons, random over the area
    and beyond it, around declared areas."""
    out = []
    sites = list(_site_geometries(bundle))
    code = bundle["area"]["codes"][0]
    epsg = int(engine.regency_epsg[engine.regency_index(code)])
    fwd = Transformer.from_crs(4326, epsg, always_xy=True)
    inv = Transformer.from_crs(epsg, 4326, always_xy=True)
    for k in rng.choice(len(sites), size=min(80, len(sites)), replace=False):
        geometry = sites[k][1]
        on = geometry.interpolate(rng.random(), normalized=True) if geometry.geom_type.endswith("LineString") \
            else geometry.representative_point() if geometry.geom_type.endswith("Polygon") else geometry
        lon, lat, _ = GEOD.fwd(on.x, on.y, rng.uniform(0, 360), rng.uniform(0, 80))
        out.append((lon, lat, "near"))
        category = CATEGORIES[bundle["sites"]["category"][k]]
        buffer = engine.rules.buffer_m(code, category)
        side = rng.choice([-0.3, 0.3])
        if geometry.geom_type == "Point":
            lon, lat, _ = GEOD.fwd(geometry.x, geometry.y, rng.uniform(0, 360), buffer + side)
            out.append((lon, lat, f"edge{side:+}"))
        else:   # off an edge of the line or ring, along its normal in the UTM zone
            line = geometry.exterior if geometry.geom_type == "Polygon" else geometry
            if line.geom_type != "LineString":
                continue
            xy = np.array(fwd.transform(*np.array(line.coords).T)).T
            i = int(rng.integers(len(xy) - 1))
            a, b = xy[i], xy[i + 1]
            if np.hypot(*(b - a)) < 1:
                continue
            mid = (a + b) / 2
            normal = np.array([-(b - a)[1], (b - a)[0]]) / np.hypot(*(b - a))
            k_mid = float(utm_scale(np.array([mid[0]]), np.array([on.y]))[0])
            for sign in (-1, 1):
                p = mid + sign * normal * (buffer + side) * k_mid
                lon, lat = inv.transform(p[0], p[1])
                out.append((lon, lat, f"edge{side:+}"))
            inside = shapely.Point(*inv.transform(*(mid - normal * 0.5)))
            out.append((inside.x, inside.y, "polygon-edge-in"))
    west, south, east, north = _bounds(engine, bundle)
    for _ in range(n_random):   # the area, its coast, its neighbours and beyond
        out.append((rng.uniform(west - 0.02, east + 0.02), rng.uniform(south - 0.02, north + 0.02), "random"))
    return out


def _bounds(engine, bundle):
    if bundle["area"]["bbox"]:
        return bundle["area"]["bbox"]
    return shapely.bounds(engine.layers.regency_features.geometry[engine.regency_index(bundle["area"]["codes"][0])])


def _around_areas(engine, rng, n=80):
    """Points around the declared areas' outlines (coverage edges)."""
    out = []
    for source in engine.coverage.sources:
        for area in source.area_geometry:
            coords = np.array(shapely.get_coordinates(area.boundary))
            for i in rng.choice(len(coords), size=n // 2):
                lon, lat, _ = GEOD.fwd(coords[i, 0], coords[i, 1], rng.uniform(0, 360), rng.uniform(0, 120))
                out.append((lon, lat, "coverage-edge"))
    return out


def _expected(engine: Engine, bundle: dict, points, rng) -> list[dict]:
    judged = set(bundle["area"]["codes"])
    box = bundle["area"]["bbox"]
    cases = []
    for lon, lat, kind in points:
        accuracy = float(rng.uniform(0, 60)) if rng.random() < 0.25 else None
        at = [None, dt.date(2024, 3, 1), dt.date(2024, 10, 1)][int(rng.choice(3, p=[0.8, 0.1, 0.1]))]
        verdict = engine.check(lon, lat, at=at, accuracy_m=accuracy)
        code = verdict.regency.code if verdict.regency else None
        inside = code in judged and (box is None or (box[0] <= lon <= box[2] and box[1] <= lat <= box[3]))
        nearest = verdict.nearest
        cases.append({
            "lon": lon, "lat": lat, "kind": kind, "accuracy_m": accuracy, "at": at.isoformat() if at else None,
            "status": verdict.status if inside else "outside_area", "regency": code,
            "hits": [[h.site_id, h.distance_m] for h in verdict.hits],
            "nearest": [nearest.site_id, nearest.distance_m] if nearest and nearest.distance_m <= bundle["reach_m"]
            else None,
            "missing": verdict.coverage.missing if verdict.coverage else [],
        })
    return cases


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node is not installed (Debian's npm package brings it: make vendor)")
        pytest.skip("node is not installed")
    if not (ROOT / "webmap" / "static" / "vendor" / "proj4" / "proj4.js").exists():
        pytest.fail("the vendored proj4 is missing: run make vendor")
    return node


def test_offline_judge_agrees_with_engine(offline_engine, tmp_path):
    node = _node()
    rng = np.random.default_rng(17)
    engine = offline_engine
    bundles = {
        "indramayu": regency_bundle(engine, "32.12"),
        "jakarta_pusat": regency_bundle(engine, "31.71"),
        "jakarta_selatan": regency_bundle(engine, "31.74"),
        "kutai_kartanegara": regency_bundle(engine, "64.02"),
        "jakarta_box": bbox_bundle(engine, JAKARTA_BOX),
    }
    statuses: dict[str, int] = {}
    for name, bundle in bundles.items():
        points = _points(engine, bundle, rng)
        if name in ("kutai_kartanegara", "jakarta_selatan"):
            points += _around_areas(engine, rng)
        cases = _expected(engine, bundle, points, rng)
        for c in cases:
            statuses[c["status"]] = statuses.get(c["status"], 0) + 1
        (tmp_path / f"{name}.bundle.json").write_bytes(bundle_bytes(bundle))
        (tmp_path / f"{name}.cases.json").write_text(json.dumps(cases))
    # every status and kind of site is exercised
    assert {"ok", "violation", "incomplete", "outside_area", "outside_period"} <= set(statuses), statuses
    result = subprocess.run([node, "--test", str(JS_TEST)], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "ZONASI_OFFLINE_FIXTURES": str(tmp_path)}, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary) == set(bundles)
    worst = max(s["max_diff_m"] for s in summary.values())
    assert worst <= 0.5
    print(json.dumps({"statuses": statuses, "summary": summary}, indent=1))


def test_bundle_holds_the_sites_in_reach(engine):
    """Every site within the margin of the regency is in its bundle, in the layers' order."""
    bundle = regency_bundle(engine, "32.12")
    ids = bundle["sites"]["site_id"]
    order = {sid: i for i, sid in enumerate(engine.site_ids.to_pylist())}
    assert [order[s] for s in ids] == sorted(order[s] for s in ids)
    regency = engine.layers.regency_features.geometry[engine.regency_index("32.12")]
    projected = Transformer.from_crs(4326, 32749, always_xy=True)
    grown = shapely.transform(regency, lambda xy: np.column_stack(projected.transform(xy[:, 0], xy[:, 1])))
    grown = grown.buffer(bundle["site_margin_m"])
    sites = engine.layers.site_features
    x, y = projected.transform(sites.xy[:, 0], sites.xy[:, 1])
    within = shapely.contains_xy(grown, x, y) & sites.is_point
    assert set(np.asarray(engine.site_ids.to_pylist(), dtype=object)[within]) <= set(ids)
    assert bundle["regencies"][[r["code"] for r in bundle["regencies"]].index("32.12")]["judged"]
    assert all(not r["judged"] for r in bundle["regencies"] if r["code"] != "32.12")


@pytest.fixture()
def offline_client(tmp_path, engine):
    from webmap import create_app

    def make(**values):
        app = create_app(settings_for_tests(instance_dir=tmp_path / "instance", **values), engine=engine)
        app.config["TESTING"] = True
        return app.test_client()
    return make


def test_offline_regency_endpoint_etag(offline_client, engine):
    client = offline_client()
    answer = client.get("/api/offline/regency/32.12.json")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["layers_version"] == engine.layers_version and body["rules_version"] == engine.rules_version
    assert body["area"]["codes"] == ["32.12"]
    again = client.get("/api/offline/regency/32.12.json", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    head = client.head("/api/offline/regency/32.12.json")
    assert int(head.headers["Content-Length"]) == len(answer.data)


@pytest.mark.parametrize(("url", "status"), [
    ("/api/offline/regency/99.99.json", 404),
    ("/api/offline/bbox.json", 400),
    ("/api/offline/bbox.json?bbox=90,-20,91,-19", 400),     # at sea: no regency
    ("/api/offline/bbox.json?bbox=1,2,3", 400),
])
def test_offline_endpoint_refusals(offline_client, url, status):
    answer = offline_client().get(url, headers={"Accept-Language": "en"})
    assert answer.status_code == status
    assert answer.headers["Content-Type"].startswith("application/problem+json")


def test_offline_bundle_over_the_limit_is_413(offline_client):
    size = len(offline_client().get("/api/offline/regency/31.71.json").data)
    tight = offline_client(max_offline_bytes=size - 1)
    answer = tight.get("/api/offline/regency/31.71.json")
    assert answer.status_code == 413
    assert answer.get_json()["parameter"] == "bbox"
    assert offline_client(max_offline_bytes=size).get("/api/offline/regency/31.71.json").status_code == 200


# allowed-zones mode (rules.toml allowed_zones): Indramayu designates where props may stand
ALLOWED_CENTRE = (108.3200, -6.3300)
ALLOWED_RULES = ('\n[regencies."32.12"]\nname = "Kabupaten Indramayu"\nallowed_zones = "allowed/indramayu.geojson"\n'
                 'allowed_radius_m = 15\nallowed_basis = "Keputusan KPU Kabupaten Indramayu (uji)"\n')


def _at(east_m: float, north_m: float = 0.0, origin=ALLOWED_CENTRE):
    lon, lat, _ = GEOD.fwd(*origin, 90, east_m)
    lon, lat, _ = GEOD.fwd(lon, lat, 0, north_m)
    return lon, lat


@pytest.fixture(scope="module")
def allowed_engine(tmp_path_factory) -> Engine:
    import geopandas as gpd

    from zonasi.testing.layers import make_layers_dir

    rules = (bundled_layers_dir() / "rules.toml").read_text("utf-8") + ALLOWED_RULES
    directory = make_layers_dir(tmp_path_factory.mktemp("allowed"), rules=rules)
    shutil.copy(bundled_layers_dir() / "sites" / "indramayu.parquet", directory / "sites" / "indramayu.parquet")
    (directory / "allowed").mkdir()
    square = shapely.box(*_at(1000, 0), *_at(1100, 100))
    street = shapely.LineString([_at(-500, -500), _at(-300, -450), _at(-100, -600)])
    gpd.GeoDataFrame({"name": ["Titik A", "Titik B", "Lapangan", "Alun-alun", "Jalan pasar"],
                      "radius_m": [None, None, None, 40.0, 10.0]},
                     geometry=[shapely.Point(ALLOWED_CENTRE), shapely.Point(_at(0, 500)), square,
                               shapely.Point(_at(-1000)), street], crs=4326).to_file(
        directory / "allowed" / "indramayu.geojson")
    return Engine(load_layers(directory))


def _around_zones(engine: Engine, code: str, rng) -> list:
    """Points in, at and beyond the designated zones of regency ``code``: at the radius +- 0.3 m
    of points and lines, 0.3 m inside and outside the polygons' edges (along rings grown and
    shrunk in the UTM zone), inside them, and 0-300 m away."""
    zones = engine.layers.allowed[code].frame
    epsg = int(engine.regency_epsg[engine.regency_index(code)])
    fwd = Transformer.from_crs(4326, epsg, always_xy=True)
    inv = Transformer.from_crs(epsg, 4326, always_xy=True)
    out = []
    for geometry, radius in zip(zones.geometry, zones["radius_m"]):
        if geometry.geom_type == "Polygon":
            projected = shapely.transform(geometry, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))
            for metres in (-0.3, 0.3):
                ring = projected.buffer(metres * 0.9996, join_style="mitre").exterior
                for _ in range(12):
                    p = ring.interpolate(rng.random(), normalized=True)
                    lon, lat = inv.transform(p.x, p.y)
                    out.append((lon, lat, f"zone{metres:+.1f}"))
            inside = geometry.representative_point()
            out.append((inside.x, inside.y, "zone-inside"))
            continue
        for _ in range(12):
            on = geometry.interpolate(rng.random(), normalized=True) if geometry.geom_type != "Point" else geometry
            for metres in (radius - 0.3, radius + 0.3, rng.uniform(0, 300)):
                lon, lat, _ = GEOD.fwd(on.x, on.y, rng.uniform(0, 360), metres)
                out.append((lon, lat, f"zone{metres - radius:+.1f}"))
    return out


def test_offline_judge_agrees_with_engine_in_allowed_zones_mode(allowed_engine, tmp_path):
    """The bundle of an allowed-zones regency carries its designated zones, and the browser judges
    them as the engine does: inside a zone ok (unless a forbidden site is near), outside every
    zone a violation whose first hit is the nearest zone, at the same distance."""
    node = _node()
    rng = np.random.default_rng(1717)
    engine = allowed_engine
    bundle = regency_bundle(engine, "32.12")
    [saved] = [r for r in bundle["regencies"] if r["judged"]]
    assert saved["allowed_zones"] and len(saved["allowed"]["zone_id"]) == 5
    assert all(r["allowed"] is None for r in bundle["regencies"] if not r["judged"])
    points = _around_zones(engine, "32.12", rng) + _points(engine, bundle, rng, n_random=60)
    cases = _expected(engine, bundle, points, rng)
    zone_ids = set(saved["allowed"]["zone_id"])
    outside = [c for c in cases if c["hits"] and c["hits"][0][0] in zone_ids]
    inside_ok = [c for c in cases if c["status"] == "ok" and c["kind"].startswith("zone")]
    assert len(outside) > 20 and len(inside_ok) > 10, (len(outside), len(inside_ok))
    (tmp_path / "indramayu_allowed.bundle.json").write_bytes(bundle_bytes(bundle))
    (tmp_path / "indramayu_allowed.cases.json").write_text(json.dumps(cases))
    result = subprocess.run([node, "--test", str(JS_TEST)], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "ZONASI_OFFLINE_FIXTURES": str(tmp_path)}, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["indramayu_allowed"]["compared"] > len(outside)
    assert summary["indramayu_allowed"]["max_diff_m"] <= 0.5
