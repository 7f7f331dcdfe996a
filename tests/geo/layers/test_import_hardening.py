"""zonasi layers import / import-osm against hostile or damaged input (issue #13): zip bombs and
feature counts over a limit, OSM files cut short, coordinates outside the globe, writes killed or
refused midway. Every file is real and made here; the limits are passed in low so that each test
is quick."""
from __future__ import annotations

import json
import math
import os
import signal
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from click.testing import CliRunner
from osmium.osm.mutable import Node
from shapely.geometry import LineString, Point

from geo import InputError, load_layers
from geo.errors import TooLarge, Unavailable
from geo.layers.directory import PARTIAL, locked_new_file, remove_stale_partials, write_sites
from geo.layers.importing.files import ImportOptions, import_file
from geo.layers.importing.limits import check_zip
from geo.layers.importing.osm import import_osm
from tests.geo.layers.test_osm import write_pbf
from zonasi.cli import cli
from zonasi.testing.layers import make_layers_dir

LON, LAT = 108.3200, -6.3300     # Indramayu (32.12)
FEATURE = ('{"type":"Feature","properties":{"name":"SD"},'
           '"geometry":{"type":"Point","coordinates":[108.32,-6.33]}}')


@pytest.fixture()
def layers_dir(tmp_path):
    return make_layers_dir(tmp_path)


def _geojson(n: int) -> bytes:
    return ('{"type":"FeatureCollection","features":[' + ",".join([FEATURE] * n) + "]}").encode()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _sites(layers_dir: Path) -> list[str]:
    return sorted(p.name for p in (layers_dir / "sites").iterdir())


def _cli(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def _error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


# -- 1. zip bombs and feature counts ------------------------------------------------------------

def test_zip_bomb_is_refused_by_its_declared_size_before_reading(tmp_path, layers_dir):
    data = _geojson(60_000)                              # 6.4 MB of GeoJSON ...
    bomb = _zip(tmp_path / "bom.zip", {"bom.geojson": data})
    assert bomb.stat().st_size < len(data) / 100        # ... in a zip of a few tens of kB
    with pytest.raises(TooLarge, match=r"bom\.zip: more than 1000000 bytes"):
        import_file(bomb, layers_dir, ImportOptions(category="school", max_bytes=1_000_000))
    assert _sites(layers_dir) == []
    # the CLI: exit 2, one line, in Indonesian by default and in English on request
    result = _cli("layers", "import", bomb, "--category", "school", "--max-bytes", 1_000_000,
                  "--layers", layers_dir)
    assert result.exit_code == 2
    assert "lebih dari 1000000 byte" in _error_line(result.output)
    result = _cli("layers", "import", bomb, "--category", "school", "--max-bytes", 1_000_000,
                  "--layers", layers_dir, "--lang", "en")
    assert result.exit_code == 2
    assert _error_line(result.output) == ("Error: bom.zip: more than 1000000 bytes of data once decompressed "
                                          "(the limit, --max-bytes); split the file or raise the limit")
    # within the limit it imports
    report = import_file(bomb, layers_dir, ImportOptions(category="school", max_bytes=len(data)))
    assert report.written == 60_000


def _lie_about_size(path: Path, declared: int) -> None:
    """Rewrite a one-member zip's local and central headers to declare ``declared`` bytes."""
    raw = bytearray(path.read_bytes())
    local = raw.index(b"PK\x03\x04")
    central = raw.index(b"PK\x01\x02")
    struct.pack_into("<I", raw, local + 22, declared)
    struct.pack_into("<I", raw, central + 24, declared)
    path.write_bytes(bytes(raw))


def test_zip_whose_header_understates_its_size_is_refused(tmp_path, layers_dir):
    data = _geojson(20_000)
    liar = _zip(tmp_path / "liar.zip", {"liar.geojson": data})
    _lie_about_size(liar, 1_000)
    assert zipfile.ZipFile(liar).infolist()[0].file_size == 1_000
    with pytest.raises(InputError, match=r"cannot read liar\.zip: .*CRC"):
        check_zip(liar, max_bytes=100_000)                   # the data, not the header, are counted
    with pytest.raises(InputError, match=r"cannot read liar\.zip"):
        import_file(liar, layers_dir, ImportOptions(category="school", max_bytes=100_000))
    assert _sites(layers_dir) == []


def test_zip_bomb_of_many_small_members_counts_them_all(tmp_path):
    members = {f"part{i}.txt": b"0" * 400_000 for i in range(5)}
    members["sites.geojson"] = _geojson(1)
    bomb = _zip(tmp_path / "many.zip", members)
    with pytest.raises(TooLarge, match="more than 1500000 bytes"):
        check_zip(bomb, max_bytes=1_500_000)
    check_zip(bomb, max_bytes=2_100_000)


@pytest.mark.parametrize("suffix", [".geojson", ".zip", ".csv", ".parquet", ".gpkg"])
def test_feature_count_over_the_limit_is_refused(tmp_path, layers_dir, suffix):
    n = 120
    source = tmp_path / f"poi{suffix}"
    frame = gpd.GeoDataFrame({"name": [f"SD {i}" for i in range(n)]},
                             geometry=[Point(LON + i * 1e-5, LAT) for i in range(n)], crs=4326)
    if suffix == ".zip":
        _zip(source, {"poi.geojson": _geojson(n)})
    elif suffix == ".csv":
        source.write_text("name,lon,lat\n" + "".join(f"SD {i},{LON},{LAT}\n" for i in range(n)), "utf-8")
    elif suffix == ".parquet":
        frame.to_parquet(source, row_group_size=7)       # counted across many row groups
    else:
        frame.to_file(source, engine="pyogrio")
    with pytest.raises(TooLarge, match=rf"poi\{suffix}: more than {n - 1} features"):
        import_file(source, layers_dir, ImportOptions(category="school", max_features=n - 1))
    assert _sites(layers_dir) == []
    assert import_file(source, layers_dir, ImportOptions(category="school", max_features=n)).written == n


def test_cli_feature_limit_from_option_and_environment(tmp_path, layers_dir):
    source = tmp_path / "poi.geojson"
    source.write_bytes(_geojson(30))
    result = _cli("layers", "import", source, "--category", "school", "--max-features", 29,
                  "--layers", layers_dir, "--lang", "en")
    assert result.exit_code == 2 and "more than 29 features" in _error_line(result.output)
    result = CliRunner(env={"ZONASI_MAX_IMPORT_FEATURES": "10"}).invoke(
        cli, ["layers", "import", str(source), "--category", "school", "--layers", str(layers_dir)])
    assert result.exit_code == 2 and "lebih dari 10 fitur" in _error_line(result.output)


# -- 2. OSM files cut short ----------------------------------------------------------------------

@pytest.mark.parametrize("keep", [0.5, 0.9, 20])
def test_truncated_osm_file_is_a_one_line_error_naming_it(tmp_path, layers_dir, keep):
    whole = write_pbf(tmp_path / "whole.osm.pbf").read_bytes()
    cut = tmp_path / "jabar.osm.pbf"
    cut.write_bytes(whole[: int(len(whole) * keep) if keep < 1 else keep])
    with pytest.raises(InputError, match=r"jabar\.osm\.pbf: not a readable OpenStreetMap file \(cut short"):
        import_osm(cut, layers_dir, progress=False)
    assert _sites(layers_dir) == []
    result = _cli("layers", "import-osm", cut, "--layers", layers_dir, "--no-progress")
    assert result.exit_code == 2
    assert "jabar.osm.pbf: bukan berkas OpenStreetMap yang dapat dibaca" in _error_line(result.output)
    result = _cli("layers", "import-osm", cut, "--layers", layers_dir, "--no-progress", "--lang", "en")
    assert result.exit_code == 2 and "cut short or damaged" in _error_line(result.output)


def test_osm_feature_limit_counts_what_is_kept_after_clipping(tmp_path, layers_dir):
    pbf = write_pbf(tmp_path / "jabar.osm.pbf")          # 10 sites, 9 of them near Indramayu (32.12)
    with pytest.raises(TooLarge, match=r"jabar\.osm\.pbf: more than 9 features"):
        import_osm(pbf, layers_dir, progress=False, max_features=9)
    assert import_osm(pbf, layers_dir, ["32.12"], progress=False, max_features=9).features == 9
    result = _cli("layers", "import-osm", pbf, "--layers", layers_dir, "--no-progress", "--replace",
                  "--max-features", 3, "--lang", "en")
    assert result.exit_code == 2 and "more than 3 features" in _error_line(result.output)


# -- 3. coordinates outside the globe ------------------------------------------------------------

def test_features_outside_the_globe_are_refused_by_row(tmp_path, layers_dir):
    source = tmp_path / "poi.geojson"
    frame = gpd.GeoDataFrame({"name": ["ok", "huge", "east", "line", "ok too", "none"]}, geometry=[
        Point(LON, LAT), Point(1e308, 1e308), Point(200, 10), LineString([(LON, LAT), (LON, 95)]),
        Point(LON + 0.001, LAT), None], crs=4326)
    frame.to_file(source, engine="pyogrio")
    report = import_file(source, layers_dir, ImportOptions(category="school"))
    assert (report.read, report.written) == (6, 2)
    assert report.off_globe == [2, 3, 4]
    assert report.without_geometry == [6]
    written = gpd.read_parquet(report.output)
    assert list(written["name"]) == ["ok", "ok too"]
    minx, miny, maxx, maxy = load_layers(layers_dir).sites.total_bounds   # the extent the OGC API serves
    assert (minx, maxx) == pytest.approx((LON, LON + 0.001)) and miny == maxy == pytest.approx(LAT)
    result = _cli("layers", "import", source, "--category", "school", "--layers", layers_dir, "--replace",
                  "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "3 features with coordinates outside the globe" in result.output and "rows 2, 3, 4" in result.output


def test_projected_coordinates_beyond_the_globe_are_refused(tmp_path, layers_dir):
    x, y = gpd.GeoSeries([Point(LON, LAT)], crs=4326).to_crs(32749).iloc[0].coords[0]
    source = tmp_path / "utm.csv"
    source.write_text(f"name,x,y\nok,{x},{y}\nfar,1e15,1e15\nhuge,1e308,1e308\ninf,inf,{y}\n", "utf-8")
    report = import_file(source, layers_dir, ImportOptions(category="school", crs="EPSG:32749"))
    assert report.written == 1
    assert report.without_geometry == [4]               # 'inf' is no number: as before, no geometry
    assert report.off_globe == [2, 3]
    point = gpd.read_parquet(report.output).geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((LON, LAT), abs=1e-7)


def test_nothing_left_inside_the_globe_says_so(tmp_path, layers_dir):
    source = tmp_path / "far.geojson"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(1e308, 1e308)], crs=4326).to_file(source, engine="pyogrio")
    with pytest.raises(InputError, match="1 with coordinates outside"):
        import_file(source, layers_dir, ImportOptions(category="school"))
    assert _sites(layers_dir) == []


def test_osm_nodes_outside_the_globe_are_counted_as_broken(tmp_path, layers_dir):
    path = tmp_path / "bad.osm.pbf"
    writer = osmium.SimpleWriter(str(path))
    writer.add_node(Node(id=1, location=(200, 10), tags={"amenity": "school", "name": "east"}))
    writer.add_node(Node(id=2, location=(1e308, 1e308), tags={"amenity": "school", "name": "huge"}))
    writer.add_node(Node(id=3, location=(LON, LAT), tags={"amenity": "school", "name": "ok"}))
    writer.close()
    report = import_osm(path, layers_dir, progress=False)
    assert (report.features, report.broken) == (1, 2)
    bounds = gpd.read_parquet(report.output).total_bounds
    assert math.isclose(bounds[0], LON) and math.isclose(bounds[1], LAT)


# -- 4. and 5. atomic writes, temporary files ----------------------------------------------------

KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from geo.layers.directory import locked_new_file
handle = locked_new_file(Path(sys.argv[1]))
handle.write(b"PAR1 half a parquet file")
handle.flush()
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_write_leaves_a_partial_file_that_the_next_import_removes(tmp_path, layers_dir):
    stale = layers_dir / "sites" / f".poi.parquet.999999-deadbeef{PARTIAL}"
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(stale)], cwd=Path(__file__).resolve().parents[3])
    assert killed.returncode == -signal.SIGKILL
    assert stale.exists()
    load_layers(layers_dir)                                 # not taken for a sites file meanwhile
    source = tmp_path / "poi.geojson"
    source.write_bytes(_geojson(2))
    import_file(source, layers_dir, ImportOptions(category="school"))
    assert _sites(layers_dir) == ["poi.parquet"]


def test_a_running_write_keeps_its_partial_file(layers_dir):
    live = layers_dir / "sites" / f".x.parquet.1-cafe{PARTIAL}"
    with locked_new_file(live):
        assert remove_stale_partials(layers_dir / "sites") == []
        assert live.exists()
    assert remove_stale_partials(layers_dir / "sites") == [live]
    assert not live.exists()


def test_a_write_failing_midway_leaves_the_old_file_and_no_partial(tmp_path, layers_dir):
    path = layers_dir / "sites" / "poi.parquet"
    good = gpd.GeoDataFrame({"name": ["a"], "category": ["school"]}, geometry=[Point(LON, LAT)], crs=4326)
    write_sites(good, path)
    before = path.read_bytes()
    bad = good.assign(name=[object()])                     # pyarrow cannot write it
    with pytest.raises(Exception, match="object"):
        write_sites(bad, path)
    assert path.read_bytes() == before
    assert _sites(layers_dir) == ["poi.parquet"]


LIMITED_CLI = """
import resource, signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
from zonasi.cli import main
main()
"""


def test_disk_refusing_the_write_midway_is_a_one_line_error_and_leaves_nothing(tmp_path, layers_dir):
    """A real process whose writes the kernel refuses past 2 kB (RLIMIT_FSIZE, as a full disk
    would): the import ends in one line (exit 2), the old sites file is intact, and neither a
    partial file nor anything in its temporary directory is left."""
    source = tmp_path / "poi.geojson"
    source.write_bytes(_geojson(5))
    first = import_file(source, layers_dir, ImportOptions(category="school"))
    before = first.output.read_bytes()
    assert len(before) > 2048
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONDONTWRITEBYTECODE": "1"}
    source.write_bytes(_geojson(50))
    run = subprocess.run([sys.executable, "-c", LIMITED_CLI, "layers", "import", str(source), "--category",
                          "school", "--replace", "--layers", str(layers_dir), "--lang", "en"],
                         cwd=Path(__file__).resolve().parents[3], env=env, capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1, run.stderr
    assert "cannot write" in run.stderr and "File too large" in run.stderr
    assert first.output.read_bytes() == before
    assert _sites(layers_dir) == ["poi.parquet"]
    assert list(scratch.iterdir()) == []
    assert json.loads((layers_dir / "layers.json").read_text())["versions"][-1]["version"] == first.version


def test_write_refused_is_unavailable_in_process(tmp_path):
    target = tmp_path / "missing-dir" / "x.parquet"          # no such directory: the open fails
    frame = gpd.GeoDataFrame({"name": ["a"], "category": ["school"]}, geometry=[Point(LON, LAT)], crs=4326)
    with pytest.raises(Unavailable, match="cannot write"):
        write_sites(frame, target)


def test_off_globe_mask_handles_every_geometry_kind():
    from geo.layers.importing import within_lonlat
    geoms = np.array([Point(0, 0), None, shapely.Point(), Point(181, 0), LineString([(0, 0), (0, -91)]),
                      Point(float("nan"), 0), shapely.box(-180, -90, 180, 90)], dtype=object)
    assert within_lonlat(geoms, 180, 90).tolist() == [True, True, True, False, False, False, True]
