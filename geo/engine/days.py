"""The local date each point is judged on: a date is local already, an instant becomes the date
in its regency's zone (WIB, WITA, WIT), converted once per zone, not per point. pandas is imported
only for many dates at once (a batch's), never for a single check."""
from __future__ import annotations

import datetime as dt

import numpy as np

from geo.clock import ZONES
from geo.errors import InputError


def local_days(ats, n: int, zones: np.ndarray) -> np.ndarray:
    """The local date judged for each point (datetime64[D], NaT unknown). Naive dates and datetimes
    are local already; a timezone-aware instant becomes the date in the zone of the point's regency
    (``zones``: index into :data:`geo.clock.TIMEZONES`), converted once per zone, not per point.
    ``ats`` may be one date or instant for every point."""
    if isinstance(ats, (list, tuple)) and len(ats) == 1 == n and isinstance(ats[0], dt.date):
        ats = ats[0]   # a single check's date
    if isinstance(ats, dt.date):  # one date or instant for every point (a check's now): no pandas
        if not isinstance(ats, dt.datetime):
            return np.full(n, np.datetime64(ats, "D"))
        if not is_aware(ats):
            return np.full(n, np.datetime64(ats.date(), "D"))
        try:
            if n < len(ZONES):   # fewer points than zones (a single check): only the points' own zones
                return np.array([ats.astimezone(ZONES[int(zone)]).date() for zone in zones], dtype="datetime64[D]")
            local = np.array([np.datetime64(ats.astimezone(zone).date(), "D") for zone in ZONES])
        except OverflowError as exc:   # 9999-12-31T23:00Z is in the year 10000 in WIB
            raise InputError(f"not a date: {ats.isoformat()} ({exc})", message_id="check.not_date",
                             message_values={"reason": f"{ats.isoformat()}: {exc}"}) from None
        return local[zones]
    import pandas as pd

    if isinstance(ats, (pd.Timestamp, str)):  # one time for every point: its date per zone
        one = local_days([ats] * len(ZONES), len(ZONES), np.arange(len(ZONES)))
        return one[zones]
    if isinstance(ats, np.ndarray) and ats.dtype.kind == "M":  # naive local dates already (a batch's)
        if len(ats) != n:
            raise InputError(f"{len(ats)} dates for {n} points", message_id="check.dates_count",
                             message_values={"dates": len(ats), "points": n})
        return ats.astype("datetime64[D]")
    if isinstance(getattr(ats, "dtype", None), pd.DatetimeTZDtype):  # instants, vectorised
        values = pd.Series(ats).reset_index(drop=True)
        aware = np.ones(len(values), dtype=bool)
    else:  # Python objects: dates, datetimes (naive or aware), text, None
        values = pd.Series(ats if isinstance(ats, np.ndarray) else list(ats), dtype=object)
        aware = np.fromiter((is_aware(v) for v in values), dtype=bool, count=len(values))
    if len(values) != n:
        raise InputError(f"{len(values)} dates for {n} points", message_id="check.dates_count",
                         message_values={"dates": len(values), "points": n})
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    try:
        if (~aware).any():
            naive = pd.to_datetime(values[~aware], errors="raise", format="mixed")
            days[~aware] = naive.to_numpy().astype("datetime64[D]")
        if aware.any():
            utc = pd.to_datetime(values[aware], errors="raise", format="mixed", utc=True)
            for z in np.unique(zones[aware]):
                pick = zones[aware] == z
                local = utc[pick].dt.tz_convert(ZONES[int(z)].key).dt.tz_localize(None)
                days[np.flatnonzero(aware)[pick]] = local.to_numpy().astype("datetime64[D]")
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(f"not a date: {exc}", message_id="check.not_date",
                         message_values={"reason": str(exc)[:200]}) from exc
    return days


def is_aware(value) -> bool:
    """Whether a date value names an instant (a time with a zone or offset)."""
    if isinstance(value, dt.datetime):
        return value.tzinfo is not None
    if isinstance(value, str) and len(value.strip()) > 10:
        try:
            return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).tzinfo is not None
        except ValueError:
            return False
    return False
