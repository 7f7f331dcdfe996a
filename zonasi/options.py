"""Options shared by several commands, declared once."""
from __future__ import annotations

from pathlib import Path

import click

from geo import Engine, ZonasiError
from geo.config import Settings

layers_option = click.option(
    "--layers", "layers_dir", type=click.Path(file_okay=False, path_type=Path), envvar="ZONASI_LAYERS",
    help="Layers directory (rules.toml, regencies file, sites/). Default: the bundled layers.")

lang_option = click.option(
    "--lang", type=click.Choice(["id", "en"]), default=None, envvar="ZONASI_LANGUAGE",
    help="Language of messages: id (Bahasa Indonesia, default) or en.")


def settings_from(**overrides) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def load_engine(settings: Settings) -> Engine:
    """The engine for the settings, or a one-line error (exit 2) when the layers are bad."""
    try:
        return Engine.from_directory(settings.layers_dir)
    except ZonasiError as exc:
        raise click.UsageError(exc.message) from exc
