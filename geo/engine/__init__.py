"""geo/engine."""
