"""Recommendations decided once (database.recommendations, services.inspection.recommendations) and
condition marks read from captions (services.inspection.marks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

import texts
from config import load_settings
from database.connection import Database
from database.marks import MarkRepo, MediaMark
from database.media import MediaRepo, NewMedia
from database.orders import NewOrder, OrderData, OrderRepo
from database.outbox import BatchSpec, Delivery, Method, OutboxRepo, Status
from database.protocol import ProtocolEntry
from database.recommendations import RecommendationRepo
from database.users import Level, UserRepo
from services.inspection.marks import Mark, MarkService, caption_mark, client_caption
from services.inspection.recommendations import Decided, Recommendations, Refused, fit_list
from services.telegram_text import MESSAGE_LIMIT, plain_length

OWNER_PHONE, OTHER_PHONE = "+375291111111", "+375292222222"


@dataclass
class FakeOutbox:
    deliveries: list[Delivery] = field(default_factory=list)

    async def enqueue(self, deliveries: Sequence[Delivery], batch: BatchSpec | None = None) -> None:
        keys = {d.dedup_key for d in self.deliveries}
        self.deliveries += [d for d in deliveries if d.dedup_key not in keys]  # as the outbox dedups


@dataclass
class FakeProtocol:
    entries: dict[str | None, ProtocolEntry] = field(default_factory=dict)

    async def record(self, entry: ProtocolEntry) -> None:
        self.entries.setdefault(entry.dedup_key, entry)


class Buttons:
    def decision(self, rec_id: int) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "ok", "callback_data": f"dc:{rec_id}:1"}]]}


def _order(number: str, phone: str) -> NewOrder:
    data = OrderData(number, None, phone, phone, "1234AB7", None, 1, 2, 3)
    return NewOrder(data, date(2026, 12, 2), 1_700_000_000)


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.db")
    orders = OrderRepo(database)
    await orders.apply_scan(
        added=[_order("A-1", OWNER_PHONE), _order("B-2", OTHER_PHONE)],
        changed=[],
        reopened=[],
        closed=[],
        now=1_700_000_000,
    )
    yield database
    await database.close()


async def _order_id(db: Database, number: str) -> int:
    order = await OrderRepo(db).get_by_number(number)
    assert order is not None
    return order.id


async def test_a_recommendation_is_decided_once_even_by_racing_taps(db: Database) -> None:
    repo = RecommendationRepo(db)
    rec = await repo.create(await _order_id(db, "A-1"), "Колодки", "стёрты", 120_050, 7, [])
    assert rec.decision is None
    won = await asyncio.gather(*(repo.decide(rec.id, d, 42) for d in ["approved", "declined"] * 5))
    assert won.count(True) == 1
    stored = await repo.get(rec.id)
    assert stored is not None and stored.decision in ("approved", "declined")
    assert (stored.decided_by, stored.decided_price) == (42, 120_050)
    assert await repo.decide(rec.id, "declined", 43) is False
    assert await repo.get(rec.id) == stored, "a later decision changes nothing"


async def test_totals_and_waiting_counts(db: Database) -> None:
    repo = RecommendationRepo(db)
    order_id = await _order_id(db, "A-1")
    ids = [
        (await repo.create(order_id, f"r{i}", "", price, 7, [])).id for i, price in enumerate((100, 250, 400))
    ]
    await repo.decide(ids[0], "approved", 42)
    await repo.decide(ids[1], "declined", 42)
    totals = await repo.totals(order_id)
    assert (totals.approved, totals.approved_sum, totals.declined, totals.declined_sum) == (1, 100, 1, 250)
    assert (totals.waiting, totals.waiting_sum) == (1, 400)
    assert await repo.waiting_counts([order_id, order_id + 1]) == {order_id: 1}


async def test_the_service_refuses_another_owner_and_announces_a_decision_once(
    db: Database, tmp_path: Path
) -> None:
    users = UserRepo(db)
    owner = await users.register(500, OWNER_PHONE, "Анна", Level.CLIENT)
    stranger = await users.register(501, OTHER_PHONE, "Чужой", Level.CLIENT)
    staff = await users.register(600, "+375293333333", "Мастер", Level.EMPLOYEE)
    admin = await users.register(700, "+375294444444", "Админ", Level.ADMIN)
    outbox, protocol = FakeOutbox(), FakeProtocol()
    settings = load_settings(
        env={"BOT_TOKEN": "123456:TEST-TOKEN-abcdef", "BRANCH_PHOTO": str(tmp_path)},
        env_file=tmp_path / "no.env",
    )
    service = Recommendations(
        settings=settings,
        recs=RecommendationRepo(db),
        marks=MarkRepo(db),
        orders=OrderRepo(db),
        users=users,
        outbox=outbox,
        protocol=protocol,
        buttons=Buttons(),
    )
    order = await service.open_order(await _order_id(db, "A-1"))
    assert order is not None
    rec, owners = await service.create(staff, order, "Колодки", "стёрты", 120_050, [999])
    assert owners == 1 and outbox.deliveries[-1].chat_id == owner.telegram_id
    assert outbox.deliveries[-1].payload["reply_markup"] == Buttons().decision(rec.id)

    assert await service.decide(stranger, rec.id, True) is Refused.NOT_YOURS
    assert await service.pending_cards(stranger, order.id) is Refused.NOT_YOURS
    assert await service.decide(owner, 10_000, True) is Refused.NOT_FOUND
    sent_before = len(outbox.deliveries)
    first = await service.decide(owner, rec.id, False)
    again = await service.decide(owner, rec.id, True)  # a double tap, or the update replayed
    assert isinstance(first, Decided) and isinstance(again, Decided)
    assert first.first and not again.first
    assert again.rec.decision == "declined" and again.line == first.line
    notices = outbox.deliveries[sent_before:]
    assert sorted(d.chat_id for d in notices) == [staff.telegram_id, admin.telegram_id]
    decisions = [e for e in protocol.entries.values() if e.kind == "decision"]
    assert len(decisions) == 1 and decisions[0].sender_id == owner.telegram_id
    assert await service.pending_cards(owner, order.id) == []
    listed = await service.owner_orders(owner)
    assert [(item.order.number, item.status, item.waiting) for item in listed] == [
        ("A-1", "статус не задан", 0)
    ]


@pytest.mark.parametrize(
    ("caption", "mark", "rest"),
    [
        ("🔴 колодки на пределе", Mark.NOW, "колодки на пределе"),
        ("🟡", Mark.SOON, ""),
        ("🟢 ок", Mark.OK, ""),
        ("Срочно: диск тормозной", Mark.NOW, "диск тормозной"),
        ("скоро - масло", Mark.SOON, "масло"),
        ("ОК", Mark.OK, ""),
        ("🔴 срочно! течь", Mark.NOW, "течь"),
        ("окно грязное", None, "окно грязное"),  # a word merely starting like one is not a mark
        ("Общий вид, срочно", None, "Общий вид, срочно"),  # only at the start
        ("", None, ""),
    ],
)
def test_caption_marks(caption: str, mark: Mark | None, rest: str) -> None:
    assert caption_mark(caption) == (mark, rest)


def test_the_clients_caption_carries_the_mark() -> None:
    assert client_caption("Скол", None) == "Скол"
    tapped = MediaMark(1, "soon", "масло темнеет", 7, 0.0)
    assert client_caption("Общий вид", tapped) == "🟡 скоро потребуется: масло темнеет\nОбщий вид"
    by_caption = MediaMark(1, "now", "колодки", 7, 0.0)
    assert client_caption("🔴 колодки", by_caption) == "🔴 срочно: колодки"


async def test_a_tap_after_delivery_replies_to_the_clients_copy_once(db: Database) -> None:
    users = UserRepo(db)
    staff = await users.register(600, "+375293333333", "Мастер", Level.EMPLOYEE)
    order_id = await _order_id(db, "A-1")
    media = MediaRepo(db)
    records = [
        await media.add(
            NewMedia(f"600:{n}", order_id, "Приёмка", "Inspection", f"A-1/Inspection/{n}.jpg", f"f{n}",
                     "photo", "", 600, 600, n, "album-1", 10, False)
        )
        for n in (11, 12, 13)
    ]  # fmt: skip
    key = "media:600:500:" + ".".join(str(r.id) for r in records)
    await media.claim(500, [r.id for r in records], key)
    outbox_repo = OutboxRepo(db)
    _, [item] = await outbox_repo.add([Delivery(500, Method.MEDIA_GROUP, {"media": []}, key)])
    await outbox_repo.finish(item.id, Status.SENT, [71, 72, 73], None)

    outbox, protocol = FakeOutbox(), FakeProtocol()
    service = MarkService(marks=MarkRepo(db), orders=OrderRepo(db), outbox=outbox, protocol=protocol)
    marked = await service.mark(staff, records[0].id, Mark.NOW, "tap-1")
    assert not isinstance(marked, str) and marked.media_ids == [r.id for r in records] and marked.ask_note
    [followup] = outbox.deliveries
    assert (followup.chat_id, followup.payload["reply_to"]) == (500, 71)
    assert (await service.mark(staff, records[0].id, Mark.NOW, "tap-1")) == marked  # replayed: nothing new
    assert len(outbox.deliveries) == 1
    copies = await MarkRepo(db).client_copies(records[2].id)
    assert [(c.client_id, c.message_ids[c.position]) for c in copies] == [(500, 73)]
    note = await service.note(staff, marked.media_ids, Mark.NOW, "  течь   масла ", marked.followups, "n-1")
    assert note == "течь масла"
    edit = outbox.deliveries[-1]
    assert edit.method is Method.EDIT_TEXT and edit.payload["edit_of"] == followup.dedup_key
    stored = await MarkRepo(db).of(marked.media_ids)
    assert [(m.mark, m.note) for m in stored.values()] == [("now", "течь масла")] * 3


def test_the_staff_list_of_thirty_long_titles_fits_one_message() -> None:
    """30 recommendations of 300 characters (the dialog's limits) overflowed Telegram's 4096."""
    head = texts.rec_totals("A1", 1, "1 ₽", 0, "0 ₽", 29, "29 ₽")
    lines = [texts.rec_list_line(f"{i:02d} " + "Я&" * 148, "1 ₽", None) for i in range(30)]
    shown = fit_list(head, lines)
    assert plain_length(shown) <= MESSAGE_LIMIT
    assert shown.startswith(head) and shown.endswith(lines[-1])  # the totals and the newest stay
    kept = sum(line in shown for line in lines)
    assert 5 < kept < 30 and texts.rec_list_more(30 - kept) in shown
    assert fit_list(head, lines[:3]) == "\n".join([head, *lines[:3]])  # what fits is shown whole


async def test_a_closed_orders_cards_are_neither_resent_nor_decided(db: Database, tmp_path: Path) -> None:
    users = UserRepo(db)
    owner = await users.register(510, OWNER_PHONE, "Анна", Level.CLIENT)
    staff = await users.register(610, "+375293333333", "Мастер", Level.EMPLOYEE)
    settings = load_settings(
        env={"BOT_TOKEN": "123456:TEST-TOKEN-abcdef", "BRANCH_PHOTO": str(tmp_path)},
        env_file=tmp_path / "no.env",
    )
    service = Recommendations(
        settings=settings, recs=RecommendationRepo(db), marks=MarkRepo(db), orders=OrderRepo(db),
        users=users, outbox=FakeOutbox(), protocol=FakeProtocol(), buttons=Buttons(),
    )  # fmt: skip
    order = await service.open_order(await _order_id(db, "A-1"))
    assert order is not None
    rec, _ = await service.create(staff, order, "Колодки", "стёрты", 120_050, [])
    await OrderRepo(db).apply_scan(added=[], changed=[], reopened=[], closed=["A-1"], now=1_700_000_500)
    assert await service.pending_cards(owner, order.id) is Refused.CLOSED  # an old "Мои заказы" button
    assert await service.decide(owner, rec.id, True) is Refused.CLOSED
