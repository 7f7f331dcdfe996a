"""Numbers and distances in the user's language, the same rule as ``zonasi.formatNumber`` and
``zonasi.formatDistance`` in webmap/static/zonasi/common.js (tests/data/number_format_cases.json
holds the cases both are tested on).

Indonesian writes a decimal comma and a thousands dot ("1.234,5"), English the reverse
("1,234.5"). A value is rounded half away from zero on its shortest decimal form (``repr``, which
is JavaScript's too), so 22.15 is "22,2" here and in the browser alike; trailing zeros go.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

KM_FROM_M = 999.5  # from here on a distance reads in km (it would round to "1.000 m")
_SWAP_MARKS = str.maketrans(",.", ".,")  # English marks -> Indonesian


def format_number(value: float, lang: str | None = "id", digits: int = 1) -> str:
    """``value`` with at most ``digits`` decimals, grouped by thousands, in ``lang``'s marks."""
    exact = Decimal(repr(float(value)))
    rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{rounded:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = "-0"
    if lang == "en":
        return text
    return text.translate(_SWAP_MARKS)


def format_metres(metres: float, lang: str | None = "id") -> str:
    """A length in metres without its unit: one decimal under 100 m, none from there on."""
    return format_number(metres, lang, 1 if abs(metres) < 100 else 0)


def format_distance(metres: float, lang: str | None = "id") -> str:
    """A distance with its unit: "22,1 m", "436 m", from 1,000 m on in km: "436,8 km"."""
    if abs(metres) >= KM_FROM_M:
        return format_number(metres / 1000, lang, 1) + " km"
    return format_metres(metres, lang) + " m"
