"""The bundled layers: regencies, sites, rules.toml and coverage.toml (package data, see PROVENANCE.md)."""
