"""Reports and their takedown workflow, stored in SQLite (default) or PostgreSQL + PostGIS.

Public API: :class:`Store` (submit, get_report, list_reports, violations, near, transition,
history, photo, tokens), :class:`ReportFilter`, re-judging (:func:`recheck`), storage faults
(:class:`StorageFull`), the workflow constants, and each backend's :class:`Dialect` (chosen by
:func:`dialect_for`; what differs between the databases lives there and nowhere else).
"""
from geo.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "database": ["Migrator", "create_engine", "parse_url"],
    "dialects": ["Dialect", "dialect_for"],
    "faults": ["StorageFull", "full_is_unavailable"],
    "current": ["current_verdict_status", "missing_categories", "verdict_counts", "with_current_verdicts"],
    "filters": ["ReportFilter", "parse_bbox", "parse_bool"],
    "mine": ["reports_of_token", "require_own_report"],
    "outbox": ["EVENTS", "enqueue", "event_body"],
    "intake": ["PublicIntake", "TooManyRequests", "client_key"],
    "tracking": ["new_tracking_code", "normalise_code"],
    "inputs": ["FIELDS", "RANGES", "TEXT_LIMITS", "ReportInput", "parse_report", "parse_time", "storable_text",
               "stored_idempotency_key"],
    "models": ["Report"],
    "photos": ["read_photo"],
    "rechecks": ["RecheckResult", "later_verdicts", "recheck"],
    "store": ["Store", "Submission"],
    "tokens": ["Identity", "hash_token"],
    "transitions": ["Outcome", "bulk_ids", "transition_many"],
    "triage": ["MoveDetails", "MoveForbidden"],
    "moves": ["event_data", "record_move"],
    "participants": ["participant_counts"],
    "removal": ["removal_photo"],
    "verdicts": ["stored_verdict"],
    "workflow": ["APK_TYPES", "DISMISS_REASONS", "FIELD_CHECK_VERDICTS", "MOVE_ROLES", "ROLES", "STATUS_ROLES",
                 "TRANSITIONS",
                 "VIOLATION_VERDICTS", "WORKFLOW_STATUSES", "allowed_from"],
})
