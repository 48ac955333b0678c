"""Registration as one use case and one transaction: services.registration.Registration.connect over
database.users.connect (a real database; fakes for the outbox, media and conversations)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import database.users
from database.connection import Database
from database.users import Level, User, UserRepo
from services.registration import ForeignContact, Registration, SharedContact, UnreadablePhone
from tests.unit.fakes import FakeOutbox

PHONE = "+375291112233"
ADMIN_PHONE = "+375290000001"


class FakeBacklog:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str]] = []

    async def deliver_backlog(self, client: User, trigger: str) -> int:
        self.calls.append(("files", client.telegram_id, trigger))
        return 1

    async def deliver_blocked_texts(self, client: User) -> int:
        self.calls.append(("texts", client.telegram_id, ""))
        return 0


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "bot.db")
    yield db
    await db.close()


def _registration(db: Database, outbox: FakeOutbox, demo: bool = False) -> tuple[Registration, FakeBacklog]:
    backlog = FakeBacklog()
    service = Registration(UserRepo(db), outbox, backlog, backlog, (ADMIN_PHONE,), demo)  # type: ignore[arg-type]
    return service, backlog


def _contact(sender: int, phone: str = "+375 (29) 111-22-33", owner: int | None = None) -> SharedContact:
    return SharedContact(sender, sender if owner is None else owner, phone, f"Человек {sender}")


async def test_a_contact_connects_in_one_go_and_the_phone_moves_to_its_latest_owner(db: Database) -> None:
    outbox = FakeOutbox()
    service, backlog = _registration(db, outbox)
    first = await service.connect(_contact(1), "from_site")
    assert (first.phone, first.level, first.start_payload, first.tg_name) == (
        PHONE,
        Level.CLIENT,
        "from_site",
        "Человек 1",
    )
    second = await service.connect(_contact(2), None)
    assert second.phone == PHONE and second.start_payload is None
    assert (await UserRepo(db).get(1)).phone == ""  # type: ignore[union-attr]
    assert [(d.chat_id, "другом аккаунте" in d.payload["text"]) for d in outbox.sent] == [(1, True)]
    assert await service.deliver_backlog(second, "2:5") == 1 and backlog.calls == [("files", 2, "2:5")]


async def test_admin_phones_and_the_first_user_of_a_demo_become_admins(db: Database) -> None:
    service, _ = _registration(db, FakeOutbox(), demo=True)
    assert (
        await service.connect(_contact(1, "+375291234567"), None)
    ).level is Level.ADMIN  # first in the demo
    assert (await service.connect(_contact(2), None)).level is Level.CLIENT
    assert (await service.connect(_contact(3, ADMIN_PHONE), None)).level is Level.ADMIN
    await UserRepo(db).set_level(2, Level.EMPLOYEE)  # a level an admin gave is kept on reconnecting
    assert (await service.connect(_contact(2), None)).level is Level.EMPLOYEE


async def test_someone_elses_contact_or_an_unreadable_phone_connects_nobody(db: Database) -> None:
    service, _ = _registration(db, FakeOutbox())
    with pytest.raises(ForeignContact):
        await service.connect(_contact(1, owner=2), None)
    with pytest.raises(UnreadablePhone):
        await service.connect(_contact(1, "12"), None)
    assert await UserRepo(db).count() == 0


async def test_a_registration_that_fails_midway_writes_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = UserRepo(db)
    await users.register(1, PHONE, "Старый", Level.CLIENT)

    def unreadable(row: object) -> User:
        raise ValueError("the stored row cannot be read back")

    monkeypatch.setattr(database.users, "_user", unreadable)  # fails after every write of the unit
    with pytest.raises(ValueError):
        await users.connect(2, PHONE, "Новый", lambda before, count: Level.CLIENT, "payload")
    monkeypatch.undo()
    assert await users.get(2) is None and (await users.get(1)).phone == PHONE  # type: ignore[union-attr]

    connected = await users.connect(2, PHONE, "Новый", lambda before, count: Level.CLIENT, None)
    assert connected.phone_lost_by == [1] and connected.user.phone == PHONE


async def test_a_client_back_after_blocking_gets_texts_and_files_staff_do_not(db: Database) -> None:
    service, backlog = _registration(db, FakeOutbox())
    client = await service.connect(_contact(1), None)
    await service.blocked(client)
    assert not (await UserRepo(db).get(1)).reachable  # type: ignore[union-attr]
    await service.unblocked(client, "member:1:0")
    assert (await UserRepo(db).get(1)).reachable  # type: ignore[union-attr]
    assert backlog.calls == [("texts", 1, ""), ("files", 1, "member:1:0")]
    staff = await service.connect(_contact(5, ADMIN_PHONE), None)
    await service.welcome_back(staff, "5:1")
    assert await service.deliver_backlog(staff, "5:2") == 0 and len(backlog.calls) == 2
