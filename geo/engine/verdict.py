"""What a check returns: a verdict per point, with every site in range and the nearest one."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from geo.clock import zone_label

# ok: no forbidden site in reach and every required category's data complete there;
# incomplete: no site found, but the data of a required category are not complete at the spot
VERDICT_STATUSES = ("ok", "violation", "incomplete", "outside_area", "outside_period")


@dataclass(frozen=True)
class Hit:
    """A site and how far the point is from it, under the rule of the point's regency."""

    site_id: str
    name: str
    category: str
    category_label: str
    distance_m: float
    buffer_m: float
    legal_basis: str
    # forbidden_site: within buffer_m of a forbidden site; outside_allowed_zone: in an
    # allowed-zones regency, distance_m from the nearest designated zone of radius buffer_m
    kind: str = "forbidden_site"

    @property
    def inside(self) -> bool:
        """Whether the point lies within the buffer of this site (the distance is at most ``buffer_m``)."""
        return self.distance_m <= self.buffer_m


@dataclass(frozen=True)
class Regency:
    """A regency (kabupaten/kota) by its Kemendagri code and name."""

    code: str
    name: str
    # the point lies in no regency but within the border snap distance of this one
    snapped: bool = False


@dataclass(frozen=True)
class CoverageNote:
    """What a verdict could check: the categories whose data are complete at the spot, the
    required ones that are not (why a verdict is ``incomplete``), and the sources declaring them."""

    complete: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)   # {"categories", "source", "as_of"}

    def to_dict(self) -> dict:
        """JSON-ready."""
        return {"complete": list(self.complete), "missing": list(self.missing),
                "sources": [dict(s) for s in self.sources]}


@dataclass(frozen=True)
class Verdict:
    """The verdict on one point: its status (:data:`VERDICT_STATUSES`), regency, sites in range, nearest site."""

    lon: float
    lat: float
    status: str
    regency: Regency | None
    hits: list[Hit] = field(default_factory=list)
    nearest: Hit | None = None
    at: dt.date | None = None
    period: str | None = None
    accuracy_m: float | None = None
    margin_m: float | None = None
    uncertain: bool = False
    crs: str | None = None
    rules_version: str = ""
    layers_version: str = ""
    coverage: CoverageNote | None = None
    also_in: Regency | None = None      # a second regency whose polygon holds the point (overlap)
    # the zone of the date judged (``at`` is the local date there): WIB, WITA or WIT, from the regency
    timezone: str | None = None

    def __post_init__(self):
        if self.timezone is None and self.at is not None and self.regency is not None:
            object.__setattr__(self, "timezone", zone_label(self.regency.code))

    @property
    def primary(self) -> Hit | None:
        """The site that explains the verdict: the closest hit, else the nearest site."""
        return self.hits[0] if self.hits else self.nearest

    def to_dict(self) -> dict:
        """As ``dataclasses.asdict`` (JSON-ready), without its deep copies: a fifth of a check's
        time in the web API."""
        out = dict(vars(self))
        out["regency"] = None if self.regency is None else dict(vars(self.regency))
        out["hits"] = [dict(vars(hit)) for hit in self.hits]
        out["nearest"] = None if self.nearest is None else dict(vars(self.nearest))
        out["at"] = self.at.isoformat() if self.at else None
        out["coverage"] = None if self.coverage is None else self.coverage.to_dict()
        out["also_in"] = None if self.also_in is None else dict(vars(self.also_in))
        return out
