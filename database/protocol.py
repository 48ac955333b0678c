"""SQL of the conversation protocol."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from database.connection import Database
from database.orders import Order
from database.users import User


@dataclass(frozen=True, slots=True)
class ProtocolEntry:
    """One line of a conversation; order_id None means outside open orders."""

    order_id: int | None
    order_number: str | None
    sender_id: int | None
    sender_role: int | None
    sender_name: str
    recipient: str
    kind: str
    text: str
    file_path: str | None = None
    dedup_key: str | None = None

    @classmethod
    def in_order(
        cls, person: User, order: Order, *, recipient: str, kind: str, text: str, dedup_key: str
    ) -> ProtocolEntry:
        """A line about something `person` did in `order` (a status, a mark, a decision...)."""
        return cls(
            order_id=order.id,
            order_number=order.number,
            sender_id=person.telegram_id,
            sender_role=int(person.level),
            sender_name=person.display_name,
            recipient=recipient,
            kind=kind,
            text=text,
            dedup_key=dedup_key,
        )


@dataclass(frozen=True, slots=True)
class StoredEntry:
    id: int
    at: float
    entry: ProtocolEntry


_COLUMNS = (
    "id, at, order_id, order_number, sender_id, sender_role, sender_name, recipient, kind, text,"
    " file_path, dedup_key"
)


def _stored(row: aiosqlite.Row) -> StoredEntry:
    entry = ProtocolEntry(
        order_id=row["order_id"],
        order_number=row["order_number"],
        sender_id=row["sender_id"],
        sender_role=row["sender_role"],
        sender_name=row["sender_name"],
        recipient=row["recipient"],
        kind=row["kind"],
        text=row["text"],
        file_path=row["file_path"],
        dedup_key=row["dedup_key"],
    )
    return StoredEntry(row["id"], row["at"], entry)


class ProtocolRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, entry: ProtocolEntry) -> StoredEntry | None:
        """Store the entry; None when an entry with the same dedup_key already exists."""
        now = time.time()
        cursor = await self._db.write(
            "INSERT OR IGNORE INTO protocol (dedup_key, at, order_id, order_number, sender_id, sender_role,"
            " sender_name, recipient, kind, text, file_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.dedup_key, now, entry.order_id, entry.order_number, entry.sender_id,
                entry.sender_role, entry.sender_name, entry.recipient, entry.kind, entry.text,
                entry.file_path,
            ),
        )  # fmt: skip
        if cursor.rowcount == 0:
            return None
        return StoredEntry(int(cursor.lastrowid or 0), now, entry)

    async def mark_archived(self, entry_ids: Sequence[int]) -> None:
        await self._db.write_many("UPDATE protocol SET archived = 1 WHERE id = ?", [(i,) for i in entry_ids])

    async def unarchived(self) -> list[StoredEntry]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM protocol WHERE archived = 0 ORDER BY id")
        return [_stored(row) for row in rows]

    async def for_order(self, order_id: int) -> list[StoredEntry]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM protocol WHERE order_id = ? ORDER BY id", (order_id,)
        )
        return [_stored(row) for row in rows]

    async def general(self, limit: int = 5000) -> list[StoredEntry]:
        """Conversation outside open orders, newest last."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM (SELECT {_COLUMNS} FROM protocol WHERE order_id IS NULL"
            " ORDER BY id DESC LIMIT ?) ORDER BY id",
            (limit,),
        )
        return [_stored(row) for row in rows]
