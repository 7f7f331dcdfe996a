"""Storage faults: a full disk, a file-size limit or a full database is a 507 with Retry-After
(the client may try again later), never a bare 500."""
from __future__ import annotations

import contextlib
import errno
import sqlite3

import sqlalchemy as sa

from geo.errors import Unavailable

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
PG_DISK_FULL = "53100"  # SQLSTATE disk_full


class StorageFull(Unavailable):
    """The disk or the database is full: nothing was stored."""

    status = 507
    code = "insufficient-storage"


def is_full(exc: BaseException) -> bool:
    """True when ``exc`` says the disk or the database is full."""
    if isinstance(exc, OSError):
        return exc.errno in FULL_ERRNOS
    if isinstance(exc, sa.exc.DBAPIError):
        orig = exc.orig
        if getattr(orig, "sqlstate", None) == PG_DISK_FULL:
            return True
        if getattr(orig, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        return "database or disk is full" in str(orig)
    return False


@contextlib.contextmanager
def full_is_unavailable():
    """Turn a full disk or database inside the block into :class:`StorageFull`."""
    try:
        yield
    except (OSError, sa.exc.DBAPIError) as exc:
        if is_full(exc):
            raise StorageFull("the server's storage is full; nothing was stored, try again later",
                              message_id="reports.storage_full", retry_after=300) from exc
        raise
