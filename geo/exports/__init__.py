"""geo/exports."""
