"""geo/layers/importing."""
