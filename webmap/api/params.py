"""Reading query parameters with errors that say what to fix."""
from __future__ import annotations

import datetime as dt
import math

from flask import request

from geo import InputError


def number(name: str, *, low: float | None = None, high: float | None = None, required: bool = False,
           default: float | None = None, aliases: tuple[str, ...] = ()) -> float | None:
    """The number in query parameter ``name`` (or an alias; a decimal comma is read too), within
    ``low``..``high``; ``default`` when absent. A 400 when required and absent, not a number or out of range."""
    args = request.args
    raw = next((value for value in map(args.get, (name, *aliases)) if value not in (None, "")), None)
    if raw is None:
        if required:
            raise InputError(f"query parameter {name!r} is required", message_id="params.required",
                             message_values={"name": name}, parameter=name)
        return default
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise InputError(f"{name}={raw!r} is not a number", message_id="params.not_number",
                         message_values={"name": name, "value": raw[:40]}, parameter=name) from None
    if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
        raise InputError(f"{name}={raw} is outside {low:g}..{high:g}", message_id="params.out_of_range",
                         message_values={"name": name, "value": raw[:40], "low": f"{low:g}", "high": f"{high:g}"},
                         parameter=name)
    return value


def date(name: str) -> dt.date | None:
    """The date (YYYY-MM-DD, or the date part of a timestamp) in query parameter ``name``; None when absent."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        raise InputError(f"{name}={raw!r} is not a date; use YYYY-MM-DD", message_id="params.not_date",
                         message_values={"name": name, "value": raw[:40]}, parameter=name) from None
