"""services.inspection.invites: tokens, reuse and expiry, the phone check (a real database; fakes for
the outbox and the protocol)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from database.connection import Database
from database.order_invites import InviteRepo
from database.orders import OrderRepo
from database.users import Level, User, UserRepo
from services.inspection.invites import (
    TOKEN_LENGTH,
    Invites,
    Opened,
    invite_link,
    new_token,
    qr_png,
    token_shape_ok,
)
from services.orders_flow import OrderGone
from tests.unit.fakes import FakeOutbox, FakeProtocol

ORDER_PHONE = "+375291112233"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "bot.db")
    yield db
    await db.close()


async def _order(db: Database, number: str, phone: str | None = ORDER_PHONE, is_open: bool = True) -> int:
    await db.write(
        "INSERT INTO orders (number, number_fold, phone, calendar_date, first_seen, updated_at, is_open)"
        " VALUES (?, ?, ?, '2026-12-01', 0, 0, ?)",
        (number, number, phone, int(is_open)),
    )
    found = await OrderRepo(db).get_by_number(number)
    assert found is not None
    return found.id


async def _user(db: Database, telegram_id: int, phone: str, level: Level, name: str = "") -> User:
    users = UserRepo(db)
    await users.register(telegram_id, phone, name or f"u{telegram_id}", level)
    user = await users.get(telegram_id)
    assert user is not None
    return user


def _service(db: Database, clock: Clock) -> tuple[Invites, FakeOutbox, FakeProtocol]:
    outbox, protocol = FakeOutbox(), FakeProtocol()
    invites = Invites(InviteRepo(db), OrderRepo(db), UserRepo(db), outbox, protocol, clock=clock, days=30)
    return invites, outbox, protocol


def test_tokens_are_random_url_safe_and_of_one_shape() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) == TOKEN_LENGTH and token_shape_ok(t) for t in tokens)


@pytest.mark.parametrize(
    "token", [None, "", "A" * 23, "A" * 25, "A" * 70, "A" * 23 + "=", "A" * 23 + "/", "А" * 24, "x y" * 8]
)
def test_anything_else_is_not_a_token(token: str | None) -> None:
    assert not token_shape_ok(token)


def test_the_qr_holds_the_link() -> None:
    link = invite_link("my_bot", "abc_DEF-123456789012345x")
    assert link == "https://t.me/my_bot?start=abc_DEF-123456789012345x"
    image = Image.open(io.BytesIO(qr_png(link)))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [link]


async def test_a_link_is_reused_while_valid_and_replaced_once_expired(db: Database) -> None:
    clock = Clock()
    invites, _, _ = _service(db, clock)
    order_id = await _order(db, "A-1")
    staff = await _user(db, 10, "+375290000010", Level.EMPLOYEE)
    first = await invites.invite(staff, order_id, "bot")
    assert not first.reused and "A-1" not in first.link
    clock.now += 29 * 86400
    again = await invites.invite(staff, order_id, "bot")
    assert again.link == first.link and again.reused
    clock.now += 2 * 86400
    assert (await invites.check(first.link.rsplit("=", 1)[1])).outcome is Opened.EXPIRED
    fresh = await invites.invite(staff, order_id, "bot")
    assert fresh.link != first.link and not fresh.reused


async def test_closed_orders_have_no_invitation_and_close_theirs(db: Database) -> None:
    invites, _, _ = _service(db, Clock())
    staff = await _user(db, 10, "+375290000010", Level.EMPLOYEE)
    closed = await _order(db, "A-2", is_open=False)
    with pytest.raises(OrderGone):
        await invites.invite(staff, closed, "bot")
    order_id = await _order(db, "A-3")
    token = (await invites.invite(staff, order_id, "bot")).link.rsplit("=", 1)[1]
    await db.write("UPDATE orders SET is_open = 0 WHERE id = ?", (order_id,))
    assert (await invites.check(token)).outcome is Opened.EXPIRED


async def test_the_orders_phone_links_and_the_staff_on_the_order_hear_it_once(db: Database) -> None:
    invites, outbox, protocol = _service(db, Clock())
    order_id = await _order(db, "A-4")
    maker = await _user(db, 10, "+375290000010", Level.EMPLOYEE)
    token = (await invites.invite(maker, order_id, "bot")).link.rsplit("=", 1)[1]
    other = await _user(db, 11, "+375290000011", Level.EMPLOYEE)
    await db.write(
        "INSERT INTO work_context (telegram_id, order_id, chatting, updated_at) VALUES (?, ?, 1, 0)",
        (other.telegram_id, order_id),
    )
    client = await _user(db, 20, ORDER_PHONE, Level.CLIENT, "Ольга")
    opened = await invites.open(client, token)
    assert opened.outcome is Opened.LINKED
    assert sorted(d.chat_id for d in outbox.sent) == [10, 11]
    assert all("Клиент подключился" in d.payload["text"] for d in outbox.sent)
    assert len({d.dedup_key for d in outbox.sent}) == 2  # the outbox keeps one per key: told once
    await invites.open(client, token)
    assert {d.dedup_key for d in outbox.sent[2:]} == {d.dedup_key for d in outbox.sent[:2]}
    assert protocol.entries[0].kind == "invite" and protocol.entries[0].order_id == order_id


async def test_a_foreign_phone_is_not_linked_and_care_or_else_admins_get_both_phones(db: Database) -> None:
    invites, outbox, _ = _service(db, Clock())
    order_id = await _order(db, "A-5")
    maker = await _user(db, 10, "+375290000010", Level.EMPLOYEE)
    token = (await invites.invite(maker, order_id, "bot")).link.rsplit("=", 1)[1]
    await _user(db, 1, "+375290000001", Level.ADMIN)
    stranger = await _user(db, 30, "+375297776655", Level.CLIENT, "Чужой <b>")

    assert (await invites.open(stranger, token)).outcome is Opened.FOREIGN
    assert [d.chat_id for d in outbox.sent] == [1]  # no care yet: the admins
    text = outbox.sent[0].payload["text"]
    assert "+375297776655" in text and ORDER_PHONE in text and "A-5" in text and "&lt;b&gt;" in text

    await _user(db, 4, "+375290000004", Level.CARE)
    outbox.sent.clear()
    await invites.open(stranger, token)
    assert [d.chat_id for d in outbox.sent] == [4]


async def test_staff_and_garbage_change_nothing(db: Database) -> None:
    invites, outbox, protocol = _service(db, Clock())
    order_id = await _order(db, "A-6")
    maker = await _user(db, 10, ORDER_PHONE, Level.EMPLOYEE)
    token = (await invites.invite(maker, order_id, "bot")).link.rsplit("=", 1)[1]
    assert (await invites.open(maker, token)).outcome is Opened.STAFF
    for garbage in (None, "x" * 24, "x" * 99, "../../etc"):
        assert (await invites.open(maker, garbage)).outcome is Opened.UNKNOWN
    assert outbox.sent == [] and protocol.entries == []
