"""The inbox commit that lets the bot confirm updates to Telegram is fsynced (synchronous=FULL)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from database.connection import Database
from database.inbox import InboxEntry, InboxRepo


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.db")
    yield database
    await database.close()


async def _traced(db: Database) -> list[str]:
    statements: list[str] = []

    def trace(conn: sqlite3.Connection) -> None:
        conn.set_trace_callback(statements.append)

    await db.read(trace)
    return statements


async def _synchronous(db: Database) -> int:
    return int(await db.fetchval("PRAGMA synchronous"))


async def test_storing_updates_commits_with_synchronous_full(db: Database) -> None:
    statements = await _traced(db)
    for count in (1, 3):  # a batch of one took another path before
        statements.clear()
        await InboxRepo(db).store([InboxEntry(100 + count + i, 1, "{}") for i in range(count)])
        full = statements.index("PRAGMA synchronous = FULL")
        assert full < statements.index("COMMIT") < statements.index("PRAGMA synchronous = NORMAL")
        assert any(s.startswith("INSERT OR IGNORE INTO inbox") for s in statements[full:])
    assert await _synchronous(db) == 1  # every other commit stays NORMAL


async def test_other_writes_stay_normal_and_a_failed_durable_one_restores_it(db: Database) -> None:
    statements = await _traced(db)
    await db.write_many("INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)", [(1, 0.0)])
    assert "PRAGMA synchronous = FULL" not in statements

    def boom(conn: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(sqlite3.OperationalError):
        await db.run(boom, durable=True)
    assert await _synchronous(db) == 1
