"""Files sent before a stage (or an order) is chosen: kept durably, by file id, until the employee taps
a stage; then `MediaService.file_held` files them as if they had just arrived."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from database.held_media import HeldMediaRepo
from database.orders import OrderRepo
from database.users import User
from database.work import WorkRepo
from services.media.incoming import UNASSIGNED_HOLD_SECONDS, Held, IncomingFile, Problem

log = logging.getLogger(__name__)


class HeldFiles:
    def __init__(self, held: HeldMediaRepo, orders: OrderRepo, work: WorkRepo) -> None:
        self._held = held
        self._orders = orders
        self._work = work

    async def hold(self, staff: User, files: Sequence[IncomingFile]) -> Held | Problem:
        """Files for the staff member's order, sent before its stage is chosen."""
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

    async def pending(self, staff_id: int, order_id: int) -> list[IncomingFile]:
        """What waits for this order's stage, and what was sent before any order lately."""
        since = time.time() - UNASSIGNED_HOLD_SECONDS
        held = await self._held.for_order(staff_id, order_id, since)
        return [IncomingFile.from_json(item.payload) for item in held]

    async def release(self, files: Sequence[IncomingFile]) -> None:
        await self._held.release([f.key for f in files])
