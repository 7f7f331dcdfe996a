"""A verdict in words, from the message catalog."""
from __future__ import annotations

from geo.engine.verdict import Hit, Verdict
from geo.i18n import Catalog


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value < 100 else f"{value:.0f}"


def _hit_values(hit: Hit, catalog: Catalog, lang: str | None, rules) -> dict:
    category = rules.category(hit.category)
    label = category.label_en if catalog.language(lang) == "en" and category.label_en else category.label
    return {"distance": _num(hit.distance_m), "buffer": _num(hit.buffer_m), "category": label,
            "name": hit.name or catalog.get("verdict.unnamed", lang), "basis": hit.legal_basis}


def describe(verdict: Verdict, rules, catalog: Catalog, lang: str | None = None) -> list[str]:
    """Lines that explain a verdict: headline first, then why."""
    lines = [catalog.get(f"status.{verdict.status}", lang)]
    if verdict.regency:
        lines.append(catalog.get("verdict.regency", lang, name=verdict.regency.name, code=verdict.regency.code))
    if verdict.status == "outside_area":
        lines.append(catalog.get("verdict.outside_area", lang))
        return lines
    if verdict.status == "outside_period":
        assert verdict.at is not None  # a point is outside the period only on a known day
        lines.append(catalog.get("verdict.outside_period", lang, date=verdict.at.isoformat()))
    for hit in verdict.hits:
        if hit.kind == "outside_allowed_zone":
            lines.append(catalog.get("verdict.outside_allowed", lang, distance=_num(hit.distance_m - hit.buffer_m),
                                     name=hit.name or catalog.get("verdict.unnamed", lang),
                                     basis=hit.legal_basis or "-"))
            continue
        lines.append(catalog.get("verdict.hit", lang, **_hit_values(hit, catalog, lang, rules)))
    if not verdict.hits:
        lines.append(catalog.get("verdict.ok", lang))
        if verdict.nearest:
            lines.append(catalog.get("verdict.nearest", lang, **_hit_values(verdict.nearest, catalog, lang, rules)))
        else:
            lines.append(catalog.get("verdict.no_sites", lang))
    if verdict.uncertain:
        assert verdict.accuracy_m is not None and verdict.margin_m is not None  # uncertain compares them
        lines.append(catalog.get("verdict.uncertain", lang, accuracy=_num(verdict.accuracy_m),
                                 margin=_num(verdict.margin_m)))
    return lines
