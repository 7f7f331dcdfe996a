"""``coverage.toml``: where a layers directory declares it holds every site of a category.

    [[complete]]
    categories = ["school", "health_facility"]
    regencies = ["32.12", "32.16"]          # Kemendagri codes, and/or
    area = "coverage/sanga_sanga.geojson"    # polygons, path relative to the layers directory
    source = "Kemdikbud 2019; Kemenkes 2019"
    as_of = 2019-12-31                       # optional: the date the source describes

Checked like ``rules.toml``: unknown keys, categories, regency codes or a missing area file are
:class:`~geo.errors.ConfigError` naming the file, the key and the line. Without the file nothing
is complete. What is read becomes a :class:`~geo.layers.coverage.Coverage`.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from geo.errors import ConfigError, config_problem
from geo.layers.coverage import Coverage, CoverageSource, no_coverage
from geo.layers.vector import read_vector
from geo.rules.model import CategoryKey, RegencyCode

COVERAGE_FILE = "coverage.toml"


class CompleteEntry(BaseModel):
    """One ``[[complete]]`` entry: inside these regencies and/or polygons, every site of these categories."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: list[CategoryKey] = Field(min_length=1)
    regencies: list[RegencyCode] = []
    area: str | None = Field(None, min_length=1)
    source: str = Field(min_length=1)
    as_of: dt.date | None = None

    @model_validator(mode="after")
    def _somewhere(self):
        if not self.regencies and self.area is None:
            raise ValueError("an entry needs regencies, area or both")
        return self


class CoverageFile(BaseModel):
    """The whole ``coverage.toml``: a list of ``[[complete]]`` entries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    complete: list[CompleteEntry] = []


def load_coverage(directory: Path, regency_codes: np.ndarray, regency_geometry: np.ndarray) -> Coverage:
    """The coverage of the layers directory ``directory`` (nothing complete when it has no
    ``coverage.toml``); :class:`ConfigError` naming the file, key and line when it is invalid."""
    path = Path(directory) / COVERAGE_FILE
    if not path.exists():
        return no_coverage(regency_codes, regency_geometry)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the coverage file: {exc.strerror}", path=path, message_id="config.unreadable",
                          message_values={"file": path.name, "reason": str(exc.strerror)}) from exc
    model = parse_coverage(text, path)
    known = set(str(c) for c in regency_codes)
    sources, files = [], [path]
    for index, entry in enumerate(model.complete):
        for code in entry.regencies:
            if code not in known:
                raise ConfigError(f"regency {code} is not in the loaded regencies layer", path=path,
                                  line=entry_line(text, index, "regencies"), key=f"complete[{index}].regencies",
                                  message_id="config.unknown_regency", message_values={"code": code})
        geometry = np.empty(0, dtype=object)
        if entry.area is not None:
            area_path = (Path(directory) / entry.area).resolve()
            where = {"path": path, "line": entry_line(text, index, "area"), "key": f"complete[{index}].area"}
            if not area_path.is_file():
                raise ConfigError(f"area file {entry.area} not found (paths are relative to the layers directory)",
                                  message_id="config.coverage_area_missing", message_values={"file": str(entry.area)},
                                  **where)
            geometry = _polygons(area_path, where)
            files.append(area_path)
        sources.append(CoverageSource(categories=tuple(entry.categories), regencies=tuple(entry.regencies),
                                      area=entry.area, area_geometry=geometry, source=entry.source,
                                      as_of=entry.as_of))
    return Coverage(sources=tuple(sources), regency_codes=regency_codes, regency_geometry=regency_geometry,
                    path=path, files=tuple(files))


def parse_coverage(text: str, path: str | Path | None = None) -> CoverageFile:
    """The entries of a ``coverage.toml`` text; :class:`ConfigError` naming the key and line when invalid."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"not valid TOML: {exc}", path=path, line=int(found.group(1)) if found else None,
                          message_id="config.not_toml", message_values={"reason": str(exc)}) from exc
    try:
        return CoverageFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if not str(p).startswith("function-after")]
        message, message_id, values = config_problem(err, str(loc[-1]) if loc else "")
        line, key = None, ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "complete" and isinstance(loc[1], int):
            line = entry_line(text, loc[1], str(loc[2]) if len(loc) > 2 else None)
            key = f"complete[{loc[1]}]" + "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in loc[2:])
        elif loc:
            line = next((n for n, raw in enumerate(text.splitlines(), 1)
                         if re.match(rf"^\s*\[*\s*{re.escape(str(loc[0]))}\b", raw)), None)
        raise ConfigError(message, path=path, line=line, key=key, message_id=message_id, message_values=values) from exc


def entry_line(text: str, index: int, key: str | None = None) -> int | None:
    """The line of the ``index``-th ``[[complete]]`` entry, or of its ``key`` (best effort)."""
    lines = text.splitlines()
    headers = [n for n, raw in enumerate(lines) if re.match(r"^\s*\[\[\s*complete\s*\]\]", raw)]
    if index >= len(headers):
        return None
    start = headers[index]
    end = next((n for n in range(start + 1, len(lines)) if re.match(r"^\s*\[", lines[n])), len(lines))
    if key is not None:
        for n in range(start + 1, end):
            if re.match(rf"^\s*{re.escape(key)}\s*=", lines[n]):
                return n + 1
    return start + 1


def _polygons(path: Path, where: dict) -> np.ndarray:
    try:
        frame = read_vector(path)
    except ConfigError as exc:
        raise ConfigError(exc.message, message_id=exc.message_id, message_values=exc.message_values, **where) from exc
    geoms = area_polygons(frame.geometry.to_numpy())
    if geoms is None:
        raise ConfigError(f"{path.name} must hold polygons", message_id="config.not_polygons",
                          message_values={"file": path.name}, **where)
    return geoms


def area_polygons(geoms: np.ndarray) -> np.ndarray | None:
    """An area file's geometries as its polygons (empty ones dropped, invalid ones repaired), or
    None when it holds none or anything other than polygons."""
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not geoms.size or not set(shapely.get_type_id(geoms).tolist()) <= {3, 6}:
        return None
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    return geoms


def coverage_files(directory: Path) -> list[Path]:
    """The coverage file and its area files in a layers directory, in the order a layers version hashes
    them (none without ``coverage.toml``; unreadable or missing ones are left to :func:`load_coverage`)."""
    path = Path(directory) / COVERAGE_FILE
    if not path.is_file():
        return []
    try:
        entries = tomllib.loads(path.read_text("utf-8")).get("complete", [])
    except (OSError, tomllib.TOMLDecodeError):
        return [path]
    areas = [(Path(directory) / e["area"]).resolve() for e in entries if isinstance(e, dict)
             and isinstance(e.get("area"), str)]
    return [path, *(a for a in areas if a.is_file())]
