"""SQL of the per-order invitations (table order_invites, migration 0010)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from database.connection import Database
from database.users import Level


@dataclass(frozen=True, slots=True)
class Invite:
    order_id: int
    token: str
    created_by: int
    created_at: float
    expires_at: float


_INVITE_COLUMNS = "order_id, token, created_by, created_at, expires_at"


def _invite(row: Sequence[object]) -> Invite:
    return Invite(int(row[0]), str(row[1]), int(row[2]), float(row[3]), float(row[4]))  # type: ignore[arg-type]


class InviteRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_order(self, order_id: int) -> Invite | None:
        row = await self._db.fetchone(
            f"SELECT {_INVITE_COLUMNS} FROM order_invites WHERE order_id = ?", (order_id,)
        )
        return _invite(row) if row else None

    async def by_token(self, token: str) -> Invite | None:
        row = await self._db.fetchone(
            f"SELECT {_INVITE_COLUMNS} FROM order_invites WHERE token = ?", (token,)
        )
        return _invite(row) if row else None

    async def issue(self, candidate: Invite, now: float) -> Invite:
        """The order's invitation still valid at `now`, or `candidate` stored in place of an expired one
        (one transaction: two staff asking at once get the same link)."""

        def work(conn: sqlite3.Connection) -> Invite:
            row = conn.execute(
                f"SELECT {_INVITE_COLUMNS} FROM order_invites WHERE order_id = ?", (candidate.order_id,)
            ).fetchone()
            if row is not None and float(row[4]) > now:
                return _invite(row)
            conn.execute(
                "INSERT INTO order_invites (order_id, token, created_by, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (order_id) DO UPDATE SET token = excluded.token,"
                " created_by = excluded.created_by, created_at = excluded.created_at,"
                " expires_at = excluded.expires_at",
                (candidate.order_id, candidate.token, candidate.created_by, candidate.created_at,
                 candidate.expires_at),
            )  # fmt: skip
            return candidate

        return await self._db.run(work)

    async def staff_on_order(self, order_id: int) -> list[int]:
        """Active staff whose current order (work_context) is this one."""
        rows = await self._db.fetchall(
            "SELECT w.telegram_id FROM work_context w JOIN users u ON u.telegram_id = w.telegram_id"
            " WHERE w.order_id = ? AND u.level IN (?, ?, ?) AND u.activity = 1 ORDER BY w.telegram_id",
            (order_id, int(Level.ADMIN), int(Level.EMPLOYEE), int(Level.CARE)),
        )
        return [int(row[0]) for row in rows]
