"""Where a client's message goes: care threads, the sender of a bot message, client upload totals."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from database.connection import Database


@dataclass(frozen=True, slots=True)
class CareThread:
    client_id: int
    care_id: int | None  # who of care answered last; None until someone did


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the bot sent into a chat: the outbox key it was sent under and its batch params."""

    dedup_key: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MediaOrigin:
    employee_id: int
    order_id: int


class RoutingRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- customer care ------------------------------------------------------------------------

    async def open_care_thread(self, client_id: int) -> None:
        await self._db.write(
            "INSERT INTO care_threads (client_id, opened_at) VALUES (?, ?)"
            " ON CONFLICT (client_id) DO NOTHING",
            (client_id, time.time()),
        )

    async def care_answered(self, client_id: int, care_id: int) -> None:
        now = time.time()
        await self._db.write(
            "INSERT INTO care_threads (client_id, care_id, opened_at, answered_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (client_id) DO UPDATE SET care_id = excluded.care_id,"
            " answered_at = excluded.answered_at",
            (client_id, care_id, now, now),
        )

    async def care_thread(self, client_id: int) -> CareThread | None:
        row = await self._db.fetchone(
            "SELECT client_id, care_id FROM care_threads WHERE client_id = ?", (client_id,)
        )
        return CareThread(row[0], row[1]) if row else None

    # --- replies --------------------------------------------------------------------------------

    async def sent_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The outbox delivery that produced bot message `message_id` in `chat_id` (albums included)."""
        row = await self._db.fetchone(
            "SELECT o.dedup_key, b.params FROM outbox o LEFT JOIN outbox_batches b ON b.id = o.batch_id"
            " WHERE o.chat_id = ? AND o.status = 'sent' AND o.dedup_key IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM json_each(o.message_ids) WHERE json_each.value = ?)"
            " ORDER BY o.id DESC LIMIT 1",
            (chat_id, message_id),
        )
        if row is None:
            return None
        return SentMessage(str(row[0]), json.loads(row[1]) if row[1] else {})

    async def media_origin(self, media_id: int) -> MediaOrigin | None:
        row = await self._db.fetchone("SELECT employee_id, order_id FROM media WHERE id = ?", (media_id,))
        return MediaOrigin(row[0], row[1]) if row else None

    # --- client uploads -------------------------------------------------------------------------

    async def reserve_upload(
        self, key: str, client_id: int, order_id: int, day: str, size: int, order_limit: int, day_limit: int
    ) -> str | None:
        """Add an upload unless it takes the client over a limit: None, or "order" / "day" (refused).
        A key already reserved (a replayed update) passes again."""

        def reserve(conn: sqlite3.Connection) -> str | None:
            if conn.execute("SELECT 1 FROM client_uploads WHERE dedup_key = ?", (key,)).fetchone():
                return None
            on_order, on_day = conn.execute(
                "SELECT COALESCE(SUM(CASE WHEN order_id = ? THEN size END), 0),"
                " COALESCE(SUM(CASE WHEN day = ? THEN size END), 0)"
                " FROM client_uploads WHERE client_id = ? AND (order_id = ? OR day = ?)",
                (order_id, day, client_id, order_id, day),
            ).fetchone()
            if on_order + size > order_limit:
                return "order"
            if on_day + size > day_limit:
                return "day"
            conn.execute(
                "INSERT INTO client_uploads (dedup_key, client_id, order_id, day, size, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key, client_id, order_id, day, size, time.time()),
            )
            return None

        return await self._db.run(reserve)

    async def settle_upload(self, key: str, size: int | None) -> None:
        if size is None:
            await self._db.write("DELETE FROM client_uploads WHERE dedup_key = ?", (key,))
        else:
            await self._db.write("UPDATE client_uploads SET size = ? WHERE dedup_key = ?", (size, key))

    # --- a client back after blocking the bot ---------------------------------------------------

    async def blocked_texts(self, chat_id: int, limit: int = 500) -> list[SentMessage]:
        """Texts that could not reach `chat_id` (blocked) and were not delivered again yet, oldest first.

        The key of a delivery made again is "again:<its key>"; one blocked again is found itself.
        `params` here is the delivery's own payload.
        """
        rows = await self._db.fetchall(
            "SELECT o.dedup_key, o.payload FROM outbox o WHERE o.chat_id = ? AND o.status = 'blocked'"
            " AND o.method = 'message' AND o.dedup_key IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM outbox r WHERE r.dedup_key = 'again:' || o.dedup_key)"
            " ORDER BY o.id LIMIT ?",
            (chat_id, limit),
        )
        return [SentMessage(str(row[0]), json.loads(row[1])) for row in rows]
