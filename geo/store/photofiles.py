"""Reading a report's stored photo back: the photo sent with the report, or the after-photo of its
removal. Both sit in the same :class:`~geo.store.photos.PhotoStore`, each named by its own pair of
columns (the file's path under the store, its media type)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from geo.errors import NotFound
from geo.store.models import Report
from geo.store.rows import canonical_report_id


@dataclass(frozen=True)
class PhotoColumns:
    """Where one kind of photo is recorded, and how its absence is told."""

    path: InstrumentedAttribute
    media_type: InstrumentedAttribute
    missing: str        # English, for logs and the CLI
    message_id: str     # the catalog key the web shows in the caller's language


REPORT_PHOTO = PhotoColumns(Report.photo_path, Report.photo_type, "has no photo", "reports.no_photo")
REMOVAL_PHOTO = PhotoColumns(Report.removal_photo_path, Report.removal_photo_type, "has no removal photo",
                             "removal.no_photo")


def stored_photo(store, report_id: str, columns: PhotoColumns) -> tuple[Path, str]:
    """The file and media type of a report's photo of the kind ``columns`` names, from ``store``
    (its database and photo store); NotFound if the report has none (or does not exist), on a
    new database too (migrated first, as every other reader does)."""
    store.migrator.ensure()
    with store.db.connect() as connection:
        row = connection.execute(sa.select(columns.path, columns.media_type).where(
            Report.id == canonical_report_id(report_id))).first()
    if row is None or row[0] is None:
        raise NotFound(f"report {report_id} {columns.missing}", message_id=columns.message_id,
                       message_values={"id": str(report_id)}, id=str(report_id))
    return store.photos.path(row[0]), row[1]
