"""The message catalog: every user-facing sentence, in Indonesian (default) and English.

Catalogs live in ``geo/locales/<lang>.toml`` as flat ``key = "text with {placeholders}"``.
"""
from __future__ import annotations

import tomllib
from functools import cached_property
from importlib import resources

from geo.numformat import format_number

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


class Catalog:
    """All messages of all languages, loaded once per Catalog object."""

    @cached_property
    def messages(self) -> dict[str, dict[str, str]]:
        """Messages by language, then key, read from ``geo/locales/<lang>.toml``."""
        out = {}
        for lang in LANGUAGES:
            text = resources.files("geo.locales").joinpath(f"{lang}.toml").read_text("utf-8")
            out[lang] = tomllib.loads(text)
        return out

    def language(self, lang: str | None) -> str:
        """The supported language closest to ``lang`` (e.g. 'en-US' -> 'en')."""
        if lang in LANGUAGES:   # already a language's code (most calls)
            return lang
        if lang:
            lang = lang.lower().split("-")[0].split("_")[0]
            if lang in LANGUAGES:
                return lang
        return DEFAULT_LANGUAGE

    def get(self, key: str, lang: str | None = None, /, **values) -> str:
        """The message ``key`` in ``lang`` (falling back to Indonesian), filled with ``values`` (which may
        be named ``key`` or ``lang`` too); float values are written with ``lang``'s decimal mark
        (:func:`geo.numformat.format_number`, at most 2 decimals)."""
        lang = self.language(lang)
        text = self.messages[lang].get(key) or self.messages[DEFAULT_LANGUAGE].get(key)
        if text is None:
            raise KeyError(f"no message {key!r} in the catalog")
        if not values:
            return text
        # measurements (floats) in the language's own marks: "1,5 MB" in Indonesian, "1.5 MB" in English
        return text.format(**{k: format_number(v, lang, 2) if isinstance(v, float) else v for k, v in values.items()})

    def table(self, lang: str | None = None) -> dict[str, str]:
        """Every message of one language (for the web front end)."""
        lang = self.language(lang)
        return {**self.messages[DEFAULT_LANGUAGE], **self.messages[lang]}
