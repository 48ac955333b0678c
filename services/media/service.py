"""The employee's media workflow: file what was shot into the order folder, send it to the client,
write the protocol, report back; and the backlog for clients who connect later. No aiogram here:
the handler turns messages into `IncomingFile`s and passes a `fetch` coroutine that gets the bytes.

Idempotent by construction, so a replayed update (after a crash) changes nothing twice:
a file is downloaded only if its `chat_id:message_id` is not in the media table; deliveries,
the report batch and protocol lines carry keys derived from the same ids; a client's copy of a
file is claimed in `media_deliveries` before it is queued.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import texts
from config import Settings
from database.held_media import HeldMediaRepo
from database.media import MediaRecord, MediaRepo, NewMedia, media_key
from database.orders import Order, OrderRepo
from database.outbox import Batch, BatchSpec, Delivery, Method, Status
from database.protocol import ProtocolEntry
from database.users import Level, User, UserRepo
from database.work import WorkRepo
from services.delivery import OutgoingFile, build_deliveries, group_payload
from services.media.store import (
    FetchFailed,
    FileTooBig,
    MediaStore,
    OrderFolderGone,
    download_limit,
    media_file_name,
    safe_file_name,
)
from services.ports import Deliveries, Recorder
from services.share_paths import UnsafePath

log = logging.getLogger(__name__)

REPORT_KIND = "media"


class Problem(StrEnum):
    """Why nothing could be filed; the handler answers with the matching text."""

    NO_ORDER = "no_order"
    NO_TYPE = "no_type"
    ORDER_CLOSED = "order_closed"


UNASSIGNED_HOLD_SECONDS = 3 * 3600  # files sent before any order wait this long for the next stage tapped


@dataclass(frozen=True, slots=True)
class Held:
    """Files kept until a stage of `order` is tapped; `order` None: sent before an order was chosen,
    they go with the next stage tapped (within UNASSIGNED_HOLD_SECONDS)."""

    order: Order | None
    count: int


class Reach(StrEnum):
    """Whether the files go to a client (params["reach"] of the report batch)."""

    SEND = "send"
    HIDDEN = "hidden"
    NO_CLIENT_DATA = "no_data"
    NO_CLIENT = "no_client"
    NOTHING_SAVED = "nothing"


@dataclass(frozen=True, slots=True)
class IncomingFile:
    chat_id: int
    message_id: int
    kind: str  # photo | video | document
    file_id: str
    file_size: int | None
    file_name: str | None  # a document's own name; None for photos and videos
    extension: str  # for photos/videos: jpg, mp4...
    caption: str
    media_group_id: str | None
    sent_at: datetime

    @property
    def key(self) -> str:
        return media_key(self.chat_id, self.message_id)

    def target_name(self) -> str:
        if self.kind == "document":
            return safe_file_name(self.file_name, fallback=f"document_{self.message_id}")
        return media_file_name(self.sent_at, self.message_id, self.extension)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "sent_at": self.sent_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IncomingFile:
        return cls(**{**data, "sent_at": datetime.fromisoformat(data["sent_at"])})


Fetch = Callable[[IncomingFile, Path], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class WorkTarget:
    order: Order
    type_label: str
    subfolder: str


@dataclass(slots=True)
class _Intake:
    records: list[MediaRecord]
    too_big: int = 0
    failed: int = 0
    unsafe: int = 0  # refused: the order or stage folder is a link out of the share
    gone: bool = False
    problem: Problem | None = None


class MediaService:
    def __init__(
        self,
        *,
        settings: Settings,
        store: MediaStore,
        media: MediaRepo,
        orders: OrderRepo,
        users: UserRepo,
        work: WorkRepo,
        protocol: Recorder,
        outbox: Deliveries,
        held: HeldMediaRepo,
    ) -> None:
        self._settings = settings
        self._held = held
        self._store = store
        self._media = media
        self._orders = orders
        self._users = users
        self._work = work
        self._protocol = protocol
        self._outbox = outbox

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

    async def intake(self, staff: User, files: Sequence[IncomingFile], fetch: Fetch) -> Problem | Held | None:
        """File one message or album; queue its deliveries and the report. A Problem: nothing filed.

        Sent before a stage (or an order) is chosen, the files are held (durably, by file id) and
        filed once the employee taps a stage (`file_held`): Held says so, nobody is asked to resend.
        """
        if not files:
            return None
        intake = await self._save_all(staff, files, fetch)
        if not intake.records:
            if intake.problem is Problem.NO_TYPE:
                return await self._hold(staff, files)
            if intake.problem is Problem.NO_ORDER:
                return await self.hold_unassigned(staff, files)
            if intake.problem is not None:
                return intake.problem
            if intake.gone:
                return Problem.ORDER_CLOSED
        order = await self._order_of(intake)
        deliveries, reach, recipient = await self._plan_live(staff, order, intake.records)
        for record in intake.records:
            await self._protocol.record(self._protocol_entry(staff, order, record, recipient))
        first = files[0]
        record = intake.records[0] if intake.records else None
        params: dict[str, Any] = {
            "reply_to": first.message_id,
            "total": len(files),
            "saved": len(intake.records),
            "too_big": intake.too_big,
            "failed": intake.failed,
            "unsafe": intake.unsafe,
            "gone": intake.gone,
            "local_api": self._settings.telegram_api_local,
            "order": order.number if order else "",
            "stage": record.type_label if record else "",
            "folder": record.subfolder if record else "",
            "reach": str(reach),
        }
        batch = BatchSpec(REPORT_KIND, first.chat_id, params, dedup_key=f"media-report:{first.key}")
        await self._outbox.enqueue(deliveries, batch)
        return None

    async def _hold(self, staff: User, files: Sequence[IncomingFile]) -> Held | Problem:
        context = await self._work.get(staff.telegram_id)
        order = await self._orders.get(context.order_id) if context and context.order_id else None
        if order is None or not order.is_open:
            return Problem.ORDER_CLOSED
        await self._held.hold(staff.telegram_id, order.id, [(f.key, f.to_json()) for f in files])
        log.info("Held %d file(s) of %s for order %s", len(files), staff.telegram_id, order.number)
        return Held(order, len(files))

    async def hold_unassigned(self, staff: User, files: Sequence[IncomingFile]) -> Held:
        """Files sent before an order is chosen (none yet, or a search under way): they wait for the
        stage the employee taps next."""
        await self._held.hold(staff.telegram_id, None, [(f.key, f.to_json()) for f in files])
        log.info("Held %d file(s) of %s until an order and a stage", len(files), staff.telegram_id)
        return Held(None, len(files))

    async def file_held(self, staff: User, order_id: int, fetch: Fetch) -> int:
        """File what the staff member sent into this order before its stage (now chosen), and what
        they sent before choosing any order lately; how many.

        Each message or album is filed as if it had just arrived (one report each). Replayed after a
        crash, intake's keys make it change nothing twice; rows are released once filed.
        """
        since = time.time() - UNASSIGNED_HOLD_SECONDS
        held = await self._held.for_order(staff.telegram_id, order_id, since)
        files = [IncomingFile.from_json(item.payload) for item in held]
        for unit in _incoming_units(files):
            outcome = await self.intake(staff, unit, fetch)
            if isinstance(outcome, Held | Problem):
                log.warning("Held files of %s not filed: %s", staff.telegram_id, outcome)
                return 0  # still held (stage gone meanwhile) or the order closed: kept for later
            await self._held.release([f.key for f in unit])
        return len(files)

    async def _save_all(self, staff: User, files: Sequence[IncomingFile], fetch: Fetch) -> _Intake:
        known = await self._media.by_keys([f.key for f in files])
        intake = _Intake(records=[])
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
        intake: _Intake,
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

    async def _order_of(self, intake: _Intake) -> Order | None:
        if not intake.records:
            return None
        return await self._orders.get(intake.records[0].order_id)

    async def _plan_live(
        self, staff: User, order: Order | None, records: list[MediaRecord]
    ) -> tuple[list[Delivery], Reach, str]:
        if order is None or not records:
            return [], Reach.NOTHING_SAVED, ""
        if records[0].hidden:
            return [], Reach.HIDDEN, texts.PROTOCOL_TO_SERVER_HIDDEN
        if not order.phone:
            return [], Reach.NO_CLIENT_DATA, texts.PROTOCOL_TO_SERVER_NO_CLIENT
        clients = await self._users.active_clients_with_phone(order.phone)
        if not clients:
            return [], Reach.NO_CLIENT, texts.PROTOCOL_TO_SERVER_NO_CLIENT
        header = texts.media_header(
            order.number, records[0].type_label, staff.display_name, self._settings.organization_name
        )
        deliveries: list[Delivery] = []
        for client in clients:
            prefix = f"media:{records[0].chat_id}:{client.telegram_id}"
            deliveries += await self._claimed(client.telegram_id, records, header, prefix)
            await self._work.remember_contact(client.telegram_id, staff.telegram_id, order.id)
        return deliveries, Reach.SEND, texts.protocol_to_client(order.phone)

    async def _claimed(
        self, client_id: int, records: Sequence[MediaRecord], header: str, key_prefix: str
    ) -> list[Delivery]:
        """Deliveries of `records` to one client, minus files another delivery already holds."""
        files = {r.id: OutgoingFile(r.id, r.kind, r.file_id, r.caption) for r in records}
        out = []
        for delivery, refs in build_deliveries(client_id, list(files.values()), header, key_prefix):
            won = await self._media.claim(client_id, refs, str(delivery.dedup_key))
            if len(won) == len(refs):
                out.append(delivery)
            elif won:
                method, payload = group_payload([files[ref] for ref in refs if ref in won], header)
                out.append(Delivery(client_id, method, payload, delivery.dedup_key))
        return out

    async def claimed_deliveries(
        self, client_id: int, records: Sequence[MediaRecord], header: str, key_prefix: str
    ) -> list[Delivery]:
        """For other senders of filed files (the folder watcher): as `_claimed`."""
        return await self._claimed(client_id, records, header, key_prefix)

    def _protocol_entry(
        self, staff: User, order: Order | None, record: MediaRecord, recipient: str
    ) -> ProtocolEntry:
        return ProtocolEntry(
            order_id=record.order_id,
            order_number=order.number if order else None,
            sender_id=staff.telegram_id,
            sender_role=int(staff.level),
            sender_name=staff.display_name,
            recipient=recipient,
            kind=record.kind,
            text=record.caption,
            file_path=record.rel_path,
            dedup_key=f"media:{record.dedup_key}",
        )

    # --- backlog ------------------------------------------------------------------------------

    async def deliver_backlog(self, client: User, trigger: str) -> int:
        """Queue to a (re)connected client what was filed for their open orders and they have not got.

        `trigger` identifies the event (e.g. the contact message `chat:message`): the same trigger
        queues nothing new; a later one picks up what earlier deliveries could not bring.
        Returns how many files were queued.
        """
        if client.level is not Level.CLIENT or not client.is_active:
            return 0
        orders = {order.id: order for order in await self._orders.open_for_phone(client.phone)}
        records = await self._media.undelivered(client.telegram_id, list(orders))
        if not records:
            return 0
        deliveries: list[Delivery] = []
        names: dict[int, str] = {}
        queued = 0
        for unit in _units(records):
            head = unit[0]
            if head.employee_id not in names:
                employee = await self._users.get(head.employee_id)
                names[head.employee_id] = employee.display_name if employee else ""
            order = orders[head.order_id]
            header = texts.media_header(
                order.number, head.type_label, names[head.employee_id], self._settings.organization_name
            )
            prefix = f"backlog:{client.telegram_id}:{trigger}"
            batch = await self._claimed(client.telegram_id, unit, header, prefix)
            queued += sum(len(d.payload.get("media", [None])) for d in batch)  # type: ignore[arg-type]
            deliveries += batch
            await self._work.remember_contact(client.telegram_id, head.employee_id, order.id)
        if not deliveries:
            return 0
        numbers = sorted({orders[r.order_id].number for r in records})
        intro = Delivery(
            client.telegram_id,
            Method.MESSAGE,
            {"text": texts.backlog_intro(self._settings.organization_name, numbers, queued)},
            f"backlog:{client.telegram_id}:{trigger}:intro",
        )
        await self._outbox.enqueue([intro, *deliveries])
        log.info("Backlog: %d file(s) queued for client %s", queued, client.telegram_id)
        return queued


def _incoming_units(files: Sequence[IncomingFile]) -> list[list[IncomingFile]]:
    """Consecutive files of one message or one album, as they were sent."""
    units: list[list[IncomingFile]] = []
    for item in files:
        last = units[-1][-1] if units else None
        if last is not None and item.media_group_id and item.media_group_id == last.media_group_id:
            units[-1].append(item)
        else:
            units.append([item])
    return units


def _units(records: Sequence[MediaRecord]) -> list[list[MediaRecord]]:
    """Consecutive files sent together originally (one message or one album of one order and stage)."""
    units: list[list[MediaRecord]] = []
    for record in records:
        last = units[-1][-1] if units else None
        same = (
            last is not None
            and record.media_group_id is not None
            and (record.chat_id, record.media_group_id, record.order_id, record.type_label)
            == (last.chat_id, last.media_group_id, last.order_id, last.type_label)
        )
        if same:
            units[-1].append(record)
        else:
            units.append([record])
    return units


# --- the report to the employee ------------------------------------------------------------------


def media_report(batch: Batch) -> Delivery | None:
    """Outbox reporter "media": one message per filed message/album, replying to it."""
    if batch.report_to is None:
        return None
    params = batch.params
    by_client: dict[int, set[Status]] = {}
    for outcome in batch.outcomes:
        by_client.setdefault(outcome.chat_id, set()).add(outcome.status)
    sent = sum(1 for statuses in by_client.values() if statuses == {Status.SENT})
    blocked = sum(1 for statuses in by_client.values() if Status.BLOCKED in statuses)
    failed = len(by_client) - sent - blocked
    text = texts.media_report(
        saved=int(params.get("saved", 0)),
        total=int(params.get("total", 0)),
        order=str(params.get("order", "")),
        stage=str(params.get("stage", "")),
        folder=str(params.get("folder", "")),
        reach=str(params.get("reach", "")),
        too_big=int(params.get("too_big", 0)),
        failed_saves=int(params.get("failed", 0)),
        gone=bool(params.get("gone", False)),
        local_api=bool(params.get("local_api", False)),
        clients_sent=sent,
        clients_blocked=blocked,
        clients_failed=failed,
        already_sent=not by_client,
    )
    if params.get("unsafe"):
        text += "\n" + texts.share_link_refused(int(params["unsafe"]), str(params.get("order", "")))
    payload: dict[str, Any] = {"text": text}
    if params.get("reply_to"):
        payload["reply_to"] = params["reply_to"]
    return Delivery(batch.report_to, Method.MESSAGE, payload, f"media-report-msg:{batch.id}")
