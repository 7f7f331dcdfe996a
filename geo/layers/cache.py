"""The sites of a layers directory as one memory-mapped Arrow file, built once per layers version.

Reading a national layer (millions of sites in zstd GeoParquet files) costs seconds: decompressing,
numbering, checking ids. The first load writes what it read into ``.cache/sites-<version>.arrow``
beside the layers: an uncompressed Arrow IPC file with the attribute columns, the points'
coordinates (a fixed-size list of two doubles) and the other geometries as WKB. Every later load,
in every process, maps that file: nothing is copied or decoded, so a server's master and workers
share the same pages, and ``zonasi check`` starts in a fraction of a second.

The file's name carries the layers version (a hash of the files it was built from), so a changed
layer is never read from an old cache. It is written to a temporary name and renamed, so a reader
never sees half a file; a directory that cannot be written to is simply not cached.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import shapely

from geo.layers.vector import Features, decode_wkb

CACHE_DIR = ".cache"
FORMAT = 2
_XY, _SHAPE, _REGENCY = "__zonasi_xy", "__zonasi_shape", "__zonasi_regency"


def cache_path(directory: Path, version: str) -> Path:
    """Where the sites of layers ``version`` of ``directory`` are cached."""
    return directory / CACHE_DIR / f"sites-{version}-f{FORMAT}.arrow"


def read_sites(directory: Path, version: str) -> tuple[Features, list[str], pa.Array] | None:
    """The cached sites (memory-mapped), the warnings of their first load and each site's
    regency code, or None when there is no cache of this version (or it cannot be read)."""
    path = cache_path(directory, version)
    try:
        table = ipc.open_file(pa.memory_map(str(path), "r")).read_all()
    except (OSError, pa.ArrowInvalid):
        return None
    meta = json.loads((table.schema.metadata or {}).get(b"zonasi", b"{}"))
    column = table.column(_XY)
    xy = (column.chunk(0).values.to_numpy().reshape(-1, 2) if column.num_chunks == 1  # no copy
          else np.asarray(column.combine_chunks().values.to_numpy()).reshape(-1, 2))
    shapes = np.empty(table.num_rows, dtype=object)
    wkb = table.column(_SHAPE)
    if wkb.null_count < table.num_rows:
        present = np.flatnonzero(wkb.is_valid().to_numpy(zero_copy_only=False))
        shapes[present] = decode_wkb(wkb.take(pa.array(present)))[1]
    regency = table.column(_REGENCY)
    regency = regency.chunk(0) if regency.num_chunks == 1 else regency.combine_chunks()
    attributes = table.drop_columns([_XY, _SHAPE, _REGENCY]).replace_schema_metadata(None)
    features = Features(attributes, None, int(meta.get("geometry_at", 0)), xy=xy, shapes=shapes)
    return features, list(meta.get("warnings", [])), regency


def write_sites(directory: Path, version: str, sites: Features, warnings: list[str],
                site_regency: pa.Array) -> Path | None:
    """Cache ``sites`` (and each one's regency code) for layers ``version`` (and remove the caches
    of other versions); None
    when the directory cannot be written to (the layers then load from their files each time)."""
    path = cache_path(directory, version)
    xy = pa.FixedSizeListArray.from_arrays(pa.array(np.ascontiguousarray(sites.xy).ravel()), 2)
    other = ~sites.is_point
    wkb = np.full(len(sites), None, dtype=object)
    if other.any():
        wkb[other] = shapely.to_wkb(sites.shapes[other])
    table = (sites.table.append_column(_XY, xy).append_column(_SHAPE, pa.array(wkb, pa.binary()))
             .append_column(_REGENCY, site_regency))
    meta = {"format": FORMAT, "version": version, "geometry_at": sites.geometry_at, "warnings": warnings}
    table = table.replace_schema_metadata({b"zonasi": json.dumps(meta).encode()}).combine_chunks()
    partial = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
    try:
        path.parent.mkdir(exist_ok=True)
        with pa.OSFile(str(partial), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)   # one record batch: each column maps as one array
        os.replace(partial, path)
    except OSError:
        try:
            partial.unlink(missing_ok=True)
        except OSError:   # no directory to hold it (a file named .cache)
            pass
        return None
    for old in path.parent.glob("sites-*.arrow"):
        if old != path:
            old.unlink(missing_ok=True)   # a process that maps it keeps its pages until it lets go
    return path


def array_path(directory: Path, version: str, name: str) -> Path:
    """Where the array ``name`` of layers ``version`` of ``directory`` is cached."""
    return directory / CACHE_DIR / f"{name}-{version}.npy"


def read_array(directory: Path, version: str, name: str) -> np.ndarray | None:
    """A cached array, memory-mapped copy-on-write (a process may fill in its own pages; the file
    and the other processes' pages stay as they are); None when there is none."""
    try:
        return np.load(array_path(directory, version, name), mmap_mode="c")
    except (OSError, ValueError):
        return None


def write_array(directory: Path, version: str, name: str, array: np.ndarray) -> Path | None:
    """Cache ``array`` as ``name`` for layers ``version`` (and remove that name's other versions);
    None when the directory cannot be written to."""
    path = array_path(directory, version, name)
    partial = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
    try:
        path.parent.mkdir(exist_ok=True)
        with open(partial, "wb") as out:
            np.save(out, array)
        os.replace(partial, path)
    except OSError:
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            pass
        return None
    for old in path.parent.glob(f"{name}-*.npy"):
        if old != path:
            old.unlink(missing_ok=True)
    return path
