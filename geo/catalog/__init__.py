"""geo/catalog."""
