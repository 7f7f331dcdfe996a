"""zonasi layers import-osm on small .osm.pbf files written here with pyosmium."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from click.testing import CliRunner
from osmium.osm.mutable import Node, Relation, Way

from geo import ConfigError, Engine, InputError, bundled_layers_dir, load_layers
from geo.layers.importing.osm import import_osm, load_tag_table
from zonasi.cli import cli
from zonasi.testing.layers import make_layers_dir

UTM = 32749


@pytest.fixture()
def layers_dir(tmp_path):
    return make_layers_dir(tmp_path)


def _border():
    """A point on the Indramayu (32.12) boundary facing Kab. Cirebon (32.09), and the unit vector
    pointing out of Indramayu towards Cirebon, in UTM 49S metres."""
    regencies = gpd.read_parquet(bundled_layers_dir() / "regencies.parquet")
    regencies = regencies[regencies["code"].isin(["32.09", "32.12"])].set_index("code").to_crs(UTM)
    ind, cir = regencies.geometry["32.12"], regencies.geometry["32.09"]
    centre = np.array(cir.centroid.coords[0])
    on_border = np.array(shapely.ops.nearest_points(ind.boundary, shapely.Point(centre))[0].coords[0])
    out = (centre - on_border) / np.linalg.norm(centre - on_border)
    return on_border, out, ind


BORDER, OUT, INDRAMAYU = _border()


def _lonlat(xy):
    return tuple(gpd.GeoSeries([shapely.Point(xy)], crs=UTM).to_crs(4326).iloc[0].coords[0])


def _square(writer, first_id, centre, half_m):
    ids = []
    for i, (dx, dy) in enumerate([(-1, -1), (1, -1), (1, 1), (-1, 1)]):
        writer.add_node(Node(id=first_id + i, location=_lonlat(centre + half_m * np.array([dx, dy]))))
        ids.append(first_id + i)
    return ids + [ids[0]]


def write_pbf(path):
    inside = BORDER - 800 * OUT        # well inside Indramayu
    w = osmium.SimpleWriter(str(path))
    w.add_node(Node(id=1, location=_lonlat(inside), tags={"amenity": "place_of_worship", "religion": "muslim",
                                                          "name": "Masjid Al-Ikhlas"}))
    w.add_node(Node(id=2, location=_lonlat(inside + [60, 0]), tags={"healthcare": "midwife", "name": "Bidan Sari"}))
    w.add_node(Node(id=3, location=_lonlat(inside + [0, 60]), tags={"amenity": "townhall", "name": "Kantor Desa"}))
    w.add_node(Node(id=4, location=_lonlat(inside + [0, -60]), tags={"amenity": "bus_station"}))
    w.add_node(Node(id=5, location=_lonlat(inside + [60, 60]), tags={"shop": "bakery", "name": "Roti"}))
    w.add_node(Node(id=6, location=_lonlat(BORDER + 30 * OUT), tags={"amenity": "school", "name": "SD di seberang"}))
    w.add_node(Node(id=7, location=_lonlat(BORDER + 3000 * OUT), tags={"amenity": "hospital", "name": "RS jauh"}))
    ground = _square(w, 100, inside + [-300, 0], 40)              # a school ground drawn as a way
    outer = _square(w, 200, inside + [300, 0], 60)                # a park with a pond (multipolygon)
    hole = _square(w, 300, inside + [300, 0], 15)
    for i, xy in enumerate([BORDER - 500 * OUT, BORDER, BORDER + 3000 * OUT]):
        w.add_node(Node(id=400 + i, location=_lonlat(xy)))
    w.add_way(Way(id=10, nodes=ground, tags={"amenity": "school", "name": "SMA Negeri 1"}))
    w.add_way(Way(id=11, nodes=outer))
    w.add_way(Way(id=12, nodes=hole))
    w.add_way(Way(id=13, nodes=[400, 401, 402], tags={"highway": "primary", "ref": "3"}))
    w.add_way(Way(id=14, nodes=[100, 102, 101, 103, 100], tags={"amenity": "kindergarten", "name": "TK simpul"}))
    w.add_relation(Relation(id=20, members=[("w", 11, "outer"), ("w", 12, "inner")],
                            tags={"type": "multipolygon", "leisure": "park", "name": "Taman Kota"}))
    w.close()
    return path


def _by_id(report):
    frame = gpd.read_parquet(report.output)
    return frame.set_index("site_id")


def test_tags_map_to_categories_and_shapes_are_kept(tmp_path, layers_dir):
    report = import_osm(write_pbf(tmp_path / "jabar.osm.pbf"), layers_dir, progress=False)
    sites = _by_id(report)
    assert set(sites.index) == {"osm_jabar:n1", "osm_jabar:n2", "osm_jabar:n3", "osm_jabar:n4", "osm_jabar:n6",
                                "osm_jabar:n7", "osm_jabar:w10", "osm_jabar:w13", "osm_jabar:w14", "osm_jabar:r20"}
    assert sites.loc["osm_jabar:n1", "category"] == "place_of_worship"
    assert sites.loc["osm_jabar:n1", "religion"] == "muslim"
    assert sites.loc["osm_jabar:n2", "category"] == "health_facility"       # healthcare=*
    assert sites.loc["osm_jabar:n2", "source_category"] == "healthcare=midwife"
    assert sites.loc["osm_jabar:n3", "category"] == "government_office"
    assert sites.loc["osm_jabar:n4", "category"] == "public_facility"
    ground = sites.loc["osm_jabar:w10"]
    assert ground["category"] == "school" and ground.geometry.geom_type == "MultiPolygon"
    area = gpd.GeoSeries([ground.geometry], crs=4326).to_crs(UTM).area.iloc[0]
    assert area == pytest.approx(80 * 80, rel=0.01)
    park = sites.loc["osm_jabar:r20"]
    assert park["category"] == "park" and park["name"] == "Taman Kota"
    assert len(park.geometry.geoms[0].interiors) == 1                       # the pond is a hole
    road = sites.loc["osm_jabar:w13"]
    assert road["category"] == "road" and road.geometry.geom_type == "LineString" and road["ref"] == "3"
    assert report.by_geometry == {"LineString": 2, "MultiPolygon": 2, "Point": 6}
    # a self-intersecting closed way makes no area: kept as its outline, and counted
    knot = sites.loc["osm_jabar:w14"]
    assert knot["category"] == "school" and knot.geometry.geom_type == "LineString" and report.unassembled == 1
    assert sites.loc["osm_jabar:n1", "regency_code"] == "32.12"
    assert sites.loc["osm_jabar:n7", "regency_code"] == "32.09"


def test_clipping_at_a_regency_border_keeps_what_the_rules_can_reach(tmp_path, layers_dir):
    report = import_osm(write_pbf(tmp_path / "jabar.osm.pbf"), layers_dir, ["32.12"], progress=False,
                        node_cache=tmp_path / "nodes.cache")
    sites = _by_id(report)
    assert "osm_jabar:n6" in sites.index          # 30 m across the border: within the 50 m rule
    assert "osm_jabar:n7" not in sites.index      # 3 km away
    assert report.clipped_away == 1
    road = gpd.GeoSeries([sites.loc["osm_jabar:w13"].geometry], crs=4326).to_crs(UTM).iloc[0]
    assert road.length == pytest.approx(550, abs=2)          # 500 m inside + the 50 m margin
    assert INDRAMAYU.distance(road) == 0 and INDRAMAYU.buffer(51).contains(road)
    # The engine judges with the imported sites: a prop 10 m inside Indramayu and 10 m beside the
    # road (5 m rule) is 41.2 m from the school across the border (50 m rule).
    engine = Engine(load_layers(layers_dir))
    verdict = engine.check(*_lonlat(BORDER - 10 * OUT + 10 * np.array([-OUT[1], OUT[0]])))
    assert verdict.status == "violation"
    assert [h.site_id for h in verdict.hits] == ["osm_jabar:n6"]
    assert verdict.hits[0].distance_m == pytest.approx(np.hypot(40, 10), abs=0.5)


def test_reimport_makes_a_new_version_and_cli_reports(tmp_path, layers_dir):
    pbf = write_pbf(tmp_path / "jabar.osm.pbf")
    runner = CliRunner()
    first = runner.invoke(cli, ["layers", "import-osm", str(pbf), "--regency", "32.12", "--layers", str(layers_dir),
                                "--no-progress", "--lang", "en"])
    assert first.exit_code == 0, first.output
    assert "Imported 9 OpenStreetMap features" in first.output
    assert "1 features outside regencies 32.12 were left out" in first.output
    again = runner.invoke(cli, ["layers", "import-osm", str(pbf), "--layers", str(layers_dir), "--no-progress"])
    assert again.exit_code == 2 and "--replace" in again.output
    wider = runner.invoke(cli, ["layers", "import-osm", str(pbf), "--layers", str(layers_dir), "--replace",
                                "--no-progress", "--lang", "en"])
    assert wider.exit_code == 0, wider.output
    assert "Imported 10 OpenStreetMap features" in wider.output
    listed = runner.invoke(cli, ["layers", "list", "--layers", str(layers_dir), "--lang", "en"])
    assert "ODbL-1.0" in listed.output and "sites/osm_jabar.parquet: 10 features" in listed.output
    from geo.layers.versions import read_manifest
    versions = read_manifest(layers_dir)["versions"]
    assert len(versions) == 2 and versions[0]["version"] != versions[1]["version"]


def test_custom_tag_table_and_its_errors(tmp_path, layers_dir):
    table = tmp_path / "tags.toml"
    table.write_text('[[category]]\ncategory = "public_facility"\nmatch = { shop = ["*"] }\n', "utf-8")
    report = import_osm(write_pbf(tmp_path / "x.osm.pbf"), layers_dir, tags=table, progress=False)
    assert report.by_category == {"public_facility": 1}
    table.write_text('[[category]]\ncategory = "school"\nmatch = { amenity = ["school"] }\n\n'
                     '[[category]]\ncategory = "mosque"\nmatch = { amenity = ["place_of_worship"] }\n', "utf-8")
    with pytest.raises(ConfigError, match=r"tags\.toml:6 \[category\.1\.category\]: unknown category 'mosque'"):
        load_tag_table(table)
    with pytest.raises(InputError, match="regency 99.99 is not in the regencies layer"):
        import_osm(tmp_path / "x.osm.pbf", layers_dir, ["99.99"], replace=True, progress=False)


def test_bundled_tag_table_has_the_required_mappings():
    table = load_tag_table()
    cases = {("amenity", "place_of_worship"): "place_of_worship", ("amenity", "kindergarten"): "school",
             ("amenity", "university"): "school", ("amenity", "doctors"): "health_facility",
             ("healthcare", "dentist"): "health_facility", ("office", "government"): "government_office",
             ("amenity", "courthouse"): "government_office", ("amenity", "police"): "government_office",
             ("highway", "motorway"): "road", ("highway", "trunk"): "road", ("leisure", "park"): "park",
             ("railway", "station"): "public_facility", ("highway", "residential"): None}
    for (key, value), category in cases.items():
        found = table.classify({key: value})
        assert (found[0] if found else None) == category, (key, value)
    assert "religion" in table.kept
