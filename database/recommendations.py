"""SQL of recommendations the owner approves or declines (tables `recommendations`,
`recommendation_media`, migration 0010), and the owner's view of their orders' statuses."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from database.connection import Database

_COLUMNS = (
    "id, order_id, title, reason, price, created_by, created_at, decision, decided_by, decided_at,"
    " decided_price"
)


@dataclass(frozen=True, slots=True)
class Recommendation:
    id: int
    order_id: int
    title: str
    reason: str
    price: int  # kopecks
    created_by: int
    created_at: float
    decision: str | None  # approved | declined | None (waiting)
    decided_by: int | None
    decided_at: float | None
    decided_price: int | None  # the price the owner saw when deciding


@dataclass(frozen=True, slots=True)
class Totals:
    """An order's recommendations by state: how many and their sum in kopecks."""

    approved: int = 0
    approved_sum: int = 0
    declined: int = 0
    declined_sum: int = 0
    waiting: int = 0
    waiting_sum: int = 0


def _rec(row: aiosqlite.Row | tuple) -> Recommendation:
    return Recommendation(*row)


class RecommendationRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, order_id: int, title: str, reason: str, price: int, by: int, media_ids: Sequence[int]
    ) -> Recommendation:
        """The recommendation and its linked photos, in one transaction."""
        now = time.time()

        def write(conn: sqlite3.Connection) -> tuple:
            rec_id = conn.execute(
                "INSERT INTO recommendations (order_id, title, reason, price, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (order_id, title, reason, price, by, now),
            ).fetchone()[0]
            conn.executemany(
                "INSERT OR IGNORE INTO recommendation_media (recommendation_id, media_id) VALUES (?, ?)",
                [(rec_id, media_id) for media_id in media_ids],
            )
            return conn.execute(f"SELECT {_COLUMNS} FROM recommendations WHERE id = ?", (rec_id,)).fetchone()

        return _rec(await self._db.run(write))

    async def get(self, rec_id: int) -> Recommendation | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM recommendations WHERE id = ?", (rec_id,))
        return None if row is None else _rec(tuple(row))

    async def for_order(self, order_id: int) -> list[Recommendation]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM recommendations WHERE order_id = ? ORDER BY id", (order_id,)
        )
        return [_rec(tuple(row)) for row in rows]

    async def decide(self, rec_id: int, decision: str, by: int) -> bool:
        """Store the owner's decision if there is none yet: True for the one call that decided.

        One conditional UPDATE, so a double tap or a replayed update decides once; the price stored is
        the one the card showed (the row's price at that moment)."""

        def write(conn: sqlite3.Connection) -> int:
            return conn.execute(
                "UPDATE recommendations SET decision = ?, decided_by = ?, decided_at = ?,"
                " decided_price = price WHERE id = ? AND decision IS NULL",
                (decision, by, time.time(), rec_id),
            ).rowcount

        return await self._db.run(write, durable=True) == 1

    async def media_of(self, rec_id: int) -> list[tuple[str, str]]:
        """(kind, file_id) of the photos linked to a recommendation, in filing order."""
        rows = await self._db.fetchall(
            "SELECT m.kind, m.file_id FROM recommendation_media r JOIN media m ON m.id = r.media_id"
            " WHERE r.recommendation_id = ? ORDER BY m.id",
            (rec_id,),
        )
        return [(row[0], row[1]) for row in rows]

    async def totals(self, order_id: int) -> Totals:
        rows = await self._db.fetchall(
            "SELECT decision, COUNT(*), SUM(COALESCE(decided_price, price)) FROM recommendations"
            " WHERE order_id = ? GROUP BY decision",
            (order_id,),
        )
        found = {row[0]: (int(row[1]), int(row[2] or 0)) for row in rows}
        approved, declined, waiting = (found.get(k, (0, 0)) for k in ("approved", "declined", None))
        return Totals(approved[0], approved[1], declined[0], declined[1], waiting[0], waiting[1])

    async def waiting_counts(self, order_ids: Sequence[int]) -> dict[int, int]:
        if not order_ids:
            return {}
        marks = ",".join("?" * len(order_ids))
        rows = await self._db.fetchall(
            "SELECT order_id, COUNT(*) FROM recommendations"
            f" WHERE decision IS NULL AND order_id IN ({marks}) GROUP BY order_id",
            tuple(order_ids),
        )
        return {row[0]: int(row[1]) for row in rows}

    async def current_statuses(self, order_ids: Sequence[int]) -> dict[int, str]:
        """The newest status key of each order that has one (table order_statuses)."""
        if not order_ids:
            return {}
        marks = ",".join("?" * len(order_ids))
        rows = await self._db.fetchall(
            "SELECT order_id, status FROM order_statuses WHERE id IN"
            f" (SELECT MAX(id) FROM order_statuses WHERE order_id IN ({marks}) GROUP BY order_id)",
            tuple(order_ids),
        )
        return {row[0]: row[1] for row in rows}
