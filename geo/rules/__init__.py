"""geo/rules."""
