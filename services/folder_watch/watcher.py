"""Files put into order folders by other means (by hand, by the dealer's other programs) reach the client.

The spec: the client gets the materials of every subfolder except Service. The bot's own uploads
already go out as they are filed; this watcher finds the rest. Every ORDER_RESCAN_SECONDS / 3 it
lists the subfolders of each open order folder that has a connected client (never following a
link, see share_paths; an order whose client connects later is looked at from then on) and:

- skips the hidden folder (HIDDEN_TYPE_FOLDER, "Service"), the client's own uploads
  (CLIENT_FILES_FOLDER, "Client"), files directly in the order folder (content.txt, protocols),
  hidden and temporary files (`.x`, `~$x`, `*.tmp`, `*.part`, Thumbs.db, desktop.ini...), empty files;
- skips every path it settled before and every file the bot filed itself (both in SQLite), so a
  restart sends nothing twice and the bot's own files never go out again;
- takes a file only once it is complete: its size and mtime the same on two looks in a row (a
  file still being copied over SMB grows);
- files that were already in an order folder when the watcher first ran on this database (orders
  the bot knew then, files that arrived before it: told apart by creation time, or ctime on Linux,
  at the watcher's first look at that order only) are the dealer's history: remembered, not sent.
  After its first look at an order every new path is news, whatever dates a copy program kept;
- a complete file becomes a `media` row (employee 0, file_id `share-file:<rel_path>`), so a client
  who connects later gets it with the rest of the backlog; connected clients get it now, through
  the outbox, grouped into albums of 10 (documents apart), at most MAX_FILES_PER_PASS per order per
  look (a folder of hundreds of files goes out over several looks, within the send rate limits);
- a file larger than the Bot API lets a bot upload (50 MB; photos over 10 MB go as documents;
  2000 MB with a local Bot API server) is remembered and logged, not sent.

The outbox turns `share-file:` references into uploads (runtime/share_uploads.py), checking the
path again then: a file that became a link or vanished is not sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import texts
from config import Settings
from database.folder_files import BASELINE, MEDIA, TOO_BIG, FolderFileRepo, SettledFile, WatchedOrder
from database.media import MediaRecord, MediaRepo, NewMedia
from database.outbox import Delivery
from database.protocol import ProtocolEntry
from database.users import UserRepo
from services import periodic
from services.folder_watch.walk import FoundFile, file_kind, walk_order
from services.ports import Deliveries, Recorder

log = logging.getLogger(__name__)

LOCAL_PREFIX = "share-file:"
MAX_FILES_PER_PASS = 50  # per order and look: a big folder goes out over several looks
CLOUD_UPLOAD_LIMIT = 50 * 1024 * 1024
LOCAL_UPLOAD_LIMIT = 2000 * 1024 * 1024


def local_ref(rel_path: str) -> str:
    return LOCAL_PREFIX + rel_path


class FolderWatcher:
    def __init__(
        self,
        *,
        settings: Settings,
        repo: FolderFileRepo,
        media: MediaRepo,
        users: UserRepo,
        deliveries: FolderDeliveries,
        protocol: Recorder,
    ) -> None:
        self._settings = settings
        self._root = Path(settings.branch_photo)
        self._repo = repo
        self._media = media
        self._users = users
        self._deliveries = deliveries
        self._protocol = protocol
        self._skipped = frozenset(
            {settings.hidden_type_folder.casefold(), settings.client_files_folder.casefold()}
        )
        self._labels = {folder.casefold(): label for label, folder in settings.type_order.items()}
        self._known: dict[int, set[str]] = {}  # per watched order: paths settled or filed by the bot
        self._looked: set[int] = set()  # watched orders looked at before (this run or an earlier one)
        self._started_at: float | None = None
        self._last_look: dict[str, tuple[int, int]] = {}  # rel_path -> (size, mtime_ns) at the last look
        self._recovered = False

    @property
    def upload_limit(self) -> int:
        return LOCAL_UPLOAD_LIMIT if self._settings.telegram_api_local else CLOUD_UPLOAD_LIMIT

    async def run_periodically(
        self, interval: float, first_scan: Callable[[], Awaitable[object]] | None = None
    ) -> None:
        """Look every `interval` seconds until cancelled; errors are logged, never raised.
        `first_scan` (the order index) runs first: the orders known then predate the watcher."""
        if first_scan is not None:
            try:
                await first_scan()
            except Exception:
                log.exception("Folder watch: the first order scan failed")
        failure = "Folder watch of %s failed; next try in %.0f s"
        await periodic.every(interval, self.look, log, failure, self._root, interval)

    async def look(self) -> int:
        """One look at every open order folder; returns how many files were taken for clients."""
        if self._started_at is None:
            self._started_at = await self._repo.started_at()
        orders = {order.id: order for order in await self._repo.watched_orders()}
        await self._load_known(orders)
        if not self._recovered:
            await self._recover(list(orders.values()))
            self._recovered = True
        found = await asyncio.to_thread(self._walk_all, list(orders.values()))
        baseline, ready = self._sort(found, orders)
        first_looks = [order_id for order_id in orders if order_id not in self._looked]
        if baseline:
            await self._repo.settle(baseline)
            for settled in baseline:
                self._known[settled.order_id].add(settled.rel_path)
        if first_looks:
            await self._repo.mark_looked(first_looks)
            self._looked.update(first_looks)
        taken = 0
        by_order: dict[int, list[FoundFile]] = {}
        for file in ready:
            by_order.setdefault(file.order_id, []).append(file)
        for order_id, files in by_order.items():
            taken += await self._take(orders[order_id], files[:MAX_FILES_PER_PASS])
        return taken

    async def _load_known(self, orders: dict[int, WatchedOrder]) -> None:
        """Known paths of the watched orders only: memory follows the open orders with clients,
        not every file the bot has ever seen."""
        for order_id in set(self._known) - set(orders):
            del self._known[order_id]
            self._looked.discard(order_id)
        new = [order_id for order_id in orders if order_id not in self._known]
        if new:
            loaded = await self._repo.known_paths(new)
            for order_id in new:
                self._known[order_id] = loaded.get(order_id, set())
            self._looked |= await self._repo.looked_at(new)

    async def _recover(self, orders: list[WatchedOrder]) -> None:
        """At start: queue folder files a crash left recorded but not queued for connected clients."""
        for order in orders:
            for client in await self._users.active_clients_with_phone(order.phone or ""):
                ids = await self._repo.unclaimed_media(order.id, client.telegram_id)
                if not ids:
                    continue
                records = [r for r in await self._media.for_order(order.id) if r.id in set(ids)]
                log.info("Folder files: %d file(s) of order %s queued again", len(records), order.number)
                await self._send(order, [client.telegram_id], records)

    def _walk_all(self, orders: list[WatchedOrder]) -> list[FoundFile]:
        found: list[FoundFile] = []
        for order in orders:
            found += walk_order(self._root, order, self._skipped, self._known.get(order.id, set()))
        return found

    def _sort(
        self, found: list[FoundFile], orders: dict[int, WatchedOrder]
    ) -> tuple[list[SettledFile], list[FoundFile]]:
        """Split new paths into the dealer's history and complete files; the rest wait a look."""
        assert self._started_at is not None
        baseline: list[SettledFile] = []
        ready: list[FoundFile] = []
        looked: dict[str, tuple[int, int]] = {}
        for file in found:
            if file.rel_path in self._known[file.order_id]:
                continue
            order = orders[file.order_id]
            first_look = order.id not in self._looked
            if first_look and order.first_seen <= self._started_at and file.arrived_at < self._started_at:
                baseline.append(SettledFile(file.rel_path, file.order_id, BASELINE, file.size, file.mtime_ns))
                continue
            now = (file.size, file.mtime_ns)
            if file.size > 0 and self._last_look.get(file.rel_path) == now:
                ready.append(file)
            else:
                looked[file.rel_path] = now  # new, growing or empty: look again next time
        self._last_look = looked | {f.rel_path: (f.size, f.mtime_ns) for f in ready}
        return baseline, ready

    async def _take(self, order: WatchedOrder, files: list[FoundFile]) -> int:
        """Record complete files of one order and send them to its connected clients."""
        known = self._known[order.id]
        fresh = await self._repo.is_known([f.rel_path for f in files])  # filed by the bot meanwhile?
        files = [f for f in files if f.rel_path not in fresh]
        known.update(fresh)
        kinds = await asyncio.to_thread(self._kinds, files)
        too_big = [f for f in files if kinds[f.rel_path] is None]
        for file in too_big:
            log.warning(
                "Folder file %s is %d bytes, more than a bot may upload: not sent", file.rel_path, file.size
            )
        records: list[MediaRecord] = []
        group = f"folder:{order.id}:{time.time():.3f}"
        for file in files:
            kind = kinds[file.rel_path]
            if kind is not None:
                records.append(await self._media.add(self._new_media(order, file, kind, group)))
        states = {f.rel_path: MEDIA if kinds[f.rel_path] else TOO_BIG for f in files}
        await self._repo.settle(
            [SettledFile(f.rel_path, f.order_id, states[f.rel_path], f.size, f.mtime_ns) for f in files]
        )
        known.update(f.rel_path for f in files)
        for file in files:
            self._last_look.pop(file.rel_path, None)
        if records:
            log.info("Folder files: %d new file(s) in order %s", len(records), order.number)
            await self._deliver(order, records)
        return len(records)

    def _kinds(self, files: Sequence[FoundFile]) -> dict[str, str | None]:
        limit = self.upload_limit
        return {
            f.rel_path: (file_kind(self._root / f.rel_path, f.size) if f.size <= limit else None)
            for f in files
        }

    def _new_media(self, order: WatchedOrder, file: FoundFile, kind: str, group: str) -> NewMedia:
        return NewMedia(
            dedup_key=f"folder:{file.rel_path}",
            order_id=order.id,
            type_label=self._labels.get(file.stage.casefold(), file.stage),
            subfolder=file.stage,
            rel_path=file.rel_path,
            file_id=local_ref(file.rel_path),
            kind=kind,
            caption="",
            employee_id=0,
            chat_id=0,
            message_id=0,
            media_group_id=f"{group}:{file.stage}",
            size=file.size,
            hidden=False,
        )

    async def _deliver(self, order: WatchedOrder, records: list[MediaRecord]) -> None:
        clients = await self._users.active_clients_with_phone(order.phone) if order.phone else []
        recipient = texts.protocol_to_client(order.phone) if clients and order.phone else ""
        for record in records:
            await self._protocol.record(
                ProtocolEntry(
                    order_id=order.id,
                    order_number=order.number,
                    sender_id=None,
                    sender_role=None,
                    sender_name=texts.FOLDER_FILE_SENDER,
                    recipient=recipient or texts.PROTOCOL_TO_SERVER_NO_CLIENT,
                    kind=record.kind,
                    text="",
                    file_path=record.rel_path,
                    dedup_key=f"folder:{record.rel_path}",
                )
            )
        await self._send(order, [client.telegram_id for client in clients], records)

    async def _send(self, order: WatchedOrder, client_ids: list[int], records: list[MediaRecord]) -> None:
        by_stage: dict[str, list[MediaRecord]] = {}
        for record in records:
            by_stage.setdefault(record.type_label, []).append(record)
        for client_id in client_ids:
            for label, stage_records in by_stage.items():
                header = texts.media_header(order.number, label, "", self._settings.organization_name)
                prefix = f"folder:{client_id}:{stage_records[0].id}"
                await self._deliveries.send_files(client_id, stage_records, header, prefix)


ClaimFiles = Callable[[int, Sequence[MediaRecord], str, str], Awaitable[list[Delivery]]]


class FolderDeliveries:
    """What the watcher needs from the media service: claim files for a client and queue them."""

    def __init__(self, claim: ClaimFiles, outbox: Deliveries) -> None:
        self._claim = claim
        self._outbox = outbox

    async def send_files(
        self, client_id: int, records: Sequence[MediaRecord], header: str, key_prefix: str
    ) -> None:
        deliveries = await self._claim(client_id, records, header, key_prefix)
        if deliveries:
            await self._outbox.enqueue(deliveries)
