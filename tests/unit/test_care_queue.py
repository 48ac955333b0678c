"""The care queue's service: taking a request (once, forged ones refused), closing it, and the two
reminder stages driven by an injected clock."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from database.connection import Database
from database.orders import OrderRepo
from database.outbox import BatchSpec, Delivery, Method, OutboxRepo, Status
from database.routing import RoutingRepo
from database.users import Activity, Level, User, UserRepo
from database.work import WorkRepo
from services.conversations import CareQueue, ClientRouter

CLIENT, CARE_A, CARE_B, ADMIN, EMPLOYEE = 1, 11, 12, 21, 31


class Outbox:
    def __init__(self) -> None:
        self.sent: list[Delivery] = []

    async def enqueue(self, deliveries: Sequence[Delivery], batch: BatchSpec | None = None) -> None:
        self.sent.extend(deliveries)


class Buttons:
    def reply_to(self, client: User) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "take", "callback_data": f"cr:t:{client.telegram_id}"}]]}

    def taken(self, client: User, taker: str, mine: bool) -> dict[str, Any]:
        return {"taken": taker, "mine": mine}


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def _setup(tmp_path: Path) -> tuple[Database, UserRepo, RoutingRepo, CareQueue, Outbox, Clock]:
    db = await Database.open(tmp_path / "bot.db")
    users, routing = UserRepo(db), RoutingRepo(db)
    for telegram_id, level in [
        (CLIENT, Level.CLIENT),
        (CARE_A, Level.CARE),
        (CARE_B, Level.CARE),
        (ADMIN, Level.ADMIN),
        (EMPLOYEE, Level.EMPLOYEE),
    ]:
        await users.register(telegram_id, f"+37529000{telegram_id:04d}", f"<b>u{telegram_id}</b>", level)
        await users.set_activity(telegram_id, Activity.ACTIVE)
    outbox, clock = Outbox(), Clock()
    router = ClientRouter(users, OrderRepo(db), WorkRepo(db), routing)
    queue = CareQueue(users, routing, router, outbox, Buttons(), remind_minutes=15, clock=clock)
    return db, users, routing, queue, outbox, clock


async def test_a_request_is_taken_once_and_forged_ones_are_refused(tmp_path: Path) -> None:
    db, users, routing, queue, _, _ = await _setup(tmp_path)
    care_a, care_b = await users.get(CARE_A), await users.get(CARE_B)
    assert care_a is not None and care_b is not None
    assert await queue.take(care_a, CLIENT) is None  # never wrote to care
    assert await queue.take(care_a, EMPLOYEE) is None  # staff are not care's clients
    await routing.care_waiting(CLIENT)
    assert await queue.take(care_a, EMPLOYEE) is None
    taken = await queue.take(care_a, CLIENT)
    assert taken is not None and taken.mine and taken.taker == care_a
    other = await queue.take(care_b, CLIENT)
    assert other is not None and not other.mine and other.taker == care_a
    admin = await users.get(ADMIN)
    assert admin is not None
    assert await queue.close(care_b, EMPLOYEE) is None
    refused = await queue.close(care_b, CLIENT)  # A has it: B may not close it
    assert refused is not None and not refused.done and refused.taker == care_a
    assert (await routing.care_thread(CLIENT)).taken_by == CARE_A
    closed = await queue.close(admin, CLIENT)  # an admin may
    assert closed is not None and closed.done
    again = await queue.take(care_b, CLIENT)  # closed: nobody's, B may take the next one
    assert again is not None and again.mine
    await db.close()


async def test_unanswered_requests_remind_care_then_admins_once_each(tmp_path: Path) -> None:
    db, _, routing, queue, outbox, clock = await _setup(tmp_path)
    await routing.care_waiting(CLIENT, now=clock.now)
    assert await queue.remind_round() == 0 and outbox.sent == []
    clock.now += 15 * 60 + 1
    assert await queue.remind_round() == 1
    assert sorted(d.chat_id for d in outbox.sent) == [CARE_A, CARE_B]
    assert "&lt;b&gt;u1&lt;/b&gt;" in outbox.sent[0].payload["text"]  # the client's name is escaped
    assert await queue.remind_round() == 0  # once per stage
    clock.now += 15 * 60
    assert await queue.remind_round() == 1
    assert [d.chat_id for d in outbox.sent[2:]] == [ADMIN]
    assert await queue.remind_round() == 0
    await db.close()


async def test_a_reminder_about_a_taken_request_names_the_taker(tmp_path: Path) -> None:
    db, users, routing, queue, outbox, clock = await _setup(tmp_path)
    await routing.care_waiting(CLIENT, now=clock.now)
    care_a = await users.get(CARE_A)
    assert care_a is not None
    await queue.take(care_a, CLIENT)
    clock.now += 16 * 60
    assert await queue.remind_round() == 1
    marks = {d.chat_id: d.payload["reply_markup"] for d in outbox.sent}
    taker = "<b>u11</b>"  # a button text is plain text
    assert marks == {CARE_A: {"taken": taker, "mine": True}, CARE_B: {"taken": taker, "mine": False}}
    assert "Взял(а): &lt;b&gt;u11&lt;/b&gt;" in outbox.sent[0].payload["text"]  # the message is HTML
    await db.close()


async def test_an_answer_or_closing_stops_the_reminders(tmp_path: Path) -> None:
    db, users, routing, queue, outbox, clock = await _setup(tmp_path)
    await routing.care_waiting(CLIENT, now=clock.now)
    await routing.care_answered(CLIENT, CARE_A)
    clock.now += 60 * 60
    assert await queue.remind_round() == 0
    await routing.care_waiting(CLIENT, now=clock.now)  # the client writes again: a new wait
    care = await users.get(CARE_A)
    assert care is not None
    await queue.close(care, CLIENT)
    clock.now += 60 * 60
    assert await queue.remind_round() == 0 and outbox.sent == []
    await db.close()


async def test_request_copies_are_the_clients_care_messages_only(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    outbox, routing = OutboxRepo(db), RoutingRepo(db)
    button = {"reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "cr:r:1"}]]}}
    rows = [
        (CARE_A, "cr:1:5:11:0", button, [100]),  # the request to care
        (CARE_B, "care-remind:1:9.000:1:12", button, [101]),  # a reminder about it
        (CARE_A, "cr:10:5:11:0", {"text": "another client"}, [102]),  # client 10: "cr:10:" ≠ "cr:1:"
        (CARE_A, "cm:1:6:11:0", {"text": "no buttons"}, [103]),
    ]
    for chat_id, key, payload, ids in rows:
        _, items = await outbox.add([Delivery(chat_id, Method.MESSAGE, payload, key)])
        await outbox.finish(items[0].id, Status.SENT, ids, None)
    copies = await routing.care_request_copies(1, "cr:r:1")
    assert sorted(copies) == [(CARE_A, 100), (CARE_B, 101)]
    await db.close()
