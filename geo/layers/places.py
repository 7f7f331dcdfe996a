"""Regencies by name or Kemendagri code: what every ``regency=`` filter accepts, the suggestions
of the pages' autocomplete, and the map's search box ("indramayu", "Kab. Bekasi", "kota bandung").

    names = engine.regency_lookup           # built once per engine
    names.resolve("kab. indramayu")          # ("32.12",)
    names.resolve("Kota Bandung")            # ("32.73",)
    names.resolve("Bandung")                 # InputError: Kabupaten Bandung (32.04) or Kota Bandung (32.73)?
    names.suggest("indra")                   # [{"code": "32.12", "name": "Kabupaten Indramayu"}]
    names.find("bekasi")                     # [PlaceMatch(Kabupaten Bekasi, box, a point inside), Kota Bekasi]

A name is matched without regard to case, accents, punctuation or the type (``Kabupaten``,
``Kab.``, ``Kota``, ``Kota Administrasi``, ``Kab. Adm.``, "... Regency", "... City"); a type, when
given, chooses between a kabupaten and a kota of the same name. An unknown or ambiguous name is
an :class:`InputError` with suggestions, never an empty answer.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely

from geo.errors import InputError


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


CODE = re.compile(r"^(\d{2})\.?(\d{2})$")
# spoken and written prefixes -> the regency type they name ("" for none)
PREFIXES = (
    ("kabupaten administrasi ", "kabupaten"), ("kabupaten adm ", "kabupaten"), ("kab adm ", "kabupaten"),
    ("kota administrasi ", "kota"), ("kota adm ", "kota"), ("kotamadya ", "kota"), ("kabupaten ", "kabupaten"),
    ("kab ", "kabupaten"), ("kota ", "kota"), ("kot ", "kota"),
)
SUFFIXES = ((" regency", "kabupaten"), (" city", "kota"))   # English names: "Indramayu Regency"
SUGGESTIONS = 10


def normalise(text: str) -> str:
    """Lower case, no accents or punctuation, single spaces: ``"Kab. Toli-Toli"`` -> ``"kab toli toli"``."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def split_prefix(text: str) -> tuple[str, str]:
    """(regency type named by the prefix or "", the name without it) of a normalised name."""
    for prefix, kind in PREFIXES:
        if text.startswith(prefix):
            return kind, text[len(prefix):]
    for suffix, kind in SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return kind, text[: -len(suffix)]
    return "", text


@dataclass(frozen=True)
class Entry:
    """One regency: its code, full name, type (kabupaten | kota) and normalised short name."""

    code: str
    name: str
    kind: str
    base: str

    def as_dict(self) -> dict:
        """``{"code", "name"}`` for an answer."""
        return {"code": self.code, "name": self.name}


class RegencyNames:
    """Every regency's code and name, normalised once (see the module's docstring)."""

    def __init__(self, codes, names, geometry=None) -> None:
        """From parallel sequences of Kemendagri codes and full names (and the polygons in
        EPSG:4326, for :meth:`find`'s boxes)."""
        self.entries: list[Entry] = []
        self._geometry = geometry
        for code, name in zip(codes, names, strict=True):
            kind, base = split_prefix(normalise(name))
            self.entries.append(Entry(str(code), str(name), kind, base))
        self.by_code = {e.code: e for e in self.entries}
        self.by_base: dict[str, list[Entry]] = {}
        for e in self.entries:
            self.by_base.setdefault(e.base, []).append(e)
        self._bases = list(self.by_base)

    def resolve(self, value: str, parameter: str = "regency") -> tuple[str, ...]:
        """The code(s) of one regency given by code or name; InputError (with ``suggestions``)
        when the name is unknown or names more than one regency."""
        raw = str(value).strip()
        code = CODE.match(raw)
        if code:
            key = f"{code.group(1)}.{code.group(2)}"
            if key in self.by_code:
                return (key,)
            raise self._unknown(raw, parameter, self._near_codes(key))
        kind, base = split_prefix(normalise(raw))
        found = [e for e in self.by_base.get(base, ()) if not kind or e.kind == kind]
        if len(found) == 1:
            return (found[0].code,)
        if found:
            names = ", ".join(f"{e.name} ({e.code})" for e in found)
            raise InputError(f"{parameter}={raw!r} names more than one regency: {names}; give the code or "
                             "'Kabupaten ...' / 'Kota ...'", message_id="regency.ambiguous",
                             message_values={"name": raw[:80], "names": names}, parameter=parameter,
                             suggestions=[e.as_dict() for e in found])
        # "Kota Indramayu" (only a kabupaten has that name): suggest it whatever its type
        raise self._unknown(raw, parameter, self.suggest(raw) or self.suggest(base))

    def resolve_all(self, values, parameter: str = "regency") -> tuple[str, ...]:
        """The codes of several regencies (each by code or name), in order, without repeats."""
        out: list[str] = []
        for value in values:
            out += [c for c in self.resolve(value, parameter) if c not in out]
        return tuple(out)

    def suggest(self, query: str, limit: int = SUGGESTIONS) -> list[dict]:
        """Regencies whose name or code starts with, contains, or looks like ``query``, best first."""
        raw = str(query).strip()
        code = CODE.match(raw) or re.match(r"^\d{1,2}\.?\d{0,2}$", raw)
        if code:
            digits = raw.replace(".", "")
            return [e.as_dict() for e in self.entries if e.code.replace(".", "").startswith(digits)][:limit]
        kind, base = split_prefix(normalise(raw))
        if not base:
            return []
        ranked: dict[str, tuple[int, Entry]] = {}

        def add(entries, rank):
            for e in entries:
                if (not kind or e.kind == kind) and (e.code not in ranked or ranked[e.code][0] > rank):
                    ranked[e.code] = (rank, e)

        add((e for e in self.entries if e.base == base), 0)
        add((e for e in self.entries if e.base.startswith(base)), 1)
        add((e for e in self.entries if f" {base}" in f" {e.base}"), 2)
        add((e for e in self.entries if base in e.base), 3)
        if len(ranked) < limit and len(base) <= 60:   # a fuzzy match of a long text costs, and finds nothing
            for close in difflib.get_close_matches(base, self._bases, n=limit, cutoff=0.7):
                add(self.by_base[close], 4)
        order = sorted(ranked.values(), key=lambda item: (item[0], len(item[1].base), item[1].base, item[1].code))
        return [e.as_dict() for _, e in order[:limit]]

    def _near_codes(self, code: str) -> list[dict]:
        return [e.as_dict() for e in self.entries if e.code[:2] == code[:2]][:SUGGESTIONS]

    def _unknown(self, raw: str, parameter: str, suggestions: list[dict]) -> InputError:
        names = ", ".join(f"{s['name']} ({s['code']})" for s in suggestions[:5]) or "-"
        return InputError(f"{parameter}={raw!r} is no regency; did you mean: {names}?", message_id="regency.unknown",
                          message_values={"name": raw[:80], "names": names}, parameter=parameter,
                          suggestions=suggestions)

    # -- the map's search box: places with their box and a point inside ---------------------------

    def find(self, query: str, limit: int = SUGGESTIONS) -> list[PlaceMatch]:
        """Regencies whose name matches ``query`` as places to show: exact names first, then names
        starting with it, then names containing it (a prefix or suffix, when given, picks the type)."""
        kind, base = split_prefix(normalise(query))
        if not base:
            return []
        ranked = []
        for i, e in enumerate(self.entries):
            if kind and e.kind and kind != e.kind:
                continue
            if e.base == base:
                rank = 0
            elif e.base.startswith(base):
                rank = 1
            elif f" {base}" in f" {e.base}":
                rank = 2
            else:
                continue
            ranked.append((rank, e.name, i))
        ranked.sort()
        return [self._place(i) for _, _, i in ranked[:limit]]

    def code(self, code: str) -> PlaceMatch | None:
        """The regency with this Kemendagri code (e.g. ``32.12``) as a place, if any."""
        entry = self.by_code.get(str(code).strip())
        return self._place(self.entries.index(entry)) if entry is not None else None

    @cached_property
    def _places(self) -> tuple[np.ndarray, np.ndarray]:
        if self._geometry is None:
            raise ValueError("these regency names were made without their polygons")
        geoms = np.asarray(self._geometry, dtype=object)
        inside = shapely.point_on_surface(geoms)
        return shapely.bounds(geoms), np.column_stack([shapely.get_x(inside), shapely.get_y(inside)])

    def _place(self, i: int) -> PlaceMatch:
        bounds, inside = self._places
        west, south, east, north = (round(float(v), 6) for v in bounds[i])
        lon, lat = (round(float(v), 6) for v in inside[i])
        e = self.entries[i]
        return PlaceMatch(e.code, e.name, (west, south, east, north), lon, lat)
