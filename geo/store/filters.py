"""Filters on reports (the web API, the OGC collections and the CLI share them)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import sqlalchemy as sa

from geo.bbox import parse_bbox
from geo.engine.verdict import VERDICT_STATUSES
from geo.errors import InputError
from geo.layers.places import RegencyNames
from geo.rules.model import CATEGORIES
from geo.store.current import current_verdict_status
from geo.store.inputs import parse_time
from geo.store.models import Report
from geo.store.workflow import WORKFLOW_STATUSES

VERDICTS = VERDICT_STATUSES   # the one list, the engine's
TRUE, FALSE = ("true", "1", "yes", "ya"), ("false", "0", "no", "tidak")


@dataclass(frozen=True)
class ReportFilter:
    """Which reports to select; empty fields select everything (a tuple matches any of its values)."""

    regency: tuple[str, ...] = ()      # Kemendagri codes ("32.12") or names, any of them
    category: tuple[str, ...] = ()     # category of the site that explains the verdict
    status: tuple[str, ...] = ()       # workflow statuses
    verdict: tuple[str, ...] = ()      # verdict statuses at submission
    current_verdict: tuple[str, ...] = ()  # statuses of the newest judgement (a recheck's, else the submission's)
    overdue: bool | None = None        # notified and past the deadline (False: not overdue)
    since: dt.datetime | None = None   # reported_at >= since
    until: dt.datetime | None = None   # reported_at <= until
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    ids: tuple[str, ...] = field(default=())

    @classmethod
    def from_params(cls, params: Mapping[str, str], regencies: RegencyNames | None = None) -> ReportFilter:
        """From query parameters: regency, category, status, verdict, current_verdict (comma
        lists), overdue, since, until (ISO dates or times), bbox (minlon,minlat,maxlon,maxlat).
        With ``regencies`` (the engine's ``regency_lookup``) each regency
        may be a code or a name ("Indramayu", "kab. indramayu", "Kota Bandung"), resolved to its
        code; an unknown or ambiguous one is an InputError with suggestions."""
        known = {"regency", "category", "status", "verdict", "current_verdict", "overdue", "since", "until", "bbox"}
        get = {k: params.get(k) for k in known}
        regency = _list(get["regency"])
        return cls(
            regency=regencies.resolve_all(regency) if regencies is not None else regency,
            category=_choices(get["category"], "category", CATEGORIES),
            status=_choices(get["status"], "status", WORKFLOW_STATUSES),
            verdict=_choices(get["verdict"], "verdict", VERDICTS),
            current_verdict=_choices(get["current_verdict"], "current_verdict", VERDICTS),
            overdue=parse_bool(get["overdue"], "overdue"),
            since=parse_time(get["since"], "since"),
            until=parse_time(get["until"], "until", end_of_day=True),
            bbox=parse_bbox(get["bbox"]),
        )

    def but(self, **changes) -> ReportFilter:
        """A copy of this filter with ``changes`` (field=value) applied."""
        return replace(self, **changes)

    def clauses(self, now: dt.datetime) -> list[sa.ColumnElement[bool]]:
        """The SQL conditions on :class:`Report` (to AND together); ``now`` decides what is overdue."""
        r = Report
        out = []
        if self.regency:
            lowered = [v.lower() for v in self.regency]
            out.append(sa.or_(r.regency_code.in_(self.regency), sa.func.lower(r.regency_name).in_(lowered)))
        if self.category:
            out.append(r.category.in_(self.category))
        if self.status:
            out.append(r.status.in_(self.status))
        if self.verdict:
            out.append(r.verdict_status.in_(self.verdict))
        if self.current_verdict:
            out.append(current_verdict_status().in_(self.current_verdict))
        overdue = sa.and_(r.status == "notified", r.deadline < now)
        if self.overdue is True:
            out.append(overdue)
        elif self.overdue is False:
            out.append(sa.not_(overdue))
        if self.since:
            out.append(r.reported_at >= self.since)
        if self.until:
            out.append(r.reported_at <= self.until)
        if self.bbox:
            west, south, east, north = self.bbox
            lon = r.lon.between(west, east) if west <= east else sa.or_(r.lon >= west, r.lon <= east)
            out.append(sa.and_(lon, r.lat.between(south, north)))
        if self.ids:
            out.append(r.id.in_(self.ids))
        return out


def _list(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    return tuple(v.strip() for v in str(raw).split(",") if v.strip())


def _choices(raw, name: str, allowed) -> tuple[str, ...]:
    values = _list(raw)
    for value in values:
        if value not in allowed:
            raise InputError(f"{name}={value!r} is not one of {', '.join(allowed)}", message_id="params.not_one_of",
                             message_values={"name": name, "value": value[:80], "allowed": ", ".join(allowed)},
                             parameter=name)
    return values


def parse_bool(raw: object, name: str) -> bool | None:
    """A yes/no query parameter (true/1/yes/ya, false/0/no/tidak); None when absent or empty."""
    if raw is None or raw == "":
        return None
    text = str(raw).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise InputError(f"{name}={raw!r} is not true or false", message_id="params.not_bool",
                     message_values={"name": name, "value": str(raw)[:80]}, parameter=name)


