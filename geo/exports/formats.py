"""The registry of export formats: every place that offers a format reads it from here.

A :class:`Format` is a name (``geojson``, also the URL suffix and ``f=`` value), its media type,
file extension, other names it answers to, and its :class:`~geo.exports.drivers.Writer` (required:
a format cannot be registered without one). Whether it can be written chunk by chunk is the
writer's to say (:attr:`Format.chunked`).

    get_format("kml").media_type        # "application/vnd.google-earth.kml+xml"
    format_for_path("zones.gpkg").name  # "gpkg"
    [f.name for f in FORMATS.values()]  # every format, in the order they are offered
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geo.errors import InputError
from geo.exports.drivers import CsvWriter, GeoJsonWriter, GpkgWriter, KmlWriter, Writer


@dataclass(frozen=True)
class Format:
    """One export format: name, media type, file extension, aliases and its writer."""

    name: str
    media_type: str
    extension: str               # with its dot: ".geojson"
    writer: Writer
    aliases: tuple[str, ...] = ()
    label: str = ""              # what people call it: "GeoJSON"

    def __post_init__(self):
        if not isinstance(self.writer, Writer):
            raise TypeError(f"export format {self.name!r} needs a Writer, not {self.writer!r}")
        if not self.extension.startswith("."):
            raise ValueError(f"export format {self.name!r}: extension {self.extension!r} must start with '.'")

    @property
    def chunked(self) -> bool:
        """Can a file of this format grow chunk by chunk (else the chunks are held until closed)?"""
        return self.writer.chunked

    @property
    def title(self) -> str:
        """The label, or the name in capitals."""
        return self.label or self.name.upper()


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("geojson", "application/geo+json", ".geojson", GeoJsonWriter(), ("json", "geo+json"), "GeoJSON"),
    Format("csv", "text/csv", ".csv", CsvWriter(), (), "CSV"),
    Format("kml", "application/vnd.google-earth.kml+xml", ".kml", KmlWriter(), (), "KML"),
    Format("gpkg", "application/geopackage+sqlite3", ".gpkg", GpkgWriter(), ("geopackage",), "GeoPackage"),
)}
_BY_NAME = {key: f for f in FORMATS.values()
            for key in (f.name, f.extension.lstrip("."), *f.aliases)}


def format_names(*, exclude: tuple[str, ...] = ()) -> list[str]:
    """The names of the registered formats, in order (less ``exclude``)."""
    return [name for name in FORMATS if name not in exclude]


def get_format(fmt: str | Format) -> Format:
    """The format for a name (``geojson``, ``csv``, ``kml``, ``gpkg``), an alias or a file suffix."""
    if isinstance(fmt, Format):
        return fmt
    key = str(fmt).lower().lstrip(".")
    if key not in _BY_NAME:
        raise InputError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}",
                         message_id="export.unknown_format",
                         message_values={"format": str(fmt)[:40], "known": ", ".join(FORMATS)}, parameter="format")
    return _BY_NAME[key]


def format_for_path(path: str | Path) -> Format:
    """The format a file name asks for, by its suffix."""
    return get_format(Path(path).suffix or "?")
