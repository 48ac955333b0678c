"""SQL of the order statuses (table order_statuses, migration 0010): the newest row is the current one."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from database.connection import Database


@dataclass(frozen=True, slots=True)
class StatusMark:
    """One status an order was given: its key (config ORDER_STATUSES), who set it and when."""

    id: int
    order_id: int
    status: str
    set_by: int
    set_at: float
    set_by_name: str  # the staff member's name as the bot knows it now ('' when unknown)


_STATUS_SQL = (
    "SELECT s.id, s.order_id, s.status, s.set_by, s.set_at,"
    " COALESCE(NULLIF(u.name, ''), NULLIF(u.tg_name, ''), u.phone, '') AS set_by_name"
    " FROM order_statuses s LEFT JOIN users u ON u.telegram_id = s.set_by"
)


def _mark(row: Sequence[object]) -> StatusMark:
    return StatusMark(int(row[0]), int(row[1]), str(row[2]), int(row[3]), float(row[4]), str(row[5] or ""))  # type: ignore[arg-type]


class StatusRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def current(self, order_id: int) -> StatusMark | None:
        row = await self._db.fetchone(
            f"{_STATUS_SQL} WHERE s.order_id = ? ORDER BY s.id DESC LIMIT 1", (order_id,)
        )
        return _mark(row) if row else None

    async def history(self, order_id: int) -> list[StatusMark]:
        rows = await self._db.fetchall(f"{_STATUS_SQL} WHERE s.order_id = ? ORDER BY s.id", (order_id,))
        return [_mark(row) for row in rows]

    async def set(self, order_id: int, status: str, set_by: int, now: float) -> int | None:
        """Give the order `status` unless it already has it (one transaction: a double tap, or two staff
        at once, store it once). The new row's id, or None when nothing changed."""

        def work(conn: sqlite3.Connection) -> int | None:
            row = conn.execute(
                "SELECT status FROM order_statuses WHERE order_id = ? ORDER BY id DESC LIMIT 1", (order_id,)
            ).fetchone()
            if row is not None and row[0] == status:
                return None
            cursor = conn.execute(
                "INSERT INTO order_statuses (order_id, status, set_by, set_at) VALUES (?, ?, ?, ?)",
                (order_id, status, set_by, now),
            )
            return int(cursor.lastrowid or 0)

        return await self._db.run(work)
