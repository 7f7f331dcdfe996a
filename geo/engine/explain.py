"""A verdict in words, from the message catalog."""
from __future__ import annotations

from geo.engine.verdict import Hit, Verdict
from geo.i18n import Catalog
from geo.numformat import format_distance, format_metres


def _hit_values(hit: Hit, catalog: Catalog, lang: str | None, rules) -> dict:
    language = catalog.language(lang)
    category = rules.category(hit.category)
    label = category.label_en if language == "en" and category.label_en else category.label
    return {"distance": format_distance(hit.distance_m, language), "buffer": format_metres(hit.buffer_m, language),
            "category": label, "name": hit.name or catalog.get("verdict.unnamed", lang), "basis": hit.legal_basis}


def headline(verdict: Verdict, catalog: Catalog, lang: str | None = None) -> str:
    """The first word on a verdict: its status, except that a verdict the GPS accuracy could
    overturn is "not certain" rather than a red "forbidden" or a green "allowed"."""
    if verdict.uncertain and verdict.status in ("ok", "violation"):
        return catalog.get("status.uncertain", lang)
    return catalog.get(f"status.{verdict.status}", lang)


def category_labels(categories, rules, catalog: Catalog, lang: str | None = None) -> str:
    """Category keys as their labels in the caller's language, joined ("a, b dan c")."""
    english = catalog.language(lang) == "en"
    labels = [(rules.category(c).label_en if english and rules.category(c).label_en else rules.category(c).label)
              for c in categories]
    labels = [labels[0]] + [label[:1].lower() + label[1:] for label in labels[1:]] if labels else []
    if len(labels) < 2:
        return "".join(labels)
    return ", ".join(labels[:-1]) + catalog.get("verdict.list_and", lang) + labels[-1]


def _coverage_lines(verdict: Verdict, rules, catalog: Catalog, lang: str | None) -> list[str]:
    note = verdict.coverage
    if note is None or verdict.regency is None:
        return []
    lines = []
    if note.missing and verdict.status == "incomplete":
        lines.append(catalog.get("verdict.incomplete", lang,
                                 categories=category_labels(note.missing, rules, catalog, lang).lower()))
    if note.complete:
        sources = "; ".join(catalog.get("verdict.source", lang, source=s["source"], as_of=s["as_of"]) if s.get("as_of")
                            else catalog.get("verdict.source_undated", lang, source=s["source"])
                            for s in note.sources)
        checked = category_labels(note.complete, rules, catalog, lang)
        lines.append(catalog.get("verdict.checked", lang, categories=checked, sources=sources or "-"))
    if note.missing and verdict.status != "incomplete":
        lines.append(catalog.get("verdict.not_checked", lang,
                                 categories=category_labels(note.missing, rules, catalog, lang).lower()))
    return lines


def long_date(day, catalog: Catalog, lang: str | None = None) -> str:
    """A date in words: "6 Desember 2026" / "6 December 2026"."""
    months = catalog.get("date.months", lang).split(",")
    return f"{day.day} {months[day.month - 1].strip()} {day.year}"


def date_lines(verdict: Verdict, rules, catalog: Catalog, lang: str | None = None) -> list[str]:
    """The date judged (with its zone, WIB/WITA/WIT) and the campaign period in force that day,
    or plainly that none is; nothing for a verdict judged without a date."""
    if verdict.at is None:
        return []
    zone = f" ({verdict.timezone})" if verdict.timezone else ""
    date = long_date(verdict.at, catalog, lang) + zone
    if not verdict.period:
        return [catalog.get("verdict.no_period", lang, date=date)]
    code = verdict.regency.code if verdict.regency else None
    period = rules.periods(code).get(verdict.period) or rules.periods(None).get(verdict.period)
    if period is None:  # a stored verdict whose period the rules no longer hold
        return [catalog.get("verdict.judged_on", lang, date=date)]
    return [catalog.get("verdict.judged_on", lang, date=date),
            catalog.get("verdict.period", lang, label=period.label_en if lang == "en" and period.label_en
                        else period.label, start=long_date(period.start, catalog, lang),
                        end=long_date(period.end, catalog, lang))]


def describe(verdict: Verdict, rules, catalog: Catalog, lang: str | None = None) -> list[str]:
    """Lines that explain a verdict: headline first, then why, then what could and could not be checked."""
    lines = [headline(verdict, catalog, lang)]
    if verdict.regency:
        lines.append(catalog.get("verdict.regency", lang, name=verdict.regency.name, code=verdict.regency.code))
        if verdict.regency.snapped:
            lines.append(catalog.get("verdict.snapped", lang))
    if verdict.also_in:
        lines.append(catalog.get("verdict.also_in", lang, name=verdict.also_in.name, code=verdict.also_in.code))
    if verdict.status == "outside_area":
        lines.append(catalog.get("verdict.outside_area", lang))
        return lines
    lines += date_lines(verdict, rules, catalog, lang)
    if verdict.status == "outside_period":
        assert verdict.at is not None  # a point is outside the period only on a known day
        lines.append(catalog.get("verdict.outside_period_rule", lang))
    for hit in verdict.hits:
        if hit.kind == "outside_allowed_zone":
            lines.append(catalog.get("verdict.outside_allowed_at", lang,
                                     distance=format_distance(hit.distance_m - hit.buffer_m, catalog.language(lang)),
                                     name=hit.name or catalog.get("verdict.unnamed", lang),
                                     basis=hit.legal_basis or "-"))
            continue
        lines.append(catalog.get("verdict.hit_at", lang, **_hit_values(hit, catalog, lang, rules)))
    if not verdict.hits:
        lines.append(catalog.get("verdict.ok" if verdict.status == "ok" else "verdict.none_loaded", lang))
        if verdict.nearest:
            lines.append(catalog.get("verdict.nearest_at", lang, **_hit_values(verdict.nearest, catalog, lang, rules)))
        else:
            lines.append(catalog.get("verdict.no_sites", lang))
    lines += _coverage_lines(verdict, rules, catalog, lang)
    if verdict.uncertain:
        assert verdict.accuracy_m is not None and verdict.margin_m is not None  # uncertain compares them
        language = catalog.language(lang)
        lines.append(catalog.get("verdict.uncertain", lang, accuracy=format_metres(verdict.accuracy_m, language),
                                 margin=format_metres(verdict.margin_m, language)))
    return lines
