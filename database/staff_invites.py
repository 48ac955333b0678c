"""Staff registered in advance by phone: the level and name an admin set before the person connected."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

import aiosqlite

from database.connection import Database


@dataclass(frozen=True, slots=True)
class StaffInvite:
    id: int
    phone: str
    level: int  # a database.users.Level value (admin, employee or care)
    name: str | None
    created_by: int
    created_at: float


_COLUMNS = "id, phone, level, name, created_by, created_at"


def _invite(row: aiosqlite.Row | sqlite3.Row | tuple) -> StaffInvite:
    return StaffInvite(int(row[0]), row[1], int(row[2]), row[3], int(row[4]), float(row[5]))


def take_staff_invite(conn: sqlite3.Connection, phone: str) -> StaffInvite | None:
    """For units of work (`Database.run`): the invite of this phone, deleted (it is used once)."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM staff_invites WHERE phone = ?", (phone,)).fetchone()
    if row is None:
        return None
    conn.execute("DELETE FROM staff_invites WHERE id = ?", (row[0],))
    return _invite(row)


class StaffInviteRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, phone: str, level: int, created_by: int) -> StaffInvite:
        """Register the phone (or change the level of its invite); the name set before is kept."""
        await self._db.write(
            "INSERT INTO staff_invites (phone, level, created_by, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (phone) DO UPDATE SET level = excluded.level, created_by = excluded.created_by",
            (phone, level, created_by, time.time()),
        )
        invite = await self.by_phone(phone)
        assert invite is not None
        return invite

    async def get(self, invite_id: int) -> StaffInvite | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM staff_invites WHERE id = ?", (invite_id,))
        return _invite(row) if row else None

    async def by_phone(self, phone: str) -> StaffInvite | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM staff_invites WHERE phone = ?", (phone,))
        return _invite(row) if row else None

    async def set_level(self, invite_id: int, level: int) -> None:
        await self._db.write("UPDATE staff_invites SET level = ? WHERE id = ?", (level, invite_id))

    async def set_name(self, invite_id: int, name: str) -> None:
        await self._db.write("UPDATE staff_invites SET name = ? WHERE id = ?", (name, invite_id))

    async def delete(self, invite_id: int) -> bool:
        cursor = await self._db.write("DELETE FROM staff_invites WHERE id = ?", (invite_id,))
        return cursor.rowcount > 0
