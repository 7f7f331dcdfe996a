"""Dates as offices write them: ISO, day-first (05/01/2024), month names in Indonesian or
English (5 Januari 2024), and Excel serial day numbers."""
from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.validation.coords import Problem

MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "pebruari": 2,
    "maret": 3, "march": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6,
    "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7, "agustus": 8, "august": 8, "agu": 8,
    "agt": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "october": 10,
    "okt": 10, "oct": 10, "november": 11, "nopember": 11, "nov": 11, "desember": 12,
    "december": 12, "des": 12, "dec": 12,
}
_MONTH_RE = re.compile(r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?", re.IGNORECASE)
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.\- ]+(\d{1,2})[/.\- ]+(\d{4})"  # day, month, year
                        r"(?:[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?\s*$")  # optional hh:mm[:ss]
_ISO = r"^\s*\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\s*$"
_PLAIN_DAY_FIRST = r"^\s*(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})\s*$"
EXCEL_EPOCH = np.datetime64("1899-12-30")
SHOWN_CHARS = 100  # of a bad value, quoted in its row's error


def shown(text: str) -> str:
    """``text`` as quoted in an error: cut after :data:`SHOWN_CHARS` characters."""
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."


def parse_dates(values) -> tuple[np.ndarray, list]:
    """datetime64[D] per value (NaT when empty) and a Problem per value that is not a date."""
    array = values if isinstance(values, pa.Array) else pa.array(list(values), type=pa.string())
    n = len(array)
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    problems: list = [None] * n
    iso = np.asarray(pc.fill_null(pc.match_substring_regex(array, _ISO), False))
    if iso.any():
        # the calendar date as written (local time), whatever the time and offset after it
        text = pc.ascii_trim_whitespace(array.filter(pa.array(iso)))  # \s is ASCII
        year, month, day = (np.asarray(pc.cast(pc.utf8_slice_codeunits(text, a, b), pa.int64()))
                            for a, b in ((0, 4), (5, 7), (8, 10)))
        iso[iso] = _calendar(year, month, day, days, np.flatnonzero(iso))
    plain = _day_first(array, days) & ~iso
    for i in np.flatnonzero(~iso & ~plain):
        raw = array[i].as_py()
        if raw is None or not raw.strip():
            continue
        parsed = parse_date(raw)
        if parsed is None:
            problems[i] = Problem("date", {"value": shown(raw.strip())})
        else:
            days[i] = parsed
    return days, problems


def _day_first(array: pa.Array, days: np.ndarray) -> np.ndarray:
    """DD/MM/YYYY (or with - or .), vectorised; fills ``days``, returns where it did."""
    parts = pc.extract_regex(array, _PLAIN_DAY_FIRST)
    found = np.asarray(pc.fill_null(pc.is_valid(parts), False))
    if not found.any():
        return found
    index = np.flatnonzero(found)
    parts = parts.filter(pa.array(found))
    day, month, year = (np.asarray(pc.cast(pc.struct_field(parts, [i]), pa.int64())) for i in range(3))
    found[index] = _calendar(year, month, day, days, index)
    return found


def _calendar(year: np.ndarray, month: np.ndarray, day: np.ndarray, days: np.ndarray,
              index: np.ndarray) -> np.ndarray:
    """Fills ``days[index]`` with the dates that exist (not 31/02); returns which do."""
    months = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    stamps = months.astype("datetime64[D]") + (np.clip(day, 1, 31) - 1).astype("timedelta64[D]")
    valid = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (stamps.astype("datetime64[M]") == months)
    days[index[valid]] = stamps[valid]
    return valid


def parse_date(text: str) -> np.datetime64 | None:
    """One date as people write it (day first, month names in Indonesian or English, ISO, an Excel
    serial day) as ``datetime64[D]``, or None when it is not a date."""
    text = text.strip()
    if re.fullmatch(r"\d{5}(?:\.\d+)?", text):  # Excel serial day
        return EXCEL_EPOCH + np.timedelta64(int(float(text)), "D")
    text = _MONTH_RE.sub(lambda m: f" {MONTHS[m.group(1).lower()]} ", text)
    match = _DAY_FIRST.match(re.sub(r"\s+", " ", text))
    if match:
        day, month, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        try:
            return np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "D")
        except ValueError:
            return None
    if not re.match(r"^\d{4}-", text):
        return None
    import pandas as pd  # for the rare ISO forms the vectorised pattern does not take

    try:
        return np.datetime64(pd.Timestamp(text).date(), "D")
    except (ValueError, OverflowError):
        return None
