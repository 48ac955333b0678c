"""SQL of the folder watcher (tables `folder_files`, `folder_watch`, migration 0007)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from database.connection import Database
from database.users import Activity, Level

BASELINE = "baseline"  # already there when the watcher first ran: the dealer's history
MEDIA = "media"  # a `media` row carries it to clients
TOO_BIG = "too_big"  # larger than the Bot API lets a bot upload


@dataclass(frozen=True, slots=True)
class WatchedOrder:
    id: int
    number: str
    phone: str | None
    first_seen: int


@dataclass(frozen=True, slots=True)
class SettledFile:
    rel_path: str
    order_id: int
    state: str
    size: int
    mtime_ns: int


class FolderFileRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def started_at(self) -> float:
        """When the watcher first ran on this database (set now on the very first call)."""
        await self._db.write(
            "INSERT OR IGNORE INTO folder_watch (id, started_at) VALUES (1, ?)", (time.time(),)
        )
        return float(await self._db.fetchval("SELECT started_at FROM folder_watch WHERE id = 1"))

    async def watched_orders(self) -> list[WatchedOrder]:
        """Open orders with a connected, active client: the only folders worth a look every few
        seconds (a share may hold tens of thousands of orders). An order whose client connects
        later is watched from then on; files that arrived meanwhile are news all the same."""
        rows = await self._db.fetchall(
            "SELECT id, number, phone, first_seen FROM orders o WHERE is_open = 1 AND phone IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM users u WHERE u.phone = o.phone AND u.level = ? AND u.activity = ?)"
            " ORDER BY id",
            (int(Level.CLIENT), int(Activity.ACTIVE)),
        )
        return [WatchedOrder(r["id"], r["number"], r["phone"], r["first_seen"]) for r in rows]

    async def known_paths(self, order_ids: Sequence[int]) -> dict[int, set[str]]:
        """Per order: the paths settled by the watcher or filed by the bot itself (its own files)."""
        known: dict[int, set[str]] = {}
        for start in range(0, len(order_ids), 500):
            part = order_ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = await self._db.fetchall(
                f"SELECT order_id, rel_path FROM folder_files WHERE order_id IN ({marks})"
                f" UNION ALL SELECT order_id, rel_path FROM media WHERE order_id IN ({marks})",
                (*part, *part),
            )
            for row in rows:
                known.setdefault(int(row[0]), set()).add(row[1])
        return known

    async def is_known(self, rel_paths: Sequence[str]) -> set[str]:
        """Which of these paths are known now (a file the bot filed a moment ago, say)."""
        if not rel_paths:
            return set()
        marks = ",".join("?" * len(rel_paths))
        rows = await self._db.fetchall(
            f"SELECT rel_path FROM folder_files WHERE rel_path IN ({marks})"
            f" UNION SELECT rel_path FROM media WHERE rel_path IN ({marks})",
            (*rel_paths, *rel_paths),
        )
        return {row[0] for row in rows}

    async def unclaimed_media(self, order_id: int, client_id: int) -> list[int]:
        """Ids of the order's folder files never queued for this client (a crash came between
        recording them and queueing their delivery)."""
        rows = await self._db.fetchall(
            "SELECT id FROM media WHERE order_id = ? AND hidden = 0 AND file_id LIKE 'share-file:%'"
            " AND NOT EXISTS (SELECT 1 FROM media_deliveries d WHERE d.media_id = media.id"
            " AND d.client_id = ?) ORDER BY id",
            (order_id, client_id),
        )
        return [int(row[0]) for row in rows]

    async def looked_at(self, order_ids: Sequence[int]) -> set[int]:
        """Which of these orders the watcher has looked at before (in any run)."""
        looked: set[int] = set()
        for start in range(0, len(order_ids), 500):
            part = order_ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = await self._db.fetchall(
                f"SELECT order_id FROM folder_watch_orders WHERE order_id IN ({marks})", part
            )
            looked.update(int(row[0]) for row in rows)
        return looked

    async def mark_looked(self, order_ids: Sequence[int]) -> None:
        now = time.time()
        await self._db.write_many(
            "INSERT OR IGNORE INTO folder_watch_orders (order_id, first_look) VALUES (?, ?)",
            [(order_id, now) for order_id in order_ids],
        )

    async def settle(self, files: Sequence[SettledFile]) -> None:
        now = time.time()
        await self._db.write_many(
            "INSERT OR IGNORE INTO folder_files (rel_path, order_id, state, size, mtime_ns, seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(f.rel_path, f.order_id, f.state, f.size, f.mtime_ns, now) for f in files],
        )
