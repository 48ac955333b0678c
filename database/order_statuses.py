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


@dataclass(frozen=True, slots=True)
class StatusSetRow:
    """The order's newest status row: its id and who set it."""

    id: int
    set_by: int


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

    async def set(self, order_id: int, status: str, set_by: int, now: float) -> tuple[StatusSetRow, bool]:
        """Give the order `status` unless it already has it (one transaction: a double tap, or two staff
        at once, store it once). The order's newest row afterwards, and whether it is new."""

        def work(conn: sqlite3.Connection) -> tuple[StatusSetRow, bool]:
            row = conn.execute(
                "SELECT id, set_by FROM order_statuses WHERE order_id = ? AND id ="
                " (SELECT MAX(id) FROM order_statuses WHERE order_id = ?) AND status = ?",
                (order_id, order_id, status),
            ).fetchone()
            if row is not None:
                return StatusSetRow(int(row[0]), int(row[1])), False
            cursor = conn.execute(
                "INSERT INTO order_statuses (order_id, status, set_by, set_at) VALUES (?, ?, ?, ?)",
                (order_id, status, set_by, now),
            )
            return StatusSetRow(int(cursor.lastrowid or 0), set_by), True

        return await self._db.run(work)
