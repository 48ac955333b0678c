"""An employee's work order, as use cases: open it, choose its stage, enter its chat, find it.

The choice lives in SQLite (WorkRepo) and in a message pinned at the top of the employee's chat, so it
survives restarts. No aiogram here: the pinned message is reached through a `Pins` port (the handlers
give one over the Bot API), and each use case returns a result or raises an `OrderFlowError` that
handlers/errors.py turns into a Russian answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from database.orders import ListedOrder, Order, OrderRepo
from database.users import User
from database.work import WorkRepo
from services.orders.index import OrderIndex
from services.plate_text import normalize_plate

SEARCH_LIMIT = 20
DAY_PAGE_SIZE = 20  # a calendar day's list, page by page: a phone screen of buttons

Lookup = Callable[[str], Awaitable[list[Order]]]


class Pins(Protocol):
    """The message pinned at the top of the employee's chat (the order and its stage)."""

    async def pin(self, order: Order, label: str | None) -> int | None:
        """Post and pin a new one; its message id, or None when it could not be pinned."""

    async def edit(self, message_id: int, order: Order, label: str | None) -> bool:
        """Rewrite the pinned message in place; False when it is gone (deleted, too old)."""

    async def unpin(self, message_id: int) -> None: ...


class Reader(Protocol):
    """What reads a photo (services.recognition.worker.Recognizer); it raises the recognition errors."""

    async def barcodes(self, data: bytes) -> list[str]: ...

    async def plates(self, data: bytes, known: Collection[str] = ()) -> list[str]: ...


# --- domain errors ------------------------------------------------------------------------------


class OrderFlowError(Exception):
    """An employee's choice that cannot be made; handlers/errors.py has the answer to each kind."""


class OrderGone(OrderFlowError):
    """The order is closed or unknown (a button of an older list, a forged callback)."""


class StageGone(OrderFlowError):
    """The stage button names a stage TYPE_ORDER no longer has."""


class NoCurrentOrder(OrderFlowError):
    """/type before any order was chosen."""


class OrderChanged(OrderFlowError):
    """A button about an order that is no longer the employee's current one."""


class PageGone(OrderFlowError):
    """A page button of a day list naming a page that day does not have (forged, or the list shrank)."""


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderOpened:
    order: Order
    pinned: bool  # False: the pin failed, the choice is saved all the same


@dataclass(frozen=True, slots=True)
class StageChosen:
    order: Order
    label: str
    folder: str
    pinned: bool


@dataclass(frozen=True, slots=True)
class ChatEntered:
    order: Order
    opened: OrderOpened | None  # the order was another one: it was opened (and its chat entered)


@dataclass(frozen=True, slots=True)
class OrdersFound:
    """What a search offers: one open order is opened at once (`opened`), several are listed."""

    orders: list[Order]
    opened: OrderOpened | None = None
    too_many: bool = False  # more than SEARCH_LIMIT: not listed, the employee types more of it


@dataclass(frozen=True, slots=True)
class DayPage:
    day: date
    orders: list[ListedOrder]
    page: int  # 0-based
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class PhotoSearch:
    read: list[str]  # the barcodes / plates read, best first
    matched: list[str]  # those an open order has
    found: OrdersFound  # no orders: nothing read names an open order


class OrdersFlow:
    def __init__(
        self, orders: OrderRepo, work: WorkRepo, order_index: OrderIndex, stages: Mapping[str, str]
    ) -> None:
        self._orders = orders
        self._work = work
        self._index = order_index
        self._stages = dict(stages)  # TYPE_ORDER: a stage's label -> its folder, in the buttons' order

    # --- choosing ---------------------------------------------------------------------------

    async def open_order(self, staff: User, order_id: int, pins: Pins) -> OrderOpened:
        """Make the order the staff member's current one (OrderGone unless open): the stage is chosen
        again for it, its chat is entered (what they type goes to its client) and it is pinned."""
        return await self._open(staff, await self._open_one(order_id), pins)

    async def current_order(self, staff: User) -> Order:
        """The open order /type offers stages for: NoCurrentOrder, OrderGone."""
        context = await self._work.get(staff.telegram_id)
        if context is None or context.order_id is None:
            raise NoCurrentOrder()
        return await self._open_one(context.order_id)

    async def choose_stage(self, staff: User, order_id: int, stage_index: int, pins: Pins) -> StageChosen:
        """The stage of a stage button (OrderGone, StageGone); a keyboard of an earlier order makes
        that order the current one again."""
        order = await self._open_one(order_id)
        labels = list(self._stages)
        if not 0 <= stage_index < len(labels):
            raise StageGone()
        label = labels[stage_index]
        context = await self._work.get(staff.telegram_id)
        if context is None or context.order_id != order.id:
            await self._work.set_order(staff.telegram_id, order.id)
        await self._work.set_type(staff.telegram_id, label)
        pinned = await self._pin(staff, order, label, pins)
        return StageChosen(order, label, self._stages[label], pinned)

    async def enter_chat(self, staff: User, order_id: int, pins: Pins) -> ChatEntered:
        """The order card's "write to the client": that order's chat, opened first if it is another."""
        order = await self._open_one(order_id)
        context = await self._work.get(staff.telegram_id)
        if context is None or context.order_id != order.id:
            return ChatEntered(order, await self._open(staff, order, pins))
        await self._work.set_chatting(staff.telegram_id, True)
        return ChatEntered(order, None)

    async def back_to_chat(self, staff: User, order_id: int) -> None:
        """Into the chat of the current order again (OrderChanged when it is another by now)."""
        context = await self._work.get(staff.telegram_id)
        if context is None or context.order_id != order_id:
            raise OrderChanged()
        await self._work.set_chatting(staff.telegram_id, True)

    async def browse(self, staff: User) -> bool:
        """Looking for an order (/order, the calendar button): what is typed now is not for the current
        order's client; the folders are rescanned. False when the order index could not be read."""
        await self.leave_chat(staff)
        report = await self._index.refresh()
        return report.error is None

    async def repin(self, staff: User, order_id: int, pins: Pins) -> None:
        """The order changed (its status): the staff member's pin redrawn if it shows that order."""
        context = await self._work.get(staff.telegram_id)
        if context is None or context.order_id != order_id:
            return
        order = await self._orders.get(order_id)
        if order is not None and order.is_open:
            await self._pin(staff, order, context.type_label, pins)

    async def redraw_pins(self, order_id: int, pins_of: Callable[[int], Pins], skip: int) -> int:
        """The order changed (its status): the pin of every other staff member working on it is edited
        in place (never a new message in a chat that did not ask); how many were redrawn."""
        order = await self._orders.get(order_id)
        if order is None or not order.is_open:
            return 0
        redrawn = 0
        for context in await self._work.pinned_on(order_id):
            if context.telegram_id == skip or context.pin_message_id is None:
                continue
            # a pin that cannot be edited is made anew when that person next opens the order
            redrawn += await pins_of(context.telegram_id).edit(
                context.pin_message_id, order, context.type_label
            )
        return redrawn

    async def leave_chat(self, staff: User) -> None:
        await self._work.set_chatting(staff.telegram_id, False)

    # --- finding ------------------------------------------------------------------------------

    async def day_page(self, day: date, page: int) -> DayPage:
        """One page of the day's open orders (PageGone for a page the day does not have; an empty day
        has its page 0, empty)."""
        total = await self._orders.count_open_on(day)
        pages = max(1, -(-total // DAY_PAGE_SIZE))
        if not 0 <= page < pages:
            raise PageGone()
        listed = await self._orders.listed_open_on(day, page * DAY_PAGE_SIZE, DAY_PAGE_SIZE)
        return DayPage(day, listed, page, pages, total)

    async def listed(self, orders: Sequence[Order]) -> list[ListedOrder]:
        """Orders with their cars and clients, for a list or the order card."""
        return await self._orders.listed(orders)

    async def search(self, part: str) -> list[Order]:
        """Open orders whose number has `part`: SEARCH_LIMIT + 1 at most (more: "too many")."""
        return await self._orders.search_open(part, limit=SEARCH_LIMIT + 1)

    async def search_number(self, staff: User, part: str, pins: Pins) -> OrdersFound:
        """The "part of the number" search, offered like the others: the one open order it finds is
        opened at once (its card is the message); more than SEARCH_LIMIT are not listed (`too_many`)."""
        found = await self.search(part)
        if len(found) > SEARCH_LIMIT:
            return OrdersFound(found, too_many=True)
        return await self.offer(staff, found, pins)

    async def search_typed(self, staff: User, text: str, pins: Pins) -> OrdersFound:
        """What an employee typed in a photo search (see `find_typed`), offered: one open order opened at
        once; more than SEARCH_LIMIT are not listed (`too_many`)."""
        found = await self.find_typed(text)
        if len(found) > SEARCH_LIMIT:
            return OrdersFound(found, too_many=True)
        return await self.offer(staff, found, pins)

    async def find_typed(self, text: str) -> list[Order]:
        """A typed barcode (exact), plate (normalized) or part of an order number, tried in that order;
        nothing found: once more after a rescan (a folder created moments ago)."""
        found = await self._typed_matches(text)
        if not found:
            await self._index.refresh()
            found = await self._typed_matches(text)
        return found

    async def find_read(self, values: Sequence[str], barcode: bool) -> tuple[list[Order], list[str]]:
        """Open orders matching any barcode / plate read from a photo (in their order) and the values that
        matched; none: the folders are rescanned once and the values tried again."""
        lookup = self._orders.open_by_barcode if barcode else self._orders.open_by_plate
        if not values:
            return [], []
        found, matched = await _collect(values, lookup)
        if not found:
            await self._index.refresh()
            found, matched = await _collect(values, lookup)
        return found, matched

    async def find_by_photo(
        self, staff: User, photo: bytes, barcode: bool, reader: Reader, pins: Pins
    ) -> PhotoSearch:
        """The order sheet's barcode or the car's plate in a photo; what is read is offered like a
        search (one open order opened at once). The reader's errors (unreadable image, no engine) pass."""
        # a plate reader torn between close reads takes the one an open order has
        known = () if barcode else await self._orders.open_plates()
        read = await (reader.barcodes(photo) if barcode else reader.plates(photo, known))
        found, matched = await self.find_read(read, barcode)
        return PhotoSearch(read, matched, await self.offer(staff, found, pins) if found else OrdersFound([]))

    async def offer(self, staff: User, found: Sequence[Order], pins: Pins) -> OrdersFound:
        """One open order among `found` is opened at once; several are listed; none, an empty list."""
        still_open = [order for order in found if order.is_open]
        if len(still_open) == 1:
            return OrdersFound(still_open, await self._open(staff, still_open[0], pins))
        return OrdersFound(still_open)

    # --- inside -------------------------------------------------------------------------------

    async def _open_one(self, order_id: int) -> Order:
        order = await self._orders.get(order_id)
        if order is None or not order.is_open:
            raise OrderGone()
        return order

    async def _open(self, staff: User, order: Order, pins: Pins) -> OrderOpened:
        await self._work.set_order(staff.telegram_id, order.id)
        return OrderOpened(order, await self._pin(staff, order, None, pins))

    async def _pin(self, staff: User, order: Order, label: str | None, pins: Pins) -> bool:
        """The pinned order/stage message, edited in place; when there is none or it cannot be edited,
        a new one is pinned and the old one unpinned."""
        context = await self._work.get(staff.telegram_id)
        old = context.pin_message_id if context else None
        if old is not None and await pins.edit(old, order, label):
            return True
        new = await pins.pin(order, label)
        if new is None:
            return False
        await self._work.set_pin(staff.telegram_id, new)
        if old is not None and old != new:
            await pins.unpin(old)
        return True

    async def _typed_matches(self, text: str) -> list[Order]:
        found = await self._orders.open_by_barcode(text)
        if not found and (plate := normalize_plate(text)):
            found = await self._orders.open_by_plate(plate)
        if not found:
            found = await self.search(text)
        return found


async def _collect(values: Sequence[str], lookup: Lookup) -> tuple[list[Order], list[str]]:
    """Every match of every value: a second OCR candidate that also names an open order is shown too,
    so the employee chooses instead of the bot guessing."""
    found: dict[int, Order] = {}
    matched: list[str] = []
    for value in values:
        hits = await lookup(value)
        if hits:
            matched.append(value)
            for order in hits:
                found.setdefault(order.id, order)
    return list(found.values()), matched
