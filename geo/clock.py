"""The one clock every interface judges by, and the local time zone of each regency.

``Clock.from_settings(settings).now()`` is the current instant: ``Settings.now``
(``ZONASI_NOW``, an ISO instant with its offset) when set, for demos and tests, else the
system clock. Verdicts are judged on the local date of the point's regency: Indonesia keeps
three zones, by province (the first two digits of a Kemendagri code):

- WIB (UTC+7, Asia/Jakarta): Sumatra, Bangka Belitung, Riau Islands, Java, West and Central Kalimantan;
- WITA (UTC+8, Asia/Makassar): Bali, West and East Nusa Tenggara, South, East and North
  Kalimantan, Sulawesi;
- WIT (UTC+9, Asia/Jayapura): Maluku, North Maluku and the Papua provinces.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

# index 0 is also the zone of a point in no regency (its verdict is outside_area whatever the day)
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
LABELS = ("WIB", "WITA", "WIT")
ZONES = tuple(ZoneInfo(name) for name in TIMEZONES)
# Kemendagri province codes by zone (WIB otherwise)
WITA_PROVINCES = frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"})
WIT_PROVINCES = frozenset({"81", "82", "91", "92", "93", "94", "95", "96"})


def zone_index(codes) -> np.ndarray:
    """The zone (index into :data:`TIMEZONES`) of each Kemendagri regency code, as int8 (vectorised)."""
    province = np.asarray(codes, dtype=str).astype("U2")
    out = np.zeros(len(province), dtype="int8")
    out[np.isin(province, list(WITA_PROVINCES))] = 1
    out[np.isin(province, list(WIT_PROVINCES))] = 2
    return out


def zone_label(code: str | None) -> str | None:
    """WIB, WITA or WIT for a regency code; None without one."""
    if not code:
        return None
    province = str(code)[:2]
    return LABELS[1 if province in WITA_PROVINCES else 2 if province in WIT_PROVINCES else 0]


def has_local_dates(instant: dt.datetime) -> bool:
    """Whether an instant (naive: UTC) has a date in UTC and in each of the zones (WIB, WITA, WIT),
    where a check takes its local date: near the ends of the calendar (years 1 and 9999) it may not."""
    try:
        utc = instant.astimezone(dt.UTC) if instant.tzinfo is not None else instant.replace(tzinfo=dt.UTC)
        for zone in ZONES:
            utc.astimezone(zone)
    except OverflowError:
        return False
    return True


@dataclass(frozen=True)
class Clock:
    """The current instant: ``fixed`` when given, else the system clock (always timezone-aware)."""

    fixed: dt.datetime | None = None

    @classmethod
    def from_settings(cls, settings) -> Clock:
        """The clock of ``settings`` (``Settings.now``: judge as of that instant instead of the clock)."""
        return cls(settings.now)

    def now(self) -> dt.datetime:
        """The current instant, in UTC."""
        return (self.fixed or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)

    def today(self, code: str | None = None) -> dt.date:
        """The local date now in the zone of regency ``code`` (WIB without one)."""
        zone = ZONES[int(zone_index([code])[0])] if code else ZONES[0]
        return self.now().astimezone(zone).date()


def parse_instant(raw: str, name: str = "ZONASI_NOW") -> dt.datetime:
    """An ISO 8601 instant with its offset (``2024-01-15T10:00:00+07:00``, ``...Z``); ValueError otherwise."""
    try:
        value = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ValueError(f"{name} must be an ISO instant with its offset, like 2024-01-15T10:00:00+07:00, "
                         f"not {raw!r}")
    return value
