"""Coordinates as people write them, parsed strictly: a value is read or it gets a reason.

Accepted forms (latitude shown; longitude alike with E/W, BT/BB):

    -6.327   -6,327   6.327 S   6°19'37.2"S   6° 19' 37,2" LS   S 6 19 37.2   6:19:37.2 S
    6°19.62'S   -6°19'37.2"

and pairs in one column: ``-6.327, 108.325`` (Google Maps order, lat first), ``-6,327; 108,325``,
``6°19'37.2"S 108°19'30"E`` (with hemisphere letters, either order).

Nothing is ever fixed silently: values whose lat/lon look swapped are reported as swapped, not
swapped back. Parsing is vectorised (pyarrow) for plain decimals; only the other forms take the
per-value path.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

AXES = ("lat", "lon")
LIMITS = {"lat": 90.0, "lon": 180.0}

_HEMISPHERES = {
    "N": "N", "U": "N", "LU": "N", "UTARA": "N", "NORTH": "N",
    "S": "S", "LS": "S", "SELATAN": "S", "SOUTH": "S",
    "E": "E", "T": "E", "BT": "E", "TIMUR": "E", "EAST": "E",
    "W": "W", "B": "W", "BB": "W", "BARAT": "W", "WEST": "W",
}
_AXIS_OF = {"N": "lat", "S": "lat", "E": "lon", "W": "lon"}
_NORMALISE = str.maketrans({
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2019": "'", "\u2032": "'",
    "\u2018": "'", "\u00b4": "'", "`": "'", "\u2033": '"', "\u201c": '"', "\u201d": '"',
    "\u00ba": "\u00b0", "\u02da": "\u00b0", "\u00a0": " ", "\u202f": " ",
})
_HEMI = r"(?:UTARA|SELATAN|TIMUR|BARAT|NORTH|SOUTH|EAST|WEST|LU|LS|BT|BB|[NSEWUTB])"
_NUM = r"\d+(?:[.,]\d+)?"
_SEP_DEG = r"(?:\s*(?:°|DEG|D)\s*|\s*:\s*|\s+)"
_SEP_MIN = r"(?:\s*(?:'|MIN|M)\s*|\s*:\s*|\s+)"
_VALUE = re.compile(rf"""
    ^(?P<h1>{_HEMI})?\.?\s*(?P<sign>[-+])?\s*
    (?:
        (?P<d3>\d+){_SEP_DEG}(?P<m3>\d+){_SEP_MIN}(?P<s3>{_NUM})\s*(?:"|''|SEC|S(?=\s*{_HEMI}\.?$))?
      | (?P<d2>\d+){_SEP_DEG}(?P<m2>{_NUM})\s*(?:'|MIN|M)?
      | (?P<d1>{_NUM})\s*(?:°|DEG)?
    )
    \s*(?P<h2>{_HEMI})?\.?$""", re.VERBOSE)
_PLAIN = r"^\s*[-+]?\d+(?:[.,]\d+)?\s*$"
_PAIR_DOT = r"^\s*(?P<a>[-+]?\d+(?:\.\d+)?)\s*[,;]\s*(?P<b>[-+]?\d+(?:\.\d+)?)\s*$"
_PAIR_COMMA = r"^\s*(?P<a>[-+]?\d+(?:,\d+)?)\s*(?:;|,\s+)\s*(?P<b>[-+]?\d+(?:,\d+)?)\s*$"
# The two usual spellings exactly (6°19'37.2"S, S 6 19 37.2): a pattern RE2 matches in one pass,
# much faster than the general one, which takes what is left.
_DMS_EXACT = (r"^(?:(?P<h1>[NSEW]) )?(?P<sign>)(?P<d>\d{1,3})(?:°| )(?P<m>\d{1,2})(?:'| )"
              r"(?P<s>\d{1,2}(?:[.,]\d+)?)(?:\"(?P<h2>[NSEW]))?$")
_DMS_FAST = (r"^\s*(?P<h1>[NSEWnsew])?\s*(?P<sign>[-+])?(?P<d>\d{1,3})(?:\s*°\s*|\s+)(?P<m>\d{1,2})"
             r"(?:\s*'\s*|\s+)(?P<s>\d{1,2}(?:[.,]\d+)?)\s*(?:\"|'')?\s*(?P<h2>[NSEWnsew])?\s*$")
_SEPARATOR_RUN = re.compile(r"[\s,;/]+")
# A coordinate cell is short: the longest spelling (6° 19' 37,2345" SELATAN, 108° 19' 30,1234" TIMUR)
# is about 50 characters. Longer cells are refused at once, so no cell costs more than a bounded
# amount of work whatever the file holds.
MAX_CELL_CHARS = 100
# One value that parse_value accepts holds at most 8 runs of separators (S. - 6 ° 19 ' 37,2 "), so
# a "lat, lon" pair splits at one of the first few runs and leaves few after it; more runs than
# two values can hold is no pair. With a margin: nothing that parses is refused by these bounds.
_MAX_VALUE_RUNS = 12
_MAX_PAIR_RUNS = 2 * _MAX_VALUE_RUNS + 1


@dataclass(frozen=True)
class Problem:
    """Why a value is not a coordinate: a catalog key (``batch.error.<code>``) and its values."""

    code: str
    values: dict = field(default_factory=dict)


class CoordinateError(ValueError):
    """A coordinate that cannot be read; :attr:`problem` says why, with the values for the message."""
    def __init__(self, code: str, **values):
        super().__init__(code)
        self.problem = Problem(code, values)


@dataclass(frozen=True)
class Parsed:
    """One coordinate: its value in degrees and, when written with a letter, its hemisphere axis."""

    value: float
    letter_axis: str | None = None


def parse_value(text: str, axis: str) -> Parsed:
    """One latitude or longitude (``axis`` 'lat' or 'lon'); raises :class:`CoordinateError`.

    The range is not checked here (see :func:`parse_columns`), but a hemisphere letter of the
    other axis is reported in :attr:`Parsed.letter_axis`.
    """
    raw = text = str(text)
    if len(text) > MAX_CELL_CHARS:
        raise CoordinateError("value_too_long", axis=axis, length=len(text), limit=MAX_CELL_CHARS)
    text = text.translate(_NORMALISE).strip().upper()
    if not text:
        raise CoordinateError("missing", axis=axis)
    match = _VALUE.match(text)
    if match is None:
        raise CoordinateError("not_coordinate", axis=axis, value=raw.strip())
    g = match.groupdict()
    if g["h1"] and g["h2"]:
        raise CoordinateError("two_hemispheres", value=raw.strip())
    letter = _HEMISPHERES.get(g["h1"] or g["h2"] or "")
    if g["d3"] is not None:
        degrees, minutes, seconds = float(g["d3"]), float(g["m3"]), _number(g["s3"])
    elif g["d2"] is not None:
        degrees, minutes, seconds = float(g["d2"]), _number(g["m2"]), 0.0
    else:
        degrees, minutes, seconds = _number(g["d1"]), 0.0, 0.0
    if minutes >= 60 or seconds >= 60:
        part = "minutes" if minutes >= 60 else "seconds"
        raise CoordinateError("sixty", value=raw.strip(), part=part)
    value = degrees + minutes / 60 + seconds / 3600
    negative = g["sign"] == "-"
    if letter in ("S", "W"):
        negative = True
    elif letter in ("N", "E") and negative:
        raise CoordinateError("sign_and_hemisphere", value=raw.strip(), letter=letter)
    return Parsed(-value if negative else value, _AXIS_OF.get(letter) if letter else None)


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_pair(text: str) -> tuple[Parsed, Parsed]:
    """A "lat, lon" pair in one value; with hemisphere letters the order may be lon, lat.

    Linear in the length of the text (which is at most :data:`MAX_CELL_CHARS` anyway): only the
    few separators a split between two values can be at are tried."""
    raw = text = str(text)
    if len(text) > MAX_CELL_CHARS:
        raise CoordinateError("pair_too_long", length=len(text), limit=MAX_CELL_CHARS)
    text = text.translate(_NORMALISE).strip()
    if not text:
        raise CoordinateError("missing_pair")
    runs: list[re.Match[str]] = []
    for sep in _SEPARATOR_RUN.finditer(text):
        if len(runs) == _MAX_PAIR_RUNS:
            raise CoordinateError("not_pair", value=raw.strip())
        runs.append(sep)
    found = []
    for k, sep in enumerate(runs):
        if k > _MAX_VALUE_RUNS or len(runs) - 1 - k > _MAX_VALUE_RUNS:
            continue  # one side would hold more separators than any value has
        left, right = text[:sep.start()].strip(), text[sep.end():].strip()
        if not left or not right:
            continue
        try:
            first, second = parse_value(left, "lat"), parse_value(right, "lon")
        except CoordinateError:
            continue
        found.append((first, second))
    if len(found) != 1:
        raise CoordinateError("not_pair", value=raw.strip())
    first, second = found[0]
    if first.letter_axis == "lon" and second.letter_axis == "lat":
        return second, first  # stated explicitly by the letters: "108°E 6°S"
    return first, second


# -- columns ---------------------------------------------------------------------------------------

@dataclass
class Coordinates:
    """Parsed columns: lat/lon in degrees (NaN where unusable) and a problem per bad row."""

    lat: np.ndarray
    lon: np.ndarray
    problems: list  # Problem or None per row

    @property
    def valid(self) -> np.ndarray:
        """Which rows have usable coordinates (no problem)."""
        return no_problem(self.problems)


def no_problem(problems: list) -> np.ndarray:
    """Which rows have no problem (the usual case, all of them, is found without a loop)."""
    if problems.count(None) == len(problems):
        return np.ones(len(problems), dtype=bool)
    return np.array([p is None for p in problems], dtype=bool)


def first_problems(problems: list, *more: list) -> list:
    """The first problem of each row, from ``problems`` and then each of ``more``."""
    for other in more:
        if other.count(None) < len(other):
            problems = [p or q for p, q in zip(problems, other)]
    return problems


def parse_columns(lat_values, lon_values, area=None) -> Coordinates:
    """Parse a latitude column and a longitude column (sequences or arrow arrays of text).

    ``area`` (west, south, east, north): values that fall outside it but inside it once swapped
    are reported as swapped.
    """
    lat, lat_problem, lat_letter = parse_axis(lat_values, "lat")
    lon, lon_problem, lon_letter = parse_axis(lon_values, "lon")
    problems = first_problems(lat_problem, lon_problem)
    for i in np.flatnonzero((lat_letter == "lon") | (lon_letter == "lat")):
        if problems[i] is None:
            if lat_letter[i] == "lon" and lon_letter[i] == "lat":
                problems[i] = Problem("swapped_letters")
            else:
                axis = "lat" if lat_letter[i] == "lon" else "lon"
                problems[i] = Problem("wrong_hemisphere", {"axis": axis})
    return _finish(lat, lon, problems, area)


def parse_pair_column(values, area=None) -> Coordinates:
    """Parse one column of "lat, lon" pairs."""
    array = _as_text(values)
    n = len(array)
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    problems: list = [None] * n
    lengths = _lengths(array)
    too_long = lengths > MAX_CELL_CHARS
    for i in np.flatnonzero(too_long):
        problems[i] = Problem("pair_too_long", {"length": int(lengths[i]), "limit": MAX_CELL_CHARS})
    todo = ~too_long
    for pattern, comma in ((_PAIR_DOT, False), (_PAIR_COMMA, True)):
        parts = pc.extract_regex(array, pattern)
        ok = np.asarray(pc.fill_null(pc.is_valid(parts), False)) & todo
        if ok.any():
            for name, target in (("1", lat), ("2", lon)):  # lat first, as Google Maps shows them
                text = pc.struct_field(parts, [0 if name == "1" else 1])
                if comma:
                    text = pc.replace_substring(text, ",", ".")
                target[ok] = np.asarray(pc.cast(pc.fill_null(text, "nan"), pa.float64()))[ok]
            todo &= ~ok
    for i in np.flatnonzero(todo):
        value = array[i].as_py()
        if value is None or not value.strip():
            problems[i] = Problem("missing_pair")
            continue
        try:
            first, second = parse_pair(value)
        except CoordinateError as exc:
            problems[i] = exc.problem
            continue
        lat[i], lon[i] = first.value, second.value
        if first.letter_axis == "lon" or second.letter_axis == "lat":
            problems[i] = Problem("wrong_hemisphere", {"axis": "lat" if first.letter_axis == "lon" else "lon"})
    return _finish(lat, lon, problems, area)


def _lengths(array: pa.Array) -> np.ndarray:
    """Each value's length in characters (0 for a missing value)."""
    return np.asarray(pc.fill_null(pc.utf8_length(array), 0), dtype="int64")


def _as_text(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array([None if v is None else str(v) for v in values], type=pa.string())
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.string())
    return values


def parse_axis(values, axis: str):
    """One coordinate column (``axis`` "lat" or "lon"): values, problems and the hemisphere letters written."""
    array = _as_text(values)
    n = len(array)
    out = np.full(n, np.nan)
    problems: list = [None] * n
    letters = np.full(n, None, dtype=object)
    lengths = _lengths(array)
    too_long = lengths > MAX_CELL_CHARS
    for i in np.flatnonzero(too_long):
        problems[i] = Problem("value_too_long", {"axis": axis, "length": int(lengths[i]), "limit": MAX_CELL_CHARS})
    plain = np.asarray(pc.fill_null(pc.match_substring_regex(array, _PLAIN), False)) & ~too_long
    if plain.any():  # only those: the others are no numbers to cast
        text = array if plain.all() else array.filter(pa.array(plain))
        text = pc.replace_substring(pc.ascii_trim_whitespace(text), ",", ".")  # \s is ASCII
        out[plain] = np.asarray(pc.cast(text, pa.float64()))
    rest = np.flatnonzero(~plain & ~too_long)
    for pattern in (_DMS_EXACT, _DMS_FAST):
        if len(rest):
            done = _dms_fast(array.take(pa.array(rest)), out, letters, rest, pattern)
            rest = rest[~done]
    for i in rest:
        value = array[i].as_py()
        if value is None:
            problems[i] = Problem("missing", {"axis": axis})
            continue
        try:
            parsed = parse_value(value, axis)
        except CoordinateError as exc:
            problems[i] = exc.problem
            continue
        out[i] = parsed.value
        letters[i] = parsed.letter_axis
    return out, problems, letters


def _dms_fast(array: pa.Array, out: np.ndarray, letters: np.ndarray, index: np.ndarray,
              pattern: str) -> np.ndarray:
    """Degrees-minutes-seconds in their common spellings, vectorised: fills ``out`` and
    ``letters`` at ``index`` where the value is clean; anything unusual (or wrong) is left to
    :func:`parse_value`, which gives the reason."""
    parts = pc.extract_regex(array, pattern)
    found = np.asarray(pc.fill_null(pc.is_valid(parts), False))
    if not found.any():
        return found

    def text(i):
        return pc.fill_null(pc.struct_field(parts, [i]), "")

    h1, sign, h2 = (np.asarray(pc.utf8_upper(text(i)).to_numpy(zero_copy_only=False), dtype=object)
                    for i in (0, 1, 5))
    d, m = (np.asarray(pc.cast(pc.if_else(pc.equal(text(i), ""), "0", text(i)), pa.float64())) for i in (2, 3))
    sec = np.asarray(pc.cast(pc.if_else(pc.equal(text(4), ""), "0", pc.replace_substring(text(4), ",", ".")),
                             pa.float64()))
    letter = np.where(h1 != "", h1, h2)
    clean = found & ~((h1 != "") & (h2 != "")) & (m < 60) & (sec < 60)
    negative = (sign == "-") | (letter == "S") | (letter == "W")
    clean &= ~((sign == "-") & ((letter == "N") | (letter == "E")))
    value = d + m / 60 + sec / 3600
    value = np.where(negative, -value, value)
    where = index[clean]
    out[where] = value[clean]
    # numpy's stubs take no None for an array-like; at run time it is an object scalar, as meant
    no_letter = np.where(letter == "", None, "lon")  # type: ignore[call-overload]
    axis = np.where((letter == "N") | (letter == "S"), "lat", no_letter)
    letters[where] = axis[clean]
    return clean


def _finish(lat: np.ndarray, lon: np.ndarray, problems: list, area) -> Coordinates:
    """Range and swap checks on parsed values; rows with a problem get NaN coordinates."""
    parsed = no_problem(problems)
    if area is not None:
        swapped = parsed & ~_inside(lon, lat, area) & _inside(lat, lon, area)
        for i in np.flatnonzero(swapped):
            problems[i] = Problem("swapped", {"value": _fmt(lon[i])})
            parsed[i] = False
    for axis, values in (("lat", lat), ("lon", lon)):
        limit = LIMITS[axis]
        bad = parsed & ~(np.abs(values) <= limit)
        for i in np.flatnonzero(bad):
            problems[i] = Problem("out_of_range", {"axis": axis, "value": _fmt(values[i]),
                                                   "limit": f"{limit:g}"})
            parsed[i] = False
    lat = np.where(parsed, lat, np.nan)
    lon = np.where(parsed, lon, np.nan)
    return Coordinates(lat, lon, problems)


def _inside(lon: np.ndarray, lat: np.ndarray, area) -> np.ndarray:
    west, south, east, north = area
    with np.errstate(invalid="ignore"):
        return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


def _fmt(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".") if np.isfinite(value) else str(value)
