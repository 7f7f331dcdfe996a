"""Regencies by name or Kemendagri code: what every ``regency=`` filter accepts, and the
suggestions of the pages' autocomplete.

    names = regency_names(engine)           # built once per engine, then shared
    names.resolve("kab. indramayu")          # ("32.12",)
    names.resolve("Kota Bandung")            # ("32.73",)
    names.resolve("Bandung")                 # InputError: Kabupaten Bandung (32.04) or Kota Bandung (32.73)?
    names.suggest("indra")                   # [{"code": "32.12", "name": "Kabupaten Indramayu"}]

A name is matched without regard to case, punctuation or the prefix (``Kabupaten``, ``Kab.``,
``Kota``, ``Kota Administrasi``, ``Kab. Adm.``); a prefix, when given, chooses between a
kabupaten and a kota of the same name. An unknown or ambiguous name is an :class:`InputError`
with suggestions, never an empty answer.
"""
from __future__ import annotations

import difflib
import re
import threading
import unicodedata
import weakref
from dataclasses import dataclass

from geo.errors import InputError

CODE = re.compile(r"^(\d{2})\.?(\d{2})$")
# spoken and written prefixes -> the regency type they name ("" for none)
PREFIXES = (
    ("kabupaten administrasi ", "kabupaten"), ("kabupaten adm ", "kabupaten"), ("kab adm ", "kabupaten"),
    ("kota administrasi ", "kota"), ("kota adm ", "kota"), ("kabupaten ", "kabupaten"), ("kab ", "kabupaten"),
    ("kota ", "kota"),
)
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

    def __init__(self, codes, names) -> None:
        """From parallel sequences of Kemendagri codes and full names."""
        self.entries: list[Entry] = []
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


# One RegencyNames per engine, dropped with it (an engine's regencies never change).
_BUILT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def regency_names(engine) -> RegencyNames:
    """The names of ``engine``'s regencies, built on the first call for that engine."""
    with _LOCK:
        names = _BUILT.get(engine)
        if names is None:
            names = _BUILT[engine] = RegencyNames(engine.regency_codes, engine.regency_names)
        return names
