"""The employee's files: filed into the order and stage folder, sent to the client, reported back.

- ``service``: ``MediaService``, the use cases the handlers call;
- ``store``: ``MediaStore``, safe names and atomic writes into BRANCH_PHOTO.

The public names are re-exported here, so ``from services.media import MediaService`` keeps working.
"""

from services.media.service import (
    REPORT_KIND,
    UNASSIGNED_HOLD_SECONDS,
    Fetch,
    Held,
    IncomingFile,
    MediaService,
    Problem,
    Reach,
    WorkTarget,
    media_report,
)

__all__ = [
    "REPORT_KIND",
    "UNASSIGNED_HOLD_SECONDS",
    "Fetch",
    "Held",
    "IncomingFile",
    "MediaService",
    "Problem",
    "Reach",
    "WorkTarget",
    "media_report",
]
