"""Bounds on what one import may read: the decompressed bytes of an archive and of the data read,
and the number of features.

A 4 MB zip can hold a GeoJSON of ten million points (a zip bomb), a small GeoParquet millions of
rows: without bounds, reading them fills the memory and the process dies. Archives are checked
before GDAL opens them, by their members' declared sizes and then by the bytes actually
decompressed (headers can lie); features are read in Arrow batches and counted as they come, so
that the reading stops at the limit with a one-line :class:`~geo.errors.TooLarge`.
"""
from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from geo.errors import InputError, TooLarge

DEFAULT_MAX_BYTES = 2_000_000_000
DEFAULT_MAX_FEATURES = 5_000_000
BATCH_SIZE = 65_536
_BLOCK = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """The most one import reads: bytes (decompressed) and features."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_features: int = DEFAULT_MAX_FEATURES


def too_many_bytes(name: str, limit: int) -> TooLarge:
    """The error for a file that decompresses to more than ``limit`` bytes."""
    return TooLarge(f"{name}: more than {limit} bytes of data once decompressed (the limit, --max-bytes); "
                    "split the file or raise the limit", message_id="import.too_many_bytes",
                    message_values={"file": name, "limit": limit}, parameter="max_bytes")


def too_many_features(name: str, limit: int) -> TooLarge:
    """The error for a file with more than ``limit`` features."""
    return TooLarge(f"{name}: more than {limit} features (the limit, --max-features); split the file or "
                    "raise the limit", message_id="import.too_many_features",
                    message_values={"file": name, "limit": limit}, parameter="max_features")


def check_zip(path: Path, max_bytes: int) -> None:
    """Refuse a zip whose members add up to more than ``max_bytes`` once decompressed: first by
    the sizes the archive declares (no decompression), then by decompressing every member block by
    block and counting (the memory stays at one block). A member whose data disagree with its
    header fails its CRC check and is refused as a damaged archive."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > max_bytes:
                raise too_many_bytes(path.name, max_bytes)
            total = 0
            for member in members:
                with archive.open(member) as handle:
                    while block := handle.read(_BLOCK):
                        total += len(block)
                        if total > max_bytes:
                            raise too_many_bytes(path.name, max_bytes)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        # a damaged or lying archive, an encrypted member, an unknown compression method
        raise InputError(f"cannot read {path.name}: {exc}", message_id="import.unreadable",
                         message_values={"file": path.name, "reason": str(exc)[:300]}, path=str(path)) from exc


def bounded_batches(batches: Iterable[pa.RecordBatch], name: str, limits: ReadLimits,
                    keep: bool = True) -> list[pa.RecordBatch]:
    """The batches of ``batches`` (none when ``keep`` is false: only count), refused with
    :class:`TooLarge` as soon as they hold more than ``limits`` features or bytes."""
    kept, rows, size = [], 0, 0
    for batch in batches:
        rows += batch.num_rows
        size += batch.nbytes
        if rows > limits.max_features:
            raise too_many_features(name, limits.max_features)
        if size > limits.max_bytes:
            raise too_many_bytes(name, limits.max_bytes)
        if keep:
            kept.append(batch)
    return kept
