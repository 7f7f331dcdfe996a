"""Declaring coverage while importing: one ``[[complete]]`` entry appended to ``coverage.toml``.

An import that knows where it brought in every site (``zonasi layers import --complete-for CODE``
or ``--complete-within AREA_FILE``, ``zonasi layers import-osm --regency CODE``) says so in the
layers directory's ``coverage.toml`` (see :mod:`geo.layers.coverage_file`). In two steps, so that a
mistake is found before anything is written:

1. :func:`prepare` checks the declaration: the source is named, every regency code is in the
   regencies layer, an area file holds polygons, and the present ``coverage.toml`` is valid.
2. :func:`write` (after the import has written its sites) copies the area polygons into
   ``coverage/`` as GeoJSON, appends the entry as text (the file's comments and entries stay as
   they are) and loads the result with :func:`~geo.layers.coverage_file.load_coverage`. If that fails,
   the file and the area copy are put back as they were and :class:`~geo.errors.InputError` says why.

:func:`restoring` puts a file an import replaces (or creates) back as it was when a later step fails.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import secrets
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
import tomlkit

from geo.errors import ConfigError, InputError
from geo.layers.coverage_file import COVERAGE_FILE, area_polygons, load_coverage
from geo.layers.directory import PARTIAL
from geo.layers.vector import read_vector
from geo.rules.model import CATEGORIES

AREA_DIR = "coverage"
OSM_SOURCE = "OpenStreetMap contributors (ODbL)"
_HEADER = ("# Where these layers hold EVERY site of a category (see `zonasi layers coverage --help`).\n"
           "# Each [[complete]] entry: inside these regencies and/or area polygons, every site of these\n"
           "# categories is loaded. Delete an entry to withdraw it.\n")


@dataclass(frozen=True)
class Declaration:
    """What an import is asked to declare complete: regencies and/or an area, with source and date.

    ``area_file`` is a polygon file to copy in (``--complete-within``); ``area_geometry`` polygons
    the import made itself (the clip area of an OSM import), saved as ``coverage/<area_name>.geojson``.
    """

    source: str | None
    regencies: tuple[str, ...] = ()
    area_file: Path | None = None
    area_geometry: object = None
    area_name: str | None = None
    as_of: dt.date | None = None


@dataclass(frozen=True)
class Prepared:
    """A checked declaration, nothing written yet: the area already as GeoJSON text."""

    source: str
    regencies: tuple[str, ...]
    as_of: dt.date | None
    area_text: str | None
    area_name: str | None


@dataclass(frozen=True)
class Declared:
    """The entry an import declared: what, where, its number in ``coverage.toml`` (1-based) and
    whether it was added (False: the very same entry was there already)."""

    categories: tuple[str, ...]
    regencies: tuple[str, ...]
    area: str | None
    source: str
    as_of: dt.date | None
    number: int
    path: Path
    added: bool


def prepare(layers_dir: Path, declaration: Declaration, regency_codes: np.ndarray,
            regency_geometry: np.ndarray) -> Prepared:
    """Check ``declaration`` against the layers directory before anything is written;
    :class:`InputError` (or the present file's :class:`ConfigError`) when it cannot be declared."""
    source = (declaration.source or "").strip()
    if not source:
        raise InputError("--source is required to declare coverage: name where the data come from, "
                         "e.g. --source \"Kemdikbud Dapodik 2024\"", message_id="coverage.source_required",
                         parameter="source")
    codes = tuple(dict.fromkeys(declaration.regencies))
    known = set(str(c) for c in regency_codes)
    for code in codes:
        if code not in known:
            raise InputError(f"regency {code} is not in the regencies layer of {layers_dir}: give a Kemendagri "
                             "code like 32.12 (zonasi layers coverage --all lists them); nothing was imported",
                             message_id="coverage.unknown_regency",
                             message_values={"code": code, "directory": str(layers_dir)}, parameter="complete-for")
    if not codes and declaration.area_file is None and declaration.area_geometry is None:
        raise ValueError("a declaration needs regencies or an area")
    load_coverage(layers_dir, regency_codes, regency_geometry)   # the present file must be valid
    area_text, area_name = None, declaration.area_name
    if declaration.area_file is not None:
        area_text = _geojson(_area_polygons(declaration.area_file))
        area_name = area_name or declaration.area_file.name.split(".")[0]
    elif declaration.area_geometry is not None:
        area_text = _geojson(shapely.get_parts(np.asarray([declaration.area_geometry], dtype=object)))
    return Prepared(source=source, regencies=codes, as_of=declaration.as_of, area_text=area_text,
                    area_name=_file_stem(area_name or "area"))


def write(layers_dir: Path, prepared: Prepared, categories, regency_codes: np.ndarray,
          regency_geometry: np.ndarray, note: str) -> Declared:
    """Append the entry for ``categories`` to ``layers_dir/coverage.toml`` (after a comment line
    ``note``) and check it by loading; on any failure both files are as before and
    :class:`InputError` says why. An entry the file already holds is not added twice."""
    layers_dir = Path(layers_dir)
    path = layers_dir / COVERAGE_FILE
    categories = tuple(c for c in CATEGORIES if c in set(categories))
    with _locked(layers_dir):
        old_text = path.read_text("utf-8") if path.exists() else None
        try:
            entries = tomllib.loads(old_text).get("complete", []) if old_text else []
        except tomllib.TOMLDecodeError:   # changed since prepare(): the load below says what is wrong
            entries = []
        area_path, created = _area_file(layers_dir, prepared) if prepared.area_text else (None, False)
        area = area_path.relative_to(layers_dir).as_posix() if area_path else None
        entry = {"categories": list(categories), **({"regencies": list(prepared.regencies)} if prepared.regencies
                                                    else {}),
                 **({"area": area} if area else {}), "source": prepared.source,
                 **({"as_of": prepared.as_of} if prepared.as_of else {})}
        declared = dict(categories=categories, regencies=prepared.regencies, area=area, source=prepared.source,
                        as_of=prepared.as_of, path=path)
        same = next((i for i, e in enumerate(entries) if isinstance(e, dict) and _same(e, entry)), None)
        if same is not None:
            return Declared(**declared, number=same + 1, added=False)
        head = old_text if old_text is not None else _HEADER
        text = head + ("" if not head or head.endswith("\n") else "\n") + "\n" \
            + f"# {note}\n" + tomlkit.dumps({"complete": [entry]})
        try:
            _write_atomic(path, text)
            load_coverage(layers_dir, regency_codes, regency_geometry)
        except (ConfigError, OSError) as exc:
            if old_text is None:
                path.unlink(missing_ok=True)
            else:
                _write_atomic(path, old_text)
            if created and area_path is not None:
                area_path.unlink(missing_ok=True)
            reason = exc.message if isinstance(exc, ConfigError) else (exc.strerror or str(exc))
            raise InputError(f"declaring coverage failed, so nothing was imported and {path} is unchanged: "
                             f"{reason}", message_id="coverage.write_failed",
                             message_values={"file": str(path), "reason": reason}) from exc
        return Declared(**declared, number=len(entries) + 1, added=True)


@contextmanager
def restoring(path: Path) -> Iterator[None]:
    """Put ``path`` back as it was (or remove it, when it did not exist) if the block raises: for a
    sites file an import writes before declaring its coverage. The old file is kept as a hard link
    beside it, named and locked like a partial write, so that one left by a killed run is removed
    by :func:`~geo.layers.directory.remove_stale_partials` (only the link: the file stays)."""
    backup, handle = None, None
    if path.exists():
        backup = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.undo{PARTIAL}")
        os.link(path, backup)
        handle = backup.open("rb")
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    try:
        yield
    except BaseException:
        if backup is not None:
            os.replace(backup, path)
        else:
            path.unlink(missing_ok=True)
        raise
    finally:
        if backup is not None and handle is not None:
            backup.unlink(missing_ok=True)
            handle.close()


def extract_date(value: str | None) -> dt.date | None:
    """The date (UTC) of an OSM timestamp like ``2024-05-06T20:21:02Z``, or None."""
    if not value:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (stamp.astimezone(dt.UTC) if stamp.tzinfo else stamp).date()


# -- helpers ----------------------------------------------------------------------------------

def _area_polygons(path: Path) -> np.ndarray:
    try:
        read = read_vector(path).geometry.to_numpy()
    except Exception as exc:  # GDAL and pyarrow raise many kinds; ConfigError for a bad file
        reason = getattr(exc, "message", None) or str(exc)
        raise InputError(f"cannot read the area file {path.name}: {reason}", message_id="coverage.area_unreadable",
                         message_values={"file": path.name, "reason": reason},
                         parameter="complete-within") from exc
    geoms = area_polygons(read)
    if geoms is None:
        raise InputError(f"the area file {path.name} must hold polygons (the area where every site is loaded)",
                         message_id="coverage.area_not_polygons", message_values={"file": path.name},
                         parameter="complete-within")
    return geoms


def _geojson(geoms: np.ndarray) -> str:
    """Polygons as a GeoJSON FeatureCollection, coordinates rounded to 1e-7 degrees (about 1 cm)."""
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, 7))
    features = [{"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(g))}
                for g in geoms]
    return json.dumps({"type": "FeatureCollection", "features": features}) + "\n"


def _file_stem(text: str) -> str:
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text.lower()).strip("_")
    return stem or "area"


def _area_file(layers_dir: Path, prepared: Prepared) -> tuple[Path, bool]:
    """The area file in ``coverage/``: an existing one with the same polygons, else a new name
    (an earlier entry's file is never overwritten). Returns it and whether it was created."""
    assert prepared.area_text is not None  # called only for a declaration with an area
    folder = layers_dir / AREA_DIR
    folder.mkdir(exist_ok=True)
    for n in range(1, 10_000):
        candidate = folder / (f"{prepared.area_name}.geojson" if n == 1 else f"{prepared.area_name}_{n}.geojson")
        if candidate.exists():
            if candidate.read_text("utf-8") == prepared.area_text:
                return candidate, False
            continue
        _write_atomic(candidate, prepared.area_text)
        return candidate, True
    raise InputError(f"too many area files named {prepared.area_name} in {folder}",
                     message_id="coverage.too_many_areas",
                     message_values={"name": prepared.area_name, "folder": str(folder)})


def _same(existing: dict, entry: dict) -> bool:
    def key(e):
        return (sorted(e.get("categories", [])), sorted(e.get("regencies", [])), e.get("area"), e.get("source"),
                e.get("as_of"))
    return key(existing) == key(entry)


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``, keeping the mode of the
    file it replaces (a new one: readable by all, like the other layers files, not mkstemp's
    owner-only mode: the server may run as another user)."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on the layers directory: two imports do not append to coverage.toml at once."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
