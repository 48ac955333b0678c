"""A power cut loses no confirmed update: the inbox is on disk before getUpdates confirms a batch."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.methods import GetUpdates
from aiogram.types import Update

from database import connection
from database.connection import Database
from database.inbox import InboxRepo
from runtime.polling import DurablePolling


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.db")
    yield database
    await database.close()


def _update(update_id: int) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": 5, "type": "private"},
                "from": {"id": 5, "is_bot": False, "first_name": "x"},
                "text": "hi",
            },
        }
    )


async def test_the_wal_is_fsynced_after_the_batch_is_stored_and_before_it_is_confirmed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[Any] = []
    real_fsync = connection.os.fsync

    def fsync(fd: int) -> None:
        stored = sqlite3.connect(db.path).execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
        events.append(("fsync", stored))
        real_fsync(fd)

    monkeypatch.setattr(connection.os, "fsync", fsync)

    class FakeBot:
        async def __call__(self, method: Any, request_timeout: int | None = None) -> list[Update]:
            assert isinstance(method, GetUpdates)
            events.append(("getUpdates", method.offset))
            if method.offset is None:
                return [_update(1), _update(2)]
            polling.stop()
            await asyncio.sleep(3600)
            return []

    class FakeDispatcher(Dispatcher):  # the real startup/shutdown observers, a handler that never ends
        async def feed_update(self, bot: object, update: Update, **data: object) -> None:
            await asyncio.sleep(3600)  # still being handled: the batch stays in the inbox

    polling = DurablePolling(FakeDispatcher(), FakeBot(), InboxRepo(db))  # type: ignore[arg-type]
    await asyncio.wait_for(polling.run(), timeout=10)
    assert events[:3] == [("getUpdates", None), ("fsync", 2), ("getUpdates", 3)]


async def test_other_writes_stay_normal_and_a_failed_durable_one_restores_it(db: Database) -> None:
    statements: list[str] = []
    await db.read(lambda conn: conn.set_trace_callback(statements.append))
    await db.write_many("INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)", [(1, 0.0)])
    assert "PRAGMA synchronous = FULL" not in statements
    await db.write_many("INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)", [(2, 0.0)], True)
    assert statements.index("PRAGMA synchronous = FULL") < statements.index("PRAGMA synchronous = NORMAL")

    def boom(conn: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(sqlite3.OperationalError):
        await db.run(boom, durable=True)
    assert int(await db.fetchval("PRAGMA synchronous")) == 1
