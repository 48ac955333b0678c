"""Client routing storage and rules: care threads, the sender of a bot message, texts for a client back
from a block, upload quotas, the owner of a phone, and the binding of a client to an order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from config import load_settings
from database.connection import Database
from database.orders import Order
from database.outbox import BatchSpec, Delivery, Method, OutboxRepo, Status
from database.routing import RoutingRepo
from database.users import Activity, Level, User, UserRepo
from services.conversations import bound, origin_key
from services.uploads import MIB, ClientUploads


def _client(phone: str = "+375291112233") -> User:
    return User(1, phone, None, "Ольга", Level.CLIENT, Activity.ACTIVE, True, None)


def _order(phone: str | None, is_open: bool = True) -> Order:
    return Order(7, "a1", None, phone, None, True, None, is_open, date.today())


def test_a_client_is_in_an_order_only_while_it_is_open_and_names_their_phone() -> None:
    assert bound(_client(), _order("+375291112233"))
    assert not bound(_client(), _order("+375291112233", is_open=False))
    assert not bound(_client(), _order("+375290000000"))
    assert not bound(_client(), _order(None))
    assert not bound(_client(""), _order(""))


def test_origin_key_drops_every_again_prefix() -> None:
    assert origin_key("again:again:rl:5:9:1:0") == "rl:5:9:1:0"
    assert origin_key("ca:5:9:1:0") == "ca:5:9:1:0"


async def test_care_threads_open_once_and_remember_who_answered(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    repo = RoutingRepo(db)
    assert await repo.care_thread(1) is None
    await repo.open_care_thread(1)
    await repo.open_care_thread(1)
    assert (await repo.care_thread(1)).care_id is None
    await repo.care_answered(1, 42)
    await repo.open_care_thread(1)  # a new request keeps who answered
    assert (await repo.care_thread(1)).care_id == 42
    await db.close()


async def test_sent_message_is_found_by_its_telegram_id_and_blocked_texts_once(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    outbox, repo = OutboxRepo(db), RoutingRepo(db)
    batch = BatchSpec("relay", 5, {"order": "a1"}, dedup_key="rl:5:9")
    _, items = await outbox.add([Delivery(1, Method.MESSAGE, {"text": "hi"}, "rl:5:9:1:0")], batch)
    await outbox.finish(items[0].id, Status.SENT, [77], None)
    sent = await repo.sent_message(1, 77)
    assert sent is not None and sent.dedup_key == "rl:5:9:1:0" and sent.params == {"order": "a1"}
    assert await repo.sent_message(1, 78) is None and await repo.sent_message(2, 77) is None

    _, items = await outbox.add([Delivery(1, Method.MESSAGE, {"text": "lost"}, "rl:5:10:1:0")])
    await outbox.finish(items[0].id, Status.BLOCKED, [], "blocked")
    blocked = await repo.blocked_texts(1)
    assert [(b.dedup_key, b.params) for b in blocked] == [("rl:5:10:1:0", {"text": "lost"})]
    await outbox.add([Delivery(1, Method.MESSAGE, {"text": "lost"}, "again:rl:5:10:1:0")])
    assert await repo.blocked_texts(1) == []
    await db.close()


async def test_upload_quotas_per_order_and_per_day(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    uploads = ClientUploads(RoutingRepo(db), per_order_mb=3, per_day_mb=5)
    await db.write_many(
        "INSERT INTO orders (id, number, number_fold, calendar_date, first_seen, updated_at)"
        " VALUES (?, ?, ?, '2026-01-01', 0, 0)",
        [(n, f"a{n}", f"a{n}") for n in (10, 11, 12)],
    )
    assert await uploads.reserve("1:1", 1, 10, 2 * MIB) is None
    assert await uploads.reserve("1:1", 1, 10, 2 * MIB) is None  # a replayed update passes again
    refused = await uploads.reserve("1:2", 1, 10, 2 * MIB)
    assert refused is not None and refused.per_order and refused.limit_mb == 3
    assert await uploads.reserve("1:3", 1, 11, 2 * MIB) is None
    refused = await uploads.reserve("1:4", 1, 12, 2 * MIB)
    assert refused is not None and not refused.per_order and refused.limit_mb == 5
    assert await uploads.reserve("2:1", 2, 12, 2 * MIB) is None  # another client has their own
    await uploads.settle("1:3", None)  # not saved after all: its room comes back
    assert await uploads.reserve("1:5", 1, 12, 2 * MIB) is None
    await db.close()


async def test_the_latest_owner_of_a_phone_keeps_it(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    users = UserRepo(db)
    await users.register(1, "+375291112233", "Старый", Level.CLIENT)
    await users.register(2, "+375291112233", "Сотрудник", Level.EMPLOYEE)
    await users.register(3, "+375291112233", "Новый", Level.CLIENT)
    assert await users.release_phone("+375291112233", 3) == [1]
    assert [u.telegram_id for u in await users.active_clients_with_phone("+375291112233")] == [3]
    assert (await users.get(2)).phone == "+375291112233"  # staff are not clients of the order
    await db.close()


def test_upload_quotas_are_settings(tmp_path: Path) -> None:
    env = {
        "BOT_TOKEN": "123456:TEST-token-abcdef",
        "CLIENT_UPLOAD_ORDER_MB": "12.5",
        "CLIENT_UPLOAD_DAY_MB": "40",
    }
    settings = load_settings(env=env, env_file=tmp_path / "missing.env")
    assert (settings.client_upload_order_mb, settings.client_upload_day_mb) == (12.5, 40)
    defaults = load_settings(env={"BOT_TOKEN": "123456:TEST-token-abcdef"}, env_file=tmp_path / "missing.env")
    assert defaults.client_upload_order_mb > 0 and defaults.client_upload_day_mb > 0


async def test_upgrade_leaves_one_client_account_per_phone(tmp_path: Path) -> None:
    import aiosqlite

    path = tmp_path / "bot.db"
    conn = await aiosqlite.connect(path, isolation_level=None)
    old = Database(conn, path)
    await old.migrate(target=5)
    for telegram_id, created, level in ((1, "2026-01-01", 3), (2, "2026-02-01", 3), (3, "2026-03-01", 2)):
        await old.write(
            "INSERT INTO users (telegram_id, phone, level, created_at, updated_at)"
            " VALUES (?, '+375291112233', ?, ?, ?)",
            (telegram_id, level, created, created),
        )
    await old.close()
    db = await Database.open(path)
    rows = await db.fetchall("SELECT telegram_id, phone FROM users ORDER BY telegram_id")
    assert [tuple(row) for row in rows] == [(1, ""), (2, "+375291112233"), (3, "+375291112233")]
    await db.close()


def test_forged_numbers_in_callback_data_fail_to_unpack_so_the_catch_all_refuses_them() -> None:
    import pytest

    from keyboards.callbacks import AdminCb, OrderCalendarCb, OrderCb

    assert OrderCalendarCb.unpack("oc:DAY:2026:2:28").day == 28
    assert OrderCalendarCb.unpack("oc:CANCEL:2026:12:0").day == 0  # the calendar's own buttons
    assert AdminCb.unpack("ad:pk:100001:0").user_id == 100001
    forged = (
        "oc:DAY:2026:2:31",
        "oc:DAY:99999:1:1",
        "oc:NEXT-YEAR:9999:1:1",
        "oc:DAY:2026:13:1",
        "oc:DAY:::",
        "or:o:99999999999999999999:0",
        "or:t:1:-1",
        "ad:pg:0:-1",
        "ad:zz:0:0",
    )
    for data in forged:
        factory = {"oc": OrderCalendarCb, "or": OrderCb, "ad": AdminCb}[data[:2]]
        with pytest.raises(ValueError):
            factory.unpack(data)
