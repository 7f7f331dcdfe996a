"""Proof of a removal: where the seized prop is kept, and an after-photo whose own EXIF data are
checked against the report.

    flags = removal_flags(photo, report_row, notified_at)   # e.g. ["photo_far", "photo_before_notice"]

- ``photo_far``: the photo's GPS position is farther than :data:`FAR_M` metres (geodesic) from the report;
- ``photo_before_notice``: the photo was taken before the report was notified (an EXIF time
  without an offset is read as local time in the report's regency: WIB, WITA or WIT).

A photo that says neither (no GPS, no time) raises no flag: the flags are hints for Bawaslu, not
a refusal.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa
from pyproj import Geod

from geo.clock import ZONES, zone_index
from geo.errors import InputError
from geo.store.inputs import storable_text
from geo.store.models import Event
from geo.store.photofiles import REMOVAL_PHOTO, stored_photo
from geo.store.photos import Photo

FAR_M = 100.0
GEOD = Geod(ellps="WGS84")
MAX_STORAGE_LOCATION = 300   # reports.storage_location


def storage_location(raw) -> str:
    """The text of where the seized prop is kept; an InputError when missing or not text."""
    if raw is not None and not isinstance(raw, str):
        raise InputError("storage_location must be text", message_id="removal.storage_missing",
                         field="storage_location")
    text = storable_text(raw, "storage_location").strip() if raw else ""
    if not text:
        raise InputError("a removal needs storage_location: where the seized prop is kept (e.g. the kecamatan "
                         "office)", message_id="removal.storage_missing", field="storage_location")
    return text[:MAX_STORAGE_LOCATION]


def require_photo(photo: Photo | None, required: bool) -> None:
    """An InputError when the settings require an after-photo and none was sent."""
    if photo is None and required:
        raise InputError("a removal needs an after-photo: send it as the multipart file 'photo'",
                         message_id="removal.photo_missing", field="photo")


def notified_at(connection: sa.Connection, report_id: str) -> dt.datetime | None:
    """When the report was last moved to ``notified`` (None if it never was)."""
    return connection.execute(sa.select(Event.at).where(Event.report_id == report_id, Event.to_status == "notified")
                              .order_by(Event.id.desc()).limit(1)).scalar()


def removal_flags(photo: Photo | None, report: Mapping, notice: dt.datetime | None) -> list[str]:
    """What the after-photo's own EXIF data contradict (see the module's docstring)."""
    flags: list[str] = []
    if photo is None:
        return flags
    if photo.lon is not None and photo.lat is not None:
        _, _, distance = GEOD.inv(report["lon"], report["lat"], photo.lon, photo.lat)
        if distance > FAR_M:
            flags.append("photo_far")
    if photo.taken_at is not None and notice is not None:
        taken = photo.taken_at
        if taken.tzinfo is None:
            zone = ZONES[int(zone_index([report["regency_code"]])[0])] if report.get("regency_code") else ZONES[0]
            taken = taken.replace(tzinfo=zone)
        if taken < notice:
            flags.append("photo_before_notice")
    return flags


def removal_photo(store, report_id: str):
    """A report's after-photo file and media type; NotFound if it has none."""
    return stored_photo(store, report_id, REMOVAL_PHOTO)
