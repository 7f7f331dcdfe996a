"""The report store as two feature collections: ``reports`` (everything, for Bawaslu) and
``violations`` (reports whose verdict is a violation, not dismissed; never the reporter).

Only the store's public listing API is used (``list_reports``, ``violations``, ``get_report``
with a :class:`~geo.store.ReportFilter`); bbox and datetime become the filter's bbox and
since/until on ``reported_at``.
"""
from __future__ import annotations

from geo.catalog.features import CollectionInfo, Page, Query, check_properties
from geo.errors import NotFound
from geo.store import ReportFilter, with_current_verdicts

QUERYABLES = ("regency", "category", "status", "verdict", "current_verdict", "overdue")
PROPERTIES = {
    "apk_type": "string", "participant": "string", "accuracy_m": "number", "location_source": "string",
    "reported_at": "string", "received_at": "string", "note": "string", "status": "string",
    "status_at": "string", "deadline": "string", "overdue": "boolean", "verdict_status": "string",
    "uncertain": "boolean", "regency_code": "string", "regency_name": "string", "category": "string",
    "site_id": "string", "site_name": "string", "distance_m": "number", "buffer_m": "number",
    "legal_basis": "string", "rules_version": "string", "layers_version": "string", "has_photo": "boolean",
    # the newest judgement (a recheck's, else the submission's) and what its data lacked there
    "current_verdict": "string", "missing_categories": "string",
}
PRIVATE_PROPERTIES = {"reporter": "string", "submitted_by": "string"}
FILTERS = ("regency (code or name), category, status, verdict (at submission), current_verdict (the newest "
           "judgement, e.g. incomplete: to check on site), overdue=true; datetime filters reported_at; "
           "comma-separated values match any. missing_categories: the required categories (keys joined by ';') "
           "whose data are not complete at the spot.")


class StoreCollection:
    """Stored reports (all of them, or only violations) as an OGC collection read from the store."""
    def __init__(self, store, info: CollectionInfo, violations_only: bool):
        self.store = store
        self.info = info
        self._violations = violations_only

    def _list(self, filters: ReportFilter, limit: int, offset: int, private: bool):
        if self._violations:
            rows, matched = self.store.violations(filters, limit=limit, offset=offset)
        else:
            rows, matched = self.store.list_reports(filters, limit=limit, offset=offset, private=private)
        return with_current_verdicts(self.store.db, rows), matched

    def items(self, query: Query) -> Page:
        """One page of the reports matching ``query`` (filters, bbox, interval, paging)."""
        check_properties(self.info, query.properties)
        engine = getattr(self.store, "engine", None)   # regency names resolved to codes (400 for a typo)
        filters = ReportFilter.from_params(dict(query.filters), engine.regency_lookup if engine is not None else None)
        since, until = query.interval or (None, None)
        filters = filters.but(bbox=query.bbox, since=since, until=until)
        rows, matched = self._list(filters, query.limit, query.offset, query.private)
        return Page([self._feature(row, query.properties) for row in rows], matched)

    def item(self, fid: str, private: bool = False) -> dict:
        """The report ``fid`` as a GeoJSON feature; :class:`NotFound` when there is none."""
        rows, _ = self._list(ReportFilter(ids=(str(fid),)), 1, 0, private)
        if not rows:
            raise NotFound(f"no feature {fid!r} in collection {self.info.id!r}", message_id="ogc.no_feature",
                           message_values={"feature": str(fid), "collection": self.info.id},
                           collection=self.info.id, feature=str(fid))
        return self._feature(rows[0], None)

    def _feature(self, row: dict, properties) -> dict:
        row = dict(row)
        fid = row.pop("id")
        lon, lat = row.pop("lon"), row.pop("lat")
        if properties is not None:
            row = {k: row[k] for k in properties if k in row}
        else:
            row = {k: v for k, v in row.items() if k in self.info.properties}
        return {"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": row}


def store_collections(store) -> dict[str, StoreCollection]:
    """``reports`` and ``violations`` of one store."""
    reports = CollectionInfo(
        id="reports", title="Reports",
        description="Every reported campaign prop with its verdict at submission and its takedown status "
                    "(bawaslu or admin token; the reporter only for roles that may see it). Filters: " + FILTERS,
        geometry="Point", properties={**PROPERTIES, **PRIVATE_PROPERTIES}, queryables=QUERYABLES,
        temporal_property="reported_at", permission="reports:list")
    violations = CollectionInfo(
        id="violations", title="Violations",
        description="Reported props standing where (or when) they may not, not dismissed: what Bawaslu "
                    "notifies and Satpol PP takes down (overdue=true: past the deadline). No reporter "
                    "identity. Needs a bawaslu, satpolpp or admin token. Filters: " + FILTERS,
        geometry="Point", properties=PROPERTIES, queryables=QUERYABLES,
        temporal_property="reported_at", permission="violations:read")
    return {"reports": StoreCollection(store, reports, violations_only=False),
            "violations": StoreCollection(store, violations, violations_only=True)}
