"""Reports and their takedown workflow, stored in SQLite (default) or PostgreSQL + PostGIS.

Public API: :class:`Store` (submit, get_report, list_reports, violations, near, transition,
history, photo, tokens), :class:`ReportFilter`, re-judging (:func:`recheck`), storage faults
(:class:`StorageFull`), the workflow constants, and each backend's :class:`Dialect` (chosen by
:func:`dialect_for`; what differs between the databases lives there and nowhere else).
"""
from geo.store.database import Migrator, create_engine, parse_url
from geo.store.dialects import Dialect, dialect_for
from geo.store.faults import StorageFull, full_is_unavailable
from geo.store.filters import ReportFilter, parse_bbox, parse_bool
from geo.store.inputs import FIELDS, RANGES, TEXT_LIMITS, ReportInput, parse_report, parse_time, storable_text
from geo.store.models import Report
from geo.store.photos import read_photo
from geo.store.rechecks import RecheckResult, later_verdicts, recheck
from geo.store.store import Store, Submission
from geo.store.tokens import Identity, hash_token
from geo.store.verdicts import stored_verdict
from geo.store.workflow import (
    APK_TYPES,
    ROLES,
    STATUS_ROLES,
    TRANSITIONS,
    VIOLATION_VERDICTS,
    WORKFLOW_STATUSES,
    allowed_from,
)

__all__ = [
    "APK_TYPES", "Dialect", "FIELDS", "Identity", "Migrator", "RANGES", "ROLES", "RecheckResult", "Report",
    "ReportFilter", "ReportInput", "STATUS_ROLES", "StorageFull", "Store", "Submission", "TEXT_LIMITS", "TRANSITIONS",
    "VIOLATION_VERDICTS", "WORKFLOW_STATUSES", "allowed_from", "create_engine", "dialect_for", "full_is_unavailable",
    "hash_token", "later_verdicts", "parse_bbox", "parse_bool", "parse_report", "parse_time", "parse_url",
    "read_photo", "recheck", "storable_text", "stored_verdict",
]
