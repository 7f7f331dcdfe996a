"""Typed errors of the engine.

Each carries an HTTP status, a short machine code and a message that tells the user what to
fix. The web layer turns them into problem+json; the CLI prints the message on one line.
"""


class ZonasiError(Exception):
    """Root of every error zonasi raises on purpose."""

    status = 500
    code = "internal-error"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class InputError(ZonasiError, ValueError):
    """Bad input from a user: a coordinate, a date, a parameter."""

    status = 400
    code = "invalid-input"


class ConfigError(ZonasiError, ValueError):
    """A bad rules file or layers directory: names the file, key and line."""

    status = 500
    code = "invalid-configuration"

    def __init__(self, message: str, *, path=None, line=None, key=None):
        where = str(path) if path else ""
        if line:
            where += f":{line}"
        if key:
            where += f" [{key}]"
        super().__init__(f"{where}: {message}" if where else message, path=str(path) if path else None,
                         line=line, key=key)


class NotFound(ZonasiError, LookupError):
    status = 404
    code = "not-found"


class Conflict(ZonasiError):
    status = 409
    code = "conflict"
