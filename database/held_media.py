"""SQL of files held until their stage is chosen (table `held_media`, migration 0008)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from database.connection import Database


@dataclass(frozen=True, slots=True)
class HeldFile:
    dedup_key: str
    order_id: int | None  # None: sent before any order was chosen
    payload: dict[str, Any]


class HeldMediaRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def hold(
        self, staff_id: int, order_id: int | None, files: Sequence[tuple[str, dict[str, Any]]]
    ) -> None:
        """Keep `(dedup_key, payload)` files; a key held before keeps its first order (a replay)."""
        now = time.time()
        rows = [(key, staff_id, order_id, json.dumps(data, ensure_ascii=False), now) for key, data in files]
        await self._db.write_many(
            "INSERT OR IGNORE INTO held_media (dedup_key, staff_id, order_id, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            rows,
        )

    async def for_order(self, staff_id: int, order_id: int, unassigned_since: float) -> list[HeldFile]:
        """What this staff member sent into the order before a stage, and before any order since
        `unassigned_since` (unix time), in the order they sent it."""
        rows = await self._db.fetchall(
            "SELECT dedup_key, order_id, payload FROM held_media WHERE staff_id = ?"
            " AND (order_id = ? OR (order_id IS NULL AND created_at >= ?)) ORDER BY rowid",
            (staff_id, order_id, unassigned_since),
        )
        return [HeldFile(row[0], row[1], json.loads(row[2])) for row in rows]

    async def release(self, keys: Sequence[str]) -> None:
        await self._db.write_many("DELETE FROM held_media WHERE dedup_key = ?", [(key,) for key in keys])
