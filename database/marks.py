"""SQL of condition marks on filed photos and videos (table `media_marks`, migration 0010)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from database.connection import Database


@dataclass(frozen=True, slots=True)
class MediaMark:
    media_id: int
    mark: str  # ok | soon | now
    note: str
    marked_by: int
    marked_at: float


@dataclass(frozen=True, slots=True)
class MarkedMedia:
    """A marked file of an order, as a recommendation links it."""

    media_id: int
    kind: str
    file_id: str
    mark: str
    note: str


@dataclass(frozen=True, slots=True)
class ClientCopy:
    """Where a client got a filed file: the client, and the message ids of the outbox row that carried
    it (empty while it is pending), with the file's place among them."""

    client_id: int
    message_ids: list[int]
    position: int


class MarkRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set(self, media_ids: Sequence[int], mark: str, note: str | None, by: int) -> None:
        """Mark these files (a later mark replaces an earlier one); note None keeps the stored note."""
        now = time.time()
        keep = "media_marks.note" if note is None else "excluded.note"
        await self._db.write_many(
            "INSERT INTO media_marks (media_id, mark, note, marked_by, marked_at) VALUES (?, ?, ?, ?, ?)"
            f" ON CONFLICT (media_id) DO UPDATE SET mark = excluded.mark, note = {keep},"
            " marked_by = excluded.marked_by, marked_at = excluded.marked_at",
            [(media_id, mark, note or "", by, now) for media_id in media_ids],
        )

    async def add_if_absent(self, media_id: int, mark: str, note: str, by: int) -> None:
        """A mark from the caption: a replayed update must not undo a tap made since."""
        await self._db.write(
            "INSERT OR IGNORE INTO media_marks (media_id, mark, note, marked_by, marked_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (media_id, mark, note, by, time.time()),
        )

    async def set_note(self, media_ids: Sequence[int], note: str) -> None:
        await self._db.write_many(
            "UPDATE media_marks SET note = ? WHERE media_id = ?", [(note, media_id) for media_id in media_ids]
        )

    async def of(self, media_ids: Sequence[int]) -> dict[int, MediaMark]:
        if not media_ids:
            return {}
        marks = ",".join("?" * len(media_ids))
        rows = await self._db.fetchall(
            f"SELECT media_id, mark, note, marked_by, marked_at FROM media_marks WHERE media_id IN ({marks})",
            tuple(media_ids),
        )
        return {row[0]: MediaMark(row[0], row[1], row[2], row[3], row[4]) for row in rows}

    async def marked_in_order(self, order_id: int, marks: Sequence[str]) -> list[MarkedMedia]:
        """The order's photos and videos marked one of `marks`, in filing order."""
        places = ",".join("?" * len(marks))
        rows = await self._db.fetchall(
            "SELECT m.id, m.kind, m.file_id, k.mark, k.note FROM media m"
            " JOIN media_marks k ON k.media_id = m.id"
            f" WHERE m.order_id = ? AND k.mark IN ({places}) ORDER BY m.id",
            (order_id, *marks),
        )
        return [MarkedMedia(row[0], row[1], row[2], row[3], row[4]) for row in rows]

    async def client_copies(self, media_id: int) -> list[ClientCopy]:
        """Every client copy of a file queued or sent (not the ones that failed for good)."""
        rows = await self._db.fetchall(
            "SELECT d.client_id, d.outbox_key, o.status, o.message_ids FROM media_deliveries d"
            " JOIN outbox o ON o.dedup_key = d.outbox_key"
            " WHERE d.media_id = ? AND o.status IN ('pending', 'sent')",
            (media_id,),
        )
        copies = []
        for client_id, key, status, ids in rows:
            refs = str(key).rsplit(":", 1)[-1].split(".")  # build_deliveries: `<prefix>:<id.id...>`
            position = refs.index(str(media_id)) if str(media_id) in refs else 0
            sent = [int(i) for i in json.loads(ids)] if status == "sent" and ids else []
            copies.append(ClientCopy(int(client_id), sent, position))
        return copies

    async def album_of(self, media_id: int) -> list[AlbumFile]:
        """The file and the others filed from the same message or album (same chat, album and order)."""
        rows = await self._db.fetchall(
            "SELECT b.id, b.order_id, b.kind FROM media a JOIN media b ON b.order_id = a.order_id"
            " AND b.chat_id = a.chat_id AND (b.id = a.id OR (a.media_group_id IS NOT NULL"
            " AND b.media_group_id = a.media_group_id)) WHERE a.id = ? ORDER BY b.id",
            (media_id,),
        )
        return [AlbumFile(row[0], row[1], row[2]) for row in rows]


@dataclass(frozen=True, slots=True)
class AlbumFile:
    media_id: int
    order_id: int
    kind: str
