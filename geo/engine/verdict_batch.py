"""Columnar verdicts of a batch: numpy arrays, turned into :class:`Verdict` objects or a table
only when asked for.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pyarrow as pa

from geo.engine.verdict import CoverageNote, Hit, Regency, Verdict
from geo.rules.model import CATEGORIES

if TYPE_CHECKING:
    import pandas as pd

    from geo.engine.allowed import AllowedIndex
    from geo.layers.coverage import Coverage
    from geo.rules import Rules


class VerdictSource(Protocol):
    """What columnar verdicts read from the engine that made them (an :class:`~geo.engine.Engine`):
    its tables by regency, site and category, and its versions."""

    rules: Rules
    regency_codes: np.ndarray
    regency_names: np.ndarray
    regency_epsg: np.ndarray
    buffers: np.ndarray            # metres by regency x category
    required: np.ndarray           # bool by regency x category: needed complete for an "ok"
    coverage: Coverage
    site_ids: pa.Array
    site_names: pa.Array
    site_category: np.ndarray
    allowed: AllowedIndex
    texts: dict
    layers_version: str
    rules_version: str

    def point_buffers(self, regency: np.ndarray, category: np.ndarray, other: np.ndarray | None) -> np.ndarray:
        """Metres per point: the rule of its regency, or the stricter of two overlapping ones."""
        ...


_EMPTY_I = np.empty(0, dtype="int64")
_EMPTY_F = np.empty(0, dtype="float64")
_TEXT = ("nearest_site", "nearest_category", "legal_basis")
_PATCHED = ("violations", "nearest_distance_m", "buffer_m", *_TEXT)
_STATUS = np.array(["ok", "violation", "outside_period", "outside_area", "incomplete"], dtype=object)
_STATUS_ARROW = pa.array(_STATUS, type=pa.string())
# the missing categories of a point as a bit mask (bit j: CATEGORIES[j]) -> their keys joined by ";"
_MISSING_TEXT = pa.array([";".join(c for j, c in enumerate(CATEGORIES) if mask >> j & 1) or None
                          for mask in range(1 << len(CATEGORIES))], type=pa.string())
_BITS = (1 << np.arange(len(CATEGORIES))).astype("int64")


@dataclass
class VerdictBatch:
    """Verdicts of many points as arrays, made by :meth:`Engine.check_many`."""

    engine: VerdictSource
    lon: np.ndarray
    lat: np.ndarray
    regency: np.ndarray            # index into engine.regency_codes, -1 outside every regency
    day: np.ndarray | None         # datetime64[D] per point, NaT for unknown
    in_period: np.ndarray          # bool
    accuracy: np.ndarray | None    # metres
    hit_point: np.ndarray          # hits sorted by point, then distance
    hit_site: np.ndarray
    hit_distance: np.ndarray
    hit_buffer: np.ndarray
    nearest_site: np.ndarray       # -1 where there is no site at all
    nearest_distance: np.ndarray
    margin: np.ndarray             # metres from the nearest zone edge (NaN when none in reach)
    # allowed-zones regencies (geo.engine.allowed.AllowedIndex.check): outside every allowed zone, the
    # nearest zone, metres beyond its edge (negative inside); None when no regency is in that mode
    allowed: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    # bool by point x category: the category's data complete within its distance (plus the GPS
    # accuracy) of the point; None: not computed (every category counts as complete)
    complete: np.ndarray | None = None
    snapped: np.ndarray | None = None   # bool: in no regency, given the nearest within the snap distance
    also_in: np.ndarray | None = None   # a second regency whose polygon holds the point (-1 none)

    @classmethod
    def assemble(cls, engine, lons, lats, regency, days, in_period, accuracy, pairs, allowed=None,
                 complete=None, snapped=None, also_in=None) -> VerdictBatch:
        """A batch from the engine's candidate (point, site, distance) pairs: hits are the pairs within the
        buffer, sorted by point then distance; the nearest site and the margin to the nearest zone edge per point."""
        n = len(lons)
        cand = [p for p, _ in pairs]
        lonely = [q for _, q in pairs]
        c_point, c_site, c_dist = (np.concatenate([c[i] for c in cand]) if cand else e
                                   for i, e in enumerate((_EMPTY_I, _EMPTY_I, _EMPTY_F)))
        c_buffer = engine.point_buffers(regency[c_point], engine.site_category[c_site],
                                        None if also_in is None else also_in[c_point])
        order = np.lexsort((c_site, c_dist, c_point))  # equally close: the first site of the layers
        c_point, c_site, c_dist, c_buffer = c_point[order], c_site[order], c_dist[order], c_buffer[order]

        starts = np.ones(len(c_point), dtype=bool)   # where each point's pairs start
        np.not_equal(c_point[1:], c_point[:-1], out=starts[1:])
        first = np.flatnonzero(starts)
        nearest_site = np.full(n, -1, dtype="int64")
        nearest_distance = np.full(n, np.nan)
        nearest_site[c_point[first]] = c_site[first]
        nearest_distance[c_point[first]] = c_dist[first]
        for point, site, dist in lonely:
            nearest_site[point] = site
            nearest_distance[point] = dist

        margin = np.full(n, np.nan)  # metres from the nearest zone edge
        if len(first):
            margin[c_point[first]] = np.minimum.reduceat(np.abs(c_dist - c_buffer), first)
        if allowed is not None:
            margin = np.fmin(margin, np.abs(allowed[2]))  # fmin: NaN where neither applies

        hit = c_dist <= c_buffer
        return cls(engine, lons, lats, regency, days, in_period, accuracy,
                   c_point[hit], c_site[hit], c_dist[hit], c_buffer[hit],
                   nearest_site, nearest_distance, margin, allowed, complete, snapped, also_in)

    def __len__(self) -> int:
        return len(self.lon)

    @cached_property
    def hit_count(self) -> np.ndarray:
        """The number of sites in range of each point."""
        return np.bincount(self.hit_point, minlength=len(self)).astype("int64")

    @cached_property
    def uncertain(self) -> np.ndarray:
        """Points whose GPS accuracy (metres) exceeds their margin to the nearest zone edge: the verdict may flip."""
        if self.accuracy is None:
            return np.zeros(len(self), dtype=bool)
        return self.accuracy > self.margin  # NaN margin compares False

    @cached_property
    def outside_allowed(self) -> np.ndarray:
        """In an allowed-zones regency and outside every allowed zone (a violation by itself)."""
        return np.zeros(len(self), dtype=bool) if self.allowed is None else self.allowed[0]

    @cached_property
    def missing(self) -> np.ndarray:
        """Bool by point x category: required at the point's regency and not complete there (none
        outside every regency)."""
        n = len(self)
        if self.complete is None:
            return np.zeros((n, len(CATEGORIES)), dtype=bool)
        located = self.regency >= 0
        required = self.engine.required[np.maximum(self.regency, 0)]
        if self.also_in is not None and (self.also_in >= 0).any():  # overlapping regencies: both rules
            required = required | (self.engine.required[np.maximum(self.also_in, 0)] & (self.also_in >= 0)[:, None])
        required = required & located[:, None]
        return required & ~self.complete

    @cached_property
    def status(self) -> np.ndarray:
        """The status of each point, one of :data:`~geo.engine.verdict.VERDICT_STATUSES`."""
        return _STATUS[self._status_codes()]

    def _status_codes(self) -> np.ndarray:
        """Index into :data:`_STATUS` per point."""
        found = (self.hit_count > 0) | self.outside_allowed
        out = found.astype("int8")
        out[~found & self.missing.any(axis=1)] = 4
        out[~self.in_period] = 2
        out[self.regency < 0] = 3
        return out

    def verdict(self, i: int) -> Verdict:
        """The :class:`Verdict` of point ``i``, as :meth:`Engine.check` would return it."""
        e = self.engine
        lo, hi = (0, len(self.hit_point)) if len(self) == 1 else np.searchsorted(self.hit_point, [i, i + 1])
        hits = [self._hit(s, d, b) for s, d, b in zip(self.hit_site[lo:hi].tolist(), self.hit_distance[lo:hi].tolist(),
                                                     self.hit_buffer[lo:hi].tolist())]
        reg = int(self.regency[i])
        code = e.regency_codes[reg] if reg >= 0 else None
        if self.outside_allowed[i]:
            hits.insert(0, self._allowed_hit(i))
        nearest = None
        if self.nearest_site[i] >= 0:
            site = int(self.nearest_site[i])
            nearest = self._hit(site, float(self.nearest_distance[i]),
                                e.rules.buffer_m(code, CATEGORIES[e.site_category[site]]))
        day = None if self.day is None or np.isnat(self.day[i]) else self.day[i].astype("datetime64[D]").item()
        margin = float(self.margin[i]) if np.isfinite(self.margin[i]) else None
        snapped = bool(self.snapped[i]) if self.snapped is not None else False
        other = int(self.also_in[i]) if self.also_in is not None else -1
        return Verdict(
            lon=float(self.lon[i]), lat=float(self.lat[i]), status=str(self.status[i]),
            regency=Regency(str(code), str(e.regency_names[reg]), snapped) if reg >= 0 else None,
            hits=hits, nearest=nearest, at=day,
            period=e.rules.period_at(code, day) if day else None,
            accuracy_m=None if self.accuracy is None else float(self.accuracy[i]),
            margin_m=None if margin is None else round(margin, 2),
            uncertain=bool(self.uncertain[i]),
            crs=f"EPSG:{e.regency_epsg[reg]}" if reg >= 0 else None,
            rules_version=e.rules_version, layers_version=e.layers_version,
            coverage=self._coverage_note(i),
            also_in=Regency(str(e.regency_codes[other]), str(e.regency_names[other])) if other >= 0 else None)

    def _coverage_note(self, i: int) -> CoverageNote:
        """What point ``i`` could be checked against: complete categories, missing required ones, sources."""
        reg = int(self.regency[i])
        if reg < 0 or self.complete is None:
            return CoverageNote()
        e = self.engine
        complete = [c for j, c in enumerate(CATEGORIES) if self.complete[i, j]]
        missing = [c for j, c in enumerate(CATEGORIES) if self.missing[i, j]]
        extra = 0.0 if self.accuracy is None else float(self.accuracy[i])
        radius = {c: float(e.buffers[reg, j]) + extra for j, c in enumerate(CATEGORIES)}
        sources = e.coverage.sources_at(float(self.lon[i]), float(self.lat[i]), str(e.regency_codes[reg]),
                                        complete, radius, int(e.regency_epsg[reg]))
        return CoverageNote(complete, missing, [
            {"categories": [c for c in s.categories if c in complete], "source": s.source,
             "as_of": s.as_of.isoformat() if s.as_of else None} for s in sources])

    def verdicts(self):
        """The :class:`Verdict` of every point, in order."""
        for i in range(len(self)):
            yield self.verdict(i)

    def _hit(self, site: int, distance: float, buffer: float) -> Hit:
        e = self.engine
        category = CATEGORIES[e.site_category[site]]
        rule = e.rules.category(category)
        return Hit(site_id=e.site_ids[site].as_py(), name=e.site_names[site].as_py(), category=category,
                   category_label=rule.label, distance_m=round(distance, 2), buffer_m=buffer,
                   legal_basis=rule.legal_basis)

    def _allowed_hit(self, i: int) -> Hit:
        zones = self.engine.allowed.regency(int(self.regency[i]))
        # called only for points outside_allowed: their regency has zones and the batch their check
        assert zones is not None and self.allowed is not None
        zone = zones.frame.iloc[int(self.allowed[1][i])]
        radius = float(zone["radius_m"])
        return Hit(site_id=str(zone["zone_id"]), name=str(zone["name"]), category="allowed_zone",
                   category_label=zones.label, distance_m=round(float(self.allowed[2][i]) + radius, 2),
                   buffer_m=radius, legal_basis=zones.legal_basis, kind="outside_allowed_zone")

    def _allowed_columns(self, columns: dict) -> dict:
        """Table columns where a point is outside every allowed zone: that rule explains it."""
        rows = np.flatnonzero(self.outside_allowed)
        if not len(rows):
            return columns
        hits = [self._allowed_hit(int(i)) for i in rows]
        columns = {k: np.array(v, dtype=object if k in _TEXT else None) for k, v in columns.items()}
        columns["violations"] = columns["violations"] + self.outside_allowed
        for name, value in (("nearest_site", "name"), ("nearest_category", "category"),
                            ("nearest_distance_m", "distance_m"), ("buffer_m", "buffer_m"),
                            ("legal_basis", "legal_basis")):
            columns[name][rows] = [getattr(h, value) for h in hits]
        return columns

    def _primary(self):
        """Per point: the site that explains the verdict (the closest hit, else the nearest site;
        -1 for none), its distance, its category index (-1) and the regency's limit for it."""
        e = self.engine
        n = len(self)
        counts = self.hit_count
        first = np.searchsorted(self.hit_point, np.arange(n))
        has_hit = counts > 0
        site = np.where(has_hit, self.hit_site[np.minimum(first, max(len(self.hit_site) - 1, 0))]
                        if len(self.hit_site) else -1, self.nearest_site)
        dist = np.where(has_hit, self.hit_distance[np.minimum(first, max(len(self.hit_distance) - 1, 0))]
                        if len(self.hit_distance) else np.nan, self.nearest_distance)
        known = site >= 0
        reg = self.regency
        cat = np.where(known, e.site_category[np.maximum(site, 0)], -1)
        buffer = np.full(n, np.nan)
        ok = known & (reg >= 0)
        buffer[ok] = e.point_buffers(reg[ok], cat[ok], None if self.also_in is None else self.also_in[ok])
        return counts, site, dist, cat, buffer

    def table(self) -> pd.DataFrame:
        """One row per point: status, regency, hit count and the site that explains the verdict
        (the closest hit, else the nearest site) with its distance, rule and legal basis."""
        import pandas as pd

        e = self.engine
        counts, site, dist, cat, buffer = self._primary()
        known = site >= 0
        reg = self.regency
        cat_keys = np.array(CATEGORIES + ("",), dtype=object)
        bases = np.array([e.rules.category(c).legal_basis for c in CATEGORIES] + [""], dtype=object)
        return pd.DataFrame(self._allowed_columns({
            "status": self.status,
            "regency_code": np.where(reg >= 0, e.regency_codes[np.maximum(reg, 0)], ""),
            "regency": np.where(reg >= 0, e.regency_names[np.maximum(reg, 0)], ""),
            "violations": counts,
            "nearest_site": np.where(known, e.site_names.take(np.maximum(site, 0)).to_numpy(zero_copy_only=False), ""),
            "nearest_category": cat_keys[cat],
            "nearest_distance_m": np.round(dist, 2),
            "buffer_m": buffer,
            "legal_basis": bases[cat],
            "missing_categories": np.array(_MISSING_TEXT.to_pylist(), dtype=object)[self._missing_bits()],
            "uncertain": self.uncertain,
        }))

    def _missing_bits(self) -> np.ndarray:
        """The missing categories of each point as a bit mask (bit j: ``CATEGORIES[j]``)."""
        return self.missing.astype("int64") @ _BITS

    def arrow(self) -> pa.Table:
        """:meth:`table` as an Arrow table, built by index lookups into the engine's texts (fast
        for millions of points); text columns are null, not empty, where there is no regency or
        site. (Not dictionary arrays: the CSV writer would decode them, at a higher cost.)"""
        e = self.engine
        counts, site, dist, cat, buffer = self._primary()
        reg = self.regency

        def take(name, index):
            return e.texts[name].take(pa.array(index, mask=index < 0))

        columns = {
            "status": _STATUS_ARROW.take(pa.array(self._status_codes())),
            "regency_code": take("regency_code", reg),
            "regency": take("regency", reg),
            "violations": pa.array(counts),
            "nearest_site": take("nearest_site", site),
            "nearest_category": take("nearest_category", cat),
            "nearest_distance_m": pa.array(np.round(dist, 2), from_pandas=True),
            "buffer_m": pa.array(buffer, from_pandas=True),
            "legal_basis": take("legal_basis", cat),
            "missing_categories": _MISSING_TEXT.take(pa.array(self._missing_bits())),
            "uncertain": pa.array(self.uncertain),
        }
        if self.outside_allowed.any():
            patched = self._allowed_columns({k: columns[k].to_numpy(zero_copy_only=False) for k in _PATCHED})
            columns.update({k: pa.array(v, type=columns[k].type, from_pandas=True) for k, v in patched.items()})
        return pa.table(columns)
