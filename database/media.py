"""SQL of filed media (table `media`) and of who it was queued for (`media_deliveries`), migration 0005."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from database.connection import Database

_COLUMNS = (
    "id, dedup_key, order_id, type_label, subfolder, rel_path, file_id, kind, caption, employee_id,"
    " chat_id, message_id, media_group_id, size, hidden, created_at"
)

# A claim is "taken" unless its outbox row ended without reaching the client.
_CLAIM_LOST = (
    "EXISTS (SELECT 1 FROM outbox o WHERE o.dedup_key = media_deliveries.outbox_key"
    " AND o.status IN ('blocked', 'failed'))"
)


@dataclass(frozen=True, slots=True)
class NewMedia:
    dedup_key: str
    order_id: int
    type_label: str
    subfolder: str
    rel_path: str
    file_id: str
    kind: str
    caption: str
    employee_id: int
    chat_id: int
    message_id: int
    media_group_id: str | None
    size: int | None
    hidden: bool


@dataclass(frozen=True, slots=True)
class MediaRecord(NewMedia):
    """A saved file as stored: what was filed, plus its row id and when."""

    id: int
    created_at: float


def media_key(chat_id: int, message_id: int) -> str:
    return f"{chat_id}:{message_id}"


def _record(row: aiosqlite.Row) -> MediaRecord:
    return MediaRecord(
        id=row["id"],
        dedup_key=row["dedup_key"],
        order_id=row["order_id"],
        type_label=row["type_label"],
        subfolder=row["subfolder"],
        rel_path=row["rel_path"],
        file_id=row["file_id"],
        kind=row["kind"],
        caption=row["caption"],
        employee_id=row["employee_id"],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        media_group_id=row["media_group_id"],
        size=row["size"],
        hidden=bool(row["hidden"]),
        created_at=row["created_at"],
    )


class MediaRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_keys(self, keys: Sequence[str]) -> dict[str, MediaRecord]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM media WHERE dedup_key IN ({marks})", keys)
        return {row["dedup_key"]: _record(row) for row in rows}

    async def add(self, new: NewMedia) -> MediaRecord:
        """Store a filed file; a key stored before wins (the caller checked it, a replay may race)."""
        await self._db.write(
            f"INSERT OR IGNORE INTO media ({_COLUMNS.removeprefix('id, ')})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.dedup_key, new.order_id, new.type_label, new.subfolder, new.rel_path, new.file_id,
                new.kind, new.caption, new.employee_id, new.chat_id, new.message_id, new.media_group_id,
                new.size, int(new.hidden), time.time(),
            ),
        )  # fmt: skip
        stored = await self.by_keys([new.dedup_key])
        return stored[new.dedup_key]

    async def for_order(self, order_id: int) -> list[MediaRecord]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM media WHERE order_id = ? ORDER BY id", (order_id,)
        )
        return [_record(row) for row in rows]

    async def undelivered(self, client_id: int, order_ids: Sequence[int]) -> list[MediaRecord]:
        """Files of these orders a client may see and has not got (or whose delivery failed), oldest first."""
        if not order_ids:
            return []
        marks = ",".join("?" * len(order_ids))
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM media WHERE hidden = 0 AND order_id IN ({marks})"
            " AND NOT EXISTS (SELECT 1 FROM media_deliveries WHERE media_id = media.id"
            f" AND client_id = ? AND NOT {_CLAIM_LOST}) ORDER BY id",
            (*order_ids, client_id),
        )
        return [_record(row) for row in rows]

    async def claim(self, client_id: int, media_ids: Sequence[int], outbox_key: str) -> set[int]:
        """Reserve files for one delivery to a client; returns the ids this key holds afterwards.

        A file already claimed by another key whose delivery is pending or sent stays with it, so
        two deliveries racing (live filing and a backlog) never both send it. Claiming again with
        the same key (a replayed update) returns the same ids.
        """
        if not media_ids:
            return set()
        now = time.time()
        marks = ",".join("?" * len(media_ids))

        def claim(conn: sqlite3.Connection) -> list[Any]:
            conn.executemany(
                "INSERT INTO media_deliveries (media_id, client_id, outbox_key, claimed_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (media_id, client_id) DO UPDATE SET"
                " outbox_key = excluded.outbox_key, claimed_at = excluded.claimed_at"
                f" WHERE {_CLAIM_LOST}",
                [(media_id, client_id, outbox_key, now) for media_id in media_ids],
            )
            return conn.execute(
                f"SELECT media_id FROM media_deliveries WHERE client_id = ? AND outbox_key = ?"
                f" AND media_id IN ({marks})",
                (client_id, outbox_key, *media_ids),
            ).fetchall()

        rows = await self._db.run(claim)
        return {int(row[0]) for row in rows}
