"""The query parameters of the collections, parsed the same way by every front end (the OGC API,
the web map's own endpoints, the command line): RFC 3339 instants and intervals, and list
parameters (comma-separated or repeated)."""
from __future__ import annotations

import datetime as dt

from geo.errors import InputError

MAX_LIST_VALUES = 50             # values of one comma-separated (or repeated) list parameter

Interval = tuple[dt.datetime | None, dt.datetime | None]


def parse_interval(text: str) -> Interval:
    """An RFC 3339 instant or interval: ``2024-01-05``, ``2024-01-05T10:00:00Z``,
    ``2024-01-01/2024-02-01``, ``../2024-02-01``, ``2024-01-01/..``. Dates cover the whole day."""
    if "/" in text:
        start_text, _, end_text = text.partition("/")
        start = _instant(start_text, end=False)
        end = _instant(end_text, end=True)
        if start and end and start > end:
            raise InputError(f"datetime={text!r}: the start is after the end", message_id="ogc.datetime_reversed",
                             message_values={"value": text}, parameter="datetime")
        return start, end
    start = _instant(text, end=False)
    if start is None:
        raise InputError("datetime needs a date, a time or an interval start/end", message_id="ogc.datetime_empty",
                         parameter="datetime")
    end = _instant(text, end=True) if len(text.strip()) == 10 else start
    return start, end


def _instant(text: str, *, end: bool) -> dt.datetime | None:
    text = text.strip()
    if text in ("", ".."):
        return None
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time.max if end else dt.time.min, dt.UTC)
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"datetime {text!r} is not RFC 3339; use 2024-01-05 or 2024-01-05T10:00:00Z",
                         message_id="ogc.datetime_invalid", message_values={"value": text[:40]},
                         parameter="datetime") from None
    return utc(value)


_UTC_MIN = dt.datetime.min.replace(tzinfo=dt.UTC)
_UTC_MAX = dt.datetime.max.replace(tzinfo=dt.UTC)


def utc(value: dt.datetime) -> dt.datetime:
    """An instant in UTC (naive = UTC). One that UTC cannot hold (``0001-01-01T00:00+01:00`` is
    in year 0) becomes the first or last instant Python can hold: no timestamp lies between."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        return _UTC_MIN if value.year == dt.MINYEAR else _UTC_MAX


def parse_list(values, parameter: str, limit: int = MAX_LIST_VALUES) -> list[str]:
    """Values of a list parameter (a comma-separated text, or several of them): stripped, empty
    ones dropped, repeats removed (first order kept), at most ``limit`` distinct ones."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    found = dict.fromkeys(v.strip() for text in values for v in str(text).split(",") if v.strip())
    if len(found) > limit:
        raise InputError(f"{parameter} lists {len(found)} different values; at most {limit} are allowed",
                         message_id="params.too_many",
                         message_values={"parameter": parameter, "count": len(found), "limit": limit},
                         parameter=parameter)
    return list(found)
