"""SQL of the delivery outbox (see runtime/outbox.py for the worker that drains it)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import aiosqlite

from database.connection import Database


class Method(StrEnum):
    MESSAGE = "message"
    PHOTO = "photo"
    VIDEO = "video"
    DOCUMENT = "document"
    MEDIA_GROUP = "media_group"
    REACTION = "reaction"  # setMessageReaction on a message in the chat (payload: message_id, reaction)
    # editMessageText of a message the outbox sent (payload: text, edit_of = that row's dedup key)
    EDIT_TEXT = "edit_text"


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"  # the recipient blocked the bot or never started it
    FAILED = "failed"  # Telegram refused it for good


@dataclass(frozen=True, slots=True)
class Delivery:
    """One Bot API call to make: `payload` holds its JSON arguments except chat_id (`reply_markup`: an
    inline keyboard, a reply keyboard or its removal, as dicts; `reply_to`: a message id).

    One chat's deliveries are sent round-robin across the people whose messages caused them (in
    order within each), so one sender's flood cannot hold back everybody else. That sender is read
    from the dedup key, by the convention every relay key follows: `<kind>:<sender chat id>:<rest>`
    (`lane_of`); a delivery without such a key shares one lane with the others like it.
    """

    chat_id: int
    method: Method
    payload: dict[str, Any]
    dedup_key: str | None = None


def lane_of(dedup_key: str | None) -> int | None:
    """The sender chat id of a key `<kind>:<sender chat id>:<rest>`; None (one shared lane) otherwise."""
    if not dedup_key:
        return None
    parts = dedup_key.split(":", 3)
    if len(parts) < 3:
        return None
    try:
        return int(parts[1])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class BatchSpec:
    """Tell `report_to` how a group of deliveries went, once all of them are done."""

    kind: str
    report_to: int | None
    params: dict[str, Any] = field(default_factory=dict)
    dedup_key: str | None = None
    only_problems: bool = False  # the reporter speaks only when something was not delivered
    # With only_problems: queued as soon as every delivery went out, without asking the database (a
    # batch a restart interrupted is reported instead, and its reporter may return the same delivery).
    on_success: Delivery | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    chat_id: int
    method: Method
    payload: dict[str, Any]
    batch_id: int | None
    attempts: int
    next_attempt_at: float
    lane: int | None = None  # whose message it carries: the fair queue's lane (see Delivery)


@dataclass(frozen=True, slots=True)
class PendingRows:
    items: list[OutboxItem]  # due now, in id order
    held: dict[int, float]  # chat -> its earliest retry time, for chats with a row not yet due
    more: bool = False  # the page was full: more rows are due than were read


@dataclass(frozen=True, slots=True)
class SentMark:
    item_id: int
    message_ids: list[int]
    at: float


@dataclass(frozen=True, slots=True)
class Outcome:
    chat_id: int
    method: Method
    status: Status
    error: str | None


@dataclass(frozen=True, slots=True)
class Batch:
    id: int
    kind: str
    report_to: int | None
    params: dict[str, Any]
    outcomes: list[Outcome]


def _item(row: aiosqlite.Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        chat_id=row["chat_id"],
        method=Method(row["method"]),
        payload=json.loads(row["payload"]),
        batch_id=row["batch_id"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        lane=lane_of(row["dedup_key"]),
    )


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, deliveries: Sequence[Delivery], batch: BatchSpec | None = None
    ) -> tuple[int | None, list[OutboxItem]]:
        """Store deliveries (and their batch) in one transaction; keys already stored are skipped.

        Returns the batch id (None without a batch) and the items actually added.
        """
        now = time.time()
        rows = [
            (d.dedup_key, d.chat_id, str(d.method), json.dumps(d.payload, ensure_ascii=False), now, now)
            for d in deliveries
        ]

        def store(conn: sqlite3.Connection) -> tuple[int | None, list[OutboxItem]]:
            batch_id = _add_batch(conn, batch, now) if batch else None
            added = []
            for d, row in zip(deliveries, rows, strict=True):
                for (item_id,) in conn.execute(_INSERT_ITEM, (*row, batch_id)).fetchall():
                    lane = lane_of(d.dedup_key)
                    added.append(OutboxItem(item_id, d.chat_id, d.method, d.payload, batch_id, 0, now, lane))
            return batch_id, added

        return await self._db.run(store)

    async def pending(self, exclude: set[int], limit: int = 500) -> PendingRows:
        """Rows due now (not in `exclude`), in id order, and the chats held behind a retry: a chat with
        any row not yet due is held whole (its rows are not read), so a long backlog behind a retry
        neither fills the page nor hides another chat's retry."""
        now = time.time()

        def query(conn: sqlite3.Connection) -> PendingRows:
            held = dict(conn.execute(_HELD_CHATS, (now,)).fetchall())
            rows = conn.execute(_DUE_ROWS, (now, limit + len(exclude))).fetchall()
            items = [_item(row) for row in rows if row["id"] not in exclude]
            return PendingRows(items[:limit], held, len(rows) == limit + len(exclude))

        return await self._db.read(query)

    async def finish(self, item_id: int, status: Status, message_ids: list[int], error: str | None) -> None:
        await self._db.write(
            "UPDATE outbox SET status = ?, sent_at = ?, message_ids = ?, last_error = ?,"
            " attempts = attempts + 1 WHERE id = ?",
            (str(status), time.time(), json.dumps(message_ids), error, item_id),
        )

    async def finish_sent(self, marks: Sequence[SentMark]) -> None:
        """Mark many deliveries sent in one transaction."""
        rows = [(mark.at, json.dumps(mark.message_ids), mark.item_id) for mark in marks]
        await self._db.write_many(
            "UPDATE outbox SET status = 'sent', sent_at = ?, message_ids = ?, last_error = NULL,"
            " attempts = attempts + 1 WHERE id = ?",
            rows,
        )

    async def postpone(self, item_id: int, delay: float, error: str) -> None:
        await self._db.write(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
            (time.time() + delay, error, item_id),
        )

    async def message_ids_of(self, dedup_key: str) -> list[int]:
        """The message ids Telegram gave the row with this key (empty until it is sent)."""
        value = await self._db.fetchval(
            "SELECT message_ids FROM outbox WHERE dedup_key = ? AND status = 'sent'", (dedup_key,)
        )
        return [] if not value else [int(i) for i in json.loads(value)]

    async def take_finished_batch(self, batch_id: int) -> Batch | None:
        """If every item of the batch is done and it was not reported yet, mark it and return it."""

        def take(conn: sqlite3.Connection) -> tuple[Any, list[Any]] | None:
            head = conn.execute(
                "SELECT kind, report_to, params FROM outbox_batches WHERE id = ? AND status = 'open'"
                " AND NOT EXISTS (SELECT 1 FROM outbox WHERE batch_id = ? AND status = 'pending')",
                (batch_id, batch_id),
            ).fetchone()
            if head is None:
                return None
            rows = conn.execute(
                "SELECT chat_id, method, status, last_error FROM outbox WHERE batch_id = ? ORDER BY id",
                (batch_id,),
            ).fetchall()
            conn.execute("UPDATE outbox_batches SET status = 'reported' WHERE id = ?", (batch_id,))
            return head, rows

        found = await self._db.run(take)
        if found is None:
            return None
        head, rows = found
        outcomes = [Outcome(r[0], Method(r[1]), Status(r[2]), r[3]) for r in rows]
        return Batch(batch_id, head[0], head[1], json.loads(head[2]), outcomes)

    async def mark_reported(self, batch_ids: Sequence[int]) -> None:
        await self._db.write_many(
            "UPDATE outbox_batches SET status = 'reported' WHERE id = ?", [(i,) for i in batch_ids]
        )

    async def open_batches(self) -> list[int]:
        rows = await self._db.fetchall("SELECT id FROM outbox_batches WHERE status = 'open'")
        return [row[0] for row in rows]

    async def count(self, status: Status) -> int:
        return int(await self._db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = ?", (str(status),)))


_HELD_CHATS = (
    "SELECT chat_id, MIN(next_attempt_at) FROM outbox WHERE status = 'pending' AND next_attempt_at > ?"
    " GROUP BY chat_id"
)
_DUE_ROWS = (
    "SELECT id, chat_id, method, payload, batch_id, attempts, next_attempt_at, dedup_key FROM outbox"
    " WHERE status = 'pending' AND chat_id NOT IN"
    " (SELECT chat_id FROM outbox WHERE status = 'pending' AND next_attempt_at > ?1)"
    " ORDER BY id LIMIT ?2"
)
_INSERT_ITEM = (
    "INSERT OR IGNORE INTO outbox"
    " (dedup_key, chat_id, method, payload, next_attempt_at, created_at, batch_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
)


def _add_batch(conn: sqlite3.Connection, batch: BatchSpec, now: float) -> int:
    """Insert the batch, or find the one stored under the same key: one statement either way."""
    row = conn.execute(
        "INSERT INTO outbox_batches (dedup_key, report_to, kind, params, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (dedup_key) DO UPDATE SET dedup_key = excluded.dedup_key RETURNING id",
        (batch.dedup_key, batch.report_to, batch.kind, json.dumps(batch.params, ensure_ascii=False), now),
    ).fetchone()
    return int(row[0])
