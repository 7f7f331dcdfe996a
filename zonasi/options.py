"""Options shared by several commands, declared once."""
from __future__ import annotations

from pathlib import Path

import click

from geo import Engine
from geo.config import Settings

from .cli import LANGUAGE_KEY

layers_option = click.option(
    "--layers", "layers_dir", type=click.Path(file_okay=False, path_type=Path), envvar="ZONASI_LAYERS",
    help="Layers directory (rules.toml, regencies file, sites/). Default: the bundled layers.")

lang_option = click.option(
    "--lang", type=click.Choice(["id", "en"]), default=None, envvar="ZONASI_LANGUAGE",
    help="Language of messages: id (Bahasa Indonesia, default) or en.")


def settings_from(**overrides) -> Settings:
    """The settings from the environment and the command's options; a bad value is a usage
    error. The language is recorded in the click context, for the error messages (zonasi.cli)."""
    try:
        settings = Settings.from_env(**overrides)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[LANGUAGE_KEY] = settings.language
    return settings


def load_engine(settings: Settings) -> Engine:
    """The engine for the settings (bad layers: a ConfigError, one line and exit 2 by zonasi.cli)."""
    return Engine.from_directory(settings.layers_dir)
