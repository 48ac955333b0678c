"""The employee's media workflow: file what was shot into the order folder, send it to the client,
write the protocol, report back; and the backlog for clients who connect later. No aiogram here:
the handler turns messages into `IncomingFile`s and passes a `fetch` coroutine that gets the bytes.

Idempotent by construction, so a replayed update (after a crash) changes nothing twice:
a file is downloaded only if its `chat_id:message_id` is not in the media table; deliveries,
the report batch and protocol lines carry keys derived from the same ids; a client's copy of a
file is claimed in `media_deliveries` before it is queued.

`MediaService` is what the handlers call; the work is done by `Filer` (filing.py), `HeldFiles`
(held.py) and `ClientDelivery` (clients.py); the report to the employee is report.py.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from config import Settings
from database.held_media import HeldMediaRepo
from database.media import MediaRecord, MediaRepo
from database.orders import Order, OrderRepo
from database.outbox import BatchSpec, Delivery
from database.protocol import ProtocolEntry
from database.users import User, UserRepo
from database.work import WorkRepo
from services.inspection.marks import MARKABLE_KINDS, Mark, MarkService
from services.media.clients import ClientDelivery
from services.media.filing import Filer, Intake
from services.media.held import HeldFiles
from services.media.incoming import Fetch, Held, IncomingFile, Problem, WorkTarget, incoming_units
from services.media.report import REPORT_KIND
from services.media.store import MediaStore
from services.ports import Deliveries, Recorder

log = logging.getLogger(__name__)


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
        marks: MarkService | None = None,
    ) -> None:
        self._settings = settings
        self._orders = orders
        self._protocol = protocol
        self._outbox = outbox
        self._marks = marks
        self._filer = Filer(settings=settings, store=store, media=media, orders=orders, work=work)
        self._held = HeldFiles(held, orders, work)
        self._clients = ClientDelivery(
            settings=settings, media=media, orders=orders, users=users, work=work, outbox=outbox, marks=marks
        )

    async def target(self, staff_id: int) -> WorkTarget | Problem:
        """The order and stage a staff member files into now, or what is missing."""
        return await self._filer.target(staff_id)

    async def intake(self, staff: User, files: Sequence[IncomingFile], fetch: Fetch) -> Problem | Held | None:
        """File one message or album; queue its deliveries and the report. A Problem: nothing filed.

        Sent before a stage (or an order) is chosen, the files are held (durably, by file id) and
        filed once the employee taps a stage (`file_held`): Held says so, nobody is asked to resend.
        """
        if not files:
            return None
        intake = await self._filer.save_all(staff, files, fetch)
        if not intake.records:
            if intake.problem is Problem.NO_TYPE:
                return await self._held.hold(staff, files)
            if intake.problem is Problem.NO_ORDER:
                return await self._held.hold_unassigned(staff, files)
            if intake.problem is not None:
                return intake.problem
            if intake.gone:
                return Problem.ORDER_CLOSED
        order = await self._order_of(intake)
        marked = await self._marks.from_captions(staff, intake.records) if self._marks else {}
        deliveries, reach, recipient = await self._clients.plan_live(staff, order, intake.records)
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
            **_mark_params(intake.records, marked),
        }
        batch = BatchSpec(REPORT_KIND, first.chat_id, params, dedup_key=f"media-report:{first.key}")
        await self._outbox.enqueue(deliveries, batch)
        return None

    async def hold_unassigned(self, staff: User, files: Sequence[IncomingFile]) -> Held:
        """Files sent before an order is chosen (none yet, or a search under way): they wait for the
        stage the employee taps next."""
        return await self._held.hold_unassigned(staff, files)

    async def file_held(self, staff: User, order_id: int, fetch: Fetch) -> int:
        """File what the staff member sent into this order before its stage (now chosen), and what
        they sent before choosing any order lately; how many.

        Each message or album is filed as if it had just arrived (one report each). Replayed after a
        crash, intake's keys make it change nothing twice; rows are released once filed.
        """
        files = await self._held.pending(staff.telegram_id, order_id)
        for unit in incoming_units(files):
            outcome = await self.intake(staff, unit, fetch)
            if isinstance(outcome, Held | Problem):
                log.warning("Held files of %s not filed: %s", staff.telegram_id, outcome)
                return 0  # still held (stage gone meanwhile) or the order closed: kept for later
            await self._held.release(unit)
        return len(files)

    async def save_client_file(self, order: Order, incoming: IncomingFile, fetch: Fetch) -> str | None:
        """File what a client sent about an open order into its client subfolder; the relative path.

        None when it could not be saved (too big, folder gone, download failed): the message still
        reaches staff, and the protocol keeps its Telegram file id instead of a path.
        """
        return await self._filer.save_client_file(order, incoming, fetch)

    async def claimed_deliveries(
        self, client_id: int, records: Sequence[MediaRecord], header: str, key_prefix: str
    ) -> list[Delivery]:
        """For other senders of filed files (the folder watcher): deliveries of `records` to one
        client, minus files another delivery already holds."""
        return await self._clients.claimed(client_id, records, header, key_prefix)

    async def deliver_backlog(self, client: User, trigger: str) -> int:
        """Queue to a (re)connected client what was filed for their open orders and they have not got;
        how many files (see ClientDelivery.deliver_backlog)."""
        return await self._clients.deliver_backlog(client, trigger)

    async def _order_of(self, intake: Intake) -> Order | None:
        if not intake.records:
            return None
        return await self._orders.get(intake.records[0].order_id)

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


def _mark_params(records: Sequence[MediaRecord], marked: dict[int, Mark]) -> dict[str, Any]:
    """What the report needs to offer the 🟢/🟡/🔴 buttons: the first photo or video filed (the tap
    marks its whole message or album), and the mark its caption gave, if any."""
    visual = [record.id for record in records if record.kind in MARKABLE_KINDS]
    if not visual:
        return {}
    params: dict[str, Any] = {"mark_media": visual[0]}
    if visual[0] in marked:
        params["mark"] = str(marked[visual[0]])
    return params
