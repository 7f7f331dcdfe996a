"""The engine: exact exclusion-zone verdicts in metres.

How a batch of points is judged, with no Python loop per point:

1. each point gets the regency containing it (an STRtree of regency polygons, ``intersects``);
2. points are grouped by the UTM zone of their regency; per zone, the sites near that zone are
   projected once and indexed in an STRtree (kept for later calls);
3. one ``dwithin`` query per zone, with a per-point radius: the largest distance of the point's
   regency (plus its GPS accuracy), scaled by the UTM point scale factor ``k`` (where a zone
   holds only point and line sites, a KD-tree of the points and of short pieces of the lines
   gives the same pairs and distances without GEOS geometries);
4. for the candidate pairs, the exact distance to the site's geometry (point, line, or polygon
   edge; 0 inside) is ``projected distance / k``: true metres to far better than 1 cm per 100 m;
   a pair is a hit when that distance is within the rule of the point's regency for the site's
   category. Buffers are never used to decide;
5. the nearest site is the closest candidate (of equally close ones, the first in the layers),
   or, for points with none in reach, a nearest neighbour query on the same tree.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.clock import zone_index
from geo.crs import Projector, utm_scale
from geo.engine.allowed import AllowedIndex
from geo.engine.days import local_days
from geo.engine.indexes import UtmZoneCache
from geo.engine.locator import RegencyLocator
from geo.engine.verdict_batch import VerdictBatch
from geo.errors import InputError
from geo.layers import cache
from geo.layers.coverage import no_coverage
from geo.layers.directory import Layers, category_index, load_layers
from geo.layers.places import RegencyNames
from geo.rules.model import CATEGORIES

# At most this many cells of the regency grid are classified when a server warms up (a few seconds)
GRID_WARM_CELLS = 300_000


class Engine:
    """Checks points against the exclusion zones of one layers directory and its rules."""

    def __init__(self, layers: Layers):
        self.layers = layers
        self.rules = layers.rules
        regencies = layers.regency_features
        self.regency_codes = regencies.column("code").astype(str)
        self.regency_names = regencies.column("name").astype(str)
        self._regency_index = {code: i for i, code in enumerate(self.regency_codes)}
        self.regency_timezone = zone_index(self.regency_codes)   # WIB, WITA, WIT: index into geo.clock.ZONES
        self.regency_epsg = regencies.column("epsg")
        self._locate = RegencyLocator(regencies.geometry, snap_m=self.rules.border_snap_m)
        self.load_regency_grid()   # the whole grid, when a server or a batch saved it for these layers
        self.buffers = self.rules.buffer_table(self.regency_codes)
        self._max_buffer = self.buffers.max(axis=1)
        self.required = np.array([[self.rules.required(code, c) for c in CATEGORIES] for code in self.regency_codes],
                                 dtype=bool).reshape(len(self.regency_codes), len(CATEGORIES))
        self.coverage = layers.coverage if layers.coverage is not None else no_coverage(
            regencies.column("code"), regencies.geometry)
        sites = layers.site_features
        # Arrow strings, not numpy: no Python object per site (a national layer holds millions)
        self.site_ids = _strings(sites.table.column("site_id"))
        self.site_names = _strings(sites.table.column("name"))
        self.site_category = category_index(sites.table.column("category"))
        self._projector = Projector()
        self._zones = UtmZoneCache(sites, self._projector,
                                   memo=self._saved_array if sites.cache_key == layers.version else None)
        self.allowed = AllowedIndex(layers.allowed, self._regency_index, self.regency_epsg, self._projector)

    @classmethod
    def from_directory(cls, directory: str | Path | None = None) -> Engine:
        """An engine on the layers of ``directory`` (default: the bundled layers)."""
        return cls(load_layers(directory))

    @cached_property
    def texts(self) -> dict:
        """The regency, site and rule texts that a batch's Arrow columns point into."""
        return {
            "regency_code": pa.array(self.regency_codes, type=pa.string()),
            "regency": pa.array(self.regency_names, type=pa.string()),
            "nearest_site": self.site_names,
            "nearest_category": pa.array(list(CATEGORIES), type=pa.string()),
            "legal_basis": pa.array([self.rules.category(c).legal_basis for c in CATEGORIES], type=pa.string()),
        }

    @property
    def rules_version(self) -> str:
        """The version (content hash) of the rules in force."""
        return self.rules.version

    @property
    def layers_version(self) -> str:
        """The version of the layers directory the engine was built from."""
        return self.layers.version

    @cached_property
    def regency_lookup(self) -> RegencyNames:
        """The regencies by code or name (filters, suggestions, the map's search), built on first use."""
        return RegencyNames(self.regency_codes, self.regency_names, self.layers.regency_features.geometry)

    def regency_index(self, code: str) -> int | None:
        """The index of regency ``code`` in :attr:`regency_codes`, or None for an unknown code."""
        return self._regency_index.get(code)

    def warm(self, around_sites: bool = True) -> None:
        """Build the lazily built indexes now: the sites of each UTM zone, the whole regency grid
        (once per layers version, saved beside them) and, ``around_sites``, its finest cells
        where reports fall (on and around the sites), the tables a check reads and what checks
        near declared complete areas use (:meth:`Coverage.warm`). A server does this before its
        workers fork (they share what it builds, and the first requests are as fast as the
        rest); a batch builds the zones while its first rows are read (its own points fill the grid)."""
        for epsg in np.unique(self.regency_epsg):
            zone = self._zones[int(epsg)]
            self._projector.forward(int(epsg))   # milliseconds to make; a zone read from the saved arrays made none
            if around_sites:
                zone.prepare()  # for single checks (GEOS) near lines and polygons
        self.build_regency_grid()
        if not around_sites:
            return
        _ = self.layers.regencies  # the web pages' GeoDataFrame (514 rows), made before a fork
        self._locate.prepare()
        self.fill_regency_grid()
        _ = self._declared, self._signatures, self._period_bounds   # tables a check reads, made on first use
        self.coverage.warm(self.regency_epsg, reach_m=float(self._max_buffer.max(initial=0.0)))

    def _saved_array(self, name: str, make) -> np.ndarray:
        """The array ``name`` saved beside these layers (memory-mapped), else ``make()``'s, saved."""
        layers = self.layers
        found = cache.read_array(layers.directory, layers.version, name)
        if found is None:
            found = make()
            cache.write_array(layers.directory, layers.version, name, found)
        return found

    @property
    def _grid_name(self) -> str:
        # the grid depends on the regencies (the layers version), the snapping distance and the cell
        return f"regency-grid-{self._locate.snap_m:g}m"

    def load_regency_grid(self) -> bool:
        """Use the whole regency grid saved for these layers, if there is one (memory-mapped:
        every process shares its pages); whether there was."""
        key = self._grid_key
        if key is None:
            return False
        grid = cache.read_array(self.layers.directory, key, self._grid_name)
        return grid is not None and self._locate.use_grid(grid)

    def build_regency_grid(self) -> None:
        """Classify the whole regency grid (seconds for the country) and save it beside the layers,
        unless it is saved already: batches and servers then find every point's regency in the
        grid, except near borders and coasts."""
        if self.load_regency_grid():
            return
        self._locate.fill()
        key = self._grid_key
        if key is not None:
            cache.write_array(self.layers.directory, key, self._grid_name, self._locate.grid)

    @property
    def _grid_key(self) -> str | None:
        """What the saved grid is keyed by: the regencies file's own version (a sites import
        leaves the grid as it was), or None when the regencies are not as loaded from the files."""
        layers = self.layers
        if layers.regency_features.cache_key != layers.version or not layers.regencies_version:
            return None
        return layers.regencies_version

    def fill_regency_grid(self, max_cells: int = GRID_WARM_CELLS) -> None:
        """Classify the regency grid's cells where reports fall (on and around the sites), at most
        ``max_cells`` of them, the cells with the most sites first: the work is bounded whatever the
        size of the layer (a national one holds millions of sites), and the rest of the grid fills
        as points come."""
        sites = self.layers.site_features
        if not len(sites):
            return
        bounds = sites.bounds
        centre = np.column_stack([(bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2])
        step = 0.005  # degrees, about 550 m: the neighbourhood where reports of a site fall
        ij = np.round(centre[np.isfinite(centre).all(axis=1)] / step).astype("int64")
        shift = 1 << 20   # cells of one 0.005 degree step: a key of two 21-bit halves, sorted as one int64
        keys, counts = np.unique((ij[:, 0] + shift) * (2 * shift) + ij[:, 1] + shift, return_counts=True)
        keys = keys[np.argsort(-counts, kind="stable")][: max(max_cells // 9, 1)]
        keys = np.unique(np.concatenate([keys + dx * 2 * shift + dy for dx in (-1, 0, 1) for dy in (-1, 0, 1)]))
        around = np.column_stack([keys // (2 * shift) - shift, keys % (2 * shift) - shift]) * step
        around = around[(np.abs(around[:, 0]) <= 180) & (np.abs(around[:, 1]) <= 90)]
        self._locate(around[:, 0], around[:, 1])

    # -- the public checks -------------------------------------------------------------------

    def check(self, lon: float, lat: float, at=None, accuracy_m: float | None = None):
        """The verdict for one point (see :meth:`check_many`)."""
        batch = self.check_many([lon], [lat], None if at is None else [at],
                                None if accuracy_m is None else [accuracy_m])
        return batch.verdict(0)

    def check_many(self, lons, lats, ats=None, accuracy_m=None) -> VerdictBatch:
        """Verdicts for many points at once, as a columnar :class:`~geo.engine.verdict_batch.VerdictBatch`.

        ``ats`` (dates or datetimes, None/NaT for unknown; or one for every point) are checked
        against the campaign periods of each point's regency: a timezone-aware instant on the local
        date of the regency (WIB/WITA/WIT, see :mod:`geo.clock`), a naive date or datetime as local
        already; ``ats=None`` judges no date at all (the interfaces pass their clock's now);
        ``accuracy_m`` (GPS accuracy per point) marks verdicts
        that the accuracy could overturn as uncertain.
        """
        lons = np.asarray(lons, dtype="float64").ravel()
        lats = np.asarray(lats, dtype="float64").ravel()
        _validate(lons, lats)
        n = len(lons)
        accuracy = None if accuracy_m is None else _accuracy(accuracy_m, n)
        where = self._locate.locate(lons, lats)
        regency, other = where.regency, where.other
        days, in_period = self._periods(ats, regency, n)
        if (other >= 0).any():  # where two regencies' polygons overlap, the stricter rule: both periods
            in_period &= self._periods(ats, np.where(other >= 0, other, regency), n)[1]
        pairs = [self._measure(epsg, located, lons, lats, regency, accuracy, other)
                 for epsg, located in self._by_zone(regency)]
        allowed = self.allowed.check(lons, lats, regency) if self.allowed else None
        complete = self._complete(lons, lats, regency, accuracy, other)
        return VerdictBatch.assemble(self, lons, lats, regency, days, in_period, accuracy, pairs, allowed,
                                     complete, where.snapped, other)

    # -- steps ---------------------------------------------------------------------------------

    def _periods(self, ats, regency: np.ndarray, n: int):
        if ats is None:
            return None, np.ones(n, dtype=bool)
        zones = self.regency_timezone[np.maximum(regency, 0)]  # an instant's local date is the regency's
        days = local_days(ats, n, zones)
        known = ~np.isnat(days)
        general, own, has_own = self._period_bounds
        in_period = _in_any(general, days)
        for r in np.unique(regency[has_own[regency]]) if has_own.any() else ():
            mask = regency == r
            in_period[mask] = _in_any(own[int(r)], days[mask])
        return days, in_period | ~known

    @cached_property
    def _period_bounds(self) -> tuple[tuple[np.ndarray, np.ndarray], dict, np.ndarray]:
        """The campaign periods as (first days, last days) arrays: the general ones, those of each
        regency (index) with periods of its own, and per regency (plus one: -1, none) whether it has."""
        def bounds(periods) -> tuple[np.ndarray, np.ndarray]:
            return (np.array([p.start for p in periods.values()], dtype="datetime64[D]"),
                    np.array([p.end for p in periods.values()], dtype="datetime64[D]"))

        own = {self._regency_index[code]: bounds(rule.periods)
               for code, rule in self.rules.model.regencies.items() if rule.periods is not None}
        has_own = np.zeros(len(self.regency_codes) + 1, dtype=bool)   # the last: index -1, no regency
        has_own[list(own)] = True
        return bounds(self.rules.periods(None)), own, has_own

    def point_buffers(self, regency: np.ndarray, category: np.ndarray, other: np.ndarray | None) -> np.ndarray:
        """The distance (metres) of ``category`` for points of ``regency``; where a point is also in
        ``other`` (overlapping polygons), the larger of the two regencies' distances."""
        out = self.buffers[regency, category]
        if other is not None:
            both = other >= 0
            if both.any():
                out = out.copy()
                out[both] = np.maximum(out[both], self.buffers[other[both], category[both] if np.ndim(category)
                                                                 else category])
        return out

    def _complete(self, lons, lats, regency: np.ndarray, accuracy, other=None) -> np.ndarray:
        """Bool by point x category: the category's data are declared complete within its distance
        at the point (its regency's rule plus the GPS accuracy), measured in the regency's UTM zone."""
        out = np.zeros((len(lons), len(CATEGORIES)), dtype=bool)
        located = np.flatnonzero(regency >= 0)
        if not len(located):
            return out
        reg = regency[located]
        extra = np.zeros(len(located)) if accuracy is None else accuracy[located]
        also = None if other is None else other[located]
        declared, everywhere = self._declared
        # a point in a regency where nothing of the category is declared lies in the incomplete
        # area itself: False with no geometry (most regencies, most points, most checks)
        here = declared[reg]
        anywhere = here.any(axis=0)
        asked_before: list[tuple[tuple, np.ndarray, np.ndarray, int]] = []
        for j, category in enumerate(CATEGORIES):
            if everywhere[j]:          # every regency declared complete as a whole
                out[located, j] = True
                continue
            if not anywhere[j]:
                continue
            asked = np.flatnonzero(here[:, j])
            at, r = located[asked], reg[asked]
            radius = self.point_buffers(r, np.full(len(r), j), None if also is None else also[asked]) + extra[asked]
            # declared alike (the same entries) and the same distances at these points: the same answer
            alike = next((k for signature, points, metres, k in asked_before if signature == self._signatures[j]
                          and np.array_equal(points, asked) and np.array_equal(metres, radius)), None)
            if alike is not None:
                out[at, j] = out[at, alike]
                continue
            asked_before.append((self._signatures[j], asked, radius, j))
            out[at, j] = self.coverage.complete_at(lons[at], lats[at], category, radius,
                                                   epsg=self.regency_epsg[r], regency=r)
        return out

    @cached_property
    def _declared(self) -> tuple[np.ndarray, np.ndarray]:
        """(regency x category: anything declared complete there; per category: every regency
        declared complete as a whole)."""
        declared = np.column_stack([self.coverage.declared_regencies(c) for c in CATEGORIES]) \
            if len(self.regency_codes) else np.zeros((0, len(CATEGORIES)), dtype=bool)
        everywhere = np.array([len(self.regency_codes) > 0 and not len(self.coverage.incomplete_regencies(c))
                               for c in CATEGORIES])
        return declared, everywhere

    @cached_property
    def _signatures(self) -> list[tuple[int, ...]]:
        """Per category, the coverage entries declaring it (categories with the same are complete
        at the same spots, for the same distances)."""
        return [self.coverage.signature(c) for c in CATEGORIES]

    def _by_zone(self, regency: np.ndarray):
        """(EPSG code, indices of the points) per UTM zone of the points' regencies."""
        located = np.flatnonzero(regency >= 0)
        epsg = self.regency_epsg[regency[located]]
        if len(epsg) and (epsg == epsg[0]).all():   # one zone (every single check): no sort
            yield int(epsg[0]), located
            return
        for code in np.unique(epsg):
            yield int(code), located[epsg == code]

    def _measure(self, epsg, idx, lons, lats, regency, accuracy, other=None):
        """Candidate pairs (point, site, true distance) for the points ``idx`` of one zone."""
        zone = self._zones[epsg]
        x, y = self._projector.forward(epsg).transform(lons[idx], lats[idx])
        k = utm_scale(x, lats[idx])
        xy = np.empty((len(idx), 2))
        xy[:, 0], xy[:, 1] = x, y
        reach = self._max_buffer[regency[idx]]
        if other is not None and (other[idx] >= 0).any():
            also = other[idx]
            reach = np.where(also >= 0, np.maximum(reach, self._max_buffer[np.maximum(also, 0)]), reach)
        if accuracy is not None:
            reach = reach + accuracy[idx]
        # the search is inclusive; the tiny slack only widens the candidate set.
        (point_j, site_j, projected), (lonely, near_j, near_d) = zone.measure(xy, reach * k * (1 + 1e-9) + 1e-6)
        nearest = (idx[lonely], zone.index[near_j], near_d / k[lonely])
        return (idx[point_j], zone.index[site_j], projected / k[point_j]), nearest


def _validate(lons: np.ndarray, lats: np.ndarray) -> None:
    if lons.shape != lats.shape:
        raise InputError(f"{len(lons)} longitudes but {len(lats)} latitudes", message_id="check.lengths",
                         message_values={"lons": len(lons), "lats": len(lats)})
    if (np.abs(lats) <= 90).all() and (np.abs(lons) <= 180).all():   # NaN compares False
        return
    for name, values, limit in (("latitude", lats, 90), ("longitude", lons, 180)):
        bad = ~np.isfinite(values) | (np.abs(values) > limit)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{name} {values[i]} is outside -{limit}..{limit}", message_id=f"check.{name}_range",
                             message_values={"value": f"{values[i]:g}", "limit": limit}, index=i, field=name)


def _in_any(bounds: tuple[np.ndarray, np.ndarray], days: np.ndarray) -> np.ndarray:
    """Whether each day lies in one of the periods (first days, last days); NaT in none."""
    starts, ends = bounds
    return np.any((days[:, None] >= starts) & (days[:, None] <= ends), axis=1)


def _accuracy(accuracy_m, n: int) -> np.ndarray:
    values = np.broadcast_to(np.asarray(accuracy_m, dtype="float64"), (n,)).copy()
    values[~np.isfinite(values)] = 0.0
    if (values < 0).any():
        raise InputError("GPS accuracy must be zero or more metres", message_id="check.accuracy_negative")
    return values


def _strings(column: pa.ChunkedArray) -> pa.Array:
    """A text column as one Arrow string array (nulls as empty texts)."""
    return pc.fill_null(column.cast(pa.string()), "").combine_chunks()
