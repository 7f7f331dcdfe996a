"""A submitted report, parsed and checked, with errors that say what to fix."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import uuid
from dataclasses import asdict, dataclass

from geo.clock import has_local_dates
from geo.errors import InputError
from geo.store.workflow import APK_TYPES, normalise_apk_type

TEXT_LIMITS = {"participant": 200, "reporter": 200, "note": 4000}
FIELDS = ("id", "apk_type", "participant", "lon", "lat", "accuracy_m", "reporter", "reported_at", "note")
# The API's ranges of numbers (EXIF values from a photo are held to the same).
RANGES = {"lon": (-180.0, 180.0), "lat": (-90.0, 90.0), "accuracy_m": (0.0, 100_000.0)}
ALIASES = {"type": "apk_type", "apk": "apk_type", "longitude": "lon", "lng": "lon", "latitude": "lat",
           "accuracy": "accuracy_m", "gps_accuracy": "accuracy_m", "time": "reported_at"}


@dataclass(frozen=True)
class ReportInput:
    """A report as the client sent it, parsed and checked (not yet judged or stored)."""

    apk_type: str
    lon: float | None
    lat: float | None
    accuracy_m: float | None = None
    participant: str | None = None
    reporter: str | None = None
    reported_at: dt.datetime | None = None
    note: str | None = None
    id: str | None = None

    def fingerprint(self, photo_sha256: str | None = None) -> str:
        """A hash of what the client sent: a resubmission must match it exactly."""
        data = asdict(self)
        data["reported_at"] = self.reported_at.isoformat() if self.reported_at else None
        data["photo"] = photo_sha256
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def parse_report(data: dict) -> ReportInput:
    """A client's JSON report (field aliases accepted) as a :class:`ReportInput`, or an
    InputError naming the field to fix."""
    if not isinstance(data, dict):
        raise InputError("a report is a JSON object with apk_type, lon, lat, ...", message_id="reports.bad_json")
    values = {}
    for key, value in data.items():
        name = ALIASES.get(key, key)
        if name not in FIELDS:
            raise InputError(f"unknown field {key!r}; fields are {', '.join(FIELDS)}",
                             message_id="reports.unknown_field",
                             message_values={"field": str(key)[:80], "fields": ", ".join(FIELDS)}, field=key)
        values[name] = None if value == "" else value
    raw_type = values.get("apk_type")
    if raw_type is None:
        raise InputError(f"field 'apk_type' is required: one of {', '.join(APK_TYPES)}",
                         message_id="reports.apk_type_missing",
                         message_values={"types": ", ".join(APK_TYPES)}, field="apk_type")
    apk_type = normalise_apk_type(raw_type)
    if apk_type is None:
        raise InputError(f"apk_type {raw_type!r} is not one of {', '.join(APK_TYPES)}",
                         message_id="reports.apk_type_unknown",
                         message_values={"value": str(raw_type)[:80], "types": ", ".join(APK_TYPES)}, field="apk_type")
    lon = _number(values, "lon", *RANGES["lon"])
    lat = _number(values, "lat", *RANGES["lat"])
    if (lon is None) != (lat is None):
        raise InputError("give both lon and lat, or neither (then the photo's GPS position is used)",
                         message_id="reports.lon_lat_pair", field="lon" if lon is None else "lat")
    texts = {name: _text(values, name) for name in TEXT_LIMITS}
    reported_at = parse_time(values.get("reported_at"), "reported_at")
    if reported_at is not None and not has_local_dates(reported_at):   # the check judges its local date
        raise InputError(f"reported_at={reported_at.isoformat()} has no date in WIB, WITA or WIT",
                         message_id="reports.time_range", message_values={"field": "reported_at"},
                         field="reported_at")
    return ReportInput(apk_type=apk_type, lon=lon, lat=lat,
                       accuracy_m=_number(values, "accuracy_m", *RANGES["accuracy_m"]),
                       reported_at=reported_at, id=_uuid(values.get("id")), **texts)


def in_range(name: str, value: float) -> bool:
    """True when ``value`` is a finite number within the API's range for field ``name``."""
    low, high = RANGES[name]
    return isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high


def _number(values: dict, name: str, low: float, high: float) -> float | None:
    raw = values.get(name)
    if raw is None:
        return None
    try:
        value = float(str(raw).replace(",", ".")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON integer of 400 digits
        raise InputError(f"{name}={str(raw)[:40]!r} is not a number", message_id="params.not_number",
                         message_values={"name": name, "value": str(raw)[:40]}, field=name) from None
    if isinstance(raw, bool) or not math.isfinite(value) or not low <= value <= high:
        raise InputError(f"{name} {raw} is outside {low:g}..{high:g}", message_id="params.out_of_range",
                         message_values={"name": name, "value": str(raw)[:40], "low": f"{low:g}", "high": f"{high:g}"},
                         field=name)
    return value


def _text(values: dict, name: str) -> str | None:
    raw = values.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InputError(f"{name} must be text", message_id="reports.not_text", message_values={"field": name},
                         field=name)
    text = storable_text(raw, name).strip()
    if len(text) > TEXT_LIMITS[name]:
        raise InputError(f"{name} is {len(text)} characters; at most {TEXT_LIMITS[name]}",
                         message_id="reports.text_too_long",
                         message_values={"field": name, "length": len(text), "limit": TEXT_LIMITS[name]}, field=name)
    return text or None


def storable_text(text: str, name: str) -> str:
    """``text`` when both databases can store it, else an InputError naming the field: no NUL
    (PostgreSQL refuses it) and no lone UTF-16 surrogate (not encodable as UTF-8), as JSON
    escapes such as ``"\\u0000"`` and ``"\\ud800"`` can produce."""
    bad = "\x00" in text
    if not bad:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            bad = True
    if bad:
        raise InputError(f"{name} contains a NUL character or a lone UTF-16 surrogate, which cannot be stored",
                         message_id="reports.bad_text", message_values={"field": name}, field=name)
    return text


def stored_idempotency_key(raw: str | None) -> str | None:
    """An ``Idempotency-Key`` header as stored (stripped; None when absent or blank); an
    InputError naming the header when it cannot be (over 255 characters, a NUL)."""
    if raw is None:
        return None
    key = storable_text(str(raw), "Idempotency-Key").strip()
    if not key:
        return None
    if len(key) > 255:
        raise InputError("the Idempotency-Key is longer than 255 characters", message_id="reports.key_too_long",
                         message_values={"limit": 255}, header="Idempotency-Key")
    return key


def _uuid(raw) -> str | None:
    if raw is None:
        return None
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        raise InputError(f"id {raw!r} is not a UUID (like 0f8c1c9e-2b4d-4c1a-9d6e-3b2a1f0e9d8c)",
                         message_id="reports.bad_id", message_values={"value": str(raw)[:80]}, field="id") from None


def parse_time(raw, name: str, *, end_of_day: bool = False) -> dt.datetime | None:
    """An ISO 8601 date or date-time, in UTC; without a zone it is taken as UTC."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        text = str(raw).strip()
        try:
            if len(text) == 10:
                day = dt.date.fromisoformat(text)
                value = dt.datetime.combine(day, dt.time())
                if end_of_day:  # 'until 2024-01-15' includes that whole day
                    value += dt.timedelta(days=1, microseconds=-1)
            else:
                value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise InputError(f"{name}={text!r} is not a date or time; use ISO 8601 like 2024-01-15T08:30:00+07:00",
                             message_id="params.not_time", message_values={"name": name, "value": text[:40]},
                             field=name) from None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:  # 0001-01-01T00:00:00+01:00 is before the first representable UTC time
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise InputError(f"{name}={raw!s:.40} is outside the years 1..9999 in UTC",
                         message_id="reports.time_range", message_values={"field": name},
                         field=name) from None
