"""The inbox: updates written down before Telegram is told they arrived, deleted once handled."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

from database.connection import Database

HANDLED_KEEP_SECONDS = 3 * 24 * 3600


@dataclass(frozen=True, slots=True)
class InboxEntry:
    update_id: int
    chat_id: int | None
    payload: str


class InboxRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, entries: Sequence[InboxEntry], check_known: bool = True) -> list[InboxEntry]:
        """Save new updates (one transaction); return those not already stored or handled.

        The commit survives a process crash; `flush_to_disk()` makes it survive a power cut too.

        Telegram sends an update again only if the bot did not confirm it, which happens after a
        restart: `check_known=False` skips that look-up for batches after the first one.
        """
        if not entries:
            return []
        fresh = await self._fresh(entries) if check_known else list(entries)
        now = time.time()
        rows = [(e.update_id, e.chat_id, e.payload, now) for e in fresh]
        sql = "INSERT OR IGNORE INTO inbox (update_id, chat_id, payload, received_at) VALUES (?, ?, ?, ?)"
        await self._db.write_many(sql, rows)
        return fresh

    async def _fresh(self, entries: Sequence[InboxEntry]) -> list[InboxEntry]:
        ids = [entry.update_id for entry in entries]
        marks = ",".join("?" * len(ids))
        known = {
            row[0]
            for row in await self._db.fetchall(
                f"SELECT update_id FROM inbox WHERE update_id IN ({marks})"
                f" UNION SELECT update_id FROM handled_updates WHERE update_id IN ({marks})",
                (*ids, *ids),
            )
        }
        return [entry for entry in entries if entry.update_id not in known]

    async def flush_to_disk(self) -> None:
        """Everything committed so far survives a power cut once this returns (the next getUpdates
        confirms the stored batch to Telegram). An fsync of the WAL on a thread of its own, so the
        database thread (and every handler's query) does not wait for the disk."""
        await self._db.sync_wal()

    async def pending(self) -> list[InboxEntry]:
        rows = await self._db.fetchall("SELECT update_id, chat_id, payload FROM inbox ORDER BY update_id")
        return [InboxEntry(row[0], row[1], row[2]) for row in rows]

    async def mark_handled(self, update_ids: Sequence[int]) -> None:
        now = time.time()

        def move(conn: sqlite3.Connection) -> None:
            conn.executemany("DELETE FROM inbox WHERE update_id = ?", [(i,) for i in update_ids])
            conn.executemany(
                "INSERT OR REPLACE INTO handled_updates (update_id, handled_at) VALUES (?, ?)",
                [(i, now) for i in update_ids],
            )

        await self._db.run(move)

    async def prune(self) -> None:
        await self._db.write(
            "DELETE FROM handled_updates WHERE handled_at < ?", (time.time() - HANDLED_KEEP_SECONDS,)
        )
