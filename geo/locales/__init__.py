"""The message catalogs (id.toml, en.toml), package data read by geo.i18n."""
