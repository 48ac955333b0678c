"""The employee's files: filed into the order and stage folder, sent to the client, reported back.

- ``service``: ``MediaService``, the use cases the handlers call, built from
- ``filing``: ``Filer``, an employee's files into the order/stage folder, a client's into the client
  subfolder;
- ``held``: ``HeldFiles``, files sent before a stage (or an order) is chosen;
- ``clients``: ``ClientDelivery``, delivery to the car's owners and the backlog for those who connect
  later;
- ``report``: the outbox reporter that answers the employee;
- ``incoming``: ``IncomingFile`` and the small types they share;
- ``store``: ``MediaStore``, safe names and atomic writes into BRANCH_PHOTO.

The public names are re-exported here, so ``from services.media import MediaService`` keeps working.
"""

from services.media.clients import Reach
from services.media.incoming import UNASSIGNED_HOLD_SECONDS, Fetch, Held, IncomingFile, Problem, WorkTarget
from services.media.report import REPORT_KIND, media_report
from services.media.service import MediaService

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
