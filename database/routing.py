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
    taken_by: int | None = None  # who pressed "взять" (the care queue); None while nobody has


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
            " answered_at = excluded.answered_at, waiting_since = NULL, reminded = 0",
            (client_id, care_id, now, now),
        )

    async def care_waiting(self, client_id: int, now: float | None = None) -> None:
        """A client wrote to care: the request waits (since its first unanswered message) in the queue;
        whoever took it keeps it (a closed one is nobody's until taken again)."""
        now = time.time() if now is None else now
        await self._db.write(
            "INSERT INTO care_threads (client_id, opened_at, waiting_since) VALUES (?, ?, ?)"
            " ON CONFLICT (client_id) DO UPDATE SET"
            " waiting_since = COALESCE(waiting_since, excluded.waiting_since)",
            (client_id, now, now),
        )

    async def take_care(self, client_id: int, care_id: int) -> int | None:
        """`care_id` takes the client's request unless someone else has: who has it now (None: no thread)."""

        def take(conn: sqlite3.Connection) -> int | None:
            conn.execute(
                "UPDATE care_threads SET taken_by = ? WHERE client_id = ? AND taken_by IS NULL",
                (care_id, client_id),
            )
            row = conn.execute(
                "SELECT taken_by FROM care_threads WHERE client_id = ?", (client_id,)
            ).fetchone()
            return int(row[0]) if row and row[0] is not None else None

        return await self._db.run(take)

    async def close_care(self, client_id: int) -> None:
        """The request is done: nobody's, not waiting, no reminders."""
        await self._db.write(
            "UPDATE care_threads SET taken_by = NULL, waiting_since = NULL, reminded = 0 WHERE client_id = ?",
            (client_id,),
        )

    async def care_overdue(self, before: float, stage: int) -> list[tuple[int, float, int | None]]:
        """Requests waiting since `before` or earlier and not yet reminded at `stage`:
        (client id, waiting since, taken by), the oldest first."""
        rows = await self._db.fetchall(
            "SELECT client_id, waiting_since, taken_by FROM care_threads"
            " WHERE waiting_since IS NOT NULL AND waiting_since <= ? AND reminded < ?"
            " ORDER BY waiting_since",
            (before, stage),
        )
        return [(int(r[0]), float(r[1]), r[2]) for r in rows]

    async def care_reminded(self, client_id: int, stage: int, since: float) -> None:
        await self._db.write(
            "UPDATE care_threads SET reminded = MAX(reminded, ?) WHERE client_id = ? AND waiting_since = ?",
            (stage, client_id, since),
        )

    async def care_request_copies(
        self, client_id: int, button: str, limit: int = 200
    ) -> list[tuple[int, int]]:
        """Bot messages in staff chats that carry the client's care buttons (`button`: the packed
        callback data to look for): (chat id, message id), the newest first. Only the outbox keys of
        the client's messages to care and of reminders about them are read (dedup_key ranges, indexed)."""
        ranges: list[object] = []
        for kind in ("cr", "cm", "care-remind"):
            prefix = f"{kind}:{client_id}:"
            ranges += [prefix, prefix[:-1] + ";"]  # ";" follows ":": every key with the prefix
        rows = await self._db.fetchall(
            "SELECT o.chat_id, o.message_ids FROM outbox o"
            " WHERE ((o.dedup_key >= ? AND o.dedup_key < ?) OR (o.dedup_key >= ? AND o.dedup_key < ?)"
            " OR (o.dedup_key >= ? AND o.dedup_key < ?))"
            " AND +o.status = 'sent' AND o.chat_id != ? AND o.message_ids IS NOT NULL"  # +: use the key index
            " AND instr(o.payload, ?) > 0 ORDER BY o.id DESC LIMIT ?",
            (*ranges, client_id, json.dumps(button), limit),
        )
        return [(int(r[0]), int(mid)) for r in rows for mid in json.loads(r[1])]

    async def care_thread(self, client_id: int) -> CareThread | None:
        row = await self._db.fetchone(
            "SELECT client_id, care_id, taken_by FROM care_threads WHERE client_id = ?", (client_id,)
        )
        return CareThread(row[0], row[1], row[2]) if row else None

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
