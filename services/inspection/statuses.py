"""The order's status: set by staff with one tap, stored with who and when, told to the owner once.

A status is a key of config ORDER_STATUSES (the label shown may change). Setting the status the order
already has stores nothing and tells nobody (a double tap, two staff at once). After the status is
committed: a protocol line (the history, who and when), the owner's message from status_messages.txt
(services/inspection/status_templates.py) through the outbox, then the `on_change` listeners
(e.g. the PDF report at "ready"), each on its own: one failing does not stop the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import texts
from database.order_statuses import StatusMark, StatusRepo, StatusSetRow
from database.orders import Order, OrderRepo
from database.outbox import Delivery, Method
from database.protocol import ProtocolEntry
from database.users import User, UserRepo
from services.inspection.status_templates import StatusTemplates
from services.orders_flow import OrderFlowError, OrderGone
from services.ports import Deliveries, Recorder

log = logging.getLogger(__name__)

# Called after a status is committed: (the order, the status key, the staff member, the status row id).
# Also called when the same update runs again after a crash, so a listener dedups by the row id.
StatusListener = Callable[[Order, str, User, int], Awaitable[None]]


class StatusGone(OrderFlowError):
    """A status button naming a position ORDER_STATUSES does not have (forged, or the list shrank)."""


@dataclass(frozen=True, slots=True)
class StatusChoice:
    order: Order
    current: str | None  # the key, None when never set


@dataclass(frozen=True, slots=True)
class StatusSet:
    order: Order
    key: str
    label: str
    changed: bool  # False: the order already had it, nothing stored or sent
    notified: int  # owners messaged
    row_id: int  # the order_statuses row now current


class StatusService:
    def __init__(
        self,
        repo: StatusRepo,
        orders: OrderRepo,
        users: UserRepo,
        outbox: Deliveries,
        protocol: Recorder,
        templates: StatusTemplates,
        statuses: Mapping[str, str],
        organization: str,
        on_change: Sequence[StatusListener] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._repo = repo
        self._orders = orders
        self._users = users
        self._outbox = outbox
        self._protocol = protocol
        self._templates = templates
        self._statuses = dict(statuses)
        self._organization = organization
        self._listeners = list(on_change)
        self._clock = clock

    @property
    def statuses(self) -> dict[str, str]:
        return dict(self._statuses)

    @property
    def templates(self) -> StatusTemplates:
        """The owner's messages per status (the admin menu shows and edits them)."""
        return self._templates

    def on_change(self, listener: StatusListener) -> None:
        """React to every committed status change (called in the order added)."""
        self._listeners.append(listener)

    def label(self, key: str | None) -> str | None:
        """The label of a stored key; a key no longer configured is shown as it is."""
        return None if key is None else self._statuses.get(key, key)

    async def history(self, order_id: int) -> list[StatusMark]:
        return await self._repo.history(order_id)

    async def choice(self, order_id: int) -> StatusChoice:
        """The order and its current status, for the list of statuses (OrderGone unless open)."""
        order = await self._open(order_id)
        current = await self._repo.current(order.id)
        return StatusChoice(order, current.status if current else None)

    async def set_status(self, staff: User, order_id: int, index: int) -> StatusSet:
        """Status number `index` of ORDER_STATUSES for the order: OrderGone, StatusGone."""
        order = await self._open(order_id)
        keys = list(self._statuses)
        if not 0 <= index < len(keys):
            raise StatusGone()
        key = keys[index]
        label = self._statuses[key]
        row, changed = await self._repo.set(order.id, key, staff.telegram_id, self._clock())
        if changed:
            log.info("Order %s status %s set by %s", order.number, key, staff.telegram_id)
        # Unchanged (a double tap, or an update run again after a crash): the owner's message and the
        # protocol line are asked for again under the same keys, so they exist once, never twice.
        notified = await self._tell_owner(order, key, label, row)
        await self._record(order, label, staff, row, notified)
        return StatusSet(
            order, key, label, changed=changed, notified=notified if changed else 0, row_id=row.id
        )

    async def after_set(self, done: StatusSet, staff: User) -> None:
        """The listeners (the report at "ready"...), run by the handler once the staff member has the
        answer: slow work does not delay the tap. Run for a double tap and for an update run again after
        a crash too (the inbox keeps it until handled), so nothing is lost; listeners dedup by row id."""
        for listener in self._listeners:
            try:
                await listener(done.order, done.key, staff, done.row_id)
            except Exception:  # one reaction failing must not undo the status or stop the others
                log.exception("A status listener failed for order %s (%s)", done.order.number, done.key)

    async def _open(self, order_id: int) -> Order:
        order = await self._orders.get(order_id)
        if order is None or not order.is_open:
            raise OrderGone()
        return order

    async def _tell_owner(self, order: Order, key: str, label: str, row: StatusSetRow) -> int:
        owners = await self._users.active_clients_with_phone(order.phone) if order.phone else []
        if not owners:
            return 0
        values = {
            "order": order.number,
            "plate": texts.plate_display(order.plate) if order.plate else texts.STATUS_PLATE_UNKNOWN,
            "status": label,
            "organization": self._organization,
        }
        text = await self._templates.message(key, values)
        await self._outbox.enqueue(
            [
                Delivery(
                    owner.telegram_id,
                    Method.MESSAGE,
                    {"text": text},
                    f"status:{row.set_by}:{row.id}:{owner.telegram_id}",
                )
                for owner in owners
            ]
        )
        return len(owners)

    async def _record(self, order: Order, label: str, staff: User, row: StatusSetRow, notified: int) -> None:
        entry = ProtocolEntry.in_order(
            staff,
            order,
            recipient="клиент" if notified else "—",
            kind="status",
            text=texts.status_protocol(label),
            dedup_key=f"status:{row.id}",
        )
        await self._protocol.record(entry)
