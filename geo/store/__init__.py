"""Reports and their takedown workflow, stored in SQLite (default) or PostgreSQL + PostGIS.

Public API: :class:`Store` (submit, get_report, list_reports, violations, transition, history,
photo, tokens), :class:`ReportFilter`, and the workflow constants.
"""
from geo.store.filters import ReportFilter, parse_bbox, parse_bool
from geo.store.inputs import ReportInput, parse_report, parse_time
from geo.store.store import Store, Submission
from geo.store.tokens import Identity, hash_token
from geo.store.workflow import APK_TYPES, ROLES, STATUS_ROLES, WORKFLOW_STATUSES, TRANSITIONS, VIOLATION_VERDICTS, allowed_from

__all__ = ["APK_TYPES", "Identity", "ROLES", "ReportFilter", "ReportInput", "WORKFLOW_STATUSES", "STATUS_ROLES",
           "Store", "Submission", "TRANSITIONS", "VIOLATION_VERDICTS", "allowed_from", "hash_token",
           "parse_bbox", "parse_bool", "parse_report", "parse_time"]
