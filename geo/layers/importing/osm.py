"""Importing sites from an OpenStreetMap extract (``.osm.pbf``) with pyosmium.

The file is streamed: pyosmium keeps only node locations (in memory, or in a file given as
``node_cache`` for a country extract), and only objects with a tag key of the tag table reach
Python. Nodes become points, ways lines, closed ways and multipolygon relations polygons
(assembled by osmium's area handler), roads stay lines. Categories come from an editable table
(``geo/layers/importing/osm_tags.toml``). Features are clipped to the chosen regencies, widened by a margin of at
least the largest rule distance so that a site just across the border still counts.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import shapely
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from tqdm import tqdm

from geo.crs import Projector, utm_epsg
from geo.errors import ConfigError, InputError, config_problem
from geo.layers import coverage_write, versions
from geo.layers.directory import layer_paths, read_regencies, regency_codes, remove_stale_partials, write_sites
from geo.layers.importing.files import slug
from geo.layers.importing.limits import DEFAULT_MAX_FEATURES, too_many_features
from geo.rules.model import CATEGORIES, line_of, load_rules

LICENCE = "ODbL-1.0"
CHUNK = 20_000


class _TagEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    category: str
    match: dict[str, list[str]] = Field(min_length=1)
    keep: list[str] = []

    @field_validator("category")
    @classmethod
    def _known(cls, value):
        if value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r}; known: {', '.join(CATEGORIES)}")
        return value


class _TagFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    category: list[_TagEntry] = Field(min_length=1)


@dataclass(frozen=True)
class TagTable:
    """OSM tags -> category, first matching entry wins."""

    entries: tuple[_TagEntry, ...]
    path: Path | None = None

    @property
    def keys(self) -> list[str]:
        """The OSM tag keys that the table matches on."""
        return sorted({k for e in self.entries for k in e.match})

    @property
    def kept(self) -> list[str]:
        """The OSM tag keys copied into the imported features."""
        return sorted({k for e in self.entries for k in e.keep})

    def classify(self, tags) -> tuple[str, str] | None:
        """(category, the tag that matched as ``key=value``) for an object's tags, or None."""
        for entry in self.entries:
            for key, values in entry.match.items():
                value = tags.get(key)
                if value is not None and (values == ["*"] or value in values):
                    return entry.category, f"{key}={value}"
        return None


def load_tag_table(path: str | Path | None = None) -> TagTable:
    """The tag table at ``path``, or the bundled ``geo/layers/importing/osm_tags.toml``."""
    if path is None:
        text, where = resources.files("geo.layers.importing").joinpath("osm_tags.toml").read_text("utf-8"), None
    else:
        where = Path(path)
        try:
            text = where.read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the tag table: {exc.strerror}", path=where, message_id="config.unreadable",
                              message_values={"file": where.name, "reason": str(exc.strerror)}) from exc
    try:
        model = _TagFile.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=where, message_id="config.not_toml",
                          message_values={"reason": str(exc)}) from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        _, message_id, values = config_problem(err, loc[-1] if loc else "")  # the log keeps pydantic's text
        raise ConfigError(message, path=where, line=_entry_line(text, loc), key=".".join(loc), message_id=message_id,
                          message_values=values) from exc
    return TagTable(entries=tuple(model.category), path=where)


def _entry_line(text: str, loc: tuple[str, ...]) -> int | None:
    """The line of ``category.<n>.<key>`` in a tag table: the n-th ``[[category]]`` entry."""
    if len(loc) < 2 or not loc[1].isdigit():
        return line_of(text, loc[:1])
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines, 1) if line.strip().startswith("[[category]]")]
    index = int(loc[1])
    if index >= len(starts):
        return None
    end = starts[index + 1] if index + 1 < len(starts) else len(lines) + 1
    key = loc[2] if len(loc) > 2 else None
    for number in range(starts[index], end):
        if key and lines[number - 1].split("=")[0].strip() == key:
            return number
    return starts[index]


@dataclass
class OsmReport:
    """What an OSM import wrote: features by category and geometry type, and what it left out and why."""

    source_file: str
    output: Path
    features: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_geometry: dict[str, int] = field(default_factory=dict)
    clipped_away: int = 0
    broken: int = 0                # objects whose geometry osmium could not build (missing nodes)
    unassembled: int = 0           # closed ways that made no valid area: kept as their outline
    regencies: list[str] = field(default_factory=list)
    version: str = ""
    previous_version: str | None = None
    timestamp: str | None = None   # the extract's header timestamp, when it names one
    declared: coverage_write.Declared | None = None   # the coverage.toml entry for the clip area


def import_osm(path: str | Path, layers_dir: str | Path, regencies: list[str] | None = None, *,
               tags: str | Path | None = None, margin_m: float | None = None,
               output_name: str | None = None, replace: bool = False, node_cache: str | Path | None = None,
               progress: bool | None = None, max_features: int = DEFAULT_MAX_FEATURES,
               declare_coverage: bool = False) -> OsmReport:
    """Import the sites of an OSM extract into ``layers_dir/sites`` and record a new version.

    At most ``max_features`` sites are kept (after clipping); a file cut short or damaged raises
    :class:`~geo.errors.InputError` naming it. With ``declare_coverage`` and ``regencies``, the
    clip area (saved as ``coverage/<output name>.geojson``) and the regencies are declared complete
    in ``coverage.toml`` for every category the tag table maps, as of the extract's timestamp, source
    :data:`~geo.layers.coverage_write.OSM_SOURCE` (no clip area without ``regencies``: nothing is
    declared; ``report.declared`` stays None)."""
    path, layers_dir = Path(path), Path(layers_dir)
    if not path.exists():
        raise InputError(f"{path} does not exist", message_id="import.no_file", message_values={"file": str(path)},
                         path=str(path))
    table = load_tag_table(tags)
    regency_path, _ = layer_paths(layers_dir)
    remove_stale_partials(layers_dir / "sites")
    regency_features = read_regencies(regency_path)
    regency_frame = regency_features.to_frame()
    name = slug(output_name or "osm_" + path.name.split(".")[0])
    output = layers_dir / "sites" / f"{name}.parquet"
    if output.exists() and not replace:
        raise InputError(f"{output} exists: pass --replace to replace it, or --output-name to choose "
                         "another name", message_id="import.output_exists", message_values={"file": str(output)},
                         path=str(output))
    codes = list(dict.fromkeys(regencies or []))
    if margin_m is None:
        rules = load_rules(layers_dir / "rules.toml")
        margin_m = float(rules.buffer_table(codes or list(regency_frame["code"])).max()) if len(regency_frame) else 0.0
    clip = clip_area(regency_frame, codes, margin_m) if codes else None
    timestamp = _extract_date(path)
    prepared = None
    if declare_coverage and clip is not None:
        prepared = coverage_write.prepare(layers_dir, coverage_write.Declaration(
            source=coverage_write.OSM_SOURCE, regencies=tuple(codes), area_geometry=clip, area_name=name,
            as_of=coverage_write.extract_date(timestamp)), regency_features.column("code"), regency_features.geometry)

    report = OsmReport(source_file=path.name, output=output, regencies=codes, timestamp=timestamp)
    frame = read_osm(path, table, clip, report, node_cache=node_cache, progress=progress,
                     max_features=max_features)
    frame.insert(0, "site_id", [f"{name}:{i}" for i in frame.pop("osm_id")])
    frame["source"] = f"OpenStreetMap contributors ({path.name})"
    frame["regency_code"] = regency_codes(frame.geometry.to_numpy(), regency_frame) if len(frame) else []
    report.features = len(frame)
    report.by_category = frame["category"].value_counts().sort_index().to_dict()
    report.by_geometry = frame.geometry.geom_type.value_counts().sort_index().to_dict()
    if not len(frame):
        raise InputError(f"{path.name}: no object with a tag of the tag table"
                         + (f" in {', '.join(codes)}" if codes else ""),
                         message_id="osm.no_tagged" if not codes else "osm.no_tagged_in",
                         message_values={"file": path.name, "regencies": ", ".join(codes)}, path=str(path))
    output.parent.mkdir(exist_ok=True)
    change = f"import-osm {path.name} -> sites/{output.name}"
    with coverage_write.restoring(output):
        write_sites(frame, output)
        if prepared is not None:
            mapped = {e.category for e in table.entries}
            report.declared = coverage_write.write(layers_dir, prepared, mapped, regency_features.column("code"),
                                                   regency_features.geometry, note=f"{change} ({versions.now()})")
    if report.declared is not None and report.declared.added:
        change += f"; coverage.toml [[complete]] #{report.declared.number}"
    previous = versions.current(layers_dir)
    entry = versions.record(layers_dir, change, files={
        f"sites/{output.name}": {"source": f"OpenStreetMap ({path.name})", "licence": LICENCE,
                                 "date": timestamp, "features": report.features,
                                 "categories": report.by_category, "regencies": codes or None,
                                 "imported_from": path.name}})
    report.version = entry["version"]
    report.previous_version = previous["version"] if previous else None
    return report


def clip_area(regencies: gpd.GeoDataFrame, codes: list[str], margin_m: float) -> shapely.Geometry:
    """The union of the regencies ``codes``, widened by ``margin_m`` metres (buffered in UTM)."""
    known = set(regencies["code"])
    missing = [c for c in codes if c not in known]
    if missing:
        raise InputError(f"regency {missing[0]} is not in the regencies layer (use a Kemendagri code "
                         "like 32.12)", message_id="regency.not_loaded",
                         message_values={"code": str(missing[0])}, parameter="regency")
    projector = Projector()
    parts = []
    for geom in regencies.set_index("code").loc[codes].geometry:
        centre = geom.representative_point()
        epsg = int(utm_epsg(centre.x, centre.y))
        fwd, inv = projector.forward(epsg), projector.inverse(epsg)
        metric = shapely.transform(geom, lambda xy, t=fwd: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
        widened = shapely.buffer(metric, margin_m, quad_segs=8) if margin_m > 0 else metric
        parts.append(shapely.transform(widened, lambda xy, t=inv: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))))
    area = shapely.union_all(parts)
    shapely.prepare(area)
    return area


def read_osm(path: Path, table: TagTable, clip, report: OsmReport, *, node_cache=None,
             progress: bool | None = None, max_features: int = DEFAULT_MAX_FEATURES) -> gpd.GeoDataFrame:
    """Stream an OSM file: the matching objects as a GeoDataFrame (clipped when ``clip`` is set),
    at most ``max_features`` of them (with the closed ways waiting for their area)."""
    storage = f"dense_file_array,{node_cache}" if node_cache else "flex_mem"
    keys = table.keys
    processor = (osmium.FileProcessor(str(path)).with_locations(storage)
                 .with_areas(osmium.filter.KeyFilter(*keys)).with_filter(osmium.filter.KeyFilter(*keys)))
    factory = osmium.geom.WKBFactory()
    kept = table.kept
    rows: dict[str, list] = {"osm_id": [], "name": [], "category": [], "source_category": [],
                             **{k: [] for k in kept}}
    wkb: list[str] = []
    chunks: list[gpd.GeoDataFrame] = []
    pending: dict[int, tuple] = {}   # closed ways waiting for their area (id -> record)
    kept_so_far = 0                  # features in chunks (after clipping)

    def add(record: tuple) -> None:
        nonlocal rows, wkb, kept_so_far
        osm_id, tags, category, source_tag, geometry = record
        rows["osm_id"].append(osm_id)
        rows["name"].append(tags.get("name") or "")
        rows["category"].append(category)
        rows["source_category"].append(source_tag)
        for key in kept:
            rows[key].append(tags.get(key))
        wkb.append(geometry)
        bar.update()
        if len(wkb) >= CHUNK:
            flush()

    def flush() -> None:
        nonlocal rows, wkb, kept_so_far
        chunks.append(_chunk(rows, wkb, clip, report))
        kept_so_far += len(chunks[-1])
        rows = {k: [] for k in rows}
        wkb = []

    def too_many() -> bool:
        """More than ``max_features`` kept or waiting (clipping what waits first, when it may help)."""
        if kept_so_far + len(wkb) + len(pending) <= max_features:
            return False
        if wkb and clip is not None:
            flush()
        return kept_so_far + len(wkb) + len(pending) > max_features

    bar = tqdm(desc=f"{path.name}", unit=" features", disable=progress is False if progress is not None else None,
               mininterval=1.0, leave=False)
    try:
        for obj in _objects(processor, path):
            found = table.classify(obj.tags)
            if found is None:
                continue
            category, source_tag = found
            try:
                if obj.is_node():
                    add((f"n{obj.id}", _tags(obj, kept), category, source_tag, factory.create_point(obj)))
                elif obj.is_way():
                    record = (f"w{obj.id}", _tags(obj, kept), category, source_tag, factory.create_linestring(obj))
                    if obj.is_closed() and category != "road":
                        pending[obj.id] = record   # should come again as an area
                    else:
                        add(record)
                elif obj.is_area():
                    if obj.from_way() and obj.orig_id() not in pending:
                        continue                   # a closed road: already taken as a line
                    geometry = factory.create_multipolygon(obj)   # raises for an invalid area
                    if obj.from_way():
                        del pending[obj.orig_id()]
                    add((f"{'w' if obj.from_way() else 'r'}{obj.orig_id()}", _tags(obj, kept), category,
                         source_tag, geometry))
            except (osmium.InvalidLocationError, RuntimeError):
                if not (obj.is_area() and obj.from_way()):  # a way's invalid area: its outline is kept below
                    report.broken += 1
            if too_many():
                raise too_many_features(path.name, max_features)
        # closed ways osmium could not make an area of (e.g. self-intersecting): keep their outline
        report.unassembled = len(pending)
        for record in pending.values():
            add(record)
    finally:
        bar.close()
    flush()
    frame = gpd.GeoDataFrame(gpd.pd.concat(chunks, ignore_index=True), geometry="geometry", crs=4326)
    return frame.dropna(axis=1, how="all") if len(frame) else frame


def _objects(processor, path: Path):
    """The objects of an osmium FileProcessor; a file osmium cannot read to its end (cut short,
    damaged, not OSM data) raises InputError naming it instead of osmium's RuntimeError."""
    objects = iter(processor)
    while True:
        try:
            obj = next(objects)
        except StopIteration:
            return
        except RuntimeError as exc:  # osmium's io errors: "PBF error: unexpected EOF", ...
            raise InputError(f"{path.name}: not a readable OpenStreetMap file (cut short or damaged?): {exc}",
                             message_id="osm.unreadable", message_values={"file": path.name, "reason": str(exc)},
                             path=str(path)) from exc
        yield obj


def _tags(obj, kept: list[str]) -> dict:
    return {key: obj.tags.get(key) for key in ("name", *kept)}


def _chunk(rows: dict, wkb: list[str], clip, report: OsmReport) -> gpd.GeoDataFrame:
    geoms = shapely.from_wkb(np.array(wkb, dtype=object)) if wkb else np.empty(0, dtype=object)
    frame = gpd.GeoDataFrame(rows, geometry=gpd.GeoSeries(geoms, crs=4326))
    if clip is None or not len(frame):
        return frame
    keep = shapely.intersects(clip, geoms)
    report.clipped_away += int((~keep).sum())
    frame = frame[keep].copy()
    geoms = geoms[keep]
    cut = ~shapely.contains_properly(clip, geoms) & (shapely.get_type_id(geoms) != 0)
    if cut.any():  # lines and polygons crossing the edge: keep the part inside
        pieces = shapely.intersection(geoms[cut], clip)
        if (shapely.get_type_id(geoms[cut]) >= 3).any():
            pieces = np.array([_same_dimension(p, g) for p, g in zip(pieces, geoms[cut])], dtype=object)
        geoms = geoms.copy()
        geoms[cut] = pieces
        frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=4326))
    return frame


def _same_dimension(piece, original):
    """Only the parts of a clipped geometry with the original's dimension (no stray lines)."""
    if shapely.get_type_id(piece) != 7:
        return piece
    dim = shapely.get_dimensions(original)
    parts = [p for p in shapely.get_parts(piece) if shapely.get_dimensions(p) == dim]
    return shapely.union_all(parts) if parts else piece


def _extract_date(path: Path) -> str | None:
    """The extract's timestamp from its header (``osmosis_replication_timestamp``, else ``timestamp``)."""
    try:
        with osmium.io.Reader(str(path), osmium.osm.NOTHING) as reader:
            header = reader.header()
            return header.get("osmosis_replication_timestamp") or header.get("timestamp") or None
    except RuntimeError:
        return None
