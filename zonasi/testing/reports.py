"""Report bodies, spots and photos for the store, reports-API, auth and reliability tests."""
from __future__ import annotations

import io

import numpy as np
import shapely
from PIL import Image

IN_CAMPAIGN = "2024-01-10T09:00:00+07:00"   # Pemilu 2024 campaign period
VIOLATION = (108.32, -6.33)                 # 11 m from SMAN 1 Sindang, Indramayu (32.12)
ALLOWED = (108.33, -6.40)                   # Indramayu, about 1 km from the nearest school


def report(lonlat=VIOLATION, **extra) -> dict:
    """A valid report body at ``lonlat`` (a violation by default), ``extra`` fields added or replaced."""
    lon, lat = lonlat
    return {"apk_type": "baliho", "participant": "Partai Contoh", "lon": lon, "lat": lat,
            "accuracy_m": 5, "reporter": "Ani (Panwascam Sindang)", "reported_at": IN_CAMPAIGN, **extra}


def violation_in(engine, regency_code: str) -> tuple[float, float]:
    """A point on a site of ``regency_code`` (distance 0: a violation there)."""
    sites = engine.layers.sites
    points = sites[shapely.get_type_id(sites.geometry.values) == 0]
    lons, lats = shapely.get_x(points.geometry.values), shapely.get_y(points.geometry.values)
    batch = engine.check_many(lons, lats)
    codes = np.where(batch.regency >= 0, engine.regency_codes[np.maximum(batch.regency, 0)], "")
    i = int(np.flatnonzero(codes == regency_code)[0])
    return float(lons[i]), float(lats[i])


def photo(fmt: str = "JPEG", lonlat: tuple[float, float] | None = None, accuracy: float | None = None,
          size=(32, 24)) -> bytes:
    """A small real image, with EXIF GPS tags when ``lonlat`` is given."""
    image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    if lonlat is None:
        image.save(buffer, fmt)
        return buffer.getvalue()
    lon, lat = lonlat
    exif = Image.Exif()
    gps = {1: "S" if lat < 0 else "N", 2: _dms(abs(lat)), 3: "W" if lon < 0 else "E", 4: _dms(abs(lon))}
    if accuracy is not None:
        gps[31] = float(accuracy)
    exif[0x8825] = gps
    image.save(buffer, fmt, exif=exif)
    return buffer.getvalue()


def _dms(value: float):
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return (float(d), float(m), round(s, 6))
