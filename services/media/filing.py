"""Filing what was sent into the order folder: the employee's files into the stage folder they chose,
a client's files into the order's client subfolder. A file already in the media table (same
`chat_id:message_id`) is not downloaded again, so a replayed update files nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from config import Settings
from database.media import MediaRecord, MediaRepo, NewMedia
from database.orders import Order, OrderRepo
from database.users import User
from database.work import WorkRepo
from services.media.incoming import Fetch, IncomingFile, Problem, WorkTarget
from services.media.store import FetchFailed, FileTooBig, MediaStore, OrderFolderGone, download_limit
from services.share_paths import UnsafePath

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Intake:
    records: list[MediaRecord]
    too_big: int = 0
    failed: int = 0
    unsafe: int = 0  # refused: the order or stage folder is a link out of the share
    gone: bool = False
    problem: Problem | None = None


class Filer:
    def __init__(
        self, *, settings: Settings, store: MediaStore, media: MediaRepo, orders: OrderRepo, work: WorkRepo
    ) -> None:
        self._settings = settings
        self._store = store
        self._media = media
        self._orders = orders
        self._work = work

    async def target(self, staff_id: int) -> WorkTarget | Problem:
        """The order and stage a staff member files into now, or what is missing."""
        context = await self._work.get(staff_id)
        if context is None or context.order_id is None:
            return Problem.NO_ORDER
        order = await self._orders.get(context.order_id)
        if order is None or not order.is_open:
            return Problem.ORDER_CLOSED
        subfolder = self._settings.type_order.get(context.type_label or "")
        if context.type_label is None or subfolder is None:
            return Problem.NO_TYPE
        return WorkTarget(order, context.type_label, subfolder)

    async def save_all(self, staff: User, files: Sequence[IncomingFile], fetch: Fetch) -> Intake:
        """File what is new of `files` into the staff member's target; the records of all of them."""
        known = await self._media.by_keys([f.key for f in files])
        intake = Intake(records=[])
        new = [f for f in files if f.key not in known]
        target: WorkTarget | Problem | None = await self.target(staff.telegram_id) if new else None
        if isinstance(target, Problem):
            intake.problem = target
        limit = download_limit(self._settings.telegram_api_local)
        for incoming in files:
            record = known.get(incoming.key)
            if record is None and isinstance(target, WorkTarget) and not intake.gone:
                record = await self._save_one(staff, incoming, target, fetch, limit, intake)
            if record is not None:
                intake.records.append(record)
        return intake

    async def _save_one(
        self,
        staff: User,
        incoming: IncomingFile,
        target: WorkTarget,
        fetch: Fetch,
        limit: int,
        intake: Intake,
    ) -> MediaRecord | None:
        if incoming.file_size is not None and incoming.file_size > limit:
            intake.too_big += 1
            return None

        async def fetch_into(temp: Path) -> None:
            await fetch(incoming, temp)

        try:
            saved = await self._store.save(
                target.order.number, target.subfolder, incoming.target_name(), fetch_into
            )
        except OrderFolderGone:
            log.warning("Order folder %s is gone; %s not saved", target.order.number, incoming.key)
            intake.gone = True
            return None
        except FileTooBig:
            intake.too_big += 1
            return None
        except UnsafePath as exc:
            log.error("Not saved %s into order %s: %s", incoming.key, target.order.number, exc)
            intake.unsafe += 1
            return None
        except (FetchFailed, OSError) as exc:
            log.error("Could not save %s into order %s: %s", incoming.key, target.order.number, exc)
            intake.failed += 1
            return None
        log.info("Saved %s from %s as %s", incoming.kind, staff.telegram_id, saved.rel_path)
        return await self._media.add(
            NewMedia(
                dedup_key=incoming.key,
                order_id=target.order.id,
                type_label=target.type_label,
                subfolder=target.subfolder,
                rel_path=saved.rel_path,
                file_id=incoming.file_id,
                kind=incoming.kind,
                caption=incoming.caption,
                employee_id=staff.telegram_id,
                chat_id=incoming.chat_id,
                message_id=incoming.message_id,
                media_group_id=incoming.media_group_id,
                size=saved.size,
                hidden=self._settings.is_hidden_folder(target.subfolder),
            )
        )

    async def save_client_file(self, order: Order, incoming: IncomingFile, fetch: Fetch) -> str | None:
        """File what a client sent about an open order into its client subfolder; the relative path.

        None when it could not be saved (too big, folder gone, download failed): the message still
        reaches staff, and the protocol keeps its Telegram file id instead of a path.
        """
        if incoming.file_size is not None and incoming.file_size > download_limit(
            self._settings.telegram_api_local
        ):
            return None

        async def fetch_into(temp: Path) -> None:
            await fetch(incoming, temp)

        try:
            saved = await self._store.save(
                order.number, self._settings.client_files_folder, incoming.target_name(), fetch_into
            )
        except (OrderFolderGone, FileTooBig, FetchFailed, OSError) as exc:
            log.warning("Client file %s for order %s not saved: %s", incoming.key, order.number, exc)
            return None
        log.info("Saved client %s as %s", incoming.kind, saved.rel_path)
        return saved.rel_path
