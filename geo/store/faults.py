"""Storage faults: a full disk, a file-size limit or a full database is a 507 with Retry-After
(the client may try again later), never a bare 500."""
from __future__ import annotations

import contextlib
import errno

import sqlalchemy as sa

from geo.errors import Unavailable
from geo.store.dialects import DIALECTS

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class StorageFull(Unavailable):
    """The disk or the database is full: nothing was stored."""

    status = 507
    code = "insufficient-storage"


def is_full(exc: BaseException) -> bool:
    """True when ``exc`` says the disk or the database is full (in any supported backend's
    words: a fault may come from a store whose dialect the caller does not know)."""
    if isinstance(exc, OSError):
        return exc.errno in FULL_ERRNOS
    if isinstance(exc, sa.exc.DBAPIError):
        return exc.orig is not None and any(dialect.is_full(exc.orig) for dialect in DIALECTS)
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
