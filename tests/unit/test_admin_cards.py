"""Admin cards (issue 16.3) below the bot: finding people, their card's facts, staff registered in
advance (applied in the connecting transaction, the admin told), last seen, protocols without file ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from database.connection import Database
from database.orders import OrderRepo
from database.staff_invites import StaffInviteRepo
from database.users import Level, UserRepo
from services.admin import (
    AdminTools,
    BadQuery,
    InviteGone,
    NobodyFound,
    OrderNotFound,
    PhoneConnected,
)
from services.conversations import protocol_text
from services.conversations.model import Incoming
from services.last_seen import LastSeen
from services.registration import Registration, SharedContact
from tests.unit.test_registration import FakeBacklog, FakeOutbox

ADMIN = 100
NEW_PHONE = "+375297770011"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "bot.db")
    yield db
    await db.close()


def _tools(db: Database) -> AdminTools:
    return AdminTools(UserRepo(db), OrderRepo(db), None, {}, StaffInviteRepo(db))  # type: ignore[arg-type]


async def _people(db: Database) -> UserRepo:
    users = UserRepo(db)
    await users.register(1, "+375291112233", "Пётр Иванов", Level.EMPLOYEE)
    await users.register(2, "+375291114455", "Olga", Level.CLIENT)
    await users.register(3, "+79161234567", "Сергей", Level.CLIENT)
    await users.set_name(2, "ОЛЬГА Петрова")
    return users


async def _order(db: Database, order_id: int, number: str, is_open: int = 1) -> None:
    await db.write(
        "INSERT INTO orders (id, number, number_fold, is_open, calendar_date, first_seen, updated_at)"
        " VALUES (?, ?, ?, ?, '2026-12-01', 0, 0)",
        (order_id, number, number.casefold(), is_open),
    )


async def test_a_person_is_found_by_any_spelling_of_a_phone_a_part_of_it_or_of_a_name(db: Database) -> None:
    await _people(db)
    tools = _tools(db)
    for phone in ("+375 29 111-22-33", "8 029 111 22 33", "291112233", "375291112233"):
        assert [u.telegram_id for u in (await tools.search(phone)).users] == [1], phone
    assert {u.telegram_id for u in (await tools.search("29111")).users} == {1, 2}
    assert [u.telegram_id for u in (await tools.search("пЁтр")).users] == [1]  # Telegram's name, any case
    assert [u.telegram_id for u in (await tools.search("петРОВА")).users] == [2]  # the admin-given name
    assert [u.telegram_id for u in (await tools.search("olg")).users] == [2]
    assert {u.telegram_id for u in (await tools.search("  ов ")).users} >= {1, 2}
    with pytest.raises(NobodyFound):
        await tools.search("Зинаида")
    with pytest.raises(BadQuery):
        await tools.search("я")
    with pytest.raises(BadQuery):
        await tools.search("12")
    with pytest.raises(BadQuery):
        await tools.search("%_%_")  # no letters, no digits to match: never "everybody"
    with pytest.raises(NobodyFound):
        await tools.search("Ольга%")  # "%" is a character of a name, not a pattern


async def test_a_phone_nobody_has_is_offered_for_registration_in_advance(db: Database) -> None:
    await _people(db)
    tools = _tools(db)
    found = await tools.search("8 (029) 777-00-11")
    assert (found.users, found.phone, found.invite) == ([], NEW_PHONE, None)
    invite = await tools.invite(found.phone or "", int(Level.EMPLOYEE), ADMIN)
    invite = await tools.set_invite_name(invite.id, "  Мастер   Пётр ")
    assert (invite.phone, invite.level, invite.name, invite.created_by) == (
        NEW_PHONE,
        2,
        "Мастер Пётр",
        ADMIN,
    )
    again = await tools.search(NEW_PHONE)
    assert again.invite == invite
    assert (await tools.set_invite_level(invite.id, int(Level.CARE), ADMIN)).level == int(Level.CARE)
    with pytest.raises(InviteGone):  # a forged level
        await tools.set_invite_level(invite.id, int(Level.CLIENT), ADMIN)
    with pytest.raises(PhoneConnected):
        await tools.invite("+375291112233", int(Level.EMPLOYEE), ADMIN)
    await tools.drop_invite(invite.id)
    with pytest.raises(InviteGone):
        await tools.get_invite(invite.id)


async def test_the_invite_is_applied_when_the_phone_connects_and_the_admin_is_told(db: Database) -> None:
    await _people(db)
    tools = _tools(db)
    invite = await tools.invite(NEW_PHONE, int(Level.CARE), ADMIN)
    await tools.set_invite_name(invite.id, "Анна <забота>")
    outbox, backlog = FakeOutbox(), FakeBacklog()
    registration = Registration(UserRepo(db), outbox, backlog, backlog, (), False)  # type: ignore[arg-type]
    user = await registration.connect(SharedContact(50, 50, "+375 29 777 00 11", "Anna"), None)
    assert (user.level, user.name, user.tg_name) == (Level.CARE, "Анна <забота>", "Anna")
    assert await StaffInviteRepo(db).by_phone(NEW_PHONE) is None, "used once"
    [told] = outbox.sent
    assert told.chat_id == ADMIN and "Анна &lt;забота&gt;" in told.payload["text"]
    assert "служба заботы" in told.payload["text"]
    # connecting again (a new /start): nothing to apply, nobody told again, the level given stays
    outbox.sent.clear()
    again = await registration.connect(SharedContact(50, 50, NEW_PHONE, "Anna"), None)
    assert again.level is Level.CARE and outbox.sent == []


async def test_an_invite_never_lowers_staff_nor_admin_phones(db: Database) -> None:
    users = await _people(db)
    invites = StaffInviteRepo(db)
    await invites.save("+375291112233", int(Level.CARE), ADMIN)  # the employee's own phone (a race)
    outbox, backlog = FakeOutbox(), FakeBacklog()
    registration = Registration(users, outbox, backlog, backlog, ("+375290000001",), False)  # type: ignore[arg-type]
    user = await registration.connect(SharedContact(1, 1, "+375291112233", "Пётр Иванов"), None)
    assert user.level is Level.EMPLOYEE and outbox.sent == []
    assert await invites.by_phone("+375291112233") is None
    await invites.save("+375290000001", int(Level.EMPLOYEE), ADMIN)
    admin = await registration.connect(SharedContact(9, 9, "+375290000001", "Шеф"), None)
    assert admin.level is Level.ADMIN


async def test_a_card_counts_the_orders_a_person_touched_newest_first(db: Database) -> None:
    await _people(db)
    for order_id, number in ((1, "A-100"), (2, "A-200"), (3, "A-300"), (4, "A-400")):
        await _order(db, order_id, number)
    await db.write(
        "INSERT INTO media (dedup_key, order_id, type_label, subfolder, rel_path, file_id, kind, employee_id,"
        " chat_id, message_id, created_at) VALUES ('k1', 1, 'Приёмка', 'In', 'A-100/In/1.jpg', 'f', 'photo',"
        " 1, 1, 1, 10)"
    )
    await db.write_many(
        "INSERT INTO protocol (at, order_id, order_number, sender_id, kind, text)"
        " VALUES (?, ?, ?, 1, 'text', 'x')",
        [(20, 2, "A-200"), (5, 1, "A-100"), (30, None, "A-400")],
    )
    await db.write("INSERT INTO work_context (telegram_id, order_id, updated_at) VALUES (1, 3, 40)")
    await UserRepo(db).touch_seen(1, 1_700_000_000.0)
    card = await _tools(db).card(1)
    assert card.orders_count == 3
    assert [number for _, number in card.latest_orders] == ["A-300", "A-200", "A-100"]
    assert card.last_seen == 1_700_000_000.0
    nobody = await _tools(db).card(3)
    assert (nobody.orders_count, nobody.latest_orders, nobody.last_seen) == (0, [], None)


async def test_protocols_are_found_by_a_part_of_the_number_open_or_closed(db: Database) -> None:
    await _order(db, 1, "a000177322")
    await _order(db, 2, "a000177399", is_open=0)
    await _order(db, 3, "b5_1")
    tools = _tools(db)
    assert [o.number for o in await tools.find_orders("1773")] == ["a000177322", "a000177399"]
    assert [o.number for o in await tools.find_orders("A000177399")] == ["a000177399"]
    assert [o.number for o in await tools.find_orders("a000177322")] == ["a000177322"]  # exact: alone
    assert [o.number for o in await tools.find_orders("5_")] == ["b5_1"]  # "_" is literal
    with pytest.raises(OrderNotFound):
        await tools.find_orders("9999")


async def test_last_seen_is_written_at_most_once_per_interval(db: Database) -> None:
    users = await _people(db)
    now = [1000.0]
    seen = LastSeen(users, every=300, clock=lambda: now[0])
    assert await seen.saw(1) is True
    now[0] = 1200.0
    assert await seen.saw(1) is False and await users.last_seen(1) == 1000.0
    assert await seen.saw(2) is True
    now[0] = 1301.0
    assert await seen.saw(1) is True and await users.last_seen(1) == 1301.0


def test_a_file_not_kept_is_named_by_kind_and_name_never_by_its_telegram_id() -> None:
    photo = Incoming(1, 2, "photo", "царапина", "AgACAgIAAxkBAAIBQ2Zz")
    document = Incoming(1, 3, "document", "", "BQACAgIAAxkBAAIBRGZz", "акт.pdf")
    assert protocol_text(photo) == "[фото] царапина"
    assert protocol_text(document) == "[документ акт.pdf]"
