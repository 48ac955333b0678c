"""Migrations (from empty and from every earlier version), users, inbox and FSM storage."""

import sqlite3
from pathlib import Path

import aiosqlite
import pytest
from aiogram.fsm.storage.base import StorageKey

from database.connection import Database, DatabaseError, available_migrations
from database.fsm_storage import SQLiteStorage
from database.inbox import InboxEntry, InboxRepo
from database.users import Activity, Level, UserRepo


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


async def test_fresh_database_gets_every_migration_and_wal(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    assert await db.schema_version() == len(available_migrations())
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    await db.close()
    assert {"users", "inbox", "outbox", "orders", "protocol"} <= _tables(tmp_path / "bot.db")


@pytest.mark.parametrize("start", range(len(available_migrations())))
async def test_upgrade_from_every_earlier_version_keeps_users(tmp_path: Path, start: int) -> None:
    path = tmp_path / "bot.db"
    # Build the old schema step by step, as an older bot would have left it.
    conn = await aiosqlite.connect(path, isolation_level=None)
    old = Database(conn, path)
    await old.migrate(target=max(start, 1))
    await old.write(
        "INSERT INTO users (telegram_id, phone, level, created_at, updated_at)"
        " VALUES (1, '+375291112233', 2, 'x', 'x')"
    )
    await old.close()
    db = await Database.open(path)
    assert await db.schema_version() == len(available_migrations())
    user = await UserRepo(db).get(1)
    assert user is not None and user.level is Level.EMPLOYEE
    await db.close()


async def test_database_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(DatabaseError, match="более новой"):
        await Database.open(path)


async def test_unopenable_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(DatabaseError):
        await Database.open(tmp_path / "dir.db")


async def test_register_keeps_level_and_refreshes_phone(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    users = UserRepo(db)
    await users.register(10, "+375291112233", "Иван", Level.CLIENT)
    await users.set_level(10, Level.EMPLOYEE)
    again = await users.register(10, "+375291112244", "Иван П", Level.CLIENT)
    assert again.level is Level.EMPLOYEE and again.phone == "+375291112244" and again.tg_name == "Иван П"
    await users.set_activity(10, Activity.INACTIVE)
    assert not (await users.get(10)).is_active
    assert await users.active_clients_with_phone("+375291112244") == []
    await db.close()


async def test_inbox_skips_what_is_stored_or_handled(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    inbox = InboxRepo(db)
    first = await inbox.store([InboxEntry(1, 5, "{}"), InboxEntry(2, 5, "{}")])
    assert [e.update_id for e in first] == [1, 2]
    await inbox.mark_handled([1])
    again = await inbox.store([InboxEntry(1, 5, "{}"), InboxEntry(2, 5, "{}"), InboxEntry(3, 6, "{}")])
    assert [e.update_id for e in again] == [3]
    assert [e.update_id for e in await inbox.pending()] == [2, 3]
    await db.close()


async def test_fsm_state_survives_reopening(tmp_path: Path) -> None:
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    db = await Database.open(tmp_path / "bot.db")
    storage = SQLiteStorage(db)
    await storage.set_state(key, "Admin:name")
    await storage.set_data(key, {"target": 42, "текст": "да"})
    await db.close()
    db = await Database.open(tmp_path / "bot.db")
    storage = SQLiteStorage(db)
    assert await storage.get_state(key) == "Admin:name"
    assert await storage.get_data(key) == {"target": 42, "текст": "да"}
    await db.close()


async def test_a_unit_of_work_commits_together_or_not_at_all(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    try:

        def two_users(conn: sqlite3.Connection) -> int:
            for telegram_id in (1, 2):
                conn.execute(
                    "INSERT INTO users (telegram_id, phone, level, activity, created_at, updated_at)"
                    " VALUES (?, ?, 3, 1, 0, 0)",
                    (telegram_id, f"+37529000000{telegram_id}"),
                )
            return 2

        def half_then_fail(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM users WHERE telegram_id = 1")
            raise RuntimeError("disk full")

        assert await db.run(two_users) == 2
        with pytest.raises(RuntimeError):
            await db.run(half_then_fail)
        assert await db.fetchval("SELECT COUNT(*) FROM users") == 2  # the delete was rolled back
        await db.write("DELETE FROM users WHERE telegram_id = 2")  # and the connection still works
        assert await db.fetchval("SELECT COUNT(*) FROM users") == 1
    finally:
        await db.close()


async def test_checkpoints_copy_the_wal_outside_the_bots_commits(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    try:
        assert (await db.fetchone("PRAGMA wal_autocheckpoint"))[0] == 0  # no commit pays for one
        rows = [(index, f"+3752900{index:05d}") for index in range(2000)]
        await db.write_many(
            "INSERT INTO users (telegram_id, phone, created_at, updated_at) VALUES (?, ?, 0, 0)", rows
        )
        in_wal, copied = await db.checkpoint()
        assert in_wal > 0 and copied == in_wal
        with sqlite3.connect(tmp_path / "bot.db") as other:  # what another reader sees
            assert other.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 2000
    finally:
        await db.close()
