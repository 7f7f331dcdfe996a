"""The one parser of bounding boxes, for every part of zonasi (OGC ``bbox``, report filters,
exclusion zones, the command line): ``west,south,east,north`` in lon/lat degrees, or the 6-number
3D form whose heights are dropped, as text or as a sequence.

    parse_bbox("108.2,-6.4,108.4,-6.2")          # (108.2, -6.4, 108.4, -6.2)
    parse_bbox("")                               # None: no bbox given
    parse_bbox("179,-10,-179,10")                # crosses the antimeridian (OGC allows it)
    parse_bbox("179,-10,-179,10", antimeridian=False)   # InputError: west must be below east

Errors are :class:`~geo.errors.InputError` on parameter ``bbox`` that say what to fix.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from geo.errors import InputError

BBox = tuple[float, float, float, float]
FORM = "west,south,east,north in degrees (e.g. 108.2,-6.4,108.4,-6.2)"


def parse_bbox(raw: str | Sequence | None, *, antimeridian: bool = True) -> BBox | None:
    """The box of ``raw``, None when it is empty. With ``antimeridian`` (the OGC rule) west may
    exceed east: the box crosses the 180th meridian; without, it is an error."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    parts = list(raw) if isinstance(raw, (list, tuple)) else str(raw).split(",")
    try:
        values = [float(str(p).strip()) for p in parts]
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"bbox={_shown(raw)} must be 4 numbers: {FORM}", message_id="bbox.four_numbers",
                         message_values={"value": _shown(raw)}, parameter="bbox") from None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InputError(f"bbox={_shown(raw)} must be 4 numbers: {FORM}", message_id="bbox.four_numbers",
                         message_values={"value": _shown(raw)}, parameter="bbox")
    west, south, east, north = values
    for name, value, limit in (("west", west, 180), ("east", east, 180), ("south", south, 90), ("north", north, 90)):
        if abs(value) > limit:
            raise InputError(f"bbox {name} {value:g} is outside -{limit}..{limit}", message_id=f"bbox.{name}_range",
                             message_values={"value": f"{value:g}", "limit": limit}, parameter="bbox")
    if south > north:
        raise InputError(f"bbox south {south:g} is north of north {north:g}", message_id="bbox.south_north",
                         message_values={"south": f"{south:g}", "north": f"{north:g}"}, parameter="bbox")
    if west > east and not antimeridian:
        raise InputError(f"bbox west {west:g} is east of east {east:g}: need west < east", message_id="bbox.west_east",
                         message_values={"west": f"{west:g}", "east": f"{east:g}"}, parameter="bbox")
    return west, south, east, north


def _shown(raw) -> str:
    text = repr(raw)
    return text if len(text) <= 80 else text[:77] + "..."
