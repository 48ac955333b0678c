"""The index of work orders: folders directly inside BRANCH_PHOTO, mirrored into SQLite.

Every folder directly inside BRANCH_PHOTO is an order and its name is the order number. Folders
whose name ends with CLOSED_ORDER (any case) are closed and ignored, as are plain files and
system folders (names starting with `.`, `$RECYCLE.BIN`, `System Volume Information`, NAS
`@eaDir` / `#recycle` / `#snapshot`). A folder may hold `content.txt` (read and parsed by
services/orders/content.py). An order whose data is missing or bad stays selectable but is flagged
with a short problem code (`missing`, `unreadable`, `malformed`, `no_phone`: see orders.content).

The folder name always wins over the `order` field; a disagreement is only logged. Each bad
folder gives ops one WARNING line when it is first found bad or its content.txt changes, not one
per scan.

Calendar date. The calendar shows an order on the day its folder was created, where the OS
records a creation time: `st_birthtime` (Windows on Python 3.12+, macOS, BSD), else `st_ctime` on
Windows (its creation time there). Elsewhere (Linux keeps no creation time that Python exposes,
and a folder's mtime moves whenever a photo is added) the date is the folder's mtime at the moment
the bot first saw it. Either way it is computed once, in the local time zone, stored in SQLite
with the row and never moved afterwards, not even when the folder is closed and comes back.

Rescans are incremental: the index keeps each order's content.txt fingerprint (mtime_ns, size)
in memory, loaded from SQLite on the first scan. A rescan does one `os.scandir` of BRANCH_PHOTO
and one `lstat` of each folder's content.txt; only new or changed folders are read, and SQLite is
written only when something changed (one transaction per scan). A folder that disappears (or is
renamed to `...closed`) closes its order; if it comes back the same row is reopened. If
BRANCH_PHOTO cannot be listed, or lists nothing at all while orders are open (an unmounted share
looks like that), the scan reports an error and leaves every order as it was.

The folder walk and file reads run in a worker thread; SQLite writes happen on the event loop.

The share is untrusted input (services/share_paths.py). An order folder that is a link (symlink,
junction) is not an order: it is skipped and logged once. content.txt must be a regular file: a
link (say to /dev/zero), a FIFO or a device is flagged `malformed` without being opened, the file
is opened non-blocking and read with a size cap. Each folder's read has a time budget
(CONTENT_READ_SECONDS; reads run in reader threads watched for progress, see
services/orders/reads.py): a folder whose read stalls (a hung SMB server) is flagged `unreadable`
for this scan and the scan goes on with the others; while that read is still stuck the folder is
not read again. The walk itself is services/orders/scan.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from database.orders import Order, OrderRepo
from services import periodic
from services.orders.scan import Known, RootError, remembered, scan_tree

log = logging.getLogger(__name__)

CONTENT_READ_SECONDS = 5.0  # time budget of one folder's content.txt read


@dataclass(frozen=True, slots=True)
class ScanReport:
    """One scan. `scanned` counts the open order folders seen; the other counters are this scan's
    events (`flagged`: folders read this scan whose data turned out bad). `error` is set when
    BRANCH_PHOTO could not be scanned; nothing was changed then."""

    scanned: int
    added: int
    changed: int
    closed: int
    reopened: int
    flagged: int
    seconds: float
    error: str | None


class OrderIndex:
    def __init__(self, repo: OrderRepo, root: Path, closed_suffix: str) -> None:
        self._repo = repo
        self._root = Path(root)
        self._closed_suffix = closed_suffix.strip()
        self._known: dict[str, Known] | None = None
        self._lock = asyncio.Lock()
        self._current: asyncio.Future[ScanReport] | None = None
        self._last_error: str | None = None

    @property
    def root(self) -> Path:
        return self._root

    def order_folder(self, order: Order) -> Path:
        return self._root / order.number

    async def refresh(self) -> ScanReport:
        """Bring SQLite up to date with BRANCH_PHOTO. A call made while a scan is running waits
        for that scan and gets its report instead of starting another one."""
        task = self._current
        if task is None:
            task = asyncio.ensure_future(self._scan())
            self._current = task
            task.add_done_callback(self._scan_done)
        return await asyncio.shield(task)

    def _scan_done(self, task: asyncio.Future[ScanReport]) -> None:
        if self._current is task:
            self._current = None
        if not task.cancelled():
            task.exception()  # retrieved by the callers; keeps asyncio from warning when none are left

    async def run_periodically(self, interval: float) -> None:
        """Rescan every `interval` seconds until cancelled; errors are logged, never raised."""
        failure = "Order scan of %s failed; next try in %.0f s"
        await periodic.every(interval, self.refresh, log, failure, self._root, interval)

    async def _scan(self) -> ScanReport:
        async with self._lock:
            started = time.perf_counter()
            if self._known is None:
                self._known = {
                    fp.number: remembered(fp) for fp in (await self._repo.load_fingerprints()).values()
                }
            try:
                plan = await asyncio.to_thread(
                    scan_tree, self._root, self._closed_suffix, self._known, CONTENT_READ_SECONDS
                )
            except RootError as exc:
                error = str(exc)
                if error != self._last_error:
                    log.error("Order scan: %s", error)
                self._last_error = error
                return ScanReport(0, 0, 0, 0, 0, 0, time.perf_counter() - started, error)
            await self._repo.apply_scan(
                added=plan.added,
                changed=plan.changed,
                reopened=plan.reopened,
                closed=plan.closed,
                now=int(time.time()),
            )
            self._known.update(plan.state)
            if self._last_error is not None:
                log.info("Order scan: BRANCH_PHOTO %s is readable again", self._root)
                self._last_error = None
            for message in plan.warnings:
                log.warning(*message)
            report = ScanReport(
                scanned=plan.scanned,
                added=len(plan.added),
                changed=len(plan.changed),
                closed=len(plan.closed),
                reopened=len(plan.reopened),
                flagged=plan.flagged,
                seconds=time.perf_counter() - started,
                error=None,
            )
            if report.added or report.changed or report.closed or report.reopened:
                log.info(
                    "Order scan: %d open folders, %d added, %d changed, %d closed, %d reopened,"
                    " %d flagged, %.2f s",
                    report.scanned,
                    report.added,
                    report.changed,
                    report.closed,
                    report.reopened,
                    report.flagged,
                    report.seconds,
                )
            return report
