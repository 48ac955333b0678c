"""The customer-care queue: who took a client's request, closing it, and reminders about requests
nobody answered (care after CARE_REMIND_MINUTES, the admins after twice that). No aiogram here."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import texts
from database.outbox import Delivery, Method
from database.routing import RoutingRepo
from database.users import Level, User, UserRepo
from services.conversations.deliveries import who
from services.conversations.routing import ClientRouter
from services.periodic import every
from services.ports import Deliveries

log = logging.getLogger(__name__)


class CareButtons(Protocol):
    def reply_to(self, client: User) -> dict[str, Any]: ...

    def taken(self, client: User, taker: str, mine: bool) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Taken:
    client: User
    taker: User | None  # who has the request now (None: the taker's account is gone)
    mine: bool  # the one who pressed has it


@dataclass(frozen=True, slots=True)
class Closed:
    client: User
    done: bool  # False: someone else has the request
    taker: User | None


class CareQueue:
    def __init__(
        self,
        users: UserRepo,
        routing: RoutingRepo,
        router: ClientRouter,
        outbox: Deliveries,
        buttons: CareButtons,
        remind_minutes: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`clock`: wall seconds (the waits are stored as wall time); tests pass their own."""
        self._users = users
        self._routing = routing
        self._router = router
        self._outbox = outbox
        self._buttons = buttons
        self._remind = remind_minutes * 60
        self._clock = clock

    async def take(self, care: User, client_id: int) -> Taken | None:
        """`care` takes the client's request; None for a client care may not answer (forged button)."""
        client = await self._router.care_client(client_id)
        if client is None:
            return None
        await self._routing.open_care_thread(client_id)  # rows from before care_threads
        taker_id = await self._routing.take_care(client_id, care.telegram_id)
        taker = care if taker_id == care.telegram_id else await self._users.get(taker_id or 0)
        return Taken(client, taker, taker_id == care.telegram_id)

    async def close(self, care: User, client_id: int) -> Closed | None:
        """The request is done (the client is not told); None for a client care may not answer.
        Only whoever took it closes it (or anyone while nobody has; an admin always)."""
        client = await self._router.care_client(client_id)
        if client is None:
            return None
        thread = await self._routing.care_thread(client_id)
        taken_by = thread.taken_by if thread is not None else None
        if taken_by not in (None, care.telegram_id) and care.level is not Level.ADMIN:
            return Closed(client, False, await self._users.get(taken_by or 0))
        await self._routing.close_care(client_id)
        return Closed(client, True, None)

    async def request_copies(self, client_id: int, button: str) -> list[tuple[int, int]]:
        return await self._routing.care_request_copies(client_id, button)

    # --- reminders --------------------------------------------------------------------------------

    async def remind_round(self) -> int:
        """Queue the reminders now due; how many requests were reminded about."""
        now = self._clock()
        count = 0
        for stage in (2, 1):  # the admins' stage first: a long-forgotten request is not reminded twice
            for client_id, since, taken_by in await self._routing.care_overdue(
                now - self._remind * stage, stage
            ):
                client = await self._users.get(client_id)
                if client is not None and client.is_active:
                    await self._remind_about(client, since, taken_by, stage)
                    count += 1
                await self._routing.care_reminded(client_id, stage, since)
        return count

    async def run_periodically(self, interval: float | None = None) -> None:
        interval = interval if interval is not None else max(1.0, min(60.0, self._remind / 4))
        await every(interval, self.remind_round, log, "Care reminder round failed")

    async def _remind_about(self, client: User, since: float, taken_by: int | None, stage: int) -> None:
        if stage == 1:
            recipients = await self._router.care_recipients()
        else:
            recipients = await self._users.active_with_level(Level.ADMIN)
        taker = await self._users.get(taken_by) if taken_by is not None else None
        name = taker_name(taker)
        minutes = max(1, int((self._clock() - since) // 60))
        text = texts.care_remind(who(client), client.phone, minutes, name, stage)
        key = f"care-remind:{client.telegram_id}:{since:.3f}:{stage}"

        def markup(chat_id: int) -> dict[str, Any]:
            if name is None:
                return self._buttons.reply_to(client)
            return self._buttons.taken(client, name, mine=chat_id == taken_by)

        await self._outbox.enqueue(
            [
                Delivery(
                    r.telegram_id,
                    Method.MESSAGE,
                    {"text": text, "reply_markup": markup(r.telegram_id)},
                    f"{key}:{r.telegram_id}",
                )
                for r in recipients
            ]
        )
        log.info("Care reminder (stage %s) about client %s to %s", stage, client.telegram_id, len(recipients))


def taker_name(user: User | None) -> str | None:
    return (user.name or user.tg_name or user.phone) if user is not None else None
