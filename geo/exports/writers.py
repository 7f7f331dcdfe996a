"""Writing features in any registered export format (:mod:`geo.exports.formats`), whole or chunk by chunk.

    write_features(frame, "geojson", "out.geojson")     # a file
    to_bytes(frame, "kml")                              # bytes for an HTTP response
    with FeatureSink("out.geojson") as sink:            # chunk after chunk, bounded memory
        for chunk in chunks:
            sink.write(chunk)

Input is anything :func:`geo.exports.frames.to_frame` takes.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, BinaryIO

from geo.exports.formats import Format, format_for_path, get_format
from geo.exports.frames import empty_frame, prepared_frame


def write_features(data: Any, fmt: str | Format | None, dest: str | Path | BinaryIO, *,
                   layer: str = "features", name_field: str | None = None) -> None:
    """Write features to a path or a binary file object. ``fmt`` None: from the path's suffix."""
    if fmt is None:
        if not isinstance(dest, (str, Path)):
            raise TypeError("a file object has no suffix to tell the format: give fmt")
        f = format_for_path(dest)
    else:
        f = get_format(fmt)
    f.writer.write(prepared_frame(data), dest, layer=layer, name_field=name_field)


def to_bytes(data: Any, fmt: str | Format, *, layer: str = "features",
             name_field: str | None = None) -> bytes:
    """The file content, e.g. for an HTTP response (see :attr:`Format.media_type`)."""
    buffer = io.BytesIO()
    write_features(data, fmt, buffer, layer=layer, name_field=name_field)
    return buffer.getvalue()


class FeatureSink:
    """Writes features chunk by chunk to one file, through its format's writer.

    GeoJSON, GeoPackage and CSV grow chunk by chunk (no more than a chunk in memory); a format
    whose writer is not ``chunked`` (KML, for small maps) is held until closed.
    """

    def __init__(self, dest: str | Path, fmt: str | Format | None = None, *, layer: str = "features",
                 name_field: str | None = None):
        self.path = Path(dest)
        self.format = format_for_path(self.path) if fmt is None else get_format(fmt)
        self.count = 0
        self._started = False
        self._closed = False
        self.path.unlink(missing_ok=True)
        self._chunks = self.format.writer.open(self.path, layer=layer, name_field=name_field)

    def __enter__(self) -> FeatureSink:
        """The sink itself."""
        return self

    def __exit__(self, *exc) -> None:
        """Close the file."""
        self.close()

    def write(self, data: Any) -> None:
        """Add a chunk of features (an empty chunk after the first adds nothing)."""
        frame = prepared_frame(data)
        if not len(frame) and self._started:
            return
        self._chunks.write(frame)
        self._started = True
        self.count += len(frame)

    def close(self) -> None:
        """Finish the file (a valid empty one when nothing was written)."""
        if self._closed:
            return
        self._closed = True
        if not self._started:
            self._chunks.write(empty_frame())
        self._chunks.close()
