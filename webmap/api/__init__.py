"""The JSON API under ``/api``: checking a point, validating a CSV, reports and violations,
exclusion zones, and the small endpoints the pages need (geocode, whoami, stats)."""
