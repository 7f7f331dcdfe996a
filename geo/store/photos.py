"""Report photos: JPEG or PNG, size- and pixel-limited, stored under the instance folder; EXIF GPS read.

A photo is checked by decoding it whole with Pillow (not by its name or declared type); its
pixel count is checked from the header first. Files are
written to a temporary name and renamed, so a half-written photo never appears under its id.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from geo.errors import InputError, TooLarge
from geo.store.inputs import in_range

FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
DATETIME, DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x0132, 0x9003, 0x9011
DEFAULT_MAX_PIXELS = 40_000_000  # Settings.max_photo_pixels


class PhotoTooLarge(TooLarge, InputError):
    """A photo of too many pixels: a 413, and still an InputError on ``photo`` like every other
    refusal of a photo."""


@dataclass(frozen=True)
class Photo:
    """A validated photo: its bytes, file suffix and media type, and its EXIF GPS position if any."""

    data: bytes
    suffix: str
    media_type: str
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    # when it was taken (EXIF DateTimeOriginal, else DateTime): timezone-aware when the photo
    # says its offset (OffsetTimeOriginal), else naive local time of the place
    taken_at: dt.datetime | None = None

    @property
    def sha256(self) -> str:
        """The SHA-256 (hex) of the photo's bytes."""
        return hashlib.sha256(self.data).hexdigest()


def read_photo(data: bytes, max_bytes: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> Photo:
    """Validate a photo by decoding it whole (after checking its pixel count from the header, so
    a small file claiming a huge image is refused before any decoding) and read its EXIF GPS
    position (if any; values outside the API's ranges are dropped)."""
    if not data:
        raise InputError("the photo is empty", message_id="reports.photo_empty", field="photo")
    if len(data) > max_bytes:
        raise InputError(f"the photo is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB",
                         message_id="reports.photo_too_big",
                         message_values={"size": round(len(data) / 1e6, 1), "limit": float(max_bytes // 1_000_000)},
                         field="photo")
    try:
        with warnings.catch_warnings():  # odd EXIF tags warn; they are no reason to refuse a photo
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()  # must come first, and leaves the image unusable
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format
                width, height = image.size
                if width * height > max_pixels:
                    raise _too_many_pixels(width, height, max_pixels)
                exif = image.getexif()
                gps, taken_at = _gps(exif), _taken_at(exif)
                image.load()  # decodes every pixel: a cut-short or corrupt image fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(0, 0, max_pixels) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, RuntimeError, EOFError) as exc:
        if isinstance(exc, TooLarge):
            raise
        raise InputError("the photo is not a readable JPEG or PNG image (or it is cut short)",
                         message_id="reports.photo_unreadable", field="photo") from exc
    if fmt not in FORMATS:
        raise InputError(f"the photo is {fmt}; send a JPEG or PNG", message_id="reports.photo_format",
                         message_values={"format": str(fmt)}, field="photo")
    suffix, media_type = FORMATS[fmt]
    return Photo(data, suffix, media_type, *gps, taken_at=taken_at)


def _too_many_pixels(width: int, height: int, max_pixels: int) -> PhotoTooLarge:
    if not width:  # over Pillow's decompression-bomb limit: its size is not even read
        return PhotoTooLarge(f"the photo has more pixels than can be read; at most {max_pixels / 1e6:g} megapixels",
                             message_id="reports.photo_pixels_unread",
                             message_values={"limit": max_pixels / 1e6}, field="photo")
    return PhotoTooLarge(f"the photo is {width} x {height} px; at most {max_pixels / 1e6:g} megapixels",
                         message_id="reports.photo_pixels",
                         message_values={"size": f"{width} x {height} px", "limit": max_pixels / 1e6}, field="photo")


def _gps(exif) -> tuple[float | None, float | None, float | None]:
    """(lon, lat, accuracy) from EXIF: a position out of range (or NaN) is dropped, and so is an
    accuracy outside the API's ``accuracy_m`` range."""
    try:
        gps = exif.get_ifd(GPS_IFD)
    except Exception:  # a broken EXIF block is no reason to refuse the photo
        return None, None, None
    try:
        lat = _degrees(gps[2], gps.get(1, "N"), "S")
        lon = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None, None
    if not (in_range("lat", lat) and in_range("lon", lon)):
        return None, None, None
    accuracy = gps.get(31)  # GPSHPositioningError, metres
    try:
        accuracy = float(accuracy) if accuracy is not None else None
    except (TypeError, ValueError, ZeroDivisionError):
        accuracy = None
    return lon, lat, accuracy if accuracy is not None and in_range("accuracy_m", accuracy) else None


def _taken_at(exif) -> dt.datetime | None:
    """When the photo was taken, from EXIF (None when it does not say, or says nonsense)."""
    try:
        inner = exif.get_ifd(EXIF_IFD)
        raw, offset = inner.get(DATETIME_ORIGINAL) or exif.get(DATETIME), inner.get(OFFSET_TIME_ORIGINAL)
        if not raw:
            return None
        taken = dt.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        if offset:
            taken = taken.replace(tzinfo=dt.datetime.strptime(str(offset).strip("\x00 "), "%z").tzinfo)
        return taken
    except Exception:  # a broken or odd EXIF time is no reason to refuse the photo
        return None


def _degrees(dms, ref, negative: str) -> float:
    d, m, s = (float(x) for x in dms)
    value = d + m / 60 + s / 3600
    ref = ref.decode() if isinstance(ref, bytes) else str(ref)
    return -value if ref.strip().upper().startswith(negative) else value


class PhotoStore:
    """Photos on disk: ``<root>/<first two characters of the id>/<id>.<suffix>``."""

    STALE_SECONDS = 3600  # a temporary file this old belongs to a writer that was killed

    def __init__(self, root: Path):
        self.root = Path(root)
        self.sweep()

    def sweep(self, older_than: float | None = None) -> int:
        """Remove temporary files left by a writer killed mid-write (``.<name>.tmp``, older than
        ``older_than`` seconds, so a photo being written right now is left alone)."""
        limit = time.time() - (self.STALE_SECONDS if older_than is None else older_than)
        removed = 0
        for tmp in self.root.glob("*/.*.tmp") if self.root.is_dir() else ():
            try:
                if tmp.stat().st_mtime <= limit:
                    tmp.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def save(self, report_id: str, photo: Photo) -> str:
        """Write the photo under a name unique to this attempt; returns its relative path."""
        rel = f"{report_id[:2]}/{report_id}.{uuid.uuid4().hex[:8]}.{photo.suffix}"
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            with open(tmp, "wb") as handle:
                handle.write(photo.data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:  # a full disk (or anything else): leave no half-written file behind
            tmp.unlink(missing_ok=True)
            raise
        return rel

    def path(self, rel: str) -> Path:
        """The file of a stored photo's relative path; an InputError if it points outside the folder."""
        path = (self.root / rel).resolve()
        if self.root.resolve() not in path.parents:
            raise InputError(f"photo path {rel!r} is outside the photo folder", message_id="reports.photo_path")
        return path

    def discard(self, rel: str | None) -> None:
        """Delete a stored photo (nothing for None or a file already gone)."""
        if rel:
            self.path(rel).unlink(missing_ok=True)
