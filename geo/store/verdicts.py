"""A verdict stored as JSON back into a :class:`~geo.engine.verdict.Verdict` (to explain it later)."""
from __future__ import annotations

import datetime as dt
from dataclasses import fields

from geo.engine.verdict import CoverageNote, Hit, Regency, Verdict


def stored_verdict(data: dict) -> Verdict:
    """The :class:`Verdict` of its stored JSON (``Verdict.to_dict()``); unknown keys are ignored."""
    hit_fields = {f.name for f in fields(Hit)}

    def hit(value):
        return Hit(**{k: v for k, v in value.items() if k in hit_fields}) if value else None

    known = {f.name for f in fields(Verdict)}
    values = {k: v for k, v in data.items() if k in known}
    regency_fields = {f.name for f in fields(Regency)}

    def regency(value):
        return Regency(**{k: v for k, v in value.items() if k in regency_fields}) if value else None

    values["regency"] = regency(data.get("regency"))
    values["also_in"] = regency(data.get("also_in"))
    cov = data.get("coverage")
    values["coverage"] = CoverageNote(list(cov.get("complete") or []), list(cov.get("missing") or []),
                                      list(cov.get("sources") or [])) if isinstance(cov, dict) else None
    values["hits"] = [hit(h) for h in data.get("hits") or []]
    values["nearest"] = hit(data.get("nearest"))
    values["at"] = dt.date.fromisoformat(data["at"]) if data.get("at") else None
    return Verdict(**values)
