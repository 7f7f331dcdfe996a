"""coverage.toml: strict reading, the exact complete-at query, required categories, and `zonasi layers coverage`."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from geo.crs import Projector
from geo.errors import ConfigError
from geo.layers import Coverage, bundled_layers_dir, content_version, load_coverage, load_layers
from geo.rules import parse_rules
from zonasi.cli import cli as main

LON0, LAT0 = 111.0, -0.5         # in UTM zone 49S (EPSG:32749)
EPSG = 32749


def _square(x0, y0, x1, y1):
    """A polygon in lon/lat whose UTM-49S corners are the given metres."""
    inverse = Projector().inverse(EPSG)
    lons, lats = inverse.transform([x0, x1, x1, x0], [y0, y0, y1, y1])
    return shapely.Polygon(list(zip(lons, lats)))


def _coverage(complete_codes, areas=()):
    """Two regencies side by side in UTM metres: A = [0, 10 km] x [0, 10 km], B = [10 km, 20 km] x same."""
    x, y = Projector().forward(EPSG).transform(LON0, LAT0)
    geometry = np.array([_square(x, y, x + 10_000, y + 10_000), _square(x + 10_000, y, x + 20_000, y + 10_000)],
                        dtype=object)
    from geo.layers import CoverageSource
    sources = [CoverageSource(categories=("school",), regencies=tuple(complete_codes), area=None,
                              area_geometry=np.empty(0, dtype=object), source="test", as_of=None)]
    if areas:
        sources.append(CoverageSource(categories=("school",), regencies=(), area="a.geojson",
                                      area_geometry=np.array(areas, dtype=object), source="test", as_of=None))
    return Coverage(sources=tuple(sources), regency_codes=np.array(["01.01", "01.02"]),
                    regency_geometry=geometry), (x, y)


def _points(origin, offsets):
    inverse = Projector().inverse(EPSG)
    return inverse.transform([origin[0] + dx for dx, _ in offsets], [origin[1] + dy for _, dy in offsets])


def test_a_circle_must_lie_inside_the_complete_regency():
    """A complete, B not: the circle must stay out of B, measured in metres (UTM scale corrected)."""
    coverage, origin = _coverage(["01.01"])
    lons, lats = _points(origin, [(5_000, 5_000), (9_940, 5_000), (9_960, 5_000), (10_500, 5_000)])
    got = coverage.complete_at(lons, lats, "school", 50, epsg=EPSG)
    # 60 m and 40 m (projected; the scale factor here changes them by < 0.1 m) from B's edge
    assert got.tolist() == [True, True, False, False]
    assert coverage.complete_at(lons, lats, "place_of_worship", 50, epsg=EPSG).tolist() == [False] * 4


def test_outside_every_regency_counts_as_complete():
    """The sea beyond both regencies: complete, unless the circle reaches an undeclared regency."""
    coverage, origin = _coverage([])
    lons, lats = _points(origin, [(5_000, -200), (5_000, -30), (25_000, 5_000)])
    assert coverage.complete_at(lons, lats, "school", 50, epsg=EPSG).tolist() == [True, False, True]


def test_declared_polygons_make_part_of_a_regency_complete():
    """A declared square inside B: complete deep inside it, not near its edge."""
    x, y = Projector().forward(EPSG).transform(LON0, LAT0)
    coverage, origin = _coverage([], areas=[_square(x + 12_000, y + 2_000, x + 18_000, y + 8_000)])
    lons, lats = _points(origin, [(15_000, 5_000), (12_030, 5_000), (5_000, 5_000)])
    assert coverage.complete_at(lons, lats, "school", [50, 50, 0], epsg=EPSG).tolist() == [True, False, False]
    status = coverage.regency_status("school")
    assert status == {"01.01": "none", "01.02": "partial"}


def test_bundled_layers_declare_only_sanga_sanga():
    """Bundled: Sanga-Sanga complete for its RBI categories; Indramayu schools and Jakarta health are not."""
    layers = load_layers()
    coverage = layers.coverage
    lons, lats = [117.2545, 108.3245, 106.8272], [-0.6500, -6.3275, -6.1754]
    assert coverage.complete_at(lons, lats, "school", 50).tolist() == [True, False, False]
    assert coverage.complete_at(lons, lats, "health_facility", 50).tolist() == [True, False, False]
    assert coverage.complete_at(lons, lats, "park", 10).tolist() == [False, False, False]
    assert coverage.regency_status("school")["64.02"] == "partial"
    assert coverage.regency_status("school")["32.12"] == "none"
    assert layers.version == content_version(bundled_layers_dir())


def _copy(tmp_path):
    target = tmp_path / "layers"
    shutil.copytree(bundled_layers_dir(), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_no_coverage_file_keeps_the_version(tmp_path):
    """Without coverage.toml nothing is complete and the version is that of the data files alone."""
    target = _copy(tmp_path)
    with_coverage = content_version(target)
    (target / "coverage.toml").unlink()
    layers = load_layers(target)
    assert not layers.coverage.declared and layers.version != with_coverage
    assert layers.version == "334dd0094aca"  # regencies and sites files alone (BIG RBI50K regencies since #15)


@pytest.mark.parametrize(("text", "key", "line", "words"), [
    ('[[complete]]\ncategories = ["school"]\nregencies = ["32.12"]\nsource = "x"\ncolour = 1\n',
     "complete[0].colour", 5, "unknown key"),
    ('[[complete]]\ncategories = ["school"]\nsource = "x"\nregencies = ["32.12"]\n'
     '[[complete]]\ncategories = ["mosque"]\nregencies = ["32.12"]\nsource = "x"\n',
     "complete[1].categories[0]", 6, "unknown category"),
    ('[[complete]]\ncategories = ["school"]\nregencies = ["99.99"]\nsource = "x"\n',
     "complete[0].regencies", 3, "99.99"),
    ('[[complete]]\ncategories = ["school"]\narea = "coverage/none.geojson"\nsource = "x"\n',
     "complete[0].area", 3, "not found"),
    ('[[complete]]\ncategories = ["school"]\nregencies = ["32.12"]\n', "complete[0].source", 1, "missing"),
    ('[[complete]]\ncategories = ["school"]\nsource = "x"\n', "complete[0]", 1, "regencies, area"),
])
def test_errors_name_file_key_and_line(tmp_path, text, key, line, words):
    """Every mistake in coverage.toml names the file, the key and the line."""
    target = _copy(tmp_path)
    (target / "coverage.toml").write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_layers(target)
    details = caught.value.details
    assert details["key"] == key and details["line"] == line and details["path"].endswith("coverage.toml")
    assert words in caught.value.message


def test_regencies_entry_makes_the_whole_regency_complete(tmp_path):
    """A regency declared whole: complete in its middle, not within the distance of an undeclared neighbour."""
    target = _copy(tmp_path)
    (target / "coverage.toml").write_text('[[complete]]\ncategories = ["school"]\nregencies = ["32.12"]\n'
                                          'source = "Kemdikbud 2019"\nas_of = 2019-12-31\n', "utf-8")
    layers = load_layers(target)
    regencies = layers.regency_features
    geometry = regencies.geometry[np.flatnonzero(regencies.column("code") == "32.12")[0]]
    inside = shapely.get_coordinates(shapely.point_on_surface(geometry))[0]
    assert layers.coverage.complete_at([inside[0]], [inside[1]], "school", 50).tolist() == [True]
    assert layers.coverage.regency_status("school")["32.12"] == "complete"
    again = load_coverage(target, regencies.column("code"), regencies.geometry)
    assert again.sources[0].as_dict()["as_of"] == "2019-12-31"


def test_required_categories_with_a_regency_override():
    """Bundled: road, public facility and park advisory; a regency may make one required or not."""
    rules = load_layers().rules
    assert rules.required_categories(None) == ("place_of_worship", "health_facility", "school",
                                               "government_office")
    text = (bundled_layers_dir() / "rules.toml").read_text("utf-8")
    text += '\n[regencies."32.12"]\nrequired = { road = true, school = false }\n'
    rules = parse_rules(text)
    assert rules.required_categories("32.12") == ("place_of_worship", "health_facility", "government_office", "road")
    assert rules.required("32.13", "school") is True
    with pytest.raises(ConfigError) as caught:
        parse_rules(text.replace("road = true", "mosque = true"))
    assert caught.value.details["key"].startswith("regencies.32.12.required")


def test_cli_coverage_table_json_and_geojson(tmp_path):
    """`zonasi layers coverage`: the table in both languages, --json, --geojson of the complete areas."""
    runner = CliRunner()
    result = runner.invoke(main, ["layers", "coverage", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "64.02 Kabupaten Kutai Kartanegara" in result.output and "partial" in result.output
    assert "32.12" not in result.output
    result = runner.invoke(main, ["layers", "coverage", "--lang", "id"])
    assert "sebagian" in result.output
    out = tmp_path / "complete.geojson"
    result = runner.invoke(main, ["layers", "coverage", "--json", "--geojson", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    row = next(r for r in data["regencies"] if r["regency_code"] == "32.12" and r["category"] == "school")
    assert row == {"regency_code": "32.12", "regency": "Kabupaten Indramayu", "category": "school",
                   "required": True, "status": "none", "sources": []}
    written = json.loads(out.read_text("utf-8"))
    assert len(written["features"]) == 1
    assert written["features"][0]["properties"]["area"] == "coverage/sanga_sanga.geojson"


def test_a_warmed_engine_checks_near_a_declared_area_without_polygon_work(monkeypatch):
    """What checks near a declared area need (the incomplete regencies' shapes minus the area,
    projected, prepared; the area projected) is built by Engine.warm, before a server's workers
    fork: a check on either side of Sanga-Sanga's edge then cuts, joins or projects no polygon
    (each worker did, tens of milliseconds in the middle of its first such requests)."""
    from geo.engine import Engine

    engine = Engine.from_directory()
    engine.warm()
    work = []
    for name in ("difference", "union_all", "transform"):
        real = getattr(shapely, name)
        monkeypatch.setattr(shapely, name, lambda *a, _real=real, _name=name, **k: (work.append(_name),
                                                                                  _real(*a, **k))[1])
    inside, outside = engine.check(117.2545, -0.6500), engine.check(117.12, -0.75)
    assert inside.regency.code == outside.regency.code == "64.02"
    assert "school" in inside.coverage.complete and "school" in outside.coverage.missing
    assert inside.coverage.sources and not outside.coverage.sources
    assert work == []
