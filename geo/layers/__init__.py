"""geo/layers."""
