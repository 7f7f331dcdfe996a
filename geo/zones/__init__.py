"""geo/zones."""
