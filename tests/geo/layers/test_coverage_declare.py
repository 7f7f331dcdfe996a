"""zonasi layers import-osm declares its clip area complete in coverage.toml (#15): the categories
of the tag table, as of the extract's timestamp, source OpenStreetMap; --no-coverage declares nothing."""
from __future__ import annotations

import datetime as dt
import tomllib

import geopandas as gpd
import osmium
import pytest
import shapely
from click.testing import CliRunner
from osmium.osm.mutable import Node

from geo.layers import bundled_layers_dir, content_version, load_coverage
from geo.layers.coverage_write import OSM_SOURCE, extract_date
from geo.layers.directory import read_regencies
from geo.layers.importing.osm import load_tag_table
from geo.layers.versions import read_manifest
from geo.rules import CATEGORIES
from zonasi.cli import cli
from zonasi.testing.layers import make_layers_dir

STAMP = "2024-05-06T20:21:02Z"


@pytest.fixture()
def layers_dir(tmp_path):
    directory = make_layers_dir(tmp_path)
    (directory / "coverage.toml").unlink(missing_ok=True)   # start with nothing declared
    return directory


def _write_pbf(path, timestamp=None):
    """A school and a mosque inside Indramayu (32.12); the header names ``timestamp`` when given."""
    inside = gpd.read_parquet(bundled_layers_dir() / "regencies.parquet").set_index("code") \
        .geometry["32.12"].representative_point()
    header = osmium.io.Header()
    if timestamp:
        header.set("osmosis_replication_timestamp", timestamp)
    writer = osmium.SimpleWriter(str(path), 4 * 1024 * 1024, header)
    writer.add_node(Node(id=1, location=(inside.x, inside.y), tags={"amenity": "school", "name": "SD 1"}))
    writer.add_node(Node(id=2, location=(inside.x + 0.001, inside.y),
                         tags={"amenity": "place_of_worship", "religion": "muslim"}))
    writer.close()
    return path


def _import_osm(pbf, layers_dir, *extra, lang="en"):
    return CliRunner().invoke(cli, ["layers", "import-osm", str(pbf), "--layers", str(layers_dir), "--no-progress",
                                    "--lang", lang, *extra])


def _regencies(layers_dir):
    regencies = read_regencies(layers_dir / "regencies.parquet")
    return regencies.column("code"), regencies.geometry


def test_import_osm_declares_its_clip_area_as_of_the_extract(tmp_path, layers_dir):
    result = _import_osm(_write_pbf(tmp_path / "jabar.osm.pbf", STAMP), layers_dir, "--regency", "32.12")
    assert result.exit_code == 0, result.output
    entries = tomllib.loads((layers_dir / "coverage.toml").read_text("utf-8"))["complete"]
    mapped = {e.category for e in load_tag_table().entries}
    assert entries == [{"categories": [c for c in CATEGORIES if c in mapped], "regencies": ["32.12"],
                        "area": "coverage/osm_jabar.geojson", "source": OSM_SOURCE, "as_of": dt.date(2024, 5, 6)}]
    codes, geometry = _regencies(layers_dir)
    coverage = load_coverage(layers_dir, codes, geometry)
    # the clip area: Indramayu widened by the largest rule distance, so a spot on its border is complete
    clip = shapely.union_all(coverage.sources[0].area_geometry)
    indramayu = geometry[list(codes).index("32.12")]
    assert clip.contains(shapely.buffer(indramayu, -1e-6))
    assert clip.area > indramayu.area
    cirebon = geometry[list(codes).index("32.09")]
    shared = shapely.intersection(shapely.boundary(indramayu), shapely.boundary(cirebon))
    border = shapely.get_coordinates(shared)[len(shapely.get_coordinates(shared)) // 2]
    assert coverage.complete_at([border[0]], [border[1]], "school", 50).tolist() == [True]
    # not complete from the regency alone: the circle reaches into Cirebon, declared by the clip area only
    assert coverage.regency_status("school")["32.09"] == "partial"
    # what it declared, and how to withdraw it, in plain words
    assert "Declared complete" in result.output and "(2024-05-06)" in result.output
    assert "coverage/osm_jabar.geojson" in result.output and "delete [[complete]] entry 1" in result.output
    assert "--no-coverage" in result.output
    manifest = read_manifest(layers_dir)
    assert manifest["versions"][-1]["version"] == content_version(layers_dir)
    assert manifest["files"]["sites/osm_jabar.parquet"]["date"] == STAMP


def test_an_extract_without_timestamp_leaves_as_of_out_and_says_so(tmp_path, layers_dir):
    result = _import_osm(_write_pbf(tmp_path / "jabar.osm.pbf"), layers_dir, "--regency", "32.12", lang="id")
    assert result.exit_code == 0, result.output
    entry = tomllib.loads((layers_dir / "coverage.toml").read_text("utf-8"))["complete"][0]
    assert "as_of" not in entry and entry["source"] == OSM_SOURCE
    assert "tidak mencantumkan timestamp" in result.output
    assert "sering belum lengkap" in result.output


def test_no_coverage_declares_nothing(tmp_path, layers_dir):
    result = _import_osm(_write_pbf(tmp_path / "jabar.osm.pbf", STAMP), layers_dir, "--regency", "32.12",
                         "--no-coverage")
    assert result.exit_code == 0, result.output
    assert not (layers_dir / "coverage.toml").exists()
    assert not (layers_dir / "coverage").exists()
    assert "Declared" not in result.output


def test_without_regency_there_is_no_clip_area_and_the_output_says_so(tmp_path, layers_dir):
    result = _import_osm(_write_pbf(tmp_path / "jabar.osm.pbf", STAMP), layers_dir)
    assert result.exit_code == 0, result.output
    assert not (layers_dir / "coverage.toml").exists()
    assert "No coverage declared: without --regency" in result.output


def test_an_invalid_coverage_file_stops_the_import_before_it_reads(tmp_path, layers_dir):
    (layers_dir / "coverage.toml").write_text("[[complete]]\ncategories = [\"school\"]\nregencies = [\"32.12\"]\n",
                                              "utf-8")   # no source
    result = _import_osm(_write_pbf(tmp_path / "jabar.osm.pbf", STAMP), layers_dir, "--regency", "32.12")
    assert result.exit_code == 2
    assert "coverage.toml" in result.output and "source" in result.output
    assert not list((layers_dir / "sites").iterdir())
    assert not (layers_dir / "layers.json").exists()


@pytest.mark.parametrize("text, date", [("2024-05-06T20:21:02Z", dt.date(2024, 5, 6)),
                                        ("2024-05-06T23:30:00+07:00", dt.date(2024, 5, 6)),
                                        ("2024-05-07T01:00:00+07:00", dt.date(2024, 5, 6)),   # UTC date
                                        ("", None), (None, None), ("yesterday", None)])
def test_extract_date(text, date):
    assert extract_date(text) == date
