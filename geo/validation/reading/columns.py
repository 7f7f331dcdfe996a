"""Finding the columns that matter by their names, in Indonesian or English, any case."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from geo.validation.reading.reader import UnreadableFile

LAT_WORDS = {"lat", "latitude", "lintang", "y", "ls", "lu"}
LON_WORDS = {"lon", "lng", "long", "longitude", "bujur", "x", "bt", "bb"}
PAIR_WORDS = {"koordinat", "coordinates", "coordinate", "coords", "coord", "koord", "lokasi",
              "location", "latlon", "latlng", "latlong", "titik", "posisi", "position", "gps"}
ID_WORDS = {"id", "kode", "code", "no", "nomor", "nomer", "number", "nr"}
# a date column found by name when none is named (the date each prop stood)
AT_WORDS = {"tanggal", "tgl", "date", "waktu", "time", "datetime", "timestamp"}


def tokens(name: str) -> list[str]:
    """The lowercase ASCII words of a column name (accents dropped), for matching header names."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return [t for t in re.split(r"[^a-z0-9]+", text) if t]


@dataclass(frozen=True)
class Roles:
    """Which input columns hold what: separate lat/lon, or one "lat, lon" pair column."""

    lat: str | None = None
    lon: str | None = None
    pair: str | None = None
    at: str | None = None
    apk_id: str | None = None


def detect(columns: list[str], at_column: str | None = None) -> Roles:
    """The roles of the columns; :class:`UnreadableFile` when no coordinates can be found."""
    lat = _find(columns, lambda t: bool(set(t) & LAT_WORDS) and not set(t) & LON_WORDS, LAT_WORDS)
    lon = _find(columns, lambda t: bool(set(t) & LON_WORDS) and not set(t) & LAT_WORDS, LON_WORDS)
    pair = None
    if lat is None or lon is None:
        lat = lon = None
        pair = _find(columns, lambda t: (bool(set(t) & LAT_WORDS) and bool(set(t) & LON_WORDS))
                     or (bool(t) and set(t) <= PAIR_WORDS), PAIR_WORDS)
    if lat is None and pair is None:
        shown = ", ".join(f'"{c}"' for c in columns[:12]) + (", ..." if len(columns) > 12 else "")
        raise UnreadableFile(f"no coordinate columns among {shown}: name them lat and lon (or lintang "
                             f"and bujur), or put \"lat, lon\" in one column named koordinat",
                             message_id="batch.no_coordinate_columns", message_values={"columns": shown})
    at = None
    if at_column:
        wanted = " ".join(tokens(at_column))
        at = next((c for c in columns if c == at_column), None) or \
            next((c for c in columns if " ".join(tokens(c)) == wanted), None)
        if at is None:
            shown = ", ".join(f'"{c}"' for c in columns)
            raise UnreadableFile(f"no column named \"{at_column}\" for --at-column; the columns are {shown}",
                                 message_id="batch.no_at_column",
                                 message_values={"column": at_column, "columns": shown})
    else:
        at = _find(columns, lambda t: bool(set(t) & AT_WORDS), AT_WORDS)
    apk = _find(columns, lambda t: "apk" in t and (len(t) == 1 or bool(set(t) & ID_WORDS)), set())
    return Roles(lat=lat, lon=lon, pair=pair, at=at, apk_id=apk)


def _find(columns: list[str], matches, exact_words: set[str]) -> str | None:
    """The first column named exactly one of ``exact_words``, else the first that ``matches``."""
    named = [(c, tokens(c)) for c in columns]
    for column, t in named:
        if len(t) == 1 and t[0] in exact_words:
            return column
    for column, t in named:
        if t and matches(t):
            return column
    return None
