"""geo/validation."""
