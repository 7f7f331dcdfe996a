"""Typed errors of the engine.

Each carries an HTTP status, a short machine code and a message that tells the user what to
fix. The web layer turns them into problem+json; the CLI prints the message on one line.
"""
from collections.abc import Mapping
from typing import Any


class ZonasiError(Exception):
    """Root of every error zonasi raises on purpose."""

    status = 500
    code = "internal-error"

    def __init__(self, message: str, *, message_id: str | None = None,
                 message_values: dict | None = None, **details):
        super().__init__(message)
        self.message = message  # English, for logs and the command line
        self.message_id = message_id  # a key of the message catalog, when the text is in it
        self.message_values = message_values or {}
        self.details = details

    def text(self, catalog, lang: str | None) -> str:
        """The message in ``lang`` from the catalog when it has this error's key, else English."""
        if self.message_id is None:
            return self.message
        return catalog.get(self.message_id, lang, **self.message_values)


class InputError(ZonasiError, ValueError):
    """Bad input from a user: a coordinate, a date, a parameter."""

    status = 400
    code = "invalid-input"


class ConfigError(ZonasiError, ValueError):
    """A bad rules file or layers directory: names the file, key and line."""

    status = 500
    code = "invalid-configuration"

    def __init__(self, message: str, *, path=None, line=None, key=None, message_id: str | None = None,
                 message_values: dict | None = None):
        where = str(path) if path else ""
        if line:
            where += f":{line}"
        if key:
            where += f" [{key}]"
        self.where = where
        super().__init__(f"{where}: {message}" if where else message, message_id=message_id,
                         message_values=message_values, path=str(path) if path else None, line=line, key=key)

    def text(self, catalog, lang: str | None) -> str:
        """The catalog text in ``lang``, after the file, line and key it is about."""
        if self.message_id is None:
            return self.message
        text = catalog.get(self.message_id, lang, **self.message_values)
        return f"{self.where}: {text}" if self.where else text


class NotFound(ZonasiError, LookupError):
    """What was asked for does not exist (HTTP 404)."""

    status = 404
    code = "not-found"


class Conflict(ZonasiError):
    """The request clashes with the current state, e.g. a report's workflow step (HTTP 409)."""

    status = 409
    code = "conflict"


class Unavailable(ZonasiError):
    """The server cannot do this now (a full disk, a busy pool, a time budget spent): try later."""

    status = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int = 30, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TooLarge(ZonasiError, ValueError):
    """Input over a limit (rows, cells, columns, decompressed bytes, features, pixels)."""

    status = 413
    code = "too-large"


def config_problem(error: Mapping[str, Any], name: str) -> tuple[str, str, dict]:
    """The English text, catalog key and values of one pydantic validation ``error`` of a
    configuration file, whose offending key is ``name``."""
    if error["type"] == "extra_forbidden":
        return f"unknown key {name!r}", "config.unknown_key", {"key": name}
    if error["type"] == "missing":
        return f"required key {name!r} is missing", "config.missing_key", {"key": name}
    reason = error["msg"].removeprefix("Value error, ")
    return reason, "config.invalid_value", {"reason": reason}
