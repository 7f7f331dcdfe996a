"""Finding regencies by name, for the map's search box ("indramayu", "Kab. Bekasi", "kota bandung").

Matching is on a normalised name: lower case, no punctuation, the administrative prefix
(Kabupaten/Kab./Kota/Kot.) kept apart so "Bekasi" finds both Kabupaten and Kota Bekasi, and
"kota bekasi" only the city.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import shapely

_PREFIXES = {"kabupaten": "kabupaten", "kab": "kabupaten", "kota": "kota", "kot": "kota",
             "kotamadya": "kota", "regency": "kabupaten", "city": "kota"}


@dataclass(frozen=True)
class PlaceMatch:
    """A regency found by its place name, with its bounding box and a point inside it."""

    code: str
    name: str
    bbox: tuple[float, float, float, float]   # west, south, east, north (lon/lat)
    lon: float                                # a point inside the regency
    lat: float

    def to_dict(self) -> dict:
        """The match as JSON for the place search API."""
        return {"type": "regency", "code": self.code, "name": self.name, "bbox": list(self.bbox),
                "lon": self.lon, "lat": self.lat}


def _normalise(text: str) -> tuple[str | None, str]:
    """(kind or None, the rest) of a place name, lower case, words separated by one space."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    kind = None
    if words and words[0] in _PREFIXES:
        kind = _PREFIXES[words[0]]
        words = words[1:]
    if words and words[-1] in ("regency", "city"):
        kind = _PREFIXES[words[-1]]
        words = words[:-1]
    return kind, " ".join(words)


class RegencyNames:
    """A name index of a regencies frame (columns ``code``, ``name``, geometry in EPSG:4326)."""

    def __init__(self, regencies):
        self._codes = regencies["code"].astype(str).to_list()
        self._names = regencies["name"].astype(str).to_list()
        self._keys = [_normalise(n) for n in self._names]
        geoms = regencies.geometry.to_numpy()
        self._bounds = shapely.bounds(geoms)
        inside = shapely.point_on_surface(geoms)
        self._inside = np.column_stack([shapely.get_x(inside), shapely.get_y(inside)])

    def find(self, query: str, limit: int = 10) -> list[PlaceMatch]:
        """Regencies whose name matches ``query``: exact names first, then names starting with
        it, then names containing it."""
        kind, words = _normalise(query)
        if not words:
            return []
        ranked = []
        for i, (own_kind, own_words) in enumerate(self._keys):
            if kind is not None and own_kind is not None and kind != own_kind:
                continue
            if own_words == words:
                rank = 0
            elif own_words.startswith(words):
                rank = 1
            elif f" {words}" in f" {own_words}":
                rank = 2
            else:
                continue
            ranked.append((rank, self._names[i], i))
        ranked.sort()
        return [self._match(i) for _, _, i in ranked[:limit]]

    def code(self, code: str) -> PlaceMatch | None:
        """The regency with this Kemendagri code (e.g. ``32.12``), if any."""
        try:
            return self._match(self._codes.index(code.strip()))
        except ValueError:
            return None

    def _match(self, i: int) -> PlaceMatch:
        west, south, east, north = (round(float(v), 6) for v in self._bounds[i])
        lon, lat = (round(float(v), 6) for v in self._inside[i])
        return PlaceMatch(self._codes[i], self._names[i], (west, south, east, north), lon, lat)
