"""Delivery of filed files to the car's owners: live, as the employee files them, and the backlog for
clients who connect later. A client's copy of a file is claimed in `media_deliveries` before it is
queued, so no file reaches the same client twice whichever path sends it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum

import texts
from config import Settings
from database.media import MediaRecord, MediaRepo
from database.orders import Order, OrderRepo
from database.outbox import Delivery, Method
from database.users import Level, User, UserRepo
from database.work import WorkRepo
from services.delivery import OutgoingFile, build_deliveries, group_payload
from services.inspection.marks import MarkService
from services.ports import Deliveries

log = logging.getLogger(__name__)


class Reach(StrEnum):
    """Whether the files go to a client (params["reach"] of the report batch)."""

    SEND = "send"
    HIDDEN = "hidden"
    NO_CLIENT_DATA = "no_data"
    NO_CLIENT = "no_client"
    NOTHING_SAVED = "nothing"


class ClientDelivery:
    def __init__(
        self,
        *,
        settings: Settings,
        media: MediaRepo,
        orders: OrderRepo,
        users: UserRepo,
        work: WorkRepo,
        outbox: Deliveries,
        marks: MarkService | None = None,
    ) -> None:
        self._settings = settings
        self._media = media
        self._orders = orders
        self._users = users
        self._work = work
        self._outbox = outbox
        self._marks = marks

    async def plan_live(
        self, staff: User, order: Order | None, records: list[MediaRecord]
    ) -> tuple[list[Delivery], Reach, str]:
        """Deliveries of just filed `records` to the order's clients, whether they go, the protocol's
        recipient."""
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
            deliveries += await self.claimed(client.telegram_id, records, header, prefix)
            await self._work.remember_contact(client.telegram_id, staff.telegram_id, order.id)
        return deliveries, Reach.SEND, texts.protocol_to_client(order.phone)

    async def claimed(
        self, client_id: int, records: Sequence[MediaRecord], header: str, key_prefix: str
    ) -> list[Delivery]:
        """Deliveries of `records` to one client, minus files another delivery already holds."""
        captions = await self._marks.captions(records) if self._marks else {}
        files = {r.id: OutgoingFile(r.id, r.kind, r.file_id, captions.get(r.id, r.caption)) for r in records}
        out = []
        for delivery, refs in build_deliveries(client_id, list(files.values()), header, key_prefix):
            won = await self._media.claim(client_id, refs, str(delivery.dedup_key))
            if len(won) == len(refs):
                out.append(delivery)
            elif won:
                method, payload = group_payload([files[ref] for ref in refs if ref in won], header)
                out.append(Delivery(client_id, method, payload, delivery.dedup_key))
        return out

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
            batch = await self.claimed(client.telegram_id, unit, header, prefix)
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
