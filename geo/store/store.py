"""The report store: submit, read, filter, move through the workflow. One class; what differs
between the backends (SQLite, PostgreSQL + PostGIS) is asked of its :class:`~geo.store.dialects.Dialect`.

    store = Store.from_settings(settings, engine)
    sub = store.submit({"apk_type": "baliho", "lon": 108.32, "lat": -6.33}, idempotency_key="...")
    sub.report["id"], sub.created     # created False: the same report was submitted before
    store.transition(sub.report["id"], "verified", actor="Bawaslu Indramayu", role="bawaslu")
    rows, matched = store.violations(ReportFilter(overdue=True), limit=100, offset=0)

Rows are plain dicts, ready for JSON (times in ISO 8601 UTC). The reporter's identity is only in
rows asked for with ``private=True``.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from geo.clock import Clock
from geo.errors import Conflict, InputError, NotFound
from geo.store.database import Migrator, create_engine
from geo.store.dialects import Dialect, dialect_for
from geo.store.faults import full_is_unavailable
from geo.store.filters import ReportFilter
from geo.store.groups import report_groups, status_counts
from geo.store.inputs import ReportInput, in_range, parse_report, stored_idempotency_key
from geo.store.models import Event, Report
from geo.store.moves import event_data
from geo.store.outbox import enqueue
from geo.store.photofiles import REPORT_PHOTO, stored_photo
from geo.store.photos import DEFAULT_MAX_PIXELS, Photo, PhotoStore, read_photo
from geo.store.rows import canonical_report_id, iso, report_row, utcnow
from geo.store.tokens import Tokens
from geo.store.tracking import new_tracking_code
from geo.store.transitions import transition
from geo.store.triage import MoveDetails, intake_links
from geo.store.workflow import VIOLATION_VERDICTS


@dataclass(frozen=True)
class Submission:
    """What :meth:`Store.submit` did: the report, and whether this call created it."""

    report: dict
    created: bool   # False: the same report was submitted before (idempotent resubmission)


class Store:
    """Reports and their workflow in one database (see the module's docstring)."""

    def __init__(self, url: str, engine, photo_dir: Path, *, max_photo_bytes: int = 10 * 1024 * 1024,
                 max_photo_pixels: int = DEFAULT_MAX_PIXELS, clock: Clock | None = None,
                 removal_photo_required: bool = True):
        """A store on the database at ``url`` (a ConfigError if unsupported), judging reports
        with the geo ``engine``, keeping photos under ``photo_dir``. Nothing is migrated yet.
        ``clock``: the time a report without its own is judged at (default: the system clock).
        ``removal_photo_required``: a move to ``removed`` needs an after-photo."""
        self.url = url
        self.clock = clock or Clock()
        self.engine = engine                     # the geo Engine that computes verdicts
        self.db = create_engine(url)
        self.dialect: Dialect = dialect_for(self.db)  # everything that differs between backends
        self.photos = PhotoStore(photo_dir)
        self.max_photo_bytes = max_photo_bytes
        self.max_photo_pixels = max_photo_pixels
        self.removal_photo_required = removal_photo_required
        self.migrator = Migrator(self.db)
        self.tokens = Tokens(self.db, self.migrator.ensure)

    @classmethod
    def from_settings(cls, settings, engine) -> Store:
        """A store as ``settings`` say (database URL, instance folder, photo limits)."""
        return cls(settings.effective_database_url, engine, settings.instance_dir / "photos",
                   max_photo_bytes=settings.max_photo_mb * 1024 * 1024,
                   max_photo_pixels=settings.max_photo_pixels, clock=Clock.from_settings(settings),
                   removal_photo_required=settings.removal_photo_required)

    @property
    def backend(self) -> str:
        """The backend's name: ``sqlite`` or ``postgresql``."""
        return self.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest version (also done on first use)."""
        self.migrator.ensure()

    def dispose(self) -> None:
        """Drop pooled connections (after a fork, or when done)."""
        self.db.dispose()

    def __enter__(self) -> Store:
        """The store itself; leaving the block disposes of its connections."""
        return self

    def __exit__(self, *exc) -> None:
        """Dispose of the pooled connections."""
        self.dispose()

    # -- submitting ----------------------------------------------------------------------------

    def submit(self, data: dict | ReportInput, *, photo: bytes | None = None,
               idempotency_key: str | None = None, submitted_by: str | None = None,
               role: str | None = None, token_id: int | None = None, public: bool = False) -> Submission:
        """Store a report with its verdict. The same idempotency key (or client id) from the same
        token (``token_id``) again returns the first report instead of creating another; with a
        different request it is a conflict. Keys are scoped to the token: another token's key
        never finds, nor names, this token's report. ``submitted_by`` (the token's name) is the
        actor of the ``reported`` event. A full disk or database raises ``StorageFull`` (507),
        leaving no photo behind. ``public``: a report without an account (status ``unverified``,
        no reporter identity, a ``tracking_code``; its keys scoped to the public)."""
        self.migrator.ensure()
        report = data if isinstance(data, ReportInput) else parse_report(data)
        image = read_photo(photo, self.max_photo_bytes, self.max_photo_pixels) if photo is not None else None
        key = stored_idempotency_key(idempotency_key) or report.id
        scope = "public" if public else f"token:{token_id}" if token_id is not None else ""
        fingerprint = report.fingerprint(image.sha256 if image else None)
        if key:
            existing = self._by_key(scope, key)
            if existing is not None:
                return Submission(self._replay(existing, fingerprint, key), False)
        values = self._values(report, image, key, fingerprint, submitted_by)
        values["idempotency_scope"] = scope
        if public:
            values.update(status="unverified", reporter=None, submitted_by=None, tracking_code=new_tracking_code())
        photo_rel = None
        table = Report.__table__
        insert = self.dialect.insert(table)
        try:
            with full_is_unavailable():
                photo_rel = self.photos.save(values["id"], image) if image else None
                values["photo_path"] = photo_rel
                with self.dialect.writer(self.db).begin() as connection:
                    nearby, values["reinstalled_of"] = intake_links(
                        connection, self.dialect, values, self.engine.rules.model.settings.duplicate_radius_m)
                    created = connection.execute(insert.values(**values).returning(table.c.id)).first() is not None
                    if created:
                        connection.execute(sa.insert(Event.__table__).values(
                            report_id=values["id"], from_status=None, to_status=values["status"],
                            actor=submitted_by, token_id=token_id, role=role,
                            at=values["received_at"], note=None))
                        enqueue(connection, "report.created", event_data(values), now=values["received_at"])
        except BaseException:
            if photo_rel is not None and not self._photo_stored(values["id"], photo_rel):
                self.photos.discard(photo_rel)
            raise
        if created:
            stored = report_row(values, private=True, now=self.clock.now())
            stored["verdict"] = values["verdict"]
            stored["nearby_open_reports"] = nearby
            return Submission(stored, True)
        self.photos.discard(photo_rel)
        if not key or (existing := self._by_key(scope, key)) is None:
            # the client's own id is taken (by another token, or without a key)
            raise Conflict("a report with this id already exists; send a new id (or none)",
                           message_id="reports.id_taken", field="id")
        return Submission(self._replay(existing, fingerprint, key), False)

    def _photo_stored(self, report_id: str, photo_rel: str) -> bool:
        """Whether a committed report refers to this photo (True when the database cannot say:
        an orphan file is better than a report whose photo was deleted)."""
        try:
            with self.db.connect() as connection:
                return connection.execute(sa.select(Report.photo_path).where(
                    Report.id == report_id)).scalar() == photo_rel
        except Exception:
            return True

    def _values(self, report: ReportInput, image: Photo | None, key, fingerprint, submitted_by) -> dict:
        lon, lat, accuracy, source = report.lon, report.lat, report.accuracy_m, "report"
        if lon is None:
            if image is None or image.lon is None:
                raise InputError("the report has no position: give lon and lat, or a photo with GPS "
                                 "coordinates in its EXIF data", message_id="reports.no_position", field="lon")
            lon, lat, source = image.lon, image.lat, "exif"
            accuracy = accuracy if accuracy is not None else image.accuracy_m
        for name, value in (("lon", lon), ("lat", lat), ("accuracy_m", accuracy)):
            if value is not None and not in_range(name, value):  # never a NaN or an EXIF 4e9 m in storage
                raise InputError(f"{name} {value} is outside the accepted range", message_id="reports.exif_range",
                                 message_values={"name": name, "value": value}, field=name)
        now = utcnow()
        # judged as of its report time (an instant): the local date of the point's regency, WIB/WITA/WIT
        reported_at = report.reported_at or self.clock.now()
        verdict = self.engine.check(lon, lat, at=reported_at, accuracy_m=accuracy)
        primary = verdict.primary
        in_zone = bool(verdict.hits)
        return dict(
            id=report.id or str(uuid.uuid4()), idempotency_key=key, request_hash=fingerprint,
            apk_type=report.apk_type, participant=report.participant, lon=lon, lat=lat,
            accuracy_m=accuracy, location_source=source,
            photo_type=image.media_type if image else None, reporter=report.reporter,
            submitted_by=submitted_by, reported_at=reported_at, received_at=now, note=report.note,
            status="reported", status_at=now, deadline=None,
            verdict=json.loads(json.dumps(verdict.to_dict(), default=_json_default)),
            verdict_status=verdict.status, uncertain=bool(verdict.uncertain),
            regency_code=verdict.regency.code if verdict.regency else None,
            regency_name=verdict.regency.name if verdict.regency else None,
            category=primary.category if primary and in_zone else None,
            site_id=primary.site_id if primary else None, site_name=primary.name if primary else None,
            distance_m=float(primary.distance_m) if primary else None,
            buffer_m=float(primary.buffer_m) if primary else None,
            legal_basis=primary.legal_basis if primary and in_zone else None,
            rules_version=verdict.rules_version or self.engine.rules_version,
            layers_version=verdict.layers_version or self.engine.layers_version,
        )

    def _by_key(self, scope: str, key: str) -> sa.RowMapping | None:
        with self.db.connect() as connection:
            return connection.execute(sa.select(Report.__table__).where(
                Report.idempotency_scope == scope, Report.idempotency_key == key)).mappings().first()

    def _replay(self, row, fingerprint: str, key: str) -> dict:
        if row["request_hash"] != fingerprint:
            raise Conflict(f"Idempotency-Key {key!r} was already used for a different report "
                           f"({row['id']}); use a new key for a new report", message_id="reports.key_reused",
                           message_values={"key": key, "id": row["id"]}, id=row["id"])
        return report_row(row, private=True, now=self.clock.now())

    # -- reading -------------------------------------------------------------------------------

    def get_report(self, report_id: str, *, private: bool = False, verdict: bool = True) -> dict:
        """One report (NotFound if there is none), with its stored verdict unless ``verdict=False``."""
        self.migrator.ensure()
        with self.db.connect() as connection:
            row = connection.execute(sa.select(Report.__table__).where(
                Report.id == canonical_report_id(report_id))).mappings().first()
        if row is None:
            raise NotFound(f"there is no report {report_id}", message_id="reports.not_found",
                           message_values={"id": str(report_id)}, id=str(report_id))
        out = report_row(row, private=private, now=self.clock.now())
        if verdict:
            out["verdict"] = row["verdict"]
        return out

    def history(self, report_id: str) -> list[dict]:
        """A report's status changes, oldest first (its submission included)."""
        self.get_report(report_id, verdict=False)
        with self.db.connect() as connection:
            rows = connection.execute(sa.select(Event.__table__).where(
                Event.report_id == canonical_report_id(report_id)).order_by(Event.id)).mappings().all()
        return [{"from": r["from_status"], "to": r["to_status"], "actor": r["actor"], "role": r["role"],
                 "actor_note": r["actor_note"], "at": iso(r["at"]), "note": r["note"], "details": r["details"]}
                for r in rows]

    def photo(self, report_id: str) -> tuple[Path, str]:
        """A report's photo file and media type; NotFound if it has none."""
        return stored_photo(self, report_id, REPORT_PHOTO)

    def list_reports(self, filters: ReportFilter | None = None, limit: int | None = 100, offset: int = 0,
                     *, private: bool = False) -> tuple[list[dict], int]:
        """Reports matching ``filters``, newest first: (rows of this page, number matched)."""
        self.migrator.ensure()
        if limit is not None and limit < 0 or offset < 0:
            raise InputError("limit and offset must be zero or more", message_id="params.limit_negative",
                             parameter="limit")
        offset = min(offset, MAX_OFFSET)  # past every row anyway; larger does not fit the databases' integers
        now = self.clock.now()   # the app's clock (ZONASI_NOW) decides what is overdue
        where = (filters or ReportFilter()).clauses(now)
        table = Report.__table__
        query = sa.select(table).where(*where).order_by(Report.reported_at.desc(), Report.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self.db.connect() as connection:
            rows = connection.execute(query).mappings().all()
            matched = connection.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
        return [report_row(r, private=private, now=now) for r in rows], int(matched)

    def count_reports(self, filters: ReportFilter | None = None) -> int:
        """How many reports match ``filters`` (one COUNT, no rows fetched)."""
        self.migrator.ensure()
        where = (filters or ReportFilter()).clauses(self.clock.now())
        with self.db.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(Report.__table__)
                                          .where(*where)).scalar_one())

    def violations(self, filters: ReportFilter | None = None, limit: int | None = None,
                   offset: int = 0) -> tuple[list[dict], int]:
        """Reports whose verdict is a violation and that were not dismissed (unless a status filter
        says otherwise). Never with the reporter's identity."""
        return self.list_reports(_violation_filter(filters), limit, offset, private=False)

    def count_violations(self, filters: ReportFilter | None = None) -> int:
        """How many reports :meth:`violations` would give (one COUNT: check a limit before fetching)."""
        return self.count_reports(_violation_filter(filters))

    def near(self, lon: float, lat: float, radius_m: float, filters: ReportFilter | None = None,
             limit: int = 100) -> list[dict]:
        """Reports within ``radius_m`` metres (geodesic, WGS 84) of a point, nearest first, each
        with ``distance_from_m``: e.g. other reports of the same prop. PostGIS answers with
        ST_DWithin on the geography column (GiST index); SQLite with a box pre-filter and pyproj."""
        self.migrator.ensure()
        now = self.clock.now()   # the app's clock (ZONASI_NOW) decides what is overdue
        where = (filters or ReportFilter()).clauses(now)
        with self.db.connect() as connection:
            found = self.dialect.near(connection, Report.__table__, lon, lat, radius_m, where, limit)
        return [{**report_row(r, private=False, now=now), "distance_from_m": round(d, 3)} for r, d in found]

    def report_groups(self) -> dict[str, Counter]:
        """Reports counted in SQL (GROUP BY) by ``status``, ``category``, ``apk_type`` and
        ``regency`` (code), plus ``regency_name`` (code -> a name stored with it): what the
        dashboard shows, without loading a row into Python."""
        self.migrator.ensure()
        return report_groups(self.db)

    def counts(self) -> dict[str, int]:
        """How many reports are in each workflow status."""
        self.migrator.ensure()
        return status_counts(self.db)

    # -- the workflow ----------------------------------------------------------------------------

    def transition(self, report_id: str, status: str, *, actor: str | None, role: str | None = None,
                   note: str | None = None, expected: str | None = None, token_id: int | None = None,
                   actor_note: str | None = None, reason: str | None = None, duplicate_of: str | None = None,
                   storage_location: str | None = None, photo: bytes | None = None) -> dict:
        """Move a report to ``status``. Illegal moves raise Conflict listing the allowed ones; a
        concurrent move by someone else is a Conflict too (nothing is overwritten). Who may make
        which move is checked by the caller for the target status (``workflow.STATUS_ROLES``) and
        here for moves with roles of their own (an admin reopens a dismissal): ``role`` None is a
        trusted caller. A dismissal needs a ``reason`` (``other``: a ``note``; ``duplicate``:
        ``duplicate_of``); a removal ``storage_location`` and, when the settings require it, an
        after-photo ``photo`` (its EXIF position and time are checked: ``removal_flags``); see
        :mod:`geo.store.transitions`. Recorded: ``role``, the caller's identity (``actor``, the
        token's name, and ``token_id``), what the client said about who it is (``actor_note``,
        never ``actor``) and the move's details. Returns the report with the reporter's identity
        (the caller shapes it for the role)."""
        return transition(self, report_id, status, actor=actor, role=role, expected=expected, token_id=token_id,
                          actor_note=actor_note, photo=photo,
                          details=MoveDetails(note=note, reason=reason, duplicate_of=duplicate_of,
                                              storage_location=storage_location))

MAX_OFFSET = 2**62


def _violation_filter(filters: ReportFilter | None) -> ReportFilter:
    filters = filters or ReportFilter()
    # a current_verdict filter (e.g. incomplete: reports that need a field check) replaces the default
    default = () if filters.current_verdict else VIOLATION_VERDICTS
    return filters.but(verdict=filters.verdict or default,
                       status=filters.status or ("reported", "verified", "notified", "removed"))


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
